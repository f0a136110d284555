//! The input plugin: keyboard and gamepads become the buttons of NES
//! controllers 1 and 2, and hotkeys become commands.
//!
//! - [`InputMap`] (resource): which key or pad button is which NES button,
//!   per player, with the defaults a player expects;
//! - [`PadSlots`] (resource): which connected gamepad plays as which player
//!   (the first pad is player 1, the second player 2; hot-plugged pads
//!   take the first free slot);
//! - [`DirectKeyboard`] (resource): the game's keys read straight from the
//!   X server on a thread of their own, so that a press does not wait for
//!   the next render (a setting, on by default; [`GameKeys`] says when
//!   the game has the keys);
//! - [`Hotkey`] (message out): Esc, Tab, Ctrl+R, Ctrl+Q, F1, F5, F7, F11,
//!   F12 as they are pressed, and the remappable time-control keys
//!   (Backspace held: rewind, also a pad's left shoulder; K: frame
//!   advance; P: pause/resume). Pause, fast-forward, rewind, frame
//!   advance, reset and quit are carried out here;
//!   the other plugins act on the rest (Shift+F12 is a screenshot of the
//!   window as shown).

mod direct;
mod hotkeys;
mod map;
pub mod names;

pub use direct::{DirectKeyboard, DirectState, GameKeys};
pub use hotkeys::{DebugKey, Hotkey, HotkeyOptions, KeyboardFocus, FAST_FORWARD_SPEED, FRAME_ADVANCE_KEY, PAUSE_KEY, REWIND_KEY};
pub use map::{InputMap, PadBinding, PadProfile, PadSlots, Player};

use bevy::input::InputSystems;
use bevy::prelude::*;
use phosphor_emulation::EmulationSystems;

#[derive(Debug, Default, Clone, Copy)]
pub struct InputPlugin;

/// Where the keys and pads become [`phosphor_emulation::Pads`] (PreUpdate):
/// a system that overrides the pads (a menu holding the game's input)
/// runs after it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PadMapping;

impl Plugin for InputPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<InputMap>()
            .init_resource::<HotkeyOptions>()
            .init_resource::<KeyboardFocus>()
            .init_resource::<DirectKeyboard>()
            .init_resource::<GameKeys>()
            .add_message::<phosphor_emulation::EmuNotice>()
            .init_resource::<PadSlots>()
            .add_message::<Hotkey>()
            .add_systems(
                PreUpdate,
                (map::assign_pads, map::map_buttons)
                    .chain()
                    .in_set(PadMapping)
                    .after(InputSystems)
                    .before(EmulationSystems::SendInput),
            )
            .add_systems(Update, (hotkeys::read_hotkeys, hotkeys::run_emulator_hotkeys).chain())
            .add_systems(PostUpdate, (direct::start_direct_keyboard, direct::gate_direct_keyboard).chain());
    }
}
