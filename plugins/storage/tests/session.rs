//! The storage plugin in a headless app with the demo running: F12 writes
//! a PNG of the picture, F5 saves the quick slot, F7 brings it back, and a
//! damaged slot is refused in words with the game left running.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use phosphor_emulation::{EmuNotice, EmulationPlugin, Emulator, LoadRom, Telemetry};
use phosphor_input::Hotkey;
use phosphor_io::saves::Folders;
use phosphor_io::BufferPool;
use phosphor_rt::Config;
use phosphor_storage::session::Written;
use phosphor_storage::{Storage, StoragePlugin, QUICK_SLOT};

const DEMO: &[u8] = include_bytes!("../../../assets/demo/demo.nes");

#[derive(Resource, Default)]
struct Said(Vec<String>);

fn listen(mut notices: MessageReader<'_, '_, EmuNotice>, mut said: ResMut<'_, Said>) {
    for notice in notices.read() {
        said.0.push(match notice {
            EmuNotice::Info(text) | EmuNotice::Problem(text) => text.clone(),
            other => format!("{other:?}"),
        });
    }
}

fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}; said: {:?}", app.world().resource::<Said>().0);
        app.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn said(app: &App, start: &str) -> Option<String> {
    app.world().resource::<Said>().0.iter().find(|t| t.starts_with(start)).cloned()
}

#[test]
fn screenshot_save_and_load_the_quick_slot() {
    let dir = std::env::temp_dir().join(format!("phosphor-storage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    let storage = Storage { io: phosphor_io::start(), pool: Arc::new(BufferPool::new(8 << 20)), folders: Some(folders.clone()) };
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(EmulationPlugin { config: Config::unprivileged() })
        .insert_resource(storage)
        .add_plugins(StoragePlugin)
        .init_resource::<Said>()
        .add_systems(Last, listen);
    app.world_mut().write_message(LoadRom::new("demo.nes", DEMO));
    run_until(&mut app, "the game to run", |app| app.world().resource::<Telemetry>().status.frames > 30);
    let rom_hash = app.world().resource::<Emulator>().game().unwrap().rom_hash;

    // F12: the NES picture, 256 x 240, not blank.
    app.world_mut().write_message(Hotkey::Screenshot);
    run_until(&mut app, "the screenshot", |app| !app.world().resource::<Written>().screenshots.is_empty());
    let path = app.world().resource::<Written>().screenshots[0].clone();
    assert!(path.starts_with(folders.data.join("screenshots")) && path.to_string_lossy().contains("demo-"), "{path:?}");
    let mut reader = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (256, 240));
    assert!(pixels.chunks_exact(4).any(|p| p[..3] != pixels[..3]), "not one colour");

    // F5: the quick slot, with its frame number.
    app.world_mut().write_message(Hotkey::SaveState);
    run_until(&mut app, "the save", |app| said(app, "Saved to slot 0").is_some());
    let saved = said(&app, "Saved to slot 0").unwrap();
    let frame: u64 = saved.trim_start_matches("Saved to slot 0 (frame ").trim_end_matches(')').parse().unwrap();
    let slot = folders.game(rom_hash).slot_path(QUICK_SLOT);
    assert!(slot.is_file(), "{slot:?}");

    // Later, F7: back to that frame.
    run_until(&mut app, "more frames", |app| app.world().resource::<Telemetry>().status.cpu.frame > frame + 30);
    app.world_mut().write_message(Hotkey::LoadState);
    run_until(&mut app, "the load", |app| said(app, "Loaded slot 0").is_some());
    assert_eq!(said(&app, "Loaded slot 0").unwrap(), format!("Loaded slot 0 (frame {frame})"));
    run_until(&mut app, "the restored frame", |app| {
        let now = app.world().resource::<Telemetry>().status.cpu.frame;
        (frame..frame + 20).contains(&now)
    });

    // A damaged slot: refused in words; the game runs on.
    let mut bytes = std::fs::read(&slot).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&slot, &bytes).unwrap();
    app.world_mut().write_message(Hotkey::LoadState);
    run_until(&mut app, "the refusal", |app| said(app, "Slot 0 not loaded").is_some());
    let frames = app.world().resource::<Telemetry>().status.frames;
    run_until(&mut app, "the game to go on", |app| app.world().resource::<Telemetry>().status.frames > frames + 5);

    let _ = std::fs::remove_dir_all(&dir);
}
