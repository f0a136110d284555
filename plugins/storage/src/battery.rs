//! Battery RAM and the exit autosave.
//!
//! The emulation thread counts the frames in which the game wrote its
//! battery RAM; [`BatteryPolicy`] turns that into saves: about a second
//! after the game stops writing, at least every five seconds while it keeps
//! writing, before another game replaces it, and on exit. On exit the
//! machine the thread hands back also becomes the game's autosave slot.

use std::path::PathBuf;
use std::time::Instant;

use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use phosphor_emulation::{EmuNotice, EmuReply, EmulationSystems, Emulator, FrameFeed, LoadRom, Stopped, Telemetry};
use phosphor_io::saves::{BatteryPolicy, Slot};
use phosphor_nes::NtscPalette;
use phosphor_rt::{Command, CommandError, CommandId, Done};

use crate::{image, Storage};

/// What was written, for tests and the log.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct BatterySaves {
    /// Battery files written (each a durable write).
    pub written: u64,
    pub last: Option<PathBuf>,
    /// The autosave written on exit, if any.
    pub autosave: Option<PathBuf>,
}

#[derive(Resource)]
struct Keeper {
    policy: BatteryPolicy,
    /// The game whose writes are being counted (its ROM hash).
    game: Option<u64>,
    /// The thread's battery-write count when last looked at.
    seen_writes: u64,
    /// A copy asked of the thread: its id and the game it belongs to.
    request: Option<(CommandId, u64)>,
    /// Room to give a copy (grows to what the thread says it needs).
    capacity: usize,
    tasks: Vec<Task<Result<PathBuf, String>>>,
}

impl Default for Keeper {
    fn default() -> Self {
        Keeper { policy: BatteryPolicy::default(), game: None, seen_writes: 0, request: None, capacity: 8 << 10, tasks: Vec::new() }
    }
}

pub(crate) fn build(app: &mut App) {
    app.init_resource::<Keeper>()
        .init_resource::<BatterySaves>()
        .add_message::<LoadRom>()
        .add_message::<EmuReply>()
        .add_message::<EmuNotice>()
        .add_systems(Update, (watch, before_switch.before(EmulationSystems::Load), copied, finish).chain())
        .add_systems(Last, on_exit.after(EmulationSystems::Stop));
}

/// Follows the thread's count of battery writes and asks for a copy when
/// the policy says a save is due.
fn watch(telemetry: Res<'_, Telemetry>, mut keeper: ResMut<'_, Keeper>, mut emulator: ResMut<'_, Emulator>) {
    let status = &telemetry.status;
    let now = Instant::now();
    if status.rom_hash == 0 {
        return;
    }
    if keeper.game != Some(status.rom_hash) {
        // Another game: whatever the last one left unsaved was copied
        // before it was replaced (see `before_switch`). Writes counted since
        // we last looked may be the new game's first.
        let fresh = status.battery_writes > keeper.seen_writes;
        keeper.policy = BatteryPolicy::default();
        keeper.game = Some(status.rom_hash);
        if fresh {
            keeper.policy.changed(now);
        }
    } else if status.battery_writes > keeper.seen_writes {
        keeper.policy.changed(now);
    }
    keeper.seen_writes = status.battery_writes;
    if keeper.request.is_none() && keeper.policy.due(now) {
        ask_for_copy(&mut keeper, &mut emulator, status.rom_hash);
    }
}

fn ask_for_copy(keeper: &mut Keeper, emulator: &mut Emulator, rom_hash: u64) {
    match emulator.send(Command::CopyBatteryRam(Vec::with_capacity(keeper.capacity))) {
        Ok(id) => keeper.request = Some((id, rom_hash)),
        // The thread is gone or busy: try again at the next change.
        Err(err) => {
            warn!("battery RAM not copied: {err}");
            keeper.policy.changed(Instant::now());
        }
    }
}

/// A game is about to replace the running one: copy the old one's battery
/// RAM first if it has unsaved changes (commands run in order, so the copy
/// is of the old game).
fn before_switch(
    mut loads: MessageReader<'_, '_, LoadRom>,
    mut keeper: ResMut<'_, Keeper>,
    mut emulator: ResMut<'_, Emulator>,
) {
    if loads.read().count() == 0 {
        return;
    }
    if let Some(game) = keeper.game
        && keeper.policy.pending()
        && keeper.request.is_none()
        && emulator.game().is_some_and(|g| g.rom_hash == game)
    {
        keeper.policy = BatteryPolicy::default();
        ask_for_copy(&mut keeper, &mut emulator, game);
    }
}

