//! The ROM library: a folder the player chooses (its path is a setting),
//! scanned in the background through the I/O layer; the home screen shows
//! its games and how far the scan has come.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use phosphor_emulation::EmuNotice;
use phosphor_io::{BufferPool, IoBackend};
use phosphor_storage::Storage;

use crate::Settings;

/// Folders below the chosen one that are looked into.
const DEPTH: usize = 4;

/// A ROM file found in the library folder.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryGame {
    /// The file name without `.nes`.
    pub name: String,
    pub path: PathBuf,
    pub rom_hash: u64,
    /// Why it cannot be played, in words (it is still listed, so the
    /// player sees why a file is missing from play).
    pub problem: Option<String>,
}

/// How far a scan has come.
#[derive(Debug, Default)]
pub struct Progress {
    pub found: AtomicUsize,
    pub done: AtomicUsize,
}

#[derive(Resource, Default)]
pub struct Library {
    /// The folder scanned (or being scanned).
    pub folder: Option<PathBuf>,
    pub games: Vec<LibraryGame>,
    /// The scan under way, if any.
    pub progress: Option<Arc<Progress>>,
    scan: Option<Task<Vec<LibraryGame>>>,
    /// The folder dialog, while it is open.
    pub(crate) dialog: Option<Task<Option<PathBuf>>>,
    /// Scans finished (tests).
    pub scans: u64,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library").field("folder", &self.folder).field("games", &self.games.len()).finish_non_exhaustive()
    }
}

pub(crate) fn build(app: &mut App) {
    app.init_resource::<Library>().add_message::<EmuNotice>().add_systems(Update, (start_scan, scanned, folder_chosen));
}

/// Every `.nes` file under `folder` (a few levels down, hidden folders
/// skipped), read through the I/O layer and checked to be playable.
pub async fn scan(io: &dyn IoBackend, pool: &BufferPool, folder: &Path, progress: &Progress) -> Vec<LibraryGame> {
    let mut files = Vec::new();
    let mut pending = vec![(folder.to_path_buf(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() && depth < DEPTH => pending.push((path, depth + 1)),
                Ok(t) if t.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("nes")) => files.push(path),
                _ => {}
            }
        }
    }
    progress.found.store(files.len(), Ordering::Relaxed);
    let mut games = Vec::with_capacity(files.len());
    for path in files {
        let name = path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned());
        let game = match phosphor_io::durable::read_file(io, pool, &path).await {
            Ok(bytes) => match phosphor_nes::Cartridge::from_ines(&bytes) {
                Ok(cart) => LibraryGame { name, path, rom_hash: cart.rom_hash(), problem: None },
                Err(err) => LibraryGame { name, path, rom_hash: 0, problem: Some(err.to_string()) },
            },
            Err(err) => LibraryGame { name, path, rom_hash: 0, problem: Some(err.to_string()) },
        };
        games.push(game);
        progress.done.fetch_add(1, Ordering::Relaxed);
    }
    games.sort_by_key(|g| g.name.to_lowercase());
    games
}

/// A new folder in the settings starts a scan (one at a time).
fn start_scan(settings: Option<Res<'_, Settings>>, mut library: ResMut<'_, Library>, storage: Option<Res<'_, Storage>>) {
    let (Some(settings), Some(storage)) = (settings, storage) else { return };
    let wanted = settings.library.folder.clone();
    if wanted == library.folder || library.scan.is_some() {
        return;
    }
    library.folder = wanted.clone();
    library.games.clear();
    let Some(folder) = wanted else {
        library.progress = None;
        return;
    };
    let progress = Arc::new(Progress::default());
    library.progress = Some(progress.clone());
    let storage = storage.clone();
    info!("library: scanning {}", folder.display());
    library.scan = Some(IoTaskPool::get().spawn(async move { scan(&*storage.io, &storage.pool, &folder, &progress).await }));
}

fn scanned(mut library: ResMut<'_, Library>, mut notices: MessageWriter<'_, EmuNotice>) {
    let Some(task) = library.scan.as_mut() else { return };
    let Some(games) = block_on(future::poll_once(task)) else { return };
    library.scan = None;
    library.progress = None;
    library.scans += 1;
    let unplayable = games.iter().filter(|g| g.problem.is_some()).count();
    let folder = library.folder.as_ref().map(|f| f.display().to_string()).unwrap_or_default();
    info!("library: {} ROMs in {folder} ({unplayable} not playable)", games.len());
    let mut text = format!("Library: {} games found in {folder}", games.len() - unplayable);
    if unplayable > 0 {
        text.push_str(&format!("; {unplayable} files cannot be played (shown with the reason)"));
    }
    notices.write(EmuNotice::Info(text));
    library.games = games;
}

/// The folder dialog's answer becomes the setting (and so a scan).
fn folder_chosen(mut library: ResMut<'_, Library>, settings: Option<ResMut<'_, Settings>>, mut notices: MessageWriter<'_, EmuNotice>) {
    let Some(task) = library.dialog.as_mut() else { return };
    let Some(chosen) = block_on(future::poll_once(task)) else { return };
    library.dialog = None;
    match (chosen, settings) {
        (Some(folder), Some(mut settings)) => settings.library.folder = Some(folder),
        _ => {
            notices.write(EmuNotice::Info("No folder chosen".into()));
        }
    }
}

/// Opens the system's folder dialog.
pub(crate) fn choose_folder(library: &mut Library) {
    if library.dialog.is_none() {
        library.dialog = Some(IoTaskPool::get().spawn(async {
            rfd::AsyncFileDialog::new().set_title("Where are your ROMs?").pick_folder().await.map(|f| f.path().to_path_buf())
        }));
    }
}
