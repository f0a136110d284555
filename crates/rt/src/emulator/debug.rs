//! The debugger's requests on the emulation thread: each answered from
//! the core's debugger between instructions, into the buffer it brought,
//! with no allocation.

use phosphor_nes::debug::{Debugger, TraceEntry, CALL_STACK_DEPTH, MAX_BREAKPOINTS};
use phosphor_nes::Nes;
use rtrb::Producer;

use super::Emulator;
use crate::command::{CommandError, DebugRequest, Done, Registers, StepBack};
use crate::rewind::NoOlder;
use crate::telemetry::RunState;

/// Moves the core's trace chunk into the trace ring; what does not fit is counted.
pub(super) fn drain_trace(nes: &mut Nes, ring: &mut Producer<TraceEntry>, lost: &mut u64) {
    nes.debug(|d| {
        d.drain_trace(|entry| {
            if ring.push(*entry).is_err() {
                *lost += 1;
            }
        });
    });
}

impl Emulator {
    pub(super) fn debug(&mut self, request: DebugRequest) -> (Result<Done, CommandError>, Option<Vec<u8>>) {
        let done = match request {
            DebugRequest::Registers => self.with_core(|game| Registers::of(&game.nes)).map(Done::Registers),
            DebugRequest::ReadMemory { start, mut buf } => {
                match self.with_core(|game| {
                    for (i, byte) in buf.iter_mut().enumerate() {
                        *byte = game.nes.peek(start.wrapping_add(i as u16));
                    }
                }) {
                    Ok(()) => Ok(Done::Memory { start, bytes: buf }),
                    Err(e) => return (Err(e), Some(buf)),
                }
            }
            DebugRequest::ReadSpace { space, start, mut buf } => {
                match self.with_core(|game| game.nes.read_memory(space, start, &mut buf)) {
                    Ok(_) => Ok(Done::Space { space, start, bytes: buf }),
                    Err(e) => return (Err(e), Some(buf)),
                }
            }
            DebugRequest::WriteMemory { space, addr, value } => {
                self.with_core(|game| game.nes.write_memory(space, addr, value))
                    .and_then(|r| r.map(|()| Done::Debug).map_err(CommandError::from))
            }
            DebugRequest::SetRegisters(r) => self.with_core(|game| {
                let cpu = game.nes.cpu_mut();
                (cpu.pc, cpu.a, cpu.x, cpu.y, cpu.s) = (r.pc, r.a, r.x, r.y, r.s);
                cpu.p = r.p | phosphor_nes::cpu::flag::U;
                Done::Registers(Registers::of(&game.nes))
            }),
            DebugRequest::SetBreakpoint(bp) => self
                .with_debugger(|d| d.set_breakpoint(bp).map(|()| d.breakpoints().len()))
                .and_then(|r| r.map(|count| Done::Breakpoints { count }).map_err(|_| CommandError::TooManyBreakpoints)),
            DebugRequest::RemoveBreakpoint(id) => self
                .with_debugger(|d| (d.remove_breakpoint(id), d.breakpoints().len()))
                .and_then(|(found, count)| if found { Ok(Done::Breakpoints { count }) } else { Err(CommandError::NoSuchBreakpoint(id)) }),
            DebugRequest::EnableBreakpoint { id, enabled } => self
                .with_debugger(|d| (d.set_enabled(id, enabled), d.breakpoints().len()))
                .and_then(|(found, count)| if found { Ok(Done::Breakpoints { count }) } else { Err(CommandError::NoSuchBreakpoint(id)) }),
            DebugRequest::ClearBreakpoints => self.with_debugger(|d| d.clear_breakpoints()).map(|()| Done::Breakpoints { count: 0 }),
            DebugRequest::BreakpointHits => self.with_debugger(|d| {
                let mut hits = [(0, 0); MAX_BREAKPOINTS];
                for (slot, bp) in hits.iter_mut().zip(d.breakpoints()) {
                    *slot = (bp.id, bp.hits);
                }
                Done::BreakpointHits { hits, count: d.breakpoints().len() }
            }),
            DebugRequest::SetBreakOptions(options) => self.with_debugger(|d| d.set_options(options)).map(|()| Done::Debug),
            DebugRequest::Step(mode) => self.runnable().and_then(|()| {
                self.with_core(|game| game.nes.begin_step(mode))?;
                // begin_step lets the instruction at PC go itself.
                self.past_breakpoint = false;
                self.apply_input();
                self.set_state(RunState::Running);
                Ok(Done::Debug)
            }),
            DebugRequest::Trace { on, filter } => self.with_debugger(|d| d.set_tracing(on, filter)).map(|()| Done::Debug),
            DebugRequest::CodeDataLog(on) => self.with_debugger(|d| d.set_cdl(on)).map(|()| Done::Debug),
            DebugRequest::ClearCodeDataLog => self
                .with_core(|game| {
                    game.nes.debug(|d| d.cdl_mut().clear());
                    game.nes.cartridge_mut().chr_log_mut().fill(0);
                })
                .map(|()| Done::Debug),
            DebugRequest::CopyCodeDataLog(mut buf) => {
                let Some(game) = self.game.as_ref() else { return (Err(CommandError::NoGame), Some(buf)) };
                let needed = game.nes.cartridge().prg_rom().len() + game.nes.cartridge().chr_log().len();
                if buf.capacity() < needed {
                    return (Err(CommandError::BufferTooSmall { needed, capacity: buf.capacity() }), Some(buf));
                }
                buf.clear();
                let nes = &game.nes;
                if let Some(d) = nes.debugger() {
                    d.cdl().write_file(nes.cartridge().chr_log(), &mut buf);
                }
                Ok(Done::CodeDataLog(buf))
            }
            DebugRequest::MergeCodeDataLog(file) => {
                let merged = self.with_core(|game| {
                    let nes = &mut game.nes;
                    // The two halves live apart: the PRG log in the debugger, CHR in the cartridge.
                    let mut debugger = nes.take_debugger();
                    let result = match debugger.as_deref_mut() {
                        Some(d) => d.cdl_mut().merge_file(nes.cartridge_mut().chr_log_mut(), &file),
                        None => Ok(()),
                    };
                    if let Some(d) = debugger {
                        nes.attach_debugger(d);
                    }
                    result
                });
                return match merged {
                    Ok(Ok(())) => (Ok(Done::Debug), Some(file)),
                    Ok(Err(e)) => (Err(e.into()), Some(file)),
                    Err(e) => (Err(e), Some(file)),
                };
            }
            DebugRequest::AccessCounters(on) => self.with_debugger(|d| d.set_counters(on)).map(|()| Done::Debug),
            DebugRequest::AccessAges { start, mut buf } => {
                let Some(game) = self.game.as_ref() else { return (Err(CommandError::NoGame), Some(buf)) };
                let frame = game.nes.frame_count();
                if let Some(d) = game.nes.debugger() {
                    d.access_ages(start, frame, &mut buf);
                }
                Ok(Done::AccessAges { start, ages: buf })
            }
            DebugRequest::Freeze { addr, value } => self
                .with_debugger(|d| match value {
                    Some(v) => d.freeze(addr, v),
                    None => {
                        d.unfreeze(addr);
                        true
                    }
                })
                .and_then(|ok| if ok { Ok(Done::Debug) } else { Err(CommandError::TooManyFreezes) }),
            DebugRequest::CallTracking(on) => self.with_debugger(|d| d.set_call_tracking(on)).map(|()| Done::Debug),
            DebugRequest::StepBack(how) => self.step_back(how),
            DebugRequest::CallStack => self.with_core(|game| {
                let nes = &game.nes;
                let mut frames = [phosphor_nes::debug::CallFrame { kind: phosphor_nes::debug::CallKind::Jsr, from: 0, to: 0, s: 0 }; CALL_STACK_DEPTH];
                let (depth, since) = nes.debugger().map_or((0, 0), |d| {
                    let stack = d.call_stack();
                    frames[..stack.len()].copy_from_slice(stack);
                    (stack.len(), nes.cpu().cycles.saturating_sub(d.stopped_at_cycle()))
                });
                Done::CallStack { frames, depth, cycles_since_stop: since }
            }),
        };
        (done, None)
    }

