//! The CPU debugger's side in the core: breakpoints and their compiled
//! conditions, stepping targets, the trace chunk, the code/data log, access
//! counters, frozen addresses and the call stack.
//!
//! Disarmed, it costs the bus one well-predicted check per access (the
//! `hooks` flag, false) and the frame loop nothing: a frontend runs
//! [`Nes::run_frame`](crate::Nes::run_frame) unless [`Debugger::armed`]
//! says otherwise, and then [`Nes::run_frame_debug`](crate::Nes::run_frame_debug),
//! which checks before every instruction. Nothing in here allocates after
//! [`Debugger::new`] and [`Debugger::size_for`]: every table is fixed or
//! sized up front, so the emulation thread may arm any of it.
//!
//! Read and write breakpoints are predictive, as Mesen2's are: before an
//! instruction runs, a copy of the CPU runs it against a bus that only
//! peeks (`predict.rs`), and the accesses it would make are checked. A
//! breakpoint on a store therefore stops with PC on the store and memory
//! not yet changed. DMA accesses cannot be foreseen that way; they are
//! checked as they happen and stop after the instruction they stole from.

pub mod cdl;
pub mod expr;
pub mod memory;
mod predict;
mod run;
pub mod trace;

pub use cdl::CodeDataLog;
pub use expr::{Condition, ExprError};
pub use memory::{MemoryError, MemorySpace};
pub use run::{register_value, CpuView, DebugRun};
pub use trace::TraceEntry;

pub(crate) use run::Ctx;

use crate::cpu::Access;

/// Breakpoints a debugger holds (a fixed table).
pub const MAX_BREAKPOINTS: usize = 64;
/// Trace entries the core collects before its caller must drain them.
pub const TRACE_CHUNK: usize = 8192;
/// Addresses that can be frozen at once.
pub const MAX_FREEZES: usize = 32;
/// Calls the call stack follows (deeper ones are counted, not kept).
pub const CALL_STACK_DEPTH: usize = 64;

/// Kinds of access a breakpoint watches (any combination).
pub mod kind {
    pub const EXEC: u8 = 1;
    pub const READ: u8 = 2;
    pub const WRITE: u8 = 4;
}

/// Which addresses a breakpoint's range names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressSpace {
    /// CPU addresses $0000-$FFFF, whatever is mapped there.
    #[default]
    Cpu,
    /// Offsets into PRG ROM: fires only while that byte is mapped in.
    PrgRom,
}

/// One breakpoint: plain data, checked on the emulation thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breakpoint {
    /// The frontend's name for it (kept across edits).
    pub id: u32,
    /// [`kind`] bits.
    pub kinds: u8,
    pub space: AddressSpace,
    pub start: u32,
    /// Inclusive.
    pub end: u32,
    pub condition: Option<Condition>,
    /// Dummy reads and writes (the 6502's throwaway cycles) do not fire it.
    pub ignore_dummy: bool,
    pub enabled: bool,
    /// Times it fired (its condition held).
    pub hits: u64,
}

impl Breakpoint {
    /// An execute breakpoint on one CPU address.
    pub fn exec(id: u32, addr: u16) -> Self {
        Self::on(id, kind::EXEC, AddressSpace::Cpu, u32::from(addr), u32::from(addr))
    }

    pub fn on(id: u32, kinds: u8, space: AddressSpace, start: u32, end: u32) -> Self {
        Breakpoint { id, kinds, space, start, end, condition: None, ignore_dummy: true, enabled: true, hits: 0 }
    }

