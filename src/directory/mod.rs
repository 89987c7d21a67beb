//! The directory: organizations, users, Smart Accounts, and the commands that change them.

mod commit;
mod dispatch;
mod logins;
pub(crate) mod people;
mod register;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;

use crate::accounts::account::{Binding, SmartAccount};
use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier, Visibility};
use crate::accounts::tree::{MAX_LEVEL, VirtualAccount};
use crate::base::error::{Entity, Error};
use crate::base::id_table::{IdTable, Vacant};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::base::limits::{check_cco_id, clip};
use crate::base::text::{Domain, Email};
use crate::directory::people::{NewUser, OrgKind, Organization, User};
use crate::events::event::{Change, Event, RecordedActor};
use crate::events::log::{Misplaced, misplaced};
use crate::events::streams::{CommandId, IdKind, StreamId};
use crate::licenses::license::{LicenseChange, Opening};
use crate::roles::matrix::{Actor, Inheritance, Role, Target};
use crate::rules::RuleId;

/// Settings of a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Config {
    /// Public email domains (SA005): never a Customer account domain; their users get Limited
    /// Use accounts. The default lists the common free mail providers. A sub-domain of a listed
    /// domain is public too (see [`Config::is_public_domain`]).
    pub public_domains: BTreeSet<Domain>,
    /// How many days a partner access request waits for an answer before it lapses (PTR005).
    /// Default 90.
    #[cfg_attr(feature = "serde", serde(default = "default_lapse_days"))]
    pub partner_request_lapse_days: u32,
    /// How many days a Pending Smart Account request waits for its contact before it may lapse
    /// ([`Command::LapseAccountRequest`], SA010). Default 90.
    #[cfg_attr(feature = "serde", serde(default = "default_lapse_days"))]
    pub account_request_lapse_days: u32,
}

/// The default of [`Config::partner_request_lapse_days`] and
/// [`Config::account_request_lapse_days`].
pub const DEFAULT_REQUEST_LAPSE_DAYS: u32 = 90;

#[cfg(feature = "serde")]
fn default_lapse_days() -> u32 {
    DEFAULT_REQUEST_LAPSE_DAYS
}

impl Config {
    /// Whether `domain` is a public email domain (SA005): one of
    /// [`Config::public_domains`] or a sub-domain of one. `eu.gmail.com` and
    /// `mail.yahoo.co.uk` are public (a mail provider's sub-domains are its own, never a
    /// company's), `gmail.com.acme.com` and `notgmail.com` are not.
    ///
    /// This is the one implementation of the test: requesting an account, loading a snapshot,
    /// validating a quote and the strategies all ask it, so a user `x@mail.yahoo.co.uk` never
    /// gets a Customer account for `mail.yahoo.co.uk` and does get a Limited Use one, whoever
    /// asks. It costs one set lookup per label.
    ///
    /// # Examples
    ///
    /// ```
    /// use smart_accounts::{Config, Domain};
    ///
    /// let config = Config::default();
    /// assert!(config.is_public_domain(&Domain::parse("gmail.com")?));
    /// assert!(config.is_public_domain(&Domain::parse("mail.yahoo.co.uk")?));
    /// assert!(!config.is_public_domain(&Domain::parse("acme.com")?));
    /// assert!(!config.is_public_domain(&Domain::parse("gmail.com.acme.com")?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_public_domain(&self, domain: &Domain) -> bool {
        let mut rest = Some(domain.as_str());
        while let Some(candidate) = rest {
            if self.public_domains.contains(candidate) {
                return true;
            }
            rest = candidate.split_once('.').map(|(_, parent)| parent);
        }
        false
    }
}

impl Default for Config {
    fn default() -> Self {
        const PUBLIC: &[&str] = &[
            "gmail.com",
            "googlemail.com",
            "yahoo.com",
            "yahoo.co.jp",
            "yahoo.co.uk",
            "yahoo.fr",
            "hotmail.com",
            "outlook.com",
            "live.com",
            "msn.com",
            "aol.com",
            "icloud.com",
            "me.com",
            "mac.com",
            "mail.com",
            "gmx.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "proton.me",
            "protonmail.com",
            "yandex.com",
            "yandex.ru",
            "mail.ru",
            "qq.com",
            "163.com",
            "126.com",
            "naver.com",
            "zoho.com",
            "fastmail.com",
            "tutanota.com",
            "rediffmail.com",
        ];
        let public_domains = PUBLIC
            .iter()
            .filter_map(|d| Domain::parse(d).ok())
            .collect();
        Config {
            public_domains,
            partner_request_lapse_days: DEFAULT_REQUEST_LAPSE_DAYS,
            account_request_lapse_days: DEFAULT_REQUEST_LAPSE_DAYS,
        }
    }
}

