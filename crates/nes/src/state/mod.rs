//! Save states: the whole machine captured into bytes and restored exactly.
//!
//! Every component lists its state once, in [`Persist::persist`], and that
//! one list both writes (capture) and reads (restore). What is derived from
//! the ROM or the region (bank-size tables, the timing constants, the sound
//! kernel) is not stored; what the host owns (the output sample rate and the
//! samples not yet read) stays the host's.

mod stream;

pub(crate) use stream::{persist_fields, persist_fields_as};
pub use stream::{Counter, Persist, Reader, Stream, Writer};
mod file;

pub use file::{migrate, StateError, StateHeader, FORMAT_VERSION, MAGIC};

/// FNV-1a's starting value.
pub const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;

/// Continues a 64-bit FNV-1a hash over `data`.
pub fn fnv1a(mut hash: u64, data: &[u8]) -> u64 {
    for &b in data {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}
