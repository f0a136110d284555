//! The code around PC (disassembly with the game's labels) and the source
//! view of a `.dbg` game, which follows PC line by line. A click in the
//! gutter of either sets or clears an execute breakpoint there.

use bevy_egui::egui;
use phosphor_nes::cpu::disasm::{self, Mode};

use super::Ctx;
use crate::disassembly;
use crate::model::DebugState;
use crate::symbols::Place;

const PC_COLOUR: egui::Color32 = egui::Color32::from_rgb(255, 220, 90);
const LABEL_COLOUR: egui::Color32 = egui::Color32::from_rgb(120, 200, 255);
const BREAK_COLOUR: egui::Color32 = egui::Color32::from_rgb(230, 60, 60);

/// One line of the code view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLine {
    pub addr: u16,
    /// Where its first byte is (a PRG ROM offset when ROM is mapped there).
    pub place: Place,
    /// The label at the address, if the game's symbols name it.
    pub label: Option<String>,
    pub bytes: Vec<u8>,
    /// The disassembly, with the operand's label when it has one.
    pub text: String,
    pub is_pc: bool,
}

/// The code view's lines: the memory window around PC, decoded, labelled.
pub fn code_lines(state: &DebugState, status: &phosphor_rt::Status) -> Vec<CodeLine> {
    let pc = status.cpu.pc;
    let lines = match &state.code_window {
        Some((start, bytes)) if pc.wrapping_sub(*start) < (bytes.len() as u16).saturating_sub(8) => {
            disassembly::around(*start, bytes, pc, 3, 24)
        }
        _ => disassembly::around(pc, &status.code, pc, 0, 6),
    };
    let place = |addr: u16| status.prg_offset(addr).map_or(Place::Cpu(addr), Place::Prg);
    lines
        .into_iter()
        .map(|line| {
            let p = place(line.addr);
            let mut text = line.text.clone();
            let (_, mode) = disasm::decode(line.bytes[0]);
            let operand = match (mode, line.bytes.as_slice()) {
                (Mode::Abs | Mode::Abx | Mode::Aby | Mode::Ind, [_, lo, hi]) => Some(u16::from_le_bytes([*lo, *hi])),
                (Mode::Zp | Mode::Zpx | Mode::Zpy | Mode::Izx | Mode::Izy, [_, zp]) => Some(u16::from(*zp)),
                (Mode::Rel, [_, offset]) => Some(line.addr.wrapping_add(2).wrapping_add(*offset as i8 as u16)),
                _ => None,
            };
            if let Some(label) = operand.and_then(|a| state.symbols.label(place(a)).or_else(|| state.symbols.label(Place::Cpu(a)))) {
                text = format!("{text:<14} ; {label}");
            }
            let label = state.symbols.label(p).or_else(|| state.symbols.label(Place::Cpu(line.addr))).map(str::to_string);
            CodeLine { addr: line.addr, place: p, label, bytes: line.bytes, text, is_pc: line.is_pc }
        })
        .collect()
}

/// A gutter cell: a red dot where an execute breakpoint is; click to toggle.
fn gutter(ui: &mut egui::Ui, set: bool) -> bool {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::click());
    if set {
        ui.painter().circle_filled(rect.center(), 4.5, BREAK_COLOUR);
    } else if response.hovered() {
        ui.painter().circle_stroke(rect.center(), 4.5, egui::Stroke::new(1.0, BREAK_COLOUR));
    }
    response.on_hover_text("Set or clear an execute breakpoint").clicked()
}

pub(crate) fn code(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let status = cx.telemetry.status;
    for line in code_lines(cx.state, &status) {
        if let Some(label) = &line.label {
            ui.label(egui::RichText::new(format!("{label}:")).monospace().color(LABEL_COLOUR));
        }
        ui.horizontal(|ui| {
            let set = cx.state.exec_breakpoint_at(line.place).is_some();
            if gutter(ui, set) {
                cx.state.toggle_exec_breakpoint(line.place, &status);
            }
            let bytes: Vec<String> = line.bytes.iter().map(|b| format!("{b:02X}")).collect();
            let text = format!("{} {:04X}  {:<9} {}", if line.is_pc { ">" } else { " " }, line.addr, bytes.join(" "), line.text);
            let rich = egui::RichText::new(text).monospace();
            ui.label(if line.is_pc { rich.color(PC_COLOUR) } else { rich });
        });
    }
}

pub(crate) fn source(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let status = cx.telemetry.status;
    let state = &mut *cx.state;
    if state.symbols.sources.is_empty() {
        ui.label("No source: put the game's ld65 debug file (game.dbg, from ld65 --dbgfile) beside the ROM.");
        return;
    }
    let pc = status.cpu.pc;
    let at_pc = status.prg_offset(pc).map_or(Place::Cpu(pc), Place::Prg);
    let pc_line = state.symbols.line_of(at_pc).or_else(|| state.symbols.line_of(Place::Cpu(pc)));
    if let Some((file, _)) = pc_line
        && state.follow_pc
    {
        state.source_file = file;
    }
    ui.horizontal(|ui| {
        let names: Vec<String> = state.symbols.sources.iter().map(|s| s.name.clone()).collect();
        egui::ComboBox::from_id_salt("source-file").selected_text(names.get(state.source_file).cloned().unwrap_or_default()).show_ui(ui, |ui| {
            for (i, name) in names.iter().enumerate() {
                ui.selectable_value(&mut state.source_file, i, name);
            }
        });
        ui.checkbox(&mut state.follow_pc, "Follow PC");
    });
    let file = state.source_file.min(state.symbols.sources.len() - 1);
    let count = state.symbols.sources[file].lines.len();
    if count == 0 {
        ui.label(format!("{} could not be read beside the debug file.", state.symbols.sources[file].name));
        return;
    }
    let row = ui.text_style_height(&egui::TextStyle::Monospace).max(12.0);
    let mut scroll = egui::ScrollArea::vertical().id_salt("source-lines").auto_shrink(false);
    if state.follow_pc
        && let Some((f, line)) = pc_line
        && f == file
        && state.scrolled_to != Some((f, line))
    {
        state.scrolled_to = Some((f, line));
        scroll = scroll.vertical_scroll_offset(((line as f32 - 6.0).max(0.0)) * (row + ui.spacing().item_spacing.y));
    }
    scroll.show_rows(ui, row, count, |ui, rows| {
        for i in rows {
            let number = i + 1;
            let text = state.symbols.sources[file].lines[i].clone();
            let places = state.symbols.places_of_line(file, number);
            let has_code = !places.is_empty();
            let set = places.first().is_some_and(|p| state.exec_breakpoint_at(*p).is_some());
            let is_pc = pc_line == Some((file, number));
            ui.horizontal(|ui| {
                if has_code {
                    if gutter(ui, set) {
                        state.toggle_line_breakpoint(file, number, &status);
                    }
                } else {
                    ui.add_space(12.0 + ui.spacing().item_spacing.x);
                }
                let rich = egui::RichText::new(format!("{}{number:>5} {text}", if is_pc { ">" } else { " " })).monospace();
                ui.label(if is_pc { rich.color(PC_COLOUR) } else { rich });
            });
        }
    });
}
