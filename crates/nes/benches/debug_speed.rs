//! Frames per second with the debugger attached and armed: one execute
//! breakpoint that never fires (the per-instruction loop), and everything
//! armed at once (breakpoints with conditions, predictive read/write
//! checks, trace, code/data log, counters). Printed beside the disarmed
//! figure of the same run.
//!
//! `cargo bench -p phosphor-nes --bench debug_speed [ROM...]`

mod common;

use phosphor_nes::debug::{kind, AddressSpace, Breakpoint, Condition, Debugger};
use phosphor_nes::Nes;

fn run(nes: &mut Nes, samples: &mut [f32]) {
    if nes.debug_armed() {
        while !nes.run_frame_debug().frame_done {
            nes.debug(|d| d.drain_trace(|_| {}));
        }
        nes.debug(|d| d.drain_trace(|_| {}));
    } else {
        nes.run_frame();
    }
    nes.read_audio(samples);
}

fn main() {
    for (name, bytes) in common::bench_roms() {
        let mut samples = vec![0f32; 4096];
        let mut nes = Nes::from_ines(&bytes).expect("benchmark ROM loads");
        nes.attach_debugger(Box::new(Debugger::new()));
        let disarmed = common::median_fps(|| run(&mut nes, &mut samples));
        // $1234 is work RAM no program here runs.
        nes.debug(|d| d.set_breakpoint(Breakpoint::exec(1, 0x1234))).unwrap().unwrap();
        let exec = common::median_fps(|| run(&mut nes, &mut samples));
        let never = Condition::parse("a == $100").unwrap();
        nes.debug(|d| {
            let rw = Breakpoint::on(2, kind::READ | kind::WRITE, AddressSpace::Cpu, 0, 0x7FF).with_condition(never);
            d.set_breakpoint(rw).unwrap();
            d.set_tracing(true, None);
            d.set_cdl(true);
            d.set_counters(true);
        });
        let all = common::median_fps(|| run(&mut nes, &mut samples));
        println!(
            "{name} attached-disarmed fps={disarmed:.1} exec-breakpoint fps={exec:.1} ({:.3}x) everything fps={all:.1} ({:.3}x)",
            exec / disarmed,
            all / disarmed
        );
    }
}
