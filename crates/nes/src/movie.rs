//! Input movies: both controllers' buttons per frame, with what the run
//! started from, so that the core's determinism replays it exactly; hashes
//! recorded along the way tell when a replay parts from the recording.
//!
//! The `.phm` file, little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `PHOSMOVI` |
//! | 2 | format version |
//! | 1 + n | core version that recorded it (length, then UTF-8) |
//! | 8 | ROM hash ([`Cartridge::rom_hash`]) |
//! | 1 | TV system: 0 NTSC, 1 PAL, 2 Dendy |
//! | 1 | submapper the board ran as |
//! | 4 | audio sample rate |
//! | 1 + ... | start: 0 = power-on, then the RAM pattern (1 byte: 0 zeros, 1 ones, 2 seeded) and its seed (8); 1 = a save state, then its length (4) and the state file |
//! | 4 | frames |
//! | 4 + 6n | input runs: how many, then each as a length (4) and the two pads' buttons (1 + 1) |
//! | 4 + 20n | checkpoints: how many, then each as a frame index (4), frame hash (8) and audio hash (8) |
//! | 8 | FNV-1a of every byte before it |
//!
//! Buttons held for many frames cost one run, so a movie of ordinary play
//! is a few bytes per second.

use crate::state::{self, StateError};
use crate::{Cartridge, LoadOptions, Nes, RamInit, Region, Timing};

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"PHOSMOVI";
/// The layout this build writes.
pub const FORMAT_VERSION: u16 = 1;
/// A checkpoint is recorded after every this many frames, and after the last.
pub const CHECKPOINT_INTERVAL: u32 = 60;
/// The longest movie read: 2^26 frames, over twelve days at 60 frames a
/// second (128 MiB of input). A frame count beyond it is refused before
/// anything is allocated for it.
pub const MAX_FRAMES: usize = 1 << 26;

/// Where a movie's run begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MovieStart {
    /// The console switched on with this RAM pattern.
    PowerOn(RamInit),
    /// A save-state file, loaded first.
    State(Vec<u8>),
}

/// Hashes taken after a frame ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Index of the frame in the movie (0 is the first frame run).
    pub frame: u32,
    pub frame_hash: u64,
    /// [`audio_hash`] of every sample since the start.
    pub audio_hash: u64,
}

/// Why a movie cannot be read or played.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MovieError {
    #[error("not a Phosphor movie (the file does not start with \"PHOSMOVI\")")]
    NotAMovie,
    #[error("the movie is truncated")]
    Truncated,
    #[error("movie format {found} is newer than this build reads (up to {newest})")]
    UnsupportedVersion { found: u16, newest: u16 },
    #[error("the movie is corrupted ({0})")]
    Corrupt(&'static str),
    #[error("the movie was recorded on another game (ROM {movie:016x}, loaded ROM {loaded:016x})")]
    WrongRom { movie: u64, loaded: u64 },
    #[error("the movie's start state cannot be loaded: {0}")]
    StartState(StateError),
    #[error("replay parts from the recording after frame {frame}: {what} hash {found:016x}, recorded {recorded:016x}")]
    Desync { frame: u32, what: &'static str, found: u64, recorded: u64 },
}

/// A recorded run: how it started, the buttons of every frame, and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movie {
    pub rom_hash: u64,
    pub timing: Timing,
    pub submapper: u8,
    pub sample_rate: u32,
    pub start: MovieStart,
    /// Buttons of controllers 1 and 2, one entry per frame.
    pub inputs: Vec<[u8; 2]>,
    pub checkpoints: Vec<Checkpoint>,
}

/// Continues a hash over audio samples (their exact bits).
pub fn audio_hash(hash: u64, samples: &[f32]) -> u64 {
    samples.iter().fold(hash, |h, s| state::fnv1a(h, &s.to_bits().to_le_bytes()))
}

impl Movie {
    /// A movie to record on `nes`, which must be in the `start` state.
    pub fn new(nes: &Nes, start: MovieStart, sample_rate: u32) -> Movie {
        let cart = nes.cartridge();
        Movie {
            rom_hash: cart.rom_hash(),
            timing: nes.timing(),
            submapper: cart.header().submapper,
            sample_rate,
            start,
            inputs: Vec::new(),
            checkpoints: Vec::new(),
        }
    }

