//! Konami VRC6, mappers 24 (VRC6a) and 26 (VRC6b) (nesdev wiki: "VRC6"):
//! a 16 KiB and an 8 KiB PRG bank, eight CHR registers used in four layouts,
//! mirroring, PRG RAM, the VRC IRQ counter and three extra sound channels.
//! The two boards swap CPU lines A0 and A1.
//!
//! Not modelled: nametables fetched from CHR ROM ($B003 bit 4), which no
//! released game uses; mirroring follows $B003 bits 2-3 as the games set it.

use super::vrc6_audio::Vrc6Audio;
use super::vrc_irq::VrcIrq;
use super::{mirroring_vh01, Mapper};
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone)]
pub struct Vrc6 {
    swap_lines: bool,
    prg_16k: u8,
    prg_8k: u8,
    chr: [u8; 8],
    /// $B003: CHR layout (bits 0-1), mirroring (2-3), PRG RAM enable (7).
    control: u8,
    irq: VrcIrq,
    /// Boxed to keep every cartridge's `Board` small.
    audio: Box<Vrc6Audio>,
}

impl Vrc6 {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        Ok(Vrc6 {
            swap_lines: header.mapper == 26,
            prg_16k: 0,
            prg_8k: 0,
            chr: [0; 8],
            control: 0,
            irq: VrcIrq::default(),
            audio: Box::default(),
        })
    }

    fn apply(&self, map: &mut MemoryMap) {
        map.map_prg_16k(0x8000, usize::from(self.prg_16k));
        map.map_prg_8k(0xC000, usize::from(self.prg_8k));
        map.map_prg_8k(0xE000, (map.prg_rom_len / 0x2000).saturating_sub(1));
        map.map_prg_ram(0, self.control & 0x80 != 0, true);

        let r = |i: usize| usize::from(self.chr[i]);
        // A 2 KiB bank is its register with PPU A10 in the low bit.
        let two_k = |map: &mut MemoryMap, slot: usize, bank: usize| {
            map.map_chr_1k(slot, bank & !1);
            map.map_chr_1k(slot + 1, bank | 1);
        };
        match self.control & 3 {
            0 => (0..8).for_each(|i| map.map_chr_1k(i, r(i))),
            1 => (0..4).for_each(|i| two_k(map, i * 2, r(i))),
            _ => {
                (0..4).for_each(|i| map.map_chr_1k(i, r(i)));
                two_k(map, 4, r(4));
                two_k(map, 6, r(5));
            }
        }
        map.set_mirroring(mirroring_vh01(self.control >> 2));
    }
}

impl Mapper for Vrc6 {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.apply(map);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        let reg = if self.swap_lines { ((addr & 1) << 1) | ((addr >> 1) & 1) } else { addr & 3 };
        let group = addr & 0xF000;
        match (group, reg) {
            (0x8000, _) => self.prg_16k = value & 0x0F,
            (0xB000, 3) => self.control = value,
            (0x9000..=0xB000, _) => {
                self.audio.write(group, reg, value);
                return;
            }
            (0xC000, _) => self.prg_8k = value & 0x1F,
            (0xD000, _) => self.chr[usize::from(reg)] = value,
            (0xE000, _) => self.chr[4 + usize::from(reg)] = value,
            (0xF000, 0) => self.irq.write_latch(value),
            (0xF000, 1) => self.irq.write_control(value),
            (0xF000, 2) => self.irq.acknowledge(),
            _ => return,
        }
        self.apply(map);
    }

    fn clocks_with_cpu(&self) -> bool {
        true
    }

    fn cpu_clock(&mut self, _map: &mut MemoryMap) {
        self.irq.clock();
        self.audio.clock();
    }

    fn audio_level(&self) -> f32 {
        self.audio.level()
    }

    fn irq(&self) -> bool {
        self.irq.line()
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Vrc6 { prg_16k, prg_8k, chr, control, irq, audio });

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn prg_and_chr_layouts() {
        let mut cart = numbered_rom(24, 8, 16, 0);
        cart.cpu_write(0x8000, 2, 0); // 16 KiB bank 2: 8 KiB banks 4, 5
        cart.cpu_write(0xC000, 9, 0);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [4, 5, 9, 15]);
        for (i, addr) in [0xD000, 0xD001, 0xD002, 0xD003, 0xE000, 0xE001, 0xE002, 0xE003].into_iter().enumerate() {
            cart.cpu_write(addr, 0x10 + i as u8 * 2, 0);
        }
        cart.cpu_write(0xB003, 0x00, 0);
        let banks = |c: &crate::cart::Cartridge| (0..8).map(|i| chr_bank(c, i * 0x400)).collect::<Vec<_>>();
        assert_eq!(banks(&cart), [0x10, 0x12, 0x14, 0x16, 0x18, 0x1A, 0x1C, 0x1E]);
        cart.cpu_write(0xB003, 0x01, 0); // four 2 KiB banks from R0-R3
        assert_eq!(banks(&cart), [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
        cart.cpu_write(0xB003, 0x02, 0); // 1 KiB R0-R3, then 2 KiB R4, R5
        assert_eq!(banks(&cart), [0x10, 0x12, 0x14, 0x16, 0x18, 0x19, 0x1A, 0x1B]);
    }

    #[test]
    fn vrc6b_swaps_a0_and_a1() {
        let mut a = numbered_rom(24, 8, 16, 0);
        let mut b = numbered_rom(26, 8, 16, 0);
        a.cpu_write(0xD001, 7, 0);
        b.cpu_write(0xD002, 7, 0);
        assert_eq!(chr_bank(&a, 0x400), 7);
        assert_eq!(chr_bank(&b, 0x400), 7);
    }

    #[test]
    fn sound_reaches_the_board_output() {
        let mut cart = numbered_rom(26, 8, 16, 0);
        cart.cpu_write(0x9000, 0x8F, 0); // pulse 1: digitized, volume 15
        cart.cpu_write(0x9001, 0x80, 0); // VRC6b: $9001 is register 2 (enable)
        cart.cpu_clock();
        assert!(cart.audio_level() > 0.14);
        // Register 2 again, with the enable bit clear: silence.
        cart.cpu_write(0x9001, 0x00, 0);
        cart.cpu_clock();
        assert_eq!(cart.audio_level(), 0.0);
    }
}
