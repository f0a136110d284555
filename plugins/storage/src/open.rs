//! Opening a ROM file: [`OpenRom`] loads it through the `rom://` asset
//! source and [`RomLoader`](crate::assets::RomLoader) (parsed, battery RAM
//! loaded, off the main thread), then hands the cartridge to the emulation
//! plugin. A file that cannot be played becomes a `RomRefused` notice that
//! says why; whatever was running keeps running.

use std::path::PathBuf;

use bevy::asset::LoadState;
use bevy::prelude::*;
use phosphor_emulation::{EmuNotice, LoadRom};

use crate::assets::{failure_words, rom_path, ForcedRegion, Rom, RomLoadSettings};

/// Asks for the ROM file at `path` to be loaded and started.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct OpenRom {
    pub path: PathBuf,
}

/// ROMs being loaded.
#[derive(Resource, Debug, Default)]
pub struct Opening {
    pending: Vec<(PathBuf, Handle<Rom>)>,
}

impl Opening {
    pub fn is_loading(&self) -> bool {
        !self.pending.is_empty()
    }
}

pub(crate) fn build(app: &mut App) {
    app.add_message::<OpenRom>()
        .add_message::<LoadRom>()
        .add_message::<EmuNotice>()
        .init_resource::<Opening>()
        .add_systems(Update, (request, finish).chain().before(phosphor_emulation::EmulationSystems::Load));
}

fn request(
    mut opens: MessageReader<'_, '_, OpenRom>,
    server: Res<'_, AssetServer>,
    mut opening: ResMut<'_, Opening>,
    power_on: Option<Res<'_, phosphor_emulation::PowerOn>>,
) {
    let region = power_on.and_then(|p| p.region).map(ForcedRegion::from_region);
    for open in opens.read() {
        info!("opening {}", open.path.display());
        let handle = server
            .load_builder()
            .with_settings(move |s: &mut RomLoadSettings| s.region = region)
            .load::<Rom>(rom_path(&open.path));
        opening.pending.push((open.path.clone(), handle));
    }
}

fn finish(
    server: Res<'_, AssetServer>,
    roms: Res<'_, Assets<Rom>>,
    mut opening: ResMut<'_, Opening>,
    mut load: MessageWriter<'_, LoadRom>,
    mut notices: MessageWriter<'_, EmuNotice>,
    storage: Res<'_, crate::Storage>,
) {
    let mut i = 0;
    while i < opening.pending.len() {
        let (path, handle) = &opening.pending[i];
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        match server.load_state(handle) {
            LoadState::Loaded => {
                if let Some(rom) = roms.get(handle) {
                    if let Some(problem) = &rom.battery_problem {
                        warn!("{problem}");
                        notices.write(EmuNotice::Problem(problem.clone()));
                    }
                    if rom.battery_loaded {
                        info!("{}: battery RAM loaded", rom.name);
                    }
                    load.write(LoadRom {
                        name: rom.name.clone(),
                        bytes: rom.bytes.clone(),
                        cartridge: Some(Box::new(rom.cartridge.clone())),
                        path: Some(path.clone()),
                    });
                    // Beside its saves: its name and where it came from,
                    // for the recent list.
                    if let Some(folders) = &storage.folders {
                        let saves = folders.game(rom.cartridge.rom_hash());
                        let (storage, name, source) = (storage.clone(), rom.name.clone(), path.clone());
                        bevy::tasks::IoTaskPool::get()
                            .spawn(async move {
                                let (io, pool) = (&*storage.io, &*storage.pool);
                                let noted = async {
                                    saves.remember_name(io, pool, &name).await?;
                                    saves.remember_source(io, pool, &source).await
                                };
                                if let Err(err) = noted.await {
                                    warn!("{name}: not added to the recent list: {err}");
                                }
                            })
                            .detach();
                    }
                }
                opening.pending.swap_remove(i);
            }
            LoadState::Failed(error) => {
                let reason = failure_words(&error);
                warn!("{name}: not loaded: {reason}");
                notices.write(EmuNotice::RomRefused { name, reason });
                opening.pending.swap_remove(i);
            }
            _ => i += 1,
        }
    }
}
