//! The PPU's CPU-facing registers $2000-$2007 (nesdev wiki: "PPU registers",
//! "PPU scrolling", "Open bus behavior").
//!
//! The PPU has its own data latch: a write to any register fills it, a read
//! refreshes only the bits the register drives, and a bit that is not
//! refreshed with a 1 decays to 0 after about 600 ms.

use super::*;

impl Ppu {
    /// The open-bus latch with bits that were not refreshed in time decayed.
    fn decayed_latch(&mut self) -> u8 {
        for bit in 0..8 {
            if self.io_latch & (1 << bit) != 0 && self.frame.saturating_sub(self.latch_refreshed[bit]) > OPEN_BUS_DECAY_FRAMES {
                self.io_latch &= !(1 << bit);
            }
        }
        self.io_latch
    }

    /// Puts `value` on the latch for the bits in `driven`, refreshing them.
    fn drive_latch(&mut self, value: u8, driven: u8) {
        let latch = self.decayed_latch();
        self.io_latch = (latch & !driven) | (value & driven);
        for bit in 0..8 {
            if driven & (1 << bit) != 0 {
                self.latch_refreshed[bit] = self.frame;
            }
        }
    }

    /// A $2007 read's fetch reaches the read buffer [`READ_BUFFER_FILL_DOTS`]
    /// dots after the read.
    fn fill_read_buffer(&mut self, value: u8) {
        self.buffer_fill = Some((self.time() + READ_BUFFER_FILL_DOTS, value));
    }

    /// Lands a buffer fill whose time has come.
    #[inline]
    pub(super) fn settle_read_buffer(&mut self) {
        if let Some((at, value)) = self.buffer_fill {
            if self.time() >= at {
                self.read_buffer = value;
                self.buffer_fill = None;
            }
        }
    }

    /// A CPU read of $2000-$3FFF.
    pub fn read_register(&mut self, addr: u16, cart: &mut Cartridge) -> u8 {
        // A $2007 read puts its address on the bus now.
        cart.set_ppu_dot(self.time());
        match addr & 7 {
            2 => {
                let value = (self.status & 0xE0) | (self.decayed_latch() & 0x1F);
                // "Reading one PPU clock before reads it as clear and never sets
                // the flag or generates NMI for that frame."
                if self.scanline == self.vblank_line && self.dot == 0 {
                    self.suppress_vblank = true;
                }
                self.status &= !STATUS_VBLANK;
                self.write_toggle = false;
                self.drive_latch(value, 0xE0);
                value
            }
            4 => {
                let value = if self.rendering_line() && self.rendering { self.oam_bus_value() } else { self.oam_read() };
                self.drive_latch(value, 0xFF);
                value
            }
            7 => {
                let addr = self.vram_addr & 0x3FFF;
                // A fill still on its way leaves the buffer as it was: two
                // reads on consecutive cycles both return the old byte, and
                // only the second read's fetch lands.
                self.settle_read_buffer();
                let value = if addr >= 0x3F00 {
                    // Palette reads are not buffered; the buffer takes the
                    // nametable byte "underneath" the palette.
                    // Greyscale masks what is read as it does what is drawn
                    // (the cell keeps its colour: writes are unaffected).
                    let grey = if self.mask & MASK_GREYSCALE != 0 { 0x30 } else { 0x3F };
                    let colour = self.palette[palette::mirror(addr as u8 & 0x1F)] & grey;
                    self.fill_read_buffer(cart.ppu_read(addr & 0x2FFF));
                    let value = (colour & 0x3F) | (self.decayed_latch() & 0xC0);
                    self.drive_latch(value, 0x3F);
                    value
                } else {
                    let value = self.read_buffer;
                    self.fill_read_buffer(cart.ppu_read_for_cpu(addr));
                    self.drive_latch(value, 0xFF);
                    value
                };
                self.increment_vram_addr(cart);
                value
            }
            // Write-only registers read back the decaying latch.
            _ => self.decayed_latch(),
        }
    }

