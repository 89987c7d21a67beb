//! [proptest](mod@proptest) strategies for directories and command sequences (feature `proptest`), for this
//! crate's property tests and for other projects' test suites.
//!
//! - [`directory`]: a small random [`Directory`] — a few organizations (customers, a partner, a
//!   distributor, people with public email domains), up to a dozen users and a random history of
//!   account requests, activations, Virtual Accounts and role assignments. It is built through
//!   the public commands (refused ones are simply skipped), so it only ever holds states the
//!   commands can produce, with full event logs.
//! - [`commands`]: for a given directory, sequences of `(Actor, Command)` that mix valid and
//!   invalid commands and authorised and unauthorised actors. IDs are drawn mostly from the
//!   entities that exist, sometimes from the next IDs the directory will hand out (so later
//!   commands can hit entities created earlier in the sequence) and sometimes from outside
//!   (dangling IDs, unregistered users, the ordering system or vendor support as actor).
//!   Besides the account, Virtual Account and role commands they include the request
//!   lifecycle (declining, withdrawing, lapsing, changing the contact: SA010) and users' access
//!   requests with their approvals and rejections (SA011); run them with a clock that advances
//!   (days apart) so that requests lapse.
//! - [`directory_and_commands`]: both together.
//!
//! The strategies shrink: a failing case reduces to fewer build steps and fewer commands.
//!
//! # Examples
//!
//! ```
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//! use smart_accounts::strategies;
//!
//! let mut runner = TestRunner::deterministic();
//! let (mut dir, commands) = strategies::directory_and_commands(1..20)
//!     .new_tree(&mut runner)
//!     .map_err(|reason| reason.to_string())?
//!     .current();
//! let at = "2026-01-05T09:00:00Z".parse()?;
//! for (actor, command) in commands {
//!     let before = dir.clone();
//!     if dir.execute(&actor, at, command).is_err() {
//!         assert_eq!(dir, before); // a refused command changes nothing
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::ops::Range;

use jiff::Timestamp;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier, Visibility};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::directory::people::{NewUser, OrgKind, UserKind};
use crate::directory::{Command, Directory};
use crate::licenses::license::{
    DeviceId, IdempotencyKey, License, LicenseCommand, LicenseKind, OrderId, OrderLine,
    OrderLineMove, Reservation, ReservationCode, Sku, Term, TransferId, TransferLine,
};
use crate::orders::records::OrderCommand;
use crate::roles::matrix::{Actor, Inheritance, Role, Target};
use jiff::civil::Date;

/// The time stamped on the commands that build a [`directory`]: 2026-01-05T09:00:00Z.
pub const AT: Timestamp = Timestamp::constant(1_767_603_600, 0);

/// An identifier no generated directory ever hands out: commands that use it refer to nothing.
pub const DANGLING: u32 = 1_000_000;

/// The organizations of a generated directory: name, kind and the email domain of its users.
const ORGS: [(&str, OrgKind, &str); 6] = [
    ("Acme", OrgKind::Customer, "acme.com"),
    ("Acme EMEA", OrgKind::Customer, "emea.acme.com"),
    ("Globex", OrgKind::Customer, "globex.com"),
    ("Nimbus Networks", OrgKind::Partner, "nimbus.net"),
    ("Ingress Distribution", OrgKind::Distributor, "ingress.net"),
    ("Sam's Bikes", OrgKind::Customer, "gmail.com"),
];

/// Names for Virtual Accounts: some equal ignoring case, some invalid (VA003).
const NAMES: [&str; 14] = [
    "EMEA",
    "emea",
    "Sales",
    "Ops",
    "Lab",
    "US",
    "DEFAULT",
    "Finance",
    "a",
    "",
    "   ",
    "tab\tname",
    "Ünïcode ✓",
    "Field-Team",
];

/// One user to register.
#[derive(Debug, Clone)]
struct UserSpec {
    org: usize,
    cco: bool,
    alias: bool,
}

/// One step of building a directory; entities are picked by [`Index`] among those existing
/// when the step runs, and the actor is whoever may run it.
#[derive(Debug, Clone)]
enum BuildStep {
    Request {
        kind: AccountKind,
        contact: Index,
        by_contact: bool,
        prefixed: bool,
    },
    Activate {
        sa: Index,
    },
    CreateVa {
        sa: Index,
        parent: Option<Index>,
        name: Index,
    },
    Assign {
        sa: Index,
        user: Index,
        va: Option<Index>,
        role: Index,
        children: bool,
    },
    Restrict {
        va: Index,
    },
}

