//! Validated text: account domain identifiers, emails, names.

use std::fmt;

use crate::base::limits::{MAX_DOMAIN, MAX_EMAIL, clip};

/// An account domain identifier (SA003): a lowercase DNS name such as `acme.com` or its
/// prefixed form `emea.acme.com`.
///
/// # Examples
///
/// ```
/// use smart_accounts::Domain;
///
/// let domain = Domain::parse("  EMEA.Acme.com ")?;
/// assert_eq!(domain.as_str(), "emea.acme.com");
/// assert!(domain.is_within(&Domain::parse("acme.com")?));
/// assert!(Domain::parse("localhost").is_err());
/// assert!(Domain::parse("-acme.com").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Domain(
    // Copies share the text: a user's email, the event that registered the user and an account
    // claiming the domain hold one allocation between them, not one each (issue 16).
    std::sync::Arc<str>,
);

impl Domain {
    /// Validates and normalises (trims, lowercases) a domain identifier.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidDomain`] (SA003) when the text is not ASCII, has fewer than two
    /// labels, a label that is empty, longer than 63 characters, has characters outside
    /// `a-z0-9-` or starts or ends with `-`, or the whole is longer than 253 characters.
    pub fn parse(value: &str) -> Result<Domain, crate::Error> {
        domain_problem(value).map_err(|reason| crate::Error::InvalidDomain {
            value: clip(value),
            reason,
        })
    }

    /// The normalised text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this identifier is `other` or a prefixed form of it (`emea.acme.com` is within
    /// `acme.com`).
    #[must_use]
    pub fn is_within(&self, other: &Domain) -> bool {
        self.0 == other.0
            || (self.0.len() > other.0.len()
                && self.0.ends_with(&*other.0)
                && self.0.as_bytes().get(self.0.len() - other.0.len() - 1) == Some(&b'.'))
    }

    /// The labels reversed and joined with dots, with a final dot (`com.acme.`): all prefixed
    /// forms of a domain share this key as a prefix, so a sorted map answers SA009 by range.
    pub(crate) fn search_key(&self) -> String {
        let mut key = String::with_capacity(self.0.len() + 1);
        for label in self.0.rsplit('.') {
            key.push_str(label);
            key.push('.');
        }
        key
    }
}

fn domain_problem(value: &str) -> Result<Domain, &'static str> {
    let v = value.trim();
    if v.is_empty() {
        return Err("it is empty");
    }
    if !v.is_ascii() {
        return Err("it has non-ASCII characters");
    }
    if v.len() > MAX_DOMAIN {
        return Err("it is longer than 253 characters");
    }
    let v = v.to_ascii_lowercase();
    let mut labels = 0usize;
    for label in v.split('.') {
        labels += 1;
        if label.is_empty() {
            return Err("it has an empty label");
        }
        if label.len() > 63 {
            return Err("a label is longer than 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("a label has characters other than a-z, 0-9 and -");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label starts or ends with -");
        }
    }
    if labels < 2 {
        return Err("it needs at least two labels, like acme.com");
    }
    Ok(Domain(v.into()))
}

impl TryFrom<String> for Domain {
    type Error = crate::Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Domain::parse(&value)
    }
}

impl From<Domain> for String {
    fn from(value: Domain) -> Self {
        value.0.to_string()
    }
}

/// A domain is looked up by its text in sets and maps (the public domains of SA005): the
/// ordering, equality and hash of a `Domain` are those of its text.
impl std::borrow::Borrow<str> for Domain {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, normalised to lowercase; its domain part is a valid [`Domain`].
///
/// # Examples
///
/// ```
/// use smart_accounts::Email;
///
/// let email = Email::parse("Alice@ACME.com")?;
/// assert_eq!(email.as_str(), "alice@acme.com");
/// assert_eq!(email.domain().as_str(), "acme.com");
/// assert!(Email::parse("no-at-sign").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Email {
    /// Inline up to 24 bytes (most addresses): no allocation of its own.
    text: compact_str::CompactString,
    domain: Domain,
}

impl Email {
    /// Validates and normalises an email address.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidEmail`] when there is not exactly one `@`, the local part is
    /// empty, longer than 64 characters or has spaces or control characters, the domain part is
    /// no valid [`Domain`], or the whole is longer than 254 characters.
    pub fn parse(value: &str) -> Result<Email, crate::Error> {
        let err = |reason| crate::Error::InvalidEmail {
            value: clip(value),
            reason,
        };
        let v = value.trim();
        if v.len() > MAX_EMAIL {
            return Err(err("it is longer than 254 characters"));
        }
        let Some((local, domain)) = v.split_once('@') else {
            return Err(err("it has no @"));
        };
        if domain.contains('@') {
            return Err(err("it has more than one @"));
        }
        if local.is_empty() || local.len() > 64 {
            return Err(err("the part before @ must have 1 to 64 characters"));
        }
        if !local.is_ascii()
            || local
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(err(
                "the part before @ has spaces, control or non-ASCII characters",
            ));
        }
        let domain =
            domain_problem(domain).map_err(|_| err("the part after @ is not a valid domain"))?;
        let text =
            compact_str::format_compact!("{}@{}", local.to_ascii_lowercase(), domain.as_str());
        Ok(Email { text, domain })
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The domain part.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.domain
    }
}

impl TryFrom<String> for Email {
    type Error = crate::Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.text.into_string()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Arbitrary values of the validated text types are built from a small alphabet and then go
/// through the parser like any other input, so fuzzing never sees a value the parser refuses.
#[cfg(feature = "arbitrary")]
mod arbitrary_text {
    use super::{Domain, Email};
    use arbitrary::{Arbitrary, Result, Unstructured};

    const LABEL: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    const LOCAL: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789._+-";
    /// Well-known names, so generated values collide with each other and with fixtures.
    const KNOWN: &[&str] = &["acme.com", "emea.acme.com", "gmail.com", "partner.net"];

    fn text(u: &mut Unstructured<'_>, alphabet: &[u8], max: usize) -> Result<String> {
        let len = u.int_in_range(1..=max)?;
        let mut out = String::with_capacity(len);
        for _ in 0..len {
            out.push(char::from(*u.choose(alphabet)?));
        }
        Ok(out)
    }

    impl<'a> Arbitrary<'a> for Domain {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let raw = if u.ratio(1, 2)? {
                (*u.choose(KNOWN)?).to_owned()
            } else {
                let labels = u.int_in_range(2..=4)?;
                let mut parts = Vec::with_capacity(labels);
                for _ in 0..labels {
                    parts.push(text(u, LABEL, 12)?);
                }
                parts.join(".")
            };
            Domain::parse(&raw).map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }

    impl<'a> Arbitrary<'a> for Email {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let local = text(u, LOCAL, 16)?;
            let domain = Domain::arbitrary(u)?;
            Email::parse(&format!("{local}@{domain}"))
                .map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }
}
