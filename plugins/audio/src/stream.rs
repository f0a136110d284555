//! The emulator's sound as a kira `Sound`.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use kira::info::Info;
use kira::sound::{Sound, SoundData};
use kira::Frame;
use phosphor_rt::AudioOutput;

/// Samples popped per pass: kira asks for at most its internal buffer
/// (128 frames by default), so this is never short; it lives in the sound,
/// allocated once.
const CHUNK: usize = 512;

/// What the main thread can see and set of the playing stream.
#[derive(Debug, Clone, Default)]
pub struct StreamHandle {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Output frames written.
    played: AtomicU64,
    /// Passes the device made.
    passes: AtomicU64,
    /// Volume as f32 bits (1.0: as the core made it).
    volume: AtomicU32,
    /// The device's rate, once known.
    device_rate: AtomicU32,
    /// Ask for real-time scheduling on the device's thread at its first call.
    raise: AtomicBool,
    /// The SCHED_FIFO priority the device's thread got (0: normal, or not
    /// asked yet).
    priority: AtomicU8,
}

/// The SCHED_FIFO priority asked for the sound device's thread (and the
/// sound server's client thread): over the emulation thread's (80), whose
/// frame takes a millisecond or more, since a device period is 5 ms and its
/// work a few microseconds; over anything of normal priority (the renderer).
pub const CALLBACK_PRIORITY: u8 = 85;

impl StreamHandle {
    fn new() -> Self {
        let handle = StreamHandle::default();
        handle.set_volume(1.0);
        handle
    }

    /// Frames the device has taken so far.
    pub fn played(&self) -> u64 {
        self.shared.played.load(Ordering::Relaxed)
    }

    pub fn passes(&self) -> u64 {
        self.shared.passes.load(Ordering::Relaxed)
    }

    /// 0 mutes; 1 is the core's level.
    pub fn set_volume(&self, volume: f32) {
        self.shared.volume.store(volume.clamp(0.0, 2.0).to_bits(), Ordering::Relaxed);
    }

    pub fn volume(&self) -> f32 {
        f32::from_bits(self.shared.volume.load(Ordering::Relaxed))
    }

    /// Makes the device's thread ask for SCHED_FIFO [`CALLBACK_PRIORITY`]
    /// at its next call (a real device's; not a mock's, whose calls are
    /// made by whoever drives it).
    pub fn ask_priority(&self) {
        self.shared.raise.store(true, Ordering::Relaxed);
    }

    /// The SCHED_FIFO priority the device's thread runs at (`None`: normal
    /// priority, or it has not asked for sound yet).
    pub fn callback_priority(&self) -> Option<u8> {
        let p = self.shared.priority.load(Ordering::Relaxed);
        (p > 0).then_some(p)
    }

    /// The device's sample rate (0 until it has asked for sound).
    pub fn device_rate(&self) -> u32 {
        self.shared.device_rate.load(Ordering::Relaxed)
    }
}

/// Pops the emulation thread's ring for the device. Build it with
/// [`EmulatorSound::new`] and play it on a kira manager.
#[derive(Debug)]
pub struct EmulatorSound {
    ring: AudioOutput,
    shared: Arc<Shared>,
    scratch: Box<[f32; CHUNK]>,
    /// Resampling: the position between `previous` and `next` (0-1).
    phase: f64,
    previous: f32,
    next: f32,
}

impl EmulatorSound {
    pub fn new(ring: AudioOutput) -> (EmulatorSound, StreamHandle) {
        let handle = StreamHandle::new();
        let sound = EmulatorSound {
            ring,
            shared: Arc::clone(&handle.shared),
            scratch: Box::new([0.0; CHUNK]),
            phase: 0.0,
            previous: 0.0,
            next: 0.0,
        };
        (sound, handle)
    }

    /// Fills `out` from the ring at the core's rate (one sample a frame).
    fn direct(&mut self, out: &mut [Frame], volume: f32) {
        for chunk in out.chunks_mut(CHUNK) {
            let samples = &mut self.scratch[..chunk.len()];
            self.ring.fill(samples);
            for (frame, sample) in chunk.iter_mut().zip(samples.iter()) {
                *frame = Frame::from_mono(sample * volume);
            }
        }
    }