/// A command that changes one Smart Account. Run it with [`Directory::execute`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Command {
    /// Register an organization (the directory's stream, EV005).
    RegisterOrganization {
        /// Its display name (SA007).
        name: String,
        /// Customer, partner or distributor.
        kind: OrgKind,
    },
    /// Register a user (SA004; the directory's stream, EV005).
    RegisterUser {
        /// The user's data.
        user: NewUser,
    },
    /// Request a Smart Account. The account is Active at once when the actor is the contact,
    /// and the contact becomes its first SA Admin (ROLE008); otherwise it is Pending until the
    /// contact activates it (SA008).
    RequestAccount {
        /// Customer, Partner Holding or Limited Use (SA001).
        kind: AccountKind,
        /// Display name; defaults to the identifier when empty.
        name: String,
        /// The domain identifier; required for Customer and Partner Holding accounts, absent
        /// for Limited Use ones (named by the contact's email).
        domain: Option<String>,
        /// The authorised contact.
        contact: UserId,
    },
    /// The authorised contact activates a Pending account (SA008, ROLE008).
    ActivateAccount {
        /// The account.
        sa: SaId,
    },
    /// The authorised contact declines a Pending request (SA010): the account is closed as
    /// [`AccountStatus::Declined`], kept as a record, and its identifier is freed, so a stray
    /// request (a partner's, for the customer's domain) no longer blocks it.
    DeclineAccountRequest {
        /// The account.
        sa: SaId,
    },
    /// The requester withdraws a Pending request (SA010): closed as
    /// [`AccountStatus::Withdrawn`], its identifier freed.
    WithdrawAccountRequest {
        /// The account.
        sa: SaId,
    },
    /// A Pending request unanswered for [`Config::account_request_lapse_days`] days lapses
    /// (SA010): closed as [`AccountStatus::Lapsed`], its identifier freed. Any registered user,
    /// the ordering system or vendor support may run it (a scheduler, with the time of the run);
    /// it is refused before the request's lapse day
    /// ([`crate::SmartAccount::request_lapses_on`], [`Directory::lapsing_requests`]).
    LapseAccountRequest {
        /// The account.
        sa: SaId,
    },
    /// The requester names another authorised contact for a Pending request (SA010): a user
    /// of the owning organization with a Cisco.com ID whose email matches the domain (SA004).
    /// Not for a Limited Use request, which its contact's email identifies.
    ChangeRequestContact {
        /// The account.
        sa: SaId,
        /// The new contact.
        contact: UserId,
    },
    /// Rename the account (SA Admin).
    RenameAccount {
        /// The account.
        sa: SaId,
        /// The new name.
        name: String,
    },
    /// Create a Virtual Account at the top level (`parent: None`) or below `parent`.
    CreateVa {
        /// The account.
        sa: SaId,
        /// The parent, or `None` for the top level.
        parent: Option<VaId>,
        /// The name (VA003).
        name: String,
    },
    /// Rename a Virtual Account.
    RenameVa {
        /// The Virtual Account.
        va: VaId,
        /// The new name.
        name: String,
    },
    /// Move a Virtual Account with its subtree within its account (VA004, VA001). A user of
    /// another organization than the owner cannot move it so that a role "account and children"
    /// of the owner's users reaches more or fewer Virtual Accounts (PTR006).
    MoveVa {
        /// The Virtual Account.
        va: VaId,
        /// The new parent, or `None` for the top level.
        parent: Option<VaId>,
    },
    /// Delete an empty Virtual Account (VA005); roles bound to it are revoked with it, so a
    /// user of another organization than the owner cannot delete one holding a role of the
    /// owner's users (PTR006).
    DeleteVa {
        /// The Virtual Account.
        va: VaId,
    },
    /// Move the default designation to another top-level Virtual Account (SA002).
    SetDefaultVa {
        /// The new default.
        va: VaId,
    },
    /// Make a Virtual Account Restricted or Unrestricted (VA007).
    SetVisibility {
        /// The Virtual Account.
        va: VaId,
        /// The new visibility.
        visibility: Visibility,
    },
    /// Give a user a role on an account they hold none on (ROLE002).
    AssignRole {
        /// The user.
        user: UserId,
        /// The Smart Account or Virtual Account.
        target: Target,
        /// The role (ROLE001).
        role: Role,
        /// How far a Virtual Account role reaches (ROLE004).
        inheritance: Inheritance,
    },
    /// Change the role a user holds on an account. A user of another organization than the
    /// owner never changes a role of the owner's users (PTR006); the last SA Admin of the owner
    /// without an expiry is never downgraded (ROLE007).
    ChangeRole {
        /// The user.
        user: UserId,
        /// The Smart Account or Virtual Account.
        target: Target,
        /// The new role.
        role: Role,
        /// The new reach.
        inheritance: Inheritance,
    },
    /// Take a user's role on an account away. A user of another organization than the owner
    /// never revokes a role of the owner's users (PTR006); the last SA Admin of the owner
    /// without an expiry is never revoked (ROLE007), an expired role always may be.
    RevokeRole {
        /// The user.
        user: UserId,
        /// The Smart Account or Virtual Account.
        target: Target,
    },
    /// Accept the Smart Licensing agreement (AGR001).
    AcceptAgreement {
        /// The account.
        sa: SaId,
    },
    /// Give a held role an expiry date, or take it away (PTR005). From that date on the role
    /// allows nothing. Clearing or moving the expiry of a partner user's role needs a customer
    /// SA Admin, like granting it (PTR001); a user of another organization than the owner never
    /// sets or clears one on a role of the owner's users (PTR006); the last SA Admin of the
    /// owner without an expiry is never given one (ROLE007). This holds for every kind of
    /// account: an Active account always keeps an SA Admin of its owner in force.
    SetRoleExpiry {
        /// The user.
        user: UserId,
        /// The Smart Account or Virtual Account.
        target: Target,
        /// The first day the role allows nothing, or `None` for no expiry.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::option_date")
        )]
        expires: Option<jiff::civil::Date>,
    },
    /// A partner user asks for a role on a customer's account, e.g. admin access on an account
    /// the partner requested for the customer (PTR002). It grants nothing until a customer SA
    /// Admin approves it, and lapses unanswered after
    /// [`Config::partner_request_lapse_days`] (PTR005). The account may still be Pending.
    RequestPartnerAccess {
        /// The customer account.
        sa: SaId,
        /// The account itself (a Smart Account role) or one of its Virtual Accounts.
        target: Target,
        /// The role asked for; `SaAdmin` on the account is "admin access".
        role: Role,
        /// How far a Virtual Account role would reach.
        inheritance: Inheritance,
        /// An expiry for the role, if the partner wants one.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::option_date")
        )]
        expires: Option<jiff::civil::Date>,
    },
    /// A customer SA Admin approves a pending request: the partner user gets the role asked
    /// for, with the earlier of the requested expiry and `expires` (PTR001, PTR002, PTR005).
    ApprovePartnerAccess {
        /// The customer account.
        sa: SaId,
        /// The request's identifier ([`crate::AccessRequest::id`]).
        request: u64,
        /// An expiry the customer sets, if any.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::option_date")
        )]
        expires: Option<jiff::civil::Date>,
    },
    /// A customer SA Admin rejects a pending request: it grants nothing, ever (PTR002).
    RejectPartnerAccess {
        /// The customer account.
        sa: SaId,
        /// The request's identifier.
        request: u64,
    },
    /// A customer SA Admin revokes every role the users of a partner organization hold on the
    /// account and rejects its pending requests (PTR003).
    RevokePartnerAccess {
        /// The customer account.
        sa: SaId,
        /// The partner organization.
        org: OrgId,
    },
    /// A customer SA Admin records a review of partner access (PTR003, BP006).
    ReviewPartnerAccess {
        /// The customer account.
        sa: SaId,
        /// The partner organization reviewed, or `None` for every partner.
        org: Option<OrgId>,
    },
    /// A user of the owning organization asks for a role on an existing, Active account
    /// ("Request access to an existing Smart Account", SA011). It grants nothing until an SA
    /// Admin of the owner approves it, choosing the role and scope; recorded as an
    /// [`crate::AccessRequest`] of the account, which lapses unanswered like a partner's
    /// ([`Config::partner_request_lapse_days`]).
    RequestAccountAccess {
        /// The account.
        sa: SaId,
        /// Where the user would like the role: the account or one of its Virtual Accounts.
        target: Target,
        /// The role the user would like.
        role: Role,
        /// How far a Virtual Account role would reach.
        inheritance: Inheritance,
    },
    /// An SA Admin of the owning organization approves a user's access request (SA011),
    /// granting the role and scope chosen here, which may differ from the ones asked for.
    ApproveAccessRequest {
        /// The account.
        sa: SaId,
        /// The request's identifier ([`crate::AccessRequest::id`]).
        request: u64,
        /// The account or one of its Virtual Accounts.
        target: Target,
        /// The role granted (ROLE001: it must fit the target).
        role: Role,
        /// How far a Virtual Account role reaches (ROLE004).
        inheritance: Inheritance,
    },
    /// An SA Admin of the owning organization rejects a user's access request (SA011): it
    /// grants nothing, ever.
    RejectAccessRequest {
        /// The account.
        sa: SaId,
        /// The request's identifier.
        request: u64,
    },
    /// A license or device command (LIC, DEV rules).
    License(crate::licenses::license::LicenseCommand),
    /// A command on order records (Q011): place, assign a line, book.
    Order(crate::orders::records::OrderCommand),
}

