//! Partner access with the customer's consent (PTR001–PTR005): requests, approvals, expiry,
//! revocation, reviews, and the reverse queries that show a customer which partner
//! organizations can do what, where.

use jiff::civil::Date;

use crate::accounts::account::{AccessRequest, RequestStatus, SmartAccount};
use crate::accounts::kinds::AccountKind;
use crate::base::error::{Entity, Error};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::directory::Directory;
use crate::events::event::{Change, Event, RecordedActor};
use crate::roles::matrix::{Action, ActionSet, Actor, Inheritance, Role, Target};
use crate::rules::RuleId;

/// One role a partner user holds on a customer's account, as shown to the customer (PTR003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PartnerAccess {
    /// The partner organization.
    pub org: OrgId,
    /// The partner user.
    pub user: UserId,
    /// Where: the account itself or one Virtual Account.
    pub target: Target,
    /// The role.
    pub role: Role,
    /// How far a Virtual Account role reaches.
    pub inheritance: Inheritance,
    /// What the role allows where it applies (account-level actions only for account roles).
    pub actions: ActionSet,
    /// The first day it allows nothing, if it expires.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::option_date")
    )]
    pub expires: Option<Date>,
    /// Whether it is in force on the date asked about (not expired).
    pub in_force: bool,
}

impl Directory {
    /// Whether `org` is a partner organization of the account owned by `owner`: a known
    /// partner or distributor other than the owner. The one test behind PTR001–PTR003's
    /// "partner".
    pub(crate) fn is_partner_org(&self, org: OrgId, owner: OrgId) -> bool {
        org != owner && self.orgs.get(&org).is_some_and(|o| o.kind.is_seller())
    }

    /// Whether `user` is a partner user on `account`: a user of a partner organization of it
    /// ([`Directory::is_partner_org`]), on a Customer or Limited Use account.
    pub(crate) fn is_partner_user_on(&self, user: UserId, account: &SmartAccount) -> bool {
        account.kind != AccountKind::PartnerHolding
            && self
                .users
                .get(&user)
                .is_some_and(|u| self.is_partner_org(u.org, account.owner))
    }

    /// The actor as a user of the account's owner holding "approve partner access" on `on`
    /// (PTR001): the customer's own SA Admin.
    pub(crate) fn require_customer_admin(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
    ) -> Result<UserId, Error> {
        let user = self.acting_user(actor)?;
        let account = self.account(sa).ok_or(Error::NotFound {
            rule: RuleId::PTR001,
            entity: Entity::Account(sa),
        })?;
        let org = self.users.get(&user).map(|u| u.org);
        if org != Some(account.owner) {
            return Err(Error::PartnerConsent {
                user,
                sa,
                reason: "only a customer SA Admin grants, extends or reviews partner access",
            });
        }
        self.require(actor, on, Action::ApprovePartnerAccess, Target::Account(sa))
    }

    /// `org` as a partner organization of the account: known, a partner or distributor, not
    /// the owner.
    pub(crate) fn partner_org_of(&self, sa: SaId, org: OrgId) -> Result<(), Error> {
        let owner = self.account(sa).map(SmartAccount::owner);
        if !self.orgs.contains_key(&org) {
            return Err(Error::NotFound {
                rule: RuleId::PTR003,
                entity: Entity::Organization(org),
            });
        }
        match owner {
            Some(owner) if self.is_partner_org(org, owner) => Ok(()),
            _ => Err(Error::NotPartner { org, sa }),
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the fields of Command::RequestPartnerAccess"
    )]
    pub(crate) fn plan_access_request(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        target: Target,
        role: Role,
        inheritance: Inheritance,
        expires: Option<Date>,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let user = self.acting_user(actor)?;
        let account = self.account(sa).ok_or(Error::NotFound {
            rule: RuleId::PTR002,
            entity: Entity::Account(sa),
        })?;
        let refuse = |reason| Error::PartnerRequest { user, sa, reason };
        if account.kind == AccountKind::PartnerHolding {
            return Err(refuse(
                "partner access is asked of customer accounts, not holding accounts",
            ));
        }
        if !self.is_partner_user_on(user, account) {
            return Err(refuse(
                "only a user of a partner or distributor organization other than the owner asks for partner access",
            ));
        }
        let va = match target {
            Target::Account(t) if t == sa => None,
            Target::Va(va) if account.va(va).is_some() => Some(va),
            _ => {
                return Err(Error::NotFound {
                    rule: RuleId::PTR002,
                    entity: match target {
                        Target::Account(t) => Entity::Account(t),
                        Target::Va(va) => Entity::Va(va),
                    },
                });
            }
        };
        if role.is_account_role() != va.is_none() {
            return Err(Error::RoleKind { role, target });
        }
        if let Some(held) = account.role_of(user, va) {
            return Err(Error::RoleHeld { user, target, held });
        }
        if expires.is_some_and(|end| end <= on) {
            return Err(refuse("the expiry asked for is not after today"));
        }
        let lapse = self.config.partner_request_lapse_days;
        if account
            .access_requests()
            .any(|r| r.user == user && r.va == va && r.is_open_on(on, lapse))
        {
            return Err(refuse("an open request for this access exists"));
        }
        let org = self.users.get(&user).map_or(OrgId::new(0), |u| u.org);
        let request = match account.access_requests.keys().next_back() {
            None => 1,
            Some(last) => last.checked_add(1).ok_or(Error::IdentifiersExhausted {
                what: "access request",
            })?,
        };
        Ok((
            sa,
            vec![Change::AccessRequested {
                request,
                user,
                org,
                va,
                role,
                inheritance,
                expires,
            }],
        ))
    }

