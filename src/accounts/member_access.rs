//! "Request access to an existing Smart Account" (SA011): a user of the owning organization
//! asks for a role on an Active account; an SA Admin of the owner approves, choosing the role
//! and scope, or rejects. The request is an [`crate::AccessRequest`] of the account, like a
//! partner's (PTR002), and grants nothing until approved. Planned as methods of `Directory`,
//! called only by the dispatch.

use jiff::civil::Date;

use crate::accounts::account::{AccessRequest, SmartAccount};
use crate::base::error::{Entity, Error};
use crate::base::ids::{SaId, UserId, VaId};
use crate::directory::Directory;
use crate::events::event::Change;
use crate::roles::matrix::{Action, Actor, Inheritance, Role, Target};
use crate::rules::RuleId;

impl Directory {
    /// The Virtual Account `target` names in `account` (`None` for the account itself), with a
    /// role that fits it (ROLE001) and that `user` does not hold there yet (ROLE002).
    fn member_target(
        account: &SmartAccount,
        user: UserId,
        target: Target,
        role: Role,
    ) -> Result<Option<VaId>, Error> {
        let va = match target {
            Target::Account(t) if t == account.id => None,
            Target::Va(va) if account.va(va).is_some() => Some(va),
            Target::Account(t) => return Err(not_found(Entity::Account(t))),
            Target::Va(va) => return Err(not_found(Entity::Va(va))),
        };
        if role.is_account_role() != va.is_none() {
            return Err(Error::RoleKind { role, target });
        }
        if let Some(held) = account.role_of(user, va) {
            return Err(Error::RoleHeld { user, target, held });
        }
        Ok(va)
    }

    /// SA011: a user of the owning organization asks for a role on an Active account.
    pub(crate) fn plan_member_request(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        (target, role, inheritance): (Target, Role, Inheritance),
    ) -> Result<(SaId, Vec<Change>), Error> {
        let user = self.acting_user(actor)?;
        let account = self.account(sa).ok_or(not_found(Entity::Account(sa)))?;
        let org = self.users.get(&user).map(|u| u.org);
        if org != Some(account.owner) {
            return Err(Error::MemberAccess {
                user,
                sa,
                reason: "only a user of the owning organization asks for access this way; a partner asks with RequestPartnerAccess (PTR002)",
            });
        }
        let account = self.active_account(sa, RuleId::SA011)?;
        let va = Self::member_target(account, user, target, role)?;
        let lapse = self.config.partner_request_lapse_days;
        if account
            .access_requests()
            .any(|r| r.user == user && r.va == va && r.is_open_on(on, lapse))
        {
            return Err(Error::MemberAccess {
                user,
                sa,
                reason: "an open request for this access exists",
            });
        }
        let request = match account.access_requests.keys().next_back() {
            None => 1,
            Some(last) => last.checked_add(1).ok_or(Error::IdentifiersExhausted {
                what: "access request",
            })?,
        };
        let change = Change::AccessRequested {
            request,
            user,
            org: account.owner,
            va,
            role,
            inheritance,
            expires: None,
        };
        Ok((sa, vec![change]))
    }

    /// SA011: the actor as an SA Admin of the owning organization (in force on `on`), and the
    /// open request `request` of a user of the owner.
    fn member_answer(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        request: u64,
    ) -> Result<(UserId, &SmartAccount, AccessRequest), Error> {
        let by = self.acting_user(actor)?;
        let account = self.active_account(sa, RuleId::SA011)?;
        let refuse = |reason| Error::MemberAccess {
            user: by,
            sa,
            reason,
        };
        if self.users.get(&by).map(|u| u.org) != Some(account.owner) {
            return Err(refuse(
                "only an SA Admin of the owning organization answers its users' requests",
            ));
        }
        self.require(actor, on, Action::AssignSaRoles, Target::Account(sa))?;
        let asked = *account.pending_request(request)?;
        if asked.org != account.owner {
            return Err(refuse(
                "this is a partner's request, answered with ApprovePartnerAccess or RejectPartnerAccess (PTR002)",
            ));
        }
        let lapsed_on = asked.lapses_on(self.config.partner_request_lapse_days);
        if on >= lapsed_on {
            return Err(Error::RequestLapsed {
                sa,
                request,
                lapsed_on,
            });
        }
        Ok((by, account, asked))
    }

    /// SA011: an SA Admin of the owner approves a user's request with the role and scope of
    /// its choice; the role assignment follows in the same command.
    pub(crate) fn plan_member_approval(
        &self,
        actor: &Actor,
        on: Date,
        (sa, request): (SaId, u64),
        (target, role, inheritance): (Target, Role, Inheritance),
    ) -> Result<(SaId, Vec<Change>), Error> {
        let (by, account, asked) = self.member_answer(actor, on, sa, request)?;
        let va = Self::member_target(account, asked.user, target, role)?;
        self.check_holding_role(account.kind, asked.user)?;
        Ok((
            sa,
            vec![
                Change::AccessApproved { request, by },
                Change::RoleAssigned {
                    user: asked.user,
                    va,
                    role,
                    inheritance,
                },
            ],
        ))
    }

    /// SA011: an SA Admin of the owner rejects a user's request.
    pub(crate) fn plan_member_rejection(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        request: u64,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let (by, _, _) = self.member_answer(actor, on, sa, request)?;
        Ok((sa, vec![Change::AccessRejected { request, by }]))
    }
}

fn not_found(entity: Entity) -> Error {
    Error::NotFound {
        rule: RuleId::SA011,
        entity,
    }
}
