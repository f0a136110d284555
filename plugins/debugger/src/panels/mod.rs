//! The panels, each a file, and the system that lays them out: docks
//! left, right and below, the picture in what is left.

mod breakpoints;
mod cdl;
mod code;
mod cpu;
mod memory;
mod trace;

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts};
use phosphor_audio::{SoundPath, SoundReport};
use phosphor_emulation::{Emulator, Telemetry};
use phosphor_input::KeyboardFocus;
use phosphor_video::ScreenArea;

use crate::files::FileTasks;
use crate::model::{DebugState, SoundMeasure};
use crate::workspace::{self, Dock, PanelKind, Workspace};

pub use code::{code_lines, CodeLine};

/// What every panel may look at or change.
pub(crate) struct Ctx<'a> {
    pub state: &'a mut DebugState,
    pub telemetry: &'a Telemetry,
    pub emulator: &'a Emulator,
    pub files: &'a mut FileTasks,
    pub sound: Option<&'a SoundReport>,
    pub sound_path: Option<&'a SoundPath>,
    pub sound_measure: &'a mut SoundMeasure,
    /// Input to photon, from the video plugin (absent without a renderer).
    pub photon: Option<&'a phosphor_video::PhotonLatency>,
    /// How the game's keys are read (absent without the input plugin).
    pub direct_keys: Option<&'a phosphor_input::DirectKeyboard>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn draw(
    mut contexts: EguiContexts<'_, '_>,
    mut workspace: ResMut<'_, Workspace>,
    mut state: ResMut<'_, DebugState>,
    mut files: ResMut<'_, FileTasks>,
    telemetry: Res<'_, Telemetry>,
    emulator: Res<'_, Emulator>,
    sound: Option<Res<'_, SoundReport>>,
    sound_path: Option<Res<'_, SoundPath>>,
    mut sound_measure: ResMut<'_, SoundMeasure>,
    photon: Option<Res<'_, phosphor_video::PhotonLatency>>,
    direct_keys: Option<Res<'_, phosphor_input::DirectKeyboard>>,
    mouse: Res<'_, ButtonInput<MouseButton>>,
    mut area: ResMut<'_, ScreenArea>,
    mut focus: ResMut<'_, KeyboardFocus>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !workspace.open {
        area.set_if_neq(ScreenArea(None));
        focus.set_if_neq(KeyboardFocus::default());
        return Ok(());
    }
    let workspace = &mut *workspace;
    let run = telemetry.status.state;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "phosphor-debugger".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    let mut taken = Vec::new();
    let bar = egui::Panel::top("phosphor-debugger-bar").show(&mut root, |ui| {
        compact(ui);
        workspace::bar(ui, workspace, &mut state, run);
        stop_line(ui, &state, &telemetry);
    });
    taken.push(bar.response.rect);
    let mut cx = Ctx {
        state: &mut state,
        telemetry: &telemetry,
        emulator: &emulator,
        files: &mut files,
        sound: sound.as_deref(),
        sound_path: sound_path.as_deref(),
        sound_measure: &mut sound_measure,
        photon: photon.as_deref(),
        direct_keys: direct_keys.as_deref(),
    };
    // The bottom dock first, so that it spans the window under the side docks.
    for dock in [Dock::Bottom, Dock::Left, Dock::Right] {
        let panels = workspace.layout.in_dock(dock);
        if panels.is_empty() {
            continue;
        }
        let id = match dock {
            Dock::Left => "phosphor-dock-left",
            Dock::Right => "phosphor-dock-right",
            Dock::Bottom => "phosphor-dock-bottom",
        };
        let layout = &mut workspace.layout;
        match dock {
            Dock::Left | Dock::Right => {
                let side = if dock == Dock::Left { egui::Panel::left(id) } else { egui::Panel::right(id) };
                let width = if dock == Dock::Left { layout.left_width } else { layout.right_width };
                let shown = side.resizable(true).default_size(width).show(&mut root, |ui| stack(ui, &panels, &mut cx, true));
                let w = shown.response.rect.width();
                if dock == Dock::Left { layout.left_width = w } else { layout.right_width = w }
                taken.push(shown.response.rect);
            }
            Dock::Bottom => {
                let shown = egui::Panel::bottom(id)
                    .resizable(true)
                    .default_size(layout.bottom_height)
                    .show(&mut root, |ui| stack(ui, &panels, &mut cx, false));
                layout.bottom_height = shown.response.rect.height();
                taken.push(shown.response.rect);
            }
        }
    }
    // The picture takes what the panels left (egui points to logical pixels).
    let free = root.available_rect_before_wrap();
    let zoom = ctx.zoom_factor();
    let rect = Rect::new(free.min.x * zoom, free.min.y * zoom, free.max.x * zoom, free.max.y * zoom);
    area.set_if_neq(ScreenArea(Some(rect)));
    // A press on a panel gives the workspace the keyboard; one on the picture gives it back.
    if mouse.get_just_pressed().next().is_some()
        && let Some(at) = ctx.input(|i| i.pointer.interact_pos())
    {
        workspace.focused = taken.iter().any(|r| r.contains(at));
    }
    workspace::share_keyboard(workspace, ctx, &mut focus);
    Ok(())
}

