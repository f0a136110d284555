//! Save-state slots and screenshots, through the I/O layer on Bevy's I/O
//! task pool: [`SlotRequest`] saves the running game to a slot (with a
//! thumbnail of the screen) or loads one back; F5 and F7 do it for the
//! quick slot; F12 and Shift+F12 write screenshots.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use phosphor_emulation::{EmuNotice, EmuReply, Emulator, FrameFeed, LoadedGame};
use phosphor_input::Hotkey;
use phosphor_io::saves::Slot;
use phosphor_nes::NtscPalette;
use phosphor_rt::{Command, CommandError, Done, Snapshot};

use crate::{image, Storage};

/// The slot F5 and F7 use.
pub const QUICK_SLOT: Slot = Slot::Numbered(0);

/// Save the running game to a slot, or load a slot into it.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRequest {
    Save(Slot),
    Load(Slot),
}

/// A slot's name in messages.
pub fn slot_name(slot: Slot) -> String {
    match slot {
        Slot::Numbered(n) => format!("slot {n}"),
        Slot::Auto => "the autosave".into(),
    }
}

/// What a finished task asks for.
enum Outcome {
    /// A problem to tell the player.
    Notice(EmuNotice),
    Restore(Snapshot, Slot),
    ScreenshotWritten(PathBuf),
    /// A slot was written; the state's frame.
    StateWritten(u64, Slot),
}

#[derive(Resource)]
struct Session {
    /// The capture waiting for its reply, and the slot it goes to.
    capture: Option<(u64, Slot)>,
    /// Room to give a capture (grows to what the thread says it needs).
    capture_capacity: usize,
    tasks: Vec<Task<Outcome>>,
    palette: NtscPalette,
}

impl Default for Session {
    fn default() -> Self {
        Session { capture: None, capture_capacity: 64 << 10, tasks: Vec::new(), palette: NtscPalette::new() }
    }
}

/// Files written so far, for tests and the log.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    pub screenshots: Vec<PathBuf>,
    pub states: u64,
    /// Slots saved or loaded, in order (`Save(slot)` once written, `Load`
    /// once sent to the thread).
    pub slots: Vec<SlotRequest>,
}

pub(crate) fn build(app: &mut App) {
    app.init_resource::<Session>()
        .add_message::<Hotkey>()
        .add_message::<SlotRequest>()
        .init_resource::<Written>()
        .add_systems(Update, (hotkeys, slot_requests, captured, finish_tasks).chain());
}

#[allow(clippy::too_many_arguments)]
fn hotkeys(
    mut commands: Commands<'_, '_>,
    mut hotkeys: MessageReader<'_, '_, Hotkey>,
    mut session: ResMut<'_, Session>,
    emulator: Res<'_, Emulator>,
    mut frames: ResMut<'_, FrameFeed>,
    storage: Res<'_, Storage>,
    mut notices: MessageWriter<'_, EmuNotice>,
    mut requests: MessageWriter<'_, SlotRequest>,
) {
    for hotkey in hotkeys.read() {
        match hotkey {
            Hotkey::SaveState => {
                requests.write(SlotRequest::Save(QUICK_SLOT));
            }
            Hotkey::LoadState => {
                requests.write(SlotRequest::Load(QUICK_SLOT));
            }
            Hotkey::Screenshot => {
                let Some(reader) = frames.reader() else { continue };
                reader.update();
                let frame = reader.output_buffer();
                if frame.number == 0 {
                    notices.write(EmuNotice::Problem("No picture to save yet".into()));
                    continue;
                }
                let png = image::frame_png(&session.palette, &frame.pixels[..]).map_err(|e| e.to_string());
                let suffix = format!("{:06}", frame.number);
                if let Err(problem) = save_screenshot(&mut session, &storage, emulator.game(), &suffix, png) {
                    notices.write(problem);
                }
            }
            Hotkey::WindowScreenshot => {
                commands.spawn(Screenshot::primary_window()).observe(window_captured);
            }
            _ => {}
        }
    }
}

