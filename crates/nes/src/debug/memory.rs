//! The memories a debugger can look at and edit, read without side effects
//! (a look at $2002, $2007, $4015 or $4016 changes nothing) and edited in
//! place (an edit is a poke of the byte, never a bus write).

use crate::Nes;

/// A memory the debugger shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MemorySpace {
    /// The CPU's address space as the program sees it now.
    #[default]
    CpuBus,
    /// The console's 2 KiB of work RAM.
    InternalRam,
    PrgRom,
    /// Cartridge work and battery RAM.
    PrgRam,
    /// CHR ROM or CHR RAM.
    Chr,
    /// CIRAM and any four-screen RAM (4 KiB, $2000-$2FFF unmirrored).
    Nametables,
    Palette,
    Oam,
}

impl MemorySpace {
    pub const ALL: [MemorySpace; 8] = [
        MemorySpace::CpuBus,
        MemorySpace::InternalRam,
        MemorySpace::PrgRom,
        MemorySpace::PrgRam,
        MemorySpace::Chr,
        MemorySpace::Nametables,
        MemorySpace::Palette,
        MemorySpace::Oam,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MemorySpace::CpuBus => "CPU bus",
            MemorySpace::InternalRam => "Internal RAM",
            MemorySpace::PrgRom => "PRG ROM",
            MemorySpace::PrgRam => "PRG RAM",
            MemorySpace::Chr => "CHR",
            MemorySpace::Nametables => "Nametable RAM",
            MemorySpace::Palette => "Palette RAM",
            MemorySpace::Oam => "OAM",
        }
    }
}

/// Why an edit was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    #[error("{space} has {len} bytes; ${addr:X} is past its end")]
    OutOfRange { space: &'static str, addr: u32, len: usize },
    #[error("${0:04X} is a register, not memory: edit it by running code, or edit what it controls")]
    Register(u16),
    #[error("nothing is mapped at ${0:04X}")]
    Unmapped(u16),
}

impl Nes {
    /// Bytes in `space` for this cartridge.
    pub fn memory_len(&self, space: MemorySpace) -> usize {
        let cart = self.cartridge();
        match space {
            MemorySpace::CpuBus => 0x10000,
            MemorySpace::InternalRam => 0x800,
            MemorySpace::PrgRom => cart.prg_rom().len(),
            MemorySpace::PrgRam => cart.prg_ram().len(),
            MemorySpace::Chr => cart.chr().len(),
            MemorySpace::Nametables => 0x1000,
            MemorySpace::Palette => 32,
            MemorySpace::Oam => 256,
        }
    }

    /// Fills `out` from `start` in `space` with no side effect at all;
    /// bytes past the end read as 0. Returns how many were in range.
    pub fn read_memory(&self, space: MemorySpace, start: u32, out: &mut [u8]) -> usize {
        let len = self.memory_len(space);
        let bus = self.bus();
        let cart = self.cartridge();
        let from_slice = |data: &[u8], out: &mut [u8]| {
            let start = (start as usize).min(data.len());
            let n = out.len().min(data.len() - start);
            out[..n].copy_from_slice(&data[start..start + n]);
            out[n..].fill(0);
            n
        };
        match space {
            MemorySpace::CpuBus => {
                let n = out.len().min(len.saturating_sub(start as usize));
                for (i, byte) in out.iter_mut().enumerate() {
                    *byte = if i < n { bus.peek((start as usize + i) as u16) } else { 0 };
                }
                n
            }
            MemorySpace::InternalRam => from_slice(&bus.ram()[..], out),
            MemorySpace::PrgRom => from_slice(cart.prg_rom(), out),
            MemorySpace::PrgRam => from_slice(cart.prg_ram(), out),
            MemorySpace::Chr => from_slice(cart.chr(), out),
            MemorySpace::Nametables => from_slice(&cart.vram()[..], out),
            MemorySpace::Palette => from_slice(&bus.ppu.palette_ram()[..], out),
            MemorySpace::Oam => from_slice(&bus.ppu.oam()[..], out),
        }
    }

    /// Changes one byte of `space` in place (no bus write: no register
    /// reacts, no board sees it). CPU bus addresses edit what is mapped
    /// there: work RAM, or the PRG RAM or ROM byte behind $6000-$FFFF.
    pub fn write_memory(&mut self, space: MemorySpace, addr: u32, value: u8) -> Result<(), MemoryError> {
        let len = self.memory_len(space);
        if addr as usize >= len {
            return Err(MemoryError::OutOfRange { space: space.name(), addr, len });
        }
        let i = addr as usize;
        match space {
            MemorySpace::CpuBus => return self.poke_cpu(addr as u16, value),
            MemorySpace::InternalRam => self.bus_mut().ram_mut()[i] = value,
            MemorySpace::Palette => self.bus_mut().ppu.poke_palette(i, value),
            MemorySpace::Oam => self.bus_mut().ppu.poke_oam(i, value),
            MemorySpace::PrgRom | MemorySpace::PrgRam | MemorySpace::Chr | MemorySpace::Nametables => {
                let (prg_rom, prg_ram, chr, vram) = self.cartridge_mut().memory_mut();
                let target = match space {
                    MemorySpace::PrgRom => prg_rom,
                    MemorySpace::PrgRam => prg_ram,
                    MemorySpace::Chr => chr,
                    _ => &mut vram[..],
                };
                target[i] = value;
            }
        }
        Ok(())
    }

    fn poke_cpu(&mut self, addr: u16, value: u8) -> Result<(), MemoryError> {
        match addr {
            0x0000..=0x1FFF => {
                self.bus_mut().ram_mut()[usize::from(addr & 0x7FF)] = value;
                Ok(())
            }
            0x2000..=0x5FFF => Err(MemoryError::Register(addr)),
            _ => {
                if let Some(offset) = self.cartridge().prg_rom_offset(addr) {
                    return self.write_memory(MemorySpace::PrgRom, offset, value);
                }
                let map = self.cartridge().memory_map();
                match map.prg[(usize::from(addr) >> 13) - 3] {
                    crate::cart::PrgTarget::Ram { offset, .. } => {
                        self.write_memory(MemorySpace::PrgRam, offset + u32::from(addr & 0x1FFF), value)
                    }
                    _ => Err(MemoryError::Unmapped(addr)),
                }
            }
        }
    }
}
