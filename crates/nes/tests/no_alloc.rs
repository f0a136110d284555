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

#[test]
fn the_debugger_armed_allocates_nothing() {
    use phosphor_nes::debug::{kind, AddressSpace, BreakOptions, Breakpoint, Condition, Debugger, StepMode};
    let Some(dir) = rom_dir() else { return };
    for rom in ["ny2011/ny2011.nes", "other/BladeBuster.nes"] {
        let bytes = std::fs::read(dir.join(rom)).unwrap();
        let mut nes = Nes::from_ines(&bytes).unwrap();
        // Everything the debugger needs is made here, before the count.
        nes.attach_debugger(Box::new(Debugger::new()));
        let never = Condition::parse("a == $100 && [$0000] != 7").unwrap();
        nes.debug(|d| {
            d.set_breakpoint(Breakpoint::exec(1, 0x1234)).unwrap();
            let rw = Breakpoint::on(2, kind::READ | kind::WRITE, AddressSpace::Cpu, 0, 0x7FF).with_condition(never).counting_dummies();
            d.set_breakpoint(rw).unwrap();
            d.set_breakpoint(Breakpoint::on(3, kind::EXEC, AddressSpace::PrgRom, 0, 0xFFFFF).with_condition(never)).unwrap();
            d.set_options(BreakOptions { on_jam: true, ..Default::default() });
            d.set_tracing(true, Some(Condition::parse("pc >= $8000").unwrap()));
            d.set_cdl(true);
            d.set_counters(true);
            d.set_call_tracking(true);
            assert!(d.freeze(0x7FF, 3));
        });
        let mut samples = vec![0f32; 4096];
        let mut traced = 0usize;
        let count = allocations_in(|| {
            for frame in 0..300u32 {
                nes.set_buttons(0, if frame % 50 < 25 { 0x08 } else { 0x81 });
                loop {
                    let run = nes.run_frame_debug();
                    nes.debug(|d| d.drain_trace(|_| traced += 1));
                    if run.frame_done {
                        break;
                    }
                }
                nes.read_audio(&mut samples);
                if frame % 60 == 0 {
                    // Steps, one of them stopping inside an instruction.
                    for mode in [StepMode::Over, StepMode::Dots(1), StepMode::Cycles(1), StepMode::Scanline] {
                        nes.begin_step(mode);
                        nes.run_frame_debug();
                    }
                }
            }
        });
        assert_eq!(count, 0, "{rom}: 300 frames with every debugger feature armed allocated");
        assert!(traced > 100_000, "{rom}: the trace ran ({traced} entries)");
    }
}
