//! What the workspace knows of the machine, and how it asks for more.
//!
//! Panels never talk to the emulation thread themselves: they read
//! [`DebugState`] and queue requests on it; [`send_requests`] sends them,
//! [`receive_replies`] files each answer where it belongs, and [`refresh`]
//! asks for what the open panels show, ten times a second. Breakpoint
//! conditions and trace filters are compiled here, on the main thread,
//! with the game's labels; the thread gets the compiled form.

use std::collections::{HashMap, VecDeque};

use bevy::prelude::*;
use phosphor_emulation::{EmuReply, Emulator, Telemetry, TraceFeed};
use phosphor_nes::debug::{
    kind, AddressSpace, BreakOptions, Breakpoint, CallFrame, Condition, MemorySpace, StepMode, TraceEntry,
};
use phosphor_rt::{Command, DebugRequest, Done};
use serde::{Deserialize, Serialize};

use crate::symbols::{Place, Symbols};
use crate::workspace::{PanelKind, Workspace};

/// How often the open panels' data is fetched.
const REFRESH_SECONDS: f64 = 0.1;
/// Trace entries kept for the trace panel (the oldest go first).
pub const TRACE_KEPT: usize = 1 << 20;
/// Bytes of memory the memory panel fetches at once (the rows in view and some).
const MEMORY_WINDOW: usize = 0x400;

/// A breakpoint as the player wrote it (kept per game; compiled to the
/// core's form with the labels known when it is sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BreakpointSpec {
    pub id: u32,
    pub exec: bool,
    pub read: bool,
    pub write: bool,
    /// PRG ROM offsets instead of CPU addresses.
    pub prg: bool,
    pub start: u32,
    pub end: u32,
    /// Empty: always.
    pub condition: String,
    pub ignore_dummy: bool,
    pub enabled: bool,
}

impl Default for BreakpointSpec {
    fn default() -> Self {
        BreakpointSpec {
            id: 0,
            exec: true,
            read: false,
            write: false,
            prg: false,
            start: 0,
            end: 0,
            condition: String::new(),
            ignore_dummy: true,
            enabled: true,
        }
    }
}

impl BreakpointSpec {
    /// The core's breakpoint, its condition compiled with the game's labels.
    pub fn compile(&self, symbols: &Symbols, status: &phosphor_rt::Status) -> Result<Breakpoint, String> {
        let kinds = (u8::from(self.exec) * kind::EXEC) | (u8::from(self.read) * kind::READ) | (u8::from(self.write) * kind::WRITE);
        if kinds == 0 {
            return Err("choose execute, read or write".into());
        }
        let space = if self.prg { AddressSpace::PrgRom } else { AddressSpace::Cpu };
        let mut bp = Breakpoint::on(self.id, kinds, space, self.start, self.end.max(self.start));
        bp.ignore_dummy = self.ignore_dummy;
        bp.enabled = self.enabled;
        if !self.condition.trim().is_empty() {
            let condition = compile(&self.condition, symbols, status).map_err(|e| format!("condition {e}"))?;
            bp.condition = Some(condition);
        }
        Ok(bp)
    }

    /// "X $C000", "RW $0300-$03FF", "X PRG $1A2B".
    pub fn describe(&self, symbols: &Symbols) -> String {
        let kinds: String = [(self.read, 'R'), (self.write, 'W'), (self.exec, 'X')].iter().filter(|k| k.0).map(|k| k.1).collect();
        let place = |a: u32| if self.prg { Place::Prg(a) } else { Place::Cpu(a as u16) };
        let label = symbols.label(place(self.start)).map(|l| format!(" {l}")).unwrap_or_default();
        let prefix = if self.prg { "PRG " } else { "" };
        if self.end > self.start {
            format!("{kinds} {prefix}${:04X}-${:04X}{label}", self.start, self.end)
        } else {
            format!("{kinds} {prefix}${:04X}{label}", self.start)
        }
    }
}

