//! The debugger on real code in synthetic cartridges.

use super::expr::{Condition, Context, Var};
use super::*;
use crate::Nes;

/// An iNES image of `mapper` with `prg` (a multiple of 16 KiB) and 8 KiB of CHR ROM.
fn image(mapper: u8, prg: Vec<u8>) -> Vec<u8> {
    let mut rom = vec![b'N', b'E', b'S', 0x1A, (prg.len() / 0x4000) as u8, 1, mapper << 4, mapper & 0xF0, 0, 0, 0, 0, 0, 0, 0, 0];
    rom.extend(prg);
    rom.extend(vec![0; 0x2000]);
    rom
}

/// Points the NMI, reset and IRQ vectors at the end of `prg` to `at`.
fn vectors(prg: &mut [u8], at: u16) {
    let end = prg.len();
    for v in [end - 6, end - 4, end - 2] {
        prg[v..v + 2].copy_from_slice(&at.to_le_bytes());
    }
}

/// The console with `prg` on board `mapper`, a debugger attached.
fn console(mapper: u8, prg: Vec<u8>) -> Nes {
    let mut nes = Nes::from_ines(&image(mapper, prg)).unwrap();
    nes.attach_debugger(Box::new(Debugger::new()));
    nes
}

/// NROM-128 with `code` at $8000, which is also every vector.
fn nrom(code: &[u8]) -> Nes {
    let mut prg = vec![0xEA; 0x4000];
    prg[..code.len()].copy_from_slice(code);
    vectors(&mut prg, 0x8000);
    console(0, prg)
}

/// Runs frames under the debugger until it stops (at most `frames`).
fn run_to_stop(nes: &mut Nes, frames: u32) -> Option<BreakReason> {
    for _ in 0..frames {
        match nes.run_frame_debug().stop {
            Some(DebugStop::Break(reason)) => return Some(reason),
            Some(DebugStop::TraceFull) => nes.debug(|d| d.drain_trace(|_| {})).unwrap(),
            None => {}
        }
    }
    None
}

fn step(nes: &mut Nes, mode: StepMode) -> Option<BreakReason> {
    nes.begin_step(mode);
    run_to_stop(nes, 5)
}

// LDA #$42; STA $0010; LDA #$99; STA $0010; JMP $8000
const STORES: [u8; 11] = [0xA9, 0x42, 0x85, 0x10, 0xA9, 0x99, 0x85, 0x10, 0x4C, 0x00, 0x80];

#[test]
fn a_write_breakpoint_stops_before_the_store_with_memory_unchanged() {
    let mut nes = nrom(&STORES);
    nes.write_memory(MemorySpace::CpuBus, 0x10, 0x07).unwrap();
    nes.debug(|d| d.set_breakpoint(Breakpoint::on(1, kind::WRITE, AddressSpace::Cpu, 0x10, 0x10))).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!(nes.cpu().pc, 0x8002, "PC on the STA");
    assert_eq!(nes.peek(0x10), 0x07, "the old value is still there");
    assert_eq!(step(&mut nes, StepMode::Into), Some(BreakReason::Step));
    assert_eq!((nes.cpu().pc, nes.peek(0x10)), (0x8004, 0x42), "one step later the store is done");
    // Resuming runs to the next store of the same address.
    nes.debug(Debugger::resume);
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!((nes.cpu().pc, nes.peek(0x10)), (0x8006, 0x42));
    assert_eq!(nes.debugger().unwrap().breakpoints()[0].hits, 2);
}

#[test]
fn a_condition_on_the_value_written_sees_the_value_about_to_be_stored() {
    let mut nes = nrom(&STORES);
    let bp = Breakpoint::on(1, kind::WRITE, AddressSpace::Cpu, 0x10, 0x10).with_condition(Condition::parse("value == $99").unwrap());
    nes.debug(|d| d.set_breakpoint(bp)).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!((nes.cpu().pc, nes.peek(0x10)), (0x8006, 0x42), "stopped at the second store, before it");
}

