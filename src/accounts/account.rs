//! One Smart Account: its Virtual Account tree, role bindings and agreement, and the single
//! function that applies an event to it ([`SmartAccount::apply`]), shared by commands and replay.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier, Visibility};
use crate::accounts::tree::{MAX_LEVEL, VaTree, VirtualAccount};
use crate::base::error::{Entity, Error};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::base::limits::{MAX_NAME, check_name, clip};
use crate::events::event::{Change, Event, RecordedActor};
use crate::roles::matrix::{Inheritance, Role, Target};
use crate::rules::RuleId;

mod apply;

/// Whether a user belongs to the owner of the account being changed: `Some(true)` or
/// `Some(false)` when known, `None` when the caller cannot tell (a bare replay).
pub(crate) type Own<'a> = &'a dyn Fn(UserId) -> Option<bool>;

/// A role binding: a user's role on a Smart Account or on one of its Virtual Accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Binding {
    /// The user.
    pub user: UserId,
    /// `None` for the whole account, or the Virtual Account.
    #[cfg_attr(feature = "serde", serde(default))]
    pub va: Option<VaId>,
    /// The role.
    pub role: Role,
    /// How far a Virtual Account role reaches; ignored (always the whole account) for account
    /// roles.
    #[cfg_attr(feature = "serde", serde(default))]
    pub inheritance: Inheritance,
    /// The first day on which the binding allows nothing any more (PTR005), or `None` for a
    /// binding that does not expire. Only the date-aware checks ([`crate::Directory::is_allowed_on`],
    /// [`crate::Directory::check_on`]) count a binding that has an expiry.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::option_date")
    )]
    pub expires: Option<Date>,
}

impl Binding {
    /// Whether the binding is in force on `date`: it has no expiry, or `date` is before it.
    #[must_use]
    pub fn in_force_on(&self, date: Date) -> bool {
        self.expires.is_none_or(|end| date < end)
    }
}

/// A recorded acceptance of the Smart Licensing agreement (AGR001).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Acceptance {
    /// The SA Admin or SA Approver who accepted.
    pub by: UserId,
    /// When.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::timestamp")
    )]
    pub at: Timestamp,
}

/// Where a partner access request stands (PTR002). Whether a pending request has lapsed
/// depends on the date it is looked at: see [`AccessRequest::lapses_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum RequestStatus {
    /// Not answered yet: it grants nothing.
    Pending,
    /// A customer SA Admin approved it; the role was granted by the same command.
    Approved {
        /// The customer SA Admin who approved.
        by: UserId,
        /// When.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::timestamp")
        )]
        at: Timestamp,
    },
    /// A customer SA Admin rejected it, or revoked the partner's access while it was pending:
    /// it grants nothing, ever.
    Rejected {
        /// The customer user who rejected it.
        by: UserId,
        /// When.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::timestamp")
        )]
        at: Timestamp,
    },
}

/// A partner user's request for a role on a customer's Smart Account (PTR002), recorded in the
/// customer account's log. It grants nothing until a customer SA Admin approves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AccessRequest {
    /// Its identifier within the account: 1, 2, … in the order asked.
    pub id: u64,
    /// The partner user who asked, and who would hold the role.
    pub user: UserId,
    /// The partner's organization.
    pub org: OrgId,
    /// `None` for a Smart Account role (e.g. admin access), or the Virtual Account.
    #[cfg_attr(feature = "serde", serde(default))]
    pub va: Option<VaId>,
    /// The role asked for.
    pub role: Role,
    /// How far a Virtual Account role would reach.
    #[cfg_attr(feature = "serde", serde(default))]
    pub inheritance: Inheritance,
    /// The expiry the partner asked for: the granted role would allow nothing from this day on.
    #[cfg_attr(feature = "serde", serde(default))]
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::option_date")
    )]
    pub expires: Option<Date>,
    /// When it was asked.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::timestamp")
    )]
    pub requested_at: Timestamp,
    /// Pending, approved or rejected.
    pub status: RequestStatus,
}

