//! The I/O layer as Bevy asset sources, in a headless app: ROMs open
//! through `rom://` with their battery RAM, battery RAM is saved after the
//! game writes it and loaded at the next start, the exit writes the
//! autosave, `saves://` writes durably and its state files load validated,
//! and every bad file is refused in words with the running game untouched.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::asset::{AssetPlugin, LoadState};
use bevy::prelude::*;
use phosphor_emulation::{EmuNotice, EmulationPlugin, Emulator, LoadRom, Telemetry};
use phosphor_io::saves::{Folders, Slot};
use phosphor_io::BufferPool;
use phosphor_nes::state::StateHeader;
use phosphor_rt::Config;
use phosphor_storage::{BatterySaves, OpenRom, SaveState, Storage, StoragePlugin};

const DEMO: &[u8] = include_bytes!("../../../assets/demo/demo.nes");

/// NROM with a battery: at power-on it stores $42 at $6000 and adds one to
/// $6001 (a boot counter), then spins.
fn battery_rom() -> Vec<u8> {
    let mut rom = vec![0u8; 16 + 16 * 1024 + 8 * 1024];
    rom[..8].copy_from_slice(&[b'N', b'E', b'S', 0x1A, 1, 1, 0x02, 0]);
    let code = [0xA9, 0x42, 0x8D, 0x00, 0x60, 0xEE, 0x01, 0x60, 0x4C, 0x08, 0xC0];
    rom[16..16 + code.len()].copy_from_slice(&code);
    // Vectors at $FFFA (NMI, reset, IRQ): all to $C000.
    let vectors = 16 + 0x3FFA;
    rom[vectors..vectors + 6].copy_from_slice(&[0x00, 0xC0, 0x00, 0xC0, 0x00, 0xC0]);
    rom
}

#[derive(Resource, Default)]
struct Said(Vec<String>);

