//! The sound path: the emulation thread pushes each frame's samples into a
//! lock-free ring; the audio device's callback pops them through
//! [`AudioOutput`]. Dynamic rate control keeps the ring's fill level, as it
//! stands just before each frame's samples go in, at the configured lead by
//! nudging the core's resampling ratio (at most 0.5%, inaudible; 2% while
//! the fill is over 5 ms off: a backlog draining, a new lead), so the two
//! clocks (the pacer's and the sound card's) never drift apart into
//! underruns or a growing delay.
//!
//! That lead is what the ring adds to the first sample of a frame: the
//! frame's sound is made all at once, so its later samples wait as long as
//! the frame lasts. It can adapt: each call of the device that finds the
//! ring short, or within 2 ms of short (after the first second of
//! playback), raises it by 1 ms, up to a ceiling, so it settles on the
//! smallest value this machine keeps up with, mostly before a gap is heard.
//! A device that stops calling (still opening, or stalled) gets no queue;
//! a ring that still holds over two frames beyond the lead (the device
//! stalled and came back) drops its oldest samples, counted, rather than
//! staying late for good.
//!
//! A [`SoundMarker`] asks the emulation thread to put a click into the next
//! frame's samples and stamps the instant they went into the ring: what a
//! recording of the device's output measures the whole path against.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use phosphor_nes::Nes;
use rtrb::{Consumer, Producer};

/// Largest correction of the resampling ratio (RetroArch and Mesen use 0.5%).
pub const MAX_RATE_ADJUST: f64 = 0.005;

/// Largest correction while a backlog drains (a third of a semitone, for
/// the second or two it takes).
pub const BACKLOG_RATE_ADJUST: f64 = 0.02;

/// Calls of playback before a (near-)underrun may raise the lead: the first
/// second of a game (shaders compiling, the window opening) says nothing
/// about the machine.
const SETTLE_CALLBACKS: u64 = 400;

/// The click a marker puts at the start of a frame's samples: this many
/// samples up, then as many down, near full scale. Nothing a NES makes
/// looks like it (its output never holds that level).
pub const MARK_HALF: usize = 24;
pub const MARK_LEVEL: f32 = 0.9;

/// What the two ends share: counters the callback keeps and the runtime
/// reports. All relaxed: they are statistics, ordered by nothing (the
/// marker's stamp is written before its count, with release).
#[derive(Debug)]
pub(crate) struct AudioShared {
    /// The runtime is producing sound (running, not paused or muted).
    pub active: AtomicBool,
    /// The lead: the fill kept just before a frame's samples go in, and the
    /// fill playback starts at (or restarts at after an underrun).
    pub start_fill: AtomicUsize,
    /// How far (near-)underruns may raise the lead (equal to it: fixed).
    pub max_fill: AtomicUsize,
    /// One raise (1 ms of samples).
    step: usize,
    /// Above the lead by this much, the callback drops the oldest samples
    /// (and by half as much when playback starts); `usize::MAX`: never (a
    /// ring a tool fills as it likes).
    drain_above: usize,
    pub underruns: AtomicU64,
    /// Of those, the ones in the first calls after playback started
    /// (before it settled).
    pub underruns_settling: AtomicU64,
    pub silent_samples: AtomicU64,
    pub callbacks: AtomicU64,
    pub fill_min: AtomicUsize,
    pub fill_max: AtomicUsize,
    pub raises: AtomicU64,
    pub drains: AtomicU64,
    pub drained_samples: AtomicU64,
    /// Marker: asked for, how many were put in, when the last went in.
    epoch: Instant,
    mark_wanted: AtomicBool,
    marks: AtomicU64,
    mark_ns: AtomicU64,
    /// The ring's fill when the last click went in (ahead of it).
    mark_fill: AtomicUsize,
}