/// Compiles an expression with the game's labels (a label names the CPU
/// address its byte is mapped at now, or its RAM address).
pub fn compile(text: &str, symbols: &Symbols, status: &phosphor_rt::Status) -> Result<Condition, String> {
    let label = |name: &str| match symbols.place_of(name)? {
        Place::Cpu(a) => Some(a),
        Place::Prg(o) => status.cpu_address(o),
    };
    Condition::parse_with(text, &label).map_err(|e| e.to_string())
}

/// What a reply is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Code,
    Memory,
    Ages,
    Bus,
    CallStack,
    Hits,
    Cdl,
    Search,
    /// A step back, sent again while the rewind history is being read.
    StepBack(phosphor_rt::StepBack, u8),
    /// The state a latency measurement starts from.
    Measure(u8),
    /// A command whose only news is a refusal.
    Action,
}

/// One fetched stretch of a memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryView {
    pub space: MemorySpace,
    pub start: u32,
    pub bytes: Vec<u8>,
    /// Frames since the last read, write and execute of each byte (CPU bus only).
    pub ages: Vec<u8>,
}

/// The cheat-finder's candidates: addresses of internal RAM whose value
/// matched every search so far, and the values at the last search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub candidates: Option<Vec<u16>>,
    pub last: Vec<u8>,
    pending: Option<SearchOp>,
}

/// One step of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOp {
    Equal(u8),
    Changed,
    Unchanged,
    Increased,
    Decreased,
}

/// Everything the panels show and edit.
#[derive(Resource, Debug)]
pub struct DebugState {
    pub breakpoints: Vec<BreakpointSpec>,
    pub hits: HashMap<u32, u64>,
    next_id: u32,
    pub options: BreakOptions,
    pub symbols: Symbols,
    /// The ROM hash the symbols were looked up for.
    pub(crate) symbols_for: Option<u64>,
    /// Which start of a game this state follows (`LoadedGame::serial`).
    pub(crate) game_serial: u64,
    pub trace: VecDeque<TraceEntry>,
    pub trace_on: bool,
    pub trace_filter: String,
    /// Entries that did not fit [`TRACE_KEPT`] and were dropped here.
    pub trace_dropped: u64,
    pub cdl_on: bool,
    /// The last `.cdl` image fetched (PRG then CHR bytes) and the PRG size.
    pub cdl: Option<(Vec<u8>, usize)>,
    pub memory: MemoryView,
    /// Where the memory panel looks.
    pub memory_space: MemorySpace,
    pub memory_start: u32,
    /// The whole CPU address space, for watches (fetched while they show).
    pub bus: Vec<u8>,
    pub call_stack: Vec<CallFrame>,
    pub cycles_since_stop: u64,
    pub watches: Vec<String>,
    pub search: Search,
    pub freezes: Vec<(u16, u8)>,
    /// The memory around PC the code view decodes: its start and bytes.
    pub code_window: Option<(u16, Vec<u8>)>,
    /// The source view follows PC, on `source_file`.
    pub follow_pc: bool,
    pub source_file: usize,
    pub(crate) scrolled_to: Option<(usize, usize)>,
    /// The registers as being edited in the CPU panel.
    pub(crate) edit: Option<phosphor_rt::Registers>,
    /// What went wrong last (a condition that does not compile, a refusal), in words.
    pub problems: VecDeque<String>,
    pending: HashMap<u64, Pending>,
    outbox: VecDeque<Command>,
    outbox_kinds: VecDeque<Pending>,
    last_refresh: f64,
    /// Breakpoints, options and switches must be sent again (a new game).
    pub(crate) resend: bool,
    /// Press-to-picture latencies measured for this game: the button, the
    /// run-ahead, the frames (`None`: nothing changed on screen).
    pub latencies: Vec<LatencyResult>,
    /// A measurement under way (off this thread's frame).
    pub(crate) measuring: Option<bevy::tasks::Task<Result<Vec<LatencyResult>, String>>>,
    /// The button the latency measurement presses.
    pub measure_button: u8,
}

/// One measured press: frames from the press to the first frame whose
/// picture differs from a run without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyResult {
    pub button: u8,
    pub run_ahead: u8,
    pub frames: Option<u64>,
}

