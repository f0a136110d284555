//! The in-game menu: Esc (or the pad's Start) pauses the game under it.
//! Resume, save and load through the slot browser (slots 0-9 and the
//! autosave, each with its thumbnail, frame and age), reset, settings,
//! back to the home screen (writing the autosave first), quit.

use bevy::app::AppExit;
use bevy::input::keyboard::KeyboardInput;
use bevy::input::ButtonState;
use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use bevy_egui::{egui, EguiContexts};
use phosphor_emulation::{EmuNotice, Emulator};
use phosphor_io::saves::{Slot, SlotInfo};
use phosphor_rt::Command;
use phosphor_storage::{slot_title, SlotRequest, Storage};

use crate::home::{ago, Thumbnails};
use crate::nav::{step, Nav};
use crate::settings::{
    RamPattern, RegionChoice, Settings, Shader, BINDINGS, HOTKEY_BINDINGS, MAX_REWIND_MINUTES, MAX_RUN_AHEAD, PAD_BINDINGS,
};
use crate::{theme, Page, Screen};

/// The main page's items, in order.
pub const MAIN_ITEMS: [&str; 7] = ["Resume", "Save state", "Load state", "Reset", "Settings", "Home screen", "Quit"];

/// Slots in the browser, in order: 1-9, 0 (as on a keyboard's number
/// row), then the autosave.
pub fn browser_slots() -> Vec<Slot> {
    (1..10).chain(std::iter::once(0)).map(Slot::Numbered).chain(std::iter::once(Slot::Auto)).collect()
}

const SLOT_COLUMNS: usize = 4;

/// Where the settings page goes back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SettingsFrom {
    #[default]
    Menu,
    Home,
}

#[derive(Resource, Debug, Default)]
pub struct Menu {
    /// The cursor on the page shown.
    pub cursor: usize,
    /// The slot browser's contents for the running game.
    pub slots: Vec<(Slot, SlotInfo)>,
    pub settings_from: SettingsFrom,
    listing: Option<Task<Vec<(Slot, SlotInfo)>>>,
    /// A binding waiting for its key (player, binding).
    pub capturing: Option<(u8, u8)>,
    /// A pad binding waiting for its button (profile, binding).
    pub capturing_pad: Option<(String, u8)>,
    /// Whether opening the menu paused the game (then closing resumes it).
    paused_here: bool,
}

pub(crate) fn build(app: &mut App) {
    app.init_resource::<Menu>()
        .add_message::<SlotRequest>()
        .add_message::<EmuNotice>()
        .add_message::<KeyboardInput>()
        .init_resource::<SettingsPad>()
        .add_systems(Update, (track_pad, capture, capture_pad, navigate, listed).chain());
}