/// Figures from the device's side of the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudioStats {
    /// Times the device asked for more than the ring held while playing.
    pub underruns: u64,
    /// Of those, the ones while playback was settling: its first second
    /// (the device starting), and after a pause.
    pub underruns_settling: u64,
    /// Samples of silence those underruns put in.
    pub silent_samples: u64,
    pub callbacks: u64,
    /// Lowest and highest fill seen by the callback while playing (samples);
    /// `usize::MAX` and 0 until playback starts.
    pub fill_min: usize,
    pub fill_max: usize,
    /// The lead in force and its ceiling (samples), and how many times
    /// (near-)underruns raised it.
    pub lead: usize,
    pub lead_max: usize,
    pub raises: u64,
    /// Times a backlog was dropped from the old end, and the samples lost.
    pub drains: u64,
    pub drained_samples: u64,
}

impl AudioStats {
    /// Share of the device's calls that found too little sound, in percent.
    pub fn short_percent(&self) -> f64 {
        if self.callbacks == 0 { 0.0 } else { self.underruns as f64 * 100.0 / self.callbacks as f64 }
    }
}

impl AudioShared {
    /// A ring kept `lead` samples ahead of the device, which underruns may
    /// raise up to `max_lead` (at `sample_rate`, for the 1 ms step and the
    /// two-frame drain level).
    pub fn new(lead: usize, max_lead: usize, sample_rate: u32) -> Self {
        AudioShared {
            active: AtomicBool::new(false),
            start_fill: AtomicUsize::new(lead),
            max_fill: AtomicUsize::new(max_lead.max(lead)),
            step: (sample_rate / 1000).max(1) as usize,
            drain_above: (sample_rate / 30) as usize,
            underruns: AtomicU64::new(0),
            underruns_settling: AtomicU64::new(0),
            silent_samples: AtomicU64::new(0),
            callbacks: AtomicU64::new(0),
            fill_min: AtomicUsize::new(usize::MAX),
            fill_max: AtomicUsize::new(0),
            raises: AtomicU64::new(0),
            drains: AtomicU64::new(0),
            drained_samples: AtomicU64::new(0),
            epoch: Instant::now(),
            mark_wanted: AtomicBool::new(false),
            marks: AtomicU64::new(0),
            mark_ns: AtomicU64::new(0),
            mark_fill: AtomicUsize::new(0),
        }
    }

    pub fn stats(&self) -> AudioStats {
        AudioStats {
            underruns: self.underruns.load(Ordering::Relaxed),
            underruns_settling: self.underruns_settling.load(Ordering::Relaxed),
            silent_samples: self.silent_samples.load(Ordering::Relaxed),
            callbacks: self.callbacks.load(Ordering::Relaxed),
            fill_min: self.fill_min.load(Ordering::Relaxed),
            fill_max: self.fill_max.load(Ordering::Relaxed),
            lead: self.start_fill.load(Ordering::Relaxed),
            lead_max: self.max_fill.load(Ordering::Relaxed),
            raises: self.raises.load(Ordering::Relaxed),
            drains: self.drains.load(Ordering::Relaxed),
            drained_samples: self.drained_samples.load(Ordering::Relaxed),
        }
    }

    /// A new lead and ceiling (from the program, while it plays).
    pub fn set_lead(&self, lead: usize, max: usize) {
        self.max_fill.store(max.max(lead), Ordering::Relaxed);
        self.start_fill.store(lead, Ordering::Relaxed);
    }

    /// Puts the click into `samples` if one was asked for (the emulation
    /// thread, as the frame's samples go into the ring).
    fn mark(&self, samples: &mut [f32], fill: usize) {
        if samples.is_empty() || !self.mark_wanted.swap(false, Ordering::Relaxed) {
            return;
        }
        for (i, sample) in samples.iter_mut().take(2 * MARK_HALF).enumerate() {
            *sample = if i < MARK_HALF { MARK_LEVEL } else { -MARK_LEVEL };
        }
        let ns = Instant::now().saturating_duration_since(self.epoch).as_nanos() as u64;
        self.mark_ns.store(ns, Ordering::Relaxed);
        self.mark_fill.store(fill, Ordering::Relaxed);
        self.marks.fetch_add(1, Ordering::Release);
    }
}

/// Asks for clicks in the sound and says when each went into the ring.
/// Cheap to clone; any thread.
#[derive(Debug, Clone)]
pub struct SoundMarker {
    shared: Arc<AudioShared>,
}

