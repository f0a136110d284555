//! Hotkeys: the keys that drive the emulator rather than the game.

use bevy::app::AppExit;
use bevy::input::keyboard::KeyboardInput;
use bevy::input::ButtonState;
use bevy::prelude::*;
use phosphor_emulation::{EmuNotice, Emulator};
use phosphor_rt::Command;

/// Speed while Tab is held, unless the settings say otherwise.
pub const FAST_FORWARD_SPEED: f32 = 4.0;

/// How the hotkeys behave (the settings and the frontend change it).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct HotkeyOptions {
    /// Speed while Tab is held.
    pub fast_forward: f32,
    /// Esc pauses and resumes here; a frontend with an in-game menu turns
    /// this off and opens its menu instead.
    pub escape_pauses: bool,
    /// Held: the game runs backwards (Backspace).
    pub rewind_key: KeyCode,
    /// Pauses and runs exactly one frame a press, with the buttons held (K).
    pub frame_advance_key: KeyCode,
    /// Pauses, or resumes after frame advance (P).
    pub pause_key: KeyCode,
    /// The time-control keys act; a frontend turns this off while its
    /// menus have the keyboard.
    pub time_control: bool,
}

/// The remappable hotkeys' defaults.
pub const REWIND_KEY: KeyCode = KeyCode::Backspace;
pub const FRAME_ADVANCE_KEY: KeyCode = KeyCode::KeyK;
pub const PAUSE_KEY: KeyCode = KeyCode::KeyP;

impl Default for HotkeyOptions {
    fn default() -> Self {
        HotkeyOptions {
            fast_forward: FAST_FORWARD_SPEED,
            escape_pauses: true,
            rewind_key: REWIND_KEY,
            frame_advance_key: FRAME_ADVANCE_KEY,
            pause_key: PAUSE_KEY,
            time_control: true,
        }
    }
}

/// A hotkey as pressed (fast-forward also as released).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hotkey {
    /// Esc.
    Pause,
    /// Tab held (true) or let go (false).
    FastForward(bool),
    /// Ctrl+R.
    Reset,
    /// F5.
    SaveState,
    /// F7.
    LoadState,
    /// F12: the NES picture as the console made it (256 x 240).
    Screenshot,
    /// Shift+F12: the window as shown (shader, panels and all).
    WindowScreenshot,
    /// F1.
    ToggleDebugger,
    /// F11.
    Fullscreen,
    /// Ctrl+Q.
    Quit,
    /// A debugger key (only while the debugger workspace has the keyboard).
    Debug(DebugKey),
    /// The rewind key (or pad button) held (true) or let go.
    Rewind(bool),
    /// One frame and stay paused (K).
    FrameAdvance,
    /// Pause or resume (P), whatever Esc does.
    TogglePause,
}

/// The debugger's keys, as developers know them from other debuggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebugKey {
    /// F5.
    Continue,
    /// F10.
    StepOver,
    /// F11.
    StepInto,
    /// Shift+F11.
    StepOut,
}

/// Who the keyboard is for right now; the debugger plugin sets it.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyboardFocus {
    /// The debugger workspace has focus: F5, F10, F11 and Shift+F11 drive
    /// the debugger instead of the quick save and fullscreen.
    pub debugger: bool,
    /// Text is being typed into a field: no key reaches the game or the hotkeys.
    pub text_entry: bool,
}

/// Modifier keys held, as the key events tell it.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Modifiers {
    shift: [bool; 2],
    ctrl: [bool; 2],
}

