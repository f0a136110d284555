//! Color Dreams, mapper 11 (nesdev wiki: "Color Dreams"): one register
//! anywhere in $8000-$FFFF, 32 KiB PRG in bits 0-1 and 8 KiB CHR in bits 4-7,
//! with bus conflicts.

use super::Mapper;
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone)]
pub struct ColorDreams;

impl ColorDreams {
    pub fn new(_header: &Header) -> Result<Self, RomError> {
        Ok(ColorDreams)
    }
}

impl Mapper for ColorDreams {
    fn reset(&mut self, map: &mut MemoryMap) {
        map.map_prg_32k(0);
        map.map_chr_8k(0);
    }

    fn cpu_write(&mut self, _addr: u16, value: u8, map: &mut MemoryMap) {
        map.map_prg_32k(usize::from(value & 0x03));
        map.map_chr_8k(usize::from(value >> 4));
    }

    fn has_bus_conflicts(&self) -> bool {
        true
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(ColorDreams {});

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn one_register_banks_prg_and_chr_through_bus_conflicts() {
        let mut cart = numbered_rom(11, 8, 8, 0);
        // The ROM byte at $8001 is 0: a conflicting write there sees 0.
        cart.cpu_write(0x8001, 0x31, 0);
        assert_eq!(prg_bank(&cart, 0x8000), 0);
        // At $FFFF the ROM holds the bank number 3 (binary 0000 0011).
        cart.cpu_write(0xFFFF, 0xFF, 0);
        assert_eq!(prg_bank(&cart, 0x8000), 3 * 4);
        assert_eq!(chr_bank(&cart, 0x0000), 0);
    }
}
