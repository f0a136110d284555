//! Cartridge boards, one file per iNES mapper number (nesdev wiki: "Mapper").
//!
//! A board is told about CPU writes to cartridge space and programs the
//! [`MemoryMap`] bank tables; reads never call board code. The other hooks
//! are opt-in, and only the boards that ask for one pay for it: watching the
//! PPU address bus (MMC2's latches, MMC3's A12 counter), a clock every CPU
//! cycle (cycle-counting IRQs, expansion sound), registers that answer reads
//! below $6000, and boards that decide every PPU read themselves (MMC5).
//!
//! Adding a board: write `mNNN_name.rs` implementing [`Mapper`], then add one
//! line to the `boards!` table below.

mod m000_nrom;
mod m001_mmc1;
mod m002_uxrom;
mod m003_cnrom;
mod m004_mmc3;
mod m005_mmc5;
mod m007_axrom;
mod m009_mmc2;
mod m011_color_dreams;
mod m021_vrc2_vrc4;
mod m024_vrc6;
mod m034_bnrom_nina;
mod m066_gxrom;
mod m069_fme7;
mod m071_camerica;
mod mmc5_audio;
mod vrc6_audio;
mod vrc_irq;

use crate::cart::{Header, MemoryMap, Mirroring, PpuMemory, PpuMemoryMut, RomError};
use crate::ppu::BusOutlook;
pub use m004_mmc3::Revision as Mmc3Revision;

/// What every board implements. Defaults describe a board with no extras.
pub trait Mapper {
    /// Sets the power-on (and reset) bank layout.
    fn reset(&mut self, map: &mut MemoryMap);
    /// A CPU write to $8000-$FFFF (or $4020-$7FFF where `sees_low_writes`).
    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap);
    /// True when `ppu_bus` must be called for every PPU address-bus access.
    fn watches_ppu_bus(&self) -> bool {
        false
    }
    /// The PPU put `addr` on its address bus.
    fn ppu_bus(&mut self, _addr: u16, _map: &mut MemoryMap) {}
    /// The address bits the board watches: a rendering fetch whose bits
    /// under the mask are those of the last access the board was told of
    /// is not passed on (the board would do nothing with it).
    fn ppu_bus_mask(&self) -> u16 {
        0x3FFF
    }
    /// For a board that watches the PPU bus: dots from now (at least 1)
    /// in which its IRQ output cannot change unless the CPU writes one of
    /// its or the PPU's registers, given what the PPU's fetches promise.
    /// The PPU runs in batches that long between catch-ups; the default, 1,
    /// catches it up every dot.
    fn irq_quiet_dots(&self, _ppu: &BusOutlook) -> u64 {
        1
    }
    /// The board's IRQ output.
    fn irq(&self) -> bool {
        false
    }
    /// Writes are ANDed with the ROM byte at the address (discrete-logic boards).
    fn has_bus_conflicts(&self) -> bool {
        false
    }
    /// The board has registers below $8000.
    fn sees_low_writes(&self) -> bool {
        false
    }
    /// True when `cpu_clock` must be called every CPU cycle.
    fn clocks_with_cpu(&self) -> bool {
        false
    }
    /// One CPU cycle (M2) passed.
    fn cpu_clock(&mut self, _map: &mut MemoryMap) {}
    /// The board's sound, on the APU mixer's scale (one 2A03 pulse at full
    /// volume is about 0.15). Read after every `cpu_clock` and register write.
    fn audio_level(&self) -> f32 {
        0.0
    }
    /// True when reads of $4020-$5FFF must go to `cpu_read_low`.
    fn reads_low(&self) -> bool {
        false
    }
    /// A CPU read of $4020-$5FFF; `None` is open bus.
    fn cpu_read_low(&mut self, _addr: u16) -> Option<u8> {
        None
    }
    /// The same read without side effects (debugger).
    fn peek_low(&self, _addr: u16) -> Option<u8> {
        None
    }
    /// True when the board decides every PPU read and write (`ppu_read`/`ppu_write`).
    fn owns_ppu_bus(&self) -> bool {
        false
    }
    /// A PPU read of $0000-$2FFF for a board that owns the bus.
    fn ppu_read(&mut self, addr: u16, mem: PpuMemory<'_>) -> u8 {
        mem.read(addr)
    }
    /// A PPU write of $0000-$2FFF for a board that owns the bus.
    fn ppu_write(&mut self, addr: u16, value: u8, mut mem: PpuMemoryMut<'_>) {
        mem.write(addr, value)
    }
    /// A side-effect-free PPU read for a board that owns the bus.
    fn ppu_peek(&self, addr: u16, mem: PpuMemory<'_>) -> u8 {
        mem.read(addr)
    }
    /// True when the board snoops CPU writes to the PPU's registers.
    fn watches_ppu_registers(&self) -> bool {
        false
    }
    /// The CPU wrote `value` to PPU register `addr` ($2000-$3FFF).
    fn ppu_register_write(&mut self, _addr: u16, _value: u8) {}
}