    /// PTR002: a customer SA Admin rejects a pending request.
    pub(crate) fn plan_rejection(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        request: u64,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let by = self.require_customer_admin(actor, on, sa)?;
        let account = self.active_account(sa, RuleId::PTR002)?;
        partners_request(account, account.pending_request(request)?, by)?;
        Ok((sa, vec![Change::AccessRejected { request, by }]))
    }

    /// PTR003: a customer SA Admin records a review of the partners' access (of one partner
    /// organization, or of all).
    pub(crate) fn plan_review(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        org: Option<OrgId>,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let by = self.require_customer_admin(actor, on, sa)?;
        self.active_account(sa, RuleId::PTR003)?;
        if let Some(org) = org {
            self.partner_org_of(sa, org)?;
        }
        Ok((sa, vec![Change::AccessReviewed { by, org }]))
    }

    pub(crate) fn plan_approval(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        request: u64,
        expires: Option<Date>,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let by = self.require_customer_admin(actor, on, sa)?;
        let account = self.active_account(sa, RuleId::PTR002)?;
        let asked = account.pending_request(request)?;
        partners_request(account, asked, by)?;
        let lapsed_on = asked.lapses_on(self.config.partner_request_lapse_days);
        if on >= lapsed_on {
            return Err(Error::RequestLapsed {
                sa,
                request,
                lapsed_on,
            });
        }
        let target = asked.va.map_or(Target::Account(sa), Target::Va);
        if asked.va.is_some_and(|va| account.va(va).is_none()) {
            return Err(Error::NotFound {
                rule: RuleId::PTR002,
                entity: Entity::Va(asked.va.unwrap_or(VaId::new(0))),
            });
        }
        if let Some(held) = account.role_of(asked.user, asked.va) {
            return Err(Error::RoleHeld {
                user: asked.user,
                target,
                held,
            });
        }
        let mut changes = vec![
            Change::AccessApproved { request, by },
            Change::RoleAssigned {
                user: asked.user,
                va: asked.va,
                role: asked.role,
                inheritance: asked.inheritance,
            },
        ];
        let expiry = match (asked.expires, expires) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if expiry.is_some() {
            changes.push(Change::RoleExpirySet {
                user: asked.user,
                va: asked.va,
                expires: expiry,
            });
        }
        Ok((sa, changes))
    }

    pub(crate) fn plan_revocation(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        org: OrgId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let by = self.require_customer_admin(actor, on, sa)?;
        let account = self.active_account(sa, RuleId::PTR003)?;
        self.partner_org_of(sa, org)?;
        let mut changes: Vec<Change> = account
            .roles()
            .filter(|b| self.users.get(&b.user).is_some_and(|u| u.org == org))
            .map(|b| Change::RoleRevoked {
                user: b.user,
                va: b.va,
            })
            .collect();
        changes.extend(
            account
                .access_requests()
                .filter(|r| r.org == org && r.status == RequestStatus::Pending)
                .map(|r| Change::AccessRejected { request: r.id, by }),
        );
        Ok((sa, changes))
    }