fn user_spec() -> impl Strategy<Value = UserSpec> {
    (
        0..ORGS.len(),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(org, cco, alias)| UserSpec { org, cco, alias })
}

fn kind() -> impl Strategy<Value = AccountKind> {
    prop_oneof![
        4 => Just(AccountKind::Customer),
        1 => Just(AccountKind::PartnerHolding),
        1 => Just(AccountKind::LimitedUse),
    ]
}

fn build_step() -> impl Strategy<Value = BuildStep> {
    prop_oneof![
        3 => (kind(), any::<Index>(), prop::bool::weighted(0.85), prop::bool::weighted(0.2))
            .prop_map(|(kind, contact, by_contact, prefixed)| BuildStep::Request {
                kind,
                contact,
                by_contact,
                prefixed,
            }),
        1 => any::<Index>().prop_map(|sa| BuildStep::Activate { sa }),
        6 => (any::<Index>(), prop::option::weighted(0.6, any::<Index>()), any::<Index>())
            .prop_map(|(sa, parent, name)| BuildStep::CreateVa { sa, parent, name }),
        4 => (
            any::<Index>(),
            any::<Index>(),
            prop::option::weighted(0.6, any::<Index>()),
            any::<Index>(),
            any::<bool>(),
        )
            .prop_map(|(sa, user, va, role, children)| BuildStep::Assign {
                sa,
                user,
                va,
                role,
                children,
            }),
        1 => any::<Index>().prop_map(|va| BuildStep::Restrict { va }),
    ]
}

fn pick<T: Clone>(items: &[T], index: &Index) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        items.get(index.index(items.len())).cloned()
    }
}

/// The first SA Admin of an account, who runs the build steps in it.
fn admin_of(dir: &Directory, sa: SaId) -> Option<UserId> {
    dir.account(sa)?
        .roles()
        .find(|b| b.role == Role::SaAdmin)
        .map(|b| b.user)
}

fn build(users: &[UserSpec], steps: &[BuildStep]) -> Directory {
    let mut dir = Directory::new();
    let mut orgs = Vec::new();
    for (name, kind, _) in ORGS {
        if let Ok(id) = dir.register_organization(name, kind) {
            orgs.push(id);
        }
    }
    for (n, spec) in users.iter().enumerate() {
        let (Some((_, _, domain)), Some(org)) = (ORGS.get(spec.org), orgs.get(spec.org)) else {
            continue;
        };
        let _ = dir.register_user(NewUser {
            cco_id: spec.cco.then(|| format!("user{n}")),
            email: format!("user{n}@{domain}"),
            org: *org,
            kind: if spec.alias {
                UserKind::TeamAlias
            } else {
                UserKind::Individual
            },
        });
    }
    let user_ids: Vec<UserId> = dir.users().map(|u| u.id).collect();
    for step in steps {
        let sa_ids: Vec<SaId> = dir.accounts().map(|a| a.id()).collect();
        let known = Known {
            dir: &dir,
            users: &user_ids,
            sas: &sa_ids,
        };
        let planned = match step {
            BuildStep::Request {
                kind,
                contact,
                by_contact,
                prefixed,
            } => request_step(&known, kind, contact, by_contact, prefixed),
            BuildStep::Activate { sa } => activate_step(&known, sa),
            BuildStep::CreateVa { sa, parent, name } => create_va_step(&known, sa, parent, name),
            BuildStep::Assign {
                sa,
                user,
                va,
                role,
                children,
            } => assign_step(&known, sa, user, va, role, children),
            BuildStep::Restrict { va } => restrict_step(&known, va),
        };
        let Some((actor, command)) = planned else {
            continue;
        };
        // Refused steps change nothing; the directory stays valid either way.
        let _ = dir.execute(&Actor::User(actor), AT, command);
    }
    dir
}

/// What a build step picks from: the directory so far, its users and its accounts.
#[derive(Clone, Copy)]
struct Known<'a> {
    dir: &'a Directory,
    users: &'a [UserId],
    sas: &'a [SaId],
}

