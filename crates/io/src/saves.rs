//! Where Phosphor keeps what it saves. Per game, keyed by the ROM's hash,
//! in the platform's data folder:
//!
//! ```text
//! <data>/games/<rom hash, 16 hex digits>/
//!     game.txt          the ROM's name, for people browsing the folder
//!     source.txt        where the ROM file was opened from (to reopen it)
//!     battery.sav       battery-backed RAM
//!     slot0.state ... slot9.state, auto.state
//! ```
//!
//! A state file carries its thumbnail (PNG bytes) and frame number in its
//! header; the slot's time is the file's modification time. Settings live
//! in the platform's config folder. `PHOSPHOR_DATA_DIR` and
//! `PHOSPHOR_CONFIG_DIR` move either (tests, portable installs).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use phosphor_nes::state::{StateError, StateHeader};

use crate::backend::IoBackend;
use crate::durable::{create_dir_all, read_file, stat, write_file};
use crate::op::IoError;
use crate::pool::BufferPool;

/// The data and config folders for this user on this platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    pub data: PathBuf,
    pub config: PathBuf,
}

impl Folders {
    /// The platform's folders (XDG on Linux and the BSDs, Application
    /// Support on macOS, %APPDATA% on Windows), or the environment's.
    pub fn for_user() -> Option<Folders> {
        let env = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = env("HOME");
        let (data, config) = if cfg!(windows) {
            let app = env("APPDATA")?.join("Phosphor");
            (app.clone(), app)
        } else if cfg!(target_os = "macos") {
            let app = home?.join("Library/Application Support/Phosphor");
            (app.clone(), app)
        } else {
            let data = env("XDG_DATA_HOME").or_else(|| home.as_ref().map(|h| h.join(".local/share")))?;
            let config = env("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")))?;
            (data.join("phosphor"), config.join("phosphor"))
        };
        Some(Folders {
            data: env("PHOSPHOR_DATA_DIR").unwrap_or(data),
            config: env("PHOSPHOR_CONFIG_DIR").unwrap_or(config),
        })
    }

    /// The settings file.
    pub fn settings(&self) -> PathBuf {
        self.config.join("settings.toml")
    }

    /// Games that have a folder of saves, most recently saved first, each
    /// with its autosave (thumbnail and frame) where it has one. A folder
    /// that is not a game's (no hash name) is skipped; listing the folder
    /// uses `std::fs` (the backend has no directory listing).
    pub async fn recent(&self, io: &dyn IoBackend, pool: &BufferPool) -> Vec<RecentGame> {
        let Ok(entries) = std::fs::read_dir(self.data.join("games")) else { return Vec::new() };
        let mut games = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let Some(rom_hash) = entry.file_name().to_str().and_then(|n| u64::from_str_radix(n, 16).ok()) else { continue };
            let saves = self.game(rom_hash);
            let text = |name: &'static str| {
                let path = saves.dir.join(name);
                async move { read_file(io, pool, &path).await.ok().map(|b| String::from_utf8_lossy(&b).trim().to_string()) }
            };
            let name = text("game.txt").await.unwrap_or_else(|| format!("{rom_hash:016x}"));
            let source = text("source.txt").await.filter(|s| !s.is_empty()).map(PathBuf::from);
            let autosave = match stat(io, &saves.slot_path(Slot::Auto)).await {
                Ok(meta) => match saves.load_state(io, pool, Slot::Auto).await {
                    Ok(file) => StateHeader::parse(&file).ok().map(|(h, _)| Autosave { frame: h.frame, thumbnail: h.thumbnail, saved_at: meta.modified }),
                    Err(_) => None,
                },
                Err(_) => None,
            };
            let played = stat(io, &saves.dir).await.ok().and_then(|m| m.modified);
            games.push(RecentGame { rom_hash, name, source, autosave, played });
        }
        games.sort_by(|a, b| b.played.cmp(&a.played).then(a.name.cmp(&b.name)));
        games
    }

    /// One game's saves.
    pub fn game(&self, rom_hash: u64) -> GameSaves {
        GameSaves { dir: self.data.join("games").join(format!("{rom_hash:016x}")), rom_hash }
    }
}

