//! GxROM, mapper 66 (nesdev wiki: "GxROM"): 32 KiB PRG in bits 4-5 and 8 KiB
//! CHR in bits 0-1 of one register at $8000-$FFFF, with bus conflicts.

use super::Mapper;
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone)]
pub struct Gxrom;

impl Gxrom {
    pub fn new(_header: &Header) -> Result<Self, RomError> {
        Ok(Gxrom)
    }
}

impl Mapper for Gxrom {
    fn reset(&mut self, map: &mut MemoryMap) {
        map.map_prg_32k(0);
        map.map_chr_8k(0);
    }

    fn cpu_write(&mut self, _addr: u16, value: u8, map: &mut MemoryMap) {
        map.map_prg_32k(usize::from((value >> 4) & 0x03));
        map.map_chr_8k(usize::from(value & 0x03));
    }

    fn has_bus_conflicts(&self) -> bool {
        true
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Gxrom {});

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn banks_prg_high_bits_and_chr_low_bits() {
        let mut cart = numbered_rom(66, 8, 4, 0);
        cart.cpu_write(0xFFFF, 0xFF, 0); // ROM holds 15 there: PRG 0, CHR 3
        assert_eq!(prg_bank(&cart, 0x8000), 0);
        assert_eq!(chr_bank(&cart, 0x0000), 24);
    }
}
