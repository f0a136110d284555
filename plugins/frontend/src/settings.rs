//! The player's settings: one TOML file in the platform's config folder,
//! read at start, applied live to the plugins, written (durably) shortly
//! after each change.
//!
//! Every struct is `#[serde(default)]`, so a file from an older version
//! (fields missing) or a newer one (fields unknown are ignored) still
//! loads. A file that cannot be read as settings is moved aside as
//! `settings.toml.bad-<unix time>` with a warning, and the defaults are
//! used: nothing the player wrote is lost.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use phosphor_io::durable::{create_dir_all, read_file, write_file};
use phosphor_io::{BufferPool, IoBackend, IoError, Op};
use serde::{Deserialize, Serialize};

#[derive(Resource, Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
pub struct Settings {
    pub video: Video,
    pub audio: Audio,
    pub emulation: Emulation,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Shader {
    #[default]
    Crt,
    Sharp,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default)]
pub struct Video {
    pub shader: Shader,
    /// Scanline strength, 0 to 1.
    pub scanlines: f32,
    /// Aperture grille strength, 0 to 1.
    pub mask: f32,
    /// Screen curvature, 0 to 0.15.
    pub curvature: f32,
    /// Glow around bright pixels, 0 to 1.
    pub glow: f32,
    pub integer_scale: bool,
    pub fullscreen: bool,
    pub vsync: bool,
}

impl Default for Video {
    fn default() -> Self {
        let crt = phosphor_video::CrtLook::default();
        Video {
            shader: Shader::Crt,
            scanlines: crt.scanlines,
            mask: crt.mask,
            curvature: crt.curvature,
            glow: crt.bloom,
            integer_scale: false,
            fullscreen: false,
            vsync: true,
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default)]
pub struct Audio {
    /// 0 to 1.
    pub volume: f32,
    pub muted: bool,
}

impl Default for Audio {
    fn default() -> Self {
        Audio { volume: 0.8, muted: false }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum RamPattern {
    /// All $00.
    #[default]
    Zeros,
    /// All $FF.
    Ones,
    /// Different at every power-on, as on a real console.
    Random,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default)]
pub struct Emulation {
    /// Speed while Tab is held: 2 to 8 times.
    pub fast_forward: f32,
    /// What the console's RAM holds at power-on (for the next game started).
    pub power_on_ram: RamPattern,
}

impl Default for Emulation {
    fn default() -> Self {
        Emulation { fast_forward: phosphor_input::FAST_FORWARD_SPEED, power_on_ram: RamPattern::Zeros }
    }
}

impl Settings {
    /// Values out of range (a hand-edited file) pulled back into range.
    pub fn clamped(mut self) -> Self {
        let v = &mut self.video;
        v.scanlines = clamp(v.scanlines, 0.0, 1.0);
        v.mask = clamp(v.mask, 0.0, 1.0);
        v.curvature = clamp(v.curvature, 0.0, 0.15);
        v.glow = clamp(v.glow, 0.0, 1.0);
        self.audio.volume = clamp(self.audio.volume, 0.0, 1.0);
        self.emulation.fast_forward = clamp(self.emulation.fast_forward, 2.0, 8.0);
        self
    }

    pub fn to_toml(&self) -> String {
        let mut text = String::from("# Phosphor settings. Edit while Phosphor is closed, or in its Settings menu.\n\n");
        text.push_str(&toml::to_string_pretty(self).unwrap_or_default());
        text
    }
}

fn clamp(value: f32, low: f32, high: f32) -> f32 {
    if value.is_nan() { low } else { value.clamp(low, high) }
}

/// What reading the settings file came to.
#[derive(Debug)]
pub struct Loaded {
    pub settings: Settings,
    /// Something the player should be told (a damaged file moved aside).
    pub warning: Option<String>,
}

/// Why the settings could not be written.
#[derive(Debug, thiserror::Error)]
#[error("settings not saved: {0}")]
pub struct SaveError(#[from] IoError);

/// Reads the settings file: missing means defaults; unreadable as
/// settings means defaults, with the file moved aside and a warning.
pub async fn load(io: &dyn IoBackend, pool: &BufferPool, path: &Path) -> Loaded {
    let bytes = match read_file(io, pool, path).await {
        Ok(bytes) => bytes,
        Err(IoError::NotFound { .. }) => return Loaded { settings: Settings::default(), warning: None },
        Err(err) => {
            return Loaded { settings: Settings::default(), warning: Some(format!("Settings not read ({err}); using defaults")) };
        }
    };
    let parsed = std::str::from_utf8(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|text| toml::from_str::<Settings>(text).map_err(|e| e.message().to_string()));
    match parsed {
        Ok(settings) => Loaded { settings: settings.clamped(), warning: None },
        Err(why) => {
            let aside = aside_path(path);
            let moved = io.submit(Op::Rename { from: path.to_path_buf(), to: aside.clone() }).await.result;
            let kept = match moved {
                Ok(_) => format!("the file was kept as {}", aside.display()),
                Err(e) => format!("the file could not be moved aside ({e}) and will be replaced"),
            };
            Loaded {
                settings: Settings::default(),
                warning: Some(format!("{} could not be read ({why}); using defaults, {kept}", path.display())),
            }
        }
    }
}

fn aside_path(path: &Path) -> PathBuf {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let name = path.file_name().map_or("settings.toml".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!("{name}.bad-{seconds}"))
}

/// Writes the settings durably (the old file stays whole until the new
/// one is on disk).
pub async fn save(io: &dyn IoBackend, pool: &BufferPool, path: &Path, settings: &Settings) -> Result<(), SaveError> {
    if let Some(dir) = path.parent() {
        create_dir_all(io, dir).await?;
    }
    write_file(io, pool, path, settings.to_toml().as_bytes()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_files_with_missing_fields_still_load() {
        let old: Settings = toml::from_str("[video]\nshader = \"sharp\"\n").unwrap();
        assert_eq!(old.video.shader, Shader::Sharp);
        assert_eq!(old.video.scanlines, Video::default().scanlines, "a field the file lacks takes its default");
        assert_eq!(old.audio, Audio::default());
        let newer: Settings = toml::from_str("[audio]\nvolume = 0.5\nreverb = true\n[future]\nx = 1\n").unwrap();
        assert_eq!(newer.audio.volume, 0.5, "unknown fields and tables are ignored");
    }

    #[test]
    fn settings_round_trip_and_wild_values_are_clamped() {
        let mut settings = Settings::default();
        settings.video.shader = Shader::Sharp;
        settings.emulation.power_on_ram = RamPattern::Random;
        settings.audio.muted = true;
        let back: Settings = toml::from_str(&settings.to_toml()).unwrap();
        assert_eq!(back, settings);
        let wild: Settings = toml::from_str("[audio]\nvolume = 7.0\n[emulation]\nfast_forward = 100.0\n").unwrap();
        let wild = wild.clamped();
        assert_eq!((wild.audio.volume, wild.emulation.fast_forward), (1.0, 8.0));
    }
}
