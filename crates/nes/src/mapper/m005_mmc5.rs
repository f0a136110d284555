//! MMC5, mapper 5 (ExROM; nesdev wiki: "MMC5"): four PRG layouts with RAM
//! bankable into $8000-$DFFF, four CHR layouts with a separate background
//! set for 8x16 sprites, 1 KiB of ExRAM (extra nametable, per-tile attributes
//! and banks, or plain RAM), a fill-mode nametable, a scanline IRQ, an 8x8
//! multiplier and extra sound.
//!
//! The MMC5 sees only the PPU's address bus. It finds scanlines by the three
//! reads of one nametable address that end each rendered line, knows the
//! PPU has stopped rendering when reads stop for three CPU cycles, and tells
//! background fetches from sprite fetches by what precedes a pattern read:
//! an attribute read (background) or two nametable reads (sprites). It
//! snoops $2000 for the sprite size.
//!
//! Not modelled: the vertical split ($5200-$5202, used by one game's intro).

use super::mmc5_audio::Mmc5Audio;
use super::Mapper;
use crate::cart::{Header, MemoryMap, PpuMemory, PpuMemoryMut, PrgTarget, RomError, CHR_SLOT, PRG_SLOT};

/// Which set of CHR registers a pattern fetch uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChrSet {
    /// $5120-$5127: sprites, and everything with 8x8 sprites.
    A,
    /// $5128-$512B: the background with 8x16 sprites.
    B,
}

/// The CHR registers and the slot tables made from them (boxed, like the
/// other bulky state, to keep every cartridge's `Board` small).
#[derive(Debug, Clone, Default)]
struct ChrBanks {
    /// $5120-$512B with the $5130 high bits that were current when written.
    regs: [u16; 12],
    /// CHR byte offsets for each 1 KiB slot, per set.
    a: [u32; 8],
    b: [u32; 8],
}

#[derive(Debug, Clone)]
pub struct Mmc5 {
    prg_mode: u8,
    /// $5113-$5117.
    prg: [u8; 5],
    ram_protect: [u8; 2],
    chr_mode: u8,
    chr: Box<ChrBanks>,
    chr_high: u16,
    last_chr_set: ChrSet,
    exram_mode: u8,
    exram: Box<[u8; 0x400]>,
    /// $5105: the source of each nametable (0-1 CIRAM page, 2 ExRAM, 3 fill).
    nametables: u8,
    fill_tile: u8,
    fill_attr: u8,
    sprites_8x16: bool,
    // Scanline detection and fetch tracking.
    last_ppu_addr: u16,
    same_addr_reads: u8,
    /// CPU cycles since the PPU last read.
    idle_cycles: u8,
    in_frame: bool,
    /// Pattern reads left that belong to the background tile just fetched.
    bg_pattern_reads: u8,
    /// The ExRAM byte for the background tile being fetched (extended attributes).
    ext_attr: u8,
    scanline: u8,
    irq_compare: u8,
    irq_enabled: bool,
    irq_pending: bool,
    multiplicand: u8,
    multiplier: u8,
    audio: Box<Mmc5Audio>,
    prg_ram_len: usize,
    chr_len: usize,
}

impl Mmc5 {
    pub fn new(_header: &Header) -> Result<Self, RomError> {
        Ok(Mmc5 {
            prg_mode: 3,
            prg: [0, 0xFF, 0xFF, 0xFF, 0xFF],
            ram_protect: [0; 2],
            chr_mode: 3,
            chr: Box::default(),
            chr_high: 0,
            last_chr_set: ChrSet::A,
            exram_mode: 0,
            exram: Box::new([0; 0x400]),
            nametables: 0,
            fill_tile: 0,
            fill_attr: 0,
            sprites_8x16: false,
            last_ppu_addr: 0,
            same_addr_reads: 0,
            idle_cycles: 0,
            in_frame: false,
            bg_pattern_reads: 0,
            ext_attr: 0,
            scanline: 0,
            irq_compare: 0,
            irq_enabled: false,
            irq_pending: false,
            multiplicand: 0xFF,
            multiplier: 0xFF,
            audio: Box::default(),
            // Both taken from the cartridge's memory map at reset.
            prg_ram_len: 0,
            chr_len: 0,
        })
    }

