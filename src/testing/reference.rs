//! A reference model of the directory (feature `proptest`): slow, plain, and written to be
//! obviously correct, for differential tests of the fast [`Directory`].
//!
//! The model keeps plain maps (accounts, users, organizations), a parent pointer per Virtual
//! Account and a list of role bindings per account. It answers a permission question by walking
//! up the parents of the target and applying the ROLE005 matrix of `docs/RULES.md`, written out
//! again in [`matrix`]; it has no index, no cache and no event log. It runs the account,
//! Virtual Account, role and agreement commands, the request lifecycle (SA010) and users'
//! access requests (SA011), and it follows the rules about partner users' roles on a customer's
//! account (PTR001, PTR006). [`knows`] says which commands those are: licenses, devices and
//! partner consent are outside it.
//!
//! A test suite uses it in three steps:
//!
//! 1. Build the model from a starting directory: [`Model::from_directory`].
//! 2. For each command, execute it on the directory, then [`Model::run`] it with the events the
//!    directory returned (the model takes new identifiers from them: allocating identifiers is
//!    not a rule) and compare: both must accept, or both refuse.
//! 3. From time to time, [`Model::agrees`] compares every account whole and every permission
//!    question (every user, action and target), down to the binding each decision names, and
//!    [`check_invariants`] checks the directory's own invariants.
//!
//! Nothing here panics: a difference comes back as a [`Disagreement`] that says what differs,
//! and the test decides how to fail.
//!
//! This crate's own users are the model-based property test (`tests/ev/model.rs`), the
//! permission-index test (`tests/role/check_index.rs`) and the differential fuzz target
//! (`fuzz/fuzz_targets/commands.rs`).
//!
//! # Examples
//!
//! ```
//! use smart_accounts::reference::{self, Model};
//! use smart_accounts::{Actor, Command, UserId, VaId, fixtures};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut world = fixtures::world()?;
//! let mut model = Model::from_directory(&world.dir);
//! let alice = Actor::User(world.acme.alice);
//! let commands = [
//!     Command::CreateVa { sa: world.acme.sa, parent: Some(world.acme.emea), name: "Lab".into() },
//!     // Refused by both: the name is taken, up to case.
//!     Command::CreateVa { sa: world.acme.sa, parent: None, name: "emea".into() },
//! ];
//! for command in commands {
//!     assert!(reference::knows(&command));
//!     let result = world.dir.execute(&alice, world.at, command.clone());
//!     let events = result.as_deref().unwrap_or_default();
//!     let accepted = model.run(&alice, world.at, &command, events)?;
//!     assert_eq!(accepted, result.is_ok(), "{command:?}");
//! }
//! reference::check_invariants(&world.dir)?;
//! // An unknown user and an unknown Virtual Account are asked about too.
//! model.agrees(&world.dir, UserId::new(u32::MAX), VaId::new(u32::MAX))?;
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::{
    AccountKind, AccountStatus, Action, Actor, Change, Command, Directory, Domain, Event,
    Identifier, Inheritance, OrgId, OrgKind, Reason, RequestStatus, Role, SaId, SmartAccount,
    Target, UserId, VaId, Visibility,
};

// ---------------------------------------------------------------------------------------------
// Disagreements

/// A difference between the directory and the model, or a broken invariant of the directory, or
/// a command the model cannot follow; its message says which and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Disagreement {
    message: String,
}

impl Disagreement {
    fn new(message: impl Into<String>) -> Disagreement {
        Disagreement {
            message: message.into(),
        }
    }
}

/// `Ok` when `holds`, else a [`Disagreement`] with the message `what` writes.
fn ensure(holds: bool, what: impl FnOnce() -> String) -> Result<(), Disagreement> {
    if holds {
        Ok(())
    } else {
        Err(Disagreement::new(what()))
    }
}

/// `Ok` when `found == expected`, else a [`Disagreement`] naming both.
fn same<T: PartialEq + Debug>(
    found: T,
    expected: T,
    what: impl FnOnce() -> String,
) -> Result<(), Disagreement> {
    ensure(found == expected, || {
        format!("{}: found {found:?}, expected {expected:?}", what())
    })
}

// ---------------------------------------------------------------------------------------------
// The rules, written out again

/// ROLE005 (`docs/RULES.md`), written out again from the table: does `role` allow `action`
/// somewhere? (Whether a Virtual Account role reaches a given target is the walk's business,
/// and a Virtual Account role never allows an account-level action.)
pub fn matrix(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match action {
        A::ViewAccount => true,
        A::ViewLicenses => role != R::SaApprover,
        A::ManageLicenses | A::ManageDevices => {
            matches!(role, R::SaAdmin | R::SaUser | R::VaAdmin | R::VaUser)
        }
        A::ManageChildVas | A::AssignVaRoles => matches!(role, R::SaAdmin | R::VaAdmin),
        A::AcceptAgreement => matches!(role, R::SaAdmin | R::SaApprover),
        A::CreateTopLevelVa
        | A::AssignSaRoles
        | A::EditAccount
        | A::ApprovePartnerAccess
        | A::ViewEventLog => role == R::SaAdmin,
    }
}

/// Actions about the account as a whole: only SA roles grant them (DESIGN.md).
fn account_level(action: Action) -> bool {
    matches!(
        action,
        Action::CreateTopLevelVa
            | Action::AssignSaRoles
            | Action::EditAccount
            | Action::ApprovePartnerAccess
            | Action::AcceptAgreement
            | Action::ViewEventLog
    )
}

/// ROLE001: the roles bound to the account itself.
fn sa_role(role: Role) -> bool {
    matches!(
        role,
        Role::SaAdmin | Role::SaUser | Role::SaViewer | Role::SaApprover
    )
}

/// Whether the model runs `command`: the account, Virtual Account, role and agreement
/// commands, the request lifecycle (SA010) and access requests (SA011). License, device and
/// partner-consent commands are not modelled here: skip them, or test them apart (an accepted
/// one may change what a later command does on the directory).
pub fn knows(command: &Command) -> bool {
    matches!(
        command,
        Command::RequestAccount { .. }
            | Command::ActivateAccount { .. }
            | Command::RenameAccount { .. }
            | Command::CreateVa { .. }
            | Command::RenameVa { .. }
            | Command::MoveVa { .. }
            | Command::DeleteVa { .. }
            | Command::SetDefaultVa { .. }
            | Command::SetVisibility { .. }
            | Command::AssignRole { .. }
            | Command::ChangeRole { .. }
            | Command::RevokeRole { .. }
            | Command::AcceptAgreement { .. }
            | Command::DeclineAccountRequest { .. }
            | Command::WithdrawAccountRequest { .. }
            | Command::LapseAccountRequest { .. }
            | Command::ChangeRequestContact { .. }
            | Command::RequestAccountAccess { .. }
            | Command::ApproveAccessRequest { .. }
            | Command::RejectAccessRequest { .. }
    )
}

