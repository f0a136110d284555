//! The runtime's handle as Bevy resources, and the systems that move
//! commands, input, replies and telemetry across the thread boundary.

use std::sync::Arc;

use bevy::app::AppExit;
use bevy::platform::cell::SyncCell;
use bevy::prelude::*;
use phosphor_nes::Cartridge;
use phosphor_rt::{AudioOutput, Command, CommandId, Config, Event, FrameReader, Game, InputSender, LiveInput, Runtime, TraceReader};

use crate::telemetry::Telemetry;
use crate::{EmuNotice, EmuReply, LoadRom, Pads};

/// The game the thread was last asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedGame {
    pub name: String,
    pub rom_hash: u64,
    /// The iNES bytes it was built from (to save, to reload).
    pub rom: std::sync::Arc<[u8]>,
    /// The file it came from, when it came from one (its debug files sit beside it).
    pub path: Option<std::path::PathBuf>,
    /// Counts the games started since the app began: the same ROM started
    /// again is a new machine (with a new, empty debugger on the thread).
    pub serial: u64,
}

/// Why a command could not be queued.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    #[error("the emulation thread is not running")]
    NotRunning,
    #[error("the emulation thread is busy; try again")]
    Full,
}

/// The emulation thread's handle. Only the main thread touches it; the
/// [`SyncCell`] makes it a resource without a lock.
#[derive(Resource)]
pub struct Emulator {
    runtime: Option<SyncCell<Runtime>>,
    input: Option<SyncCell<InputSender>>,
    /// Buttons a device thread sets for the emulation thread directly.
    live: Option<Arc<LiveInput>>,
    game: Option<LoadedGame>,
    /// Pads as last sent, so only changes travel.
    sent: Option<[u8; 2]>,
    /// Input events the ring refused (as the sender counts them).
    input_dropped: u64,
    paused: bool,
    startup_error: Option<String>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("running", &self.runtime.is_some())
            .field("game", &self.game)
            .field("paused", &self.paused)
            .finish_non_exhaustive()
    }
}

/// The newest finished frame, for the video plugin (triple buffer: reading
/// never waits and never tears).
#[derive(Resource)]
pub struct FrameFeed(Option<SyncCell<FrameReader>>);

impl FrameFeed {
    pub fn new(reader: Option<FrameReader>) -> Self {
        FrameFeed(reader.map(SyncCell::new))
    }

    pub fn reader(&mut self) -> Option<&mut FrameReader> {
        self.0.as_mut().map(SyncCell::get)
    }
}

impl std::fmt::Debug for FrameFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FrameFeed").field(&self.0.is_some()).finish()
    }
}

/// The trace ring's output: the instructions the thread traced, for the
/// debugger's trace panel.
#[derive(Resource, Default)]
pub struct TraceFeed(Option<SyncCell<TraceReader>>);

impl TraceFeed {
    pub fn new(reader: Option<TraceReader>) -> Self {
        TraceFeed(reader.map(SyncCell::new))
    }

    pub fn reader(&mut self) -> Option<&mut TraceReader> {
        self.0.as_mut().map(SyncCell::get)
    }
}

impl std::fmt::Debug for TraceFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TraceFeed").field(&self.0.is_some()).finish()
    }
}

/// The sound ring's output, taken by whoever plays it (the audio plugin
/// moves it into the device callback).
#[derive(Resource, Default)]
pub struct SoundFeed(Option<SyncCell<AudioOutput>>);

impl SoundFeed {
    pub fn new(output: Option<AudioOutput>) -> Self {
        SoundFeed(output.map(SyncCell::new))
    }

    pub fn take(&mut self) -> Option<AudioOutput> {
        self.0.take().map(SyncCell::to_inner)
    }

    /// Whether it has been taken (or there never was one).
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl std::fmt::Debug for SoundFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SoundFeed").field(&self.0.is_some()).finish()
    }
}

impl Emulator {
    pub(crate) fn spawn(config: Config) -> (Emulator, FrameFeed, SoundFeed, TraceFeed) {
        match Runtime::spawn(config, None) {
            Ok(mut runtime) => {
                let input = runtime.take_input().map(SyncCell::new);
                let live = Some(Arc::clone(runtime.live_input()));
                let frames = FrameFeed::new(runtime.take_frames());
                let sound = SoundFeed::new(runtime.take_audio());
                let trace = TraceFeed::new(runtime.take_trace());
                let emulator = Emulator {
                    runtime: Some(SyncCell::new(runtime)),
                    input,
                    live,
                    game: None,
                    sent: None,
                    input_dropped: 0,
                    paused: false,
                    startup_error: None,
                };
                (emulator, frames, sound, trace)
            }
            Err(err) => {
                error!("the emulation thread did not start: {err}");
                let emulator = Emulator {
                    runtime: None,
                    input: None,
                    live: None,
                    game: None,
                    sent: None,
                    input_dropped: 0,
                    paused: false,
                    startup_error: Some(err.to_string()),
                };
                (emulator, FrameFeed::new(None), SoundFeed::new(None), TraceFeed::new(None))
            }
        }
    }

