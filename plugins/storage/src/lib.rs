//! The storage plugin: everything the frontend writes or reads goes
//! through the I/O layer (`phosphor_io`: io_uring or the thread pool,
//! durable writes) on Bevy's I/O task pool, never on the frame.
//!
//! - [`Storage`] (resource): the I/O backend, its buffer pool, the user's
//!   folders;
//! - [`assets`]: the `rom://` and `saves://` asset sources over the I/O
//!   layer (call [`register_sources`] before `DefaultPlugins`), and the
//!   loaders for ROMs ([`Rom`]: a cartridge with its battery RAM) and save
//!   states ([`SaveState`]: validated);
//! - [`open`]: [`OpenRom`] loads a ROM file through them and starts it, or
//!   says in words why not;
//! - [`battery`]: battery RAM saved shortly after the game writes it,
//!   before another game replaces it, and on exit, when the running game
//!   is also written to its autosave slot;
//! - [`session`]: F5 saves the running game to the quick slot (slot 0)
//!   with a thumbnail, F7 loads it back (checked to be this game's, from
//!   this version), F12 writes a PNG of the screen. Every outcome becomes
//!   a notice in words.

pub mod assets;
pub mod battery;
pub mod image;
pub mod open;
pub mod session;

pub use assets::{register_sources, Rom, RomLoader, SaveState, SaveStateLoader, ROM_SOURCE, SAVES_SOURCE};
pub use battery::BatterySaves;
pub use open::{OpenRom, Opening};
pub use session::{slot_name, slot_title, SlotRequest, QUICK_SLOT};

use std::sync::Arc;

use bevy::prelude::*;
use phosphor_io::saves::Folders;
use phosphor_io::{BufferPool, IoBackend};

/// Memory the I/O buffers may take at once.
const POOL_BYTES: usize = 16 << 20;

/// The I/O layer as the app uses it.
#[derive(Resource, Clone)]
pub struct Storage {
    pub io: Arc<dyn IoBackend>,
    pub pool: Arc<BufferPool>,
    /// `None` when the platform gives no home for our files: saving then
    /// says so instead of writing somewhere surprising.
    pub folders: Option<Folders>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").field("folders", &self.folders).finish_non_exhaustive()
    }
}

impl Storage {
    /// The backend chosen for this machine (and `PHOSPHOR_IO`), the user's folders.
    pub fn for_user() -> Self {
        Storage { io: phosphor_io::start(), pool: Arc::new(BufferPool::new(POOL_BYTES)), folders: Folders::for_user() }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct StoragePlugin;

impl Plugin for StoragePlugin {
    fn build(&self, app: &mut App) {
        if !app.world().contains_resource::<Storage>() {
            app.insert_resource(Storage::for_user());
        }
        session::build(app);
        battery::build(app);
        // Loading files as assets needs the asset plugin (a headless app
        // may run without one).
        if app.world().contains_resource::<AssetServer>() {
            let storage = app.world().resource::<Storage>().clone();
            app.init_asset::<Rom>()
                .init_asset::<SaveState>()
                .register_asset_loader(RomLoader::new(storage))
                .register_asset_loader(SaveStateLoader);
            open::build(app);
        }
    }
}