fn listen(mut notices: MessageReader<'_, '_, EmuNotice>, mut said: ResMut<'_, Said>) {
    for notice in notices.read() {
        said.0.push(match notice {
            EmuNotice::Info(text) | EmuNotice::Problem(text) => text.clone(),
            EmuNotice::RomRefused { name, reason } => format!("refused {name}: {reason}"),
            other => format!("{other:?}"),
        });
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phosphor-assets-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn headless(dir: &Path) -> (App, Folders) {
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    let storage = Storage { io: phosphor_io::start(), pool: Arc::new(BufferPool::new(8 << 20)), folders: Some(folders.clone()) };
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    phosphor_storage::register_sources(&mut app, &storage);
    app.add_plugins(AssetPlugin { file_path: dir.to_string_lossy().into_owned(), ..default() })
        .add_plugins(EmulationPlugin { config: Config::unprivileged() })
        .add_plugins(StoragePlugin)
        .init_resource::<Said>()
        .add_systems(Last, listen);
    (app, folders)
}

fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}; said: {:?}", app.world().resource::<Said>().0);
        app.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn said(app: &App, start: &str) -> Option<String> {
    app.world().resource::<Said>().0.iter().find(|t| t.starts_with(start)).cloned()
}

fn exit(app: &mut App) {
    app.world_mut().write_message(AppExit::Success);
    app.update();
}

#[test]
fn battery_ram_is_saved_after_writes_and_loaded_at_the_next_start() {
    let dir = temp("battery");
    let rom_file = dir.join("Battery Test.nes");
    std::fs::write(&rom_file, battery_rom()).unwrap();

    let (mut app, folders) = headless(&dir);
    app.world_mut().write_message(OpenRom { path: rom_file.clone() });
    run_until(&mut app, "the game to start", |app| said(app, "GameStarted").is_some());
    let game = app.world().resource::<Emulator>().game().unwrap().clone();
    assert_eq!(game.name, "Battery Test.nes");
    let battery = folders.game(game.rom_hash).battery_path();
    // The game wrote its RAM at power-on; about a second later it is saved.
    run_until(&mut app, "the battery save", |app| app.world().resource::<BatterySaves>().written >= 1);
    let saved = std::fs::read(&battery).unwrap();
    assert_eq!(saved.len(), 8 * 1024);
    assert_eq!(&saved[..2], &[0x42, 1], "first boot: the counter is 1");
    run_until(&mut app, "frames", |app| app.world().resource::<Telemetry>().status.frames > 90);
    exit(&mut app);
    let autosave = app.world().resource::<BatterySaves>().autosave.clone().expect("the exit writes the autosave");
    assert_eq!(autosave, folders.game(game.rom_hash).slot_path(Slot::Auto));
    let file = std::fs::read(&autosave).unwrap();
    let (header, _) = StateHeader::parse(&file).unwrap();
    header.check(game.rom_hash).expect("the autosave is a whole state of this game");
    assert!(header.frame > 90, "taken at exit, frame {}", header.frame);
    assert!(header.thumbnail.starts_with(b"\x89PNG"), "with a thumbnail");
    drop(app);

    // The next start loads the battery RAM into the cartridge before the
    // game runs: the boot counter goes to 2.
    let (mut app, _) = headless(&dir);
    app.world_mut().write_message(OpenRom { path: rom_file.clone() });
    run_until(&mut app, "the second battery save", |app| app.world().resource::<BatterySaves>().written >= 1);
    assert_eq!(&std::fs::read(&battery).unwrap()[..2], &[0x42, 2], "second boot: the counter is 2");

    // A battery file that does not fit is moved aside, not overwritten.
    exit(&mut app);
    drop(app);
    std::fs::write(&battery, [7u8; 100]).unwrap();
    let (mut app, _) = headless(&dir);
    app.world_mut().write_message(OpenRom { path: rom_file });
    run_until(&mut app, "the size complaint", |app| said(app, "Battery save").is_some());
    let problem = said(&app, "Battery save").unwrap();
    assert!(problem.contains("does not fit") && problem.contains("kept as"), "{problem}");
    let kept: Vec<_> = std::fs::read_dir(battery.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("sav.bad-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), vec![7u8; 100], "the old file, byte for byte");
    run_until(&mut app, "the game to start anyway", |app| said(app, "GameStarted").is_some());
    exit(&mut app);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_rom_files_are_refused_in_words_and_the_game_keeps_running() {
    let dir = temp("bad");
    let (mut app, _) = headless(&dir);
    app.world_mut().write_message(LoadRom::new("demo", DEMO));
    run_until(&mut app, "the demo", |app| app.world().resource::<Telemetry>().status.frames > 10);
    let demo_hash = app.world().resource::<Emulator>().game().unwrap().rom_hash;

    let text = dir.join("notes.nes");
    std::fs::write(&text, "these are my notes, not a game\n").unwrap();
    let truncated = dir.join("truncated.nes");
    std::fs::write(&truncated, &DEMO[..20_000]).unwrap();
    let mut mapper = DEMO.to_vec();
    mapper[6] = (mapper[6] & 0x0F) | 0xF0; // mapper 255
    mapper[7] = (mapper[7] & 0x0F) | 0xF0;
    let unsupported = dir.join("odd board.nes");
    std::fs::write(&unsupported, mapper).unwrap();
    let missing = dir.join("missing.nes");

    let cases = [
        (&text, "not an iNES ROM"),
        (&truncated, "truncated"),
        (&unsupported, "mapper 255 is not supported"),
        (&missing, "not found"),
    ];
    for (path, words) in cases {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        app.world_mut().write_message(OpenRom { path: path.clone() });
        let start = format!("refused {name}");
        run_until(&mut app, &start, |app| said(app, &start).is_some());
        let message = said(&app, &start).unwrap();
        assert!(message.contains(words), "{message}");
    }
    let frames = app.world().resource::<Telemetry>().status.frames;
    run_until(&mut app, "more frames", |app| app.world().resource::<Telemetry>().status.frames > frames + 10);
    assert_eq!(app.world().resource::<Emulator>().game().unwrap().rom_hash, demo_hash, "the demo still runs");
    assert_eq!(app.world().resource::<Telemetry>().status.rom_hash, demo_hash);
    exit(&mut app);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_saves_source_writes_durably_and_loads_validated_states() {
    let dir = temp("source");
    let (mut app, folders) = headless(&dir);
    app.world_mut().write_message(LoadRom::new("demo", DEMO));
    run_until(&mut app, "the demo", |app| app.world().resource::<Telemetry>().status.frames > 10);
    let rom_hash = app.world().resource::<Emulator>().game().unwrap().rom_hash;

    // A real state file: the machine as it is.
    let mut nes = phosphor_nes::Nes::new(phosphor_nes::Cartridge::from_ines(DEMO).unwrap());
    for _ in 0..5 {
        nes.run_frame();
    }
    let good = nes.save_state(&[1, 2, 3]);

    // Written through the source's writer: into a new folder, durably.
    let server = app.world().resource::<AssetServer>().clone();
    let source = server.get_source("saves").unwrap();
    let writer = source.writer().unwrap();
    let relative = PathBuf::from(format!("games/{rom_hash:016x}/slot1.state"));
    bevy::tasks::block_on(writer.write_bytes(&relative, &good)).unwrap();
    let on_disk = folders.data.join(&relative);
    assert_eq!(std::fs::read(&on_disk).unwrap(), good);
    let names: Vec<_> = std::fs::read_dir(on_disk.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("slot1.state")], "no temporary file left");

    // Loaded as an asset: checked and whole.
    let handle = server.load::<SaveState>(format!("saves://{}", relative.display()));
    run_until(&mut app, "the state asset", |app| {
        matches!(app.world().resource::<AssetServer>().load_state(&handle), LoadState::Loaded | LoadState::Failed(_))
    });
    let state = app.world().resource::<Assets<SaveState>>().get(&handle).expect("a valid state loads");
    assert_eq!((state.header.rom_hash, state.header.frame, state.header.thumbnail.clone()), (rom_hash, 5, vec![1, 2, 3]));
    assert_eq!(state.file, good);

    // Damaged, truncated, not a state: each refused with the reason.
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x10;
    let cases = [
        ("damaged.state", flipped, "corrupted"),
        ("short.state", good[..good.len() / 2].to_vec(), "truncated"),
        ("text.state", b"hello".to_vec(), "not a Phosphor save state"),
    ];
    for (name, bytes, words) in cases {
        bevy::tasks::block_on(writer.write_bytes(Path::new(name), &bytes)).unwrap();
        let handle = server.load::<SaveState>(format!("saves://{name}"));
        run_until(&mut app, name, |app| {
            matches!(app.world().resource::<AssetServer>().load_state(&handle), LoadState::Loaded | LoadState::Failed(_))
        });
        let LoadState::Failed(error) = server.load_state(&handle) else { panic!("{name} loaded") };
        let message = phosphor_storage::assets::failure_words(&error);
        assert!(message.contains(words) && message.contains(name), "{name}: {message}");
    }
    exit(&mut app);
    let _ = std::fs::remove_dir_all(&dir);
}