/// The UTC day of an instant.
fn day_of(at: Timestamp) -> Date {
    jiff::tz::TimeZone::UTC.to_datetime(at).date()
}

/// `days` after the UTC day of `at`.
fn days_after(at: Timestamp, days: i64) -> Date {
    day_of(at)
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(Date::MAX)
}

/// Name rules (VA003, also account names): trimmed, 1–100 characters, no control characters.
fn valid_name(name: &str) -> Option<String> {
    let t = name.trim();
    let n = t.chars().count();
    ((1..=100).contains(&n) && !t.chars().any(char::is_control)).then(|| t.to_owned())
}

/// Whether `domain` is `other` or one of its subdomains.
fn within(domain: &str, other: &str) -> bool {
    domain == other || domain.ends_with(&format!(".{other}"))
}

// ---------------------------------------------------------------------------------------------
// The state

/// A Virtual Account: its parent, name and visibility.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MVa {
    parent: Option<VaId>,
    name: String,
    restricted: bool,
}

/// A role binding; `children` is always true for an SA role (it covers every Virtual Account).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct MBinding {
    user: UserId,
    va: Option<VaId>,
    role: Role,
    children: bool,
}

/// An access request (PTR002, SA011): who, where, of which organization, when, answered or not.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MRequest {
    user: UserId,
    va: Option<VaId>,
    org: OrgId,
    asked: Timestamp,
    pending: bool,
}

/// A Smart Account.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MAccount {
    kind: AccountKind,
    /// Pending, Active, or closed (SA010).
    status: AccountStatus,
    created: Timestamp,
    /// Access requests by identifier (PTR002, SA011).
    requests: BTreeMap<u64, MRequest>,
    name: String,
    identifier: String,
    owner: OrgId,
    contact: UserId,
    default_va: VaId,
    vas: BTreeMap<VaId, MVa>,
    bindings: Vec<MBinding>,
    agreement: Option<UserId>,
    /// Virtual Accounts holding licenses or devices (VA005). The model runs no license
    /// command, so this only ever comes from the starting directory.
    stocked: BTreeSet<VaId>,
}

/// A user: whether they have a Cisco.com ID, their email and its domain, their organization.
#[derive(Debug, Clone)]
struct MUser {
    cco: bool,
    email: String,
    domain: String,
    org: OrgId,
}

/// The reference model of a [`Directory`]: see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Model {
    public: Vec<String>,
    /// Config::account_request_lapse_days and partner_request_lapse_days (SA010, PTR005).
    account_lapse: i64,
    partner_lapse: i64,
    orgs: BTreeMap<OrgId, OrgKind>,
    users: BTreeMap<UserId, MUser>,
    accounts: BTreeMap<SaId, MAccount>,
    /// Who requested each account (SA010): the actor of its request.
    requesters: BTreeMap<SaId, UserId>,
}