/// The mirroring encoding several boards share (VRC4, VRC6, FME-7): 0
/// vertical, 1 horizontal, 2 one-screen page 0, 3 one-screen page 1.
pub(crate) fn mirroring_vh01(bits: u8) -> Mirroring {
    match bits & 3 {
        0 => Mirroring::Vertical,
        1 => Mirroring::Horizontal,
        2 => Mirroring::SingleScreenLow,
        _ => Mirroring::SingleScreenHigh,
    }
}

macro_rules! boards {
    ($($variant:ident($ty:ty) = $($num:literal)|+;)*) => {
        /// The board on a cartridge: an enum so the hot path dispatches statically.
        #[derive(Debug, Clone)]
        pub enum Board {
            $($variant($ty),)*
        }

        /// iNES mapper numbers this core runs, for error messages.
        pub const SUPPORTED_MAPPERS: &str = concat!($($(stringify!($num), " "),+),*);

        impl Board {
            /// Builds the board named by the header and sets its power-on banks.
            pub fn new(header: &Header, map: &mut MemoryMap) -> Result<Self, RomError> {
                let mut board = match header.mapper {
                    $($($num)|+ => Board::$variant(<$ty>::new(header)?),)*
                    mapper => {
                        return Err(RomError::UnsupportedMapper {
                            mapper,
                            supported: SUPPORTED_MAPPERS.trim_end(),
                        })
                    }
                };
                board.reset(map);
                Ok(board)
            }

            /// The board's name, as the nesdev wiki gives it.
            pub fn name(&self) -> &'static str {
                match self { $(Board::$variant(_) => stringify!($variant),)* }
            }
        }

        impl $crate::state::Persist for Board {
            fn persist<S: $crate::state::Stream>(&mut self, s: &mut S) {
                match self { $(Board::$variant(b) => b.persist(s),)* }
            }
        }

        impl Mapper for Board {
            #[inline]
            fn reset(&mut self, map: &mut MemoryMap) {
                match self { $(Board::$variant(b) => b.reset(map),)* }
            }
            #[inline]
            fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
                match self { $(Board::$variant(b) => b.cpu_write(addr, value, map),)* }
            }
            #[inline]
            fn watches_ppu_bus(&self) -> bool {
                match self { $(Board::$variant(b) => b.watches_ppu_bus(),)* }
            }
            #[inline]
            fn ppu_bus(&mut self, addr: u16, map: &mut MemoryMap) {
                match self { $(Board::$variant(b) => b.ppu_bus(addr, map),)* }
            }
            #[inline]
            fn ppu_bus_mask(&self) -> u16 {
                match self { $(Board::$variant(b) => b.ppu_bus_mask(),)* }
            }
            #[inline]
            fn irq_quiet_dots(&self, ppu: &BusOutlook) -> u64 {
                match self { $(Board::$variant(b) => b.irq_quiet_dots(ppu),)* }
            }
            #[inline]
            fn irq(&self) -> bool {
                match self { $(Board::$variant(b) => b.irq(),)* }
            }
            #[inline]
            fn has_bus_conflicts(&self) -> bool {
                match self { $(Board::$variant(b) => b.has_bus_conflicts(),)* }
            }
            #[inline]
            fn sees_low_writes(&self) -> bool {
                match self { $(Board::$variant(b) => b.sees_low_writes(),)* }
            }
            #[inline]
            fn clocks_with_cpu(&self) -> bool {
                match self { $(Board::$variant(b) => b.clocks_with_cpu(),)* }
            }
            #[inline]
            fn cpu_clock(&mut self, map: &mut MemoryMap) {
                match self { $(Board::$variant(b) => b.cpu_clock(map),)* }
            }
            #[inline]
            fn audio_level(&self) -> f32 {
                match self { $(Board::$variant(b) => b.audio_level(),)* }
            }
            #[inline]
            fn reads_low(&self) -> bool {
                match self { $(Board::$variant(b) => b.reads_low(),)* }
            }
            #[inline]
            fn cpu_read_low(&mut self, addr: u16) -> Option<u8> {
                match self { $(Board::$variant(b) => b.cpu_read_low(addr),)* }
            }
            #[inline]
            fn peek_low(&self, addr: u16) -> Option<u8> {
                match self { $(Board::$variant(b) => b.peek_low(addr),)* }
            }
            #[inline]
            fn owns_ppu_bus(&self) -> bool {
                match self { $(Board::$variant(b) => b.owns_ppu_bus(),)* }
            }
            #[inline]
            fn ppu_read(&mut self, addr: u16, mem: PpuMemory<'_>) -> u8 {
                match self { $(Board::$variant(b) => b.ppu_read(addr, mem),)* }
            }
            #[inline]
            fn ppu_write(&mut self, addr: u16, value: u8, mem: PpuMemoryMut<'_>) {
                match self { $(Board::$variant(b) => b.ppu_write(addr, value, mem),)* }
            }
            #[inline]
            fn ppu_peek(&self, addr: u16, mem: PpuMemory<'_>) -> u8 {
                match self { $(Board::$variant(b) => b.ppu_peek(addr, mem),)* }
            }
            #[inline]
            fn watches_ppu_registers(&self) -> bool {
                match self { $(Board::$variant(b) => b.watches_ppu_registers(),)* }
            }
            #[inline]
            fn ppu_register_write(&mut self, addr: u16, value: u8) {
                match self { $(Board::$variant(b) => b.ppu_register_write(addr, value),)* }
            }
        }
    };
}

