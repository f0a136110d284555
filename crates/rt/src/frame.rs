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
    /// Stamp of the newest input a controller strobe has read (the oldest
    /// change waiting when that strobe came), for end-to-end latency. It
    /// stays on the frames after, until the next: a renderer that skips
    /// frames still sees it.
    pub input_stamp: Option<Instant>,
    /// The device that input came from (see [`crate::input::source`]).
    pub input_source: u8,
    /// Counts the inputs read: a new value is a new input.
    pub input_serial: u64,
    /// When the emulation thread finished that frame.
    pub input_read_at: Option<Instant>,
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
            input_source: 0,
            input_serial: 0,
            input_read_at: None,
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
