//! The storage plugin: everything the frontend writes or reads goes
//! through the I/O layer (`phosphor_io`: io_uring or the thread pool,
//! durable writes) on Bevy's I/O task pool, never on the frame.
//!
//! - [`Storage`] (resource): the I/O backend, its buffer pool, the user's
//!   folders;
//! - [`session`]: F5 saves the running game to the quick slot (slot 0)
//!   with a thumbnail, F7 loads it back (checked to be this game's, from
//!   this version), F12 writes a PNG of the screen; battery RAM is saved
//!   shortly after the game writes it and when the program exits. Every
//!   outcome becomes a notice in words.

pub mod image;
pub mod session;

pub use session::QUICK_SLOT;

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
    }
}