impl Command {
    /// The kinds of identifier the command hands out, for callers that supply them
    /// ([`Directory::plan_with`], [`FreshIds`](crate::FreshIds)): registrations one organization or user, a
    /// request an account and its default Virtual Account, `CreateVa` a Virtual Account.
    #[must_use]
    pub fn fresh_ids(&self) -> &'static [IdKind] {
        match self {
            Command::RegisterOrganization { .. } => &[IdKind::Organization],
            Command::RegisterUser { .. } => &[IdKind::User],
            Command::RequestAccount { .. } => &[IdKind::Account, IdKind::Va],
            Command::CreateVa { .. } => &[IdKind::Va],
            _ => &[],
        }
    }
}

/// The place of a Virtual Account in the fast index: its account, level and path from the top.
///
/// Aligned to a cache line, so a check reads one line per target however large the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(align(64))]
pub(crate) struct VaSlot {
    /// Indexed by level: `path[l]` is the ancestor at level `l` (`1..=level`), `path[level]`
    /// the Virtual Account itself. `path[0]` and every entry above `level` hold `VaId(0)`, so
    /// `path[g.level] == g.va` is the whole "bound at or above" test of a grant, account grants
    /// (level 0, no VA) included.
    pub(crate) path: [VaId; MAX_LEVEL + 1],
    pub(crate) sa: SaId,
    /// 1 at the top; 0 marks a vacant slot (no such Virtual Account).
    pub(crate) level: u8,
}

impl VaSlot {
    /// A slot with no Virtual Account in it.
    pub(crate) const VACANT: VaSlot = VaSlot {
        path: [VaId::new(0); MAX_LEVEL + 1],
        sa: SaId::new(0),
        level: 0,
    };

    /// Whether `ancestor` is this Virtual Account or above it.
    #[inline]
    pub(crate) fn under(&self, ancestor: VaId) -> bool {
        self.path
            .iter()
            .skip(1)
            .take(usize::from(self.level))
            .any(|v| *v == ancestor)
    }
}

impl Vacant for VaSlot {
    fn vacant() -> Self {
        VaSlot::VACANT
    }
    fn is_vacant(&self) -> bool {
        self.level == 0
    }
}

/// A role binding in the fast index, per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) sa: SaId,
    /// `None` for an account role.
    pub(crate) va: Option<VaId>,
    pub(crate) role: Role,
    /// Reaches the Virtual Accounts below `va`; always true for an account role.
    pub(crate) children: bool,
    /// The level of `va`, 0 for an account role. Kept current when a Virtual Account moves
    /// ([`Directory::reindex`]).
    pub(crate) level: u8,
}

impl Grant {
    /// A grant that reaches nothing (no account has the identifier 0), in place of a missing
    /// one where a check must not branch.
    pub(crate) const NOTHING: Grant = Grant {
        sa: SaId::new(0),
        va: None,
        role: Role::VaViewer,
        children: false,
        level: 0,
    };

    /// Whether the binding reaches the target of `slot` (ROLE004): an account role reaches
    /// every Virtual Account of its account; a Virtual Account role its own and, with
    /// "account and children", every one below. One load from the path, no loop.
    #[inline(always)]
    pub(crate) fn reaches(&self, slot: &VaSlot) -> bool {
        // `min` lets the compiler drop the bounds check; a level above MAX_LEVEL (none exist)
        // fails the `<=` test anyway.
        let at = slot
            .path
            .get(usize::from(self.level).min(MAX_LEVEL))
            .copied()
            .unwrap_or(VaId::new(0));
        (at == self.va.unwrap_or(VaId::new(0)))
            & (self.sa == slot.sa)
            & (self.level <= slot.level)
            & (self.children | (self.level == slot.level))
    }
}

/// One user's grants in the fast index. Most users hold one role, so the first grant is
/// stored inline and a check reads one record; further grants sit behind one pointer.
/// Invariant: `first` is `None` only when `more` is `None`, and `more` is never empty. The
/// order carries no meaning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GrantList {
    first: Option<Grant>,
    more: Option<Box<KeyedList<Grant>>>,
}

impl GrantList {
    /// Whether the user holds no role at all.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The grants, in no particular order.
    #[inline]
    pub(crate) fn iter(&self) -> GrantIter<'_> {
        self.first
            .iter()
            .chain(self.more.as_deref().map_or(&[][..], KeyedList::as_slice))
    }

    /// The grant, when there is exactly one (the usual case).
    #[inline]
    pub(crate) fn single(&self) -> Option<&Grant> {
        self.first.as_ref().filter(|_| self.more.is_none())
    }

    /// The grant when there is exactly one, without a branch: `(true, grant)` for the single
    /// grant, `(false, _)` with a grant that means nothing when the user holds none or several.
    #[inline(always)]
    pub(crate) fn only(&self) -> (bool, Grant) {
        let single = self.more.is_none();
        match self.first {
            Some(g) => (single, g),
            None => (false, Grant::NOTHING),
        }
    }

    /// Whether some grant satisfies `f`: the inline one first, the others only if there are.
    #[inline(always)]
    pub(crate) fn any(&self, mut f: impl FnMut(&Grant) -> bool) -> bool {
        match &self.first {
            None => false,
            Some(first) => {
                f(first)
                    || self
                        .more
                        .as_ref()
                        .is_some_and(|m| m.as_slice().iter().any(f))
            }
        }
    }

    /// Replaces the grant bound to (`sa`, `va`) by `grant`, or removes it when `None`. In
    /// place, and constant time however many grants the user holds: loading a snapshot in
    /// which one user holds a role on every Virtual Account stays linear (EV004).
    pub(crate) fn set(&mut self, sa: SaId, va: Option<VaId>, grant: Option<Grant>) {
        let key = (sa, va);
        if self.first.as_ref().is_some_and(|g| g.key() == key) {
            self.first = match grant {
                Some(g) => Some(g),
                None => self.pop_more(),
            };
            return;
        }
        if let Some(more) = self.more.as_deref_mut()
            && more.position(key).is_some()
        {
            more.set(key, grant);
            if more.is_empty() {
                self.more = None;
            }
            return;
        }
        let Some(grant) = grant else {
            return;
        };
        if self.first.is_none() {
            self.first = Some(grant);
        } else {
            self.more
                .get_or_insert_with(Box::default)
                .set(key, Some(grant));
        }
    }

    /// Takes one grant out of `more`, dropping it when it empties.
    fn pop_more(&mut self) -> Option<Grant> {
        let more = self.more.as_deref_mut()?;
        let last = more.pop();
        if more.is_empty() {
            self.more = None;
        }
        last
    }
}

