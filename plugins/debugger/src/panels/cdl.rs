//! The code/data log: on or off, how much of the ROM it has seen, save
//! and load `.cdl` files (FCEUX/Mesen layout), break on new code.

use bevy_egui::egui;
use phosphor_nes::debug::cdl::{chr, prg};

use super::Ctx;

pub(crate) fn panel(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal_wrapped(|ui| {
        let mut on = cx.state.cdl_on;
        let text = if on { "Logging" } else { "Log off" };
        if ui.toggle_value(&mut on, text).clicked() {
            cx.state.set_cdl(on);
        }
        let mut options = cx.state.options;
        if ui.checkbox(&mut options.on_new_code, "Break on code never run").changed() {
            cx.state.set_options(options);
        }
        if ui.button("Clear").clicked() {
            cx.state.send(phosphor_rt::DebugRequest::ClearCodeDataLog);
        }
        if let Some((file, _)) = &cx.state.cdl
            && ui.button("Save .cdl").clicked()
        {
            cx.files.save_bytes(cx.emulator, "cdl", file.clone());
        }
        if ui.button("Load .cdl").clicked() {
            cx.files.load_cdl(cx.emulator);
        }
    });
    let Some((file, prg_len)) = &cx.state.cdl else {
        ui.label("Turn the log on to see what the game runs and reads.");
        return;
    };
    let (p, c) = file.split_at((*prg_len).min(file.len()));
    let share = |v: &[u8], mask: u8| if v.is_empty() { 0.0 } else { 100.0 * v.iter().filter(|b| *b & mask != 0).count() as f64 / v.len() as f64 };
    ui.monospace(format!("PRG {} bytes: code {:.1}%  data {:.1}%  unseen {:.1}%", p.len(), share(p, prg::CODE), share(p, prg::DATA), 100.0 - share(p, prg::CODE | prg::DATA)));
    ui.monospace(format!("CHR {} bytes: drawn {:.1}%  read {:.1}%", c.len(), share(c, chr::DRAWN), share(c, chr::READ)));
    // A map of PRG: one cell per 64 bytes, yellow code, blue data, both green.
    let cells = p.len().div_ceil(64);
    let per_row = 128usize;
    let size = 3.0;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(per_row as f32 * size, cells.div_ceil(per_row) as f32 * size), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    for cell in 0..cells {
        let bytes = &p[cell * 64..((cell + 1) * 64).min(p.len())];
        let code = bytes.iter().any(|b| b & prg::CODE != 0);
        let data = bytes.iter().any(|b| b & prg::DATA != 0);
        let colour = match (code, data) {
            (true, true) => egui::Color32::from_rgb(120, 220, 120),
            (true, false) => egui::Color32::from_rgb(230, 200, 60),
            (false, true) => egui::Color32::from_rgb(80, 140, 240),
            _ => egui::Color32::from_gray(40),
        };
        let (x, y) = ((cell % per_row) as f32 * size, (cell / per_row) as f32 * size);
        painter.rect_filled(egui::Rect::from_min_size(rect.min + egui::vec2(x, y), egui::vec2(size, size)), 0.0, colour);
    }
}
