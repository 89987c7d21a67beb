//! EV004: a log from outside is evidence. Every event is re-checked as the command it records,
//! against the state just before it; times never decrease within a log; actors exist and belong
//! to the organization recorded with them; identifiers are never handed out twice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::world;
use jiff::Timestamp;
use smart_accounts::fixtures::{self, World};
use smart_accounts::{
    Actor, Binding, Change, Directory, Error, Event, Inheritance, OrgId, RecordedActor, Role,
    RuleId, SaId, Snapshot, SnapshotError, Target, UserId,
};

fn later(days: i64) -> Timestamp {
    let base: Timestamp = fixtures::AT.parse().unwrap();
    base.checked_add(jiff::SignedDuration::from_hours(24 * days))
        .unwrap()
}

fn index_of(snap: &Snapshot, sa: SaId) -> usize {
    snap.accounts.iter().position(|a| a.id == sa).unwrap()
}

/// Appends an event to an account's log in the snapshot, numbered after the last one.
fn append(snap: &mut Snapshot, sa: SaId, at: Timestamp, actor: RecordedActor, change: Change) {
    let i = index_of(snap, sa);
    let log = &mut snap.accounts[i].events;
    let seq = log.len() as u64 + 1;
    log.push(Event {
        sa,
        seq,
        at,
        actor,
        command: None,
        change,
    });
}

/// An Acme user without a Smart Account role.
fn unbound(w: &World) -> UserId {
    let account = w.dir.account(w.acme.sa).unwrap();
    [w.acme.erin, w.acme.frank, w.acme.grace, w.acme.carol]
        .into_iter()
        .find(|u| account.role_of(*u, None).is_none())
        .unwrap()
}

fn refused(snap: Snapshot) -> SnapshotError {
    let err = Directory::from_snapshot(snap).expect_err("the snapshot must be refused");
    assert_eq!(err.rule(), RuleId::EV004, "{err}");
    assert!(err.to_string().contains("EV004"), "{err}");
    err
}

/// A snapshot whose state and log both say that `user` holds `role` on the account: only the
/// log's evidence can tell whether that could have happened.
fn forged_account_role(w: &World, user: UserId, actor: RecordedActor, role: Role) -> Snapshot {
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.acme.sa);
    snap.accounts[i].roles.push(Binding {
        user,
        va: None,
        role,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    });
    append(
        &mut snap,
        w.acme.sa,
        later(1),
        actor,
        Change::RoleAssigned {
            user,
            va: None,
            role,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    snap
}

#[test]
fn ev004_the_fixture_world_with_its_logs_loads_and_equals_the_writer() {
    let w = world();
    let back = Directory::from_snapshot(w.dir.to_snapshot()).unwrap();
    assert_eq!(back, w.dir);
}

#[test]
fn ev004_a_partner_user_granting_herself_sa_admin_in_a_log_is_refused() {
    let w = world();
    let nina = w.partner.nina;
    let actor = RecordedActor::User {
        user: nina,
        org: w.partner.org,
    };
    let err = refused(forged_account_role(&w, nina, actor, Role::SaAdmin));
    let i = index_of(&w.dir.to_snapshot(), w.acme.sa);
    let log_len = w.dir.events(w.acme.alice, w.acme.sa).unwrap().len();
    assert_eq!(err.path(), format!("accounts[{i}].events[{log_len}]"));
    let Error::NotPermitted { cause, sa, .. } = err.error() else {
        panic!("{err}");
    };
    assert_eq!(*sa, w.acme.sa);
    assert_eq!(cause.rule(), RuleId::ROLE006, "{cause}");
}

#[test]
fn ev004_the_same_grant_by_the_customers_sa_admin_loads() {
    let w = world();
    // Alice may make a user without an account role an SA Viewer: the same shape of log, a permitted command.
    let dave = unbound(&w);
    let actor = RecordedActor::User {
        user: w.acme.alice,
        org: w.acme.org,
    };
    let snap = forged_account_role(&w, dave, actor, Role::SaViewer);
    let back = Directory::from_snapshot(snap).unwrap();
    assert_eq!(
        back.account(w.acme.sa).unwrap().role_of(dave, None),
        Some(Role::SaViewer)
    );
}

#[test]
fn ev004_a_log_crediting_an_unknown_user_and_organization_is_refused() {
    let w = world();
    let ghost = RecordedActor::User {
        user: UserId::new(4_000_000),
        org: OrgId::new(4_000_000),
    };
    let err = refused(forged_account_role(&w, unbound(&w), ghost, Role::SaViewer));
    assert!(matches!(err.error(), Error::Evidence { .. }), "{err}");
    assert!(err.to_string().contains("user:4000000"), "{err}");
}

#[test]
fn ev004_an_actor_recorded_with_another_organization_is_refused() {
    let w = world();
    // Alice is an Acme user; the log says she acted for Nimbus.
    let actor = RecordedActor::User {
        user: w.acme.alice,
        org: w.partner.org,
    };
    let err = refused(forged_account_role(&w, unbound(&w), actor, Role::SaViewer));
    assert!(matches!(err.error(), Error::Evidence { .. }), "{err}");
    assert!(
        err.to_string().contains("recorded with organization"),
        "{err}"
    );
}

#[test]
fn ev004_event_times_going_backwards_are_refused() {
    let w = world();
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.acme.sa);
    let last = snap.accounts[i].events.len() - 1;
    let earlier: Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
    snap.accounts[i].events[last].at = earlier;
    let err = refused(snap);
    assert_eq!(err.path(), format!("accounts[{i}].events[{last}]"));
    assert!(err.to_string().contains("before"), "{err}");
}

