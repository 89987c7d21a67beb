//! Names instead of internal identifiers, both ways: people by email, accounts by their
//! identifier (domain or email), Virtual Accounts by their path (`acme.com/EMEA/EMEA-Sales`);
//! and the reverse, turning what a person types into the entity.
//!
//! Accepted references: a user by email, Cisco.com login or `user:N`; an account by domain,
//! email (Limited Use), exact name when no other account has it, or `sa:N`; a target is an
//! account, or an account, `/` and a Virtual Account path or name, or `va:N`.

use smart_accounts::{Action, Directory, OrgId, SaId, SmartAccount, Target, UserId, VaId, clip};

use crate::out::{Fail, Result, quoted};

/// How a user is shown: their email.
pub(crate) fn user(dir: &Directory, id: UserId) -> String {
    dir.user(id)
        .map_or_else(|| id.to_string(), |u| u.email.to_string())
}

/// How an account is shown: its identifier (a domain, or an email for Limited Use).
pub(crate) fn account(dir: &Directory, id: SaId) -> String {
    dir.account(id)
        .map_or_else(|| id.to_string(), |a| a.identifier().to_string())
}

/// How a Virtual Account is shown: its account and its path from the top,
/// `acme.com/EMEA/EMEA-Sales`.
pub(crate) fn va(dir: &Directory, id: VaId) -> String {
    dir.va_path(id).unwrap_or_else(|| id.to_string())
}

/// How an organization is shown: its name.
pub(crate) fn org(dir: &Directory, id: OrgId) -> String {
    dir.organization(id)
        .map_or_else(|| id.to_string(), |o| o.name.clone())
}

/// How a target is shown.
pub(crate) fn target(dir: &Directory, target: Target) -> String {
    match target {
        Target::Account(sa) => account(dir, sa),
        Target::Va(v) => va(dir, v),
    }
}

/// Replaces the identifiers the crate's messages print in backticks (`` `user:5` ``,
/// `` `va:3` ``, `` `sa:1` ``, `` `org:2` ``) with names.
pub(crate) fn humanize(dir: &Directory, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, piece) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1
            && let Some(name) = name_of_id(dir, piece)
        {
            out.push_str(&name);
        } else {
            out.push_str(piece);
        }
    }
    out
}

/// The name of `kind:N`, if that is what `text` is.
fn name_of_id(dir: &Directory, text: &str) -> Option<String> {
    let (kind, number) = text.split_once(':')?;
    let number: u32 = number.parse().ok()?;
    match kind {
        "user" => Some(user(dir, UserId::new(number))),
        "sa" => Some(account(dir, SaId::new(number))),
        "va" => Some(va(dir, VaId::new(number))),
        "org" => Some(org(dir, OrgId::new(number))),
        _ => None,
    }
}

/// The number of `prefix:N`, if `text` is that.
fn numbered(text: &str, prefix: &str) -> Option<u32> {
    text.strip_prefix(prefix)?.strip_prefix(':')?.parse().ok()
}

/// Finds a user by email, Cisco.com login or `user:N`.
///
/// # Errors
///
/// No such user (SA004: users are identified by their email), naming what was given.
pub(crate) fn find_user(dir: &Directory, text: &str) -> Result<UserId> {
    let found = match numbered(text, "user") {
        Some(n) => dir.user(UserId::new(n)).map(|u| u.id),
        None => dir
            .user_by_email(text)
            .or_else(|| dir.user_by_cco_id(text))
            .map(|u| u.id),
    };
    found.ok_or_else(|| {
        Fail::new(format!(
            "SA004: no user has the email or Cisco.com login {}",
            quoted(text)
        ))
    })
}

/// Finds an account by domain, email, unique name or `sa:N`.
///
/// # Errors
///
/// No such account, or a name two accounts share (SA003), naming what was given.
pub(crate) fn find_account<'d>(dir: &'d Directory, text: &str) -> Result<&'d SmartAccount> {
    if let Some(n) = numbered(text, "sa") {
        return dir.account(SaId::new(n)).ok_or_else(|| no_account(text));
    }
    if let Some(a) = dir
        .account_by_domain(text)
        .or_else(|| dir.account_by_email(text))
    {
        return Ok(a);
    }
    let mut named = dir
        .accounts()
        .filter(|a| a.name().eq_ignore_ascii_case(text));
    match (named.next(), named.next()) {
        (Some(a), None) => Ok(a),
        (Some(a), Some(b)) => Err(Fail::new(format!(
            "SA003: two accounts are named {} ({} and {}); name the account by its domain",
            quoted(text),
            a.identifier(),
            b.identifier()
        ))),
        (None, _) => Err(no_account(text)),
    }
}

fn no_account(text: &str) -> Fail {
    Fail::new(format!(
        "SA003: no smart account has the domain, email or name {}",
        quoted(text)
    ))
}

/// Finds a target: `ACCOUNT`, `ACCOUNT/VA-PATH`, `ACCOUNT/VA-NAME`, `sa:N` or `va:N`.
///
/// # Errors
///
/// No such account or Virtual Account (VA003: names are unique within an account).
pub(crate) fn find_target(dir: &Directory, text: &str) -> Result<Target> {
    if let Some(n) = numbered(text, "va") {
        let id = VaId::new(n);
        return match dir.va(id) {
            Some(_) => Ok(Target::Va(id)),
            None => Err(Fail::new(format!(
                "VA003: no virtual account {}",
                quoted(text)
            ))),
        };
    }
    let Some((account_ref, path)) = text.split_once('/') else {
        return Ok(Target::Account(find_account(dir, text)?.id()));
    };
    let sa = find_account(dir, account_ref)?;
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Ok(Target::Account(sa.id()));
    }
    // A name first (names are unique in an account, and may hold a `/`), then a path whose last
    // segment names the Virtual Account and whose whole must match its path.
    if let Some(v) = sa.va_by_name(path) {
        return Ok(Target::Va(v.id()));
    }
    let last = path.rsplit('/').next().unwrap_or(path);
    if let Some(v) = sa.va_by_name(last) {
        let full = va(dir, v.id());
        let wanted = format!("{}/{path}", sa.identifier());
        if full.eq_ignore_ascii_case(&wanted) {
            return Ok(Target::Va(v.id()));
        }
        return Err(Fail::new(format!(
            "VA003: {} is at {}, not at {}",
            quoted(last),
            quoted(&full),
            quoted(&wanted)
        )));
    }
    Err(Fail::new(format!(
        "VA003: smart account `{}` has no virtual account {}",
        clip(&sa.identifier().to_string()),
        quoted(path)
    )))
}

/// The action of a name: `manage_licenses`, `manage-licenses` or `ManageLicenses`.
///
/// # Errors
///
/// An unknown action (ROLE005: the permission matrix), listing the known ones.
pub(crate) fn parse_action(text: &str) -> Result<Action> {
    let wanted: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Action::ALL
        .into_iter()
        .find(|a| action_name(*a).replace('_', "") == wanted)
        .ok_or_else(|| {
            let names: Vec<String> = Action::ALL.into_iter().map(action_name).collect();
            Fail::new(format!(
                "ROLE005: unknown action {}; the actions are: {}",
                quoted(text),
                names.join(", ")
            ))
        })
}

/// The JSON name of an action, e.g. `manage_licenses` (as the core crate's serde writes it).
pub(crate) fn action_name(action: Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| action.to_string())
}
