//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "phosphor",
    version,
    about = "Phosphor, a cycle-accurate NES emulator",
    long_about = "Phosphor, a cycle-accurate NES emulator. With no command it opens a window and plays ROM \
                  (our demo when none is given); `headless` and `test-rom` run without a window.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub play: PlayArgs,
}

/// The windowed frontend.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The iNES / NES 2.0 file to play (our demo ROM when left out).
    pub rom: Option<PathBuf>,
    /// Presentation shader for this run (the Settings menu's choice
    /// otherwise).
    #[arg(long, value_enum)]
    pub shader: Option<ShaderArg>,
    /// Scale the picture by whole multiples of its 240 lines (this run).
    #[arg(long)]
    pub integer_scale: bool,
    /// Do not ask for real-time priority, a pinned core or locked memory
    /// for the emulation thread.
    #[arg(long)]
    pub normal_priority: bool,
    /// Open the debugger panel at start (F1 toggles it).
    #[arg(long)]
    pub debugger: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShaderArg {
    Crt,
    Sharp,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a ROM with no window: for tests, automation and benchmarks.
    Headless(Box<HeadlessArgs>),
    /// Run conformance test ROMs and print PASS or FAIL for each.
    TestRom(TestRomArgs),
}

#[derive(Debug, Args)]
pub struct HeadlessArgs {
    /// The iNES / NES 2.0 file to run.
    pub rom: PathBuf,
    /// Frames to run (from power-on, or from --load-state's frame). 60
    /// unless given; --play runs the movie's length.
    #[arg(long, conflicts_with = "play")]
    pub frames: Option<u64>,
    /// Hold controller 1 buttons over a frame range, e.g. `a+start@40-45`
    /// (frames are the console's, counted from 0 at power-on; both ends inclusive).
    #[arg(long, value_name = "BUTTONS@FROM-TO", value_parser = parse_press)]
    pub press: Vec<Press>,
    /// Print a CPU address after the run, e.g. `$0038` or `0x38`.
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub peek: Vec<u16>,
    /// Write the last frame as a PNG.
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// Print frames per second measured after a 60-frame warm-up.
    #[arg(long)]
    pub bench: bool,
    /// Write the sound of the whole run as a 16-bit mono WAV file.
    #[arg(long, value_name = "FILE.wav")]
    pub wav: Option<PathBuf>,
    /// Audio sample rate in Hz (for --wav, and the rate the core synthesizes at).
    #[arg(long, default_value_t = 48_000, value_parser = clap::value_parser!(u32).range(8_000..=192_000))]
    pub sample_rate: u32,
    /// Run as this console region instead of the one the header names.
    #[arg(long, value_enum)]
    pub region: Option<RegionArg>,
    /// Board variant (NES 2.0 submapper) instead of the header's, e.g. 4
    /// for the MMC3A's IRQ behaviour on mapper 4.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=15))]
    pub submapper: Option<u8>,
    /// Power-on RAM contents: zeros, ones, or seed:N for a pseudo-random
    /// pattern that is the same for the same N.
    #[arg(long, value_name = "PATTERN", default_value = "zeros")]
    pub ram_init: phosphor_nes::RamInit,
    /// Write a trace of every instruction run, one a line: PC, bytes,
    /// disassembly, A X Y P SP, PPU scanline and dot, CPU cycle (the layout
    /// of nestest.log, for diffing against other emulators).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["bench", "realtime"])]
    pub trace: Option<PathBuf>,
    /// Trace only the instructions for which this expression holds, e.g.
    /// `pc >= $C000 && scanline < 240` (see the README's debugger section).
    #[arg(long, value_name = "EXPR", requires = "trace")]
    pub trace_filter: Option<String>,
    /// Set PC to this address after power-on (nestest's automation mode
    /// starts at $C000).
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub start_pc: Option<u16>,
    /// Start from this save-state file instead of power-on.
    #[arg(long, value_name = "FILE")]
    pub load_state: Option<PathBuf>,
    /// Write a save state after the last frame (durably: an interrupted
    /// write leaves the old file whole).
    #[arg(long, value_name = "FILE")]
    pub save_state: Option<PathBuf>,
    /// Record the run's controller input, start state and hashes as a movie.
    #[arg(long, value_name = "FILE.phm", conflicts_with = "play")]
    pub record: Option<PathBuf>,
    /// Replay a movie recorded with --record; fails if the replay's frames
    /// or sound part from the recording.
    #[arg(long, value_name = "FILE.phm", conflicts_with_all = ["press", "load_state", "ram_init", "region", "submapper"])]
    pub play: Option<PathBuf>,
    /// Run in real time on the emulation thread, paced, with a simulated
    /// sound card taking 5 ms periods (or the real device, --audio real),
    /// and print one line of key=value figures (frame times, deadline
    /// misses, pacing jitter, underruns...).
    #[arg(long, conflicts_with_all = ["frames", "bench", "play", "record", "wav", "load_state", "save_state"])]
    pub realtime: bool,
    /// How long --realtime runs.
    #[arg(long, value_name = "S", default_value_t = 10.0, requires = "realtime")]
    pub seconds: f64,
    /// SCHED_FIFO priority --realtime asks for (0: ask for none).
    #[arg(long, value_name = "N", default_value_t = 80, requires = "realtime",
          value_parser = clap::value_parser!(u8).range(0..=99))]
    pub rt_priority: u8,
    /// The sound --realtime plays to: a simulated card, or the default
    /// device through the sound server, measured from the server's output
    /// (four clicks a second found in a recording of its monitor; prints
    /// audio_latency_ms=).
    #[arg(long, value_enum, default_value_t = AudioArg::Simulated, requires = "realtime")]
    pub audio: AudioArg,
    /// How far ahead of the sound card --realtime keeps the sound ring
    /// before each frame's samples go in.
    #[arg(long, value_name = "MS", default_value_t = 6, requires = "realtime",
          value_parser = clap::value_parser!(u64).range(1..=500))]
    pub audio_latency_ms: u64,
    /// Let (near-)underruns raise --audio-latency-ms, 1 ms each, up to this
    /// (0 or below it: the lead stays fixed).
    #[arg(long, value_name = "MS", default_value_t = 32, requires = "realtime",
          value_parser = clap::value_parser!(u64).range(0..=500))]
    pub audio_latency_max_ms: u64,
    /// Change the lead to MS at S seconds into the run, on the same stream
    /// (prints audio_latency_ms_before= and audio_latency_ms_after=, the
    /// clicks before the change and from 2 s after it: the measurement
    /// checked against the configuration).
    #[arg(long, value_name = "MS@S", value_parser = parse_lead_change, requires = "realtime")]
    pub audio_latency_then: Option<(u64, f64)>,
    /// The device period --audio real asks for, in frames.
    #[arg(long, value_name = "FRAMES", default_value_t = phosphor_audio::DEVICE_BUFFER_FRAMES, requires = "realtime",
          value_parser = clap::value_parser!(u32).range(32..=8192))]
    pub device_buffer: u32,
    /// Frames of run-ahead (0 to 4): in frame runs and --bench through the
    /// core's run-ahead, in --realtime on the emulation thread.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=4),
          conflicts_with_all = ["trace", "play", "record"])]
    pub run_ahead: u8,
    /// Record rewind history every frame (--bench prints what it costs and
    /// how much a minute of it takes; --realtime keeps two minutes).
    #[arg(long, conflicts_with_all = ["trace", "play", "record"])]
    pub rewind: bool,
    /// Measure the frames from pressing BUTTONS at console frame FRAME to
    /// the first frame shown whose picture differs from a run without the
    /// press (with --run-ahead's frames); prints `latency_frames=N`.
    #[arg(long, value_name = "BUTTONS@FRAME", value_parser = parse_press,
          conflicts_with_all = ["trace", "play", "record", "bench", "realtime"])]
    pub latency: Option<Press>,
}

