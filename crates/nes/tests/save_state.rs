//! Save states: a restored machine continues exactly as the original did,
//! and a bad state file is refused with the reason while the game goes on.

use phosphor_nes::state::{StateError, StateHeader};
use phosphor_nes::Nes;
use std::path::PathBuf;

mod common;
use common::rom_dir;

/// Holds buttons that change with the frame number.
fn press(nes: &mut Nes) {
    let f = nes.frame_count();
    nes.set_buttons(0, if f % 40 < 20 { 0x01 } else { 0x80 | 0x08 });
}

/// Panics naming the first frame where two runs' hashes part.
fn same_frames(a: &[u64], b: &[u64], what: &str) {
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        panic!("{what}: frame {i} of {} differs", a.len());
    }
}

/// Frame hashes and every audio sample of `frames` frames, pressing
/// buttons that change with the frame number.
fn run(nes: &mut Nes, frames: u64) -> (Vec<u64>, Vec<f32>) {
    let (mut hashes, mut audio) = (Vec::new(), Vec::new());
    let mut buf = vec![0f32; 4096];
    for _ in 0..frames {
        press(nes);
        nes.run_frame();
        hashes.push(nes.frame_hash());
        let n = nes.read_audio(&mut buf);
        audio.extend_from_slice(&buf[..n]);
    }
    (hashes, audio)
}

/// Runs to the middle of a visible scanline, reading away the audio made
/// on the way there.
fn run_to_mid_scanline(nes: &mut Nes) {
    let mut buf = vec![0f32; 4096];
    press(nes);
    while !(nes.bus().ppu.scanline() == 100 && (100..200).contains(&nes.bus().ppu.dot())) {
        nes.step_instruction();
    }
    nes.read_audio(&mut buf);
}

/// Runs to frame `end`: its frame hashes and every sample made.
fn run_to(nes: &mut Nes, end: u64) -> (Vec<u64>, Vec<f32>) {
    run(nes, end - nes.frame_count())
}

/// Saves at frame 600 (a frame boundary) and again in the middle of a
/// scanline of the next frame, runs to frame 1200, then restores each
/// capture (and the boundary one through a state file on a fresh machine)
/// and runs to frame 1200 again: every run must match to the bit.
fn check_round_trip(path: &PathBuf) {
    let rom = std::fs::read(path).unwrap();
    let name = path.display();
    let mut nes = Nes::from_ines(&rom).unwrap();
    run_to(&mut nes, 600);
    nes.read_audio(&mut [0f32; 4096]);
    let mut at_boundary = Vec::with_capacity(nes.state_len());
    nes.capture(&mut at_boundary);
    let file = nes.save_state(b"");
    let first = run_to(&mut nes, 1200);

    nes.restore(&at_boundary).unwrap();
    assert_eq!(nes.frame_count(), 600);
    let second = run_to(&mut nes, 1200);
    same_frames(&first.0, &second.0, &format!("{name}: frames differ after restoring frame 600"));
    assert_eq!(first.1.len(), second.1.len(), "{name}: audio length after restoring frame 600");
    assert!(first.1 == second.1, "{name}: audio differs after restoring frame 600");

    let mut other = Nes::from_ines(&rom).unwrap();
    other.load_state(&file).unwrap();
    let from_file = run_to(&mut other, 1200);
    assert!(from_file == first, "{name}: a state file loaded on a fresh machine runs differently");

    // Mid-scanline: the PPU's fetch pipeline, sprite units and a partly
    // executed frame must all come back.
    nes.restore(&at_boundary).unwrap();
    run_to_mid_scanline(&mut nes);
    let mut mid = Vec::with_capacity(nes.state_len());
    nes.capture(&mut mid);
    let third = run_to(&mut nes, 1200);
    same_frames(&first.0, &third.0, &format!("{name}: the same run passing through a capture differs"));
    nes.restore(&mid).unwrap();
    let fourth = run_to(&mut nes, 1200);
    same_frames(&third.0, &fourth.0, &format!("{name}: frames differ after a mid-scanline restore"));
    assert!(third.1 == fourth.1, "{name}: audio differs after a mid-scanline restore");
    assert_eq!(nes.frame_hash(), first.0[first.0.len() - 1]);
}

#[test]
fn restored_nrom_continues_bit_identically() {
    // NROM, music and raster effects.
    let Some(dir) = rom_dir() else { return };
    check_round_trip(&dir.join("ny2011/ny2011.nes"));
}

