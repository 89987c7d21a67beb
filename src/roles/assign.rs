//! Role assignment (ROLE001–ROLE010): assigning, changing, revoking and timing bindings, with
//! the rules on who may hand out which role where. Planned as methods of `Directory`, called
//! only by the dispatch above.

use crate::base::error::{Entity, Error};
use crate::base::ids::{SaId, UserId, VaId};
use crate::directory::Directory;
use crate::events::event::Change;
use crate::roles::matrix::{Action, Actor, Inheritance, Role, Target};
use crate::rules::RuleId;
use jiff::civil::Date;

impl Directory {
    /// Checks who may assign, change or revoke a role on `target` (ROLE006, SA007) and returns
    /// the account.
    pub(crate) fn plan_role(
        &self,
        actor: &Actor,
        on: Date,
        user: UserId,
        target: Target,
        inheritance: Option<Inheritance>,
    ) -> Result<SaId, Error> {
        let (account, va) = match target {
            Target::Account(sa) => (self.active_account(sa, RuleId::ROLE004)?, None),
            Target::Va(va) => (self.va_in_active(va, RuleId::ROLE004)?.0, Some(va)),
        };
        if !self.users.contains_key(&user) {
            return Err(Error::NotFound {
                rule: RuleId::ROLE002,
                entity: Entity::User(user),
            });
        }
        // Who may assign or revoke is ROLE006's rule: a refusal here names it, not the
        // generic ROLE005 of the permission matrix.
        let actor_user = match va {
            None => self
                .require(actor, on, Action::AssignSaRoles, target)
                .map_err(role006)?,
            Some(va) => {
                let actor_user = self
                    .require(actor, on, Action::AssignVaRoles, target)
                    .map_err(role006)?;
                // A VA Admin with "account only" reach on this VA cannot hand out "account and
                // children": nobody grants beyond their own scope (ROLE006).
                if inheritance == Some(Inheritance::AccountAndChildren)
                    && !self.covers_subtree(actor_user, va, on)
                {
                    return Err(Error::Denied {
                        rule: RuleId::ROLE006,
                        user: actor_user,
                        action: Action::AssignVaRoles,
                        target,
                        would_grant: Role::granting(Action::AssignVaRoles),
                    });
                }
                actor_user
            }
        };
        // Only the customer's own SA Admin hands a partner user a role or extends one (PTR001).
        if inheritance.is_some()
            && self.is_partner_user_on(user, account)
            && self.require_customer_admin(actor, on, account.id).is_err()
        {
            return Err(Error::PartnerConsent {
                user: actor_user,
                sa: account.id,
                reason: "only a customer SA Admin grants or extends a partner user's role",
            });
        }
        let _ = actor_user;
        if inheritance.is_some() {
            self.check_holding_role(account.kind, user)?;
        }
        Ok(account.id)
    }

    /// ROLE001–ROLE006: a role assigned to `user` on `target`, or (`held`) the role it holds
    /// there changed, by a user who may.
    pub(crate) fn plan_binding(
        &self,
        actor: &Actor,
        on: Date,
        (user, target): (UserId, Target),
        (role, inheritance): (Role, Inheritance),
        held: bool,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let sa = self.plan_role(actor, on, user, target, Some(inheritance))?;
        let va = va_of(target);
        let change = if held {
            Change::RoleChanged {
                user,
                va,
                role,
                inheritance,
            }
        } else {
            Change::RoleAssigned {
                user,
                va,
                role,
                inheritance,
            }
        };
        Ok((sa, vec![change]))
    }

    /// ROLE002, ROLE006, ROLE007: the role `user` holds on `target` revoked, by a user who may.
    pub(crate) fn plan_revoke(
        &self,
        actor: &Actor,
        on: Date,
        user: UserId,
        target: Target,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let sa = self.plan_role(actor, on, user, target, None)?;
        let va = va_of(target);
        Ok((sa, vec![Change::RoleRevoked { user, va }]))
    }

    /// ROLE002, ROLE006: a held role gets an expiry (or loses it), by a user who may change it.
    pub(crate) fn plan_role_expiry(
        &self,
        actor: &Actor,
        on: Date,
        user: UserId,
        target: Target,
        expires: Option<Date>,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let (sa, va) = match target {
            Target::Account(sa) => (sa, None),
            Target::Va(va) => (self.account_of(va).unwrap_or(SaId::new(0)), Some(va)),
        };
        let held = self
            .account(sa)
            .and_then(|a| a.bindings.get(&(user, va)).copied());
        let sa = self.plan_role(
            actor,
            on,
            user,
            target,
            Some(held.map_or(Inheritance::AccountOnly, |b| b.inheritance)),
        )?;
        if held.is_none() {
            return Err(Error::NoRole { user, target });
        }
        Ok((sa, vec![Change::RoleExpirySet { user, va, expires }]))
    }

    /// Whether `user` may assign Virtual Account roles on `va` and everything below it.
    pub(crate) fn covers_subtree(&self, user: UserId, va: VaId, on: Date) -> bool {
        let Some(slot) = self.slot(va) else {
            return false;
        };
        let grants = self.grants.get(user.get());
        let dated = self.dated.get(user.get());
        let in_force = dated
            .as_slice()
            .iter()
            .filter(|(_, end)| on < *end)
            .map(|(g, _)| g);
        grants.iter().chain(in_force).any(|g| {
            g.sa == slot.sa
                && g.role.actions().contains(Action::AssignVaRoles)
                && match g.va {
                    None => true,
                    Some(b) => g.children && slot.under(b),
                }
        })
    }
}

/// A permission refusal of a role assignment, change or revocation names ROLE006 ("who may
/// assign or revoke"); other errors pass through.
fn role006(error: Error) -> Error {
    match error {
        Error::Denied {
            user,
            action,
            target,
            would_grant,
            ..
        } => Error::Denied {
            rule: RuleId::ROLE006,
            user,
            action,
            target,
            would_grant,
        },
        other => other,
    }
}

fn va_of(target: Target) -> Option<VaId> {
    match target {
        Target::Account(_) => None,
        Target::Va(va) => Some(va),
    }
}
