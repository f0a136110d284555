//! The frame loop and snapshots never touch the heap: a counting global
//! allocator watches this thread while the core runs with sound, and while
//! it captures and restores into a preallocated buffer.
#![allow(unsafe_code)] // a GlobalAlloc impl is unsafe by definition

use phosphor_nes::Nes;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

mod common;
use common::rom_dir;

struct Counting;

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // try_with: the allocator runs during thread teardown too.
    let _ = WATCHING.try_with(|w| {
        if w.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: every call is passed straight to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap calls made on this thread while `f` runs.
fn allocations_in(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    WATCHING.with(|w| w.set(true));
    f();
    WATCHING.with(|w| w.set(false));
    COUNT.with(Cell::get)
}

#[test]
fn the_counter_sees_allocations() {
    // The check below means something only if this one can fail.
    let n = allocations_in(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(n, 2, "one allocation, one free");
}

#[test]
fn emulation_and_snapshots_allocate_nothing() {
    let Some(dir) = rom_dir() else { return };
    for rom in ["ny2011/ny2011.nes", "other/BladeBuster.nes", "mmc5test/mmc5test.nes"] {
        let bytes = std::fs::read(dir.join(rom)).unwrap();
        let mut nes = Nes::from_ines(&bytes).unwrap();
        let mut samples = vec![0f32; 4096];
        let mut read = 0;
        let frames = allocations_in(|| {
            for frame in 0..600u32 {
                nes.set_buttons(0, if frame % 50 < 25 { 0x08 } else { 0x81 });
                nes.run_frame();
                read += nes.read_audio(&mut samples);
            }
        });
        assert_eq!(frames, 0, "{rom}: 600 frames with sound allocated");
        assert!(read > 600 * 700, "{rom}: sound was made ({read} samples)");

        let mut snapshot = Vec::with_capacity(nes.state_len());
        let pairs = allocations_in(|| {
            for _ in 0..100 {
                nes.capture(&mut snapshot);
                nes.run_frame();
                nes.restore(&snapshot).unwrap();
            }
        });
        assert_eq!(pairs, 0, "{rom}: 100 capture/restore pairs allocated");
    }
}
