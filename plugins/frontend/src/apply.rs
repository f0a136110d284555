//! Settings read at start, applied to the plugins whenever they change, and
//! written back half a second after the last change (and on exit).

use std::path::PathBuf;
use std::time::Duration;

use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use bevy::window::{MonitorSelection, PresentMode, PrimaryWindow, WindowMode};
use phosphor_emulation::{EmuNotice, PowerOn};
use phosphor_input::HotkeyOptions;
use phosphor_nes::RamInit;
use phosphor_storage::Storage;
use phosphor_video::{CrtLook, Preset, VideoSettings};

use crate::settings::{self, RamPattern, Settings, Shader};

/// How long after the last change the file is written.
const SAVE_DELAY: Duration = Duration::from_millis(500);

/// The settings file and its pending write.
#[derive(Resource, Debug, Default)]
pub struct SettingsFile {
    /// `None` when the platform has no config folder: changes still apply,
    /// and the first one says they will not be kept.
    pub path: Option<PathBuf>,
    changed_at: Option<Duration>,
    writing: Option<Task<Result<(), String>>>,
    /// Files written so far (tests).
    pub writes: u64,
    told_unsaved: bool,
}

pub(crate) fn build(app: &mut App) {
    app.init_resource::<SettingsFile>()
        .add_message::<EmuNotice>()
        .add_systems(PreStartup, read_at_start)
        .add_systems(Update, (apply, apply_time_control, save_later).chain())
        .add_systems(Last, save_on_exit);
}

/// The settings file as the app read it before the plugins were built.
#[derive(Resource, Debug)]
pub(crate) struct Preloaded(pub settings::Loaded);

/// Reads the file before anything starts (a few hundred bytes; the app
/// cannot look right until it is known), unless the app already did.
fn read_at_start(
    mut commands: Commands<'_, '_>,
    storage: Option<Res<'_, Storage>>,
    preloaded: Option<Res<'_, Preloaded>>,
    mut notices: MessageWriter<'_, EmuNotice>,
) {
    let Some(storage) = storage else {
        commands.insert_resource(Settings::default());
        return;
    };
    let Some(path) = storage.folders.as_ref().map(phosphor_io::saves::Folders::settings) else {
        commands.insert_resource(Settings::default());
        return;
    };
    let loaded = match preloaded {
        Some(preloaded) => preloaded.0.clone(),
        None => block_on(settings::load(&*storage.io, &storage.pool, &path)),
    };
    if let Some(warning) = loaded.warning {
        warn!("{warning}");
        notices.write(EmuNotice::Problem(warning));
    }
    info!("settings: {}", path.display());
    commands.insert_resource(loaded.settings);
    commands.insert_resource(SettingsFile { path: Some(path), ..default() });
}

/// Pushes the settings into the plugins' resources and the window.
#[allow(clippy::too_many_arguments)]
fn apply(
    settings: Option<Res<'_, Settings>>,
    mut video: Option<ResMut<'_, VideoSettings>>,
    mut volume: Option<ResMut<'_, phosphor_audio::Volume>>,
    mut ui_volume: Option<ResMut<'_, phosphor_audio::UiVolume>>,
    mut hotkeys: ResMut<'_, HotkeyOptions>,
    mut power_on: Option<ResMut<'_, PowerOn>>,
    mut input_map: Option<ResMut<'_, phosphor_input::InputMap>>,
    mut direct_keys: Option<ResMut<'_, phosphor_input::DirectKeyboard>>,
    mut windows: Query<'_, '_, &mut Window, With<PrimaryWindow>>,
    mut file: ResMut<'_, SettingsFile>,
    time: Res<'_, Time<Real>>,
) {
    let Some(settings) = settings else { return };
    if !settings.is_changed() {
        return;
    }
    if !settings.is_added() {
        file.changed_at = Some(time.elapsed());
    }
    let v = &settings.video;
    if let Some(video) = video.as_mut() {
        video.preset = match v.shader {
            Shader::Crt => Preset::Crt,
            Shader::Sharp => Preset::Sharp,
        };
        video.integer_scale = v.integer_scale;
        video.crt = CrtLook { scanlines: v.scanlines, mask: v.mask, curvature: v.curvature, bloom: v.glow };
    }
    for mut window in &mut windows {
        let mode = if v.fullscreen { WindowMode::BorderlessFullscreen(MonitorSelection::Current) } else { WindowMode::Windowed };
        if window.mode != mode {
            window.mode = mode;
        }
        let present = if v.vsync { PresentMode::AutoVsync } else { PresentMode::AutoNoVsync };
        if window.present_mode != present {
            window.present_mode = present;
        }
    }
    if let Some(volume) = volume.as_mut() {
        volume.level = settings.audio.volume;
        volume.muted = settings.audio.muted;
    }
    if let Some(ui) = ui_volume.as_mut() {
        ui.level = settings.audio.ui_volume;
        ui.muted = settings.audio.ui_muted;
    }
    hotkeys.fast_forward = settings.emulation.fast_forward;
    hotkeys.rewind_key = settings.input.hotkey(0);
    hotkeys.frame_advance_key = settings.input.hotkey(1);
    hotkeys.pause_key = settings.input.hotkey(2);
    if let Some(map) = input_map.as_mut() {
        **map = settings.input.to_map();
    }
    if let Some(direct) = direct_keys.as_mut() {
        direct.wanted = settings.input.direct_keyboard;
    }
    if let Some(power_on) = power_on.as_mut() {
        power_on.region = settings.emulation.region.forced();
        power_on.random_each_time = settings.emulation.power_on_ram == RamPattern::Random;
        power_on.ram_init = match settings.emulation.power_on_ram {
            RamPattern::Ones => RamInit::Ones,
            RamPattern::Zeros | RamPattern::Random => RamInit::Zeros,
        };
    }
}