/// Saves capture the machine (the reply is written in [`captured`]);
/// loads read the slot on the I/O task pool, check it is this game's, and
/// restore it.
fn slot_requests(
    mut requests: MessageReader<'_, '_, SlotRequest>,
    mut session: ResMut<'_, Session>,
    mut emulator: ResMut<'_, Emulator>,
    storage: Res<'_, Storage>,
    mut notices: MessageWriter<'_, EmuNotice>,
) {
    for request in requests.read() {
        match *request {
            SlotRequest::Save(slot) => {
                if emulator.game().is_none() {
                    notices.write(EmuNotice::Problem("Nothing to save: no game is running".into()));
                    continue;
                }
                let buffer = Vec::with_capacity(session.capture_capacity);
                match emulator.send(Command::CaptureState(buffer)) {
                    Ok(id) => session.capture = Some((id, slot)),
                    Err(err) => {
                        notices.write(EmuNotice::Problem(format!("Could not save: {err}")));
                    }
                }
            }
            SlotRequest::Load(slot) => {
                let Some(game) = emulator.game() else {
                    notices.write(EmuNotice::Problem("Nothing to load into: no game is running".into()));
                    continue;
                };
                let Some(folders) = storage.folders.clone() else {
                    notices.write(EmuNotice::Problem("No folder for saves on this system".into()));
                    continue;
                };
                let (rom_hash, storage) = (game.rom_hash, storage.clone());
                session.tasks.push(IoTaskPool::get().spawn(async move {
                    let saves = folders.game(rom_hash);
                    let not_loaded = |err: &dyn std::fmt::Display| {
                        Outcome::Notice(EmuNotice::Problem(format!("{} not loaded: {err}", slot_title(slot))))
                    };
                    match saves.load_state(&*storage.io, &storage.pool, slot).await {
                        Ok(file) => match Snapshot::from_file(&file, rom_hash) {
                            Ok((snapshot, _)) => Outcome::Restore(snapshot, slot),
                            Err(err) => not_loaded(&err),
                        },
                        Err(err) => not_loaded(&err),
                    }
                }));
            }
        }
    }
}

