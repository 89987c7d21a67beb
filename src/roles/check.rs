//! Permission checks with explanations (ROLE009) and reverse queries (ROLE010).

use std::fmt;

use jiff::civil::Date;

use crate::base::error::Error;
use crate::base::ids::{SaId, UserId, VaId};
use crate::directory::{Directory, Grant, GrantList, VaSlot};
use crate::roles::matrix::{Action, ActionSet, Actor, Inheritance, Role, RoleSet, Target};
use crate::rules::RuleId;

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Effect {
    /// The action is allowed.
    Allow,
    /// The action is denied.
    Deny,
}

/// The role binding through which a user holds a role on a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Via {
    /// The role held.
    pub role: Role,
    /// The account it is bound to: `None` for the Smart Account itself, or the Virtual Account.
    pub bound_to: Option<VaId>,
    /// How far a Virtual Account binding reaches.
    pub inheritance: Inheritance,
    /// Whether the target inherits the role from the account or an ancestor Virtual Account
    /// rather than being bound itself.
    pub inherited: bool,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.bound_to {
            None => write!(f, "{} on the smart account", self.role),
            Some(va) if self.inherited => write!(f, "{} on `{va}`, inherited", self.role),
            Some(va) => write!(f, "{} on `{va}`", self.role),
        }
    }
}

/// Why a check came out as it did (ROLE009).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Reason {
    /// A binding allows it: the one closest to the target (a binding on the target itself, then
    /// the nearest ancestor, then the Smart Account role).
    Granted(Via),
    /// No binding allows it.
    NotGranted {
        /// The closest binding the user holds on the target, if any: it reaches the target but
        /// its role lacks the action.
        held: Option<Via>,
        /// The roles that would allow it.
        would_grant: RoleSet,
        /// The user's nearest binding on the same Smart Account that does not reach the target,
        /// with why (see [`NearMiss`]), if any.
        near: Option<NearMiss>,
    },
    /// The user is not registered.
    UnknownUser,
    /// The target does not exist.
    UnknownTarget,
}

/// A binding of the user on the target's Smart Account that does not reach the target, named
/// by a denial (ROLE009): the nearest one, so the user learns which role they hold is short of
/// the target and why.
///
/// Which one is nearest: first a binding that would allow the action but is not counted for its
/// expiry ([`Shortfall::Expired`] in [`Directory::check_on`], [`Shortfall::Dated`] in
/// [`Directory::check`]), the closest to the target first and the account role last; then a
/// Virtual Account binding "account only" above the target ([`Shortfall::AccountOnly`]), the
/// closest first; then a Virtual Account binding elsewhere in the tree ([`Shortfall::Elsewhere`]),
/// the fewest steps through the tree away first. Ties go to the smaller Virtual Account
/// identifier. A binding that reaches the target but lacks the action is not a near miss: it is
/// [`Reason::NotGranted::held`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct NearMiss {
    /// The role held.
    pub role: Role,
    /// The Virtual Account it is bound to, or `None` for the Smart Account itself.
    pub bound_to: Option<VaId>,
    /// How far it reaches.
    pub inheritance: Inheritance,
    /// Why it does not reach the target.
    pub why: Shortfall,
}

/// Why a binding does not reach a target (ROLE009, [`NearMiss`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Shortfall {
    /// A Virtual Account binding "account only" on an ancestor of the target: it covers its own
    /// Virtual Account, not the ones below (ROLE004).
    AccountOnly,
    /// A Virtual Account binding on another branch of the tree: neither the target nor above it
    /// (for a Smart Account target: any Virtual Account binding, since account-level actions
    /// need an account role).
    Elsewhere,
    /// In a dated check ([`Directory::check_on`]): a binding that would allow the action there,
    /// but allows nothing from `on`, its expiry date, on or before the day asked about (PTR005).
    Expired {
        /// The first day it allowed nothing.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        on: Date,
    },
    /// In an undated check ([`Directory::check`]): a binding that would allow the action there
    /// but carries an expiry date, which only the dated checks count.
    Dated {
        /// The first day it allows nothing.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        expires: Date,
    },
}

/// The answer of [`Directory::check`]: allow or deny, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Decision {
    /// Who.
    pub user: UserId,
    /// What.
    pub action: Action,
    /// Where.
    pub target: Target,
    /// Allow or deny.
    pub effect: Effect,
    /// Why.
    pub reason: Reason,
}

