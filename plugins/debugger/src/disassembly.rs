//! Disassembly around PC from a window of memory. Going backwards from PC
//! is ambiguous on the 6502 (any byte can start an instruction), so the
//! listing starts at the earliest address in the window from which
//! decoding lands exactly on PC.

use phosphor_nes::cpu::disasm::{decode, disassemble};

/// One line of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub addr: u16,
    pub bytes: Vec<u8>,
    pub text: String,
    pub is_pc: bool,
}

/// Decodes `memory` (which starts at `start`) around `pc`: up to `before`
/// instructions before it and `after` from it on.
pub fn around(start: u16, memory: &[u8], pc: u16, before: usize, after: usize) -> Vec<Line> {
    let end = start as usize + memory.len();
    let peek = |a: u16| memory.get(a.wrapping_sub(start) as usize).copied().unwrap_or(0);
    let offset_of_pc = pc.wrapping_sub(start) as usize;
    let mut from = pc;
    if offset_of_pc < memory.len() {
        // The earliest start that decodes onto PC (fewer bytes back is a
        // fallback: PC itself always works).
        for back in (1..=offset_of_pc.min(48)).rev() {
            let candidate = pc.wrapping_sub(back as u16);
            let mut a = candidate;
            while a.wrapping_sub(candidate) < back as u16 {
                a = a.wrapping_add(decode(peek(a)).1.bytes());
            }
            if a == pc {
                from = candidate;
                break;
            }
        }
    }
    let mut lines = Vec::new();
    let mut a = from;
    while (a as usize) < end && lines.iter().filter(|l: &&Line| l.addr >= pc).count() < after {
        let (text, len) = disassemble(a, peek);
        let bytes = (0..len).map(|i| peek(a.wrapping_add(i))).collect();
        lines.push(Line { addr: a, bytes, text, is_pc: a == pc });
        a = a.wrapping_add(len);
        if a < from {
            break;
        }
    }
    let pc_index = lines.iter().position(|l| l.is_pc).unwrap_or(0);
    lines.drain(..pc_index.saturating_sub(before));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_up_on_pc_and_marks_it() {
        // $8000: LDA #$01 ; STA $0200 ; INX ; JMP $8000 ; (PC at INX)
        let code = [0xA9, 0x01, 0x8D, 0x00, 0x02, 0xE8, 0x4C, 0x00, 0x80];
        let lines = around(0x8000, &code, 0x8005, 4, 2);
        let addrs: Vec<u16> = lines.iter().map(|l| l.addr).collect();
        assert_eq!(addrs, vec![0x8000, 0x8002, 0x8005, 0x8006]);
        assert!(lines[2].is_pc && !lines[1].is_pc);
        assert!(lines[0].text.contains("LDA"), "{:?}", lines[0]);
        assert_eq!(lines[1].bytes, vec![0x8D, 0x00, 0x02]);
    }

    #[test]
    fn keeps_only_the_lines_asked_for() {
        let code = [0xEA; 64]; // NOPs
        let lines = around(0x8000, &code, 0x8020, 3, 5);
        assert_eq!(lines.len(), 8);
        assert_eq!(lines[3].addr, 0x8020);
    }
}
