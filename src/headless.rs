//! `phosphor headless`: run a ROM for a number of frames with no window.

use crate::cli::HeadlessArgs;
use crate::EXIT_BAD_INPUT;
use anyhow::Context;
use crate::files::durable_write;
use phosphor_nes::debug::{Condition, Debugger};
use phosphor_nes::movie::{self, Movie, MovieStart};
use phosphor_nes::{Cartridge, LoadOptions, Nes, NtscPalette, HEIGHT, WIDTH};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use phosphor_nes::runahead::RunAhead;

/// Frames run before `--bench` starts its clock.
const BENCH_WARMUP_FRAMES: u64 = 60;

/// Loads a ROM file, or prints one line saying why it cannot be used.
pub fn load_rom(path: &Path, options: LoadOptions) -> Result<Nes, String> {
    Ok(Nes::new(load_cart(path, options)?))
}

pub fn load_cart(path: &Path, options: LoadOptions) -> Result<Cartridge, String> {
    let bytes = read(path)?;
    Cartridge::from_ines_with(&bytes, options).map_err(|e| format!("{}: {e}", path.display()))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read the file: {e}", path.display()))
}

/// The machine a run starts with, and the movie it plays or records.
struct Start {
    nes: Nes,
    movie: Option<Movie>,
    frames: u64,
}

