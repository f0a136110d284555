//! Frames per second of the core with no debugger armed, sound made and
//! drained. It uses only the API every version of the core has, so
//! `scripts/bench-debugger.sh` runs this same file against an older commit
//! for a same-run ratio.
//!
//! `cargo bench -p phosphor-nes --bench frame_speed [ROM...]`

mod common;

use phosphor_nes::Nes;

fn main() {
    for (name, bytes) in common::bench_roms() {
        let mut nes = Nes::from_ines(&bytes).expect("benchmark ROM loads");
        let mut samples = vec![0f32; 4096];
        let fps = common::median_fps(|| {
            nes.run_frame();
            nes.read_audio(&mut samples);
        });
        println!("{name} disarmed fps={fps:.1}");
    }
}
