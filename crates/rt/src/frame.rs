//! Finished frames, handed to the renderer through a triple buffer: the
//! emulation thread always has a buffer to write, the renderer always reads
//! the newest complete frame, and neither ever waits for the other.

use std::time::Instant;

use phosphor_nes::{HEIGHT, WIDTH};

/// One finished picture and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The console's frame count when it finished (0 before the first).
    pub number: u64,
    /// Palette indices (bits 0-5) and emphasis (bits 6-8), row by row.
    pub pixels: Box<[u16; WIDTH * HEIGHT]>,
    /// The game it belongs to (0: none).
    pub rom_hash: u64,
    /// When the emulation thread published it.
    pub finished_at: Option<Instant>,
    /// Stamp of the oldest input that this frame's game logic read (the
    /// first strobe after the input was set), for end-to-end latency.
    pub input_stamp: Option<Instant>,
}

impl Frame {
    /// A black frame numbered 0.
    pub fn blank() -> Self {
        Frame {
            number: 0,
            pixels: Box::new([0x0F; WIDTH * HEIGHT]),
            rom_hash: 0,
            finished_at: None,
            input_stamp: None,
        }
    }
}

impl Default for Frame {
    fn default() -> Self {
        Frame::blank()
    }
}

/// The renderer's end: `read()` gives the newest frame, `updated()` says
/// whether one arrived since the last read.
pub type FrameReader = triple_buffer::Output<Frame>;
