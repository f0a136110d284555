//! The keyboard read straight from the X server, on a thread of its own,
//! into the emulation thread's [`LiveInput`]: a press reaches the game's
//! next frame without waiting for Bevy's next update, which comes only
//! once a render (tens of milliseconds under a slow renderer). The game's
//! keys are looked up by X keycode in a table the Bevy side keeps in step
//! with the [`InputMap`]; whether the game takes them (the window has
//! focus, no menu or text field holds the keys) is the Bevy side's call,
//! made once an update.
//!
//! The thread selects XInput 2 raw key events on the root window, which
//! the server sends to any client that asks, as they happen. Where there
//! is no X server (Wayland, another OS) or no XInput 2, it says why once
//! and the keys go the usual way, through Bevy's input.
//!
//! Turbo keys stay on Bevy's side: they follow the emulated frames, and a
//! press a few milliseconds early changes nothing for them.

use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use phosphor_emulation::Emulator;
use phosphor_rt::LiveInput;

use crate::map::InputMap;
use crate::KeyboardFocus;

/// X keycodes run from 8 to 255.
const KEYCODES: usize = 256;

/// Reading the keyboard directly: a setting (on by default) and what came
/// of it.
#[derive(Resource, Debug)]
pub struct DirectKeyboard {
    /// Read the keyboard straight from the system where it can be.
    pub wanted: bool,
    shared: Arc<Shared>,
    started: bool,
}

impl Default for DirectKeyboard {
    fn default() -> Self {
        DirectKeyboard { wanted: true, shared: Arc::new(Shared::default()), started: false }
    }
}

/// What reading the keyboard directly came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectState {
    /// Not started (the setting is off, or no window yet).
    Off,
    /// The thread reads raw key events.
    Reading,
    /// It could not: why (the keys go through Bevy's input).
    Unavailable(String),
}

impl DirectKeyboard {
    /// Whether the thread reads the keys now (and Bevy's path leaves the
    /// game's keys to it).
    pub fn reading(&self) -> bool {
        self.wanted && self.shared.reading.load(Ordering::Acquire)
    }

    pub fn state(&self) -> DirectState {
        if self.reading() {
            return DirectState::Reading;
        }
        match self.shared.failure.lock().ok().and_then(|f| f.clone()) {
            Some(why) => DirectState::Unavailable(why),
            None => DirectState::Off,
        }
    }
}

/// What the thread and the Bevy side share.
struct Shared {
    /// Per X keycode, the NES buttons it presses: port 1 in the low byte,
    /// port 2 in the high one.
    keymap: [AtomicU16; KEYCODES],
    reading: AtomicBool,
    /// Why the thread could not read the keyboard (once, when it gives up).
    failure: Mutex<Option<String>>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared { keymap: std::array::from_fn(|_| AtomicU16::new(0)), reading: AtomicBool::new(false), failure: Mutex::new(None) }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("reading", &self.reading).finish_non_exhaustive()
    }
}

/// Whether the game has the keys: the frontend clears it while a menu or
/// the home screen has them.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct GameKeys(pub bool);

impl Default for GameKeys {
    fn default() -> Self {
        GameKeys(true)
    }
}

/// The bevy key a winit window reports for X keycode `keycode`.
fn key_for_x_keycode(keycode: u32) -> KeyCode {
    use winit::platform::scancode::PhysicalKeyExtScancode;
    // X keycodes are evdev scancodes plus 8, as winit reads them.
    let physical = winit::keyboard::PhysicalKey::from_scancode(keycode.saturating_sub(8));
    bevy::winit::converters::convert_physical_key_code(physical)
}

/// The game's keys (not turbo) per X keycode.
fn keymap_for(map: &InputMap) -> [u16; KEYCODES] {
    let mut table = [0u16; KEYCODES];
    for (keycode, entry) in table.iter_mut().enumerate().skip(8) {
        let key = key_for_x_keycode(keycode as u32);
        for (bound, player, bits) in &map.keys {
            if *bound == key {
                *entry |= u16::from(*bits) << (8 * player.port());
            }
        }
    }
    table
}

/// Both ports' buttons for the keycodes held.
fn buttons_held(held: &[bool; KEYCODES], keymap: &[AtomicU16; KEYCODES]) -> [u8; 2] {
    let bits = held.iter().zip(keymap).filter(|(down, _)| **down).fold(0u16, |acc, (_, m)| acc | m.load(Ordering::Relaxed));
    [bits as u8, (bits >> 8) as u8]
}

/// Starts the thread once there is a window on an X server and an
/// emulation thread (after the updates, so that the settings read at
/// start have had their say); keeps the keymap in step with the mapping.
pub(crate) fn start_direct_keyboard(
    mut direct: ResMut<'_, DirectKeyboard>,
    map: Res<'_, InputMap>,
    windows: Query<'_, '_, (), With<PrimaryWindow>>,
    emulator: Option<Res<'_, Emulator>>,
) {
    if direct.started && map.is_changed() {
        for (slot, bits) in direct.shared.keymap.iter().zip(keymap_for(&map)) {
            slot.store(bits, Ordering::Relaxed);
        }
    }
    if direct.started || !direct.wanted || windows.is_empty() {
        return;
    }
    let Some(live) = emulator.as_ref().and_then(|e| e.live_input()).cloned() else { return };
    direct.started = true;
    for (slot, bits) in direct.shared.keymap.iter().zip(keymap_for(&map)) {
        slot.store(bits, Ordering::Relaxed);
    }
    // winit takes Wayland when both are there; an X server's raw keys
    // would then be XWayland's only.
    if std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty()) {
        fail(&direct.shared, "a Wayland session: keys go through the window's events".into());
        return;
    }
    if std::env::var_os("DISPLAY").is_none() {
        fail(&direct.shared, "no X display".into());
        return;
    }
    let shared = Arc::clone(&direct.shared);
    let spawned = std::thread::Builder::new().name("phosphor-keys".into()).spawn(move || {
        if let Err(why) = read_keys(&shared, &live) {
            shared.reading.store(false, Ordering::Release);
            live.set([0, 0], std::time::Instant::now());
            fail(&shared, why);
        }
    });
    if let Err(err) = spawned {
        fail(&direct.shared, format!("no thread: {err}"));
    }
}

