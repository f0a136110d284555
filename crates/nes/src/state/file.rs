//! The save-state file: a header that says what the state is, then the body
//! that [`Persist`](super::Persist) writes.
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `PHOSSTAT` |
//! | 2 | format version (little-endian) |
//! | 1 + n | core version (length, then UTF-8) |
//! | 8 | ROM hash ([`Cartridge::rom_hash`](crate::Cartridge::rom_hash)) |
//! | 8 | frame number |
//! | 4 + n | thumbnail (length, then the bytes: a PNG the I/O layer adds, or none) |
//! | 4 | body length |
//! | 8 | checksum: FNV-1a over every byte after the format version but itself |
//! | n | body |
//!
//! The checksum covers the header's own fields as well as the body, so a
//! damaged frame number or thumbnail is caught like a damaged body; a file
//! longer than its fields say is refused too. The magic, the format
//! version and the ROM hash are checked first, so that a foreign or newer
//! state is named as such rather than as corrupt.
//!
//! Compatibility: the body's layout is fixed by the format version. When a
//! change to any component's `persist` changes the layout, `FORMAT_VERSION`
//! goes up by one and a migration `vN -> vN+1` (a function from the old
//! body's bytes to the new, filling new fields with their power-on values)
//! is added here; loading runs the chain from the file's version to the
//! current one before it checks the length. A version newer than the build
//! is refused.
//!
//! - v1 -> v2: the bus's pending $4016 write (the value, and the cycle the
//!   pads take it) was added at the end of the body; a v1 state had none
//!   pending.
//! - v2 -> v3: the PPU's pending OAM row corruption (the row rendering
//!   stopped on mid-evaluation, $FF for none) and its read-buffer fill on
//!   the way (dots left, $FF for none, and the byte) were added at the
//!   end; a v2 state had neither pending.

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"PHOSSTAT";
/// The body layout this build writes.
pub const FORMAT_VERSION: u16 = 3;

/// A body of format `version` in the layout of [`FORMAT_VERSION`]: the
/// migrations from `version` on, in order. Versions this build does not
/// read are refused by [`StateHeader::check`] before this is called.
pub fn migrate(version: u16, body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut body = std::borrow::Cow::Borrowed(body);
    if version < 2 {
        // v1 -> v2: no $4016 write waiting (value 0, cycle u64::MAX).
        let owned = body.to_mut();
        owned.push(0);
        owned.extend_from_slice(&u64::MAX.to_le_bytes());
    }
    if version < 3 {
        // v2 -> v3: no OAM row waiting to be corrupted, no buffer fill.
        body.to_mut().extend_from_slice(&[0xFF, 0xFF, 0x00]);
    }
    body
}

/// Why a state was refused. Nothing changes when one is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("not a Phosphor save state (the file does not start with \"PHOSSTAT\")")]
    NotAState,
    #[error("the save state is truncated: {needed} bytes needed, {found} present")]
    Truncated { needed: usize, found: usize },
    #[error("save-state format {found} is newer than this build reads (up to {newest}); it was written by Phosphor {core}")]
    UnsupportedVersion { found: u16, newest: u16, core: String },
    #[error("the save state belongs to another game (ROM {state:016x}, loaded ROM {loaded:016x})")]
    WrongRom { state: u64, loaded: u64 },
    #[error("the save state is corrupted (its checksum does not match)")]
    Corrupt,
    #[error("the save state's machine does not fit this cartridge ({found} bytes of state, {expected} expected)")]
    Layout { expected: usize, found: usize },
}

/// What a state file's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateHeader {
    pub format_version: u16,
    pub core_version: String,
    pub rom_hash: u64,
    pub frame: u64,
    pub thumbnail: Vec<u8>,
    pub body_len: usize,
    pub checksum: u64,
    /// What the checksum comes to over this file's bytes.
    computed_checksum: u64,
}

impl StateHeader {
    /// Appends the header for `body` to `out`.
    pub fn write(rom_hash: u64, frame: u64, thumbnail: &[u8], body: &[u8], out: &mut Vec<u8>) {
        let core = env!("CARGO_PKG_VERSION").as_bytes();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        let covered = out.len();
        out.push(core.len() as u8);
        out.extend_from_slice(core);
        out.extend_from_slice(&rom_hash.to_le_bytes());
        out.extend_from_slice(&frame.to_le_bytes());
        out.extend_from_slice(&(thumbnail.len() as u32).to_le_bytes());
        out.extend_from_slice(thumbnail);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        let header_sum = super::fnv1a(super::FNV_OFFSET, &out[covered..]);
        out.extend_from_slice(&super::fnv1a(header_sum, body).to_le_bytes());
    }

    /// Checks what can be checked without a machine: a version this core
    /// reads, the ROM (`loaded` is the hash of the one inserted) and the
    /// checksum, in that order so the error names the likeliest cause.
    pub fn check(&self, loaded: u64) -> Result<(), StateError> {
        if self.format_version == 0 || self.format_version > FORMAT_VERSION {
            return Err(StateError::UnsupportedVersion {
                found: self.format_version,
                newest: FORMAT_VERSION,
                core: self.core_version.clone(),
            });
        }
        if self.rom_hash != loaded {
            return Err(StateError::WrongRom { state: self.rom_hash, loaded });
        }
        if !self.checksum_ok() {
            return Err(StateError::Corrupt);
        }
        Ok(())
    }

    /// Whether the checksum matches the bytes it covers.
    pub fn checksum_ok(&self) -> bool {
        self.checksum == self.computed_checksum
    }

    /// Parses the header of `file`; returns it and the body.
    pub fn parse(file: &[u8]) -> Result<(StateHeader, &[u8]), StateError> {
        let at = std::cell::Cell::new(0usize);
        let take = |n: usize| -> Result<&[u8], StateError> {
            let from = at.get();
            let to = from.saturating_add(n);
            let bytes = file.get(from..to).ok_or(StateError::Truncated { needed: to, found: file.len() })?;
            at.set(to);
            Ok(bytes)
        };
        if take(MAGIC.len()).map_err(|_| StateError::NotAState)? != MAGIC {
            return Err(StateError::NotAState);
        }
        let format_version = u16::from_le_bytes(take(2)?.try_into().unwrap_or_default());
        let covered = MAGIC.len() + 2;
        let core_len = usize::from(take(1)?[0]);
        let core_version = String::from_utf8_lossy(take(core_len)?).into_owned();
        let u64_at = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
        let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or_default()) as usize;
        let rom_hash = u64_at(take(8)?);
        let frame = u64_at(take(8)?);
        let thumb_len = u32_at(take(4)?);
        let thumbnail = take(thumb_len)?.to_vec();
        let body_len = u32_at(take(4)?);
        let header_end = at.get();
        let checksum = u64_at(take(8)?);
        let body = take(body_len)?;
        let computed_checksum = if at.get() == file.len() {
            super::fnv1a(super::fnv1a(super::FNV_OFFSET, &file[covered..header_end]), body)
        } else {
            // Bytes after the body: not a file this format writes.
            !checksum
        };
        let header =
            StateHeader { format_version, core_version, rom_hash, frame, thumbnail, body_len, checksum, computed_checksum };
        Ok((header, body))
    }
}