/// One click put into the sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Clicks put in so far (this one included).
    pub count: u64,
    /// When the frame's samples, the click first, went into the ring.
    pub pushed: Instant,
    /// Samples in the ring ahead of the click: the ring's part of its
    /// latency.
    pub ahead: usize,
}

impl SoundMarker {
    pub(crate) fn new(shared: Arc<AudioShared>) -> Self {
        SoundMarker { shared }
    }

    /// The next frame that plays sound starts with a click.
    pub fn request(&self) {
        self.shared.mark_wanted.store(true, Ordering::Relaxed);
    }

    /// Whether a click asked for has not gone in yet.
    pub fn pending(&self) -> bool {
        self.shared.mark_wanted.load(Ordering::Relaxed)
    }

    /// The last click put in, if any.
    pub fn last(&self) -> Option<Mark> {
        let count = self.shared.marks.load(Ordering::Acquire);
        (count > 0).then(|| Mark {
            count,
            pushed: self.shared.epoch + Duration::from_nanos(self.shared.mark_ns.load(Ordering::Relaxed)),
            ahead: self.shared.mark_fill.load(Ordering::Relaxed),
        })
    }
}

/// The device end of the sound ring: give it to the audio callback.
#[derive(Debug)]
pub struct AudioOutput {
    ring: Consumer<f32>,
    shared: Arc<AudioShared>,
    sample_rate: u32,
    playing: bool,
    /// The callback count when playback started after silence on purpose
    /// (the stream's start, a pause, a mute), and when the lead was last
    /// raised. An underrun's restart keeps the first: a lead too small for
    /// the machine underruns again within the settling second, and would
    /// never be raised if each restart began the second over.
    played_from: u64,
    raised_at: u64,
    /// Playback stopped on purpose (or never started): the next start
    /// begins a settling second.
    settle_next: bool,
}

impl AudioOutput {
    pub(crate) fn new(ring: Consumer<f32>, shared: Arc<AudioShared>, sample_rate: u32) -> Self {
        AudioOutput { ring, shared, sample_rate, playing: false, played_from: 0, raised_at: 0, settle_next: true }
    }

    /// Mono samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Fills `out` with the next samples, silence where there are none;
    /// returns how many came from the ring. Never blocks or allocates: call
    /// it from the device callback. Playback starts once the ring reaches
    /// the lead, and starts over that way after an underrun, so one late
    /// frame costs one gap, not a crackle on every callback.
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let shared = &*self.shared;
        let callbacks = shared.callbacks.fetch_add(1, Ordering::Relaxed) + 1;
        let mut available = self.ring.slots();
        let active = shared.active.load(Ordering::Relaxed);
        let lead = shared.start_fill.load(Ordering::Relaxed);
        if !self.playing {
            if !active {
                self.settle_next = true;
            }
            if !active || available < lead {
                out.fill(0.0);
                return 0;
            }
            self.playing = true;
            if self.settle_next {
                self.played_from = callbacks;
                self.settle_next = false;
            }
            // Start at the lead, not above it by more than the frame the
            // next push replaces: what a device that called, stalled and
            // came back (as a sound server's does while it starts) left
            // queued would otherwise play late until rate control had
            // slowly taken it out.
            available = keep_newest(&mut self.ring, shared, available, lead.saturating_add(shared.drain_above / 2));
        }
        if !active {
            // Paused or muted on purpose: not an underrun.
            self.playing = false;
            self.settle_next = true;
            out.fill(0.0);
            return 0;
        }
        if available.saturating_sub(lead + out.len()) > shared.drain_above {
            // A backlog (the device stopped asking for a while): play on
            // from a frame past the lead, dropping the oldest samples.
            available = keep_newest(&mut self.ring, shared, available, lead + shared.drain_above / 2);
        }
        shared.fill_min.fetch_min(available, Ordering::Relaxed);
        shared.fill_max.fetch_max(available, Ordering::Relaxed);
        let settled = callbacks.saturating_sub(self.played_from) > SETTLE_CALLBACKS;
        if available < out.len() + 2 * shared.step && settled {
            // Short, or within 2 ms of it: the lead is too small for this
            // machine. Raising it now, before the gap is heard, is how
            // the smallest safe lead is found without many underruns.
            raise(shared, &mut self.raised_at, lead);
        }
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
            if !settled {
                shared.underruns_settling.fetch_add(1, Ordering::Relaxed);
            }
            shared.silent_samples.fetch_add((out.len() - n) as u64, Ordering::Relaxed);
            self.playing = false;
        }
        n
    }



    /// A handle that asks for clicks in this ring's sound.
    pub fn marker(&self) -> SoundMarker {
        SoundMarker::new(Arc::clone(&self.shared))
    }

    /// The lead in force: the fill playback starts at (and starts again at
    /// after an underrun), what the ring adds to a frame's first sample.
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

