//! The queries the CLI and the HTTP API share, answered with names: permission checks with
//! their explanation (ROLE009), who may do an action (ROLE010), and the advisor (BP).

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::Serialize;
use smart_accounts::advisor::{Advice, AdvisorConfig, Scope, Subject, advise};
use smart_accounts::{Action, Decision, Directory, Reason, Role, Target, UserId, Via};

use crate::names;

/// A role's JSON name, e.g. `va_user`.
fn role_name(role: Role) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| role.to_string())
}

/// A role binding, with names.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NamedVia {
    /// The role, e.g. `va_user`.
    pub(crate) role: String,
    /// The account (its identifier) or the Virtual Account (its path) it is bound to.
    pub(crate) bound_to: String,
    /// Whether the target inherits it from the account or an ancestor.
    pub(crate) inherited: bool,
    /// As a sentence: `VA User on acme.com/EMEA, inherited`.
    pub(crate) text: String,
}

impl NamedVia {
    fn new(dir: &Directory, target: Target, via: Via) -> NamedVia {
        let bound_to = match via.bound_to {
            Some(va) => names::va(dir, va),
            None => match target {
                Target::Account(sa) => names::account(dir, sa),
                Target::Va(va) => dir
                    .account_of(va)
                    .map_or_else(String::new, |sa| names::account(dir, sa)),
            },
        };
        NamedVia {
            role: role_name(via.role),
            text: names::humanize(dir, &via.to_string()),
            bound_to,
            inherited: via.inherited,
        }
    }
}

/// A permission check's answer, with names.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NamedDecision {
    /// Whether the action is allowed.
    pub(crate) allowed: bool,
    /// The user (email).
    pub(crate) user: String,
    /// The action, e.g. `manage_licenses`.
    pub(crate) action: String,
    /// The target: an account identifier or a Virtual Account path.
    pub(crate) target: String,
    /// The binding that allows it, or the closest one held when denied.
    pub(crate) via: Option<NamedVia>,
    /// When denied: the roles that would allow it.
    pub(crate) would_grant: Vec<String>,
    /// The explanation, one sentence with names.
    pub(crate) explanation: String,
}

/// Checks `user` for `action` on `target`, as of `on` when given (grants that expire count
/// then, PTR005), and explains it with names.
pub(crate) fn check(
    dir: &Directory,
    user: UserId,
    action: Action,
    target: Target,
    on: Option<Date>,
) -> NamedDecision {
    let decision: Decision = match on {
        Some(day) => dir.check_on(user, action, target, day),
        None => dir.check(user, action, target),
    };
    let (via, would_grant) = match decision.reason {
        Reason::Granted(via) => (Some(NamedVia::new(dir, target, via)), Vec::new()),
        Reason::NotGranted {
            held, would_grant, ..
        } => (
            held.map(|v| NamedVia::new(dir, target, v)),
            would_grant.iter().map(role_name).collect(),
        ),
        _ => (None, Vec::new()),
    };
    NamedDecision {
        allowed: decision.is_allowed(),
        user: names::user(dir, user),
        action: names::action_name(action),
        target: names::target(dir, target),
        via,
        would_grant,
        explanation: decision.display_with(dir).to_string(),
    }
}

/// The users allowed `action` on `target` (as of `on` when given), with the binding that
/// allows it, by email.
pub(crate) fn who_can(
    dir: &Directory,
    action: Action,
    target: Target,
    on: Option<Date>,
) -> Vec<NamedDecision> {
    let mut candidates: BTreeSet<UserId> = BTreeSet::new();
    let sa = match target {
        Target::Account(sa) => Some(sa),
        Target::Va(va) => {
            candidates.extend(dir.holders(va).into_iter().map(|h| h.user));
            dir.account_of(va)
        }
    };
    if let Some(account) = sa.and_then(|sa| dir.account(sa)) {
        candidates.extend(account.roles().map(|b| b.user));
    }
    let mut allowed: Vec<NamedDecision> = candidates
        .into_iter()
        .map(|user| check(dir, user, action, target, on))
        .filter(|d| d.allowed)
        .collect();
    allowed.sort_by(|a, b| a.user.cmp(&b.user));
    allowed
}

/// A piece of advice, with names.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NamedAdvice {
    /// The rule, e.g. `BP009`.
    pub(crate) rule: String,
    /// `info`, `warning` or `critical`.
    pub(crate) severity: String,
    /// The account it is about, by identifier, if any.
    pub(crate) account: Option<String>,
    /// What it is about, by name.
    pub(crate) subject: String,
    /// The finding, with names.
    pub(crate) message: String,
    /// The suggested fix, with names.
    pub(crate) fix: String,
}

/// The advisor over one account or the whole directory, with names.
pub(crate) fn advice(dir: &Directory, scope: Scope, on: Date) -> Vec<NamedAdvice> {
    advise(dir, scope, on, &AdvisorConfig::default())
        .into_iter()
        .map(|a: Advice| NamedAdvice {
            rule: a.rule.to_string(),
            severity: a.severity.to_string(),
            account: a.account.map(|sa| names::account(dir, sa)),
            subject: match a.subject {
                Subject::Account(sa) => names::account(dir, sa),
                Subject::Va(va) => names::va(dir, va),
                Subject::User(user) => names::user(dir, user),
                Subject::Organization(org) => names::org(dir, org),
            },
            message: names::humanize(dir, &a.message),
            fix: names::humanize(dir, &a.fix),
        })
        .collect()
}
