//! Which of the frontend's sounds goes with what the player does: a
//! cursor step in a menu, a choice, backing out, a toast, an error, a game
//! starting. The audio plugin plays them ([`phosphor_audio::ui`]).

use bevy::prelude::*;
use phosphor_audio::UiSound;
use phosphor_emulation::EmuNotice;

use crate::nav::{Nav, NavScreen};
use crate::Screen;

pub(crate) fn build(app: &mut App) {
    app.add_message::<UiSound>().add_systems(Update, navigation).add_systems(Last, notices);
}

/// The sound of a navigation step (none for the menu key in the game: the
/// menu opening says "select").
pub fn for_nav(nav: Nav) -> UiSound {
    match nav {
        Nav::Up | Nav::Down | Nav::Left | Nav::Right => UiSound::Move,
        Nav::Accept | Nav::Pick(_) | Nav::Menu => UiSound::Select,
        Nav::Back => UiSound::Back,
    }
}

/// The sound of a notice: an error for what went wrong, the start jingle
/// for a game started, a chime for the rest.
pub fn for_notice(notice: &EmuNotice) -> UiSound {
    match notice {
        EmuNotice::GameStarted { .. } => UiSound::GameStart,
        EmuNotice::RomRefused { .. } | EmuNotice::Fault { .. } | EmuNotice::Unavailable { .. } | EmuNotice::Problem(_) => {
            UiSound::Error
        }
        EmuNotice::Degraded { .. } | EmuNotice::Info(_) => UiSound::Toast,
    }
}

fn navigation(mut steps: MessageReader<'_, '_, Nav>, at: Res<'_, NavScreen>, mut sounds: MessageWriter<'_, UiSound>) {
    for step in steps.read() {
        // The game's own keys make no menu sounds (Esc opening the menu does).
        if at.0 == Screen::Playing && *step != Nav::Menu {
            continue;
        }
        sounds.write(for_nav(*step));
    }
}

fn notices(
    mut notices: MessageReader<'_, '_, EmuNotice>,
    screen: Res<'_, Screen>,
    mut sounds: MessageWriter<'_, UiSound>,
) {
    for notice in notices.read() {
        // The demo starting behind the home screen is no news (as for the toasts).
        if *screen == Screen::Home && matches!(notice, EmuNotice::GameStarted { .. }) {
            continue;
        }
        sounds.write(for_notice(notice));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_notices_have_their_sounds() {
        assert_eq!(for_nav(Nav::Down), UiSound::Move);
        assert_eq!(for_nav(Nav::Accept), UiSound::Select);
        assert_eq!(for_nav(Nav::Pick(3)), UiSound::Select);
        assert_eq!(for_nav(Nav::Back), UiSound::Back);
        assert_eq!(for_notice(&EmuNotice::GameStarted { name: "x".into() }), UiSound::GameStart);
        assert_eq!(for_notice(&EmuNotice::RomRefused { name: "x".into(), reason: "y".into() }), UiSound::Error);
        assert_eq!(for_notice(&EmuNotice::Info("Saved".into())), UiSound::Toast);
    }
}