fn parse_lead_change(text: &str) -> Result<(u64, f64), String> {
    let (ms, at) = text.split_once('@').ok_or_else(|| format!("'{text}': expected MS@SECONDS, e.g. 10@7"))?;
    let ms: u64 = ms.parse().map_err(|_| format!("'{ms}': not a number of milliseconds"))?;
    let at: f64 = at.parse().map_err(|_| format!("'{at}': not a number of seconds"))?;
    if !(1..=500).contains(&ms) || !(at.is_finite() && at >= 0.0) {
        return Err(format!("'{text}': the lead must be 1-500 ms and the time at least 0 s"));
    }
    Ok((ms, at))
}

/// Where --realtime's sound goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AudioArg {
    /// A thread taking 5 ms periods on its own clock.
    Simulated,
    /// The default output device (cpal, ALSA, the sound server).
    Real,
}

/// Console regions the CLI can force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionArg {
    Ntsc,
    Pal,
    Dendy,
}

impl HeadlessArgs {
    /// The header overrides the arguments ask for.
    pub fn load_options(&self) -> phosphor_nes::LoadOptions {
        phosphor_nes::LoadOptions {
            submapper: self.submapper,
            region: self.region.map(|r| match r {
                RegionArg::Ntsc => phosphor_nes::Region::Ntsc,
                RegionArg::Pal => phosphor_nes::Region::Pal,
                RegionArg::Dendy => phosphor_nes::Region::Dendy,
            }),
        }
    }
}

