//! `tetanes-baseline ROM [FRAMES] [--no-audio]`: runs a ROM on tetanes-core
//! with sound on (samples taken each frame, as a frontend would) and prints
//! `fps=...` over the frames after a 60-frame warm-up, the way
//! `phosphor headless ROM --frames N --bench` does. `--no-audio` uses
//! tetanes-core's headless mode without sound, its fastest setting.

use std::time::Instant;
use tetanes_core::control_deck::HeadlessMode;
use tetanes_core::prelude::*;

const WARMUP: u64 = 60;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let no_audio = args.iter().any(|a| a == "--no-audio");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let rom = positional.next().ok_or("usage: tetanes-baseline ROM [FRAMES] [--no-audio]")?;
    let frames: u64 = positional.next().map_or(Ok(3000), |f| f.parse())?;
    let mut config = Config::default();
    config.sram_dir = None; // no battery files written beside us
    if no_audio {
        config.headless_mode = HeadlessMode::NO_AUDIO;
    }
    let mut deck = ControlDeck::with_config(config);
    deck.load_rom_path(rom)?;
    let warmup = WARMUP.min(frames / 2);
    let mut started = Instant::now();
    for frame in 0..frames {
        if frame == warmup {
            started = Instant::now();
        }
        let _ = deck.clock_frame()?;
        std::hint::black_box(deck.audio_samples().len());
        deck.clear_audio_samples();
    }
    println!("fps={:.1}", (frames - warmup) as f64 / started.elapsed().as_secs_f64());
    Ok(())
}