#[allow(clippy::too_many_arguments)]
fn navigate(
    mut navs: MessageReader<'_, '_, Nav>,
    mut screen: ResMut<'_, Screen>,
    mut menu: ResMut<'_, Menu>,
    mut emulator: ResMut<'_, Emulator>,
    mut settings: Option<ResMut<'_, Settings>>,
    storage: Option<Res<'_, Storage>>,
    mut requests: MessageWriter<'_, SlotRequest>,
    mut notices: MessageWriter<'_, EmuNotice>,
    mut exit: MessageWriter<'_, AppExit>,
    at_start: Res<'_, crate::nav::NavScreen>,
    shown_pad: Res<'_, SettingsPad>,
) {
    if at_start.0 == Screen::Home {
        navs.clear();
        return;
    }
    for nav in navs.read() {
        match *screen {
            Screen::Playing => {
                if *nav != Nav::Menu {
                    continue;
                }
                if emulator.game().is_none() {
                    *screen = Screen::Home;
                    continue;
                }
                menu.paused_here = !emulator.paused() && emulator.toggle_pause().is_ok();
                menu.cursor = 0;
                *screen = Screen::Menu(Page::Main);
            }
            Screen::Home => {}
            Screen::Menu(Page::Main) => {
                let picked = match nav {
                    Nav::Accept => Some(menu.cursor),
                    Nav::Pick(n) => Some(*n),
                    Nav::Back | Nav::Menu => Some(0),
                    _ => {
                        menu.cursor = step(menu.cursor, MAIN_ITEMS.len(), 1, *nav);
                        None
                    }
                };
                match picked {
                    Some(0) => resume(&mut menu, &mut emulator, &mut screen),
                    Some(1) | Some(2) => {
                        let page = if picked == Some(1) { Page::Save } else { Page::Load };
                        menu.cursor = 0;
                        list_slots(&mut menu, &emulator, storage.as_deref());
                        *screen = Screen::Menu(page);
                    }
                    Some(3) => {
                        if emulator.send(Command::Reset).is_ok() {
                            notices.write(EmuNotice::Info("Reset".into()));
                        }
                        resume(&mut menu, &mut emulator, &mut screen);
                    }
                    Some(4) => {
                        menu.settings_from = SettingsFrom::Menu;
                        menu.cursor = 0;
                        *screen = Screen::Menu(Page::Settings);
                    }
                    Some(5) => {
                        // Where the game was left, for "Continue".
                        requests.write(SlotRequest::Save(Slot::Auto));
                        *screen = Screen::Home;
                    }
                    Some(6) => {
                        exit.write(AppExit::Success);
                    }
                    _ => {}
                }
            }
            Screen::Menu(page @ (Page::Save | Page::Load)) => {
                let slots = browser_slots();
                let picked = match nav {
                    Nav::Accept => Some(menu.cursor),
                    Nav::Pick(n) => Some(*n),
                    Nav::Back | Nav::Menu => {
                        menu.cursor = if page == Page::Save { 1 } else { 2 };
                        *screen = Screen::Menu(Page::Main);
                        None
                    }
                    _ => {
                        menu.cursor = step(menu.cursor, slots.len(), SLOT_COLUMNS, *nav);
                        None
                    }
                };
                let Some(slot) = picked.and_then(|i| slots.get(i).copied()) else { continue };
                if page == Page::Save {
                    if slot == Slot::Auto {
                        notices.write(EmuNotice::Info("The autosave is written when you leave a game; pick slot 0-9".into()));
                        continue;
                    }
                    requests.write(SlotRequest::Save(slot));
                    resume(&mut menu, &mut emulator, &mut screen);
                } else {
                    match menu.slots.iter().find(|(s, _)| *s == slot).map(|(_, info)| info) {
                        Some(SlotInfo::Empty) => {
                            notices.write(EmuNotice::Info(format!("{} is empty", slot_title(slot))));
                        }
                        Some(SlotInfo::Unreadable(why)) => {
                            notices.write(EmuNotice::Problem(format!("{} cannot be loaded: {why}", slot_title(slot))));
                        }
                        _ => {
                            requests.write(SlotRequest::Load(slot));
                            resume(&mut menu, &mut emulator, &mut screen);
                        }
                    }
                }
            }
            Screen::Menu(Page::Settings) => {
                let Some(settings) = settings.as_mut() else { continue };
                let rows = rows_for(shown_pad.0.as_deref());
                let picked = match nav {
                    Nav::Pick(n) => {
                        menu.cursor = *n;
                        Some(1)
                    }
                    Nav::Accept => Some(1),
                    Nav::Left => Some(-1),
                    Nav::Right => Some(1),
                    Nav::Back | Nav::Menu => {
                        close_settings(&mut menu, &mut screen);
                        None
                    }
                    _ => {
                        menu.cursor = step(menu.cursor, rows.len(), 1, *nav);
                        None
                    }
                };
                let Some(direction) = picked else { continue };
                let row = rows[menu.cursor.min(rows.len() - 1)];
                let accepted = matches!(nav, Nav::Accept | Nav::Pick(_));
                if row == Row::Back {
                    if accepted {
                        close_settings(&mut menu, &mut screen);
                    }
                    continue;
                }
                if let Row::Bind(player, i) = row {
                    if accepted {
                        menu.capturing = Some((player, i));
                    }
                    continue;
                }
                if let Row::Hotkey(i) = row {
                    if accepted {
                        menu.capturing = Some((HOTKEY_PLAYER, i));
                    }
                    continue;
                }
                if let Row::PadBind(i) = row {
                    if accepted && let Some(pad) = shown_pad.0.clone() {
                        menu.capturing_pad = Some((pad, i));
                    }
                    continue;
                }
                let mut changed = (**settings).clone();
                adjust_for(&mut changed, row, direction, emulator.game().map(|g| g.rom_hash));
                if changed != **settings {
                    **settings = changed;
                }
            }
        }
    }
}

