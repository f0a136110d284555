//! The operations a backend performs and what comes back from them.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::pool::PoolBuf;

/// An open file, as a backend knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(pub u64);

/// How to open a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    Read,
    /// Create it, or empty it if it exists; write only.
    Create,
    /// A folder, to fsync after a rename in it.
    Directory,
}

/// One I/O operation. Reads and writes carry a pool buffer, which comes
/// back in the completion.
#[derive(Debug)]
pub enum Op {
    Open { path: PathBuf, mode: OpenMode },
    /// Reads up to the buffer's capacity at `offset`.
    Read { file: FileId, offset: u64, buf: PoolBuf },
    /// Writes the buffer's bytes at `offset`.
    Write { file: FileId, offset: u64, buf: PoolBuf },
    Fsync { file: FileId },
    Rename { from: PathBuf, to: PathBuf },
    Remove { path: PathBuf },
    Stat { path: PathBuf },
    Close { file: FileId },
    /// Makes one folder (its parent must exist).
    CreateDir { path: PathBuf },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Open { .. } => "open",
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::Fsync { .. } => "fsync",
            Op::Rename { .. } => "rename",
            Op::Remove { .. } => "remove",
            Op::Stat { .. } => "stat",
            Op::Close { .. } => "close",
            Op::CreateDir { .. } => "create folder",
        }
    }

    /// The path an error should name, where the operation has one.
    pub fn path(&self) -> Option<PathBuf> {
        match self {
            Op::Open { path, .. } | Op::Remove { path } | Op::Stat { path } | Op::CreateDir { path } => {
                Some(path.clone())
            }
            Op::Rename { to, .. } => Some(to.clone()),
            _ => None,
        }
    }

    /// Takes the buffer out (to hand it back when the operation fails early).
    pub fn take_buf(self) -> Option<PoolBuf> {
        match self {
            Op::Read { buf, .. } | Op::Write { buf, .. } => Some(buf),
            _ => None,
        }
    }
}

/// File facts from `Stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    pub len: u64,
    pub modified: Option<SystemTime>,
    pub is_dir: bool,
}

/// What an operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Opened(FileId),
    /// Bytes read (the buffer's length is set to it) or written.
    Read(usize),
    Written(usize),
    Synced,
    Renamed,
    Removed,
    Stat(Metadata),
    Closed,
    Created,
}

/// Why an operation failed, in words a player can be shown.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{}: not found", display(.path))]
    NotFound { path: Option<PathBuf> },
    #[error("{}: permission denied", display(.path))]
    PermissionDenied { path: Option<PathBuf> },
    #[error("{}: the disk is full", display(.path))]
    DiskFull { path: Option<PathBuf> },
    #[error("{}: {op} failed: {source}", display(.path))]
    Os { op: &'static str, path: Option<PathBuf>, source: std::io::Error },
    #[error("{}: only {done} of {wanted} bytes were {op}", display(.path))]
    Short { op: &'static str, path: Option<PathBuf>, done: usize, wanted: usize },
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("the I/O layer has shut down")]
    ShutDown,
    #[error("no file is open with that handle")]
    BadFile,
    #[error(transparent)]
    Pool(#[from] crate::pool::PoolError),
}

fn display(path: &Option<PathBuf>) -> String {
    path.as_ref().map_or_else(|| "file".to_string(), |p| p.display().to_string())
}

impl IoError {
    /// Maps an OS error for `op` on `path` to the kinds a frontend shows.
    pub fn from_os(op: &'static str, path: Option<PathBuf>, source: std::io::Error) -> Self {
        match source.kind() {
            std::io::ErrorKind::NotFound => IoError::NotFound { path },
            std::io::ErrorKind::PermissionDenied => IoError::PermissionDenied { path },
            std::io::ErrorKind::StorageFull => IoError::DiskFull { path },
            _ if source.raw_os_error() == Some(libc::ENOSPC) => IoError::DiskFull { path },
            _ => IoError::Os { op, path, source },
        }
    }

    /// The same error with `path` named, if it had none.
    pub fn with_path(self, named: &std::path::Path) -> Self {
        self.map_path(|path| path.or_else(|| Some(named.to_path_buf())))
    }

    /// The same error naming `path` instead of whatever it named (a
    /// temporary file the user never asked about).
    pub fn naming(self, path: &std::path::Path) -> Self {
        self.map_path(|_| Some(path.to_path_buf()))
    }

    fn map_path(self, fill: impl FnOnce(Option<PathBuf>) -> Option<PathBuf>) -> Self {
        match self {
            IoError::NotFound { path } => IoError::NotFound { path: fill(path) },
            IoError::PermissionDenied { path } => IoError::PermissionDenied { path: fill(path) },
            IoError::DiskFull { path } => IoError::DiskFull { path: fill(path) },
            IoError::Os { op, path, source } => IoError::Os { op, path: fill(path), source },
            IoError::Short { op, path, done, wanted } => IoError::Short { op, path: fill(path), done, wanted },
            other => other,
        }
    }
}

/// The end of one operation: its result and the buffer it carried.
#[derive(Debug)]
pub struct Completion {
    pub result: Result<Outcome, IoError>,
    pub buf: Option<PoolBuf>,
}