    /// Queues a command; its [`EmuReply`] will carry the returned id.
    pub fn send(&mut self, command: Command) -> Result<CommandId, SendError> {
        let runtime = self.runtime.as_mut().ok_or(SendError::NotRunning)?.get();
        if !runtime.is_alive() {
            return Err(SendError::NotRunning);
        }
        runtime.send(command).map_err(|_| SendError::Full)
    }

    /// The game last loaded (it may have been refused by the thread: see
    /// the notices), if any.
    pub fn game(&self) -> Option<&LoadedGame> {
        self.game.as_ref()
    }

    /// Pauses or resumes (what Esc does). Returns whether it is now paused.
    pub fn toggle_pause(&mut self) -> Result<bool, SendError> {
        let command = if self.paused { Command::Resume } else { Command::Pause };
        self.send(command)?;
        self.paused = !self.paused;
        Ok(self.paused)
    }

    /// Runs one frame and stays paused (frame advance): the next
    /// [`Emulator::toggle_pause`] resumes.
    pub fn frame_advance(&mut self) -> Result<(), SendError> {
        self.send(Command::StepFrame)?;
        self.paused = true;
        Ok(())
    }

    /// Whether the player paused it (through [`Emulator::toggle_pause`] or
    /// [`Emulator::frame_advance`]).
    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn is_running(&mut self) -> bool {
        self.runtime.as_mut().is_some_and(|r| r.get().is_alive())
    }

    /// The buttons a device thread (the keyboard read straight from the
    /// OS) sets for the emulation thread to read at each frame, beside
    /// the ring; `None` without an emulation thread.
    pub fn live_input(&self) -> Option<&Arc<LiveInput>> {
        self.live.as_ref()
    }

    /// Input events the ring refused so far (the thread stalled).
    pub fn input_dropped(&self) -> u64 {
        self.input_dropped
    }

    fn runtime(&mut self) -> Option<&mut Runtime> {
        self.runtime.as_mut().map(SyncCell::get)
    }
}

/// Forwards the pads when they change (each change is stamped now: the
/// telemetry's input latency starts here).
pub(crate) fn send_input(pads: Res<'_, Pads>, mut emulator: ResMut<'_, Emulator>) {
    let buttons = pads.buttons;
    let emulator = &mut *emulator;
    if emulator.sent == Some(buttons) {
        return;
    }
    let Some(input) = emulator.input.as_mut().map(SyncCell::get) else { return };
    let previous = emulator.sent.unwrap_or([!buttons[0], !buttons[1]]);
    let mut all_sent = true;
    for port in 0..2 {
        if previous[port] != buttons[port] {
            all_sent &= input.send_from(port as u8, buttons[port], pads.sources[port]);
        }
    }
    emulator.input_dropped = input.dropped();
    // A full ring (the thread stalled) is tried again next update.
    if all_sent {
        emulator.sent = Some(buttons);
    }
}

/// Builds games from [`LoadRom`] messages (off the emulation thread: the
/// parse and allocation happen here) and hands them over.
pub(crate) fn load_roms(
    mut requests: MessageReader<'_, '_, LoadRom>,
    mut emulator: ResMut<'_, Emulator>,
    power_on: Res<'_, crate::PowerOn>,
    mut notices: MessageWriter<'_, EmuNotice>,
) {
    for request in requests.read() {
        let cartridge = match request.cartridge.clone() {
            Some(cartridge) => Ok(*cartridge),
            None => Cartridge::from_ines_with(
                &request.bytes,
                phosphor_nes::LoadOptions { region: power_on.region, ..Default::default() },
            ),
        };
        let game = match cartridge {
            Ok(cartridge) => {
                let ram_init = if power_on.random_each_time {
                    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                    phosphor_nes::RamInit::Seeded(now.map_or(1, |d| d.as_nanos() as u64))
                } else {
                    power_on.ram_init
                };
                Game::new(cartridge, ram_init)
            }
            Err(err) => {
                warn!("{}: not loaded: {err}", request.name);
                notices.write(EmuNotice::RomRefused { name: request.name.clone(), reason: err.to_string() });
                continue;
            }
        };
        let rom_hash = game.nes().cartridge().rom_hash();
        match emulator.send(Command::LoadGame(game)) {
            Ok(_) => {
                info!("{}: loaded (ROM hash {rom_hash:016x})", request.name);
                let serial = emulator.game.as_ref().map_or(1, |g| g.serial + 1);
                emulator.game = Some(LoadedGame {
                    name: request.name.clone(),
                    rom_hash,
                    rom: request.bytes.clone(),
                    path: request.path.clone(),
                    serial,
                });
                emulator.paused = false;
                emulator.sent = None;
                notices.write(EmuNotice::GameStarted { name: request.name.clone() });
            }
            Err(err) => {
                notices.write(EmuNotice::RomRefused { name: request.name.clone(), reason: err.to_string() });
            }
        }
    }
}

