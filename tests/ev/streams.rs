//! EV005: every change is an event of a stream; a command is planned into the events it would
//! append and committed only while its streams are at the versions it was planned on; a retried
//! command ID is a no-op; a directory rebuilt from its streams, and a replica following them,
//! equal the writer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::all_events;
use crate::common::{self, cases, day};
use proptest::prelude::*;
use smart_accounts::license::{DeviceId, LicenseCommand};
use smart_accounts::strategies::{self, AT};
use smart_accounts::{
    AccountKind, Actor, Command, CommandId, Committed, Directory, DirectoryChange, Error, FreshIds,
    NewUser, OrgKind, RuleId, SCHEMA_VERSION, SaId, StreamEvent, StreamId, VaId, check_schema,
};

fn committed_events(committed: &Committed) -> Vec<StreamEvent> {
    committed
        .directory
        .iter()
        .cloned()
        .map(StreamEvent::Directory)
        .chain(committed.accounts.iter().cloned().map(StreamEvent::Account))
        .collect()
}

fn create_va(sa: SaId, name: &str) -> Command {
    Command::CreateVa {
        sa,
        parent: None,
        name: name.into(),
    }
}

#[test]
fn ev005_a_plan_changes_nothing_and_commits_exactly_the_events_it_showed() {
    let mut w = common::world();
    let alice = Actor::User(w.acme.alice);
    let before = w.dir.clone();
    let plan = w
        .dir
        .plan(&alice, w.at, create_va(w.acme.sa, "Oceania"), None)
        .unwrap();
    assert_eq!(w.dir, before, "planning is a dry run");
    let stream = StreamId::Account(w.acme.sa);
    assert_eq!(plan.expected(), &[(stream, before.version(stream))]);
    assert_eq!(plan.account_events().len(), 1);
    assert_eq!(plan.account_events()[0].seq, before.version(stream) + 1);
    let shown = plan.account_events().to_vec();
    let committed = w.dir.commit(plan).unwrap();
    assert_eq!(committed.accounts, shown);
    assert!(!committed.repeated);
    assert_eq!(w.dir.version(stream), before.version(stream) + 1);
}

#[test]
fn ev005_a_plan_on_a_stream_that_moved_on_is_a_conflict_naming_both_versions_and_changes_nothing() {
    let mut w = common::world();
    let alice = Actor::User(w.acme.alice);
    let stream = StreamId::Account(w.acme.sa);
    let version = w.dir.version(stream);
    let plan = w
        .dir
        .plan(&alice, w.at, create_va(w.acme.sa, "Oceania"), None)
        .unwrap();
    w.dir
        .execute(&alice, w.at, create_va(w.acme.sa, "LATAM"))
        .unwrap();
    let before = w.dir.clone();
    let err = w.dir.commit(plan).unwrap_err();
    assert_eq!(
        err,
        Error::Conflict {
            stream,
            expected: version,
            actual: version + 1
        }
    );
    assert_eq!(err.rule(), RuleId::EV005);
    let text = err.to_string();
    assert!(text.starts_with("EV005"), "{text}");
    assert!(text.contains(&format!("version {}", version + 1)), "{text}");
    assert_eq!(w.dir, before, "a conflict changes nothing");
}

#[test]
fn ev005_commands_on_other_accounts_do_not_conflict() {
    let mut w = common::world();
    let alice = Actor::User(w.acme.alice);
    let plan = w
        .dir
        .plan(&alice, w.at, create_va(w.acme.sa, "Oceania"), None)
        .unwrap();
    // Another account's stream moves on: the plan does not touch it.
    w.dir
        .execute(
            &Actor::User(w.partner.admin),
            w.at,
            create_va(w.partner.holding, "Labs"),
        )
        .unwrap();
    w.dir.commit(plan).unwrap();
}