/// Drops the oldest of the ring's `available` samples, all but the newest
/// `keep`, counting it as a drain; returns what is left.
fn keep_newest(ring: &mut Consumer<f32>, shared: &AudioShared, available: usize, keep: usize) -> usize {
    if available <= keep {
        return available;
    }
    let Ok(chunk) = ring.read_chunk(available - keep) else { return available };
    chunk.commit_all();
    shared.drains.fetch_add(1, Ordering::Relaxed);
    shared.drained_samples.fetch_add((available - keep) as u64, Ordering::Relaxed);
    keep
}

/// Raises the lead from `lead` by a step, up to its ceiling, at most once
/// per 100 calls of the device (the fill takes a while to follow a raise).
fn raise(shared: &AudioShared, raised_at: &mut u64, lead: usize) {
    let max = shared.max_fill.load(Ordering::Relaxed);
    let calls = shared.callbacks.load(Ordering::Relaxed);
    if lead < max && calls >= *raised_at + 100 {
        shared.start_fill.store((lead + shared.step).min(max), Ordering::Relaxed);
        shared.raises.fetch_add(1, Ordering::Relaxed);
        *raised_at = calls;
    }
}

/// A sound ring not attached to a runtime: the feeding end and the device
/// end, for tests and tools that make their own samples. Playback starts
/// once `start_fill` samples are in; the lead stays fixed, and nothing is
/// dropped however much is pushed.
pub fn detached(sample_rate: u32, capacity: usize, start_fill: usize) -> (AudioFeed, AudioOutput) {
    let (tx, rx) = rtrb::RingBuffer::new(capacity);
    let mut shared = AudioShared::new(start_fill, start_fill, sample_rate);
    shared.drain_above = usize::MAX;
    let shared = Arc::new(shared);
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

/// Dynamic rate control on a smoothed fill level: a proportional term (a
/// quarter of a frame's samples off gives the whole 0.5%) and a slow
/// integral one, which learns the steady difference between the two clocks so the
/// fill settles on the target itself rather than beside it. A fill over
/// 5 ms off the target (a backlog a stalled device left, a lead just
/// changed) widens the range to 2% until it is within it again.
#[derive(Debug, Clone)]
pub struct RateControl {
    target: f64,
    /// Samples off the target that give the whole normal correction.
    scale: f64,
    /// Samples off the target beyond which the range widens to 2%.
    backlog: f64,
    average: f64,
    integral: f64,
}

/// Integral gain per frame: a 0.1% clock difference is learnt in ~10 s.
const INTEGRAL_GAIN: f64 = 5e-5;

impl RateControl {
    /// Keeps the fill at `target` samples, for a stream of `sample_rate`
    /// samples a second made a frame (a 60th of a second) at a time.
    pub fn new(target: usize, sample_rate: u32) -> Self {
        let frame = f64::from(sample_rate) / 60.0;
        RateControl {
            target: target as f64,
            scale: frame / 4.0,
            backlog: f64::from(sample_rate) / 200.0,
            average: target as f64,
            integral: 0.0,
        }
    }

    /// The ratio to make samples at, given the ring's fill level as it
    /// stood before the last frame's samples went in.
    pub fn update(&mut self, fill: f64) -> f64 {
        // A time constant of ~16 frames smooths out the callback's phase.
        self.average += (fill - self.average) / 16.0;
        let error = (self.target - self.average) / self.scale;
        let far = (self.average - self.target).abs() > self.backlog;
        if !far {
            // Only near the target does the error say how the clocks
            // differ: a backlog or a new lead would wind the integral up,
            // and the fill would overshoot for many seconds after.
            self.integral = (self.integral + error * INTEGRAL_GAIN).clamp(-MAX_RATE_ADJUST, MAX_RATE_ADJUST);
        }
        let limit = if far { BACKLOG_RATE_ADJUST } else { MAX_RATE_ADJUST };
        1.0 + (error * MAX_RATE_ADJUST + self.integral).clamp(-limit, limit)
    }

    /// Starts over at the target (after a pause, a load, a speed change);
    /// what it learnt about the clocks stays.
    pub fn reset(&mut self) {
        self.average = self.target;
    }

    /// A new target (the lead was raised): the average is kept, so the
    /// fill moves there at the controller's pace.
    pub fn set_target(&mut self, target: usize) {
        self.target = target as f64;
    }

    pub fn target(&self) -> usize {
        self.target as usize
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
    /// The device's call count when last looked at, and the frames since
    /// it moved.
    last_calls: u64,
    quiet_frames: u32,
    /// The fill before each frame's samples went in, summed over the
    /// playing frames of the second under way, and the last whole second's
    /// mean with a count of such seconds: whether the ring holds its lead
    /// is judged on these.
    lead_sum: f64,
    lead_frames: u32,
    pub lead_second_mean: f64,
    pub lead_seconds: u64,
}

/// Frames in a second of [`AudioInput::lead_second_mean`].
const LEAD_SECOND: u32 = 60;

/// Frames without a call from the device after which it counts as not
/// listening (a device period is far shorter than 4 frames).
const QUIET_FRAMES: u32 = 4;

impl AudioInput {
    pub fn new(ring: Producer<f32>, shared: Arc<AudioShared>, target: usize, sample_rate: u32) -> Self {
        let capacity = ring.buffer().capacity();
        AudioInput {
            ring,
            scratch: vec![0.0; 8192].into_boxed_slice(),
            capacity,
            control: RateControl::new(target, sample_rate),
            shared,
            overruns: 0,
            dropped_samples: 0,
            ratio: 1.0,
            last_calls: 0,
            quiet_frames: QUIET_FRAMES,
            lead_sum: 0.0,
            lead_frames: 0,
            lead_second_mean: 0.0,
            lead_seconds: 0,
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
        let play = play && self.listening();
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
                if !reverse {
                    let ahead = self.fill();
                    self.shared.mark(&mut self.scratch[..n], ahead);
                }
                let (_, rest) = self.ring.push_partial_slice(&self.scratch[..n]);
                self.count_dropped(rest.len());
            }
        }
        self.steer(made, play, base)
    }

    /// [`AudioInput::push_from`] for samples made elsewhere (run-ahead's
    /// real frame).
    pub fn push_samples(&mut self, samples: &[f32], play: bool, base: f64) -> f64 {
        let play = play && self.listening();
        if play {
            let rest = if self.shared.mark_wanted.load(Ordering::Relaxed) && samples.len() <= self.scratch.len() {
                let ahead = self.fill();
                let copy = &mut self.scratch[..samples.len()];
                copy.copy_from_slice(samples);
                self.shared.mark(copy, ahead);
                self.ring.push_partial_slice(&self.scratch[..samples.len()]).1.len()
            } else {
                self.ring.push_partial_slice(samples).1.len()
            };
            self.count_dropped(rest);
        }
        self.steer(samples.len(), play, base)
    }

    /// Whether the device is taking sound: it has called in the last few
    /// frames. A device still opening, or stalled (a server that stopped
    /// asking for a second), gets no queue: its frames' samples are thrown
    /// away, so it starts again at the lead rather than a full ring late.
    fn listening(&mut self) -> bool {
        let calls = self.shared.callbacks.load(Ordering::Relaxed);
        if calls != self.last_calls {
            self.last_calls = calls;
            self.quiet_frames = 0;
        } else {
            self.quiet_frames = self.quiet_frames.saturating_add(1);
        }
        self.quiet_frames < QUIET_FRAMES
    }

    fn count_dropped(&mut self, dropped: usize) {
        if dropped > 0 {
            self.overruns += 1;
            self.dropped_samples += dropped as u64;
        }
    }

    /// Rate control after a frame's `made` samples went in.
    fn steer(&mut self, made: usize, play: bool, base: f64) -> f64 {
        self.control.set_target(self.shared.start_fill.load(Ordering::Relaxed));
        if play {
            // The fill just before this frame's samples went in: the lead
            // the ring gave the frame's first sample.
            let before = self.fill().saturating_sub(made) as f64;
            self.ratio = base * self.control.update(before);
            self.lead_sum += before;
            self.lead_frames += 1;
            if self.lead_frames == LEAD_SECOND {
                self.lead_second_mean = self.lead_sum / f64::from(LEAD_SECOND);
                self.lead_seconds += 1;
                (self.lead_sum, self.lead_frames) = (0.0, 0);
            }
        } else {
            (self.lead_sum, self.lead_frames) = (0.0, 0);
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

    /// A ring as a runtime makes it (backlogs dropped), lead and ceiling
    /// in samples at 48 kHz, playing.
    fn runtime_ring(lead: usize, max: usize) -> (AudioFeed, AudioOutput) {
        let (tx, rx) = rtrb::RingBuffer::new(8192);
        let shared = Arc::new(AudioShared::new(lead, max, 48_000));
        shared.active.store(true, Ordering::Relaxed);
        (AudioFeed { ring: tx, shared: Arc::clone(&shared) }, AudioOutput::new(rx, shared, 48_000))
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
        let mut rc = RateControl::new(1000, 48_000);
        for _ in 0..200 {
            rc.update(1230.0);
        }
        assert_eq!(rc.update(1230.0), 1.0 - MAX_RATE_ADJUST, "too full: fewer samples, at most 0.5%");
        let mut rc = RateControl::new(1000, 48_000);
        for _ in 0..200 {
            rc.update(0.0);
        }
        assert!(rc.update(0.0) > 1.0 + MAX_RATE_ADJUST, "far too empty: more than 0.5%");
        let mut rc = RateControl::new(1000, 48_000);
        for _ in 0..200 {
            rc.update(770.0);
        }
        assert_eq!(rc.update(770.0), 1.0 + MAX_RATE_ADJUST, "too empty: more samples, at most 0.5%");
        let mut rc = RateControl::new(1000, 48_000);
        assert_eq!(rc.update(1000.0), 1.0, "on target: no correction");
        // A backlog of over 5 ms (240 samples) drains faster, up to 2%.
        let mut rc = RateControl::new(1000, 48_000);
        for _ in 0..200 {
            rc.update(9000.0);
        }
        assert_eq!(rc.update(9000.0), 1.0 - BACKLOG_RATE_ADJUST);
    }

    /// Two minutes of a pacer and a sound card whose clocks disagree by
    /// 0.3%: after half a minute the fill sits on its target, neither
    /// starving nor growing.
    #[test]
    fn rate_control_absorbs_clock_drift() {
        for device_hz in [48_000.0 * 1.003, 48_000.0 / 1.003] {
            let target = 300.0;
            let mut rc = RateControl::new(target as usize, 48_000);
            let per_frame = 48_000.0 / 60.0988;
            let mut fill = target;
            let mut ratio = 1.0;
            let (mut low, mut high) = (f64::MAX, 0.0f64);
            for frame in 0..7200 {
                let before = fill;
                fill += per_frame * ratio;
                ratio = rc.update(before);
                fill -= device_hz / 60.0988;
                if frame > 1800 {
                    low = low.min(fill);
                    high = high.max(fill);
                }
            }
            assert!(low > 0.0, "device at {device_hz} Hz starved: {low}");
            assert!((low - target).abs() < 50.0 && (high - target).abs() < 50.0, "settles on target: {low}..{high}");
        }
    }

    #[test]
    fn a_backlog_is_dropped_from_the_old_end() {
        // Lead 100; at 48 kHz the callback drops what is over 1600 beyond it.
        let (mut feed, mut out) = runtime_ring(100, 100);
        let samples: Vec<f32> = (0..3000).map(|i| i as f32).collect();
        assert_eq!(feed.push(&samples), 3000);
        let mut buf = [0.0f32; 64];
        assert_eq!(out.fill(&mut buf), 64);
        // Playback starts at the lead and a frame (900), the newest: the
        // oldest 2100, never played, are gone.
        assert_eq!(buf[0], 2100.0, "played on from the newest samples");
        let stats = out.stats();
        assert_eq!((stats.drains, stats.drained_samples), (1, 2100));
        assert_eq!(out.buffered(), 900 - 64);
        // Within the level: nothing more is dropped.
        assert_eq!(out.fill(&mut buf), 64);
        assert_eq!(buf[0], 2164.0);
        assert_eq!(out.stats().drains, 1);
        // While playing: a backlog of over two frames beyond the lead (the
        // device stalled) goes the same way.
        let more: Vec<f32> = (3000..5000).map(|i| i as f32).collect();
        feed.push(&more);
        assert_eq!(out.buffered(), 772 + 2000);
        assert_eq!(out.fill(&mut buf), 64);
        assert_eq!(buf[0], 4100.0);
        assert_eq!(out.stats().drains, 2);
        assert_eq!(out.stats().drained_samples, 2100 + 1872);
    }

    #[test]
    fn near_underruns_raise_the_lead_after_the_first_second_up_to_its_ceiling() {
        // Lead 480, ceiling 576: two 1 ms steps (48 samples) at 48 kHz.
        let (mut feed, mut out) = runtime_ring(480, 576);
        let mut buf = [0.0f32; 128];
        // Down to 200 waiting (short of a call and 2 ms), then one call.
        let near_miss = |feed: &mut AudioFeed, out: &mut AudioOutput| {
            feed.push(&[0.1; 400]);
            let mut rest = vec![0.0f32; out.buffered() - 200];
            out.fill(&mut rest);
            out.fill(&mut [0.0f32; 128]);
        };
        feed.push(&[0.1; 480]);
        // The first second of playback (400 calls) teaches nothing.
        near_miss(&mut feed, &mut out);
        feed.push(&[0.1; 480]);
        for _ in 0..SETTLE_CALLBACKS {
            feed.push(&[0.1; 128]);
            out.fill(&mut buf);
        }
        assert_eq!((out.start_fill(), out.stats().raises), (480, 0), "plenty of headroom, and settling");
        near_miss(&mut feed, &mut out);
        let stats = out.stats();
        assert_eq!((stats.lead, stats.raises, stats.underruns), (528, 1, 0), "raised before any gap");
        near_miss(&mut feed, &mut out);
        assert_eq!(out.start_fill(), 528, "once per 100 calls at most");
        feed.push(&[0.1; 480]);
        for _ in 0..100 {
            feed.push(&[0.1; 128]);
            out.fill(&mut buf);
        }
        // A real underrun raises it too, to the ceiling and no further.
        let mut rest = vec![0.0f32; out.buffered() - 20];
        out.fill(&mut rest);
        out.fill(&mut buf);
        assert_eq!(out.stats().underruns, 1);
        assert_eq!(out.start_fill(), 576);
        feed.push(&[0.1; 2000]);
        for _ in 0..SETTLE_CALLBACKS + 200 {
            feed.push(&[0.1; 128]);
            out.fill(&mut buf);
        }
        near_miss(&mut feed, &mut out);
        assert_eq!((out.start_fill(), out.stats().raises), (576, 2));
    }

    /// A lead too small for the machine underruns every 62 calls from the
    /// start: the restarts keep the settling second from the stream's
    /// start, so once it is over the next near-underrun raises the lead.
    #[test]
    fn underruns_restart_playback_but_not_its_settling_second() {
        let (mut feed, mut out) = runtime_ring(480, 960);
        let mut buf = [0.0f32; 128];
        for _ in 0..8 {
            feed.push(&[0.1; 480]);
            for _ in 0..60 {
                feed.push(&[0.1; 128]);
                out.fill(&mut buf);
            }
            let mut rest = vec![0.0f32; out.buffered() - 20];
            out.fill(&mut rest);
            out.fill(&mut buf);
        }
        let stats = out.stats();
        assert_eq!(stats.underruns, 8);
        // Calls 62, 124, .., 372 were within the first 400; 434 and 496 not.
        assert_eq!(stats.underruns_settling, 6);
        assert_eq!((stats.raises, stats.lead), (1, 528), "raised once the stream had settled");
        // A pause begins a settling second again.
        feed.set_active(false);
        out.fill(&mut buf);
        feed.set_active(true);
        feed.push(&[0.1; 600]);
        out.fill(&mut buf);
        let mut rest = vec![0.0f32; out.buffered() - 20];
        out.fill(&mut rest);
        out.fill(&mut buf);
        let stats = out.stats();
        assert_eq!((stats.underruns, stats.underruns_settling, stats.raises), (9, 7, 1));
    }

    #[test]
    fn the_lead_is_averaged_over_each_second_played() {
        let (tx, mut rx) = rtrb::RingBuffer::new(8192);
        let shared = Arc::new(AudioShared::new(0, 0, 48_000));
        let mut input = AudioInput::new(tx, Arc::clone(&shared), 0, 48_000);
        let mut frame = |input: &mut AudioInput, keep: usize, play: bool| {
            shared.callbacks.fetch_add(1, Ordering::Relaxed);
            // The device takes all but `keep` samples before the frame.
            let take = rx.slots().saturating_sub(keep);
            rx.read_chunk(take).unwrap().commit_all();
            input.push_samples(&[0.0; 800], play, 1.0);
        };
        for _ in 0..59 {
            frame(&mut input, 300, true);
        }
        assert_eq!(input.lead_seconds, 0, "no whole second yet");
        frame(&mut input, 300, true);
        assert_eq!(input.lead_seconds, 1);
        // The first frame found an empty ring, the other 59 kept 300.
        assert!((input.lead_second_mean - 300.0 * 59.0 / 60.0).abs() < 1e-9, "{}", input.lead_second_mean);
        for _ in 0..30 {
            frame(&mut input, 600, true);
        }
        frame(&mut input, 600, false);
        for _ in 0..60 {
            frame(&mut input, 600, true);
        }
        assert_eq!(input.lead_seconds, 2, "a frame not played starts the second over");
        assert!((input.lead_second_mean - 600.0).abs() < 1e-9, "{}", input.lead_second_mean);
    }

    #[test]
    fn a_marker_clicks_the_next_frame_and_stamps_it() {
        let (tx, mut rx) = rtrb::RingBuffer::new(4096);
        let shared = Arc::new(AudioShared::new(0, 0, 48_000));
        let marker = SoundMarker::new(Arc::clone(&shared));
        let mut input = AudioInput::new(tx, Arc::clone(&shared), 0, 48_000);
        // A device that calls (with nothing to take) is listening.
        let device_calls = || {
            shared.callbacks.fetch_add(1, Ordering::Relaxed);
        };
        device_calls();
        input.push_samples(&[0.25; 800], true, 1.0);
        assert_eq!(marker.last(), None, "nothing asked: no click");
        marker.request();
        assert!(marker.pending());
        let before = Instant::now();
        device_calls();
        input.push_samples(&[0.25; 800], false, 1.0);
        assert!(marker.pending(), "a frame not played keeps the request");
        device_calls();
        input.push_samples(&[0.25; 800], true, 1.0);
        let mark = marker.last().expect("a click went in");
        assert!(!marker.pending());
        assert_eq!(mark.count, 1);
        assert!(mark.pushed >= before && mark.pushed <= Instant::now());
        let mut heard = vec![0.0f32; 1600];
        let chunk = rx.read_chunk(1600).unwrap();
        let (a, b) = chunk.as_slices();
        heard[..a.len()].copy_from_slice(a);
        heard[a.len()..].copy_from_slice(b);
        chunk.commit_all();
        assert!(heard[..800].iter().all(|&s| s == 0.25), "the first frame untouched");
        assert!(heard[800..800 + MARK_HALF].iter().all(|&s| s == MARK_LEVEL));
        assert!(heard[800 + MARK_HALF..800 + 2 * MARK_HALF].iter().all(|&s| s == -MARK_LEVEL));
        assert!(heard[800 + 2 * MARK_HALF..].iter().all(|&s| s == 0.25), "the rest of the frame as made");
    }
}