fn close_settings(menu: &mut Menu, screen: &mut Screen) {
    if menu.settings_from == SettingsFrom::Home {
        *screen = Screen::Home;
    } else {
        menu.cursor = 4;
        *screen = Screen::Menu(Page::Main);
    }
}

fn resume(menu: &mut Menu, emulator: &mut Emulator, screen: &mut Screen) {
    if menu.paused_here && emulator.paused() {
        let _ = emulator.toggle_pause();
    }
    menu.paused_here = false;
    *screen = Screen::Playing;
}

fn list_slots(menu: &mut Menu, emulator: &Emulator, storage: Option<&Storage>) {
    menu.slots.clear();
    let (Some(game), Some(storage)) = (emulator.game(), storage) else { return };
    let Some(folders) = storage.folders.clone() else { return };
    let (rom_hash, storage) = (game.rom_hash, storage.clone());
    menu.listing = Some(IoTaskPool::get().spawn(async move { folders.game(rom_hash).list(&*storage.io, &storage.pool).await }));
}

fn listed(mut menu: ResMut<'_, Menu>) {
    let Some(task) = menu.listing.as_mut() else { return };
    let Some(slots) = block_on(future::poll_once(task)) else { return };
    menu.listing = None;
    menu.slots = slots;
}

/// The settings page's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Shader,
    Scanlines,
    Mask,
    Curvature,
    Glow,
    IntegerScale,
    Fullscreen,
    Vsync,
    /// Pipelined rendering (at the next start).
    Pipelined,
    Volume,
    Mute,
    /// The menus' own sounds.
    UiVolume,
    UiMute,
    FastForward,
    PowerOnRam,
    Region,
    AudioLatency,
    TurboRate,
    /// The game's keys read straight from the system.
    DirectKeys,
    /// Minutes of rewind history, with the memory it takes now.
    Rewind,
    /// Frames of run-ahead for the game being played (or the default).
    RunAhead,
    /// A time-control key ([`HOTKEY_BINDINGS`] index): Enter, then the key.
    Hotkey(u8),
    /// A player's (0 or 1) binding ([`BINDINGS`] index): Enter, then the key.
    Bind(u8, u8),
    /// The connected pad's profile, binding [`PAD_BINDINGS`] index: Enter,
    /// then the button.
    PadBind(u8),
    Back,
}

/// The settings page's rows with no pad connected.
pub fn rows() -> Vec<Row> {
    rows_for(None)
}

/// The settings page's rows; with a pad connected, its profile's rows too.
pub fn rows_for(pad: Option<&str>) -> Vec<Row> {
    let mut rows = vec![
        Row::Shader,
        Row::Scanlines,
        Row::Mask,
        Row::Curvature,
        Row::Glow,
        Row::IntegerScale,
        Row::Fullscreen,
        Row::Vsync,
        Row::Pipelined,
        Row::Volume,
        Row::Mute,
        Row::UiVolume,
        Row::UiMute,
        Row::FastForward,
        Row::PowerOnRam,
        Row::Region,
        Row::AudioLatency,
        Row::TurboRate,
        Row::DirectKeys,
        Row::Rewind,
        Row::RunAhead,
    ];
    rows.extend((0..HOTKEY_BINDINGS.len() as u8).map(Row::Hotkey));
    for player in 0..2 {
        rows.extend((0..BINDINGS.len() as u8).map(|i| Row::Bind(player, i)));
    }
    if pad.is_some() {
        rows.extend((0..PAD_BINDINGS.len() as u8).map(Row::PadBind));
    }
    rows.push(Row::Back);
    rows
}