    /// Every role that users of partner organizations hold on `sa`, with what it allows and
    /// whether it is in force on `on` (PTR003): complete, sorted by organization, user and
    /// target. Empty for an unknown account.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{Role, Target, fixtures};
    ///
    /// let world = fixtures::world()?;
    /// let today = "2026-02-01".parse()?;
    /// let access = world.dir.partner_access(world.acme.sa, today);
    /// assert_eq!(access.len(), 1);
    /// assert_eq!(access[0].org, world.partner.org);
    /// assert_eq!(access[0].target, Target::Va(world.acme.americas));
    /// assert_eq!(access[0].role, Role::VaUser);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn partner_access(&self, sa: SaId, on: Date) -> Vec<PartnerAccess> {
        let Some(account) = self.account(sa) else {
            return Vec::new();
        };
        let mut out: Vec<PartnerAccess> = account
            .roles()
            .filter(|b| self.is_partner_user_on(b.user, account))
            .map(|b| {
                let actions = b.role.actions();
                let actions = if b.va.is_some() {
                    actions
                        .iter()
                        .filter(|a| !a.is_account_level())
                        .fold(ActionSet::EMPTY, ActionSet::with)
                } else {
                    actions
                };
                PartnerAccess {
                    org: self.users.get(&b.user).map_or(OrgId::new(0), |u| u.org),
                    user: b.user,
                    target: b.va.map_or(Target::Account(sa), Target::Va),
                    role: b.role,
                    inheritance: b.inheritance,
                    actions,
                    expires: b.expires,
                    in_force: b.in_force_on(on),
                }
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// The partner organizations that can act on `sa` on `on`, each with the union of what
    /// its users may do there (PTR003), sorted by organization.
    #[must_use]
    pub fn partner_organizations(&self, sa: SaId, on: Date) -> Vec<(OrgId, ActionSet)> {
        let mut out: Vec<(OrgId, ActionSet)> = Vec::new();
        for access in self
            .partner_access(sa, on)
            .into_iter()
            .filter(|a| a.in_force)
        {
            match out.last_mut() {
                Some((org, set)) if *org == access.org => *set = set.union(access.actions),
                _ => out.push((access.org, access.actions)),
            }
        }
        out
    }

    /// The partner access requests of `sa` still waiting for an answer on `on`, oldest first.
    #[must_use]
    pub fn open_requests(&self, sa: SaId, on: Date) -> Vec<&AccessRequest> {
        let lapse = self.config.partner_request_lapse_days;
        self.account(sa)
            .map(|a| {
                a.access_requests()
                    .filter(|r| r.is_open_on(on, lapse))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The partner access requests of `sa` that were never answered and have lapsed by `on`
    /// (PTR005), oldest first. They can no longer be approved.
    #[must_use]
    pub fn lapsed_requests(&self, sa: SaId, on: Date) -> Vec<&AccessRequest> {
        let lapse = self.config.partner_request_lapse_days;
        self.account(sa)
            .map(|a| {
                a.access_requests()
                    .filter(|r| r.status == RequestStatus::Pending && !r.is_open_on(on, lapse))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The events of `sa` caused by users of partner organizations other than the owner, for a
    /// user allowed to read the log (PTR003): every partner action, with the partner's
    /// organization as recorded at the time.
    ///
    /// # Errors
    ///
    /// As [`Directory::events`].
    pub fn partner_activity(&self, user: UserId, sa: SaId) -> Result<Vec<Event>, Error> {
        let owner = self.account(sa).map(SmartAccount::owner);
        // Checks the user may read the log.
        self.events(user, sa)?;
        let Some(entry) = self.accounts.get(&sa) else {
            return Ok(Vec::new());
        };
        let (log, keys) = (&entry.log, entry.keys());
        Ok(log
            .iter()
            .filter(|(_, head, _)| match (&head.actor, owner) {
                (RecordedActor::User { org, .. }, Some(owner)) => self.is_partner_org(*org, owner),
                _ => false,
            })
            .filter_map(|(i, _, _)| log.event(sa, i, keys))
            .collect())
    }
}

/// PTR002: the partner commands answer partners' requests; a request of the owner's own user
/// is answered as SA011 says (`ApproveAccessRequest`, `RejectAccessRequest`), where the SA Admin
/// chooses the role and scope.
fn partners_request(
    account: &SmartAccount,
    asked: &AccessRequest,
    by: UserId,
) -> Result<(), Error> {
    if asked.org == account.owner() {
        return Err(Error::PartnerRequest {
            user: by,
            sa: account.id(),
            reason: "this is a request of the owner's own user, answered with ApproveAccessRequest or RejectAccessRequest (SA011)",
        });
    }
    Ok(())
}
