//! Toasts: every notice from the emulator, the storage and the input
//! plugins shown in the top right corner, newest at the bottom; problems
//! in red and for longer. A few at most; older ones give way.

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts};
use phosphor_emulation::EmuNotice;

use crate::theme;

const INFO_SECONDS: f64 = 4.0;
const PROBLEM_SECONDS: f64 = 9.0;
const MOST: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Info,
    Problem,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub kind: Kind,
    pub text: String,
    pub at: f64,
}

/// Toasts on screen.
#[derive(Resource, Debug, Default)]
pub struct Toasts {
    pub shown: Vec<Toast>,
}

pub(crate) fn build(app: &mut App) {
    app.init_resource::<Toasts>().add_message::<EmuNotice>().add_systems(Last, collect);
}

/// A notice in the words a player reads, and whether it is a problem.
pub fn words(notice: &EmuNotice) -> (Kind, String) {
    match notice {
        EmuNotice::GameStarted { name } => (Kind::Info, format!("Playing {name}")),
        EmuNotice::RomRefused { name, reason } => (Kind::Problem, format!("{name} was not loaded: {reason}")),
        EmuNotice::Fault { message } => (Kind::Problem, format!("The game stopped: {message}. Reset it from the menu.")),
        EmuNotice::Degraded { what } => (Kind::Info, format!("Running without: {what}")),
        EmuNotice::Unavailable { reason } => (Kind::Problem, format!("Emulation unavailable: {reason}")),
        EmuNotice::Info(text) => (Kind::Info, text.clone()),
        EmuNotice::Problem(text) => (Kind::Problem, text.clone()),
    }
}

fn collect(
    time: Res<'_, Time<Real>>,
    mut notices: MessageReader<'_, '_, EmuNotice>,
    mut toasts: ResMut<'_, Toasts>,
    screen: Option<Res<'_, crate::Screen>>,
) {
    let now = time.elapsed_secs_f64();
    toasts.shown.retain(|t| now - t.at < if t.kind == Kind::Problem { PROBLEM_SECONDS } else { INFO_SECONDS });
    let home = screen.is_some_and(|s| *s == crate::Screen::Home);
    for notice in notices.read() {
        // The demo starting behind the home screen is not news.
        if home && matches!(notice, EmuNotice::GameStarted { .. }) {
            continue;
        }
        let (kind, text) = words(notice);
        toasts.shown.push(Toast { kind, text, at: now });
    }
    let excess = toasts.shown.len().saturating_sub(MOST);
    toasts.shown.drain(..excess);
}

pub(crate) fn draw(mut contexts: EguiContexts<'_, '_>, toasts: Res<'_, Toasts>, time: Res<'_, Time<Real>>) -> Result {
    if toasts.shown.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let now = time.elapsed_secs_f64();
    egui::Area::new(egui::Id::new("phosphor-toasts"))
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-16.0, 16.0))
        .order(egui::Order::Tooltip)
        .show(ctx, |ui| {
            ui.set_max_width(ctx.content_rect().width().min(520.0));
            for toast in &toasts.shown {
                // Fade in over a fifth of a second.
                let fade = ((now - toast.at) / 0.2).clamp(0.0, 1.0) as f32;
                let fill = match toast.kind {
                    Kind::Info => theme::PANEL,
                    Kind::Problem => theme::PROBLEM,
                };
                egui::Frame::new()
                    .fill(fill.gamma_multiply(0.3 + 0.7 * fade))
                    .stroke(egui::Stroke::new(1.0, theme::ACCENT.gamma_multiply(0.5 * fade)))
                    .corner_radius(6.0)
                    .inner_margin(egui::Margin::symmetric(12, 8))
                    .show(ui, |ui| {
                        ui.label(egui::RichText::new(&toast.text).color(theme::TEXT.gamma_multiply(fade)));
                    });
                ui.add_space(6.0);
            }
        });
    ctx.request_repaint();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_and_problems_are_problems_in_words() {
        let refused = EmuNotice::RomRefused { name: "a.nes".into(), reason: "mapper 255 is not supported".into() };
        assert_eq!(words(&refused), (Kind::Problem, "a.nes was not loaded: mapper 255 is not supported".into()));
        assert_eq!(words(&EmuNotice::Info("Saved".into())).0, Kind::Info);
        assert_eq!(words(&EmuNotice::GameStarted { name: "x".into() }), (Kind::Info, "Playing x".into()));
    }
}