/// Rewind's length and the game's run-ahead go to the emulation thread
/// when they change and when a game starts; the time-control keys act
/// only while a game is played (not in the menus).
fn apply_time_control(
    settings: Option<Res<'_, Settings>>,
    mut emulator: ResMut<'_, phosphor_emulation::Emulator>,
    mut hotkeys: ResMut<'_, HotkeyOptions>,
    screen: Option<Res<'_, crate::Screen>>,
    mut sent: Local<'_, Option<(u64, u32, u8)>>,
) {
    let playing = screen.is_none_or(|s| *s == crate::Screen::Playing);
    if hotkeys.time_control != playing {
        hotkeys.time_control = playing;
    }
    let (Some(settings), Some(game)) = (settings, emulator.game()) else { return };
    let frames = settings.emulation.rewind_minutes * phosphor_rt::rewind::FRAMES_PER_MINUTE;
    let want = (game.serial, frames, settings.emulation.run_ahead_for(Some(game.rom_hash)));
    if *sent == Some(want) {
        return;
    }
    let sent_ok = emulator.send(phosphor_rt::Command::SetRewind { frames }).is_ok()
        && emulator.send(phosphor_rt::Command::SetRunAhead(want.2)).is_ok();
    if sent_ok {
        info!("rewind {} min, run-ahead {} frames", settings.emulation.rewind_minutes, want.2);
        *sent = Some(want);
    }
}

fn save_later(
    settings: Option<Res<'_, Settings>>,
    mut file: ResMut<'_, SettingsFile>,
    storage: Option<Res<'_, Storage>>,
    time: Res<'_, Time<Real>>,
    mut notices: MessageWriter<'_, EmuNotice>,
) {
    if let Some(task) = file.writing.as_mut() {
        let Some(result) = block_on(future::poll_once(task)) else { return };
        file.writing = None;
        match result {
            Ok(()) => file.writes += 1,
            Err(err) => {
                warn!("{err}");
                notices.write(EmuNotice::Problem(format!("{err} (the previous settings file is kept)")));
            }
        }
    }
    let (Some(settings), Some(at)) = (settings, file.changed_at) else { return };
    if time.elapsed() < at + SAVE_DELAY {
        return;
    }
    file.changed_at = None;
    let (Some(path), Some(storage)) = (file.path.clone(), storage) else {
        if !std::mem::replace(&mut file.told_unsaved, true) {
            notices.write(EmuNotice::Problem("No config folder on this system: settings apply until you quit".into()));
        }
        return;
    };
    let (settings, storage) = (settings.clone(), storage.clone());
    file.writing = Some(IoTaskPool::get().spawn(async move {
        settings::save(&*storage.io, &storage.pool, &path, &settings).await.map_err(|e| e.to_string())
    }));
}

/// A change not yet written when the app exits is written now.
fn save_on_exit(
    mut exits: MessageReader<'_, '_, AppExit>,
    settings: Option<Res<'_, Settings>>,
    mut file: ResMut<'_, SettingsFile>,
    storage: Option<Res<'_, Storage>>,
) {
    if exits.read().next().is_none() {
        return;
    }
    if let Some(task) = file.writing.take() {
        drop(block_on(task));
    }
    if file.changed_at.take().is_none() {
        return;
    }
    let (Some(settings), Some(path), Some(storage)) = (settings, file.path.clone(), storage) else { return };
    if let Err(err) = block_on(settings::save(&*storage.io, &storage.pool, &path, &settings)) {
        error!("{err}");
    }
}