#[test]
fn ev004_an_import_after_recorded_commands_is_refused() {
    let w = world();
    let snap = forged_account_role(&w, unbound(&w), RecordedActor::Imported, Role::SaViewer);
    let err = refused(snap);
    assert!(err.to_string().contains("import"), "{err}");
}

#[test]
fn ev004_a_log_that_hands_out_a_virtual_account_identifier_twice_is_refused() {
    let w = world();
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.acme.sa);
    // Alice creates a top-level VA with the identifier of another account's VA (Nimbus's
    // default).
    let reused = w.partner.holding_default;
    snap.accounts[i].vas.push(smart_accounts::VaSnapshot {
        id: reused,
        name: "Reused".into(),
        parent: None,
        visibility: Default::default(),
    });
    append(
        &mut snap,
        w.acme.sa,
        later(1),
        RecordedActor::User {
            user: w.acme.alice,
            org: w.acme.org,
        },
        Change::VaCreated {
            va: reused,
            parent: None,
            name: "Reused".into(),
        },
    );
    // The state itself already names the identifier twice: refused before the log is read,
    // at the other account's Virtual Account.
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV003, "{err}");
    assert!(err.to_string().contains("appears twice"), "{err}");
}

#[test]
fn ev004_a_command_dated_before_the_logs_last_event_is_refused_and_changes_nothing() {
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    w.dir
        .create_va(&alice, later(10), w.acme.sa, None, "Later")
        .unwrap();
    let before = w.dir.clone();
    let err = w
        .dir
        .create_va(&alice, later(9), w.acme.sa, None, "Earlier")
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::EV004);
    assert!(matches!(err, Error::TimeOrder { .. }), "{err}");
    assert_eq!(w.dir, before);
    // The same time as the last event is fine.
    w.dir
        .create_va(&alice, later(10), w.acme.sa, None, "Same time")
        .unwrap();
}

#[test]
fn ev004_a_partner_command_refused_live_is_refused_in_a_log() {
    let mut w = world();
    // Nina (VA User on Americas) may not assign roles there: live, and as evidence.
    let nina = Actor::User(w.partner.nina);
    let live = w
        .dir
        .assign_role(
            &nina,
            later(1),
            w.acme.dave,
            Target::Va(w.acme.americas),
            Role::VaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap_err();
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.acme.sa);
    snap.accounts[i].roles.push(Binding {
        user: w.acme.dave,
        va: Some(w.acme.americas),
        role: Role::VaViewer,
        inheritance: Inheritance::AccountOnly,
        expires: None,
    });
    append(
        &mut snap,
        w.acme.sa,
        later(1),
        RecordedActor::User {
            user: w.partner.nina,
            org: w.partner.org,
        },
        Change::RoleAssigned {
            user: w.acme.dave,
            va: Some(w.acme.americas),
            role: Role::VaViewer,
            inheritance: Inheritance::AccountOnly,
        },
    );
    let err = refused(snap);
    let Error::NotPermitted { cause, .. } = err.error() else {
        panic!("{err}");
    };
    assert_eq!(cause.rule(), live.rule(), "{cause} vs {live}");
}

