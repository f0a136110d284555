//! The backend trait and the choice between io_uring and the thread pool.

use std::sync::Arc;

use crate::op::Op;
use crate::ticket::Ticket;

/// Which backend runs the operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// io_uring on a dedicated I/O thread (Linux).
    Uring,
    /// A small pool of threads making blocking std::fs calls (everywhere).
    Threads,
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackendKind::Uring => "uring",
            BackendKind::Threads => "threads",
        })
    }
}

/// Something that performs [`Op`]s off the caller's thread. Submitting never
/// blocks; the [`Ticket`] it returns is polled (`try_take`), waited on with
/// a timeout (`wait_timeout`) or awaited. Every operation completes exactly
/// once, with its buffer handed back.
pub trait IoBackend: Send + Sync + std::fmt::Debug {
    fn kind(&self) -> BackendKind;

    /// Starts `op`. After `shutdown` it completes at once with `ShutDown`.
    fn submit(&self, op: Op) -> Ticket;

    /// Asks for the operation to be abandoned; it then completes with
    /// `Cancelled`, unless it had already finished or is past stopping.
    fn cancel(&self, ticket_id: u64);

    /// Operations submitted and not yet completed.
    fn in_flight(&self) -> usize;

    /// Finishes or cancels every operation in flight, then stops. Idempotent.
    fn shutdown(&self);
}

/// Starts the backend `PHOSPHOR_IO` names (`uring` or `threads`), else
/// io_uring where the kernel allows it and the thread pool where it does
/// not (non-Linux, or a kernel or sandbox refusing `io_uring_setup`, as
/// Docker's default profile does). The choice is logged.
pub fn start() -> Arc<dyn IoBackend> {
    let forced = std::env::var("PHOSPHOR_IO").ok();
    let kind = match forced.as_deref() {
        Some("threads") => BackendKind::Threads,
        Some("uring") | None => BackendKind::Uring,
        Some(other) => {
            tracing::warn!("PHOSPHOR_IO={other} is neither uring nor threads; choosing for this machine");
            BackendKind::Uring
        }
    };
    start_kind(kind, forced.is_some())
}

fn start_kind(kind: BackendKind, forced: bool) -> Arc<dyn IoBackend> {
    if kind == BackendKind::Uring {
        match start_uring() {
            Ok(backend) => {
                tracing::info!("I/O backend: io_uring{}", if forced { " (PHOSPHOR_IO)" } else { "" });
                return backend;
            }
            Err(e) => tracing::warn!("io_uring is not available ({e}); I/O runs on a thread pool"),
        }
    } else {
        tracing::info!("I/O backend: thread pool (PHOSPHOR_IO)");
    }
    Arc::new(crate::threads::ThreadBackend::new(crate::threads::DEFAULT_THREADS))
}

#[cfg(target_os = "linux")]
fn start_uring() -> std::io::Result<Arc<dyn IoBackend>> {
    Ok(Arc::new(crate::uring::UringBackend::new()?))
}

#[cfg(not(target_os = "linux"))]
fn start_uring() -> std::io::Result<Arc<dyn IoBackend>> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "io_uring exists only on Linux"))
}