/// The pad whose profile the settings page shows: player 1's, else
/// player 2's (its name as the system reports it).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct SettingsPad(pub Option<String>);

fn track_pad(
    slots: Option<Res<'_, phosphor_input::PadSlots>>,
    pads: Query<'_, '_, Option<&Name>, With<Gamepad>>,
    mut shown: ResMut<'_, SettingsPad>,
) {
    let name = slots.and_then(|s| {
        s.players.iter().flatten().find_map(|e| pads.get(*e).ok().map(|n| n.map_or("Gamepad".to_string(), |n| n.as_str().to_string())))
    });
    if shown.0 != name {
        shown.0 = name;
    }
}

/// `Menu::capturing`'s "player" for a hotkey row.
const HOTKEY_PLAYER: u8 = 2;

/// Changes one setting a step (`direction` is -1 or +1; on/off rows flip).
pub fn adjust(settings: &mut Settings, row: Row, direction: i32) {
    adjust_for(settings, row, direction, None);
}

/// [`adjust`], with the game being played (per-game rows change its own value).
pub fn adjust_for(settings: &mut Settings, row: Row, direction: i32, game: Option<u64>) {
    let d = direction as f32;
    let v = &mut settings.video;
    let nudge = |value: &mut f32, by: f32, low: f32, high: f32| {
        *value = ((*value + by * d) / by).round() * by;
        *value = value.clamp(low, high);
    };
    match row {
        Row::Shader => v.shader = if v.shader == Shader::Crt { Shader::Sharp } else { Shader::Crt },
        Row::Scanlines => nudge(&mut v.scanlines, 0.05, 0.0, 1.0),
        Row::Mask => nudge(&mut v.mask, 0.05, 0.0, 1.0),
        Row::Curvature => nudge(&mut v.curvature, 0.01, 0.0, 0.15),
        Row::Glow => nudge(&mut v.glow, 0.05, 0.0, 1.0),
        Row::IntegerScale => v.integer_scale = !v.integer_scale,
        Row::Fullscreen => v.fullscreen = !v.fullscreen,
        Row::Vsync => v.vsync = !v.vsync,
        Row::Pipelined => v.pipelined = !v.pipelined,
        Row::Volume => nudge(&mut settings.audio.volume, 0.05, 0.0, 1.0),
        Row::Mute => settings.audio.muted = !settings.audio.muted,
        Row::UiVolume => nudge(&mut settings.audio.ui_volume, 0.05, 0.0, 1.0),
        Row::UiMute => settings.audio.ui_muted = !settings.audio.ui_muted,
        Row::FastForward => nudge(&mut settings.emulation.fast_forward, 1.0, 2.0, 8.0),
        Row::Region => {
            let order = [RegionChoice::Auto, RegionChoice::Ntsc, RegionChoice::Pal, RegionChoice::Dendy];
            let at = order.iter().position(|r| *r == settings.emulation.region).unwrap_or(0) as i32;
            settings.emulation.region = order[(at + direction).rem_euclid(4) as usize];
        }
        Row::AudioLatency => {
            let order = crate::settings::AUDIO_LATENCIES;
            let at = order.iter().position(|&ms| ms >= settings.audio.latency_ms).unwrap_or(order.len() - 1) as i32;
            settings.audio.latency_ms = order[(at + direction).clamp(0, order.len() as i32 - 1) as usize];
        }
        Row::TurboRate => {
            let rate = settings.input.turbo_rate as i32 + 5 * direction;
            settings.input.turbo_rate = rate.clamp(5, 30) as u32;
        }
        Row::DirectKeys => settings.input.direct_keyboard = !settings.input.direct_keyboard,
        Row::Rewind => {
            let minutes = settings.emulation.rewind_minutes as i32 + direction;
            settings.emulation.rewind_minutes = minutes.clamp(0, MAX_REWIND_MINUTES as i32) as u32;
        }
        Row::RunAhead => {
            let frames = i32::from(settings.emulation.run_ahead_for(game)) + direction;
            settings.emulation.set_run_ahead(game, frames.clamp(0, i32::from(MAX_RUN_AHEAD)) as u8);
        }
        // Bound by pressing a key (see `capture`).
        Row::Bind(..) | Row::PadBind(_) | Row::Hotkey(_) => {}
        Row::PowerOnRam => {
            let order = [RamPattern::Zeros, RamPattern::Ones, RamPattern::Random];
            let at = order.iter().position(|p| *p == settings.emulation.power_on_ram).unwrap_or(0) as i32;
            settings.emulation.power_on_ram = order[(at + direction).rem_euclid(3) as usize];
        }
        Row::Back => {}
    }
}