#[test]
fn ev004_an_imported_directory_round_trips_with_its_rebuilt_logs() {
    let (mut w, nico) = crate::common::world_with_nico();
    // A partner request answered after a later one was asked: the import's timed records are
    // not in the order of their times.
    let nico_actor = Actor::User(nico);
    let first = w
        .dir
        .request_partner_access(
            &nico_actor,
            later(1),
            w.acme.sa,
            Target::Va(w.acme.emea),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    w.dir
        .request_partner_access(
            &nico_actor,
            later(2),
            w.acme.sa,
            Target::Va(w.acme.us),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    w.dir
        .execute(
            &Actor::User(w.acme.alice),
            later(3),
            smart_accounts::Command::RejectPartnerAccess {
                sa: w.acme.sa,
                request: first,
            },
        )
        .unwrap();
    let imported = Directory::from_snapshot(crate::common::logless(&w.dir)).unwrap();
    let again = Directory::from_snapshot(imported.to_snapshot()).unwrap();
    assert_eq!(again, imported);
    // And commands go on after the import.
    let mut again = again;
    again
        .create_va(
            &Actor::User(w.acme.alice),
            later(4),
            w.acme.sa,
            None,
            "After",
        )
        .unwrap();
    let back = Directory::from_snapshot(again.to_snapshot()).unwrap();
    assert_eq!(back, again);
}

/// Alice gives back every license Acme's `device` consumes, at the fixture's instant, so that the
/// device can be removed.
fn release_everything(w: &mut World, device: &smart_accounts::DeviceId) {
    let alice = Actor::User(w.acme.alice);
    let consumed: Vec<_> = w
        .dir
        .account(w.acme.sa)
        .unwrap()
        .device(device)
        .unwrap()
        .consumption
        .iter()
        .map(|(l, q)| (l.clone(), *q))
        .collect();
    for (license, quantity) in consumed {
        let release = smart_accounts::LicenseCommand::Release {
            device: device.clone(),
            license,
            quantity,
        };
        w.dir.license(&alice, w.at, release).unwrap();
    }
}

#[test]
fn ev004_a_device_moved_between_accounts_within_one_instant_loads() {
    // Alice removes a switch at the fixture's instant and Sam registers the same device in his
    // account at that instant. The logs do not say which came first; Sam's short log would put
    // his registration before Acme's own registration of the switch, so the verifier must let
    // Acme's registration and removal go first.
    let mut w = world();
    let device = w.licensing.sw_emea_2.clone();
    let at = w.at;
    let alice = Actor::User(w.acme.alice);
    release_everything(&mut w, &device);
    w.dir
        .license(
            &alice,
            at,
            smart_accounts::LicenseCommand::RemoveDevice {
                device: device.clone(),
            },
        )
        .unwrap();
    let sams_va = w.dir.account(w.solo.sa).unwrap().default_va();
    w.dir
        .license(
            &Actor::User(w.solo.sam),
            at,
            smart_accounts::LicenseCommand::RegisterDevice {
                device: device.clone(),
                va: sams_va,
                installed: "2026-01-01".parse().unwrap(),
            },
        )
        .unwrap();
    let i = index_of(&w.dir.to_snapshot(), w.solo.sa);
    let j = index_of(&w.dir.to_snapshot(), w.acme.sa);
    let sam_seq = w.dir.to_snapshot().accounts[i].events.len();
    let acme_registration = w.dir.to_snapshot().accounts[j]
        .events
        .iter()
        .position(|e| {
            matches!(&e.change, Change::License(smart_accounts::LicenseChange::DeviceRegistered { device: d, .. }) if *d == device)
        })
        .unwrap();
    assert!(
        sam_seq < acme_registration,
        "the case needs Sam's log to be the shorter"
    );
    let back = Directory::from_snapshot(w.dir.to_snapshot()).unwrap();
    assert_eq!(back, w.dir);
}

#[test]
fn ev004_the_changes_of_one_command_at_different_times_are_refused() {
    // Hank activates Globex: the activation and his SA Admin role are one command, one time.
    let mut w = world();
    w.dir
        .execute(
            &Actor::User(w.globex.hank),
            later(1),
            smart_accounts::Command::ActivateAccount { sa: w.globex.sa },
        )
        .unwrap();
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.globex.sa);
    let last = snap.accounts[i].events.len() - 1;
    assert!(matches!(
        snap.accounts[i].events[last].change,
        Change::RoleAssigned { .. }
    ));
    snap.accounts[i].events[last].at = later(2);
    let err = refused(snap);
    assert!(err.to_string().contains("one time by one actor"), "{err}");
}

#[test]
fn ev004_a_recorded_retry_that_changes_nothing_is_refused() {
    // The fulfilment system's deposit of Acme's ISE order, recorded a second time: run again,
    // the command is a retry that changes nothing, so no event can record it.
    let w = world();
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.acme.sa);
    let deposit = snap.accounts[i]
        .events
        .iter()
        .find(|e| {
            matches!(&e.change, Change::License(smart_accounts::LicenseChange::Deposited(d)) if d.order == w.licensing.acme_ise_order)
        })
        .cloned()
        .unwrap();
    append(
        &mut snap,
        w.acme.sa,
        later(1),
        deposit.actor.clone(),
        deposit.change.clone(),
    );
    let err = refused(snap);
    assert!(err.to_string().contains("changes nothing"), "{err}");
}

