//! The player's settings: one TOML file in the platform's config folder,
//! read at start, applied live to the plugins, written (durably) shortly
//! after each change.
//!
//! Every struct is `#[serde(default)]`, so a file from an older version
//! (fields missing) or a newer one (fields unknown are ignored) still
//! loads. A file that cannot be read as settings is moved aside as
//! `settings.toml.bad-<unix time>` with a warning, and the defaults are
//! used: nothing the player wrote is lost.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use phosphor_input::Player;
use phosphor_io::durable::{create_dir_all, read_file, write_file};
use phosphor_io::{BufferPool, IoBackend, IoError, Op};
use serde::{Deserialize, Serialize};

#[derive(Resource, Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct Settings {
    pub video: Video,
    pub audio: Audio,
    pub emulation: Emulation,
    pub input: Input,
    pub library: LibrarySettings,
}

/// Where the player keeps ROMs (chosen from the home screen).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct LibrarySettings {
    pub folder: Option<PathBuf>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Shader {
    #[default]
    Crt,
    Sharp,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default)]
pub struct Video {
    pub shader: Shader,
    /// Scanline strength, 0 to 1.
    pub scanlines: f32,
    /// Aperture grille strength, 0 to 1.
    pub mask: f32,
    /// Screen curvature, 0 to 0.15.
    pub curvature: f32,
    /// Glow around bright pixels, 0 to 1.
    pub glow: f32,
    pub integer_scale: bool,
    pub fullscreen: bool,
    pub vsync: bool,
    /// Draw a frame while the next update runs (Bevy's pipelined
    /// rendering): more frames a second from a slow renderer, a render
    /// frame more between a press and its picture. Off by default (the
    /// lower latency); takes effect at the next start.
    pub pipelined: bool,
}

impl Default for Video {
    fn default() -> Self {
        let crt = phosphor_video::CrtLook::default();
        Video {
            shader: Shader::Crt,
            scanlines: crt.scanlines,
            mask: crt.mask,
            curvature: crt.curvature,
            glow: crt.bloom,
            integer_scale: false,
            fullscreen: false,
            vsync: true,
            pipelined: false,
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default)]
pub struct Audio {
    /// 0 to 1.
    pub volume: f32,
    pub muted: bool,
    /// Sound the ring keeps ahead of the device, before a frame's samples
    /// go in: 0 is automatic (start at 6 ms, 1 ms more for each underrun,
    /// up to 32), else fixed at 2 to 64 ms: lower answers sooner, higher
    /// survives a busier machine. Takes effect at the next start (the
    /// sound ring is sized when the thread starts).
    pub latency_ms: u32,
    /// The menus' own sounds (move, select, back, toasts), 0 to 1: apart
    /// from the game's volume.
    pub ui_volume: f32,
    pub ui_muted: bool,
}

/// The fixed sound latencies the menu steps through (0: automatic).
pub const AUDIO_LATENCIES: [u32; 9] = [0, 4, 6, 8, 12, 16, 24, 32, 48];

impl Default for Audio {
    fn default() -> Self {
        Audio { volume: 0.8, muted: false, latency_ms: 0, ui_volume: 0.6, ui_muted: false }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum RamPattern {
    /// All $00.
    #[default]
    Zeros,
    /// All $FF.
    Ones,
    /// Different at every power-on, as on a real console.
    Random,
}

/// Which console a game runs as.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum RegionChoice {
    /// As the ROM's header says (NTSC when it does not say).
    #[default]
    Auto,
    Ntsc,
    Pal,
    Dendy,
}

impl RegionChoice {
    pub fn forced(self) -> Option<phosphor_nes::Region> {
        match self {
            RegionChoice::Auto => None,
            RegionChoice::Ntsc => Some(phosphor_nes::Region::Ntsc),
            RegionChoice::Pal => Some(phosphor_nes::Region::Pal),
            RegionChoice::Dendy => Some(phosphor_nes::Region::Dendy),
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default)]
pub struct Emulation {
    /// Speed while Tab is held: 2 to 8 times.
    pub fast_forward: f32,
    /// What the console's RAM holds at power-on (for the next game started).
    pub power_on_ram: RamPattern,
    /// The console to run as (for the next game started).
    pub region: RegionChoice,
    /// Minutes of rewind history kept (0 to 10; 0 is off).
    pub rewind_minutes: u32,
    /// Frames of run-ahead for games with no setting of their own (0 to 4).
    pub run_ahead: u8,
    /// Per game, by ROM hash (16 hex digits).
    pub games: std::collections::BTreeMap<String, GameSettings>,
}

/// What one game keeps of its own.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct GameSettings {
    /// Frames of run-ahead for this game (its own input lag differs).
    pub run_ahead: Option<u8>,
}

impl Default for Emulation {
    fn default() -> Self {
        Emulation {
            fast_forward: phosphor_input::FAST_FORWARD_SPEED,
            power_on_ram: RamPattern::Zeros,
            region: RegionChoice::Auto,
            rewind_minutes: 2,
            run_ahead: 1,
            games: Default::default(),
        }
    }
}

/// The run-ahead most a player can ask for.
pub const MAX_RUN_AHEAD: u8 = phosphor_nes::runahead::MAX_FRAMES as u8;
/// The longest rewind history in the settings.
pub const MAX_REWIND_MINUTES: u32 = 10;

impl Emulation {
    /// Frames of run-ahead for the game with ROM hash `rom_hash`.
    pub fn run_ahead_for(&self, rom_hash: Option<u64>) -> u8 {
        let own = rom_hash.and_then(|h| self.games.get(&game_key(h))).and_then(|g| g.run_ahead);
        own.unwrap_or(self.run_ahead).min(MAX_RUN_AHEAD)
    }

