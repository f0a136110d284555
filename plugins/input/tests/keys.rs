//! A key press, through the input plugin and the emulation plugin's input
//! ring, reaches the game as the right controller bits: our demo ROM reads
//! controller 1 into RAM $0003 (A in bit 7 ... Right in bit 0) and moves
//! its ship (X at $0000) with it.

use std::time::{Duration, Instant};

use bevy::input::InputPlugin as BevyInputPlugin;
use bevy::prelude::*;
use phosphor_emulation::{EmuReply, EmulationPlugin, Emulator, LoadRom, Pads};
use phosphor_input::InputPlugin;
use phosphor_nes::button;
use phosphor_rt::{Command, Config, DebugRequest, Done};

const DEMO: &[u8] = include_bytes!("../../../assets/demo/demo.nes");

#[derive(Resource, Default)]
struct Replies(Vec<(u64, Vec<u8>)>);

fn collect(mut replies: MessageReader<'_, '_, EmuReply>, mut out: ResMut<'_, Replies>) {
    for reply in replies.read() {
        if let Ok(Done::Memory { bytes, .. }) = &reply.result {
            out.0.push((reply.id, bytes.clone()));
        }
    }
}

fn app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, BevyInputPlugin))
        .add_plugins(EmulationPlugin { config: Config::unprivileged() })
        .add_plugins(InputPlugin)
        .init_resource::<Replies>()
        .add_systems(Update, collect);
    app.world_mut().write_message(LoadRom::new("demo", DEMO));
    app
}

