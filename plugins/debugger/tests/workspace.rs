//! The debugger workspace in a headless app (no egui drawing; everything
//! the panels read and ask for): the code view follows PC while the game
//! runs; the demo's `.dbg` loads from beside its ROM, a breakpoint on a
//! source line stops at the address ld65 gave that line and the code view
//! names it; breakpoints and the layout are kept per game in its save
//! folder and come back with the game.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use phosphor_debugger::files::WORKSPACE_FILE;
use phosphor_debugger::symbols::Place;
use phosphor_debugger::{code_lines, DebugState, DebuggerPlugin, PanelKind, Workspace};
use phosphor_emulation::{EmulationPlugin, Emulator, LoadRom, Telemetry};
use phosphor_input::Hotkey;
use phosphor_io::saves::Folders;
use phosphor_io::BufferPool;
use phosphor_nes::cpu::disasm;
use phosphor_rt::{Config, RunState};
use phosphor_storage::Storage;

const DEMO: &[u8] = include_bytes!("../../../assets/demo/demo.nes");
const DEMO_S: &str = include_str!("../../../assets/demo/demo.s");

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/demo.nes")
}

fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        app.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// An app with the emulation thread and the debugger, its saves under `data`.
fn new_app(data: Option<&Path>, open: bool) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(EmulationPlugin { config: Config::unprivileged() })
        .add_plugins(DebuggerPlugin { headless: true, ..Default::default() })
        .insert_resource(Workspace::shown(open));
    if let Some(dir) = data {
        let folders = Folders { data: dir.to_path_buf(), config: dir.to_path_buf() };
        app.insert_resource(Storage { io: phosphor_io::start(), pool: Arc::new(BufferPool::new(1 << 20)), folders: Some(folders) });
    }
    app
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phosphor-debugger-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn status(app: &App) -> phosphor_rt::Status {
    app.world().resource::<Telemetry>().status
}

#[test]
fn f1_opens_the_workspace_whose_code_view_follows_pc_without_stopping_the_game() {
    let mut app = new_app(None, false);
    app.world_mut().write_message(LoadRom::new("demo", DEMO));
    run_until(&mut app, "the game to run", |app| status(app).frames > 10);
    assert!(app.world().resource::<DebugState>().code_window.is_none(), "nothing asked while closed");

    app.world_mut().write_message(Hotkey::ToggleDebugger);
    app.update();
    assert!(app.world().resource::<Workspace>().is_open(PanelKind::Code));
    run_until(&mut app, "memory around PC", |app| app.world().resource::<DebugState>().code_window.is_some());
    // The window's bytes are the ROM's (the demo's code runs from $C000).
    let (start, bytes) = app.world().resource::<DebugState>().code_window.clone().unwrap();
    for (i, byte) in bytes.iter().enumerate() {
        let addr = start.wrapping_add(i as u16);
        if addr >= 0xC000 {
            assert_eq!(*byte, DEMO[usize::from(addr - 0xC000) + 16], "byte at ${addr:04X}");
        }
    }
    let frames = status(&app).frames;
    run_until(&mut app, "frames while the workspace is open", |app| status(app).frames > frames + 10);
    // The memory panel's highlights: the demo reads and writes its
    // zero-page variables every frame, and never runs code there.
    run_until(&mut app, "access ages for the zero page", |app| {
        let m = &app.world().resource::<DebugState>().memory;
        m.ages.len() >= 0x30 * 3 && (0..0x30).any(|a| m.ages[a * 3] < 5) && (0..0x30).any(|a| m.ages[a * 3 + 1] < 5)
    });
    let m = app.world().resource::<DebugState>().memory.clone();
    assert!((0..0x100).all(|a| m.ages[a * 3 + 2] == 255), "nothing executed from RAM");
    app.world_mut().write_message(Hotkey::ToggleDebugger);
    app.update();
    assert!(!app.world().resource::<Workspace>().open);
}

