//! Phosphor's I/O layer: ROMs, save states, battery RAM, settings and
//! screenshots all go through one backend that never blocks the caller and
//! never loses a save.
//!
//! - [`IoBackend`]: submit an [`Op`] (open, read at, write at, fsync,
//!   rename, remove, stat, close) and get a [`Ticket`] to poll, wait on with
//!   a timeout, or `.await`; the completion carries the result and hands
//!   the buffer back. Two backends, chosen by [`start`]: io_uring on its own
//!   thread (Linux), and a small thread pool everywhere else or where the
//!   kernel refuses io_uring. `PHOSPHOR_IO=uring|threads` forces one.
//! - [`BufferPool`]: 4 KiB-aligned buffers in size classes, bounded, never
//!   waiting: past the bound a request fails.
//! - [`durable`]: whole-file writes that survive a crash at any instant
//!   (temporary file, fsync, rename, fsync of the folder), and whole-file
//!   reads; [`mmap`]: mapped reads that survive a file shrinking.
//! - [`saves`]: where battery RAM, save-state slots and settings live.

mod backend;
pub mod durable;
#[cfg(unix)]
pub mod mmap;
pub mod fault;
mod op;
mod pool;
pub mod saves;
mod threads;
mod ticket;
#[cfg(target_os = "linux")]
mod uring;

pub use backend::{start, BackendKind, IoBackend};
pub use op::{Completion, FileId, IoError, Metadata, Op, OpenMode, Outcome};
pub use pool::{BufferPool, PoolBuf, PoolError, PoolStats, ALIGN, CLASSES, MAX_BUFFER};
pub use threads::ThreadBackend;
pub use ticket::{block_on, Ticket};
#[cfg(target_os = "linux")]
pub use uring::UringBackend;