    /// The 8 KiB RAM bank a 3-bit value selects, as ExROM boards wire their
    /// one or two RAM chips (bit 2 is the second chip's select), or `None`.
    fn ram_bank(&self, value: u8) -> Option<usize> {
        let v = usize::from(value & 7);
        match self.prg_ram_len / PRG_SLOT {
            0 => None,
            1 => (v < 4).then_some(0),
            2 => Some(v >> 2),
            4 => (v < 4).then_some(v),
            banks => Some(v % banks),
        }
    }

    fn writable(&self) -> bool {
        self.ram_protect == [2, 1]
    }

    /// Maps an 8 KiB slot from a $5114-$5117-style value (bit 7: ROM).
    fn map_slot(&self, map: &mut MemoryMap, addr: u16, value: u8, rom_only: bool) {
        let index = usize::from(addr >> 13) - 3;
        if rom_only || value & 0x80 != 0 {
            map.map_prg_8k(addr, usize::from(value & 0x7F));
        } else {
            map.prg[index] = match self.ram_bank(value) {
                Some(bank) => PrgTarget::Ram { offset: (bank * PRG_SLOT) as u32, writable: self.writable() },
                None => PrgTarget::Open,
            };
        }
    }

    fn apply_prg(&self, map: &mut MemoryMap) {
        map.prg[0] = match self.ram_bank(self.prg[0]) {
            Some(bank) => PrgTarget::Ram { offset: (bank * PRG_SLOT) as u32, writable: self.writable() },
            None => PrgTarget::Open,
        };
        let [_, r4, r5, r6, r7] = self.prg;
        match self.prg_mode {
            0 => {
                for i in 0..4u8 {
                    self.map_slot(map, 0x8000 + 0x2000 * u16::from(i), (r7 & 0x7C) | i, true);
                }
            }
            1 => {
                self.map_slot(map, 0x8000, r5 & 0xFE, false);
                self.map_slot(map, 0xA000, r5 | 1, false);
                self.map_slot(map, 0xC000, r7 & 0x7E, true);
                self.map_slot(map, 0xE000, r7 | 1, true);
            }
            2 => {
                self.map_slot(map, 0x8000, r5 & 0xFE, false);
                self.map_slot(map, 0xA000, r5 | 1, false);
                self.map_slot(map, 0xC000, r6, false);
                self.map_slot(map, 0xE000, r7, true);
            }
            _ => {
                self.map_slot(map, 0x8000, r4, false);
                self.map_slot(map, 0xA000, r5, false);
                self.map_slot(map, 0xC000, r6, false);
                self.map_slot(map, 0xE000, r7, true);
            }
        }
    }

    /// Recomputes both sets' slot offsets from the registers and the layout.
    fn apply_chr(&mut self) {
        let banks_1k = (self.chr_len / CHR_SLOT).max(1);
        let offset = |bank: usize| ((bank % banks_1k) * CHR_SLOT) as u32;
        let regs = self.chr.regs;
        let a = |i: usize| usize::from(regs[i]);
        let b = |i: usize| usize::from(regs[8 + i]);
        for slot in 0..8 {
            let (bank_a, bank_b) = match self.chr_mode {
                0 => (a(7) * 8 + slot, b(3) * 8 + slot),
                1 => (a(slot | 3) * 4 + (slot & 3), b(3) * 4 + (slot & 3)),
                2 => (a(slot | 1) * 2 + (slot & 1), b((slot & 3) | 1) * 2 + (slot & 1)),
                _ => (a(slot), b(slot & 3)),
            };
            self.chr.a[slot] = offset(bank_a);
            self.chr.b[slot] = offset(bank_b);
        }
    }

    /// The PPU finished a line (the third read of one nametable address).
    fn scanline_detected(&mut self) {
        if self.in_frame {
            self.scanline = self.scanline.wrapping_add(1);
            if self.scanline == self.irq_compare {
                self.irq_pending = true;
            }
        } else {
            self.in_frame = true;
            self.scanline = 0;
        }
    }

    fn chr_set(&self) -> ChrSet {
        if !self.sprites_8x16 {
            ChrSet::A
        } else if !self.in_frame {
            self.last_chr_set
        } else if self.bg_pattern_reads > 0 {
            ChrSet::B
        } else {
            ChrSet::A
        }
    }

