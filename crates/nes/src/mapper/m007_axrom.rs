//! AxROM, mapper 7 (nesdev wiki: "AxROM"): 32 KiB PRG banks and a
//! one-screen nametable selected by bit 4.

use super::Mapper;
use crate::cart::{Header, MemoryMap, Mirroring, RomError};

#[derive(Debug, Clone)]
pub struct Axrom {
    bus_conflicts: bool,
}

impl Axrom {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        Ok(Axrom { bus_conflicts: header.submapper == 2 })
    }
}

impl Mapper for Axrom {
    fn reset(&mut self, map: &mut MemoryMap) {
        map.map_prg_32k(0);
        map.set_mirroring(Mirroring::SingleScreenLow);
    }

    fn cpu_write(&mut self, _addr: u16, value: u8, map: &mut MemoryMap) {
        map.map_prg_32k(usize::from(value & 0x07));
        map.set_mirroring(if value & 0x10 != 0 {
            Mirroring::SingleScreenHigh
        } else {
            Mirroring::SingleScreenLow
        });
    }

    fn has_bus_conflicts(&self) -> bool {
        self.bus_conflicts
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Axrom {});

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn switches_32k_and_one_screen() {
        let mut cart = numbered_rom(7, 8, 0, 0);
        cart.cpu_write(0x8000, 0x12, 0);
        assert_eq!(prg_bank(&cart, 0x8000), 8);
        assert_eq!(prg_bank(&cart, 0xE000), 11);
        cart.ppu_write(0x2000, 0xAB);
        assert_eq!(cart.ppu_peek(0x2C00), 0xAB, "one screen: all four nametables alike");
        cart.cpu_write(0x8000, 0x02, 0);
        assert_ne!(cart.ppu_peek(0x2000), 0xAB, "bit 4 clear selects the other page");
    }
}