#[test]
fn a_read_breakpoint_on_a_page_crossing_dummy_read_fires_only_when_dummies_count() {
    // LDX #$10; LDA $02F8,X (reads $0308; the dummy read hits $0208); JMP $8000.
    let code = [0xA2, 0x10, 0xBD, 0xF8, 0x02, 0x4C, 0x00, 0x80];
    let mut nes = nrom(&code);
    nes.debug(|d| d.set_breakpoint(Breakpoint::on(1, kind::READ, AddressSpace::Cpu, 0x208, 0x208))).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 2), None, "dummy reads ignored: never fires");
    nes.debug(|d| d.set_breakpoint(Breakpoint::on(1, kind::READ, AddressSpace::Cpu, 0x208, 0x208).counting_dummies())).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!(nes.cpu().pc, 0x8002, "stopped on the LDA");
    // The real read's address fires too, dummies or not.
    nes.debug(|d| d.set_breakpoint(Breakpoint::on(1, kind::READ, AddressSpace::Cpu, 0x308, 0x308))).unwrap().unwrap();
    nes.debug(Debugger::resume);
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!(nes.cpu().pc, 0x8002);
}

/// MMC3, 64 KiB PRG. The fixed bank at $E000 maps bank 0 or 1 at $8000 in
/// turn and calls $8000: bank 0 there does INC $30, bank 1 INC $31.
fn mmc3_banked() -> Nes {
    let mut prg = vec![0xEA; 0x10000];
    prg[0x0000..0x0003].copy_from_slice(&[0xE6, 0x30, 0x60]);
    prg[0x2000..0x2003].copy_from_slice(&[0xE6, 0x31, 0x60]);
    let main = [
        0xA2, 0x00, // LDX #0
        0xA9, 0x06, 0x8D, 0x00, 0x80, // LDA #6; STA $8000 (select R6)
        0x8A, 0x29, 0x01, 0x8D, 0x01, 0x80, // TXA; AND #1; STA $8001 (bank X & 1 at $8000)
        0x20, 0x00, 0x80, // JSR $8000
        0xE8, // INX
        0x4C, 0x02, 0xE0, // JMP $E002
    ];
    prg[0xE000..0xE000 + main.len()].copy_from_slice(&main);
    vectors(&mut prg, 0xE000);
    console(4, prg)
}

#[test]
fn a_prg_offset_breakpoint_fires_only_while_its_bank_is_mapped() {
    let mut nes = mmc3_banked();
    nes.debug(|d| d.set_breakpoint(Breakpoint::on(1, kind::EXEC, AddressSpace::PrgRom, 0x2000, 0x2000))).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!(nes.cpu().pc, 0x8000);
    assert_eq!(nes.cartridge().prg_rom_offset(0x8000), Some(0x2000), "bank 1 is the one mapped");
    assert_eq!((nes.peek(0x30), nes.peek(0x31)), (1, 0), "bank 0's routine ran first, unbroken");
    // The same address in CPU space fires on the first call, in bank 0.
    let mut nes = mmc3_banked();
    nes.debug(|d| d.set_breakpoint(Breakpoint::exec(1, 0x8000))).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!((nes.cartridge().prg_rom_offset(0x8000), nes.peek(0x30)), (Some(0), 0));
}

/// MMC1, 64 KiB PRG in 16 KiB banks, the last fixed at $C000. The code
/// there maps bank 0 or 1 at $8000 in turn (five serial writes to the PRG
/// bank register) and calls $8000: bank 0 does INC $30, bank 1 INC $31.
fn mmc1_banked() -> Nes {
    let mut prg = vec![0xEA; 0x10000];
    prg[0x0000..0x0003].copy_from_slice(&[0xE6, 0x30, 0x60]);
    prg[0x4000..0x4003].copy_from_slice(&[0xE6, 0x31, 0x60]);
    let mut main = vec![0xA2, 0x00]; // LDX #0
    main.extend([0x8A, 0x29, 0x01]); // $C002: TXA; AND #1
    for _ in 0..4 {
        main.extend([0x8D, 0x00, 0xE0, 0x4A]); // STA $E000; LSR
    }
    main.extend([0x8D, 0x00, 0xE0]); // STA $E000 (the fifth bit: the bank is set)
    main.extend([0x20, 0x00, 0x80, 0xE8, 0x4C, 0x02, 0xC0]); // JSR $8000; INX; JMP $C002
    prg[0xC000..0xC000 + main.len()].copy_from_slice(&main);
    vectors(&mut prg, 0xC000);
    console(1, prg)
}

