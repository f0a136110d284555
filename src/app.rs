//! The windowed frontend: the plugins under `plugins/` assembled into one
//! Bevy app. Everything here is wiring; the work is in the plugins.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bevy::prelude::*;
use bevy::window::PresentMode;

use crate::cli::{PlayArgs, ShaderArg};

/// Our demo ROM (source and build script in `assets/demo/`).
pub const DEMO_ROM: &[u8] = include_bytes!("../assets/demo/demo.nes");
pub const DEMO_NAME: &str = "Phosphor demo";

/// Three times the NES picture at its 8:7 pixel aspect.
const WINDOW_SIZE: (u32, u32) = (878, 720);

pub fn run(args: &PlayArgs) -> ExitCode {
    let first = args.rom.clone();
    let (shader, integer_scale) = (args.shader, args.integer_scale);
    let mut config = if args.normal_priority { phosphor_rt::Config::unprivileged() } else { phosphor_rt::Config::default() };
    // The settings come first: the sound latency sizes the emulation
    // thread's ring when it starts.
    let storage = phosphor_storage::Storage::for_user();
    let settings = storage.folders.as_ref().map(|folders| {
        phosphor_io::block_on(phosphor_frontend::settings::load(&*storage.io, &storage.pool, &folders.settings()))
    });
    if let Some(loaded) = &settings {
        (config.audio_latency, config.audio_latency_max) = loaded.settings.audio_latency();
    }

    // Pipelined rendering draws one frame while the next update runs: a
    // render frame more from a press to its picture (measured: 122 ms
    // against 100 ms median under lavapipe), so it is off unless asked for.
    let pipelined = settings.as_ref().is_some_and(|loaded| loaded.settings.video.pipelined);

    let mut app = App::new();
    phosphor_video::register_shader_source(&mut app, &resource_dir("shaders"));
    phosphor_storage::register_sources(&mut app, &storage);
    let mut defaults = DefaultPlugins.build();
    if !pipelined {
        defaults = defaults.disable::<bevy::render::pipelined_rendering::PipelinedRenderingPlugin>();
    }
    app.add_plugins(
        defaults
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Phosphor".into(),
                    resolution: WINDOW_SIZE.into(),
                    present_mode: PresentMode::AutoVsync,
                    ..default()
                }),
                ..default()
            })
            .set(AssetPlugin { file_path: resource_dir("assets").to_string_lossy().into_owned(), ..default() }),
    )
    .add_plugins((
        phosphor_emulation::EmulationPlugin { config },
        phosphor_input::InputPlugin,
        phosphor_video::VideoPlugin::default(),
        phosphor_audio::AudioPlugin::default(),
        phosphor_audio::UiSoundsPlugin,
        phosphor_debugger::DebuggerPlugin { headless: false, notices_elsewhere: true },
        phosphor_storage::StoragePlugin,
        phosphor_frontend::FrontendPlugin {
            start_home: first.is_none(),
            demo_name: DEMO_NAME.into(),
            demo_rom: DEMO_ROM,
            demo_path: demo_path(),
            headless: false,
            settings,
        },
    ))
    .insert_resource(phosphor_debugger::Workspace::shown(args.debugger))
    .add_systems(Startup, move |mut open: MessageWriter<'_, phosphor_storage::OpenRom>, mut load: MessageWriter<'_, phosphor_emulation::LoadRom>, settings: Option<ResMut<'_, phosphor_frontend::Settings>>| {
        // A ROM named on the command line goes through the I/O layer's
        // asset source (battery RAM included); if it cannot be played the
        // demo starts instead and the reason is on screen. With none, the
        // demo plays behind the home screen.
        match &first {
            Some(path) => {
                open.write(phosphor_storage::OpenRom { path: path.clone() });
            }
            None => {
                load.write(demo_request());
            }
        }
        // The command line's picture options hold for this run.
        if let Some(mut settings) = settings {
            let video = &mut settings.bypass_change_detection().video;
            match shader {
                Some(ShaderArg::Crt) => video.shader = phosphor_frontend::settings::Shader::Crt,
                Some(ShaderArg::Sharp) => video.shader = phosphor_frontend::settings::Shader::Sharp,
                None => {}
            }
            video.integer_scale |= integer_scale;
        }
    })
    .add_systems(Update, demo_when_nothing_runs.after(phosphor_emulation::EmulationSystems::Load));
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

/// A folder shipped beside the program: `PHOSPHOR_<NAME>_DIR` if set, else
/// the first `<name>/` found going up from the executable (a cargo build
/// puts it in `target/<profile>/`), else the source tree's, else `<name>`
/// in the current folder.
fn resource_dir(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(format!("PHOSPHOR_{}_DIR", name.to_ascii_uppercase())) {
        return PathBuf::from(dir);
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(4) {
            let candidate = dir.join(name);
            if candidate.is_dir() {
                return candidate;
            }
        }
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    if source.is_dir() { source } else { PathBuf::from(name) }
}

/// A ROM that is refused with no game running (the one named on the
/// command line was not a usable ROM) leaves the demo playing, not a black
/// window; the notice saying why is on screen.
fn demo_when_nothing_runs(
    mut notices: MessageReader<'_, '_, phosphor_emulation::EmuNotice>,
    emulator: Res<'_, phosphor_emulation::Emulator>,
    mut load: MessageWriter<'_, phosphor_emulation::LoadRom>,
) {
    let refused = notices.read().any(|n| matches!(n, phosphor_emulation::EmuNotice::RomRefused { .. }));
    if refused && emulator.game().is_none() {
        load.write(demo_request());
    }
}

/// The demo's file as shipped in `assets/demo`, with its debug file beside it.
fn demo_path() -> Option<PathBuf> {
    Some(resource_dir("assets").join("demo/demo.nes")).filter(|p| p.is_file())
}

/// Starts the demo (from its file's place, so the debugger finds its symbols).
fn demo_request() -> phosphor_emulation::LoadRom {
    let request = phosphor_emulation::LoadRom::new(DEMO_NAME, DEMO_ROM);
    match demo_path() {
        Some(path) => request.from_file(path),
        None => request,
    }
}
