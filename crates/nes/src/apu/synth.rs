//! Band-limited synthesis of the mixer's output at the host's sample rate.
//!
//! The APU's output is a sum of steps (levels change at exact CPU cycles).
//! Each change is added to a buffer as its amplitude times a windowed-sinc
//! impulse placed at its sub-sample position; integrating the buffer gives
//! the steps low-pass filtered below the host's Nyquist frequency, so no
//! harmonic above it folds back as aliasing. Then the console's own output
//! filters (two high-passes at 90 and 440 Hz, a low-pass at 14 kHz) are
//! applied per sample, and the samples wait in a ring for the caller.
//!
//! Everything is allocated once; adding a step and producing samples never
//! allocate.

use std::f64::consts::PI;

/// Kernel length in output samples (the output is delayed by half of it).
const TAPS: usize = 32;
/// Sub-sample positions the kernel is tabulated at (interpolated between).
const PHASES: usize = 64;
const PHASE_BITS: u32 = 6;
/// Fixed-point fraction bits of the output-sample position.
const FRAC_BITS: u32 = 32;
/// Kernel cutoff as a fraction of the host sample rate (Nyquist is 0.5).
const CUTOFF: f64 = 0.42;
/// Kaiser window shape: about 80 dB of stop-band rejection.
const KAISER_BETA: f64 = 8.0;
/// Differences waiting to be integrated, in output samples.
const DIFF_LEN: usize = 8192;
/// Samples the caller has not taken yet (about 0.68 s at 48 kHz).
const RING_LEN: usize = 1 << 15;

/// Host sample rate used unless the caller sets another.
pub const DEFAULT_SAMPLE_RATE: u32 = 48_000;

#[derive(Debug, Clone)]
struct OnePole {
    /// Previous input and output.
    x: f32,
    y: f32,
    k: f32,
}

impl OnePole {
    fn high_pass(cutoff: f64, rate: f64) -> Self {
        let rc = 1.0 / (2.0 * PI * cutoff);
        OnePole { x: 0.0, y: 0.0, k: (rc / (rc + 1.0 / rate)) as f32 }
    }

    fn low_pass(cutoff: f64, rate: f64) -> Self {
        let rc = 1.0 / (2.0 * PI * cutoff);
        let dt = 1.0 / rate;
        OnePole { x: 0.0, y: 0.0, k: (dt / (rc + dt)) as f32 }
    }

    #[inline]
    fn run_high(&mut self, x: f32) -> f32 {
        self.y = self.k * (self.y + x - self.x);
        self.x = x;
        self.y
    }

    #[inline]
    fn run_low(&mut self, x: f32) -> f32 {
        self.y += self.k * (x - self.y);
        self.y
    }
}

fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    for k in 1..40 {
        term *= (x / (2.0 * k as f64)).powi(2);
        sum += term;
    }
    sum
}

/// The kernel for every phase; each phase sums to exactly 1 so that a step
/// settles to exactly its amplitude.
fn build_kernel() -> Box<[[f32; TAPS]; PHASES + 1]> {
    let mut kernel = Box::new([[0.0f32; TAPS]; PHASES + 1]);
    let half = TAPS as f64 / 2.0;
    for (phase, taps) in kernel.iter_mut().enumerate() {
        let frac = phase as f64 / PHASES as f64;
        let mut values = [0.0f64; TAPS];
        for (j, v) in values.iter_mut().enumerate() {
            // Distance from the impulse, in output samples.
            let x = j as f64 - half + 1.0 - frac;
            let sinc = if x == 0.0 { 1.0 } else { (2.0 * PI * CUTOFF * x).sin() / (PI * x) / (2.0 * CUTOFF) };
            let r = x / half;
            let window = if r.abs() >= 1.0 { 0.0 } else { bessel_i0(KAISER_BETA * (1.0 - r * r).sqrt()) / bessel_i0(KAISER_BETA) };
            *v = sinc * window;
        }
        let sum: f64 = values.iter().sum();
        for (t, v) in taps.iter_mut().zip(values) {
            *t = (v / sum) as f32;
        }
    }
    kernel
}

/// The band-limited step synthesizer, the output filters and the sample ring.
#[derive(Debug, Clone)]
pub struct Synth {
    kernel: Box<[[f32; TAPS]; PHASES + 1]>,
    diff: Box<[f32]>,
    /// Running sum of the integrated differences (the unfiltered level).
    level: f32,
    /// CPU cycle that `base_pos` corresponds to.
    base_cycle: u64,
    /// Output-sample position of `base_cycle` within `diff`, 32.32 fixed point.
    base_pos: u64,
    /// Output samples per CPU cycle, 32.32 fixed point.
    step: u64,
    /// The step a rate or ratio change asked for; it takes over at the next
    /// frame end, so positions within a frame stay on one scale.
    next_step: u64,
    clock_rate: f64,
    sample_rate: u32,
    ratio: f64,
    high_90: OnePole,
    high_440: OnePole,
    low_14k: OnePole,
    ring: Box<[f32]>,
    ring_read: usize,
    ring_len: usize,
    /// Samples dropped because the caller did not take them in time.
    overflowed: u64,
}