#[test]
fn a_prg_offset_breakpoint_fires_only_in_its_bank_on_mmc1_too() {
    let mut nes = mmc1_banked();
    nes.debug(|d| d.set_breakpoint(Breakpoint::on(1, kind::EXEC, AddressSpace::PrgRom, 0x4000, 0x4000))).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 1 }));
    assert_eq!((nes.cpu().pc, nes.cartridge().prg_rom_offset(0x8000)), (0x8000, Some(0x4000)));
    assert_eq!((nes.peek(0x30), nes.peek(0x31)), (1, 0), "bank 0's routine ran first, unbroken");
}

#[test]
fn a_condition_fires_exactly_when_it_first_holds() {
    // loop: CLC; ADC #1; JMP loop (A counts up through every value, over and over).
    let code = [0x18, 0x69, 0x01, 0x4C, 0x00, 0x80];
    let text = "a == $10 && scanline > 100";
    // Where it first holds, found by stepping a console with no debugger.
    let mut reference = nrom(&code);
    reference.take_debugger();
    let expected_cycle = loop {
        let (cpu, ppu) = (reference.cpu(), &reference.bus().ppu);
        if cpu.pc == 0x8001 && cpu.a == 0x10 && ppu.scanline() > 100 && ppu.scanline() < 241 {
            break cpu.cycles;
        }
        reference.step_instruction();
    };
    let mut nes = nrom(&code);
    let bp = Breakpoint::exec(7, 0x8001).with_condition(Condition::parse(text).unwrap());
    nes.debug(|d| d.set_breakpoint(bp)).unwrap().unwrap();
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::Breakpoint { id: 7 }));
    assert_eq!(nes.cpu().cycles, expected_cycle, "the first instruction at which it holds");
    assert_eq!(nes.cpu().a, 0x10);
    assert!(nes.bus().ppu.scanline() > 100);
}

// $8000: JSR $8010; LDA #1; JMP $8000. $8010: LDX #5; JSR $8020; RTS. $8020: INY; RTS.
fn calls() -> Nes {
    let mut code = vec![0xEA; 0x30];
    code[..8].copy_from_slice(&[0x20, 0x10, 0x80, 0xA9, 0x01, 0x4C, 0x00, 0x80]);
    code[0x10..0x16].copy_from_slice(&[0xA2, 0x05, 0x20, 0x20, 0x80, 0x60]);
    code[0x20..0x22].copy_from_slice(&[0xC8, 0x60]);
    nrom(&code)
}

#[test]
fn step_over_runs_a_jsr_through_and_step_out_returns_to_the_caller() {
    let mut nes = calls();
    nes.debug(|d| d.set_call_tracking(true));
    let s = nes.cpu().s;
    assert_eq!(step(&mut nes, StepMode::Over), Some(BreakReason::Step));
    assert_eq!((nes.cpu().pc, nes.cpu().s), (0x8003, s), "PC after the JSR, SP as it was");
    assert_eq!(nes.cpu().x, 5, "the routine ran");
    assert_eq!(nes.cpu().y, 1, "and the one it calls");
    // Into the routine, then out of it.
    nes.cpu_mut().pc = 0x8000;
    assert_eq!(step(&mut nes, StepMode::Into), Some(BreakReason::Step));
    assert_eq!(nes.cpu().pc, 0x8010);
    assert_eq!(nes.debugger().unwrap().call_stack().len(), 1);
    assert_eq!(step(&mut nes, StepMode::Into), Some(BreakReason::Step));
    assert_eq!(step(&mut nes, StepMode::Out), Some(BreakReason::Step));
    assert_eq!((nes.cpu().pc, nes.cpu().s), (0x8003, s), "back in the caller");
    assert_eq!(nes.cpu().y, 2, "the nested call ran on the way out");
    assert!(nes.debugger().unwrap().call_stack().is_empty());
}