/// The key of an entry of the fast index: the account and the Virtual Account it is bound to.
pub(crate) type BindingKey = (SaId, Option<VaId>);

/// An entry keyed by the binding it indexes.
pub(crate) trait ByBinding {
    /// The binding's account and Virtual Account.
    fn key(&self) -> BindingKey;
}

impl ByBinding for Grant {
    fn key(&self) -> BindingKey {
        (self.sa, self.va)
    }
}

impl ByBinding for (Grant, Date) {
    fn key(&self) -> BindingKey {
        self.0.key()
    }
}

/// Entries at most one per binding, in no order, in a `Vec` that the checks scan; with more
/// than [`KeyedList::INDEXED`] of them, a hash map from key to position makes replacing and
/// removing one constant time instead of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyedList<T> {
    items: Vec<T>,
    at: HashMap<BindingKey, usize>,
}

impl<T> Default for KeyedList<T> {
    fn default() -> Self {
        KeyedList {
            items: Vec::new(),
            at: HashMap::new(),
        }
    }
}

impl<T: ByBinding> KeyedList<T> {
    /// Entries up to which a scan finds a key as fast as a hash.
    const INDEXED: usize = 16;

    /// The entries.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// Whether there is no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The position of the entry of `key`.
    fn position(&self, key: BindingKey) -> Option<usize> {
        if self.items.len() > Self::INDEXED {
            self.at.get(&key).copied()
        } else {
            self.items.iter().position(|t| t.key() == key)
        }
    }

    /// Replaces the entry of `key` by `item`, adds it, or removes the entry when `None`.
    pub(crate) fn set(&mut self, key: BindingKey, item: Option<T>) {
        match (self.position(key), item) {
            (Some(pos), Some(item)) => {
                if let Some(cell) = self.items.get_mut(pos) {
                    *cell = item;
                }
            }
            (Some(pos), None) => {
                self.items.swap_remove(pos);
                self.at.remove(&key);
                if let Some(moved) = self.items.get(pos).map(ByBinding::key) {
                    self.at.insert(moved, pos);
                }
                self.reindex();
            }
            (None, Some(item)) => {
                self.items.push(item);
                self.at.insert(key, self.items.len() - 1);
                self.reindex();
            }
            (None, None) => {}
        }
    }

    /// Takes an entry out.
    fn pop(&mut self) -> Option<T> {
        let last = self.items.pop()?;
        self.at.remove(&last.key());
        self.reindex();
        Some(last)
    }

    /// Keeps the map only while there are enough entries to need it, and complete when kept.
    fn reindex(&mut self) {
        if self.items.len() <= Self::INDEXED {
            self.at.clear();
        } else if self.at.len() != self.items.len() {
            self.at = self
                .items
                .iter()
                .enumerate()
                .map(|(pos, t)| (t.key(), pos))
                .collect();
        }
    }
}

impl<T> Vacant for KeyedList<T> {
    fn vacant() -> Self {
        KeyedList::default()
    }
    fn is_vacant(&self) -> bool {
        self.items.is_empty()
    }
}

impl Vacant for GrantList {
    fn vacant() -> Self {
        GrantList::default()
    }
    fn is_vacant(&self) -> bool {
        self.is_empty()
    }
}

/// A user's organization in the fast index: none (0) is vacant.
impl Vacant for (OrgId, bool) {
    fn vacant() -> Self {
        (OrgId::new(0), false)
    }
    fn is_vacant(&self) -> bool {
        self.0.get() == 0
    }
}

/// The iterator of [`GrantList::iter`].
pub(crate) type GrantIter<'a> =
    std::iter::Chain<std::option::Iter<'a, Grant>, std::slice::Iter<'a, Grant>>;

impl<'a> IntoIterator for &'a GrantList {
    type Item = &'a Grant;
    type IntoIter = GrantIter<'a>;
    fn into_iter(self) -> GrantIter<'a> {
        self.iter()
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub(crate) account: Option<SmartAccount>,
    pub(crate) log: crate::events::log::AccountLog,
}

impl Entry {
    /// The account's used keys (LIC009), which its log's transfers are rebuilt from.
    pub(crate) fn keys(&self) -> crate::events::log::Keys<'_> {
        self.account.as_ref().map(|a| &a.licenses)
    }

    /// Every event of the log, as appended.
    pub(crate) fn events(&self, sa: SaId) -> Vec<Event> {
        self.log.to_vec(sa, self.keys())
    }

    /// Appends a copy of an event applied to the account (EV005: the next of its log).
    pub(crate) fn append_copy(&mut self, event: &Event) -> Result<(), Misplaced> {
        // `Entry::keys` would borrow the whole entry; the log is borrowed mutably beside it.
        let keys = self.account.as_ref().map(|a| &a.licenses);
        self.log.append_copy(event.sa, event, keys)
    }
}

