//! The portable backend: a few threads doing blocking std::fs calls.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use crate::backend::{BackendKind, IoBackend};
use crate::op::{Completion, FileId, IoError, Metadata, Op, OpenMode, Outcome};
use crate::ticket::{ticket, Completer, Ticket};

/// Threads in the pool: enough to overlap a ROM load with a save.
pub const DEFAULT_THREADS: usize = 2;

#[derive(Debug)]
struct Job {
    id: u64,
    op: Op,
    done: Completer,
}

#[derive(Debug, Default)]
struct Shared {
    files: Mutex<HashMap<u64, Arc<File>>>,
    next_file: AtomicU64,
    cancelled: Mutex<HashSet<u64>>,
    in_flight: AtomicUsize,
    closing: AtomicBool,
}

#[derive(Debug)]
pub struct ThreadBackend {
    shared: Arc<Shared>,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    next_id: AtomicU64,
}

impl ThreadBackend {
    pub fn new(threads: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let shared = Arc::new(Shared::default());
        let workers = (0..threads.max(1))
            .map(|n| {
                let (rx, shared) = (Arc::clone(&rx), Arc::clone(&shared));
                std::thread::Builder::new()
                    .name(format!("phosphor-io-{n}"))
                    .spawn(move || work(&rx, &shared))
                    .expect("an I/O thread starts")
            })
            .collect();
        ThreadBackend { shared, jobs: Mutex::new(Some(tx)), workers: Mutex::new(workers), next_id: AtomicU64::new(1) }
    }
}

fn work(rx: &Mutex<mpsc::Receiver<Job>>, shared: &Shared) {
    loop {
        let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(Job { id, op, done }) = job else { return };
        let cancelled = shared.cancelled.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        let completion = if cancelled || shared.closing.load(Ordering::Acquire) {
            Completion { result: Err(IoError::Cancelled), buf: op.take_buf() }
        } else {
            perform(shared, op)
        };
        shared.in_flight.fetch_sub(1, Ordering::AcqRel);
        done.complete(completion);
    }
}

fn file(shared: &Shared, id: FileId) -> Option<Arc<File>> {
    shared.files.lock().unwrap_or_else(|e| e.into_inner()).get(&id.0).cloned()
}

fn perform(shared: &Shared, op: Op) -> Completion {
    let name = op.name();
    let path = op.path();
    let os = |e: std::io::Error| IoError::from_os(name, path.clone(), e);
    match op {
        Op::Open { path: p, mode } => {
            let opened = match mode {
                OpenMode::Read | OpenMode::Directory => File::open(&p),
                OpenMode::Create => OpenOptions::new().write(true).create(true).truncate(true).open(&p),
            };
            let result = opened.map_err(os).map(|f| {
                let id = shared.next_file.fetch_add(1, Ordering::Relaxed);
                shared.files.lock().unwrap_or_else(|e| e.into_inner()).insert(id, Arc::new(f));
                Outcome::Opened(FileId(id))
            });
            Completion { result, buf: None }
        }
        Op::Read { file: id, offset, mut buf } => {
            let Some(f) = file(shared, id) else { return Completion { result: Err(IoError::BadFile), buf: Some(buf) } };
            let result = read_at(&f, buf.spare(), offset).map_err(os).map(|n| {
                buf.set_len(n);
                Outcome::Read(n)
            });
            Completion { result, buf: Some(buf) }
        }
        Op::Write { file: id, offset, buf } => {
            let Some(f) = file(shared, id) else { return Completion { result: Err(IoError::BadFile), buf: Some(buf) } };
            let result = write_at(&f, &buf, offset).map_err(os).map(Outcome::Written);
            Completion { result, buf: Some(buf) }
        }
        Op::Fsync { file: id } => {
            let Some(f) = file(shared, id) else { return Completion { result: Err(IoError::BadFile), buf: None } };
            Completion { result: f.sync_all().map_err(os).map(|()| Outcome::Synced), buf: None }
        }
        Op::Rename { from, to } => {
            Completion { result: std::fs::rename(from, to).map_err(os).map(|()| Outcome::Renamed), buf: None }
        }
        Op::Remove { path: p } => {
            Completion { result: std::fs::remove_file(p).map_err(os).map(|()| Outcome::Removed), buf: None }
        }
        Op::Stat { path: p } => {
            let result = std::fs::metadata(p).map_err(os).map(|m| {
                Outcome::Stat(Metadata { len: m.len(), modified: m.modified().ok(), is_dir: m.is_dir() })
            });
            Completion { result, buf: None }
        }
        Op::CreateDir { path: p } => {
            Completion { result: std::fs::create_dir(p).map_err(os).map(|()| Outcome::Created), buf: None }
        }
        Op::Close { file: id } => {
            let removed = shared.files.lock().unwrap_or_else(|e| e.into_inner()).remove(&id.0);
            Completion { result: removed.map(|_| Outcome::Closed).ok_or(IoError::BadFile), buf: None }
        }
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, offset)
}

#[cfg(unix)]
fn write_at(f: &File, buf: &[u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(f, buf, offset)
}

#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, offset)
}

#[cfg(windows)]
fn write_at(f: &File, buf: &[u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(f, buf, offset)
}

impl IoBackend for ThreadBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Threads
    }

    fn submit(&self, op: Op) -> Ticket {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (ticket, done) = ticket(id);
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        match jobs.as_ref() {
            Some(tx) => {
                self.shared.in_flight.fetch_add(1, Ordering::AcqRel);
                if let Err(mpsc::SendError(job)) = tx.send(Job { id, op, done }) {
                    self.shared.in_flight.fetch_sub(1, Ordering::AcqRel);
                    job.done.complete(Completion { result: Err(IoError::ShutDown), buf: job.op.take_buf() });
                }
            }
            None => done.complete(Completion { result: Err(IoError::ShutDown), buf: op.take_buf() }),
        }
        ticket
    }

    fn cancel(&self, ticket_id: u64) {
        self.shared.cancelled.lock().unwrap_or_else(|e| e.into_inner()).insert(ticket_id);
    }

    fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Acquire)
    }

    fn shutdown(&self) {
        // Queued operations are cancelled; running ones finish.
        self.shared.closing.store(true, Ordering::Release);
        drop(self.jobs.lock().unwrap_or_else(|e| e.into_inner()).take());
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|e| e.into_inner()));
        for worker in workers {
            let _ = worker.join();
        }
        self.shared.files.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Drop for ThreadBackend {
    fn drop(&mut self) {
        self.shutdown();
    }
}
