//! MMC3, mapper 4 (nesdev wiki: "MMC3"): eight bank registers behind a
//! select/data pair, two PRG and CHR layouts, mirroring, PRG RAM protection,
//! and a scanline counter clocked by rises of PPU A12.
//!
//! The counter sees a rise only after A12 has been low for a while (the chip
//! counts M2 edges with A12 low), which filters out the short lows between
//! the 8x8 sprite fetches. Revisions differ in one point: the Sharp MMC3B/C
//! ("new", the default) raise the IRQ whenever a clock leaves the counter at
//! zero; the MMC3A and some MMC3B ("old", NES 2.0 submapper 4) only when it
//! becomes zero from non-zero or after a $C001 reload.

use super::Mapper;
use crate::cart::{Header, MemoryMap, Mirroring, RomError};

/// PPU dots A12 must stay low before a rise clocks the counter. The chip
/// wants about three M2 edges with A12 low: the 4-dot lows between pattern
/// fetches and the 9-dot low around the end of a line are filtered, the
/// 12-dot low between 8x16 sprites from different tables is not. (The bus
/// stamps accesses to within a dot, hence 11.)
pub const A12_LOW_DOTS: u64 = 11;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Revision {
    /// MMC3A: IRQ only on a transition to zero (or a forced reload to zero).
    A,
    /// MMC3B/C: IRQ whenever a clock leaves the counter at zero.
    #[default]
    BC,
}

#[derive(Debug, Clone)]
pub struct Mmc3 {
    select: u8,
    regs: [u8; 8],
    mirroring_horizontal: bool,
    four_screen: bool,
    ram_enabled: bool,
    ram_writable: bool,
    irq_latch: u8,
    irq_counter: u8,
    irq_reload: bool,
    irq_enabled: bool,
    irq_line: bool,
    revision: Revision,
    /// A12 as last seen, and the dot at which it last went low.
    a12_high: bool,
    a12_low_since: u64,
}

impl Mmc3 {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        Ok(Mmc3 {
            select: 0,
            regs: [0, 2, 4, 5, 6, 7, 0, 1],
            mirroring_horizontal: header.mirroring == Mirroring::Horizontal,
            four_screen: header.mirroring == Mirroring::FourScreen,
            ram_enabled: true,
            ram_writable: true,
            irq_latch: 0,
            irq_counter: 0,
            irq_reload: false,
            irq_enabled: false,
            irq_line: false,
            revision: if header.submapper == 4 { Revision::A } else { Revision::BC },
            a12_high: false,
            a12_low_since: 0,
        })
    }

    pub fn revision(&self) -> Revision {
        self.revision
    }

    fn apply(&self, map: &mut MemoryMap) {
        let second_last = (map.prg_rom_len / 0x2000).saturating_sub(2);
        let r = |i: usize| usize::from(self.regs[i]);
        if self.select & 0x40 == 0 {
            map.map_prg_8k(0x8000, r(6));
            map.map_prg_8k(0xC000, second_last);
        } else {
            map.map_prg_8k(0x8000, second_last);
            map.map_prg_8k(0xC000, r(6));
        }
        map.map_prg_8k(0xA000, r(7));
        map.map_prg_8k(0xE000, second_last + 1);

        // CHR: two 2 KiB banks and four 1 KiB banks; bit 7 swaps the halves.
        let flip = if self.select & 0x80 != 0 { 4 } else { 0 };
        map.map_chr_1k(flip, r(0) & !1);
        map.map_chr_1k(flip + 1, r(0) | 1);
        map.map_chr_1k(flip + 2, r(1) & !1);
        map.map_chr_1k(flip + 3, r(1) | 1);
        for i in 0..4 {
            map.map_chr_1k((4 - flip) + i, r(2 + i));
        }

        if !self.four_screen {
            map.set_mirroring(if self.mirroring_horizontal { Mirroring::Horizontal } else { Mirroring::Vertical });
        }
        map.map_prg_ram(0, self.ram_enabled, self.ram_writable);
    }

    fn clock_counter(&mut self) {
        let before = self.irq_counter;
        let forced = self.irq_reload;
        if self.irq_counter == 0 || self.irq_reload {
            self.irq_counter = self.irq_latch;
        } else {
            self.irq_counter -= 1;
        }
        self.irq_reload = false;
        let fire = match self.revision {
            Revision::BC => self.irq_counter == 0,
            Revision::A => self.irq_counter == 0 && (before != 0 || forced),
        };
        if fire && self.irq_enabled {
            self.irq_line = true;
        }
    }

    /// Counter clocks until one raises the IRQ, `None` when none can
    /// without a CPU write (IRQs off, the line already up, or an MMC3A
    /// counter stuck at a zero latch).
    fn clocks_to_irq(&self) -> Option<u64> {
        if !self.irq_enabled || self.irq_line {
            return None;
        }
        let latch = u64::from(self.irq_latch);
        if self.irq_counter != 0 && !self.irq_reload {
            return Some(u64::from(self.irq_counter));
        }
        // The next clock reloads the latch; a zero latch fires at once
        // (on the MMC3A only when the reload was asked for).
        match (latch, self.revision) {
            (0, Revision::A) if !self.irq_reload => None,
            (0, _) => Some(1),
            _ => Some(1 + latch),
        }
    }
}

