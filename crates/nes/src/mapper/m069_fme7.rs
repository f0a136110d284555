//! Sunsoft FME-7, mapper 69 (nesdev wiki: "Sunsoft FME-7"): a command
//! register at $8000 and a parameter register at $A000 reach eight 1 KiB
//! CHR banks, four 8 KiB PRG banks (the one at $6000 may be RAM), mirroring,
//! and a 16-bit IRQ counter that counts CPU cycles down.
//!
//! The Sunsoft 5B variant's sound (registers at $C000/$E000, used by one
//! released game, Gimmick!) is not produced: those writes are ignored.

use super::{mirroring_vh01, Mapper};
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone)]
pub struct Fme7 {
    command: u8,
    chr: [u8; 8],
    /// $6000 register: bit 7 RAM enable, bit 6 RAM (1) or ROM (0), bits 0-5 bank.
    prg_6000: u8,
    prg: [u8; 3],
    mirroring: u8,
    irq_enabled: bool,
    counter_enabled: bool,
    counter: u16,
    irq_line: bool,
}

impl Fme7 {
    pub fn new(_header: &Header) -> Result<Self, RomError> {
        Ok(Fme7 {
            command: 0,
            chr: [0; 8],
            prg_6000: 0,
            prg: [0; 3],
            mirroring: 0,
            irq_enabled: false,
            counter_enabled: false,
            counter: 0,
            irq_line: false,
        })
    }

    fn apply(&self, map: &mut MemoryMap) {
        for (slot, &bank) in self.chr.iter().enumerate() {
            map.map_chr_1k(slot, usize::from(bank));
        }
        let bank = usize::from(self.prg_6000 & 0x3F);
        if self.prg_6000 & 0x40 == 0 {
            map.map_prg_8k(0x6000, bank);
        } else {
            map.map_prg_ram(bank, self.prg_6000 & 0x80 != 0, true);
        }
        for (i, &bank) in self.prg.iter().enumerate() {
            map.map_prg_8k(0x8000 + 0x2000 * i as u16, usize::from(bank));
        }
        map.map_prg_8k(0xE000, (map.prg_rom_len / 0x2000).saturating_sub(1));
        map.set_mirroring(mirroring_vh01(self.mirroring));
    }
}

impl Mapper for Fme7 {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.irq_line = false;
        self.apply(map);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        match addr & 0xE000 {
            0x8000 => self.command = value & 0x0F,
            0xA000 => match self.command {
                0..=7 => self.chr[usize::from(self.command)] = value,
                8 => self.prg_6000 = value,
                9..=0xB => self.prg[usize::from(self.command - 9)] = value & 0x3F,
                0xC => self.mirroring = value & 3,
                0xD => {
                    self.irq_enabled = value & 1 != 0;
                    self.counter_enabled = value & 0x80 != 0;
                    self.irq_line = false;
                }
                0xE => self.counter = (self.counter & 0xFF00) | u16::from(value),
                _ => self.counter = (self.counter & 0x00FF) | (u16::from(value) << 8),
            },
            _ => return,
        }
        self.apply(map);
    }

    fn clocks_with_cpu(&self) -> bool {
        true
    }

    /// The counter decrements every cycle while enabled; wrapping from 0 to
    /// $FFFF raises the IRQ if IRQs are enabled.
    fn cpu_clock(&mut self, _map: &mut MemoryMap) {
        if self.counter_enabled {
            let (next, wrapped) = self.counter.overflowing_sub(1);
            self.counter = next;
            if wrapped && self.irq_enabled {
                self.irq_line = true;
            }
        }
    }

    fn irq(&self) -> bool {
        self.irq_line
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Fme7 { command, chr, prg_6000, prg, mirroring, irq_enabled, counter_enabled, counter, irq_line });

#[cfg(test)]
mod tests {
    use crate::cart::Cartridge;
    use crate::mapper::test_util::*;

    fn command(cart: &mut Cartridge, cmd: u8, value: u8) {
        cart.cpu_write(0x8000, cmd, 0);
        cart.cpu_write(0xA000, value, 0);
    }

    #[test]
    fn banks_through_command_and_parameter() {
        let mut cart = numbered_rom_sub(69, 0, 8, 16);
        command(&mut cart, 9, 3);
        command(&mut cart, 0xA, 4);
        command(&mut cart, 0xB, 5);
        command(&mut cart, 7, 0x55);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [3, 4, 5, 15]);
        assert_eq!(chr_bank(&cart, 0x1C00), 0x55);
        // $6000: ROM bank 6, then RAM disabled (open bus), then RAM enabled.
        command(&mut cart, 8, 6);
        assert_eq!(prg_bank(&cart, 0x6000), 6);
        command(&mut cart, 8, 0x40);
        assert_eq!(cart.cpu_read(0x6000), None);
        command(&mut cart, 8, 0xC0);
        cart.cpu_write(0x6000, 0x99, 0);
        assert_eq!(cart.cpu_read(0x6000), Some(0x99));
    }

    #[test]
    fn irq_fires_when_the_counter_wraps() {
        let mut cart = numbered_rom_sub(69, 0, 8, 16);
        command(&mut cart, 0xE, 3);
        command(&mut cart, 0xF, 0);
        command(&mut cart, 0xD, 0x81);
        let n = (1..100).find(|_| {
            cart.cpu_clock();
            cart.irq()
        });
        assert_eq!(n, Some(4), "3, 2, 1, 0, then the wrap to $FFFF");
        command(&mut cart, 0xD, 0x81);
        assert!(!cart.irq(), "writing the control register acknowledges");
        // Counting without IRQs enabled never raises the line.
        command(&mut cart, 0xD, 0x80);
        for _ in 0..70_000 {
            cart.cpu_clock();
        }
        assert!(!cart.irq());
    }
}