/// A row's label and value as shown.
pub fn describe(settings: &Settings, row: Row) -> (&'static str, String) {
    describe_for(settings, row, None)
}

/// [`describe`], with the game being played.
pub fn describe_for(settings: &Settings, row: Row, game: Option<u64>) -> (&'static str, String) {
    let v = &settings.video;
    let on = |b: bool| if b { "On" } else { "Off" }.to_string();
    let percent = |x: f32| format!("{:.0}%", x * 100.0);
    match row {
        Row::Shader => ("Picture", if v.shader == Shader::Crt { "CRT" } else { "Sharp pixels" }.into()),
        Row::Scanlines => ("Scanlines", percent(v.scanlines)),
        Row::Mask => ("Aperture grille", percent(v.mask)),
        Row::Curvature => ("Curvature", format!("{:.2}", v.curvature)),
        Row::Glow => ("Glow", percent(v.glow)),
        Row::IntegerScale => ("Integer scaling", on(v.integer_scale)),
        Row::Fullscreen => ("Fullscreen", on(v.fullscreen)),
        Row::Vsync => ("VSync", on(v.vsync)),
        Row::Pipelined => ("Pipelined rendering (next start)", on(v.pipelined)),
        Row::Volume => ("Volume", percent(settings.audio.volume)),
        Row::Mute => ("Mute", on(settings.audio.muted)),
        Row::UiVolume => ("Menu sounds volume", percent(settings.audio.ui_volume)),
        Row::UiMute => ("Menu sounds", on(!settings.audio.ui_muted)),
        Row::FastForward => ("Fast-forward (Tab)", format!("{:.0}x", settings.emulation.fast_forward)),
        Row::PowerOnRam => (
            "Power-on RAM (next game)",
            match settings.emulation.power_on_ram {
                RamPattern::Zeros => "All $00",
                RamPattern::Ones => "All $FF",
                RamPattern::Random => "Random",
            }
            .into(),
        ),
        Row::Region => (
            "Console (next game)",
            match settings.emulation.region {
                RegionChoice::Auto => "As the ROM says",
                RegionChoice::Ntsc => "NTSC (60 Hz)",
                RegionChoice::Pal => "PAL (50 Hz)",
                RegionChoice::Dendy => "Dendy",
            }
            .into(),
        ),
        Row::AudioLatency => (
            "Sound latency (next start)",
            match settings.audio.latency_ms {
                0 => "Auto".to_string(),
                ms => format!("{ms} ms"),
            },
        ),
        Row::TurboRate => ("Turbo speed", format!("{} a second", settings.input.turbo_rate)),
        Row::DirectKeys => ("Keyboard read directly", on(settings.input.direct_keyboard)),
        Row::Bind(player, i) => {
            let key = settings.input.key(usize::from(player), usize::from(i));
            let label = if player == 0 { BIND_LABELS_1[usize::from(i)] } else { BIND_LABELS_2[usize::from(i)] };
            (label, key.map_or("none".into(), phosphor_input::names::key_label))
        }
        Row::Rewind => (
            "Rewind",
            match settings.emulation.rewind_minutes {
                0 => "Off".into(),
                n => format!("{n} min"),
            },
        ),
        Row::RunAhead => (
            if game.is_some() { "Run-ahead (this game)" } else { "Run-ahead (games)" },
            match settings.emulation.run_ahead_for(game) {
                0 => "Off".into(),
                1 => "1 frame".into(),
                n => format!("{n} frames"),
            },
        ),
        Row::Hotkey(i) => (
            HOTKEY_LABELS[usize::from(i)],
            phosphor_input::names::key_label(settings.input.hotkey(usize::from(i))),
        ),
        Row::PadBind(_) => ("Pad", String::new()),
        Row::Back => ("Back", String::new()),
    }
}

