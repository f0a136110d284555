//! What run-ahead and rewind cost the emulation thread, as ratios against
//! plain frames measured in the same run (medians of seven rounds):
//!
//! - run-ahead 1 and 2, speculative (re-run when the buttons change) and
//!   single-instance (n + 1 frames every frame), with the buttons steady
//!   and with them changing every frame;
//! - rewind's copy on the thread (a lean capture) per frame;
//! - LZ4 and zstd on the XOR deltas the rewind store keeps: bytes a minute
//!   and time a frame (the store uses LZ4).
//!
//! `cargo bench -p phosphor-nes --bench time_control [ROM...]`

mod common;

use std::time::Instant;

use phosphor_nes::runahead::{Method, RunAhead};
use phosphor_nes::{button, Nes};

fn fps_with(bytes: &[u8], frames: usize, method: Method, changing: bool) -> f64 {
    let mut nes = Nes::from_ines(bytes).expect("benchmark ROM loads");
    let mut ahead = RunAhead::new(&nes);
    ahead.set(&mut nes, frames, method);
    let mut t = 0u64;
    common::median_fps(|| {
        t += 1;
        // Changing: a different button every frame (worst case for the
        // speculative way); steady: Right held.
        let pad = if changing { 1 << (t % 8) } else { button::RIGHT };
        ahead.tick(&mut nes, [pad, 0]);
    })
}

fn main() {
    for (name, bytes) in common::bench_roms() {
        // The baseline runs the same buttons: a game does more or less
        // work for some of them.
        let steady = fps_with(&bytes, 0, Method::Speculative, false);
        let changing_base = fps_with(&bytes, 0, Method::Speculative, true);
        println!("{name} run_ahead=0 input=steady fps={steady:.1}");
        println!("{name} run_ahead=0 input=changing fps={changing_base:.1}");
        for frames in [1, 2] {
            for (method, label) in [(Method::Speculative, "speculative"), (Method::SingleInstance, "single")] {
                for changing in [false, true] {
                    let fps = fps_with(&bytes, frames, method, changing);
                    let base = if changing { changing_base } else { steady };
                    let input = if changing { "changing" } else { "steady" };
                    println!(
                        "{name} run_ahead={frames} method={label} input={input} fps={fps:.1} frame_time_ratio={:.2}",
                        base / fps
                    );
                }
            }
        }

        // Rewind: the copy per frame, and what a minute of deltas takes.
        let mut nes = Nes::from_ines(&bytes).expect("benchmark ROM loads");
        let mut samples = vec![0f32; 4096];
        let mut lean = Vec::with_capacity(nes.lean_state_len());
        let mut t = 0u64;
        let plain = common::median_fps(|| {
            t += 1;
            nes.set_buttons(0, if t % 90 < 45 { button::RIGHT } else { button::A });
            nes.run_frame();
            nes.read_audio(&mut samples);
        });
        let with_copy = common::median_fps(|| {
            t += 1;
            nes.set_buttons(0, if t % 90 < 45 { button::RIGHT } else { button::A });
            nes.run_frame();
            nes.read_audio(&mut samples);
            nes.capture_lean(&mut lean);
        });
        println!(
            "{name} rewind_copy_us={:.1} of a frame's {:.1} us ({:.1}%)",
            (1e6 / with_copy - 1e6 / plain).max(0.0),
            1e6 / plain,
            (plain / with_copy - 1.0).max(0.0) * 100.0
        );
        let mut states = Vec::new();
        for _ in 0..600 {
            t += 1;
            nes.set_buttons(0, if t % 90 < 45 { button::RIGHT } else { button::A });
            nes.run_frame();
            nes.read_audio(&mut samples);
            nes.capture_lean(&mut lean);
            states.push(lean.clone());
        }
        for codec in ["lz4", "zstd1"] {
            let started = Instant::now();
            let mut bytes_out = 0usize;
            let mut key = Vec::new();
            let mut delta = Vec::new();
            for (i, state) in states.iter().enumerate() {
                let input = if i % 60 == 0 {
                    key.clone_from(state);
                    state
                } else {
                    delta.clear();
                    delta.extend(state.iter().zip(&key).map(|(a, b)| a ^ b));
                    &delta
                };
                bytes_out += match codec {
                    "lz4" => lz4_flex::block::compress(input).len(),
                    _ => zstd::bulk::compress(input, 1).expect("zstd compresses").len(),
                };
            }
            let per_frame_us = started.elapsed().as_secs_f64() * 1e6 / states.len() as f64;
            let per_minute = bytes_out as f64 / states.len() as f64 * 3600.0;
            println!("{name} codec={codec} bytes_per_min={per_minute:.0} compress_us_per_frame={per_frame_us:.1}");
        }
    }
}
