//! Tests written for mutants of the input generators that survived `scripts/mutants.sh`
//! (`src/strategies.rs`, `src/quote_strategies.rs`, the `arbitrary` text of `src/text.rs`).
//!
//! The property tests pass on whatever the generators give them, so a generator that quietly
//! stopped making some kind of input (no holding accounts, no Virtual Account roles, no IDs of
//! entities a sequence creates) left every test green. These tests pin down what the generators
//! promise in their docs, over a fixed-seed sample: each kind of input turns up, and nothing
//! turns up that the docs do not promise. Other projects' suites rely on the same promises.
#![cfg(feature = "proptest")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use smart_accounts::strategies::{self, DANGLING};
use smart_accounts::{
    AccountKind, AccountStatus, Actor, Command, Directory, Identifier, Role, SaId, Target, UserId,
    VaId, fixtures, quote_strategies,
};

/// `n` values of `strategy`, from proptest's fixed-seed runner.
fn sample<S: Strategy>(strategy: &S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// `strategies.rs` `build`: replacing the whole function by `Directory::default()`, `pick` or
/// `admin_of` by `None`, the SA Admin test in `admin_of` by `!=`, the guards that choose an
/// account's kind (`public`, `!seller`, the Limited Use arms), the `prefixed` guard, the
/// on-someone's-behalf requester (`!=` to `==`) and the role filter of role assignments (`==`
/// to `!=`) all survived: each left directories that still passed every property test, but
/// without some kind of account, state, domain or role. The docs promise all of them.
#[test]
fn strategies_directories_hold_every_kind_of_account_state_and_role() {
    let dirs = sample(&strategies::directory(), 96);
    let mut kinds = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    let (mut prefixed, mut plain) = (0, 0);
    let (mut nested, mut va_roles, mut other_account_roles) = (0, 0, 0);
    for dir in &dirs {
        // The six organizations and at least one user, always.
        assert_eq!(dir.organizations().count(), 6);
        assert!(dir.users().count() >= 1);
        let user_domains: BTreeSet<String> = dir
            .users()
            .map(|u| u.email.domain().as_str().to_owned())
            .collect();
        for account in dir.accounts() {
            kinds.insert(format!("{:?}", account.kind()));
            statuses.insert(format!("{:?}", account.status()));
            let contact = dir.user(account.contact()).unwrap();
            let public = dir.config().public_domains.contains(contact.email.domain());
            let seller = dir.organization(contact.org).unwrap().kind.is_seller();
            // People at a public domain get Limited Use accounts; only sellers hold stock.
            assert_eq!(account.kind() == AccountKind::LimitedUse, public);
            if account.kind() == AccountKind::PartnerHolding {
                assert!(seller, "holding account {} of a non-seller", account.id());
            }
            match account.identifier() {
                Identifier::Domain(d) if d.as_str().starts_with("unit") => prefixed += 1,
                Identifier::Domain(d) => {
                    assert!(user_domains.contains(d.as_str()), "{d}");
                    plain += 1;
                }
                Identifier::Email(_) => assert_eq!(account.kind(), AccountKind::LimitedUse),
            }
            nested += account.vas().filter(|v| v.parent().is_some()).count();
            for binding in account.roles() {
                match binding.va {
                    Some(_) => va_roles += 1,
                    None if binding.role != Role::SaAdmin => other_account_roles += 1,
                    None => {}
                }
            }
        }
    }
    assert_eq!(
        kinds,
        ["Customer", "LimitedUse", "PartnerHolding"]
            .map(String::from)
            .into()
    );
    assert_eq!(statuses, ["Active", "Pending"].map(String::from).into());
    assert!(
        prefixed > 0 && plain > 0,
        "{prefixed} prefixed, {plain} plain"
    );
    assert!(nested > 0, "no nested Virtual Account");
    assert!(va_roles > 0, "no Virtual Account role");
    assert!(other_account_roles > 0, "no account role but SA Admin");
}

/// Every user, account and Virtual Account ID a command names.
#[derive(Default)]
struct Named {
    users: BTreeMap<UserId, usize>,
    sas: BTreeMap<SaId, usize>,
    vas: BTreeMap<VaId, usize>,
    actors: BTreeMap<UserId, usize>,
    /// Role commands whose role fits the target (an account role on an account, a Virtual
    /// Account role on a Virtual Account), and all role commands.
    fitting: usize,
    roles: usize,
}

impl Named {
    fn target(&mut self, target: &Target) {
        match target {
            Target::Account(sa) => *self.sas.entry(*sa).or_default() += 1,
            Target::Va(va) => *self.vas.entry(*va).or_default() += 1,
        }
    }

    fn role(&mut self, target: &Target, role: Role) {
        self.roles += 1;
        if role.is_account_role() == matches!(target, Target::Account(_)) {
            self.fitting += 1;
        }
    }

    fn add(&mut self, actor: &Actor, command: &Command) {
        if let Actor::User(u) = actor {
            *self.actors.entry(*u).or_default() += 1;
        }
        let (user, sa, vas): (Option<UserId>, Option<SaId>, Vec<VaId>) = match command {
            Command::RequestAccount { contact, .. } => (Some(*contact), None, vec![]),
            Command::ActivateAccount { sa }
            | Command::RenameAccount { sa, .. }
            | Command::AcceptAgreement { sa } => (None, Some(*sa), vec![]),
            Command::CreateVa { sa, parent, .. } => {
                (None, Some(*sa), parent.iter().copied().collect())
            }
            Command::MoveVa { va, parent } => (
                None,
                None,
                [Some(*va), *parent].into_iter().flatten().collect(),
            ),
            Command::RenameVa { va, .. }
            | Command::DeleteVa { va }
            | Command::SetDefaultVa { va }
            | Command::SetVisibility { va, .. } => (None, None, vec![*va]),
            Command::AssignRole {
                user, target, role, ..
            }
            | Command::ChangeRole {
                user, target, role, ..
            } => {
                self.target(target);
                self.role(target, *role);
                (Some(*user), None, vec![])
            }
            Command::RevokeRole { user, target } => {
                self.target(target);
                (Some(*user), None, vec![])
            }
            // SA010, SA011: the request lifecycle and users' access requests.
            Command::DeclineAccountRequest { sa }
            | Command::WithdrawAccountRequest { sa }
            | Command::LapseAccountRequest { sa }
            | Command::RejectAccessRequest { sa, .. } => (None, Some(*sa), vec![]),
            Command::ChangeRequestContact { sa, contact } => (Some(*contact), Some(*sa), vec![]),
            Command::RequestAccountAccess {
                sa, target, role, ..
            }
            | Command::ApproveAccessRequest {
                sa, target, role, ..
            } => {
                self.target(target);
                self.role(target, *role);
                (None, Some(*sa), vec![])
            }
            other => panic!("the generator made a command its docs do not list: {other:?}"),
        };
        if let Some(u) = user {
            *self.users.entry(u).or_default() += 1;
        }
        if let Some(sa) = sa {
            *self.sas.entry(sa).or_default() += 1;
        }
        for va in vas {
            *self.vas.entry(va).or_default() += 1;
        }
    }
}

fn named(dir: &Directory, sequences: usize) -> Named {
    let mut named = Named::default();
    for sequence in sample(&strategies::commands(dir, 100..101), sequences) {
        for (actor, command) in &sequence {
            named.add(actor, command);
        }
    }
    named
}

/// `strategies.rs` `pools`: the next user ID (`max + 1` to `- 1` or `* 1`), the next two
/// account IDs (`+` to `-` or `*`) and the next six Virtual Account IDs (`+` to `*`) survived,
/// as did both `==` of `target_and_role` (roles that mostly do not fit the target). The docs
/// promise IDs of existing entities, of the next ones a sequence may create and dangling ones,
/// and nothing else; and roles that fit their target most of the time.
#[test]
fn strategies_commands_name_existing_next_and_dangling_ids_only() {
    let world = fixtures::world().unwrap();
    let dir = &world.dir;
    let named = named(dir, 40);

    let users: BTreeSet<UserId> = dir.users().map(|u| u.id).collect();
    let next_user = UserId::new(users.iter().map(|u| u.get()).max().unwrap() + 1);
    let expected: BTreeSet<UserId> = users
        .iter()
        .copied()
        .chain([next_user, UserId::new(DANGLING)])
        .collect();
    assert_eq!(
        named.users.keys().copied().collect::<BTreeSet<_>>(),
        expected
    );

    let sas: BTreeSet<SaId> = dir.accounts().map(|a| a.id()).collect();
    let max_sa = sas.iter().map(|s| s.get()).max().unwrap();
    let expected: BTreeSet<SaId> = sas
        .iter()
        .copied()
        .chain([max_sa + 1, max_sa + 2, DANGLING].map(SaId::new))
        .collect();
    assert_eq!(named.sas.keys().copied().collect::<BTreeSet<_>>(), expected);

    let vas: BTreeSet<VaId> = dir
        .accounts()
        .flat_map(|a| a.vas().map(|v| v.id()).collect::<Vec<_>>())
        .collect();
    let max_va = vas.iter().map(|v| v.get()).max().unwrap();
    let expected: BTreeSet<VaId> = vas
        .iter()
        .copied()
        .chain((1..=6).map(|k| VaId::new(max_va + k)))
        .chain([VaId::new(DANGLING)])
        .collect();
    assert_eq!(named.vas.keys().copied().collect::<BTreeSet<_>>(), expected);

    // About nine role commands in ten fit their target; the rest are ROLE001 refusals.
    let share = named.fitting as f64 / named.roles as f64;
    assert!(named.roles > 200, "{} role commands", named.roles);
    assert!((0.8..0.97).contains(&share), "{share:.3} of roles fit");
}

/// `strategies.rs` `pools`: the filter that counts the contact of a Pending account as an admin
/// (`==` to `!=`) survived. A Pending account's contact is the one person who can act on it
/// (activate it), so the docs count them with the admins, who act in most commands.
#[test]
fn strategies_the_contact_of_a_pending_account_acts_like_an_admin() {
    let world = fixtures::world().unwrap();
    let dir = &world.dir;
    let pending = dir
        .accounts()
        .find(|a| a.status() == AccountStatus::Pending)
        .expect("the fixture has a Pending account");
    let contact = pending.contact();
    let admins: BTreeSet<UserId> = dir
        .accounts()
        .flat_map(|a| {
            a.roles()
                .filter(|b| matches!(b.role, Role::SaAdmin | Role::VaAdmin))
                .map(|b| b.user)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        !admins.contains(&contact),
        "the fixture's Pending contact is no admin"
    );
    let named = named(dir, 40);
    let admin_mean = admins
        .iter()
        .map(|a| named.actors.get(a).copied().unwrap_or(0))
        .sum::<usize>() as f64
        / admins.len() as f64;
    let acts = named.actors.get(&contact).copied().unwrap_or(0) as f64;
    assert!(
        acts >= admin_mean * 0.6,
        "the Pending contact acts {acts} times, an admin {admin_mean:.1} on average"
    );
}

/// `quote_strategies.rs` `directory`: the filter that turns parent 0 into "no parent" (`!=` to
/// `==`) survived, which made every generated Virtual Account a top-level one (or refused).
/// The docs promise new Virtual Accounts in Acme; parents are drawn from Acme's tree (parent 0,
/// one draw in 40, means top level), so nearly all of them are nested.
#[test]
fn quote_strategies_directories_add_nested_virtual_accounts() {
    let world = fixtures::world().unwrap();
    let acme = world.acme.sa;
    let before: BTreeSet<VaId> = world
        .dir
        .account(acme)
        .unwrap()
        .vas()
        .map(|v| v.id())
        .collect();
    let (mut nested, mut top) = (0, 0);
    for dir in sample(&quote_strategies::directory(), 64) {
        for va in dir.account(acme).unwrap().vas() {
            if before.contains(&va.id()) {
                continue;
            }
            match va.parent() {
                Some(_) => nested += 1,
                None => top += 1,
            }
        }
    }
    assert!(nested > top, "{nested} nested, {top} top-level");
}

/// `text.rs` `arbitrary_text::text` replaced by `Ok("xyzzy")` survived: generated domains and
/// emails then repeat a handful of values. The fuzz targets rely on varied ones (beside a few
/// well-known names that collide on purpose).
#[cfg(feature = "arbitrary")]
#[test]
fn arbitrary_domains_and_emails_are_varied_and_valid() {
    use arbitrary::{Arbitrary, Unstructured};
    use smart_accounts::{Domain, Email};

    // A fixed stream of bytes (a linear congruential generator), cut into 300 inputs.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut bytes = || {
        (0..64)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 56) as u8
            })
            .collect::<Vec<u8>>()
    };
    let (mut domains, mut emails) = (BTreeSet::new(), BTreeSet::new());
    for _ in 0..300 {
        let input = bytes();
        let mut u = Unstructured::new(&input);
        let domain = Domain::arbitrary(&mut u).unwrap();
        // Generated values are ones the parser accepts, unchanged.
        assert_eq!(Domain::parse(domain.as_str()).unwrap(), domain);
        domains.insert(domain.as_str().to_owned());
        let mut u = Unstructured::new(&input);
        let email = Email::arbitrary(&mut u).unwrap();
        assert_eq!(Email::parse(email.as_str()).unwrap(), email);
        emails.insert(email.as_str().to_owned());
    }
    assert!(domains.len() > 100, "{} distinct domains", domains.len());
    assert!(emails.len() > 100, "{} distinct emails", emails.len());
}