    /// Sets run-ahead for that game (or the default when no game is given).
    pub fn set_run_ahead(&mut self, rom_hash: Option<u64>, frames: u8) {
        let frames = frames.min(MAX_RUN_AHEAD);
        match rom_hash {
            Some(h) => self.games.entry(game_key(h)).or_default().run_ahead = Some(frames),
            None => self.run_ahead = frames,
        }
    }
}

/// How the settings file names a game.
pub fn game_key(rom_hash: u64) -> String {
    format!("{rom_hash:016x}")
}

/// What each player's keys do. A key is named as in the file ("KeyX",
/// "ArrowUp"); a binding left out (or naming no key Phosphor knows) keeps
/// that player's default.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default)]
pub struct Input {
    pub player1: Keys,
    pub player2: Keys,
    /// Presses a second while a turbo button is held: 5 to 30.
    pub turbo_rate: u32,
    /// Per-device pad profiles, by the pad's name as the system reports it
    /// (each kind of pad keeps its own layout). Buttons named as Bevy's
    /// `GamepadButton` ("South", "East", ...).
    pub pads: std::collections::BTreeMap<String, PadKeys>,
    /// The time-control keys, named as the player keys are.
    pub hotkeys: HotkeyKeys,
    /// Read the game's keys straight from the X server, on a thread of
    /// their own, rather than at the next update (which waits for the
    /// render before it): a press reaches the game sooner, the slower the
    /// renderer the more.
    pub direct_keyboard: bool,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            player1: Keys::default(),
            player2: Keys::default(),
            turbo_rate: 15,
            pads: Default::default(),
            hotkeys: HotkeyKeys::default(),
            direct_keyboard: true,
        }
    }
}

/// The remappable hotkeys, in [`HOTKEY_BINDINGS`] order; left out: the default.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct HotkeyKeys {
    pub rewind: Option<String>,
    pub frame_advance: Option<String>,
    pub pause: Option<String>,
}

/// The remappable hotkeys: label and default key.
pub const HOTKEY_BINDINGS: [(&str, KeyCode); 3] = [
    ("Rewind (hold)", phosphor_input::REWIND_KEY),
    ("Frame advance", phosphor_input::FRAME_ADVANCE_KEY),
    ("Pause / resume", phosphor_input::PAUSE_KEY),
];

