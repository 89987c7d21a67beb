//! Stable typed identifiers. They never change for the life of an entity and are never reused,
//! so they are safe to store outside the crate; petgraph's node indices never leave it.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