/// A pad row's label and value for the pad named `pad`.
pub fn describe_pad(settings: &Settings, pad: &str, i: u8) -> (String, String) {
    let (binding, _, _) = PAD_BINDINGS[usize::from(i)];
    let button = settings.input.pad_button(pad, usize::from(i));
    (format!("{pad}: {binding}"), button.map_or("none".into(), phosphor_input::names::pad_button_label))
}

const HOTKEY_LABELS: [&str; 3] = ["Key: rewind (hold)", "Key: frame advance", "Key: pause / resume"];

const BIND_LABELS_1: [&str; 10] = [
    "Player 1: Up", "Player 1: Down", "Player 1: Left", "Player 1: Right", "Player 1: A", "Player 1: B",
    "Player 1: Select", "Player 1: Start", "Player 1: Turbo A", "Player 1: Turbo B",
];
const BIND_LABELS_2: [&str; 10] = [
    "Player 2: Up", "Player 2: Down", "Player 2: Left", "Player 2: Right", "Player 2: A", "Player 2: B",
    "Player 2: Select", "Player 2: Start", "Player 2: Turbo A", "Player 2: Turbo B",
];

/// While a pad binding waits: the next bindable button pressed on any pad
/// is bound in the shown pad's profile (Esc on the keyboard cancels).
fn capture_pad(
    pads: Query<'_, '_, &Gamepad>,
    mut menu: ResMut<'_, Menu>,
    mut settings: Option<ResMut<'_, Settings>>,
    mut keys: MessageReader<'_, '_, KeyboardInput>,
) {
    let Some((profile, i)) = menu.capturing_pad.clone() else {
        keys.clear();
        return;
    };
    if keys.read().any(|k| k.state == ButtonState::Pressed && k.key_code == KeyCode::Escape) {
        menu.capturing_pad = None;
        return;
    }
    for pad in &pads {
        let pressed = phosphor_input::names::BINDABLE_PAD.iter().copied().find(|b| pad.just_pressed(*b));
        if let Some(button) = pressed {
            if let Some(settings) = settings.as_mut() {
                settings.input.bind_pad(&profile, usize::from(i), button);
            }
            menu.capturing_pad = None;
            return;
        }
    }
}

