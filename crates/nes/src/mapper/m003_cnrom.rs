//! CNROM, mapper 3 (nesdev wiki: "INES Mapper 003"): fixed PRG, 8 KiB CHR banks.

use super::Mapper;
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone)]
pub struct Cnrom {
    bus_conflicts: bool,
}

impl Cnrom {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        Ok(Cnrom { bus_conflicts: header.submapper == 2 })
    }
}

impl Mapper for Cnrom {
    fn reset(&mut self, map: &mut MemoryMap) {
        map.map_prg_32k(0);
        map.map_chr_8k(0);
    }

    fn cpu_write(&mut self, _addr: u16, value: u8, map: &mut MemoryMap) {
        map.map_chr_8k(usize::from(value));
    }

    fn has_bus_conflicts(&self) -> bool {
        self.bus_conflicts
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Cnrom {});

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn switches_chr() {
        let mut cart = numbered_rom(3, 2, 4, 0);
        assert_eq!(chr_bank(&cart, 0x1C00), 7);
        cart.cpu_write(0x8000, 2, 0);
        assert_eq!(chr_bank(&cart, 0x0000), 16);
        assert_eq!(chr_bank(&cart, 0x1C00), 23);
    }
}
