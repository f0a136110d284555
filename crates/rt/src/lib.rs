//! Phosphor's real-time runtime: the NES core on a thread of its own that
//! never waits for the renderer, the sound card, the disk or the UI.
//!
//! The thread owns the core and a frame pacer. It asks the OS for
//! SCHED_FIFO, a pinned core and locked memory, and reports what it got.
//! It talks to the rest of the program only through lock-free, bounded
//! structures, allocated before its loop starts:
//!
//! | channel | direction | structure |
//! |---|---|---|
//! | input (stamped controller states) | in | rtrb ring |
//! | commands, each answered by a reply | in / out | rtrb rings |
//! | finished frames | out | triple buffer |
//! | sound (48 kHz mono) | out | rtrb ring, dynamic rate control |
//! | status (latest figures) | out | triple buffer |
//! | per-frame records, events | out | rtrb rings |
//! | memory to free (a replaced game) | out | rtrb ring |
//!
//! A full ring never blocks the thread: it counts the loss and goes on. A
//! panic in the core is caught, reported as an [`Event::Panicked`], and the
//! thread waits for a command that gives it a sound machine.
//!
//! ```
//! use std::time::Duration;
//! use phosphor_rt::{Command, Config, Done, Game, Runtime};
//!
//! // A cartridge whose program is one endless loop.
//! let mut rom = vec![0u8; 16 + 0x4000 + 0x2000];
//! rom[..8].copy_from_slice(b"NES\x1a\x01\x01\0\0");
//! rom[16..19].copy_from_slice(&[0x4C, 0x00, 0xC0]); // $C000: JMP $C000
//! rom[16 + 0x3FFD] = 0xC0; // reset vector: $C000
//! let game = Game::from_ines(&rom).unwrap();
//!
//! let mut runtime = Runtime::spawn(Config::unprivileged(), Some(game)).unwrap();
//! let mut frames = runtime.take_frames().unwrap();
//! runtime.input().unwrap().send(0, phosphor_nes::button::START);
//! while frames.read().number < 3 {
//!     std::thread::sleep(Duration::from_millis(5));
//! }
//!
//! let reply = runtime.call(Command::Pause, Duration::from_secs(1)).unwrap();
//! assert!(matches!(reply.result, Ok(Done::Paused(_))));
//! let buffer = Vec::with_capacity(1 << 20); // room for the state (about 180 KiB)
//! let reply = runtime.call(Command::CaptureState(buffer), Duration::from_secs(1)).unwrap();
//! let Ok(Done::StateCaptured(snapshot)) = reply.result else { panic!("{:?}", reply.result) };
//! assert!(snapshot.frame >= 3);
//! let game = runtime.shutdown().unwrap();
//! assert_eq!(game.nes().frame_count(), snapshot.frame);
//! ```

mod alloc;
mod audio;
mod command;
mod config;
mod emulator;
mod frame;
mod game;
mod input;
mod os;
mod pacer;
pub mod rewind;
mod runtime;
pub mod stats;
mod telemetry;

pub use alloc::CountingAllocator;
pub use audio::{
    detached as detached_audio, AudioFeed, AudioOutput, AudioStats, Mark, RateControl, SimulatedDevice, SoundMarker,
    BACKLOG_RATE_ADJUST, MARK_HALF, MARK_LEVEL, MAX_RATE_ADJUST,
};
pub use command::{
    Command, CommandError, CommandId, DebugRequest, DebugStopped, Done, Registers, Reply, Snapshot, StepBack,
    CALL_STACK_DEPTH, MAX_BREAKPOINTS,
};
pub use config::{Config, Pin, RingSizes, DEFAULT_AUDIO_LEAD};
pub use frame::{Frame, FrameReader};
pub use game::Game;
pub use input::{source as input_source, InputEvent, InputSender, LiveButtons, LiveInput};
pub use os::{raise_current_thread, raise_threads_named, Priority, ThreadSetup};
pub use pacer::{Pacer, Plan, Tick};
pub use runtime::{Runtime, SpawnError, TraceReader};
pub use telemetry::{AudioFigures, Event, FrameRecord, Losses, PanicReport, RunState, Status};
