//! The debugger workspace: panels docked left, right and below the game
//! picture (which keeps its aspect in what is left), a bar that toggles
//! each panel and drives the CPU, and who has the keyboard.
//!
//! F1 shows or hides the workspace. While the pointer was last pressed on
//! a panel, the workspace has the keyboard: F5 continues, F10 steps over,
//! F11 steps into, Shift+F11 steps out (the emulator's F5 quick save and
//! F11 fullscreen wait until the game picture is clicked again). While
//! text is typed into a field, no key reaches the game.

use bevy::prelude::*;
use bevy_egui::egui;
use phosphor_input::{DebugKey, Hotkey, KeyboardFocus};
use phosphor_nes::debug::StepMode;
use phosphor_rt::{Command, RunState};
use serde::{Deserialize, Serialize};

use crate::model::DebugState;

/// Every panel of the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PanelKind {
    Cpu,
    Code,
    Breakpoints,
    Source,
    Trace,
    Memory,
    Watch,
    CodeDataLog,
    Performance,
}

impl PanelKind {
    pub const ALL: [PanelKind; 9] = [
        PanelKind::Cpu,
        PanelKind::Code,
        PanelKind::Breakpoints,
        PanelKind::Source,
        PanelKind::Trace,
        PanelKind::Memory,
        PanelKind::Watch,
        PanelKind::CodeDataLog,
        PanelKind::Performance,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PanelKind::Cpu => "CPU",
            PanelKind::Code => "Code",
            PanelKind::Breakpoints => "Breakpoints",
            PanelKind::Source => "Source",
            PanelKind::Trace => "Trace",
            PanelKind::Memory => "Memory",
            PanelKind::Watch => "Watch",
            PanelKind::CodeDataLog => "Code/data log",
            PanelKind::Performance => "Performance",
        }
    }

    /// Where a panel docks unless the layout says otherwise.
    fn default_dock(self) -> Dock {
        match self {
            PanelKind::Cpu | PanelKind::Breakpoints | PanelKind::Watch | PanelKind::Performance => Dock::Left,
            PanelKind::Code | PanelKind::Source | PanelKind::CodeDataLog => Dock::Right,
            PanelKind::Trace | PanelKind::Memory => Dock::Bottom,
        }
    }
}

/// A side of the game picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dock {
    Left,
    Right,
    Bottom,
}

/// Which panels are open, where each is docked and how big the docks are:
/// kept per game with its breakpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Layout {
    pub open: Vec<PanelKind>,
    pub docks: Vec<(PanelKind, Dock)>,
    pub left_width: f32,
    pub right_width: f32,
    pub bottom_height: f32,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            open: vec![PanelKind::Cpu, PanelKind::Breakpoints, PanelKind::Code, PanelKind::Source, PanelKind::Trace, PanelKind::Memory],
            docks: Vec::new(),
            left_width: 270.0,
            right_width: 330.0,
            bottom_height: 230.0,
        }
    }
}

impl Layout {
    pub fn dock_of(&self, panel: PanelKind) -> Dock {
        self.docks.iter().find(|d| d.0 == panel).map_or(panel.default_dock(), |d| d.1)
    }

    pub fn set_dock(&mut self, panel: PanelKind, dock: Dock) {
        self.docks.retain(|d| d.0 != panel);
        self.docks.push((panel, dock));
    }

    /// The open panels in `dock`, in the bar's order.
    pub fn in_dock(&self, dock: Dock) -> Vec<PanelKind> {
        PanelKind::ALL.into_iter().filter(|p| self.open.contains(p) && self.dock_of(*p) == dock).collect()
    }
}

/// The workspace's state on screen.
#[derive(Resource, Debug, Clone, Default)]
pub struct Workspace {
    pub open: bool,
    pub layout: Layout,
    /// The pointer was last pressed on a panel: the debugger keys are live.
    pub focused: bool,
}

impl Workspace {
    /// The workspace shown (or not) from the start, with the default layout.
    pub fn shown(open: bool) -> Self {
        Workspace { open, ..Default::default() }
    }

    pub fn is_open(&self, panel: PanelKind) -> bool {
        self.open && self.layout.open.contains(&panel)
    }

    pub fn toggle(&mut self, panel: PanelKind) {
        if let Some(i) = self.layout.open.iter().position(|p| *p == panel) {
            self.layout.open.remove(i);
        } else {
            self.layout.open.push(panel);
        }
    }
}

/// F1 shows or hides the workspace.
pub(crate) fn toggle(mut hotkeys: MessageReader<'_, '_, Hotkey>, mut workspace: ResMut<'_, Workspace>) {
    for hotkey in hotkeys.read() {
        if *hotkey == Hotkey::ToggleDebugger {
            workspace.open = !workspace.open;
            if !workspace.open {
                workspace.focused = false;
            }
        }
    }
}

