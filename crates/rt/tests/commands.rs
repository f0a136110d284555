//! Every command round-trips through the emulation thread with the reply
//! the frontend would show; a panic in the core is reported while the
//! thread lives on and takes a new game.

mod common;

use std::time::Duration;

use common::{call, done, tiny_rom, wait_until, TINY_NMI};
use phosphor_nes::button;
use phosphor_nes::debug::{BreakReason, Breakpoint, StepMode};
use phosphor_rt::{
    Command, CommandError, Config, DebugRequest, Done, Event, Game, RunState, Runtime, Snapshot, MAX_BREAKPOINTS,
};

fn spawn() -> Runtime {
    Runtime::spawn(Config::unprivileged(), Some(Game::from_ines(&tiny_rom()).unwrap())).unwrap()
}

fn read(runtime: &mut Runtime, start: u16, len: usize) -> Vec<u8> {
    match done(runtime, Command::Debug(DebugRequest::ReadMemory { start, buf: vec![0; len] })) {
        Done::Memory { start: s, bytes } if s == start => bytes,
        other => panic!("{other:?}"),
    }
}

/// Waits for the debugger's next stop.
fn next_stop(runtime: &mut Runtime) -> phosphor_rt::DebugStopped {
    let start = std::time::Instant::now();
    loop {
        match runtime.try_event() {
            Some(Event::Stopped(stop)) => return stop,
            Some(_) => {}
            None if start.elapsed() > Duration::from_secs(5) => panic!("no stop within 5 s"),
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

fn registers(runtime: &mut Runtime) -> phosphor_rt::Registers {
    match done(runtime, Command::Debug(DebugRequest::Registers)) {
        Done::Registers(r) => r,
        other => panic!("{other:?}"),
    }
}

fn step_frame(runtime: &mut Runtime) -> u64 {
    match done(runtime, Command::StepFrame) {
        Done::SteppedFrame { frame } => frame,
        other => panic!("{other:?}"),
    }
}

/// Median time between frame starts over the next `frames` frames.
fn median_interval(runtime: &mut Runtime, frames: usize) -> Duration {
    runtime.drain_records(|_| {});
    let mut intervals = Vec::new();
    wait_until("frame records", || {
        runtime.drain_records(|r| {
            if r.interval_ns > 0 {
                intervals.push(r.interval_ns);
            }
        });
        intervals.len() >= frames
    });
    intervals.sort_unstable();
    Duration::from_nanos(intervals[intervals.len() / 2])
}

#[test]
fn pause_step_resume_and_the_debugger() {
    let mut rt = spawn();
    let mut frames = rt.take_frames().unwrap();
    wait_until("five frames", || frames.read().number >= 5);

    let Done::Paused(paused) = done(&mut rt, Command::Pause) else { panic!() };
    let shown = rt.status().frames;
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(rt.status().state, RunState::Paused);
    assert_eq!(rt.status().frames, shown, "no frame runs while paused");

    let Done::SteppedInstruction(stepped) = done(&mut rt, Command::StepInstruction) else { panic!() };
    assert!(stepped.cpu_cycle > paused.cpu_cycle, "one instruction ran");
    let frame = step_frame(&mut rt);
    assert_eq!(frame, stepped.frame + 1);
    assert_eq!(frames.read().number, frame, "the stepped frame was published");
    assert_eq!(rt.status().state, RunState::Paused, "stepping leaves it paused");
    assert_eq!(registers(&mut rt), rt.status().cpu, "the status carries the registers");
    assert_eq!(rt.status().code[..3], [0x4C, 0x05, 0xC0], "and the code at the PC (the JMP loop)");
    assert_eq!(read(&mut rt, 0xC000, 4), [0xA9, 0x80, 0x8D, 0x00]);

    // Input set while paused is latched by the next frame's strobe.
    assert!(rt.input().unwrap().send(0, button::A));
    step_frame(&mut rt);
    // Bits 1-7 of $4016 are open bus; bit 0 is the button.
    assert_eq!(read(&mut rt, 0x6000, 1)[0] & 1, 1, "the game read A held");
    assert!(rt.status().input_latency.is_some(), "and the latency was measured");
    assert!(rt.input().unwrap().send(0, 0));
    step_frame(&mut rt);
    assert_eq!(read(&mut rt, 0x6000, 1)[0] & 1, 0);

    // The live buttons (a keyboard read off the frontend's loop) count
    // only while enabled, and ORed with the ring's.
    let live = std::sync::Arc::clone(rt.live_input());
    live.set([button::A, 0], std::time::Instant::now());
    step_frame(&mut rt);
    assert_eq!(read(&mut rt, 0x6000, 1)[0] & 1, 0, "not taken while disabled");
    live.enable(true);
    let before = rt.status().input_latency;
    step_frame(&mut rt);
    assert_eq!(read(&mut rt, 0x6000, 1)[0] & 1, 1, "taken once enabled");
    assert_ne!(rt.status().input_latency, before, "and timed from when it was enabled");
    live.set([0, 0], std::time::Instant::now());
    assert!(rt.input().unwrap().send(0, button::A));
    step_frame(&mut rt);
    assert_eq!(read(&mut rt, 0x6000, 1)[0] & 1, 1, "the ring's A, live released");
    assert!(rt.input().unwrap().send(0, 0));
    live.set([button::A, 0], std::time::Instant::now());
    step_frame(&mut rt);
    assert_eq!(read(&mut rt, 0x6000, 1)[0] & 1, 1, "live A, the ring's released");
    live.enable(false);
    step_frame(&mut rt);
    assert_eq!(read(&mut rt, 0x6000, 1)[0] & 1, 0, "released when disabled");

    // Breakpoints: the NMI handler runs once a frame.
    let nmi = Breakpoint::exec(1, TINY_NMI);
    assert_eq!(done(&mut rt, Command::Debug(DebugRequest::SetBreakpoint(nmi))), Done::Breakpoints { count: 1 });
    assert_eq!(done(&mut rt, Command::Resume), Done::Resumed);
    let hit = next_stop(&mut rt);
    assert_eq!((hit.reason, hit.registers.pc), (BreakReason::Breakpoint { id: 1 }, TINY_NMI));
    wait_until("the pause at the breakpoint", || rt.status().state == RunState::Paused);
    assert_eq!(registers(&mut rt).pc, TINY_NMI, "stopped before the instruction");
    done(&mut rt, Command::Resume);
    let again = next_stop(&mut rt).registers;
    assert_eq!((again.pc, again.frame), (TINY_NMI, hit.registers.frame + 1), "resuming lets it go once");
    match done(&mut rt, Command::Debug(DebugRequest::BreakpointHits)) {
        Done::BreakpointHits { hits, count } => assert_eq!(&hits[..count], &[(1, 2)]),
        other => panic!("{other:?}"),
    }
    // A step from the stop: into the handler's next instruction, then back out of it.
    assert_eq!(done(&mut rt, Command::Debug(DebugRequest::Step(StepMode::Into))), Done::Debug);
    let stepped = next_stop(&mut rt);
    assert_eq!(stepped.reason, BreakReason::Step);
    assert!(stepped.registers.pc > TINY_NMI && stepped.registers.frame == again.frame);
    assert_eq!(done(&mut rt, Command::Debug(DebugRequest::RemoveBreakpoint(1))), Done::Breakpoints { count: 0 });
    assert_eq!(call(&mut rt, Command::Debug(DebugRequest::RemoveBreakpoint(1))).result, Err(CommandError::NoSuchBreakpoint(1)));
    for id in 0..MAX_BREAKPOINTS as u32 {
        done(&mut rt, Command::Debug(DebugRequest::SetBreakpoint(Breakpoint::exec(id, 0x9000))));
    }
    let reply = call(&mut rt, Command::Debug(DebugRequest::SetBreakpoint(Breakpoint::exec(99, 0x9000))));
    assert_eq!(reply.result, Err(CommandError::TooManyBreakpoints));
    assert_eq!(done(&mut rt, Command::Debug(DebugRequest::ClearBreakpoints)), Done::Breakpoints { count: 0 });

    // Resume runs frames again.
    done(&mut rt, Command::Resume);
    let at = frames.read().number;
    wait_until("frames after resume", || frames.read().number > at + 3);
}

#[test]
fn states_battery_ram_speed_reset_power_cycle_and_load() {
    let mut rt = spawn();
    wait_until("frames", || rt.status().frames >= 3);
    done(&mut rt, Command::Pause);

    // A buffer too small comes back with the error.
    let reply = call(&mut rt, Command::CaptureState(Vec::with_capacity(16)));
    assert!(matches!(reply.result, Err(CommandError::BufferTooSmall { capacity: 16, .. })), "{:?}", reply.result);
    assert_eq!(reply.buffer.map(|b| b.capacity()), Some(16));

    let counter = read(&mut rt, 0x6001, 1)[0];
    let Done::StateCaptured(snapshot) = done(&mut rt, Command::CaptureState(Vec::with_capacity(1 << 20))) else {
        panic!()
    };
    let rom_hash = rt.status().rom_hash;
    assert_eq!(snapshot.rom_hash, rom_hash);
    for _ in 0..5 {
        step_frame(&mut rt);
    }
    assert_eq!(read(&mut rt, 0x6001, 1)[0], counter.wrapping_add(5));
    // Through a file and back, as the frontend does with a slot.
    let file = snapshot.to_file(b"thumb");
    let (from_file, header) = Snapshot::from_file(&file, rom_hash).unwrap();
    assert_eq!(header.thumbnail, b"thumb");
    let Done::StateRestored { frame, buffer } = done(&mut rt, Command::RestoreState(from_file)) else { panic!() };
    assert_eq!(frame, snapshot.frame);
    assert_eq!(buffer, snapshot.body, "the buffer comes back");
    assert_eq!(read(&mut rt, 0x6001, 1)[0], counter, "the machine is back where it was");

    // A state of another game is refused and nothing changes.
    let foreign = Snapshot { rom_hash: rom_hash ^ 1, ..snapshot.clone() };
    let reply = call(&mut rt, Command::RestoreState(foreign));
    assert_eq!(reply.result, Err(CommandError::WrongGame));
    assert!(reply.buffer.is_some());
    assert_eq!(read(&mut rt, 0x6001, 1)[0], counter);
    assert!(matches!(Snapshot::from_file(&file, rom_hash ^ 1), Err(phosphor_nes::state::StateError::WrongRom { .. })));

    let Done::BatteryRam(ram) = done(&mut rt, Command::CopyBatteryRam(Vec::with_capacity(8192))) else { panic!() };
    assert_eq!((ram.len(), ram[1]), (8192, counter));
    assert!(rt.status().battery_writes > 0, "the game writes its battery RAM every frame");

    // Speed: the pacer's period follows; out of range is refused.
    let reply = call(&mut rt, Command::SetSpeed(100.0));
    assert!(matches!(reply.result, Err(CommandError::SpeedOutOfRange { .. })));
    assert_eq!(done(&mut rt, Command::SetSpeed(4.0)), Done::SpeedSet(4.0));
    done(&mut rt, Command::Resume);
    let fast = median_interval(&mut rt, 30);
    done(&mut rt, Command::SetSpeed(1.0));
    let normal = median_interval(&mut rt, 30);
    assert!(fast < normal / 2, "4x: {fast:?} between frames, 1x: {normal:?}");
    assert!(normal > Duration::from_millis(14) && normal < Duration::from_millis(20), "1x: {normal:?}");

    // Reset and power cycle: the CPU starts over; battery RAM survives.
    done(&mut rt, Command::Pause);
    assert_eq!(done(&mut rt, Command::Reset), Done::Reset);
    assert_eq!(registers(&mut rt).pc, 0xC000, "reset vector");
    let kept = read(&mut rt, 0x6001, 1)[0];
    assert_eq!(done(&mut rt, Command::PowerCycle), Done::PowerCycled);
    let r = registers(&mut rt);
    assert_eq!((r.pc, r.frame), (0xC000, 0));
    assert_eq!(read(&mut rt, 0x6001, 1)[0], kept, "battery RAM kept");

    // A new game replaces the old, which is freed off the thread.
    let mut other = tiny_rom();
    other[16 + 0x100] = 0xEA; // a different ROM hash
    let Done::Loaded { rom_hash: new } = done(&mut rt, Command::LoadGame(Game::from_ines(&other).unwrap())) else {
        panic!()
    };
    assert_ne!(new, rom_hash);
    assert_eq!(rt.status().state, RunState::Running);
    wait_until("the replaced game to come back", || {
        rt.collect_garbage();
        rt.freed() == 1
    });
    let game = rt.shutdown().unwrap();
    assert_eq!(game.nes().cartridge().rom_hash(), new);
}

#[test]
fn a_core_panic_is_reported_and_the_thread_takes_a_new_game() {
    let mut rt = spawn();
    let mut frames = rt.take_frames().unwrap();
    wait_until("frames", || frames.read().number >= 2);

    let reply = call(&mut rt, Command::InjectPanic("mapper exploded"));
    assert_eq!(reply.result, Err(CommandError::Faulted));
    let report = loop {
        match rt.try_event() {
            Some(Event::Panicked(report)) => break report,
            Some(_) => {}
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    };
    assert_eq!(report.message(), "mapper exploded");
    assert!(rt.is_alive(), "the thread survived");
    assert_eq!(rt.status().state, RunState::Faulted);
    assert_eq!(rt.status().panics, 1);

    // A faulted machine does not run, and says why.
    assert_eq!(call(&mut rt, Command::Resume).result, Err(CommandError::Faulted));
    let reply = call(&mut rt, Command::CaptureState(Vec::with_capacity(1 << 20)));
    assert_eq!(reply.result, Err(CommandError::Faulted));
    assert!(reply.buffer.is_some());
    let stuck = frames.read().number;
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(frames.read().number, stuck);

    // A new game runs.
    assert!(matches!(done(&mut rt, Command::LoadGame(Game::from_ines(&tiny_rom()).unwrap())), Done::Loaded { .. }));
    assert_eq!(rt.status().state, RunState::Running);
    wait_until("frames from the new game", || {
        let frame = frames.read();
        frame.number >= 3 && frame.finished_at.is_some_and(|t| t.elapsed() < Duration::from_secs(1))
    });

    // A second panic, and a power cycle brings the machine back too.
    call(&mut rt, Command::InjectPanic("again"));
    wait_until("the second fault", || rt.status().panics == 2);
    assert_eq!(done(&mut rt, Command::PowerCycle), Done::PowerCycled);
    assert_eq!(rt.status().state, RunState::Running);
    let game = rt.shutdown();
    assert!(game.is_some(), "the thread ended cleanly and handed the game back");
}

#[test]
fn with_no_game_commands_say_so() {
    let mut rt = Runtime::spawn(Config::unprivileged(), None).unwrap();
    wait_until("the thread's start", || matches!(rt.try_event(), Some(Event::Started(_))));
    assert_eq!(rt.status().state, RunState::NoGame);
    for command in [Command::Resume, Command::StepFrame, Command::Reset, Command::PowerCycle] {
        assert_eq!(call(&mut rt, command).result, Err(CommandError::NoGame));
    }
    let reply = call(&mut rt, Command::CopyBatteryRam(Vec::new()));
    assert_eq!(reply.result, Err(CommandError::NoGame));
    done(&mut rt, Command::LoadGame(Game::from_ines(&tiny_rom()).unwrap()));
    wait_until("frames", || rt.status().frames > 2);
}