impl HotkeyKeys {
    fn slot(&mut self, i: usize) -> &mut Option<String> {
        [&mut self.rewind, &mut self.frame_advance, &mut self.pause][i]
    }

    fn get(&self, i: usize) -> Option<&str> {
        [&self.rewind, &self.frame_advance, &self.pause][i].as_deref()
    }
}

/// One pad profile, in [`PAD_BINDINGS`] order.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct PadKeys {
    pub a: Option<String>,
    pub b: Option<String>,
    pub select: Option<String>,
    pub start: Option<String>,
    pub turbo_a: Option<String>,
    pub turbo_b: Option<String>,
    /// Held to rewind.
    pub rewind: Option<String>,
}

/// The pad's bindable buttons (the d-pad and stick always steer); bit 0
/// is no NES button: the rewind button.
pub const PAD_BINDINGS: [(&str, u8, bool); 7] = {
    use phosphor_nes::button::*;
    [
        ("A", A, false),
        ("B", B, false),
        ("Select", SELECT, false),
        ("Start", START, false),
        ("Turbo A", A, true),
        ("Turbo B", B, true),
        ("Rewind (hold)", 0, false),
    ]
};

/// [`PAD_BINDINGS`]' index of the rewind button.
const PAD_REWIND: usize = 6;

impl PadKeys {
    fn slot(&mut self, i: usize) -> &mut Option<String> {
        let k = self;
        [&mut k.a, &mut k.b, &mut k.select, &mut k.start, &mut k.turbo_a, &mut k.turbo_b, &mut k.rewind][i]
    }

    fn get(&self, i: usize) -> Option<&str> {
        let k = self;
        [&k.a, &k.b, &k.select, &k.start, &k.turbo_a, &k.turbo_b, &k.rewind][i].as_deref()
    }
}

/// One player's keys, in [`BINDINGS`] order.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct Keys {
    pub up: Option<String>,
    pub down: Option<String>,
    pub left: Option<String>,
    pub right: Option<String>,
    pub a: Option<String>,
    pub b: Option<String>,
    pub select: Option<String>,
    pub start: Option<String>,
    pub turbo_a: Option<String>,
    pub turbo_b: Option<String>,
}

/// The bindable buttons: a label, the NES button bit, whether it is turbo.
pub const BINDINGS: [(&str, u8, bool); 10] = {
    use phosphor_nes::button::*;
    [
        ("Up", UP, false),
        ("Down", DOWN, false),
        ("Left", LEFT, false),
        ("Right", RIGHT, false),
        ("A", A, false),
        ("B", B, false),
        ("Select", SELECT, false),
        ("Start", START, false),
        ("Turbo A", A, true),
        ("Turbo B", B, true),
    ]
};

impl Keys {
    pub fn get(&self, i: usize) -> Option<&str> {
        let k = self;
        [&k.up, &k.down, &k.left, &k.right, &k.a, &k.b, &k.select, &k.start, &k.turbo_a, &k.turbo_b][i].as_deref()
    }

    pub fn set(&mut self, i: usize, name: String) {
        let k = self;
        *[&mut k.up, &mut k.down, &mut k.left, &mut k.right, &mut k.a, &mut k.b, &mut k.select, &mut k.start, &mut k.turbo_a, &mut k.turbo_b][i] =
            Some(name);
    }
}

impl Input {
    pub fn player(&self, player: usize) -> &Keys {
        if player == 0 { &self.player1 } else { &self.player2 }
    }

    pub fn player_mut(&mut self, player: usize) -> &mut Keys {
        if player == 0 { &mut self.player1 } else { &mut self.player2 }
    }

    /// The key bound to `player`'s binding `i`: the file's, or the default.
    pub fn key(&self, player: usize, i: usize) -> Option<KeyCode> {
        let named = self.player(player).get(i).and_then(phosphor_input::names::key_from_name);
        named.or_else(|| default_key(player, i))
    }