    pub fn with_condition(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    pub fn counting_dummies(mut self) -> Self {
        self.ignore_dummy = false;
        self
    }

    /// Whether an access of `kinds` at CPU address `addr` (PRG ROM offset
    /// `prg`, if ROM is mapped there) lies in range.
    #[inline]
    fn covers(&self, kinds: u8, addr: u16, prg: Option<u32>) -> bool {
        if !self.enabled || self.kinds & kinds == 0 {
            return false;
        }
        let at = match self.space {
            AddressSpace::Cpu => u32::from(addr),
            AddressSpace::PrgRom => match prg {
                Some(offset) => offset,
                None => return false,
            },
        };
        (self.start..=self.end).contains(&at)
    }
}

/// The breakpoint table has no free slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at most {MAX_BREAKPOINTS} breakpoints")]
pub struct TableFull;

/// Instructions that stop the CPU on their own, each a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BreakOptions {
    pub on_brk: bool,
    pub on_jam: bool,
    pub on_unofficial: bool,
    /// Code never logged as code runs (needs the code/data log on).
    pub on_new_code: bool,
}

/// Why the debugger stopped the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    Breakpoint { id: u32 },
    Brk,
    Jam,
    Unofficial(u8),
    /// First execution of a PRG ROM byte the code/data log had not seen run.
    NewCode { prg_offset: u32 },
    /// A step asked for finished.
    Step,
}

/// How far a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMode {
    /// One instruction.
    Into,
    /// One instruction, a JSR with everything it calls.
    Over,
    /// To the return of the routine running now (RTS or RTI).
    Out,
    /// This many CPU cycles. When that lands inside an instruction, the
    /// CPU stays at the instruction's start and the PPU is run to the
    /// moment (see `Debugger::inside_instruction`).
    Cycles(u64),
    /// This many PPU dots, the same way.
    Dots(u64),
    /// To the start of the next scanline.
    Scanline,
    /// To this scanline and dot exactly (in this frame if still ahead, else
    /// the next), the same way.
    RunTo { scanline: u16, dot: u16 },
    /// To the first instruction of the next NMI handler.
    Nmi,
    /// To the first instruction of the next IRQ handler.
    Irq,
}

/// Where a running step stops (resolved from a [`StepMode`] when it begins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepTarget {
    Instructions,
    Return { pc: u16, s: u8 },
    Out { s: u8 },
    Cycle(u64),
    /// A PPU position as dots since frame 0 began.
    Dot(u64),
    Vector(u16),
}

/// Why [`Nes::run_frame_debug`](crate::Nes::run_frame_debug) came back
/// before the frame's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebugStop {
    /// The CPU stopped before the instruction at PC.
    Break(BreakReason),
    /// The trace chunk is full: drain it with [`Debugger::drain_trace`] and call again.
    TraceFull,
}

/// How a call-stack entry was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Jsr,
    Brk,
    Nmi,
    Irq,
}

/// One entry of the call stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallFrame {
    pub kind: CallKind,
    /// Address of the JSR/BRK, or of the instruction an interrupt cut in after.
    pub from: u16,
    /// Where it went.
    pub to: u16,
    /// The stack pointer before the call pushed anything.
    pub s: u8,
}

/// What one access told the debugger (the bus hook's view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessInfo {
    pub addr: u16,
    pub value: u8,
    pub access: Access,
    /// Offset into PRG ROM of `addr`, when ROM is mapped there.
    pub prg: Option<u32>,
}

impl AccessInfo {
    fn is_write(&self) -> bool {
        matches!(self.access, Access::Write | Access::DummyWrite | Access::StackWrite)
    }

    fn is_dummy(&self) -> bool {
        matches!(self.access, Access::DummyRead | Access::DummyWrite)
    }

    /// The breakpoint kind this access can fire: fetches of the program's own
    /// bytes are neither reads nor writes.
    fn kind(&self) -> u8 {
        match self.access {
            Access::Opcode | Access::Operand => 0,
            _ if self.is_write() => kind::WRITE,
            _ => kind::READ,
        }
    }
}

/// Per-address access counters over the CPU address space, for the memory
/// viewer's fading highlights: how often and at which frame each address
/// was last read, written and executed.
#[derive(Debug, Clone)]
pub struct AccessCounters {
    /// Counts, [read, write, exec] per address.
    pub counts: Vec<[u32; 3]>,
    /// Frame of the last access, [read, write, exec] per address (0: never).
    pub last_frame: Vec<[u32; 3]>,
}

