//! `phosphor headless`: run a ROM for a number of frames with no window.

use crate::cli::HeadlessArgs;
use crate::EXIT_BAD_INPUT;
use anyhow::Context;
use phosphor_nes::{Cartridge, LoadOptions, Nes, NtscPalette, HEIGHT, WIDTH};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Frames run before `--bench` starts its clock.
const BENCH_WARMUP_FRAMES: u64 = 60;

/// Loads a ROM file, or prints one line saying why it cannot be used.
pub fn load_rom(path: &Path, options: LoadOptions) -> Result<Nes, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
    let cart = Cartridge::from_ines_with(&bytes, options).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Nes::new(cart))
}

pub fn run(args: &HeadlessArgs) -> ExitCode {
    let mut nes = match load_rom(&args.rom, args.load_options()) {
        Ok(nes) => nes,
        Err(message) => {
            eprintln!("phosphor: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };

    nes.set_sample_rate(args.sample_rate);
    let warmup = if args.bench { BENCH_WARMUP_FRAMES.min(args.frames / 2) } else { 0 };
    let mut timed_from = None;
    // Audio is always synthesized and drained, as a frontend would: the
    // benchmark measures the core with its sound on.
    let mut chunk = vec![0.0f32; 4096];
    let mut recording = Vec::new();
    for frame in 0..args.frames {
        if frame == warmup {
            timed_from = Some(Instant::now());
        }
        let buttons = args.press.iter().filter(|p| (p.from..=p.to).contains(&frame)).fold(0, |b, p| b | p.buttons);
        nes.set_buttons(0, buttons);
        nes.run_frame();
        let n = nes.read_audio(&mut chunk);
        if args.wav.is_some() {
            recording.extend_from_slice(&chunk[..n]);
        }
    }
    let elapsed = timed_from.map(|t| t.elapsed());

    for &addr in &args.peek {
        println!("peek ${addr:04X}=${:02X}", nes.peek(addr));
    }
    println!("frame_hash={:016x}", nes.frame_hash());
    if args.bench {
        let timed = args.frames - warmup;
        let secs = elapsed.map_or(0.0, |d| d.as_secs_f64());
        let fps = if secs > 0.0 { timed as f64 / secs } else { 0.0 };
        println!("fps={fps:.1}");
    }
    if let Some(path) = &args.screenshot
        && let Err(e) = write_screenshot(&nes, path)
    {
        eprintln!("phosphor: {e:#}");
        return ExitCode::FAILURE;
    }
    if let Some(path) = &args.wav {
        if let Err(e) = write_wav(path, &recording, args.sample_rate) {
            eprintln!("phosphor: {e:#}");
            return ExitCode::FAILURE;
        }
        println!("wav_samples={}", recording.len());
    }
    ExitCode::SUCCESS
}

/// Encodes mono samples (about -1..1) as a 16-bit PCM WAV image.
pub fn wav_bytes(samples: &[f32], rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for &s in samples {
        let v = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Writes a WAV file through a temporary file renamed into place.
pub fn write_wav(path: &Path, samples: &[f32], rate: u32) -> anyhow::Result<()> {
    let tmp = path.with_extension("wav.tmp");
    std::fs::write(&tmp, wav_bytes(samples, rate)).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move the recording to {}", path.display()))?;
    Ok(())
}

/// Writes the last frame as an RGB PNG, through a temporary file renamed
/// into place so an interrupted write never leaves a half-written image.
pub fn write_screenshot(nes: &Nes, path: &Path) -> anyhow::Result<()> {
    let mut rgba = vec![0u8; WIDTH * HEIGHT * 4];
    NtscPalette::new().to_rgba(nes.frame_buffer(), &mut rgba);
    let tmp = path.with_extension("png.tmp");
    {
        let file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), WIDTH as u32, HEIGHT as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().context("cannot write the PNG header")?;
        writer.write_image_data(&rgba).context("cannot write the PNG data")?;
        writer.finish().context("cannot finish the PNG")?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move the screenshot to {}", path.display()))?;
    Ok(())
}
