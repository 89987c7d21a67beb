//! A table keyed by a typed identifier whose memory follows the number of entries, never the
//! value of an identifier (EV004).
//!
//! Identifiers come from outside (snapshots, logs, commands) and may be anything up to
//! `u32::MAX`; a `Vec` indexed by them would let one 146-byte snapshot ask for 96 GiB. An
//! [`IdTable`] keeps a dense `Vec` for identifiers below a bound proportional to the number of
//! entries it holds and a hash map for the outliers, so the usual look-up (identifiers handed
//! out one after the other from 1) stays one bounds check and one load.

use std::collections::HashMap;

/// A value with a vacant state: what a look-up of an absent identifier returns, and what an
/// entry returns to when it is emptied. Vacant entries take no room outside the dense part.
pub(crate) trait Vacant {
    /// The vacant value.
    fn vacant() -> Self;
    /// Whether this value is the vacant one (or counts as it).
    fn is_vacant(&self) -> bool;
}

/// Entries that the dense part may always hold, however few entries there are: ids handed out
/// from 1 reach it without any entry.
const SLACK: usize = 1024;

/// A map from identifier numbers to `T` with a vacant default: a dense `Vec` for identifiers
/// below `dense.len()`, a hash map for the others.
///
/// Invariants: every key of `sparse` is at least `dense.len()`, and no value in `sparse` is
/// vacant; `dense.len()` never exceeds `2 * occupied + SLACK` at the time it grew, where
/// `occupied` counts the entries that are not vacant. Memory is therefore proportional to the
/// largest number of entries the table ever held, whatever the identifiers.
#[derive(Debug, Clone)]
pub(crate) struct IdTable<T> {
    dense: Vec<T>,
    /// The outliers. The standard hasher is randomly keyed, so identifiers chosen by an
    /// attacker cannot make its buckets collide.
    sparse: HashMap<u32, T>,
    /// The number of entries that are not vacant, dense and sparse.
    occupied: usize,
    /// What a look-up of an absent identifier returns.
    vacant: T,
}

impl<T: Vacant> Default for IdTable<T> {
    fn default() -> Self {
        IdTable {
            dense: Vec::new(),
            sparse: HashMap::new(),
            occupied: 0,
            vacant: T::vacant(),
        }
    }
}

impl<T: Vacant> IdTable<T> {
    /// The entry of `id`, vacant when there is none.
    #[inline(always)]
    pub(crate) fn get(&self, id: u32) -> &T {
        self.find(id).unwrap_or(&self.vacant)
    }

    /// The entry of `id` when the table has a place for it: always for an identifier in the
    /// dense part (its entry may be vacant), only for a stored one past it. One bounds check
    /// and one load for an identifier in the dense part.
    #[inline(always)]
    pub(crate) fn find(&self, id: u32) -> Option<&T> {
        match self.dense.get(id as usize) {
            Some(value) => Some(value),
            None => self.outlier(id),
        }
    }

    /// [`IdTable::find`], or with `DENSE` only the dense part: for a hot path that has checked
    /// [`IdTable::has_outliers`] once and found none.
    #[inline(always)]
    pub(crate) fn lookup<const DENSE: bool>(&self, id: u32) -> Option<&T> {
        if DENSE {
            self.dense.get(id as usize)
        } else {
            self.find(id)
        }
    }

    /// The vacant value.
    #[inline(always)]
    pub(crate) fn vacant(&self) -> &T {
        &self.vacant
    }

    /// Whether some entry lies past the dense part.
    #[inline(always)]
    pub(crate) fn has_outliers(&self) -> bool {
        !self.sparse.is_empty()
    }

    /// The entry of an identifier past the dense part.
    #[cold]
    #[inline(never)]
    fn outlier(&self, id: u32) -> Option<&T> {
        self.sparse.get(&id)
    }

    /// The number of entries that are not vacant.
    #[cfg(test)]
    pub(crate) fn occupied(&self) -> usize {
        self.occupied
    }

