//! Commands to the emulation thread and its replies. Each command gets an
//! id and exactly one reply with that id, saying what was done or why not
//! in words the frontend can show. Buffers travel with the commands that
//! need them (a state to capture into, a state to restore) and come back
//! in the reply, so the emulation thread never allocates or frees.

use phosphor_nes::debug::{BreakOptions, BreakReason, Breakpoint, CallFrame, Condition, MemoryError, MemorySpace, StepMode};
use phosphor_nes::state::{StateError, StateHeader};
use phosphor_nes::Nes;

use crate::game::Game;

pub use phosphor_nes::debug::{CALL_STACK_DEPTH, MAX_BREAKPOINTS};

/// What the frontend asks of the emulation thread.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
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
    /// Frames of run-ahead (0 to [`phosphor_nes::runahead::MAX_FRAMES`]);
    /// off by itself while the debugger is armed, while rewinding and away
    /// from 1x.
    SetRunAhead(u8),
    /// The run-ahead method (the speculative one unless a benchmark asks).
    SetRunAheadMethod(phosphor_nes::runahead::Method),
    /// Frames of rewind history to keep (0 stops recording and forgets it).
    SetRewind { frames: u32 },
    /// Rewinding while true (the held key): the game runs backwards at its
    /// speed, picture and sound reversed; false plays on from there.
    Rewind(bool),
    /// Panics on the emulation thread: exercises fault isolation.
    #[cfg(feature = "fault-injection")]
    InjectPanic(&'static str),
}

/// The debugger's requests. Everything they carry was built off the
/// thread (conditions come compiled); answers come back in buffers the
/// request brought. Breakpoints and conditions travel inline, not boxed:
/// a box would be freed on the thread.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum DebugRequest {
    Registers,
    /// Reads `buf.len()` bytes of the CPU address space from `start`,
    /// without side effects (no register reads happen).
    ReadMemory { start: u16, buf: Vec<u8> },
    /// Reads `buf.len()` bytes of any memory from `start`, without side effects.
    ReadSpace { space: MemorySpace, start: u32, buf: Vec<u8> },
    /// Changes one byte in place (between instructions; no register reacts).
    WriteMemory { space: MemorySpace, addr: u32, value: u8 },
    /// Sets PC, A, X, Y, S and P (the rest of `Registers` is ignored).
    SetRegisters(Registers),
    /// Adds a breakpoint, or replaces the one with its id.
    SetBreakpoint(Breakpoint),
    RemoveBreakpoint(u32),
    EnableBreakpoint { id: u32, enabled: bool },
    ClearBreakpoints,
    /// How often each breakpoint fired, by id.
    BreakpointHits,
    SetBreakOptions(BreakOptions),
    /// Runs (the game resumes) until the step is done, then pauses with
    /// an [`Event::Stopped`](crate::Event::Stopped).
    Step(StepMode),
    /// Starts or stops the trace (entries arrive through
    /// [`Runtime::take_trace`](crate::Runtime::take_trace)); the filter
    /// keeps only the instructions for which it holds.
    Trace { on: bool, filter: Option<Condition> },
    /// Starts or stops the code/data log (what it has is kept).
    CodeDataLog(bool),
    ClearCodeDataLog,
    /// Copies the code/data log as a `.cdl` file into the buffer, which
    /// needs room for PRG + CHR ROM bytes.
    CopyCodeDataLog(Vec<u8>),
    /// Merges a `.cdl` file into the log.
    MergeCodeDataLog(Vec<u8>),
    /// Starts or stops the access counters behind the memory viewer's highlights.
    AccessCounters(bool),
    /// Three bytes per address from `start` into `buf` (frames since the
    /// last read, write and execute; 255 for longer or never).
    AccessAges { start: u16, buf: Vec<u8> },
    /// Holds a CPU address at a value; `None` lets it go.
    Freeze { addr: u16, value: Option<u8> },
    CallStack,
    /// Keeps the call stack (every instruction is then looked at).
    CallTracking(bool),
    /// Goes back in time (paused), through the rewind history and a
    /// deterministic replay from the state before the target.
    StepBack(StepBack),
}

/// How far [`DebugRequest::StepBack`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepBack {
    /// To the start of the instruction before the one at PC.
    Instruction,
    /// To the first instruction at or after the same dot one scanline earlier.
    Scanline,
    /// To the first instruction at or after the same moment one frame earlier.
    Frame,
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
        // An older layout is brought up to this build's here, off the thread.
        let body = phosphor_nes::state::migrate(header.format_version, body).into_owned();
        Ok((Snapshot { rom_hash: header.rom_hash, frame: header.frame, body }, header))
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
    /// A step stopped inside an instruction: the CPU cycle shown (PC and
    /// the registers are the instruction's start, the PPU that moment's).
    pub inside_instruction: Option<u64>,
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
            inside_instruction: nes.debugger().and_then(phosphor_nes::debug::Debugger::inside_instruction),
        }
    }
}

/// What a command did. Answers travel inline in the preallocated reply
/// ring: boxing the large ones would allocate on the thread.
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
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
    Space { space: MemorySpace, start: u32, bytes: Vec<u8> },
    Breakpoints { count: usize },
    /// `(id, hits)` of each breakpoint, the first `count` in use.
    BreakpointHits { hits: [(u32, u64); MAX_BREAKPOINTS], count: usize },
    /// The debugger took it (a step, a switch, an edit).
    Debug,
    CodeDataLog(Vec<u8>),
    AccessAges { start: u16, ages: Vec<u8> },
    /// The calls in progress, outermost first (the first `depth`), and the
    /// CPU cycles run since the debugger last stopped the CPU.
    CallStack { frames: [CallFrame; CALL_STACK_DEPTH], depth: usize, cycles_since_stop: u64 },
    RunAheadSet(u8),
    RewindSet { frames: u32 },
    /// Rewinding started (true) or stopped.
    Rewinding(bool),
    /// Stepped back: where the CPU is now.
    SteppedBack(Registers),
}

/// What [`Event::Stopped`](crate::Event::Stopped) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebugStopped {
    pub reason: BreakReason,
    pub registers: Registers,
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
    #[error("no breakpoint has id {0}")]
    NoSuchBreakpoint(u32),
    #[error("at most {} addresses can be frozen", phosphor_nes::debug::MAX_FREEZES)]
    TooManyFreezes,
    #[error("{0}")]
    Memory(#[from] MemoryError),
    #[error("{0}")]
    CodeDataLog(#[from] phosphor_nes::debug::cdl::CdlSizeError),
    #[error("save state: {0}")]
    State(#[from] StateError),
    #[error("run-ahead goes up to {max} frames, not {0}", max = phosphor_nes::runahead::MAX_FRAMES)]
    RunAheadOutOfRange(u8),
    #[error("rewind is off: turn it on in Settings to go back")]
    RewindOff,
    #[error("the rewind history is still being read; try again")]
    HistoryNotReady,
    #[error("the rewind history goes back no further")]
    HistoryStart,
}