#[test]
fn a_breakpoint_on_a_source_line_stops_where_ld65_put_it_and_is_kept_with_the_game() {
    let data = temp_dir("source");
    let mut app = new_app(Some(&data), true);
    app.world_mut().write_message(LoadRom::new("demo", DEMO).from_file(demo_path()));
    run_until(&mut app, "the demo's symbols", |app| app.world().resource::<DebugState>().symbols.label_count() > 50);

    // The first line after `main_loop:` with code on it, found from the source.
    let label_line = DEMO_S.lines().position(|l| l.starts_with("main_loop:")).unwrap() + 1;
    let (line, text) = {
        let symbols = &app.world().resource::<DebugState>().symbols;
        (label_line..label_line + 5)
            .find(|&n| !symbols.places_of_line(0, n).is_empty())
            .map(|n| (n, DEMO_S.lines().nth(n - 1).unwrap().trim().to_string()))
            .expect("code after main_loop:")
    };
    let status_now = status(&app);
    assert!(app.world_mut().resource_mut::<DebugState>().toggle_line_breakpoint(0, line, &status_now));
    run_until(&mut app, "the stop at the breakpoint", |app| {
        let s = status(app);
        s.state == RunState::Paused && app.world().resource::<Telemetry>().stop.is_some()
    });
    let pc = status(&app).cpu.pc;
    let state = app.world().resource::<DebugState>();
    let Place::Prg(offset) = state.symbols.place_of("main_loop").unwrap() else { panic!("main_loop is in ROM") };
    assert_eq!(u32::from(pc), 0xC000 + offset, "stopped at main_loop, where ld65 put line {line} ({text})");
    // The instruction there is the one written on the line.
    let mnemonic = disasm::decode(DEMO[16 + usize::from(pc - 0xC000)]).0;
    assert!(text.to_ascii_uppercase().starts_with(mnemonic), "line {line} says '{text}', the ROM has {mnemonic}");

    // The code view names the place.
    run_until(&mut app, "the code view at the stop", |app| {
        let state = app.world().resource::<DebugState>();
        state.code_window.as_ref().is_some_and(|(start, _)| pc.wrapping_sub(*start) < 64)
    });
    let lines = code_lines(app.world().resource::<DebugState>(), &status(&app));
    let here = lines.iter().find(|l| l.is_pc).expect("PC in the code view");
    assert_eq!(here.label.as_deref(), Some("main_loop"));
    assert!(lines.iter().any(|l| l.text.contains("; nmi_count")), "operands are labelled too: {lines:#?}");

    // The same ROM started again is a new machine: it is told the breakpoint too.
    app.world_mut().write_message(LoadRom::new("demo", DEMO).from_file(demo_path()));
    run_until(&mut app, "the restarted game to run", |app| status(app).state == RunState::Running);
    run_until(&mut app, "the restarted game to stop at the breakpoint", |app| {
        let s = status(app);
        s.state == RunState::Paused && s.cpu.pc == pc
    });

    // Kept in the game's save folder, durably, a second or so later.
    let rom_hash = app.world().resource::<Emulator>().game().unwrap().rom_hash;
    let file = Folders { data: data.clone(), config: data.clone() }.game(rom_hash).dir().join(WORKSPACE_FILE);
    run_until(&mut app, "the workspace file", |_| std::fs::read_to_string(&file).is_ok_and(|t| t.contains("[[breakpoints]]")));
    drop(app);

    // The next session of the same game has it back, and it stops there again.
    let mut app = new_app(Some(&data), true);
    app.world_mut().write_message(LoadRom::new("demo", DEMO).from_file(demo_path()));
    run_until(&mut app, "the breakpoint restored and hit", |app| {
        status(app).state == RunState::Paused && app.world().resource::<Telemetry>().stop.is_some()
    });
    assert_eq!(status(&app).cpu.pc, pc);
    assert_eq!(app.world().resource::<DebugState>().breakpoints.len(), 1);
    let _ = std::fs::remove_dir_all(&data);
}

/// The performance panel's press-to-picture figure is measured (the game
/// run twice off the thread from where it is, pressed and not): A shows in
/// the demo two frames after the press, one with a frame of run-ahead.
/// The bar's step back goes to the instruction before, through the rewind
/// history (asked again while the worker decodes).
#[test]
fn latency_is_measured_per_game_and_step_back_goes_to_the_previous_instruction() {
    let mut app = new_app(None, true);
    app.world_mut().write_message(LoadRom::new("demo", DEMO));
    run_until(&mut app, "the game to run", |app| status(app).frames > 90);
    app.world_mut().resource_mut::<DebugState>().measure_latency(1);
    run_until(&mut app, "the measurement", |app| app.world().resource::<DebugState>().latencies.len() == 2);
    let latencies = app.world().resource::<DebugState>().latencies.clone();
    let frames = |n| latencies.iter().find(|r| r.run_ahead == n).and_then(|r| r.frames);
    assert_eq!((frames(0), frames(1)), (Some(2), Some(1)), "{latencies:?}");

    app.world_mut().resource_mut::<Emulator>().toggle_pause().unwrap();
    run_until(&mut app, "the pause", |app| status(app).state == RunState::Paused);
    for _ in 0..50 {
        app.world_mut().resource_mut::<DebugState>().command(phosphor_rt::Command::StepInstruction);
        app.update();
    }
    // The steps are done once their replies are in.
    let deadline = Instant::now() + Duration::from_millis(200);
    while Instant::now() < deadline {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let here = status(&app).cpu;
    app.world_mut().resource_mut::<DebugState>().step_back(phosphor_rt::StepBack::Instruction);
    run_until(&mut app, "the step back", |app| status(app).cpu.cpu_cycle < here.cpu_cycle);
    let back = status(&app).cpu;
    assert!(here.cpu_cycle - back.cpu_cycle <= 8, "one instruction back: {back:?} -> {here:?}");
    assert!(app.world().resource::<DebugState>().problems.is_empty(), "{:?}", app.world().resource::<DebugState>().problems);
}