    /// A CPU write of $2000-$3FFF.
    pub fn write_register(&mut self, addr: u16, value: u8, cart: &mut Cartridge) {
        // $2006 and $2007 put their address on the bus now.
        cart.set_ppu_dot(self.time());
        self.drive_latch(value, 0xFF);
        let reg = addr & 7;
        if self.warming_up && matches!(reg, 0 | 1 | 5 | 6) {
            return;
        }
        match reg {
            0 => {
                self.ctrl = value;
                // t: ...GH.. ........ <- d: ......GH
                self.temp_addr = (self.temp_addr & !0x0C00) | (u16::from(value & 0x03) << 10);
            }
            1 => {
                self.mask = value;
                self.resolve_palette();
            }
            3 => self.oam_addr = value,
            4 => {
                if self.rendering_line() && self.rendering {
                    // Writes during rendering are not stored; they bump the
                    // high six bits of OAMADDR and clear the low two
                    // ("glitchy increment": the sprite index moves on, the
                    // byte within the sprite starts over).
                    self.oam_addr = self.oam_addr.wrapping_add(4) & 0xFC;
                } else {
                    // Byte 2's bits 2-4 do not exist in OAM.
                    let value = if self.oam_addr & 3 == 2 { value & 0xE3 } else { value };
                    self.oam[usize::from(self.oam_addr)] = value;
                    self.oam_addr = self.oam_addr.wrapping_add(1);
                }
            }
            5 => {
                if self.write_toggle {
                    // t: FGH..AB CDE..... <- d: ABCDEFGH
                    self.temp_addr =
                        (self.temp_addr & !0x73E0) | (u16::from(value & 0x07) << 12) | (u16::from(value & 0xF8) << 2);
                } else {
                    // t: ....... ...ABCDE <- d: ABCDE...; x <- d: .....FGH
                    self.temp_addr = (self.temp_addr & !0x001F) | u16::from(value >> 3);
                    self.fine_x = value & 0x07;
                }
                self.write_toggle = !self.write_toggle;
            }
            6 => {
                if self.write_toggle {
                    self.temp_addr = (self.temp_addr & 0xFF00) | u16::from(value);
                    self.vram_addr = self.temp_addr;
                    cart.ppu_address(self.vram_addr & 0x3FFF);
                } else {
                    // The top bit of t is cleared by the first write.
                    self.temp_addr = (self.temp_addr & 0x00FF) | (u16::from(value & 0x3F) << 8);
                }
                self.write_toggle = !self.write_toggle;
            }
            7 => {
                let addr = self.vram_addr & 0x3FFF;
                if addr >= 0x3F00 {
                    self.palette[palette::mirror(addr as u8 & 0x1F)] = value & 0x3F;
                    self.resolve_palette();
                } else {
                    cart.ppu_write(addr, value);
                }
                self.increment_vram_addr(cart);
            }
            _ => {}
        }
    }

    fn oam_read(&self) -> u8 {
        self.oam[usize::from(self.oam_addr)]
    }

    /// After a $2007 access v moves by 1 or 32; during rendering the access
    /// instead bumps coarse X and Y together, as the pipeline would.
    fn increment_vram_addr(&mut self, cart: &mut Cartridge) {
        if self.rendering_line() && self.rendering {
            self.increment_coarse_x();
            self.increment_y();
        } else {
            let step = if self.ctrl & CTRL_INCREMENT_32 != 0 { 32 } else { 1 };
            self.vram_addr = (self.vram_addr + step) & 0x7FFF;
            cart.ppu_address(self.vram_addr & 0x3FFF);
        }
    }

    /// What a read of the register would return, without any side effect.
    pub fn peek_register(&self, addr: u16) -> u8 {
        match addr & 7 {
            2 => (self.status & 0xE0) | (self.io_latch & 0x1F),
            4 => self.oam_read(),
            7 if self.vram_addr & 0x3FFF >= 0x3F00 => self.palette[palette::mirror(self.vram_addr as u8 & 0x1F)],
            7 => match self.buffer_fill {
                Some((at, value)) if self.time() >= at => value,
                _ => self.read_buffer,
            },
            _ => self.io_latch,
        }
    }

    /// v, t, fine X and the write toggle (debugger view).
    pub fn scroll_registers(&self) -> (u16, u16, u8, bool) {
        (self.vram_addr, self.temp_addr, self.fine_x, self.write_toggle)
    }

    /// PPUCTRL, PPUMASK, PPUSTATUS (debugger view).
    pub fn control_registers(&self) -> (u8, u8, u8) {
        (self.ctrl, self.mask, self.status)
    }
}
