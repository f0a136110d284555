//! Konami VRC2 and VRC4, mappers 21, 22, 23 and 25 (nesdev wiki: "VRC2 and
//! VRC4"): two switchable 8 KiB PRG banks, eight 1 KiB CHR banks written a
//! nibble at a time, mirroring, and on the VRC4 a second PRG layout and the
//! VRC IRQ counter.
//!
//! Each register group ($8000, $9000, ... $F000) has four registers picked by
//! two CPU address lines, and which two differs from board to board. The
//! NES 2.0 submapper names the board; without one, a mapper number stands for
//! the boards that share it, and both pairs of lines are decoded at once
//! (safe, since each board leaves the other pair's lines at zero).

use super::vrc_irq::VrcIrq;
use super::{mirroring_vh01, Mapper};
use crate::cart::{Header, MemoryMap, RomError};

/// The address bits that select register 1 and register 2 within a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lines {
    bit0: u16,
    bit1: u16,
}

const fn lines(bit0: u16, bit1: u16) -> Lines {
    Lines { bit0, bit1 }
}

#[derive(Debug, Clone)]
pub struct Vrc2Vrc4 {
    lines: Lines,
    vrc4: bool,
    /// VRC2a (mapper 22) ignores the low bit of CHR bank numbers.
    chr_shift: u8,
    prg: [u8; 2],
    prg_swap: bool,
    chr: [u16; 8],
    mirroring: u8,
    irq: VrcIrq,
}

impl Vrc2Vrc4 {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        let (lines, vrc4) = match (header.mapper, header.submapper) {
            (21, 1) => (lines(1 << 1, 1 << 2), true),            // VRC4a
            (21, 2) => (lines(1 << 6, 1 << 7), true),            // VRC4c
            (21, _) => (lines(0x42, 0x84), true),                // VRC4a or VRC4c
            (22, _) => (lines(1 << 1, 1 << 0), false),           // VRC2a
            (23, 1) => (lines(1 << 0, 1 << 1), true),            // VRC4f
            (23, 2) => (lines(1 << 2, 1 << 3), true),            // VRC4e
            (23, 3) => (lines(1 << 0, 1 << 1), false),           // VRC2b
            (23, _) => (lines(0x05, 0x0A), true),                // VRC4e, VRC4f or VRC2b
            (25, 1) => (lines(1 << 1, 1 << 0), true),            // VRC4b
            (25, 2) => (lines(1 << 3, 1 << 2), true),            // VRC4d
            (25, 3) => (lines(1 << 1, 1 << 0), false),           // VRC2c
            (_, _) => (lines(0x0A, 0x05), true),                 // 25: VRC4b, VRC4d or VRC2c
        };
        Ok(Vrc2Vrc4 {
            lines,
            vrc4,
            chr_shift: u8::from(header.mapper == 22),
            prg: [0, 1],
            prg_swap: false,
            chr: [0, 1, 2, 3, 4, 5, 6, 7],
            mirroring: 0,
            irq: VrcIrq::default(),
        })
    }

    /// Which of the group's four registers `addr` selects.
    fn register(&self, addr: u16) -> u16 {
        u16::from(addr & self.lines.bit0 != 0) | (u16::from(addr & self.lines.bit1 != 0) << 1)
    }

    fn apply(&self, map: &mut MemoryMap) {
        let second_last = (map.prg_rom_len / 0x2000).saturating_sub(2);
        let (first, third) = if self.prg_swap {
            (second_last, usize::from(self.prg[0]))
        } else {
            (usize::from(self.prg[0]), second_last)
        };
        map.map_prg_8k(0x8000, first);
        map.map_prg_8k(0xA000, usize::from(self.prg[1]));
        map.map_prg_8k(0xC000, third);
        map.map_prg_8k(0xE000, second_last + 1);
        for (slot, &bank) in self.chr.iter().enumerate() {
            map.map_chr_1k(slot, usize::from(bank >> self.chr_shift));
        }
        // VRC2 decodes one bit: vertical or horizontal.
        map.set_mirroring(mirroring_vh01(self.mirroring & if self.vrc4 { 3 } else { 1 }));
        map.map_prg_ram(0, true, true);
    }
}