impl Synth {
    pub fn new(clock_rate: f64) -> Self {
        let mut synth = Synth {
            kernel: build_kernel(),
            diff: vec![0.0; DIFF_LEN + TAPS].into_boxed_slice(),
            level: 0.0,
            base_cycle: 0,
            base_pos: 0,
            step: 0,
            next_step: 0,
            clock_rate,
            sample_rate: DEFAULT_SAMPLE_RATE,
            ratio: 1.0,
            high_90: OnePole::high_pass(90.0, 48_000.0),
            high_440: OnePole::high_pass(440.0, 48_000.0),
            low_14k: OnePole::low_pass(14_000.0, 48_000.0),
            ring: vec![0.0; RING_LEN].into_boxed_slice(),
            ring_read: 0,
            ring_len: 0,
            overflowed: 0,
        };
        synth.set_sample_rate(DEFAULT_SAMPLE_RATE);
        synth.step = synth.next_step;
        synth
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Sets the host rate (the filters are recomputed for it).
    pub fn set_sample_rate(&mut self, rate: u32) {
        let rate = rate.clamp(8_000, 384_000);
        self.sample_rate = rate;
        let r = f64::from(rate);
        // New coefficients only: the filters' memory is part of the sound's
        // state (a restored state must not lose it to a rate being set again).
        self.high_90.k = OnePole::high_pass(90.0, r).k;
        self.high_440.k = OnePole::high_pass(440.0, r).k;
        self.low_14k.k = OnePole::low_pass(14_000.0, r).k;
        self.update_step();
    }

    /// Produces `ratio` times as many samples per emulated second (dynamic
    /// rate control nudges this by a fraction of a percent). Rate and ratio
    /// changes apply from the next frame end.
    pub fn set_ratio(&mut self, ratio: f64) {
        self.ratio = ratio.clamp(0.5, 2.0);
        self.update_step();
    }

    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    fn update_step(&mut self) {
        let per_cycle = f64::from(self.sample_rate) * self.ratio / self.clock_rate;
        self.next_step = (per_cycle * (1u64 << FRAC_BITS) as f64) as u64;
    }

    /// Adds a level change of `delta` at CPU cycle `cycle` (not before the
    /// last `end_frame`).
    #[inline]
    pub fn add_delta(&mut self, cycle: u64, delta: f32) {
        let mut pos = self.position(cycle);
        if (pos >> FRAC_BITS) as usize >= DIFF_LEN {
            // Nobody ended a frame for a long time: produce what is complete.
            self.end_frame(cycle);
            pos = self.position(cycle);
        }
        let index = (pos >> FRAC_BITS) as usize;
        let phase = ((pos >> (FRAC_BITS - PHASE_BITS)) as usize) & (PHASES - 1);
        // Linear interpolation between the two nearest tabulated phases.
        let frac = ((pos >> (FRAC_BITS - PHASE_BITS - 16)) & 0xFFFF) as f32 / 65536.0;
        let (a, b) = (&self.kernel[phase], &self.kernel[phase + 1]);
        let (wa, wb) = (delta * (1.0 - frac), delta * frac);
        for ((d, ka), kb) in self.diff[index..index + TAPS].iter_mut().zip(a).zip(b) {
            *d += wa * ka + wb * kb;
        }
    }

    #[inline]
    fn position(&self, cycle: u64) -> u64 {
        self.base_pos + (cycle - self.base_cycle) * self.step
    }

    /// Turns everything before CPU cycle `cycle` into finished samples.
    pub fn end_frame(&mut self, cycle: u64) {
        let pos = self.position(cycle);
        let count = ((pos >> FRAC_BITS) as usize).min(DIFF_LEN);
        for i in 0..count {
            self.level += self.diff[i];
            let x = self.high_90.run_high(self.level);
            let x = self.high_440.run_high(x);
            let x = self.low_14k.run_low(x);
            self.push(x);
        }
        self.diff.copy_within(count..count + TAPS, 0);
        self.diff[TAPS..].fill(0.0);
        self.base_pos = pos - ((count as u64) << FRAC_BITS);
        self.base_cycle = cycle;
        self.step = self.next_step;
    }

    #[inline]
    fn push(&mut self, sample: f32) {
        if self.ring_len == RING_LEN {
            // Drop the oldest: latency stays bounded if nobody listens.
            self.ring_read = (self.ring_read + 1) % RING_LEN;
            self.ring_len -= 1;
            self.overflowed += 1;
        }
        let write = (self.ring_read + self.ring_len) % RING_LEN;
        self.ring[write] = sample;
        self.ring_len += 1;
    }

    /// Finished samples waiting to be read.
    pub fn available(&self) -> usize {
        self.ring_len
    }

    /// Moves up to `out.len()` samples (mono, about -1..1) into `out`.
    pub fn read(&mut self, out: &mut [f32]) -> usize {
        let n = out.len().min(self.ring_len);
        for o in out[..n].iter_mut() {
            *o = self.ring[self.ring_read];
            self.ring_read = (self.ring_read + 1) % RING_LEN;
        }
        self.ring_len -= n;
        n
    }

    /// Samples lost because they were not read before the ring filled.
    pub fn overflowed(&self) -> u64 {
        self.overflowed
    }
}

// The filters' coefficients follow the host's sample rate; only their memory is state.
crate::state::persist_fields!(OnePole { x, y });

/// The synthesizer's phase and pending deltas and the filters' memory. The
/// host's settings (sample rate, ratio) stay as they are, and samples not
/// yet read are dropped on restore: they belong to the timeline left behind.
impl crate::state::Persist for Synth {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        s.f32s(&mut self.diff);
        s.f32(&mut self.level);
        s.u64(&mut self.base_cycle);
        s.u64(&mut self.base_pos);
        crate::state::Persist::persist(&mut self.high_90, s);
        crate::state::Persist::persist(&mut self.high_440, s);
        crate::state::Persist::persist(&mut self.low_14k, s);
        if s.restoring() {
            self.ring_read = 0;
            self.ring_len = 0;
        }
    }
}