impl AccessCounters {
    fn new() -> Self {
        AccessCounters { counts: vec![[0; 3]; 0x10000], last_frame: vec![[0; 3]; 0x10000] }
    }

    fn clear(&mut self) {
        self.counts.fill([0; 3]);
        self.last_frame.fill([0; 3]);
    }

    #[inline]
    fn note(&mut self, addr: u16, which: usize, frame: u64) {
        let i = usize::from(addr);
        self.counts[i][which] = self.counts[i][which].saturating_add(1);
        // Frame numbers are stored plus one so that 0 means never.
        self.last_frame[i][which] = (frame as u32).wrapping_add(1).max(1);
    }
}

/// The debugger's state. Allocated off the emulation thread, attached to a
/// console with [`Nes::attach_debugger`](crate::Nes::attach_debugger).
#[derive(Debug, Clone)]
pub struct Debugger {
    breakpoints: [Breakpoint; MAX_BREAKPOINTS],
    breakpoint_count: usize,
    pub options: BreakOptions,
    /// Recording executed instructions.
    tracing: bool,
    trace_filter: Option<Condition>,
    trace: Vec<TraceEntry>,
    /// Instructions the filter left out since tracing began.
    trace_filtered: u64,
    cdl: CodeDataLog,
    cdl_on: bool,
    counters: AccessCounters,
    counters_on: bool,
    freezes: [(u16, u8); MAX_FREEZES],
    freeze_count: usize,
    stack: [CallFrame; CALL_STACK_DEPTH],
    depth: usize,
    /// Calls deeper than the stack keeps.
    lost_depth: usize,
    step: Option<StepTarget>,
    /// The instruction at PC runs once without being checked (the one a
    /// stop was made before).
    skip_once: bool,
    /// Keep the call stack (needs every instruction looked at).
    track_calls: bool,
    // Derived from the above by `refresh` and `rebuild_exec_maps`.
    /// One bit per CPU address / PRG ROM byte with an enabled execute breakpoint.
    exec_cpu: Vec<u64>,
    exec_prg: Vec<u64>,
    has_prg_exec: bool,
    /// Only execute breakpoints are armed: the loop tests a bit per instruction.
    light: bool,
    has_exec: bool,
    has_rw: bool,
    conditions_need_ppu: bool,
    armed: bool,
    hooks: bool,
    // Filled by the bus hook while an instruction runs.
    pending: Option<BreakReason>,
    /// Address and value of the instruction's last real (not dummy) read or write.
    effective: Option<(u16, u8)>,
    /// CPU cycle of the last stop.
    stopped_at_cycle: u64,
    /// The registers before the instruction running now (for DMA conditions).
    pub(crate) cpu_view: CpuView,
    /// A step stopped inside an instruction: the machine as it was at the
    /// instruction's start (restored before the CPU goes on), and the CPU
    /// cycle the PPU was run ahead to.
    view: Vec<u8>,
    in_view: bool,
    view_cycle: u64,
}

impl Default for Debugger {
    fn default() -> Self {
        Self::new()
    }
}

const NO_FRAME: CallFrame = CallFrame { kind: CallKind::Jsr, from: 0, to: 0, s: 0 };

impl Debugger {
    /// A disarmed debugger with every table allocated (about 1.6 MB).
    pub fn new() -> Self {
        Debugger {
            breakpoints: [Breakpoint::on(0, 0, AddressSpace::Cpu, 0, 0); MAX_BREAKPOINTS],
            breakpoint_count: 0,
            options: BreakOptions::default(),
            tracing: false,
            trace_filter: None,
            trace: Vec::with_capacity(TRACE_CHUNK),
            trace_filtered: 0,
            cdl: CodeDataLog::new(0),
            cdl_on: false,
            counters: AccessCounters::new(),
            counters_on: false,
            freezes: [(0, 0); MAX_FREEZES],
            freeze_count: 0,
            stack: [NO_FRAME; CALL_STACK_DEPTH],
            depth: 0,
            lost_depth: 0,
            step: None,
            skip_once: false,
            track_calls: false,
            exec_cpu: vec![0; 0x10000 / 64],
            exec_prg: Vec::new(),
            has_prg_exec: false,
            light: false,
            has_exec: false,
            has_rw: false,
            conditions_need_ppu: false,
            armed: false,
            hooks: false,
            pending: None,
            effective: None,
            stopped_at_cycle: 0,
            cpu_view: CpuView::default(),
            view: Vec::new(),
            in_view: false,
            view_cycle: 0,
        }
    }