/// All organizations, users and Smart Accounts, with the commands that change them and the
/// queries that read them.
///
/// Every command takes the actor and the time, checks the actor's permission and every rule,
/// and either applies fully and returns its events, or returns an [`Error`] naming the rule and
/// the entity and changes nothing.
///
/// # Examples
///
/// ```
/// use smart_accounts::{AccountKind, Action, Actor, Command, Directory, NewUser, OrgKind, Target};
///
/// let mut dir = Directory::new();
/// let acme = dir.register_organization("Acme", OrgKind::Customer)?;
/// let alice = dir.register_user(NewUser {
///     cco_id: Some("alice".into()),
///     email: "alice@acme.com".into(),
///     org: acme,
///     kind: Default::default(),
/// })?;
/// let at = "2026-01-05T09:00:00Z".parse()?;
/// let sa = dir.request_account(&Actor::User(alice), at, AccountKind::Customer, "Acme", Some("acme.com"), alice)?;
/// let emea = dir.create_va(&Actor::User(alice), at, sa, None, "EMEA")?;
/// assert!(dir.is_allowed(alice, Action::ManageLicenses, Target::Va(emea)));
///
/// // A domain without a dot is refused (SA003) and changes nothing.
/// let before = dir.clone();
/// assert!(dir.request_account(&Actor::User(alice), at, AccountKind::Customer, "x", Some("acme"), alice).is_err());
/// assert_eq!(dir, before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub(crate) config: Config,
    pub(crate) orgs: BTreeMap<OrgId, Organization>,
    pub(crate) users: BTreeMap<UserId, std::sync::Arc<User>>,
    pub(crate) accounts: BTreeMap<SaId, Entry>,
    // Derived indexes, rebuilt from the above.
    /// The users by Cisco.com ID and by email (SA004).
    pub(crate) logins: logins::Logins,
    pub(crate) domains: BTreeMap<String, SaId>,
    pub(crate) lu_emails: BTreeMap<Email, SaId>,
    // The tables below are keyed by identifier but sized by the number of entries, never by an
    // identifier's value (EV004; see `IdTable`).
    /// By `VaId`; vacant slots have level 0.
    pub(crate) slots: IdTable<VaSlot>,
    /// By `UserId`.
    pub(crate) grants: IdTable<GrantList>,
    /// By `UserId`: the organization (0 for none) and whether the user is a team alias, so
    /// whole-directory passes (the advisor) need no map lookup per role binding.
    pub(crate) user_orgs: IdTable<(OrgId, bool)>,
    /// The grants that carry an expiry date, with it, by `UserId` (PTR005). Only the
    /// date-aware checks read them, so `grants` and the plain checks stay as they were.
    pub(crate) dated: IdTable<KeyedList<(Grant, Date)>>,
    /// Which account each registered device belongs to (DEV001).
    pub(crate) devices: BTreeMap<crate::licenses::license::DeviceId, SaId>,
    pub(crate) next_org: u32,
    pub(crate) next_user: u32,
    pub(crate) next_sa: u32,
    pub(crate) next_va: u32,
    /// The directory's own stream (EV005): registrations and identifier claims.
    pub(crate) dir_log: crate::events::log::DirectoryLog,
    /// Every command ID committed, with where its events are (EV005).
    pub(crate) commands: HashMap<CommandId, Vec<(StreamId, u64, u64)>>,
    /// Order records (Q011), from the directory's stream.
    pub(crate) orders:
        BTreeMap<crate::licenses::license::OrderId, crate::orders::records::OrderRecord>,
}

impl PartialEq for Directory {
    /// Two directories are equal when their organizations, users, accounts and event logs are;
    /// the indexes are derived from those.
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && self.dir_log == other.dir_log
            && self.orgs == other.orgs
            && self.users == other.users
            && self.orders == other.orders
            && self.accounts.len() == other.accounts.len()
            && self
                .accounts
                .iter()
                .zip(&other.accounts)
                .all(|((a, x), (b, y))| a == b && x.account == y.account && x.log == y.log)
    }
}
impl Eq for Directory {}

/// The identifier after `last`, the largest one handed out or loaded: never a reused or
/// saturated one (EV004).
pub(crate) fn next_id(last: u32, what: &'static str) -> Result<u32, Error> {
    last.checked_add(1)
        .ok_or(Error::IdentifiersExhausted { what })
}

impl Directory {
    /// An empty directory with the default [`Config`].
    #[must_use]
    pub fn new() -> Directory {
        Directory::default()
    }

