//! The breakpoint list: kinds, range (CPU addresses or PRG ROM offsets),
//! condition, dummy accesses, hits; and the instructions that stop the CPU
//! by themselves.

use bevy_egui::egui;

use super::{parse_number, Ctx};
use crate::model::BreakpointSpec;

/// The "new breakpoint" row as it is being typed.
#[derive(Debug, Clone, Default)]
struct Draft {
    range: String,
    condition: String,
    exec: bool,
    read: bool,
    write: bool,
    prg: bool,
}

/// `C000`, `$0300-$03FF`, or a label.
fn parse_range(text: &str, cx: &Ctx<'_>) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let one = |t: &str| {
        parse_number(t).or_else(|| match cx.state.symbols.place_of(t.trim())? {
            crate::symbols::Place::Cpu(a) => Some(u32::from(a)),
            crate::symbols::Place::Prg(o) => cx.telemetry.status.cpu_address(o).map(u32::from),
        })
    };
    Some((one(a)?, one(b)?))
}

pub(crate) fn panel(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let status = cx.telemetry.status;
    let mut options = cx.state.options;
    ui.horizontal_wrapped(|ui| {
        ui.label("Break on");
        ui.checkbox(&mut options.on_brk, "BRK");
        ui.checkbox(&mut options.on_jam, "JAM");
        ui.checkbox(&mut options.on_unofficial, "unofficial opcodes");
        ui.checkbox(&mut options.on_new_code, "code never run (needs the code/data log)");
    });
    if options != cx.state.options {
        cx.state.set_options(options);
    }
    let mut changed = Vec::new();
    let mut removed = None;
    egui::Grid::new("breakpoints").striped(true).num_columns(6).show(ui, |ui| {
        ui.small("on");
        ui.small("where");
        ui.small("condition");
        ui.small("dummies");
        ui.small("hits");
        ui.end_row();
        for (i, bp) in cx.state.breakpoints.iter_mut().enumerate() {
            let mut dirty = ui.checkbox(&mut bp.enabled, "").changed();
            let text = bp.describe(&cx.state.symbols);
            ui.monospace(text);
            dirty |= ui.add(egui::TextEdit::singleline(&mut bp.condition).desired_width(140.0).hint_text("always")).lost_focus();
            let mut count_dummies = !bp.ignore_dummy;
            if ui.checkbox(&mut count_dummies, "").on_hover_text("Dummy reads and writes fire it too").changed() {
                bp.ignore_dummy = !count_dummies;
                dirty = true;
            }
            ui.monospace(cx.state.hits.get(&bp.id).copied().unwrap_or(0).to_string());
            if ui.small_button("x").clicked() {
                removed = Some(bp.id);
            }
            ui.end_row();
            if dirty {
                changed.push(i);
            }
        }
    });
    for i in changed {
        cx.state.update_breakpoint(i, &status);
    }
    if let Some(id) = removed {
        cx.state.remove_breakpoint(id);
    }
    ui.separator();
    let id = ui.id().with("draft");
    let mut draft = ui.data_mut(|d| d.get_temp::<Draft>(id)).unwrap_or(Draft { exec: true, ..Default::default() });
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut draft.exec, "X");
        ui.checkbox(&mut draft.read, "R");
        ui.checkbox(&mut draft.write, "W");
        ui.checkbox(&mut draft.prg, "PRG offset");
        ui.add(egui::TextEdit::singleline(&mut draft.range).hint_text("$C000 or $0300-$03FF or label").desired_width(150.0));
        ui.add(egui::TextEdit::singleline(&mut draft.condition).hint_text("condition, e.g. a == $10").desired_width(150.0));
        if ui.button("Add").clicked() {
            match parse_range(&draft.range, cx) {
                Some((start, end)) => {
                    let spec = BreakpointSpec {
                        exec: draft.exec,
                        read: draft.read,
                        write: draft.write,
                        prg: draft.prg,
                        start,
                        end,
                        condition: draft.condition.clone(),
                        ..Default::default()
                    };
                    if cx.state.add_breakpoint(spec, &status).is_some() {
                        draft = Draft { exec: true, ..Default::default() };
                    }
                }
                None => cx.state.problem(format!("'{}' is not an address, a range or a known label", draft.range)),
            }
        }
    });
    ui.data_mut(|d| d.insert_temp(id, draft));
}
