//! A global allocator that counts the heap calls made by the emulation
//! thread's loop, so that "allocates nothing" is a figure, not a promise.
//! A program opts in with
//! `#[global_allocator] static ALLOC: CountingAllocator = CountingAllocator;`
//! and the runtime then reports the count in [`crate::Status`].
// A GlobalAlloc implementation is unsafe by definition.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// The system allocator plus a count of the calls made on watched threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAllocator;

static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    // Const-initialised with no destructor: using them never allocates.
    static WATCHED: Cell<bool> = const { Cell::new(false) };
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

#[inline]
fn note() {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    // try_with: the allocator also runs while threads are torn down.
    if WATCHED.try_with(Cell::get).unwrap_or(false) {
        let _ = CALLS.try_with(|calls| calls.set(calls.get() + 1));
    }
}

// SAFETY: every call goes straight to the system allocator with the same
// arguments; the counting touches only atomics and a const thread-local.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts or stops counting the calling thread's heap calls.
pub(crate) fn watch_current_thread(on: bool) {
    WATCHED.with(|w| w.set(on));
}

/// Heap calls (allocations, reallocations and frees) the calling thread
/// made while watched; `None` when the program does not use
/// [`CountingAllocator`].
pub(crate) fn watched_heap_calls() -> Option<u64> {
    INSTALLED.load(Ordering::Relaxed).then(|| CALLS.with(Cell::get))
}