    /// An empty directory with the given settings.
    #[must_use]
    pub fn with_config(config: Config) -> Directory {
        Directory {
            config,
            ..Directory::default()
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn validate_user(&self, id: UserId, new: NewUser) -> Result<User, Error> {
        if !self.orgs.contains_key(&new.org) {
            return Err(Error::NotFound {
                rule: RuleId::SA004,
                entity: Entity::Organization(new.org),
            });
        }
        let email = Email::parse(&new.email)?;
        if let Some(existing) = self.logins.by_email(&self.users, &email) {
            return Err(Error::DuplicateLogin {
                what: "email",
                value: email.to_string(),
                existing,
            });
        }
        let cco_id = match new.cco_id {
            None => None,
            Some(cco) => {
                let cco = check_cco_id(&cco).map_err(|reason| Error::InvalidName {
                    rule: RuleId::SA004,
                    field: "Cisco.com ID",
                    value: clip(&cco),
                    reason,
                })?;
                if let Some(existing) = self.logins.by_cco_id(&self.users, &cco) {
                    return Err(Error::DuplicateLogin {
                        what: "Cisco.com ID",
                        value: cco,
                        existing,
                    });
                }
                Some(cco)
            }
        };
        Ok(User {
            id,
            cco_id: cco_id.map(compact_str::CompactString::from),
            email,
            org: new.org,
            kind: new.kind,
        })
    }

    pub(crate) fn index_user(&mut self, user: &User) {
        self.logins.insert(&self.users, user);
        self.user_orgs.set(
            user.id.get(),
            (
                user.org,
                user.kind == crate::directory::people::UserKind::TeamAlias,
            ),
        );
    }

    /// An organization.
    #[must_use]
    pub fn organization(&self, id: OrgId) -> Option<&Organization> {
        self.orgs.get(&id)
    }
    /// All organizations, by identifier.
    pub fn organizations(&self) -> impl Iterator<Item = &Organization> {
        self.orgs.values()
    }
    /// A user.
    #[must_use]
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.users.get(&id).map(|u| &**u)
    }
    /// All users, by identifier.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values().map(|u| &**u)
    }
    /// The user with this Cisco.com ID (compared ignoring case).
    #[must_use]
    pub fn user_by_cco_id(&self, cco_id: &str) -> Option<&User> {
        self.logins
            .by_cco_id(&self.users, cco_id)
            .and_then(|id| self.user(id))
    }
    /// The user with this email.
    #[must_use]
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = Email::parse(email).ok()?;
        self.logins
            .by_email(&self.users, &email)
            .and_then(|id| self.user(id))
    }
    /// A Smart Account.
    #[must_use]
    pub fn account(&self, id: SaId) -> Option<&SmartAccount> {
        self.accounts.get(&id).and_then(|e| e.account.as_ref())
    }
    /// All Smart Accounts, by identifier.
    pub fn accounts(&self) -> impl Iterator<Item = &SmartAccount> {
        self.accounts.values().filter_map(|e| e.account.as_ref())
    }
    /// The Smart Account whose identifier is exactly this domain.
    #[must_use]
    pub fn account_by_domain(&self, domain: &str) -> Option<&SmartAccount> {
        let domain = Domain::parse(domain).ok()?;
        self.domains
            .get(&domain.search_key())
            .and_then(|id| self.account(*id))
    }
    /// The Limited Use Smart Account identified by this email.
    #[must_use]
    pub fn account_by_email(&self, email: &str) -> Option<&SmartAccount> {
        let email = Email::parse(email).ok()?;
        self.lu_emails.get(&email).and_then(|id| self.account(*id))
    }
    /// The Smart Account a Virtual Account belongs to.
    #[must_use]
    pub fn account_of(&self, va: VaId) -> Option<SaId> {
        self.slot(va).map(|s| s.sa)
    }
    /// A Virtual Account, wherever it is.
    #[must_use]
    pub fn va(&self, va: VaId) -> Option<&VirtualAccount> {
        self.account(self.account_of(va)?)?.va(va)
    }

    #[inline]
    /// The organization of a registered user and whether the user is a team alias.
    pub(crate) fn org_of(&self, user: UserId) -> Option<(OrgId, bool)> {
        Some(*self.user_orgs.get(user.get())).filter(|(org, _)| org.get() != 0)
    }

    /// The log of an account, unchecked (for the crate's own readers, such as the advisor).
    pub(crate) fn log_of(&self, sa: SaId) -> Option<&crate::events::log::AccountLog> {
        self.accounts.get(&sa).map(|e| &e.log)
    }

    /// The domain index: each domain identifier (and prefixed form) with its account, sorted.
    pub(crate) fn domain_index(&self) -> impl Iterator<Item = (&str, &SaId)> {
        self.domains.iter().map(|(k, sa)| (k.as_str(), sa))
    }

    /// The identifier of a new account: `supplied` when it is fresh, else the next of the
    /// directory's counter (EV005).
    pub(crate) fn fresh_sa(&self, supplied: Option<SaId>) -> Result<SaId, Error> {
        match supplied {
            None => Ok(SaId::new(next_id(self.next_sa, "smart account")?)),
            Some(sa) if sa.get() == 0 || self.accounts.contains_key(&sa) => {
                Err(Error::IdentifierInUse {
                    what: "smart account",
                    id: sa.get(),
                })
            }
            Some(sa) => Ok(sa),
        }
    }

    /// The identifier of a new Virtual Account: `supplied` when it is fresh, else the next of
    /// the directory's counter (EV005).
    pub(crate) fn fresh_va(&self, supplied: Option<VaId>) -> Result<VaId, Error> {
        match supplied {
            None => Ok(VaId::new(next_id(self.next_va, "virtual account")?)),
            Some(va) if va.get() == 0 || self.slot(va).is_some() => Err(Error::IdentifierInUse {
                what: "virtual account",
                id: va.get(),
            }),
            Some(va) => Ok(va),
        }
    }

    pub(crate) fn slot(&self, va: VaId) -> Option<&VaSlot> {
        self.slots.find(va.get()).filter(|s| s.level > 0)
    }

    /// The fast-index form of `binding`, held in account `sa`.
    pub(crate) fn grant(&self, sa: SaId, binding: &Binding) -> Grant {
        Grant {
            sa,
            va: binding.va,
            role: binding.role,
            children: binding.va.is_none()
                || binding.inheritance == Inheritance::AccountAndChildren,
            // A Virtual Account that has no slot (never the case) gets a level no slot reaches.
            level: binding
                .va
                .map_or(0, |va| self.slot(va).map_or(u8::MAX, |s| s.level)),
        }
    }

    /// Search by domain (SA009): the Customer and Partner Holding accounts whose identifier is
    /// `domain` or a prefixed form of it, by identifier. Limited Use accounts are never found.
    /// Input that is no valid domain finds nothing.
    #[must_use]
    pub fn search_domain(&self, domain: &str) -> Vec<SaId> {
        let Ok(domain) = Domain::parse(domain) else {
            return Vec::new();
        };
        let key = domain.search_key();
        let mut found: Vec<SaId> = self
            .domains
            .range(key.clone()..)
            .take_while(|(k, _)| k.starts_with(key.as_str()))
            .map(|(_, sa)| *sa)
            .collect();
        found.sort_unstable();
        found
    }

    pub(crate) fn acting_user(&self, actor: &Actor) -> Result<UserId, Error> {
        match actor {
            Actor::User(user) if self.users.contains_key(user) => Ok(*user),
            Actor::User(user) => Err(Error::NotFound {
                rule: RuleId::ROLE005,
                entity: Entity::User(*user),
            }),
            other => Err(Error::ActorNotAllowed {
                actor: other.to_string(),
            }),
        }
    }

    pub(crate) fn recorded(&self, actor: &Actor) -> RecordedActor {
        match actor {
            Actor::User(user) => RecordedActor::User {
                user: *user,
                org: self.users.get(user).map_or(OrgId::new(0), |u| u.org),
            },
            Actor::Fulfilment => RecordedActor::Fulfilment,
            Actor::VendorSupport { case } => RecordedActor::VendorSupport { case: case.clone() },
        }
    }

    pub(crate) fn active_account(&self, sa: SaId, rule: RuleId) -> Result<&SmartAccount, Error> {
        let account = self.account(sa).ok_or(Error::NotFound {
            rule,
            entity: Entity::Account(sa),
        })?;
        match account.status {
            AccountStatus::Active => Ok(account),
            AccountStatus::Pending => Err(Error::AccountPending { sa }),
            status => Err(Error::AccountRequest {
                sa,
                status: status.as_str(),
                reason: "a closed request is a record and is never used",
            }),
        }
    }

    pub(crate) fn va_in_active(
        &self,
        va: VaId,
        rule: RuleId,
    ) -> Result<(&SmartAccount, &VirtualAccount), Error> {
        let sa = self.account_of(va).ok_or(Error::NotFound {
            rule,
            entity: Entity::Va(va),
        })?;
        let account = self.active_account(sa, rule)?;
        let record = account.va(va).ok_or(Error::NotFound {
            rule,
            entity: Entity::Va(va),
        })?;
        Ok((account, record))
    }

    /// Each event is the next of its account's log, counting the ones before it in `events`
    /// (EV005): what the logs need to keep them without their positions.
    pub(crate) fn check_positions(&self, events: &[Event]) -> Result<(), Error> {
        let mut next: BTreeMap<SaId, u64> = BTreeMap::new();
        for event in events {
            let expected = next
                .entry(event.sa)
                .or_insert_with(|| self.accounts.get(&event.sa).map_or(1, |e| e.log.next_seq()));
            if event.seq != *expected {
                return Err(misplaced(
                    StreamId::Account(event.sa),
                    event.seq,
                    Misplaced::Sequence(*expected),
                ));
            }
            *expected += 1;
        }
        Ok(())
    }

    /// Applies events already recorded (a verified log, EV004) to their accounts, keeping the
    /// indexes current and appending them to the logs.
    pub(crate) fn append_recorded(&mut self, events: &[Event]) -> Result<(), Error> {
        self.check_positions(events)?;
        for event in events {
            let users = &self.users;
            match self
                .accounts
                .get_mut(&event.sa)
                .and_then(|e| e.account.as_mut())
            {
                Some(account) => {
                    let owner = account.owner;
                    account.apply_in(event, &|u| member_of(users, owner, u))?;
                }
                None => {
                    let account = SmartAccount::create(event)?;
                    self.accounts.insert(
                        event.sa,
                        Entry {
                            account: Some(account),
                            log: Default::default(),
                        },
                    );
                }
            }
            self.reindex(event);
            if let Some(entry) = self.accounts.get_mut(&event.sa) {
                // In sequence: checked above.
                let _ = entry.append_copy(event);
            }
        }
        Ok(())
    }

    /// Refuses a command dated before the last event of the account's log (EV004).
    pub(crate) fn check_time(&self, sa: SaId, at: Timestamp) -> Result<(), Error> {
        match self.accounts.get(&sa).and_then(|e| e.log.last_at()) {
            Some(last) if at < last => Err(Error::TimeOrder { sa, at, last }),
            _ => Ok(()),
        }
    }

    /// Brings the derived indexes up to date after `event` was applied to its account.
    pub(crate) fn reindex(&mut self, event: &Event) {
        let sa = event.sa;
        match &event.change {
            Change::AccountCreated {
                identifier,
                default_va,
                ..
            } => {
                self.next_sa = self.next_sa.max(sa.get());
                // A snapshot may hold a closed request with the identifier of a later account:
                // the holder stays the account that holds it (SA010).
                match identifier {
                    Identifier::Domain(d) => {
                        self.domains.entry(d.search_key()).or_insert(sa);
                    }
                    Identifier::Email(e) => {
                        self.lu_emails.entry(e.clone()).or_insert(sa);
                    }
                }
                self.place(sa, *default_va, None);
            }
            Change::AccountDeclined
            | Change::AccountRequestWithdrawn
            | Change::AccountRequestLapsed => self.release_identifier(sa),
            Change::VaCreated { va, parent, .. } => self.place(sa, *va, *parent),
            Change::VaMoved { va, .. } => {
                let subtree = self.account(sa).map(|a| a.subtree(*va)).unwrap_or_default();
                for id in &subtree {
                    let parent = self
                        .account(sa)
                        .and_then(|a| a.va(*id))
                        .and_then(VirtualAccount::parent);
                    self.place(sa, *id, parent);
                }
                // Grants remember the level of their Virtual Account: refresh those that moved.
                let moved: BTreeSet<VaId> = subtree.into_iter().collect();
                let bindings: Vec<Binding> = self
                    .account(sa)
                    .map(|a| {
                        a.roles()
                            .filter(|b| b.va.is_some_and(|v| moved.contains(&v)))
                            .copied()
                            .collect()
                    })
                    .unwrap_or_default();
                for b in bindings {
                    self.index_binding(sa, b.user, b.va);
                }
            }
            Change::VaDeleted { va } => {
                self.slots.set(va.get(), VaSlot::VACANT);
            }
            Change::RoleAssigned { user, va, .. }
            | Change::RoleChanged { user, va, .. }
            | Change::RoleRevoked { user, va }
            | Change::RoleExpirySet { user, va, .. } => self.index_binding(sa, *user, *va),
            Change::License(change) => self.reindex_license(sa, change),
            _ => {}
        }
    }

    /// SA010: a closed request frees its identifier, when it still holds it.
    fn release_identifier(&mut self, sa: SaId) {
        let identifier = self.account(sa).map(|a| a.identifier.clone());
        match identifier {
            Some(Identifier::Domain(d)) => {
                let key = d.search_key();
                if self.domains.get(&key) == Some(&sa) {
                    self.domains.remove(&key);
                }
            }
            Some(Identifier::Email(e)) if self.lu_emails.get(&e) == Some(&sa) => {
                self.lu_emails.remove(&e);
            }
            _ => {}
        }
    }

    pub(crate) fn reindex_license(&mut self, sa: SaId, change: &LicenseChange) {
        match change {
            LicenseChange::DeviceRegistered { device, .. } => {
                self.devices.insert(device.clone(), sa);
            }
            LicenseChange::Opening(item) => {
                if let Opening::Device(d) = &**item {
                    self.devices.insert(d.id.clone(), sa);
                }
            }
            LicenseChange::DeviceRemoved { device } => {
                self.devices.remove(device);
            }
            _ => {}
        }
    }

    /// Puts the binding of `user` on (`sa`, `va`) into the fast index: into `grants` when it
    /// does not expire, into `dated` with its expiry when it does, and out of both when it is
    /// gone.
    fn index_binding(&mut self, sa: SaId, user: UserId, va: Option<VaId>) {
        let binding = self
            .account(sa)
            .and_then(|a| a.bindings.get(&(user, va)).copied());
        let grant = binding.map(|b| (self.grant(sa, &b), b.expires));
        let (plain, dated) = match grant {
            Some((g, None)) => (Some(g), None),
            Some((g, Some(end))) => (None, Some((g, end))),
            None => (None, None),
        };
        self.grants
            .update(user.get(), |grants| grants.set(sa, va, plain));
        self.dated
            .update(user.get(), |list| list.set((sa, va), dated));
    }

    fn place(&mut self, sa: SaId, va: VaId, parent: Option<VaId>) {
        self.next_va = self.next_va.max(va.get());
        let mut slot = match parent.and_then(|p| self.slot(p)) {
            Some(p) => *p,
            None => VaSlot {
                sa,
                ..VaSlot::VACANT
            },
        };
        let level = slot.level.saturating_add(1);
        if let Some(cell) = slot.path.get_mut(usize::from(level)) {
            *cell = va;
            slot.level = level;
        }
        self.slots.set(va.get(), slot);
    }
}

