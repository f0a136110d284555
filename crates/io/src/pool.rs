//! A bounded pool of 4 KiB-aligned buffers in size classes from 4 KiB to
//! 1 MiB. Taking a buffer never blocks: past the bound it fails, and the
//! caller waits or reports. Buffers go back to the pool when dropped and
//! are reused; the pool counts what is in use, its high-water mark and the
//! failures.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Alignment of every buffer (a page: what O_DIRECT and the kernel like).
pub const ALIGN: usize = 4096;
/// The size classes, smallest first.
pub const CLASSES: [usize; 6] = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 512 << 10, 1 << 20];
/// The largest buffer the pool hands out.
pub const MAX_BUFFER: usize = 1 << 20;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PoolError {
    #[error("a buffer of {0} bytes is larger than the pool's largest ({MAX_BUFFER})")]
    TooLarge(usize),
    #[error("the buffer pool is full ({limit} bytes in use or kept); try again when buffers come back")]
    Exhausted { limit: usize },
}

/// What the pool holds now and has held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Bytes and buffers handed out and not yet returned.
    pub in_use_bytes: usize,
    pub in_use_buffers: usize,
    /// Most bytes ever in use at once.
    pub high_water_bytes: usize,
    /// Bytes of returned buffers kept for reuse.
    pub cached_bytes: usize,
    /// Requests refused because the bound was reached.
    pub failures: u64,
}

#[derive(Debug)]
struct Inner {
    limit: usize,
    in_use_bytes: AtomicUsize,
    in_use_buffers: AtomicUsize,
    high_water: AtomicUsize,
    failures: AtomicU64,
    free: Mutex<FreeLists>,
}

/// Returned buffers per class, and their total size.
#[derive(Debug, Default)]
struct FreeLists {
    lists: [Vec<Box<[u8]>>; CLASSES.len()],
    bytes: usize,
}

/// A handle to the pool; clones share it.
#[derive(Debug, Clone)]
pub struct BufferPool {
    inner: Arc<Inner>,
}

impl BufferPool {
    /// A pool that never holds more than `limit` bytes (in use plus kept).
    pub fn new(limit: usize) -> Self {
        BufferPool {
            inner: Arc::new(Inner {
                limit,
                in_use_bytes: AtomicUsize::new(0),
                in_use_buffers: AtomicUsize::new(0),
                high_water: AtomicUsize::new(0),
                failures: AtomicU64::new(0),
                free: Mutex::new(FreeLists::default()),
            }),
        }
    }

    /// A buffer with room for at least `len` bytes (its length set to `len`,
    /// zero-filled only when newly made).
    pub fn get(&self, len: usize) -> Result<PoolBuf, PoolError> {
        let class = CLASSES.iter().position(|&c| c >= len).ok_or(PoolError::TooLarge(len))?;
        let size = CLASSES[class];
        let storage = {
            let mut free = self.inner.free.lock().unwrap_or_else(|e| e.into_inner());
            let FreeLists { lists, bytes: cached } = &mut *free;
            if let Some(storage) = lists[class].pop() {
                *cached -= size;
                storage
            } else {
                let in_use = self.inner.in_use_bytes.load(Ordering::Relaxed);
                // Make room by dropping kept buffers of other classes.
                for list in lists.iter_mut().rev() {
                    while in_use + *cached + size > self.inner.limit {
                        let Some(dropped) = list.pop() else { break };
                        *cached -= dropped.len() - ALIGN;
                    }
                }
                if in_use + *cached + size > self.inner.limit {
                    self.inner.failures.fetch_add(1, Ordering::Relaxed);
                    return Err(PoolError::Exhausted { limit: self.inner.limit });
                }
                // Over-allocate by one page so an aligned window always fits.
                vec![0u8; size + ALIGN].into_boxed_slice()
            }
        };
        let now = self.inner.in_use_bytes.fetch_add(size, Ordering::Relaxed) + size;
        self.inner.in_use_buffers.fetch_add(1, Ordering::Relaxed);
        self.inner.high_water.fetch_max(now, Ordering::Relaxed);
        let offset = storage.as_ptr().align_offset(ALIGN);
        Ok(PoolBuf { storage: Some(storage), offset, size, len, pool: Arc::clone(&self.inner) })
    }

