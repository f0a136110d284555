//! How a runtime is set up: the thread's name and priority, the audio
//! buffer, the fast-forward cap and the size of every ring.

use std::time::Duration;

/// Everything [`crate::Runtime::spawn`] needs to know. `Default` is what a
/// player gets: SCHED_FIFO 80 on the last core, memory locked, 48 kHz sound
/// kept 6 ms ahead of the device (raised by underruns up to 32 ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Name of the emulation thread (what `top -H` and debuggers show).
    pub thread_name: String,
    /// SCHED_FIFO priority to ask for (1-99); `None` asks for nothing.
    pub realtime_priority: Option<u8>,
    /// Which core to pin the thread to.
    pub pin: Pin,
    /// Lock the process's memory (`mlockall(MCL_CURRENT)`) so the buffers
    /// the thread uses never page out.
    pub lock_memory: bool,
    /// Host sample rate of the sound stream.
    pub sample_rate: u32,
    /// How far ahead of the audio device the sound ring is kept (its fill
    /// just before a frame's samples go in): dynamic rate control steers
    /// to this. Where it starts: underruns raise it.
    pub audio_latency: Duration,
    /// How far underruns may raise `audio_latency`, 1 ms each (after the
    /// first second of playback). Equal to it or below: fixed.
    pub audio_latency_max: Duration,
    /// Capacity of the sound ring (must exceed `audio_latency` by at least
    /// a frame of sound).
    pub audio_capacity: Duration,
    /// Fastest speed `SetSpeed` accepts (fast-forward cap), as a multiple of
    /// the console's own frame rate.
    pub max_speed: f32,
    /// Ring sizes, in items.
    pub rings: RingSizes,
    /// Frames of rewind history to keep from the start (0: off until a
    /// `SetRewind`). Two minutes by default.
    pub rewind_frames: u32,
}

/// The sound ring's starting lead over the device: one 256-frame device
/// period and a little, which a machine that keeps up never underruns.
pub const DEFAULT_AUDIO_LEAD: Duration = Duration::from_millis(6);

/// Where the emulation thread runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// Wherever the scheduler puts it.
    Nowhere,
    /// The highest-numbered core it may run on (core 0 takes most
    /// interrupts on a typical Linux machine). Not on a one-core machine.
    LastCore,
    /// This core.
    Core(usize),
}

/// Capacities of the lock-free rings. Each is bounded: a full ring counts
/// the loss and the emulation goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingSizes {
    pub input: usize,
    pub commands: usize,
    pub replies: usize,
    pub events: usize,
    /// Per-frame telemetry records (4096 is over a minute at 60 Hz).
    pub records: usize,
    /// Memory handed back to be freed off the emulation thread.
    pub garbage: usize,
    /// Executed instructions traced and not yet read (about 48 bytes each).
    pub trace: usize,
}

impl Default for RingSizes {
    fn default() -> Self {
        RingSizes { input: 256, commands: 64, replies: 64, events: 64, records: 4096, garbage: 64, trace: 1 << 20 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            thread_name: "phosphor-emu".into(),
            realtime_priority: Some(80),
            pin: Pin::LastCore,
            lock_memory: true,
            sample_rate: 48_000,
            audio_latency: DEFAULT_AUDIO_LEAD,
            audio_latency_max: Duration::from_millis(32),
            audio_capacity: Duration::from_millis(250),
            max_speed: 8.0,
            rings: RingSizes::default(),
            rewind_frames: 2 * crate::rewind::FRAMES_PER_MINUTE,
        }
    }
}

impl Config {
    /// A configuration that asks the OS for nothing special: for tests that
    /// run beside others, and for sandboxes.
    pub fn unprivileged() -> Self {
        Config { realtime_priority: None, pin: Pin::Nowhere, lock_memory: false, ..Config::default() }
    }

    /// Samples in `duration` at the configured rate.
    pub(crate) fn samples(&self, duration: Duration) -> usize {
        (duration.as_secs_f64() * f64::from(self.sample_rate)).round() as usize
    }
}