/// A loop of instructions of several lengths touching RAM and the PPU.
const MIXED: [u8; 16] = [
    0xA2, 0x00, // LDX #0
    0xBD, 0xF8, 0x02, // LDA $02F8,X (5 cycles over a page)
    0xE6, 0x10, // INC $10 (5)
    0xAD, 0x02, 0x20, // LDA $2002
    0xE8, // INX
    0x4C, 0x02, 0x80, // JMP $8002
    0xEA, 0xEA,
];

#[test]
fn run_to_a_scanline_and_dot_stops_exactly_there_and_going_on_changes_nothing() {
    let mut nes = nrom(&MIXED);
    assert_eq!(step(&mut nes, StepMode::RunTo { scanline: 100, dot: 0 }), Some(BreakReason::Step));
    let ppu = &nes.bus().ppu;
    assert_eq!((ppu.scanline(), ppu.dot()), (100, 0), "the PPU is at the dot asked for");
    let pc = nes.cpu().pc;
    assert!([0x8002, 0x8005, 0x8007, 0x800A, 0x800B].contains(&pc), "PC on an instruction's start: ${pc:04X}");
    // One dot, then one CPU cycle (three dots on NTSC), from there.
    assert_eq!(step(&mut nes, StepMode::Dots(1)), Some(BreakReason::Step));
    assert_eq!((nes.bus().ppu.scanline(), nes.bus().ppu.dot()), (100, 1));
    let cycle = nes.debugger().unwrap().inside_instruction().expect("a dot later is inside an instruction");
    assert_eq!(nes.cpu().pc, pc, "the CPU waits at the instruction's start");
    assert_eq!(step(&mut nes, StepMode::Cycles(1)), Some(BreakReason::Step));
    assert_eq!(nes.debugger().unwrap().inside_instruction(), Some(cycle + 1));
    // The next CPU cycle's start: one to three dots on (three dots a cycle).
    let (line, dot) = (nes.bus().ppu.scanline(), nes.bus().ppu.dot());
    assert!(line == 100 && (2..=4).contains(&dot), "at {line},{dot}");
    let frame = nes.frame_count();
    assert_eq!(step(&mut nes, StepMode::Scanline), Some(BreakReason::Step));
    assert_eq!((nes.bus().ppu.scanline(), nes.bus().ppu.dot(), nes.frame_count()), (101, 0, frame));
    assert_eq!(step(&mut nes, StepMode::RunTo { scanline: 50, dot: 100 }), Some(BreakReason::Step));
    assert_eq!((nes.bus().ppu.scanline(), nes.bus().ppu.dot(), nes.frame_count()), (50, 100, frame + 1), "already past: the next frame's");

    // Going on from inside an instruction is as if it had never stopped.
    let mut reference = nrom(&MIXED);
    reference.take_debugger();
    while !nes.run_frame_debug().frame_done {}
    while reference.frame_count() < nes.frame_count() {
        reference.run_frame();
    }
    for _ in 0..3 {
        assert_eq!(nes.cpu(), reference.cpu());
        assert_eq!(nes.frame_hash(), reference.frame_hash());
        assert_eq!((nes.peek(0x10), nes.frame_count()), (reference.peek(0x10), reference.frame_count()));
        nes.run_frame_debug();
        reference.run_frame();
    }
}