/// `quote_for` (issue 15): quotes over any directory name that directory's accounts and
/// Virtual Accounts most of the time, so a test suite with its own directory exercises its own
/// accounts, and the validator answers every one of them.
#[test]
fn quote_for_names_the_accounts_and_vas_of_the_directory_it_is_given() {
    use smart_accounts::fixtures::builder::Builder;
    use smart_accounts::quote::{Assignment, SaRef, VaRef};
    use smart_accounts::validate::{Stage, validate};
    let mut b = Builder::new("2026-01-05T09:00:00Z".parse().unwrap());
    let acme = b.customer("Acme", "acme.com").unwrap();
    let nimbus = b.partner("Nimbus", "nimbus.net").unwrap();
    b.va_path(&acme, "Region-US/Finance/Sacramento").unwrap();
    let dir = b.build();
    let account_ids: BTreeSet<SaId> = dir.accounts().map(|a| a.id()).collect();
    let quotes = sample(&quote_strategies::quote_for(&dir, 4), 200);
    let (mut accounts, mut ours, mut vas, mut resolved_vas) = (0, 0, 0, 0);
    let mut partners = 0;
    for quote in &quotes {
        partners += usize::from(quote.partner == nimbus.org);
        for assignment in quote.lines.iter().filter_map(|l| l.assignment.as_ref()) {
            if let Assignment::Account { sa, va } = assignment {
                accounts += 1;
                if let SaRef::Id(id) = sa {
                    ours += usize::from(account_ids.contains(id));
                }
                if let Some(va) = va {
                    vas += 1;
                    let found = match va {
                        VaRef::Name(name) => {
                            dir.account(acme.sa).unwrap().va_by_name(name).is_some()
                        }
                        VaRef::Id(id) => dir.account_of(*id).is_some(),
                    };
                    resolved_vas += usize::from(found);
                }
            }
        }
        let report = validate(
            &dir,
            quote,
            Stage::Submit,
            "2026-03-01".parse().unwrap(),
            &smart_accounts::policy::PolicyCalendar::cisco(),
        );
        assert_eq!(report.lines.len(), quote.lines.len());
    }
    assert!(
        partners * 2 > quotes.len(),
        "the only seller is the partner most of the time: {partners}"
    );
    assert!(accounts > 100, "{accounts} account assignments");
    assert!(
        ours * 3 > accounts,
        "{ours} of {accounts} name an account of the directory by identifier"
    );
    assert!(
        resolved_vas * 2 > vas,
        "{resolved_vas} of {vas} VAs are the directory's"
    );
    assert!(resolved_vas < vas, "some name nothing");
}