impl Decision {
    /// Whether the action is allowed.
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.effect == Effect::Allow
    }
}

/// A user who holds a role on a Virtual Account, directly or inherited (ROLE010).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Holder {
    /// The user.
    pub user: UserId,
    /// The binding through which they hold it.
    pub via: Via,
    /// The first day the binding allows nothing, when it carries an expiry (PTR005): only the
    /// dated checks count it, and only before that day.
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

impl Grant {
    /// The binding as seen from the Virtual Account of `slot`, which it reaches.
    #[inline]
    fn via(&self, slot: &VaSlot) -> Via {
        Via {
            role: self.role,
            bound_to: self.va,
            inheritance: if self.children {
                Inheritance::AccountAndChildren
            } else {
                Inheritance::AccountOnly
            },
            inherited: self.va.is_none() || self.level != slot.level,
        }
    }

    /// The binding as seen from a Virtual Account, when it covers it (ROLE004), with the
    /// level it is bound at (0 for the account). Coverage does not depend on the action;
    /// whether the role allows an action there is [`Grant::allows`].
    #[inline]
    fn covers_va(&self, slot: &VaSlot) -> Option<(Via, u8)> {
        self.reaches(slot).then(|| (self.via(slot), self.level))
    }

    /// Whether the role allows `action` on a target the binding covers: account-level actions
    /// only through an account role.
    #[inline]
    fn allows(&self, action: Action) -> bool {
        self.role.actions().contains(action) && (self.va.is_none() || !action.is_account_level())
    }

    /// The binding as a near miss (ROLE009).
    fn near(&self, why: Shortfall) -> NearMiss {
        NearMiss {
            role: self.role,
            bound_to: self.va,
            inheritance: if self.children {
                Inheritance::AccountAndChildren
            } else {
                Inheritance::AccountOnly
            },
            why,
        }
    }

    fn covers_account(&self, sa: SaId) -> Option<Via> {
        (self.sa == sa && self.va.is_none()).then_some(Via {
            role: self.role,
            bound_to: None,
            inheritance: Inheritance::AccountAndChildren,
            inherited: false,
        })
    }
}

