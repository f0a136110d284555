//! The debugger's files, all through the I/O layer on Bevy's I/O task
//! pool: the game's symbols from beside its ROM, the workspace kept per
//! game in its save folder (`debugger.toml`: layout, open panels,
//! breakpoints, watches, break options; written durably a second after a
//! change), and traces and code/data logs saved there.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use phosphor_emulation::{EmuNotice, Emulator, Telemetry};
use phosphor_nes::debug::BreakOptions;
use phosphor_storage::Storage;
use serde::{Deserialize, Serialize};

use crate::model::{BreakpointSpec, DebugState};
use crate::symbols::Symbols;
use crate::workspace::{Layout, Workspace};

/// The file beside a game's saves that keeps its workspace.
pub const WORKSPACE_FILE: &str = "debugger.toml";

/// The break options as kept in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedOptions {
    pub brk: bool,
    pub jam: bool,
    pub unofficial: bool,
    pub new_code: bool,
}

impl From<BreakOptions> for SavedOptions {
    fn from(o: BreakOptions) -> Self {
        SavedOptions { brk: o.on_brk, jam: o.on_jam, unofficial: o.on_unofficial, new_code: o.on_new_code }
    }
}

impl From<SavedOptions> for BreakOptions {
    fn from(o: SavedOptions) -> Self {
        BreakOptions { on_brk: o.brk, on_jam: o.jam, on_unofficial: o.unofficial, on_new_code: o.new_code }
    }
}

/// `debugger.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedWorkspace {
    pub open: bool,
    pub layout: Layout,
    pub breakpoints: Vec<BreakpointSpec>,
    pub watches: Vec<String>,
    pub options: SavedOptions,
}

/// What was read for a new game.
struct GameFiles {
    rom_hash: u64,
    symbols: Symbols,
    problems: Vec<String>,
    saved: Option<Result<SavedWorkspace, String>>,
}

/// The debugger's file work in flight.
#[derive(Resource, Default)]
pub struct FileTasks {
    game: Option<Task<GameFiles>>,
    writes: Vec<Task<Result<String, String>>>,
    cdl: Option<Task<Result<Vec<u8>, String>>>,
    /// The workspace as last written or read (written again when it differs).
    last_saved: Option<SavedWorkspace>,
    last_check: f64,
    storage: Option<Storage>,
    /// The files of the running game are in (its workspace may be saved).
    ready: bool,
}

impl std::fmt::Debug for FileTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileTasks").field("ready", &self.ready).field("writes", &self.writes.len()).finish_non_exhaustive()
    }
}

impl FileTasks {
    /// Whether the running game's symbols and workspace have been read.
    pub fn ready(&self) -> bool {
        self.ready && self.game.is_none()
    }

    fn game_dir(&self, emulator: &Emulator) -> Option<PathBuf> {
        let folders = self.storage.as_ref()?.folders.as_ref()?;
        Some(folders.game(emulator.game()?.rom_hash).dir().to_path_buf())
    }

