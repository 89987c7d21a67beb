//! Virtual Account commands (VA001–VA007): creating, renaming, moving and deleting folders of
//! the tree, default VA and visibility. Planned as methods of `Directory`, called only by the
//! dispatch above.

use crate::base::error::{Entity, Error};
use crate::base::ids::{SaId, UserId, VaId};
use crate::directory::Directory;
use crate::events::event::Change;
use crate::events::streams::FreshIds;
use crate::roles::matrix::{Action, Actor, Target};
use crate::rules::RuleId;
use jiff::civil::Date;

impl Directory {
    /// VA001, VA004: a new Virtual Account under a parent of the same account, by a user who
    /// may manage that position.
    pub(crate) fn plan_new_va(
        &self,
        actor: &Actor,
        on: Date,
        (sa, parent, name): (SaId, Option<VaId>, String),
        fresh: &FreshIds,
    ) -> Result<(SaId, Vec<Change>), Error> {
        self.active_account(sa, RuleId::VA001)?;
        if let Some(p) = parent.filter(|p| self.account_of(*p) != Some(sa)) {
            return Err(Error::NotFound {
                rule: RuleId::VA004,
                entity: Entity::Va(p),
            });
        }
        self.require_position(actor, on, sa, parent)?;
        let va = self.fresh_va(fresh.va)?;
        Ok((sa, vec![Change::VaCreated { va, parent, name }]))
    }

    /// VA004: a Virtual Account moves under another parent of its own account.
    pub(crate) fn plan_va_move(
        &self,
        actor: &Actor,
        on: Date,
        va: VaId,
        parent: Option<VaId>,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let (account, record) = self.va_in_active(va, RuleId::VA004)?;
        if let Some(p) = parent {
            match self.account_of(p) {
                None => {
                    return Err(Error::NotFound {
                        rule: RuleId::VA004,
                        entity: Entity::Va(p),
                    });
                }
                Some(other) if other != account.id => {
                    return Err(Error::BadMove {
                        va,
                        parent: p,
                        reason: "virtual accounts never move into another smart account",
                    });
                }
                Some(_) => {}
            }
        }
        self.require_position(actor, on, account.id, record.parent())?;
        self.require_position(actor, on, account.id, parent)?;
        Ok((account.id, vec![Change::VaMoved { va, parent }]))
    }

    /// VA005: a Virtual Account is deleted, its role bindings revoked first.
    pub(crate) fn plan_va_deletion(
        &self,
        actor: &Actor,
        on: Date,
        va: VaId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let (account, record) = self.va_in_active(va, RuleId::VA005)?;
        self.require_position(actor, on, account.id, record.parent())?;
        // Q011: a recorded order line still to deliver into it keeps the Virtual Account.
        if self
            .orders
            .values()
            .any(|order| order.lines.iter().any(|line| line.delivers_to(va)))
        {
            return Err(Error::NotEmpty {
                va,
                what: "licenses on order (a recorded order line will deliver into it)",
            });
        }
        let mut changes: Vec<Change> = account
            .roles()
            .filter(|b| b.va == Some(va))
            .map(|b| Change::RoleRevoked {
                user: b.user,
                va: b.va,
            })
            .collect();
        changes.push(Change::VaDeleted { va });
        Ok((account.id, changes))
    }

    /// VA003, VA007: a change to Virtual Account `va` of an active account (`rule` when either
    /// is missing), by a user who may manage its position in the tree.
    pub(crate) fn plan_va_edit(
        &self,
        actor: &Actor,
        on: Date,
        (va, rule): (VaId, RuleId),
        change: Change,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let (account, record) = self.va_in_active(va, rule)?;
        self.require_position(actor, on, account.id, record.parent())?;
        Ok((account.id, vec![change]))
    }

    /// Where a Virtual Account sits decides who may create, rename, move or delete it: an SA
    /// Admin at the top level, a VA Admin of the parent (or above) below it.
    pub(crate) fn require_position(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        parent: Option<VaId>,
    ) -> Result<UserId, Error> {
        match parent {
            None => self.require(actor, on, Action::CreateTopLevelVa, Target::Account(sa)),
            Some(p) => self.require(actor, on, Action::ManageChildVas, Target::Va(p)),
        }
    }
}