#[test]
fn run_to_nmi_stops_on_the_handlers_first_instruction() {
    // $8000: LDA #$80; STA $2000 (NMI on); loop: JMP loop. NMI handler at $8010: INC $40; RTI.
    let mut code = vec![0xEA; 0x20];
    code[..8].copy_from_slice(&[0xA9, 0x80, 0x8D, 0x00, 0x20, 0x4C, 0x05, 0x80]);
    code[0x10..0x13].copy_from_slice(&[0xE6, 0x40, 0x40]);
    let mut prg = vec![0xEA; 0x4000];
    prg[..code.len()].copy_from_slice(&code);
    vectors(&mut prg, 0x8000);
    prg[0x3FFA..0x3FFC].copy_from_slice(&[0x10, 0x80]);
    let mut nes = console(0, prg);
    nes.debug(|d| d.set_call_tracking(true));
    assert_eq!(step(&mut nes, StepMode::Nmi), Some(BreakReason::Step));
    assert_eq!((nes.cpu().pc, nes.peek(0x40)), (0x8010, 0));
    assert_eq!(nes.debugger().unwrap().call_stack()[0].kind, CallKind::Nmi);
    assert_eq!(nes.bus().ppu.scanline(), 241, "in vertical blank");
}

#[test]
fn break_on_brk_jam_and_unofficial_opcodes() {
    for (code, options, reason) in [
        (vec![0xEA, 0x00], BreakOptions { on_brk: true, ..Default::default() }, BreakReason::Brk),
        (vec![0xEA, 0x02], BreakOptions { on_jam: true, ..Default::default() }, BreakReason::Jam),
        (vec![0xEA, 0xA7, 0x10], BreakOptions { on_unofficial: true, ..Default::default() }, BreakReason::Unofficial(0xA7)),
    ] {
        let mut nes = nrom(&code);
        nes.debug(|d| d.set_options(options));
        assert_eq!(run_to_stop(&mut nes, 1), Some(reason));
        assert_eq!(nes.cpu().pc, 0x8001);
    }
}

#[test]
fn reads_through_the_debugger_change_nothing() {
    // Rendering and NMI on, so $2002's flag and $2007's buffer are live.
    let mut nes = nrom(&[0xA9, 0x80, 0x8D, 0x00, 0x20, 0x4C, 0x05, 0x80]);
    nes.take_debugger();
    for _ in 0..3 {
        nes.run_frame();
    }
    let mut before = Vec::new();
    nes.capture(&mut before);
    let mut out = [0u8; 0x20];
    for start in [0x2000, 0x2007, 0x4015, 0x4016] {
        nes.read_memory(MemorySpace::CpuBus, start, &mut out);
    }
    let mut all = vec![0u8; 0x10000];
    nes.read_memory(MemorySpace::CpuBus, 0, &mut all);
    for space in MemorySpace::ALL {
        let mut buf = vec![0u8; nes.memory_len(space)];
        nes.read_memory(space, 0, &mut buf);
    }
    let mut after = Vec::new();
    nes.capture(&mut after);
    assert!(before == after, "the console's state is byte-identical");
}

#[test]
fn edits_poke_bytes_and_registers_are_refused() {
    let mut nes = nrom(&[0x4C, 0x00, 0x80]);
    nes.write_memory(MemorySpace::CpuBus, 0x0801, 0x5A).unwrap();
    assert_eq!(nes.peek(0x0001), 0x5A, "mirrors of work RAM edit the same byte");
    nes.write_memory(MemorySpace::CpuBus, 0x8004, 0x77).unwrap();
    assert_eq!(nes.cartridge().prg_rom()[4], 0x77, "a ROM byte behind $8004");
    nes.write_memory(MemorySpace::Palette, 0, 0x21).unwrap();
    assert_eq!(nes.bus().ppu.palette_ram()[0], 0x21);
    assert_eq!(nes.write_memory(MemorySpace::CpuBus, 0x2001, 1), Err(MemoryError::Register(0x2001)));
    assert!(matches!(nes.write_memory(MemorySpace::Oam, 300, 1), Err(MemoryError::OutOfRange { .. })));
}

