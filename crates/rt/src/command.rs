//! Commands to the emulation thread and its replies. Each command gets an
//! id and exactly one reply with that id, saying what was done or why not
//! in words the frontend can show. Buffers travel with the commands that
//! need them (a state to capture into, a state to restore) and come back
//! in the reply, so the emulation thread never allocates or frees.

use phosphor_nes::state::{StateError, StateHeader};
use phosphor_nes::Nes;

use crate::game::Game;

/// Breakpoints the thread checks at once (a fixed table: no allocation).
pub const MAX_BREAKPOINTS: usize = 16;

/// What the frontend asks of the emulation thread.
#[derive(Debug)]
pub enum Command {
    /// Inserts a game (built off the thread) and runs it from power-on.
    /// The game it replaces comes back through the garbage ring.
    LoadGame(Box<Game>),
    /// The console's reset button.
    Reset,
    /// Off and on again; battery and cartridge RAM survive.
    PowerCycle,
    Pause,
    Resume,
    /// Runs to the end of the current frame, then stays paused.
    StepFrame,
    /// Runs one CPU instruction, then stays paused.
    StepInstruction,
    /// Runs at this multiple of the console's frame rate (0.1 up to the
    /// configured cap). Sound follows the speed between 0.5x and 2x and is
    /// muted beyond.
    SetSpeed(f32),
    /// Captures the machine into this buffer, which needs room for
    /// [`Nes::state_len`] bytes (it is never grown on the thread).
    CaptureState(Vec<u8>),
    /// Restores a snapshot of the loaded game.
    RestoreState(Snapshot),
    /// Copies the cartridge's battery RAM into this buffer (same rule on
    /// capacity as `CaptureState`), for the save file.
    CopyBatteryRam(Vec<u8>),
    Debug(DebugRequest),
    /// Panics on the emulation thread: exercises fault isolation.
    #[cfg(feature = "fault-injection")]
    InjectPanic(&'static str),
}

/// Questions from the debugger; none of them stops the emulation.
#[derive(Debug)]
pub enum DebugRequest {
    Registers,
    /// Reads `buf.len()` bytes of the CPU address space from `start`,
    /// without side effects (no register reads happen).
    ReadMemory { start: u16, buf: Vec<u8> },
    /// Pauses before the instruction at this address runs.
    AddBreakpoint(u16),
    RemoveBreakpoint(u16),
    ClearBreakpoints,
}

/// A captured machine: the body of a save state, and what it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub rom_hash: u64,
    /// The console's frame count when it was taken.
    pub frame: u64,
    /// [`Nes::capture`] bytes.
    pub body: Vec<u8>,
}

impl Snapshot {
    /// Reads a save-state file for the game with ROM hash `loaded`: format,
    /// version, game and checksum are all checked here, off the thread.
    pub fn from_file(file: &[u8], loaded: u64) -> Result<(Snapshot, StateHeader), StateError> {
        let (header, body) = StateHeader::parse(file)?;
        header.check(loaded)?;
        Ok((Snapshot { rom_hash: header.rom_hash, frame: header.frame, body: body.to_vec() }, header))
    }

    /// A save-state file with this thumbnail (what [`Nes::save_state`] writes).
    pub fn to_file(&self, thumbnail: &[u8]) -> Vec<u8> {
        let mut file = Vec::with_capacity(self.body.len() + thumbnail.len() + 64);
        StateHeader::write(self.rom_hash, self.frame, thumbnail, &self.body, &mut file);
        file.extend_from_slice(&self.body);
        file
    }
}

/// Identifies a command and its reply.
pub type CommandId = u64;

#[derive(Debug)]
pub(crate) struct Envelope {
    pub id: CommandId,
    pub command: Command,
}

/// The answer to one command.
#[derive(Debug)]
pub struct Reply {
    pub id: CommandId,
    pub result: Result<Done, CommandError>,
    /// The buffer a failed command carried, handed back for reuse.
    pub buffer: Option<Vec<u8>>,
}

/// CPU registers and where the PPU is, for the debugger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Registers {
    pub pc: u16,
    pub a: u8,
    pub x: u8,
    pub y: u8,
    pub s: u8,
    pub p: u8,
    pub jammed: bool,
    pub cpu_cycle: u64,
    pub scanline: u16,
    pub dot: u16,
    pub frame: u64,
}

impl Registers {
    pub fn of(nes: &Nes) -> Self {
        let cpu = nes.cpu();
        let ppu = &nes.bus().ppu;
        Registers {
            pc: cpu.pc,
            a: cpu.a,
            x: cpu.x,
            y: cpu.y,
            s: cpu.s,
            p: cpu.p,
            jammed: cpu.jammed,
            cpu_cycle: cpu.cycles,
            scanline: ppu.scanline(),
            dot: ppu.dot(),
            frame: nes.frame_count(),
        }
    }
}

/// What a command did.
#[derive(Debug, PartialEq)]
pub enum Done {
    Loaded { rom_hash: u64 },
    Reset,
    PowerCycled,
    Paused(Registers),
    Resumed,
    SteppedFrame { frame: u64 },
    SteppedInstruction(Registers),
    /// The speed now in force.
    SpeedSet(f32),
    StateCaptured(Snapshot),
    /// The snapshot's buffer comes back for reuse.
    StateRestored { frame: u64, buffer: Vec<u8> },
    BatteryRam(Vec<u8>),
    Registers(Registers),
    Memory { start: u16, bytes: Vec<u8> },
    Breakpoints { count: usize },
}

/// Why a command was not done. The running game is untouched by every one.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CommandError {
    #[error("no game is loaded")]
    NoGame,
    #[error("the emulation stopped on an internal error; load a game, power cycle or restore a state")]
    Faulted,
    #[error("the buffer holds {capacity} bytes; {needed} are needed")]
    BufferTooSmall { needed: usize, capacity: usize },
    #[error("this save state belongs to another game")]
    WrongGame,
    #[error("the game has no battery-backed RAM")]
    NoBattery,
    #[error("speed {requested}x is outside 0.1x to {max}x")]
    SpeedOutOfRange { requested: f32, max: f32 },
    #[error("at most {MAX_BREAKPOINTS} breakpoints")]
    TooManyBreakpoints,
    #[error("save state: {0}")]
    State(#[from] StateError),
}
