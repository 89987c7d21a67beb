//! Reading a Smart Account's log (EV001): who may read it, checked like any other action.

use crate::base::error::{Entity, Error};
use crate::base::ids::{SaId, UserId};
use crate::directory::Directory;
use crate::events::log::Events;
use crate::roles::matrix::{Action, Target};
use crate::rules::RuleId;

impl Directory {
    /// The account's event log, for a user allowed to read it (SA Admin, ROLE005).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown account, [`Error::Denied`] when the user may not
    /// view the event log.
    pub fn events(&self, user: UserId, sa: SaId) -> Result<Events<'_>, Error> {
        let entry = self.accounts.get(&sa).ok_or(Error::NotFound {
            rule: RuleId::EV001,
            entity: Entity::Account(sa),
        })?;
        self.require_user(user, Action::ViewEventLog, Target::Account(sa))?;
        Ok(Events::new(sa, &entry.log, entry.keys()))
    }
}