    /// Binds `key` to `player`'s binding `i`. A key already bound elsewhere
    /// trades places: that binding gets this one's old key.
    pub fn bind(&mut self, player: usize, i: usize, key: KeyCode) {
        let Some(name) = phosphor_input::names::key_name(key) else { return };
        let old = self.key(player, i);
        for other_player in 0..2 {
            for other in 0..BINDINGS.len() {
                if (other_player, other) != (player, i)
                    && self.key(other_player, other) == Some(key)
                    && let Some(old_name) = old.and_then(phosphor_input::names::key_name)
                {
                    self.player_mut(other_player).set(other, old_name);
                }
            }
        }
        self.player_mut(player).set(i, name);
    }

    /// The key of hotkey `i` ([`HOTKEY_BINDINGS`]): the file's, or the default.
    pub fn hotkey(&self, i: usize) -> KeyCode {
        self.hotkeys.get(i).and_then(phosphor_input::names::key_from_name).unwrap_or(HOTKEY_BINDINGS[i].1)
    }

    /// Whether `key` is one of the hotkeys now (a player binding may not take it).
    pub fn is_hotkey(&self, key: KeyCode) -> bool {
        (0..HOTKEY_BINDINGS.len()).any(|i| self.hotkey(i) == key)
    }

    /// Binds hotkey `i` to `key`; refused, in words, when a player's
    /// binding or another hotkey has it.
    pub fn bind_hotkey(&mut self, i: usize, key: KeyCode) -> Result<(), String> {
        let label = phosphor_input::names::key_label(key);
        let Some(name) = phosphor_input::names::key_name(key) else {
            return Err(format!("{label} is one of Phosphor's own keys; press another"));
        };
        for player in 0..2 {
            for (b, (name, _, _)) in BINDINGS.iter().enumerate() {
                if self.key(player, b) == Some(key) {
                    return Err(format!("{label} is player {}'s {name}; press another", player + 1));
                }
            }
        }
        if let Some(other) = (0..HOTKEY_BINDINGS.len()).find(|&o| o != i && self.hotkey(o) == key) {
            return Err(format!("{label} is {}; press another", HOTKEY_BINDINGS[other].0));
        }
        *self.hotkeys.slot(i) = Some(name);
        Ok(())
    }

    /// The button bound on pads named `pad` to binding `i`.
    pub fn pad_button(&self, pad: &str, i: usize) -> Option<GamepadButton> {
        let named = self.pads.get(pad).and_then(|p| p.get(i)).and_then(phosphor_input::names::pad_button_from_name);
        named.or_else(|| default_pad_button(i))
    }

    /// Binds `button` on pads named `pad`; a button already used in that
    /// profile trades places.
    pub fn bind_pad(&mut self, pad: &str, i: usize, button: GamepadButton) {
        let Some(name) = phosphor_input::names::pad_button_name(button) else { return };
        let old = self.pad_button(pad, i);
        for other in 0..PAD_BINDINGS.len() {
            if other != i
                && self.pad_button(pad, other) == Some(button)
                && let Some(old_name) = old.and_then(phosphor_input::names::pad_button_name)
            {
                *self.pads.entry(pad.to_string()).or_default().slot(other) = Some(old_name);
            }
        }
        *self.pads.entry(pad.to_string()).or_default().slot(i) = Some(name);
    }