#[test]
fn a_frozen_address_keeps_its_value() {
    let mut nes = nrom(&STORES);
    nes.debug(|d| assert!(d.freeze(0x10, 0x33)));
    nes.run_frame_debug();
    assert_eq!(nes.peek(0x10), 0x33, "rewritten before every instruction");
    nes.debug(|d| d.unfreeze(0x10));
    assert!(!nes.debug_armed(), "nothing left armed");
    nes.run_frame();
    assert_ne!(nes.peek(0x10), 0x33);
}

#[test]
fn the_trace_records_each_instruction_with_its_effective_address() {
    let mut nes = nrom(&STORES);
    nes.debug(|d| d.set_tracing(true, None));
    let mut lines = Vec::new();
    while lines.len() < 5 {
        let run = nes.run_frame_debug();
        assert_eq!(run.stop, Some(DebugStop::TraceFull));
        nes.debug(|d| d.drain_trace(|e| lines.push(*e)));
    }
    assert_eq!(lines[0].pc, 0x8000);
    assert_eq!(lines[1].line()[..40].trim_end(), "8002  85 10     STA $10 = 42");
    assert_eq!(lines[1].effective, Some((0x10, 0x42)));
    assert!(lines[2].line().contains("A:42 X:00 Y:00"));
    // A filter keeps only the stores.
    let mut nes = nrom(&STORES);
    nes.debug(|d| d.set_tracing(true, Some(Condition::parse("[pc] == $85").unwrap())));
    nes.run_frame_debug();
    let trace = nes.debugger().unwrap().trace();
    assert!(!trace.is_empty() && trace.iter().all(|e| e.bytes[0] == 0x85));
}

#[test]
fn the_code_data_log_marks_code_data_and_subroutine_entries() {
    // $8000: JSR $8010; LDA $8020; JMP $8000. $8010: RTS. $8020: data.
    let mut code = vec![0xEA; 0x30];
    code[..9].copy_from_slice(&[0x20, 0x10, 0x80, 0xAD, 0x20, 0x80, 0x4C, 0x00, 0x80]);
    code[0x10] = 0x60;
    let mut nes = nrom(&code);
    nes.debug(|d| d.set_cdl(true));
    nes.run_frame_debug();
    let cdl = nes.debugger().unwrap().cdl();
    assert!(cdl.is_code(0) && cdl.is_code(1) && cdl.is_code(8));
    assert!(cdl.is_sub_entry(0x10) && cdl.is_code(0x10));
    assert!(cdl.is_data(0x20) && !cdl.is_code(0x20));
    assert!(cdl.is_jump_target(0), "JMP $8000 lands on $8000");
    assert!(!cdl.is_code(0x11), "never run");
    assert_eq!(cdl.prg[0] & cdl::prg::SLOT_MASK, 0, "seen at $8000");
}

#[test]
fn the_chr_half_of_the_log_tells_drawn_bytes_from_bytes_read_through_2007() {
    // LDA #$00; STA $2006; LDA #$10; STA $2006 (v = $0010); LDA $2007 x2;
    // LDA #$08; STA $2001 (background on); JMP to itself.
    let code = [
        0xA9, 0x00, 0x8D, 0x06, 0x20, 0xA9, 0x10, 0x8D, 0x06, 0x20, 0xAD, 0x07, 0x20, 0xAD, 0x07, 0x20, 0xA9, 0x08,
        0x8D, 0x01, 0x20, 0x4C, 0x15, 0x80,
    ];
    let mut nes = nrom(&code);
    nes.debug(|d| d.set_cdl(true));
    for _ in 0..3 {
        nes.run_frame_debug();
    }
    let chr = nes.cartridge().chr_log();
    assert_eq!(chr.len(), 0x2000);
    assert_eq!(chr[0x10] & cdl::chr::READ, cdl::chr::READ, "read through $2007");
    assert_eq!(chr[0x11] & cdl::chr::READ, cdl::chr::READ, "and the byte after it");
    assert_eq!(chr[0x12] & cdl::chr::READ, 0);
    // The background draws tile 0 everywhere (the nametables are zero):
    // its 16 bytes are drawn, the rest of the pattern table is not.
    assert!(chr[..16].iter().all(|b| b & cdl::chr::DRAWN != 0));
    assert_eq!(chr[0x100] & cdl::chr::DRAWN, 0);
    nes.debug(|d| d.set_cdl(false));
    assert!(!nes.debug_armed());
}