/// Whether `user` belongs to `owner` (PTR006), as [`SmartAccount::apply_in`] asks it: known
/// users are the owner's or not; an unknown user is `None`.
pub(crate) fn member_of(
    users: &BTreeMap<UserId, std::sync::Arc<User>>,
    owner: crate::base::ids::OrgId,
    user: UserId,
) -> Option<bool> {
    users.get(&user).map(|u| u.org == owner)
}

#[cfg(test)]
mod tests {
    use super::{Directory, Grant, GrantList, VaSlot};
    use crate::base::ids::{OrgId, SaId, UserId, VaId};
    use crate::directory::people::{NewUser, OrgKind, UserKind};
    use crate::roles::matrix::Role;
    use std::collections::BTreeMap;

    fn grant(sa: u32, va: u32, role: Role) -> Grant {
        Grant {
            sa: SaId::new(sa),
            va: (va != 0).then_some(VaId::new(va)),
            role,
            children: true,
            level: u8::from(va != 0),
        }
    }

    /// Replacing and removing grants of a user with many keeps exactly the grants set, one per
    /// binding, whichever one is inline, scanned or found through the map.
    #[test]
    fn ev004_a_grant_list_of_many_grants_replaces_and_removes_by_binding() {
        let mut list = GrantList::default();
        let mut model: BTreeMap<(u32, u32), Role> = BTreeMap::new();
        let roles = [Role::VaUser, Role::VaAdmin, Role::VaViewer];
        for step in 0u32..600 {
            let (sa, va) = (1 + step % 2, step * 7 % 97);
            let role = roles
                .get(step as usize % 3)
                .copied()
                .unwrap_or(Role::VaUser);
            let key = (SaId::new(sa), (va != 0).then_some(VaId::new(va)));
            if step % 5 == 4 {
                list.set(key.0, key.1, None);
                model.remove(&(sa, va));
            } else {
                list.set(key.0, key.1, Some(grant(sa, va, role)));
                model.insert((sa, va), role);
            }
            let mut held: Vec<((u32, u32), Role)> = list
                .iter()
                .map(|g| ((g.sa.get(), g.va.map_or(0, VaId::get)), g.role))
                .collect();
            held.sort();
            let expected: Vec<((u32, u32), Role)> = model.iter().map(|(k, r)| (*k, *r)).collect();
            assert_eq!(held, expected, "after step {step}");
            assert_eq!(list.is_empty(), model.is_empty());
            assert_eq!(list.single().is_some(), model.len() == 1);
        }
        for (sa, va) in model.keys().copied().collect::<Vec<_>>() {
            list.set(SaId::new(sa), (va != 0).then_some(VaId::new(va)), None);
        }
        assert_eq!(list, GrantList::default());
    }

