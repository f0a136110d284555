//! The sound path: the emulation thread pushes each frame's samples into a
//! lock-free ring; the audio device's callback pops them through
//! [`AudioOutput`]. Dynamic rate control keeps the ring's fill level at the
//! configured latency by nudging the core's resampling ratio (at most
//! 0.5%, inaudible), so the two clocks (the pacer's and the sound card's)
//! never drift apart into underruns or a growing delay.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use phosphor_nes::Nes;
use rtrb::{Consumer, Producer};

/// Largest correction of the resampling ratio (RetroArch and Mesen use 0.5%).
pub const MAX_RATE_ADJUST: f64 = 0.005;

/// What the two ends share: counters the callback keeps and the runtime
/// reports. All relaxed: they are statistics, ordered by nothing.
#[derive(Debug, Default)]
pub(crate) struct AudioShared {
    /// The runtime is producing sound (running, not paused or muted).
    pub active: AtomicBool,
    /// Fill level at which playback starts (or restarts after an underrun).
    pub start_fill: AtomicUsize,
    pub underruns: AtomicU64,
    pub silent_samples: AtomicU64,
    pub callbacks: AtomicU64,
    pub fill_min: AtomicUsize,
    pub fill_max: AtomicUsize,
}

/// Figures from the device's side of the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudioStats {
    /// Times the device asked for more than the ring held while playing.
    pub underruns: u64,
    /// Samples of silence those underruns put in.
    pub silent_samples: u64,
    pub callbacks: u64,
    /// Lowest and highest fill seen by the callback while playing (samples);
    /// `usize::MAX` and 0 until playback starts.
    pub fill_min: usize,
    pub fill_max: usize,
}

impl AudioShared {
    pub fn new(start_fill: usize) -> Self {
        let shared = AudioShared::default();
        shared.start_fill.store(start_fill, Ordering::Relaxed);
        shared.fill_min.store(usize::MAX, Ordering::Relaxed);
        shared
    }

    pub fn stats(&self) -> AudioStats {
        AudioStats {
            underruns: self.underruns.load(Ordering::Relaxed),
            silent_samples: self.silent_samples.load(Ordering::Relaxed),
            callbacks: self.callbacks.load(Ordering::Relaxed),
            fill_min: self.fill_min.load(Ordering::Relaxed),
            fill_max: self.fill_max.load(Ordering::Relaxed),
        }
    }
}

/// The device end of the sound ring: give it to the audio callback.
#[derive(Debug)]
pub struct AudioOutput {
    ring: Consumer<f32>,
    shared: Arc<AudioShared>,
    sample_rate: u32,
    playing: bool,
}

impl AudioOutput {
    pub(crate) fn new(ring: Consumer<f32>, shared: Arc<AudioShared>, sample_rate: u32) -> Self {
        AudioOutput { ring, shared, sample_rate, playing: false }
    }

    /// Mono samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Fills `out` with the next samples, silence where there are none;
    /// returns how many came from the ring. Never blocks or allocates: call
    /// it from the device callback. Playback starts once the ring reaches
    /// the configured latency, and starts over that way after an underrun,
    /// so one late frame costs one gap, not a crackle on every callback.
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let shared = &*self.shared;
        shared.callbacks.fetch_add(1, Ordering::Relaxed);
        let available = self.ring.slots();
        let active = shared.active.load(Ordering::Relaxed);
        if !self.playing {
            if !active || available < shared.start_fill.load(Ordering::Relaxed) {
                out.fill(0.0);
                return 0;
            }
            self.playing = true;
        }
        if !active {
            // Paused or muted on purpose: not an underrun.
            self.playing = false;
            out.fill(0.0);
            return 0;
        }
        shared.fill_min.fetch_min(available, Ordering::Relaxed);
        shared.fill_max.fetch_max(available, Ordering::Relaxed);
        let n = available.min(out.len());
        if let Ok(chunk) = self.ring.read_chunk(n) {
            let (a, b) = chunk.as_slices();
            out[..a.len()].copy_from_slice(a);
            out[a.len()..n].copy_from_slice(b);
            chunk.commit_all();
        }
        if n < out.len() {
            // Hold the last level rather than dropping to zero (a click).
            let last = if n > 0 { out[n - 1] } else { 0.0 };
            out[n..].fill(last);
            shared.underruns.fetch_add(1, Ordering::Relaxed);
            shared.silent_samples.fetch_add((out.len() - n) as u64, Ordering::Relaxed);
            self.playing = false;
        }
        n
    }

    /// The fill playback starts at (and starts again at after an
    /// underrun): the latency the ring adds, in samples.
    pub fn start_fill(&self) -> usize {
        self.shared.start_fill.load(Ordering::Relaxed)
    }

    /// Samples waiting in the ring.
    pub fn buffered(&self) -> usize {
        self.ring.slots()
    }

    pub fn stats(&self) -> AudioStats {
        self.shared.stats()
    }
}