impl Directory {
    /// Whether `user` may perform `action` on `target`: the fast path of [`Directory::check`],
    /// without the explanation. Unknown users and targets are denied.
    ///
    /// Bindings that carry an expiry date (PTR005) are **not** counted: without a date nobody
    /// can say they have not expired. Use [`Directory::is_allowed_on`] to count them.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{Action, Target, fixtures};
    ///
    /// let world = fixtures::world()?;
    /// let (dir, acme) = (&world.dir, &world.acme);
    /// assert!(dir.is_allowed(acme.erin, Action::ManageChildVas, Target::Va(acme.emea_sales)));
    /// assert!(!dir.is_allowed(acme.carol, Action::ManageLicenses, Target::Va(acme.emea)));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn is_allowed(&self, user: UserId, action: Action, target: Target) -> bool {
        // Unless identifiers were loaded far above the others, every entry of the index is in
        // its dense part: one test here keeps the body free of any fallback (measured: a
        // fallback on each look-up cost a fifth of the check's time).
        if self.is_dense() {
            self.allowed_flat(user, action, target)
        } else {
            cold(|| self.allowed_by::<false>(user, action, target))
        }
    }

    /// The body of [`Directory::is_allowed`]; with `DENSE`, it looks only at the dense part of
    /// the index.
    #[inline(always)]
    fn allowed_by<const DENSE: bool>(&self, user: UserId, action: Action, target: Target) -> bool {
        let Some(grants) = self.grants.lookup::<DENSE>(user.get()) else {
            return false;
        };
        allowed_in(grants, action, target, |va| {
            self.slots.lookup::<DENSE>(va.get())
        })
    }

    /// [`Directory::is_allowed`] for many questions at once: the answers, in the order of
    /// `queries`, are exactly the single answers. On a directory too large for the processor's
    /// caches it costs less per question: it looks up the roles of the users and the Virtual
    /// Accounts of a group of questions first, reads that do not depend on each other and that
    /// the processor overlaps, and only then answers them, where one question at a time waits
    /// for each read in turn.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{fixtures, Action, Target};
    ///
    /// let w = fixtures::world()?;
    /// let questions = [
    ///     (w.acme.alice, Action::ManageLicenses, Target::Va(w.acme.emea)),
    ///     (w.acme.carol, Action::ManageLicenses, Target::Va(w.acme.emea)),
    /// ];
    /// let answers = w.dir.is_allowed_many(&questions);
    /// for ((user, action, target), answer) in questions.into_iter().zip(answers) {
    ///     assert_eq!(answer, w.dir.is_allowed(user, action, target));
    /// }
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_allowed_many(&self, queries: &[(UserId, Action, Target)]) -> Vec<bool> {
        if !self.is_dense() {
            return queries
                .iter()
                .map(|&(u, a, t)| self.is_allowed(u, a, t))
                .collect();
        }
        let mut answers = vec![false; queries.len()];
        for (answer, &(user, action, target)) in answers.iter_mut().zip(queries) {
            *answer = self.allowed_flat(user, action, target);
        }
        answers
    }

    /// One question of [`Directory::is_allowed_many`] on a dense index: for the usual user with
    /// one role and a Virtual Account, an answer without a branch that depends on the data, so
    /// the processor runs ahead into the next questions and overlaps their reads; the other
    /// questions take the path of [`Directory::is_allowed`].
    #[inline(always)]
    fn allowed_flat(&self, user: UserId, action: Action, target: Target) -> bool {
        let list = self
            .grants
            .lookup::<true>(user.get())
            .unwrap_or(self.grants.vacant());
        let (single, g) = list.only();
        let Target::Va(va) = target else {
            return self.allowed_by::<true>(user, action, target);
        };
        if !single {
            return self.allowed_by::<true>(user, action, target);
        }
        let slot = self
            .slots
            .lookup::<true>(va.get())
            .unwrap_or(&VaSlot::VACANT);
        let may = (g.role.actions().bits() & action.bit() != 0)
            & ((g.level == 0) | !action.is_account_level());
        may & g.reaches(slot) & (slot.level > 0)
    }

    /// Whether `user` may perform `action` on `target` on the day `date`: as
    /// [`Directory::is_allowed`], and bindings with an expiry count when `date` is before their
    /// expiry. From its expiry date on, a binding allows nothing (PTR005).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{Action, Actor, Command, Target, fixtures};
    ///
    /// let mut world = fixtures::world()?;
    /// let (acme, nina) = (world.acme, world.partner.nina);
    /// let target = Target::Va(acme.americas);
    /// world.dir.execute(&Actor::User(acme.alice), world.at, Command::SetRoleExpiry {
    ///     user: nina,
    ///     target,
    ///     expires: Some("2026-06-30".parse()?),
    /// })?;
    /// let act = Action::ManageLicenses;
    /// assert!(world.dir.is_allowed_on(nina, act, target, "2026-06-29".parse()?));
    /// assert!(!world.dir.is_allowed_on(nina, act, target, "2026-06-30".parse()?));
    /// // Without a date, a binding that expires is not counted.
    /// assert!(!world.dir.is_allowed(nina, act, target));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_allowed_on(&self, user: UserId, action: Action, target: Target, date: Date) -> bool {
        if self.is_allowed(user, action, target) {
            return true;
        }
        self.dated
            .get(user.get())
            .as_slice()
            .iter()
            .any(|(g, end)| {
                date < *end
                    && match target {
                        Target::Va(va) => {
                            g.allows(action) && self.slot(va).is_some_and(|s| g.reaches(s))
                        }
                        Target::Account(sa) => {
                            g.sa == sa && g.va.is_none() && g.role.actions().contains(action)
                        }
                    }
            })
    }

    /// Checks a permission and explains the answer (ROLE009): the binding that allowed it and
    /// where it was inherited from, or, on a deny, the closest binding held and the roles that
    /// would allow it.
    ///
    /// Like [`Directory::is_allowed`], it does not count bindings that carry an expiry date;
    /// [`Directory::check_on`] does.
    #[must_use]
    pub fn check(&self, user: UserId, action: Action, target: Target) -> Decision {
        // As in `is_allowed`: without outliers, the body looks only at the dense index.
        if self.is_dense() {
            self.check_in::<true>(user, action, target)
        } else {
            cold(|| self.check_in::<false>(user, action, target))
        }
    }

    /// Whether every entry of the check index lies in its dense part (the usual case).
    #[inline(always)]
    fn is_dense(&self) -> bool {
        !(self.grants.has_outliers() | self.slots.has_outliers())
    }

    /// The body of [`Directory::check`]; with `DENSE`, it looks only at the dense part of the
    /// index.
    #[inline(always)]
    fn check_in<const DENSE: bool>(
        &self,
        user: UserId,
        action: Action,
        target: Target,
    ) -> Decision {
        // Roles are only ever bound to registered users, so a user holding one is known
        // without a look-up in the user table.
        let grants = match self.grants.lookup::<DENSE>(user.get()) {
            Some(grants) if !grants.is_empty() => Some(grants),
            // A registered user without roles, whether or not the table has an entry.
            _ => cold(|| self.users.contains_key(&user)).then(|| self.grants.vacant()),
        };
        match grants {
            Some(grants) => self.check_grants::<DENSE>(user, action, target, grants),
            None => Decision {
                user,
                action,
                target,
                effect: Effect::Deny,
                reason: Reason::UnknownUser,
            },
        }
    }

    /// Checks a permission on the day `date` and explains the answer: as [`Directory::check`],
    /// and bindings with an expiry count when `date` is before their expiry (PTR005). A denial
    /// names a binding that would have allowed it until it expired ([`Shortfall::Expired`]).
    #[must_use]
    pub fn check_on(&self, user: UserId, action: Action, target: Target, date: Date) -> Decision {
        let in_force: Vec<Grant> = self
            .dated
            .get(user.get())
            .as_slice()
            .iter()
            .filter(|(_, end)| date < *end)
            .map(|(g, _)| *g)
            .collect();
        let mut all;
        let (mut decision, grants) = if in_force.is_empty() {
            let grants = self.grants.get(user.get());
            (self.check(user, action, target), grants)
        } else {
            all = self.grants.get(user.get()).clone();
            for g in in_force {
                all.set(g.sa, g.va, Some(g));
            }
            (self.check_grants::<false>(user, action, target, &all), &all)
        };
        if let Reason::NotGranted { near, .. } = &mut decision.reason {
            let slot = match target {
                Target::Va(va) => self.slot(va),
                Target::Account(_) => None,
            };
            *near = self.near_miss(user, action, (target, slot), grants, Some(date));
        }
        decision
    }

    /// The explained check over one user's grants (inlined: `check` must stay as fast as the
    /// body it was before `check_on` shared it).
    #[inline(always)]
    fn check_grants<const DENSE: bool>(
        &self,
        user: UserId,
        action: Action,
        target: Target,
        grants: &GrantList,
    ) -> Decision {
        let decide = |effect, reason| Decision {
            user,
            action,
            target,
            effect,
            reason,
        };
        let (best_allow, best_held, slot) = match target {
            Target::Va(va) => {
                let Some(slot) = self.slots.lookup::<DENSE>(va.get()).filter(|s| s.level > 0)
                else {
                    return decide(Effect::Deny, Reason::UnknownTarget);
                };
                let (allow, held) = closest_on_va(grants, slot, action);
                (allow, held, Some(slot))
            }
            Target::Account(sa) => {
                if self.account(sa).is_none() {
                    return decide(Effect::Deny, Reason::UnknownTarget);
                }
                let (allow, held) = closest_on_account(grants, sa, action);
                (allow, held, None)
            }
        };
        match best_allow {
            Some(via) => decide(Effect::Allow, Reason::Granted(via)),
            None => decide(
                Effect::Deny,
                Reason::NotGranted {
                    held: best_held,
                    would_grant: Role::granting(action),
                    near: self.near_of(user, action, (target, slot), grants, best_held.is_some()),
                },
            ),
        }
    }

    /// The near miss of an undated denial: for the usual single role, with no binding with an
    /// expiry anywhere, worked out here from what the check found (`held`: the role reaches the
    /// target), else by [`Directory::near_miss`].
    #[inline(always)]
    fn near_of(
        &self,
        user: UserId,
        action: Action,
        (target, slot): (Target, Option<&VaSlot>),
        grants: &GrantList,
        held: bool,
    ) -> Option<NearMiss> {
        match (grants.single(), slot) {
            (Some(grant), Some(slot)) if self.dated.is_empty() => (!held && grant.sa == slot.sa)
                .then(|| lone_near_miss(grant, Some(slot)))
                .flatten(),
            _ => self.near_miss(user, action, (target, slot), grants, None),
        }
    }

    /// The nearest binding of `user` on the target's account that does not reach `target`
    /// (ROLE009; the order is [`NearMiss`]'s). `grants` are the bindings the check counted;
    /// the ones with an expiry it did not count are `Expired` when `date` is given (a dated
    /// check), else `Dated`, and named only when they would allow `action` on `target`.
    /// `slot` is the target's, when it is a Virtual Account (the check has read it already).
    #[inline(never)]
    fn near_miss(
        &self,
        user: UserId,
        action: Action,
        (target, slot): (Target, Option<&VaSlot>),
        grants: &GrantList,
        date: Option<Date>,
    ) -> Option<NearMiss> {
        if matches!(target, Target::Va(_)) && slot.is_none() {
            return None;
        }
        let sa = slot.map_or(target_account(target), |s| Some(s.sa))?;
        if let Some(grant) = grants.single().filter(|_| self.dated.is_empty()) {
            // The usual case: one role and no binding with an expiry anywhere, so nothing to
            // rank: the role is the near miss when it is on the account and does not reach.
            return (grant.sa == sa)
                .then(|| lone_near_miss(grant, slot))
                .flatten();
        }
        let mut best: Option<(NearKey, NearMiss)> = None;
        let mut offer = |key, grant: &Grant, why| {
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                best = Some((key, grant.near(why)));
            }
        };
        for (grant, end) in self.dated.get(user.get()).as_slice() {
            let (counted, why) = match date {
                Some(day) => (day < *end, Shortfall::Expired { on: *end }),
                None => (false, Shortfall::Dated { expires: *end }),
            };
            if counted || grant.sa != sa || !would_allow(grant, action, target, slot) {
                continue;
            }
            let distance = match (slot, grant.va) {
                (Some(s), Some(_)) => s.level.saturating_sub(grant.level),
                (Some(_), None) => u8::MAX,
                (None, _) => 0,
            };
            offer((0, distance, grant.va), grant, why);
        }
        for grant in grants.iter().filter(|g| g.sa == sa) {
            let Some(bound) = grant.va else {
                continue;
            };
            let Some(slot) = slot else {
                offer((2, grant.level, grant.va), grant, Shortfall::Elsewhere);
                continue;
            };
            if grant.reaches(slot) {
                continue;
            }
            if bound_above(grant, bound, slot) {
                let distance = slot.level.saturating_sub(grant.level);
                offer((1, distance, grant.va), grant, Shortfall::AccountOnly);
            } else {
                let distance = self.slot(bound).map_or(u8::MAX, |b| steps_between(slot, b));
                offer((2, distance, grant.va), grant, Shortfall::Elsewhere);
            }
        }
        best.map(|(_, near)| near)
    }

    /// Every action `user` may perform on `target` (ROLE010). Bindings with an expiry date are
    /// not counted, as in [`Directory::is_allowed`]; [`Directory::actions_of_on`] counts them.
    #[must_use]
    pub fn actions_of(&self, user: UserId, target: Target) -> ActionSet {
        self.actions_in(self.grants.get(user.get()).iter(), target)
    }

    /// Every action `user` may perform on `target` on the day `date` (ROLE010): as
    /// [`Directory::actions_of`], and bindings with an expiry count before their expiry, so an
    /// action is in the set exactly when [`Directory::is_allowed_on`] allows it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{Action, Actor, Command, Target, fixtures};
    ///
    /// let mut world = fixtures::world()?;
    /// let (acme, nina) = (world.acme, world.partner.nina);
    /// let target = Target::Va(acme.americas);
    /// world.dir.execute(&Actor::User(acme.alice), world.at, Command::SetRoleExpiry {
    ///     user: nina,
    ///     target,
    ///     expires: Some("2026-06-30".parse()?),
    /// })?;
    /// let before = world.dir.actions_of_on(nina, target, "2026-06-29".parse()?);
    /// assert!(before.contains(Action::ManageLicenses));
    /// assert!(world.dir.actions_of_on(nina, target, "2026-06-30".parse()?).is_empty());
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn actions_of_on(&self, user: UserId, target: Target, date: Date) -> ActionSet {
        self.actions_in(self.grants_on(user, date), target)
    }

    /// The grants of `user` counted on the day `date`: those without an expiry, and those
    /// whose expiry is after `date` (PTR005).
    fn grants_on(&self, user: UserId, date: Date) -> impl Iterator<Item = &Grant> {
        let dated = self.dated.get(user.get()).as_slice().iter();
        self.grants
            .get(user.get())
            .iter()
            .chain(dated.filter(move |(_, end)| date < *end).map(|(g, _)| g))
    }

    /// The actions `grants` allow on `target`.
    fn actions_in<'g>(&self, grants: impl Iterator<Item = &'g Grant>, target: Target) -> ActionSet {
        let mut set = ActionSet::EMPTY;
        let slot = match target {
            Target::Va(va) => match self.slot(va) {
                Some(slot) => Some(slot),
                None => return ActionSet::EMPTY,
            },
            Target::Account(_) => None,
        };
        for grant in grants {
            let actions = grant.role.actions();
            match (target, slot) {
                (Target::Va(_), Some(slot)) if grant.reaches(slot) => {
                    set = set.union(if grant.va.is_some() {
                        actions
                            .iter()
                            .filter(|a| !a.is_account_level())
                            .fold(ActionSet::EMPTY, ActionSet::with)
                    } else {
                        actions
                    });
                }
                (Target::Account(sa), _) if grant.covers_account(sa).is_some() => {
                    set = set.union(actions);
                }
                _ => {}
            }
        }
        set
    }

    /// Every Smart Account and Virtual Account on which `user` may perform `action` (ROLE010):
    /// complete, sorted, without duplicates. A Smart Account appears as [`Target::Account`]
    /// when an account role allows the action there; its Virtual Accounts follow for actions
    /// that are not account-level. Bindings with an expiry date are not counted, as in
    /// [`Directory::is_allowed`]; [`Directory::targets_of_on`] counts them.
    #[must_use]
    pub fn targets_of(&self, user: UserId, action: Action) -> Vec<Target> {
        self.targets_in(self.grants.get(user.get()).iter(), action)
    }

    /// Every Smart Account and Virtual Account on which `user` may perform `action` on the day
    /// `date` (ROLE010): as [`Directory::targets_of`], and bindings with an expiry count before
    /// their expiry, so a target is listed exactly when [`Directory::is_allowed_on`] allows
    /// the action there.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{Action, Actor, Command, Target, fixtures};
    ///
    /// let mut world = fixtures::world()?;
    /// let (acme, nina) = (world.acme, world.partner.nina);
    /// let target = Target::Va(acme.americas);
    /// world.dir.execute(&Actor::User(acme.alice), world.at, Command::SetRoleExpiry {
    ///     user: nina,
    ///     target,
    ///     expires: Some("2026-06-30".parse()?),
    /// })?;
    /// let act = Action::ManageLicenses;
    /// assert!(world.dir.targets_of_on(nina, act, "2026-06-29".parse()?).contains(&target));
    /// assert!(!world.dir.targets_of_on(nina, act, "2026-06-30".parse()?).contains(&target));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn targets_of_on(&self, user: UserId, action: Action, date: Date) -> Vec<Target> {
        self.targets_in(self.grants_on(user, date), action)
    }

    /// The targets on which `grants` allow `action`, sorted, without duplicates.
    fn targets_in<'g>(
        &self,
        grants: impl Iterator<Item = &'g Grant>,
        action: Action,
    ) -> Vec<Target> {
        let mut out = Vec::new();
        for grant in grants.filter(|g| g.role.actions().contains(action)) {
            let Some(account) = self.account(grant.sa) else {
                continue;
            };
            match grant.va {
                None => {
                    out.push(Target::Account(grant.sa));
                    if !action.is_account_level() {
                        out.extend(account.vas().map(|v| Target::Va(v.id())));
                    }
                }
                Some(_) if action.is_account_level() => {}
                Some(bound) if grant.children => {
                    out.extend(account.subtree(bound).into_iter().map(Target::Va))
                }
                Some(bound) => out.push(Target::Va(bound)),
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every user holding a role that covers `va`, directly or inherited, with the binding
    /// (ROLE010), sorted by user, then from the account down to the Virtual Account itself.
    /// Every binding is listed, including ones with an expiry, which say so
    /// ([`Holder::expires`]); [`Directory::holders_on`] lists the ones in force on a day.
    #[must_use]
    pub fn holders(&self, va: VaId) -> Vec<Holder> {
        self.holders_if(va, |_| true)
    }

    /// Every user holding a role that covers `va` on the day `date`, with the binding
    /// (ROLE010): as [`Directory::holders`], without the bindings that expired on or before
    /// `date`, so a user is listed exactly when [`Directory::is_allowed_on`] lets them view
    /// `va` (every role allows viewing where it reaches).
    #[must_use]
    pub fn holders_on(&self, va: VaId, date: Date) -> Vec<Holder> {
        self.holders_if(va, |b| b.expires.is_none_or(|end| date < end))
    }

    /// [`Directory::holders`], keeping the bindings `keep` accepts.
    fn holders_if(&self, va: VaId, keep: impl Fn(&crate::Binding) -> bool) -> Vec<Holder> {
        let Some(slot) = self.slot(va) else {
            return Vec::new();
        };
        let Some(account) = self.account(slot.sa) else {
            return Vec::new();
        };
        let mut out: Vec<(Holder, u8)> = account
            .roles()
            .filter(|b| keep(b))
            .filter_map(|b| {
                self.grant(slot.sa, b).covers_va(slot).map(|(via, level)| {
                    let holder = Holder {
                        user: b.user,
                        via,
                        expires: b.expires,
                    };
                    (holder, level)
                })
            })
            .collect();
        out.sort_by_key(|(h, level)| (h.user, *level, h.via));
        out.into_iter().map(|(h, _)| h).collect()
    }
}

impl Directory {
    pub(crate) fn require_user(
        &self,
        user: UserId,
        action: Action,
        target: Target,
    ) -> Result<(), Error> {
        self.require_user_on(user, action, target, None)
    }

    /// As `require_user`, counting bindings with an expiry when `on` is given.
    pub(crate) fn require_user_on(
        &self,
        user: UserId,
        action: Action,
        target: Target,
        on: Option<Date>,
    ) -> Result<(), Error> {
        let allowed = match on {
            None => self.is_allowed(user, action, target),
            Some(date) => self.is_allowed_on(user, action, target, date),
        };
        if allowed {
            Ok(())
        } else {
            Err(Error::Denied {
                rule: RuleId::ROLE005,
                user,
                action,
                target,
                would_grant: Role::granting(action),
            })
        }
    }

    pub(crate) fn require(
        &self,
        actor: &Actor,
        on: Date,
        action: Action,
        target: Target,
    ) -> Result<UserId, Error> {
        let user = self.acting_user(actor)?;
        self.require_user_on(user, action, target, Some(on))?;
        Ok(user)
    }
}

/// Whether `grants` allow `action` on `target`; `slot_of` finds a Virtual Account's slot and
/// is asked only when some grant allows the action somewhere (one cache line less for a third
/// of the denials).
#[inline(always)]
fn allowed_in<'a>(
    grants: &GrantList,
    action: Action,
    target: Target,
    slot_of: impl FnOnce(VaId) -> Option<&'a VaSlot>,
) -> bool {
    match target {
        Target::Va(va) => {
            let bit = action.bit();
            // Virtual Account roles (level 1 and below) never grant account-level actions.
            let max_level = if action.is_account_level() {
                0
            } else {
                u8::MAX
            };
            let may = |g: &Grant| (g.role.actions().bits() & bit != 0) & (g.level <= max_level);
            if !grants.any(may) {
                return false;
            }
            let Some(slot) = slot_of(va).filter(|s| s.level > 0) else {
                return false;
            };
            grants.any(|g| may(g) & g.reaches(slot))
        }
        Target::Account(sa) => grants
            .iter()
            .any(|g| g.sa == sa && g.va.is_none() && g.role.actions().contains(action)),
    }
}

/// The order of near misses (ROLE009): class (0 not counted for its expiry, 1 account only
/// above, 2 elsewhere), distance, the Virtual Account bound to; the smallest is the nearest.
type NearKey = (u8, u8, Option<VaId>);

/// The account of a Smart Account target.
fn target_account(target: Target) -> Option<SaId> {
    match target {
        Target::Account(sa) => Some(sa),
        Target::Va(_) => None,
    }
}

/// Whether `grant` would allow `action` on `target` if it were counted (`slot`: the target's,
/// for a Virtual Account).
fn would_allow(grant: &Grant, action: Action, target: Target, slot: Option<&VaSlot>) -> bool {
    match (target, slot) {
        (Target::Va(_), Some(slot)) => grant.allows(action) && grant.reaches(slot),
        (Target::Va(_), None) => false,
        (Target::Account(sa), _) => {
            grant.sa == sa && grant.va.is_none() && grant.role.actions().contains(action)
        }
    }
}

/// The near miss of a user's only role, on the target's account: `None` when it reaches the
/// target (or is an account role, which reaches everything there).
#[inline(always)]
fn lone_near_miss(grant: &Grant, slot: Option<&VaSlot>) -> Option<NearMiss> {
    let bound = grant.va?;
    let Some(slot) = slot else {
        return Some(grant.near(Shortfall::Elsewhere));
    };
    if grant.reaches(slot) {
        None
    } else if bound_above(grant, bound, slot) {
        Some(grant.near(Shortfall::AccountOnly))
    } else {
        Some(grant.near(Shortfall::Elsewhere))
    }
}

/// Whether `bound`, the Virtual Account `grant` is bound to, is the target of `slot` or above
/// it: one look at the path at the grant's level.
fn bound_above(grant: &Grant, bound: VaId, slot: &VaSlot) -> bool {
    grant.level <= slot.level && slot.path.get(usize::from(grant.level)) == Some(&bound)
}

/// How many steps through the tree lead from one Virtual Account to another of the same account:
/// up to their closest common ancestor and down again.
fn steps_between(a: &VaSlot, b: &VaSlot) -> u8 {
    let common = a
        .path
        .iter()
        .zip(&b.path)
        .skip(1)
        .take(usize::from(a.level.min(b.level)))
        .take_while(|(x, y)| x == y)
        .count();
    let common = u8::try_from(common).unwrap_or(u8::MAX);
    a.level
        .saturating_sub(common)
        .saturating_add(b.level.saturating_sub(common))
}

/// Runs `f` out of line: the rare path of a check, kept out of the hot body.
#[cold]
#[inline(never)]
fn cold<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// The closest grant that reaches the Virtual Account of `slot` and allows `action`, and the
/// closest that reaches it without allowing it (to explain a deny). The rank is the distance up
/// from the target; the account role ranks last. Allowing means the role has the action and,
/// for an account-level action, is an account role (level 0).
#[inline(always)]
fn closest_on_va(grants: &GrantList, slot: &VaSlot, action: Action) -> (Option<Via>, Option<Via>) {
    if let Some(grant) = grants.single() {
        // The usual single role: nothing to rank.
        if !grant.reaches(slot) {
            return (None, None);
        }
        let via = grant.via(slot);
        return if grant.allows(action) {
            (Some(via), None)
        } else {
            (None, Some(via))
        };
    }
    let mut allow: Option<(&Grant, u8)> = None;
    let mut held: Option<(&Grant, u8)> = None;
    for grant in grants {
        if !grant.reaches(slot) {
            continue;
        }
        let rank = if grant.level == 0 {
            u8::MAX
        } else {
            slot.level.saturating_sub(grant.level)
        };
        let best = if grant.allows(action) {
            &mut allow
        } else {
            &mut held
        };
        if best.is_none_or(|(_, r)| rank < r) {
            *best = Some((grant, rank));
        }
    }
    (
        allow.map(|(g, _)| g.via(slot)),
        held.map(|(g, _)| g.via(slot)),
    )
}

/// The grants of the account `sa` itself: one that allows `action` and one that does not.
#[inline(always)]
fn closest_on_account(grants: &GrantList, sa: SaId, action: Action) -> (Option<Via>, Option<Via>) {
    let (mut allow, mut held) = (None, None);
    for grant in grants {
        let Some(via) = grant.covers_account(sa) else {
            continue;
        };
        if grant.role.actions().contains(action) {
            allow = Some(via);
        } else {
            held = Some(via);
        }
    }
    (allow, held)
}
