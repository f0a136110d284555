//! What the core's speed benches share: the ROMs and the timing.

use std::time::Instant;

/// Median frames per second of seven 600-frame rounds after 60 frames of warm-up.
pub fn median_fps(mut frame: impl FnMut()) -> f64 {
    for _ in 0..60 {
        frame();
    }
    let mut rounds: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..600 {
                frame();
            }
            600.0 / start.elapsed().as_secs_f64()
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[3]
}

/// The ROMs named on the command line, or nestest, ny2011 and BladeBuster
/// from the conformance set.
pub fn bench_roms() -> Vec<(String, Vec<u8>)> {
    let dir = std::env::var("PHOSPHOR_TEST_ROMS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/test-roms/nes-test-roms").into());
    let named: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let paths = if named.is_empty() {
        ["other/nestest.nes", "ny2011/ny2011.nes", "other/BladeBuster.nes"].map(|r| format!("{dir}/{r}")).to_vec()
    } else {
        named
    };
    paths
        .into_iter()
        .filter_map(|p| match std::fs::read(&p) {
            Ok(bytes) => Some((p.rsplit('/').next().unwrap_or(&p).to_string(), bytes)),
            Err(e) => {
                println!("{p}: SKIPPED ({e})");
                None
            }
        })
        .collect()
}
