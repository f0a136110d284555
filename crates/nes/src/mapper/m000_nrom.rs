//! NROM, mapper 0 (nesdev wiki: "NROM"): 16 or 32 KiB PRG, 8 KiB CHR, no registers.

use super::Mapper;
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone, Default)]
pub struct Nrom;

impl Nrom {
    pub fn new(_header: &Header) -> Result<Self, RomError> {
        Ok(Nrom)
    }
}

impl Mapper for Nrom {
    fn reset(&mut self, map: &mut MemoryMap) {
        // NROM-128 mirrors its 16 KiB at $C000; `map_prg_*` wraps banks to the ROM size.
        map.map_prg_32k(0);
    }

    fn cpu_write(&mut self, _addr: u16, _value: u8, _map: &mut MemoryMap) {}
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Nrom {});

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn nrom_128_mirrors_at_c000() {
        let cart = numbered_rom(0, 1, 1, 0);
        assert_eq!(prg_bank(&cart, 0x8000), 0);
        assert_eq!(prg_bank(&cart, 0xA000), 1);
        assert_eq!(prg_bank(&cart, 0xC000), 0);
        assert_eq!(prg_bank(&cart, 0xE000), 1);
    }
}