#[test]
fn restored_mmc3_continues_bit_identically() {
    // MMC3 and its scanline IRQ.
    let Some(dir) = rom_dir() else { return };
    check_round_trip(&dir.join("other/BladeBuster.nes"));
}

#[test]
fn restored_mmc5_continues_bit_identically() {
    // MMC5: ExRAM, its scanline IRQ, expansion sound state.
    let Some(dir) = rom_dir() else { return };
    check_round_trip(&dir.join("mmc5test/mmc5test.nes"));
}

#[test]
fn restored_mmc1_continues_bit_identically() {
    // MMC1's serial shift register, caught mid-write by the capture or not.
    let Some(dir) = rom_dir() else { return };
    check_round_trip(&dir.join("other/8bitpeoples_-_deadline_console_invitro.nes"));
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

/// Offsets of the header's fields in a file this build wrote.
struct Layout {
    core_len: usize,
    rom: usize,
    frame: usize,
    thumb_len: usize,
    thumb: usize,
    body_len: usize,
    checksum: usize,
    body: usize,
}

fn layout(file: &[u8]) -> Layout {
    let core_len = 10;
    let rom = core_len + 1 + usize::from(file[core_len]);
    let thumb_len = rom + 16;
    let thumb = thumb_len + 4;
    let body_len = thumb + u32::from_le_bytes(file[thumb_len..thumb].try_into().unwrap()) as usize;
    Layout { core_len, rom, frame: rom + 8, thumb_len, thumb, body_len, checksum: body_len + 4, body: body_len + 12 }
}

#[test]
fn every_corrupted_state_file_is_refused_and_changes_nothing() {
    let Some(dir) = rom_dir() else { return };
    let rom = std::fs::read(dir.join("ny2011/ny2011.nes")).unwrap();
    let mut nes = Nes::from_ines(&rom).unwrap();
    run(&mut nes, 30);
    let good = nes.save_state(b"thumbnail bytes");
    run(&mut nes, 10);
    let mut before = Vec::new();
    nes.capture(&mut before);
    let hash_before = nes.frame_hash();
    let at = layout(&good);
    assert_eq!(good.len() - at.body, nes.state_len());

    let mut refused = 0;
    let mut check = |variant: Vec<u8>, what: &str, expect: &dyn Fn(&StateError) -> bool| {
        let err = nes.load_state(&variant).expect_err(what);
        assert!(expect(&err), "{what}: wrong error {err:?}");
        assert!(!err.to_string().is_empty());
        let mut after = Vec::new();
        nes.capture(&mut after);
        assert!(after == before && nes.frame_hash() == hash_before, "{what}: the machine changed");
        refused += 1;
    };
    let with = |at: usize, bytes: &[u8]| {
        let mut f = good.clone();
        f[at..at + bytes.len()].copy_from_slice(bytes);
        f
    };
    let not_a_state = |e: &StateError| matches!(e, StateError::NotAState);
    let version = |e: &StateError| matches!(e, StateError::UnsupportedVersion { .. });
    let corrupt = |e: &StateError| matches!(e, StateError::Corrupt);
    let truncated = |e: &StateError| matches!(e, StateError::Truncated { .. });
    let wrong_rom = |e: &StateError| matches!(e, StateError::WrongRom { .. });
    let any = |_: &StateError| true;

    // Each header field wrong.
    for i in 0..8 {
        let mut f = good.clone();
        f[i] ^= 0x20;
        check(f, &format!("magic byte {i}"), &not_a_state);
    }
    check(with(8, &0u16.to_le_bytes()), "format version 0", &version);
    let newer = phosphor_nes::state::FORMAT_VERSION + 1;
    check(with(8, &newer.to_le_bytes()), "a newer format version", &version);
    check(with(8, &0xFFFFu16.to_le_bytes()), "format version 65535", &version);
    check(with(at.core_len + 1, b"9"), "core version text", &corrupt);
    // A wrong length shifts every later field: refused, whichever way.
    check(with(at.core_len, &[good[at.core_len] + 1]), "core version length", &any);
    check(with(at.core_len, &[0]), "core version length 0", &any);
    check(with(at.rom, &[good[at.rom] ^ 1]), "ROM hash", &wrong_rom);
    check(with(at.frame, &[good[at.frame] ^ 1]), "frame number", &corrupt);
    check(with(at.frame + 7, &[0x80]), "frame number, high byte", &corrupt);
    check(with(at.thumb_len, &u32::MAX.to_le_bytes()), "thumbnail length, huge", &truncated);
    check(with(at.thumb_len, &[good[at.thumb_len] - 1]), "thumbnail length, one short", &any);
    check(with(at.thumb + 3, b"X"), "thumbnail bytes", &corrupt);
    check(with(at.body_len, &u32::MAX.to_le_bytes()), "body length, huge", &truncated);
    check(with(at.body_len, &((good.len() - at.body - 1) as u32).to_le_bytes()), "body length, one short", &corrupt);
    check(with(at.body_len, &0u32.to_le_bytes()), "body length 0", &corrupt);
    check(with(at.checksum, &[good[at.checksum] ^ 0x10]), "checksum", &corrupt);
    // Truncated at every point of a coarse grid, and one byte short.
    let step = good.len() / 97;
    for len in (0..good.len()).step_by(step).chain([good.len() - 1]) {
        let expect: &dyn Fn(&StateError) -> bool = if len < 8 { &not_a_state } else { &truncated };
        check(good[..len].to_vec(), &format!("truncated to {len} bytes"), expect);
    }
    // Flipped bits all through the body, and a byte too many.
    for pos in (at.body..good.len()).step_by(good.len() / 211).chain([good.len() - 1]) {
        let mut f = good.clone();
        f[pos] ^= 1 << (pos % 8);
        check(f, &format!("body byte {pos}"), &corrupt);
    }
    let mut longer = good.clone();
    longer.push(0);
    check(longer, "a byte after the body", &corrupt);
    assert!(refused > 300, "{refused} variants tried");

    let mut foreign = Nes::from_ines(&std::fs::read(dir.join("other/nestest.nes")).unwrap()).unwrap();
    let err = nes.load_state(&foreign.save_state(b"")).unwrap_err();
    assert!(matches!(err, StateError::WrongRom { .. }) && err.to_string().contains("another game"), "{err}");
    let newer = phosphor_nes::state::FORMAT_VERSION + 1;
    let err = nes.load_state(&with(8, &newer.to_le_bytes())).unwrap_err();
    assert!(err.to_string().contains("newer than this build"), "{err}");

    // And the good file still loads, thumbnail and frame intact.
    let header = nes.load_state(&good).unwrap();
    assert_eq!((header.frame, header.thumbnail.as_slice()), (30, &b"thumbnail bytes"[..]));
    assert_eq!(nes.frame_count(), 30);
}

/// States written by older builds load through their migrations and run
/// on as the same state saved now does: version 1 (no $4016 write waiting
/// at the end of its body) and version 2 (no OAM row corruption pending
/// after that); either body taken as this version's is refused by its
/// length.
#[test]
fn version_1_and_2_states_load_through_their_migrations() {
    let Some(dir) = rom_dir() else { return };
    let rom = std::fs::read(dir.join("ny2011/ny2011.nes")).unwrap();
    let mut nes = Nes::from_ines(&rom).unwrap();
    run(&mut nes, 30);
    let good = nes.save_state(b"t");
    let body = &good[layout(&good).body..];
    assert_eq!(&body[body.len() - 3..body.len() - 1], &[0xFF, 0xFF], "no OAM row corruption or buffer fill pending");
    assert_eq!(&body[body.len() - 11..body.len() - 3], &u64::MAX.to_le_bytes(), "no write waiting at a frame's end");
    let expected = run(&mut nes, 60).0;

    for (version, cut) in [(1u16, 12), (2, 3)] {
        let old_body = &body[..body.len() - cut];
        let mut file = Vec::new();
        StateHeader::write(nes.cartridge().rom_hash(), 30, b"t", old_body, &mut file);
        file.extend_from_slice(old_body);
        file[8..10].copy_from_slice(&version.to_le_bytes());
        let mut old = Nes::from_ines(&rom).unwrap();
        assert!(matches!(old.restore(old_body), Err(StateError::Layout { .. })), "a v{version} body is not this layout");
        let header = old.load_state(&file).unwrap_or_else(|e| panic!("a version {version} state loads: {e}"));
        assert_eq!((header.format_version, header.frame), (version, 30));
        same_frames(&run(&mut old, 60).0, &expected, &format!("from the version {version} state"));
    }
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
