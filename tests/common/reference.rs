//! The reference model of the directory: slow, obviously correct (plain maps, parent pointers,
//! a list of bindings, permissions by walking up the parents and applying the ROLE005 matrix of
//! `docs/RULES.md`). The one model of the permission walk, shared by the model-based property
//! test (`tests/ev/model.rs`), the permission-index test (`tests/role/check_index.rs`, which also
//! compares the binding each decision names) and the differential fuzz target
//! (`fuzz/fuzz_targets/commands.rs`), which include this file as a module.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use smart_accounts::{
    AccountKind, AccountStatus, Action, Actor, Change, Command, Directory, Domain, Event,
    Identifier, Inheritance, OrgId, OrgKind, Reason, RequestStatus, Role, SaId, SmartAccount,
    Target, UserId, VaId, Visibility,
};

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

/// ROLE005 (docs/RULES.md), written out again: does `role` allow `action`?
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
pub fn account_level(action: Action) -> bool {
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

pub fn sa_role(role: Role) -> bool {
    matches!(
        role,
        Role::SaAdmin | Role::SaUser | Role::SaViewer | Role::SaApprover
    )
}

/// Name rules (VA003, also account names): trimmed, 1–100 characters, no control characters.
fn valid_name(name: &str) -> Option<String> {
    let t = name.trim();
    let n = t.chars().count();
    ((1..=100).contains(&n) && !t.chars().any(char::is_control)).then(|| t.to_owned())
}

fn within(domain: &str, other: &str) -> bool {
    domain == other || domain.ends_with(&format!(".{other}"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MVa {
    parent: Option<VaId>,
    name: String,
    restricted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MBinding {
    user: UserId,
    va: Option<VaId>,
    role: Role,
    children: bool,
}

/// An access request (PTR002, SA011): who, where, of which organization, when, answered or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MRequest {
    user: UserId,
    va: Option<VaId>,
    org: OrgId,
    asked: Timestamp,
    pending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MAccount {
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

#[derive(Debug, Clone)]
pub struct MUser {
    cco: bool,
    email: String,
    domain: String,
    org: OrgId,
}

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
    fn level(&self, va: VaId) -> usize {
        let mut level = 0;
        let mut cursor = Some(va);
        while let Some(v) = cursor {
            level += 1;
            cursor = self.vas[&v].parent;
        }
        level
    }

    /// Whether `ancestor` is `va` or above it, by walking parent pointers.
    fn at_or_above(&self, ancestor: VaId, va: VaId) -> bool {
        let mut cursor = Some(va);
        while let Some(v) = cursor {
            if v == ancestor {
                return true;
            }
            cursor = self.vas[&v].parent;
        }
        false
    }

    /// Levels of the subtree under `va`, counting `va`.
    fn height(&self, va: VaId) -> usize {
        let base = self.level(va);
        self.vas
            .keys()
            .filter(|v| self.at_or_above(va, **v))
            .map(|v| self.level(*v) - base + 1)
            .max()
            .unwrap_or(1)
    }

    /// How many levels `ancestor` is above `va` (0: `va` itself), walking parent pointers, or
    /// `None` when it is not at or above it.
    fn distance(&self, ancestor: VaId, va: VaId) -> Option<usize> {
        let mut cursor = Some(va);
        let mut steps = 0;
        while let Some(v) = cursor {
            if v == ancestor {
                return Some(steps);
            }
            steps += 1;
            cursor = self.vas.get(&v).and_then(|m| m.parent);
        }
        None
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

    fn binding(&self, user: UserId, va: Option<VaId>) -> Option<&MBinding> {
        self.bindings.iter().find(|b| b.user == user && b.va == va)
    }

    /// ROLE007 / PTR006: the SA Admins of the owning organization other than `except` (the
    /// model has no expiries, so every role is in force).
    fn owner_admins_besides(&self, except: UserId, users: &BTreeMap<UserId, MUser>) -> usize {
        self.bindings
            .iter()
            .filter(|b| {
                b.role == Role::SaAdmin && b.user != except && users[&b.user].org == self.owner
            })
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
                && users[&b.user].org == self.owner
                && b.va.is_some_and(|bound| {
                    old.is_some_and(|o| self.at_or_above(bound, o))
                        != new.is_some_and(|n| self.at_or_above(bound, n))
                })
        })
    }

    fn name_taken(&self, name: &str, except: Option<VaId>) -> bool {
        self.vas
            .iter()
            .any(|(id, v)| Some(*id) != except && v.name.to_lowercase() == name.to_lowercase())
    }
}

impl Model {
    pub fn from_directory(dir: &Directory) -> Model {
        let mut accounts = BTreeMap::new();
        for a in dir.accounts() {
            accounts.insert(a.id(), m_account(a));
        }
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
            accounts,
        }
    }

    fn account_of(&self, va: VaId) -> Option<SaId> {
        self.accounts
            .iter()
            .find(|(_, a)| a.vas.contains_key(&va))
            .map(|(id, _)| *id)
    }

    pub fn allowed(&self, user: UserId, action: Action, target: Target) -> bool {
        let sa = match target {
            Target::Account(sa) => Some(sa),
            Target::Va(va) => self.account_of(va),
        };
        sa.is_some_and(|sa| self.allowed_in(sa, user, action, target))
    }

    /// [`Model::allowed`] for a target known to be in account `sa` (the sweep of
    /// [`assert_agrees`] knows it, which saves a search through every account).
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
            Target::Va(va) => {
                let Some(a) = self.accounts.get(&sa).filter(|a| a.vas.contains_key(&va)) else {
                    return false;
                };
                a.closest(user, action, va, true).is_some()
            }
        }
    }

    /// [`MAccount::closest`] in account `sa`: the binding a decision about `action` on `va`
    /// names (allowing when `allow`, else the closest held one that does not allow it).
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

    /// Who may create, rename, move, delete or restrict a VA below `parent`.
    fn may_position(&self, user: UserId, sa: SaId, parent: Option<VaId>) -> bool {
        match parent {
            None => self.allowed(user, Action::CreateTopLevelVa, Target::Account(sa)),
            Some(p) => self.allowed(user, Action::ManageChildVas, Target::Va(p)),
        }
    }

    /// Runs a command on the model: `true` when accepted (and applied). New identifiers come
    /// from the directory's events (allocating identifiers is not a rule).
    pub fn run(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        command: &Command,
        events: &[Event],
    ) -> bool {
        if let Some(accepted) = self.run_lifecycle(actor, at, command) {
            return accepted;
        }
        let Actor::User(me) = actor else { return false };
        let me = *me;
        if !self.users.contains_key(&me) {
            return false;
        }
        match command.clone() {
            Command::RequestAccount {
                kind,
                name,
                domain,
                contact,
            } => {
                let Some(c) = self.users.get(&contact).cloned() else {
                    return false;
                };
                if !c.cco {
                    return false;
                }
                let identifier = match kind {
                    AccountKind::LimitedUse => {
                        if domain.is_some() || !self.public.contains(&c.domain) {
                            return false;
                        }
                        let taken = self.accounts.values().any(|a| {
                            a.kind == AccountKind::LimitedUse
                                && a.identifier == c.email
                                && !a.status.is_closed()
                        });
                        if taken {
                            return false;
                        }
                        c.email.clone()
                    }
                    _ => {
                        let Some(Ok(d)) = domain.map(|d| Domain::parse(&d)) else {
                            return false;
                        };
                        let d = d.as_str().to_owned();
                        if self.public.iter().any(|p| within(&d, p)) {
                            return false;
                        }
                        if self.accounts.values().any(|a| {
                            a.kind != AccountKind::LimitedUse
                                && a.identifier == d
                                && !a.status.is_closed()
                        }) {
                            return false;
                        }
                        if !within(&d, &c.domain) {
                            return false;
                        }
                        if kind == AccountKind::PartnerHolding {
                            let seller = |u: UserId| {
                                matches!(
                                    self.orgs[&self.users[&u].org],
                                    OrgKind::Partner | OrgKind::Distributor
                                )
                            };
                            if !seller(me) || !seller(contact) {
                                return false;
                            }
                        }
                        d
                    }
                };
                let name = if name.trim().is_empty() {
                    identifier.clone()
                } else {
                    name
                };
                let Some(name) = valid_name(&name) else {
                    return false;
                };
                let Some(Change::AccountCreated { default_va, .. }) =
                    events.first().map(|e| &e.change)
                else {
                    panic!("the directory accepted a request without creating: {events:?}");
                };
                let active = me == contact;
                let mut vas = BTreeMap::new();
                vas.insert(
                    *default_va,
                    MVa {
                        parent: None,
                        name: "DEFAULT".into(),
                        restricted: false,
                    },
                );
                self.requesters.insert(events[0].sa, me);
                self.accounts.insert(
                    events[0].sa,
                    MAccount {
                        kind,
                        status: if active {
                            AccountStatus::Active
                        } else {
                            AccountStatus::Pending
                        },
                        created: events[0].at,
                        requests: BTreeMap::new(),
                        name,
                        identifier,
                        owner: c.org,
                        contact,
                        default_va: *default_va,
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
                true
            }
            Command::ActivateAccount { sa } => {
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
            Command::RenameAccount { sa, name } => {
                if self.active(sa).is_none()
                    || !self.allowed(me, Action::EditAccount, Target::Account(sa))
                {
                    return false;
                }
                let Some(name) = valid_name(&name) else {
                    return false;
                };
                self.accounts.get_mut(&sa).unwrap().name = name;
                true
            }
            Command::CreateVa { sa, parent, name } => {
                let Some(a) = self.active(sa) else {
                    return false;
                };
                if parent.is_some_and(|p| !a.vas.contains_key(&p)) {
                    return false;
                }
                if !self.may_position(me, sa, parent) {
                    return false;
                }
                let Some(name) = valid_name(&name) else {
                    return false;
                };
                let level = parent.map_or(1, |p| a.level(p) + 1);
                if a.name_taken(&name, None)
                    || level > 10
                    || (a.kind == AccountKind::LimitedUse && level > 1)
                {
                    return false;
                }
                let va = events
                    .iter()
                    .find_map(|e| match e.change {
                        Change::VaCreated { va, .. } => Some(va),
                        _ => None,
                    })
                    .expect("the directory accepted a creation without an event");
                self.accounts.get_mut(&sa).unwrap().vas.insert(
                    va,
                    MVa {
                        parent,
                        name,
                        restricted: false,
                    },
                );
                true
            }
            Command::RenameVa { va, name } => {
                let Some(sa) = self.va_active(va) else {
                    return false;
                };
                let a = &self.accounts[&sa];
                if !self.may_position(me, sa, a.vas[&va].parent) {
                    return false;
                }
                let Some(name) = valid_name(&name) else {
                    return false;
                };
                if a.name_taken(&name, Some(va)) {
                    return false;
                }
                self.accounts
                    .get_mut(&sa)
                    .unwrap()
                    .vas
                    .get_mut(&va)
                    .unwrap()
                    .name = name;
                true
            }
            Command::MoveVa { va, parent } => {
                let Some(sa) = self.va_active(va) else {
                    return false;
                };
                let a = &self.accounts[&sa];
                if parent.is_some_and(|p| !a.vas.contains_key(&p) || a.at_or_above(va, p)) {
                    return false;
                }
                if !self.may_position(me, sa, a.vas[&va].parent)
                    || !self.may_position(me, sa, parent)
                {
                    return false;
                }
                if parent.is_some() && (a.kind == AccountKind::LimitedUse || va == a.default_va) {
                    return false;
                }
                let new_level = parent.map_or(1, |p| a.level(p) + 1);
                if new_level + a.height(va) - 1 > 10 {
                    return false;
                }
                // PTR006: another organization's user never changes what an owner's role reaches.
                if self.users[&me].org != a.owner
                    && a.move_changes_owner_reach(a.vas[&va].parent, parent, &self.users)
                {
                    return false;
                }
                self.accounts
                    .get_mut(&sa)
                    .unwrap()
                    .vas
                    .get_mut(&va)
                    .unwrap()
                    .parent = parent;
                true
            }
            Command::DeleteVa { va } => {
                let Some(sa) = self.va_active(va) else {
                    return false;
                };
                let a = &self.accounts[&sa];
                if !self.may_position(me, sa, a.vas[&va].parent)
                    || va == a.default_va
                    || a.vas.values().any(|v| v.parent == Some(va))
                    || a.stocked.contains(&va)
                {
                    return false;
                }
                // PTR006: deleting revokes the roles bound to it, never an owner's by an outsider.
                if self.users[&me].org != a.owner
                    && a.bindings
                        .iter()
                        .any(|b| b.va == Some(va) && self.users[&b.user].org == a.owner)
                {
                    return false;
                }
                let a = self.accounts.get_mut(&sa).unwrap();
                a.bindings.retain(|b| b.va != Some(va));
                a.vas.remove(&va);
                true
            }
            Command::SetDefaultVa { va } => {
                let Some(sa) = self.va_active(va) else {
                    return false;
                };
                let v = &self.accounts[&sa].vas[&va];
                if !self.allowed(me, Action::EditAccount, Target::Account(sa))
                    || v.parent.is_some()
                    || v.restricted
                {
                    return false;
                }
                self.accounts.get_mut(&sa).unwrap().default_va = va;
                true
            }
            Command::SetVisibility { va, visibility } => {
                let Some(sa) = self.va_active(va) else {
                    return false;
                };
                let a = &self.accounts[&sa];
                let restricted = visibility == Visibility::Restricted;
                if !self.may_position(me, sa, a.vas[&va].parent)
                    || (va == a.default_va && restricted)
                {
                    return false;
                }
                self.accounts
                    .get_mut(&sa)
                    .unwrap()
                    .vas
                    .get_mut(&va)
                    .unwrap()
                    .restricted = restricted;
                true
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
            Command::AcceptAgreement { sa } => {
                if self.active(sa).is_none()
                    || !self.allowed(me, Action::AcceptAgreement, Target::Account(sa))
                {
                    return false;
                }
                self.accounts.get_mut(&sa).unwrap().agreement = Some(me);
                true
            }
            other => panic!("the model does not know {other:?}"),
        }
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
        let (sa, va) = match target {
            Target::Account(sa) => (sa, None),
            Target::Va(va) => match self.va_active(va) {
                Some(sa) => (sa, Some(va)),
                None => return false,
            },
        };
        let Some(a) = self.active(sa) else {
            return false;
        };
        let Some(holder) = self.users.get(&user) else {
            return false;
        };
        match va {
            None => {
                if !self.allowed(me, Action::AssignSaRoles, target) {
                    return false;
                }
            }
            Some(va) => {
                if !self.allowed(me, Action::AssignVaRoles, target) {
                    return false;
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
                        return false;
                    }
                }
            }
        }
        if a.kind == AccountKind::PartnerHolding
            && role.is_some()
            && self.orgs[&holder.org] == OrgKind::Customer
        {
            return false;
        }
        // PTR001: only a customer SA Admin gives a partner user a role on a customer's account
        // or changes it.
        let partner_user = a.kind != AccountKind::PartnerHolding
            && holder.org != a.owner
            && matches!(
                self.orgs[&holder.org],
                OrgKind::Partner | OrgKind::Distributor
            );
        if role.is_some()
            && partner_user
            && (self.users[&me].org != a.owner
                || !self.allowed(me, Action::ApprovePartnerAccess, Target::Account(sa)))
        {
            return false;
        }
        let held = a.binding(user, va).cloned();
        // PTR006: another organization's user never changes or revokes an owner's role.
        if !new && held.is_some() && holder.org == a.owner && self.users[&me].org != a.owner {
            return false;
        }
        let others = a.owner_admins_besides(user, &self.users);
        let a = self.accounts.get_mut(&sa).unwrap();
        match role {
            Some((role, inheritance)) => {
                if sa_role(role) != va.is_none() {
                    return false;
                }
                let binding = MBinding {
                    user,
                    va,
                    role,
                    children: va.is_none() || inheritance == Inheritance::AccountAndChildren,
                };
                if new {
                    if held.is_some() {
                        return false;
                    }
                    let distinct: BTreeSet<UserId> = a.bindings.iter().map(|b| b.user).collect();
                    if a.kind == AccountKind::LimitedUse
                        && !distinct.contains(&user)
                        && distinct.len() >= 2
                    {
                        return false;
                    }
                    a.bindings.push(binding);
                } else {
                    let Some(held) = held else { return false };
                    if held.role == Role::SaAdmin && role != Role::SaAdmin && others == 0 {
                        return false;
                    }
                    a.bindings.retain(|b| !(b.user == user && b.va == va));
                    a.bindings.push(binding);
                }
            }
            None => {
                let Some(held) = held else { return false };
                if held.role == Role::SaAdmin && others == 0 {
                    return false;
                }
                a.bindings.retain(|b| !(b.user == user && b.va == va));
            }
        }
        true
    }
}

impl Model {
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
                self.close(sa, at, AccountStatus::Lapsed, |a| {
                    on >= days_after(a.created, lapse)
                })
            }
            Command::DeclineAccountRequest { sa } => {
                self.close(sa, at, AccountStatus::Declined, |a| Some(a.contact) == me)
            }
            Command::WithdrawAccountRequest { sa } => {
                let requester = self.requesters.get(&sa).copied();
                self.close(sa, at, AccountStatus::Withdrawn, |_| {
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
            } => me.is_some_and(|me| self.member_request(me, at, sa, target, role)),
            Command::ApproveAccessRequest {
                sa,
                request,
                target,
                role,
                inheritance,
            } => me.is_some_and(|me| {
                self.member_answer(me, on, sa, request, Some((target, role, inheritance)))
            }),
            Command::RejectAccessRequest { sa, request } => {
                me.is_some_and(|me| self.member_answer(me, on, sa, request, None))
            }
            _ => return None,
        };
        Some(accepted)
    }

    /// SA010: a Pending request closes as `status` when `may` says so.
    fn close(
        &mut self,
        sa: SaId,
        _at: Timestamp,
        status: AccountStatus,
        may: impl Fn(&MAccount) -> bool,
    ) -> bool {
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

    /// SA011: a user of the owner asks for a role on an Active account.
    fn member_request(
        &mut self,
        me: UserId,
        at: Timestamp,
        sa: SaId,
        target: Target,
        role: Role,
    ) -> bool {
        let on = day_of(at);
        let Some(a) = self.active(sa) else {
            return false;
        };
        if self.users[&me].org != a.owner {
            return false;
        }
        let Some(va) = self.member_target(sa, me, target, role) else {
            return false;
        };
        let lapse = self.partner_lapse;
        let a = self.accounts.get_mut(&sa).unwrap();
        if a.requests
            .values()
            .any(|r| r.user == me && r.va == va && r.pending && on < days_after(r.asked, lapse))
        {
            return false;
        }
        let id = a.requests.keys().next_back().map_or(1, |k| k + 1);
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
        true
    }

    /// SA011: an SA Admin of the owner approves (`grant`) or rejects a user's open request.
    fn member_answer(
        &mut self,
        me: UserId,
        on: Date,
        sa: SaId,
        request: u64,
        grant: Option<(Target, Role, Inheritance)>,
    ) -> bool {
        let Some(a) = self.active(sa) else {
            return false;
        };
        if self.users[&me].org != a.owner
            || !self.allowed(me, Action::AssignSaRoles, Target::Account(sa))
        {
            return false;
        }
        let Some(r) = a.requests.get(&request).cloned() else {
            return false;
        };
        if !r.pending || r.org != a.owner || on >= days_after(r.asked, self.partner_lapse) {
            return false;
        }
        let binding = match grant {
            None => None,
            Some((target, role, inheritance)) => {
                let Some(va) = self.member_target(sa, r.user, target, role) else {
                    return false;
                };
                let distinct: BTreeSet<UserId> = a.bindings.iter().map(|b| b.user).collect();
                if a.kind == AccountKind::LimitedUse
                    && !distinct.contains(&r.user)
                    && distinct.len() >= 2
                {
                    return false;
                }
                Some(MBinding {
                    user: r.user,
                    va,
                    role,
                    children: va.is_none() || inheritance == Inheritance::AccountAndChildren,
                })
            }
        };
        let a = self.accounts.get_mut(&sa).unwrap();
        a.requests.get_mut(&request).unwrap().pending = false;
        a.bindings.extend(binding);
        true
    }
}

/// Whether the model runs `command`: the account, Virtual Account, role and agreement
/// commands. License and partner-consent commands have their own tests.
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

/// The model's picture of a directory account, to compare.
pub fn m_account(a: &SmartAccount) -> MAccount {
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

// ---------------------------------------------------------------------------------------------
// Properties shared by the tests and the fuzz target

/// The directory's invariants (ROLE001/002/007, VA001, SA002, SA006, SA008, VA007).
pub fn assert_invariants(dir: &Directory) {
    for a in dir.accounts() {
        // ROLE002: at most one role per user per account (SA or VA).
        let keys: Vec<(UserId, Option<VaId>)> = a.roles().map(|b| (b.user, b.va)).collect();
        let unique: BTreeSet<_> = keys.iter().copied().collect();
        assert_eq!(
            keys.len(),
            unique.len(),
            "{}: two roles on one account",
            a.id()
        );
        for b in a.roles() {
            assert_eq!(sa_role(b.role), b.va.is_none(), "ROLE001 in {}", a.id());
            if let Some(va) = b.va {
                assert!(a.va(va).is_some(), "binding on a missing VA");
            }
        }
        // VA001: levels consistent with parents, never over 10.
        for v in a.vas() {
            assert!(
                (1..=10).contains(&v.level()),
                "{} at level {}",
                v.id(),
                v.level()
            );
            let expected = v.parent().map_or(1, |p| a.va(p).unwrap().level() + 1);
            assert_eq!(v.level(), expected);
            assert_eq!(dir.account_of(v.id()), Some(a.id()));
        }
        // SA002 / VA007: exactly one default, top-level, unrestricted.
        let default = a.va(a.default_va()).expect("the default VA exists");
        assert_eq!(default.parent(), None);
        assert_eq!(default.visibility(), Visibility::Unrestricted);
        // ROLE007, PTR006: an Active account keeps an SA Admin of its owner whose role does not
        // expire; SA008: a Pending one has no roles.
        match a.status() {
            AccountStatus::Active => assert!(
                a.roles().any(|b| b.role == Role::SaAdmin
                    && b.expires.is_none()
                    && dir.user(b.user).is_some_and(|u| u.org == a.owner())),
                "{} has no SA Admin of its owner in force",
                a.id()
            ),
            // SA010: a closed request keeps no role, and its identifier names another
            // account or none.
            _ => {
                assert_eq!(a.roles().count(), 0);
                if a.status().is_closed() {
                    assert!(a.closed_at().is_some());
                    if let Identifier::Domain(d) = a.identifier() {
                        assert_ne!(
                            dir.account_by_domain(d.as_str()).map(SmartAccount::id),
                            Some(a.id())
                        );
                    }
                }
            }
        }
        if a.kind() == AccountKind::LimitedUse {
            assert!(a.vas().all(|v| v.parent().is_none()), "SA006 nesting");
            let users: BTreeSet<UserId> = a.roles().map(|b| b.user).collect();
            assert!(users.len() <= 2, "SA006 users");
        }
    }
}

/// The directory agrees with the model: the same accounts, and the same answer to every
/// permission question over every user and target, plus `outsider` (an unknown user) and
/// `nowhere` (an unknown Virtual Account).
pub fn assert_agrees(model: &Model, dir: &Directory, outsider: UserId, nowhere: VaId) {
    assert_agrees_on(model, dir, None, outsider, nowhere);
}

/// [`assert_agrees`], with the permission sweep limited to the targets of the accounts in
/// `only` (when given): the fuzz target sweeps the accounts its commands touched, since the
/// others are compared whole and their answers were checked when the model test built them.
pub fn assert_agrees_on(
    model: &Model,
    dir: &Directory,
    only: Option<&BTreeSet<SaId>>,
    outsider: UserId,
    nowhere: VaId,
) {
    let accounts: BTreeMap<SaId, MAccount> =
        dir.accounts().map(|a| (a.id(), m_account(a))).collect();
    let mut mine = model.accounts.clone();
    for a in mine.values_mut() {
        a.bindings.sort();
    }
    assert_eq!(
        mine, accounts,
        "the model's accounts differ from the directory's"
    );
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
    let mut users: Vec<UserId> = dir.users().map(|u| u.id).collect();
    users.push(outsider);
    for &user in &users {
        for action in Action::ALL {
            for &(sa, target) in &targets {
                let expected = sa.is_some_and(|sa| model.allowed_in(sa, user, action, target));
                assert_eq!(
                    dir.is_allowed(user, action, target),
                    expected,
                    "is_allowed {user} {action} {target}"
                );
                let decision = dir.check(user, action, target);
                assert_eq!(
                    decision.is_allowed(),
                    expected,
                    "check {user} {action} {target}"
                );
                if let Reason::NotGranted {
                    held: Some(via),
                    would_grant,
                    ..
                } = decision.reason
                {
                    // The explanation names a real binding that does not grant the action, and
                    // the roles that would are those of the matrix.
                    let sa = match target {
                        Target::Account(sa) => sa,
                        Target::Va(va) => dir.account_of(va).unwrap(),
                    };
                    let b = model.accounts[&sa]
                        .binding(user, via.bound_to)
                        .expect("the explained binding exists");
                    assert_eq!(b.role, via.role);
                    let expected: Vec<Role> = Role::ALL
                        .into_iter()
                        .filter(|r| matrix(*r, action) && (sa_role(*r) || !account_level(action)))
                        .collect();
                    assert_eq!(would_grant.iter().collect::<Vec<_>>(), expected);
                }
                if let Reason::Granted(via) = decision.reason {
                    // The explanation names a real binding that grants the action.
                    let sa = match target {
                        Target::Account(sa) => sa,
                        Target::Va(va) => dir.account_of(va).unwrap(),
                    };
                    let b = model.accounts[&sa]
                        .binding(user, via.bound_to)
                        .expect("the explained binding exists");
                    assert_eq!(b.role, via.role);
                    assert!(matrix(b.role, action));
                    assert_eq!(
                        via.inherited,
                        Some(target) != via.bound_to.map(Target::Va)
                            && matches!(target, Target::Va(_))
                    );
                }
            }
        }
    }
}
