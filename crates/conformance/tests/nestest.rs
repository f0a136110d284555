//! nestest.nes in automation mode (PC = $C000) must match nestest.log line
//! for line: PC, opcode bytes, A X Y P SP, PPU scanline and dot, CPU cycle.

use phosphor_conformance::{load, rom_dir};
use phosphor_nes::Nes;

/// The fields we compare, taken from a nestest.log-style line.
fn fields(line: &str) -> (String, String, String) {
    let pc_and_bytes = line[..15].split_whitespace().collect::<Vec<_>>().join(" ");
    let regs_at = line.find("A:").expect("registers");
    let regs = line[regs_at..].split_whitespace().collect::<Vec<_>>().join(" ");
    let (regs, ppu_cyc) = regs.split_at(regs.find("PPU:").expect("PPU column"));
    (pc_and_bytes, regs.trim().to_string(), ppu_cyc.replace(' ', ""))
}

#[test]
fn nestest_matches_the_reference_log() {
    let Some(rom) = load("other/nestest.nes") else { return };
    let log = std::fs::read_to_string(rom_dir().unwrap().join("other/nestest.log")).expect("nestest.log beside nestest.nes");
    let mut nes = Nes::from_ines(&rom).unwrap();
    nes.cpu_mut().pc = 0xC000;
    let mut lines = 0;
    for (n, expected) in log.lines().enumerate() {
        let ours = nes.trace_line();
        assert_eq!(fields(&ours), fields(expected), "line {}:\n ours: {ours}\n want: {expected}", n + 1);
        nes.step_instruction();
        lines += 1;
    }
    assert!(lines > 8000, "the whole log was compared ({lines} lines)");
    // nestest leaves its error codes at $02/$03: 0 means every test passed.
    assert_eq!((nes.peek(0x02), nes.peek(0x03)), (0, 0));
}