#[test]
fn ev004_a_received_transfer_whose_sender_has_no_log_is_refused() {
    // Sam's account received the holding assignment; without Nimbus's log nothing shows it
    // was sent, so Sam's log is no evidence of it.
    let w = world();
    let mut snap = w.dir.to_snapshot();
    let holding = index_of(&snap, w.partner.holding);
    snap.accounts[holding].events.clear();
    let err = refused(snap);
    let sam = index_of(&w.dir.to_snapshot(), w.solo.sa);
    assert!(
        err.path().starts_with(&format!("accounts[{sam}].events[")),
        "{err}"
    );
    assert!(err.to_string().contains("sends the transfer"), "{err}");
}

#[test]
fn ev004_a_log_that_ends_inside_a_command_is_refused() {
    // Hank's activation without the SA Admin role it gives him: the log ends inside the command.
    let mut w = world();
    w.dir
        .execute(
            &Actor::User(w.globex.hank),
            later(1),
            smart_accounts::Command::ActivateAccount { sa: w.globex.sa },
        )
        .unwrap();
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.globex.sa);
    // The stated state keeps his role; only the log lacks the change that gave it.
    snap.accounts[i].events.pop();
    let err = refused(snap);
    let activation = w.dir.to_snapshot().accounts[i].events.len() - 2;
    assert_eq!(err.path(), format!("accounts[{i}].events[{activation}]"));
    assert!(err.to_string().contains("the log ends"), "{err}");
}

#[test]
fn ev004_a_device_passed_back_and_forth_within_one_instant_loads() {
    // Acme removes a switch, Sam registers and removes it, Acme registers it again, all at the
    // fixture's instant: both accounts hold it for a moment, and neither must wait for the other
    // for good.
    let mut w = world();
    let device = w.licensing.sw_emea_2.clone();
    let at = w.at;
    let alice = Actor::User(w.acme.alice);
    release_everything(&mut w, &device);
    let sam = Actor::User(w.solo.sam);
    let remove = smart_accounts::LicenseCommand::RemoveDevice {
        device: device.clone(),
    };
    w.dir.license(&alice, at, remove.clone()).unwrap();
    let register = |va| smart_accounts::LicenseCommand::RegisterDevice {
        device: device.clone(),
        va,
        installed: "2026-01-01".parse().unwrap(),
    };
    let sams_va = w.dir.account(w.solo.sa).unwrap().default_va();
    w.dir.license(&sam, at, register(sams_va)).unwrap();
    w.dir.license(&sam, at, remove).unwrap();
    w.dir.license(&alice, at, register(w.acme.emea)).unwrap();
    let back = Directory::from_snapshot(w.dir.to_snapshot()).unwrap();
    assert_eq!(back, w.dir);
}

