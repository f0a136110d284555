//! The debugger plugin in a headless app: F1 opens the panel; while open
//! it keeps a copy of the memory around PC, asked of the emulation thread
//! between frames, and the game keeps running all the while.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use phosphor_debugger::{overlay::Notices, DebuggerPanel, DebuggerPlugin};
use phosphor_emulation::{EmulationPlugin, LoadRom, Telemetry};
use phosphor_input::Hotkey;
use phosphor_rt::Config;

const DEMO: &[u8] = include_bytes!("../../../assets/demo/demo.nes");

fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        app.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn f1_opens_the_panel_which_follows_pc_without_stopping_the_game() {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(EmulationPlugin { config: Config::unprivileged() })
        .add_plugins(DebuggerPlugin { headless: true, ..Default::default() });
    app.world_mut().write_message(LoadRom::new("demo", DEMO));
    run_until(&mut app, "the game to run", |app| app.world().resource::<Telemetry>().status.frames > 10);
    assert!(app.world().resource::<DebuggerPanel>().memory.is_none(), "nothing asked while closed");
    assert!(
        app.world().resource::<Notices>().shown.iter().any(|(_, text)| text == "Playing demo"),
        "the start is announced"
    );

    app.world_mut().write_message(Hotkey::ToggleDebugger);
    app.update();
    assert!(app.world().resource::<DebuggerPanel>().open);
    run_until(&mut app, "memory around PC", |app| app.world().resource::<DebuggerPanel>().memory.is_some());

    // The window covers the PC of the status it was asked from, and its
    // bytes are the ROM's (the demo's code runs from $C000).
    let (start, bytes) = app.world().resource::<DebuggerPanel>().memory.clone().unwrap();
    assert_eq!(bytes.len(), 96);
    assert!(start >= 0xC000 - 48, "window at ${start:04X}");
    let offset = |a: u16| usize::from(a - 0xC000) + 16;
    for (i, byte) in bytes.iter().enumerate() {
        let addr = start.wrapping_add(i as u16);
        if addr >= 0xC000 {
            assert_eq!(*byte, DEMO[offset(addr)], "byte at ${addr:04X}");
        }
    }
    let frames = app.world().resource::<Telemetry>().status.frames;
    run_until(&mut app, "frames while the panel is open", |app| {
        app.world().resource::<Telemetry>().status.frames > frames + 10
    });

    app.world_mut().write_message(Hotkey::ToggleDebugger);
    app.update();
    assert!(!app.world().resource::<DebuggerPanel>().open);
}
