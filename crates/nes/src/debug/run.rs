//! The console under the debugger: attaching it, the per-instruction loop,
//! and what each step mode stops on.

use super::cdl::prg as cdl_prg;
use super::expr::{Context, Var};
use super::predict::PredictBus;
use super::{
    kind, AccessInfo, BreakReason, CallFrame, CallKind, Debugger, StepMode, StepTarget, TraceEntry, TRACE_CHUNK,
};
use crate::bus::Bus;
use crate::cpu::disasm::{self, Mode};
use crate::cpu::{flag, Cpu, IRQ_VECTOR, NMI_VECTOR};
use crate::Nes;

/// The CPU's registers as a condition sees them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuView {
    pub a: u8,
    pub x: u8,
    pub y: u8,
    pub s: u8,
    pub p: u8,
    pub pc: u16,
    pub cycles: u64,
}

impl CpuView {
    pub fn of(cpu: &Cpu) -> Self {
        CpuView { a: cpu.a, x: cpu.x, y: cpu.y, s: cpu.s, p: cpu.p, pc: cpu.pc, cycles: cpu.cycles }
    }
}

/// What a condition is evaluated against: the registers before the
/// instruction, the console (for memory and the PPU's position), and the
/// access being checked.
pub(crate) struct Ctx<'a> {
    cpu: CpuView,
    bus: &'a Bus,
    access: AccessInfo,
    dma: bool,
}

impl<'a> Ctx<'a> {
    pub(crate) fn dma(cpu: CpuView, bus: &'a Bus, access: AccessInfo) -> Self {
        Ctx { cpu, bus, access, dma: true }
    }

    fn access(cpu: CpuView, bus: &'a Bus, access: AccessInfo) -> Self {
        Ctx { cpu, bus, access, dma: false }
    }
}

/// The value a register or counter has in `cpu` and `bus`, for conditions
/// and watches that do not look at an access.
pub fn register_value(var: Var, cpu: &CpuView, scanline: u16, dot: u16, frame: u64) -> Option<i64> {
    let flag_set = |f: u8| i64::from(cpu.p & f != 0);
    Some(match var {
        Var::A => i64::from(cpu.a),
        Var::X => i64::from(cpu.x),
        Var::Y => i64::from(cpu.y),
        Var::Sp => i64::from(cpu.s),
        Var::P => i64::from(cpu.p),
        Var::Pc => i64::from(cpu.pc),
        Var::FlagC => flag_set(flag::C),
        Var::FlagZ => flag_set(flag::Z),
        Var::FlagI => flag_set(flag::I),
        Var::FlagD => flag_set(flag::D),
        Var::FlagV => flag_set(flag::V),
        Var::FlagN => flag_set(flag::N),
        Var::Scanline => i64::from(scanline),
        Var::Dot => i64::from(dot),
        Var::Frame => frame as i64,
        Var::Cycle => cpu.cycles as i64,
        _ => return None,
    })
}

impl Context for Ctx<'_> {
    fn var(&self, var: Var) -> i64 {
        let ppu = &self.bus.ppu;
        if let Some(v) = register_value(var, &self.cpu, ppu.scanline(), ppu.dot(), ppu.frame_count()) {
            return v;
        }
        let a = &self.access;
        match var {
            Var::Value => i64::from(a.value),
            Var::Address => i64::from(a.addr),
            Var::IsWrite => i64::from(a.is_write()),
            Var::IsRead => i64::from(!a.is_write()),
            Var::IsDummy => i64::from(a.is_dummy()),
            Var::IsDma => i64::from(self.dma),
            _ => 0,
        }
    }

    fn peek(&self, addr: u16) -> u8 {
        self.bus.peek(addr)
    }
}

/// What one call of [`Nes::run_frame_debug`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebugRun {
    /// The frame finished (its picture and sound are complete).
    pub frame_done: bool,
    /// Why it came back early, if it did.
    pub stop: Option<super::DebugStop>,
}

/// JAM (KIL) opcodes: they stop the CPU until reset.
fn is_jam(opcode: u8) -> bool {
    opcode & 0x0F == 0x02 && !matches!(opcode, 0x82 | 0xA2 | 0xC2 | 0xE2)
}