/// Everything that can be refused before the first frame: the ROM, the
/// state file, the movie.
fn prepare(args: &HeadlessArgs) -> Result<Start, String> {
    if let Some(path) = &args.play {
        let movie = Movie::decode(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        let cart = load_cart(&args.rom, movie.load_options())?;
        let nes = movie.start(cart).map_err(|e| format!("{}: {e}", path.display()))?;
        let frames = movie.inputs.len() as u64;
        return Ok(Start { nes, movie: Some(movie), frames });
    }
    let mut nes = Nes::with_ram_init(load_cart(&args.rom, args.load_options())?, args.ram_init);
    nes.set_sample_rate(args.sample_rate);
    let mut start = MovieStart::PowerOn(args.ram_init);
    if let Some(path) = &args.load_state {
        let file = read(path)?;
        nes.load_state(&file).map_err(|e| format!("{}: {e}", path.display()))?;
        start = MovieStart::State(file);
    }
    if let Some(pc) = args.start_pc {
        nes.cpu_mut().pc = pc;
    }
    let movie = args.record.as_ref().map(|_| Movie::new(&nes, start, args.sample_rate));
    Ok(Start { nes, movie, frames: args.frames.unwrap_or(60) })
}

pub fn run(args: &HeadlessArgs) -> ExitCode {
    let Start { mut nes, mut movie, frames } = match prepare(args) {
        Ok(start) => start,
        Err(message) => {
            eprintln!("phosphor: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let playing = args.play.is_some();
    let mut trace = match start_trace(&mut nes, args) {
        Ok(trace) => trace,
        Err(message) => {
            eprintln!("phosphor: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let sample_rate = movie.as_ref().map_or(args.sample_rate, |m| m.sample_rate);
    if let Some(press) = &args.latency {
        // Frames counted from 1 at power-on: console frame k is the (k+1)th run.
        let window = 120;
        match phosphor_nes::runahead::measure_latency(&nes, [press.buttons, 0], press.from + 1, usize::from(args.run_ahead), window) {
            Some(frames) => {
                println!("latency_frames={frames} run_ahead={}", args.run_ahead);
                return ExitCode::SUCCESS;
            }
            None => {
                println!("latency_frames=none run_ahead={}", args.run_ahead);
                eprintln!("phosphor: the picture did not change within {window} frames of the press");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut ahead = RunAhead::new(&nes);
    ahead.set(&mut nes, usize::from(args.run_ahead), phosphor_nes::runahead::Method::Speculative);
    let mut history = args.rewind.then(|| (phosphor_rt::rewind::Store::new(usize::MAX), Vec::with_capacity(nes.lean_state_len())));
    let mut capture_time = std::time::Duration::ZERO;
    let mut compress_time = std::time::Duration::ZERO;

    let warmup = if args.bench { BENCH_WARMUP_FRAMES.min(frames / 2) } else { 0 };
    let mut timed_from = None;
    // Audio is always synthesized and drained, as a frontend would: the
    // benchmark measures the core with its sound on.
    let mut chunk = vec![0.0f32; 4096];
    let mut recording = Vec::new();
    let mut audio_hash = phosphor_nes::state::FNV_OFFSET;
    for index in 0..frames {
        if index == warmup {
            timed_from = Some(Instant::now());
        }
        let pads = match (&movie, playing) {
            (Some(m), true) => m.inputs[index as usize],
            _ => {
                let frame = nes.frame_count();
                [args.press.iter().filter(|p| (p.from..=p.to).contains(&frame)).fold(0, |b, p| b | p.buttons), 0]
            }
        };
        nes.set_buttons(0, pads[0]);
        nes.set_buttons(1, pads[1]);
        let n = match trace.as_mut() {
            Some(text) => {
                run_traced_frame(&mut nes, text);
                nes.read_audio(&mut chunk)
            }
            None if args.run_ahead > 0 => {
                ahead.tick(&mut nes, pads);
                let heard = ahead.audio();
                chunk[..heard.len()].copy_from_slice(heard);
                heard.len()
            }
            None => {
                nes.run_frame();
                nes.read_audio(&mut chunk)
            }
        };
        if let Some((store, buffer)) = history.as_mut() {
            // What the emulation thread does (copy), then what the worker does.
            let started = Instant::now();
            ahead.capture_real(&mut nes, buffer);
            let copied = Instant::now();
            store.push(index, buffer);
            if index >= warmup {
                capture_time += copied - started;
                compress_time += copied.elapsed();
            }
        }
        if args.wav.is_some() {
            recording.extend_from_slice(&chunk[..n]);
        }
        if let Some(m) = &mut movie {
            audio_hash = movie::audio_hash(audio_hash, &chunk[..n]);
            if playing {
                if let Err(e) = m.check(index as u32, &nes, audio_hash) {
                    eprintln!("phosphor: {}: {e}", args.play.as_deref().unwrap_or(Path::new("")).display());
                    return ExitCode::FAILURE;
                }
            } else {
                m.record_frame(&nes, pads, audio_hash);
            }
        }
    }
    let elapsed = timed_from.map(|t| t.elapsed());

    for &addr in &args.peek {
        println!("peek ${addr:04X}=${:02X}", nes.peek(addr));
    }
    println!("frame_hash={:016x}", nes.frame_hash());
    if playing {
        println!("movie_frames={frames} replay=ok");
    }
    if args.bench {
        let timed = frames - warmup;
        let secs = elapsed.map_or(0.0, |d| d.as_secs_f64());
        let fps = if secs > 0.0 { timed as f64 / secs } else { 0.0 };
        println!("fps={fps:.1}");
        let (capture_us, restore_us) = snapshot_times(&mut nes);
        println!("state_bytes={} capture_us={capture_us:.1} restore_us={restore_us:.1}", nes.state_len());
        if args.run_ahead > 0 {
            let stats = ahead.stats();
            println!("run_ahead={} run_ahead_frames_run={} run_ahead_reruns={}", args.run_ahead, stats.frames_run, stats.reruns);
        }
        if let Some((store, _)) = &history {
            let per_frame = |d: std::time::Duration| d.as_secs_f64() * 1e6 / timed.max(1) as f64;
            let per_minute = store.bytes() as f64 / store.len().max(1) as f64 * f64::from(phosphor_rt::rewind::FRAMES_PER_MINUTE);
            println!(
                "rewind_lean_bytes={} rewind_capture_us={:.1} rewind_compress_us={:.1} rewind_bytes_per_min={:.0} rewind_keyframes={}",
                nes.lean_state_len(),
                per_frame(capture_time),
                per_frame(compress_time),
                per_minute,
                store.keyframes()
            );
        }
    }
    let mut outputs: Vec<(&Path, anyhow::Result<Vec<u8>>)> = Vec::new();
    if let Some(path) = &args.screenshot {
        outputs.push((path, screenshot_png(&nes)));
    }
    if let (Some(path), Some(text)) = (&args.trace, trace.take()) {
        println!("trace_lines={}", text.lines().count());
        outputs.push((path, Ok(text.into_bytes())));
    }
    if let Some(path) = &args.wav {
        outputs.push((path, Ok(wav_bytes(&recording, sample_rate))));
        println!("wav_samples={}", recording.len());
    }
    if let Some(path) = &args.save_state {
        outputs.push((path, Ok(nes.save_state(b""))));
        println!("state_frame={}", nes.frame_count());
    }
    if let (Some(path), Some(m), false) = (&args.record, &mut movie, playing) {
        m.finish(&nes, audio_hash);
        outputs.push((path, Ok(m.encode())));
        println!("movie_frames={frames}");
    }
    for (path, bytes) in outputs {
        if let Err(e) = bytes.and_then(|b| durable_write(path, &b)) {
            eprintln!("phosphor: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Arms the trace when `--trace` asks for it: the text it will fill.
fn start_trace(nes: &mut Nes, args: &HeadlessArgs) -> Result<Option<String>, String> {
    if args.trace.is_none() {
        return Ok(None);
    }
    let filter = match &args.trace_filter {
        Some(text) => Some(Condition::parse(text).map_err(|e| format!("--trace-filter '{text}': {e}"))?),
        None => None,
    };
    nes.attach_debugger(Box::new(Debugger::new()));
    nes.debug(|d| d.set_tracing(true, filter));
    Ok(Some(String::new()))
}

/// One frame under the debugger, each instruction appended to `text` as a line.
fn run_traced_frame(nes: &mut Nes, text: &mut String) {
    loop {
        let run = nes.run_frame_debug();
        nes.debug(|d| {
            d.drain_trace(|entry| {
                entry.write_line(text, None);
                text.push('\n');
            });
        });
        if run.frame_done {
            return;
        }
    }
}

/// Median microseconds of an in-memory capture and of a restore (of the
/// same state, so the machine ends as it was), over 101 pairs.
fn snapshot_times(nes: &mut Nes) -> (f64, f64) {
    let mut buffer = Vec::with_capacity(nes.state_len());
    let (mut capture, mut restore) = (Vec::new(), Vec::new());
    for _ in 0..101 {
        let start = Instant::now();
        nes.capture(&mut buffer);
        capture.push(start.elapsed().as_secs_f64() * 1e6);
        let start = Instant::now();
        nes.restore(&buffer).expect("a capture of this machine restores");
        restore.push(start.elapsed().as_secs_f64() * 1e6);
    }
    capture.sort_by(f64::total_cmp);
    restore.sort_by(f64::total_cmp);
    (capture[50], restore[50])
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

/// The last frame as an RGBA PNG image.
pub fn screenshot_png(nes: &Nes) -> anyhow::Result<Vec<u8>> {
    let mut rgba = vec![0u8; WIDTH * HEIGHT * 4];
    NtscPalette::new().to_rgba(nes.frame_buffer(), &mut rgba);
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, WIDTH as u32, HEIGHT as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().context("cannot write the PNG header")?;
    writer.write_image_data(&rgba).context("cannot write the PNG data")?;
    writer.finish().context("cannot finish the PNG")?;
    Ok(png_bytes)
}
