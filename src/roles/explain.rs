//! Decisions told in words (ROLE009): with internal identifiers in backticks (the
//! [`Display`](fmt::Display) of [`Decision`]), or with the names people know, from the directory
//! ([`Decision::display_with`]): users by email, Smart Accounts by their identifier (domain, or
//! email for Limited Use), Virtual Accounts by their path, `acme.com/EMEA/EMEA-Sales`.

use std::fmt;

use crate::base::ids::{SaId, UserId, VaId};
use crate::directory::Directory;
use crate::roles::check::{Decision, NearMiss, Reason, Shortfall, Via};
use crate::roles::matrix::{Inheritance, Target};

/// A [`Decision`] told with names from the directory: see [`Decision::display_with`].
#[derive(Debug, Clone, Copy)]
pub struct Explained<'a> {
    decision: &'a Decision,
    dir: &'a Directory,
}

impl Decision {
    /// The decision as a sentence for people (ROLE009): users by email, Smart Accounts by their
    /// identifier, Virtual Accounts by their path from the account (`acme.com/EMEA/EMEA-Sales`).
    /// An entity the directory does not know is shown by its identifier.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{Action, Target, fixtures};
    ///
    /// let world = fixtures::world()?;
    /// let (dir, acme) = (&world.dir, &world.acme);
    /// let decision = dir.check(acme.carol, Action::ManageLicenses, Target::Va(acme.emea));
    /// let text = decision.display_with(dir).to_string();
    /// assert!(text.starts_with("denied: "), "{text}");
    /// assert!(!text.contains("user:"), "{text}");
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn display_with<'a>(&'a self, dir: &'a Directory) -> Explained<'a> {
        Explained {
            decision: self,
            dir,
        }
    }
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        tell(self.decision, Names(Some(self.dir)), f)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        tell(self, Names(None), f)
    }
}

impl Directory {
    /// How a Virtual Account is named for people: its account's identifier and its path from
    /// the top, `acme.com/EMEA/EMEA-Sales`; `None` when there is no such Virtual Account.
    #[must_use]
    pub fn va_path(&self, va: VaId) -> Option<String> {
        let account = self.account(self.account_of(va)?)?;
        let mut names = Vec::new();
        let mut next = Some(va);
        // At most MAX_LEVEL levels (VA001); the bound keeps a damaged tree from looping.
        while let Some(current) = next.take() {
            if names.len() > crate::MAX_LEVEL {
                break;
            }
            let v = account.va(current)?;
            names.push(v.name());
            next = v.parent();
        }
        names.reverse();
        Some(format!("{}/{}", account.identifier(), names.join("/")))
    }
}

/// Names entities from the directory when there is one, else by backticked identifier (which
/// programs such as the command line turn into names themselves).
#[derive(Clone, Copy)]
struct Names<'a>(Option<&'a Directory>);

impl Names<'_> {
    fn user(self, id: UserId) -> String {
        match self.0.and_then(|d| d.user(id)) {
            Some(u) => u.email.to_string(),
            None => format!("`{id}`"),
        }
    }

    fn account(self, id: SaId) -> String {
        match self.0.and_then(|d| d.account(id)) {
            Some(a) => a.identifier().to_string(),
            None => format!("`{id}`"),
        }
    }

    fn va(self, id: VaId) -> String {
        self.0
            .and_then(|d| d.va_path(id))
            .unwrap_or_else(|| format!("`{id}`"))
    }

    fn target(self, target: Target) -> String {
        match target {
            Target::Account(sa) => self.account(sa),
            Target::Va(va) => self.va(va),
        }
    }

    /// Where a binding is: its Virtual Account, or the Smart Account of `target`.
    fn bound(self, bound_to: Option<VaId>, target: Target) -> String {
        match (bound_to, target, self.0) {
            (Some(va), _, _) => self.va(va),
            (None, Target::Account(sa), Some(_)) => self.account(sa),
            (None, Target::Va(va), Some(d)) => match d.account_of(va) {
                Some(sa) => self.account(sa),
                None => "the smart account".to_owned(),
            },
            (None, _, None) => "the smart account".to_owned(),
        }
    }

    fn via(self, via: &Via, target: Target) -> String {
        // An account role is inherited by every Virtual Account: saying so adds nothing.
        let inherited = if via.inherited && via.bound_to.is_some() {
            ", inherited"
        } else {
            ""
        };
        format!(
            "{} on {}{inherited}",
            via.role,
            self.bound(via.bound_to, target)
        )
    }

    fn near(self, near: &NearMiss, target: Target) -> String {
        let role = near.role;
        let bound = self.bound(near.bound_to, target);
        let there = self.target(target);
        match near.why {
            Shortfall::AccountOnly => {
                format!("{role} on {bound} (account only), which does not reach {there}")
            }
            Shortfall::Elsewhere => {
                let scope = match near.inheritance {
                    Inheritance::AccountOnly => " (account only)",
                    Inheritance::AccountAndChildren => "",
                };
                format!("{role} on {bound}{scope}, which does not reach {there}")
            }
            Shortfall::Expired { on } => {
                format!("{role} on {bound}, which would reach {there} but expired on {on}")
            }
            Shortfall::Dated { expires } => format!(
                "{role} on {bound}, which would reach {there} but expires on {expires} and counts only in a dated check"
            ),
        }
    }
}

/// Writes `d` as a sentence, naming entities with `names`.
fn tell(d: &Decision, names: Names<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (user, action, target) = (names.user(d.user), d.action, d.target);
    let there = names.target(d.target);
    match &d.reason {
        Reason::Granted(via) => {
            let via = names.via(via, target);
            write!(f, "allowed: {user} may {action} on {there} as {via}")
        }
        Reason::NotGranted {
            held: Some(held),
            would_grant,
            near,
        } => {
            let held = names.via(held, target);
            write!(
                f,
                "denied: {user} holds {held}, which does not allow to {action} on {there}; {would_grant} would"
            )?;
            match near {
                Some(near) => write!(f, "; {user} also holds {}", names.near(near, target)),
                None => Ok(()),
            }
        }
        Reason::NotGranted {
            held: None,
            would_grant,
            near,
        } => match near {
            Some(near) => {
                let place = match target {
                    Target::Account(_) => "",
                    Target::Va(_) => " on it or above with children",
                };
                write!(
                    f,
                    "denied: {user} holds {}; to {action} there needs one of: {would_grant}{place}",
                    names.near(near, target)
                )
            }
            None => write!(
                f,
                "denied: {user} holds no role covering {there}; to {action} it needs one of: {would_grant}"
            ),
        },
        Reason::UnknownUser => write!(f, "denied: {user} is not a registered user"),
        Reason::UnknownTarget => write!(f, "denied: {there} does not exist"),
    }
}