    /// The byte a nametable-area address reads, per $5105's routing.
    fn nametable_read(&self, addr: u16, mem: &PpuMemory<'_>) -> u8 {
        let offset = usize::from(addr & 0x3FF);
        match (self.nametables >> (((addr >> 10) & 3) * 2)) & 3 {
            page @ (0 | 1) => mem.vram[usize::from(page) * 0x400 + offset],
            2 => {
                if self.exram_mode <= 1 {
                    self.exram[offset]
                } else {
                    0
                }
            }
            _ => {
                if offset >= 0x3C0 {
                    self.fill_attr * 0x55
                } else {
                    self.fill_tile
                }
            }
        }
    }

    fn pattern_read(&self, addr: u16, mem: &PpuMemory<'_>, extended: bool) -> u8 {
        let addr = usize::from(addr & 0x1FFF);
        if extended {
            let bank_4k = (usize::from(self.chr_high) << 6) | usize::from(self.ext_attr & 0x3F);
            return mem.chr[(bank_4k * 0x1000 + (addr & 0xFFF)) % mem.chr.len()];
        }
        let slots = if self.chr_set() == ChrSet::A { &self.chr.a } else { &self.chr.b };
        mem.chr[slots[addr >> 10] as usize + (addr & 0x3FF)]
    }
}

impl Mapper for Mmc5 {
    fn reset(&mut self, map: &mut MemoryMap) {
        self.prg_ram_len = map.prg_ram_len;
        self.chr_len = map.chr_len;
        self.irq_pending = false;
        self.in_frame = false;
        self.apply_chr();
        self.apply_prg(map);
    }

    fn cpu_write(&mut self, addr: u16, value: u8, map: &mut MemoryMap) {
        match addr {
            0x5000..=0x5015 => self.audio.write(addr, value),
            0x5100 => self.prg_mode = value & 3,
            0x5101 => self.chr_mode = value & 3,
            0x5102 => self.ram_protect[0] = value & 3,
            0x5103 => self.ram_protect[1] = value & 3,
            0x5104 => self.exram_mode = value & 3,
            0x5105 => self.nametables = value,
            0x5106 => self.fill_tile = value,
            0x5107 => self.fill_attr = value & 3,
            0x5113..=0x5117 => self.prg[usize::from(addr - 0x5113)] = value,
            0x5120..=0x512B => {
                let i = usize::from(addr - 0x5120);
                self.chr.regs[i] = (self.chr_high << 8) | u16::from(value);
                self.last_chr_set = if i < 8 { ChrSet::A } else { ChrSet::B };
                self.apply_chr();
            }
            0x5130 => self.chr_high = u16::from(value & 3),
            0x5203 => self.irq_compare = value,
            0x5204 => self.irq_enabled = value & 0x80 != 0,
            0x5205 => self.multiplicand = value,
            0x5206 => self.multiplier = value,
            0x5C00..=0x5FFF => {
                // In the nametable modes the CPU may only write while the PPU renders.
                let offset = usize::from(addr - 0x5C00);
                match self.exram_mode {
                    0 | 1 => self.exram[offset] = if self.in_frame { value } else { 0 },
                    2 => self.exram[offset] = value,
                    _ => {}
                }
            }
            _ => return,
        }
        self.apply_prg(map);
    }

    fn sees_low_writes(&self) -> bool {
        true
    }

    fn reads_low(&self) -> bool {
        true
    }

    fn cpu_read_low(&mut self, addr: u16) -> Option<u8> {
        match addr {
            0x5010 => self.audio.read(addr),
            0x5204 => {
                let status = self.peek_low(addr);
                self.irq_pending = false;
                status
            }
            _ => self.peek_low(addr),
        }
    }

    fn peek_low(&self, addr: u16) -> Option<u8> {
        match addr {
            0x5010 | 0x5015 => self.audio.peek(addr),
            0x5204 => Some((u8::from(self.irq_pending) << 7) | (u8::from(self.in_frame) << 6)),
            0x5205 => Some((u16::from(self.multiplicand) * u16::from(self.multiplier)) as u8),
            0x5206 => Some(((u16::from(self.multiplicand) * u16::from(self.multiplier)) >> 8) as u8),
            0x5C00..=0x5FFF if self.exram_mode >= 2 => Some(self.exram[usize::from(addr - 0x5C00)]),
            _ => None,
        }
    }

    fn clocks_with_cpu(&self) -> bool {
        true
    }

