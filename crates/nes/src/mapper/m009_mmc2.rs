//! MMC2 (mapper 9, PxROM: Punch-Out!!) and MMC4 (mapper 10, FxROM): two 4 KiB
//! CHR halves, each with two banks chosen by a latch that flips when the PPU
//! fetches tile $FD or $FE (nesdev wiki: "MMC2", "MMC4").
//!
//! The latch changes after the fetch that triggers it. MMC2 latch 0 reacts
//! to $0FD8/$0FE8 exactly, the others to the whole 8-byte rows $xFD8-$xFDF
//! and $xFE8-$xFEF. MMC2 banks 8 KiB of PRG at $8000 (the rest fixed);
//! MMC4 banks 16 KiB and has PRG RAM.

use super::Mapper;
use crate::cart::{Header, MemoryMap, Mirroring, RomError};

#[derive(Debug, Clone)]
pub struct Mmc2 {
    /// MMC4 (mapper 10) rather than MMC2.
    mmc4: bool,
    prg: u8,
    /// CHR banks: [half][latch FD = 0, FE = 1].
    chr: [[u8; 2]; 2],
    latch: [usize; 2],
    horizontal: bool,
}

impl Mmc2 {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        Ok(Mmc2 { mmc4: header.mapper == 10, prg: 0, chr: [[0; 2]; 2], latch: [1, 1], horizontal: false })
    }

    fn apply(&self, map: &mut MemoryMap) {
        if self.mmc4 {
            map.map_prg_16k(0x8000, usize::from(self.prg));
            map.map_prg_16k(0xC000, (map.prg_rom_len / 0x4000).saturating_sub(1));
        } else {
            let last = (map.prg_rom_len / 0x2000).saturating_sub(1);
            map.map_prg_8k(0x8000, usize::from(self.prg));
            for (i, addr) in [0xA000, 0xC000, 0xE000].into_iter().enumerate() {
                map.map_prg_8k(addr, last - 2 + i);
            }
        }
        for half in 0..2 {
            map.map_chr_4k(half, usize::from(self.chr[half][self.latch[half]]));
        }
        map.set_mirroring(if self.horizontal { Mirroring::Horizontal } else { Mirroring::Vertical });
    }
}

impl Mapper for Mmc2 {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.apply(map);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        match addr & 0xF000 {
            0xA000 => self.prg = value & 0x0F,
            0xB000 => self.chr[0][0] = value & 0x1F,
            0xC000 => self.chr[0][1] = value & 0x1F,
            0xD000 => self.chr[1][0] = value & 0x1F,
            0xE000 => self.chr[1][1] = value & 0x1F,
            0xF000 => self.horizontal = value & 1 != 0,
            _ => return,
        }
        self.apply(map);
    }

    fn watches_ppu_bus(&self) -> bool {
        true
    }

    /// The latches only pick CHR banks: no IRQ, so the PPU may run as far
    /// as the CPU lets it.
    fn irq_quiet_dots(&self, _ppu: &crate::ppu::BusOutlook) -> u64 {
        u64::MAX
    }

    fn ppu_bus(&mut self, addr: u16, map: &mut MemoryMap) {
        if addr >= 0x2000 {
            return;
        }
        let half = usize::from(addr >> 12);
        let row = addr & 0x0FF8;
        let exact = !self.mmc4 && half == 0;
        let hit = |target: u16| if exact { addr & 0x0FFF == target } else { row == target };
        let latch = if hit(0x0FD8) {
            0
        } else if hit(0x0FE8) {
            1
        } else {
            return;
        };
        if self.latch[half] != latch {
            self.latch[half] = latch;
            map.map_chr_4k(half, usize::from(self.chr[half][latch]));
        }
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Mmc2 { prg, chr, latch, horizontal });

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn fetching_tile_fd_or_fe_flips_the_latch_after_the_fetch() {
        let mut cart = numbered_rom(9, 8, 16, 0);
        cart.cpu_write(0xB000, 3, 0); // half 0, FD
        cart.cpu_write(0xC000, 5, 0); // half 0, FE
        cart.cpu_write(0xD000, 7, 0);
        cart.cpu_write(0xE000, 9, 0);
        assert_eq!(chr_bank(&cart, 0x0000), 5 * 4, "power-on latch is FE");
        cart.ppu_read(0x0FD8);
        assert_eq!(chr_bank(&cart, 0x0000), 3 * 4);
        cart.ppu_read(0x0FD9);
        cart.ppu_read(0x0FE9); // MMC2 latch 0 wants $0FE8 exactly
        assert_eq!(chr_bank(&cart, 0x0000), 3 * 4);
        cart.ppu_read(0x1FDB); // latch 1 takes the whole row
        assert_eq!(chr_bank(&cart, 0x1000), 7 * 4);
        // PRG: 8 KiB at $8000, the last three fixed.
        cart.cpu_write(0xA000, 2, 0);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [2, 13, 14, 15]);
    }

    #[test]
    fn mmc4_banks_16k_and_uses_rows_for_both_latches() {
        let mut cart = numbered_rom(10, 8, 16, 0);
        cart.cpu_write(0xA000, 3, 0);
        assert_eq!([0x8000, 0xA000, 0xC000].map(|a| prg_bank(&cart, a)), [6, 7, 14]);
        cart.cpu_write(0xB000, 2, 0);
        cart.ppu_read(0x0FDE);
        assert_eq!(chr_bank(&cart, 0x0000), 8);
    }
}