impl Default for DebugState {
    fn default() -> Self {
        DebugState {
            breakpoints: Vec::new(),
            hits: HashMap::new(),
            next_id: 1,
            options: BreakOptions::default(),
            symbols: Symbols::default(),
            symbols_for: None,
            game_serial: 0,
            trace: VecDeque::new(),
            trace_on: false,
            trace_filter: String::new(),
            trace_dropped: 0,
            cdl_on: false,
            cdl: None,
            memory: MemoryView::default(),
            memory_space: MemorySpace::CpuBus,
            memory_start: 0,
            bus: Vec::new(),
            call_stack: Vec::new(),
            cycles_since_stop: 0,
            watches: Vec::new(),
            search: Search::default(),
            freezes: Vec::new(),
            code_window: None,
            follow_pc: true,
            source_file: 0,
            scrolled_to: None,
            edit: None,
            problems: VecDeque::new(),
            pending: HashMap::new(),
            outbox: VecDeque::new(),
            outbox_kinds: VecDeque::new(),
            last_refresh: f64::NEG_INFINITY,
            resend: false,
            latencies: Vec::new(),
            measuring: None,
            measure_button: phosphor_nes::button::A,
        }
    }
}

impl DebugState {
    fn queue(&mut self, request: DebugRequest, kind: Pending) {
        self.outbox.push_back(Command::Debug(request));
        self.outbox_kinds.push_back(kind);
    }

    /// Queues a debugger request whose answer needs no filing.
    pub fn send(&mut self, request: DebugRequest) {
        self.queue(request, Pending::Action);
    }

    /// Queues any command (resume, pause).
    pub fn command(&mut self, command: Command) {
        self.outbox.push_back(command);
        self.outbox_kinds.push_back(Pending::Action);
    }

    pub fn problem(&mut self, text: impl Into<String>) {
        let text = text.into();
        warn!("debugger: {text}");
        self.problems.push_back(text);
        while self.problems.len() > 5 {
            self.problems.pop_front();
        }
    }

    /// Adds a breakpoint (sent at once); the id it got.
    pub fn add_breakpoint(&mut self, mut spec: BreakpointSpec, status: &phosphor_rt::Status) -> Option<u32> {
        spec.id = self.next_id;
        match spec.compile(&self.symbols, status) {
            Ok(bp) => {
                self.next_id += 1;
                self.send(DebugRequest::SetBreakpoint(bp));
                let id = spec.id;
                self.breakpoints.push(spec);
                Some(id)
            }
            Err(e) => {
                self.problem(format!("breakpoint not set: {e}"));
                None
            }
        }
    }

    /// Sends an edited breakpoint again; a condition that does not compile
    /// is reported and the thread keeps the last good one.
    pub fn update_breakpoint(&mut self, index: usize, status: &phosphor_rt::Status) {
        let Some(spec) = self.breakpoints.get(index).cloned() else { return };
        match spec.compile(&self.symbols, status) {
            Ok(bp) => self.send(DebugRequest::SetBreakpoint(bp)),
            Err(e) => self.problem(format!("breakpoint {}: {e}", spec.describe(&self.symbols))),
        }
    }

    pub fn remove_breakpoint(&mut self, id: u32) {
        self.breakpoints.retain(|b| b.id != id);
        self.send(DebugRequest::RemoveBreakpoint(id));
    }

    /// Sets or clears an execute breakpoint on one place (a click in the
    /// code or source view): PRG ROM offsets for code in ROM, so it fires
    /// only in that bank.
    pub fn toggle_exec_breakpoint(&mut self, place: Place, status: &phosphor_rt::Status) {
        let (prg, at) = match place {
            Place::Prg(o) => (true, o),
            Place::Cpu(a) => (false, u32::from(a)),
        };
        let existing = self.breakpoints.iter().find(|b| b.exec && b.prg == prg && b.start == at && b.end == at).map(|b| b.id);
        match existing {
            Some(id) => self.remove_breakpoint(id),
            None => {
                self.add_breakpoint(BreakpointSpec { prg, start: at, end: at, ..Default::default() }, status);
            }
        }
    }

