//! The emulation plugin: owns the handle of the real-time emulation thread
//! (`phosphor_rt`). Everything else in the app talks to the emulator
//! through what this plugin puts in the world:
//!
//! - [`Emulator`] (resource): send commands, see what is loaded;
//! - [`Pads`] (resource): the buttons both controllers hold, forwarded to
//!   the input ring when they change (in [`EmulationSystems::SendInput`]);
//! - [`FrameFeed`] (resource): the reading end of the frame triple buffer;
//! - [`SoundFeed`] (resource): the sound ring's output, for whoever plays it;
//! - [`TraceFeed`] (resource): the trace ring's output, for the debugger;
//! - [`Telemetry`] (resource): the thread's latest status and recent frames;
//! - [`LoadRom`] (message in): build a game from iNES bytes (or a
//!   cartridge already parsed, with its battery RAM) and start it;
//! - [`Stopped`] (resource, at exit): the last game's battery RAM and
//!   state as the thread left them, for the storage plugin to write;
//! - [`EmuReply`], [`EmuNotice`] (messages out): command replies, and
//!   things to tell the player (a game started, a ROM refused, a fault).
//!
//! No emulation logic lives here: the core runs on its own thread.

mod handle;
mod sound_watch;
mod telemetry;

pub use handle::{Emulator, FrameFeed, LoadedGame, SendError, SoundFeed, Stopped, TraceFeed};
pub use sound_watch::SoundWatch;
pub use telemetry::{Telemetry, HISTORY};

use bevy::prelude::*;
use phosphor_rt::{CommandError, Config, Done, Reply};

/// Adds the emulation thread. It starts with no game; send [`LoadRom`].
#[derive(Debug, Clone, Default)]
pub struct EmulationPlugin {
    pub config: Config,
}

/// Where this plugin's systems sit, for others to order against.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum EmulationSystems {
    /// Forwards [`Pads`] to the input ring (PreUpdate): map input before it.
    SendInput,
    /// Reads replies, events and telemetry (PreUpdate, after SendInput).
    Receive,
    /// Handles [`LoadRom`] (Update).
    Load,
    /// Stops the thread on `AppExit` and fills [`Stopped`] (Last).
    Stop,
}

/// The buttons held on controllers 1 and 2 (bits of `phosphor_nes::button`).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pads {
    pub buttons: [u8; 2],
    /// Per port, the device whose change made these buttons
    /// ([`phosphor_rt::input_source`]): the input latency is told per device.
    pub sources: [u8; 2],
}

/// How games power on (a setting): what the console's RAM holds at first.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PowerOn {
    pub ram_init: phosphor_nes::RamInit,
    /// A new random pattern for every game started (as a real console's
    /// RAM powers up differently each time); `ram_init` is then ignored.
    pub random_each_time: bool,
    /// Run every game as this console; `None`: as its header says.
    pub region: Option<phosphor_nes::Region>,
}

/// Asks for a ROM to be loaded and run from power-on.
#[derive(Message, Debug, Clone)]
pub struct LoadRom {
    /// What the player knows it as (file name or title).
    pub name: String,
    pub bytes: std::sync::Arc<[u8]>,
    /// The cartridge already parsed from `bytes` (with its battery RAM
    /// loaded), or `None` to parse it here.
    pub cartridge: Option<Box<phosphor_nes::Cartridge>>,
    /// The file it came from, if any: the debugger looks beside it for the
    /// game's debug files.
    pub path: Option<std::path::PathBuf>,
}

impl LoadRom {
    /// A ROM to parse here, with no saved battery RAM.
    pub fn new(name: impl Into<String>, bytes: impl Into<std::sync::Arc<[u8]>>) -> Self {
        LoadRom { name: name.into(), bytes: bytes.into(), cartridge: None, path: None }
    }

    /// The same ROM, known to come from `path`.
    pub fn from_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// A reply from the emulation thread, for the system that sent the command
/// (it kept the id [`Emulator::send`] returned).
#[derive(Message, Debug)]
pub struct EmuReply {
    pub id: u64,
    pub result: Result<Done, CommandError>,
    /// The buffer a command carried, when it comes back (always for a
    /// failed one; for a capture, the state).
    pub buffer: Option<Vec<u8>>,
}

impl From<Reply> for EmuReply {
    fn from(reply: Reply) -> Self {
        EmuReply { id: reply.id, result: reply.result, buffer: reply.buffer }
    }
}

/// Something the player should be told, in words.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum EmuNotice {
    GameStarted { name: String },
    /// A ROM that could not be loaded, and why.
    RomRefused { name: String, reason: String },
    /// The core panicked; the thread waits for a reset, a power cycle, a
    /// state or another game.
    Fault { message: String },
    /// The thread could not get what it asked the OS for (it runs anyway).
    Degraded { what: String },
    /// The emulation thread could not start or has stopped.
    Unavailable { reason: String },
    /// Anything else that went well (a state saved, a screenshot written).
    Info(String),
    /// Anything else that went wrong, with the reason.
    Problem(String),
}

impl Plugin for EmulationPlugin {
    fn build(&self, app: &mut App) {
        let (emulator, frames, sound, trace) = Emulator::spawn(self.config.clone());
        app.insert_resource(emulator)
            .insert_resource(frames)
            .insert_resource(sound)
            .insert_resource(trace)
            .init_resource::<Pads>()
            .init_resource::<PowerOn>()
            .init_resource::<Telemetry>()
            .insert_resource(sound_watch::SoundWatch::new(self.config.sample_rate))
            .add_message::<LoadRom>()
            .add_message::<EmuReply>()
            .add_message::<EmuNotice>()
            .configure_sets(
                PreUpdate,
                (EmulationSystems::SendInput, EmulationSystems::Receive).chain(),
            )
            .add_systems(PreUpdate, handle::send_input.in_set(EmulationSystems::SendInput))
            .add_systems(PreUpdate, handle::receive.in_set(EmulationSystems::Receive))
            .add_systems(Update, handle::load_roms.in_set(EmulationSystems::Load))
            .add_systems(Update, sound_watch::watch_sound)
            .add_systems(Last, sound_watch::log_at_exit.before(EmulationSystems::Stop))
            .add_systems(Last, handle::stop_on_exit.in_set(EmulationSystems::Stop));
    }
}
