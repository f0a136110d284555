//! Memory-mapped reads for large files, with the kernel told the access
//! pattern, and made safe against a file that shrinks under the mapping:
//! touching a page past the new end raises SIGBUS, which would kill the
//! program. While a mapped file is being copied, a SIGBUS handler maps a
//! page of zeros over the faulting page and marks the copy as failed; the
//! caller gets an error saying the file changed, and the program goes on.
// mmap, the signal handler and the guarded copy are unsafe by nature.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{compiler_fence, Ordering};
use std::sync::Once;

use memmap2::{Advice, Mmap};

use crate::op::IoError;

/// How the mapping will be read (passed to madvise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Front to back once: read ahead aggressively, drop behind.
    Sequential,
    /// Here and there: no read-ahead.
    Random,
}

/// A read-only mapping of a whole file.
#[derive(Debug)]
pub struct MappedFile {
    map: Option<Mmap>,
    path: PathBuf,
}

thread_local! {
    // Const-initialised with no destructor: safe to touch from the handler.
    static GUARD: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    static FAULTED: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

fn page_size() -> usize {
    // SAFETY: sysconf takes an integer name.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as usize } else { 4096 }
}

extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let (start, end) = GUARD.with(Cell::get);
    if (start..end).contains(&addr) {
        let page = addr & !(page_size() - 1);
        // SAFETY: replaces one page inside our own mapping with zeros, so
        // the faulting load can complete; the mapping is not used for
        // anything after the failed copy but to be dropped.
        unsafe {
            libc::mmap(
                page as *mut libc::c_void,
                page_size(),
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            );
        }
        FAULTED.with(|f| f.set(true));
        return;
    }
    // Not a fault of ours: the default action, as if we had not been here.
    // SAFETY: resets the disposition and re-raises: async-signal-safe calls.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn install_handler() {
    INSTALL.call_once(|| {
        // SAFETY: a zeroed sigaction with our handler and SA_SIGINFO is a
        // valid argument; the handler only does async-signal-safe work.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

impl MappedFile {
    /// Maps `path` for reading with the given access pattern.
    pub fn open(path: &Path, access: Access) -> Result<Self, IoError> {
        let os = |e| IoError::from_os("map", Some(path.to_path_buf()), e);
        let file = File::open(path).map_err(os)?;
        let len = file.metadata().map_err(os)?.len();
        if len == 0 {
            return Ok(MappedFile { map: None, path: path.to_path_buf() });
        }
        // SAFETY: the mapping is read only through `copy_to`, which guards
        // against the file shrinking underneath it.
        let map = unsafe { Mmap::map(&file) }.map_err(os)?;
        let _ = map.advise(match access {
            Access::Sequential => Advice::Sequential,
            Access::Random => Advice::Random,
        });
        Ok(MappedFile { map: Some(map), path: path.to_path_buf() })
    }

    /// Bytes mapped (the file's length when it was mapped).
    pub fn len(&self) -> usize {
        self.map.as_ref().map_or(0, |m| m.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies `range` of the file into `out` (appended). If the file was
    /// cut shorter meanwhile, nothing crashes: the copy fails with an error
    /// saying so, and what was appended is removed.
    pub fn copy_to(&self, range: std::ops::Range<usize>, out: &mut Vec<u8>) -> Result<(), IoError> {
        let Some(map) = self.map.as_ref() else { return Ok(()) };
        let range = range.start.min(map.len())..range.end.min(map.len());
        install_handler();
        let base = map.as_ptr() as usize;
        let before = out.len();
        out.reserve(range.len());
        GUARD.with(|g| g.set((base, base + map.len())));
        FAULTED.with(|f| f.set(false));
        // The fences keep the copies inside the guarded window.
        compiler_fence(Ordering::SeqCst);
        for chunk in map[range.clone()].chunks(64 << 10) {
            out.extend_from_slice(chunk);
            compiler_fence(Ordering::SeqCst);
            if FAULTED.with(Cell::get) {
                break;
            }
        }
        GUARD.with(|g| g.set((0, 0)));
        if FAULTED.with(Cell::get) {
            out.truncate(before);
            return Err(IoError::Short { op: "read (the file shrank)", path: Some(self.path.clone()), done: 0, wanted: range.len() });
        }
        Ok(())
    }

    /// The whole file as a vector.
    pub fn read_all(&self) -> Result<Vec<u8>, IoError> {
        let mut out = Vec::new();
        self.copy_to(0..self.len(), &mut out)?;
        Ok(out)
    }
}