/// A game in the recent list.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentGame {
    pub rom_hash: u64,
    pub name: String,
    /// The ROM file it was last opened from, if known.
    pub source: Option<PathBuf>,
    pub autosave: Option<Autosave>,
    /// When its saves last changed.
    pub played: Option<SystemTime>,
}

/// Where a game was left.
#[derive(Debug, Clone, PartialEq)]
pub struct Autosave {
    pub frame: u64,
    /// PNG bytes.
    pub thumbnail: Vec<u8>,
    pub saved_at: Option<SystemTime>,
}

/// A save-state slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// 0 to 9.
    Numbered(u8),
    /// Written on exit and on return to the home screen.
    Auto,
}

impl Slot {
    /// Every slot, numbered first.
    pub fn all() -> impl Iterator<Item = Slot> {
        (0..10).map(Slot::Numbered).chain(std::iter::once(Slot::Auto))
    }

    fn file_name(self) -> String {
        match self {
            Slot::Numbered(n) => format!("slot{n}.state"),
            Slot::Auto => "auto.state".into(),
        }
    }
}

/// What the slot browser shows for a slot.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotInfo {
    Empty,
    Saved { frame: u64, saved_at: Option<SystemTime>, thumbnail: Vec<u8>, bytes: u64 },
    /// A file is there but cannot be loaded; the reason, in words.
    Unreadable(String),
}

/// One game's folder of saves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameSaves {
    dir: PathBuf,
    rom_hash: u64,
}

impl GameSaves {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn battery_path(&self) -> PathBuf {
        self.dir.join("battery.sav")
    }

    pub fn slot_path(&self, slot: Slot) -> PathBuf {
        self.dir.join(slot.file_name())
    }

    async fn ensure_dir(&self, io: &dyn IoBackend) -> Result<(), IoError> {
        create_dir_all(io, &self.dir).await
    }

    /// Records the ROM's name beside its saves (once).
    pub async fn remember_name(&self, io: &dyn IoBackend, pool: &BufferPool, name: &str) -> Result<(), IoError> {
        self.ensure_dir(io).await?;
        let path = self.dir.join("game.txt");
        if read_file(io, pool, &path).await.ok().as_deref() == Some(name.as_bytes()) {
            return Ok(());
        }
        write_file(io, pool, &path, name.as_bytes()).await
    }

    /// Records where the ROM file was opened from, to reopen it from the
    /// recent list.
    pub async fn remember_source(&self, io: &dyn IoBackend, pool: &BufferPool, rom: &Path) -> Result<(), IoError> {
        self.ensure_dir(io).await?;
        let path = self.dir.join("source.txt");
        let text = rom.to_string_lossy();
        if read_file(io, pool, &path).await.ok().as_deref() == Some(text.as_bytes()) {
            return Ok(());
        }
        write_file(io, pool, &path, text.as_bytes()).await
    }

    pub async fn save_battery(&self, io: &dyn IoBackend, pool: &BufferPool, ram: &[u8]) -> Result<(), IoError> {
        self.ensure_dir(io).await?;
        write_file(io, pool, &self.battery_path(), ram).await
    }

