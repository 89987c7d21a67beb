//! Who may call: bearer tokens mapped to actors by a tokens file.
//!
//! ```json
//! {"tokens": [
//!   {"token": "…at least 16 characters…", "actor": {"user": "alice@acme.com"}},
//!   {"token": "…", "actor": "fulfilment"},
//!   {"token": "…", "actor": {"vendor_support": {"case": "CASE-1234"}}}
//! ]}
//! ```
//!
//! Only SHA-256 digests of the tokens are kept; a presented token is hashed and compared with
//! every digest in constant time (no early exit, and the digest hides the length). Tokens never
//! appear in a message or a log line: errors about the file name the entry, not the value.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use smart_accounts::{Actor, Directory};
use subtle::ConstantTimeEq;

use crate::names;
use crate::out::{Fail, Result};

/// Shortest token accepted.
pub(crate) const MIN_TOKEN: usize = 16;

/// Who a token stands for, as the tokens file names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Principal {
    /// A user, by email or Cisco.com login (looked up on each request: they may be registered
    /// after the service started).
    User(String),
    /// The order fulfilment system.
    Fulfilment,
    /// Vendor support working on a case.
    VendorSupport {
        /// The case number, recorded on every event it writes.
        case: String,
    },
}

impl Principal {
    /// The actor, looked up in the directory.
    ///
    /// # Errors
    ///
    /// A user who is not registered (SA004), as a message naming them.
    pub(crate) fn actor(&self, dir: &Directory) -> Result<Actor> {
        match self {
            Principal::User(login) => Ok(Actor::User(names::find_user(dir, login)?)),
            Principal::Fulfilment => Ok(Actor::Fulfilment),
            Principal::VendorSupport { case } => Ok(Actor::VendorSupport { case: case.clone() }),
        }
    }

    /// For logs: the kind of actor and the user's login, never the token.
    pub(crate) fn label(&self) -> String {
        match self {
            Principal::User(login) => format!("user {login}"),
            Principal::Fulfilment => "fulfilment".to_owned(),
            Principal::VendorSupport { case } => format!("vendor support ({case})"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    tokens: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    token: String,
    actor: Principal,
}

/// The tokens of a service.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    entries: Vec<([u8; 32], Principal)>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    /// Reads a tokens file.
    ///
    /// # Errors
    ///
    /// A file that does not read, a token shorter than [`MIN_TOKEN`] or listed twice, naming
    /// the entry and never the token.
    pub(crate) fn load(path: &str) -> Result<Tokens> {
        let name = crate::json::source_name(path);
        let text = crate::json::read_text(path)?;
        let file: File = crate::json::parse_value(&text).map_err(|e| {
            Fail::new(format!(
                "{name}: {}: not a tokens file entry (the value is not shown: it may be a \
                 token); expected {{\"tokens\": [{{\"token\": \"…\", \"actor\": {{\"user\": \
                 \"EMAIL\"}} | \"fulfilment\" | {{\"vendor_support\": {{\"case\": \"…\"}}}}}}]}}",
                e.path
            ))
        })?;
        let mut tokens = Tokens::default();
        for (i, entry) in file.tokens.into_iter().enumerate() {
            if entry.token.chars().count() < MIN_TOKEN {
                return Err(Fail::new(format!(
                    "{name}: tokens[{i}].token is shorter than {MIN_TOKEN} characters"
                )));
            }
            let d = digest(&entry.token);
            if tokens.entries.iter().any(|(other, _)| *other == d) {
                return Err(Fail::new(format!(
                    "{name}: tokens[{i}].token is listed twice"
                )));
            }
            tokens.entries.push((d, entry.actor));
        }
        if tokens.entries.is_empty() {
            return Err(Fail::new(format!("{name}: no tokens: nobody could call")));
        }
        Ok(tokens)
    }

    /// The principal of a presented token, compared with every known token in constant time.
    pub(crate) fn find(&self, presented: &str) -> Option<&Principal> {
        let d = digest(presented);
        let mut found = None;
        for (known, principal) in &self.entries {
            if bool::from(known.as_slice().ct_eq(d.as_slice())) {
                found = Some(principal);
            }
        }
        found
    }

    /// How many tokens are known.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The token of an `Authorization: Bearer …` header value.
pub(crate) fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
