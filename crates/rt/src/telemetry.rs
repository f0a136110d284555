//! What the emulation thread tells the rest of the program without ever
//! waiting for it:
//!
//! - [`Status`]: the latest figures and counters, through a triple buffer
//!   (the debugger panel reads it whenever it draws);
//! - [`FrameRecord`]: one per frame, through a ring (graphs, percentiles);
//! - [`Event`]: things that happen rarely (the thread's start, a panic, a
//!   breakpoint), through a ring.

use std::any::Any;
use std::time::Duration;

use crate::command::{DebugStopped, Registers};
use crate::os::{Priority, ThreadSetup};

/// What the emulation thread is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunState {
    /// No game loaded: waiting for `LoadGame`.
    #[default]
    NoGame,
    Running,
    Paused,
    /// The core panicked: waiting for a game, a power cycle or a state.
    Faulted,
    /// The thread has ended.
    Stopped,
}

/// Latest figures, counters since the thread started. Plain data.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Status {
    pub state: RunState,
    pub rom_hash: u64,
    /// Frames the thread has finished and published.
    pub frames: u64,
    pub speed: f32,
    /// Frames whose work ran past the next frame's start.
    pub deadline_misses: u64,
    /// Stalls of over a period after which the schedule restarted.
    pub resyncs: u64,
    /// The last frame's emulation work (run, sound, publish).
    pub work: Duration,
    /// Time between the starts of the last two frames.
    pub interval: Duration,
    /// How late (positive) or early the last frame started, in ns.
    pub pacing_error_ns: i64,
    /// The pacer's current spin margin.
    pub spin_margin: Duration,
    /// From an input event's stamp to the publication of the first frame
    /// that read it, for the last such frame.
    pub input_latency: Option<Duration>,
    pub audio: AudioFigures,
    /// Items waiting in the input and command rings when last looked at.
    pub input_fill: usize,
    pub command_fill: usize,
    pub lost: Losses,
    pub priority: Priority,
    pub pinned_core: Option<usize>,
    pub memory_locked: bool,
    pub panics: u64,
    /// Heap calls the thread made in its loop, when the program installed
    /// [`crate::CountingAllocator`] (`None` otherwise).
    pub rt_heap_calls: Option<u64>,
    /// Frames in which the game wrote its battery RAM (save when this moves).
    pub battery_writes: u64,
    /// The CPU at the end of the last frame or step.
    pub cpu: Registers,
    /// The 16 bytes from the PC, to disassemble the next instructions.
    pub code: [u8; 16],
    /// The PRG ROM offset mapped at $6000, $8000, $A000, $C000 and $E000
    /// (8 KiB each), `u32::MAX` where no ROM is: what the debugger needs to
    /// name banked code.
    pub prg_banks: [u32; 5],
    /// Frames of run-ahead in force (0 while it is off by itself) and asked for.
    pub run_ahead: u8,
    pub run_ahead_setting: u8,
    /// Times run-ahead went back and ran its frames again (the buttons changed).
    pub run_ahead_reruns: u64,
    pub rewind: crate::rewind::RewindFigures,
}

impl Status {
    /// The PRG ROM offset the CPU sees at `addr` now, if ROM is mapped there.
    pub fn prg_offset(&self, addr: u16) -> Option<u32> {
        let slot = usize::from(addr >> 13).checked_sub(3)?;
        let base = self.prg_banks[slot];
        (base != u32::MAX).then(|| base + u32::from(addr & 0x1FFF))
    }

    /// The CPU address at which PRG ROM offset `offset` is mapped now.
    pub fn cpu_address(&self, offset: u32) -> Option<u16> {
        self.prg_banks.iter().enumerate().find_map(|(slot, &base)| {
            (base != u32::MAX && (base..base + 0x2000).contains(&offset)).then(|| (((slot + 3) as u16) << 13) | (offset - base) as u16)
        })
    }
}

/// The sound ring, from the producer's side (underruns from the device's).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AudioFigures {
    pub fill: usize,
    pub capacity: usize,
    /// The lead in force (fill kept before a frame goes in), in samples;
    /// the device side's figures are in [`crate::AudioStats`].
    pub target: usize,
    /// The fill before a frame's samples go in (what rate control steers
    /// onto `target`), averaged over the last whole second of playing, in
    /// samples, and how many such seconds there were so far.
    pub lead_second_mean: f64,
    pub lead_seconds: u64,
    /// The resampling ratio dynamic rate control set last.
    pub ratio: f64,
    pub overruns: u64,
    pub dropped_samples: u64,
    pub underruns: u64,
}

/// Items a full ring made the thread drop (it never waits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Losses {
    pub records: u64,
    pub events: u64,
    pub replies: u64,
    /// Memory freed on the thread because the garbage ring was full.
    pub garbage: u64,
    /// Trace entries dropped because the trace ring was full.
    pub trace: u64,
}

/// One frame's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRecord {
    /// The console's frame count when the frame finished.
    pub frame: u64,
    /// Nanoseconds since the previous frame started (0 for the first after
    /// a start, pause or load).
    pub interval_ns: u64,
    /// Start minus due time, in ns.
    pub pacing_error_ns: i64,
    pub work_ns: u64,
    pub missed: bool,
    pub resynced: bool,
    pub audio_fill: u32,
    pub input_latency_ns: Option<u64>,
}

/// Rare happenings.
#[derive(Debug)]
pub enum Event {
    /// The thread is up: what it asked the OS for and what it got.
    Started(ThreadSetup),
    /// The core panicked; the thread lives on, waiting for a command.
    Panicked(PanicReport),
    /// The debugger stopped the CPU (a breakpoint, a break option, a step
    /// done); the thread is paused before the instruction at PC.
    Stopped(DebugStopped),
}

/// A caught panic. The payload is moved, not formatted, on the thread.
#[derive(Debug)]
pub struct PanicReport {
    pub frame: u64,
    payload: PanicPayload,
}

struct PanicPayload(Box<dyn Any + Send>);

impl std::fmt::Debug for PanicPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PanicPayload")
    }
}

impl PanicReport {
    pub(crate) fn new(frame: u64, payload: Box<dyn Any + Send>) -> Self {
        PanicReport { frame, payload: PanicPayload(payload) }
    }

    /// The panic's message, as `panic!` was given it.
    pub fn message(&self) -> &str {
        let payload = &self.payload.0;
        if let Some(s) = payload.downcast_ref::<&'static str>() {
            s
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s
        } else {
            "a panic with no message"
        }
    }
}
