//! Core speed: runs ROMs frame by frame with no window and prints frames per
//! second (median of several timed rounds after a warm-up).
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
        let mut nes = Nes::from_ines(&bytes).expect("benchmark ROM loads");
        for _ in 0..WARMUP_FRAMES {
            nes.run_frame();
        }
        let mut fps: Vec<f64> = (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..FRAMES_PER_ROUND {
                    nes.run_frame();
                }
                f64::from(FRAMES_PER_ROUND) / start.elapsed().as_secs_f64()
            })
            .collect();
        fps.sort_by(f64::total_cmp);
        let median = fps[ROUNDS / 2];
        let base = *baseline.get_or_insert(median);
        println!(
            "{rom}: median {median:.0} frames/s (min {:.0}, max {:.0}; {:.2}x real time; {:.2}x nestest)",
            fps[0],
            fps[ROUNDS - 1],
            median / 60.0988,
            median / base
        );
    }
}
