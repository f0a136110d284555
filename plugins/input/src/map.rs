//! Keys and pad buttons to NES buttons.

use bevy::prelude::*;
use phosphor_emulation::Pads;
use phosphor_nes::button;

/// Controller port 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Player {
    One,
    Two,
}

impl Player {
    pub fn port(self) -> usize {
        match self {
            Player::One => 0,
            Player::Two => 1,
        }
    }
}

/// A pad button and the NES button bits it presses.
pub type PadBinding = (GamepadButton, u8);

/// A pad profile: the pad's name, its buttons, its turbo buttons.
pub type PadProfile = (String, Vec<PadBinding>, Vec<PadBinding>);

/// The mapping. Defaults: player 1 on the arrows, X = A, Z = B, Enter =
/// Start, Right Shift = Select, V = turbo A, C = turbo B; player 2 on
/// W A S D, G = A, F = B, E = Start, Q = Select, T = turbo A, R = turbo B.
/// On a pad, buttons go by position as on the NES pad: the right face
/// button (East) is A and the bottom one (South) is B, the top one (North)
/// turbo A and the left one (West) turbo B; the d-pad and the left stick
/// steer.
#[derive(Resource, Debug, Clone)]
pub struct InputMap {
    pub keys: Vec<(KeyCode, Player, u8)>,
    /// Keys that press a button on and off while held.
    pub turbo_keys: Vec<(KeyCode, Player, u8)>,
    /// Pad buttons for pads with no profile of their own.
    pub pad_buttons: Vec<(GamepadButton, u8)>,
    pub turbo_pad_buttons: Vec<(GamepadButton, u8)>,
    /// Per-device profiles, by the pad's name as the system reports it:
    /// (name, buttons, turbo buttons).
    pub pad_profiles: Vec<PadProfile>,
    /// How far the left stick must lean to press a direction (0-1).
    pub stick_threshold: f32,
    /// Emulated frames a turbo button stays pressed, then released (2: 15
    /// presses a second).
    pub turbo_frames: u64,
    /// The pad button held to rewind, for pads with no profile of their
    /// own (the left shoulder), and per profile by the pad's name.
    pub rewind_pad_button: Option<GamepadButton>,
    pub rewind_pad_profiles: Vec<(String, Option<GamepadButton>)>,
}

impl Default for InputMap {
    fn default() -> Self {
        use KeyCode::*;
        use Player::*;
        InputMap {
            keys: vec![
                (ArrowUp, One, button::UP),
                (ArrowDown, One, button::DOWN),
                (ArrowLeft, One, button::LEFT),
                (ArrowRight, One, button::RIGHT),
                (KeyX, One, button::A),
                (KeyZ, One, button::B),
                (Enter, One, button::START),
                (ShiftRight, One, button::SELECT),
                (KeyW, Two, button::UP),
                (KeyS, Two, button::DOWN),
                (KeyA, Two, button::LEFT),
                (KeyD, Two, button::RIGHT),
                (KeyG, Two, button::A),
                (KeyF, Two, button::B),
                (KeyE, Two, button::START),
                (KeyQ, Two, button::SELECT),
            ],
            turbo_keys: vec![(KeyV, One, button::A), (KeyC, One, button::B), (KeyT, Two, button::A), (KeyR, Two, button::B)],
            pad_buttons: vec![
                (GamepadButton::East, button::A),
                (GamepadButton::South, button::B),
                (GamepadButton::Start, button::START),
                (GamepadButton::Select, button::SELECT),
                (GamepadButton::DPadUp, button::UP),
                (GamepadButton::DPadDown, button::DOWN),
                (GamepadButton::DPadLeft, button::LEFT),
                (GamepadButton::DPadRight, button::RIGHT),
            ],
            turbo_pad_buttons: vec![(GamepadButton::North, button::A), (GamepadButton::West, button::B)],
            pad_profiles: Vec::new(),
            stick_threshold: 0.5,
            turbo_frames: 2,
            rewind_pad_button: Some(GamepadButton::LeftTrigger),
            rewind_pad_profiles: Vec::new(),
        }
    }
}

impl InputMap {
    /// Whether `pad` (its profile found by `name`) holds its rewind button.
    pub fn pad_rewinds(&self, pad: &Gamepad, name: Option<&str>) -> bool {
        let profile = name.and_then(|n| self.rewind_pad_profiles.iter().find(|(p, _)| p == n));
        let button = profile.map_or(self.rewind_pad_button, |(_, b)| *b);
        button.is_some_and(|b| pad.pressed(b))
    }

    /// NES buttons held on `pad` (its profile found by `name`, else the
    /// default); turbo buttons count when `turbo_on`.
    pub fn pad_buttons(&self, pad: &Gamepad, name: Option<&str>, turbo_on: bool) -> u8 {
        let profile = name.and_then(|n| self.pad_profiles.iter().find(|(p, _, _)| p == n));
        let (buttons, turbo) = match profile {
            Some((_, buttons, turbo)) => (buttons, turbo),
            None => (&self.pad_buttons, &self.turbo_pad_buttons),
        };
        let turbo: &[(GamepadButton, u8)] = if turbo_on { turbo } else { &[] };
        let mut held = buttons
            .iter()
            .chain(turbo)
            .filter(|(b, _)| pad.pressed(*b))
            .fold(0, |acc, (_, bit)| acc | bit);
        let stick = pad.left_stick();
        let t = self.stick_threshold;
        if stick.y > t {
            held |= button::UP;
        } else if stick.y < -t {
            held |= button::DOWN;
        }
        if stick.x > t {
            held |= button::RIGHT;
        } else if stick.x < -t {
            held |= button::LEFT;
        }
        held
    }
}

