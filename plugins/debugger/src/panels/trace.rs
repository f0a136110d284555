//! The trace: every instruction the CPU ran while tracing was on (up to a
//! million kept), in the same text format as `phosphor headless --trace`,
//! with labels; a filter expression; saved to the game's folder.

use bevy_egui::egui;

use super::Ctx;
use crate::symbols::Place;

pub(crate) fn panel(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let status = cx.telemetry.status;
    ui.horizontal_wrapped(|ui| {
        let mut on = cx.state.trace_on;
        let text = if on { "Tracing" } else { "Trace off" };
        if ui.toggle_value(&mut on, text).clicked() {
            cx.state.set_trace(on, &status);
        }
        let response = ui.add(egui::TextEdit::singleline(&mut cx.state.trace_filter).hint_text("filter, e.g. pc >= $C000").desired_width(160.0));
        if response.lost_focus() && cx.state.trace_on {
            cx.state.set_trace(true, &status);
        }
        if ui.button("Clear").clicked() {
            cx.state.trace.clear();
        }
        if ui.button("Save").clicked() {
            let text = trace_text(cx);
            cx.files.save_text(cx.emulator, "trace", "txt", text);
        }
        ui.small(format!("{} lines{}", cx.state.trace.len(), if cx.state.trace_dropped > 0 { format!(", {} oldest dropped", cx.state.trace_dropped) } else { String::new() }));
    });
    let state = &*cx.state;
    let row = ui.text_style_height(&egui::TextStyle::Monospace).max(12.0);
    let count = state.trace.len();
    egui::ScrollArea::both().id_salt("trace-rows").auto_shrink(false).stick_to_bottom(true).show_rows(ui, row, count, |ui, rows| {
        let mut line = String::with_capacity(128);
        for i in rows {
            let entry = &state.trace[i];
            line.clear();
            let place = if entry.prg_offset == u32::MAX { Place::Cpu(entry.pc) } else { Place::Prg(entry.prg_offset) };
            entry.write_line(&mut line, state.symbols.label(place));
            ui.monospace(&line);
        }
    });
}

/// The whole trace as text, one instruction a line.
fn trace_text(cx: &Ctx<'_>) -> String {
    let state = &*cx.state;
    let mut text = String::with_capacity(state.trace.len() * 100);
    for entry in &state.trace {
        let place = if entry.prg_offset == u32::MAX { Place::Cpu(entry.pc) } else { Place::Prg(entry.prg_offset) };
        entry.write_line(&mut text, state.symbols.label(place));
        text.push('\n');
    }
    text
}
