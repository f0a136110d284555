//! Key names as the settings file writes them ("KeyX", "ArrowUp", ...):
//! the keys a player may bind to a NES button.

use bevy::prelude::{GamepadButton, KeyCode};

/// Keys that can be bound. Esc, Tab and the function keys are the
/// emulator's own (menu, fast-forward, hotkeys) and cannot.
pub const BINDABLE: &[KeyCode] = {
    use KeyCode::*;
    &[
        KeyA, KeyB, KeyC, KeyD, KeyE, KeyF, KeyG, KeyH, KeyI, KeyJ, KeyK, KeyL, KeyM, KeyN, KeyO, KeyP, KeyQ, KeyR,
        KeyS, KeyT, KeyU, KeyV, KeyW, KeyX, KeyY, KeyZ, Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6,
        Digit7, Digit8, Digit9, ArrowUp, ArrowDown, ArrowLeft, ArrowRight, Enter, Space, Backspace, ShiftLeft,
        ShiftRight, ControlLeft, ControlRight, AltLeft, AltRight, Comma, Period, Slash, Semicolon, Quote,
        BracketLeft, BracketRight, Backslash, Minus, Equal, Backquote, Numpad0, Numpad1, Numpad2, Numpad3,
        Numpad4, Numpad5, Numpad6, Numpad7, Numpad8, Numpad9, NumpadEnter, NumpadAdd, NumpadSubtract,
        NumpadMultiply, NumpadDivide, NumpadDecimal, Home, End, PageUp, PageDown, Insert, Delete,
    ]
};

/// The name a key is written as, if it can be bound.
pub fn key_name(key: KeyCode) -> Option<String> {
    BINDABLE.contains(&key).then(|| format!("{key:?}"))
}

/// The key a name stands for.
pub fn key_from_name(name: &str) -> Option<KeyCode> {
    BINDABLE.iter().copied().find(|k| format!("{k:?}") == name)
}

/// A name for people: "X", "Up", "Right Shift".
pub fn key_label(key: KeyCode) -> String {
    let name = format!("{key:?}");
    if let Some(letter) = name.strip_prefix("Key") {
        return letter.into();
    }
    if let Some(digit) = name.strip_prefix("Digit") {
        return digit.into();
    }
    if let Some(arrow) = name.strip_prefix("Arrow") {
        return arrow.into();
    }
    for (side, label) in [("Left", "Left "), ("Right", "Right ")] {
        if let Some(stem) = name.strip_suffix(side) {
            return format!("{label}{}", if stem == "Control" { "Ctrl" } else { stem });
        }
    }
    name
}

/// Pad buttons that can be bound to A, B, Select, Start and the turbos
/// (the d-pad and the stick always steer).
pub const BINDABLE_PAD: &[GamepadButton] = {
    use GamepadButton::*;
    &[South, East, North, West, C, Z, LeftTrigger, LeftTrigger2, RightTrigger, RightTrigger2, Select, Start, Mode, LeftThumb, RightThumb]
};

pub fn pad_button_name(button: GamepadButton) -> Option<String> {
    BINDABLE_PAD.contains(&button).then(|| format!("{button:?}"))
}

pub fn pad_button_from_name(name: &str) -> Option<GamepadButton> {
    BINDABLE_PAD.iter().copied().find(|b| format!("{b:?}") == name)
}

/// A name for people, by position ("bottom button", "left shoulder").
pub fn pad_button_label(button: GamepadButton) -> String {
    use GamepadButton::*;
    match button {
        South => "bottom button".into(),
        East => "right button".into(),
        North => "top button".into(),
        West => "left button".into(),
        LeftTrigger => "left shoulder".into(),
        RightTrigger => "right shoulder".into(),
        LeftTrigger2 => "left trigger".into(),
        RightTrigger2 => "right trigger".into(),
        LeftThumb => "left stick press".into(),
        RightThumb => "right stick press".into(),
        Select => "Select / Back".into(),
        Start => "Start / Menu".into(),
        Mode => "Home".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reserved_keys_cannot_be_bound() {
        for key in BINDABLE {
            assert_eq!(key_from_name(&key_name(*key).unwrap()), Some(*key));
        }
        assert_eq!(key_name(KeyCode::Escape), None);
        assert_eq!(key_name(KeyCode::F5), None);
        assert_eq!(key_from_name("Tab"), None);
        assert_eq!(key_label(KeyCode::KeyX), "X");
        assert_eq!(key_label(KeyCode::ShiftRight), "Right Shift");
        assert_eq!(key_label(KeyCode::ControlLeft), "Left Ctrl");
        assert_eq!(key_label(KeyCode::ArrowUp), "Up");
        for button in BINDABLE_PAD {
            assert_eq!(pad_button_from_name(&pad_button_name(*button).unwrap()), Some(*button));
        }
        assert_eq!(pad_button_name(GamepadButton::DPadUp), None, "the d-pad always steers");
    }
}