/// While a binding waits for its key: the next key pressed is bound (Esc
/// cancels; the emulator's own keys are refused in words).
fn capture(
    mut keys: MessageReader<'_, '_, KeyboardInput>,
    mut menu: ResMut<'_, Menu>,
    mut settings: Option<ResMut<'_, Settings>>,
    mut notices: MessageWriter<'_, EmuNotice>,
) {
    let Some((player, i)) = menu.capturing else {
        keys.clear();
        return;
    };
    for key in keys.read() {
        if key.state != ButtonState::Pressed || key.repeat {
            continue;
        }
        if key.key_code == KeyCode::Escape {
            menu.capturing = None;
            return;
        }
        if phosphor_input::names::key_name(key.key_code).is_none() {
            let label = phosphor_input::names::key_label(key.key_code);
            notices.write(EmuNotice::Info(format!("{label} is one of Phosphor's own keys; press another")));
            continue;
        }
        let Some(settings) = settings.as_mut() else {
            menu.capturing = None;
            return;
        };
        if player == HOTKEY_PLAYER {
            match settings.input.bind_hotkey(usize::from(i), key.key_code) {
                Ok(()) => menu.capturing = None,
                Err(why) => {
                    notices.write(EmuNotice::Info(why));
                }
            }
            return;
        }
        if settings.input.is_hotkey(key.key_code) {
            let label = phosphor_input::names::key_label(key.key_code);
            notices.write(EmuNotice::Info(format!("{label} is a time-control key; press another")));
            continue;
        }
        settings.input.bind(usize::from(player), usize::from(i), key.key_code);
        menu.capturing = None;
        return;
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn draw(
    mut contexts: EguiContexts<'_, '_>,
    screen: Res<'_, Screen>,
    menu: Res<'_, Menu>,
    settings: Option<Res<'_, Settings>>,
    emulator: Res<'_, Emulator>,
    mut thumbnails: ResMut<'_, Thumbnails>,
    mut navs: MessageWriter<'_, Nav>,
    shown_pad: Res<'_, SettingsPad>,
    telemetry: Res<'_, phosphor_emulation::Telemetry>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let pages = [Page::Main, Page::Save, Page::Load, Page::Settings];
    let shown = if let Screen::Menu(page) = *screen { Some(page) } else { None };
    for page in pages.into_iter().filter(|p| Some(*p) != shown) {
        theme::closed(&ctx, &format!("phosphor-menu-{page:?}"));
    }
    let Some(page) = shown else { return Ok(()) };
    // The settings leave the picture visible beside them: a live preview.
    let share = if page == Page::Settings { 0.0 } else { 1.0 };
    theme::page(&ctx, &format!("phosphor-menu-{page:?}"), share, |ui| {
        let game = emulator.game().map(|g| g.name.clone()).unwrap_or_default();
        match page {
            Page::Main => {
                theme::title(ui, &format!("Paused · {game}"));
                for (i, label) in MAIN_ITEMS.iter().enumerate() {
                    let response = theme::item(ui, i == menu.cursor, 280.0, |ui| {
                        ui.label(egui::RichText::new(*label).size(20.0));
                    });
                    if response.clicked() {
                        navs.write(Nav::Pick(i));
                    }
                }
                theme::hint(ui, "Up and down to choose, Enter or A to pick, Esc or B to resume.");
            }
            Page::Save | Page::Load => {
                theme::title(ui, if page == Page::Save { "Save to a slot" } else { "Load a slot" });
                let slots = browser_slots();
                egui::ScrollArea::vertical().show(ui, |ui| {
                    for (row, chunk) in slots.chunks(SLOT_COLUMNS).enumerate() {
                        ui.horizontal_top(|ui| {
                            for (i, slot) in chunk.iter().enumerate() {
                                let index = row * SLOT_COLUMNS + i;
                                let info = menu.slots.iter().find(|(s, _)| s == slot).map(|(_, info)| info);
                                let rom_hash = emulator.game().map_or(0, |g| g.rom_hash);
                                let response = theme::item(ui, index == menu.cursor, 150.0, |ui| {
                                    slot_card(ui, &ctx, *slot, info, rom_hash, &mut thumbnails);
                                });
                                if index == menu.cursor {
                                    response.scroll_to_me(None);
                                }
                                if response.clicked() {
                                    navs.write(Nav::Pick(index));
                                }
                            }
                        });
                    }
                });
                theme::hint(ui, "Arrows to choose a slot, Enter or A to pick it, Esc or B to go back.");
            }
            Page::Settings => {
                theme::title(ui, "Settings");
                let Some(settings) = settings.as_deref() else { return };
                egui::ScrollArea::vertical().show(ui, |ui| {
                    for (i, row) in rows_for(shown_pad.0.as_deref()).iter().enumerate() {
                        let (label, mut value) = match (*row, shown_pad.0.as_deref()) {
                            (Row::PadBind(which), Some(pad)) => describe_pad(settings, pad, which),
                            _ => {
                                let (label, value) = describe_for(settings, *row, emulator.game().map(|g| g.rom_hash));
                                (label.to_string(), value)
                            }
                        };
                        if *row == Row::Rewind && settings.emulation.rewind_minutes > 0 {
                            // What the history takes now (it grows to the length set).
                            value = format!("{value} · {:.1} MB now", telemetry.status.rewind.bytes as f64 / 1e6);
                        }
                        if let Row::Hotkey(which) = *row
                            && menu.capturing == Some((HOTKEY_PLAYER, which))
                        {
                            value = "press a key (Esc: cancel)".into();
                        }
                        if let Row::PadBind(which) = *row
                            && menu.capturing_pad.as_ref().is_some_and(|(_, w)| *w == which)
                        {
                            value = "press a button (Esc: cancel)".into();
                        }
                        if let Row::Bind(player, which) = *row
                            && menu.capturing == Some((player, which))
                        {
                            value = "press a key (Esc: cancel)".into();
                        }
                        let response = theme::item(ui, i == menu.cursor, 380.0, |ui| {
                            ui.horizontal(|ui| {
                                ui.label(egui::RichText::new(&label).size(18.0));
                                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                                    let shown = match row {
                                        Row::Back => value,
                                        Row::Bind(..) | Row::PadBind(_) | Row::Hotkey(_) => format!("[ {value} ]"),
                                        _ => format!("◀  {value}  ▶"),
                                    };
                                    ui.label(egui::RichText::new(shown).size(18.0).color(theme::ACCENT));
                                });
                            });
                        });
                        if i == menu.cursor {
                            response.scroll_to_me(None);
                        }
                        if response.clicked() {
                            navs.write(Nav::Pick(i));
                        }
                    }
                });
                theme::hint(ui, "Up and down to choose, left and right (or Enter) to change; Enter on a key, then the new key. Applied at once and saved.");
            }
        }
    });
    Ok(())
}

