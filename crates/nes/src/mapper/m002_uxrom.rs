//! UxROM, mapper 2 (nesdev wiki: "UxROM"): a switchable 16 KiB bank at $8000,
//! the last bank fixed at $C000.

use super::Mapper;
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone)]
pub struct Uxrom {
    bank: u8,
    bus_conflicts: bool,
}

impl Uxrom {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        // NES 2.0 submapper 2 declares bus conflicts; 1 declares none; 0 is unknown,
        // and the boards that rely on either behaviour write matching values anyway.
        Ok(Uxrom { bank: 0, bus_conflicts: header.submapper == 2 })
    }
}

impl Mapper for Uxrom {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.bank = 0;
        map.map_prg_16k(0x8000, 0);
        let last = (map.prg_rom_len / 0x4000).saturating_sub(1);
        map.map_prg_16k(0xC000, last);
    }

    fn cpu_write(&mut self, _addr: u16, value: u8, map: &mut MemoryMap) {
        self.bank = value;
        map.map_prg_16k(0x8000, usize::from(value));
    }

    fn has_bus_conflicts(&self) -> bool {
        self.bus_conflicts
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Uxrom { bank });

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn switches_8000_and_fixes_last_bank() {
        let mut cart = numbered_rom(2, 8, 0, 0);
        assert_eq!(prg_bank(&cart, 0xC000), 14);
        cart.cpu_write(0x8000, 3, 0);
        assert_eq!(prg_bank(&cart, 0x8000), 6);
        assert_eq!(prg_bank(&cart, 0xA000), 7);
        assert_eq!(prg_bank(&cart, 0xE000), 15);
    }
}
