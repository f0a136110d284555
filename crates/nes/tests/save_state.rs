//! Save states: a restored machine continues exactly as the original did,
//! and a bad state file is refused with the reason while the game goes on.

use phosphor_nes::state::StateError;
use phosphor_nes::Nes;
use std::path::PathBuf;

fn rom_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PHOSPHOR_TEST_ROMS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-roms/nes-test-roms"));
    if dir.join("ny2011/ny2011.nes").exists() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: conformance ROMs not found at {} (set PHOSPHOR_TEST_ROMS)", dir.display());
        None
    }
}

/// Frame hashes and every audio sample of `frames` frames, pressing
/// buttons that change with the frame number.
fn run(nes: &mut Nes, frames: u64) -> (Vec<u64>, Vec<f32>) {
    let (mut hashes, mut audio) = (Vec::new(), Vec::new());
    let mut buf = vec![0f32; 4096];
    for _ in 0..frames {
        let f = nes.frame_count();
        nes.set_buttons(0, if f % 40 < 20 { 0x01 } else { 0x80 | 0x08 });
        nes.run_frame();
        hashes.push(nes.frame_hash());
        let n = nes.read_audio(&mut buf);
        audio.extend_from_slice(&buf[..n]);
    }
    (hashes, audio)
}

/// Captures after `before` frames, runs `after` more, restores, runs them
/// again: both runs must match to the bit.
fn check_round_trip(path: &PathBuf, before: u64, after: u64) {
    let rom = std::fs::read(path).unwrap();
    let mut nes = Nes::from_ines(&rom).unwrap();
    run(&mut nes, before);
    // Mid-frame: a few instructions into the next frame.
    for _ in 0..1000 {
        nes.step_instruction();
    }
    let mut snapshot = Vec::with_capacity(nes.state_len());
    nes.capture(&mut snapshot);
    let first = run(&mut nes, after);
    nes.restore(&snapshot).unwrap();
    let second = run(&mut nes, after);
    assert_eq!(first.0, second.0, "{}: frames differ after restore", path.display());
    assert_eq!(first.1.len(), second.1.len(), "{}: audio length", path.display());
    assert!(first.1 == second.1, "{}: audio differs after restore", path.display());
    // A state file from a fresh machine on the same ROM resumes identically too.
    nes.restore(&snapshot).unwrap();
    let file = nes.save_state(b"");
    let mut other = Nes::from_ines(&rom).unwrap();
    other.load_state(&file).unwrap();
    let third = run(&mut other, after);
    assert_eq!(first.0, third.0, "{}: a loaded file runs differently", path.display());
}

#[test]
fn restored_machines_continue_bit_identically() {
    let Some(dir) = rom_dir() else { return };
    for (rom, before) in [
        ("ny2011/ny2011.nes", 200),          // NROM, music and raster effects
        ("other/BladeBuster.nes", 300),      // MMC3 and its IRQ
        ("mmc5test/mmc5test.nes", 60),       // MMC5 scanline IRQ, ExRAM
        ("other/nestest.nes", 30),
    ] {
        check_round_trip(&dir.join(rom), before, 60);
    }
}

#[test]
fn capture_into_a_sized_buffer_allocates_nothing() {
    let Some(dir) = rom_dir() else { return };
    let rom = std::fs::read(dir.join("ny2011/ny2011.nes")).unwrap();
    let mut nes = Nes::from_ines(&rom).unwrap();
    let len = nes.state_len();
    let mut buf = Vec::with_capacity(len);
    let ptr = buf.as_ptr();
    for _ in 0..3 {
        nes.run_frame();
        nes.capture(&mut buf);
        assert_eq!((buf.len(), buf.capacity(), buf.as_ptr()), (len, len, ptr), "the buffer was not reallocated");
    }
}

#[test]
fn bad_state_files_are_refused_and_change_nothing() {
    let Some(dir) = rom_dir() else { return };
    let rom = std::fs::read(dir.join("ny2011/ny2011.nes")).unwrap();
    let other_rom = std::fs::read(dir.join("other/nestest.nes")).unwrap();
    let mut nes = Nes::from_ines(&rom).unwrap();
    run(&mut nes, 30);
    let good = nes.save_state(b"thumb");
    run(&mut nes, 10);
    let before = (nes.frame_hash(), nes.frame_count(), nes.cpu().pc, nes.cpu().cycles);

    let mut foreign = Nes::from_ines(&other_rom).unwrap();
    let foreign_state = foreign.save_state(b"");
    assert!(matches!(nes.load_state(&foreign_state), Err(StateError::WrongRom { .. })));

    assert_eq!(nes.load_state(b"PK\x03\x04 a zip file"), Err(StateError::NotAState));
    assert!(matches!(nes.load_state(&good[..good.len() - 1]), Err(StateError::Truncated { .. })));
    let mut corrupt = good.clone();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0x40;
    assert_eq!(nes.load_state(&corrupt), Err(StateError::Corrupt));
    let mut future = good.clone();
    future[8] = 0xFF;
    let err = nes.load_state(&future).unwrap_err();
    assert!(matches!(err, StateError::UnsupportedVersion { found: 0x00FF, newest: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("newer than this build"), "{err}");

    assert_eq!(before, (nes.frame_hash(), nes.frame_count(), nes.cpu().pc, nes.cpu().cycles), "nothing changed");
    let header = nes.load_state(&good).unwrap();
    assert_eq!((header.frame, header.thumbnail.as_slice()), (30, &b"thumb"[..]));
    assert_eq!(nes.frame_count(), 30);
}

#[test]
fn capture_keeps_unread_samples_and_battery_ram_clean() {
    let Some(dir) = rom_dir() else { return };
    let rom = std::fs::read(dir.join("ny2011/ny2011.nes")).unwrap();
    let mut nes = Nes::from_ines(&rom).unwrap();
    nes.run_frame();
    let waiting = nes.audio_available();
    assert!(waiting > 500, "a frame of samples waits: {waiting}");
    let mut buf = Vec::new();
    nes.capture(&mut buf);
    assert_eq!(nes.audio_available(), waiting, "capturing leaves the host's samples alone");
    nes.restore(&buf).unwrap();
    assert_eq!(nes.audio_available(), 0, "restoring drops samples of the timeline left behind");
}
