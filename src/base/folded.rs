//! An index from text compared ignoring case to identifiers, which stores only the identifiers:
//! the text is found in the record an identifier names (a user's login, a Virtual Account's
//! name), so it is stored once, in that record (issue 16: the sorted maps this replaces held a
//! lowercase copy of every key).
//!
//! Text is compared as `str::to_lowercase` compares it; ASCII text, the usual case, is folded
//! byte by byte without allocating.

use std::hash::{BuildHasher, Hasher, RandomState};

use hashbrown::HashTable;

/// Identifiers by their text, compared ignoring case. The hasher is randomly keyed: the text
/// comes from outside, so chosen keys cannot make the buckets collide.
#[derive(Debug, Clone)]
pub(crate) struct FoldedIndex<Id> {
    hasher: RandomState,
    table: HashTable<Id>,
}

impl<Id> Default for FoldedIndex<Id> {
    fn default() -> Self {
        FoldedIndex {
            hasher: RandomState::new(),
            table: HashTable::new(),
        }
    }
}

impl<Id: Copy + Eq> FoldedIndex<Id> {
    /// The identifier whose text is `key` ignoring case; `text_of` gives an identifier's text.
    pub(crate) fn find<'a>(
        &self,
        key: &str,
        text_of: impl Fn(Id) -> Option<&'a str>,
    ) -> Option<Id> {
        let hash = folded_hash(&self.hasher, key);
        self.table
            .find(hash, |id| text_of(*id).is_some_and(|t| same_folded(t, key)))
            .copied()
    }

    /// Indexes `id` under `key`, unless some identifier is there already (then it returns that
    /// one and changes nothing). `text_of` must give the text of every identifier already
    /// indexed (the table rehashes them when it grows); `id`'s own record need not exist yet.
    pub(crate) fn insert<'a>(
        &mut self,
        id: Id,
        key: &str,
        text_of: impl Fn(Id) -> Option<&'a str>,
    ) -> Option<Id> {
        let hasher = &self.hasher;
        let hash = folded_hash(hasher, key);
        if let Some(existing) = self.table.find(hash, |other| {
            text_of(*other).is_some_and(|t| same_folded(t, key))
        }) {
            return Some(*existing);
        }
        let rehash = |other: &Id| text_of(*other).map_or(0, |t| folded_hash(hasher, t));
        self.table.insert_unique(hash, id, rehash);
        None
    }

    /// Takes `id`, indexed under `key`, out of the index.
    pub(crate) fn remove(&mut self, id: Id, key: &str) {
        let hash = folded_hash(&self.hasher, key);
        if let Ok(entry) = self.table.find_entry(hash, |other| *other == id) {
            entry.remove();
        }
    }
}

/// Whether two texts are equal ignoring case, as their `to_lowercase` forms compare.
pub(crate) fn same_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// The hash of a text's lowercase form: equal for texts that [`same_folded`] finds equal.
fn folded_hash(hasher: &RandomState, text: &str) -> u64 {
    let mut h = hasher.build_hasher();
    if text.is_ascii() {
        // Lowercased through a stack buffer; the hasher sees one byte stream however it is cut.
        let mut buf = [0u8; 64];
        for chunk in text.as_bytes().chunks(buf.len()) {
            if let Some(lower) = buf.get_mut(..chunk.len()) {
                lower.copy_from_slice(chunk);
                lower.make_ascii_lowercase();
                h.write(lower);
            }
        }
    } else {
        h.write(text.to_lowercase().as_bytes());
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::{FoldedIndex, same_folded};

    #[test]
    fn finds_text_ignoring_case_and_refuses_a_second_entry() {
        let names = ["EMEA", "Ärger", "k", "ΟΔΟΣ"];
        let text_of = |i: usize| names.get(i).copied();
        let mut index = FoldedIndex::default();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.insert(i, name, text_of), None);
        }
        assert_eq!(index.find("emea", text_of), Some(0));
        assert_eq!(index.find("ärger", text_of), Some(1));
        // The Kelvin sign lowercases to an ASCII `k`.
        assert_eq!(index.find("\u{212A}", text_of), Some(2));
        assert_eq!(index.find("οδος", text_of), Some(3));
        assert_eq!(index.find("apac", text_of), None);
        assert_eq!(index.insert(9, "Emea", text_of), Some(0));
        index.remove(0, "EMEA");
        assert_eq!(index.find("emea", text_of), None);
        assert!(same_folded("ΟΔΟΣ", "οδος") && !same_folded("ΟΔΟΣ", "οδοσ"));
    }
}
