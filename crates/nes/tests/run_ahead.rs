//! Run-ahead shows the future and plays the present: with a press at
//! frame k, the picture shown at frame k + 1 with run-ahead n is the one a
//! run without run-ahead shows at frame k + 1 + n (pixel for pixel), and
//! the sound of the whole run is the same sample for sample, for both
//! methods, on a scrolling homebrew (ny2011), our demo and a game that
//! reads its pad in the NMI handler.

use phosphor_nes::runahead::{Method, RunAhead};
use phosphor_nes::{button, Nes};

mod common;
use common::rom_dir;

/// Presses that start and stop: Start to get past a title, then A and
/// Right in bursts.
fn buttons(t: u64) -> u8 {
    match t {
        30..=34 => button::START,
        100..=130 => button::A | button::RIGHT,
        160..=161 => button::A,
        200..=260 if t % 20 < 10 => button::RIGHT,
        _ => 0,
    }
}

fn play(bytes: &[u8], frames: usize, method: Method, ticks: u64) -> (Vec<u64>, Vec<f32>) {
    let mut nes = Nes::from_ines(bytes).unwrap();
    let mut ahead = RunAhead::new(&nes);
    ahead.set(&mut nes, frames, method);
    let (mut pictures, mut sound) = (Vec::new(), Vec::new());
    for t in 1..=ticks {
        ahead.tick(&mut nes, [buttons(t), 0]);
        let picture = ahead.picture(&nes);
        pictures.push(picture.iter().fold(phosphor_nes::state::FNV_OFFSET, |h, px| phosphor_nes::state::fnv1a(h, &px.to_le_bytes())));
        sound.extend_from_slice(ahead.audio());
    }
    (pictures, sound)
}

/// Scanlines at which the game latched its pads over `frames` frames.
fn strobe_lines(bytes: &[u8], frames: u64) -> Vec<u16> {
    let mut nes = Nes::from_ines(bytes).unwrap();
    let mut lines = Vec::new();
    while nes.frame_count() < frames {
        let before = nes.controller_strobes();
        nes.step_instruction();
        if nes.controller_strobes() != before {
            lines.push(nes.bus().ppu.scanline());
        }
    }
    lines
}

#[test]
fn the_picture_is_n_frames_ahead_and_the_sound_is_unchanged() {
    let Some(dir) = rom_dir() else { return };
    let demo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo/demo.nes")).unwrap();
    let ny2011 = std::fs::read(dir.join("ny2011/ny2011.nes")).unwrap();
    let nmi_game = std::fs::read(dir.join("other/BladeBuster.nes")).unwrap();
    let lines = strobe_lines(&nmi_game, 120);
    assert!(!lines.is_empty() && lines.iter().all(|&l| l >= 241), "BladeBuster reads its pad in vertical blank: {lines:?}");
    let ticks = 300u64;
    for (name, bytes) in [("ny2011", &ny2011), ("demo", &demo), ("BladeBuster", &nmi_game)] {
        let (plain, plain_sound) = play(bytes, 0, Method::Speculative, ticks);
        let distinct: std::collections::HashSet<_> = plain.iter().collect();
        assert!(distinct.len() > 50, "{name}: the run shows something");
        assert!(plain_sound.iter().any(|&s| s.abs() > 0.01), "{name}: and sounds");
        for method in [Method::Speculative, Method::SingleInstance] {
            for n in [1, 2, 4] {
                let (ahead, sound) = play(bytes, n, method, ticks);
                let mut compared = 0;
                for t in 1..=ticks - n as u64 {
                    // Where the buttons do not change over the frames looked
                    // ahead, the future shown is the real one.
                    if (t..=t + n as u64).all(|u| buttons(u) == buttons(t)) {
                        let (shown, real) = (ahead[t as usize - 1], plain[t as usize - 1 + n]);
                        assert_eq!(shown, real, "{name} {method:?} {n}: frame {t} shows frame {}", t + n as u64);
                        compared += 1;
                    }
                }
                assert!(compared > 200, "{name}: {compared} frames compared");
                let first = sound.iter().zip(&plain_sound).position(|(a, b)| a != b);
                assert!(sound == plain_sound, "{name} {method:?} {n}: {} vs {} samples, first differs at {first:?}: the sound is the real timeline's, sample for sample", sound.len(), plain_sound.len());
            }
        }
    }
}

/// What rewind and run-ahead rest on: a lean restore (no picture) and one
/// frame run give the machine, picture and all, that the uninterrupted run
/// had, even into a machine whose picture is another game's moment. (A
/// frame ends on the CPU's clock, with the first pixels of the next frame
/// already drawn: the lean capture keeps the rows that can hold them.)
#[test]
fn a_lean_restore_and_a_frame_give_back_the_whole_machine() {
    let Some(dir) = rom_dir() else { return };
    for rom in ["ny2011/ny2011.nes", "other/BladeBuster.nes", "mmc5test/mmc5test.nes"] {
        let bytes = std::fs::read(dir.join(rom)).unwrap();
        let mut nes = Nes::from_ines(&bytes).unwrap();
        let (mut lean, mut full) = (Vec::new(), Vec::new());
        let mut other = Nes::from_ines(&bytes).unwrap();
        for _ in 0..37 {
            other.run_frame();
        }
        let mut spill = vec![0f32; 8192];
        let mut mismatches = 0;
        for t in 1..=400u64 {
            nes.set_buttons(0, buttons(t));
            nes.capture_lean(&mut lean);
            nes.run_frame();
            while nes.read_audio(&mut spill) > 0 {}
            nes.capture(&mut full);
            // The same frame, from the lean capture, on the other machine.
            other.restore_lean(&lean).unwrap();
            other.run_frame();
            while other.read_audio(&mut spill) > 0 {}
            let mut again = Vec::new();
            other.capture(&mut again);
            mismatches += usize::from(again != full);
            other.run_frame(); // a moment of its own again
        }
        assert_eq!(mismatches, 0, "{rom}: frames that came out otherwise");
    }
}
