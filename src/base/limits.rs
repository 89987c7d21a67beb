//! Limits on text: the longest names and identifiers accepted, and how much of any input is
//! copied into a message.

/// Longest text copied into an error message; longer input is clipped so a hostile
/// megabyte-long string cannot blow up an error.
const CLIP: usize = 80;

/// A copy of `s` short enough to show in a message: at most 80 characters, then `…`. Every
/// value this crate copies into an error is clipped so; a program echoing input (a deal ID, a
/// customer name) should clip it the same way.
///
/// # Examples
///
/// ```
/// let long = "x".repeat(10_000);
/// assert_eq!(smart_accounts::clip(&long).chars().count(), 81);
/// assert_eq!(smart_accounts::clip("D-1"), "D-1");
/// ```
#[must_use]
pub fn clip(s: &str) -> String {
    if s.chars().count() <= CLIP {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(CLIP).collect();
        out.push('…');
        out
    }
}

/// Why a piece of text was refused.
pub(crate) fn check_name(value: &str, max_chars: usize) -> Result<String, &'static str> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("it is empty");
    }
    if trimmed.chars().count() > max_chars {
        return Err(if max_chars == MAX_NAME {
            "it is longer than 100 characters"
        } else {
            "it is too long"
        });
    }
    if trimmed.chars().any(char::is_control) {
        return Err("it contains control characters");
    }
    Ok(trimmed.to_owned())
}

/// A Cisco.com ID as registration accepts it (SA004): trimmed, 1–100 characters, no control
/// characters, no spaces. The quote validator asks the same of a new account's contact.
pub(crate) fn check_cco_id(value: &str) -> Result<String, &'static str> {
    check_name(value, MAX_CCO_ID).and_then(|c| {
        if c.chars().any(char::is_whitespace) {
            Err("it contains spaces")
        } else {
            Ok(c)
        }
    })
}

/// Longest name of a Virtual Account, Smart Account or organization, in characters (VA003).
pub const MAX_NAME: usize = 100;
/// Longest account domain identifier, in bytes (SA003).
pub const MAX_DOMAIN: usize = 253;
/// Longest email address, in bytes.
pub const MAX_EMAIL: usize = 254;
/// Longest Cisco.com ID, in characters.
pub const MAX_CCO_ID: usize = 100;
