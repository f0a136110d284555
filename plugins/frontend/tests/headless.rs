//! The frontend's logic in a headless app (no window, nothing drawn), with
//! the bad input a new player produces: a damaged settings file, a state
//! from another game, a save folder that cannot be written. Each gives a
//! message in words; nothing is lost and the game keeps running.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use phosphor_emulation::{EmuNotice, EmulationPlugin, Emulator, LoadRom, Telemetry};
use phosphor_frontend::menu::{browser_slots, rows, Row};
use phosphor_frontend::nav::Nav;
use phosphor_frontend::settings::Shader;
use phosphor_frontend::{FrontendPlugin, Page, Screen, Settings};
use phosphor_io::saves::{Folders, Slot};
use phosphor_io::BufferPool;
use phosphor_rt::Config;
use phosphor_storage::{Storage, StoragePlugin};
use phosphor_video::{Preset, VideoSettings};

const DEMO: &[u8] = include_bytes!("../../../assets/demo/demo.nes");

#[derive(Resource, Default)]
struct Said(Vec<String>);

fn listen(mut notices: MessageReader<'_, '_, EmuNotice>, mut said: ResMut<'_, Said>) {
    for notice in notices.read() {
        said.0.push(phosphor_frontend::toasts::words(notice).1);
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phosphor-frontend-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn headless(folders: Folders, start_home: bool) -> App {
    let storage = Storage { io: phosphor_io::start(), pool: Arc::new(BufferPool::new(8 << 20)), folders: Some(folders) };
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    // ROM files open through the I/O layer's asset source.
    phosphor_storage::register_sources(&mut app, &storage);
    app.add_plugins(bevy::asset::AssetPlugin { file_path: std::env::temp_dir().to_string_lossy().into_owned(), ..default() })
        .add_plugins(bevy::input::InputPlugin)
        .add_plugins(EmulationPlugin { config: Config::unprivileged() })
        .add_plugins(phosphor_input::InputPlugin)
        .insert_resource(VideoSettings::default())
        .add_plugins(StoragePlugin)
        .add_plugins(FrontendPlugin { start_home, demo_name: "Phosphor demo".into(), demo_rom: DEMO, demo_path: None, headless: true, settings: None })
        .init_resource::<Said>()
        .add_systems(Last, listen);
    app
}

fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}; said: {:?}", app.world().resource::<Said>().0);
        app.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn said(app: &App, part: &str) -> Option<String> {
    app.world().resource::<Said>().0.iter().find(|t| t.contains(part)).cloned()
}

fn nav(app: &mut App, steps: &[Nav]) {
    for step in steps {
        app.world_mut().write_message(*step);
        app.update();
    }
}

fn key(app: &mut App, key_code: KeyCode) {
    use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
    use bevy::input::ButtonState;
    for state in [ButtonState::Pressed, ButtonState::Released] {
        app.world_mut().write_message(KeyboardInput {
            key_code,
            logical_key: Key::Unidentified(NativeKey::Unidentified),
            state,
            text: None,
            repeat: false,
            window: Entity::PLACEHOLDER,
        });
        app.update();
    }
}

fn frames(app: &App) -> u64 {
    app.world().resource::<Telemetry>().status.frames
}

fn keeps_running(app: &mut App) {
    let now = frames(app);
    run_until(app, "the game to keep running", |app| frames(app) > now + 10);
}

#[test]
fn a_damaged_settings_file_is_kept_aside_and_changes_apply_live_and_persist() {
    let dir = temp("settings");
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    std::fs::create_dir_all(&folders.config).unwrap();
    let garbage = b"[video\nshader = = 'crt'\n\x00\xff";
    std::fs::write(folders.settings(), garbage).unwrap();

    let mut app = headless(folders.clone(), true);
    app.update();
    let warning = said(&app, "could not be read").expect("the player is told");
    assert!(warning.contains("using defaults") && warning.contains("kept as"), "{warning}");
    assert_eq!(*app.world().resource::<Settings>(), Settings::default());
    let aside: Vec<_> = std::fs::read_dir(&folders.config).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read(&aside[0]).unwrap(), garbage, "the old file, byte for byte");

    // Home -> the Settings card (after the demo and Open ROM) -> change
    // the picture: applied at once.
    run_until(&mut app, "the home list", |app| app.world().resource::<phosphor_frontend::home::Home>().refreshes > 0);
    let cards = app.world().resource::<phosphor_frontend::home::Home>().cards.len();
    nav(&mut app, &[Nav::Pick(cards - 1)]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Menu(Page::Settings));
    assert_eq!(rows()[0], Row::Shader);
    nav(&mut app, &[Nav::Right]);
    assert_eq!(app.world().resource::<Settings>().video.shader, Shader::Sharp);
    app.update();
    assert_eq!(app.world().resource::<VideoSettings>().preset, Preset::Sharp, "live");
    let volume = rows().iter().position(|r| *r == Row::Volume).unwrap();
    let mut steps = vec![Nav::Down; volume];
    steps.extend([Nav::Left, Nav::Left]);
    nav(&mut app, &steps);
    let level = app.world().resource::<Settings>().audio.volume;
    assert!((level - 0.7).abs() < 1e-4, "two steps down from 80%: {level}");

    // Written half a second after the last change.
    let path = folders.settings();
    run_until(&mut app, "the settings file", |_| std::fs::read_to_string(&path).is_ok_and(|t| t.contains("sharp")));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("shader = \"sharp\"") && text.contains("volume = 0.7"), "{text}");

    // The console for the next game: PAL, two steps along from "as the ROM says".
    let region = rows().iter().position(|r| *r == Row::Region).unwrap();
    let mut steps = vec![Nav::Down; region - volume];
    steps.extend([Nav::Right, Nav::Right]);
    nav(&mut app, &steps);
    app.update();
    assert_eq!(app.world().resource::<phosphor_emulation::PowerOn>().region, Some(phosphor_nes::Region::Pal));
    let volume = region;

    // Rebinding: Enter on "Player 1: A", then J. The game's map follows,
    // and the key J had nowhere else is simply taken; K is frame advance's
    // (a time-control key) and is refused in words.
    let row = rows().iter().position(|r| *r == Row::Bind(0, 4)).unwrap();
    nav(&mut app, &vec![Nav::Down; row - volume]);
    nav(&mut app, &[Nav::Accept]);
    assert_eq!(app.world().resource::<phosphor_frontend::menu::Menu>().capturing, Some((0, 4)));
    key(&mut app, KeyCode::F5);
    assert!(said(&app, "F5 is one of Phosphor's own keys").is_some(), "reserved keys are refused in words");
    key(&mut app, KeyCode::KeyK);
    assert!(said(&app, "K is a time-control key").is_some(), "the time-control keys too");
    key(&mut app, KeyCode::KeyJ);
    app.update();
    assert_eq!(app.world().resource::<phosphor_frontend::menu::Menu>().capturing, None);
    let map = app.world().resource::<phosphor_input::InputMap>();
    assert!(map.keys.contains(&(KeyCode::KeyJ, phosphor_input::Player::One, phosphor_nes::button::A)), "{:?}", map.keys);
    assert!(!map.keys.iter().any(|(k, _, _)| *k == KeyCode::KeyX));
    run_until(&mut app, "the binding in the file", |_| std::fs::read_to_string(&path).is_ok_and(|t| t.contains("KeyJ")));

    // The rewind key moves to R... which is taken by player 2's turbo B,
    // so it is refused; to Home it goes.
    let hotkey = rows().iter().position(|r| *r == Row::Hotkey(0)).unwrap();
    nav(&mut app, &vec![Nav::Up; row - hotkey]);
    nav(&mut app, &[Nav::Accept]);
    key(&mut app, KeyCode::KeyR);
    assert!(said(&app, "R is player 2's Turbo B").is_some(), "a player's key is refused in words");
    key(&mut app, KeyCode::Home);
    app.update();
    assert_eq!(app.world().resource::<phosphor_input::HotkeyOptions>().rewind_key, KeyCode::Home);
    // Rewind a minute longer, run-ahead a frame less (no game: the default).
    let rewind = rows().iter().position(|r| *r == Row::Rewind).unwrap();
    nav(&mut app, &vec![Nav::Up; hotkey - rewind]);
    nav(&mut app, &[Nav::Right, Nav::Down, Nav::Left]);
    let emulation = &app.world().resource::<Settings>().emulation;
    assert_eq!((emulation.rewind_minutes, emulation.run_ahead), (3, 0));
    run_until(&mut app, "the time control in the file", |_| {
        std::fs::read_to_string(&path).is_ok_and(|t| t.contains("rewind = \"Home\"") && t.contains("rewind_minutes = 3"))
    });

    nav(&mut app, &[Nav::Back]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Home, "back where it came from");
    drop(app);

    // The next start reads them back.
    let app = {
        let mut app = headless(folders, true);
        app.update();
        app
    };
    assert_eq!(app.world().resource::<Settings>().video.shader, Shader::Sharp);
    let _ = std::fs::remove_dir_all(&dir);
}