    fn write(&mut self, path: PathBuf, bytes: Vec<u8>) {
        let Some(storage) = self.storage.clone() else { return };
        self.writes.push(IoTaskPool::get().spawn(async move {
            let (io, pool) = (&*storage.io, &*storage.pool);
            if let Some(dir) = path.parent() {
                phosphor_io::durable::create_dir_all(io, dir).await.map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            phosphor_io::durable::write_file(io, pool, &path, &bytes).await.map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(path.display().to_string())
        }));
    }

    /// Writes `text` as `<what>-<time>.<ext>` in the game's save folder.
    pub fn save_text(&mut self, emulator: &Emulator, what: &str, ext: &str, text: String) {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if let Some(dir) = self.game_dir(emulator) {
            self.write(dir.join(format!("{what}-{stamp}.{ext}")), text.into_bytes());
        }
    }

    /// Writes the code/data log as `game.cdl` in the game's save folder.
    pub fn save_bytes(&mut self, emulator: &Emulator, ext: &str, bytes: Vec<u8>) {
        if let Some(dir) = self.game_dir(emulator) {
            self.write(dir.join(format!("game.{ext}")), bytes);
        }
    }

    /// Reads `game.cdl` from the save folder, or `<rom>.cdl` beside the ROM,
    /// and merges it into the log.
    pub fn load_cdl(&mut self, emulator: &Emulator) {
        let mut candidates: Vec<PathBuf> = self.game_dir(emulator).map(|d| d.join("game.cdl")).into_iter().collect();
        if let Some(rom) = emulator.game().and_then(|g| g.path.clone()) {
            candidates.push(rom.with_extension("cdl"));
        }
        let storage = self.storage.clone();
        self.cdl = Some(IoTaskPool::get().spawn(async move {
            for path in &candidates {
                if let Some(bytes) = read(storage.as_ref(), path).await {
                    return Ok(bytes);
                }
            }
            Err(format!("no code/data log found ({})", candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")))
        }));
    }
}

async fn read(storage: Option<&Storage>, path: &Path) -> Option<Vec<u8>> {
    match storage {
        Some(s) => phosphor_io::durable::read_file(&*s.io, &s.pool, path).await.ok(),
        None => std::fs::read(path).ok(),
    }
}

/// A new game: forget the last one's, read this one's symbols and workspace.
pub(crate) fn follow_game(
    emulator: Res<'_, Emulator>,
    telemetry: Res<'_, Telemetry>,
    storage: Option<Res<'_, Storage>>,
    mut state: ResMut<'_, DebugState>,
    mut files: ResMut<'_, FileTasks>,
) {
    let Some(game) = emulator.game() else { return };
    // The thread must run the new game before its debugger takes requests.
    if state.game_serial == game.serial || telemetry.status.rom_hash != game.rom_hash {
        return;
    }
    if state.symbols_for == Some(game.rom_hash) {
        // The same ROM started again: a new machine whose debugger must be
        // told everything again; the symbols and the workspace stay.
        state.game_serial = game.serial;
        state.call_stack.clear();
        state.resend = true;
        return;
    }
    state.new_game(game.rom_hash);
    state.game_serial = game.serial;
    files.storage = storage.map(|s| s.clone());
    files.ready = false;
    files.last_saved = None;
    let storage = files.storage.clone();
    let saved_path = storage.as_ref().and_then(|s| s.folders.as_ref()).map(|f| f.game(game.rom_hash).dir().join(WORKSPACE_FILE));
    let (rom_hash, rom_path) = (game.rom_hash, game.path.clone());
    files.game = Some(IoTaskPool::get().spawn(async move {
        let (symbols, problems) = match &rom_path {
            Some(rom) => {
                // A handful of small files, some named only inside the
                // debug file: each read through the I/O layer in turn.
                let text = |p: &Path| block_on(read(storage.as_ref(), p)).map(|b| String::from_utf8_lossy(&b).into_owned());
                let (symbols, problems) = Symbols::beside(rom, &text);
                (symbols, problems.into_iter().map(|e| e.to_string()).collect())
            }
            None => (Symbols::default(), Vec::new()),
        };
        let saved = match &saved_path {
            Some(path) => read(storage.as_ref(), path).await.map(|bytes| {
                toml::from_str::<SavedWorkspace>(&String::from_utf8_lossy(&bytes)).map_err(|e| format!("{}: {e}", path.display()))
            }),
            None => None,
        };
        GameFiles { rom_hash, symbols, problems, saved }
    }));
}

/// The game's files are in: its symbols, breakpoints, watches and layout
/// take effect and go to the thread.
pub(crate) fn poll(
    mut files: ResMut<'_, FileTasks>,
    mut state: ResMut<'_, DebugState>,
    mut workspace: ResMut<'_, Workspace>,
    mut notices: MessageWriter<'_, EmuNotice>,
) {
    if let Some(task) = files.game.as_mut()
        && let Some(done) = block_on(future::poll_once(task))
    {
        files.game = None;
        if state.symbols_for == Some(done.rom_hash) {
            for problem in done.problems {
                notices.write(EmuNotice::Problem(format!("Symbols not loaded: {problem}")));
                state.problem(problem);
            }
            if !done.symbols.is_empty() {
                info!("debugger: {} labels from {}", done.symbols.label_count(), done.symbols.loaded.join(", "));
            }
            state.symbols = done.symbols;
            match done.saved {
                Some(Ok(saved)) => {
                    files.last_saved = Some(saved.clone());
                    workspace.layout = saved.layout;
                    state.breakpoints = saved.breakpoints;
                    state.watches = saved.watches;
                    state.options = saved.options.into();
                }
                None => {
                    // Nothing kept yet: written once something differs from the defaults.
                    files.last_saved = Some(SavedWorkspace { layout: workspace.layout.clone(), ..Default::default() });
                }
                Some(Err(problem)) => {
                    // The file stays as it is until the workspace changes.
                    notices.write(EmuNotice::Problem(format!("Debugger workspace not restored: {problem}")));
                    state.problem(problem);
                }
            }
            state.resend = true;
            files.ready = true;
        }
    }
    if let Some(task) = files.cdl.as_mut()
        && let Some(done) = block_on(future::poll_once(task))
    {
        files.cdl = None;
        match done {
            Ok(bytes) => state.send(phosphor_rt::DebugRequest::MergeCodeDataLog(bytes)),
            Err(problem) => state.problem(problem),
        }
    }
    let mut finished = Vec::new();
    files.writes.retain_mut(|task| match block_on(future::poll_once(task)) {
        Some(result) => {
            finished.push(result);
            false
        }
        None => true,
    });
    for result in finished {
        match result {
            Ok(path) => {
                if !path.ends_with(WORKSPACE_FILE) {
                    notices.write(EmuNotice::Info(format!("Saved {path}")));
                }
            }
            Err(problem) => {
                notices.write(EmuNotice::Problem(format!("Not saved: {problem}")));
                state.problem(problem);
            }
        }
    }
}

/// Writes the workspace file when what it would hold changed (checked
/// once a second).
pub(crate) fn autosave(
    time: Res<'_, Time<Real>>,
    emulator: Res<'_, Emulator>,
    state: Res<'_, DebugState>,
    workspace: Res<'_, Workspace>,
    mut files: ResMut<'_, FileTasks>,
) {
    let now = time.elapsed_secs_f64();
    if !files.ready() || now - files.last_check < 1.0 {
        return;
    }
    files.last_check = now;
    let saved = SavedWorkspace {
        open: workspace.open,
        layout: workspace.layout.clone(),
        breakpoints: state.breakpoints.clone(),
        watches: state.watches.clone(),
        options: state.options.into(),
    };
    // Showing or hiding the workspace is written along, not a reason to write.
    let differs = files.last_saved.as_ref().is_none_or(|last| SavedWorkspace { open: saved.open, ..last.clone() } != saved);
    if differs
        && let Some(dir) = files.game_dir(&emulator)
        && let Ok(text) = toml::to_string(&saved)
    {
        files.last_saved = Some(saved);
        files.write(dir.join(WORKSPACE_FILE), text.into_bytes());
    }
}
