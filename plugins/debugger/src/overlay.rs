//! Messages over the picture: shader errors for as long as they last, and
//! notices for a few seconds each.

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts};
use phosphor_emulation::EmuNotice;
use phosphor_video::ShaderStatus;

/// How long a notice stays on screen.
const NOTICE_SECONDS: f64 = 5.0;

/// Present when another plugin shows the notices.
#[derive(Resource, Debug, Default)]
pub struct NoticesElsewhere;

/// Notices on screen, with when they came.
#[derive(Resource, Debug, Default)]
pub struct Notices {
    pub shown: Vec<(f64, String)>,
}

pub(crate) fn collect(time: Res<'_, Time<Real>>, mut notices: MessageReader<'_, '_, EmuNotice>, mut shown: ResMut<'_, Notices>) {
    let now = time.elapsed_secs_f64();
    shown.shown.retain(|(at, _)| now - at < NOTICE_SECONDS);
    for notice in notices.read() {
        let text = match notice {
            EmuNotice::GameStarted { name } => format!("Playing {name}"),
            EmuNotice::RomRefused { name, reason } => format!("{name} was not loaded: {reason}"),
            EmuNotice::Fault { message } => format!("The game stopped: {message}. Ctrl+R resets it."),
            EmuNotice::Degraded { what } => format!("Running without: {what}"),
            EmuNotice::Unavailable { reason } => format!("Emulation unavailable: {reason}"),
            EmuNotice::Info(text) | EmuNotice::Problem(text) => text.clone(),
        };
        shown.shown.push((now, text));
    }
}

pub(crate) fn draw(
    mut contexts: EguiContexts<'_, '_>,
    shaders: Option<Res<'_, ShaderStatus>>,
    notices: Res<'_, Notices>,
    elsewhere: Option<Res<'_, NoticesElsewhere>>,
) -> Result {
    let problems: Vec<String> = shaders.iter().flat_map(|s| s.problems.values().map(ToString::to_string)).collect();
    let notices: &[(f64, String)] = if elsewhere.is_some() { &[] } else { &notices.shown };
    if problems.is_empty() && notices.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Area::new(egui::Id::new("phosphor-overlay")).anchor(egui::Align2::LEFT_TOP, egui::vec2(12.0, 12.0)).show(ctx, |ui| {
        for problem in &problems {
            egui::Frame::new().fill(egui::Color32::from_rgba_unmultiplied(90, 0, 0, 230)).inner_margin(8.0).show(ui, |ui| {
                ui.label(egui::RichText::new("Shader error (the last good version is drawing)").strong().color(egui::Color32::WHITE));
                ui.label(egui::RichText::new(problem).monospace().color(egui::Color32::WHITE));
            });
        }
        for (_, text) in notices {
            egui::Frame::new().fill(egui::Color32::from_rgba_unmultiplied(0, 0, 0, 200)).inner_margin(8.0).show(ui, |ui| {
                ui.label(egui::RichText::new(text).color(egui::Color32::WHITE));
            });
        }
    });
    Ok(())
}
