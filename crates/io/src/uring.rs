//! The io_uring backend: one I/O thread owns the ring, batches whatever was
//! submitted since it last looked into one `io_uring_enter`, and completes
//! tickets as completions arrive. Submitters hand it operations through a
//! channel and ring an eventfd doorbell that the thread always has a read
//! pending on, so a new operation wakes it out of its wait.
// The ring takes raw pointers into buffers the thread keeps alive until the
// operation completes.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use io_uring::{opcode, squeue, types, IoUring};

use crate::backend::{BackendKind, IoBackend};
use crate::op::{Completion, FileId, IoError, Metadata, Op, OpenMode, Outcome};
use crate::pool::PoolBuf;
use crate::ticket::{ticket, Completer, Ticket};

const ENTRIES: u32 = 256;
/// user_data of the doorbell read and of cancel requests.
const DOORBELL: u64 = u64::MAX;
const CANCEL: u64 = u64::MAX - 1;

enum Msg {
    Op(u64, Op, Completer),
    Cancel(u64),
    Shutdown,
}

#[derive(Debug)]
pub struct UringBackend {
    tx: Mutex<Option<mpsc::Sender<Msg>>>,
    doorbell: Arc<OwnedFd>,
    thread: Mutex<Option<JoinHandle<()>>>,
    next_id: AtomicU64,
    in_flight: Arc<AtomicUsize>,
    closed: AtomicBool,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Op(id, op, _) => write!(f, "Op({id}, {})", op.name()),
            Msg::Cancel(id) => write!(f, "Cancel({id})"),
            Msg::Shutdown => f.write_str("Shutdown"),
        }
    }
}

impl UringBackend {
    /// Sets up a ring, or says why the kernel refused it.
    pub fn new() -> std::io::Result<Self> {
        let ring = IoUring::new(ENTRIES)?;
        // SAFETY: eventfd takes two integers and returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        let doorbell = Arc::new(unsafe { OwnedFd::from_raw_fd(fd) });
        let (tx, rx) = mpsc::channel();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (doorbell, in_flight) = (Arc::clone(&doorbell), Arc::clone(&in_flight));
            std::thread::Builder::new()
                .name("phosphor-uring".into())
                .spawn(move || IoThread::new(ring, doorbell, in_flight).run(&rx))?
        };
        Ok(UringBackend {
            tx: Mutex::new(Some(tx)),
            doorbell,
            thread: Mutex::new(Some(thread)),
            next_id: AtomicU64::new(1),
            in_flight,
            closed: AtomicBool::new(false),
        })
    }

    fn send(&self, msg: Msg) -> Result<(), Msg> {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        let Some(tx) = tx.as_ref() else { return Err(msg) };
        tx.send(msg).map_err(|mpsc::SendError(msg)| msg)?;
        ring_doorbell(&self.doorbell);
        Ok(())
    }
}

fn ring_doorbell(fd: &OwnedFd) {
    let one = 1u64.to_ne_bytes();
    // SAFETY: writes 8 bytes from a live array to our own eventfd.
    unsafe { libc::write(fd.as_raw_fd(), one.as_ptr().cast(), one.len()) };
}