impl AccessRequest {
    /// The day a pending request lapses when it is not answered within `lapse_days` days of
    /// being asked (PTR005), or the day its own requested expiry comes, whichever is first.
    #[must_use]
    pub fn lapses_on(&self, lapse_days: u32) -> Date {
        let by_period = crate::base::dates::add_days_saturating(
            crate::base::dates::utc_date(self.requested_at),
            lapse_days,
        );
        self.expires.map_or(by_period, |end| end.min(by_period))
    }

    /// Whether the request is still pending and has not lapsed on `date`.
    #[must_use]
    pub fn is_open_on(&self, date: Date, lapse_days: u32) -> bool {
        self.status == RequestStatus::Pending && date < self.lapses_on(lapse_days)
    }
}

/// A recorded review of partner access by a customer user (PTR003, BP006).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AccessReview {
    /// Who reviewed.
    pub by: UserId,
    /// The partner organization whose access was reviewed, or `None` for every partner.
    #[cfg_attr(feature = "serde", serde(default))]
    pub org: Option<OrgId>,
    /// When.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::timestamp")
    )]
    pub at: Timestamp,
}

/// The reach of a role at `va`: an account role (no `va`) always reaches the whole account.
pub(crate) fn reach(va: Option<VaId>, inheritance: Inheritance) -> Inheritance {
    if va.is_some() {
        inheritance
    } else {
        Inheritance::AccountAndChildren
    }
}

/// A Smart Account: the root of a Virtual Account tree, with its role bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartAccount {
    pub(crate) id: SaId,
    pub(crate) kind: AccountKind,
    pub(crate) status: AccountStatus,
    pub(crate) name: String,
    pub(crate) identifier: Identifier,
    pub(crate) owner: OrgId,
    pub(crate) contact: UserId,
    pub(crate) created_at: Timestamp,
    /// When its request was declined, withdrawn or lapsed (SA010).
    pub(crate) closed_at: Option<Timestamp>,
    pub(crate) default_va: VaId,
    pub(crate) tree: VaTree,
    pub(crate) bindings: BTreeMap<(UserId, Option<VaId>), Binding>,
    pub(crate) agreement: Option<Acceptance>,
    pub(crate) access_requests: BTreeMap<u64, AccessRequest>,
    pub(crate) access_reviews: Vec<AccessReview>,
    /// Licenses and devices (`crate::license`).
    pub(crate) licenses: crate::licenses::license::Licenses,
}