#[test]
fn ev004_a_log_that_creates_a_deleted_virtual_accounts_identifier_again_is_refused() {
    // Alice creates and deletes "Temp"; the forged continuation creates a VA with Temp's
    // identifier again. The state is consistent (Temp is gone, the new VA exists), so only the
    // log shows the identifier handed out twice.
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let temp = w
        .dir
        .create_va(&alice, later(1), w.acme.sa, None, "Temp")
        .unwrap();
    w.dir
        .execute(
            &alice,
            later(2),
            smart_accounts::Command::DeleteVa { va: temp },
        )
        .unwrap();
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.acme.sa);
    snap.accounts[i].vas.push(smart_accounts::VaSnapshot {
        id: temp,
        name: "Again".into(),
        parent: None,
        visibility: Default::default(),
    });
    append(
        &mut snap,
        w.acme.sa,
        later(3),
        RecordedActor::User {
            user: w.acme.alice,
            org: w.acme.org,
        },
        Change::VaCreated {
            va: temp,
            parent: None,
            name: "Again".into(),
        },
    );
    let err = refused(snap);
    assert!(matches!(err.error(), Error::Evidence { .. }), "{err}");
    assert!(err.to_string().contains("used before"), "{err}");
}

#[test]
fn ev004_logs_of_approvals_with_expiries_deletions_and_true_ups_load() {
    // Commands whose record spans several changes or is read back specially: an approval
    // with the customer's own expiry, the deletion of a VA that holds a role, a true-up.
    let (mut w, nico) = crate::common::world_with_nico();
    let alice = Actor::User(w.acme.alice);
    let ask = w
        .dir
        .request_partner_access(
            &Actor::User(nico),
            later(1),
            w.acme.sa,
            Target::Va(w.acme.emea),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    w.dir
        .execute(
            &alice,
            later(2),
            smart_accounts::Command::ApprovePartnerAccess {
                sa: w.acme.sa,
                request: ask,
                expires: Some("2026-12-31".parse().unwrap()),
            },
        )
        .unwrap();
    let temp = w
        .dir
        .create_va(&alice, later(3), w.acme.sa, None, "Temp")
        .unwrap();
    w.dir
        .assign_role(
            &alice,
            later(3),
            w.acme.dave,
            Target::Va(temp),
            Role::VaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap();
    let deleted = w
        .dir
        .execute(
            &alice,
            later(4),
            smart_accounts::Command::DeleteVa { va: temp },
        )
        .unwrap();
    assert_eq!(deleted.len(), 2, "the role's revocation, then the deletion");
    let true_up = w
        .dir
        .license(
            &Actor::Fulfilment,
            later(5),
            smart_accounts::LicenseCommand::TrueUp {
                va: w.acme.emea,
                license: w.licensing.acme_dna.clone(),
                order: smart_accounts::OrderLine {
                    order: smart_accounts::OrderId::parse("ACME-TRUEUP").unwrap(),
                    line: 1,
                },
                procured_by: w.acme.org,
            },
        )
        .unwrap();
    assert_eq!(true_up.len(), 1);
    let back = Directory::from_snapshot(w.dir.to_snapshot()).unwrap();
    assert_eq!(back, w.dir);
}

#[test]
fn ev004_an_imported_request_dated_before_its_account_is_refused_with_its_place_in_the_log() {
    let (mut w, nico) = crate::common::world_with_nico();
    w.dir
        .request_partner_access(
            &Actor::User(nico),
            later(1),
            w.acme.sa,
            Target::Va(w.acme.emea),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    let mut snap = crate::common::logless(&w.dir);
    let i = index_of(&snap, w.acme.sa);
    snap.accounts[i].access_requests[0].requested_at = "2020-01-01T00:00:00Z".parse().unwrap();
    // The rebuilt log would put the request right after the account's stated records.
    let imported = Directory::from_snapshot(crate::common::logless(&w.dir)).unwrap();
    let rebuilt = imported.events(w.acme.alice, w.acme.sa).unwrap();
    let position = rebuilt
        .iter()
        .position(|e| matches!(e.change, Change::AccessRequested { .. }))
        .unwrap();
    let err = refused(snap);
    assert_eq!(err.path(), format!("accounts[{i}].access_requests[0]"));
    let Error::Evidence { seq, .. } = err.error() else {
        panic!("{err}");
    };
    assert_eq!(*seq, rebuilt.get(position).unwrap().seq, "{err}");
}

#[test]
fn ev004_a_pending_request_on_a_virtual_account_the_log_deleted_loads() {
    let (mut w, nico) = crate::common::world_with_nico();
    let alice = Actor::User(w.acme.alice);
    let temp = w
        .dir
        .create_va(&alice, later(1), w.acme.sa, None, "Temp")
        .unwrap();
    w.dir
        .request_partner_access(
            &Actor::User(nico),
            later(2),
            w.acme.sa,
            Target::Va(temp),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    w.dir
        .execute(
            &alice,
            later(3),
            smart_accounts::Command::DeleteVa { va: temp },
        )
        .unwrap();
    let back = Directory::from_snapshot(w.dir.to_snapshot()).unwrap();
    assert_eq!(back, w.dir);
}

/// Acme's snapshot with the first event of its log, the account's creation, changed by `forge`.
fn forged_creation(w: &World, forge: impl FnOnce(&mut Change)) -> Snapshot {
    let mut snap = w.dir.to_snapshot();
    let i = index_of(&snap, w.acme.sa);
    let first = &mut snap.accounts[i].events[0];
    assert!(matches!(first.change, Change::AccountCreated { .. }));
    forge(&mut first.change);
    snap
}

#[test]
fn ev004_a_recorded_account_creation_with_another_owner_status_or_contact_is_refused_at_its_event()
{
    // Alice's request for Acme's account, recorded as if it had made another organization the
    // owner, skipped the Pending state, or named Bob as the contact: the request she made
    // plans none of these, whatever the stated state says.
    let w = world();
    let i = index_of(&w.dir.to_snapshot(), w.acme.sa);
    type Forge = fn(&World, &mut Change);
    let forgeries: [(&str, Forge); 3] = [
        ("owner", |w, c| {
            if let Change::AccountCreated { owner, .. } = c {
                *owner = w.partner.org;
            }
        }),
        ("status", |_, c| {
            if let Change::AccountCreated { status, .. } = c {
                *status = smart_accounts::AccountStatus::Pending;
            }
        }),
        ("contact", |w, c| {
            if let Change::AccountCreated { contact, .. } = c {
                *contact = w.acme.bob;
            }
        }),
    ];
    for (what, forge) in forgeries {
        let err = refused(forged_creation(&w, |c| forge(&w, c)));
        assert_eq!(
            err.path(),
            format!("accounts[{i}].events[0]"),
            "{what}: {err}"
        );
        let Error::NotPermitted { cause, sa, seq } = err.error() else {
            panic!("{what}: {err}");
        };
        assert_eq!((*sa, *seq), (w.acme.sa, 1), "{what}");
        assert!(
            cause
                .to_string()
                .contains("other changes than the ones recorded"),
            "{what}: {cause}"
        );
    }
}

#[test]
fn ev004_of_two_forged_commands_at_one_instant_the_first_in_replay_order_is_named() {
    // Nina, a partner user, grants herself SA Admin on Acme and on Sam's Bikes at one instant. Each
    // command is refused whichever goes first, so the verifier tries each once more after the
    // other and then names the one that comes first in replay order (the lower sequence
    // number, then the earlier log): one answer, not whichever it happened to try last, and
    // the same whether the logs hold an odd or an even number of events.
    for extra in [false, true] {
        let mut w = world();
        if extra {
            let alice = Actor::User(w.acme.alice);
            w.dir
                .create_va(&alice, later(0), w.acme.sa, None, "Extra")
                .unwrap();
        }
        two_forged_grants_name_the_first(&w);
    }
}

fn two_forged_grants_name_the_first(w: &World) {
    let nina = w.partner.nina;
    let actor = RecordedActor::User {
        user: nina,
        org: w.partner.org,
    };
    let mut snap = forged_account_role(w, nina, actor.clone(), Role::SaAdmin);
    let g = index_of(&snap, w.solo.sa);
    snap.accounts[g].roles.push(Binding {
        user: nina,
        va: None,
        role: Role::SaAdmin,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    });
    append(
        &mut snap,
        w.solo.sa,
        later(1),
        actor,
        Change::RoleAssigned {
            user: nina,
            va: None,
            role: Role::SaAdmin,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    let a = index_of(&snap, w.acme.sa);
    let first = |i: usize| (snap.accounts[i].events.len(), i);
    let (len, i) = first(a).min(first(g));
    let expected = format!("accounts[{i}].events[{}]", len - 1);
    let err = refused(snap);
    assert_eq!(err.path(), expected, "{err}");
    let Error::NotPermitted { cause, .. } = err.error() else {
        panic!("{err}");
    };
    assert_eq!(cause.rule(), RuleId::ROLE006, "{cause}");
}