/// The debugger's keys (the input plugin sends them only while the
/// workspace has focus).
pub(crate) fn debug_keys(mut hotkeys: MessageReader<'_, '_, Hotkey>, telemetry: Res<'_, phosphor_emulation::Telemetry>, mut state: ResMut<'_, DebugState>) {
    for hotkey in hotkeys.read() {
        let Hotkey::Debug(key) = hotkey else { continue };
        match key {
            DebugKey::Continue => continue_or_pause(&mut state, telemetry.status.state),
            DebugKey::StepOver => state.step(StepMode::Over),
            DebugKey::StepInto => state.step(StepMode::Into),
            DebugKey::StepOut => state.step(StepMode::Out),
        }
    }
}

/// Continue when paused, pause when running.
pub fn continue_or_pause(state: &mut DebugState, run: RunState) {
    state.command(if run == RunState::Paused { Command::Resume } else { Command::Pause });
}

/// Tells the input plugin who has the keyboard.
pub(crate) fn share_keyboard(workspace: &Workspace, ctx: &egui::Context, focus: &mut KeyboardFocus) {
    let next = KeyboardFocus { debugger: workspace.open && workspace.focused, text_entry: workspace.open && ctx.egui_wants_keyboard_input() };
    if *focus != next {
        *focus = next;
    }
}

/// The bar above the workspace: run controls, then a toggle per panel.
pub(crate) fn bar(ui: &mut egui::Ui, workspace: &mut Workspace, state: &mut DebugState, run: RunState) {
    ui.horizontal_wrapped(|ui| {
        let paused = run == RunState::Paused;
        if ui.button(if paused { "Continue (F5)" } else { "Pause (F5)" }).clicked() {
            continue_or_pause(state, run);
        }
        let steps = [
            ("Into (F11)", StepMode::Into),
            ("Over (F10)", StepMode::Over),
            ("Out (Shift+F11)", StepMode::Out),
            ("Cycle", StepMode::Cycles(1)),
            ("Dot", StepMode::Dots(1)),
            ("Scanline", StepMode::Scanline),
            ("To NMI", StepMode::Nmi),
            ("To IRQ", StepMode::Irq),
        ];
        for (label, mode) in steps {
            if ui.button(label).clicked() {
                state.step(mode);
            }
        }
        if ui.button("Frame").clicked() {
            state.command(Command::StepFrame);
        }
        // Back in time, through the rewind history and a replay.
        for (label, how) in [
            ("◀ Instr", phosphor_rt::StepBack::Instruction),
            ("◀ Line", phosphor_rt::StepBack::Scanline),
            ("◀ Frame", phosphor_rt::StepBack::Frame),
        ] {
            if ui.button(label).on_hover_text("Step back (needs rewind on)").clicked() {
                state.step_back(how);
            }
        }
        run_to(ui, state);
        ui.separator();
        for panel in PanelKind::ALL {
            let mut on = workspace.layout.open.contains(&panel);
            let response = ui.toggle_value(&mut on, panel.title());
            if response.clicked() {
                workspace.toggle(panel);
            }
            response.context_menu(|ui| {
                ui.label("Dock");
                for (dock, name) in [(Dock::Left, "Left"), (Dock::Right, "Right"), (Dock::Bottom, "Bottom")] {
                    if ui.radio(workspace.layout.dock_of(panel) == dock, name).clicked() {
                        workspace.layout.set_dock(panel, dock);
                        ui.close();
                    }
                }
            });
        }
    });
}

/// "Run to" a scanline and dot: two small fields and a button.
fn run_to(ui: &mut egui::Ui, state: &mut DebugState) {
    let id = ui.id().with("run-to");
    let (mut line, mut dot) = ui.data_mut(|d| d.get_temp::<(String, String)>(id)).unwrap_or_else(|| ("241".into(), "0".into()));
    ui.add(egui::TextEdit::singleline(&mut line).desired_width(28.0).hint_text("line"));
    ui.add(egui::TextEdit::singleline(&mut dot).desired_width(28.0).hint_text("dot"));
    if ui.button("Run to line, dot").clicked() {
        match (line.trim().parse::<u16>(), dot.trim().parse::<u16>()) {
            (Ok(scanline), Ok(dot)) if scanline < 312 && dot < 341 => state.step(StepMode::RunTo { scanline, dot }),
            _ => state.problem(format!("'{line}, {dot}' is not a scanline (0-311) and a dot (0-340)")),
        }
    }
    ui.data_mut(|d| d.insert_temp(id, (line, dot)));
}
