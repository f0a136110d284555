//! MMC1, mapper 1 (nesdev wiki: "MMC1"): a 5-bit serial port feeding four
//! registers (control, CHR bank 0, CHR bank 1, PRG bank). Covers SNROM,
//! SUROM (512 KiB PRG via CHR bit 4) and SOROM/SXROM (banked PRG RAM).

use super::Mapper;
use crate::cart::{Header, MemoryMap, Mirroring, RomError};

/// Power-on control value: PRG mode 3 (last bank fixed at $C000).
const CONTROL_POWER_ON: u8 = 0x0C;

#[derive(Debug, Clone)]
pub struct Mmc1 {
    shift: u8,
    shift_count: u8,
    control: u8,
    chr_bank0: u8,
    chr_bank1: u8,
    prg_bank: u8,
    /// CPU cycle of the last serial write, for the consecutive-write quirk.
    last_write_cycle: Option<u64>,
}

impl Mmc1 {
    pub fn new(_header: &Header) -> Result<Self, RomError> {
        Ok(Mmc1 {
            shift: 0,
            shift_count: 0,
            control: CONTROL_POWER_ON,
            chr_bank0: 0,
            chr_bank1: 0,
            prg_bank: 0,
            last_write_cycle: None,
        })
    }

    fn apply(&self, map: &mut MemoryMap) {
        map.set_mirroring(match self.control & 0x03 {
            0 => Mirroring::SingleScreenLow,
            1 => Mirroring::SingleScreenHigh,
            2 => Mirroring::Vertical,
            _ => Mirroring::Horizontal,
        });

        // SUROM: with 512 KiB of PRG, CHR bank 0 bit 4 picks the 256 KiB half.
        let outer = if map.prg_rom_len > 0x40000 { usize::from(self.chr_bank0 & 0x10) } else { 0 };
        let bank = usize::from(self.prg_bank & 0x0F);
        let last_in_half = (map.prg_rom_len.min(0x40000) / 0x4000).saturating_sub(1);
        match (self.control >> 2) & 0x03 {
            0 | 1 => {
                map.map_prg_16k(0x8000, outer | (bank & !1));
                map.map_prg_16k(0xC000, outer | (bank | 1));
            }
            2 => {
                map.map_prg_16k(0x8000, outer);
                map.map_prg_16k(0xC000, outer | bank);
            }
            _ => {
                map.map_prg_16k(0x8000, outer | bank);
                map.map_prg_16k(0xC000, outer | last_in_half);
            }
        }

        if self.control & 0x10 == 0 {
            map.map_chr_8k(usize::from(self.chr_bank0 >> 1));
        } else {
            map.map_chr_4k(0, usize::from(self.chr_bank0));
            map.map_chr_4k(1, usize::from(self.chr_bank1));
        }

        // SOROM/SXROM bank their 16/32 KiB of PRG RAM with CHR bank 0 bits 2-3.
        // MMC1B: PRG bank bit 4 set disables the RAM.
        let ram_bank = usize::from(self.chr_bank0 >> 2) & 0x03;
        let enabled = self.prg_bank & 0x10 == 0;
        map.map_prg_ram(ram_bank, enabled, true);
    }
}

impl Mapper for Mmc1 {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.shift = 0;
        self.shift_count = 0;
        self.control |= CONTROL_POWER_ON;
        self.apply(map);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        // "When the CPU writes to the serial port on consecutive cycles, the MMC1
        // ignores all writes but the first" (the double write of INC/ROL...).
        let consecutive = self.last_write_cycle == Some(map.cpu_cycle.wrapping_sub(1));
        self.last_write_cycle = Some(map.cpu_cycle);
        if consecutive {
            return;
        }
        if value & 0x80 != 0 {
            self.shift = 0;
            self.shift_count = 0;
            self.control |= CONTROL_POWER_ON;
            self.apply(map);
            return;
        }
        self.shift |= (value & 1) << self.shift_count;
        self.shift_count += 1;
        if self.shift_count == 5 {
            let reg = self.shift;
            match addr & 0xE000 {
                0x8000 => self.control = reg,
                0xA000 => self.chr_bank0 = reg,
                0xC000 => self.chr_bank1 = reg,
                _ => self.prg_bank = reg,
            }
            self.shift = 0;
            self.shift_count = 0;
            self.apply(map);
        }
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Mmc1 { shift, shift_count, control, chr_bank0, chr_bank1, prg_bank, last_write_cycle });

#[cfg(test)]
mod tests {
    use crate::cart::Cartridge;
    use crate::mapper::test_util::*;

    fn serial(cart: &mut Cartridge, addr: u16, value: u8, cycle: &mut u64) {
        for bit in 0..5 {
            *cycle += 2;
            cart.cpu_write(addr, (value >> bit) & 1, *cycle);
        }
    }

    #[test]
    fn power_on_fixes_last_bank_and_serial_selects_prg() {
        let mut cart = numbered_rom(1, 8, 2, 0);
        assert_eq!(prg_bank(&cart, 0xC000), 14);
        let mut cycle = 100;
        serial(&mut cart, 0xE000, 3, &mut cycle);
        assert_eq!(prg_bank(&cart, 0x8000), 6);
        assert_eq!(prg_bank(&cart, 0xE000), 15);
        // 4 KiB CHR mode, bank 3 at $1000.
        serial(&mut cart, 0x8000, 0x1C, &mut cycle);
        serial(&mut cart, 0xC000, 3, &mut cycle);
        assert_eq!(chr_bank(&cart, 0x1000), 12);
    }

    #[test]
    fn consecutive_writes_are_ignored_and_bit7_resets() {
        let mut cart = numbered_rom(1, 8, 2, 0);
        let mut cycle = 100;
        // An RMW instruction writes twice on consecutive cycles: only the first counts.
        cart.cpu_write(0xE000, 1, 10);
        cart.cpu_write(0xE000, 0, 11);
        for bit in 1..5 {
            cycle += 2;
            cart.cpu_write(0xE000, (1 >> bit) & 1, cycle);
        }
        assert_eq!(prg_bank(&cart, 0x8000), 2, "bank 1 selected: the second write was ignored");
        // A write with bit 7 set clears the shift register mid-sequence.
        cart.cpu_write(0xE000, 1, 500);
        cart.cpu_write(0xE000, 0x80, 502);
        serial(&mut cart, 0xE000, 2, &mut cycle);
        assert_eq!(prg_bank(&cart, 0x8000), 4);
    }

    #[test]
    fn surom_outer_bank_from_chr_register() {
        let mut cart = numbered_rom(1, 32, 0, 0); // 512 KiB, CHR RAM
        let mut cycle = 0;
        serial(&mut cart, 0xA000, 0x10, &mut cycle);
        assert_eq!(prg_bank(&cart, 0x8000), 32);
        assert_eq!(prg_bank(&cart, 0xC000), 62);
    }
}