    /// The input plugin's map for these bindings.
    pub fn to_map(&self) -> phosphor_input::InputMap {
        let defaults = phosphor_input::InputMap::default();
        let (mut keys, mut turbo_keys) = (Vec::new(), Vec::new());
        for player in 0..2 {
            let who = if player == 0 { Player::One } else { Player::Two };
            for (i, (_, bit, turbo)) in BINDINGS.iter().enumerate() {
                if let Some(key) = self.key(player, i) {
                    if *turbo { &mut turbo_keys } else { &mut keys }.push((key, who, *bit));
                }
            }
        }
        let steering: Vec<(GamepadButton, u8)> = defaults.pad_buttons.iter().filter(|(b, _)| is_dpad(*b)).copied().collect();
        let pad_profiles = self
            .pads
            .keys()
            .map(|pad| {
                let (mut buttons, mut turbo) = (steering.clone(), Vec::new());
                for (i, (_, bit, is_turbo)) in PAD_BINDINGS.iter().enumerate() {
                    if i == PAD_REWIND {
                        continue;
                    }
                    if let Some(button) = self.pad_button(pad, i) {
                        if *is_turbo { &mut turbo } else { &mut buttons }.push((button, *bit));
                    }
                }
                (pad.clone(), buttons, turbo)
            })
            .collect();
        let rewind_pad_profiles = self.pads.keys().map(|pad| (pad.clone(), self.pad_button(pad, PAD_REWIND))).collect();
        let rate = self.turbo_rate.clamp(5, 30);
        phosphor_input::InputMap {
            keys,
            turbo_keys,
            pad_profiles,
            rewind_pad_profiles,
            turbo_frames: u64::from((30 / rate).max(1)),
            ..defaults
        }
    }
}

fn is_dpad(button: GamepadButton) -> bool {
    matches!(button, GamepadButton::DPadUp | GamepadButton::DPadDown | GamepadButton::DPadLeft | GamepadButton::DPadRight)
}

fn default_pad_button(i: usize) -> Option<GamepadButton> {
    let map = phosphor_input::InputMap::default();
    if i == PAD_REWIND {
        return map.rewind_pad_button;
    }
    let (_, bit, turbo) = PAD_BINDINGS[i];
    let list = if turbo { &map.turbo_pad_buttons } else { &map.pad_buttons };
    list.iter().find(|(b, mapped)| *mapped == bit && !is_dpad(*b)).map(|(b, _)| *b)
}

fn default_key(player: usize, i: usize) -> Option<KeyCode> {
    let map = phosphor_input::InputMap::default();
    let who = if player == 0 { Player::One } else { Player::Two };
    let (_, bit, turbo) = BINDINGS[i];
    let list = if turbo { &map.turbo_keys } else { &map.keys };
    list.iter().find(|(_, p, b)| *p == who && *b == bit).map(|(k, _, _)| *k)
}

impl Settings {
    /// The sound ring's lead as the emulation thread's configuration wants
    /// it: where it starts, and how far underruns may raise it.
    pub fn audio_latency(&self) -> (std::time::Duration, std::time::Duration) {
        use std::time::Duration;
        match self.audio.latency_ms {
            0 => (phosphor_rt::DEFAULT_AUDIO_LEAD, Duration::from_millis(32)),
            ms => {
                let fixed = Duration::from_millis(u64::from(ms.clamp(2, 64)));
                (fixed, fixed)
            }
        }
    }

    /// Values out of range (a hand-edited file) pulled back into range.
    pub fn clamped(mut self) -> Self {
        let v = &mut self.video;
        v.scanlines = clamp(v.scanlines, 0.0, 1.0);
        v.mask = clamp(v.mask, 0.0, 1.0);
        v.curvature = clamp(v.curvature, 0.0, 0.15);
        v.glow = clamp(v.glow, 0.0, 1.0);
        self.audio.volume = clamp(self.audio.volume, 0.0, 1.0);
        self.audio.ui_volume = clamp(self.audio.ui_volume, 0.0, 1.0);
        self.emulation.fast_forward = clamp(self.emulation.fast_forward, 2.0, 8.0);
        self.input.turbo_rate = self.input.turbo_rate.clamp(5, 30);
        if self.audio.latency_ms != 0 {
            self.audio.latency_ms = self.audio.latency_ms.clamp(2, 64);
        }
        self.emulation.rewind_minutes = self.emulation.rewind_minutes.min(MAX_REWIND_MINUTES);
        self.emulation.run_ahead = self.emulation.run_ahead.min(MAX_RUN_AHEAD);
        for game in self.emulation.games.values_mut() {
            game.run_ahead = game.run_ahead.map(|n| n.min(MAX_RUN_AHEAD));
        }
        self
    }