/// A slot's name to start a sentence with ("Slot 2", "The autosave").
pub fn slot_title(slot: Slot) -> String {
    let name = slot_name(slot);
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Shift+F12's picture of the window: written like F12's.
fn window_captured(
    captured: On<'_, '_, ScreenshotCaptured>,
    mut session: ResMut<'_, Session>,
    storage: Res<'_, Storage>,
    emulator: Res<'_, Emulator>,
) {
    let png = image::rgba_image_png(&captured.image);
    // A problem here is logged: the observer has no notice writer.
    if let Err(EmuNotice::Problem(problem)) = save_screenshot(&mut session, &storage, emulator.game(), "window", png) {
        warn!("{problem}");
    }
}

/// Writes a screenshot as `screenshots/<game>-<unix time in ms>-<suffix>.png` in
/// the data folder, on the I/O task pool.
fn save_screenshot(
    session: &mut Session,
    storage: &Storage,
    game: Option<&LoadedGame>,
    suffix: &str,
    png: Result<Vec<u8>, String>,
) -> Result<(), EmuNotice> {
    let Some(folders) = storage.folders.clone() else {
        return Err(EmuNotice::Problem("No folder for screenshots on this system".into()));
    };
    let png = png.map_err(|err| EmuNotice::Problem(format!("Screenshot not saved: {err}")))?;
    let name = game.map_or("phosphor".to_string(), |g| file_stem(&g.name));
    // Milliseconds: two captures within a second keep separate files.
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let path = folders.data.join("screenshots").join(format!("{name}-{millis}-{suffix}.png"));
    let storage = storage.clone();
    session.tasks.push(IoTaskPool::get().spawn(async move {
        match write_durably(&storage, &path, &png).await {
            Ok(()) => Outcome::ScreenshotWritten(path),
            Err(err) => Outcome::Notice(EmuNotice::Problem(format!("Screenshot not saved: {err}"))),
        }
    }));
    Ok(())
}

/// The F5 capture's reply: write the state with a thumbnail of the screen.
fn captured(
    mut replies: MessageReader<'_, '_, EmuReply>,
    mut session: ResMut<'_, Session>,
    mut emulator: ResMut<'_, Emulator>,
    mut frames: ResMut<'_, FrameFeed>,
    storage: Res<'_, Storage>,
    mut notices: MessageWriter<'_, EmuNotice>,
) {
    for reply in replies.read() {
        let Some((id, slot)) = session.capture else { continue };
        if id != reply.id {
            continue;
        }
        session.capture = None;
        let snapshot = match &reply.result {
            Ok(Done::StateCaptured(snapshot)) => snapshot.clone(),
            Err(CommandError::BufferTooSmall { needed, .. }) => {
                // The thread said how much room a state takes: ask again.
                session.capture_capacity = *needed;
                if let Ok(id) = emulator.send(Command::CaptureState(Vec::with_capacity(*needed))) {
                    session.capture = Some((id, slot));
                }
                continue;
            }
            Err(err) => {
                notices.write(EmuNotice::Problem(format!("Could not save: {err}")));
                continue;
            }
            Ok(other) => {
                warn!("unexpected reply to a capture: {other:?}");
                continue;
            }
        };
        let thumbnail = frames
            .reader()
            .and_then(|r| {
                r.update();
                image::thumbnail_png(&session.palette, &r.output_buffer().pixels[..]).ok()
            })
            .unwrap_or_default();
        let file = snapshot.to_file(&thumbnail);
        let Some(folders) = storage.folders.clone() else {
            notices.write(EmuNotice::Problem("No folder for saves on this system".into()));
            continue;
        };
        let storage = storage.clone();
        let name = emulator.game().map(|g| g.name.clone()).unwrap_or_default();
        session.tasks.push(IoTaskPool::get().spawn(async move {
            let saves = folders.game(snapshot.rom_hash);
            let _ = saves.remember_name(&*storage.io, &storage.pool, &name).await;
            match saves.save_state(&*storage.io, &storage.pool, slot, &file).await {
                Ok(()) => Outcome::StateWritten(snapshot.frame, slot),
                Err(err) => Outcome::Notice(EmuNotice::Problem(format!("State not saved (the previous one is kept): {err}"))),
            }
        }));
    }
}

fn finish_tasks(
    mut session: ResMut<'_, Session>,
    mut emulator: ResMut<'_, Emulator>,
    mut notices: MessageWriter<'_, EmuNotice>,
    mut written: ResMut<'_, Written>,
) {
    let mut i = 0;
    while i < session.tasks.len() {
        let Some(outcome) = block_on(future::poll_once(&mut session.tasks[i])) else {
            i += 1;
            continue;
        };
        drop(session.tasks.swap_remove(i));
        match outcome {
            Outcome::Notice(notice) => {
                if let EmuNotice::Problem(text) = &notice {
                    warn!("{text}");
                }
                notices.write(notice);
            }
            Outcome::ScreenshotWritten(path) => {
                info!("screenshot saved: {}", path.display());
                let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
                notices.write(EmuNotice::Info(format!("Screenshot saved: {file}")));
                written.screenshots.push(path);
            }
            Outcome::StateWritten(frame, slot) => {
                info!("{} saved at frame {frame}", slot_name(slot));
                notices.write(EmuNotice::Info(format!("Saved to {} (frame {frame})", slot_name(slot))));
                written.states += 1;
                written.slots.push(SlotRequest::Save(slot));
            }
            Outcome::Restore(snapshot, slot) => {
                let frame = snapshot.frame;
                match emulator.send(Command::RestoreState(snapshot)) {
                    Ok(_) => {
                        info!("{} loaded (frame {frame})", slot_name(slot));
                        notices.write(EmuNotice::Info(format!("Loaded {} (frame {frame})", slot_name(slot))));
                        written.slots.push(SlotRequest::Load(slot));
                    }
                    Err(err) => {
                        notices.write(EmuNotice::Problem(format!("State not loaded: {err}")));
                    }
                };
            }
        }
    }
}

async fn write_durably(storage: &Storage, path: &std::path::Path, bytes: &[u8]) -> Result<(), phosphor_io::IoError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| phosphor_io::IoError::from_os("create folder", Some(dir.to_path_buf()), e))?;
    }
    phosphor_io::durable::write_file(&*storage.io, &storage.pool, path, bytes).await
}

/// A name safe in a file name: letters, digits, `-` and `_`.
fn file_stem(name: &str) -> String {
    let stem = std::path::Path::new(name).file_stem().map_or(name.into(), |s| s.to_string_lossy().into_owned());
    let safe: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if safe.is_empty() { "game".into() } else { safe }
}