    fn cpu_clock(&mut self, _map: &mut MemoryMap) {
        self.audio.clock();
        if self.idle_cycles < 3 {
            self.idle_cycles += 1;
            if self.idle_cycles == 3 {
                // No PPU reads for three cycles: rendering has stopped.
                self.in_frame = false;
                self.same_addr_reads = 0;
                self.last_ppu_addr = 0;
            }
        }
    }

    fn audio_level(&self) -> f32 {
        self.audio.level()
    }

    fn irq(&self) -> bool {
        self.irq_pending && self.irq_enabled
    }

    fn owns_ppu_bus(&self) -> bool {
        true
    }

    fn ppu_read(&mut self, addr: u16, mem: PpuMemory<'_>) -> u8 {
        let addr = addr & 0x3FFF;
        self.idle_cycles = 0;
        if (0x2000..0x3000).contains(&addr) && addr == self.last_ppu_addr {
            self.same_addr_reads += 1;
            if self.same_addr_reads == 2 {
                self.scanline_detected();
            }
        } else {
            self.same_addr_reads = 0;
        }
        self.last_ppu_addr = addr;

        if addr < 0x2000 {
            let extended = self.exram_mode == 1 && self.bg_pattern_reads > 0;
            let value = self.pattern_read(addr, &mem, extended);
            self.bg_pattern_reads = self.bg_pattern_reads.saturating_sub(1);
            return value;
        }
        let attribute = addr & 0x3FF >= 0x3C0;
        if attribute {
            self.bg_pattern_reads = 2;
            if self.exram_mode == 1 {
                // Extended attributes: every tile has its own palette, from ExRAM bits 6-7.
                return (self.ext_attr >> 6) * 0x55;
            }
        } else {
            self.bg_pattern_reads = 0;
            self.ext_attr = self.exram[usize::from(addr & 0x3FF)];
        }
        self.nametable_read(addr, &mem)
    }

    fn ppu_peek(&self, addr: u16, mem: PpuMemory<'_>) -> u8 {
        let addr = addr & 0x3FFF;
        if addr < 0x2000 { self.pattern_read(addr, &mem, false) } else { self.nametable_read(addr, &mem) }
    }

    fn ppu_write(&mut self, addr: u16, value: u8, mem: PpuMemoryMut<'_>) {
        let addr = addr & 0x3FFF;
        if addr < 0x2000 {
            if mem.map.chr_writable {
                let slots = if self.last_chr_set == ChrSet::A { &self.chr.a } else { &self.chr.b };
                mem.chr[slots[usize::from(addr >> 10)] as usize + usize::from(addr & 0x3FF)] = value;
            }
            return;
        }
        let offset = usize::from(addr & 0x3FF);
        match (self.nametables >> (((addr >> 10) & 3) * 2)) & 3 {
            page @ (0 | 1) => mem.vram[usize::from(page) * 0x400 + offset] = value,
            2 if self.exram_mode <= 1 => self.exram[offset] = value,
            _ => {}
        }
    }

    fn watches_ppu_registers(&self) -> bool {
        true
    }

    fn ppu_register_write(&mut self, addr: u16, value: u8) {
        if addr & 7 == 0 {
            self.sprites_8x16 = value & 0x20 != 0;
        }
    }
}

crate::state::persist_fields!(ChrBanks { regs, a, b });
// The RAM and CHR sizes come from the cartridge.
crate::state::persist_fields!(Mmc5 {
    prg_mode, prg, ram_protect, chr_mode, chr, chr_high, last_chr_set, exram_mode, exram, nametables, fill_tile,
    fill_attr, sprites_8x16, last_ppu_addr, same_addr_reads, idle_cycles, in_frame, bg_pattern_reads, ext_attr,
    scanline, irq_compare, irq_enabled, irq_pending, multiplicand, multiplier, audio,
});

impl crate::state::Persist for ChrSet {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        let mut b = u8::from(*self == ChrSet::B);
        s.u8(&mut b);
        *self = if b != 0 { ChrSet::B } else { ChrSet::A };
    }
}

#[cfg(test)]
mod tests {
    use crate::cart::Cartridge;
    use crate::mapper::test_util::*;

    /// An MMC5 cartridge with 64 KiB of RAM (iNES 1.0), 256 KiB PRG, 128 KiB CHR.
    fn mmc5() -> Cartridge {
        numbered_rom(5, 16, 16, 0)
    }

