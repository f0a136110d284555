//! A frame from the triple buffer lands in the texture, through the NTSC
//! palette, once per new frame (headless: no window, no GPU).

use bevy::asset::AssetPlugin;
use bevy::image::ImagePlugin;
use bevy::prelude::*;
use phosphor_emulation::FrameFeed;
use phosphor_nes::{NtscPalette, HEIGHT, WIDTH};
use phosphor_rt::Frame;
use phosphor_video::{FramePlugin, ScreenTexture};

fn frame(number: u64) -> Frame {
    let mut frame = Frame::blank();
    frame.number = number;
    for (i, pixel) in frame.pixels.iter_mut().enumerate() {
        // Vertical bands of palette colours, shifted by the frame number.
        *pixel = ((i % WIDTH) / 16 + number as usize) as u16 & 0x3F;
    }
    frame
}

fn texture(app: &App) -> Vec<u8> {
    let screen = app.world().resource::<ScreenTexture>();
    let images = app.world().resource::<Assets<Image>>();
    images.get(&screen.image).unwrap().data.clone().unwrap()
}

#[test]
fn each_new_frame_is_uploaded_once() {
    let (mut input, output) = triple_buffer::triple_buffer(&Frame::blank());
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ImagePlugin::default()))
        .insert_resource(FrameFeed::new(Some(output)))
        .add_plugins(FramePlugin);
    app.update();
    assert_eq!(app.world().resource::<ScreenTexture>().uploads, 0, "no frame yet");

    let palette = NtscPalette::new();
    let mut expected = vec![0u8; WIDTH * HEIGHT * 4];
    for number in [1, 2] {
        let f = frame(number);
        palette.to_rgba(&f.pixels[..], &mut expected);
        input.write(f);
        app.update();
        let screen = app.world().resource::<ScreenTexture>();
        assert_eq!((screen.frame, screen.uploads), (number, number));
        assert!(texture(&app) == expected, "texture differs from frame {number}");
        // Nothing new: nothing uploaded.
        app.update();
        assert_eq!(app.world().resource::<ScreenTexture>().uploads, number);
    }
}
