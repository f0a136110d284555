//! The emulation thread's loop makes no heap call over 10 seconds of
//! real-time running with input, sound, telemetry and commands flowing,
//! and every debugger feature armed (breakpoints with conditions, trace,
//! code/data log, access counters, freezes, steps). The
//! count comes from the runtime's own counting allocator, installed here as
//! the program's allocator, which watches the thread from the moment its
//! loop starts.

mod common;

use std::time::{Duration, Instant};

use common::{call, done};
use phosphor_nes::debug::{kind, AddressSpace, BreakOptions, Breakpoint, Condition, MemorySpace, StepMode};
use phosphor_rt::{Command, Config, CountingAllocator, DebugRequest, Done, Game, Runtime, SimulatedDevice, Snapshot};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// Every debugger feature on at once, none of them stopping the game.
fn arm_the_debugger(rt: &mut Runtime) {
    let never = Condition::parse("a == $100 && scanline > 10").unwrap();
    let requests = [
        DebugRequest::SetBreakpoint(Breakpoint::exec(1, 0x1234)),
        DebugRequest::SetBreakpoint(Breakpoint::on(2, kind::READ | kind::WRITE, AddressSpace::Cpu, 0x0000, 0x07FF).with_condition(never)),
        DebugRequest::SetBreakpoint(Breakpoint::on(3, kind::EXEC, AddressSpace::PrgRom, 0, 0xFFFFF).with_condition(never)),
        DebugRequest::SetBreakOptions(BreakOptions { on_jam: true, ..Default::default() }),
        DebugRequest::Trace { on: true, filter: Some(Condition::parse("pc >= $8000").unwrap()) },
        DebugRequest::CodeDataLog(true),
        DebugRequest::AccessCounters(true),
        DebugRequest::Freeze { addr: 0x07FF, value: Some(0x12) },
    ];
    for request in requests {
        done(rt, Command::Debug(request));
    }
}

#[test]
fn ten_seconds_of_real_time_running_allocate_nothing() {
    // A real game with music when the ROMs are there; the tiny one if not.
    let rom = phosphor_conformance::load("ny2011/ny2011.nes").unwrap_or_else(common::tiny_rom);
    let game = Game::from_ines(&rom).unwrap();
    // The default configuration: the same requests as the player's build.
    let mut rt = Runtime::spawn(Config::default(), Some(game)).unwrap();
    let mut frames = rt.take_frames().unwrap();
    let mut trace = rt.take_trace().unwrap();
    arm_the_debugger(&mut rt);
    let mut traced = 0u64;

    // The sound card: 240 samples every 5 ms.
    let device = SimulatedDevice::start(rt.take_audio().unwrap(), Duration::from_millis(5));

    let started = Instant::now();
    let mut state = Vec::with_capacity(1 << 20);
    let mut records = 0;
    let mut round = 0u32;
    // A sound probe's clicks, and the lead changed while it plays.
    let marker = rt.sound_marker();
    while started.elapsed() < Duration::from_secs(10) {
        // A player: a new button every 7 ms or so.
        round += 1;
        if round.is_multiple_of(20) {
            marker.request();
        }
        if round.is_multiple_of(300) {
            let lead = Duration::from_millis(u64::from(6 + round / 300 % 3 * 10));
            rt.set_audio_lead(lead, Duration::from_millis(32));
        }
        rt.input().unwrap().send(0, (round % 256) as u8);
        rt.input().unwrap().send(1, (round / 3 % 256) as u8);
        // And a keyboard read directly, its keys taken and let go.
        rt.live_input().set([(round / 5 % 256) as u8, 0], Instant::now());
        rt.live_input().enable(!round.is_multiple_of(7));
        records += rt.drain_records(|_| {});
        let _ = frames.read().number;
        let _ = rt.status().frames;
        while trace.pop().is_some() {
            traced += 1;
        }
        if round.is_multiple_of(250) {
            // Now and then, every kind of command.
            done(&mut rt, Command::Pause);
            done(&mut rt, Command::StepInstruction);
            done(&mut rt, Command::StepFrame);
            let Done::StateCaptured(snapshot) = done(&mut rt, Command::CaptureState(std::mem::take(&mut state)))
            else {
                panic!()
            };
            let Done::StateRestored { buffer, .. } = done(&mut rt, Command::RestoreState(snapshot)) else { panic!() };
            state = buffer;
            let wrong = Snapshot { rom_hash: 1, frame: 0, body: std::mem::take(&mut state) };
            state = call(&mut rt, Command::RestoreState(wrong)).buffer.unwrap();
            done(&mut rt, Command::Debug(DebugRequest::Registers));
            done(&mut rt, Command::Debug(DebugRequest::ReadMemory { start: 0x8000, buf: vec![0; 64] }));
            done(&mut rt, Command::Debug(DebugRequest::SetBreakpoint(Breakpoint::exec(4, 0x1235))));
            done(&mut rt, Command::Debug(DebugRequest::ReadSpace { space: MemorySpace::Oam, start: 0, buf: vec![0; 256] }));
            done(&mut rt, Command::Debug(DebugRequest::AccessAges { start: 0, buf: vec![0; 3 * 256] }));
            done(&mut rt, Command::Debug(DebugRequest::WriteMemory { space: MemorySpace::CpuBus, addr: 0x7FE, value: 1 }));
            done(&mut rt, Command::Debug(DebugRequest::CallStack));
            done(&mut rt, Command::Debug(DebugRequest::BreakpointHits));
            done(&mut rt, Command::Debug(DebugRequest::CopyCodeDataLog(Vec::with_capacity(1 << 20))));
            done(&mut rt, Command::Debug(DebugRequest::Step(StepMode::Over)));
            done(&mut rt, Command::Debug(DebugRequest::Step(StepMode::Scanline)));
            // Stopping inside an instruction keeps the machine aside in a buffer made beforehand.
            done(&mut rt, Command::Debug(DebugRequest::Step(StepMode::Dots(1))));
            std::thread::sleep(Duration::from_millis(20));
            done(&mut rt, Command::Debug(DebugRequest::Step(StepMode::Cycles(1))));
            std::thread::sleep(Duration::from_millis(20));
            done(&mut rt, Command::Debug(DebugRequest::WriteMemory { space: MemorySpace::CpuBus, addr: 0x7FD, value: 2 }));
            call(&mut rt, Command::CopyBatteryRam(Vec::with_capacity(0x2000)));
            done(&mut rt, Command::SetSpeed(1.5));
            done(&mut rt, Command::Resume);
            std::thread::sleep(Duration::from_millis(100));
            done(&mut rt, Command::SetSpeed(1.0));
            done(&mut rt, Command::Debug(DebugRequest::ClearBreakpoints));
            if round.is_multiple_of(500) {
                done(&mut rt, Command::Reset);
                // A new game, built here; the old one is freed here too.
                done(&mut rt, Command::LoadGame(Game::from_ines(&rom).unwrap()));
                arm_the_debugger(&mut rt);
            } else {
                done(&mut rt, Command::PowerCycle);
            }
        }
        std::thread::sleep(Duration::from_millis(7));
    }

    let status = *rt.status();
    let heard = device.stop();
    assert!(status.frames > 400, "it ran: {} frames", status.frames);
    assert!(records > 400, "telemetry flowed: {records} records");
    assert!(heard > 48_000 * 5, "sound flowed: {heard} samples");
    assert!(marker.last().is_some_and(|m| m.count > 20), "clicks went in: {:?}", marker.last());
    assert!(round > 1000, "input flowed: {round} rounds");
    assert!(traced > 100_000, "the trace flowed: {traced} entries");
    assert_eq!(status.rt_heap_calls, Some(0), "heap calls on the emulation thread");
    assert!(rt.freed() >= 1, "replaced games came back to be freed");

    // The count is real: a panic allocates (its message), and it shows.
    call(&mut rt, Command::InjectPanic("counted"));
    common::wait_until("the fault", || rt.status().panics == 1);
    assert!(rt.status().rt_heap_calls.unwrap() > 0, "a panic's allocations are counted");
}