    pub fn stats(&self) -> PoolStats {
        let cached = self.inner.free.lock().unwrap_or_else(|e| e.into_inner()).bytes;
        PoolStats {
            in_use_bytes: self.inner.in_use_bytes.load(Ordering::Relaxed),
            in_use_buffers: self.inner.in_use_buffers.load(Ordering::Relaxed),
            high_water_bytes: self.inner.high_water.load(Ordering::Relaxed),
            cached_bytes: cached,
            failures: self.inner.failures.load(Ordering::Relaxed),
        }
    }

    pub fn limit(&self) -> usize {
        self.inner.limit
    }
}

/// A buffer from the pool; back to it when dropped. Its bytes start on a
/// 4 KiB boundary and do not move while it lives (the kernel may hold a
/// pointer to them during an operation).
#[derive(Debug)]
pub struct PoolBuf {
    storage: Option<Box<[u8]>>,
    offset: usize,
    size: usize,
    len: usize,
    pool: Arc<Inner>,
}

impl PoolBuf {
    /// Bytes it can hold.
    pub fn capacity(&self) -> usize {
        self.size
    }

    /// Sets how many bytes are in use (at most the capacity).
    pub fn set_len(&mut self, len: usize) {
        self.len = len.min(self.size);
    }

    /// The whole capacity, to fill before `set_len`.
    pub fn spare(&mut self) -> &mut [u8] {
        let (offset, size) = (self.offset, self.size);
        &mut self.storage.as_mut().expect("storage lives until drop")[offset..offset + size]
    }

    /// Copies `data` in and sets the length to match.
    pub fn fill_from(&mut self, data: &[u8]) {
        let n = data.len().min(self.size);
        self.spare()[..n].copy_from_slice(&data[..n]);
        self.len = n;
    }
}

impl std::ops::Deref for PoolBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.storage.as_ref().expect("storage lives until drop")[self.offset..self.offset + self.len]
    }
}

impl std::ops::DerefMut for PoolBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        let (offset, len) = (self.offset, self.len);
        &mut self.storage.as_mut().expect("storage lives until drop")[offset..offset + len]
    }
}

impl Drop for PoolBuf {
    fn drop(&mut self) {
        let Some(storage) = self.storage.take() else { return };
        self.pool.in_use_bytes.fetch_sub(self.size, Ordering::Relaxed);
        self.pool.in_use_buffers.fetch_sub(1, Ordering::Relaxed);
        let class = CLASSES.iter().position(|&c| c == self.size).unwrap_or(0);
        let mut free = self.pool.free.lock().unwrap_or_else(|e| e.into_inner());
        free.lists[class].push(storage);
        free.bytes += self.size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_aligned_sized_by_class_and_reused() {
        let pool = BufferPool::new(4 << 20);
        let mut a = pool.get(5000).unwrap();
        assert_eq!((a.capacity(), a.len()), (16 << 10, 5000));
        assert_eq!(a.as_ptr() as usize % ALIGN, 0);
        a.fill_from(b"hello");
        assert_eq!(&a[..], b"hello");
        let ptr = a.as_ptr();
        drop(a);
        let stats = pool.stats();
        assert_eq!((stats.in_use_bytes, stats.cached_bytes, stats.high_water_bytes), (0, 16 << 10, 16 << 10));
        let b = pool.get(16 << 10).unwrap();
        assert_eq!(b.as_ptr(), ptr, "the kept buffer is reused");
        assert_eq!(pool.get(MAX_BUFFER + 1).unwrap_err(), PoolError::TooLarge(MAX_BUFFER + 1));
    }

    #[test]
    fn the_bound_holds_and_failing_never_blocks() {
        let pool = BufferPool::new(2 << 20);
        let a = pool.get(1 << 20).unwrap();
        let b = pool.get(1 << 20).unwrap();
        assert!(matches!(pool.get(4096), Err(PoolError::Exhausted { .. })));
        assert_eq!(pool.stats().failures, 1);
        drop(a);
        // The kept 1 MiB buffer is dropped to make room for a small one.
        let c = pool.get(4096).unwrap();
        let stats = pool.stats();
        assert!(stats.in_use_bytes + stats.cached_bytes <= 2 << 20, "{stats:?}");
        drop((b, c));
        assert_eq!(pool.stats().in_use_buffers, 0);
        assert_eq!(pool.stats().high_water_bytes, 2 << 20);
    }
}
