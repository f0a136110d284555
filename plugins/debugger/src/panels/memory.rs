//! The memory viewer and editor: every memory of the console, read with no
//! side effect; a byte is edited by clicking it and typing; a CPU address
//! can be frozen; reads, writes and executions light up and fade (from the
//! core's access counters, kept while this panel is open); and a search
//! that narrows internal RAM down to the byte a game keeps a value in.

use bevy_egui::egui;
use phosphor_nes::debug::MemorySpace;
use phosphor_rt::DebugRequest;

use super::{parse_number, Ctx};
use crate::model::SearchOp;

/// Frames a highlight takes to fade.
const FADE_FRAMES: f32 = 60.0;

#[derive(Debug, Clone, Default)]
struct Edit {
    addr: u32,
    text: String,
}

pub(crate) fn panel(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let state = &mut *cx.state;
    ui.horizontal_wrapped(|ui| {
        let before = state.memory_space;
        egui::ComboBox::from_id_salt("memory-space").selected_text(state.memory_space.name()).show_ui(ui, |ui| {
            for space in MemorySpace::ALL {
                ui.selectable_value(&mut state.memory_space, space, space.name());
            }
        });
        if before != state.memory_space {
            // The access counters follow (see `send_switches`).
            state.memory_start = 0;
        }
        let id = ui.id().with("goto");
        let mut goto = ui.data_mut(|d| d.get_temp::<String>(id).unwrap_or_default());
        let response = ui.add(egui::TextEdit::singleline(&mut goto).hint_text("go to $addr").desired_width(80.0));
        if response.lost_focus()
            && let Some(addr) = parse_number(&goto)
        {
            state.memory_start = addr & !0xF;
        }
        ui.data_mut(|d| d.insert_temp(id, goto));
        if ui.small_button("^").clicked() {
            state.memory_start = state.memory_start.saturating_sub(0x100);
        }
        if ui.small_button("v").clicked() {
            state.memory_start = state.memory_start.saturating_add(0x100);
        }
        ui.small("click a byte to edit it; right-click to freeze");
    });
    let view = state.memory.clone();
    if view.space != state.memory_space || view.bytes.is_empty() {
        ui.label("...");
        return;
    }
    let edit_id = ui.id().with("edit");
    let mut edit = ui.data_mut(|d| d.get_temp::<Option<Edit>>(edit_id)).flatten();
    let rows = view.bytes.len() / 16;
    let space = view.space;
    for row in 0..rows.min(64) {
        let base = view.start + (row * 16) as u32;
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            ui.monospace(format!("{base:05X}"));
            for col in 0..16 {
                let i = row * 16 + col;
                let addr = base + col as u32;
                let value = view.bytes[i];
                if edit.as_ref().is_some_and(|e| e.addr == addr) {
                    let e = edit.as_mut().unwrap();
                    let response = ui.add(egui::TextEdit::singleline(&mut e.text).desired_width(18.0).char_limit(2).font(egui::TextStyle::Monospace));
                    response.request_focus();
                    if response.lost_focus() {
                        if let Ok(v) = u8::from_str_radix(e.text.trim(), 16) {
                            state.send(DebugRequest::WriteMemory { space, addr, value: v });
                        }
                        edit = None;
                    }
                    continue;
                }
                let frozen = space == MemorySpace::CpuBus && state.freezes.iter().any(|f| u32::from(f.0) == addr);
                let mut text = egui::RichText::new(format!("{value:02X}")).monospace();
                if let Some(ages) = view.ages.get(i * 3..i * 3 + 3) {
                    // Read green, write red, execute yellow; the newest wins.
                    let (age, colour) = [(ages[1], (240, 80, 70)), (ages[0], (90, 220, 110)), (ages[2], (240, 210, 80))]
                        .into_iter()
                        .min_by_key(|(a, _)| *a)
                        .unwrap_or((255, (0, 0, 0)));
                    if f32::from(age) < FADE_FRAMES {
                        let strength = 1.0 - f32::from(age) / FADE_FRAMES;
                        let c = egui::Color32::from_rgb(colour.0, colour.1, colour.2).gamma_multiply(0.25 + 0.75 * strength);
                        text = text.color(c);
                    }
                }
                if frozen {
                    text = text.underline().strong();
                }
                let mut response = ui.add(egui::Label::new(text).sense(egui::Sense::click()));
                if let Some(ages) = view.ages.get(i * 3..i * 3 + 3) {
                    let ago = |a: u8| if a == 255 { "long ago or never".to_string() } else { format!("{a} frames ago") };
                    response = response.on_hover_text(format!(
                        "${addr:04X} = ${value:02X}\nread {}\nwritten {}\nexecuted {}",
                        ago(ages[0]),
                        ago(ages[1]),
                        ago(ages[2])
                    ));
                }
                if response.clicked() {
                    edit = Some(Edit { addr, text: format!("{value:02X}") });
                }
                if space == MemorySpace::CpuBus {
                    response.context_menu(|ui| {
                        if frozen {
                            if ui.button("Unfreeze").clicked() {
                                state.freeze(addr as u16, None);
                                ui.close();
                            }
                        } else if ui.button(format!("Freeze at ${value:02X}")).clicked() {
                            state.freeze(addr as u16, Some(value));
                            ui.close();
                        }
                    });
                }
            }
            let ascii: String = view.bytes[row * 16..row * 16 + 16].iter().map(|&b| if (0x20..0x7F).contains(&b) { b as char } else { '.' }).collect();
            ui.monospace(ascii);
        });
    }
    ui.data_mut(|d| d.insert_temp(edit_id, edit));
    ui.separator();
    search(ui, cx);
}

/// The cheat finder over internal RAM.
fn search(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let state = &mut *cx.state;
    ui.horizontal_wrapped(|ui| {
        ui.strong("Search RAM");
        let id = ui.id().with("search-value");
        let mut value = ui.data_mut(|d| d.get_temp::<String>(id).unwrap_or_default());
        ui.add(egui::TextEdit::singleline(&mut value).hint_text("$value").desired_width(50.0));
        if ui.button("=").clicked()
            && let Some(v) = parse_number(&value)
        {
            state.search(Some(SearchOp::Equal(v as u8)));
        }
        ui.data_mut(|d| d.insert_temp(id, value));
        for (label, op) in [("changed", SearchOp::Changed), ("unchanged", SearchOp::Unchanged), ("up", SearchOp::Increased), ("down", SearchOp::Decreased)] {
            if ui.button(label).clicked() {
                state.search(Some(op));
            }
        }
        if ui.button("start over").clicked() {
            state.search(None);
        }
    });
    match &state.search.candidates {
        None => {
            ui.small("Start over, let the value change in the game, then narrow down.");
        }
        Some(c) => {
            let shown: Vec<String> = c.iter().take(24).map(|a| format!("${a:04X}={:02X}", state.search.last.get(usize::from(*a)).copied().unwrap_or(0))).collect();
            ui.monospace(format!("{} candidates: {}{}", c.len(), shown.join(" "), if c.len() > 24 { " ..." } else { "" }));
        }
    }
}
