//! Renders through the real pipeline with no display (software Vulkan:
//! lavapipe) into an image, and reads the pixels back:
//!
//! - crt.wgsl: a line's centre is brighter than its edges (scanlines);
//! - sharp.wgsl: the drawn area has the 8:7 pixel aspect, letterboxed;
//! - hot reload: a shader file changed on disk changes the picture; a
//!   broken edit keeps the last good picture and reports file and line;
//!   fixing it clears the report.
//!
//! Skipped, saying so, where no Vulkan adapter exists (no GPU and no
//! mesa-vulkan-drivers).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
use phosphor_emulation::FrameFeed;
use phosphor_rt::Frame;
use phosphor_video::{Preset, ScreenCamera, ShaderStatus, VideoPlugin, VideoSettings};

const SHADERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shaders");

#[derive(Resource, Default)]
struct Captured(Option<Image>);

struct Offscreen {
    app: App,
    target: Handle<Image>,
    size: UVec2,
}

impl Offscreen {
    fn new(shaders: &Path, size: UVec2, preset: Preset, frame: Frame) -> Offscreen {
        let (mut input, output) = triple_buffer::triple_buffer(&Frame::blank());
        input.write(frame);
        let mut app = App::new();
        phosphor_video::register_shader_source(&mut app, shaders);
        app.add_plugins(
            DefaultPlugins
                .set(WindowPlugin { primary_window: None, exit_condition: ExitCondition::DontExit, ..default() })
                .set(AssetPlugin { watch_for_changes_override: Some(true), ..default() })
                .disable::<WinitPlugin>(),
        )
        .add_plugins(VideoPlugin { no_camera: true })
        .insert_resource(FrameFeed::new(Some(output)))
        .insert_resource(VideoSettings { preset, ..default() })
        .init_resource::<Captured>();
        let target = {
            let mut images = app.world_mut().resource_mut::<Assets<Image>>();
            images.add(Image::new_target_texture(size.x, size.y, TextureFormat::Rgba8UnormSrgb, None))
        };
        app.world_mut().spawn((
            Camera2d,
            ScreenCamera,
            Camera { clear_color: ClearColorConfig::Custom(Color::BLACK), ..default() },
            RenderTarget::Image(target.clone().into()),
        ));
        app.finish();
        app.cleanup();
        Offscreen { app, target, size }
    }

    /// Renders until a capture of the target comes back.
    fn capture(&mut self) -> Image {
        self.app.world_mut().resource_mut::<Captured>().0 = None;
        self.app.world_mut().spawn(Screenshot::image(self.target.clone())).observe(
            |captured: On<'_, '_, ScreenshotCaptured>, mut store: ResMut<'_, Captured>| {
                store.0 = Some(captured.image.clone());
            },
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            self.app.update();
            if let Some(image) = self.app.world_mut().resource_mut::<Captured>().0.take() {
                return image;
            }
            assert!(Instant::now() < deadline, "no capture within a minute");
        }
    }

    /// Captures until `ready` accepts the picture (pipelines compile in the
    /// background: the first pictures show only the clear colour).
    fn wait_for(&mut self, what: &str, mut ready: impl FnMut(&Picture) -> bool) -> Picture {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let picture = Picture::of(&self.capture(), self.size);
            if ready(&picture) {
                return picture;
            }
            assert!(Instant::now() < deadline, "gave up waiting for: {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn status(&self) -> &ShaderStatus {
        self.app.world().resource::<ShaderStatus>()
    }
}

/// RGB rows of a capture.
struct Picture {
    size: UVec2,
    rgb: Vec<[u8; 3]>,
}

impl Picture {
    fn of(image: &Image, size: UVec2) -> Picture {
        let data = image.data.as_ref().expect("pixels");
        let bgra = matches!(image.texture_descriptor.format, TextureFormat::Bgra8UnormSrgb | TextureFormat::Bgra8Unorm);
        let rgb = data
            .chunks_exact(4)
            .map(|p| if bgra { [p[2], p[1], p[0]] } else { [p[0], p[1], p[2]] })
            .collect();
        Picture { size, rgb }
    }

    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        self.rgb[(y * self.size.x + x) as usize]
    }

    fn luma(&self, x: u32, y: u32) -> f32 {
        let [r, g, b] = self.at(x, y);
        0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b)
    }

    /// Mean brightness of row `y` over the middle half of the width.
    fn row_luma(&self, y: u32) -> f32 {
        let (from, to) = (self.size.x / 4, self.size.x * 3 / 4);
        (from..to).map(|x| self.luma(x, y)).sum::<f32>() / (to - from) as f32
    }

    /// The bounding box of pixels brighter than black: (left, top, right, bottom).
    fn lit_box(&self) -> Option<(u32, u32, u32, u32)> {
        let mut bbox: Option<(u32, u32, u32, u32)> = None;
        for y in 0..self.size.y {
            for x in 0..self.size.x {
                if self.luma(x, y) > 8.0 {
                    let b = bbox.get_or_insert((x, y, x, y));
                    *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
                }
            }
        }
        bbox
    }

    fn is_blank(&self) -> bool {
        self.lit_box().is_none()
    }
}