fn is_unofficial(opcode: u8) -> bool {
    disasm::decode(opcode).0.starts_with('*')
}

impl Nes {
    /// Attaches a debugger (sizing its code/data log for this cartridge:
    /// call it off the emulation thread). It stays attached through
    /// resets, power cycles and state loads.
    pub fn attach_debugger(&mut self, mut debugger: Box<Debugger>) {
        debugger.size_for(self.cartridge().prg_rom().len());
        debugger.view.reserve(self.state_len().saturating_sub(debugger.view.len()));
        self.bus.cart.prepare_chr_log();
        self.bus.debug = Some(debugger);
        self.sync_debug();
    }

    /// Detaches the debugger; the console runs as if it had never had one.
    pub fn take_debugger(&mut self) -> Option<Box<Debugger>> {
        let debugger = self.bus.debug.take();
        self.sync_debug();
        debugger
    }

    pub fn debugger(&self) -> Option<&Debugger> {
        self.bus.debug.as_deref()
    }

    /// Changes the attached debugger's settings; `None` when none is attached.
    pub fn debug<R>(&mut self, f: impl FnOnce(&mut Debugger) -> R) -> Option<R> {
        let result = f(self.bus.debug.as_deref_mut()?);
        self.sync_debug();
        Some(result)
    }

    /// Some debugger feature is armed: run [`Nes::run_frame_debug`] instead
    /// of [`Nes::run_frame`].
    #[inline]
    pub fn debug_armed(&self) -> bool {
        self.bus.debug.as_deref().is_some_and(Debugger::armed)
    }

    fn sync_debug(&mut self) {
        let (hooks, cdl) = self.bus.debug.as_deref().map_or((false, false), |d| (d.wants_hooks(), d.cdl_on()));
        self.bus.hooks = hooks;
        self.bus.cart.set_chr_log(cdl);
    }

    /// Dots since frame 0 began (odd-frame skips aside): the clock steps
    /// by dots are measured on.
    fn ppu_position(&self) -> u64 {
        let line = u64::from(crate::ppu::DOTS_PER_LINE);
        let frame = u64::from(self.timing().scanlines()) * line;
        let ppu = &self.bus.ppu;
        ppu.frame_count() * frame + u64::from(ppu.scanline()) * line + u64::from(ppu.dot())
    }

    /// Starts a step: the next [`Nes::run_frame_debug`] runs the instruction
    /// at PC (unchecked, as after any stop) and stops where `mode` says.
    pub fn begin_step(&mut self, mode: StepMode) {
        self.bus.sync_ppu();
        // From inside an instruction, steps count from the moment shown.
        let now = self.ppu_position();
        let cycle = self.debugger().and_then(Debugger::inside_instruction).unwrap_or(self.cpu.cycles);
        self.leave_view();
        let cpu = &self.cpu;
        let line = u64::from(crate::ppu::DOTS_PER_LINE);
        let frame_len = u64::from(self.timing().scanlines()) * line;
        let target = match mode {
            StepMode::Into => StepTarget::Instructions,
            StepMode::Over if self.bus.peek(cpu.pc) == 0x20 => StepTarget::Return { pc: cpu.pc.wrapping_add(3), s: cpu.s },
            StepMode::Over => StepTarget::Instructions,
            StepMode::Out => StepTarget::Out { s: cpu.s },
            StepMode::Cycles(n) => StepTarget::Cycle(cycle + n.max(1)),
            StepMode::Dots(n) => StepTarget::Dot(now + n.max(1)),
            StepMode::Scanline => StepTarget::Dot(now - now % line + line),
            StepMode::RunTo { scanline, dot } => {
                let in_frame = u64::from(scanline) * line + u64::from(dot.min(340));
                let this_frame = now - now % frame_len + in_frame;
                StepTarget::Dot(if this_frame > now { this_frame } else { this_frame + frame_len })
            }
            StepMode::Nmi => StepTarget::Vector(NMI_VECTOR),
            StepMode::Irq => StepTarget::Vector(IRQ_VECTOR),
        };
        self.debug(|d| {
            d.step = Some(target);
            d.skip_once = true;
            d.refresh();
        });
    }