    /// The execute breakpoint on this place, if any (for the gutter dots).
    pub fn exec_breakpoint_at(&self, place: Place) -> Option<&BreakpointSpec> {
        let (prg, at) = match place {
            Place::Prg(o) => (true, o),
            Place::Cpu(a) => (false, u32::from(a)),
        };
        self.breakpoints.iter().find(|b| b.exec && b.prg == prg && (b.start..=b.end).contains(&at))
    }

    /// A breakpoint on source line `line` (1-based) of file `file`, at the
    /// first byte ld65 put its code at.
    pub fn toggle_line_breakpoint(&mut self, file: usize, line: usize, status: &phosphor_rt::Status) -> bool {
        match self.symbols.places_of_line(file, line).first().copied() {
            Some(place) => {
                self.toggle_exec_breakpoint(place, status);
                true
            }
            None => false,
        }
    }

    pub fn set_options(&mut self, options: BreakOptions) {
        self.options = options;
        self.send(DebugRequest::SetBreakOptions(options));
    }

    /// Starts or stops the trace with the filter as written.
    pub fn set_trace(&mut self, on: bool, status: &phosphor_rt::Status) {
        let filter = if self.trace_filter.trim().is_empty() {
            None
        } else {
            match compile(&self.trace_filter, &self.symbols, status) {
                Ok(c) => Some(c),
                Err(e) => {
                    self.problem(format!("trace filter {e}"));
                    return;
                }
            }
        };
        self.trace_on = on;
        self.send(DebugRequest::Trace { on, filter });
    }

    pub fn set_cdl(&mut self, on: bool) {
        self.cdl_on = on;
        self.send(DebugRequest::CodeDataLog(on));
    }

    pub fn step(&mut self, mode: StepMode) {
        self.send(DebugRequest::Step(mode));
    }

    /// Steps back through the rewind history (an instruction, a scanline, a frame).
    pub fn step_back(&mut self, how: phosphor_rt::StepBack) {
        self.queue(DebugRequest::StepBack(how), Pending::StepBack(how, 0));
    }

    /// Measures how many frames `button` takes to show on screen, with no
    /// run-ahead and with `run_ahead`: the machine is captured now and run
    /// twice off the emulation thread, pressed and not.
    pub fn measure_latency(&mut self, run_ahead: u8) {
        if self.measuring.is_some() {
            return;
        }
        self.outbox.push_back(Command::CaptureState(Vec::with_capacity(1 << 20)));
        self.outbox_kinds.push_back(Pending::Measure(run_ahead));
    }

    /// Holds a CPU address at a value (`None` lets it go).
    pub fn freeze(&mut self, addr: u16, value: Option<u8>) {
        self.freezes.retain(|f| f.0 != addr);
        if let Some(v) = value {
            self.freezes.push((addr, v));
        }
        self.send(DebugRequest::Freeze { addr, value });
    }

    /// A cheat search step over internal RAM; `None` starts over (it only
    /// takes the values the next step compares against).
    pub fn search(&mut self, op: Option<SearchOp>) {
        if op.is_none() {
            self.search = Search::default();
        }
        self.search.pending = op;
        self.queue(DebugRequest::ReadSpace { space: MemorySpace::InternalRam, start: 0, buf: vec![0; 0x800] }, Pending::Search);
    }

    /// Sends everything the thread must know again (a new game's debugger starts empty).
    fn resend_all(&mut self, status: &phosphor_rt::Status) {
        for i in 0..self.breakpoints.len() {
            self.update_breakpoint(i, status);
        }
        self.send(DebugRequest::SetBreakOptions(self.options));
        if self.trace_on {
            self.set_trace(true, status);
        }
        if self.cdl_on {
            self.send(DebugRequest::CodeDataLog(true));
        }
        for (addr, value) in self.freezes.clone() {
            self.send(DebugRequest::Freeze { addr, value: Some(value) });
        }
    }