/// Reads `len` bytes of the running game's memory from `start`.
fn peek(app: &mut App, start: u16, len: usize) -> Vec<u8> {
    let id = app
        .world_mut()
        .resource_mut::<Emulator>()
        .send(Command::Debug(DebugRequest::ReadMemory { start, buf: vec![0; len] }))
        .expect("queued");
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        app.update();
        if let Some((_, bytes)) = app.world().resource::<Replies>().0.iter().find(|(i, _)| *i == id) {
            return bytes.clone();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("no reply to ReadMemory");
}

/// A key event as the window would deliver it.
fn key(app: &mut App, key_code: KeyCode, down: bool) {
    use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
    use bevy::input::ButtonState;
    app.world_mut().write_message(KeyboardInput {
        key_code,
        logical_key: Key::Unidentified(NativeKey::Unidentified),
        state: if down { ButtonState::Pressed } else { ButtonState::Released },
        text: None,
        repeat: false,
        window: Entity::PLACEHOLDER,
    });
}

fn run_for(app: &mut App, time: Duration) {
    let end = Instant::now() + time;
    while Instant::now() < end {
        app.update();
        std::thread::sleep(Duration::from_millis(4));
    }
}

#[test]
fn arrow_right_reaches_the_game_as_controller_1_right() {
    let mut app = app();
    run_for(&mut app, Duration::from_millis(300));
    let x_before = peek(&mut app, 0x0000, 1)[0];
    assert_eq!(peek(&mut app, 0x0003, 1)[0], 0, "nothing held yet");

    key(&mut app, KeyCode::ArrowRight, true);
    key(&mut app, KeyCode::KeyX, true);
    run_for(&mut app, Duration::from_millis(300));
    assert_eq!(app.world().resource::<Pads>().buttons, [button::RIGHT | button::A, 0]);
    // The game's own reading of the pad: Right is bit 0, A bit 7.
    assert_eq!(peek(&mut app, 0x0003, 1)[0], 0x81);
    let x_after = peek(&mut app, 0x0000, 1)[0];
    assert!(x_after > x_before, "the ship moved right: {x_before} -> {x_after}");

    key(&mut app, KeyCode::ArrowRight, false);
    key(&mut app, KeyCode::KeyX, false);
    run_for(&mut app, Duration::from_millis(200));
    assert_eq!(peek(&mut app, 0x0003, 1)[0], 0, "released");
}

#[test]
fn player_two_keys_set_controller_2() {
    let mut app = app();
    key(&mut app, KeyCode::KeyA, true);
    key(&mut app, KeyCode::KeyE, true);
    app.update();
    app.update();
    assert_eq!(app.world().resource::<Pads>().buttons, [0, button::LEFT | button::START]);
}

#[test]
fn hotkeys_pause_and_resume_the_thread() {
    let mut app = app();
    run_for(&mut app, Duration::from_millis(300));
    key(&mut app, KeyCode::Escape, true);
    app.update();
    key(&mut app, KeyCode::Escape, false);
    app.update();
    assert!(app.world().resource::<Emulator>().paused());
    run_for(&mut app, Duration::from_millis(200));
    let frame = app.world().resource::<phosphor_emulation::Telemetry>().status.frames;
    run_for(&mut app, Duration::from_millis(200));
    assert_eq!(app.world().resource::<phosphor_emulation::Telemetry>().status.frames, frame, "no frames while paused");
    key(&mut app, KeyCode::Escape, true);
    app.update();
    assert!(!app.world().resource::<Emulator>().paused());
    run_for(&mut app, Duration::from_millis(200));
    assert!(app.world().resource::<phosphor_emulation::Telemetry>().status.frames > frame);
}

#[test]
fn pads_seat_in_connection_order_and_hot_plugging_takes_the_free_slot() {
    let mut app = app();
    let first = app.world_mut().spawn(Gamepad::default()).id();
    app.update();
    let second = app.world_mut().spawn(Gamepad::default()).id();
    app.update();
    assert_eq!(app.world().resource::<phosphor_input::PadSlots>().players, [Some(first), Some(second)]);

    // Right face button is A, bottom is B; the left stick steers.
    app.world_mut().get_mut::<Gamepad>(first).unwrap().digital_mut().press(GamepadButton::East);
    let mut pad2 = app.world_mut().get_mut::<Gamepad>(second).unwrap();
    pad2.digital_mut().press(GamepadButton::South);
    pad2.analog_mut().set(GamepadAxis::LeftStickX, -0.9);
    app.update();
    assert_eq!(app.world().resource::<Pads>().buttons, [button::A, button::B | button::LEFT]);
    let pads = phosphor_rt::input_source::pad;
    assert_eq!(app.world().resource::<Pads>().sources, [pads(0), pads(1)], "each port's change told as its pad's");
    // A key on player 1's port: that change is the keyboard's.
    key(&mut app, KeyCode::Enter, true);
    app.update();
    assert_eq!(app.world().resource::<Pads>().buttons[0], button::A | button::START);
    assert_eq!(app.world().resource::<Pads>().sources, [phosphor_rt::input_source::KEYBOARD, pads(1)]);
    key(&mut app, KeyCode::Enter, false);
    app.update();

    // Player 1's pad goes; a new one takes its place, player 2 keeps theirs.
    app.world_mut().despawn(first);
    app.update();
    assert_eq!(app.world().resource::<phosphor_input::PadSlots>().players, [None, Some(second)]);
    let third = app.world_mut().spawn(Gamepad::default()).id();
    app.update();
    assert_eq!(app.world().resource::<phosphor_input::PadSlots>().players, [Some(third), Some(second)]);
}

#[derive(Resource, Default)]
struct Seen(Vec<phosphor_input::Hotkey>);

fn seen(mut hotkeys: MessageReader<'_, '_, phosphor_input::Hotkey>, mut out: ResMut<'_, Seen>) {
    out.0.extend(hotkeys.read().copied());
}

/// Presses and lets go of a key, with Shift held if asked.
fn tap(app: &mut App, code: KeyCode, shift: bool) {
    if shift {
        key(app, KeyCode::ShiftLeft, true);
    }
    key(app, code, true);
    key(app, code, false);
    if shift {
        key(app, KeyCode::ShiftLeft, false);
    }
    app.update();
    app.update();
}

#[test]
fn the_debugger_has_f5_f10_f11_while_it_has_focus_and_text_fields_take_every_key() {
    use phosphor_input::{DebugKey, Hotkey, KeyboardFocus};
    let mut app = app();
    app.init_resource::<Seen>().add_systems(Update, seen);
    app.update();
    let taken = |app: &mut App, code, shift| {
        app.world_mut().resource_mut::<Seen>().0.clear();
        tap(app, code, shift);
        std::mem::take(&mut app.world_mut().resource_mut::<Seen>().0)
    };
    // The emulator's keys while the game has focus.
    assert_eq!(taken(&mut app, KeyCode::F5, false), vec![Hotkey::SaveState]);
    assert_eq!(taken(&mut app, KeyCode::F11, false), vec![Hotkey::Fullscreen]);
    assert_eq!(taken(&mut app, KeyCode::F10, false), vec![]);
    // The debugger's while it has focus.
    app.insert_resource(KeyboardFocus { debugger: true, text_entry: false });
    assert_eq!(taken(&mut app, KeyCode::F5, false), vec![Hotkey::Debug(DebugKey::Continue)]);
    assert_eq!(taken(&mut app, KeyCode::F10, false), vec![Hotkey::Debug(DebugKey::StepOver)]);
    assert_eq!(taken(&mut app, KeyCode::F11, false), vec![Hotkey::Debug(DebugKey::StepInto)]);
    assert_eq!(taken(&mut app, KeyCode::F11, true), vec![Hotkey::Debug(DebugKey::StepOut)]);
    assert_eq!(taken(&mut app, KeyCode::F1, false), vec![Hotkey::ToggleDebugger], "the others stay");
    // Typing into a field: neither hotkeys nor the game see the keys.
    app.insert_resource(KeyboardFocus { debugger: true, text_entry: true });
    assert_eq!(taken(&mut app, KeyCode::F5, false), vec![]);
    key(&mut app, KeyCode::KeyX, true);
    run_for(&mut app, Duration::from_millis(50));
    assert_eq!(app.world().resource::<Pads>().buttons[0], 0, "X typed into a field is not the A button");
    app.insert_resource(KeyboardFocus::default());
    run_for(&mut app, Duration::from_millis(50));
    assert_eq!(app.world().resource::<Pads>().buttons[0], button::A, "held X is A again once the field lets go");
}

/// Backspace held runs the demo backwards (the thread's frame number goes
/// down) and let go plays on; K advances exactly one frame a press, paused; P resumes.
#[test]
fn backspace_rewinds_k_advances_a_frame_and_p_resumes() {
    let mut app = app();
    let frame = |app: &App| app.world().resource::<phosphor_emulation::Telemetry>().status.cpu.frame;
    run_for(&mut app, Duration::from_millis(1500));
    let before = frame(&app);
    assert!(before > 60, "the demo ran: frame {before}");
    key(&mut app, KeyCode::Backspace, true);
    run_for(&mut app, Duration::from_millis(600));
    let status = app.world().resource::<phosphor_emulation::Telemetry>().status;
    assert!(status.rewind.rewinding, "{:?}", status.rewind);
    key(&mut app, KeyCode::Backspace, false);
    run_for(&mut app, Duration::from_millis(50));
    let rewound = frame(&app);
    assert!(rewound + 20 < before, "went back: {before} -> {rewound}");
    run_for(&mut app, Duration::from_millis(300));
    assert!(frame(&app) > rewound + 5, "plays on after the key is let go");

    key(&mut app, KeyCode::KeyK, true);
    key(&mut app, KeyCode::KeyK, false);
    run_for(&mut app, Duration::from_millis(200));
    let paused_at = frame(&app);
    for _ in 0..3 {
        key(&mut app, KeyCode::KeyK, true);
        key(&mut app, KeyCode::KeyK, false);
        run_for(&mut app, Duration::from_millis(100));
    }
    assert_eq!(frame(&app), paused_at + 3, "three presses, three frames");
    assert!(app.world().resource::<Emulator>().paused());
    key(&mut app, KeyCode::KeyP, true);
    key(&mut app, KeyCode::KeyP, false);
    run_for(&mut app, Duration::from_millis(300));
    assert!(frame(&app) > paused_at + 10, "P resumes");
}