impl IoBackend for UringBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Uring
    }

    fn submit(&self, op: Op) -> Ticket {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (ticket, done) = ticket(id);
        if self.closed.load(Ordering::Acquire) {
            done.complete(Completion { result: Err(IoError::ShutDown), buf: op.take_buf() });
            return ticket;
        }
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        if let Err(Msg::Op(_, op, done)) = self.send(Msg::Op(id, op, done)) {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            done.complete(Completion { result: Err(IoError::ShutDown), buf: op.take_buf() });
        }
        ticket
    }

    fn cancel(&self, ticket_id: u64) {
        let _ = self.send(Msg::Cancel(ticket_id));
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    fn shutdown(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let _ = self.send(Msg::Shutdown);
        drop(self.tx.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(thread) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

impl Drop for UringBackend {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What the thread keeps for an operation in flight: the ticket to
/// complete, and everything the kernel points into.
struct Pending {
    done: Completer,
    name: &'static str,
    path: Option<PathBuf>,
    buf: Option<PoolBuf>,
    _paths: [Option<CString>; 2],
    statx: Option<Box<libc::statx>>,
}

struct IoThread {
    ring: IoUring,
    doorbell: Arc<OwnedFd>,
    bell_buf: Box<[u8; 8]>,
    pending: HashMap<u64, Pending>,
    in_flight: Arc<AtomicUsize>,
    /// Operations queued but not yet in the submission queue (it was full).
    backlog: Vec<squeue::Entry>,
}

fn c_path(path: &Path) -> CString {
    // A path with a NUL byte cannot name a file; the kernel then says not found.
    CString::new(path.as_os_str().as_bytes()).unwrap_or_default()
}

impl IoThread {
    fn new(ring: IoUring, doorbell: Arc<OwnedFd>, in_flight: Arc<AtomicUsize>) -> Self {
        IoThread { ring, doorbell, bell_buf: Box::new([0; 8]), pending: HashMap::new(), in_flight, backlog: Vec::new() }
    }

    fn run(mut self, rx: &mpsc::Receiver<Msg>) {
        self.arm_doorbell();
        let mut closing = false;
        loop {
            loop {
                match rx.try_recv() {
                    Ok(Msg::Op(id, op, done)) => self.start(id, op, done),
                    Ok(Msg::Cancel(id)) => {
                        if self.pending.contains_key(&id) {
                            self.queue(opcode::AsyncCancel::new(id).build().user_data(CANCEL));
                        }
                    }
                    Ok(Msg::Shutdown) | Err(mpsc::TryRecvError::Disconnected) => closing = true,
                    Err(mpsc::TryRecvError::Empty) => break,
                }
                if closing {
                    break;
                }
            }
            if closing && self.pending.is_empty() {
                return;
            }
            self.flush_backlog();
            match self.ring.submit_and_wait(1) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINTR) || e.raw_os_error() == Some(libc::EBUSY) => {}
                Err(e) => {
                    tracing::error!("io_uring_enter failed: {e}");
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            self.reap();
        }
    }

    fn arm_doorbell(&mut self) {
        let entry = opcode::Read::new(types::Fd(self.doorbell.as_raw_fd()), self.bell_buf.as_mut_ptr(), 8)
            .build()
            .user_data(DOORBELL);
        self.queue(entry);
    }

    fn queue(&mut self, entry: squeue::Entry) {
        self.backlog.push(entry);
        self.flush_backlog();
    }

    fn flush_backlog(&mut self) {
        while !self.backlog.is_empty() {
            let mut sq = self.ring.submission();
            let room = sq.capacity() - sq.len();
            let n = room.min(self.backlog.len());
            for entry in self.backlog.drain(..n) {
                // SAFETY: every pointer in the entry points into memory held
                // in `pending` (or the thread's doorbell buffer) until its
                // completion is reaped.
                let _ = unsafe { sq.push(&entry) };
            }
            drop(sq);
            if !self.backlog.is_empty() && self.ring.submit().is_err() {
                return;
            }
        }
    }

    fn start(&mut self, id: u64, op: Op, done: Completer) {
        let name = op.name();
        let path = op.path();
        let mut pending = Pending { done, name, path, buf: None, _paths: [None, None], statx: None };
        let cwd = types::Fd(libc::AT_FDCWD);
        let entry = match op {
            Op::Open { path, mode } => {
                let flags = libc::O_CLOEXEC
                    | match mode {
                        OpenMode::Read => libc::O_RDONLY,
                        OpenMode::Create => libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
                        OpenMode::Directory => libc::O_RDONLY | libc::O_DIRECTORY,
                    };
                let c = c_path(&path);
                let entry = opcode::OpenAt::new(cwd, c.as_ptr()).flags(flags).mode(0o644).build();
                pending._paths[0] = Some(c);
                entry
            }
            Op::Read { file, offset, mut buf } => {
                let spare = buf.spare();
                let entry = opcode::Read::new(fd(file), spare.as_mut_ptr(), spare.len() as u32).offset(offset).build();
                pending.buf = Some(buf);
                entry
            }
            Op::Write { file, offset, buf } => {
                let entry = opcode::Write::new(fd(file), buf.as_ptr(), buf.len() as u32).offset(offset).build();
                pending.buf = Some(buf);
                entry
            }
            Op::Fsync { file } => opcode::Fsync::new(fd(file)).build(),
            Op::Rename { from, to } => {
                let (a, b) = (c_path(&from), c_path(&to));
                let entry = opcode::RenameAt::new(cwd, a.as_ptr(), cwd, b.as_ptr()).build();
                pending._paths = [Some(a), Some(b)];
                entry
            }
            Op::Remove { path } => {
                let c = c_path(&path);
                let entry = opcode::UnlinkAt::new(cwd, c.as_ptr()).build();
                pending._paths[0] = Some(c);
                entry
            }
            Op::Stat { path } => {
                let c = c_path(&path);
                // SAFETY: statx is plain data; all-zero is a valid value.
                let mut stx: Box<libc::statx> = Box::new(unsafe { std::mem::zeroed() });
                let entry = opcode::Statx::new(cwd, c.as_ptr(), (&mut *stx as *mut libc::statx).cast())
                    .mask(libc::STATX_SIZE | libc::STATX_MTIME | libc::STATX_TYPE)
                    .build();
                pending._paths[0] = Some(c);
                pending.statx = Some(stx);
                entry
            }
            Op::Close { file } => opcode::Close::new(fd(file)).build(),
            Op::CreateDir { path } => {
                let c = c_path(&path);
                let entry = opcode::MkDirAt::new(cwd, c.as_ptr()).mode(0o755).build();
                pending._paths[0] = Some(c);
                entry
            }
        };
        self.pending.insert(id, pending);
        self.queue(entry.user_data(id));
    }

    fn reap(&mut self) {
        let done: Vec<(u64, i32)> = self.ring.completion().map(|cqe| (cqe.user_data(), cqe.result())).collect();
        for (id, res) in done {
            match id {
                DOORBELL => self.arm_doorbell(),
                CANCEL => {}
                _ => {
                    if let Some(p) = self.pending.remove(&id) {
                        self.in_flight.fetch_sub(1, Ordering::AcqRel);
                        finish(p, res);
                    }
                }
            }
        }
    }
}

fn fd(file: FileId) -> types::Fd {
    types::Fd(file.0 as i32)
}

fn finish(p: Pending, res: i32) {
    let Pending { done, name, path, mut buf, statx, .. } = p;
    let result = if res < 0 {
        if -res == libc::ECANCELED {
            Err(IoError::Cancelled)
        } else if -res == libc::EBADF {
            Err(IoError::BadFile)
        } else {
            Err(IoError::from_os(name, path, std::io::Error::from_raw_os_error(-res)))
        }
    } else {
        let n = res as usize;
        Ok(match name {
            "open" => Outcome::Opened(FileId(n as u64)),
            "read" => {
                if let Some(b) = buf.as_mut() {
                    b.set_len(n);
                }
                Outcome::Read(n)
            }
            "write" => Outcome::Written(n),
            "fsync" => Outcome::Synced,
            "rename" => Outcome::Renamed,
            "remove" => Outcome::Removed,
            "create folder" => Outcome::Created,
            "stat" => {
                let stx = statx.expect("a stat keeps its statx buffer");
                let modified = SystemTime::UNIX_EPOCH
                    .checked_add(Duration::new(stx.stx_mtime.tv_sec.max(0) as u64, stx.stx_mtime.tv_nsec));
                let is_dir = u32::from(stx.stx_mode) & libc::S_IFMT == libc::S_IFDIR;
                Outcome::Stat(Metadata { len: stx.stx_size, modified, is_dir })
            }
            _ => Outcome::Closed,
        })
    };
    done.complete(Completion { result, buf });
}