    /// Runs like [`Nes::run_frame`], checking before every instruction
    /// what the debugger asks for. Comes back at the frame's end or at a
    /// stop, before the instruction at PC; called again, it carries on
    /// with the same frame.
    pub fn run_frame_debug(&mut self) -> DebugRun {
        self.leave_view();
        let frame = self.bus.ppu.frame_count();
        loop {
            let light = self.bus.debug.as_deref().is_some_and(Debugger::light);
            let stop = if light { self.run_light(frame) } else { self.debug_instruction() };
            let frame_done = self.bus.ppu.frame_count() != frame;
            if frame_done {
                self.bus.sync_ppu();
                self.bus.apu.end_frame();
            }
            if stop.is_some() || frame_done {
                self.bus.sync_ppu();
                return DebugRun { frame_done, stop };
            }
        }
    }

    /// Runs instructions while only execute breakpoints are armed, testing
    /// one bit per instruction; a set bit gets the full check. Comes back
    /// at a stop or when the frame ends.
    fn run_light(&mut self, frame: u64) -> Option<super::DebugStop> {
        let mut d = self.bus.debug.take()?;
        let stop = loop {
            if self.bus.ppu.frame_count() != frame {
                break None;
            }
            let pc = self.cpu.pc;
            if d.exec_hit(pc, || self.bus.cart.prg_rom_offset(pc))
                && let Some(reason) = self.check_before(&mut d)
            {
                d.stopped_at_cycle = self.cpu.cycles;
                break Some(super::DebugStop::Break(reason));
            }
            self.cpu.step(&mut self.bus);
        };
        self.bus.debug = Some(d);
        stop
    }

    /// One instruction under the debugger, or the reason not to run it.
    fn debug_instruction(&mut self) -> Option<super::DebugStop> {
        let Some(mut d) = self.bus.debug.take() else {
            self.cpu.step(&mut self.bus);
            return None;
        };
        if d.tracing && d.trace.len() >= TRACE_CHUNK {
            self.bus.debug = Some(d);
            return Some(super::DebugStop::TraceFull);
        }
        if let Some(target) = d.step
            && self.stop_inside(&mut d, target)
        {
            d.step = None;
            d.skip_once = false;
            d.refresh();
            d.stopped_at_cycle = self.cpu.cycles;
            self.bus.debug = Some(d);
            return Some(super::DebugStop::Break(BreakReason::Step));
        }
        if let Some(reason) = self.check_before(&mut d) {
            d.stopped_at_cycle = self.cpu.cycles;
            self.bus.debug = Some(d);
            return Some(super::DebugStop::Break(reason));
        }
        let pc = self.cpu.pc;
        let opcode = self.bus.peek(pc);
        let view = CpuView::of(&self.cpu);
        let entry = if d.tracing { self.trace_entry(&mut d, view) } else { None };
        let interrupts = self.cpu.interrupts;
        d.effective = None;
        d.cpu_view = view;
        self.bus.debug = Some(d);

        self.cpu.step(&mut self.bus);

        let mut d = self.bus.debug.take()?;
        self.apply_freezes(&d);
        if let Some(mut entry) = entry {
            entry.effective = d.effective;
            d.trace.push(entry);
        }
        if d.track_calls {
            self.follow_calls(&mut d, pc, opcode, view.s, interrupts);
        }
        if d.cdl_on {
            self.log_targets(&mut d, pc, opcode, interrupts);
        }
        let mut stop = d.pending.take().map(super::DebugStop::Break);
        if let Some(target) = d.step
            && self.step_reached(target, opcode, interrupts)
        {
            d.step = None;
            d.refresh();
            stop = stop.or(Some(super::DebugStop::Break(BreakReason::Step)));
        }
        if stop.is_some() {
            d.stopped_at_cycle = self.cpu.cycles;
        }
        self.bus.debug = Some(d);
        stop
    }