    fn file_search(&mut self, ram: &[u8]) {
        let op = self.search.pending.take();
        let last = std::mem::replace(&mut self.search.last, ram.to_vec());
        let Some(op) = op else { return };
        if last.len() != ram.len() {
            return;
        }
        let keep = |a: usize| {
            let (old, new) = (last[a], ram[a]);
            match op {
                SearchOp::Equal(v) => new == v,
                SearchOp::Changed => new != old,
                SearchOp::Unchanged => new == old,
                SearchOp::Increased => new > old,
                SearchOp::Decreased => new < old,
            }
        };
        let candidates: Vec<u16> = match &self.search.candidates {
            Some(c) => c.iter().copied().filter(|&a| keep(usize::from(a))).collect(),
            None => (0..ram.len()).filter(|&a| keep(a)).map(|a| a as u16).collect(),
        };
        self.search.candidates = Some(candidates);
    }
}

/// Sends what the panels queued.
pub(crate) fn send_requests(mut state: ResMut<'_, DebugState>, mut emulator: ResMut<'_, Emulator>) {
    while let Some(command) = state.outbox.pop_front() {
        let kind = state.outbox_kinds.pop_front().unwrap_or(Pending::Action);
        match emulator.send(command) {
            Ok(id) => {
                state.pending.insert(id, kind);
            }
            Err(e) => {
                state.problem(e.to_string());
                state.outbox_kinds.clear();
                state.outbox.clear();
            }
        }
    }
}

/// Files each reply where it belongs.
pub(crate) fn receive_replies(
    mut replies: MessageReader<'_, '_, EmuReply>,
    mut state: ResMut<'_, DebugState>,
    emulator: Res<'_, Emulator>,
) {
    for reply in replies.read() {
        let Some(kind) = state.pending.remove(&reply.id) else { continue };
        match (&reply.result, kind) {
            (Err(phosphor_rt::CommandError::HistoryNotReady), Pending::StepBack(how, tries)) if tries < 100 => {
                // The worker is still decoding: ask again next frame.
                state.queue(DebugRequest::StepBack(how), Pending::StepBack(how, tries + 1));
            }
            (Ok(Done::StateCaptured(snapshot)), Pending::Measure(run_ahead)) => {
                let Some(game) = emulator.game() else { continue };
                let (rom, body, button) = (game.rom.clone(), snapshot.body.clone(), state.measure_button);
                state.measuring = Some(bevy::tasks::AsyncComputeTaskPool::get().spawn(async move {
                    let mut nes = phosphor_nes::Nes::from_ines(&rom).map_err(|e| e.to_string())?;
                    nes.restore(&body).map_err(|e| format!("the game's state does not fit a fresh machine: {e}"))?;
                    Ok([0, run_ahead]
                        .into_iter()
                        .map(|n| LatencyResult {
                            button,
                            run_ahead: n,
                            frames: phosphor_nes::runahead::measure_latency(&nes, [button, 0], 1, usize::from(n), 120),
                        })
                        .collect())
                }));
            }
            (Err(e), _) => state.problem(e.to_string()),
            (Ok(Done::Space { space, start, bytes }), Pending::Memory) => {
                state.memory = MemoryView { space: *space, start: *start, bytes: bytes.clone(), ages: Vec::new() };
            }
            (Ok(Done::Space { bytes, .. }), Pending::Search) => {
                let bytes = bytes.clone();
                state.file_search(&bytes);
            }
            (Ok(Done::Memory { bytes, .. }), Pending::Bus) => state.bus = bytes.clone(),
            (Ok(Done::Memory { start, bytes }), Pending::Code) => state.code_window = Some((*start, bytes.clone())),
            (Ok(Done::AccessAges { start, ages }), Pending::Ages)
                if state.memory.space == MemorySpace::CpuBus && state.memory.start == u32::from(*start) =>
            {
                state.memory.ages = ages.clone();
            }
            (Ok(Done::CallStack { frames, depth, cycles_since_stop }), _) => {
                state.call_stack = frames[..*depth].to_vec();
                state.cycles_since_stop = *cycles_since_stop;
            }
            (Ok(Done::BreakpointHits { hits, count }), _) => state.hits = hits[..*count].iter().copied().collect(),
            (Ok(Done::CodeDataLog(file)), Pending::Cdl) => {
                let prg = state.cdl.as_ref().map_or(0, |c| c.1);
                state.cdl = Some((file.clone(), prg));
            }
            _ => {}
        }
    }
}

