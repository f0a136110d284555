//! The materials that draw the NES texture, one per shader preset. Both
//! bind the same things (parameters, texture, sampler at group 2, bindings
//! 0-2), which the shader check in [`crate::shaders`] holds them to.

use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::shader::ShaderRef;
use bevy::sprite_render::{AlphaMode2d, Material2d, MeshMaterial2d};

use crate::frame::ScreenTexture;
use crate::shaders::{CRT_SHADER, SHARP_SHADER};
use crate::{Preset, Screen, VideoSettings};

/// What both shaders get (see `struct Screen` in the WGSL files).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct ScreenParams {
    pub source_size: Vec2,
    /// The drawn area in physical pixels.
    pub output_size: Vec2,
    pub scanlines: f32,
    pub mask: f32,
    pub curvature: f32,
    pub bloom: f32,
}

impl Default for ScreenParams {
    fn default() -> Self {
        ScreenParams {
            source_size: Vec2::new(phosphor_nes::WIDTH as f32, phosphor_nes::HEIGHT as f32),
            output_size: Vec2::new(phosphor_nes::WIDTH as f32, phosphor_nes::HEIGHT as f32),
            scanlines: 0.0,
            mask: 0.0,
            curvature: 0.0,
            bloom: 0.0,
        }
    }
}

macro_rules! screen_material {
    ($(#[$doc:meta])* $name:ident, $shader:expr) => {
        $(#[$doc])*
        #[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
        pub struct $name {
            #[uniform(0)]
            pub params: ScreenParams,
            #[texture(1)]
            #[sampler(2)]
            pub frame: Handle<Image>,
        }

        impl Material2d for $name {
            fn fragment_shader() -> ShaderRef {
                ShaderRef::Handle($shader)
            }

            fn alpha_mode(&self) -> AlphaMode2d {
                AlphaMode2d::Opaque
            }
        }
    };
}

screen_material!(
    /// Draws through `shaders/crt.wgsl`.
    CrtMaterial,
    CRT_SHADER
);
screen_material!(
    /// Draws through `shaders/sharp.wgsl`.
    SharpMaterial,
    SHARP_SHADER
);

/// The two materials of the screen quad (it wears the preset's).
#[derive(Resource, Debug, Clone)]
pub struct ScreenMaterials {
    pub crt: Handle<CrtMaterial>,
    pub sharp: Handle<SharpMaterial>,
}

pub(crate) fn spawn_screen(
    mut commands: Commands<'_, '_>,
    texture: Res<'_, ScreenTexture>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    mut crt: ResMut<'_, Assets<CrtMaterial>>,
    mut sharp: ResMut<'_, Assets<SharpMaterial>>,
) {
    let materials = ScreenMaterials {
        crt: crt.add(CrtMaterial { params: ScreenParams::default(), frame: texture.image.clone() }),
        sharp: sharp.add(SharpMaterial { params: ScreenParams::default(), frame: texture.image.clone() }),
    };
    commands.spawn((Screen, Mesh2d(meshes.add(Rectangle::new(1.0, 1.0))), Transform::default()));
    commands.insert_resource(materials);
}

/// The screen quad and which material it wears now.
type ScreenQuad = (Entity, Has<MeshMaterial2d<CrtMaterial>>, Has<MeshMaterial2d<SharpMaterial>>);

/// Puts the preset's material on the screen and keeps its parameters
/// current (the drawn size comes from [`crate::layout`]).
pub(crate) fn apply_preset(
    mut commands: Commands<'_, '_>,
    settings: Res<'_, VideoSettings>,
    materials: Option<Res<'_, ScreenMaterials>>,
    screen: Query<'_, '_, ScreenQuad, With<Screen>>,
    mut preset_shown: Local<'_, Option<Preset>>,
    mut crt: ResMut<'_, Assets<CrtMaterial>>,
) {
    let Some(materials) = materials else { return };
    let Ok((entity, has_crt, has_sharp)) = screen.single() else { return };
    if *preset_shown != Some(settings.preset) || !(has_crt || has_sharp) {
        let mut screen = commands.entity(entity);
        screen.remove::<(MeshMaterial2d<CrtMaterial>, MeshMaterial2d<SharpMaterial>)>();
        match settings.preset {
            Preset::Crt => screen.insert(MeshMaterial2d(materials.crt.clone())),
            Preset::Sharp => screen.insert(MeshMaterial2d(materials.sharp.clone())),
        };
        *preset_shown = Some(settings.preset);
    }
    if settings.is_changed() {
        let look = settings.crt;
        if let Some(mut material) = crt.get_mut(&materials.crt) {
            let p = &mut material.params;
            (p.scanlines, p.mask, p.curvature, p.bloom) = (look.scanlines, look.mask, look.curvature, look.bloom);
        }
    }
}