impl Mapper for Mmc3 {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.irq_enabled = false;
        self.irq_line = false;
        self.apply(map);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        match (addr & 0xE000, addr & 1) {
            (0x8000, 0) => self.select = value,
            (0x8000, _) => self.regs[usize::from(self.select & 7)] = value,
            (0xA000, 0) => self.mirroring_horizontal = value & 1 != 0,
            (0xA000, _) => {
                self.ram_enabled = value & 0x80 != 0;
                self.ram_writable = value & 0x40 == 0;
            }
            (0xC000, 0) => self.irq_latch = value,
            (0xC000, _) => {
                self.irq_counter = 0;
                self.irq_reload = true;
            }
            (0xE000, 0) => {
                self.irq_enabled = false;
                self.irq_line = false;
            }
            _ => self.irq_enabled = true,
        }
        self.apply(map);
    }

    fn watches_ppu_bus(&self) -> bool {
        true
    }

    /// Only A12's rises and falls matter.
    fn ppu_bus_mask(&self) -> u16 {
        0x1000
    }

    fn ppu_bus(&mut self, addr: u16, map: &mut MemoryMap) {
        let high = addr & 0x1000 != 0;
        if high && !self.a12_high && map.ppu_dot.saturating_sub(self.a12_low_since) >= A12_LOW_DOTS {
            self.clock_counter();
        } else if !high && self.a12_high {
            self.a12_low_since = map.ppu_dot;
        }
        self.a12_high = high;
    }

    fn irq(&self) -> bool {
        self.irq_line
    }

    /// The IRQ rises only on a counter clock, and those need A12 rises the
    /// filter lets through: the first no sooner than the PPU's next fetch
    /// with A12 high and A12's low time, the rest each a rise spacing later.
    fn irq_quiet_dots(&self, ppu: &crate::ppu::BusOutlook) -> u64 {
        let Some(clocks) = self.clocks_to_irq() else { return u64::MAX };
        if ppu.next_a12_fetch == u64::MAX {
            return u64::MAX;
        }
        let filtered = if self.a12_high {
            // A12 must fall (a fetch from now on) and stay low.
            1 + A12_LOW_DOTS
        } else {
            (self.a12_low_since + A12_LOW_DOTS).saturating_sub(ppu.now)
        };
        let first = ppu.next_a12_fetch.max(filtered).max(1);
        first.saturating_add((clocks - 1).saturating_mul(ppu.a12_rise_spacing(A12_LOW_DOTS)))
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Mmc3 {
    select, regs, mirroring_horizontal, four_screen, ram_enabled, ram_writable, irq_latch, irq_counter, irq_reload,
    irq_enabled, irq_line, a12_high, a12_low_since,
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::Cartridge;
    use crate::mapper::test_util::*;
    use crate::mapper::Board;

    fn mmc3(cart: &Cartridge) -> &Mmc3 {
        match cart.board() {
            Board::Mmc3(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn prg_modes_swap_8000_and_c000() {
        let mut cart = numbered_rom(4, 8, 8, 0);
        cart.cpu_write(0x8000, 6, 0);
        cart.cpu_write(0x8001, 3, 0);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [3, 1, 14, 15]);
        cart.cpu_write(0x8000, 0x46, 0);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [14, 1, 3, 15]);
    }

    #[test]
    fn chr_inversion_swaps_the_2k_and_1k_halves() {
        let mut cart = numbered_rom(4, 2, 8, 0);
        for (reg, bank) in [(0, 8), (1, 10), (2, 20), (3, 21), (4, 22), (5, 23)] {
            cart.cpu_write(0x8000, reg, 0);
            cart.cpu_write(0x8001, bank, 0);
        }
        let banks = |cart: &Cartridge| (0..8).map(|i| chr_bank(cart, i * 0x400)).collect::<Vec<_>>();
        assert_eq!(banks(&cart), [8, 9, 10, 11, 20, 21, 22, 23]);
        cart.cpu_write(0x8000, 0x80, 0);
        assert_eq!(banks(&cart), [20, 21, 22, 23, 8, 9, 10, 11]);
    }

    /// Drives A12 low then high with `gap` dots in between, `n` times.
    fn rises(cart: &mut Cartridge, n: usize, gap: u64, dot: &mut u64) {
        for _ in 0..n {
            cart.set_ppu_dot(*dot);
            cart.ppu_address(0x0000);
            *dot += gap;
            cart.set_ppu_dot(*dot);
            cart.ppu_address(0x1000);
            *dot += 1;
        }
    }

    #[test]
    fn counter_counts_filtered_a12_rises_and_raises_irq() {
        let mut cart = numbered_rom(4, 2, 8, 0);
        let mut dot = 100;
        cart.cpu_write(0xC000, 3, 0); // latch 3
        cart.cpu_write(0xC001, 0, 0); // reload
        cart.cpu_write(0xE001, 0, 0); // enable
        rises(&mut cart, 3, A12_LOW_DOTS, &mut dot); // reload to 3, then 2, 1
        assert!(!cart.irq());
        rises(&mut cart, 5, 4, &mut dot); // too short: filtered out
        assert!(!cart.irq());
        rises(&mut cart, 1, A12_LOW_DOTS, &mut dot); // 0
        assert!(cart.irq());
        cart.cpu_write(0xE000, 0, 0);
        assert!(!cart.irq(), "$E000 acknowledges");
    }

    #[test]
    fn revision_a_does_not_fire_on_reloading_zero() {
        let mut rom = numbered_rom(4, 2, 8, 0);
        let mut dot = 100;
        rom.cpu_write(0xC000, 0, 0); // latch 0
        rom.cpu_write(0xE001, 0, 0);
        rises(&mut rom, 1, A12_LOW_DOTS, &mut dot); // counter 0 -> reload 0
        assert_eq!(mmc3(&rom).revision(), Revision::BC);
        assert!(rom.irq(), "B/C: every clock that leaves 0 fires");

        let mut header_a = numbered_rom(4, 2, 8, 0).header().clone();
        header_a.submapper = 4;
        let mut a = Mmc3::new(&header_a).unwrap();
        a.irq_enabled = true;
        a.clock_counter(); // 0 -> reload 0, not forced
        assert!(!a.irq_line, "A: a natural reload to 0 is silent");
        a.irq_reload = true;
        a.clock_counter();
        assert!(a.irq_line, "A: a $C001 reload to 0 fires");
    }

    /// The batched PPU trusts `clocks_to_irq`: it must be exactly the
    /// number of clocks after which the counter first raises the line.
    #[test]
    fn clocks_to_irq_is_the_clock_that_raises_the_line() {
        let header = numbered_rom(4, 2, 8, 0).header().clone();
        let mut header_a = header.clone();
        header_a.submapper = 4;
        for header in [&header, &header_a] {
            for latch in [0u8, 1, 2, 5, 127, 255] {
                for counter in 0..=255u8 {
                    for reload in [false, true] {
                        let mut mmc3 = Mmc3::new(header).unwrap();
                        (mmc3.irq_latch, mmc3.irq_counter, mmc3.irq_reload, mmc3.irq_enabled) = (latch, counter, reload, true);
                        let predicted = mmc3.clocks_to_irq();
                        let fired = (1..=600u64).find(|_| {
                            mmc3.clock_counter();
                            mmc3.irq_line
                        });
                        let case = (mmc3.revision, latch, counter, reload);
                        assert_eq!(predicted, fired, "{case:?}");
                    }
                }
            }
        }
        let mut off = Mmc3::new(&header).unwrap();
        off.irq_counter = 1;
        assert_eq!(off.clocks_to_irq(), None, "IRQs disabled: nothing to wait for");
    }
}
