//! The debugger plugin: an egui panel toggled with F1, and the messages
//! the screen shows over the game.
//!
//! - [`panel`]: CPU registers and flags, the disassembly around PC, and
//!   performance (frame-time graph, deadline misses, sound ring fill and
//!   underruns, input-to-frame latency, the thread's priority). It reads
//!   telemetry; the only thing it asks of the emulation thread is a copy of
//!   the memory around PC, answered between frames, never by stopping it.
//! - [`overlay`]: shader errors (until the file is fixed) and notices
//!   (a game started, a ROM refused, a fault), over the picture.

pub mod disassembly;
pub mod overlay;
pub mod panel;
pub mod symbols;

pub use panel::DebuggerPanel;

use bevy::prelude::*;
use bevy_egui::{EguiPlugin, EguiPrimaryContextPass};

#[derive(Debug, Default, Clone, Copy)]
pub struct DebuggerPlugin {
    /// Keep the panel's state and requests but draw nothing (no egui):
    /// for headless apps and tests.
    pub headless: bool,
    /// Another plugin shows the notices (the frontend's toasts): draw only
    /// shader errors over the picture.
    pub notices_elsewhere: bool,
}

impl Plugin for DebuggerPlugin {
    fn build(&self, app: &mut App) {
        if !self.headless {
            if !app.is_plugin_added::<EguiPlugin>() {
                app.add_plugins(EguiPlugin::default());
            }
            app.add_systems(EguiPrimaryContextPass, (panel::draw, overlay::draw));
            if self.notices_elsewhere {
                app.insert_resource(overlay::NoticesElsewhere);
            }
        }
        app.init_resource::<DebuggerPanel>()
            .init_resource::<overlay::Notices>()
            // Read here; sent by the input plugin (registering twice is harmless).
            .add_message::<phosphor_input::Hotkey>()
            .add_systems(Update, (panel::toggle, panel::request_memory, panel::receive_memory, overlay::collect));
    }
}
