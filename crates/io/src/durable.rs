//! Whole-file reads and durable whole-file writes over any backend.
//!
//! A durable write goes to a temporary file in the same folder, is
//! fsynced, renamed over the old file, and the folder is fsynced: at every
//! instant the path holds either the old file or the new one, complete.
//! A write that fails (disk full, a short write, permission) removes its
//! temporary file and leaves the old one in place.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::backend::IoBackend;
use crate::op::{FileId, IoError, Metadata, Op, OpenMode, Outcome};
use crate::pool::{BufferPool, MAX_BUFFER};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Runs one operation to its outcome, handing back its buffer.
async fn run(io: &dyn IoBackend, op: Op) -> (Result<Outcome, IoError>, Option<crate::PoolBuf>) {
    let done = io.submit(op).await;
    (done.result, done.buf)
}

pub async fn open(io: &dyn IoBackend, path: &Path, mode: OpenMode) -> Result<FileId, IoError> {
    match run(io, Op::Open { path: path.to_path_buf(), mode }).await.0? {
        Outcome::Opened(file) => Ok(file),
        other => unreachable!("open answered {other:?}"),
    }
}

pub async fn close(io: &dyn IoBackend, file: FileId) -> Result<(), IoError> {
    run(io, Op::Close { file }).await.0.map(|_| ())
}

pub async fn stat(io: &dyn IoBackend, path: &Path) -> Result<Metadata, IoError> {
    match run(io, Op::Stat { path: path.to_path_buf() }).await.0? {
        Outcome::Stat(m) => Ok(m),
        other => unreachable!("stat answered {other:?}"),
    }
}

/// Makes a folder and any missing parents, through the backend. A folder
/// that is already there is fine; a file in its place is an error.
pub async fn create_dir_all(io: &dyn IoBackend, path: &Path) -> Result<(), IoError> {
    // Walk up to the first folder that exists, then make the rest down.
    let mut missing = Vec::new();
    let mut at = path;
    loop {
        match stat(io, at).await {
            Ok(meta) if meta.is_dir => break,
            Ok(_) => {
                let not_dir = std::io::Error::from_raw_os_error(libc::ENOTDIR);
                return Err(IoError::from_os("create folder", Some(at.to_path_buf()), not_dir));
            }
            Err(IoError::NotFound { .. }) => missing.push(at.to_path_buf()),
            Err(e) => return Err(e),
        }
        match at.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => at = parent,
            _ => break,
        }
    }
    for dir in missing.into_iter().rev() {
        match run(io, Op::CreateDir { path: dir }).await.0 {
            Ok(_) => {}
            // Made by someone else meanwhile.
            Err(IoError::Os { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads a whole file. A file that shrinks while it is read is a short
/// read, not a crash.
pub async fn read_file(io: &dyn IoBackend, pool: &BufferPool, path: &Path) -> Result<Vec<u8>, IoError> {
    let len = stat(io, path).await?.len as usize;
    let file = open(io, path, OpenMode::Read).await?;
    let result = read_all(io, pool, file, len).await.map_err(|e| e.with_path(path));
    let _ = close(io, file).await;
    result
}

/// Reads kept in flight at once: the next chunks are on their way while
/// one is copied out.
const READ_DEPTH: usize = 4;

async fn read_all(io: &dyn IoBackend, pool: &BufferPool, file: FileId, len: usize) -> Result<Vec<u8>, IoError> {
    let mut out = Vec::with_capacity(len);
    let mut in_flight = std::collections::VecDeque::new();
    let mut next = 0;
    while out.len() < len {
        while next < len && in_flight.len() < READ_DEPTH {
            let want = (len - next).min(MAX_BUFFER);
            let buf = pool.get(want)?;
            in_flight.push_back((want, io.submit(Op::Read { file, offset: next as u64, buf })));
            next += want;
        }
        let Some((want, ticket)) = in_flight.pop_front() else { break };
        let done = ticket.await;
        let n = match done.result {
            Ok(Outcome::Read(n)) => n,
            Ok(other) => unreachable!("read answered {other:?}"),
            Err(e) => {
                drain(in_flight).await;
                return Err(e);
            }
        };
        let buf = done.buf.expect("a read hands its buffer back");
        out.extend_from_slice(&buf[..n.min(want)]);
        if n < want {
            // The file ended early: it shrank since it was measured.
            drain(in_flight).await;
            return Err(IoError::Short { op: "read", path: None, done: out.len(), wanted: len });
        }
    }
    Ok(out)
}

/// Waits out reads no longer wanted, so their buffers come back.
async fn drain(in_flight: std::collections::VecDeque<(usize, crate::Ticket)>) {
    for (_, ticket) in in_flight {
        drop(ticket.await);
    }
}

/// Writes `data` to `path` durably (see the module docs).
pub async fn write_file(io: &dyn IoBackend, pool: &BufferPool, path: &Path, data: &[u8]) -> Result<(), IoError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));

    let file = open(io, &temp, OpenMode::Create).await.map_err(|e| e.naming(path))?;
    let written = async {
        write_all(io, pool, file, data).await?;
        run(io, Op::Fsync { file }).await.0.map(|_| ())
    }
    .await;
    let closed = close(io, file).await;
    let renamed = match written.and(closed) {
        Ok(()) => run(io, Op::Rename { from: temp.clone(), to: path.to_path_buf() }).await.0.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = renamed {
        let _ = run(io, Op::Remove { path: temp }).await;
        return Err(e.naming(path));
    }
    sync_dir(io, &dir).await
}

async fn write_all(io: &dyn IoBackend, pool: &BufferPool, file: FileId, data: &[u8]) -> Result<(), IoError> {
    let mut offset = 0;
    while offset < data.len() {
        let chunk = &data[offset..data.len().min(offset + MAX_BUFFER)];
        let mut buf = pool.get(chunk.len())?;
        buf.fill_from(chunk);
        let (result, _) = run(io, Op::Write { file, offset: offset as u64, buf }).await;
        match result? {
            // A short write: the rest goes again from where it stopped; a
            // write of nothing means the device will take no more.
            Outcome::Written(0) => {
                return Err(IoError::Short { op: "written", path: None, done: offset, wanted: data.len() });
            }
            Outcome::Written(n) => offset += n,
            other => unreachable!("write answered {other:?}"),
        }
    }
    Ok(())
}

/// Makes a rename in `dir` durable. File systems that cannot fsync a
/// folder (EINVAL) have nothing more to do.
async fn sync_dir(io: &dyn IoBackend, dir: &Path) -> Result<(), IoError> {
    let file = open(io, dir, OpenMode::Directory).await?;
    let synced = run(io, Op::Fsync { file }).await.0;
    let _ = close(io, file).await;
    match synced {
        Ok(_) => Ok(()),
        Err(IoError::Os { source, .. }) if source.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        Err(e) => Err(e.with_path(dir)),
    }
}
