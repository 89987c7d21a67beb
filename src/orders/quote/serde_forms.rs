//! The JSON forms of [`DealKind`], [`SaRef`] and [`VaRef`]: plain strings and numbers
//! (`"kind": "Standard"`, `"sa": "acme.com"`, `"va": 7`), with the older tagged forms
//! (`{"other": "Standard"}`, `{"name": "EMEA"}`, `{"id": 7}`) still read.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DealKind, SaRef, VaRef};
use crate::base::ids::{SaId, VaId};

impl Serialize for DealKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for DealKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Kind;
        impl<'de> Visitor<'de> for Kind {
            type Value = DealKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a deal kind such as \"RNSD Transactional\" or \"Standard\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DealKind, E> {
                Ok(DealKind::from_name(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DealKind, A::Error> {
                // The older form `{"other": "Standard"}`.
                let key: Option<String> = map.next_key()?;
                match key.as_deref() {
                    Some("other") => {
                        let name: String = map.next_value()?;
                        if map.next_key::<String>()?.is_some() {
                            return Err(de::Error::custom("a deal kind has one name"));
                        }
                        Ok(DealKind::from_name(&name))
                    }
                    Some(other) => Err(de::Error::unknown_field(other, &["other"])),
                    None => Err(de::Error::missing_field("other")),
                }
            }
        }
        deserializer.deserialize_any(Kind)
    }
}

/// A `u32` identifier from a JSON number.
fn id<E: de::Error>(v: u64) -> Result<u32, E> {
    u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &"a u32"))
}

/// A `u32` identifier from a JSON number that may come as signed.
fn signed_id<E: de::Error>(v: i64) -> Result<u32, E> {
    u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &"a u32"))
}

impl Serialize for SaRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SaRef::Id(id) => serializer.serialize_u32(id.get()),
            SaRef::Domain(domain) => serializer.serialize_str(domain.as_str()),
            SaRef::Email(email) => serializer.serialize_str(email.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for SaRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Sa;
        impl Visitor<'_> for Sa {
            type Value = SaRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Smart Account identifier (a number), domain or email")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SaRef, E> {
                id(v).map(|n| SaRef::Id(SaId::new(n)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SaRef, E> {
                signed_id(v).map(|n| SaRef::Id(SaId::new(n)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SaRef, E> {
                SaRef::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Sa)
    }
}

impl Serialize for VaRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            VaRef::Name(name) => serializer.serialize_str(name),
            VaRef::Id(id) => serializer.serialize_u32(id.get()),
        }
    }
}

impl<'de> Deserialize<'de> for VaRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Va;
        impl<'de> Visitor<'de> for Va {
            type Value = VaRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Virtual Account name (a string) or identifier (a number)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<VaRef, E> {
                id(v).map(|n| VaRef::Id(VaId::new(n)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<VaRef, E> {
                signed_id(v).map(|n| VaRef::Id(VaId::new(n)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<VaRef, E> {
                Ok(VaRef::Name(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VaRef, A::Error> {
                // The older forms `{"name": "EMEA"}` and `{"id": 7}`.
                let key: Option<String> = map.next_key()?;
                let found = match key.as_deref() {
                    Some("name") => VaRef::Name(map.next_value()?),
                    Some("id") => VaRef::Id(map.next_value()?),
                    Some(other) => return Err(de::Error::unknown_field(other, &["name", "id"])),
                    None => return Err(de::Error::missing_field("name")),
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "a virtual account is named by one name or one identifier",
                    ));
                }
                Ok(found)
            }
        }
        deserializer.deserialize_any(Va)
    }
}

#[cfg(feature = "schemars")]
mod schemas {
    use super::{DealKind, SaRef, VaRef};
    use crate::base::schema::schema;
    use crate::orders::quote::LineId;

    schema!(DealKind, "DealKind", {
        "type": "string",
        "description": "The deal kind: \"RNSD Transactional\" (any case) or another kind's name such as \"Standard\"."
    });
    schema!(SaRef, "SaRef", {
        "description": "A Smart Account: its numeric ID, its domain identifier (\"acme.com\") or, for a Limited Use account, its email.",
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32},
            {"type": "string", "minLength": 1}
        ]
    });
    schema!(VaRef, "VaRef", {
        "description": "A Virtual Account: its name (a string) or its numeric ID.",
        "oneOf": [
            {"type": "string"},
            {"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32}
        ]
    });
    schema!(LineId, "LineId", {"type": "string", "description": "A line identifier, unique in its quote."});
}
