//! Mapper 34 is two boards (nesdev wiki: "INES Mapper 034"): BNROM, a 32 KiB
//! PRG register at $8000-$FFFF with bus conflicts and CHR RAM; and NINA-001,
//! registers at $7FFD (32 KiB PRG), $7FFE and $7FFF (4 KiB CHR halves) with
//! PRG RAM. NES 2.0 submapper 1 is NINA-001, 2 is BNROM; otherwise CHR ROM
//! larger than 8 KiB means NINA-001.

use super::Mapper;
use crate::cart::{Header, MemoryMap, RomError};

#[derive(Debug, Clone)]
pub struct Mapper34 {
    nina: bool,
}

impl Mapper34 {
    pub fn new(header: &Header) -> Result<Self, RomError> {
        let nina = match header.submapper {
            1 => true,
            2 => false,
            _ => header.chr_rom_len > 0x2000,
        };
        Ok(Mapper34 { nina })
    }
}

impl Mapper for Mapper34 {
    fn reset(&mut self, map: &mut MemoryMap) {
        map.map_prg_32k(0);
        map.map_chr_8k(0);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        match (self.nina, addr) {
            (false, 0x8000..) => map.map_prg_32k(usize::from(value)),
            (true, 0x7FFD) => map.map_prg_32k(usize::from(value & 1)),
            (true, 0x7FFE) => map.map_chr_4k(0, usize::from(value & 0x0F)),
            (true, 0x7FFF) => map.map_chr_4k(1, usize::from(value & 0x0F)),
            _ => {}
        }
    }

    fn has_bus_conflicts(&self) -> bool {
        !self.nina
    }

    fn sees_low_writes(&self) -> bool {
        self.nina
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Mapper34 {});

#[cfg(test)]
mod tests {
    use crate::mapper::test_util::*;

    #[test]
    fn bnrom_and_nina_are_told_apart_by_chr_size() {
        let mut bnrom = numbered_rom(34, 8, 0, 0);
        // The ROM byte at $FFFF is 15; $FF AND 15 selects 32 KiB bank 15 mod 4 = 3.
        bnrom.cpu_write(0xFFFF, 0xFF, 0);
        assert_eq!(prg_bank(&bnrom, 0x8000), 12);

        let mut nina = numbered_rom(34, 4, 2, 0);
        nina.cpu_write(0x7FFD, 1, 0);
        nina.cpu_write(0x7FFE, 2, 0);
        nina.cpu_write(0x7FFF, 3, 0);
        assert_eq!(prg_bank(&nina, 0x8000), 4);
        assert_eq!(chr_bank(&nina, 0x0000), 8);
        assert_eq!(chr_bank(&nina, 0x1000), 12);
        // The NINA registers sit in PRG RAM's range, which still stores the bytes.
        assert_eq!(nina.cpu_read(0x7FFF), Some(3));
    }
}