boards! {
    Nrom(m000_nrom::Nrom) = 0;
    Mmc1(m001_mmc1::Mmc1) = 1;
    Uxrom(m002_uxrom::Uxrom) = 2;
    Cnrom(m003_cnrom::Cnrom) = 3;
    Mmc3(m004_mmc3::Mmc3) = 4;
    Mmc5(m005_mmc5::Mmc5) = 5;
    Axrom(m007_axrom::Axrom) = 7;
    Mmc2(m009_mmc2::Mmc2) = 9 | 10;
    ColorDreams(m011_color_dreams::ColorDreams) = 11;
    Vrc2Vrc4(m021_vrc2_vrc4::Vrc2Vrc4) = 21 | 22 | 23 | 25;
    Vrc6(m024_vrc6::Vrc6) = 24 | 26;
    Mapper34(m034_bnrom_nina::Mapper34) = 34;
    Gxrom(m066_gxrom::Gxrom) = 66;
    Fme7(m069_fme7::Fme7) = 69;
    Camerica(m071_camerica::Camerica) = 71;
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::cart::Cartridge;

    /// An iNES image whose every 8 KiB PRG bank and 1 KiB CHR bank starts
    /// with its own bank number, so tests can see what is mapped where.
    pub fn numbered_rom(mapper: u8, prg_16k: u8, chr_8k: u8, flags6: u8) -> Cartridge {
        Cartridge::from_ines(&numbered_image(mapper, prg_16k, chr_8k, flags6)).expect("test ROM")
    }

    /// [`numbered_rom`] with an NES 2.0 header naming `submapper`.
    pub fn numbered_rom_sub(mapper: u8, submapper: u8, prg_16k: u8, chr_8k: u8) -> Cartridge {
        let mut rom = numbered_image(mapper, prg_16k, chr_8k, 0);
        rom[7] = (rom[7] & 0xF0) | 0x08; // NES 2.0
        rom[8] = submapper << 4;
        rom[10] = 0x07; // 8 KiB PRG RAM
        Cartridge::from_ines(&rom).expect("test ROM")
    }

    /// The bytes of [`numbered_rom`]'s image.
    pub fn numbered_image(mapper: u8, prg_16k: u8, chr_8k: u8, flags6: u8) -> Vec<u8> {
        let mut rom = vec![b'N', b'E', b'S', 0x1A, prg_16k, chr_8k, flags6 | (mapper << 4), mapper & 0xF0];
        rom.resize(16, 0);
        for bank in 0..usize::from(prg_16k) * 2 {
            let mut b = vec![0u8; 0x2000];
            b[0] = bank as u8;
            b[0x1FFF] = bank as u8;
            rom.extend(b);
        }
        for bank in 0..usize::from(chr_8k) * 8 {
            let mut b = vec![0u8; 0x400];
            b[0] = bank as u8;
            rom.extend(b);
        }
        rom
    }

    /// The 8 KiB PRG bank number seen at `addr`.
    pub fn prg_bank(cart: &Cartridge, addr: u16) -> u8 {
        cart.cpu_read(addr & 0xE000).unwrap()
    }

    /// The 1 KiB CHR bank number seen at `addr`.
    pub fn chr_bank(cart: &Cartridge, addr: u16) -> u8 {
        cart.ppu_peek(addr & 0x1C00)
    }
}