    /// Sizes the code/data log for a cartridge's PRG ROM (off the thread).
    pub fn size_for(&mut self, prg_len: usize) {
        if self.cdl.prg.len() != prg_len {
            self.cdl = CodeDataLog::new(prg_len);
            self.exec_prg = vec![0; prg_len.div_ceil(64)];
            self.rebuild_exec_maps();
        }
    }

    /// Sets the bits of every enabled execute breakpoint's range.
    fn rebuild_exec_maps(&mut self) {
        self.exec_cpu.fill(0);
        self.exec_prg.fill(0);
        self.has_prg_exec = false;
        for bp in self.breakpoints[..self.breakpoint_count].iter().filter(|b| b.enabled && b.kinds & kind::EXEC != 0) {
            let map = match bp.space {
                AddressSpace::Cpu => &mut self.exec_cpu,
                AddressSpace::PrgRom => {
                    self.has_prg_exec = true;
                    &mut self.exec_prg
                }
            };
            let end = (bp.end as usize).min(map.len() * 64 - 1);
            for i in bp.start as usize..=end {
                map[i / 64] |= 1 << (i % 64);
            }
        }
    }

    /// Whether an execute breakpoint covers `pc` (`prg`: its PRG ROM offset, if any).
    #[inline]
    pub(crate) fn exec_hit(&self, pc: u16, prg: impl FnOnce() -> Option<u32>) -> bool {
        let i = usize::from(pc);
        if self.exec_cpu[i / 64] & (1 << (i % 64)) != 0 {
            return true;
        }
        self.has_prg_exec
            && prg().is_some_and(|o| self.exec_prg.get(o as usize / 64).is_some_and(|w| w & (1 << (o % 64)) != 0))
    }

    /// Only execute breakpoints are armed (see `exec_hit`).
    #[inline]
    pub(crate) fn light(&self) -> bool {
        self.light && !self.skip_once
    }

    /// Keeps the call stack from now on (every instruction is then looked at).
    pub fn set_call_tracking(&mut self, on: bool) {
        if on != self.track_calls {
            self.depth = 0;
            self.lost_depth = 0;
        }
        self.track_calls = on;
        self.refresh();
    }

    /// Some feature needs the per-instruction loop.
    #[inline]
    pub fn armed(&self) -> bool {
        self.armed
    }

    /// Some feature needs to see every bus access.
    #[inline]
    pub(crate) fn wants_hooks(&self) -> bool {
        self.hooks
    }

    fn refresh(&mut self) {
        let active = || self.breakpoints[..self.breakpoint_count].iter().filter(|b| b.enabled);
        self.has_exec = active().any(|b| b.kinds & kind::EXEC != 0);
        self.has_rw = active().any(|b| b.kinds & (kind::READ | kind::WRITE) != 0);
        self.conditions_need_ppu = active().any(|b| b.condition.is_some_and(|c| c.needs_ppu()))
            || self.trace_filter.is_some_and(|c| c.needs_ppu());
        let o = self.options;
        let options = o.on_brk || o.on_jam || o.on_unofficial || (o.on_new_code && self.cdl_on);
        self.hooks = self.tracing || self.cdl_on || self.counters_on || self.has_rw;
        let per_instruction = self.hooks || options || self.freeze_count > 0 || self.step.is_some() || self.track_calls;
        self.light = self.has_exec && !per_instruction;
        self.armed = self.has_exec || per_instruction || self.skip_once || self.in_view;
    }

    // ---- breakpoints ----

