//! Camerica/Codemasters, mapper 71 (nesdev wiki: "INES Mapper 071"): a 16 KiB
//! PRG bank at $8000 written at $C000-$FFFF, the last bank fixed, CHR RAM.
//! The Fire Hawk board (submapper 1) also selects a one-screen nametable
//! with bit 4 of writes to $8000-$9FFF.

use super::Mapper;
use crate::cart::{Header, MemoryMap, Mirroring, RomError};

#[derive(Debug, Clone)]
pub struct Camerica {
    mirroring_register: bool,
}

impl Camerica {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        Ok(Camerica { mirroring_register: header.submapper == 1 })
    }
}

impl Mapper for Camerica {
    fn reset(&mut self, map: &mut MemoryMap) {
        map.map_prg_16k(0x8000, 0);
        map.map_prg_16k(0xC000, (map.prg_rom_len / 0x4000).saturating_sub(1));
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        if addr >= 0xC000 {
            map.map_prg_16k(0x8000, usize::from(value));
        } else if addr < 0xA000 && self.mirroring_register {
            map.set_mirroring(if value & 0x10 != 0 { Mirroring::SingleScreenHigh } else { Mirroring::SingleScreenLow });
        }
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Camerica { mirroring_register });

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn banks_at_c000_writes_and_fixes_the_last() {
        let mut cart = numbered_rom(71, 8, 0, 0);
        cart.cpu_write(0x8000, 3, 0); // not a bank write on the plain board
        assert_eq!(prg_bank(&cart, 0x8000), 0);
        cart.cpu_write(0xC000, 3, 0);
        assert_eq!(prg_bank(&cart, 0x8000), 6);
        assert_eq!(prg_bank(&cart, 0xC000), 14);
    }
}