#[test]
fn break_on_new_code_stops_at_code_never_logged() {
    // Waits for A on the pad, then calls $8030 (new code).
    let mut code = vec![0xEA; 0x40];
    let wait = [
        0xA9, 0x01, 0x8D, 0x16, 0x40, 0xA9, 0x00, 0x8D, 0x16, 0x40, // strobe
        0xAD, 0x16, 0x40, 0x29, 0x01, // LDA $4016; AND #1
        0xF0, 0xEF, // BEQ $8000
        0x20, 0x30, 0x80, // JSR $8030
        0x4C, 0x00, 0x80,
    ];
    code[..wait.len()].copy_from_slice(&wait);
    code[0x30] = 0x60;
    let mut nes = nrom(&code);
    nes.debug(|d| d.set_cdl(true));
    for _ in 0..3 {
        nes.run_frame_debug();
    }
    nes.debug(|d| d.set_options(BreakOptions { on_new_code: true, ..Default::default() }));
    assert_eq!(run_to_stop(&mut nes, 3), None, "the wait loop is all logged");
    nes.set_buttons(0, crate::button::A);
    assert_eq!(run_to_stop(&mut nes, 1), Some(BreakReason::NewCode { prg_offset: 0x11 }), "the JSR after the branch");
}

struct Regs;
impl Context for Regs {
    fn var(&self, var: Var) -> i64 {
        match var {
            Var::A => 0x10,
            Var::X => 3,
            Var::Scanline => 120,
            Var::Value => 0x85,
            _ => 0,
        }
    }
    fn peek(&self, addr: u16) -> u8 {
        (addr & 0xFF) as u8
    }
}

#[test]
fn expressions_parse_and_evaluate() {
    let eval = |text: &str| Condition::parse(text).unwrap().eval(&Regs);
    assert_eq!(eval("a == $10 && scanline > 100"), 1);
    assert_eq!(eval("a == 0x11 || x != 3"), 0);
    assert_eq!(eval("value & $80 == $80"), 1, "& binds tighter than ==");
    assert_eq!(eval("[$0342] + 1"), 0x43);
    assert_eq!(eval("{$0342}"), 0x4342, "a little-endian word");
    assert_eq!(eval("%101 | 2"), 7);
    assert_eq!(eval("-(x - 5)"), 2);
    assert_eq!(eval("!(a >= 16)"), 0);
    assert_eq!(eval("A <= 16 && X < 4"), 1, "names are case-insensitive");
    let labels = |name: &str| (name == "player_x").then_some(0x0342);
    assert_eq!(Condition::parse_with("[player_x] == $42", &labels).unwrap().eval(&Regs), 1);
    for (bad, says) in [
        ("a ==", "ends where a value"),
        ("(a", "not closed"),
        ("foo == 1", "'foo'"),
        ("a # 2", "'#'"),
        ("$", "no digits"),
        ("", "empty"),
        ("a b", "unexpected 'b'"),
    ] {
        let err = Condition::parse(bad).unwrap_err().to_string();
        assert!(err.contains(says), "{bad:?}: {err}");
    }
    let long = vec!["a"; 40].join(" + ");
    assert!(Condition::parse(&long).unwrap_err().to_string().contains("too long"));
    assert!(Condition::parse("scanline > 1").unwrap().needs_ppu());
    assert!(!Condition::parse("a > 1").unwrap().needs_ppu());
}
