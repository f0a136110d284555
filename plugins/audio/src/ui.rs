//! The frontend's own sounds: menu move, select, back, a toast, an error,
//! and a game starting, played through bevy_kira_audio on a channel of
//! their own with their own volume and mute.
//!
//! They are ours: [`synth`] makes each one from a few tones and an
//! envelope, and `cargo run -p phosphor-audio --example ui-sounds` writes
//! them as the WAV files under `assets/sounds/ui/` (a test checks that the
//! committed files are what the code makes). The app loads them as assets.
//!
//! bevy_kira_audio opens a stream of its own on the default device, beside
//! the emulator's (our own kira manager, see [`crate::output`]): the sound
//! server mixes the two, and the game's ring, lead and underruns are the
//! emulator stream's alone. Where the emulator found no sound device, the
//! frontend's sounds are not played either (bevy_kira_audio has no device
//! then, and says so once in the log).

use bevy::prelude::*;
use bevy_kira_audio::prelude::{AudioApp, AudioChannel, AudioControl, AudioSource, Decibels};

use crate::SoundReport;

/// One of the frontend's sounds, asked for by the frontend.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UiSound {
    /// The cursor moved in a menu.
    Move,
    /// Something was chosen.
    Select,
    /// Back out of a menu.
    Back,
    /// A toast appeared (news, not a problem).
    Toast,
    /// Something went wrong (a ROM refused, a fault).
    Error,
    /// A game started.
    GameStart,
}

impl UiSound {
    pub const ALL: [UiSound; 6] = [UiSound::Move, UiSound::Select, UiSound::Back, UiSound::Toast, UiSound::Error, UiSound::GameStart];

    /// Its file under the assets folder.
    pub fn asset_path(self) -> &'static str {
        match self {
            UiSound::Move => "sounds/ui/move.wav",
            UiSound::Select => "sounds/ui/select.wav",
            UiSound::Back => "sounds/ui/back.wav",
            UiSound::Toast => "sounds/ui/toast.wav",
            UiSound::Error => "sounds/ui/error.wav",
            UiSound::GameStart => "sounds/ui/start.wav",
        }
    }

    fn index(self) -> usize {
        UiSound::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// How loud the frontend's sounds play (a setting, apart from the game's).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct UiVolume {
    /// 0 (silent) to 1.
    pub level: f32,
    pub muted: bool,
}

impl Default for UiVolume {
    fn default() -> Self {
        UiVolume { level: 0.6, muted: false }
    }
}

impl UiVolume {
    /// As kira takes it: 0 is silence, 1 the sound as made.
    pub fn decibels(self) -> Decibels {
        if self.muted || self.level <= 0.001 {
            Decibels::SILENCE
        } else {
            Decibels(20.0 * self.level.min(1.0).log10())
        }
    }
}

/// What became of the sounds asked for.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UiSoundStats {
    /// Handed to bevy_kira_audio.
    pub played: u64,
    /// Not played: muted, at volume 0, or no sound device.
    pub silenced: u64,
    /// Asked for before its file had loaded (or the file is broken).
    pub not_loaded: u64,
}

/// The loaded sounds, by [`UiSound::ALL`] order.
#[derive(Resource, Debug, Clone)]
pub struct UiSoundAssets(pub [Handle<AudioSource>; 6]);

impl UiSoundAssets {
    pub fn get(&self, sound: UiSound) -> &Handle<AudioSource> {
        &self.0[sound.index()]
    }

    /// Whether every file has loaded.
    pub fn loaded(&self, server: &AssetServer) -> bool {
        self.0.iter().all(|h| server.is_loaded(h))
    }

    /// A file that failed to load, and why.
    pub fn failed(&self, server: &AssetServer) -> Option<String> {
        self.0.iter().find_map(|h| match server.load_state(h) {
            bevy::asset::LoadState::Failed(e) => Some(e.to_string()),
            _ => None,
        })
    }
}

/// The channel the frontend's sounds play on.
#[derive(Resource, Debug, Default)]
pub struct UiChannel;

/// Plays [`UiSound`]s. Needs the asset plugin; adds bevy_kira_audio's
/// plugin unless it is there already.
#[derive(Debug, Default, Clone, Copy)]
pub struct UiSoundsPlugin;

impl Plugin for UiSoundsPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<bevy_kira_audio::AudioPlugin>() {
            app.add_plugins(bevy_kira_audio::AudioPlugin);
        }
        app.add_audio_channel::<UiChannel>()
            .add_message::<UiSound>()
            .init_resource::<UiVolume>()
            .init_resource::<UiSoundStats>()
            .add_systems(Startup, load)
            .add_systems(Update, play);
    }
}

fn load(mut commands: Commands<'_, '_>, assets: Res<'_, AssetServer>) {
    commands.insert_resource(UiSoundAssets(UiSound::ALL.map(|s| assets.load(s.asset_path()))));
}

fn play(
    mut asked: MessageReader<'_, '_, UiSound>,
    channel: Res<'_, AudioChannel<UiChannel>>,
    sounds: Option<Res<'_, UiSoundAssets>>,
    sources: Res<'_, Assets<AudioSource>>,
    volume: Res<'_, UiVolume>,
    report: Option<Res<'_, SoundReport>>,
    mut stats: ResMut<'_, UiSoundStats>,
) {
    // The emulator's stream found no device: neither has bevy_kira_audio's.
    let no_device = report.is_some_and(|r| r.silent.is_some());
    let decibels = volume.decibels();
    for sound in asked.read() {
        let Some(handle) = sounds.as_ref().map(|s| s.get(*sound)) else { continue };
        if no_device || decibels == Decibels::SILENCE {
            stats.silenced += 1;
        } else if sources.get(handle).is_none() {
            stats.not_loaded += 1;
        } else {
            channel.play(handle.clone()).with_volume(decibels);
            stats.played += 1;
        }
    }
}

