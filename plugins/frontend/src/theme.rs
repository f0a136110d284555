//! One look for every screen: dark panels, one phosphor-green accent, a
//! focus ring that is impossible to miss from the couch, and text sized to
//! the window (readable on a small window and at 1080p alike).

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts};

pub const BACKDROP: egui::Color32 = egui::Color32::from_rgb(9, 13, 15);
pub const PANEL: egui::Color32 = egui::Color32::from_rgb(22, 30, 34);
pub const CARD: egui::Color32 = egui::Color32::from_rgb(30, 40, 46);
pub const ACCENT: egui::Color32 = egui::Color32::from_rgb(110, 240, 170);
pub const TEXT: egui::Color32 = egui::Color32::from_rgb(230, 238, 235);
pub const DIM: egui::Color32 = egui::Color32::from_rgb(140, 156, 150);
pub const PROBLEM: egui::Color32 = egui::Color32::from_rgb(120, 24, 30);

/// The window height the sizes below are drawn for; larger windows zoom.
const DESIGN_HEIGHT: f32 = 720.0;

pub(crate) fn apply(mut contexts: EguiContexts<'_, '_>, windows: Query<'_, '_, &Window>, mut set_for: Local<'_, Option<f32>>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let height = windows.iter().next().map_or(DESIGN_HEIGHT, Window::height);
    let zoom = (height / DESIGN_HEIGHT).clamp(0.75, 2.5);
    if *set_for == Some(zoom) {
        return Ok(());
    }
    *set_for = Some(zoom);
    ctx.set_zoom_factor(zoom);
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (TextStyle::Heading, FontId::new(30.0, FontFamily::Proportional)),
            (TextStyle::Body, FontId::new(17.0, FontFamily::Proportional)),
            (TextStyle::Button, FontId::new(18.0, FontFamily::Proportional)),
            (TextStyle::Small, FontId::new(13.0, FontFamily::Proportional)),
            (TextStyle::Monospace, FontId::new(15.0, FontFamily::Monospace)),
        ]
        .into();
        let v = &mut style.visuals;
        v.dark_mode = true;
        v.override_text_color = Some(TEXT);
        v.panel_fill = PANEL;
        v.window_fill = PANEL;
        v.selection.bg_fill = ACCENT.gamma_multiply(0.35);
        v.selection.stroke = egui::Stroke::new(2.0, ACCENT);
        v.widgets.inactive.bg_fill = CARD;
        v.widgets.inactive.weak_bg_fill = CARD;
        v.widgets.hovered.bg_stroke = egui::Stroke::new(2.0, ACCENT.gamma_multiply(0.6));
        v.slider_trailing_fill = true;
        style.spacing.item_spacing = egui::vec2(10.0, 8.0);
        style.spacing.button_padding = egui::vec2(14.0, 8.0);
    });
    Ok(())
}

/// A selectable item: the card's frame, with the focus ring when it has
/// the cursor. Returns the response of the whole item (for the mouse).
pub fn item<R>(ui: &mut egui::Ui, focused: bool, width: f32, add: impl FnOnce(&mut egui::Ui) -> R) -> egui::Response {
    let stroke = if focused { egui::Stroke::new(3.0, ACCENT) } else { egui::Stroke::new(1.0, CARD) };
    let fill = if focused { CARD.gamma_multiply(1.4) } else { CARD };
    let inner = egui::Frame::new().fill(fill).stroke(stroke).corner_radius(8.0).inner_margin(10.0).show(ui, |ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            add(ui);
        });
    });
    inner.response.interact(egui::Sense::click())
}

/// A page title.
pub fn title(ui: &mut egui::Ui, text: &str) {
    ui.label(egui::RichText::new(text).heading().color(ACCENT));
    ui.add_space(8.0);
}

/// A line of help at the bottom of a page.
pub fn hint(ui: &mut egui::Ui, text: &str) {
    ui.add_space(10.0);
    ui.label(egui::RichText::new(text).small().color(DIM));
}

const SLIDE_SECONDS: f32 = 0.2;
const SLIDE_PIXELS: f32 = 48.0;

/// Marks a page as not shown, so it slides in the next time it opens.
pub fn closed(ctx: &egui::Context, id: &str) {
    ctx.animate_bool_with_time(egui::Id::new(id).with("open"), false, SLIDE_SECONDS);
}

/// A page over the window, from its left edge across `share` of its
/// width (1.0: all of it; less leaves the game visible beside it, as the
/// settings do for a live preview). Opaque: the picture under it is not
/// blended through.
pub fn page(ctx: &egui::Context, id: &str, share: f32, add: impl FnOnce(&mut egui::Ui)) {
    let rect = ctx.content_rect();
    let width = (rect.width() * share).max(rect.width().min(460.0));
    // A page slides in from the left as it opens (a fifth of a second,
    // drawn on the main thread: the game's thread never waits for it).
    let shown = ctx.animate_bool_with_time(egui::Id::new(id).with("open"), true, SLIDE_SECONDS);
    let from = rect.min + egui::vec2(-SLIDE_PIXELS * (1.0 - shown), 0.0);
    egui::Area::new(egui::Id::new(id)).fixed_pos(from).order(egui::Order::Background).show(ctx, |ui| {
        egui::Frame::new().fill(BACKDROP).inner_margin(28.0).show(ui, |ui| {
            let inner = egui::vec2(width - 56.0, rect.height() - 56.0);
            ui.set_min_size(inner);
            ui.set_max_size(inner);
            add(ui);
        });
    });
}