    pub fn breakpoints(&self) -> &[Breakpoint] {
        &self.breakpoints[..self.breakpoint_count]
    }

    /// Adds a breakpoint, or replaces the one with the same id. Fails when
    /// the table is full.
    pub fn set_breakpoint(&mut self, bp: Breakpoint) -> Result<(), TableFull> {
        if let Some(slot) = self.breakpoints[..self.breakpoint_count].iter_mut().find(|b| b.id == bp.id) {
            *slot = bp;
        } else if self.breakpoint_count == MAX_BREAKPOINTS {
            return Err(TableFull);
        } else {
            self.breakpoints[self.breakpoint_count] = bp;
            self.breakpoint_count += 1;
        }
        self.rebuild_exec_maps();
        self.refresh();
        Ok(())
    }

    /// Removes the breakpoint with this id; false if there was none.
    pub fn remove_breakpoint(&mut self, id: u32) -> bool {
        let Some(i) = self.breakpoints[..self.breakpoint_count].iter().position(|b| b.id == id) else { return false };
        self.breakpoints.copy_within(i + 1..self.breakpoint_count, i);
        self.breakpoint_count -= 1;
        self.rebuild_exec_maps();
        self.refresh();
        true
    }

    pub fn set_enabled(&mut self, id: u32, enabled: bool) -> bool {
        let found = self.breakpoints[..self.breakpoint_count].iter_mut().find(|b| b.id == id).map(|b| b.enabled = enabled);
        self.rebuild_exec_maps();
        self.refresh();
        found.is_some()
    }

    pub fn clear_breakpoints(&mut self) {
        self.breakpoint_count = 0;
        self.rebuild_exec_maps();
        self.refresh();
    }

    pub fn set_options(&mut self, options: BreakOptions) {
        self.options = options;
        self.refresh();
    }

    // ---- trace ----

    /// Starts or stops recording executed instructions; `filter`, if given,
    /// keeps only those for which it holds (evaluated before each runs).
    pub fn set_tracing(&mut self, on: bool, filter: Option<Condition>) {
        self.tracing = on;
        self.trace_filter = filter;
        self.trace_filtered = 0;
        self.refresh();
    }

    pub fn tracing(&self) -> bool {
        self.tracing
    }

    /// The entries recorded since the last drain, oldest first.
    pub fn trace(&self) -> &[TraceEntry] {
        &self.trace
    }

    /// Hands each recorded entry to `out`, then empties the chunk.
    pub fn drain_trace(&mut self, mut out: impl FnMut(&TraceEntry)) {
        for entry in &self.trace {
            out(entry);
        }
        self.trace.clear();
    }

    /// Instructions the trace filter left out.
    pub fn trace_filtered(&self) -> u64 {
        self.trace_filtered
    }

    // ---- code/data log, counters, freezes ----

    pub fn set_cdl(&mut self, on: bool) {
        self.cdl_on = on;
        self.refresh();
    }

    pub fn cdl_on(&self) -> bool {
        self.cdl_on
    }

    pub fn cdl(&self) -> &CodeDataLog {
        &self.cdl
    }

    pub fn cdl_mut(&mut self) -> &mut CodeDataLog {
        &mut self.cdl
    }

    pub fn set_counters(&mut self, on: bool) {
        if on && !self.counters_on {
            self.counters.clear();
        }
        self.counters_on = on;
        self.refresh();
    }

    pub fn counters(&self) -> &AccessCounters {
        &self.counters
    }

    /// For the memory viewer's fading highlights: per address from `start`,
    /// three bytes (read, write, execute) of frames since the last such
    /// access as of `frame`, 255 for longer ago or never.
    pub fn access_ages(&self, start: u16, frame: u64, out: &mut [u8]) {
        let now = (frame as u32).wrapping_add(1);
        for (i, ages) in out.chunks_exact_mut(3).enumerate() {
            let last = self.counters.last_frame[usize::from(start.wrapping_add(i as u16))];
            for (age, &seen) in ages.iter_mut().zip(&last) {
                *age = if seen == 0 { 255 } else { now.wrapping_sub(seen).min(255) as u8 };
            }
        }
    }