/// Time control armed: run-ahead 2 with the buttons changing, rewind
/// recording every frame, a 2 s rewind, frame advance (forwards and with
/// the rewind key held) and a step back in the middle, for 10 s: still no
/// heap call on the emulation thread (the rewind worker allocates on its own).
#[test]
fn ten_seconds_of_run_ahead_and_rewind_allocate_nothing() {
    let rom = phosphor_conformance::load("ny2011/ny2011.nes").unwrap_or_else(common::tiny_rom);
    let mut rt = Runtime::spawn(Config::default(), Some(Game::from_ines(&rom).unwrap())).unwrap();
    let device = SimulatedDevice::start(rt.take_audio().unwrap(), Duration::from_millis(5));
    done(&mut rt, Command::SetRunAhead(2));
    let started = Instant::now();
    let mut round = 0u32;
    let mut rewound = false;
    while started.elapsed() < Duration::from_secs(10) {
        round += 1;
        rt.input().unwrap().send(0, ((round / 20) % 4) as u8);
        rt.drain_records(|_| {});
        if !rewound && started.elapsed() > Duration::from_secs(4) {
            rewound = true;
            done(&mut rt, Command::Rewind(true));
            std::thread::sleep(Duration::from_secs(2));
            done(&mut rt, Command::Pause);
            let _ = call(&mut rt, Command::StepFrame);
            done(&mut rt, Command::Rewind(false));
            done(&mut rt, Command::StepFrame);
            std::thread::sleep(Duration::from_millis(20));
            let _ = call(&mut rt, Command::Debug(DebugRequest::StepBack(phosphor_rt::StepBack::Instruction)));
            done(&mut rt, Command::Resume);
        }
        std::thread::sleep(Duration::from_millis(7));
    }
    let status = *rt.status();
    device.stop();
    assert!(status.frames > 400, "it ran: {} frames", status.frames);
    assert_eq!(status.run_ahead, 2, "run-ahead was on");
    assert!(status.run_ahead_reruns > 10, "and ran again when the buttons changed: {}", status.run_ahead_reruns);
    assert!(status.rewind.frames > 300, "the history was kept: {:?}", status.rewind);
    assert_eq!(status.rt_heap_calls, Some(0), "heap calls on the emulation thread");
}