    /// Whether a dot or cycle step ends at or inside the instruction at PC.
    /// Inside it, the machine is kept as it is now and the PPU alone is run
    /// to the moment asked for: the picture, the PPU's registers and its
    /// position are that moment's; PC and the registers the instruction's
    /// start. `leave_view` puts the kept machine back before anything runs.
    fn stop_inside(&mut self, d: &mut Debugger, target: StepTarget) -> bool {
        let timing = self.timing();
        let (cpu_div, ppu_div) = (timing.cpu_divider(), timing.ppu_divider());
        let cycles = self.cpu.cycles;
        // How far away the target is, in PPU dots, and whether it is here already.
        let dots_away = match target {
            StepTarget::Cycle(c) if c <= cycles => return true,
            StepTarget::Cycle(c) => (c - cycles) * cpu_div / ppu_div,
            StepTarget::Dot(t) => {
                self.bus.sync_ppu();
                let now = self.ppu_position();
                if t <= now {
                    return true;
                }
                t - now
            }
            _ => return false,
        };
        let length = PredictBus::new(&self.bus).run(&self.cpu).count as u64;
        if dots_away >= length * cpu_div / ppu_div {
            return false;
        }
        self.capture(&mut d.view);
        d.in_view = true;
        d.view_cycle = cycles + dots_away * ppu_div / cpu_div;
        let goal = self.ppu_position() + dots_away;
        while self.ppu_position() < goal {
            self.bus.advance_ppu_dot();
        }
        true
    }

    /// Puts back the machine a step inside an instruction kept (see
    /// `stop_inside`); nothing if there is none.
    pub fn leave_view(&mut self) {
        if !self.bus.debug.as_deref().is_some_and(|d| d.in_view) {
            return;
        }
        let Some(mut d) = self.bus.debug.take() else { return };
        let restored = self.restore(&d.view);
        debug_assert!(restored.is_ok(), "a capture of this machine restores");
        d.in_view = false;
        d.refresh();
        self.bus.debug = Some(d);
    }

    /// Breakpoints and break options for the instruction at PC.
    fn check_before(&mut self, d: &mut Debugger) -> Option<BreakReason> {
        self.apply_freezes(d);
        if std::mem::take(&mut d.skip_once) {
            d.refresh();
            return None;
        }
        if self.cpu.jammed {
            return None;
        }
        if d.conditions_need_ppu {
            self.bus.sync_ppu();
        }
        let pc = self.cpu.pc;
        let opcode = self.bus.peek(pc);
        let prg = self.bus.cart.prg_rom_offset(pc);
        let view = CpuView::of(&self.cpu);
        let count = d.breakpoint_count;
        if d.has_exec {
            let info = AccessInfo { addr: pc, value: opcode, access: crate::cpu::Access::Opcode, prg };
            let ctx = Ctx::access(view, &self.bus, info);
            for bp in &mut d.breakpoints[..count] {
                if bp.covers(kind::EXEC, pc, prg) && bp.condition.is_none_or(|c| c.holds(&ctx)) {
                    bp.hits += 1;
                    return Some(BreakReason::Breakpoint { id: bp.id });
                }
            }
        }
        let o = d.options;
        if o.on_brk && opcode == 0x00 {
            return Some(BreakReason::Brk);
        }
        if o.on_jam && is_jam(opcode) {
            return Some(BreakReason::Jam);
        }
        if o.on_unofficial && is_unofficial(opcode) {
            return Some(BreakReason::Unofficial(opcode));
        }
        if o.on_new_code
            && d.cdl_on
            && let Some(offset) = prg
            && !d.cdl.is_code(offset)
        {
            return Some(BreakReason::NewCode { prg_offset: offset });
        }
        if d.has_rw {
            let predicted = PredictBus::new(&self.bus).run(&self.cpu);
            for &(addr, value, access) in &predicted.accesses[..predicted.count] {
                let info = AccessInfo { addr, value, access, prg: self.bus.cart.prg_rom_offset(addr) };
                let kinds = info.kind();
                if kinds == 0 {
                    continue;
                }
                let ctx = Ctx::access(view, &self.bus, info);
                for bp in &mut d.breakpoints[..count] {
                    if bp.covers(kinds, addr, info.prg)
                        && !(bp.ignore_dummy && info.is_dummy())
                        && bp.condition.is_none_or(|c| c.holds(&ctx))
                    {
                        bp.hits += 1;
                        return Some(BreakReason::Breakpoint { id: bp.id });
                    }
                }
            }
        }
        None
    }

    /// Frozen addresses get their values back (before and after each
    /// instruction: a game's store is undone before anything else runs).
    fn apply_freezes(&mut self, d: &Debugger) {
        for &(addr, value) in d.freezes() {
            let _ = self.write_memory(super::MemorySpace::CpuBus, u32::from(addr), value);
        }
    }