#[test]
fn ev005_a_retried_command_id_appends_nothing_and_returns_the_first_events() {
    let mut w = common::world();
    let alice = Actor::User(w.acme.alice);
    let id = CommandId::parse("order-42/line-1").unwrap();
    let first = w
        .dir
        .plan(
            &alice,
            w.at,
            create_va(w.acme.sa, "Oceania"),
            Some(id.clone()),
        )
        .unwrap();
    let first = w.dir.commit(first).unwrap();
    assert!(w.dir.is_committed(&id));
    assert_eq!(first.accounts[0].command.as_ref(), Some(&id));
    let after_first = w.dir.clone();
    // The retry, even planned after other commands moved the stream on, changes nothing.
    w.dir
        .execute(&alice, w.at, create_va(w.acme.sa, "LATAM"))
        .unwrap();
    let moved = w.dir.clone();
    let retry = w
        .dir
        .plan(
            &alice,
            w.at,
            create_va(w.acme.sa, "Oceania"),
            Some(id.clone()),
        )
        .unwrap();
    assert!(retry.is_repeat());
    let again = w.dir.commit(retry).unwrap();
    assert!(again.repeated);
    assert_eq!(again.accounts, first.accounts);
    assert_eq!(w.dir, moved);
    assert_ne!(after_first, moved);
    // A plan made before the first commit, committed after it, is a repeat too.
    let mut w2 = common::world();
    let p1 = w2
        .dir
        .plan(
            &alice,
            w2.at,
            create_va(w2.acme.sa, "Oceania"),
            Some(id.clone()),
        )
        .unwrap();
    let p2 = p1.clone();
    w2.dir.commit(p1).unwrap();
    assert!(w2.dir.commit(p2).unwrap().repeated);
}

#[test]
fn ev005_a_command_id_must_be_printable_and_short() {
    for bad in ["", "with space", "tab\there", &"x".repeat(129)] {
        let err = CommandId::parse(bad).unwrap_err();
        assert_eq!(err.rule(), RuleId::EV005, "{bad:?}");
    }
    assert_eq!(CommandId::parse("a").unwrap().as_str(), "a");
}

#[test]
fn ev005_registrations_are_events_of_the_directory_stream_with_their_actor_and_time() {
    let mut dir = Directory::new();
    let at = day(0);
    let support = Actor::VendorSupport {
        case: "SR-1".into(),
    };
    let plan = dir
        .plan(
            &support,
            at,
            Command::RegisterOrganization {
                name: "Acme".into(),
                kind: OrgKind::Customer,
            },
            None,
        )
        .unwrap();
    assert_eq!(plan.expected(), &[(StreamId::Directory, 0)]);
    let committed = dir.commit(plan).unwrap();
    let [event] = committed.directory.as_slice() else {
        panic!("one event");
    };
    let DirectoryChange::OrganizationRegistered { organization } = &event.change else {
        panic!("an organization");
    };
    assert_eq!(event.seq, 1);
    assert_eq!(event.at, at);
    assert_eq!(dir.organization(organization.id).unwrap().name, "Acme");
    dir.execute(
        &support,
        day(1),
        Command::RegisterUser {
            user: NewUser {
                cco_id: Some("alice".into()),
                email: "alice@acme.com".into(),
                org: organization.id,
                kind: Default::default(),
            },
        },
    )
    .unwrap();
    assert_eq!(dir.version(StreamId::Directory), 2);
    assert!(dir.user_by_email("alice@acme.com").is_some());
    // A refused registration appends nothing.
    let before = dir.clone();
    let err = dir
        .execute(
            &support,
            day(2),
            Command::RegisterUser {
                user: NewUser {
                    cco_id: None,
                    email: "alice@acme.com".into(),
                    org: organization.id,
                    kind: Default::default(),
                },
            },
        )
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::SA004);
    assert_eq!(dir, before);
}