    /// Records a frame that just ran with `pads` held; `audio` is the
    /// [`audio_hash`] of every sample since the start. Call [`Movie::finish`]
    /// after the last.
    pub fn record_frame(&mut self, nes: &Nes, pads: [u8; 2], audio: u64) {
        self.inputs.push(pads);
        let frame = (self.inputs.len() - 1) as u32;
        if (frame + 1).is_multiple_of(CHECKPOINT_INTERVAL) {
            self.checkpoints.push(Checkpoint { frame, frame_hash: nes.frame_hash(), audio_hash: audio });
        }
    }

    /// Adds the last frame's checkpoint if the interval did not.
    pub fn finish(&mut self, nes: &Nes, audio: u64) {
        let Some(last) = self.inputs.len().checked_sub(1) else { return };
        let last = last as u32;
        if self.checkpoints.last().is_none_or(|c| c.frame != last) {
            self.checkpoints.push(Checkpoint { frame: last, frame_hash: nes.frame_hash(), audio_hash: audio });
        }
    }

    /// Header overrides that make a loaded ROM run as it did when recorded.
    pub fn load_options(&self) -> LoadOptions {
        let region = match self.timing {
            Timing::Ntsc => Region::Ntsc,
            Timing::Pal => Region::Pal,
            Timing::Dendy => Region::Dendy,
        };
        LoadOptions { submapper: Some(self.submapper), region: Some(region) }
    }

    /// Powers on `cart` (loaded with [`Movie::load_options`]) in the
    /// movie's start state, refusing another game.
    pub fn start(&self, cart: Cartridge) -> Result<Nes, MovieError> {
        if cart.rom_hash() != self.rom_hash {
            return Err(MovieError::WrongRom { movie: self.rom_hash, loaded: cart.rom_hash() });
        }
        let mut nes = match &self.start {
            MovieStart::PowerOn(init) => Nes::with_ram_init(cart, *init),
            MovieStart::State(file) => {
                let mut nes = Nes::new(cart);
                nes.load_state(file).map_err(MovieError::StartState)?;
                nes
            }
        };
        nes.set_sample_rate(self.sample_rate);
        Ok(nes)
    }

    /// Compares frame `frame` of a replay with the checkpoint recorded
    /// there, if there is one.
    pub fn check(&self, frame: u32, nes: &Nes, audio: u64) -> Result<(), MovieError> {
        let Ok(i) = self.checkpoints.binary_search_by_key(&frame, |c| c.frame) else { return Ok(()) };
        let c = self.checkpoints[i];
        let frame_hash = nes.frame_hash();
        if frame_hash != c.frame_hash {
            return Err(MovieError::Desync { frame, what: "frame", found: frame_hash, recorded: c.frame_hash });
        }
        if audio != c.audio_hash {
            return Err(MovieError::Desync { frame, what: "audio", found: audio, recorded: c.audio_hash });
        }
        Ok(())
    }

