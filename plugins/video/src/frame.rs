//! The NES picture as a texture: each new frame, once.

use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use phosphor_emulation::FrameFeed;
use phosphor_nes::{NtscPalette, HEIGHT, WIDTH};

/// Creates [`ScreenTexture`] and keeps it current (part of
/// [`crate::VideoPlugin`]; on its own it needs only assets and images).
#[derive(Debug, Default, Clone, Copy)]
pub struct FramePlugin;

impl Plugin for FramePlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, create_texture).add_systems(Update, upload_frame);
    }
}

/// The texture the screen draws, and how many frames went into it.
#[derive(Resource, Debug)]
pub struct ScreenTexture {
    pub image: Handle<Image>,
    /// The console frame number last uploaded (0: none yet).
    pub frame: u64,
    /// Uploads so far (one per new frame, none for a frame seen before).
    pub uploads: u64,
    palette: NtscPalette,
}

pub(crate) fn create_texture(mut commands: Commands<'_, '_>, mut images: ResMut<'_, Assets<Image>>) {
    let mut image = Image::new_fill(
        Extent3d { width: WIDTH as u32, height: HEIGHT as u32, depth_or_array_layers: 1 },
        TextureDimension::D2,
        &[0, 0, 0, 255],
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::MAIN_WORLD | RenderAssetUsages::RENDER_WORLD,
    );
    // Both shaders filter on purpose (the sharp one steers the filter).
    image.sampler = ImageSampler::linear();
    let image = images.add(image);
    commands.insert_resource(ScreenTexture { image, frame: 0, uploads: 0, palette: NtscPalette::new() });
}

/// Converts the newest frame (if it is new) through the NTSC palette into
/// the texture; Bevy sends the changed image to the GPU once.
pub(crate) fn upload_frame(
    mut feed: ResMut<'_, FrameFeed>,
    screen: Option<ResMut<'_, ScreenTexture>>,
    mut images: ResMut<'_, Assets<Image>>,
    pending: Option<ResMut<'_, crate::photon::PendingPhoton>>,
    photon: Option<Res<'_, crate::photon::PhotonLatency>>,
) {
    let (Some(reader), Some(mut screen)) = (feed.reader(), screen) else { return };
    // Others may move the reader on too (a screenshot): go by frame number.
    reader.update();
    let frame = reader.output_buffer();
    if frame.number == 0 || frame.number == screen.frame {
        return;
    }
    let number = frame.number;
    let Some(mut image) = images.get_mut(&screen.image) else { return };
    let Some(data) = image.data.as_mut() else { return };
    screen.palette.to_rgba(&frame.pixels[..], data);
    screen.frame = number;
    screen.uploads += 1;
    if let (Some(mut pending), Some(log)) = (pending, photon) {
        pending.saw(frame, &log);
    }
}
