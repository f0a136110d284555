//! The emulation thread's loop. Everything it touches was allocated before
//! the loop began; it never locks, never waits on another thread, and its
//! only sleeps are the pacer's (and a 1 ms poll while nothing runs). Every
//! call into the core is wrapped in `catch_unwind`: a panic there leaves the
//! thread alive, waiting for a command that gives it a sound machine.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtrb::{Consumer, Producer};

use crate::alloc;
use crate::audio::AudioInput;
use phosphor_nes::debug::{DebugStop, TraceEntry};

use crate::command::{Command, CommandError, DebugRequest, DebugStopped, Done, Envelope, Registers, Reply, Snapshot};
use crate::config::Config;
use crate::frame::Frame;
use crate::game::Game;
use crate::input::{InputEvent, LiveInput};
use crate::os;
use crate::pacer::{Pacer, Tick};
use crate::rewind::{NoOlder, RewindLink};
use crate::telemetry::{Event, FrameRecord, PanicReport, RunState, Status};

/// How often the thread looks for commands while nothing runs.
const IDLE_POLL: Duration = Duration::from_millis(1);

/// Sound plays at speeds the core's resampler can follow (ratio 0.5 to 2).
const AUDIBLE_SPEEDS: std::ops::RangeInclusive<f32> = 0.5..=2.0;