/// Two writers on replicas of one directory request accounts: the claim of the identifier goes
/// to the directory's stream, so the second writer's plan conflicts there, and planned again it
/// is refused by SA003.
#[test]
fn ev005_sa003_two_writers_claiming_one_domain_conflict_on_the_directory_stream() {
    let mut writer = Directory::new();
    let acme = writer
        .register_organization("Acme", OrgKind::Customer)
        .unwrap();
    let user = |dir: &mut Directory, login: &str| {
        dir.register_user(NewUser {
            cco_id: Some(login.into()),
            email: format!("{login}@acme.com"),
            org: acme,
            kind: Default::default(),
        })
        .unwrap()
    };
    let alice = user(&mut writer, "alice");
    let bob = user(&mut writer, "bob");
    let mut other = writer.clone();
    let request = |who| Command::RequestAccount {
        kind: AccountKind::Customer,
        name: "Acme".into(),
        domain: Some("acme.com".into()),
        contact: who,
    };
    let a = writer
        .plan(&Actor::User(alice), day(0), request(alice), None)
        .unwrap();
    let b = other
        .plan(&Actor::User(bob), day(0), request(bob), None)
        .unwrap();
    let version = writer.version(StreamId::Directory);
    assert!(a.expected().contains(&(StreamId::Directory, version)));
    assert!(b.expected().contains(&(StreamId::Directory, version)));
    let committed = writer.commit(a).unwrap();
    other.follow(&committed_events(&committed)).unwrap();
    assert_eq!(other, writer);
    let err = other.commit(b).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                stream: StreamId::Directory,
                ..
            }
        ),
        "{err}"
    );
    let again = other
        .plan(&Actor::User(bob), day(0), request(bob), None)
        .unwrap_err();
    assert_eq!(again.rule(), RuleId::SA003);
}

fn register_device(device: &str, va: VaId) -> Command {
    Command::License(LicenseCommand::RegisterDevice {
        device: DeviceId::parse(device).unwrap(),
        va,
        installed: jiff::civil::date(2026, 1, 2),
    })
}

#[test]
fn ev005_dev001_two_writers_registering_one_device_in_two_accounts_conflict_on_the_directory_stream()
 {
    let w = common::world();
    let mut writer = w.dir.clone();
    let mut other = w.dir.clone();
    let alice = Actor::User(w.acme.alice);
    let sam = Actor::User(w.solo.sam);
    let solo_va = w.dir.account(w.solo.sa).unwrap().default_va();
    let a = writer
        .plan(&alice, w.at, register_device("SN-1", w.acme.emea), None)
        .unwrap();
    let b = other
        .plan(&sam, w.at, register_device("SN-1", solo_va), None)
        .unwrap();
    let version = writer.version(StreamId::Directory);
    for plan in [&a, &b] {
        assert!(plan.expected().contains(&(StreamId::Directory, version)));
        assert!(matches!(
            plan.directory_events()[0].change,
            DirectoryChange::DeviceClaimed { .. }
        ));
    }
    let committed = writer.commit(a).unwrap();
    other.follow(&committed_events(&committed)).unwrap();
    assert_eq!(other, writer);
    let before = other.clone();
    let err = other.commit(b).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                stream: StreamId::Directory,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(other, before);
    let again = other
        .plan(&sam, w.at, register_device("SN-1", solo_va), None)
        .unwrap_err();
    assert_eq!(again.rule(), RuleId::DEV001);

    // Removed from Acme, the device is released on the directory's stream and Sam's Bikes may
    // register it; the hand-over rebuilds and loads as a snapshot.
    let remove = Command::License(LicenseCommand::RemoveDevice {
        device: DeviceId::parse("SN-1").unwrap(),
    });
    let removed = writer.execute(&alice, w.at, remove).unwrap();
    assert_eq!(removed.len(), 1);
    assert!(matches!(
        writer.directory_events().last().unwrap().change,
        DirectoryChange::DeviceReleased { .. }
    ));
    writer
        .execute(&sam, w.at, register_device("SN-1", solo_va))
        .unwrap();
    let rebuilt = Directory::from_events(w.dir.config().clone(), all_events(&writer)).unwrap();
    assert_eq!(rebuilt, writer);
    assert_eq!(
        Directory::from_snapshot(writer.to_snapshot()).unwrap(),
        writer
    );
    // A snapshot whose stream leaves the device with Acme is refused.
    let mut forged = writer.to_snapshot();
    forged.directory_events.pop();
    let err = Directory::from_snapshot(forged).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV005, "{err}");
}

