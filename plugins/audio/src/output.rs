//! Our own kira manager, on the device with a buffer we choose.

use bevy::platform::cell::SyncCell;
use bevy::prelude::*;
use kira::backend::cpal::{cpal, CpalBackend, CpalBackendSettings};
use kira::backend::mock::{MockBackend, MockBackendSettings};
use kira::backend::Backend;
use kira::{AudioManager, AudioManagerSettings};
use phosphor_emulation::SoundFeed;
use phosphor_rt::AudioOutput;

use crate::stream::{EmulatorSound, StreamHandle};

/// The device buffer asked for first: 256 frames, 5.3 ms at 48 kHz.
pub const DEVICE_BUFFER_FRAMES: u32 = 256;

/// The names the sound servers' client libraries give the thread that
/// talks to the server (libpulse's threaded main loop, PipeWire's loop).
const SERVER_THREADS: [&str; 2] = ["threaded-ml", "data-loop"];

/// What the sound output got, for the log and the debugger panel.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct SoundReport {
    /// Why there is no sound, when there is none.
    pub silent: Option<String>,
    pub sample_rate: u32,
    /// The device buffer in frames (`None`: the driver's default).
    pub device_buffer: Option<u32>,
    /// The sound ring's target fill in ms (the emulation thread keeps it).
    pub ring_ms: f64,
    /// From the core's sample to the speaker, estimated: the ring's lead
    /// plus two device buffers (what the sound server adds is not in it:
    /// measure it with a probe).
    pub latency_ms: f64,
    /// Sound-server client threads raised to real-time priority.
    pub server_threads: usize,
}

/// What the debugger looks at and measures of the playing stream: the
/// ring's marker (clicks for a probe) and the stream's handle.
#[derive(Resource, Debug, Clone)]
pub struct SoundPath {
    pub marker: phosphor_rt::SoundMarker,
    pub stream: StreamHandle,
}

/// A stream playing on the real device.
pub type DeviceOutput = SoundOutput<CpalBackend>;

/// The manager and the stream playing on it.
#[derive(Resource)]
pub struct SoundOutput<B: Backend + 'static> {
    pub manager: SyncCell<AudioManager<B>>,
    pub stream: StreamHandle,
}

impl<B: Backend> std::fmt::Debug for SoundOutput<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoundOutput").field("stream", &self.stream).finish_non_exhaustive()
    }
}

/// Plays the ring, if there is one, on the device (or the mock backend).
pub(crate) fn start(world: &mut World, mock: bool) {
    let Some(ring) = world.resource_mut::<SoundFeed>().take() else {
        warn!("sound: the emulation thread has no sound ring; running silent");
        world.insert_resource(SoundReport { silent: Some("no sound ring".into()), ..default() });
        return;
    };
    let ring_ms = ring_target_ms(&ring);
    let rate = ring.sample_rate();
    let marker = ring.marker();
    if mock {
        let settings = AudioManagerSettings {
            backend_settings: MockBackendSettings { sample_rate: rate },
            ..default()
        };
        match play::<MockBackend>(settings, ring) {
            Ok(output) => {
                world.insert_resource(SoundPath { marker, stream: output.stream.clone() });
                world.insert_resource(output);
                world.insert_resource(SoundReport { sample_rate: rate, ring_ms, latency_ms: ring_ms, ..default() });
            }
            Err(_) => world.insert_resource(SoundReport { silent: Some("mock backend failed".into()), ..default() }),
        }
        return;
    }
    let (output, report) = open_device(ring, DEVICE_BUFFER_FRAMES);
    match &report.silent {
        None => info!(
            "sound: {} Hz, device buffer {}, ring {:.0} ms: about {:.0} ms from the core to the speaker",
            report.sample_rate,
            report.device_buffer.map_or("driver default".into(), |f| format!("{f} frames")),
            report.ring_ms,
            report.latency_ms
        ),
        Some(why) => warn!("sound: {why}; the game runs silent"),
    }
    if let Some(output) = output {
        world.insert_resource(SoundPath { marker, stream: output.stream.clone() });
        world.insert_resource(output);
    }
    world.insert_resource(report);
}

/// Plays `ring` on the default device, with a device period of
/// `buffer_frames` if the device takes it, else what the driver likes.
/// Nothing here panics: every failure is a reason to run silent. No Bevy
/// world needed: the headless CLI opens its device here too.
pub fn open_device(ring: AudioOutput, buffer_frames: u32) -> (Option<SoundOutput<CpalBackend>>, SoundReport) {
    let ring_ms = ring_target_ms(&ring);
    let rate = ring.sample_rate();
    let attempts = [
        Some(cpal::StreamConfig { channels: 2, sample_rate: rate, buffer_size: cpal::BufferSize::Fixed(buffer_frames) }),
        Some(cpal::StreamConfig { channels: 2, sample_rate: rate, buffer_size: cpal::BufferSize::Default }),
        None,
    ];
    let mut last_error = String::from("no sound device");
    // The ring moves into a sound only once a manager has started, so a
    // configuration the device refuses costs nothing but the attempt.
    for config in attempts {
        let settings = AudioManagerSettings {
            backend_settings: CpalBackendSettings { device: None, config },
            ..default()
        };
        match AudioManager::<CpalBackend>::new(settings) {
            Ok(mut manager) => {
                let device_rate = config.as_ref().map_or(rate, |c| c.sample_rate);
                let device_buffer = match config.as_ref().map(|c| c.buffer_size) {
                    Some(cpal::BufferSize::Fixed(frames)) => Some(frames),
                    _ => None,
                };
                let buffer_ms = device_buffer.map_or(10.0, |f| f64::from(f) * 1000.0 / f64::from(device_rate));
                let (sound, stream) = EmulatorSound::new(ring);
                stream.ask_priority();
                if let Err(err) = manager.play(sound) {
                    let report = SoundReport { silent: Some(format!("could not play: {err}")), ..default() };
                    return (None, report);
                }
                // The sound server's client thread (PulseAudio's, PipeWire's)
                // carries what the callback wrote on to the server: at
                // normal priority the renderer can hold it up for longer
                // than the device's buffer.
                let server_threads = SERVER_THREADS
                    .iter()
                    .map(|name| phosphor_rt::raise_threads_named(name, crate::stream::CALLBACK_PRIORITY))
                    .sum();
                let report = SoundReport {
                    silent: None,
                    sample_rate: device_rate,
                    device_buffer,
                    ring_ms,
                    latency_ms: ring_ms + 2.0 * buffer_ms,
                    server_threads,
                };
                return (Some(SoundOutput { manager: SyncCell::new(manager), stream }), report);
            }
            Err(err) => last_error = err.to_string(),
        }
    }
    (None, SoundReport { silent: Some(format!("no sound output ({last_error})")), ..default() })
}

fn play<B: Backend + 'static>(settings: AudioManagerSettings<B>, ring: AudioOutput) -> Result<SoundOutput<B>, String>
where
    B::Error: std::fmt::Debug,
{
    let mut manager = AudioManager::<B>::new(settings).map_err(|e| format!("{e:?}"))?;
    let (sound, stream) = EmulatorSound::new(ring);
    manager.play(sound).map_err(|e| e.to_string())?;
    Ok(SoundOutput { manager: SyncCell::new(manager), stream })
}

fn ring_target_ms(ring: &AudioOutput) -> f64 {
    ring.start_fill() as f64 * 1000.0 / f64::from(ring.sample_rate().max(1))
}