/// Which gamepad plays as which player.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct PadSlots {
    pub players: [Option<Entity>; 2],
}

/// Frees the slots of pads that went away and seats new ones, in the order
/// they appeared.
pub(crate) fn assign_pads(
    pads: Query<'_, '_, (Entity, Option<&Name>), With<Gamepad>>,
    mut slots: ResMut<'_, PadSlots>,
    mut notices: MessageWriter<'_, phosphor_emulation::EmuNotice>,
) {
    for slot in 0..2 {
        if let Some(entity) = slots.players[slot]
            && !pads.contains(entity)
        {
            info!("player {}: gamepad disconnected", slot + 1);
            notices.write(phosphor_emulation::EmuNotice::Info(format!("Player {}: controller disconnected", slot + 1)));
            slots.players[slot] = None;
        }
    }
    let mut new: Vec<(Entity, Option<&Name>)> = pads.iter().filter(|(e, _)| !slots.players.contains(&Some(*e))).collect();
    new.sort_by_key(|(e, _)| *e);
    for (entity, name) in new {
        if let Some(slot) = slots.players.iter().position(Option::is_none) {
            let name = name.map_or("controller".to_string(), |n| n.as_str().to_string());
            info!("player {}: gamepad connected ({name})", slot + 1);
            notices.write(phosphor_emulation::EmuNotice::Info(format!("Player {}: {name} connected", slot + 1)));
            slots.players[slot] = Some(entity);
        }
    }
}

/// Both controllers' buttons from the keyboard and the seated pads. Up with
/// down (or left with right) held together is let through: some games use
/// it, and a player on a keyboard can only do it on purpose.
///
/// Each device is read on its own: the keyboard's keys per player, and the
/// pad in each player's slot straight into that player's port (turbo and
/// the stick already folded into its d-pad). A port's change is told as
/// coming from the device whose buttons changed (the pad when both did),
/// so that latency can be measured per device.
#[allow(clippy::too_many_arguments)] // a system: each argument is a resource it reads
pub(crate) fn map_buttons(
    keys: Res<'_, ButtonInput<KeyCode>>,
    gamepads: Query<'_, '_, (&Gamepad, Option<&Name>)>,
    map: Res<'_, InputMap>,
    slots: Res<'_, PadSlots>,
    mut pads: ResMut<'_, Pads>,
    telemetry: Res<'_, phosphor_emulation::Telemetry>,
    focus: Res<'_, crate::KeyboardFocus>,
    direct: Res<'_, crate::DirectKeyboard>,
    mut last: Local<'_, DeviceButtons>,
    mut rewinding: Local<'_, bool>,
    mut hotkeys: MessageWriter<'_, crate::Hotkey>,
) {
    // Turbo follows the emulated frames, so its rate is the game's, also
    // in fast-forward.
    let turbo_on = (telemetry.status.frames / map.turbo_frames.max(1)).is_multiple_of(2);
    let turbo: &[(KeyCode, Player, u8)] = if turbo_on { &map.turbo_keys } else { &[] };
    // Read directly, the game's keys reach the emulation thread on their
    // own; only the turbo keys come this way then.
    let keys_here: &[(KeyCode, Player, u8)] = if direct.reading() { &[] } else { &map.keys };
    let mut now = DeviceButtons::default();
    for (key, player, bit) in keys_here.iter().chain(turbo) {
        // Keys typed into a text field are not the game's.
        if !focus.text_entry && keys.pressed(*key) {
            now.keyboard[player.port()] |= bit;
        }
    }
    let mut rewind = false;
    for (port, slot) in slots.players.iter().enumerate() {
        if let Some((pad, name)) = slot.and_then(|e| gamepads.get(e).ok()) {
            now.pads[port] = map.pad_buttons(pad, name.map(Name::as_str), turbo_on);
            rewind |= map.pad_rewinds(pad, name.map(Name::as_str));
        }
    }
    let mut next = *pads;
    for port in 0..2 {
        next.buttons[port] = now.keyboard[port] | now.pads[port];
        if now.pads[port] != last.pads[port] {
            next.sources[port] = phosphor_rt::input_source::pad(port as u8);
        } else if now.keyboard[port] != last.keyboard[port] {
            next.sources[port] = phosphor_rt::input_source::KEYBOARD;
        }
    }
    *last = now;
    pads.set_if_neq(next);
    if rewind != *rewinding {
        *rewinding = rewind;
        hotkeys.write(crate::Hotkey::Rewind(rewind));
    }
}

/// What each device held at the last update, per port.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeviceButtons {
    keyboard: [u8; 2],
    pads: [u8; 2],
}