#[test]
fn ev005_supplied_identifiers_are_used_and_one_in_use_is_refused() {
    let mut w = common::world();
    let alice = Actor::User(w.acme.alice);
    let command = create_va(w.acme.sa, "Oceania");
    assert_eq!(command.fresh_ids(), &[smart_accounts::IdKind::Va]);
    let fresh = FreshIds {
        va: Some(VaId::new(5_000)),
        ..FreshIds::default()
    };
    let plan = w
        .dir
        .plan_with(&alice, w.at, command.clone(), None, fresh)
        .unwrap();
    w.dir.commit(plan).unwrap();
    assert!(w.dir.va(VaId::new(5_000)).is_some());
    // The same identifier again, or zero, is refused.
    for taken in [5_000, 0] {
        let fresh = FreshIds {
            va: Some(VaId::new(taken)),
            ..FreshIds::default()
        };
        let err = w
            .dir
            .plan_with(&alice, w.at, create_va(w.acme.sa, "LATAM"), None, fresh)
            .unwrap_err();
        assert!(
            matches!(err, Error::IdentifierInUse { id, .. } if id == taken),
            "{err}"
        );
        assert_eq!(err.rule(), RuleId::EV005);
    }
    // The directory's own counter goes on after the supplied identifier.
    let next = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "EMEA-2")
        .unwrap();
    assert_eq!(next, VaId::new(5_001));
}

#[test]
fn ev005_versions_need_no_user() {
    let w = common::world();
    let versions: Vec<(StreamId, u64)> = w.dir.versions().collect();
    assert_eq!(versions[0].0, StreamId::Directory);
    assert_eq!(versions[0].1, w.dir.directory_events().len() as u64);
    for (stream, version) in &versions[1..] {
        let StreamId::Account(sa) = stream else {
            panic!("accounts after the directory");
        };
        assert!(w.dir.account(*sa).is_some());
        assert_eq!(w.dir.version(*stream), *version);
        assert!(*version > 0);
    }
    assert_eq!(versions.len(), w.dir.accounts().count() + 1);
    assert_eq!(w.dir.version(StreamId::Account(SaId::new(9_999))), 0);
}

#[test]
fn ev005_a_newer_schema_is_refused_with_a_message_saying_so() {
    check_schema(SCHEMA_VERSION).unwrap();
    check_schema(0).unwrap();
    let err = check_schema(SCHEMA_VERSION + 1).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV005);
    assert!(err.to_string().contains("newer release"), "{err}");
}

#[test]
fn ev005_a_directory_rebuilt_from_its_streams_equals_it() {
    let w = common::world();
    let rebuilt = Directory::from_events(w.dir.config().clone(), all_events(&w.dir)).unwrap();
    assert_eq!(rebuilt, w.dir);
}

#[test]
fn ev005_a_follower_refuses_an_event_out_of_sequence_or_forged() {
    let w = common::world();
    let events = all_events(&w.dir);
    // A gap in the directory's stream.
    let mut gap = events.clone();
    gap.remove(1);
    let err = Directory::from_events(w.dir.config().clone(), gap).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV005, "{err}");
    // An account event applied twice.
    let mut twice = events.clone();
    let last = twice.last().cloned().unwrap();
    twice.push(last);
    assert!(Directory::from_events(w.dir.config().clone(), twice).is_err());
    // An event whose actor could not have made the change (EV004 applies to followers).
    let mut forged = events;
    let position = forged
        .iter()
        .position(|e| {
            matches!(e, StreamEvent::Account(e) if matches!(e.change, smart_accounts::Change::VaCreated { .. }))
        })
        .unwrap();
    // Carol, an SA Viewer, creates a Virtual Account.
    if let StreamEvent::Account(e) = &mut forged[position] {
        e.actor = smart_accounts::RecordedActor::User {
            user: w.acme.carol,
            org: w.acme.org,
        };
    }
    let err = Directory::from_events(w.dir.config().clone(), forged).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV004, "{err}");
}