impl Mapper for Vrc2Vrc4 {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.apply(map);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        let reg = self.register(addr);
        let prg_mask = if self.vrc4 { 0x1F } else { 0x0F };
        match addr & 0xF000 {
            0x8000 => self.prg[0] = value & prg_mask,
            0x9000 if self.vrc4 && reg >= 2 => self.prg_swap = value & 2 != 0,
            0x9000 => self.mirroring = value & 3,
            0xA000 => self.prg[1] = value & prg_mask,
            0xB000..=0xE000 => {
                // Two banks per group, each written as a low and a high nibble.
                let slot = usize::from((addr - 0xB000) >> 12) * 2 + usize::from(reg >> 1);
                let bank = &mut self.chr[slot];
                *bank = if reg & 1 == 0 {
                    (*bank & !0x0F) | u16::from(value & 0x0F)
                } else {
                    let high_mask = if self.vrc4 { 0x1F } else { 0x0F };
                    (*bank & 0x0F) | (u16::from(value & high_mask) << 4)
                };
            }
            0xF000 if self.vrc4 => match reg {
                0 => self.irq.write_latch_nibble(false, value),
                1 => self.irq.write_latch_nibble(true, value),
                2 => self.irq.write_control(value),
                _ => self.irq.acknowledge(),
            },
            _ => return,
        }
        self.apply(map);
    }

    fn clocks_with_cpu(&self) -> bool {
        self.vrc4
    }

    fn cpu_clock(&mut self, _map: &mut MemoryMap) {
        self.irq.clock();
    }

    fn irq(&self) -> bool {
        self.irq.line()
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Vrc2Vrc4 { prg, prg_swap, chr, mirroring, irq });

#[cfg(test)]
mod tests {
    use crate::cart::Cartridge;
    use crate::mapper::test_util::*;

    fn with_submapper(mapper: u8, submapper: u8) -> Cartridge {
        numbered_rom_sub(mapper, submapper, 8, 16)
    }

    fn write_chr(cart: &mut Cartridge, group: u16, lo: u16, hi: u16, bank: u16) {
        cart.cpu_write(group | lo, (bank & 0x0F) as u8, 0);
        cart.cpu_write(group | hi, (bank >> 4) as u8, 0);
    }

    #[test]
    fn vrc4_prg_modes_and_nibble_chr_banks() {
        // VRC4f (mapper 23 submapper 1): registers at +0, +1, +2, +3.
        let mut cart = with_submapper(23, 1);
        cart.cpu_write(0x8000, 5, 0);
        cart.cpu_write(0xA000, 7, 0);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [5, 7, 14, 15]);
        cart.cpu_write(0x9002, 2, 0);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [14, 7, 5, 15]);
        write_chr(&mut cart, 0xB000, 0, 1, 0x2A); // bank 0
        write_chr(&mut cart, 0xE000, 2, 3, 0x75); // bank 7
        assert_eq!(chr_bank(&cart, 0x0000), 0x2A);
        assert_eq!(chr_bank(&cart, 0x1C00), 0x75);
    }

    #[test]
    fn address_lines_follow_the_board() {
        // VRC4c (21 submapper 2) uses A6/A7: $B040 is bank 0's high nibble.
        let mut cart = with_submapper(21, 2);
        write_chr(&mut cart, 0xB000, 0x00, 0x40, 0x31);
        assert_eq!(chr_bank(&cart, 0x0000), 0x31);
        // With A1/A2 (VRC4a) both writes land on the low nibble.
        let mut a = with_submapper(21, 1);
        write_chr(&mut a, 0xB000, 0x00, 0x40, 0x31);
        assert_eq!(chr_bank(&a, 0x0000), 0x03);
        // Plain mapper 21 decodes both pairs.
        let mut both = numbered_rom(21, 8, 16, 0);
        write_chr(&mut both, 0xB000, 0x00, 0x02, 0x22); // VRC4a lines
        write_chr(&mut both, 0xC000, 0x00, 0x40, 0x23); // VRC4c lines
        assert_eq!([chr_bank(&both, 0), chr_bank(&both, 0x800)], [0x22, 0x23]);
    }

    #[test]
    fn vrc2a_halves_chr_banks_and_has_no_irq() {
        let mut cart = numbered_rom(22, 8, 16, 0);
        // VRC2a: A1 is register bit 0, A0 bit 1, so bank 1's low nibble is at $B001.
        cart.cpu_write(0xB001, 0x0A, 0);
        assert_eq!(chr_bank(&cart, 0x0400), 5, "the low bit is dropped");
        cart.cpu_write(0xF000, 0xF0, 0);
        cart.cpu_write(0xF002, 0x06, 0);
        for _ in 0..100 {
            cart.cpu_clock();
        }
        assert!(!cart.irq());
        assert!(!cart.clocks_with_cpu());
    }

    #[test]
    fn vrc4_irq_in_cycle_mode() {
        let mut cart = with_submapper(25, 1); // VRC4b: A1, A0
        cart.cpu_write(0xF000, 0x0C, 0); // latch low nibble
        cart.cpu_write(0xF002, 0x0F, 0); // latch high nibble: $FC
        cart.cpu_write(0xF001, 0x06, 0); // control: enable, cycle mode
        let n = (1..100).find(|_| {
            cart.cpu_clock();
            cart.irq()
        });
        assert_eq!(n, Some(4));
        cart.cpu_write(0xF003, 0, 0);
        assert!(!cart.irq());
    }
}