/// `timed_commands` (issue 15): every command family (order records too, Q011) turns up, with the clock advancing; run
/// against the directory, refusals change nothing, each family has commands accepted, and the
/// directory at the end replays from its events.
#[test]
fn timed_commands_cover_every_family_with_time_advancing() {
    use smart_accounts::LicenseCommand;
    let mut runner = TestRunner::deterministic();
    let (mut partner_ok, mut license_ok, mut deposits_ok, mut account_ok) = (0, 0, 0, 0);
    let mut order_ok = 0;
    let (mut later, mut steps_seen) = (0, 0);
    for _ in 0..24 {
        let dir = strategies::directory()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let steps = strategies::timed_commands(&dir, 20..40)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let (mut dir, mut at) = (dir, strategies::AT);
        for step in steps {
            steps_seen += 1;
            later += usize::from(step.after_days > 0);
            at = at
                .checked_add(jiff::SignedDuration::from_hours(
                    24 * i64::from(step.after_days),
                ))
                .unwrap();
            let before = dir.clone();
            let family = match &step.command {
                Command::Order(_) => 4,
                Command::License(LicenseCommand::Deposit { .. }) => 3,
                Command::License(_) => 2,
                Command::RequestPartnerAccess { .. }
                | Command::ApprovePartnerAccess { .. }
                | Command::RejectPartnerAccess { .. }
                | Command::RevokePartnerAccess { .. }
                | Command::ReviewPartnerAccess { .. }
                | Command::SetRoleExpiry { .. } => 1,
                _ => 0,
            };
            match dir.execute(&step.actor, at, step.command) {
                Err(_) => assert_eq!(dir, before, "a refused command changed nothing"),
                Ok(_) => match family {
                    4 => order_ok += 1,
                    3 => deposits_ok += 1,
                    2 => license_ok += 1,
                    1 => partner_ok += 1,
                    _ => account_ok += 1,
                },
            }
        }
        let again =
            Directory::from_events(dir.config().clone(), crate::common::all_events(&dir)).unwrap();
        assert_eq!(again, dir);
    }
    assert!(
        later * 3 > steps_seen,
        "{later} of {steps_seen} steps advance the clock"
    );
    assert!(account_ok > 20, "{account_ok} account commands accepted");
    assert!(partner_ok > 0, "{partner_ok} partner commands accepted");
    assert!(deposits_ok > 5, "{deposits_ok} deposits accepted");
    assert!(order_ok > 0, "{order_ok} order commands accepted");
    assert!(
        license_ok > 0,
        "{license_ok} other license commands accepted"
    );
}
