//! The windowed frontend: the plugins under `plugins/` assembled into one
//! Bevy app. Everything here is wiring; the work is in the plugins.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bevy::prelude::*;
use bevy::window::PresentMode;

use crate::cli::{PlayArgs, ShaderArg};

/// Our demo ROM (source and build script in `assets/demo/`).
pub const DEMO_ROM: &[u8] = include_bytes!("../assets/demo/demo.nes");
pub const DEMO_NAME: &str = "Phosphor demo";

/// Three times the NES picture at its 8:7 pixel aspect.
const WINDOW_SIZE: (u32, u32) = (878, 720);

pub fn run(args: &PlayArgs) -> ExitCode {
    let (name, rom, problem) = first_game(args.rom.as_deref());
    let config = if args.normal_priority { phosphor_rt::Config::unprivileged() } else { phosphor_rt::Config::default() };

    let mut app = App::new();
    phosphor_video::register_shader_source(&mut app, &resource_dir("shaders"));
    app.add_plugins(
        DefaultPlugins
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
        phosphor_debugger::DebuggerPlugin::default(),
        phosphor_storage::StoragePlugin,
    ))
    .insert_resource(phosphor_video::VideoSettings {
        preset: match args.shader {
            ShaderArg::Crt => phosphor_video::Preset::Crt,
            ShaderArg::Sharp => phosphor_video::Preset::Sharp,
        },
        integer_scale: args.integer_scale,
        ..default()
    })
    .insert_resource(phosphor_debugger::DebuggerPanel::shown(args.debugger))
    .add_systems(Startup, move |mut load: MessageWriter<'_, phosphor_emulation::LoadRom>, mut notices: MessageWriter<'_, phosphor_emulation::EmuNotice>| {
        load.write(phosphor_emulation::LoadRom { name: name.clone(), bytes: rom.clone() });
        if let Some(problem) = &problem {
            notices.write(phosphor_emulation::EmuNotice::Problem(problem.clone()));
        }
    })
    .add_systems(Update, demo_when_nothing_runs.after(phosphor_emulation::EmulationSystems::Load));
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

/// The ROM to start with: the one named (read through the I/O layer), or
/// the demo, also when the named one cannot be read (with the reason).
fn first_game(path: Option<&Path>) -> (String, Arc<[u8]>, Option<String>) {
    let demo = || (DEMO_NAME.to_string(), Arc::from(DEMO_ROM), None);
    let Some(path) = path else { return demo() };
    let io = phosphor_io::start();
    let pool = phosphor_io::BufferPool::new(8 << 20);
    let read = phosphor_io::block_on(phosphor_io::durable::read_file(&*io, &pool, path));
    io.shutdown();
    match read {
        Ok(bytes) => {
            let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
            (name, Arc::from(bytes), None)
        }
        Err(err) => {
            let problem = format!("{} was not loaded: {err}; playing the demo", path.display());
            eprintln!("phosphor: {problem}");
            let (name, rom, _) = demo();
            (name, rom, Some(problem))
        }
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
        load.write(phosphor_emulation::LoadRom { name: DEMO_NAME.into(), bytes: Arc::from(DEMO_ROM) });
    }
}