    /// Runs `f` on the game's debugger.
    fn with_debugger<R>(&mut self, f: impl FnOnce(&mut Debugger) -> R) -> Result<R, CommandError> {
        self.with_core(|game| game.nes.debug(f))?.ok_or(CommandError::NoGame)
    }

    /// Goes back (paused): finds the newest rewind state from before the
    /// target, restores it and replays instruction by instruction to the
    /// target (the core is deterministic, so this is the past as it was).
    /// The machine is put back as it was when no state is early enough.
    fn step_back(&mut self, how: StepBack) -> Result<Done, CommandError> {
        self.runnable()?;
        if !self.ch.rewind.recording {
            return Err(CommandError::RewindOff);
        }
        self.set_state(RunState::Paused);
        self.ch.rewind.begin_history(0);
        let game = self.game.as_mut().ok_or(CommandError::NoGame)?;
        let nes = &mut game.nes;
        let now = nes.cpu().cycles;
        let timing = nes.timing();
        let dots_to_cycles = |dots: u64| (dots * timing.ppu_divider()).div_ceil(timing.cpu_divider());
        let target = match how {
            StepBack::Instruction => None,
            StepBack::Scanline => Some(now.saturating_sub(dots_to_cycles(341))),
            StepBack::Frame => Some(now.saturating_sub(dots_to_cycles(341 * u64::from(timing.scanlines())))),
        };
        // The base must start before the target (before `now` for an instruction).
        let before = target.unwrap_or(now);
        nes.capture_lean(&mut game.back_scratch);
        let rewind = &mut self.ch.rewind;
        // A state keeps the buttons its own frame ran with; the replay from
        // it runs the next frame, with the buttons the state after it keeps.
        let mut buttons = [nes.buttons(0), nes.buttons(1)];
        let mut moved = false;
        let found = loop {
            if let Some(base) = rewind.base() {
                let _ = nes.restore_lean(base);
                if nes.cpu().cycles < before {
                    break Ok(());
                }
                buttons = [nes.buttons(0), nes.buttons(1)];
            }
            match rewind.step_older() {
                Ok(_) => moved = true,
                Err(NoOlder::NotReady) => break Err(CommandError::HistoryNotReady),
                Err(NoOlder::AtStart) => break Err(CommandError::HistoryStart),
            }
        };
        if let Err(e) = found {
            let _ = nes.restore_lean(&game.back_scratch);
            if moved {
                // A base moved back already would replay with the wrong
                // frame's buttons next time: start that try from the newest.
                rewind.cancel_history();
            }
            return Err(e);
        }
        if let Err(payload) = guarded_replay(nes, rewind.base().unwrap_or(&[]), buttons, now, target) {
            self.fault(payload);
            return Err(CommandError::Faulted);
        }
        // The replay's sound belongs to the past: it is not played again.
        let mut spill = [0f32; 512];
        while nes.read_audio(&mut spill) > 0 {}
        self.past_breakpoint = true;
        self.publish_status();
        Ok(Done::SteppedBack(self.registers()))
    }
}

/// From the base state (restored), to the start of the instruction
/// before `now`, or to the first instruction starting at or after `target`.
fn guarded_replay(nes: &mut Nes, base: &[u8], buttons: [u8; 2], now: u64, target: Option<u64>) -> Result<(), super::PanicPayload> {
    let set_buttons = |nes: &mut Nes| {
        nes.set_buttons(0, buttons[0]);
        nes.set_buttons(1, buttons[1]);
    };
    set_buttons(nes);
    super::guarded(|| match target {
        Some(target) => {
            while nes.cpu().cycles < target {
                nes.step_instruction();
            }
        }
        None => {
            let mut previous = nes.cpu().cycles;
            while nes.cpu().cycles < now {
                previous = nes.cpu().cycles;
                nes.step_instruction();
            }
            let _ = nes.restore_lean(base);
            set_buttons(nes);
            while nes.cpu().cycles < previous {
                nes.step_instruction();
            }
        }
    })
}