/// A request for an account by or for a user; the kind is a hint (see below).
fn request_step(
    known: &Known<'_>,
    kind: &AccountKind,
    contact: &Index,
    by_contact: &bool,
    prefixed: &bool,
) -> Option<(UserId, Command)> {
    let Known {
        dir,
        users: user_ids,
        sas: sa_ids,
        ..
    } = *known;
    let contact = pick(user_ids, contact)?;
    let user = dir.user(contact)?;
    let base = user.email.domain().as_str().to_owned();
    // The kind is a hint: people at a public domain get Limited Use accounts, and
    // only sellers get holding accounts (the rest are refused, as they should be,
    // and skipped).
    let public = dir.config().is_public_domain(user.email.domain());
    let seller = dir
        .organization(user.org)
        .is_some_and(|o| o.kind.is_seller());
    let kind = match kind {
        _ if public => AccountKind::LimitedUse,
        AccountKind::PartnerHolding if !seller => AccountKind::Customer,
        AccountKind::LimitedUse => AccountKind::Customer,
        other => *other,
    };
    let domain = match kind {
        AccountKind::LimitedUse => None,
        _ if *prefixed => Some(format!("unit{}.{base}", sa_ids.len())),
        _ => Some(base),
    };
    // On someone's behalf: any other user of a seller, else the contact.
    let requester = if *by_contact {
        contact
    } else {
        user_ids
            .iter()
            .copied()
            .find(|u| *u != contact)
            .unwrap_or(contact)
    };
    Some((
        requester,
        Command::RequestAccount {
            kind,
            name: String::new(),
            domain,
            contact,
        },
    ))
}

/// The contact activates a picked account.
fn activate_step(known: &Known<'_>, sa: &Index) -> Option<(UserId, Command)> {
    let Known {
        dir, sas: sa_ids, ..
    } = *known;
    let sa = pick(sa_ids, sa)?;
    let account = dir.account(sa)?;
    Some((account.contact(), Command::ActivateAccount { sa }))
}

/// An SA Admin of a picked account creates a VA under a picked parent.
fn create_va_step(
    known: &Known<'_>,
    sa: &Index,
    parent: &Option<Index>,
    name: &Index,
) -> Option<(UserId, Command)> {
    let Known {
        dir, sas: sa_ids, ..
    } = *known;
    let sa = pick(sa_ids, sa)?;
    let (Some(admin), Some(account)) = (admin_of(dir, sa), dir.account(sa)) else {
        return None;
    };
    let vas: Vec<VaId> = account.vas().map(|v| v.id()).collect();
    let parent = parent.as_ref().and_then(|p| pick(&vas, p));
    let name = pick(&NAMES, name).unwrap_or("VA");
    let name = format!("{name}-{}", account.va_count());
    Some((admin, Command::CreateVa { sa, parent, name }))
}

/// An SA Admin of a picked account assigns a role fitting a picked target.
fn assign_step(
    known: &Known<'_>,
    sa: &Index,
    user: &Index,
    va: &Option<Index>,
    role: &Index,
    children: &bool,
) -> Option<(UserId, Command)> {
    let Known {
        dir,
        users: user_ids,
        sas: sa_ids,
        ..
    } = *known;
    let sa = pick(sa_ids, sa)?;
    let (Some(admin), Some(account), Some(user)) =
        (admin_of(dir, sa), dir.account(sa), pick(user_ids, user))
    else {
        return None;
    };
    let vas: Vec<VaId> = account.vas().map(|v| v.id()).collect();
    let target = match va.as_ref().and_then(|i| pick(&vas, i)) {
        Some(va) => Target::Va(va),
        None => Target::Account(sa),
    };
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| r.is_account_role() == matches!(target, Target::Account(_)))
        .collect();
    let role = pick(&roles, role)?;
    let inheritance = if *children {
        Inheritance::AccountAndChildren
    } else {
        Inheritance::AccountOnly
    };
    Some((
        admin,
        Command::AssignRole {
            user,
            target,
            role,
            inheritance,
        },
    ))
}

/// An SA Admin restricts a picked VA.
fn restrict_step(known: &Known<'_>, va: &Index) -> Option<(UserId, Command)> {
    let Known { dir, .. } = *known;
    let vas: Vec<(SaId, VaId)> = dir
        .accounts()
        .flat_map(|a| a.vas().map(move |v| (a.id(), v.id())))
        .collect();
    let (sa, va) = pick(&vas, va)?;
    let admin = admin_of(dir, sa)?;
    Some((
        admin,
        Command::SetVisibility {
            va,
            visibility: Visibility::Restricted,
        },
    ))
}

/// A small random directory, built through the commands (see the [module docs](self)).
///
/// It has the six organizations of a fixed list (customers `acme.com`, `emea.acme.com` and
/// `globex.com`, partner `nimbus.net`, distributor `ingress.net`, and people at `gmail.com`),
/// 1 to 12 users spread over them (about one in ten without a Cisco.com ID, one in ten a team
/// alias), and up to 40 build steps: account requests (mostly by the contact, sometimes on
/// someone's behalf, hence Pending), activations, Virtual Accounts, role assignments and
/// restrictions, each run by an SA Admin of the account.
pub fn directory() -> impl Strategy<Value = Directory> {
    (
        prop::collection::vec(user_spec(), 1..12),
        prop::collection::vec(build_step(), 0..40),
    )
        .prop_map(|(users, steps)| build(&users, &steps))
}

