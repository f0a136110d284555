//! Trace entries and the trace's text format.
//!
//! One instruction a line, in the layout of nestest.log (which Mesen2's
//! and FCEUX's loggers can be set to write, so traces diff against theirs):
//!
//! ```text
//! C000  4C F5 C5  JMP $C5F5                       A:00 X:00 Y:00 P:24 SP:FD PPU:  0, 21 CYC:7
//! ```
//!
//! PC as four hex digits, the instruction's bytes, its disassembly (with
//! the effective address and the value read or written, `@ $0305 = 12`,
//! for memory operands), then A, X, Y, P, SP in hex, the PPU's scanline
//! and dot, and the CPU cycle count. A label, when the game's symbols name
//! the PC, follows at the end after `;`.

use crate::cpu::disasm::{self, Mode};
use std::fmt::Write as _;

/// One executed instruction, as the CPU stood before it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TraceEntry {
    pub pc: u16,
    /// Offset into PRG ROM of the opcode, `u32::MAX` when PC is not in ROM.
    pub prg_offset: u32,
    pub bytes: [u8; 3],
    pub a: u8,
    pub x: u8,
    pub y: u8,
    pub p: u8,
    pub s: u8,
    pub cycle: u64,
    pub scanline: u16,
    pub dot: u16,
    pub frame: u32,
    /// The address and value of the instruction's memory operand (the last
    /// read or write it made that was not a dummy), if it has one.
    pub effective: Option<(u16, u8)>,
}

impl TraceEntry {
    /// The PRG bank (8 KiB) the instruction ran from, if it ran from ROM.
    pub fn bank(&self) -> Option<u32> {
        (self.prg_offset != u32::MAX).then_some(self.prg_offset / 0x2000)
    }

    /// The instruction's disassembly, with its effective address and value.
    pub fn disassembly(&self) -> String {
        let pc = self.pc;
        let (mut text, _) = disasm::disassemble(pc, |a| self.bytes[usize::from(a.wrapping_sub(pc)).min(2)]);
        let (_, mode) = disasm::decode(self.bytes[0]);
        if let Some((addr, value)) = self.effective {
            let _ = match mode {
                Mode::Zp | Mode::Abs if !matches!(self.bytes[0], 0x20 | 0x4C) => write!(text, " = {value:02X}"),
                Mode::Zpx | Mode::Zpy | Mode::Abx | Mode::Aby | Mode::Izx | Mode::Izy | Mode::Ind => {
                    write!(text, " @ ${addr:04X} = {value:02X}")
                }
                _ => Ok(()),
            };
        }
        text
    }

    /// Appends the entry as one line (no newline), with `label` naming the PC if it can.
    pub fn write_line(&self, out: &mut String, label: Option<&str>) {
        let (_, mode) = disasm::decode(self.bytes[0]);
        let len = usize::from(mode.bytes());
        let mut bytes = String::with_capacity(8);
        for (i, b) in self.bytes[..len].iter().enumerate() {
            if i > 0 {
                bytes.push(' ');
            }
            let _ = write!(bytes, "{b:02X}");
        }
        let _ = write!(
            out,
            "{:04X}  {:<8}  {:<31} A:{:02X} X:{:02X} Y:{:02X} P:{:02X} SP:{:02X} PPU:{:>3},{:>3} CYC:{}",
            self.pc,
            bytes,
            self.disassembly(),
            self.a,
            self.x,
            self.y,
            self.p,
            self.s,
            self.scanline,
            self.dot,
            self.cycle
        );
        if let Some(label) = label {
            let _ = write!(out, " ; {label}");
        }
    }

    /// The entry as one line.
    pub fn line(&self) -> String {
        let mut s = String::with_capacity(96);
        self.write_line(&mut s, None);
        s
    }
}