impl SmartAccount {
    /// Its identifier.
    #[must_use]
    pub fn id(&self) -> SaId {
        self.id
    }
    /// Customer, Partner Holding or Limited Use (SA001).
    #[must_use]
    pub fn kind(&self) -> AccountKind {
        self.kind
    }
    /// Pending or Active (SA008).
    #[must_use]
    pub fn status(&self) -> AccountStatus {
        self.status
    }
    /// Its display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its domain (or, for Limited Use, email) identifier.
    #[must_use]
    pub fn identifier(&self) -> &Identifier {
        &self.identifier
    }
    /// The organization that owns it.
    #[must_use]
    pub fn owner(&self) -> OrgId {
        self.owner
    }
    /// The authorised contact (who activates a Pending account).
    #[must_use]
    pub fn contact(&self) -> UserId {
        self.contact
    }
    /// When it was requested.
    #[must_use]
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }
    /// When its request was closed, for a declined, withdrawn or lapsed one (SA010): with
    /// [`SmartAccount::status`], the record of how the request ended. Who closed it is the
    /// actor of that event in its log.
    #[must_use]
    pub fn closed_at(&self) -> Option<Timestamp> {
        self.closed_at
    }
    /// The first day a Pending request lapses when left unanswered for `lapse_days` days
    /// ([`crate::Config::account_request_lapse_days`], SA010); `None` when it is not Pending.
    #[must_use]
    pub fn request_lapses_on(&self, lapse_days: u32) -> Option<Date> {
        (self.status == AccountStatus::Pending).then(|| {
            crate::base::dates::add_days_saturating(
                crate::base::dates::utc_date(self.created_at),
                lapse_days,
            )
        })
    }
    /// The default Virtual Account (SA002).
    #[must_use]
    pub fn default_va(&self) -> VaId {
        self.default_va
    }
    /// One of its Virtual Accounts.
    #[must_use]
    pub fn va(&self, va: VaId) -> Option<&VirtualAccount> {
        self.tree.get(va)
    }
    /// Its Virtual Account with this name, compared ignoring case (VA003).
    #[must_use]
    pub fn va_by_name(&self, name: &str) -> Option<&VirtualAccount> {
        self.tree.by_name(name).and_then(|id| self.tree.get(id))
    }
    /// All its Virtual Accounts, by identifier.
    pub fn vas(&self) -> impl Iterator<Item = &VirtualAccount> {
        self.tree.iter()
    }
    /// The Virtual Accounts a partner picks from when it names this account on a quote or an
    /// order in the ordering system (VA006, VA007): every Unrestricted one, the default
    /// Virtual Account always among them, sorted by name ignoring case. A Restricted Virtual
    /// Account is not listed; an order can still name it by its exact name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{fixtures, Visibility};
    ///
    /// let w = fixtures::world()?;
    /// let acme = w.dir.account(w.acme.sa).ok_or("no account")?;
    /// let listed = acme.partner_vas();
    /// assert!(listed.iter().any(|v| v.id() == acme.default_va()));
    /// assert!(listed.iter().all(|v| v.visibility() == Visibility::Unrestricted));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn partner_vas(&self) -> Vec<&VirtualAccount> {
        let mut listed: Vec<(String, &VirtualAccount)> = self
            .tree
            .iter()
            .filter(|v| v.visibility() == Visibility::Unrestricted || v.id() == self.default_va)
            .map(|v| (v.name().to_lowercase(), v))
            .collect();
        listed.sort_by(|(a, x), (b, y)| a.cmp(b).then(x.id().cmp(&y.id())));
        listed.into_iter().map(|(_, v)| v).collect()
    }
    /// How many Virtual Accounts it has.
    #[must_use]
    pub fn va_count(&self) -> usize {
        self.tree.len()
    }
    /// The Virtual Accounts directly below `parent` (`None`: the top level), by identifier.
    #[must_use]
    pub fn children(&self, parent: Option<VaId>) -> Vec<VaId> {
        self.tree.children(parent)
    }
    /// `va` and every Virtual Account below it, parents before children.
    #[must_use]
    pub fn subtree(&self, va: VaId) -> Vec<VaId> {
        self.tree.subtree(va)
    }
    /// Its role bindings, ordered by user then account (the account itself first).
    pub fn roles(&self) -> impl Iterator<Item = &Binding> {
        self.bindings.values()
    }
    /// The role `user` holds directly on the account (`va == None`) or on one Virtual Account.
    #[must_use]
    pub fn role_of(&self, user: UserId, va: Option<VaId>) -> Option<Role> {
        self.bindings.get(&(user, va)).map(|b| b.role)
    }
    /// The number of SA Admins, whatever their organization and expiry. ROLE007 and PTR006
    /// count fewer: only SA Admins of the owning organization whose role does not expire keep
    /// an Active account (see DESIGN.md, "How does the customer keep control of its account?").
    #[must_use]
    pub fn admin_count(&self) -> usize {
        self.bindings
            .values()
            .filter(|b| b.role == Role::SaAdmin)
            .count()
    }
    /// The recorded agreement acceptance, if any (AGR001).
    #[must_use]
    pub fn agreement(&self) -> Option<&Acceptance> {
        self.agreement.as_ref()
    }

    /// The partner access requests made on this account (PTR002), by identifier.
    pub fn access_requests(&self) -> impl Iterator<Item = &AccessRequest> {
        self.access_requests.values()
    }
    /// One partner access request.
    #[must_use]
    pub fn access_request(&self, id: u64) -> Option<&AccessRequest> {
        self.access_requests.get(&id)
    }
    /// The recorded reviews of partner access, oldest first (PTR003, BP006).
    #[must_use]
    pub fn access_reviews(&self) -> &[AccessReview] {
        &self.access_reviews
    }

    /// Whether the account has an SA Admin that anchors it (ROLE007, PTR006): a user of the
    /// owning organization (as `own` tells) holding SA Admin without an expiry, other than
    /// `except`. Only such a role is in force on every date to come: an expired role is not in
    /// force, and one that expires later would leave the account without an admin by the mere
    /// passage of time, with no command to refuse.
    fn has_anchor(&self, except: Option<UserId>, own: Own<'_>) -> bool {
        self.bindings.values().any(|b| {
            Some(b.user) != except
                && b.role == Role::SaAdmin
                && b.expires.is_none()
                && own(b.user) != Some(false)
        })
    }

    /// Whether the account keeps control in the sense of ROLE007 and PTR006: it is not Active,
    /// or it holds an SA Admin of the owning organization without an expiry (in force on every
    /// date to come). `own` tells whether a user belongs to the owner (`None`: unknown, counted
    /// as the owner's). Every command and replay keeps it true; snapshots are checked with it.
    pub(crate) fn keeps_control(&self, own: Own<'_>) -> bool {
        self.status != AccountStatus::Active || self.has_anchor(None, own)
    }

    /// Checks a change to the binding of `user` on `va` (revoke, change, expiry) against
    /// PTR006 and ROLE007, before anything changes. `drops_admin` says whether the change ends
    /// the binding's SA Admin role for good (revoking it, downgrading it, giving it an expiry).
    fn check_binding_change(
        &self,
        event: &Event,
        own: Own<'_>,
        held: &Binding,
        drops_admin: bool,
    ) -> Result<(), Error> {
        if let Some(actor) = self.outsider(event)
            && own(held.user) == Some(true)
        {
            return Err(Error::CustomerControl {
                actor,
                sa: self.id,
                user: held.user,
                what: "",
            });
        }
        let on = crate::base::dates::utc_date(event.at);
        if drops_admin
            && held.role == Role::SaAdmin
            && held.in_force_on(on)
            && !self.has_anchor(Some(held.user), own)
        {
            return Err(Error::LastAdmin {
                sa: self.id,
                user: held.user,
            });
        }
        Ok(())
    }

    /// The acting user of `event` when it belongs to another organization than the owner.
    fn outsider(&self, event: &Event) -> Option<UserId> {
        match event.actor {
            RecordedActor::User { user, org } if org != self.owner => Some(user),
            _ => None,
        }
    }

    /// Refuses a move of `va` under `parent` by a user of another organization when it would
    /// change what a role of the owner's users reaches (PTR006): a role "account and children"
    /// bound above the old parent but not the new one (it loses the subtree) or the reverse
    /// (it gains it). The moved subtree's own roles move with it and keep their reach.
    fn check_move_reach(
        &self,
        event: &Event,
        own: Own<'_>,
        va: VaId,
        parent: Option<VaId>,
    ) -> Result<(), Error> {
        let Some(actor) = self.outsider(event) else {
            return Ok(());
        };
        let old = self.tree.get(va).and_then(VirtualAccount::parent);
        // Whether a role bound to `bound` reaches what sits under `parent`.
        let covers = |parent: Option<VaId>, bound: VaId| {
            parent.is_some_and(|p| self.tree.is_at_or_above(bound, p))
        };
        let changed = self.bindings.values().find(|b| {
            b.inheritance == Inheritance::AccountAndChildren
                && b.va
                    .is_some_and(|bound| covers(old, bound) != covers(parent, bound))
                && own(b.user) == Some(true)
        });
        match changed {
            Some(b) => Err(Error::CustomerControl {
                actor,
                sa: self.id,
                user: b.user,
                what: " (what its role reaches, by moving a virtual account)",
            }),
            None => Ok(()),
        }
    }

    fn target(&self, va: Option<VaId>) -> Target {
        va.map_or(Target::Account(self.id), Target::Va)
    }

    /// Builds an account from its first event, which must be [`Change::AccountCreated`].
    pub(crate) fn create(event: &Event) -> Result<SmartAccount, Error> {
        let Change::AccountCreated {
            kind,
            name,
            identifier,
            owner,
            contact,
            status,
            default_va,
        } = &event.change
        else {
            return Err(Error::Replay {
                sa: event.sa,
                seq: event.seq,
                reason: "the first event must create the account".into(),
            });
        };
        if status.is_closed() {
            return Err(Error::Replay {
                sa: event.sa,
                seq: event.seq,
                reason: "an account is created pending or active; a request closes by its own event (SA010)".into(),
            });
        }
        let name = check_account_name(name)?;
        let mut tree = VaTree::new();
        tree.insert(*default_va, None, "DEFAULT".into(), 1);
        Ok(SmartAccount {
            id: event.sa,
            kind: *kind,
            status: *status,
            name,
            identifier: identifier.clone(),
            owner: *owner,
            contact: *contact,
            created_at: event.at,
            closed_at: None,
            default_va: *default_va,
            tree,
            bindings: BTreeMap::new(),
            agreement: None,
            access_requests: BTreeMap::new(),
            access_reviews: Vec::new(),
            licenses: crate::licenses::license::Licenses::default(),
        })
    }

    /// SA008: a Pending account becomes Active, once.
    fn activate(&mut self) -> Result<(), Error> {
        self.still_pending("only a pending request is activated")?;
        self.status = AccountStatus::Active;
        Ok(())
    }

    /// SA010: the account's request is Pending, or why not: active (SA008) or closed.
    pub(crate) fn still_pending(&self, reason: &'static str) -> Result<(), Error> {
        match self.status {
            AccountStatus::Pending => Ok(()),
            AccountStatus::Active => Err(Error::AlreadyActive { sa: self.id }),
            status => Err(Error::AccountRequest {
                sa: self.id,
                status: status.as_str(),
                reason,
            }),
        }
    }

    /// SA010: a Pending request is declined, withdrawn or lapses, once; it keeps no role.
    fn close(&mut self, status: AccountStatus, at: Timestamp) -> Result<(), Error> {
        self.still_pending("it is no longer pending")?;
        if !self.bindings.is_empty() {
            return Err(Error::Inconsistent {
                rule: RuleId::SA008,
                entity: Entity::Account(self.id),
                reason: "a pending account has no roles until its contact activates it",
            });
        }
        self.status = status;
        self.closed_at = Some(at);
        Ok(())
    }

    /// SA010: the contact of a Pending request changes.
    fn change_contact(&mut self, contact: UserId) -> Result<(), Error> {
        self.still_pending("only the contact of a pending request changes")?;
        self.contact = contact;
        Ok(())
    }

    /// VA001–VA003, SA006: a new Virtual Account under `parent`.
    fn add_va(
        &mut self,
        event: &Event,
        va: VaId,
        parent: Option<VaId>,
        name: &str,
    ) -> Result<(), Error> {
        let sa = self.id;
        if self.tree.get(va).is_some() {
            return Err(Error::Replay {
                sa,
                seq: event.seq,
                reason: format!("`{va}` already exists"),
            });
        }
        let level = self.tree.level_below(parent)?;
        let name = self.tree.check_name(sa, name, None)?;
        if level > MAX_LEVEL {
            return Err(Error::TooDeep { name, level });
        }
        if self.kind == AccountKind::LimitedUse && level > 1 {
            return Err(Error::LimitedUse {
                sa,
                limit: "it has no nested virtual accounts",
            });
        }
        self.tree.insert(va, parent, name, level);
        Ok(())
    }

    /// VA003: a Virtual Account takes a name no other one of the account has.
    fn rename_va(&mut self, va: VaId, name: &str) -> Result<(), Error> {
        self.existing(va, RuleId::VA003)?;
        let name = self.tree.check_name(self.id, name, Some(va))?;
        self.tree.rename(va, name);
        Ok(())
    }

    /// SA002, VA005: only an empty Virtual Account other than the default is deleted.
    fn delete_va(&mut self, va: VaId) -> Result<(), Error> {
        self.existing(va, RuleId::VA005)?;
        if va == self.default_va {
            return Err(Error::DefaultVa {
                va,
                reason: "the default virtual account cannot be deleted",
            });
        }
        let not_empty = |what| Err(Error::NotEmpty { va, what });
        if self.tree.has_children(va) {
            return not_empty("child virtual accounts");
        }
        if self.licenses.holds_anything(va) {
            return not_empty("licenses or devices");
        }
        if self.bindings.values().any(|b| b.va == Some(va)) {
            return not_empty("role bindings");
        }
        self.tree.remove(va);
        Ok(())
    }

    /// SA002, VA007: the default moves to a top-level, unrestricted Virtual Account.
    fn move_default_va(&mut self, va: VaId) -> Result<(), Error> {
        let record = self.existing(va, RuleId::SA002)?;
        if record.parent().is_some() {
            return Err(Error::DefaultVa {
                va,
                reason: "the default must be a top-level virtual account",
            });
        }
        if record.visibility() == Visibility::Restricted {
            return Err(Error::DefaultRestricted { va });
        }
        self.default_va = va;
        Ok(())
    }

    /// VA007: any Virtual Account but the default may be restricted.
    fn set_visibility(&mut self, va: VaId, visibility: Visibility) -> Result<(), Error> {
        self.existing(va, RuleId::VA007)?;
        if va == self.default_va && visibility == Visibility::Restricted {
            return Err(Error::DefaultRestricted { va });
        }
        self.tree.set_visibility(va, visibility);
        Ok(())
    }

    /// ROLE001, ROLE002, SA006: a user without a role here gets one.
    fn bind_role(
        &mut self,
        user: UserId,
        va: Option<VaId>,
        role: Role,
        inheritance: Inheritance,
    ) -> Result<(), Error> {
        self.check_role_kind(role, va)?;
        if let Some(held) = self.bindings.get(&(user, va)) {
            return Err(Error::RoleHeld {
                user,
                target: self.target(va),
                held: held.role,
            });
        }
        if self.kind == AccountKind::LimitedUse && !self.bindings.keys().any(|(u, _)| *u == user) {
            let mut users: Vec<UserId> = self.bindings.keys().map(|(u, _)| *u).collect();
            users.dedup();
            if users.len() >= 2 {
                return Err(Error::LimitedUse {
                    sa: self.id,
                    limit: "it has at most one user besides its creator",
                });
            }
        }
        self.bind(user, va, role, inheritance, None);
        Ok(())
    }

    /// ROLE001, ROLE002, ROLE007, PTR006: a held role is replaced, keeping its expiry.
    fn change_role(
        &mut self,
        event: &Event,
        own: Own<'_>,
        (user, va): (UserId, Option<VaId>),
        role: Role,
        inheritance: Inheritance,
    ) -> Result<(), Error> {
        self.check_role_kind(role, va)?;
        let held = self.held_for_change(event, own, (user, va), role != Role::SaAdmin)?;
        self.bind(user, va, role, inheritance, held.expires);
        Ok(())
    }

    /// ROLE002, ROLE007, PTR006: a held role is taken away.
    fn revoke_role(
        &mut self,
        event: &Event,
        own: Own<'_>,
        key: (UserId, Option<VaId>),
    ) -> Result<(), Error> {
        self.held_for_change(event, own, key, true)?;
        self.bindings.remove(&key);
        Ok(())
    }

    /// ROLE002, ROLE007, PTR006: a held role gets an expiry, or loses it.
    fn set_role_expiry(
        &mut self,
        event: &Event,
        own: Own<'_>,
        key: (UserId, Option<VaId>),
        expires: Option<Date>,
    ) -> Result<(), Error> {
        self.held_for_change(event, own, key, expires.is_some())?;
        if let Some(binding) = self.bindings.get_mut(&key) {
            binding.expires = expires;
        }
        Ok(())
    }

    /// The binding `user` holds at `va`, once the change to it passes ROLE007 and PTR006
    /// (`loses_admin`: the change takes SA Admin away). ROLE002 when there is none.
    fn held_for_change(
        &self,
        event: &Event,
        own: Own<'_>,
        (user, va): (UserId, Option<VaId>),
        loses_admin: bool,
    ) -> Result<Binding, Error> {
        let Some(held) = self.bindings.get(&(user, va)).copied() else {
            return Err(Error::NoRole {
                user,
                target: self.target(va),
            });
        };
        self.check_binding_change(event, own, &held, loses_admin)?;
        Ok(held)
    }

    /// Records `user`'s role at `va`; an account role always reaches the whole account.
    fn bind(
        &mut self,
        user: UserId,
        va: Option<VaId>,
        role: Role,
        inheritance: Inheritance,
        expires: Option<Date>,
    ) {
        let binding = Binding {
            user,
            va,
            role,
            inheritance: reach(va, inheritance),
            expires,
        };
        self.bindings.insert((user, va), binding);
    }

    /// PTR002: a partner's pending request, under a fresh identifier. The Virtual Account
    /// existed when the partner asked (the command checks it); it may have been deleted since,
    /// so replay checks only the kind of role.
    fn record_request(&mut self, request: AccessRequest) -> Result<(), Error> {
        if request.role.is_account_role() != request.va.is_none() {
            return Err(Error::RoleKind {
                role: request.role,
                target: self.target(request.va),
            });
        }
        let id = request.id;
        if id == 0 || self.access_requests.contains_key(&id) {
            return Err(Error::AccessRequest {
                sa: self.id,
                request: id,
                reason: "its identifier is zero or already used",
            });
        }
        self.access_requests.insert(id, request);
        Ok(())
    }

    /// PTR002: the pending access request `request`, or why it cannot be answered: there is no
    /// such request, or it was already answered. The one check of approvals and rejections,
    /// when they are planned and when they are applied.
    pub(crate) fn pending_request(&self, request: u64) -> Result<&AccessRequest, Error> {
        let refuse = |reason| Error::AccessRequest {
            sa: self.id,
            request,
            reason,
        };
        let asked = self
            .access_requests
            .get(&request)
            .ok_or_else(|| refuse("there is no such request"))?;
        if asked.status != RequestStatus::Pending {
            return Err(refuse("it was already answered"));
        }
        Ok(asked)
    }

    /// PTR002: a pending request is approved or rejected, once.
    fn answer_request(&mut self, request: u64, answer: RequestStatus) -> Result<(), Error> {
        self.pending_request(request)?;
        if let Some(record) = self.access_requests.get_mut(&request) {
            record.status = answer;
        }
        Ok(())
    }

    fn existing(&self, va: VaId, rule: RuleId) -> Result<&VirtualAccount, Error> {
        self.tree.get(va).ok_or(Error::NotFound {
            rule,
            entity: Entity::Va(va),
        })
    }

    fn check_role_kind(&self, role: Role, va: Option<VaId>) -> Result<(), Error> {
        if let Some(va) = va {
            self.existing(va, RuleId::ROLE004)?;
        }
        if role.is_account_role() != va.is_none() {
            return Err(Error::RoleKind {
                role,
                target: self.target(va),
            });
        }
        Ok(())
    }

    fn move_va(&mut self, va: VaId, parent: Option<VaId>) -> Result<(), Error> {
        let record = self.existing(va, RuleId::VA004)?.clone();
        if let Some(p) = parent {
            if self.tree.get(p).is_none() {
                return Err(Error::BadMove {
                    va,
                    parent: p,
                    reason: "the new parent is not in the same smart account",
                });
            }
            if self.tree.is_at_or_above(va, p) {
                return Err(Error::BadMove {
                    va,
                    parent: p,
                    reason: "the new parent is inside the subtree being moved",
                });
            }
        }
        if parent.is_some() && self.kind == AccountKind::LimitedUse {
            return Err(Error::LimitedUse {
                sa: self.id,
                limit: "it has no nested virtual accounts",
            });
        }
        if parent.is_some() && va == self.default_va {
            return Err(Error::DefaultVa {
                va,
                reason: "the default virtual account stays at the top level",
            });
        }
        let new_level = self.tree.level_below(parent)?;
        let deepest = new_level + self.tree.height(va) - 1;
        if deepest > MAX_LEVEL {
            return Err(Error::TooDeep {
                name: record.name().to_owned(),
                level: deepest,
            });
        }
        self.tree.reparent(va, parent, new_level)
    }
}

pub(crate) fn check_account_name(name: &str) -> Result<String, Error> {
    check_name(name, MAX_NAME).map_err(|reason| Error::InvalidName {
        rule: RuleId::SA001,
        field: "smart account name",
        value: clip(name),
        reason,
    })
}