/// The entities of a directory that commands draw their IDs from: existing ones, and ones
/// outside (the next IDs the directory will hand out, and dangling ones), never empty.
#[derive(Debug, Clone)]
struct Pools {
    /// Existing organizations; outside: one that does not exist.
    orgs: (Vec<OrgId>, Vec<OrgId>),
    users: (Vec<UserId>, Vec<UserId>),
    admins: Vec<UserId>,
    sas: (Vec<SaId>, Vec<SaId>),
    vas: (Vec<VaId>, Vec<VaId>),
    domains: Vec<Option<String>>,
}

/// An identifier: existing four times in five, outside otherwise.
fn id<T: Clone + std::fmt::Debug + 'static>(pool: &(Vec<T>, Vec<T>)) -> BoxedStrategy<T> {
    let (existing, outside) = pool.clone();
    if existing.is_empty() {
        select(outside).boxed()
    } else if outside.is_empty() {
        select(existing).boxed()
    } else {
        prop_oneof![4 => select(existing), 1 => select(outside)].boxed()
    }
}

fn pools(dir: &Directory) -> Pools {
    let users: Vec<UserId> = dir.users().map(|u| u.id).collect();
    let next_user = users.iter().map(|u| u.get()).max().unwrap_or(0) + 1;
    let users = (users, vec![UserId::new(next_user), UserId::new(DANGLING)]);
    let mut admins: Vec<UserId> = dir
        .accounts()
        .flat_map(|a| {
            a.roles()
                .filter(|b| matches!(b.role, Role::SaAdmin | Role::VaAdmin))
                .map(|b| b.user)
                .collect::<Vec<_>>()
        })
        .chain(
            dir.accounts()
                .filter(|a| a.status() == AccountStatus::Pending)
                .flat_map(|a| std::iter::once(a.contact()).chain(dir.requester(a.id()))),
        )
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if admins.is_empty() {
        admins = users.0.iter().chain(&users.1).copied().collect();
    }
    // Existing accounts; outside: the next two to be created, and a dangling one.
    let sas: Vec<SaId> = dir.accounts().map(|a| a.id()).collect();
    let next_sa = sas.iter().map(|s| s.get()).max().unwrap_or(0);
    let sas = (
        sas,
        [next_sa + 1, next_sa + 2, DANGLING].map(SaId::new).to_vec(),
    );
    // Existing Virtual Accounts; outside: the next six, and a dangling one.
    let vas: Vec<VaId> = dir
        .accounts()
        .flat_map(|a| a.vas().map(|v| v.id()))
        .collect();
    let next_va = vas.iter().map(|v| v.get()).max().unwrap_or(0);
    let mut outside: Vec<VaId> = (1..=6).map(|k| VaId::new(next_va + k)).collect();
    outside.push(VaId::new(DANGLING));
    let vas = (vas, outside);
    let mut domains: BTreeSet<Option<String>> = BTreeSet::new();
    for user in dir.users() {
        let d = user.email.domain().as_str();
        domains.insert(Some(d.to_owned()));
        domains.insert(Some(format!("lab.{d}")));
    }
    for account in dir.accounts() {
        if let Identifier::Domain(d) = account.identifier() {
            domains.insert(Some(d.as_str().to_owned()));
        }
    }
    domains.extend([
        None,
        Some("gmail.com".into()),
        Some("not a domain".into()),
        Some("elsewhere.org".into()),
    ]);
    let orgs = (
        dir.organizations().map(|o| o.id).collect(),
        vec![OrgId::new(DANGLING)],
    );
    Pools {
        orgs,
        users,
        admins,
        sas,
        vas,
        domains: domains.into_iter().collect(),
    }
}

fn actor(p: &Pools) -> impl Strategy<Value = Actor> + use<> {
    prop_oneof![
        6 => select(p.admins.clone()).prop_map(Actor::User),
        4 => id(&p.users).prop_map(Actor::User),
        1 => Just(Actor::Fulfilment),
        1 => Just(Actor::VendorSupport { case: "CASE-1".into() }),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => select(NAMES.to_vec()).prop_map(str::to_owned),
        2 => "[A-Za-z][A-Za-z0-9 -]{0,11}",
        1 => Just("n".repeat(101)),
    ]
}

fn inheritance() -> impl Strategy<Value = Inheritance> {
    prop_oneof![
        Just(Inheritance::AccountAndChildren),
        Just(Inheritance::AccountOnly)
    ]
}