/// The sound path measured from outside: clicks in the game's sound found
/// in a recording of the sound server's output (see `phosphor_audio::probe`).
#[derive(Resource, Debug, Default)]
pub struct SoundMeasure {
    pub(crate) probe: Option<phosphor_audio::LatencyProbe>,
    /// The last measurement, or why it failed.
    pub last: Option<Result<phosphor_audio::ProbeResult, String>>,
}

/// Clicks a sound measurement makes, 250 ms apart.
pub const SOUND_CLICKS: usize = 12;

impl SoundMeasure {
    pub fn busy(&self) -> bool {
        self.probe.is_some()
    }

    /// Starts measuring the stream `path` plays (at its volume).
    pub fn start(&mut self, path: &phosphor_audio::SoundPath, rate: u32) {
        let level = phosphor_rt::MARK_LEVEL * path.stream.volume();
        if level < 0.05 {
            self.last = Some(Err("the game's sound is muted: nothing to hear".into()));
            return;
        }
        let plan = phosphor_audio::ProbePlan {
            every: std::time::Duration::from_millis(250),
            count: Some(SOUND_CLICKS),
            level,
            rate: if rate == 0 { 48_000 } else { rate },
            ..phosphor_audio::ProbePlan::default()
        };
        match phosphor_audio::LatencyProbe::start(path.marker.clone(), plan) {
            Ok(probe) => self.probe = Some(probe),
            Err(e) => self.last = Some(Err(e.to_string())),
        }
    }
}

/// Takes a finished sound measurement.
pub(crate) fn finish_sound_measure(mut measure: ResMut<'_, SoundMeasure>) {
    if !measure.probe.as_ref().is_some_and(phosphor_audio::LatencyProbe::is_finished) {
        return;
    }
    let Some(probe) = measure.probe.take() else { return };
    let result = probe.finish().map_err(|e| e.to_string());
    match &result {
        Ok(r) => info!(
            "sound latency measured: median {:.1} ms, max {:.1} ms ({} of {} clicks heard)",
            r.median().unwrap_or_default().as_secs_f64() * 1e3,
            r.max().unwrap_or_default().as_secs_f64() * 1e3,
            r.latencies.len(),
            r.marks
        ),
        Err(why) => warn!("sound latency not measured: {why}"),
    }
    measure.last = Some(result);
}

/// Takes a finished latency measurement.
pub(crate) fn finish_measuring(mut state: ResMut<'_, DebugState>) {
    let Some(task) = state.measuring.as_mut() else { return };
    let Some(result) = bevy::tasks::block_on(bevy::tasks::futures_lite::future::poll_once(task)) else { return };
    state.measuring = None;
    match result {
        Ok(results) => {
            for r in results {
                info!("latency: button {:#04x}, run-ahead {}: {:?} frames", r.button, r.run_ahead, r.frames);
                state.latencies.retain(|old| (old.button, old.run_ahead) != (r.button, r.run_ahead));
                state.latencies.push(r);
            }
        }
        Err(why) => state.problem(format!("latency not measured: {why}")),
    }
}

/// Moves traced instructions from the thread's ring into the panel's buffer.
pub(crate) fn drain_trace(mut feed: ResMut<'_, TraceFeed>, mut state: ResMut<'_, DebugState>) {
    let Some(reader) = feed.reader() else { return };
    let state = &mut *state;
    reader.drain(usize::MAX, |entry| {
        if state.trace.len() == TRACE_KEPT {
            state.trace.pop_front();
            state.trace_dropped += 1;
        }
        state.trace.push_back(entry);
    });
}

impl DebugState {
    /// A new game: what belonged to the last one goes (the new game's own
    /// breakpoints and watches come from its save folder).
    pub(crate) fn new_game(&mut self, rom_hash: u64) {
        *self = DebugState { symbols_for: Some(rom_hash), next_id: 1, ..DebugState::default() };
    }

