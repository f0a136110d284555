//! The debugger plugin: a workspace of docked egui panels over the running
//! game, and the messages the screen shows over the picture.
//!
//! - [`workspace`]: F1 shows the workspace; a bar toggles each panel and
//!   drives the CPU (continue, step into/over/out, cycle, dot, scanline,
//!   frame, to the next NMI or IRQ); panels dock left, right or below the
//!   picture, which keeps its aspect in what they leave; the debugger's
//!   keys (F5, F10, F11, Shift+F11) while it has focus.
//! - [`panels`]: CPU (registers and flags, editable while paused; the call
//!   stack), code (disassembly around PC with labels), source (the `.dbg`
//!   game's source following PC), breakpoints, trace, memory (every memory,
//!   edits, freezes, fading access highlights, RAM search), watch,
//!   code/data log, performance.
//! - [`model`]: what the panels show, fetched from the emulation thread by
//!   requests answered between instructions, never by stopping it; the
//!   conditions compiled here with the game's labels.
//! - [`symbols`]: ca65/ld65 `.dbg`, Mesen `.mlb` and FCEUX `.nl` files.
//! - [`files`]: the symbols read from beside the ROM, the workspace kept
//!   per game in its save folder, traces and code/data logs saved there.
//! - [`overlay`]: shader errors (until the file is fixed) and notices.
//!
//! No emulation logic lives here: the core's `debug` module does the
//! checking, the runtime carries the requests.

pub mod disassembly;
pub mod files;
pub mod model;
pub mod overlay;
pub mod panels;
pub mod symbols;
pub mod workspace;

pub use model::{BreakpointSpec, DebugState};
pub use panels::{code_lines, CodeLine};
pub use workspace::{Dock, Layout, PanelKind, Workspace};

use bevy::prelude::*;
use bevy_egui::{EguiPlugin, EguiPrimaryContextPass};
use phosphor_nes::debug::MemorySpace;
use phosphor_rt::DebugRequest;

#[derive(Debug, Default, Clone, Copy)]
pub struct DebuggerPlugin {
    /// Keep the workspace's state and requests but draw nothing (no egui):
    /// for headless apps and tests.
    pub headless: bool,
    /// Another plugin shows the notices (the frontend's toasts): draw only
    /// shader errors over the picture.
    pub notices_elsewhere: bool,
}

/// Where the debugger's systems run (Update).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct DebuggerSystems;

impl Plugin for DebuggerPlugin {
    fn build(&self, app: &mut App) {
        if !self.headless {
            if !app.is_plugin_added::<EguiPlugin>() {
                app.add_plugins(EguiPlugin::default());
            }
            app.add_systems(EguiPrimaryContextPass, (panels::draw, overlay::draw));
            if self.notices_elsewhere {
                app.insert_resource(overlay::NoticesElsewhere);
            }
        }
        app.init_resource::<Workspace>()
            .init_resource::<DebugState>()
            .init_resource::<model::SoundMeasure>()
            .init_resource::<files::FileTasks>()
            .init_resource::<overlay::Notices>()
            .init_resource::<phosphor_video::ScreenArea>()
            .init_resource::<phosphor_input::KeyboardFocus>()
            // Read here; sent by the input plugin (registering twice is harmless).
            .add_message::<phosphor_input::Hotkey>()
            .add_systems(
                Update,
                (
                    (workspace::toggle, workspace::debug_keys),
                    files::follow_game,
                    files::poll,
                    send_switches,
                    model::refresh,
                    model::send_requests,
                    model::receive_replies,
                    model::finish_measuring,
                    model::finish_sound_measure,
                    model::drain_trace,
                    files::autosave,
                    overlay::collect,
                )
                    .chain()
                    .in_set(DebuggerSystems),
            );
    }
}

/// What the open panels need armed on the thread: the call stack for the
/// CPU panel, the access counters for the memory panel's highlights; and
/// everything again for a new game.
fn send_switches(
    workspace: Res<'_, Workspace>,
    telemetry: Res<'_, phosphor_emulation::Telemetry>,
    mut state: ResMut<'_, DebugState>,
    mut sent: Local<'_, Option<(bool, bool, Option<u64>)>>,
) {
    let status = telemetry.status;
    let resend = state.resend;
    state.send_all_if_asked(&status);
    let calls = workspace.is_open(PanelKind::Cpu);
    let counters = workspace.is_open(PanelKind::Memory) && state.memory_space == MemorySpace::CpuBus;
    let now = (calls, counters, state.symbols_for);
    if *sent != Some(now) || resend {
        *sent = Some(now);
        state.send(DebugRequest::CallTracking(calls));
        state.send(DebugRequest::AccessCounters(counters));
    }
}