fn visibility() -> impl Strategy<Value = Visibility> {
    prop_oneof![Just(Visibility::Restricted), Just(Visibility::Unrestricted)]
}

fn target(p: &Pools) -> impl Strategy<Value = Target> + use<> {
    prop_oneof![
        1 => id(&p.sas).prop_map(Target::Account),
        2 => id(&p.vas).prop_map(Target::Va),
    ]
}

/// A role that fits the target most of the time (ROLE001 refusals the rest).
fn target_and_role(p: &Pools) -> impl Strategy<Value = (Target, Role)> + use<> {
    (target(p), any::<Index>(), prop::bool::weighted(0.9)).prop_map(|(target, i, fits)| {
        let account = matches!(target, Target::Account(_));
        let roles: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| (r.is_account_role() == account) == fits)
            .collect();
        let role = pick(&roles, &i).unwrap_or(Role::VaViewer);
        (target, role)
    })
}

fn command(p: &Pools) -> impl Strategy<Value = Command> + use<> {
    let sa = id(&p.sas);
    let va = id(&p.vas);
    let user = id(&p.users);
    let parent = prop::option::weighted(0.6, va.clone());
    prop_oneof![
        2 => (kind(), name(), select(p.domains.clone()), user.clone()).prop_map(
            |(kind, name, domain, contact)| Command::RequestAccount {
                kind,
                name: if name.trim().is_empty() { String::new() } else { name },
                domain,
                contact,
            }
        ),
        1 => sa.clone().prop_map(|sa| Command::ActivateAccount { sa }),
        1 => (sa.clone(), name()).prop_map(|(sa, name)| Command::RenameAccount { sa, name }),
        6 => (sa.clone(), parent.clone(), name())
            .prop_map(|(sa, parent, name)| Command::CreateVa { sa, parent, name }),
        2 => (va.clone(), name()).prop_map(|(va, name)| Command::RenameVa { va, name }),
        3 => (va.clone(), parent).prop_map(|(va, parent)| Command::MoveVa { va, parent }),
        2 => va.clone().prop_map(|va| Command::DeleteVa { va }),
        1 => va.clone().prop_map(|va| Command::SetDefaultVa { va }),
        1 => (va, visibility())
            .prop_map(|(va, visibility)| Command::SetVisibility { va, visibility }),
        5 => (user.clone(), target_and_role(p), inheritance()).prop_map(
            |(user, (target, role), inheritance)| Command::AssignRole {
                user,
                target,
                role,
                inheritance,
            }
        ),
        2 => (user.clone(), target_and_role(p), inheritance()).prop_map(
            |(user, (target, role), inheritance)| Command::ChangeRole {
                user,
                target,
                role,
                inheritance,
            }
        ),
        2 => (user, target(p)).prop_map(|(user, target)| Command::RevokeRole { user, target }),
        1 => sa.clone().prop_map(|sa| Command::AcceptAgreement { sa }),
        1 => lifecycle(p),
        1 => access(p),
    ]
}

/// SA010: declining, withdrawing, lapsing a request and changing its contact.
fn lifecycle(p: &Pools) -> impl Strategy<Value = Command> + use<> {
    let sa = id(&p.sas);
    prop_oneof![
        sa.clone()
            .prop_map(|sa| Command::DeclineAccountRequest { sa }),
        sa.clone()
            .prop_map(|sa| Command::WithdrawAccountRequest { sa }),
        sa.clone()
            .prop_map(|sa| Command::LapseAccountRequest { sa }),
        (sa, id(&p.users)).prop_map(|(sa, contact)| Command::ChangeRequestContact { sa, contact }),
    ]
}

/// SA011: a user's access request to an existing account, approved with a role and scope, or
/// rejected.
fn access(p: &Pools) -> impl Strategy<Value = Command> + use<> {
    let sa = id(&p.sas);
    let request = 1u64..=3;
    prop_oneof![
        (sa.clone(), target_and_role(p), inheritance()).prop_map(
            |(sa, (target, role), inheritance)| Command::RequestAccountAccess {
                sa,
                target,
                role,
                inheritance,
            }
        ),
        (
            sa.clone(),
            request.clone(),
            target_and_role(p),
            inheritance()
        )
            .prop_map(|(sa, request, (target, role), inheritance)| {
                Command::ApproveAccessRequest {
                    sa,
                    request,
                    target,
                    role,
                    inheritance,
                }
            }),
        (sa, request).prop_map(|(sa, request)| Command::RejectAccessRequest { sa, request }),
    ]
}