    /// The `.phm` file.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.inputs.len() / 8);
        let core = env!("CARGO_PKG_VERSION").as_bytes();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(core.len() as u8);
        out.extend_from_slice(core);
        out.extend_from_slice(&self.rom_hash.to_le_bytes());
        out.push(match self.timing {
            Timing::Ntsc => 0,
            Timing::Pal => 1,
            Timing::Dendy => 2,
        });
        out.push(self.submapper);
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        match &self.start {
            MovieStart::PowerOn(init) => {
                let (kind, seed) = match init {
                    RamInit::Zeros => (0, 0),
                    RamInit::Ones => (1, 0),
                    RamInit::Seeded(seed) => (2, *seed),
                };
                out.extend_from_slice(&[0, kind]);
                out.extend_from_slice(&seed.to_le_bytes());
            }
            MovieStart::State(file) => {
                out.push(1);
                out.extend_from_slice(&(file.len() as u32).to_le_bytes());
                out.extend_from_slice(file);
            }
        }
        out.extend_from_slice(&(self.inputs.len() as u32).to_le_bytes());
        let mut runs: Vec<(u32, [u8; 2])> = Vec::new();
        for &pads in &self.inputs {
            match runs.last_mut() {
                Some((len, held)) if *held == pads => *len += 1,
                _ => runs.push((1, pads)),
            }
        }
        out.extend_from_slice(&(runs.len() as u32).to_le_bytes());
        for (len, pads) in runs {
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&pads);
        }
        out.extend_from_slice(&(self.checkpoints.len() as u32).to_le_bytes());
        for c in &self.checkpoints {
            out.extend_from_slice(&c.frame.to_le_bytes());
            out.extend_from_slice(&c.frame_hash.to_le_bytes());
            out.extend_from_slice(&c.audio_hash.to_le_bytes());
        }
        let sum = state::fnv1a(state::FNV_OFFSET, &out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads a `.phm` file, checking its checksum and its structure.
    pub fn decode(file: &[u8]) -> Result<Movie, MovieError> {
        if file.len() < MAGIC.len() || &file[..MAGIC.len()] != MAGIC {
            return Err(MovieError::NotAMovie);
        }
        let mut r = Cursor { data: file, at: MAGIC.len() };
        let version = r.u16()?;
        if version != FORMAT_VERSION {
            return Err(MovieError::UnsupportedVersion { found: version, newest: FORMAT_VERSION });
        }
        let body_end = file.len().checked_sub(8).ok_or(MovieError::Truncated)?;
        let sum = u64::from_le_bytes(file[body_end..].try_into().unwrap_or_default());
        if state::fnv1a(state::FNV_OFFSET, &file[..body_end]) != sum {
            return Err(MovieError::Corrupt("its checksum does not match"));
        }
        r.data = &file[..body_end];
        let core_len = usize::from(r.u8()?);
        r.take(core_len)?;
        let rom_hash = r.u64()?;
        let timing = match r.u8()? {
            0 => Timing::Ntsc,
            1 => Timing::Pal,
            2 => Timing::Dendy,
            _ => return Err(MovieError::Corrupt("unknown TV system")),
        };
        let submapper = r.u8()?;
        let sample_rate = r.u32()?;
        let start = match r.u8()? {
            0 => {
                let kind = r.u8()?;
                let seed = r.u64()?;
                MovieStart::PowerOn(match kind {
                    0 => RamInit::Zeros,
                    1 => RamInit::Ones,
                    2 => RamInit::Seeded(seed),
                    _ => return Err(MovieError::Corrupt("unknown RAM pattern")),
                })
            }
            1 => {
                let len = r.u32()? as usize;
                MovieStart::State(r.take(len)?.to_vec())
            }
            _ => return Err(MovieError::Corrupt("unknown start kind")),
        };
        let frames = r.u32()? as usize;
        if frames > MAX_FRAMES {
            return Err(MovieError::Corrupt("more frames than a movie can hold"));
        }
        let run_count = r.u32()? as usize;
        // Each run takes 6 bytes: a count larger than the file is a lie.
        if run_count > r.left() / 6 {
            return Err(MovieError::Truncated);
        }
        let mut inputs = Vec::with_capacity(frames);
        for _ in 0..run_count {
            let len = r.u32()? as usize;
            let pads = [r.u8()?, r.u8()?];
            if inputs.len() + len > frames {
                return Err(MovieError::Corrupt("more input than frames"));
            }
            inputs.resize(inputs.len() + len, pads);
        }
        if inputs.len() != frames {
            return Err(MovieError::Corrupt("input for fewer frames than it says"));
        }
        let count = r.u32()? as usize;
        if count > r.left() / 20 {
            return Err(MovieError::Truncated);
        }
        let mut checkpoints = Vec::with_capacity(count);
        for _ in 0..count {
            let c = Checkpoint { frame: r.u32()?, frame_hash: r.u64()?, audio_hash: r.u64()? };
            if c.frame as usize >= frames || checkpoints.last().is_some_and(|p: &Checkpoint| p.frame >= c.frame) {
                return Err(MovieError::Corrupt("checkpoints out of order"));
            }
            checkpoints.push(c);
        }
        if r.left() != 0 {
            return Err(MovieError::Corrupt("bytes after the checkpoints"));
        }
        Ok(Movie { rom_hash, timing, submapper, sample_rate, start, inputs, checkpoints })
    }
}

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MovieError> {
        let bytes = self.data.get(self.at..self.at.saturating_add(n)).ok_or(MovieError::Truncated)?;
        self.at += n;
        Ok(bytes)
    }
    fn left(&self) -> usize {
        self.data.len().saturating_sub(self.at)
    }
    fn u8(&mut self) -> Result<u8, MovieError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, MovieError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap_or_default()))
    }
    fn u32(&mut self) -> Result<u32, MovieError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()))
    }
    fn u64(&mut self) -> Result<u64, MovieError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapper::test_util::numbered_image;

    fn movie() -> Movie {
        let nes = Nes::from_ines(&numbered_image(0, 2, 1, 0)).unwrap();
        let mut movie = Movie::new(&nes, MovieStart::PowerOn(RamInit::Seeded(99)), 44_100);
        for f in 0..150u32 {
            movie.record_frame(&nes, [if f < 100 { 0x01 } else { 0x80 }, (f / 50) as u8], u64::from(f));
        }
        movie.finish(&nes, 7);
        movie
    }

    #[test]
    fn a_movie_survives_its_file_and_holds_are_stored_once() {
        let movie = movie();
        assert_eq!(movie.checkpoints.iter().map(|c| c.frame).collect::<Vec<_>>(), [59, 119, 149]);
        let file = movie.encode();
        // Four runs of held buttons, not 150 frames of them.
        assert!(file.len() < 200, "{} bytes", file.len());
        assert_eq!(Movie::decode(&file), Ok(movie));
    }

    #[test]
    fn damaged_movies_are_refused_with_the_reason() {
        let file = movie().encode();
        assert_eq!(Movie::decode(b"PHOSSTAT...."), Err(MovieError::NotAMovie));
        let mut newer = file.clone();
        newer[8] = 2;
        assert!(matches!(Movie::decode(&newer), Err(MovieError::UnsupportedVersion { found: 2, .. })));
        for len in [8, 10, 20, file.len() - 9, file.len() - 1] {
            assert!(Movie::decode(&file[..len]).is_err(), "cut to {len}");
        }
        for i in 10..file.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x04;
            assert!(matches!(Movie::decode(&bad), Err(MovieError::Corrupt(_))), "byte {i}");
        }
    }

    #[test]
    fn a_frame_count_too_large_is_refused_before_it_is_allocated() {
        let mut movie = movie();
        movie.inputs = vec![[0, 0]; 3];
        movie.checkpoints.clear();
        let mut file = movie.encode();
        // The frame count sits just before the run count (1) and the one run (3 frames).
        let runs = file.len() - 8 - 4 - 6 - 4;
        let frames_at = runs - 4;
        assert_eq!(file[frames_at..runs], 3u32.to_le_bytes());
        file[frames_at..runs].copy_from_slice(&u32::MAX.to_le_bytes());
        file[runs + 4..runs + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        let body = file.len() - 8;
        let sum = state::fnv1a(state::FNV_OFFSET, &file[..body]);
        file[body..].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(Movie::decode(&file), Err(MovieError::Corrupt("more frames than a movie can hold")));
    }

    #[test]
    fn a_movie_refuses_another_game_and_catches_a_desync() {
        let movie = movie();
        let other = Cartridge::from_ines(&numbered_image(0, 1, 1, 0)).unwrap();
        assert!(matches!(movie.start(other), Err(MovieError::WrongRom { .. })));
        let cart = Cartridge::from_ines_with(&numbered_image(0, 2, 1, 0), movie.load_options()).unwrap();
        let nes = movie.start(cart).unwrap();
        assert_eq!(nes.ram_init(), RamInit::Seeded(99));
        assert_eq!(movie.check(58, &nes, 0), Ok(()), "no checkpoint there");
        let err = movie.check(59, &nes, 12345).unwrap_err();
        assert!(matches!(err, MovieError::Desync { frame: 59, what: "audio", .. }), "{err:?}");
    }
}