/// Replies, events and telemetry from the thread, every update.
pub(crate) fn receive(
    mut emulator: ResMut<'_, Emulator>,
    mut telemetry: ResMut<'_, Telemetry>,
    mut replies: MessageWriter<'_, EmuReply>,
    mut notices: MessageWriter<'_, EmuNotice>,
    mut told_unavailable: Local<'_, bool>,
) {
    if let Some(reason) = emulator.startup_error.clone() {
        if !std::mem::replace(&mut *told_unavailable, true) {
            notices.write(EmuNotice::Unavailable { reason });
        }
        return;
    }
    let Some(runtime) = emulator.runtime() else { return };
    while let Some(reply) = runtime.try_reply() {
        replies.write(reply.into());
    }
    while let Some(event) = runtime.try_event() {
        match event {
            Event::Started(setup) => {
                for refused in &setup.refused {
                    warn!("emulation thread: {refused}");
                    notices.write(EmuNotice::Degraded { what: refused.clone() });
                }
                info!(
                    "emulation thread: priority {}, core {:?}, memory locked {}",
                    setup.priority, setup.pinned, setup.memory_locked
                );
            }
            Event::Panicked(report) => {
                let message = format!("internal error at frame {}: {}", report.frame, report.message());
                error!("emulation thread: {message}");
                telemetry.last_fault = Some(message.clone());
                notices.write(EmuNotice::Fault { message });
            }
            Event::Stopped(stop) => {
                info!("debugger stop at ${:04X}: {:?}", stop.registers.pc, stop.reason);
                telemetry.breakpoint = Some(stop.registers);
                telemetry.stop = Some(stop);
            }
        }
    }
    runtime.drain_records(|record| telemetry.push(*record));
    telemetry.status = *runtime.status();
    telemetry.audio = runtime.audio_stats();
    runtime.collect_garbage();
    if !runtime.is_alive() && !std::mem::replace(&mut *told_unavailable, true) {
        notices.write(EmuNotice::Unavailable { reason: "the emulation thread has stopped".into() });
    }
}

/// The last game as the thread left it when the app exited: what the
/// storage plugin writes on the way out (battery RAM, the autosave).
#[derive(Resource, Debug, Clone)]
pub struct Stopped {
    pub game: LoadedGame,
    /// The cartridge's battery RAM, if it has a battery.
    pub battery: Option<Vec<u8>>,
    /// The whole machine, captured; `None` when the game stopped on an
    /// internal error (a broken machine is not worth an autosave: the last
    /// good one stays).
    pub state: Option<phosphor_rt::Snapshot>,
}

/// Stops the thread when the app exits (the runtime joins it; the game
/// comes back and is freed here, not on the thread) and keeps what must be
/// saved from it in [`Stopped`].
pub(crate) fn stop_on_exit(
    mut commands: Commands<'_, '_>,
    mut exits: MessageReader<'_, '_, AppExit>,
    mut emulator: ResMut<'_, Emulator>,
    telemetry: Res<'_, Telemetry>,
) {
    if exits.read().next().is_none() {
        return;
    }
    let Some(runtime) = emulator.runtime.take() else { return };
    let Some(game) = SyncCell::to_inner(runtime).shutdown() else { return };
    let Some(loaded) = emulator.game.clone() else { return };
    let mut nes = game.into_nes();
    if nes.cartridge().rom_hash() != loaded.rom_hash {
        return;
    }
    let battery = nes.cartridge().battery_ram().map(<[u8]>::to_vec);
    let faulted = telemetry.status.state == phosphor_rt::RunState::Faulted;
    let state = (!faulted).then(|| {
        let mut body = Vec::with_capacity(nes.state_len());
        nes.capture(&mut body);
        phosphor_rt::Snapshot { rom_hash: loaded.rom_hash, frame: nes.frame_count(), body }
    });
    commands.insert_resource(Stopped { game: loaded, battery, state });
}
