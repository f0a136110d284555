//! The background pipeline (nesdev wiki: "PPU rendering", "PPU scrolling"):
//! nametable, attribute and pattern fetches every 8 dots into latches,
//! 16-bit shift registers feeding one pixel per dot, and the scroll
//! increments of v ("loopy" registers).

use super::{Ppu, CTRL_BG_TABLE};
use crate::cart::Cartridge;

impl Ppu {
    #[inline(always)]
    pub(super) fn shift_background(&mut self) {
        self.bg_lo <<= 1;
        self.bg_hi <<= 1;
        self.attr_lo <<= 1;
        self.attr_hi <<= 1;
    }

    /// Loads the latched tile into the low byte of the shift registers.
    #[inline]
    fn reload_shifters(&mut self) {
        self.bg_lo = (self.bg_lo & 0xFF00) | u16::from(self.pattern_lo_latch);
        self.bg_hi = (self.bg_hi & 0xFF00) | u16::from(self.pattern_hi_latch);
        let attr = self.at_latch;
        self.attr_lo = (self.attr_lo & 0xFF00) | if attr & 1 != 0 { 0xFF } else { 0 };
        self.attr_hi = (self.attr_hi & 0xFF00) | if attr & 2 != 0 { 0xFF } else { 0 };
    }

    /// At dot 257 the shifters move and reload once more (the 33rd tile, unused).
    #[inline]
    pub(super) fn shift_and_reload_at_257(&mut self, dot: u16) {
        if dot == 257 {
            self.shift_background();
            self.reload_shifters();
        }
    }

    /// The fetch schedule of dots 1-256 and 321-337: each 8-dot group reads
    /// the nametable byte, the attribute byte and the two pattern bytes, then
    /// moves v to the next tile; dot 256 also moves v down one line.
    #[inline(always)]
    pub(super) fn background_fetch(&mut self, cart: &mut Cartridge, dot: u16) {
        match (dot - 1) & 7 {
            0 => {
                if dot >= 9 {
                    self.reload_shifters();
                }
                self.nt_latch = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), dot);
            }
            2 => {
                let v = self.vram_addr;
                let at = cart.ppu_fetch(0x23C0 | (v & 0x0C00) | ((v >> 4) & 0x38) | ((v >> 2) & 0x07), dot);
                // Which 2-bit quadrant of the attribute byte covers this tile.
                let shift = ((v >> 4) & 0x04) | (v & 0x02);
                self.at_latch = (at >> shift) & 0x03;
            }
            4 => self.pattern_lo_latch = cart.ppu_fetch(self.pattern_addr(), dot),
            6 => self.pattern_hi_latch = cart.ppu_fetch(self.pattern_addr() | 8, dot),
            7 => {
                self.increment_coarse_x();
                if dot == 256 {
                    self.increment_y();
                }
            }
            _ => {}
        }
    }

    #[inline]
    pub(super) fn pattern_addr(&self) -> u16 {
        let table = if self.ctrl & CTRL_BG_TABLE != 0 { 0x1000 } else { 0 };
        table | (u16::from(self.nt_latch) << 4) | (self.vram_addr >> 12)
    }

    /// The 4-bit background colour (attribute << 2 | pattern) under fine X.
    #[inline]
    pub(super) fn background_pixel(&self) -> u8 {
        let bit = 15 - u16::from(self.fine_x);
        let pattern = ((self.bg_lo >> bit) & 1) | (((self.bg_hi >> bit) & 1) << 1);
        if pattern == 0 {
            return 0;
        }
        let attr = ((self.attr_lo >> bit) & 1) | (((self.attr_hi >> bit) & 1) << 1);
        ((attr << 2) | pattern) as u8
    }

    /// Coarse X increment, wrapping into the horizontally adjacent nametable.
    #[inline]
    pub(super) fn increment_coarse_x(&mut self) {
        if self.vram_addr & 0x001F == 31 {
            self.vram_addr &= !0x001F;
            self.vram_addr ^= 0x0400;
        } else {
            self.vram_addr += 1;
        }
    }

    /// Fine Y increment, carrying into coarse Y; row 29 wraps to the next
    /// nametable vertically, rows 30-31 wrap without switching.
    #[inline]
    pub(super) fn increment_y(&mut self) {
        if self.vram_addr & 0x7000 != 0x7000 {
            self.vram_addr += 0x1000;
            return;
        }
        self.vram_addr &= !0x7000;
        let mut coarse_y = (self.vram_addr & 0x03E0) >> 5;
        if coarse_y == 29 {
            coarse_y = 0;
            self.vram_addr ^= 0x0800;
        } else if coarse_y == 31 {
            coarse_y = 0;
        } else {
            coarse_y += 1;
        }
        self.vram_addr = (self.vram_addr & !0x03E0) | (coarse_y << 5);
    }

    /// Dot 257: v's horizontal bits (coarse X, nametable X) come from t.
    #[inline]
    pub(super) fn copy_horizontal_scroll(&mut self) {
        self.vram_addr = (self.vram_addr & !0x041F) | (self.temp_addr & 0x041F);
    }

    /// Pre-render dots 280-304: v's vertical bits come from t.
    #[inline]
    pub(super) fn copy_vertical_scroll(&mut self) {
        self.vram_addr = (self.vram_addr & !0x7BE0) | (self.temp_addr & 0x7BE0);
    }
}