/// Smaller text than the frontend's couch-sized fonts: a debugger wants lines.
fn compact(ui: &mut egui::Ui) {
    use egui::{FontFamily, FontId, TextStyle};
    let style = ui.style_mut();
    style.text_styles = [
        (TextStyle::Heading, FontId::new(15.0, FontFamily::Proportional)),
        (TextStyle::Body, FontId::new(12.5, FontFamily::Proportional)),
        (TextStyle::Button, FontId::new(12.5, FontFamily::Proportional)),
        (TextStyle::Small, FontId::new(10.5, FontFamily::Proportional)),
        (TextStyle::Monospace, FontId::new(12.0, FontFamily::Monospace)),
    ]
    .into();
    style.spacing.item_spacing = egui::vec2(6.0, 3.0);
    // Lines of code, trace and memory never wrap: they scroll sideways.
    style.wrap_mode = Some(egui::TextWrapMode::Extend);
    style.spacing.button_padding = egui::vec2(4.0, 1.0);
}

/// The panels of one dock, each given an equal share of it.
fn stack(ui: &mut egui::Ui, panels: &[PanelKind], cx: &mut Ctx<'_>, vertical: bool) {
    compact(ui);
    let n = panels.len() as f32;
    let total = ui.available_size();
    let gap = 6.0;
    let share = if vertical {
        egui::vec2(total.x, (total.y - gap * (n - 1.0)) / n)
    } else {
        egui::vec2((total.x - gap * (n - 1.0)) / n, total.y)
    };
    let layout = if vertical { egui::Layout::top_down(egui::Align::Min) } else { egui::Layout::left_to_right(egui::Align::Min) };
    ui.with_layout(layout, |ui| {
        ui.spacing_mut().item_spacing = egui::vec2(gap, gap);
        for &panel in panels {
            let (rect, _) = ui.allocate_exact_size(share, egui::Sense::hover());
            let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect).layout(egui::Layout::top_down(egui::Align::Min)));
            child.set_clip_rect(rect);
            egui::Frame::group(child.style()).inner_margin(4.0).show(&mut child, |ui| {
                ui.set_min_size(share - egui::vec2(10.0, 10.0));
                ui.strong(panel.title());
                // The long views scroll their own rows; the rest scroll as a whole.
                if matches!(panel, PanelKind::Source | PanelKind::Trace) {
                    show(ui, panel, cx);
                } else {
                    egui::ScrollArea::both().id_salt(panel.title()).auto_shrink(false).show(ui, |ui| show(ui, panel, cx));
                }
            });
        }
    });
}

fn show(ui: &mut egui::Ui, panel: PanelKind, cx: &mut Ctx<'_>) {
    match panel {
        PanelKind::Cpu => cpu::registers(ui, cx),
        PanelKind::Watch => cpu::watch(ui, cx),
        PanelKind::Performance => cpu::performance(ui, cx),
        PanelKind::Code => code::code(ui, cx),
        PanelKind::Source => code::source(ui, cx),
        PanelKind::Breakpoints => breakpoints::panel(ui, cx),
        PanelKind::Trace => trace::panel(ui, cx),
        PanelKind::Memory => memory::panel(ui, cx),
        PanelKind::CodeDataLog => cdl::panel(ui, cx),
    }
}

/// Where the CPU stopped and why, and the last problem.
fn stop_line(ui: &mut egui::Ui, state: &DebugState, telemetry: &Telemetry) {
    ui.horizontal(|ui| {
        let s = &telemetry.status;
        let what = match (s.state, telemetry.stop) {
            (phosphor_rt::RunState::Paused, Some(stop)) if stop.registers.pc == s.cpu.pc => {
                format!("Stopped at ${:04X}: {}", s.cpu.pc, reason_words(stop.reason, state))
            }
            (phosphor_rt::RunState::Paused, _) => format!("Paused at ${:04X}", s.cpu.pc),
            (phosphor_rt::RunState::Running, _) => "Running".into(),
            (other, _) => format!("{other:?}"),
        };
        ui.label(egui::RichText::new(what).strong());
        ui.label(format!("frame {}  scanline {}  dot {}", s.cpu.frame, s.cpu.scanline, s.cpu.dot));
        if let Some(cycle) = s.cpu.inside_instruction {
            ui.label(format!("inside the instruction at ${:04X}, at CPU cycle {cycle}", s.cpu.pc));
        }
        if let Some(problem) = state.problems.back() {
            ui.label(egui::RichText::new(problem).color(egui::Color32::from_rgb(255, 140, 120)));
        }
    });
}

fn reason_words(reason: phosphor_nes::debug::BreakReason, state: &DebugState) -> String {
    use phosphor_nes::debug::BreakReason::*;
    match reason {
        Breakpoint { id } => match state.breakpoints.iter().find(|b| b.id == id) {
            Some(b) => format!("breakpoint {}", b.describe(&state.symbols)),
            None => format!("breakpoint {id}"),
        },
        Brk => "BRK".into(),
        Jam => "a JAM opcode".into(),
        Unofficial(op) => format!("unofficial opcode ${op:02X}"),
        NewCode { prg_offset } => format!("code never run before (PRG ${prg_offset:05X})"),
        Step => "step done".into(),
    }
}

/// `$1F`, `0x1F`, `1F` (hex), `#31` (decimal).
pub(crate) fn parse_number(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Some(dec) = t.strip_prefix('#') {
        return dec.parse().ok();
    }
    let hex = t.strip_prefix('$').or_else(|| t.strip_prefix("0x")).unwrap_or(t);
    u32::from_str_radix(hex, 16).ok()
}