#[cfg(feature = "serde")]
#[test]
fn ev005_a_snapshot_keeps_the_directory_stream_and_a_forged_one_is_refused() {
    let w = common::world();
    let snapshot = w.dir.to_snapshot();
    assert_eq!(snapshot.directory_events, w.dir.directory_events().to_vec());
    let json = serde_json::to_string(&snapshot).unwrap();
    let back: Directory = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w.dir);
    // A claim of another account's identifier.
    let mut forged = snapshot.clone();
    let claim = forged
        .directory_events
        .iter_mut()
        .find(|e| matches!(e.change, DirectoryChange::IdentifierClaimed { .. }))
        .unwrap();
    if let DirectoryChange::IdentifierClaimed { sa, .. } = &mut claim.change {
        *sa = SaId::new(sa.get() + 1);
    }
    let err = Directory::from_snapshot(forged).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV005, "{err}");
    assert!(err.path().starts_with("directory_events"), "{err}");
    // A registration left out: the stream gives other users than the stated ones.
    let mut short = snapshot;
    let user = short
        .directory_events
        .iter()
        .position(|e| matches!(e.change, DirectoryChange::UserRegistered { .. }))
        .unwrap();
    short.directory_events.remove(user);
    for (k, e) in short.directory_events.iter_mut().enumerate() {
        e.seq = k as u64 + 1;
    }
    assert!(Directory::from_snapshot(short).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random commands as time advances, planned and committed with command IDs (some
    /// retried): a replica following the committed events equals the writer after every step,
    /// a refused command changes nothing, and the directory rebuilt from all its events at the
    /// end equals the writer.
    #[test]
    fn ev005_a_replica_following_the_writer_stays_equal_and_a_rebuild_equals_it(
        (mut writer, commands) in strategies::directory_and_commands(1..25),
        days in prop::collection::vec(0u8..=60, 25),
        retries in prop::collection::vec(any::<bool>(), 25),
    ) {
        let mut replica = Directory::from_snapshot(writer.to_snapshot()).unwrap();
        prop_assert_eq!(&replica, &writer);
        let mut history = all_events(&writer);
        let mut now = AT;
        for (k, ((actor, command), (days, retry))) in commands.into_iter().zip(days.into_iter().zip(retries)).enumerate() {
            now = now.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(days))).unwrap();
            let id = CommandId::parse(&format!("cmd-{k}")).unwrap();
            let before = writer.clone();
            match writer.plan(&actor, now, command.clone(), Some(id.clone())) {
                Err(err) => {
                    prop_assert_eq!(&writer, &before);
                    prop_assert!(err.to_string().starts_with(err.rule().code()));
                }
                Ok(plan) => {
                    prop_assert_eq!(&writer, &before, "planning changed the writer");
                    let committed = writer.commit(plan).unwrap();
                    let events = committed_events(&committed);
                    replica.follow(&events).unwrap();
                    history.extend(events);
                    if retry {
                        let again = writer.plan(&actor, now, command, Some(id)).unwrap();
                        prop_assert!(again.is_repeat() || again.is_empty());
                        let repeated = writer.commit(again).unwrap();
                        prop_assert!(repeated.repeated || repeated.accounts.is_empty());
                        prop_assert_eq!(&repeated.accounts, &committed.accounts);
                    }
                }
            }
            prop_assert_eq!(&replica, &writer, "the replica differs after step {}", k);
        }
        let rebuilt = Directory::from_events(writer.config().clone(), history).unwrap();
        prop_assert_eq!(&rebuilt, &writer);
    }
}
