//! Rewind through the runtime: 1,200 frames played with scripted input
//! (a reset and a state load among them), then 300 frames back one at a
//! time (frame advance with the rewind key held, so the test is not a
//! race with the clock). At every frame on the way back the machine's
//! capture equals the one recorded at that point on the way forward; let
//! go, and playing the same input forward again reaches the same final
//! frame hash. The debugger's step back lands on the previous
//! instruction (one step forward is where it was), and a scanline and a
//! frame's worth of cycles earlier.

mod common;

use std::time::{Duration, Instant};

use common::{call, done};
use phosphor_rt::{Command, CommandError, Config, DebugRequest, Done, Game, Registers, Runtime, Snapshot, StepBack};

fn fnv(bytes: &[u8]) -> u64 {
    phosphor_nes::state::fnv1a(phosphor_nes::state::FNV_OFFSET, bytes)
}

fn rom() -> Vec<u8> {
    phosphor_conformance::load("ny2011/ny2011.nes").unwrap_or_else(common::tiny_rom)
}

fn buttons(step: u32) -> u8 {
    let mut x = step.wrapping_mul(0x9E37_79B9);
    x ^= x >> 15;
    if step % 40 < 25 { (x >> 8) as u8 } else { 0 }
}

fn capture(rt: &mut Runtime) -> (u64, Snapshot) {
    let Done::StateCaptured(snapshot) = done(rt, Command::CaptureState(Vec::with_capacity(1 << 20))) else { panic!() };
    (fnv(&snapshot.body), snapshot)
}

/// Retries what the worker may not have decoded yet.
fn patiently(rt: &mut Runtime, command: impl Fn() -> Command) -> Result<Done, CommandError> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match call(rt, command()).result {
            Err(CommandError::HistoryNotReady) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            other => return other,
        }
    }
}

fn step(rt: &mut Runtime, i: u32) {
    rt.input().unwrap().send(0, buttons(i));
    done(rt, Command::StepFrame);
}

#[test]
fn rewinding_300_frames_gives_back_every_state_and_replaying_meets_the_same_end() {
    let mut rt = Runtime::spawn(Config::unprivileged(), Some(Game::from_ines(&rom()).unwrap())).unwrap();
    done(&mut rt, Command::Pause);
    // What each point of the timeline looked like, in order; the jump
    // points (a reset, a load) are points of their own.
    let mut timeline = vec![capture(&mut rt).0];
    let mut jumps = Vec::new();
    let mut kept = None;
    let play = |rt: &mut Runtime, i: u32, timeline: &mut Vec<u64>, jumps: &mut Vec<usize>, kept: &mut Option<Snapshot>| {
        step(rt, i);
        timeline.push(capture(rt).0);
        if i == 950 && kept.is_none() {
            *kept = Some(capture(rt).1);
        }
        if i == 1000 {
            done(rt, Command::Reset);
            jumps.push(timeline.len());
            timeline.push(capture(rt).0);
        }
        if i == 1100 {
            done(rt, Command::RestoreState(kept.clone().unwrap()));
            jumps.push(timeline.len());
            timeline.push(capture(rt).0);
        }
    };
    for i in 1..=1200u32 {
        play(&mut rt, i, &mut timeline, &mut jumps, &mut kept);
    }
    let end = timeline.len() - 1;
    let final_hash = timeline[end];
    let loaded_frame = kept.as_ref().map_or(0, |s: &Snapshot| s.frame);

    done(&mut rt, Command::Rewind(true));
    let mut registers = Vec::new();
    for back in 1..=300 {
        patiently(&mut rt, || Command::StepFrame).unwrap_or_else(|e| panic!("step {back} back: {e}"));
        let (hash, _) = capture(&mut rt);
        if jumps.contains(&(end - back)) {
            // The picture shown at a jump point is the frame after the point
            // before it, run again; the machine is the jump's exactly.
            let Done::Registers(r) = done(&mut rt, Command::Debug(DebugRequest::Registers)) else { panic!() };
            registers.push(r);
        } else {
            assert_eq!(hash, timeline[end - back], "{back} frames back, the state is the one recorded there ({:?})", rt.status().rewind);
        }
    }
    assert_eq!(registers.len(), 2, "both jumps were passed");
    assert_eq!(registers[0].frame, loaded_frame, "the load point: the loaded state's frame");
    let before = rt.status().rewind;
    assert!(before.frames > 1000 && before.bytes > 0 && before.rewinding, "{before:?}");
    assert_eq!(before.lost, 0, "every capture kept, the game's first ones included");
    done(&mut rt, Command::Rewind(false));
    // Playing on cuts off the future left behind.
    common::wait_until("the history cut at the frame shown", || rt.status().rewind.frames == before.frames - 300);

    // Forward again with the same buttons, the reset and the load: the same end.
    let mut again = timeline[..end - 300 + 1].to_vec();
    let mut jumps_again = Vec::new();
    for i in 903..=1200u32 {
        play(&mut rt, i, &mut again, &mut jumps_again, &mut kept);
    }
    assert_eq!(again.len(), timeline.len());
    assert_eq!(*again.last().unwrap(), final_hash, "the same final state");
    assert!(again == timeline, "and every state on the way");
    rt.shutdown();
}

#[test]
fn step_back_lands_on_the_previous_instruction_scanline_and_frame() {
    let mut rt = Runtime::spawn(Config::unprivileged(), Some(Game::from_ines(&rom()).unwrap())).unwrap();
    done(&mut rt, Command::Pause);
    for _ in 0..30 {
        done(&mut rt, Command::StepFrame);
    }
    for _ in 0..500 {
        done(&mut rt, Command::StepInstruction);
    }
    let regs = |rt: &mut Runtime| {
        let Done::Registers(r) = done(rt, Command::Debug(DebugRequest::Registers)) else { panic!() };
        r
    };
    let here = regs(&mut rt);
    let back = |rt: &mut Runtime, how| -> Registers {
        let Done::SteppedBack(r) = patiently(rt, || Command::Debug(DebugRequest::StepBack(how))).unwrap() else { panic!() };
        r
    };
    let one = back(&mut rt, StepBack::Instruction);
    assert!(one.cpu_cycle < here.cpu_cycle && here.cpu_cycle - one.cpu_cycle <= 8, "{one:?} -> {here:?}");
    done(&mut rt, Command::StepInstruction);
    assert_eq!(regs(&mut rt), here, "one instruction forward is where it was");

    let line = back(&mut rt, StepBack::Scanline);
    let gap = here.cpu_cycle - line.cpu_cycle;
    assert!((114 - 7..=114).contains(&gap), "a scanline back: {gap} cycles");
    let frame = back(&mut rt, StepBack::Frame);
    let gap = line.cpu_cycle - frame.cpu_cycle;
    assert!((29_781 - 7..=29_781).contains(&gap), "a frame back: {gap} cycles");
    assert_eq!(frame.frame + 1, line.frame);
    rt.shutdown();
}
