//! Core speed: runs ROMs frame by frame with no window and prints frames per
//! second (median of several timed rounds after a warm-up), with sound on and,
//! as the same-run baseline, with sound synthesis off.
//!
//! `cargo bench --bench core_speed` (set PHOSPHOR_TEST_ROMS if the
//! conformance ROMs are not in ../shared/test-roms/nes-test-roms).

use phosphor_nes::Nes;
use std::path::PathBuf;
use std::time::Instant;

const WARMUP_FRAMES: u32 = 60;
const FRAMES_PER_ROUND: u32 = 600;
const ROUNDS: usize = 7;

/// nestest (CPU-heavy menu) and two demos with full-screen graphics,
/// scrolling sprites and music, standing in for games.
const ROMS: [&str; 3] = ["other/nestest.nes", "ny2011/ny2011.nes", "spritecans-2011/spritecans.nes"];

fn main() {
    let dir = std::env::var_os("PHOSPHOR_TEST_ROMS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/test-roms/nes-test-roms"));
    let mut baseline = None;
    for rom in ROMS {
        let Ok(bytes) = std::fs::read(dir.join(rom)) else {
            println!("{rom}: SKIPPED (not found under {})", dir.display());
            continue;
        };
        // Sound on (samples made and drained, as a frontend does) against
        // sound off, in alternating rounds so both see the same machine load.
        let mut on = Nes::from_ines(&bytes).expect("benchmark ROM loads");
        let mut off = on.clone();
        off.set_audio_enabled(false);
        let mut samples = vec![0.0f32; 4096];
        for _ in 0..WARMUP_FRAMES {
            on.run_frame();
            on.read_audio(&mut samples);
            off.run_frame();
        }
        let mut fps_on = Vec::new();
        let mut fps_off = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for _ in 0..FRAMES_PER_ROUND {
                on.run_frame();
                on.read_audio(&mut samples);
            }
            fps_on.push(f64::from(FRAMES_PER_ROUND) / start.elapsed().as_secs_f64());
            let start = Instant::now();
            for _ in 0..FRAMES_PER_ROUND {
                off.run_frame();
            }
            fps_off.push(f64::from(FRAMES_PER_ROUND) / start.elapsed().as_secs_f64());
        }
        fps_on.sort_by(f64::total_cmp);
        fps_off.sort_by(f64::total_cmp);
        let median = fps_on[ROUNDS / 2];
        let silent = fps_off[ROUNDS / 2];
        let base = *baseline.get_or_insert(median);
        println!(
            "{rom}: median {median:.0} frames/s with sound (min {:.0}, max {:.0}; {:.2}x real time; {:.2}x nestest); \
             {silent:.0} without, sound costs {:.1}%",
            fps_on[0],
            fps_on[ROUNDS - 1],
            median / 60.0988,
            median / base,
            (silent / median - 1.0) * 100.0
        );
        snapshot_cost(rom, &mut on);
    }
}

/// Size of a state capture and the median time to capture and restore it,
/// against the time of one frame of emulation measured in the same run.
fn snapshot_cost(rom: &str, nes: &mut Nes) {
    const N: usize = 201;
    let mut buf = Vec::with_capacity(nes.state_len());
    let (mut capture, mut restore) = (Vec::with_capacity(N), Vec::with_capacity(N));
    let mut frame = Vec::with_capacity(N);
    for _ in 0..N {
        let start = Instant::now();
        nes.run_frame();
        frame.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        nes.capture(&mut buf);
        capture.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        nes.restore(&buf).expect("own capture restores");
        restore.push(start.elapsed().as_secs_f64());
    }
    for v in [&mut capture, &mut restore, &mut frame] {
        v.sort_by(f64::total_cmp);
    }
    let (c, r, f) = (capture[N / 2], restore[N / 2], frame[N / 2]);
    println!(
        "{rom}: state {} bytes; capture median {:.1} us ({:.3} frames), restore {:.1} us ({:.3} frames)",
        buf.len(),
        c * 1e6,
        c / f,
        r * 1e6,
        r / f
    );
}