fn playing_demo(folders: Folders) -> App {
    let mut app = headless(folders, false);
    app.world_mut().write_message(LoadRom::new("Phosphor demo", DEMO));
    run_until(&mut app, "the demo", |app| frames(app) > 20);
    app
}

#[test]
fn a_state_from_another_game_is_refused_in_words_and_the_game_runs_on() {
    let dir = temp("foreign");
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    let mut app = playing_demo(folders.clone());
    let rom_hash = app.world().resource::<Emulator>().game().unwrap().rom_hash;

    // Another game's state put in slot 3 of this one.
    let mut rom = DEMO.to_vec();
    rom[16 + 0x100] ^= 0xFF;
    let mut other = phosphor_nes::Nes::new(phosphor_nes::Cartridge::from_ines(&rom).unwrap());
    other.run_frame();
    let slot3 = folders.game(rom_hash).slot_path(Slot::Numbered(3));
    std::fs::create_dir_all(slot3.parent().unwrap()).unwrap();
    std::fs::write(&slot3, other.save_state(&[])).unwrap();

    // Esc, Load state, slot 3 (the third card).
    nav(&mut app, &[Nav::Menu]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Menu(Page::Main));
    assert!(app.world().resource::<Emulator>().paused(), "the menu pauses the game");
    nav(&mut app, &[Nav::Down, Nav::Down, Nav::Accept]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Menu(Page::Load));
    run_until(&mut app, "the slot list", |app| !app.world().resource::<phosphor_frontend::menu::Menu>().slots.is_empty());
    let index = browser_slots().iter().position(|s| *s == Slot::Numbered(3)).unwrap();
    nav(&mut app, &[Nav::Pick(index)]);
    let message = said(&app, "Slot 3").expect("the refusal");
    assert!(message.contains("another game"), "{message}");
    assert_eq!(std::fs::read(&slot3).unwrap(), other.save_state(&[]), "the file is left alone");

    // Back and resume: the game runs on.
    nav(&mut app, &[Nav::Back, Nav::Back]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Playing);
    assert!(!app.world().resource::<Emulator>().paused());
    keeps_running(&mut app);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_save_folder_that_cannot_be_written_says_so_and_the_game_runs_on() {
    let dir = temp("unwritable");
    // A file where the data folder should be: nothing can be made in it
    // (permissions would not stop a test running as root).
    let blocked = dir.join("data");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let folders = Folders { data: blocked.clone(), config: dir.join("config") };
    let mut app = playing_demo(folders);

    // Esc, Save state, slot 2.
    nav(&mut app, &[Nav::Menu, Nav::Down, Nav::Accept]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Menu(Page::Save));
    let index = browser_slots().iter().position(|s| *s == Slot::Numbered(2)).unwrap();
    nav(&mut app, &[Nav::Pick(index)]);
    run_until(&mut app, "the failure", |app| said(app, "not saved").is_some());
    let message = said(&app, "not saved").unwrap();
    assert!(message.contains(&blocked.display().to_string()), "names the place: {message}");
    assert_eq!(*app.world().resource::<Screen>(), Screen::Playing);
    keeps_running(&mut app);
    assert_eq!(std::fs::read(&blocked).unwrap(), b"not a folder", "nothing overwritten");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rom_folder_is_scanned_in_the_background_and_its_games_start_from_home() {
    let dir = temp("library");
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    let roms = dir.join("roms");
    std::fs::create_dir_all(roms.join("more/deeper")).unwrap();
    std::fs::create_dir_all(roms.join(".hidden")).unwrap();
    std::fs::write(roms.join("Zeta.nes"), DEMO).unwrap();
    let mut other = DEMO.to_vec();
    other[16 + 0x100] ^= 0xFF;
    std::fs::write(roms.join("more/deeper/Alpha.NES"), &other).unwrap();
    std::fs::write(roms.join("more/notes.nes"), "not a game").unwrap();
    std::fs::write(roms.join(".hidden/Secret.nes"), DEMO).unwrap();
    std::fs::write(roms.join("readme.txt"), "hello").unwrap();

    let mut app = headless(folders, true);
    app.update();
    app.world_mut().resource_mut::<Settings>().library.folder = Some(roms.clone());
    run_until(&mut app, "the scan", |app| app.world().resource::<phosphor_frontend::library::Library>().scans == 1);
    let library = app.world().resource::<phosphor_frontend::library::Library>();
    let found: Vec<(&str, bool)> = library.games.iter().map(|g| (g.name.as_str(), g.problem.is_none())).collect();
    assert_eq!(found, [("Alpha", true), ("notes", false), ("Zeta", true)], "sorted by name; hidden folders and other files left out");
    assert!(library.games[1].problem.as_deref().unwrap().contains("too short"), "{:?}", library.games[1].problem);
    let said_count = said(&app, "Library: 2 games found").expect("told when done");
    assert!(said_count.contains("1 files cannot be played"), "{said_count}");
    run_until(&mut app, "the cards", |app| {
        app.world().resource::<phosphor_frontend::home::Home>().cards.iter().any(|c| matches!(c, phosphor_frontend::home::Card::Library(_)))
    });

    // Nothing was played yet: all three are library cards. Alpha starts.
    let cards = app.world().resource::<phosphor_frontend::home::Home>().cards.clone();
    let alpha = cards
        .iter()
        .position(|c| matches!(c, phosphor_frontend::home::Card::Library(g) if g.name == "Alpha"))
        .expect("Alpha has a card");
    nav(&mut app, &[Nav::Pick(alpha)]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Playing);
    run_until(&mut app, "Alpha to start", |app| app.world().resource::<Emulator>().game().is_some_and(|g| g.name == "Alpha.NES"));
    run_until(&mut app, "the folder in the settings file", |_| {
        std::fs::read_to_string(dir.join("config/settings.toml")).is_ok_and(|t| t.contains("roms"))
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pads_buttons_are_remapped_by_pressing_them_and_kept_per_device() {
    use bevy::input::gamepad::{GamepadSettings, RawGamepadButtonChangedEvent, RawGamepadEvent};
    let dir = temp("pad");
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    let mut app = headless(folders.clone(), true);
    app.update();
    let pad = app.world_mut().spawn((Gamepad::default(), GamepadSettings::default(), Name::new("Test Pad"))).id();
    let press = |app: &mut App, button: GamepadButton, value: f32| {
        app.world_mut().write_message(RawGamepadEvent::Button(RawGamepadButtonChangedEvent::new(pad, button, value)));
        app.update();
    };
    app.update();
    app.update();
    assert_eq!(app.world().resource::<phosphor_frontend::menu::SettingsPad>().0.as_deref(), Some("Test Pad"));

    // Home -> Settings -> the pad's "A" row; Enter, then the bottom button.
    run_until(&mut app, "the home list", |app| app.world().resource::<phosphor_frontend::home::Home>().refreshes > 0);
    let cards = app.world().resource::<phosphor_frontend::home::Home>().cards.len();
    nav(&mut app, &[Nav::Pick(cards - 1)]);
    let rows = phosphor_frontend::menu::rows_for(Some("Test Pad"));
    let row = rows.iter().position(|r| *r == Row::PadBind(0)).expect("the pad's rows are shown");
    nav(&mut app, &[Nav::Pick(row)]);
    assert_eq!(app.world().resource::<phosphor_frontend::menu::Menu>().capturing_pad, Some(("Test Pad".into(), 0)));
    press(&mut app, GamepadButton::South, 1.0);
    press(&mut app, GamepadButton::South, 0.0);
    assert_eq!(app.world().resource::<phosphor_frontend::menu::Menu>().capturing_pad, None);
    let settings = app.world().resource::<Settings>();
    assert_eq!(settings.input.pad_button("Test Pad", 0), Some(GamepadButton::South));
    assert_eq!(settings.input.pad_button("Test Pad", 1), Some(GamepadButton::East), "B took the right button");
    assert_eq!(settings.input.pad_button("Another Pad", 0), Some(GamepadButton::East), "other devices keep the default");

    // In the game, the bottom button is now A on this pad.
    nav(&mut app, &[Nav::Back]);
    app.world_mut().write_message(LoadRom::new("Phosphor demo", DEMO));
    run_until(&mut app, "the demo", |app| app.world().resource::<Emulator>().game().is_some());
    nav(&mut app, &[Nav::Back]);
    assert_eq!(*app.world().resource::<Screen>(), Screen::Playing, "Esc on the home screen returns to the game");
    app.world_mut().write_message(RawGamepadEvent::Button(RawGamepadButtonChangedEvent::new(pad, GamepadButton::South, 1.0)));
    app.update();
    let held = app.world().resource::<phosphor_emulation::Pads>().buttons[0];
    assert_eq!(held & phosphor_nes::button::A, phosphor_nes::button::A, "pads: {held:08b}");
    assert_eq!(held & phosphor_nes::button::B, 0);
    run_until(&mut app, "the profile in the file", |_| {
        std::fs::read_to_string(folders.settings()).is_ok_and(|t| t.contains("[input.pads.\"Test Pad\"]") && t.contains("a = \"South\""))
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_dropped_on_the_window_starts_and_a_bad_one_says_why() {
    use bevy::window::FileDragAndDrop;
    let dir = temp("drop");
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    let good = dir.join("Dropped Game.nes");
    let mut rom = DEMO.to_vec();
    rom[16 + 0x100] ^= 0xFF;
    std::fs::write(&good, &rom).unwrap();
    let bad = dir.join("photo.nes");
    std::fs::write(&bad, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]).unwrap();

    let mut app = headless(folders, true);
    app.update();
    app.world_mut().write_message(FileDragAndDrop::DroppedFile { window: Entity::PLACEHOLDER, path_buf: bad });
    app.update();
    run_until(&mut app, "the refusal", |app| said(app, "photo.nes was not loaded").is_some());
    let message = said(&app, "photo.nes was not loaded").unwrap();
    assert!(message.contains("not an iNES ROM"), "{message}");
    app.update();
    assert_eq!(*app.world().resource::<Screen>(), Screen::Home, "refused: back to the home screen");

    app.world_mut().write_message(FileDragAndDrop::DroppedFile { window: Entity::PLACEHOLDER, path_buf: good });
    app.update();
    assert_eq!(*app.world().resource::<Screen>(), Screen::Playing);
    run_until(&mut app, "the dropped game", |app| {
        app.world().resource::<Emulator>().game().is_some_and(|g| g.name == "Dropped Game.nes")
    });
    keeps_running(&mut app);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn open_rom_browses_folders_with_the_keys_and_starts_the_file_picked() {
    use phosphor_frontend::browse::Entry;
    use phosphor_frontend::home::{Card, Home};
    let dir = temp("browse");
    let folders = Folders { data: dir.join("data"), config: dir.join("config") };
    let roms = dir.join("roms");
    std::fs::create_dir_all(roms.join("Homebrew")).unwrap();
    let mut rom = DEMO.to_vec();
    rom[16 + 0x100] ^= 0xFF;
    std::fs::write(roms.join("Homebrew/Picked.nes"), &rom).unwrap();

    let mut app = headless(folders, true);
    app.update();
    app.world_mut().resource_mut::<Settings>().library.folder = Some(roms.clone());
    run_until(&mut app, "the scan", |app| app.world().resource::<phosphor_frontend::library::Library>().scans == 1);
    run_until(&mut app, "the cards", |app| app.world().resource::<Home>().cards.iter().any(|c| matches!(c, Card::Library(_))));
    let open = app.world().resource::<Home>().cards.iter().position(|c| *c == Card::OpenRom).unwrap();
    nav(&mut app, &[Nav::Pick(open)]);
    let browser = app.world().resource::<Home>().browser.clone().expect("the browser opens");
    assert_eq!(browser.dir, roms, "on the library folder");
    assert_eq!(browser.entries[browser.cursor], Entry::Folder(roms.join("Homebrew")), "no ROM here: on the folder");
    nav(&mut app, &[Nav::Accept]);
    let browser = app.world().resource::<Home>().browser.clone().unwrap();
    assert_eq!(browser.entries[browser.cursor], Entry::Rom(roms.join("Homebrew/Picked.nes")));
    nav(&mut app, &[Nav::Left]);
    assert_eq!(app.world().resource::<Home>().browser.as_ref().unwrap().dir, roms, "Left goes up");
    nav(&mut app, &[Nav::Accept, Nav::Accept]);
    assert!(app.world().resource::<Home>().browser.is_none());
    assert_eq!(*app.world().resource::<Screen>(), Screen::Playing);
    run_until(&mut app, "the picked game", |app| app.world().resource::<Emulator>().game().is_some_and(|g| g.name == "Picked.nes"));
    let _ = std::fs::remove_dir_all(&dir);
}