fn slot_card(ui: &mut egui::Ui, ctx: &egui::Context, slot: Slot, info: Option<&SlotInfo>, rom_hash: u64, thumbnails: &mut Thumbnails) {
    let picture = egui::vec2(150.0, 150.0 * 240.0 / 256.0);
    let title = match slot {
        Slot::Numbered(n) => format!("Slot {n}"),
        Slot::Auto => "Autosave".into(),
    };
    let (texture, detail) = match info {
        Some(SlotInfo::Saved { frame, saved_at, thumbnail, .. }) => {
            let key = (rom_hash ^ (u64::from(slot_key(slot)) << 56), *frame);
            (thumbnails.get(ctx, key, thumbnail), format!("Frame {frame}\n{}", ago(*saved_at)))
        }
        Some(SlotInfo::Unreadable(why)) => (None, format!("Cannot be loaded:\n{why}")),
        Some(SlotInfo::Empty) => (None, "Empty\n".into()),
        None => (None, "...\n".into()),
    };
    match texture {
        Some(texture) => {
            ui.add(egui::Image::new(&texture).fit_to_exact_size(picture).corner_radius(4.0));
        }
        None => {
            let (rect, _) = ui.allocate_exact_size(picture, egui::Sense::hover());
            ui.painter().rect_filled(rect, 4.0, theme::PANEL);
        }
    }
    ui.label(egui::RichText::new(title).strong());
    ui.label(egui::RichText::new(detail).small().color(theme::DIM));
}

fn slot_key(slot: Slot) -> u8 {
    match slot {
        Slot::Numbered(n) => n,
        Slot::Auto => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_rows_step_within_their_ranges() {
        let mut s = Settings::default();
        adjust(&mut s, Row::Volume, -1);
        assert!((s.audio.volume - 0.75).abs() < 1e-6, "{}", s.audio.volume);
        for _ in 0..40 {
            adjust(&mut s, Row::Volume, 1);
        }
        assert_eq!(s.audio.volume, 1.0);
        adjust(&mut s, Row::Shader, 1);
        assert_eq!(s.video.shader, Shader::Sharp);
        adjust(&mut s, Row::PowerOnRam, -1);
        assert_eq!(s.emulation.power_on_ram, RamPattern::Random, "cycles both ways");
        for _ in 0..10 {
            adjust(&mut s, Row::FastForward, 1);
        }
        assert_eq!(s.emulation.fast_forward, 8.0);
        assert_eq!(describe(&s, Row::FastForward).1, "8x");
        assert_eq!(browser_slots().len(), 11);
        assert_eq!(browser_slots()[1], Slot::Numbered(2), "slot 2 is the second card");
    }
}