/// Reads the key events in order, so that a modifier pressed and released
/// within one frame (as fast typing or a script does) still counts for
/// the key pressed while it was down.
pub(crate) fn read_hotkeys(
    mut keys: MessageReader<'_, '_, KeyboardInput>,
    mut modifiers: Local<'_, Modifiers>,
    mut hotkeys: MessageWriter<'_, Hotkey>,
    focus: Option<Res<'_, KeyboardFocus>>,
    options: Res<'_, HotkeyOptions>,
) {
    let focus = focus.as_deref().copied().unwrap_or_default();
    for event in keys.read() {
        let down = event.state == ButtonState::Pressed;
        match event.key_code {
            KeyCode::ShiftLeft => modifiers.shift[0] = down,
            KeyCode::ShiftRight => modifiers.shift[1] = down,
            KeyCode::ControlLeft => modifiers.ctrl[0] = down,
            KeyCode::ControlRight => modifiers.ctrl[1] = down,
            _ => {}
        }
        let shift = modifiers.shift.contains(&true);
        let ctrl = modifiers.ctrl.contains(&true);
        if focus.text_entry {
            continue;
        }
        if event.key_code == KeyCode::Tab && !event.repeat {
            hotkeys.write(Hotkey::FastForward(down));
            continue;
        }
        if event.key_code == options.rewind_key && !event.repeat {
            hotkeys.write(Hotkey::Rewind(down));
            continue;
        }
        if !down || event.repeat {
            continue;
        }
        if event.key_code == options.frame_advance_key {
            hotkeys.write(Hotkey::FrameAdvance);
            continue;
        }
        if event.key_code == options.pause_key {
            hotkeys.write(Hotkey::TogglePause);
            continue;
        }
        let hotkey = match event.key_code {
            KeyCode::F5 if focus.debugger => Hotkey::Debug(DebugKey::Continue),
            KeyCode::F10 if focus.debugger => Hotkey::Debug(DebugKey::StepOver),
            KeyCode::F11 if focus.debugger && shift => Hotkey::Debug(DebugKey::StepOut),
            KeyCode::F11 if focus.debugger => Hotkey::Debug(DebugKey::StepInto),
            KeyCode::Escape => Hotkey::Pause,
            KeyCode::F5 => Hotkey::SaveState,
            KeyCode::F7 => Hotkey::LoadState,
            KeyCode::F12 if shift => Hotkey::WindowScreenshot,
            KeyCode::F12 => Hotkey::Screenshot,
            KeyCode::F1 => Hotkey::ToggleDebugger,
            KeyCode::F11 => Hotkey::Fullscreen,
            KeyCode::KeyR if ctrl => Hotkey::Reset,
            KeyCode::KeyQ if ctrl => Hotkey::Quit,
            _ => continue,
        };
        hotkeys.write(hotkey);
    }
}

/// Pause, fast-forward and reset go straight to the emulation thread;
/// Ctrl+Q ends the app.
pub(crate) fn run_emulator_hotkeys(
    mut hotkeys: MessageReader<'_, '_, Hotkey>,
    mut emulator: ResMut<'_, Emulator>,
    mut notices: MessageWriter<'_, EmuNotice>,
    mut exit: MessageWriter<'_, AppExit>,
    options: Res<'_, HotkeyOptions>,
    telemetry: Res<'_, phosphor_emulation::Telemetry>,
) {
    for hotkey in hotkeys.read() {
        let sent = match hotkey {
            Hotkey::Quit => {
                exit.write(AppExit::Success);
                Ok(())
            }
            Hotkey::Pause if !options.escape_pauses => Ok(()),
            Hotkey::Pause => emulator.toggle_pause().map(|paused| info!("{}", if paused { "paused" } else { "resumed" })),
            Hotkey::FastForward(on) => {
                emulator.send(Command::SetSpeed(if *on { options.fast_forward } else { 1.0 })).map(drop)
            }
            Hotkey::Reset => emulator.send(Command::Reset).map(|_| info!("reset")),
            // A key let go always reaches the thread (it may have been held into a menu).
            Hotkey::Rewind(true) | Hotkey::FrameAdvance | Hotkey::TogglePause if !options.time_control => Ok(()),
            Hotkey::Rewind(on) => emulator.send(Command::Rewind(*on)).map(|_| {
                let frame = telemetry.status.cpu.frame;
                info!("{} at frame {frame}", if *on { "rewinding" } else { "rewind let go" });
            }),
            Hotkey::FrameAdvance => emulator.frame_advance(),
            Hotkey::TogglePause => emulator.toggle_pause().map(|paused| info!("{}", if paused { "paused" } else { "resumed" })),
            _ => Ok(()),
        };
        if let Err(err) = sent {
            notices.write(EmuNotice::Unavailable { reason: err.to_string() });
        }
    }
}