    pub fn to_toml(&self) -> String {
        let mut text = String::from("# Phosphor settings. Edit while Phosphor is closed, or in its Settings menu.\n\n");
        text.push_str(&toml::to_string_pretty(self).unwrap_or_default());
        text
    }
}

fn clamp(value: f32, low: f32, high: f32) -> f32 {
    if value.is_nan() { low } else { value.clamp(low, high) }
}

/// What reading the settings file came to.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub settings: Settings,
    /// Something the player should be told (a damaged file moved aside).
    pub warning: Option<String>,
}

/// Why the settings could not be written.
#[derive(Debug, thiserror::Error)]
#[error("settings not saved: {0}")]
pub struct SaveError(#[from] IoError);

/// Reads the settings file: missing means defaults; unreadable as
/// settings means defaults, with the file moved aside and a warning.
pub async fn load(io: &dyn IoBackend, pool: &BufferPool, path: &Path) -> Loaded {
    let bytes = match read_file(io, pool, path).await {
        Ok(bytes) => bytes,
        Err(IoError::NotFound { .. }) => return Loaded { settings: Settings::default(), warning: None },
        Err(err) => {
            return Loaded { settings: Settings::default(), warning: Some(format!("Settings not read ({err}); using defaults")) };
        }
    };
    let parsed = std::str::from_utf8(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|text| toml::from_str::<Settings>(text).map_err(|e| e.message().to_string()));
    match parsed {
        Ok(settings) => Loaded { settings: settings.clamped(), warning: None },
        Err(why) => {
            let aside = aside_path(path);
            let moved = io.submit(Op::Rename { from: path.to_path_buf(), to: aside.clone() }).await.result;
            let kept = match moved {
                Ok(_) => format!("the file was kept as {}", aside.display()),
                Err(e) => format!("the file could not be moved aside ({e}) and will be replaced"),
            };
            Loaded {
                settings: Settings::default(),
                warning: Some(format!("{} could not be read ({why}); using defaults, {kept}", path.display())),
            }
        }
    }
}

fn aside_path(path: &Path) -> PathBuf {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let name = path.file_name().map_or("settings.toml".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!("{name}.bad-{seconds}"))
}

/// Writes the settings durably (the old file stays whole until the new
/// one is on disk).
pub async fn save(io: &dyn IoBackend, pool: &BufferPool, path: &Path, settings: &Settings) -> Result<(), SaveError> {
    if let Some(dir) = path.parent() {
        create_dir_all(io, dir).await?;
    }
    write_file(io, pool, path, settings.to_toml().as_bytes()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sound_latency_is_automatic_by_default_or_fixed() {
        use std::time::Duration;
        let mut settings = Settings::default();
        assert_eq!(settings.audio.latency_ms, 0);
        assert_eq!(settings.audio_latency(), (phosphor_rt::DEFAULT_AUDIO_LEAD, Duration::from_millis(32)), "auto: low, may rise");
        crate::menu::adjust(&mut settings, crate::menu::Row::AudioLatency, 1);
        assert_eq!(settings.audio.latency_ms, 4);
        assert_eq!(settings.audio_latency(), (Duration::from_millis(4), Duration::from_millis(4)), "fixed");
        crate::menu::adjust(&mut settings, crate::menu::Row::AudioLatency, -1);
        assert_eq!(settings.audio.latency_ms, 0, "back to Auto");
        crate::menu::adjust(&mut settings, crate::menu::Row::AudioLatency, -1);
        assert_eq!(settings.audio.latency_ms, 0, "Auto is the first");
        settings.audio.latency_ms = 500;
        assert_eq!(settings.clamped().audio.latency_ms, 64, "a hand-edited file is pulled into range");
    }

    #[test]
    fn old_files_with_missing_fields_still_load() {
        let old: Settings = toml::from_str("[video]\nshader = \"sharp\"\n").unwrap();
        assert_eq!(old.video.shader, Shader::Sharp);
        assert_eq!(old.video.scanlines, Video::default().scanlines, "a field the file lacks takes its default");
        assert_eq!(old.audio, Audio::default());
        let newer: Settings = toml::from_str("[audio]\nvolume = 0.5\nreverb = true\n[future]\nx = 1\n").unwrap();
        assert_eq!(newer.audio.volume, 0.5, "unknown fields and tables are ignored");
    }

    #[test]
    fn keys_rebind_trade_places_and_make_the_input_map() {
        let mut input = Input::default();
        assert_eq!(input.key(0, 4), Some(KeyCode::KeyX), "player 1's A defaults to X");
        assert_eq!(input.key(1, 0), Some(KeyCode::KeyW));
        // Player 1's A onto K: free, simply bound.
        input.bind(0, 4, KeyCode::KeyK);
        assert_eq!(input.player1.a.as_deref(), Some("KeyK"));
        // Player 1's B onto W (player 2's up): they trade.
        input.bind(0, 5, KeyCode::KeyW);
        assert_eq!(input.key(0, 5), Some(KeyCode::KeyW));
        assert_eq!(input.key(1, 0), Some(KeyCode::KeyZ), "player 2's up took Z");
        input.bind(0, 5, KeyCode::Escape);
        assert_eq!(input.key(0, 5), Some(KeyCode::KeyW), "reserved keys are not bound");
        let map = input.to_map();
        assert!(map.keys.contains(&(KeyCode::KeyK, Player::One, phosphor_nes::button::A)));
        assert!(!map.keys.iter().any(|(k, _, _)| *k == KeyCode::KeyX), "X is free now");
        assert!(map.turbo_keys.contains(&(KeyCode::KeyV, Player::One, phosphor_nes::button::A)));
        assert_eq!(map.turbo_frames, 2, "15 presses a second");
        // A pad profile: this kind of pad swaps A and B.
        assert_eq!(input.pad_button("Pad X", 0), Some(GamepadButton::East), "A defaults to the right button");
        input.bind_pad("Pad X", 0, GamepadButton::South);
        assert_eq!(input.pad_button("Pad X", 0), Some(GamepadButton::South));
        assert_eq!(input.pad_button("Pad X", 1), Some(GamepadButton::East), "B took A's old button");
        assert_eq!(input.pad_button("Other pad", 0), Some(GamepadButton::East), "other pads keep theirs");
        let map = input.to_map();
        let (_, buttons, turbo) = map.pad_profiles.iter().find(|(n, _, _)| n == "Pad X").unwrap();
        assert!(buttons.contains(&(GamepadButton::South, phosphor_nes::button::A)));
        assert!(buttons.contains(&(GamepadButton::DPadUp, phosphor_nes::button::UP)), "the d-pad steers");
        assert!(turbo.contains(&(GamepadButton::North, phosphor_nes::button::A)));
        let back: Settings = toml::from_str(&Settings { input, ..Settings::default() }.to_toml()).unwrap();
        assert_eq!(back.input.key(0, 4), Some(KeyCode::KeyK), "bindings survive the file");
        assert_eq!(back.input.pad_button("Pad X", 0), Some(GamepadButton::South));
    }

    #[test]
    fn settings_round_trip_and_wild_values_are_clamped() {
        let mut settings = Settings::default();
        settings.video.shader = Shader::Sharp;
        settings.emulation.power_on_ram = RamPattern::Random;
        settings.audio.muted = true;
        let back: Settings = toml::from_str(&settings.to_toml()).unwrap();
        assert_eq!(back, settings);
        let wild: Settings = toml::from_str("[audio]\nvolume = 7.0\n[emulation]\nfast_forward = 100.0\n").unwrap();
        let wild = wild.clamped();
        assert_eq!((wild.audio.volume, wild.emulation.fast_forward), (1.0, 8.0));
    }
}