#[derive(Debug, Args)]
pub struct TestRomArgs {
    /// Test ROMs to run.
    #[arg(required = true)]
    pub roms: Vec<PathBuf>,
    /// Give up on a ROM that has not reported after this many frames.
    #[arg(long, default_value_t = 3600)]
    pub max_frames: u64,
}

/// Buttons held over an inclusive frame range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Press {
    pub buttons: u8,
    pub from: u64,
    pub to: u64,
}

fn parse_press(s: &str) -> Result<Press, String> {
    let (names, range) = s.split_once('@').ok_or("expected BUTTONS@FROM-TO, e.g. a+start@40-45")?;
    let mut buttons = 0;
    for name in names.split('+') {
        buttons |= phosphor_nes::controller::button::from_name(name.trim()).ok_or_else(|| {
            format!("unknown button '{name}' (use a, b, select, start, up, down, left, right)")
        })?;
    }
    let (from, to) = match range.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (range.trim(), range.trim()),
    };
    let from: u64 = from.parse().map_err(|_| format!("bad frame number '{from}'"))?;
    let to: u64 = to.parse().map_err(|_| format!("bad frame number '{to}'"))?;
    if to < from {
        return Err(format!("frame range {from}-{to} ends before it starts"));
    }
    Ok(Press { buttons, from, to })
}

fn parse_addr(s: &str) -> Result<u16, String> {
    let hex = s
        .strip_prefix('$')
        .or_else(|| s.strip_prefix("0x"))
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    u16::from_str_radix(hex, 16).map_err(|_| format!("'{s}' is not a 16-bit hex address (write $0038 or 0x38)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_presses_and_addresses() {
        assert_eq!(parse_press("a+start@40-45"), Ok(Press { buttons: 0x09, from: 40, to: 45 }));
        assert_eq!(parse_press("left@7"), Ok(Press { buttons: 0x40, from: 7, to: 7 }));
        assert!(parse_press("jump@1-2").unwrap_err().contains("jump"));
        assert!(parse_press("a@5-2").is_err());
        assert_eq!(parse_addr("$0038"), Ok(0x38));
        assert_eq!(parse_addr("0x6000"), Ok(0x6000));
        assert!(parse_addr("$12345").is_err());
    }
}