/// A sound ring not attached to a runtime: the feeding end and the device
/// end, for tests and tools that make their own samples. Playback starts
/// once `start_fill` samples are in.
pub fn detached(sample_rate: u32, capacity: usize, start_fill: usize) -> (AudioFeed, AudioOutput) {
    let (tx, rx) = rtrb::RingBuffer::new(capacity);
    let shared = Arc::new(AudioShared::new(start_fill));
    shared.active.store(true, Ordering::Relaxed);
    (AudioFeed { ring: tx, shared: Arc::clone(&shared) }, AudioOutput::new(rx, shared, sample_rate))
}

/// The feeding end of a [`detached`] sound ring.
#[derive(Debug)]
pub struct AudioFeed {
    ring: Producer<f32>,
    shared: Arc<AudioShared>,
}

impl AudioFeed {
    /// Pushes what fits; returns how many samples went in.
    pub fn push(&mut self, samples: &[f32]) -> usize {
        let (pushed, _) = self.ring.push_partial_slice(samples);
        pushed.len()
    }

    /// Whether sound is expected (silence while inactive is no underrun).
    pub fn set_active(&self, active: bool) {
        self.shared.active.store(active, Ordering::Relaxed);
    }

    /// Samples pushed and not yet taken by the device end.
    pub fn queued(&self) -> usize {
        self.ring.buffer().capacity() - self.ring.slots()
    }

    /// Figures from the device end.
    pub fn stats(&self) -> AudioStats {
        self.shared.stats()
    }
}

/// A sound card without hardware: a thread that takes one period of
/// samples from an [`AudioOutput`] on its own clock (catching up when woken
/// late, as hardware does not wait), for the headless real-time mode and
/// tests.
#[derive(Debug)]
pub struct SimulatedDevice {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<usize>,
}