    /// The trace entry for the instruction about to run, unless the filter drops it.
    fn trace_entry(&mut self, d: &mut Debugger, view: CpuView) -> Option<TraceEntry> {
        self.bus.sync_ppu();
        let pc = view.pc;
        let bytes = [self.bus.peek(pc), self.bus.peek(pc.wrapping_add(1)), self.bus.peek(pc.wrapping_add(2))];
        let prg = self.bus.cart.prg_rom_offset(pc);
        if let Some(filter) = d.trace_filter {
            let info = AccessInfo { addr: pc, value: bytes[0], access: crate::cpu::Access::Opcode, prg };
            if !filter.holds(&Ctx::access(view, &self.bus, info)) {
                d.trace_filtered += 1;
                return None;
            }
        }
        let ppu = &self.bus.ppu;
        Some(TraceEntry {
            pc,
            prg_offset: prg.unwrap_or(u32::MAX),
            bytes,
            a: view.a,
            x: view.x,
            y: view.y,
            p: view.p,
            s: view.s,
            cycle: view.cycles,
            scanline: ppu.scanline(),
            dot: ppu.dot(),
            frame: ppu.frame_count() as u32,
            effective: None,
        })
    }

    /// Keeps the call stack: JSR, BRK and interrupts push, RTS and RTI pop.
    fn follow_calls(&self, d: &mut Debugger, pc: u16, opcode: u8, s: u8, interrupts: u64) {
        match opcode {
            0x20 => d.push_call(CallFrame { kind: CallKind::Jsr, from: pc, to: self.cpu.pc, s }),
            0x00 => d.push_call(CallFrame { kind: CallKind::Brk, from: pc, to: self.cpu.pc, s }),
            0x60 | 0x40 => d.pop_call(),
            _ => {}
        }
        if self.cpu.interrupts != interrupts {
            let kind = if self.cpu.last_vector == NMI_VECTOR { CallKind::Nmi } else { CallKind::Irq };
            // The interrupt pushed three bytes just now.
            d.push_call(CallFrame { kind, from: pc, to: self.cpu.pc, s: self.cpu.s.wrapping_add(3) });
        }
    }

    /// Code/data log marks that need the whole instruction: where control
    /// went, and data read through pointers.
    fn log_targets(&self, d: &mut Debugger, pc: u16, opcode: u8, interrupts: u64) {
        let cart = &self.bus.cart;
        let Some(to) = cart.prg_rom_offset(self.cpu.pc) else { return };
        let (_, mode) = disasm::decode(opcode);
        let fell_through = self.cpu.pc == pc.wrapping_add(mode.bytes());
        if self.cpu.interrupts != interrupts {
            d.cdl.note_target(to, cdl_prg::SUB_ENTRY | cdl_prg::INDIRECT_CODE, false);
        } else {
            match opcode {
                0x20 => d.cdl.note_target(to, cdl_prg::SUB_ENTRY, true),
                0x6C => d.cdl.note_target(to, cdl_prg::INDIRECT_CODE, true),
                0x4C => d.cdl.note_target(to, 0, true),
                _ if mode == Mode::Rel && !fell_through => d.cdl.note_target(to, 0, true),
                _ => {}
            }
        }
        if matches!(mode, Mode::Izx | Mode::Izy)
            && let Some((addr, _)) = d.effective
            && let Some(offset) = cart.prg_rom_offset(addr)
        {
            d.cdl.note_indirect_data(offset);
        }
    }

    fn step_reached(&mut self, target: StepTarget, opcode: u8, interrupts: u64) -> bool {
        let cpu = &self.cpu;
        match target {
            StepTarget::Instructions => true,
            StepTarget::Return { pc, s } => cpu.pc == pc && cpu.s == s,
            StepTarget::Out { s } => matches!(opcode, 0x60 | 0x40) && cpu.s > s,
            StepTarget::Cycle(cycle) => cpu.cycles >= cycle,
            StepTarget::Dot(dot) => {
                self.bus.sync_ppu();
                self.ppu_position() >= dot
            }
            StepTarget::Vector(vector) => cpu.interrupts != interrupts && cpu.last_vector == vector,
        }
    }
}