/// The thread's copy: written durably on the I/O task pool.
fn copied(
    mut replies: MessageReader<'_, '_, EmuReply>,
    mut keeper: ResMut<'_, Keeper>,
    mut emulator: ResMut<'_, Emulator>,
    storage: Res<'_, Storage>,
) {
    for reply in replies.read() {
        let Some((id, rom_hash)) = keeper.request else { return };
        if reply.id != id {
            continue;
        }
        keeper.request = None;
        match &reply.result {
            Ok(Done::BatteryRam(ram)) => {
                let (storage, ram) = (storage.clone(), ram.clone());
                keeper.tasks.push(IoTaskPool::get().spawn(async move { write_battery(&storage, rom_hash, &ram).await }));
            }
            Err(CommandError::BufferTooSmall { needed, .. }) => {
                keeper.capacity = *needed;
                ask_for_copy(&mut keeper, &mut emulator, rom_hash);
            }
            // The game has no battery after all, or none is loaded.
            Err(CommandError::NoBattery | CommandError::NoGame) => {}
            Err(err) => warn!("battery RAM not copied: {err}"),
            Ok(other) => warn!("unexpected reply to a battery copy: {other:?}"),
        }
    }
}

async fn write_battery(storage: &Storage, rom_hash: u64, ram: &[u8]) -> Result<PathBuf, String> {
    let folders = storage.folders.as_ref().ok_or("no folder for saves on this system")?;
    let saves = folders.game(rom_hash);
    saves.save_battery(&*storage.io, &storage.pool, ram).await.map_err(|e| e.to_string())?;
    Ok(saves.battery_path())
}

fn finish(mut keeper: ResMut<'_, Keeper>, mut saves: ResMut<'_, BatterySaves>, mut notices: MessageWriter<'_, EmuNotice>) {
    let mut i = 0;
    while i < keeper.tasks.len() {
        let Some(result) = block_on(future::poll_once(&mut keeper.tasks[i])) else {
            i += 1;
            continue;
        };
        drop(keeper.tasks.swap_remove(i));
        match result {
            Ok(path) => {
                debug!("battery RAM saved: {}", path.display());
                saves.written += 1;
                saves.last = Some(path);
            }
            Err(err) => {
                let text = format!("Battery save not written (the previous one is kept): {err}");
                warn!("{text}");
                notices.write(EmuNotice::Problem(text));
            }
        }
    }
}

/// On exit: finish the battery saves under way, write what is still
/// unsaved from the machine the thread handed back, and that machine as
/// the autosave (with a thumbnail of the last picture). The program is
/// leaving, so this waits for the disk.
fn on_exit(
    stopped: Option<Res<'_, Stopped>>,
    mut keeper: ResMut<'_, Keeper>,
    mut saves: ResMut<'_, BatterySaves>,
    mut frames: ResMut<'_, FrameFeed>,
    storage: Res<'_, Storage>,
    mut done: Local<'_, bool>,
) {
    let Some(stopped) = stopped else { return };
    if std::mem::replace(&mut *done, true) {
        return;
    }
    for task in keeper.tasks.drain(..) {
        match block_on(task) {
            Ok(path) => {
                saves.written += 1;
                saves.last = Some(path);
            }
            Err(err) => error!("battery save not written: {err}"),
        }
    }
    let rom_hash = stopped.game.rom_hash;
    let unsaved = keeper.game == Some(rom_hash) && (keeper.policy.pending() || keeper.request.is_some());
    if let (Some(ram), true) = (&stopped.battery, unsaved) {
        match block_on(write_battery(&storage, rom_hash, ram)) {
            Ok(path) => {
                info!("battery RAM saved on exit: {}", path.display());
                saves.written += 1;
                saves.last = Some(path);
            }
            Err(err) => error!("battery save not written on exit (the previous one is kept): {err}"),
        }
    }
    let (Some(folders), Some(state)) = (&storage.folders, &stopped.state) else { return };
    let thumbnail = frames
        .reader()
        .and_then(|r| {
            r.update();
            let frame = r.output_buffer();
            (frame.number > 0).then(|| image::thumbnail_png(&NtscPalette::new(), &frame.pixels[..]).ok()).flatten()
        })
        .unwrap_or_default();
    let file = state.to_file(&thumbnail);
    let game = folders.game(rom_hash);
    let written = block_on(async {
        game.remember_name(&*storage.io, &storage.pool, &stopped.game.name).await?;
        game.save_state(&*storage.io, &storage.pool, Slot::Auto, &file).await
    });
    match written {
        Ok(()) => {
            info!("autosave written at frame {}", state.frame);
            saves.autosave = Some(game.slot_path(Slot::Auto));
        }
        Err(err) => error!("autosave not written (the previous one is kept): {err}"),
    }
}