    /// The layout the check's speed rests on: one cache line per Virtual Account, a 24-byte
    /// record per user (see DESIGN.md, "How do permission checks reach their speed?").
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn role009_index_layout() {
        assert_eq!(size_of::<VaSlot>(), 64);
        assert_eq!(align_of::<VaSlot>(), 64);
        assert_eq!(size_of::<GrantList>(), 24);
    }

    /// Each fast index counts one entry per entity it holds: a Virtual Account, a registered
    /// user, a user with a grant without expiry, a user with an expiring one. A vacant cell is
    /// never counted, and a cell emptied by a command leaves the count (EV004: the counts bound
    /// the memory of the dense parts).
    #[cfg(feature = "fixtures")]
    #[test]
    #[allow(clippy::unwrap_used, clippy::panic)]
    fn ev004_the_fast_indexes_count_one_entry_per_entity() {
        use super::Command;
        use crate::roles::matrix::{Actor, Target};
        use std::collections::BTreeSet;

        fn expected(dir: &Directory) -> [usize; 4] {
            let bound = |dated: bool| {
                dir.accounts()
                    .flat_map(|a| a.roles())
                    .filter(|b| b.expires.is_some() == dated)
                    .map(|b| b.user)
                    .collect::<BTreeSet<_>>()
                    .len()
            };
            [
                dir.accounts().map(|a| a.va_count()).sum(),
                dir.users().count(),
                bound(false),
                bound(true),
            ]
        }
        fn counted(dir: &Directory) -> [usize; 4] {
            [
                dir.slots.occupied(),
                dir.user_orgs.occupied(),
                dir.grants.occupied(),
                dir.dated.occupied(),
            ]
        }

        let mut w = crate::fixtures::world().unwrap();
        assert_eq!(counted(&w.dir), expected(&w.dir));
        // Carol's roles given an expiry: she moves from one index to the other.
        let alice = Actor::User(w.acme.alice);
        let targets = |dir: &Directory, user: UserId| -> Vec<Target> {
            dir.accounts()
                .flat_map(|a| a.roles().map(move |b| (a.id(), b)))
                .filter(|(_, b)| b.user == user)
                .map(|(sa, b)| b.va.map_or(Target::Account(sa), Target::Va))
                .collect()
        };
        let expires = jiff::civil::date(2099, 1, 1);
        for target in targets(&w.dir, w.acme.carol) {
            w.dir
                .execute(
                    &alice,
                    w.at,
                    Command::SetRoleExpiry {
                        user: w.acme.carol,
                        target,
                        expires: Some(expires),
                    },
                )
                .unwrap();
        }
        assert_eq!(counted(&w.dir), expected(&w.dir));
        assert!(counted(&w.dir).iter().all(|n| *n > 0));
        // Bob's roles taken away, then an empty Virtual Account deleted.
        assert!(!targets(&w.dir, w.acme.bob).is_empty());
        for target in targets(&w.dir, w.acme.bob) {
            w.dir
                .execute(
                    &alice,
                    w.at,
                    Command::RevokeRole {
                        user: w.acme.bob,
                        target,
                    },
                )
                .unwrap();
        }
        assert_eq!(counted(&w.dir), expected(&w.dir));
        let va = w
            .dir
            .execute(
                &alice,
                w.at,
                Command::CreateVa {
                    sa: w.acme.sa,
                    parent: None,
                    name: "Scratch".into(),
                },
            )
            .unwrap();
        let before = counted(&w.dir);
        let Some(crate::events::event::Change::VaCreated { va, .. }) =
            va.first().map(|e| &e.change)
        else {
            panic!("no Virtual Account was created");
        };
        w.dir
            .execute(&alice, w.at, Command::DeleteVa { va: *va })
            .unwrap();
        assert_eq!(counted(&w.dir)[0], before[0] - 1);
        assert_eq!(counted(&w.dir), expected(&w.dir));
    }

    /// The fast index of a directory whose identifiers sit at the end of their range holds one
    /// entry per entity, nothing per identifier value (EV004).
    #[test]
    fn ev004_the_fast_index_is_sized_by_entities_not_identifiers() {
        let mut dir = Directory::new();
        dir.next_org = u32::MAX - 1;
        dir.next_user = u32::MAX - 2;
        let org = dir.register_organization("Acme", OrgKind::Customer);
        assert_eq!(org, Ok(OrgId::new(u32::MAX)));
        for login in ["alice", "bob"] {
            dir.register_user(NewUser {
                cco_id: Some(login.into()),
                email: format!("{login}@acme.com"),
                org: OrgId::new(u32::MAX),
                kind: UserKind::Individual,
            })
            .ok();
        }
        assert!(dir.user(UserId::new(u32::MAX)).is_some());
        assert_eq!(dir.user_orgs.occupied(), 2);
        assert_eq!(dir.user_orgs.dense_len(), 0);
        assert_eq!(dir.grants.dense_len(), 0);
        assert_eq!(dir.slots.dense_len(), 0);
    }
}