    /// Fills `out` at another rate: `step` core samples per output frame
    /// (at most 2), interpolating linearly. Pops exactly the samples used,
    /// in one read per 256 frames.
    fn resampled(&mut self, out: &mut [Frame], step: f64, volume: f32) {
        let step = step.min(2.0);
        for chunk in out.chunks_mut(CHUNK / 2) {
            let needed = ((self.phase + step * chunk.len() as f64).floor() as usize).min(CHUNK);
            self.ring.fill(&mut self.scratch[..needed]);
            let mut taken = 0;
            for frame in chunk.iter_mut() {
                self.phase += step;
                while self.phase >= 1.0 {
                    self.phase -= 1.0;
                    self.previous = self.next;
                    self.next = self.scratch[..needed].get(taken).copied().unwrap_or(self.next);
                    taken += 1;
                }
                let value = self.previous + (self.next - self.previous) * self.phase as f32;
                *frame = Frame::from_mono(value * volume);
            }
        }
    }
}

impl Sound for EmulatorSound {
    fn process(&mut self, out: &mut [Frame], dt: f64, _info: &Info<'_>) {
        if self.shared.raise.swap(false, Ordering::Relaxed) {
            // Once, on the device's own thread: the renderer and everything
            // else of normal priority must not keep it from its deadline.
            if let phosphor_rt::Priority::Fifo(p) = phosphor_rt::raise_current_thread(CALLBACK_PRIORITY) {
                self.shared.priority.store(p, Ordering::Relaxed);
            }
        }
        let volume = f32::from_bits(self.shared.volume.load(Ordering::Relaxed));
        let device_rate = (1.0 / dt).round();
        self.shared.device_rate.store(device_rate as u32, Ordering::Relaxed);
        let core_rate = f64::from(self.ring.sample_rate());
        if (device_rate - core_rate).abs() < 1.0 {
            self.direct(out, volume);
        } else {
            self.resampled(out, core_rate / device_rate, volume);
        }
        self.shared.played.fetch_add(out.len() as u64, Ordering::Relaxed);
        self.shared.passes.fetch_add(1, Ordering::Relaxed);
    }

    fn finished(&self) -> bool {
        false
    }
}

impl SoundData for EmulatorSound {
    type Error = std::convert::Infallible;
    type Handle = ();

    fn into_sound(self) -> Result<(Box<dyn Sound>, ()), Self::Error> {
        Ok((Box::new(self), ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kira::info::MockInfoBuilder;

    fn ring_with(samples: &[f32]) -> AudioOutput {
        let (mut feed, output) = phosphor_rt::detached_audio(48_000, 8192, 0);
        feed.set_active(true);
        assert_eq!(feed.push(samples), samples.len());
        output
    }

    #[test]
    fn plays_the_ring_in_order_at_the_same_rate() {
        let samples: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        let (mut sound, handle) = EmulatorSound::new(ring_with(&samples));
        let info = MockInfoBuilder::new().build();
        let mut out = vec![Frame::ZERO; 128];
        sound.process(&mut out, 1.0 / 48_000.0, &info);
        for (i, frame) in out.iter().enumerate() {
            assert_eq!(frame.left, samples[i]);
            assert_eq!(frame.right, samples[i]);
        }
        assert_eq!(handle.played(), 128);
        assert_eq!(handle.device_rate(), 48_000);
    }

    #[test]
    fn volume_scales_and_zero_mutes() {
        let (mut sound, handle) = EmulatorSound::new(ring_with(&[0.5; 256]));
        let info = MockInfoBuilder::new().build();
        let mut out = vec![Frame::ZERO; 64];
        handle.set_volume(0.5);
        sound.process(&mut out, 1.0 / 48_000.0, &info);
        assert!(out.iter().all(|f| f.left == 0.25));
        handle.set_volume(0.0);
        sound.process(&mut out, 1.0 / 48_000.0, &info);
        assert!(out.iter().all(|f| f.left == 0.0));
    }

    #[test]
    fn resamples_for_a_44_1_khz_device() {
        // A ramp at 48 kHz played at 44.1 kHz stays a rising ramp, and the
        // ring empties 48/44.1 times faster than frames are written.
        let samples: Vec<f32> = (0..4800).map(|i| i as f32).collect();
        let (mut sound, handle) = EmulatorSound::new(ring_with(&samples));
        let info = MockInfoBuilder::new().build();
        let mut out = vec![Frame::ZERO; 441 * 4];
        sound.process(&mut out, 1.0 / 44_100.0, &info);
        assert!(out.windows(2).skip(2).all(|w| w[1].left > w[0].left), "not monotonic");
        let last = out.last().unwrap().left;
        let expected = 441.0 * 4.0 * 48_000.0 / 44_100.0;
        // The interpolator runs a sample or two behind the ring.
        assert!((last - expected as f32).abs() < 3.0, "{last} vs {expected}");
        assert_eq!(handle.device_rate(), 44_100);
    }
}