fn fail(shared: &Shared, why: String) {
    info!("keyboard read through the window's events, not directly: {why}");
    if let Ok(mut failure) = shared.failure.lock() {
        *failure = Some(why);
    }
}

/// The thread: raw key events in, the buttons held out, until the
/// connection goes.
fn read_keys(shared: &Shared, live: &LiveInput) -> Result<(), String> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xinput::{self, ConnectionExt as _};
    use x11rb::protocol::Event;

    let (conn, screen) = x11rb::xcb_ffi::XCBConnection::connect(None).map_err(|e| format!("X server: {e}"))?;
    let version = conn
        .xinput_xi_query_version(2, 2)
        .map_err(|e| format!("XInput: {e}"))?
        .reply()
        .map_err(|e| format!("no XInput 2: {e}"))?;
    if (version.major_version, version.minor_version) < (2, 1) {
        return Err(format!("XInput {}.{}: raw events need 2.1", version.major_version, version.minor_version));
    }
    let root = conn.setup().roots[screen].root;
    let mask = xinput::EventMask {
        deviceid: u16::from(bool::from(xinput::Device::ALL_MASTER)),
        mask: vec![xinput::XIEventMask::RAW_KEY_PRESS | xinput::XIEventMask::RAW_KEY_RELEASE],
    };
    conn.xinput_xi_select_events(root, &[mask])
        .map_err(|e| format!("XInput: {e}"))?
        .check()
        .map_err(|e| format!("raw key events refused: {e}"))?;
    conn.flush().map_err(|e| format!("X server: {e}"))?;
    shared.reading.store(true, Ordering::Release);
    info!("keyboard read directly from the X server (XInput {}.{} raw events)", version.major_version, version.minor_version);

    let mut held = [false; KEYCODES];
    let mut buttons = [0u8; 2];
    loop {
        let event = conn.wait_for_event().map_err(|e| format!("X connection lost: {e}"))?;
        let now = std::time::Instant::now();
        let (keycode, down) = match event {
            Event::XinputRawKeyPress(e) => (e.detail, true),
            Event::XinputRawKeyRelease(e) => (e.detail, false),
            _ => continue,
        };
        let Some(slot) = held.get_mut(keycode as usize) else { continue };
        *slot = down;
        let next = buttons_held(&held, &shared.keymap);
        if next != buttons {
            buttons = next;
            live.set(buttons, now);
        }
    }
}

/// Once an update: the game takes the live keys only while the window has
/// focus and no menu or text field holds them.
pub(crate) fn gate_direct_keyboard(
    direct: Res<'_, DirectKeyboard>,
    focus: Res<'_, KeyboardFocus>,
    game: Res<'_, GameKeys>,
    windows: Query<'_, '_, &Window, With<PrimaryWindow>>,
    emulator: Option<Res<'_, Emulator>>,
) {
    let Some(live) = emulator.as_ref().and_then(|e| e.live_input()) else { return };
    let focused = windows.iter().any(|w| w.focused);
    live.enable(direct.reading() && focused && !focus.text_entry && game.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use phosphor_nes::button;

    #[test]
    fn x_keycodes_map_to_the_keys_winit_reports() {
        // X keycodes of a PC keyboard: evdev's plus 8.
        assert_eq!(key_for_x_keycode(53), KeyCode::KeyX);
        assert_eq!(key_for_x_keycode(52), KeyCode::KeyZ);
        assert_eq!(key_for_x_keycode(36), KeyCode::Enter);
        assert_eq!(key_for_x_keycode(111), KeyCode::ArrowUp);
        assert_eq!(key_for_x_keycode(25), KeyCode::KeyW);
    }

    #[test]
    fn the_keymap_follows_the_mapping_and_leaves_turbo_out() {
        let mut map = InputMap::default();
        let table = keymap_for(&map);
        assert_eq!(table[53], u16::from(button::A), "X is player 1's A");
        assert_eq!(table[25], u16::from(button::UP) << 8, "W is player 2's up");
        assert_eq!(table[55], 0, "V is turbo A: not read here");
        let held: [bool; KEYCODES] = std::array::from_fn(|k| k == 53 || k == 25 || k == 111);
        let shared = Shared::default();
        for (slot, bits) in shared.keymap.iter().zip(table) {
            slot.store(bits, Ordering::Relaxed);
        }
        assert_eq!(buttons_held(&held, &shared.keymap), [button::A | button::UP, button::UP]);

        map.keys.retain(|(key, _, _)| *key != KeyCode::KeyX);
        map.keys.push((KeyCode::KeyJ, crate::Player::Two, button::B));
        let table = keymap_for(&map);
        assert_eq!(table[53], 0, "X unbound");
        assert_eq!(table[44], u16::from(button::B) << 8, "J is player 2's B");
    }
}