    /// The battery RAM saved before, or `None` for a first start.
    pub async fn load_battery(&self, io: &dyn IoBackend, pool: &BufferPool) -> Result<Option<Vec<u8>>, IoError> {
        match read_file(io, pool, &self.battery_path()).await {
            Ok(ram) => Ok(Some(ram)),
            Err(IoError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes a save-state file (header with thumbnail, and body) to a slot.
    pub async fn save_state(&self, io: &dyn IoBackend, pool: &BufferPool, slot: Slot, file: &[u8]) -> Result<(), IoError> {
        self.ensure_dir(io).await?;
        write_file(io, pool, &self.slot_path(slot), file).await
    }

    /// Reads a slot's file, checked to be a state of this game.
    pub async fn load_state(&self, io: &dyn IoBackend, pool: &BufferPool, slot: Slot) -> Result<Vec<u8>, LoadError> {
        let file = read_file(io, pool, &self.slot_path(slot)).await?;
        let (header, _) = StateHeader::parse(&file)?;
        header.check(self.rom_hash)?;
        Ok(file)
    }

    /// Every slot with what the browser shows for it.
    pub async fn list(&self, io: &dyn IoBackend, pool: &BufferPool) -> Vec<(Slot, SlotInfo)> {
        let mut out = Vec::new();
        for slot in Slot::all() {
            let path = self.slot_path(slot);
            let info = match stat(io, &path).await {
                Err(IoError::NotFound { .. }) => SlotInfo::Empty,
                Err(e) => SlotInfo::Unreadable(e.to_string()),
                Ok(meta) => match read_file(io, pool, &path).await {
                    Err(e) => SlotInfo::Unreadable(e.to_string()),
                    Ok(file) => match StateHeader::parse(&file).and_then(|(h, _)| h.check(self.rom_hash).map(|()| h)) {
                        Ok(h) => SlotInfo::Saved { frame: h.frame, saved_at: meta.modified, thumbnail: h.thumbnail, bytes: meta.len },
                        Err(e) => SlotInfo::Unreadable(e.to_string()),
                    },
                },
            };
            out.push((slot, info));
        }
        out
    }
}

/// Why a slot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(transparent)]
    State(#[from] StateError),
}

/// When to write battery RAM: shortly after the game stops writing it (so
/// a burst of writes is one save), but at least every few seconds while it
/// keeps writing, and always on exit.
#[derive(Debug, Clone)]
pub struct BatteryPolicy {
    quiet: Duration,
    longest: Duration,
    first_unsaved: Option<Instant>,
    last_change: Option<Instant>,
}

impl Default for BatteryPolicy {
    fn default() -> Self {
        BatteryPolicy::new(Duration::from_secs(1), Duration::from_secs(5))
    }
}

impl BatteryPolicy {
    pub fn new(quiet: Duration, longest: Duration) -> Self {
        BatteryPolicy { quiet, longest, first_unsaved: None, last_change: None }
    }

    /// The game wrote its battery RAM at `now`.
    pub fn changed(&mut self, now: Instant) {
        self.first_unsaved.get_or_insert(now);
        self.last_change = Some(now);
    }

    /// Whether a save is due at `now`; if so, the policy counts it as done.
    pub fn due(&mut self, now: Instant) -> bool {
        let (Some(first), Some(last)) = (self.first_unsaved, self.last_change) else { return false };
        if now >= last + self.quiet || now >= first + self.longest {
            self.first_unsaved = None;
            self.last_change = None;
            return true;
        }
        false
    }

    /// Whether anything is unsaved (to write on exit).
    pub fn pending(&self) -> bool {
        self.first_unsaved.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn battery_saves_after_a_quiet_second_or_every_five_while_busy() {
        let t0 = Instant::now();
        let mut policy = BatteryPolicy::default();
        assert!(!policy.due(t0), "nothing written, nothing due");
        policy.changed(t0);
        assert!(!policy.due(t0 + Duration::from_millis(500)));
        assert!(policy.due(t0 + Duration::from_millis(1000)), "a quiet second");
        assert!(!policy.pending() && !policy.due(t0 + Duration::from_secs(3)), "saved once");
        // A game writing every frame still gets saved every five seconds.
        let mut at = t0;
        let mut saves = 0;
        for _ in 0..(12 * 60) {
            at += Duration::from_micros(16_639);
            policy.changed(at);
            saves += usize::from(policy.due(at));
        }
        assert_eq!(saves, 2, "12 s of constant writes: saves at 5 s and 10 s");
        assert!(policy.pending(), "and the rest is written on exit");
    }

    #[test]
    fn folders_follow_the_environment() {
        let folders = Folders { data: "/d".into(), config: "/c".into() };
        assert_eq!(folders.settings(), Path::new("/c/settings.toml"));
        let game = folders.game(0xABCD);
        assert_eq!(game.slot_path(Slot::Numbered(2)), Path::new("/d/games/000000000000abcd/slot2.state"));
        assert_eq!(game.slot_path(Slot::Auto), Path::new("/d/games/000000000000abcd/auto.state"));
        assert_eq!(game.battery_path(), Path::new("/d/games/000000000000abcd/battery.sav"));
        assert_eq!(Slot::all().count(), 11);
    }
}