    /// Holds `addr` at `value` (rewritten before every instruction); fails
    /// when every slot is taken.
    pub fn freeze(&mut self, addr: u16, value: u8) -> bool {
        if let Some(slot) = self.freezes[..self.freeze_count].iter_mut().find(|f| f.0 == addr) {
            slot.1 = value;
        } else if self.freeze_count == MAX_FREEZES {
            return false;
        } else {
            self.freezes[self.freeze_count] = (addr, value);
            self.freeze_count += 1;
        }
        self.refresh();
        true
    }

    pub fn unfreeze(&mut self, addr: u16) {
        if let Some(i) = self.freezes[..self.freeze_count].iter().position(|f| f.0 == addr) {
            self.freezes.copy_within(i + 1..self.freeze_count, i);
            self.freeze_count -= 1;
        }
        self.refresh();
    }

    pub fn freezes(&self) -> &[(u16, u8)] {
        &self.freezes[..self.freeze_count]
    }

    // ---- call stack and stops ----

    /// The calls in progress, outermost first.
    pub fn call_stack(&self) -> &[CallFrame] {
        &self.stack[..self.depth]
    }

    /// A step stopped inside an instruction: PC and the registers are the
    /// instruction's start, the PPU is at the moment asked for; this is the
    /// CPU cycle of that moment.
    pub fn inside_instruction(&self) -> Option<u64> {
        self.in_view.then_some(self.view_cycle)
    }

    /// CPU cycle at which the debugger last stopped the CPU.
    pub fn stopped_at_cycle(&self) -> u64 {
        self.stopped_at_cycle
    }

    /// Lets the instruction at PC run once unchecked: after a stop, the
    /// next run or step starts by running the instruction it stopped before.
    pub fn resume(&mut self) {
        self.skip_once = true;
        self.refresh();
    }

    /// Drops a step in progress and the resume skip (a new game, a reset).
    pub fn cancel(&mut self) {
        self.step = None;
        self.skip_once = false;
        self.depth = 0;
        self.lost_depth = 0;
        self.refresh();
    }

    fn push_call(&mut self, frame: CallFrame) {
        if self.depth < CALL_STACK_DEPTH {
            self.stack[self.depth] = frame;
            self.depth += 1;
        } else {
            self.lost_depth += 1;
        }
    }

    fn pop_call(&mut self) {
        if self.lost_depth > 0 {
            self.lost_depth -= 1;
        } else {
            self.depth = self.depth.saturating_sub(1);
        }
    }

    // ---- the bus hook ----

    /// One bus access (called only while [`Debugger::wants_hooks`]).
    #[inline]
    pub(crate) fn on_access(&mut self, info: AccessInfo, frame: u64) {
        if self.counters_on {
            let which = match info.access {
                Access::Opcode => 2,
                _ if info.is_write() => 1,
                _ => 0,
            };
            self.counters.note(info.addr, which, frame);
        }
        if self.cdl_on
            && let Some(prg) = info.prg
        {
            self.cdl.note_cpu(prg, info.addr, info.access);
        }
        if !info.is_dummy() && matches!(info.access, Access::Read | Access::Write) {
            self.effective = Some((info.addr, info.value));
        }
    }

    /// A DMA read: checked against read breakpoints as it happens.
    pub(crate) fn on_dma(&mut self, info: AccessInfo, ctx: &impl expr::Context, dmc: bool) {
        if self.cdl_on
            && dmc
            && let Some(prg) = info.prg
        {
            self.cdl.note_pcm(prg);
        }
        if self.has_rw && self.pending.is_none() {
            for bp in &mut self.breakpoints[..self.breakpoint_count] {
                if bp.covers(kind::READ, info.addr, info.prg) && bp.condition.is_none_or(|c| c.holds(ctx)) {
                    bp.hits += 1;
                    self.pending = Some(BreakReason::Breakpoint { id: bp.id });
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
