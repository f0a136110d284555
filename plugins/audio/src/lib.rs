//! The audio plugin: the core's sound on the speakers, soon after it was
//! made.
//!
//! - [`stream`]: [`EmulatorSound`], a kira `Sound` that pops the emulation
//!   thread's ring in `process()` (no allocation, no lock; linear
//!   resampling when the device does not run at the core's rate);
//! - [`output`]: our own kira `AudioManager` with the device buffer chosen
//!   explicitly (256 frames, 5.3 ms at 48 kHz, then fallbacks), and the
//!   latency it gets reported once in [`SoundReport`]. With no sound card
//!   the game runs silent and says so once. The device's thread asks for
//!   SCHED_FIFO at its first call;
//! - [`probe`]: the whole path measured from outside, clicks in the sound
//!   found again in a recording of the sound server's output.
//!
//! - [`ui`]: the frontend's own sounds (menu move, select, back, toast,
//!   error, a game starting) through bevy_kira_audio, with their own
//!   volume and mute.
//!
//! bevy_kira_audio has no way to play a custom stream, so it is not used
//! for the emulator's sound.

pub mod output;
pub mod probe;
pub mod stream;
pub mod ui;

pub use output::{open_device, DeviceOutput, SoundOutput, SoundPath, SoundReport, DEVICE_BUFFER_FRAMES};
pub use probe::{LatencyProbe, ProbeError, ProbePlan, ProbeResult};
pub use stream::{EmulatorSound, StreamHandle, CALLBACK_PRIORITY};
pub use ui::{UiSound, UiSoundStats, UiSoundsPlugin, UiVolume};

use bevy::prelude::*;

/// Plays the emulator's sound. `mock` uses kira's mock backend (tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct AudioPlugin {
    pub mock: bool,
}

/// How loud the game plays (set by the settings; applied to the stream
/// whenever it changes).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct Volume {
    /// 0 (silent) to 1 (as the console makes it); up to 2 amplifies.
    pub level: f32,
    pub muted: bool,
}

impl Default for Volume {
    fn default() -> Self {
        Volume { level: 1.0, muted: false }
    }
}

impl Plugin for AudioPlugin {
    fn build(&self, app: &mut App) {
        let mock = self.mock;
        app.init_resource::<SoundReport>()
            .init_resource::<Volume>()
            .add_systems(Startup, move |world: &mut World| {
                output::start(world, mock);
            });
        if mock {
            app.add_systems(Update, apply_volume::<kira::backend::mock::MockBackend>);
        } else {
            app.add_systems(Update, apply_volume::<kira::backend::cpal::CpalBackend>);
        }
    }
}

fn apply_volume<B: kira::backend::Backend + Send + 'static>(volume: Res<'_, Volume>, output: Option<Res<'_, SoundOutput<B>>>) {
    let Some(output) = output else { return };
    if volume.is_changed() || output.is_added() {
        output.stream.set_volume(if volume.muted { 0.0 } else { volume.level });
    }
}
