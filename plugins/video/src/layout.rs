//! Where the picture goes: the NES's pixels are 8:7 (wider than tall) on a
//! 4:3 television, the picture keeps that shape at any window size with
//! black bars around it, and optionally grows only in whole multiples of
//! its 240 lines.

use bevy::prelude::*;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowMode};
use phosphor_input::Hotkey;

use crate::material::{CrtMaterial, ScreenMaterials, SharpMaterial};
use crate::{Screen, ScreenCamera, VideoSettings};

/// Width over height of one NES pixel on an NTSC television.
pub const NES_PIXEL_ASPECT: f32 = 8.0 / 7.0;

/// The drawn size for a viewport: the largest 8:7-pixel picture that fits,
/// at a whole multiple of 240 lines when `integer` (and one fits).
pub fn presented_size(viewport: Vec2, integer: bool) -> Vec2 {
    let base = Vec2::new(phosphor_nes::WIDTH as f32 * NES_PIXEL_ASPECT, phosphor_nes::HEIGHT as f32);
    let mut scale = (viewport.x / base.x).min(viewport.y / base.y);
    if integer && scale >= 1.0 {
        scale = scale.floor();
    }
    (base * scale.max(0.0)).round()
}

/// The part of the window the picture may use, in logical pixels from the
/// window's top left (panels docked around it take the rest); `None`: all
/// of it.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct ScreenArea(pub Option<Rect>);

/// Sizes the quad to the camera's viewport (or the part [`ScreenArea`]
/// leaves it), centres it there, and tells the shaders the size in
/// physical pixels.
#[allow(clippy::too_many_arguments)] // a Bevy system: each is a resource or query it reads
pub(crate) fn fit_screen(
    settings: Res<'_, VideoSettings>,
    area: Res<'_, ScreenArea>,
    cameras: Query<'_, '_, &Camera, With<ScreenCamera>>,
    mut screen: Query<'_, '_, &mut Transform, With<Screen>>,
    materials: Option<Res<'_, ScreenMaterials>>,
    mut crt: ResMut<'_, Assets<CrtMaterial>>,
    mut sharp: ResMut<'_, Assets<SharpMaterial>>,
    mut last: Local<'_, Option<(Vec2, Vec2, Vec2)>>,
) {
    let Some(camera) = cameras.iter().next() else { return };
    let (Some(logical), Some(physical)) = (camera.logical_viewport_size(), camera.physical_viewport_size()) else {
        return;
    };
    let window = Rect::from_corners(Vec2::ZERO, logical);
    let free = area.0.map_or(window, |r| r.intersect(window));
    let size = presented_size(free.size(), settings.integer_scale);
    // Camera2d puts the origin at the window's centre, y up.
    let centre = Vec2::new(free.center().x - logical.x / 2.0, logical.y / 2.0 - free.center().y).round();
    let physical_size = size * (physical.as_vec2() / logical.max(Vec2::ONE));
    if *last == Some((size, physical_size, centre)) && !settings.is_changed() {
        return;
    }
    *last = Some((size, physical_size, centre));
    for mut transform in &mut screen {
        transform.scale = size.extend(1.0);
        transform.translation = centre.extend(transform.translation.z);
    }
    let Some(materials) = materials else { return };
    if let Some(mut m) = crt.get_mut(&materials.crt) {
        m.params.output_size = physical_size;
    }
    if let Some(mut m) = sharp.get_mut(&materials.sharp) {
        m.params.output_size = physical_size;
    }
}

pub(crate) fn toggle_fullscreen(
    mut hotkeys: MessageReader<'_, '_, Hotkey>,
    mut windows: Query<'_, '_, &mut Window, With<PrimaryWindow>>,
) {
    for hotkey in hotkeys.read() {
        if *hotkey != Hotkey::Fullscreen {
            continue;
        }
        for mut window in &mut windows {
            window.mode = match window.mode {
                WindowMode::Windowed => WindowMode::BorderlessFullscreen(MonitorSelection::Current),
                _ => WindowMode::Windowed,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_8_7_pixel_aspect_and_letterboxes() {
        // 256 pixels of 8/7 over 240 lines: 292.57 x 240 per unit of scale.
        let wide = presented_size(Vec2::new(1920.0, 1080.0), false);
        assert_eq!(wide.y, 1080.0);
        assert!((wide.x / wide.y - 256.0 * 8.0 / 7.0 / 240.0).abs() < 0.002, "{wide}");
        let tall = presented_size(Vec2::new(600.0, 1000.0), false);
        assert_eq!(tall.x, 600.0);
        assert!(tall.y < 1000.0);
    }

    #[test]
    fn integer_scale_uses_whole_multiples_of_240_lines() {
        assert_eq!(presented_size(Vec2::new(1920.0, 1080.0), true).y, 960.0);
        assert_eq!(presented_size(Vec2::new(1024.0, 768.0), true).y, 720.0);
        // Smaller than one multiple: it still fits the window.
        assert_eq!(presented_size(Vec2::new(300.0, 200.0), true).y, 200.0);
    }
}