    /// The PPU's reads for one rendered line: 32 background tiles, 8 sprite
    /// slots (two nametable reads, two pattern reads), two prefetched tiles,
    /// and the two nametable reads that end the line. Returns the pattern
    /// bytes read for the background and for the sprites.
    fn render_line(cart: &mut Cartridge, bg_tile_addr: u16, sprite_addr: u16) -> (Vec<u8>, Vec<u8>) {
        let (mut bg, mut sprites) = (Vec::new(), Vec::new());
        let tile = |cart: &mut Cartridge, i: u16, bg: &mut Vec<u8>| {
            cart.ppu_read(0x2000 + (i & 31));
            cart.ppu_read(0x23C0);
            bg.push(cart.ppu_read(bg_tile_addr));
            cart.ppu_read(bg_tile_addr | 8);
        };
        for i in 2..34 {
            tile(cart, i, &mut bg);
        }
        for _ in 0..8 {
            cart.ppu_read(0x2000);
            cart.ppu_read(0x2000);
            sprites.push(cart.ppu_read(sprite_addr));
            cart.ppu_read(sprite_addr | 8);
        }
        tile(cart, 0, &mut bg);
        tile(cart, 1, &mut bg);
        cart.ppu_read(0x2002);
        cart.ppu_read(0x2002);
        (bg, sprites)
    }

    fn idle(cart: &mut Cartridge, cycles: usize) {
        for _ in 0..cycles {
            cart.cpu_clock();
        }
    }

    #[test]
    fn prg_modes_and_ram_in_rom_space() {
        let mut cart = mmc5();
        // Power-on: mode 3, $5117 = $FF (the last bank at $E000).
        assert_eq!(prg_bank(&cart, 0xE000), 31);
        cart.cpu_write(0x5100, 1, 0); // two 16 KiB banks
        cart.cpu_write(0x5115, 0x85, 0); // ROM, bank 4-5 (bit 0 ignored)
        cart.cpu_write(0x5117, 0x8A, 0);
        assert_eq!([0x8000, 0xA000, 0xC000, 0xE000].map(|a| prg_bank(&cart, a)), [4, 5, 10, 11]);
        cart.cpu_write(0x5100, 0, 0); // one 32 KiB bank from $5117
        assert_eq!([0x8000, 0xE000].map(|a| prg_bank(&cart, a)), [8, 11]);
        // Mode 3 with RAM bank 3 at $8000; writes need $5102 = 2, $5103 = 1.
        cart.cpu_write(0x5100, 3, 0);
        cart.cpu_write(0x5114, 0x03, 0);
        cart.cpu_write(0x8000, 0x42, 0);
        assert_eq!(cart.cpu_read(0x8000), Some(0), "write-protected");
        cart.cpu_write(0x5102, 2, 0);
        cart.cpu_write(0x5103, 1, 0);
        cart.cpu_write(0x8000, 0x42, 0);
        assert_eq!(cart.cpu_read(0x8000), Some(0x42));
        // The same RAM bank at $6000.
        cart.cpu_write(0x5113, 0x03, 0);
        assert_eq!(cart.cpu_read(0x6000), Some(0x42));
        assert_eq!(cart.prg_ram().len(), 0x10000, "iNES 1.0 MMC5 gets 64 KiB");
    }

    #[test]
    fn multiplier_and_exram_as_ram() {
        let mut cart = mmc5();
        cart.cpu_write(0x5205, 200, 0);
        cart.cpu_write(0x5206, 123, 0);
        assert_eq!((cart.cpu_read_bus(0x5205), cart.cpu_read_bus(0x5206)), (Some(0x18), Some(0x60)));
        cart.cpu_write(0x5104, 2, 0);
        cart.cpu_write(0x5C10, 0x77, 0);
        assert_eq!(cart.cpu_read_bus(0x5C10), Some(0x77));
        cart.cpu_write(0x5104, 3, 0);
        cart.cpu_write(0x5C10, 0x11, 0);
        assert_eq!(cart.cpu_read_bus(0x5C10), Some(0x77), "mode 3 is read-only");
        cart.cpu_write(0x5104, 0, 0);
        assert_eq!(cart.cpu_read_bus(0x5C10), None, "mode 0 is not readable");
    }

