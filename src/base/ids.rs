//! Stable typed identifiers. They never change for the life of an entity and are never reused,
//! so they are safe to store outside the crate; petgraph's node indices never leave it.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub struct $name(u32);

        impl $name {
            /// The identifier with this number, e.g. one read back from storage.
            #[must_use]
            pub const fn new(raw: u32) -> Self {
                Self(raw)
            }

            /// The number of this identifier.
            #[must_use]
            pub const fn get(self) -> u32 {
                self.0
            }
            // No `index()`: an identifier never sizes or indexes a `Vec` directly (EV004);
            // tables keyed by identifiers are `IdTable`s.
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, ":{}"), self.0)
            }
        }
    };
}

id!(
    /// An organization: a customer, a partner (reseller) or a distributor.
    OrgId,
    "org"
);
id!(
    /// A user (a person or a team alias with a Cisco.com login).
    UserId,
    "user"
);
id!(
    /// A Smart Account.
    SaId,
    "sa"
);
id!(
    /// A Virtual Account. Unique across the whole directory, not only within its Smart Account.
    VaId,
    "va"
);

/// A stream of events: the directory's own, or one Smart Account's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum StreamId {
    /// Organizations, users, and the identifiers accounts claim (SA003, SA005).
    Directory,
    /// One Smart Account's log.
    Account(SaId),
}

impl StreamId {
    /// The stream as a number, as stores keep it: 0 for the directory, the account's
    /// identifier otherwise (account identifiers start at 1).
    #[must_use]
    pub const fn number(self) -> u32 {
        match self {
            StreamId::Directory => 0,
            StreamId::Account(sa) => sa.get(),
        }
    }

    /// The stream of [`StreamId::number`].
    #[must_use]
    pub const fn from_number(number: u32) -> StreamId {
        match number {
            0 => StreamId::Directory,
            n => StreamId::Account(SaId::new(n)),
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamId::Directory => f.write_str("the directory's stream"),
            StreamId::Account(sa) => write!(f, "the stream of `{sa}`"),
        }
    }
}
