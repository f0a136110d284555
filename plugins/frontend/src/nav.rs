//! Menu navigation as actions, from the keyboard, a pad or the mouse.

use bevy::input::keyboard::KeyboardInput;
use bevy::input::ButtonState;
use bevy::prelude::*;

use crate::Screen;

/// One step of navigation.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Up,
    Down,
    Left,
    Right,
    /// Enter / Space, the pad's A (east button).
    Accept,
    /// Esc / Backspace in a menu, the pad's B (south button).
    Back,
    /// Esc or the pad's Start during the game: open the menu.
    Menu,
    /// The mouse picked item `n` of what is on screen (then accept it).
    Pick(usize),
}

/// The screen as the frame began. A step belongs to the screen shown when
/// it was taken: the screen it opens does not see the same step again.
#[derive(Resource, Debug, Clone, Copy)]
pub struct NavScreen(pub Screen);

pub(crate) fn build(app: &mut App) {
    app.add_message::<Nav>()
        .add_message::<KeyboardInput>()
        .insert_resource(NavScreen(Screen::Home))
        .add_systems(PreUpdate, (read, snapshot).chain().after(bevy::input::InputSystems));
}

fn snapshot(screen: Res<'_, Screen>, mut at_start: ResMut<'_, NavScreen>) {
    at_start.0 = *screen;
}

fn read(
    mut keys: MessageReader<'_, '_, KeyboardInput>,
    pads: Query<'_, '_, &Gamepad>,
    screen: Res<'_, Screen>,
    menu: Option<Res<'_, crate::menu::Menu>>,
    mut nav: MessageWriter<'_, Nav>,
) {
    // A binding waiting for its key takes the keyboard.
    if menu.is_some_and(|m| m.capturing.is_some() || m.capturing_pad.is_some()) {
        keys.clear();
        return;
    }
    let playing = *screen == Screen::Playing;
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        let action = match key.key_code {
            KeyCode::Escape if playing => Nav::Menu,
            _ if playing => continue,
            KeyCode::ArrowUp => Nav::Up,
            KeyCode::ArrowDown => Nav::Down,
            KeyCode::ArrowLeft => Nav::Left,
            KeyCode::ArrowRight => Nav::Right,
            KeyCode::Enter | KeyCode::NumpadEnter | KeyCode::Space if !key.repeat => Nav::Accept,
            KeyCode::Escape | KeyCode::Backspace if !key.repeat => Nav::Back,
            _ => continue,
        };
        nav.write(action);
    }
    for pad in &pads {
        if pad.just_pressed(GamepadButton::Start) {
            nav.write(if playing { Nav::Menu } else { Nav::Back });
        }
        if playing {
            continue;
        }
        let buttons = [
            (GamepadButton::DPadUp, Nav::Up),
            (GamepadButton::DPadDown, Nav::Down),
            (GamepadButton::DPadLeft, Nav::Left),
            (GamepadButton::DPadRight, Nav::Right),
            (GamepadButton::East, Nav::Accept),
            (GamepadButton::South, Nav::Back),
        ];
        for (button, action) in buttons {
            if pad.just_pressed(button) {
                nav.write(action);
            }
        }
    }
}

/// Moves a cursor over `count` items laid out `columns` wide.
pub fn step(cursor: usize, count: usize, columns: usize, nav: Nav) -> usize {
    if count == 0 {
        return 0;
    }
    let columns = columns.max(1);
    let cursor = cursor.min(count - 1);
    match nav {
        Nav::Left if columns > 1 && cursor > 0 => cursor - 1,
        Nav::Right if columns > 1 => (cursor + 1).min(count - 1),
        Nav::Up if cursor >= columns => cursor - columns,
        Nav::Down => (cursor + columns).min(count - 1),
        _ => cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_in_a_grid_and_stops_at_its_edges() {
        // 11 slots, 4 wide.
        assert_eq!(step(0, 11, 4, Nav::Right), 1);
        assert_eq!(step(0, 11, 4, Nav::Left), 0);
        assert_eq!(step(1, 11, 4, Nav::Down), 5);
        assert_eq!(step(9, 11, 4, Nav::Down), 10, "the last row is short: the last item");
        assert_eq!(step(5, 11, 4, Nav::Up), 1);
        assert_eq!(step(2, 11, 4, Nav::Up), 2);
        assert_eq!(step(10, 11, 4, Nav::Right), 10);
        // A list: up and down only.
        assert_eq!(step(3, 7, 1, Nav::Down), 4);
        assert_eq!(step(3, 7, 1, Nav::Right), 3);
        assert_eq!(step(0, 0, 1, Nav::Down), 0);
    }
}
