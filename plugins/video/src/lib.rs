//! The video plugin: the NES picture on screen.
//!
//! - [`frame`]: each new frame from the triple buffer is converted through
//!   the NTSC palette and uploaded, once, to [`ScreenTexture`];
//! - [`material`]: one Material2d per shader preset ([`CrtMaterial`],
//!   [`SharpMaterial`]) drawing that texture on a quad;
//! - [`layout`]: the quad's size: the NES's 8:7 pixel aspect, letterboxed,
//!   optionally at whole multiples of 240 lines; F11 toggles fullscreen;
//! - [`photon`]: input to photon: the time from a press to the present of
//!   the first frame that read it, per device ([`PhotonLatency`]);
//! - [`shaders`]: the WGSL files of the top-level `shaders/` folder, an
//!   asset source of their own, watched and checked before use, so that a
//!   broken edit keeps the last good shader drawing and is reported in
//!   [`ShaderStatus`] (file, line, message) until it is fixed.
//!
//! Call [`register_shader_source`] before adding `DefaultPlugins`, then
//! add [`VideoPlugin`].

pub mod frame;
pub mod layout;
pub mod material;
pub mod photon;
pub mod shaders;

pub use frame::{FramePlugin, ScreenTexture};
pub use layout::{presented_size, ScreenArea, NES_PIXEL_ASPECT};
pub use material::{CrtMaterial, ScreenParams, SharpMaterial};
pub use photon::{PhotonLatency, PhotonSummary, Spread};
pub use shaders::{register_shader_source, ShaderProblem, ShaderStatus, SHADER_SOURCE};

use bevy::prelude::*;
use bevy::sprite_render::Material2dPlugin;

/// How the picture is presented. Change it at any time.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct VideoSettings {
    pub preset: Preset,
    /// Whole multiples of 240 lines only (when the window fits at least one).
    pub integer_scale: bool,
    pub crt: CrtLook,
}

impl Default for VideoSettings {
    fn default() -> Self {
        VideoSettings { preset: Preset::Crt, integer_scale: false, crt: CrtLook::default() }
    }
}

/// The shader presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Preset {
    #[default]
    Crt,
    Sharp,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Crt, Preset::Sharp];

    /// Its file in the shaders folder.
    pub fn file(self) -> &'static str {
        match self {
            Preset::Crt => "crt.wgsl",
            Preset::Sharp => "sharp.wgsl",
        }
    }
}

/// The CRT shader's parameters (see `shaders/crt.wgsl`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrtLook {
    pub scanlines: f32,
    pub mask: f32,
    pub curvature: f32,
    pub bloom: f32,
}

impl Default for CrtLook {
    fn default() -> Self {
        CrtLook { scanlines: 0.6, mask: 0.3, curvature: 0.04, bloom: 0.35 }
    }
}

/// The camera that shows the picture (a test may give it an image target).
#[derive(Component, Debug, Default)]
pub struct ScreenCamera;

/// The quad the picture is drawn on.
#[derive(Component, Debug, Default)]
pub struct Screen;

#[derive(Debug, Default, Clone, Copy)]
pub struct VideoPlugin {
    /// Spawn a camera for the primary window (off for tests that bring
    /// their own camera with an image target).
    pub no_camera: bool,
}

impl Plugin for VideoPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((Material2dPlugin::<CrtMaterial>::default(), Material2dPlugin::<SharpMaterial>::default()))
            .init_resource::<VideoSettings>()
            .init_resource::<layout::ScreenArea>()
            // Read here; sent by the input plugin (registering twice is harmless).
            .add_message::<phosphor_input::Hotkey>()
            .add_plugins(shaders::ShadersPlugin);
        let spawn_camera = !self.no_camera;
        app.add_systems(Startup, move |mut commands: Commands<'_, '_>| {
            if spawn_camera {
                commands.spawn((Camera2d, ScreenCamera, Camera { clear_color: ClearColorConfig::Custom(Color::BLACK), ..default() }));
            }
        })
        .add_plugins((frame::FramePlugin, photon::PhotonPlugin))
        .add_systems(Startup, material::spawn_screen.after(frame::create_texture))
        .add_systems(
            Update,
            (
                material::apply_preset,
                layout::fit_screen,
                layout::toggle_fullscreen,
            ),
        );
    }
}