    /// Whether every entry is vacant.
    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.occupied == 0
    }

    /// The number of entries the table has room for in its dense part.
    #[cfg(test)]
    pub(crate) fn dense_len(&self) -> usize {
        self.dense.len()
    }

    /// Changes the entry of `id` with `f` (starting from the vacant value when there is none)
    /// and returns what `f` returns. An entry left vacant takes no room outside the dense part.
    pub(crate) fn update<R>(&mut self, id: u32, f: impl FnOnce(&mut T) -> R) -> R {
        let index = id as usize;
        if let Some(cell) = self.dense.get_mut(index) {
            let was = !cell.is_vacant();
            let out = f(cell);
            let now = !cell.is_vacant();
            self.occupied = self.occupied + usize::from(now) - usize::from(was);
            return out;
        }
        if let Some(cell) = self.sparse.get_mut(&id) {
            let out = f(cell);
            if cell.is_vacant() {
                self.sparse.remove(&id);
                self.occupied = self.occupied.saturating_sub(1);
            }
            return out;
        }
        let mut value = T::vacant();
        let out = f(&mut value);
        if !value.is_vacant() {
            self.occupied += 1;
            self.grow_for(index);
            match self.dense.get_mut(index) {
                Some(cell) => *cell = value,
                None => {
                    self.sparse.insert(id, value);
                }
            }
        }
        out
    }

    /// Sets the entry of `id`.
    pub(crate) fn set(&mut self, id: u32, value: T) {
        self.update(id, |cell| *cell = value);
    }

    /// Grows the dense part to take `index` when that grows it by at least a quarter and stays
    /// within the bound; moves the outliers it now covers into it. Growing by a constant
    /// factor keeps the number of moves logarithmic, so loading stays linear whatever order
    /// the ids come in; a quarter (not a doubling) keeps the vacant tail, which is written and
    /// so resident, under a fifth of the part (issue 16).
    fn grow_for(&mut self, index: usize) {
        let len = self.dense.len();
        if index < len {
            return;
        }
        let target = index
            .saturating_add(1)
            .max(len.saturating_add(len / 4))
            .max(64);
        let bound = self.occupied.saturating_mul(2).saturating_add(SLACK);
        if target > bound {
            return;
        }
        // Exactly: the vector's own doubling would leave spare room the table never uses.
        self.dense.reserve_exact(target - len);
        self.dense.resize_with(target, T::vacant);
        let dense = &mut self.dense;
        self.sparse
            .retain(|key, value| match dense.get_mut(*key as usize) {
                Some(cell) => {
                    std::mem::swap(cell, value);
                    false
                }
                None => true,
            });
    }
}

impl Vacant for bool {
    fn vacant() -> Self {
        false
    }
    fn is_vacant(&self) -> bool {
        !*self
    }
}

#[cfg(test)]
mod tests {
    use super::{IdTable, SLACK, Vacant};

    impl<T> Vacant for Vec<T> {
        fn vacant() -> Self {
            Vec::new()
        }
        fn is_vacant(&self) -> bool {
            self.is_empty()
        }
    }

    #[test]
    fn ev004_the_largest_identifier_takes_one_entry() {
        let mut table: IdTable<bool> = IdTable::default();
        table.set(u32::MAX, true);
        assert!(*table.get(u32::MAX));
        assert!(!*table.get(u32::MAX - 1));
        assert_eq!(table.dense_len(), 0);
        assert_eq!(table.occupied(), 1);
    }

    #[test]
    fn ev004_identifiers_from_one_stay_dense() {
        let mut table: IdTable<bool> = IdTable::default();
        for id in 1..=10_000 {
            table.set(id, true);
        }
        assert!(table.sparse.is_empty());
        assert!(table.dense_len() > 10_000);
        assert!(table.dense_len() <= 2 * 10_000 + SLACK);
        assert!((1..=10_000).all(|id| *table.get(id)));
        assert!(!*table.get(0) && !*table.get(10_001));
    }

    #[test]
    fn ev004_outliers_move_into_the_dense_part_when_it_reaches_them() {
        let mut table: IdTable<bool> = IdTable::default();
        table.set(5_000, true);
        assert_eq!(table.dense_len(), 0);
        for id in 1..=4_500 {
            table.set(id, true);
        }
        assert!(table.dense_len() > 5_000);
        assert!(table.sparse.is_empty());
        assert!(*table.get(5_000));
        assert_eq!(table.occupied(), 4_501);
    }

    #[test]
    fn ev004_a_vacated_outlier_leaves_the_table() {
        let mut table: IdTable<Vec<u8>> = IdTable::default();
        table.update(u32::MAX, |v| v.push(1));
        assert_eq!(table.get(u32::MAX).as_slice(), &[1]);
        table.update(u32::MAX, Vec::clear);
        assert!(table.sparse.is_empty());
        assert_eq!(table.occupied(), 0);
        // Updating an absent entry without filling it stores nothing.
        table.update(7, |v| v.len());
        assert_eq!(table.occupied(), 0);
        assert_eq!(table.dense_len(), 0);
    }

    #[test]
    fn ev004_a_vacated_dense_entry_is_counted_out() {
        let mut table: IdTable<bool> = IdTable::default();
        table.set(3, true);
        assert_eq!(table.occupied(), 1);
        table.set(3, false);
        assert_eq!(table.occupied(), 0);
        assert!(!*table.get(3));
    }
}