/// A frame of one colour everywhere.
fn flat_frame(colour: u16) -> Frame {
    let mut frame = Frame::blank();
    frame.number = 1;
    frame.pixels.fill(colour);
    frame
}

fn vulkan_available() -> bool {
    let available = std::path::Path::new("/usr/share/vulkan/icd.d").read_dir().is_ok_and(|mut d| d.next().is_some())
        || std::env::var_os("VK_ICD_FILENAMES").is_some();
    if !available {
        eprintln!("SKIPPED: no Vulkan driver (install mesa-vulkan-drivers for software rendering)");
    }
    available
}

fn copy_shaders() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phosphor-shaders-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["crt.wgsl", "sharp.wgsl"] {
        std::fs::copy(Path::new(SHADERS).join(file), dir.join(file)).unwrap();
    }
    dir
}

#[test]
fn crt_scanlines_sharp_aspect_and_hot_reload() {
    if !vulkan_available() {
        return;
    }
    let dir = copy_shaders();

    // CRT at exactly three output rows per NES line (720 = 3 x 240):
    // the middle row of each line is lit more than the rows at its edges.
    // (Mid grey: white lines are drawn wide enough to nearly close the gaps,
    // as a tube's brightest lines do.)
    let mut crt = Offscreen::new(&dir, UVec2::new(878, 720), Preset::Crt, flat_frame(0x00));
    let picture = crt.wait_for("the CRT picture", |p| !p.is_blank());
    let (mut centre, mut edge) = (0.0, 0.0);
    for line in 100..140 {
        centre += picture.row_luma(3 * line + 1);
        edge += picture.row_luma(3 * line);
    }
    assert!(centre > edge * 1.15, "scanlines: line centres {centre:.0} vs edges {edge:.0}");
    drop(crt);

    // Sharp at 1024 x 768: 3.2 x 240 lines tall, 8:7 pixels: 936 x 768
    // centred, black bars of 44 on each side.
    let mut sharp = Offscreen::new(&dir, UVec2::new(1024, 768), Preset::Sharp, flat_frame(0x30));
    let picture = sharp.wait_for("the sharp picture", |p| !p.is_blank());
    let (left, top, right, bottom) = picture.lit_box().unwrap();
    let (w, h) = ((right - left + 1) as f32, (bottom - top + 1) as f32);
    assert!((w / h - 256.0 * 8.0 / 7.0 / 240.0).abs() < 0.01, "drawn area {w}x{h}");
    assert!((43..=45).contains(&left) && top == 0 && h == 768.0, "letterboxed: {left},{top} {w}x{h}");
    let white = picture.at(512, 384);

    // Hot reload: a version that paints everything red.
    let original = std::fs::read_to_string(dir.join("sharp.wgsl")).unwrap();
    let red = original.replace(
        "return vec4<f32>(textureSampleLevel(frame, frame_sampler, uv, 0.0).rgb, 1.0);",
        "return vec4<f32>(1.0, 0.0, 0.0, 1.0);",
    );
    assert_ne!(red, original);
    std::fs::write(dir.join("sharp.wgsl"), &red).unwrap();
    sharp.wait_for("the edited shader", |p| p.at(512, 384) == [255, 0, 0]);
    assert!(sharp.status().problems.is_empty());

    // A broken edit: the red picture stays and the error names the line.
    let broken = red.replace("let scale = max(", "let scale = max(((");
    let line = broken.lines().position(|l| l.contains("max(((")).unwrap() as u32 + 1;
    std::fs::write(dir.join("sharp.wgsl"), &broken).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sharp.status().problems.contains_key("sharp.wgsl") {
        sharp.app.update();
        assert!(Instant::now() < deadline, "the broken edit was not reported");
    }
    let problem = sharp.status().problems["sharp.wgsl"].clone();
    assert_eq!(problem.line, Some(line), "{problem}");
    for _ in 0..5 {
        let picture = Picture::of(&sharp.capture(), sharp.size);
        assert_eq!(picture.at(512, 384), [255, 0, 0], "the last good shader keeps drawing");
    }

    // Fixed: the report goes and the original picture comes back.
    std::fs::write(dir.join("sharp.wgsl"), &original).unwrap();
    sharp.wait_for("the fixed shader", |p| p.at(512, 384) == white);
    assert!(sharp.status().problems.is_empty());
    drop(sharp);
    let _ = std::fs::remove_dir_all(&dir);
}
