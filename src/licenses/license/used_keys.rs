//! The used idempotency keys of an account (LIC009), kept compactly: a transfer records its
//! key with one write at the end of a vector and a small entry in a hash table of positions.

use compact_str::CompactString;
use hashbrown::HashTable;
use std::hash::Hasher;

use crate::base::hash::WordHasher;
use crate::base::ids::VaId;

/// The request a used idempotency key made (LIC009), kept compactly: the license types as the
/// account's interned numbers and the first line inline, since most transfers move one type.
/// Snapshots and equality see it as the full [`KeyRecord`](super::KeyRecord).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UsedKey {
    pub(super) from: VaId,
    pub(super) to: VaId,
    /// The first line: (interned license type, quantity); `None` for no line.
    first: Option<(u32, u64)>,
    /// The other lines, if any.
    more: Option<Box<[(u32, u64)]>>,
}

impl UsedKey {
    pub(super) fn new(
        from: VaId,
        to: VaId,
        mut typed: impl ExactSizeIterator<Item = (u32, u64)>,
    ) -> UsedKey {
        let first = typed.next();
        let more = (typed.len() > 0).then(|| typed.collect());
        UsedKey {
            from,
            to,
            first,
            more,
        }
    }

    /// The lines, in the order of the request.
    pub(super) fn lines(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.first
            .into_iter()
            .chain(self.more.iter().flat_map(|m| m.iter().copied()))
    }
}

/// Used keys in the order they were used, each with its request, and a hash table of their
/// positions with 32 bits of each key's hash.
///
/// A table of 8-byte entries stays small enough to be cached where a map of whole records (64
/// bytes each) was not: looking a fresh key up touches no record, recording one appends to
/// the vector, and growing the table moves 8-byte entries without reading a key (issue 16).
/// The key's text is inline up to 24 bytes (`CompactString`): no allocation, no shared
/// reference count. Hashed unseeded, like before: nothing about an account depends on the
/// process.
#[derive(Debug, Clone, Default)]
pub(super) struct UsedKeys {
    table: HashTable<(u32, u32)>,
    used: Vec<(CompactString, UsedKey)>,
}

/// The table's hash of a key: 32 bits of its word hash, spread over the 64 the table reads
/// (the low bits pick the place, the high ones the tag), so the table can grow from what it
/// stores.
fn hash(key: &str) -> u32 {
    let mut hasher = WordHasher::default();
    hasher.write(key.as_bytes());
    (hasher.finish() >> 32) as u32
}

fn spread(hash: u32) -> u64 {
    (u64::from(hash) << 32) | u64::from(hash)
}

/// Whether a table entry is `key`'s, whose hash is `h`: the stored hash first, then the text.
fn is_key<'a>(
    used: &'a [(CompactString, UsedKey)],
    key: &'a str,
    h: u32,
) -> impl Fn(&(u32, u32)) -> bool + 'a {
    move |(position, stored)| {
        *stored == h
            && used
                .get(*position as usize)
                .is_some_and(|(text, _)| text.as_str() == key)
    }
}

impl UsedKeys {
    /// The request `key` was used for.
    pub(super) fn get(&self, key: &str) -> Option<&UsedKey> {
        let h = hash(key);
        let (position, _) = self.table.find(spread(h), is_key(&self.used, key, h))?;
        self.used
            .get(*position as usize)
            .map(|(_, request)| request)
    }

    /// Records `key` with its request; `false`, changing nothing, when it is used (or the
    /// account has used as many keys as positions can count).
    pub(super) fn insert(&mut self, key: &str, request: UsedKey) -> bool {
        let Ok(position) = u32::try_from(self.used.len()) else {
            return false;
        };
        let h = hash(key);
        let entry = self
            .table
            .entry(spread(h), is_key(&self.used, key, h), |(_, stored)| {
                spread(*stored)
            });
        let hashbrown::hash_table::Entry::Vacant(vacant) = entry else {
            return false;
        };
        vacant.insert((position, h));
        self.used.push((CompactString::from(key), request));
        true
    }

    /// Every used key with its request, in the order used.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &UsedKey)> {
        self.used
            .iter()
            .map(|(key, request)| (key.as_str(), request))
    }
}

#[cfg(test)]
mod tests {
    use super::{UsedKey, UsedKeys};
    use crate::base::ids::VaId;

    fn request(n: u32) -> UsedKey {
        UsedKey::new(
            VaId::new(n),
            VaId::new(n + 1),
            [(n % 7, u64::from(n))].into_iter(),
        )
    }

    /// LIC009: every recorded key finds its own request after the table has grown many
    /// times, short and long keys alike (inline and allocated text); a used key is refused
    /// and changes nothing; the keys come back in the order used.
    #[test]
    fn lic009_used_keys_find_their_requests_as_the_table_grows() {
        let mut keys = UsedKeys::default();
        let text = |n: u32| {
            if n.is_multiple_of(3) {
                format!("a-key-longer-than-twenty-four-bytes-{n}")
            } else {
                format!("k{n}")
            }
        };
        for n in 0..5_000 {
            assert!(keys.insert(&text(n), request(n)), "{n}");
        }
        for n in 0..5_000 {
            assert_eq!(keys.get(&text(n)), Some(&request(n)), "{n}");
            assert!(!keys.insert(&text(n), request(n + 1)), "{n} again");
        }
        assert_eq!(keys.get("k5000"), None);
        assert_eq!(keys.get(""), None);
        let order: Vec<String> = keys.iter().map(|(k, _)| k.to_owned()).collect();
        assert_eq!(order, (0..5_000).map(text).collect::<Vec<_>>());
        assert_eq!(
            keys.get(&text(17)).map(|r| r.lines().collect::<Vec<_>>()),
            Some(vec![(3, 17)])
        );
    }
}
