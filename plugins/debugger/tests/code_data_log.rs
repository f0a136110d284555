//! The code/data log on our demo, with its `.dbg` to name what it marks:
//! 600 frames of play log the reset handler as code and the palette table
//! as data; then, with break-on-new-code armed, pressing A stops at the
//! first instruction that handles it, and going on stops in `sound_pew`,
//! the routine the press runs for the first time.

use phosphor_debugger::symbols::{Place, Symbols};
use phosphor_nes::debug::{BreakOptions, BreakReason, DebugStop, Debugger};
use phosphor_nes::{button, Nes};

const DEMO: &[u8] = include_bytes!("../../../assets/demo/demo.nes");
const DEMO_DBG: &str = include_str!("../../../assets/demo/demo.dbg");
const DEMO_S: &str = include_str!("../../../assets/demo/demo.s");

fn symbols() -> Symbols {
    let mut s = Symbols::default();
    s.merge_dbg(DEMO_DBG, "demo.dbg", &|_| Some(DEMO_S.to_string())).unwrap();
    s
}

fn prg(symbols: &Symbols, name: &str) -> u32 {
    match symbols.place_of(name) {
        Some(Place::Prg(o)) => o,
        other => panic!("{name}: {other:?}"),
    }
}

/// Runs frames until the debugger stops the CPU (at most `frames`).
fn until_stop(nes: &mut Nes, frames: u32) -> Option<BreakReason> {
    for _ in 0..frames {
        if let Some(DebugStop::Break(reason)) = nes.run_frame_debug().stop {
            return Some(reason);
        }
    }
    None
}

#[test]
fn six_hundred_frames_log_the_reset_handler_as_code_and_the_palette_as_data_and_new_code_breaks_after_a_press() {
    let symbols = symbols();
    let mut nes = Nes::from_ines(DEMO).unwrap();
    nes.attach_debugger(Box::new(Debugger::new()));
    // From the first instruction on, as a developer would log a game.
    nes.debug(|d| d.set_cdl(true));
    for _ in 0..600 {
        nes.run_frame_debug();
    }
    let cdl = nes.debugger().unwrap().cdl();
    let reset = prg(&symbols, "reset");
    assert!(cdl.is_code(reset) && !cdl.is_data(reset), "the reset handler is code");
    let palette = prg(&symbols, "palette");
    assert!((0..32).all(|i| cdl.is_data(palette + i) && !cdl.is_code(palette + i)), "the palette table is data");
    assert!(cdl.is_sub_entry(prg(&symbols, "load_palette")), "a JSR target is a subroutine entry");
    let pew = prg(&symbols, "sound_pew");
    assert!(!cdl.is_code(pew), "nothing has fired yet");
    let (code, data, chr) = cdl.coverage(nes.cartridge().chr_log());
    assert!(code > 0.02 && data > 0.01 && chr > 0.01, "coverage {code:.3} {data:.3} {chr:.3}");

    nes.debug(|d| d.set_options(BreakOptions { on_new_code: true, ..Default::default() }));
    // The demo plays on by itself (orbs bounce, the music goes on): let
    // whatever it reaches without input be logged, until two seconds pass
    // with nothing new.
    let mut quiet = false;
    for _ in 0..200 {
        if until_stop(&mut nes, 120).is_none() {
            quiet = true;
            break;
        }
        nes.debug(Debugger::resume);
    }
    assert!(quiet, "the demo keeps reaching new code with no input");
    assert!(!nes.debugger().unwrap().cdl().is_code(pew), "nothing has fired yet");
    nes.set_buttons(0, button::A);
    let Some(BreakReason::NewCode { prg_offset }) = until_stop(&mut nes, 5) else { panic!("no stop after pressing A") };
    assert_eq!(u32::from(nes.cpu().pc) - 0xC000, prg_offset);
    // It is the line after the A button's test in move_player.
    let press_test = DEMO_S.lines().position(|l| l.trim().starts_with("and #BTN_A")).unwrap() + 1;
    let (_, line) = symbols.line_of(Place::Prg(prg_offset)).expect("a source line");
    assert!(line > press_test && line <= press_test + 3, "stopped on line {line}, the test of A is line {press_test}");
    // Going on, each first-run instruction stops it, until the routine the press calls.
    let mut stops = 0;
    while u32::from(nes.cpu().pc) - 0xC000 != pew {
        nes.debug(Debugger::resume);
        assert!(matches!(until_stop(&mut nes, 2), Some(BreakReason::NewCode { .. })));
        stops += 1;
        assert!(stops < 20, "sound_pew not reached");
    }
    assert!(stops > 5, "each instruction of the press's handling was new: {stops} stops before sound_pew");
}