/// Sequences of `(Actor, Command)` for `dir`, of a length in `len` (see the
/// [module docs](self)): every kind of command, with actors that are mostly admins of some
/// account (so many commands are accepted), sometimes any user, an unregistered one, the ordering
/// system or vendor support; IDs mostly of existing entities, sometimes of ones the sequence
/// may create, sometimes dangling; names and domains from small pools that collide ignoring case
/// and include invalid ones.
pub fn commands(
    dir: &Directory,
    len: Range<usize>,
) -> impl Strategy<Value = Vec<(Actor, Command)>> + use<> {
    let p = pools(dir);
    prop::collection::vec((actor(&p), command(&p)), len)
}

/// One step of a sequence from [`timed_commands`]: run `command` as `actor`, `after_days` days
/// after the step before (0: at the same time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Days since the step before.
    pub after_days: u16,
    /// Who runs it.
    pub actor: Actor,
    /// What.
    pub command: Command,
}

/// Sequences of [`Step`]s for `dir` with the clock advancing (issue 15): every command family —
/// the account, Virtual Account, role, request-lifecycle and access commands of [`commands`],
/// partner access with expiries (PTR001–PTR005, [`Command::SetRoleExpiry`]), and license and
/// device commands (LIC, DEV; deposits mostly by the ordering system), and order records (Q011:
/// placements, assignments, bookings) — each `0` days after the
/// step before half the time, else up to 120 days, so that expiries pass, requests lapse and
/// licenses age in holding.
///
/// # Examples
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use smart_accounts::strategies;
///
/// let mut runner = TestRunner::deterministic();
/// let dir = strategies::directory().new_tree(&mut runner).map_err(|e| e.to_string())?.current();
/// let steps = strategies::timed_commands(&dir, 1..30)
///     .new_tree(&mut runner)
///     .map_err(|e| e.to_string())?
///     .current();
/// let (mut dir, mut at) = (dir, strategies::AT);
/// for step in steps {
///     at = at.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(step.after_days)))?;
///     let before = dir.clone();
///     if dir.execute(&step.actor, at, step.command).is_err() {
///         assert_eq!(dir, before); // a refused command changes nothing
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn timed_commands(
    dir: &Directory,
    len: Range<usize>,
) -> impl Strategy<Value = Vec<Step>> + use<> {
    let p = pools(dir);
    let licensing_actor = prop_oneof![
        3 => Just(Actor::Fulfilment),
        6 => select(p.admins.clone()).prop_map(Actor::User),
        1 => Just(Actor::VendorSupport { case: "CASE-1".into() }),
    ];
    let acted = prop_oneof![
        6 => (actor(&p), command(&p)),
        2 => (actor(&p), partner_command(&p)),
        1 => (prop_oneof![2 => Just(Actor::Fulfilment), 3 => actor(&p)], order_command(dir, &p)),
        3 => (licensing_actor, license_command(&p), prop::bool::weighted(0.9)).prop_map(
            |(actor, command, by_fulfilment)| {
                // Deposits and sent notices (LIC008) are the ordering system's: mostly by it,
                // sometimes by someone else.
                let deposit = matches!(
                    command,
                    Command::License(
                        LicenseCommand::Deposit { .. } | LicenseCommand::MarkNotificationSent { .. }
                    )
                );
                let actor = if deposit && by_fulfilment { Actor::Fulfilment } else { actor };
                (actor, command)
            }
        ),
    ];
    let after = prop_oneof![1 => Just(0u16), 1 => 1u16..=120];
    prop::collection::vec(
        (after, acted).prop_map(|(after_days, (actor, command))| Step {
            after_days,
            actor,
            command,
        }),
        len,
    )
}

/// A random [`directory`] and a sequence of [`commands`] for it.
pub fn directory_and_commands(
    len: Range<usize>,
) -> impl Strategy<Value = (Directory, Vec<(Actor, Command)>)> {
    directory().prop_flat_map(move |dir| {
        let commands = commands(&dir, len.clone());
        (Just(dir), commands)
    })
}

// The command families `commands` leaves out, for `timed_commands`: partner access with
// expiries (PTR001–PTR005) and license and device commands (LIC001–LIC011, DEV001–DEV002).