/// The sounds themselves: a few tones each, shaped by an envelope, as
/// 16-bit mono PCM.
pub mod synth {
    use super::UiSound;

    /// The files' sample rate.
    pub const RATE: u32 = 48_000;

    /// One tone: frequency (Hz), start and length (s), level (0-1), and
    /// whether it is a square (else a sine).
    struct Tone(f32, f32, f32, f32, bool);

    fn tones(sound: UiSound) -> (&'static [Tone], f32) {
        const MOVE: &[Tone] = &[Tone(1320.0, 0.0, 0.025, 0.30, false)];
        const SELECT: &[Tone] = &[Tone(660.0, 0.0, 0.045, 0.30, true), Tone(990.0, 0.045, 0.06, 0.30, true)];
        const BACK: &[Tone] = &[Tone(660.0, 0.0, 0.045, 0.30, true), Tone(440.0, 0.045, 0.06, 0.30, true)];
        const TOAST: &[Tone] = &[Tone(1568.0, 0.0, 0.16, 0.35, false), Tone(2093.0, 0.05, 0.14, 0.25, false)];
        const ERROR: &[Tone] = &[Tone(233.0, 0.0, 0.09, 0.30, true), Tone(185.0, 0.11, 0.13, 0.30, true)];
        const START: &[Tone] = &[
            Tone(523.0, 0.0, 0.06, 0.28, true),
            Tone(659.0, 0.06, 0.06, 0.28, true),
            Tone(784.0, 0.12, 0.06, 0.28, true),
            Tone(1047.0, 0.18, 0.14, 0.28, true),
        ];
        match sound {
            UiSound::Move => (MOVE, 0.03),
            UiSound::Select => (SELECT, 0.11),
            UiSound::Back => (BACK, 0.11),
            UiSound::Toast => (TOAST, 0.2),
            UiSound::Error => (ERROR, 0.25),
            UiSound::GameStart => (START, 0.33),
        }
    }

    /// The sound's samples.
    pub fn samples(sound: UiSound) -> Vec<i16> {
        let (tones, length) = tones(sound);
        let rate = RATE as f32;
        let count = (length * rate) as usize;
        (0..count)
            .map(|i| {
                let t = i as f32 / rate;
                let mut v = 0.0f32;
                for &Tone(freq, start, len, level, square) in tones {
                    let local = t - start;
                    if !(0.0..len).contains(&local) {
                        continue;
                    }
                    // 2 ms in, then an exponential fall to the end (no click
                    // at either edge).
                    let attack = (local / 0.002).min(1.0);
                    let release = ((len - local) / 0.004).min(1.0);
                    let decay = (-3.0 * local / len).exp();
                    let phase = (freq * local).fract();
                    let wave = if square {
                        // Soft-edged square: less harsh than a hard one.
                        (std::f32::consts::TAU * phase).sin().clamp(-0.4, 0.4) * 2.5
                    } else {
                        (std::f32::consts::TAU * phase).sin()
                    };
                    v += wave * level * attack * release * decay;
                }
                (v.clamp(-1.0, 1.0) * 32767.0) as i16
            })
            .collect()
    }

    /// The sound as a WAV file (PCM, 16 bits, mono).
    pub fn wav(sound: UiSound) -> Vec<u8> {
        let samples = samples(sound);
        let data = (samples.len() * 2) as u32;
        let mut out = Vec::with_capacity(44 + data as usize);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&RATE.to_le_bytes());
        out.extend_from_slice(&(RATE * 2).to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data.to_le_bytes());
        for s in samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sound_is_short_audible_and_starts_and_ends_quietly() {
        for sound in UiSound::ALL {
            let s = synth::samples(sound);
            let seconds = s.len() as f32 / synth::RATE as f32;
            assert!((0.02..0.4).contains(&seconds), "{sound:?}: {seconds} s");
            let peak = s.iter().map(|v| v.unsigned_abs()).max().unwrap();
            assert!(peak > 6000, "{sound:?} is audible: peak {peak}");
            assert!(s[0].unsigned_abs() < 500 && s[s.len() - 1].unsigned_abs() < 500, "{sound:?} clicks at an edge");
        }
        assert_ne!(synth::samples(UiSound::Select), synth::samples(UiSound::Back), "select rises, back falls");
    }

    #[test]
    fn the_committed_files_are_what_the_code_makes() {
        let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
        for sound in UiSound::ALL {
            let path = assets.join(sound.asset_path());
            let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let made = synth::wav(sound);
            assert_eq!(file.len(), made.len(), "{}: run `cargo run -p phosphor-audio --example ui-sounds`", path.display());
            assert_eq!(file[..44], made[..44], "{}: header", path.display());
            // The last bit may differ where a machine's sine rounds otherwise.
            let off = file[44..]
                .chunks(2)
                .zip(made[44..].chunks(2))
                .map(|(a, b)| (i32::from(i16::from_le_bytes([a[0], a[1]])) - i32::from(i16::from_le_bytes([b[0], b[1]]))).unsigned_abs())
                .max()
                .unwrap_or(0);
            assert!(off <= 2, "{}: samples differ by {off}", path.display());
        }
    }

    #[test]
    fn volume_in_decibels() {
        assert_eq!(UiVolume { level: 1.0, muted: false }.decibels(), Decibels(0.0));
        assert_eq!(UiVolume { level: 1.0, muted: true }.decibels(), Decibels::SILENCE);
        assert_eq!(UiVolume { level: 0.0, muted: false }.decibels(), Decibels::SILENCE);
        assert!((UiVolume { level: 0.5, muted: false }.decibels().0 + 6.02).abs() < 0.01);
    }
}