    /// Sends the breakpoints, options and switches to the thread when a
    /// new game's files are in (or asked for by `resend`).
    pub(crate) fn send_all_if_asked(&mut self, status: &phosphor_rt::Status) {
        if std::mem::take(&mut self.resend) {
            self.next_id = self.breakpoints.iter().map(|b| b.id + 1).max().unwrap_or(1);
            self.resend_all(status);
        }
    }
}

/// Asks for what the open panels show.
pub(crate) fn refresh(
    time: Res<'_, Time<Real>>,
    workspace: Res<'_, Workspace>,
    telemetry: Res<'_, Telemetry>,
    emulator: Res<'_, Emulator>,
    mut state: ResMut<'_, DebugState>,
) {
    let now = time.elapsed_secs_f64();
    if !workspace.open || now - state.last_refresh < REFRESH_SECONDS || emulator.game().is_none() {
        return;
    }
    // One round in flight at a time, unless an answer went missing.
    if !state.pending.is_empty() && now - state.last_refresh < 1.0 {
        return;
    }
    state.last_refresh = now;
    if workspace.is_open(PanelKind::Code) {
        let start = telemetry.status.cpu.pc.wrapping_sub(48);
        state.queue(DebugRequest::ReadMemory { start, buf: vec![0; 160] }, Pending::Code);
    }
    if workspace.is_open(PanelKind::Memory) {
        let (space, start) = (state.memory_space, state.memory_start);
        state.queue(DebugRequest::ReadSpace { space, start, buf: vec![0; MEMORY_WINDOW] }, Pending::Memory);
        if space == MemorySpace::CpuBus {
            state.queue(DebugRequest::AccessAges { start: start as u16, buf: vec![0; MEMORY_WINDOW * 3] }, Pending::Ages);
        }
    }
    if workspace.is_open(PanelKind::Watch) {
        state.queue(DebugRequest::ReadMemory { start: 0, buf: vec![0; 0x10000] }, Pending::Bus);
    }
    if workspace.is_open(PanelKind::Cpu) {
        state.queue(DebugRequest::CallStack, Pending::CallStack);
    }
    if workspace.is_open(PanelKind::Breakpoints) {
        state.queue(DebugRequest::BreakpointHits, Pending::Hits);
    }
    if workspace.is_open(PanelKind::CodeDataLog) && state.cdl_on {
        let size = emulator.game().map_or((0, 0), |g| cdl_size(&g.rom));
        state.cdl = Some((state.cdl.take().map(|c| c.0).unwrap_or_default(), size.0));
        state.queue(DebugRequest::CopyCodeDataLog(Vec::with_capacity(size.0 + size.1)), Pending::Cdl);
    }
}

/// PRG ROM and CHR ROM sizes of an iNES image (what a `.cdl` file covers).
pub fn cdl_size(rom: &[u8]) -> (usize, usize) {
    phosphor_nes::Cartridge::from_ines(rom).map_or((0, 0), |c| (c.prg_rom().len(), c.header().chr_rom_len.min(c.chr().len())))
}

/// Watch expressions and conditions evaluated here, over a copy of the
/// CPU address space and the registers of the last status.
#[derive(Debug)]
pub struct Snapshot<'a> {
    pub registers: phosphor_rt::Registers,
    pub bus: &'a [u8],
}

impl phosphor_nes::debug::expr::Context for Snapshot<'_> {
    fn var(&self, var: phosphor_nes::debug::expr::Var) -> i64 {
        let r = &self.registers;
        let cpu = phosphor_nes::debug::CpuView { a: r.a, x: r.x, y: r.y, s: r.s, p: r.p, pc: r.pc, cycles: r.cpu_cycle };
        phosphor_nes::debug::register_value(var, &cpu, r.scanline, r.dot, r.frame).unwrap_or(0)
    }

    fn peek(&self, addr: u16) -> u8 {
        self.bus.get(usize::from(addr)).copied().unwrap_or(0)
    }
}