/// Order commands (Q011): placements of quotes that name what `dir` holds, under a few order
/// identifiers (`ORD-3` to `ORD-8`; deposits name `ORD-0` to `ORD-5`, so fulfilment meets some
/// records and leaves other orders unrecorded), and assignments and bookings of their lines.
fn order_command(dir: &Directory, p: &Pools) -> BoxedStrategy<Command> {
    // `ORD-3` to `ORD-8`: half of them are the ones deposits name.
    let order =
        || (3u32..9).prop_filter_map("an order ID", |n| OrderId::parse(&format!("ORD-{n}")).ok());
    prop_oneof![
        // An order is placed unbooked: mostly so, sometimes with a line marked booked.
        4 => (order(), crate::testing::quote_strategies::quote_for(dir, 4), prop::bool::weighted(0.9))
            .prop_map(|(order, mut quote, unbooked)| {
                if unbooked {
                    quote.lines.iter_mut().for_each(|l| l.booked = false);
                }
                OrderCommand::Place { order, quote }
            }),
        2 => (order(), 1u32..5, id(&p.sas), prop::option::of(id(&p.vas)))
            .prop_map(|(order, line, sa, va)| OrderCommand::Assign { order, line, sa, va }),
        2 => (order(), prop::collection::vec(1u32..5, 0..3))
            .prop_map(|(order, lines)| OrderCommand::Book { order, lines }),
    ]
    .prop_map(Command::Order)
    .boxed()
}

/// A day around the strategies' time ([`AT`], 2026-01-05): a year before to two after.
fn day() -> impl Strategy<Value = Date> {
    (-365i64..730).prop_map(|days| {
        let base = jiff::civil::date(2026, 1, 5);
        base.checked_add(jiff::Span::new().days(days))
            .unwrap_or(base)
    })
}

/// An expiry: none half the time, else a day around the strategies' time.
fn expiry() -> impl Strategy<Value = Option<Date>> {
    prop::option::of(day())
}

/// An organization: the directory's, or one that does not exist.
fn org(p: &Pools) -> BoxedStrategy<OrgId> {
    id(&p.orgs)
}

/// Partner access (PTR): requests with an expiry, approvals, rejections, revocations, reviews,
/// and expiries set on roles.
fn partner_command(p: &Pools) -> BoxedStrategy<Command> {
    let sa = id(&p.sas);
    let request = 0u64..4;
    prop_oneof![
        2 => (sa.clone(), target_and_role(p), inheritance(), expiry()).prop_map(
            |(sa, (target, role), inheritance, expires)| Command::RequestPartnerAccess {
                sa,
                target,
                role,
                inheritance,
                expires,
            }
        ),
        2 => (sa.clone(), request.clone(), expiry()).prop_map(|(sa, request, expires)| {
            Command::ApprovePartnerAccess { sa, request, expires }
        }),
        1 => (sa.clone(), request)
            .prop_map(|(sa, request)| Command::RejectPartnerAccess { sa, request }),
        1 => (sa.clone(), org(p)).prop_map(|(sa, org)| Command::RevokePartnerAccess { sa, org }),
        1 => (sa, prop::option::of(org(p)))
            .prop_map(|(sa, org)| Command::ReviewPartnerAccess { sa, org }),
        2 => (id(&p.users), target(p), expiry()).prop_map(|(user, target, expires)| {
            Command::SetRoleExpiry { user, target, expires }
        }),
    ]
    .boxed()
}

/// A license type from a small pool, so that commands meet the same types: two perpetual ones,
/// a subscription, and one that no command deposits.
fn license() -> impl Strategy<Value = License> {
    let sku = |s: &str| Sku::parse(s).ok();
    let three_years = Term::Subscription {
        start: jiff::civil::date(2026, 1, 5),
        end: jiff::civil::date(2029, 1, 4),
    };
    let pool: Vec<License> = [
        sku("ISE-PLS-LIC").map(License::perpetual),
        sku("C9300-DNA-E-3Y").map(|sku| License {
            sku,
            term: three_years,
        }),
        sku("L-FPR-TD").map(License::perpetual),
        sku("NEVER-DEPOSITED").map(License::perpetual),
    ]
    .into_iter()
    .flatten()
    .collect();
    select(pool)
}

/// A text identifier from a small pool (so retries and conflicts happen), or a fresh one.
fn text_id<T: Clone + std::fmt::Debug + 'static>(
    prefix: &'static str,
    parse: fn(&str) -> Option<T>,
) -> impl Strategy<Value = T> {
    (0u32..6).prop_filter_map("a valid identifier", move |n| {
        parse(&format!("{prefix}-{n}"))
    })
}

fn quantity() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 1u64..50, 1 => Just(0u64), 1 => Just(u64::MAX)]
}

fn lines() -> impl Strategy<Value = Vec<TransferLine>> {
    prop::collection::vec(
        (license(), quantity()).prop_map(|(license, quantity)| TransferLine { license, quantity }),
        0..3,
    )
}

fn device() -> impl Strategy<Value = DeviceId> {
    text_id("DEV", |s| DeviceId::parse(s).ok())
}