impl MAccount {
    /// `va` and then each of its ancestors, by parent pointers (never more steps than the
    /// account has Virtual Accounts, whatever the pointers say).
    fn chain(&self, va: VaId) -> impl Iterator<Item = VaId> + '_ {
        std::iter::successors(Some(va), |v| self.vas.get(v).and_then(|m| m.parent))
            .take(self.vas.len().saturating_add(1))
    }

    /// VA001: the level of `va` (1 at the top).
    fn level(&self, va: VaId) -> usize {
        self.chain(va).count()
    }

    /// Whether `ancestor` is `va` or above it.
    fn at_or_above(&self, ancestor: VaId, va: VaId) -> bool {
        self.chain(va).any(|v| v == ancestor)
    }

    /// How many levels `ancestor` is above `va` (0: `va` itself), or `None` when it is not at
    /// or above it.
    fn distance(&self, ancestor: VaId, va: VaId) -> Option<usize> {
        self.chain(va).position(|v| v == ancestor)
    }

    /// Levels of the subtree under `va`, counting `va`.
    fn height(&self, va: VaId) -> usize {
        let base = self.level(va);
        self.vas
            .keys()
            .filter(|v| self.at_or_above(va, **v))
            .map(|v| self.level(*v).saturating_sub(base).saturating_add(1))
            .max()
            .unwrap_or(1)
    }

    /// ROLE004: how far up the binding `b` that covers `va` is bound (`usize::MAX` for an SA
    /// role, which covers every Virtual Account), or `None` when it does not cover `va`.
    fn reach(&self, b: &MBinding, va: VaId) -> Option<usize> {
        match b.va {
            None => Some(usize::MAX),
            Some(bound) => match self.distance(bound, va)? {
                0 => Some(0),
                d if b.children => Some(d),
                _ => None,
            },
        }
    }

    /// ROLE005, ROLE009: the closest binding of `user` covering `va` among those that allow
    /// `action` (`allow`) or among those that do not (`!allow`: the one a denial names as
    /// held), as its role and the Virtual Account it is bound to. A VA role never allows an
    /// account-level action.
    fn closest(
        &self,
        user: UserId,
        action: Action,
        va: VaId,
        allow: bool,
    ) -> Option<(Role, Option<VaId>)> {
        self.bindings
            .iter()
            .filter(|b| {
                b.user == user
                    && (matrix(b.role, action) && (b.va.is_none() || !account_level(action)))
                        == allow
            })
            .filter_map(|b| self.reach(b, va).map(|d| (d, (b.role, b.va))))
            .min_by_key(|(d, _)| *d)
            .map(|(_, found)| found)
    }

    /// The binding of `user` on `va` (the account itself for `None`).
    fn binding(&self, user: UserId, va: Option<VaId>) -> Option<&MBinding> {
        self.bindings.iter().find(|b| b.user == user && b.va == va)
    }

    /// Whether `user` belongs to the owning organization.
    fn owned_by(&self, user: UserId, users: &BTreeMap<UserId, MUser>) -> bool {
        users.get(&user).is_some_and(|u| u.org == self.owner)
    }

    /// ROLE007 / PTR006: the SA Admins of the owning organization other than `except` (the
    /// model has no expiries, so every role is in force).
    fn owner_admins_besides(&self, except: UserId, users: &BTreeMap<UserId, MUser>) -> usize {
        self.bindings
            .iter()
            .filter(|b| b.role == Role::SaAdmin && b.user != except && self.owned_by(b.user, users))
            .count()
    }

    /// PTR006: whether a role "account and children" of an owner's user reaches other Virtual
    /// Accounts when `va` moves from under `old` to under `new`.
    fn move_changes_owner_reach(
        &self,
        old: Option<VaId>,
        new: Option<VaId>,
        users: &BTreeMap<UserId, MUser>,
    ) -> bool {
        self.bindings.iter().any(|b| {
            b.children
                && self.owned_by(b.user, users)
                && b.va.is_some_and(|bound| {
                    old.is_some_and(|o| self.at_or_above(bound, o))
                        != new.is_some_and(|n| self.at_or_above(bound, n))
                })
        })
    }

    /// VA003: whether another Virtual Account than `except` has `name`, up to case.
    fn name_taken(&self, name: &str, except: Option<VaId>) -> bool {
        self.vas
            .iter()
            .any(|(id, v)| Some(*id) != except && v.name.to_lowercase() == name.to_lowercase())
    }

    /// SA006: whether one more user may hold a role here (Limited Use: two at most).
    fn room_for(&self, user: UserId) -> bool {
        let distinct: BTreeSet<UserId> = self.bindings.iter().map(|b| b.user).collect();
        self.kind != AccountKind::LimitedUse || distinct.contains(&user) || distinct.len() < 2
    }

    /// The model's picture of a directory account.
    fn of(a: &SmartAccount) -> MAccount {
        let mut bindings: Vec<MBinding> = a
            .roles()
            .map(|b| MBinding {
                user: b.user,
                va: b.va,
                role: b.role,
                children: b.va.is_none() || b.inheritance == Inheritance::AccountAndChildren,
            })
            .collect();
        bindings.sort();
        MAccount {
            kind: a.kind(),
            status: a.status(),
            created: a.created_at(),
            requests: a
                .access_requests()
                .map(|r| {
                    (
                        r.id,
                        MRequest {
                            user: r.user,
                            va: r.va,
                            org: r.org,
                            asked: r.requested_at,
                            pending: r.status == RequestStatus::Pending,
                        },
                    )
                })
                .collect(),
            name: a.name().to_owned(),
            identifier: match a.identifier() {
                Identifier::Domain(d) => d.as_str().to_owned(),
                Identifier::Email(e) => e.as_str().to_owned(),
            },
            owner: a.owner(),
            contact: a.contact(),
            default_va: a.default_va(),
            vas: a
                .vas()
                .map(|v| {
                    (
                        v.id(),
                        MVa {
                            parent: v.parent(),
                            name: v.name().to_owned(),
                            restricted: v.visibility() == Visibility::Restricted,
                        },
                    )
                })
                .collect(),
            bindings,
            agreement: a.agreement().map(|x| x.by),
            stocked: a
                .compliance()
                .map(|row| row.va)
                .chain(a.devices().map(|d| d.va))
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Building and asking

impl Model {
    /// The model of `dir` as it stands: its configuration (public email domains, how long
    /// requests stay open), organizations, users and accounts, and who requested each account.
    pub fn from_directory(dir: &Directory) -> Model {
        Model {
            requesters: dir
                .accounts()
                .filter_map(|a| Some((a.id(), dir.requester(a.id())?)))
                .collect(),
            account_lapse: i64::from(dir.config().account_request_lapse_days),
            partner_lapse: i64::from(dir.config().partner_request_lapse_days),
            public: dir
                .config()
                .public_domains
                .iter()
                .map(|d| d.as_str().to_owned())
                .collect(),
            orgs: dir.organizations().map(|o| (o.id, o.kind)).collect(),
            users: dir
                .users()
                .map(|u| {
                    (
                        u.id,
                        MUser {
                            cco: u.cco_id.is_some(),
                            email: u.email.as_str().to_owned(),
                            domain: u.email.domain().as_str().to_owned(),
                            org: u.org,
                        },
                    )
                })
                .collect(),
            accounts: dir.accounts().map(|a| (a.id(), MAccount::of(a))).collect(),
        }
    }

    /// The account holding Virtual Account `va`.
    fn account_of(&self, va: VaId) -> Option<SaId> {
        self.accounts
            .iter()
            .find(|(_, a)| a.vas.contains_key(&va))
            .map(|(id, _)| *id)
    }

    /// ROLE004, ROLE005: whether `user` may do `action` on `target`, by walking up the parents
    /// of the target over the account's bindings. Unknown users and targets are allowed nothing.
    pub fn allowed(&self, user: UserId, action: Action, target: Target) -> bool {
        let sa = match target {
            Target::Account(sa) => Some(sa),
            Target::Va(va) => self.account_of(va),
        };
        sa.is_some_and(|sa| self.allowed_in(sa, user, action, target))
    }

    /// [`Model::allowed`] for a target known to be in account `sa` (the sweep of
    /// [`Model::agrees`] knows it, which saves a search through every account).
    fn allowed_in(&self, sa: SaId, user: UserId, action: Action, target: Target) -> bool {
        if !self.users.contains_key(&user) {
            return false;
        }
        match target {
            Target::Account(sa) => self.accounts.get(&sa).is_some_and(|a| {
                a.bindings
                    .iter()
                    .any(|b| b.user == user && b.va.is_none() && matrix(b.role, action))
            }),
            Target::Va(va) => self
                .accounts
                .get(&sa)
                .filter(|a| a.vas.contains_key(&va))
                .is_some_and(|a| a.closest(user, action, va, true).is_some()),
        }
    }

    /// ROLE009: the binding a decision about `action` on Virtual Account `va` of account `sa`
    /// names, as its role and the Virtual Account it is bound to (`None`: the account). With
    /// `allow`, the closest binding of `user` that allows it (none: the action is denied);
    /// without, the closest one covering `va` that does not (the one a denial names as held).
    pub fn closest(
        &self,
        sa: SaId,
        user: UserId,
        action: Action,
        va: VaId,
        allow: bool,
    ) -> Option<(Role, Option<VaId>)> {
        self.accounts
            .get(&sa)
            .filter(|a| a.vas.contains_key(&va))
            .and_then(|a| a.closest(user, action, va, allow))
    }

    /// Account `sa` when it is Active.
    fn active(&self, sa: SaId) -> Option<&MAccount> {
        self.accounts
            .get(&sa)
            .filter(|a| a.status == AccountStatus::Active)
    }

    /// The account of an existing Virtual Account in an Active account.
    fn va_active(&self, va: VaId) -> Option<SaId> {
        let sa = self.account_of(va)?;
        self.active(sa).map(|_| sa)
    }

    /// The organization of `user`.
    fn org_of(&self, user: UserId) -> Option<OrgId> {
        self.users.get(&user).map(|u| u.org)
    }

    /// Whether `user` belongs to a partner or a distributor.
    fn seller(&self, user: UserId) -> bool {
        self.org_of(user)
            .and_then(|org| self.orgs.get(&org))
            .is_some_and(|k| matches!(k, OrgKind::Partner | OrgKind::Distributor))
    }

    /// Who may create, rename, move, delete or restrict a VA below `parent`.
    fn may_position(&self, user: UserId, sa: SaId, parent: Option<VaId>) -> bool {
        match parent {
            None => self.allowed(user, Action::CreateTopLevelVa, Target::Account(sa)),
            Some(p) => self.allowed(user, Action::ManageChildVas, Target::Va(p)),
        }
    }

    /// Virtual Account `va` of account `sa`, to change.
    fn va_mut(&mut self, sa: SaId, va: VaId) -> Option<&mut MVa> {
        self.accounts.get_mut(&sa)?.vas.get_mut(&va)
    }
}

// ---------------------------------------------------------------------------------------------
// Running commands

impl Model {
    /// Runs `command` by `actor` at `at` on the model: `Ok(true)` when the model accepts it (and
    /// applies it), `Ok(false)` when it refuses it (and changes nothing).
    ///
    /// `events` are the events the directory returned for the same command (empty when it
    /// refused): the model takes the identifiers of new accounts and Virtual Accounts from them,
    /// since allocating identifiers is not a rule.
    ///
    /// # Errors
    ///
    /// A [`Disagreement`] when the model cannot follow: `command` is not one it [`knows`], or it
    /// accepts a command that creates something and `events` do not say what the directory
    /// created (typically because the directory refused what the model accepts).
    pub fn run(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        command: &Command,
        events: &[Event],
    ) -> Result<bool, Disagreement> {
        if !knows(command) {
            return Err(Disagreement::new(format!(
                "the reference model does not run {command:?}"
            )));
        }
        if let Some(accepted) = self.run_lifecycle(actor, at, command) {
            return Ok(accepted);
        }
        let Actor::User(me) = *actor else {
            return Ok(false);
        };
        let Some(my_org) = self.org_of(me) else {
            return Ok(false);
        };
        let accepted = match command.clone() {
            Command::RequestAccount {
                kind,
                name,
                domain,
                contact,
            } => {
                return self.request_account(me, kind, name, domain, contact, events);
            }
            Command::ActivateAccount { sa } => self.activate(me, sa),
            Command::RenameAccount { sa, name } => self.rename_account(me, sa, &name),
            Command::CreateVa { sa, parent, name } => {
                return self.create_va(me, sa, parent, &name, events);
            }
            Command::RenameVa { va, name } => self.rename_va(me, va, &name).is_some(),
            Command::MoveVa { va, parent } => self.move_va(me, my_org, va, parent).is_some(),
            Command::DeleteVa { va } => self.delete_va(me, my_org, va).is_some(),
            Command::SetDefaultVa { va } => self.set_default_va(me, va).is_some(),
            Command::SetVisibility { va, visibility } => {
                self.set_visibility(me, va, visibility).is_some()
            }
            Command::AssignRole {
                user,
                target,
                role,
                inheritance,
            } => self.role_command(me, user, target, Some((role, inheritance)), true),
            Command::ChangeRole {
                user,
                target,
                role,
                inheritance,
            } => self.role_command(me, user, target, Some((role, inheritance)), false),
            Command::RevokeRole { user, target } => {
                self.role_command(me, user, target, None, false)
            }
            Command::AcceptAgreement { sa } => self.accept_agreement(me, sa),
            // The lifecycle commands ran above; `knows` lists no other.
            _ => false,
        };
        Ok(accepted)
    }

    /// SA001, SA003–SA008, ROLE008: a user requests an account for `contact` (active at
    /// once when they are the contact).
    fn request_account(
        &mut self,
        me: UserId,
        kind: AccountKind,
        name: String,
        domain: Option<String>,
        contact: UserId,
        events: &[Event],
    ) -> Result<bool, Disagreement> {
        let Some(owner) = self.org_of(contact) else {
            return Ok(false);
        };
        let Some(identifier) = self.new_identifier(me, kind, domain, contact) else {
            return Ok(false);
        };
        let name = if name.trim().is_empty() {
            identifier.clone()
        } else {
            name
        };
        let Some(name) = valid_name(&name) else {
            return Ok(false);
        };
        let Some((sa, created, default_va)) = events.first().and_then(|e| match e.change {
            Change::AccountCreated { default_va, .. } => Some((e.sa, e.at, default_va)),
            _ => None,
        }) else {
            return Err(Disagreement::new(format!(
                "the model accepts the request of a {kind:?} account by {me}, but the \
                 directory's events do not open with its creation: {events:?}"
            )));
        };
        let active = me == contact;
        let vas = BTreeMap::from([(
            default_va,
            MVa {
                parent: None,
                name: "DEFAULT".into(),
                restricted: false,
            },
        )]);
        self.requesters.insert(sa, me);
        self.accounts.insert(
            sa,
            MAccount {
                kind,
                status: if active {
                    AccountStatus::Active
                } else {
                    AccountStatus::Pending
                },
                created,
                requests: BTreeMap::new(),
                name,
                identifier,
                owner,
                contact,
                default_va,
                vas,
                bindings: if active {
                    vec![MBinding {
                        user: contact,
                        va: None,
                        role: Role::SaAdmin,
                        children: true,
                    }]
                } else {
                    Vec::new()
                },
                agreement: None,
                stocked: BTreeSet::new(),
            },
        );
        Ok(true)
    }

    /// SA003, SA004, SA005, SA006, SA007: the identifier of a new account of `kind` for `contact`, who must
    /// have a Cisco.com ID: their public email for Limited Use, else a free domain that is not
    /// public and that their email matches (`None`: refused).
    fn new_identifier(
        &self,
        me: UserId,
        kind: AccountKind,
        domain: Option<String>,
        contact: UserId,
    ) -> Option<String> {
        let c = self.users.get(&contact).filter(|c| c.cco)?;
        let free = |identifier: &str, limited: bool| {
            !self.accounts.values().any(|a| {
                (a.kind == AccountKind::LimitedUse) == limited
                    && a.identifier == identifier
                    && !a.status.is_closed()
            })
        };
        if kind == AccountKind::LimitedUse {
            return (domain.is_none() && self.public.contains(&c.domain) && free(&c.email, true))
                .then(|| c.email.clone());
        }
        let d = Domain::parse(&domain?).ok()?.as_str().to_owned();
        if !free(&d, false) || self.public.iter().any(|p| within(&d, p)) || !within(&d, &c.domain) {
            return None;
        }
        if kind == AccountKind::PartnerHolding && !(self.seller(me) && self.seller(contact)) {
            return None;
        }
        Some(d)
    }

    /// SA008, ROLE008: the contact activates a Pending account and becomes its SA Admin.
    fn activate(&mut self, me: UserId, sa: SaId) -> bool {
        let Some(a) = self.accounts.get_mut(&sa) else {
            return false;
        };
        if a.status != AccountStatus::Pending || a.contact != me {
            return false;
        }
        a.status = AccountStatus::Active;
        a.bindings.push(MBinding {
            user: me,
            va: None,
            role: Role::SaAdmin,
            children: true,
        });
        true
    }

    /// ROLE005, VA003 (its name rules): an SA Admin renames an Active account.
    fn rename_account(&mut self, me: UserId, sa: SaId, name: &str) -> bool {
        if self.active(sa).is_none() || !self.allowed(me, Action::EditAccount, Target::Account(sa))
        {
            return false;
        }
        let Some(name) = valid_name(name) else {
            return false;
        };
        self.accounts.get_mut(&sa).is_some_and(|a| {
            a.name = name;
            true
        })
    }

    /// VA001, VA002, VA003, SA006: a Virtual Account under `parent` (top level for `None`).
    fn create_va(
        &mut self,
        me: UserId,
        sa: SaId,
        parent: Option<VaId>,
        name: &str,
        events: &[Event],
    ) -> Result<bool, Disagreement> {
        let Some(a) = self.active(sa) else {
            return Ok(false);
        };
        if parent.is_some_and(|p| !a.vas.contains_key(&p)) || !self.may_position(me, sa, parent) {
            return Ok(false);
        }
        let Some(name) = valid_name(name) else {
            return Ok(false);
        };
        let level = parent.map_or(1, |p| a.level(p).saturating_add(1));
        if a.name_taken(&name, None)
            || level > 10
            || (a.kind == AccountKind::LimitedUse && level > 1)
        {
            return Ok(false);
        }
        let Some(va) = events.iter().find_map(|e| match e.change {
            Change::VaCreated { va, .. } => Some(va),
            _ => None,
        }) else {
            return Err(Disagreement::new(format!(
                "the model accepts creating `{name}` in {sa} by {me}, but the directory's events \
                 create no Virtual Account: {events:?}"
            )));
        };
        let Some(a) = self.accounts.get_mut(&sa) else {
            return Ok(false);
        };
        a.vas.insert(
            va,
            MVa {
                parent,
                name,
                restricted: false,
            },
        );
        Ok(true)
    }

    /// VA003: rename a Virtual Account (`None`: refused).
    fn rename_va(&mut self, me: UserId, va: VaId, name: &str) -> Option<()> {
        let sa = self.va_active(va)?;
        let a = self.accounts.get(&sa)?;
        let parent = a.vas.get(&va)?.parent;
        let name = valid_name(name)?;
        if !self.may_position(me, sa, parent) || a.name_taken(&name, Some(va)) {
            return None;
        }
        self.va_mut(sa, va)?.name = name;
        Some(())
    }

    /// VA001, VA004, SA002, SA006, PTR006: move a Virtual Account under `parent` (`None`: refused).
    fn move_va(&mut self, me: UserId, my_org: OrgId, va: VaId, parent: Option<VaId>) -> Option<()> {
        let sa = self.va_active(va)?;
        let a = self.accounts.get(&sa)?;
        let old = a.vas.get(&va)?.parent;
        if parent.is_some_and(|p| !a.vas.contains_key(&p) || a.at_or_above(va, p)) {
            return None;
        }
        if !self.may_position(me, sa, old) || !self.may_position(me, sa, parent) {
            return None;
        }
        if parent.is_some() && (a.kind == AccountKind::LimitedUse || va == a.default_va) {
            return None;
        }
        let new_level = parent.map_or(1, |p| a.level(p).saturating_add(1));
        if new_level.saturating_add(a.height(va)).saturating_sub(1) > 10 {
            return None;
        }
        // PTR006: another organization's user never changes what an owner's role reaches.
        if my_org != a.owner && a.move_changes_owner_reach(old, parent, &self.users) {
            return None;
        }
        self.va_mut(sa, va)?.parent = parent;
        Some(())
    }

    /// VA005, SA002, PTR006: delete an empty Virtual Account and the roles bound to it (`None`:
    /// refused).
    fn delete_va(&mut self, me: UserId, my_org: OrgId, va: VaId) -> Option<()> {
        let sa = self.va_active(va)?;
        let a = self.accounts.get(&sa)?;
        if !self.may_position(me, sa, a.vas.get(&va)?.parent)
            || va == a.default_va
            || a.vas.values().any(|v| v.parent == Some(va))
            || a.stocked.contains(&va)
        {
            return None;
        }
        // PTR006: deleting revokes the roles bound to it, never an owner's by an outsider.
        if my_org != a.owner
            && a.bindings
                .iter()
                .any(|b| b.va == Some(va) && a.owned_by(b.user, &self.users))
        {
            return None;
        }
        let a = self.accounts.get_mut(&sa)?;
        a.bindings.retain(|b| b.va != Some(va));
        a.vas.remove(&va);
        Some(())
    }

    /// SA002, VA007: an SA Admin makes an unrestricted top-level Virtual Account the default
    /// (`None`: refused).
    fn set_default_va(&mut self, me: UserId, va: VaId) -> Option<()> {
        let sa = self.va_active(va)?;
        let v = self.accounts.get(&sa)?.vas.get(&va)?;
        if !self.allowed(me, Action::EditAccount, Target::Account(sa))
            || v.parent.is_some()
            || v.restricted
        {
            return None;
        }
        self.accounts.get_mut(&sa)?.default_va = va;
        Some(())
    }

    /// VA007: restrict a Virtual Account or lift it (never the default's) (`None`: refused).
    fn set_visibility(&mut self, me: UserId, va: VaId, visibility: Visibility) -> Option<()> {
        let sa = self.va_active(va)?;
        let a = self.accounts.get(&sa)?;
        let restricted = visibility == Visibility::Restricted;
        if !self.may_position(me, sa, a.vas.get(&va)?.parent) || (va == a.default_va && restricted)
        {
            return None;
        }
        self.va_mut(sa, va)?.restricted = restricted;
        Some(())
    }

    /// AGR001: an SA Admin or SA Approver accepts the agreement of an Active account.
    fn accept_agreement(&mut self, me: UserId, sa: SaId) -> bool {
        if self.active(sa).is_none()
            || !self.allowed(me, Action::AcceptAgreement, Target::Account(sa))
        {
            return false;
        }
        self.accounts.get_mut(&sa).is_some_and(|a| {
            a.agreement = Some(me);
            true
        })
    }

    /// Assign (`new`), change or revoke (`role == None`) a role.
    fn role_command(
        &mut self,
        me: UserId,
        user: UserId,
        target: Target,
        role: Option<(Role, Inheritance)>,
        new: bool,
    ) -> bool {
        self.try_role_command(me, user, target, role, new).is_some()
    }

    /// [`Model::role_command`]: `None` when refused.
    fn try_role_command(
        &mut self,
        me: UserId,
        user: UserId,
        target: Target,
        role: Option<(Role, Inheritance)>,
        new: bool,
    ) -> Option<()> {
        let (sa, va) = match target {
            Target::Account(sa) => (sa, None),
            Target::Va(va) => (self.va_active(va)?, Some(va)),
        };
        self.may_bind(me, user, sa, va, role)?;
        let a = self.active(sa)?;
        let holder_org = self.org_of(user)?;
        let my_org = self.org_of(me)?;
        let held = a.binding(user, va).cloned();
        // PTR006: another organization's user never changes or revokes an owner's role.
        if !new && held.is_some() && holder_org == a.owner && my_org != a.owner {
            return None;
        }
        let others = a.owner_admins_besides(user, &self.users);
        let a = self.accounts.get_mut(&sa)?;
        match role {
            Some((role, inheritance)) => {
                if sa_role(role) != va.is_none() {
                    return None;
                }
                let binding = MBinding {
                    user,
                    va,
                    role,
                    children: va.is_none() || inheritance == Inheritance::AccountAndChildren,
                };
                if new {
                    if held.is_some() || !a.room_for(user) {
                        return None;
                    }
                } else {
                    let held = held?;
                    if held.role == Role::SaAdmin && role != Role::SaAdmin && others == 0 {
                        return None;
                    }
                    a.bindings.retain(|b| !(b.user == user && b.va == va));
                }
                a.bindings.push(binding);
            }
            None => {
                let held = held?;
                if held.role == Role::SaAdmin && others == 0 {
                    return None;
                }
                a.bindings.retain(|b| !(b.user == user && b.va == va));
            }
        }
        Some(())
    }

    /// ROLE005, ROLE006, SA007, PTR001: whether `me` may assign, change or revoke (`role == None`) a
    /// role of `user` on `va` of Active account `sa` (`None`: the account itself); `None`: no.
    fn may_bind(
        &self,
        me: UserId,
        user: UserId,
        sa: SaId,
        va: Option<VaId>,
        role: Option<(Role, Inheritance)>,
    ) -> Option<()> {
        let target = va.map_or(Target::Account(sa), Target::Va);
        let a = self.active(sa)?;
        let holder_org = self.org_of(user)?;
        let my_org = self.org_of(me)?;
        match va {
            None => {
                if !self.allowed(me, Action::AssignSaRoles, target) {
                    return None;
                }
            }
            Some(va) => {
                if !self.allowed(me, Action::AssignVaRoles, target) {
                    return None;
                }
                // Granting "account and children" needs an admin binding reaching the subtree.
                if matches!(role, Some((_, Inheritance::AccountAndChildren))) {
                    let covers = a.bindings.iter().any(|b| {
                        b.user == me
                            && matrix(b.role, Action::AssignVaRoles)
                            && match b.va {
                                None => true,
                                Some(bound) => b.children && a.at_or_above(bound, va),
                            }
                    });
                    if !covers {
                        return None;
                    }
                }
            }
        }
        let holder_kind = self.orgs.get(&holder_org).copied();
        if a.kind == AccountKind::PartnerHolding
            && role.is_some()
            && holder_kind == Some(OrgKind::Customer)
        {
            return None;
        }
        // PTR001: only a customer SA Admin gives a partner user a role on a customer's account
        // or changes it.
        let partner_user = a.kind != AccountKind::PartnerHolding
            && holder_org != a.owner
            && matches!(holder_kind, Some(OrgKind::Partner | OrgKind::Distributor));
        if role.is_some()
            && partner_user
            && (my_org != a.owner
                || !self.allowed(me, Action::ApprovePartnerAccess, Target::Account(sa)))
        {
            return None;
        }
        Some(())
    }

    /// The SA010 and SA011 commands: `None` for any other command.
    fn run_lifecycle(&mut self, actor: &Actor, at: Timestamp, command: &Command) -> Option<bool> {
        let me = match actor {
            Actor::User(me) if !self.users.contains_key(me) => return Some(false),
            Actor::User(me) => Some(*me),
            _ => None,
        };
        let on = day_of(at);
        let accepted = match command.clone() {
            Command::LapseAccountRequest { sa } => {
                let lapse = self.account_lapse;
                self.close(sa, AccountStatus::Lapsed, |a| {
                    on >= days_after(a.created, lapse)
                })
            }
            Command::DeclineAccountRequest { sa } => {
                self.close(sa, AccountStatus::Declined, |a| Some(a.contact) == me)
            }
            Command::WithdrawAccountRequest { sa } => {
                let requester = self.requesters.get(&sa).copied();
                self.close(sa, AccountStatus::Withdrawn, |_| {
                    me.is_some() && requester == me
                })
            }
            Command::ChangeRequestContact { sa, contact } => {
                me.is_some_and(|me| self.change_contact(me, sa, contact))
            }
            Command::RequestAccountAccess {
                sa,
                target,
                role,
                inheritance: _,
            } => me.is_some_and(|me| self.member_request(me, at, sa, target, role).is_some()),
            Command::ApproveAccessRequest {
                sa,
                request,
                target,
                role,
                inheritance,
            } => me.is_some_and(|me| {
                self.member_answer(me, on, sa, request, Some((target, role, inheritance)))
                    .is_some()
            }),
            Command::RejectAccessRequest { sa, request } => {
                me.is_some_and(|me| self.member_answer(me, on, sa, request, None).is_some())
            }
            _ => return None,
        };
        Some(accepted)
    }

    /// SA010: a Pending request closes as `status` when `may` says so.
    fn close(&mut self, sa: SaId, status: AccountStatus, may: impl Fn(&MAccount) -> bool) -> bool {
        let Some(a) = self.accounts.get_mut(&sa) else {
            return false;
        };
        if a.status != AccountStatus::Pending || !may(a) {
            return false;
        }
        a.status = status;
        true
    }

    /// SA010, SA004: the requester names another contact of the owner, with a Cisco.com ID
    /// and an email matching the domain; never for Limited Use.
    fn change_contact(&mut self, me: UserId, sa: SaId, contact: UserId) -> bool {
        let Some(c) = self.users.get(&contact).cloned() else {
            return false;
        };
        let requester = self.requesters.get(&sa).copied();
        let Some(a) = self.accounts.get_mut(&sa) else {
            return false;
        };
        let ok = a.status == AccountStatus::Pending
            && requester == Some(me)
            && a.kind != AccountKind::LimitedUse
            && a.contact != contact
            && c.cco
            && c.org == a.owner
            && within(&a.identifier, &c.domain);
        if ok {
            a.contact = contact;
        }
        ok
    }

    /// The Virtual Account `target` names in active account `sa`, when `role` fits it and
    /// `user` holds no role there.
    fn member_target(
        &self,
        sa: SaId,
        user: UserId,
        target: Target,
        role: Role,
    ) -> Option<Option<VaId>> {
        let a = self.active(sa)?;
        let va = match target {
            Target::Account(t) if t == sa => None,
            Target::Va(va) if a.vas.contains_key(&va) => Some(va),
            _ => return None,
        };
        (sa_role(role) == va.is_none() && a.binding(user, va).is_none()).then_some(va)
    }

    /// SA011: a user of the owner asks for a role on an Active account (`None`: refused).
    fn member_request(
        &mut self,
        me: UserId,
        at: Timestamp,
        sa: SaId,
        target: Target,
        role: Role,
    ) -> Option<()> {
        let on = day_of(at);
        let a = self.active(sa)?;
        if self.org_of(me) != Some(a.owner) {
            return None;
        }
        let va = self.member_target(sa, me, target, role)?;
        let lapse = self.partner_lapse;
        let a = self.accounts.get_mut(&sa)?;
        if a.requests
            .values()
            .any(|r| r.user == me && r.va == va && r.pending && on < days_after(r.asked, lapse))
        {
            return None;
        }
        let id = a
            .requests
            .keys()
            .next_back()
            .map_or(1, |k| k.saturating_add(1));
        let owner = a.owner;
        a.requests.insert(
            id,
            MRequest {
                user: me,
                va,
                org: owner,
                asked: at,
                pending: true,
            },
        );
        Some(())
    }

    /// SA011: an SA Admin of the owner approves (`grant`) or rejects a user's open request
    /// (`None`: refused).
    fn member_answer(
        &mut self,
        me: UserId,
        on: Date,
        sa: SaId,
        request: u64,
        grant: Option<(Target, Role, Inheritance)>,
    ) -> Option<()> {
        let a = self.active(sa)?;
        if self.org_of(me) != Some(a.owner)
            || !self.allowed(me, Action::AssignSaRoles, Target::Account(sa))
        {
            return None;
        }
        let r = a.requests.get(&request)?.clone();
        if !r.pending || r.org != a.owner || on >= days_after(r.asked, self.partner_lapse) {
            return None;
        }
        let binding = match grant {
            None => None,
            Some((target, role, inheritance)) => {
                let va = self.member_target(sa, r.user, target, role)?;
                if !a.room_for(r.user) {
                    return None;
                }
                Some(MBinding {
                    user: r.user,
                    va,
                    role,
                    children: va.is_none() || inheritance == Inheritance::AccountAndChildren,
                })
            }
        };
        let a = self.accounts.get_mut(&sa)?;
        a.requests.get_mut(&request)?.pending = false;
        a.bindings.extend(binding);
        Some(())
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing

/// The directory's own invariants, whatever the model says: at most one role per user and
/// target, SA roles on the account and VA roles on existing Virtual Accounts (ROLE001,
/// ROLE002); levels that follow the parents and stay within 10 (VA001); one unrestricted
/// top-level default Virtual Account (SA002, VA007); an Active account keeps an SA Admin of its
/// owner without expiry (ROLE007, PTR006), a Pending or closed one has no roles and a closed
/// one no longer holds its domain (SA008, SA010); a Limited Use account stays flat with at most
/// two users (SA006).
///
/// # Errors
///
/// The first broken invariant, as a [`Disagreement`] naming the rule and the account.
pub fn check_invariants(dir: &Directory) -> Result<(), Disagreement> {
    for a in dir.accounts() {
        roles_and_tree(dir, a)?;
        default_and_status(dir, a)?;
    }
    Ok(())
}

/// ROLE001, ROLE002, VA001 in account `a`.
fn roles_and_tree(dir: &Directory, a: &SmartAccount) -> Result<(), Disagreement> {
    let id = a.id();
    let keys: Vec<(UserId, Option<VaId>)> = a.roles().map(|b| (b.user, b.va)).collect();
    let unique: BTreeSet<_> = keys.iter().copied().collect();
    ensure(keys.len() == unique.len(), || {
        format!("ROLE002: {id} gives a user two roles on one target")
    })?;
    for b in a.roles() {
        ensure(sa_role(b.role) == b.va.is_none(), || {
            format!("ROLE001: {id} binds {} to {:?}", b.role, b.va)
        })?;
        if let Some(va) = b.va {
            ensure(a.va(va).is_some(), || {
                format!(
                    "ROLE001: {id} binds {} to {va}, which it does not hold",
                    b.role
                )
            })?;
        }
    }
    for v in a.vas() {
        ensure((1..=10).contains(&v.level()), || {
            format!("VA001: {} of {id} is at level {}", v.id(), v.level())
        })?;
        let expected = match v.parent() {
            None => Some(1),
            Some(p) => a.va(p).map(|p| p.level().saturating_add(1)),
        };
        same(Some(v.level()), expected, || {
            format!(
                "VA001: the level of {} of {id} under {:?}",
                v.id(),
                v.parent()
            )
        })?;
        same(dir.account_of(v.id()), Some(id), || {
            format!("the account of {}", v.id())
        })?;
    }
    Ok(())
}

/// SA002, VA007, ROLE007, PTR006, SA006, SA008, SA010 in account `a`.
fn default_and_status(dir: &Directory, a: &SmartAccount) -> Result<(), Disagreement> {
    let id = a.id();
    let default = a.va(a.default_va()).ok_or_else(|| {
        Disagreement::new(format!(
            "SA002: the default {} of {id} does not exist",
            a.default_va()
        ))
    })?;
    same(default.parent(), None, || {
        format!("SA002: the parent of the default {} of {id}", default.id())
    })?;
    same(default.visibility(), Visibility::Unrestricted, || {
        format!(
            "VA007: the visibility of the default {} of {id}",
            default.id()
        )
    })?;
    if a.status() == AccountStatus::Active {
        ensure(
            a.roles().any(|b| {
                b.role == Role::SaAdmin
                    && b.expires.is_none()
                    && dir.user(b.user).is_some_and(|u| u.org == a.owner())
            }),
            || format!("ROLE007: {id} has no SA Admin of its owner in force"),
        )?;
    } else {
        same(a.roles().count(), 0, || {
            format!("SA008: the roles of {id}, {:?}", a.status())
        })?;
        if a.status().is_closed() {
            ensure(a.closed_at().is_some(), || {
                format!("SA010: {id} is closed without a date")
            })?;
            if let Identifier::Domain(d) = a.identifier() {
                ensure(
                    dir.account_by_domain(d.as_str()).map(SmartAccount::id) != Some(id),
                    || format!("SA010: the closed {id} still holds {}", d.as_str()),
                )?;
            }
        }
    }
    if a.kind() == AccountKind::LimitedUse {
        ensure(a.vas().all(|v| v.parent().is_none()), || {
            format!("SA006: Limited Use {id} nests Virtual Accounts")
        })?;
        let users: BTreeSet<UserId> = a.roles().map(|b| b.user).collect();
        ensure(users.len() <= 2, || {
            format!("SA006: Limited Use {id} has {} users", users.len())
        })?;
    }
    Ok(())
}

impl Model {
    /// Compares the model with `dir`: the same accounts (compared whole: status, names, tree,
    /// bindings, requests, agreement), and the same answer to every permission question (every
    /// user, action and target, plus `outsider`, a user the directory does not know, and
    /// `nowhere`, a Virtual Account it does not know) from [`Directory::is_allowed`] and
    /// [`Directory::check`], whose decision must name a real binding that grants the action or,
    /// for a denial, one that does not, and the roles of the matrix that would.
    ///
    /// The sweep asks users × actions × targets questions: thousands on a small directory.
    ///
    /// # Errors
    ///
    /// The first difference, as a [`Disagreement`].
    pub fn agrees(
        &self,
        dir: &Directory,
        outsider: UserId,
        nowhere: VaId,
    ) -> Result<(), Disagreement> {
        self.compare(dir, None, outsider, nowhere)
    }

    /// [`Model::agrees`], with the permission sweep limited to the targets of the accounts in
    /// `only` (every account is still compared whole): for a test that knows which accounts
    /// its commands changed.
    ///
    /// # Errors
    ///
    /// The first difference, as a [`Disagreement`].
    pub fn agrees_on(
        &self,
        dir: &Directory,
        only: &BTreeSet<SaId>,
        outsider: UserId,
        nowhere: VaId,
    ) -> Result<(), Disagreement> {
        self.compare(dir, Some(only), outsider, nowhere)
    }

    /// [`Model::agrees`] and [`Model::agrees_on`].
    fn compare(
        &self,
        dir: &Directory,
        only: Option<&BTreeSet<SaId>>,
        outsider: UserId,
        nowhere: VaId,
    ) -> Result<(), Disagreement> {
        self.compare_accounts(dir)?;
        // Each target with the account it is in (none for `nowhere`).
        let mut targets: Vec<(Option<SaId>, Target)> = Vec::new();
        for a in dir.accounts() {
            if only.is_some_and(|only| !only.contains(&a.id())) {
                continue;
            }
            targets.push((Some(a.id()), Target::Account(a.id())));
            targets.extend(a.vas().map(|v| (Some(a.id()), Target::Va(v.id()))));
        }
        targets.push((None, Target::Va(nowhere)));
        let users = dir.users().map(|u| u.id).chain([outsider]);
        for user in users {
            for action in Action::ALL {
                for &(sa, target) in &targets {
                    let expected = sa.is_some_and(|sa| self.allowed_in(sa, user, action, target));
                    self.compare_decision(dir, user, action, target, expected)?;
                }
            }
        }
        Ok(())
    }

    /// Every account of the model against the directory's.
    fn compare_accounts(&self, dir: &Directory) -> Result<(), Disagreement> {
        let theirs: BTreeMap<SaId, MAccount> =
            dir.accounts().map(|a| (a.id(), MAccount::of(a))).collect();
        let ids: BTreeSet<SaId> = theirs.keys().chain(self.accounts.keys()).copied().collect();
        for id in ids {
            let mine = self.accounts.get(&id).map(|a| {
                let mut a = a.clone();
                a.bindings.sort();
                a
            });
            same(theirs.get(&id), mine.as_ref(), || {
                format!("account {id} (the directory's, then the model's)")
            })?;
        }
        Ok(())
    }

    /// One permission question: the directory's answers against `expected`, and the binding
    /// its decision names against the model's bindings.
    fn compare_decision(
        &self,
        dir: &Directory,
        user: UserId,
        action: Action,
        target: Target,
        expected: bool,
    ) -> Result<(), Disagreement> {
        same(dir.is_allowed(user, action, target), expected, || {
            format!("is_allowed({user}, {action}, {target})")
        })?;
        let decision = dir.check(user, action, target);
        same(decision.is_allowed(), expected, || {
            format!("check({user}, {action}, {target})")
        })?;
        let (via, grants) = match decision.reason {
            Reason::Granted(via) => (via, true),
            Reason::NotGranted {
                held: Some(via),
                would_grant,
                ..
            } => {
                // The roles that would grant it are those of the matrix.
                let wanted: Vec<Role> = Role::ALL
                    .into_iter()
                    .filter(|r| matrix(*r, action) && (sa_role(*r) || !account_level(action)))
                    .collect();
                same(would_grant.iter().collect::<Vec<_>>(), wanted, || {
                    format!("the roles that would grant check({user}, {action}, {target})")
                })?;
                (via, false)
            }
            _ => return Ok(()),
        };
        // The explanation names a real binding, which grants the action or does not.
        let sa = match target {
            Target::Account(sa) => Some(sa),
            Target::Va(va) => dir.account_of(va),
        };
        let b = sa
            .and_then(|sa| self.accounts.get(&sa))
            .and_then(|a| a.binding(user, via.bound_to))
            .ok_or_else(|| {
                Disagreement::new(format!(
                    "check({user}, {action}, {target}) names a binding on {:?} the model does \
                     not have",
                    via.bound_to
                ))
            })?;
        same(via.role, b.role, || {
            format!("the role check({user}, {action}, {target}) names")
        })?;
        if grants {
            ensure(matrix(b.role, action), || {
                format!(
                    "check({user}, {action}, {target}) is granted by {}, which the matrix \
                     does not allow",
                    b.role
                )
            })?;
            same(
                via.inherited,
                Some(target) != via.bound_to.map(Target::Va) && matches!(target, Target::Va(_)),
                || format!("whether check({user}, {action}, {target}) is inherited"),
            )?;
        }
        Ok(())
    }
}