    #[test]
    fn scanline_irq_counts_rendered_lines() {
        let mut cart = mmc5();
        cart.cpu_write(0x5203, 3, 0);
        cart.cpu_write(0x5204, 0x80, 0);
        render_line(&mut cart, 0, 0); // pre-render line: ends with the first detection pending
        assert_eq!(cart.cpu_read_bus(0x5204), Some(0x00), "not in frame until line 0 starts");
        let mut fired = None;
        for line in 0..10 {
            render_line(&mut cart, 0, 0);
            if fired.is_none() && cart.irq() {
                fired = Some(line);
            }
        }
        // Detections happen at the first read of each line: line 0 enters
        // the frame, lines 1, 2, 3 count, and the IRQ comes as line 3 starts.
        assert_eq!(fired, Some(3));
        assert_eq!(cart.cpu_read_bus(0x5204), Some(0xC0), "pending and in frame");
        assert!(!cart.irq(), "reading $5204 acknowledges");
        idle(&mut cart, 3);
        assert_eq!(cart.cpu_read_bus(0x5204), Some(0x00), "three idle cycles end the frame");
    }

    #[test]
    fn sprites_8x16_use_set_a_and_the_background_set_b() {
        let mut cart = mmc5();
        cart.cpu_write(0x5101, 3, 0); // 1 KiB banks
        for i in 0..8u16 {
            cart.cpu_write(0x5120 + i, 0x10 + i as u8, 0);
        }
        for i in 0..4u16 {
            cart.cpu_write(0x5128 + i, 0x40 + i as u8, 0);
        }
        cart.ppu_register_written(0x2000, 0x20); // 8x16 sprites
        render_line(&mut cart, 0x1000, 0x0400);
        let (bg, sprites) = render_line(&mut cart, 0x1000, 0x0400);
        // Background at $1000: set B's first register (B mirrors into both halves).
        assert!(bg.iter().all(|&b| b == 0x40), "{bg:?}");
        assert!(sprites.iter().all(|&b| b == 0x11), "{sprites:?}");
        // Outside the frame, reads use the set written last (B here).
        idle(&mut cart, 3);
        assert_eq!(cart.ppu_read(0x0400), 0x41);
        // With 8x8 sprites, set A serves everything.
        cart.ppu_register_written(0x2000, 0x00);
        let (bg, _) = render_line(&mut cart, 0x1000, 0x0400);
        assert!(bg.iter().all(|&b| b == 0x14), "{bg:?}");
    }

    #[test]
    fn extended_attributes_give_each_tile_a_bank_and_palette() {
        let mut cart = mmc5();
        cart.cpu_write(0x5104, 1, 0);
        cart.cpu_write(0x5105, 0, 0);
        render_line(&mut cart, 0, 0);
        render_line(&mut cart, 0, 0); // in frame: ExRAM writes land
        cart.cpu_write(0x5C05, 0xC7, 0); // tile 5: palette 3, 4 KiB bank 7
        cart.ppu_read(0x2005);
        assert_eq!(cart.ppu_read(0x23C1), 0xFF, "palette 3 in every quadrant");
        assert_eq!(cart.ppu_read(0x0000), 28, "4 KiB bank 7 starts with 1 KiB bank 28");
    }

    #[test]
    fn fill_mode_and_nametable_routing() {
        let mut cart = mmc5();
        cart.cpu_write(0x5105, 0b11_10_01_00, 0); // CIRAM 0, CIRAM 1, ExRAM, fill
        cart.cpu_write(0x5106, 0x29, 0);
        cart.cpu_write(0x5107, 2, 0);
        cart.ppu_write(0x2000, 0xA0);
        cart.ppu_write(0x2400, 0xA1);
        cart.ppu_write(0x2800, 0xA2);
        assert_eq!([0x2000, 0x2400, 0x2800].map(|a| cart.ppu_peek(a)), [0xA0, 0xA1, 0xA2]);
        assert_eq!((cart.ppu_peek(0x2C00), cart.ppu_peek(0x2FC0)), (0x29, 0xAA));
    }

    #[test]
    fn pulse_sound_reaches_the_board_output() {
        let mut cart = mmc5();
        cart.cpu_write(0x5015, 1, 0);
        cart.cpu_write(0x5000, 0x3F, 0);
        cart.cpu_write(0x5002, 0x80, 0);
        cart.cpu_write(0x5003, 0x08, 0);
        let peak = (0..4000).fold(0f32, |m, _| {
            cart.cpu_clock();
            m.max(cart.audio_level())
        });
        assert!(peak > 0.1, "{peak}");
    }
}