/// License and device commands (LIC, DEV): deposits (mostly by the ordering system's actor,
/// which [`timed_commands`] picks for them), moves between Virtual Accounts and out of
/// holding, reservations, notification records and opt-ins (LIC008), devices and their
/// consumption and reports.
fn license_command(p: &Pools) -> BoxedStrategy<Command> {
    let (sa, va) = (id(&p.sas), id(&p.vas));
    let order = (text_id("ORD", |s| OrderId::parse(s).ok()), 1u32..3)
        .prop_map(|(order, line)| OrderLine { order, line });
    let order = order.boxed();
    // LIC011: half the moves out of holding name order lines (then `lines` is mostly left
    // empty, as the command allows), the others take the oldest stock.
    let named = prop_oneof![
        1 => Just(Vec::new()),
        1 => prop::collection::vec(
            (order.clone(), license(), quantity())
                .prop_map(|(order, license, quantity)| OrderLineMove { order, license, quantity }),
            1..3,
        ),
    ];
    let to_account = (
        text_id("T", |s| TransferId::parse(s).ok()),
        va.clone(),
        sa.clone(),
        prop::option::of(va.clone()),
        (lines(), named, prop::bool::weighted(0.8)).prop_map(|(lines, named, empty)| {
            let lines = if named.is_empty() || !empty {
                lines
            } else {
                Vec::new()
            };
            (lines, named)
        }),
    )
        .boxed();
    let kind = prop_oneof![5 => Just(LicenseKind::Smart), 1 => Just(LicenseKind::Classic)];
    let command = prop_oneof![
        6 => (sa.clone(), prop::option::of(va.clone()), order.clone(), license(), kind, quantity(), org(p), any::<bool>())
            .prop_map(|(sa, va, order, license, kind, quantity, procured_by, sa_mandatory)| {
                LicenseCommand::Deposit { sa, va, order, license, kind, quantity, procured_by, sa_mandatory }
            }),
        4 => (va.clone(), va.clone(), lines(), text_id("KEY", |s| IdempotencyKey::parse(s).ok()))
            .prop_map(|(from, to, lines, key)| LicenseCommand::Transfer { from, to, lines, key }),
        2 => to_account.clone().prop_map(|(transfer, from, to_sa, to_va, (lines, order_lines))| {
            LicenseCommand::AssignFromHolding { transfer, from, to_sa, to_va, lines, order_lines }
        }),
        1 => to_account.prop_map(|(transfer, from, to_sa, to_va, (lines, order_lines))| {
            LicenseCommand::VendorReassign { transfer, from, to_sa, to_va, lines, order_lines }
        }),
        2 => (va.clone(), license(), quantity())
            .prop_map(|(va, license, quantity)| LicenseCommand::Reserve { va, license, quantity }),
        1 => (va.clone(), license(), quantity()).prop_map(|(va, license, quantity)| {
            LicenseCommand::ReleaseReservation { va, license, quantity }
        }),
        1 => (text_id("RES", |s| ReservationCode::parse(s).ok()), va.clone(), license(), quantity(), prop::option::of(device()))
            .prop_map(|(code, va, license, quantity, device)| {
                LicenseCommand::ReserveWithCode(Reservation { code, va, license, quantity, device })
            }),
        1 => (sa.clone(), text_id("RES", |s| ReservationCode::parse(s).ok()))
            .prop_map(|(sa, code)| LicenseCommand::ReleaseByCode { sa, code }),
        1 => (sa.clone(), any::<bool>())
            .prop_map(|(sa, opt_in)| LicenseCommand::FulfilmentNotices { sa, opt_in }),
        1 => (sa.clone(), 1u64..4).prop_map(|(sa, id)| LicenseCommand::MarkNotificationSent { sa, id }),
        1 => (sa.clone(), 1u64..4).prop_map(|(sa, id)| LicenseCommand::AcknowledgeNotification { sa, id }),
        2 => (device(), va.clone(), day()).prop_map(|(device, va, installed)| {
            LicenseCommand::RegisterDevice { device, va, installed }
        }),
        1 => (device(), va).prop_map(|(device, va)| LicenseCommand::MoveDevice { device, va }),
        2 => (device(), license(), quantity())
            .prop_map(|(device, license, quantity)| LicenseCommand::Consume { device, license, quantity }),
        1 => (device(), license(), quantity())
            .prop_map(|(device, license, quantity)| LicenseCommand::Release { device, license, quantity }),
        1 => (device(), day()).prop_map(|(device, on)| LicenseCommand::RecordReport { device, on }),
        1 => device().prop_map(|device| LicenseCommand::RemoveDevice { device }),
    ];
    command.prop_map(Command::License).boxed()
}
