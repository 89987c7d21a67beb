//! The one hand-written hasher of the crate, for short keys: multiply-rotate over 8-byte words.
//! The license idempotency-key map uses it unseeded (deterministic: nothing about an account
//! depends on the process); the quote validator seeds it once per report from the standard
//! library's random state, so that crafted line IDs cannot be aimed at collisions in advance.

use std::hash::Hasher;

/// Multiply-rotate over 8-byte words; the state is the seed until the first write.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    /// A hasher whose state starts at `seed`.
    #[inline]
    pub(crate) fn seeded(seed: u64) -> Self {
        WordHasher(seed)
    }

    /// Folds one word into the state.
    #[inline]
    pub(crate) fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word: [u8; 8] = chunk.try_into().unwrap_or([0; 8]);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let word = rest
                .iter()
                .rev()
                .fold(0u64, |w, b| (w << 8) | u64::from(*b));
            self.mix(word ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.mix(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The multiplications leave the low bits weak; tables index by them.
        let h = self.0;
        (h ^ (h >> 29)).wrapping_mul(0x94_d0_49_bb_13_31_11_eb) ^ (h >> 32)
    }
}
