//! What the real-time runtime asks of the core beyond running frames: a
//! power cycle from a power-on capture, frames that stop at a breakpoint,
//! and a count of controller latches.

mod common;

use common::rom_dir;
use phosphor_nes::{button, Nes};

fn load(path: &str) -> Option<Nes> {
    let dir = rom_dir()?;
    Some(Nes::from_ines(&std::fs::read(dir.join(path)).unwrap()).unwrap())
}

fn capture(nes: &mut Nes) -> Vec<u8> {
    let mut out = Vec::new();
    nes.capture(&mut out);
    out
}

#[test]
fn power_cycle_from_a_capture_is_power_on_with_the_cartridge_ram_kept() {
    // MMC1 with CHR RAM and battery-less PRG RAM that the test writes to.
    let Some(mut nes) = load("instr_test-v5/official_only.nes") else { return };
    let fresh = nes.clone();
    let power_on = capture(&mut nes);
    for _ in 0..120 {
        nes.run_frame();
    }
    let prg_ram = nes.cartridge().prg_ram().to_vec();
    assert!(prg_ram.iter().any(|&b| b != 0), "the test writes its status to PRG RAM");
    let dirty = nes.cartridge().ram_dirty();

    let mut scratch = Vec::with_capacity(nes.cartridge().ram_len());
    nes.power_cycle_from(&power_on, &mut scratch).unwrap();
    assert_eq!(nes.frame_count(), 0);
    assert_eq!(nes.cpu().pc, fresh.cpu().pc, "the CPU starts from the reset vector");
    assert_eq!(nes.cartridge().prg_ram(), &prg_ram[..], "PRG RAM survives");
    assert_eq!(nes.cartridge().ram_dirty(), dirty, "and so does its dirty flag");
    let after = capture(&mut nes);
    let differ = after.iter().zip(&power_on).filter(|(a, b)| a != b).count();
    assert!(differ > 0 && differ <= nes.cartridge().ram_len(), "{differ} bytes differ from power-on: only cartridge RAM may");

    let mut again = nes.clone();
    again.power_cycle_from(&power_on, &mut scratch).unwrap();
    assert!(capture(&mut again) == after, "a second power cycle changes nothing more");
    let err = nes.power_cycle_from(&power_on[1..], &mut scratch).unwrap_err();
    assert!(err.to_string().contains("bytes"), "{err}");
}

#[test]
fn a_frame_stopped_at_a_breakpoint_resumes_to_the_same_frame() {
    use phosphor_nes::debug::{BreakReason, Breakpoint, DebugStop, Debugger};
    let Some(mut nes) = load("ny2011/ny2011.nes") else { return };
    let mut reference = nes.clone();
    for _ in 0..30 {
        reference.run_frame();
        nes.run_frame();
    }
    reference.run_frame();

    // NMI handler address: the vector at $FFFA.
    let nmi = u16::from_le_bytes([nes.peek(0xFFFA), nes.peek(0xFFFB)]);
    nes.attach_debugger(Box::new(Debugger::new()));
    nes.debug(|d| d.set_breakpoint(Breakpoint::exec(1, nmi))).unwrap().unwrap();
    let run = nes.run_frame_debug();
    assert_eq!(run.stop, Some(DebugStop::Break(BreakReason::Breakpoint { id: 1 })), "the NMI handler runs once a frame");
    assert!(!run.frame_done);
    assert_eq!(nes.cpu().pc, nmi, "stopped before the instruction ran");
    nes.debug(Debugger::resume);
    let run = nes.run_frame_debug();
    assert_eq!((run.frame_done, run.stop), (true, None), "finishes the frame once past the breakpoint");
    assert_eq!(nes.frame_count(), reference.frame_count());
    assert_eq!(nes.frame_hash(), reference.frame_hash());
    assert!(capture(&mut nes) == capture(&mut reference), "the machines differ");
}

#[test]
fn stepping_over_a_frame_end_closes_the_audio_frame() {
    let Some(mut nes) = load("ny2011/ny2011.nes") else { return };
    let mut reference = nes.clone();
    for _ in 0..10 {
        reference.run_frame();
    }
    while nes.frame_count() < 10 {
        nes.step_instruction();
    }
    let (mut a, mut b) = (vec![0.0; 16_000], vec![0.0; 16_000]);
    let (na, nb) = (nes.read_audio(&mut a), reference.read_audio(&mut b));
    // Stepping ends a few cycles past the frame's first dot.
    assert!(na.abs_diff(nb) <= 2, "{na} samples stepped, {nb} run");
}

#[test]
fn controller_strobes_count_the_latches() {
    let Some(mut nes) = load("other/BladeBuster.nes") else { return };
    let mut last = nes.controller_strobes();
    let mut latched_frames = 0;
    nes.set_buttons(0, button::START);
    for _ in 0..60 {
        nes.run_frame();
        let now = nes.controller_strobes();
        assert!(now >= last);
        latched_frames += u32::from(now > last);
        last = now;
    }
    assert!(latched_frames >= 50, "BladeBuster reads the pad every frame: {latched_frames}");
}