impl SimulatedDevice {
    pub fn start(mut audio: AudioOutput, period: std::time::Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = (f64::from(audio.sample_rate()) * period.as_secs_f64()).round() as usize;
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut buffer = vec![0f32; samples.max(1)];
                let (mut played, mut next) = (0, std::time::Instant::now());
                while !stop.load(Ordering::Relaxed) {
                    played += audio.fill(&mut buffer);
                    next += period;
                    std::thread::sleep(next.saturating_duration_since(std::time::Instant::now()));
                }
                played
            })
        };
        SimulatedDevice { stop, thread }
    }

    /// Stops the device; returns how many samples it played from the ring.
    pub fn stop(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// Dynamic rate control on a smoothed fill level: a proportional term (half
/// the target off gives the whole 0.5%) and a slow integral one, which
/// learns the steady difference between the two clocks so the fill settles
/// on the target itself rather than beside it.
#[derive(Debug, Clone)]
pub struct RateControl {
    target: f64,
    average: f64,
    integral: f64,
}

/// Integral gain per frame: a 0.3% clock difference is learnt in ~30 s.
const INTEGRAL_GAIN: f64 = 2e-5;

impl RateControl {
    pub fn new(target: usize) -> Self {
        RateControl { target: target as f64, average: target as f64, integral: 0.0 }
    }

    /// The ratio to make samples at, given the ring's fill level averaged
    /// over the last frame.
    pub fn update(&mut self, fill: f64) -> f64 {
        // A time constant of ~16 frames smooths out the callback's phase.
        self.average += (fill - self.average) / 16.0;
        let error = (self.target - self.average) / self.target;
        self.integral = (self.integral + error * INTEGRAL_GAIN).clamp(-MAX_RATE_ADJUST, MAX_RATE_ADJUST);
        1.0 + (error * 2.0 * MAX_RATE_ADJUST + self.integral).clamp(-MAX_RATE_ADJUST, MAX_RATE_ADJUST)
    }

    /// Starts over at the target (after a pause, a load, a speed change);
    /// what it learnt about the clocks stays.
    pub fn reset(&mut self) {
        self.average = self.target;
    }
}

/// The emulation thread's end: a scratch buffer sized up front, the ring,
/// the rate controller and the loss counters.
#[derive(Debug)]
pub(crate) struct AudioInput {
    ring: Producer<f32>,
    scratch: Box<[f32]>,
    capacity: usize,
    pub control: RateControl,
    pub shared: Arc<AudioShared>,
    pub overruns: u64,
    pub dropped_samples: u64,
    pub ratio: f64,
}

impl AudioInput {
    pub fn new(ring: Producer<f32>, shared: Arc<AudioShared>, target: usize) -> Self {
        let capacity = ring.buffer().capacity();
        AudioInput {
            ring,
            scratch: vec![0.0; 8192].into_boxed_slice(),
            capacity,
            control: RateControl::new(target),
            shared,
            overruns: 0,
            dropped_samples: 0,
            ratio: 1.0,
        }
    }

    /// Samples in the ring now.
    pub fn fill(&self) -> usize {
        self.capacity - self.ring.slots()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Moves the core's finished samples into the ring (or, when `play` is
    /// false, throws them away); a full ring drops the rest and counts it.
    /// `reverse` plays the frame's samples backwards (rewinding). Returns
    /// the new resampling ratio for the core, scaled by `base`.
    pub fn push_from(&mut self, nes: &mut Nes, play: bool, base: f64, reverse: bool) -> f64 {
        let mut made = 0;
        loop {
            let n = nes.read_audio(&mut self.scratch);
            if n == 0 {
                break;
            }
            made += n;
            if reverse {
                self.scratch[..n].reverse();
            }
            if play {
                let (_, rest) = self.ring.push_partial_slice(&self.scratch[..n]);
                self.count_dropped(rest.len());
            }
        }
        self.steer(made, play, base)
    }

    /// [`AudioInput::push_from`] for samples made elsewhere (run-ahead's
    /// real frame).
    pub fn push_samples(&mut self, samples: &[f32], play: bool, base: f64) -> f64 {
        if play {
            let (_, rest) = self.ring.push_partial_slice(samples);
            self.count_dropped(rest.len());
        }
        self.steer(samples.len(), play, base)
    }

    fn count_dropped(&mut self, dropped: usize) {
        if dropped > 0 {
            self.overruns += 1;
            self.dropped_samples += dropped as u64;
        }
    }

    /// Rate control after a frame's `made` samples went in.
    fn steer(&mut self, made: usize, play: bool, base: f64) -> f64 {
        if play {
            // Measured right after the push, the fill is at its peak; the
            // callback drains half a frame's worth on average before the next.
            let average = self.fill() as f64 - made as f64 / 2.0;
            self.ratio = base * self.control.update(average);
        } else {
            self.control.reset();
            self.ratio = base;
        }
        self.ratio
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Feed(AudioFeed);

    impl Feed {
        fn push(&mut self, sample: f32) -> Result<(), ()> {
            if self.0.push(&[sample]) == 1 { Ok(()) } else { Err(()) }
        }
    }

    fn pair(capacity: usize, start: usize) -> (Feed, AudioOutput) {
        let (feed, out) = detached(48_000, capacity, start);
        (Feed(feed), out)
    }

    #[test]
    fn playback_waits_for_the_start_level_then_counts_underruns() {
        let (mut tx, mut out) = pair(1024, 300);
        let mut buf = [9.0f32; 240];
        for i in 0..200 {
            tx.push(i as f32).unwrap();
        }
        assert_eq!(out.fill(&mut buf), 0, "below the start level: silence");
        assert!(buf.iter().all(|&s| s == 0.0));
        assert_eq!(out.stats().underruns, 0, "priming is not an underrun");
        for i in 200..400 {
            tx.push(i as f32).unwrap();
        }
        assert_eq!(out.fill(&mut buf), 240);
        assert_eq!(buf[0], 0.0);
        assert_eq!(buf[239], 239.0, "in order");
        assert_eq!(out.fill(&mut buf), 160, "160 left");
        assert_eq!(buf[159], 399.0);
        assert_eq!(buf[239], 399.0, "the gap holds the last level");
        let stats = out.stats();
        assert_eq!((stats.underruns, stats.silent_samples), (1, 80));
        assert_eq!((stats.fill_min, stats.fill_max), (160, 400));
        // After the underrun it waits for the start level again.
        for i in 0..100 {
            tx.push(i as f32).unwrap();
        }
        assert_eq!(out.fill(&mut buf), 0);
        assert_eq!(out.stats().underruns, 1);
    }

    #[test]
    fn a_paused_runtime_is_silence_not_an_underrun() {
        let (mut tx, mut out) = pair(1024, 100);
        for _ in 0..200 {
            tx.push(0.5).unwrap();
        }
        let mut buf = [0.0f32; 64];
        assert_eq!(out.fill(&mut buf), 64);
        tx.0.set_active(false);
        for _ in 0..10 {
            assert_eq!(out.fill(&mut buf), 0);
        }
        assert_eq!(out.stats().underruns, 0);
        assert_eq!(out.buffered(), 136, "nothing was taken while paused");
    }

    #[test]
    fn rate_control_is_bounded_and_points_the_right_way() {
        let mut rc = RateControl::new(1000);
        for _ in 0..200 {
            rc.update(3000.0);
        }
        assert_eq!(rc.update(3000.0), 1.0 - MAX_RATE_ADJUST, "too full: fewer samples, at most 0.5%");
        let mut rc = RateControl::new(1000);
        for _ in 0..200 {
            rc.update(0.0);
        }
        assert_eq!(rc.update(0.0), 1.0 + MAX_RATE_ADJUST);
        let mut rc = RateControl::new(1000);
        assert_eq!(rc.update(1000.0), 1.0, "on target: no correction");
    }

    /// Two minutes of a pacer and a sound card whose clocks disagree by
    /// 0.3%: after half a minute the fill sits on its target, neither
    /// starving nor growing.
    #[test]
    fn rate_control_absorbs_clock_drift() {
        for device_hz in [48_000.0 * 1.003, 48_000.0 / 1.003] {
            let target = 1536.0;
            let mut rc = RateControl::new(target as usize);
            let per_frame = 48_000.0 / 60.0988;
            let mut fill = target;
            let mut ratio = 1.0;
            let (mut low, mut high) = (f64::MAX, 0.0f64);
            for frame in 0..7200 {
                fill += per_frame * ratio;
                ratio = rc.update(fill - per_frame / 2.0);
                fill -= device_hz / 60.0988;
                if frame > 1800 {
                    low = low.min(fill);
                    high = high.max(fill);
                }
            }
            assert!(low > 0.0, "device at {device_hz} Hz starved: {low}");
            let settled = target - per_frame / 2.0;
            assert!((low - settled).abs() < 50.0 && (high - settled).abs() < 50.0, "settles on target: {low}..{high}");
        }
    }
}