/// Memory the thread is done with, freed on the other side.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // moved through a preallocated ring, never boxed on the thread
pub(crate) enum Garbage {
    Game(#[allow(dead_code)] Box<Game>),
    Reply(#[allow(dead_code)] Reply),
    Event(#[allow(dead_code)] Event),
}

/// The thread's ends of every channel.
pub(crate) struct Channels {
    pub commands: Consumer<Envelope>,
    pub replies: Producer<Reply>,
    pub input: Consumer<InputEvent>,
    pub live: Arc<LiveInput>,
    pub frames: triple_buffer::Input<Frame>,
    pub status: triple_buffer::Input<Status>,
    pub records: Producer<FrameRecord>,
    pub events: Producer<Event>,
    pub garbage: Producer<Garbage>,
    pub trace: Producer<TraceEntry>,
    pub audio: AudioInput,
    pub rewind: RewindLink,
}

/// Where a finished frame's sound comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sound {
    /// The machine's samples.
    Machine,
    /// Already in the ring, backwards (rewinding: the frame run to draw
    /// the picture made them, before the state was put back).
    Reversed,
    /// Run-ahead's real frame.
    RunAhead,
}

pub(crate) struct Emulator {
    config: Config,
    ch: Channels,
    stop: Arc<AtomicBool>,
    game: Option<Box<Game>>,
    speed: f32,
    pacer: Pacer,
    /// Buttons held (what came by ring ORed with the live buttons), kept
    /// for a game loaded later.
    buttons: [u8; 2],
    /// The last buttons from the ring, and from [`LiveInput`].
    ring_buttons: [u8; 2],
    live_buttons: [u8; 2],
    /// Stamp of the oldest input set but not yet latched by the game.
    input_since: Option<(Instant, u8)>,
    /// The last input a strobe read: stamp, source, serial, when the frame
    /// that read it finished.
    input_read: (Option<Instant>, u8, u64, Option<Instant>),
    /// Paused by the debugger: the next run lets the instruction at PC go.
    past_breakpoint: bool,
    last_start: Option<Instant>,
    status: Status,
    /// The rewind key is held.
    rewinding: bool,
    /// Frames of run-ahead asked for, and how.
    run_ahead: u8,
    run_ahead_method: phosphor_nes::runahead::Method,
}

mod debug;

use debug::drain_trace;

type PanicPayload = Box<dyn Any + Send>;

/// Runs `f`, catching a panic.
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, PanicPayload> {
    catch_unwind(AssertUnwindSafe(f))
}

impl Emulator {
    pub fn new(config: Config, ch: Channels, stop: Arc<AtomicBool>, game: Option<Box<Game>>) -> Self {
        let status = Status {
            speed: 1.0,
            audio: crate::telemetry::AudioFigures {
                capacity: ch.audio.capacity(),
                target: config.samples(config.audio_latency),
                ratio: 1.0,
                ..Default::default()
            },
            ..Status::default()
        };
        Emulator {
            config,
            ch,
            stop,
            game,
            speed: 1.0,
            pacer: Pacer::new(Duration::from_secs_f64(1.0 / 60.0988), Instant::now()),
            buttons: [0; 2],
            ring_buttons: [0; 2],
            live_buttons: [0; 2],
            input_since: None,
            input_read: (None, 0, 0, None),
            past_breakpoint: false,
            last_start: None,
            status,
            rewinding: false,
            run_ahead: 0,
            run_ahead_method: phosphor_nes::runahead::Method::default(),
        }
    }

    /// The thread's body: set up, loop until told to stop, hand the game back.
    pub fn run(mut self) -> Option<Box<Game>> {
        let setup = os::set_up_current_thread(&self.config);
        self.status.priority = setup.priority;
        self.status.pinned_core = setup.pinned;
        self.status.memory_locked = setup.memory_locked;
        self.send_event(Event::Started(setup));
        if let Some(mut game) = self.game.take() {
            self.insert(&mut game);
            self.ch.rewind.clear(game.nes.lean_state_len(), &mut game.rewind_seed);
            self.game = Some(game);
            self.record_jump();
        }

        alloc::watch_current_thread(true);
        while !self.stop.load(Ordering::Acquire) {
            if self.status.state == RunState::Running {
                let tick = self.pacer.wait();
                self.handle_commands();
                if self.status.state == RunState::Running {
                    self.run_frame(tick);
                }
            } else {
                self.handle_commands();
                if self.status.state != RunState::Running {
                    self.publish_status();
                    std::thread::sleep(IDLE_POLL);
                }
            }
        }
        alloc::watch_current_thread(false);
        self.set_state(RunState::Stopped);
        self.publish_status();
        self.game
    }

    // ---- running frames ----

    fn run_frame(&mut self, tick: Tick) {
        self.apply_input();
        let strobes = self.game.as_ref().map_or(0, |g| g.nes.controller_strobes());
        if self.rewinding {
            let _ = self.rewind_frame(Some(tick), strobes);
            return;
        }
        let ahead = self.effective_run_ahead();
        self.status.run_ahead = ahead;
        if ahead > 0 {
            self.run_ahead_frame(tick, strobes, ahead);
            return;
        }
        if let Some(game) = self.game.as_mut()
            && game.ahead.frames() != 0
        {
            game.ahead.set(&mut game.nes, 0, self.run_ahead_method);
        }
        match self.run_core_frame() {
            None => {}
            Some((true, None)) => self.finish_frame(Some(tick), strobes, Sound::Machine),
            Some((frame_done, Some(reason))) => {
                if frame_done {
                    self.finish_frame(Some(tick), strobes, Sound::Machine);
                }
                self.debug_stopped(reason);
            }
            Some((false, None)) => {}
        }
    }

    /// Run-ahead in force now: off while the debugger is armed (its
    /// breakpoints and logs are for the real timeline), while rewinding,
    /// and away from 1x (fast-forward shows every frame anyway).
    fn effective_run_ahead(&self) -> u8 {
        let Some(game) = self.game.as_ref() else { return 0 };
        if self.rewinding || self.speed != 1.0 || game.nes.debug_armed() {
            0
        } else {
            self.run_ahead
        }
    }

    fn run_ahead_frame(&mut self, tick: Tick, strobes: u64, frames: u8) {
        let Some(game) = self.game.as_mut() else { return };
        let (nes, ahead) = (&mut game.nes, &mut game.ahead);
        if ahead.frames() != usize::from(frames) || ahead.method() != self.run_ahead_method {
            ahead.set(nes, usize::from(frames), self.run_ahead_method);
        }
        let buttons = self.buttons;
        match guarded(|| ahead.tick(nes, buttons)) {
            Ok(()) => {
                self.status.run_ahead_reruns = ahead.stats().reruns;
                self.finish_frame(Some(tick), strobes, Sound::RunAhead);
            }
            Err(payload) => self.fault(payload),
        }
    }

    /// One frame backwards: the frame before the one shown is drawn again
    /// (its previous state restored and run, its sound played reversed)
    /// and the machine is put at that frame's end exactly. `Err` when
    /// there is nothing to go back to yet (not decoded) or any more (the
    /// oldest state): the picture stays.
    fn rewind_frame(&mut self, tick: Option<Tick>, strobes: u64) -> Result<(), CommandError> {
        let Some(game) = self.game.as_mut() else { return Err(CommandError::NoGame) };
        if !self.ch.rewind.in_history() {
            // The newest state is the frame shown: go back from the one before.
            self.ch.rewind.begin_history(1);
        }
        let step = match self.ch.rewind.step_older() {
            Ok(step) => step,
            Err(NoOlder::NotReady) => {
                self.publish_status();
                return Err(CommandError::HistoryNotReady);
            }
            Err(NoOlder::AtStart) => {
                self.publish_status();
                return Err(CommandError::HistoryStart);
            }
        };
        let nes = &mut game.nes;
        let audio = &mut self.ch.audio;
        let play = self.status.state == RunState::Running;
        match guarded(|| {
            if let Some(previous) = step.previous {
                // The frame is run with the buttons it had: those the
                // state at its end keeps.
                let _ = nes.restore_lean(step.state);
                let buttons = [nes.buttons(0), nes.buttons(1)];
                let _ = nes.restore_lean(previous);
                nes.set_buttons(0, buttons[0]);
                nes.set_buttons(1, buttons[1]);
                nes.run_frame();
                // The frame's sound, backwards, before the restore drops it.
                let ratio = audio.push_from(nes, play, 1.0, true);
                nes.set_audio_ratio(ratio);
            }
            let _ = nes.restore_lean(step.state);
        }) {
            Ok(()) => {
                self.finish_frame(tick, strobes, Sound::Reversed);
                Ok(())
            }
            Err(payload) => {
                self.fault(payload);
                Err(CommandError::Faulted)
            }
        }
    }

    /// Rewinding ends: play on from the frame shown (the machine is at its
    /// end; the history after it is cut off).
    fn stop_rewinding(&mut self) {
        self.rewinding = false;
        self.ch.rewind.end_history();
    }

    /// A jump in the timeline (reset, power cycle, a state loaded): the
    /// machine as it is now goes into the history, so going back stops
    /// exactly there on the way.
    fn record_jump(&mut self) {
        if let Some(game) = self.game.as_mut() {
            let nes = &mut game.nes;
            self.ch.rewind.capture(nes.lean_state_len(), |buffer| nes.capture_lean(buffer));
        }
    }

    /// Runs the game to its frame's end or to a debugger stop: `None` if it
    /// panicked (the thread is faulted), else whether the frame finished
    /// and why it stopped short.
    fn run_core_frame(&mut self) -> Option<(bool, Option<phosphor_nes::debug::BreakReason>)> {
        let game = self.game.as_mut()?;
        let nes = &mut game.nes;
        let trace = &mut self.ch.trace;
        let lost = &mut self.status.lost.trace;
        if std::mem::take(&mut self.past_breakpoint) {
            nes.debug(|d| d.resume());
        }
        let outcome = guarded(|| {
            if !nes.debug_armed() {
                nes.run_frame();
                return (true, None);
            }
            loop {
                let run = nes.run_frame_debug();
                drain_trace(nes, trace, lost);
                match run.stop {
                    Some(DebugStop::TraceFull) if !run.frame_done => continue,
                    Some(DebugStop::Break(reason)) => return (run.frame_done, Some(reason)),
                    _ => return (run.frame_done, None),
                }
            }
        });
        match outcome {
            Ok(result) => Some(result),
            Err(payload) => {
                self.fault(payload);
                None
            }
        }
    }

    /// The debugger stopped the CPU: pause and say why.
    fn debug_stopped(&mut self, reason: phosphor_nes::debug::BreakReason) {
        self.past_breakpoint = true;
        self.set_state(RunState::Paused);
        let registers = self.registers();
        self.send_event(Event::Stopped(DebugStopped { reason, registers }));
        self.publish_status();
    }

    /// Sound, picture, input latency, telemetry: after every finished frame
    /// (`tick` is `None` for a frame stepped while paused).
    fn finish_frame(&mut self, tick: Option<Tick>, strobes_before: u64, sound: Sound) {
        let Some(game) = self.game.as_mut() else { return };
        let (nes, ahead) = (&mut game.nes, &game.ahead);
        let play = self.status.state == RunState::Running && AUDIBLE_SPEEDS.contains(&self.speed);
        let base = 1.0 / f64::from(self.speed);
        let ratio = match sound {
            Sound::Machine => self.ch.audio.push_from(nes, play, base, false),
            Sound::Reversed => self.ch.audio.ratio,
            Sound::RunAhead => self.ch.audio.push_samples(ahead.audio(), play, base),
        };
        nes.set_audio_ratio(ratio);
        if sound != Sound::Reversed {
            // The real timeline's state at this frame's end, for rewind.
            self.ch.rewind.capture(nes.lean_state_len(), |buffer| ahead.capture_real(nes, buffer));
        }

        let now = Instant::now();
        let mut latency = None;
        if nes.controller_strobes() != strobes_before
            && let Some((since, source)) = self.input_since.take()
        {
            latency = Some(now.saturating_duration_since(since));
            self.input_read = (Some(since), source, self.input_read.2 + 1, Some(now));
        }
        if nes.cartridge().battery_ram().is_some() && nes.cartridge_mut().take_ram_dirty() {
            self.status.battery_writes += 1;
        }

        let number = ahead.real_frame(nes);
        let frame = self.ch.frames.input_buffer_mut();
        frame.pixels.copy_from_slice(ahead.picture(nes));
        frame.number = number;
        frame.rom_hash = nes.cartridge().rom_hash();
        frame.finished_at = Some(now);
        (frame.input_stamp, frame.input_source, frame.input_serial, frame.input_read_at) = self.input_read;
        self.ch.frames.publish();

        self.status.frames += 1;
        self.status.input_latency = latency.or(self.status.input_latency);
        if let Some(tick) = tick {
            let work = now.saturating_duration_since(tick.started);
            let interval = self.last_start.map(|last| tick.started.saturating_duration_since(last));
            self.last_start = Some(tick.started);
            // Above 1x nobody watches for the display's deadline: fast-forward
            // runs as fast as it can up to its cap, and is not counted.
            let missed = tick.missed && self.speed <= 1.0;
            self.status.deadline_misses += u64::from(missed);
            self.status.resyncs += u64::from(tick.resynced);
            self.status.work = work;
            self.status.interval = interval.unwrap_or_default();
            let pacing_error_ns = tick.error_ns();
            self.status.pacing_error_ns = pacing_error_ns;
            let record = FrameRecord {
                frame: number,
                interval_ns: interval.map_or(0, |d| d.as_nanos() as u64),
                pacing_error_ns,
                work_ns: work.as_nanos() as u64,
                missed,
                resynced: tick.resynced,
                audio_fill: self.ch.audio.fill() as u32,
                input_latency_ns: latency.map(|d| d.as_nanos() as u64),
            };
            if self.ch.records.push(record).is_err() {
                self.status.lost.records += 1;
            }
        }
        self.publish_status();
    }

    /// Sets the buttons from every waiting input event and from the live
    /// buttons (one atomic load); the game latches them at its next strobe.
    fn apply_input(&mut self) {
        while let Ok(event) = self.ch.input.pop() {
            let port = usize::from(event.port & 1);
            self.ring_buttons[port] = event.buttons;
            self.set_port(port);
            self.input_since.get_or_insert((event.stamp, event.source));
        }
        let live = self.ch.live.read();
        if live.buttons != self.live_buttons {
            self.live_buttons = live.buttons;
            self.set_port(0);
            self.set_port(1);
            let stamp = live.changed_at.unwrap_or_else(Instant::now);
            self.input_since.get_or_insert((stamp, crate::input::source::KEYBOARD));
        }
    }

    fn set_port(&mut self, port: usize) {
        let buttons = self.ring_buttons[port] | self.live_buttons[port];
        self.buttons[port] = buttons;
        if let Some(game) = self.game.as_mut() {
            game.nes.set_buttons(port, buttons);
        }
    }

    // ---- commands ----

    fn handle_commands(&mut self) {
        self.status.command_fill = self.ch.commands.slots();
        // A command is taken only when its reply has room: with the reply
        // ring full, commands wait in theirs and the frontend's send fails,
        // rather than an answer being lost.
        while self.ch.replies.slots() > 0
            && let Ok(Envelope { id, command }) = self.ch.commands.pop()
        {
            let (result, buffer) = self.execute(command);
            // The status shows the command's effect before its reply comes.
            self.publish_status();
            if let Err(rtrb::PushError::Full(reply)) = self.ch.replies.push(Reply { id, result, buffer }) {
                self.status.lost.replies += 1;
                self.discard(Garbage::Reply(reply));
            }
        }
    }

    fn execute(&mut self, command: Command) -> (Result<Done, CommandError>, Option<Vec<u8>>) {
        // A step may have stopped inside an instruction, with the PPU run
        // ahead for the view: looking keeps that view, anything else puts
        // the machine back at the instruction's start first.
        let looks = matches!(
            &command,
            Command::Pause
                | Command::Debug(
                    DebugRequest::Registers
                        | DebugRequest::ReadMemory { .. }
                        | DebugRequest::ReadSpace { .. }
                        | DebugRequest::AccessAges { .. }
                        | DebugRequest::CallStack
                        | DebugRequest::BreakpointHits
                        | DebugRequest::CopyCodeDataLog(_)
                        | DebugRequest::Step(_)
                )
        );
        if !looks && let Some(game) = self.game.as_mut() {
            let _ = guarded(|| game.nes.leave_view());
        }
        // Whatever looks at the machine or changes it sees the real
        // timeline: run-ahead comes back to it first (and runs ahead again
        // at the next frame).
        let settles = matches!(
            &command,
            Command::SetSpeed(_) | Command::SetRunAhead(_) | Command::SetRewind { .. } | Command::Rewind(_)
        );
        if !settles && let Some(game) = self.game.as_mut() {
            let (nes, ahead) = (&mut game.nes, &mut game.ahead);
            // A restore of a capture this machine made; a panic here would
            // show in the command that follows.
            let _ = guarded(|| ahead.collapse(nes));
        }
        let done = match command {
            Command::LoadGame(mut game) => {
                self.insert(&mut game);
                self.ch.rewind.clear(game.nes.lean_state_len(), &mut game.rewind_seed);
                let rom_hash = game.nes.cartridge().rom_hash();
                if let Some(old) = self.game.replace(game) {
                    self.discard(Garbage::Game(old));
                }
                self.rewinding = false;
                self.record_jump();
                Ok(Done::Loaded { rom_hash })
            }
            Command::Reset => self.with_core(|game| game.nes.reset()).map(|()| {
                self.recover();
                self.record_jump();
                Done::Reset
            }),
            Command::PowerCycle => {
                match self.with_core(|game| game.nes.power_cycle_from(&game.power_on, &mut game.ram_scratch)) {
                    Ok(Ok(())) => {
                        self.recover();
                        self.record_jump();
                        Ok(Done::PowerCycled)
                    }
                    Ok(Err(e)) => Err(e.into()),
                    Err(e) => Err(e),
                }
            }
            Command::Pause => self.runnable().map(|()| {
                self.set_state(RunState::Paused);
                // Ready for a step back.
                self.ch.rewind.begin_history(0);
                Done::Paused(self.registers())
            }),
            Command::Resume => self.runnable().map(|()| {
                self.set_state(RunState::Running);
                Done::Resumed
            }),
            Command::StepFrame => self.step_frame(),
            Command::StepInstruction => self.step_instruction(),
            Command::SetSpeed(speed) => self.set_speed(speed),
            Command::CaptureState(buf) => return self.capture(buf),
            Command::RestoreState(snapshot) => return self.restore(snapshot),
            Command::CopyBatteryRam(buf) => return self.copy_battery_ram(buf),
            Command::Debug(request) => return self.debug(request),
            Command::SetRunAhead(frames) => {
                if usize::from(frames) > phosphor_nes::runahead::MAX_FRAMES {
                    Err(CommandError::RunAheadOutOfRange(frames))
                } else {
                    self.run_ahead = frames;
                    self.status.run_ahead_setting = frames;
                    Ok(Done::RunAheadSet(frames))
                }
            }
            Command::SetRunAheadMethod(method) => {
                self.run_ahead_method = method;
                Ok(Done::RunAheadSet(self.run_ahead))
            }
            Command::SetRewind { frames } => {
                if self.rewinding {
                    self.stop_rewinding();
                }
                self.ch.rewind.end_history();
                self.ch.rewind.set_length(frames);
                Ok(Done::RewindSet { frames })
            }
            Command::Rewind(on) => self.set_rewinding(on),
            #[cfg(feature = "fault-injection")]
            Command::InjectPanic(message) => self.with_core(|_| -> Done { panic!("{message}") }),
        };
        (done, None)
    }

    fn set_rewinding(&mut self, on: bool) -> Result<Done, CommandError> {
        self.runnable()?;
        if on && !self.ch.rewind.recording {
            return Err(CommandError::RewindOff);
        }
        if on && !self.rewinding {
            // From where the game is shown, not from a step back's prefetch.
            self.ch.rewind.end_history();
            self.rewinding = true;
        } else if !on && self.rewinding {
            self.stop_rewinding();
        }
        self.status.run_ahead = self.effective_run_ahead();
        Ok(Done::Rewinding(on))
    }

    /// Prepares a game for this thread and starts it.
    fn insert(&mut self, game: &mut Game) {
        let nes = &mut game.nes;
        nes.set_sample_rate(self.config.sample_rate);
        nes.set_audio_ratio(1.0 / f64::from(self.speed));
        for (port, &buttons) in self.buttons.iter().enumerate() {
            nes.set_buttons(port, buttons);
        }
        self.status.rom_hash = nes.cartridge().rom_hash();
        self.past_breakpoint = false;
        self.input_since = None;
        self.ch.audio.control.reset();
        self.set_period(nes.timing().frame_rate());
        self.set_state(RunState::Running);
    }

    /// The machine is sound again (after reset, power cycle, restore).
    fn recover(&mut self) {
        self.past_breakpoint = false;
        if self.status.state == RunState::Faulted {
            self.set_state(RunState::Running);
        }
    }

    /// A game that can run: loaded and not faulted.
    fn runnable(&self) -> Result<(), CommandError> {
        match self.status.state {
            RunState::NoGame | RunState::Stopped => Err(CommandError::NoGame),
            RunState::Faulted => Err(CommandError::Faulted),
            RunState::Running | RunState::Paused => Ok(()),
        }
    }

    /// Runs `f` on the game, catching a panic (which faults the thread).
    fn with_core<R>(&mut self, f: impl FnOnce(&mut Game) -> R) -> Result<R, CommandError> {
        let game = self.game.as_mut().ok_or(CommandError::NoGame)?;
        match guarded(|| f(game)) {
            Ok(r) => Ok(r),
            Err(payload) => {
                self.fault(payload);
                Err(CommandError::Faulted)
            }
        }
    }

    fn step_frame(&mut self) -> Result<Done, CommandError> {
        self.runnable()?;
        self.set_state(RunState::Paused);
        self.apply_input();
        let strobes = self.game.as_ref().map_or(0, |g| g.nes.controller_strobes());
        if self.rewinding {
            // Frame advance with the rewind key held: one frame back.
            self.rewind_frame(None, strobes)?;
            return Ok(Done::SteppedFrame { frame: self.game.as_ref().map_or(0, |g| g.nes.frame_count()) });
        }
        match self.run_core_frame() {
            None => return Err(CommandError::Faulted),
            Some((frame_done, stop)) => {
                if frame_done {
                    self.finish_frame(None, strobes, Sound::Machine);
                }
                if let Some(reason) = stop {
                    self.debug_stopped(reason);
                }
            }
        }
        Ok(Done::SteppedFrame { frame: self.game.as_ref().map_or(0, |g| g.nes.frame_count()) })
    }

    fn step_instruction(&mut self) -> Result<Done, CommandError> {
        self.runnable()?;
        self.set_state(RunState::Paused);
        self.apply_input();
        let (frame, strobes) = self.game.as_ref().map_or((0, 0), |g| (g.nes.frame_count(), g.nes.controller_strobes()));
        self.with_core(|game| game.nes.step_instruction())?;
        self.past_breakpoint = false;
        if self.game.as_ref().is_some_and(|g| g.nes.frame_count() != frame) {
            self.finish_frame(None, strobes, Sound::Machine);
        }
        self.publish_status();
        Ok(Done::SteppedInstruction(self.registers()))
    }

    fn set_speed(&mut self, speed: f32) -> Result<Done, CommandError> {
        if !(0.1..=self.config.max_speed).contains(&speed) {
            return Err(CommandError::SpeedOutOfRange { requested: speed, max: self.config.max_speed });
        }
        self.speed = speed;
        self.status.speed = speed;
        let rate = self.game.as_ref().map_or(60.0988, |g| g.nes.timing().frame_rate());
        self.set_period(rate);
        self.ch.audio.control.reset();
        self.sync_audio_flag();
        Ok(Done::SpeedSet(speed))
    }

    fn capture(&mut self, mut buf: Vec<u8>) -> (Result<Done, CommandError>, Option<Vec<u8>>) {
        if let Err(e) = self.runnable() {
            return (Err(e), Some(buf));
        }
        let Some(game) = self.game.as_ref() else { return (Err(CommandError::NoGame), Some(buf)) };
        let needed = game.nes.state_len();
        if buf.capacity() < needed {
            return (Err(CommandError::BufferTooSmall { needed, capacity: buf.capacity() }), Some(buf));
        }
        let (rom_hash, frame) = (game.nes.cartridge().rom_hash(), game.nes.frame_count());
        match self.with_core(|game| game.nes.capture(&mut buf)) {
            Ok(()) => (Ok(Done::StateCaptured(Snapshot { rom_hash, frame, body: buf })), None),
            Err(e) => (Err(e), Some(buf)),
        }
    }

    fn restore(&mut self, snapshot: Snapshot) -> (Result<Done, CommandError>, Option<Vec<u8>>) {
        let Some(game) = self.game.as_ref() else { return (Err(CommandError::NoGame), Some(snapshot.body)) };
        if snapshot.rom_hash != game.nes.cartridge().rom_hash() {
            return (Err(CommandError::WrongGame), Some(snapshot.body));
        }
        let body = snapshot.body;
        match self.with_core(|game| game.nes.restore(&body)) {
            Ok(Ok(())) => {
                self.recover();
                self.record_jump();
                let frame = self.game.as_ref().map_or(0, |g| g.nes.frame_count());
                self.publish_status();
                (Ok(Done::StateRestored { frame, buffer: body }), None)
            }
            Ok(Err(e)) => (Err(e.into()), Some(body)),
            Err(e) => (Err(e), Some(body)),
        }
    }

    fn copy_battery_ram(&mut self, mut buf: Vec<u8>) -> (Result<Done, CommandError>, Option<Vec<u8>>) {
        let Some(game) = self.game.as_ref() else { return (Err(CommandError::NoGame), Some(buf)) };
        let Some(ram) = game.nes.cartridge().battery_ram() else { return (Err(CommandError::NoBattery), Some(buf)) };
        if buf.capacity() < ram.len() {
            return (Err(CommandError::BufferTooSmall { needed: ram.len(), capacity: buf.capacity() }), Some(buf));
        }
        buf.clear();
        buf.extend_from_slice(ram);
        (Ok(Done::BatteryRam(buf)), None)
    }

    // ---- state and telemetry ----

    fn set_period(&mut self, frame_rate: f64) {
        self.pacer.set_period(Duration::from_secs_f64(1.0 / (frame_rate * f64::from(self.speed))));
    }

    fn set_state(&mut self, state: RunState) {
        if state == RunState::Running && self.status.state != RunState::Running {
            // Nothing to make up for the time spent stopped.
            self.pacer.restart(Instant::now());
            self.last_start = None;
            self.ch.audio.control.reset();
        }
        self.status.state = state;
        self.sync_audio_flag();
    }

    /// Tells the device side whether sound is coming (so silence during a
    /// pause is not counted as an underrun).
    fn sync_audio_flag(&mut self) {
        let active = self.status.state == RunState::Running && AUDIBLE_SPEEDS.contains(&self.speed);
        self.ch.audio.shared.active.store(active, Ordering::Relaxed);
    }

    fn fault(&mut self, payload: PanicPayload) {
        self.status.panics += 1;
        self.set_state(RunState::Faulted);
        let frame = self.game.as_ref().map_or(0, |g| g.nes.frame_count());
        self.send_event(Event::Panicked(PanicReport::new(frame, payload)));
        self.publish_status();
    }

    fn registers(&self) -> Registers {
        self.game.as_ref().map(|g| Registers::of(&g.nes)).unwrap_or_default()
    }

    fn send_event(&mut self, event: Event) {
        if let Err(rtrb::PushError::Full(event)) = self.ch.events.push(event) {
            self.status.lost.events += 1;
            self.discard(Garbage::Event(event));
        }
    }

    /// Hands memory to the other side to free; frees it here (and counts
    /// it) only if the garbage ring is full.
    fn discard(&mut self, garbage: Garbage) {
        if self.ch.garbage.push(garbage).is_err() {
            self.status.lost.garbage += 1;
        }
    }

    fn publish_status(&mut self) {
        let stats = self.ch.audio.shared.stats();
        let audio = &mut self.status.audio;
        audio.fill = self.ch.audio.fill();
        audio.ratio = self.ch.audio.ratio;
        audio.overruns = self.ch.audio.overruns;
        audio.dropped_samples = self.ch.audio.dropped_samples;
        audio.underruns = stats.underruns;
        audio.target = stats.lead;
        (audio.lead_second_mean, audio.lead_seconds) = (self.ch.audio.lead_second_mean, self.ch.audio.lead_seconds);
        self.status.input_fill = self.ch.input.slots();
        self.status.spin_margin = self.pacer.margin();
        self.status.rt_heap_calls = alloc::watched_heap_calls();
        self.status.rewind = self.ch.rewind.figures(self.rewinding);
        // A faulted machine is not looked at: it might panic again here.
        if let Some(game) = self.game.as_ref().filter(|_| self.status.state != RunState::Faulted) {
            self.status.cpu = Registers::of(&game.nes);
            let pc = self.status.cpu.pc;
            for (i, byte) in self.status.code.iter_mut().enumerate() {
                *byte = game.nes.peek(pc.wrapping_add(i as u16));
            }
            let cart = game.nes.cartridge();
            for (slot, base) in self.status.prg_banks.iter_mut().enumerate() {
                *base = cart.prg_rom_offset(((slot as u16) + 3) << 13).unwrap_or(u32::MAX);
            }
        }
        self.ch.status.write(self.status);
    }
}
