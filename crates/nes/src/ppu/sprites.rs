//! Sprites (nesdev wiki: "PPU sprite evaluation", "PPU OAM", "Sprite overflow games").
//!
//! Dots 1-64 clear secondary OAM; dots 65-256 evaluate primary OAM, reading on
//! odd dots and acting on even ones, including the hardware's diagonal scan
//! after eight sprites are found (the sprite overflow bug); dots 257-320 fetch
//! the eight sprites' patterns. After the fetches the next line's sprite
//! pixels are laid out once into a 256-entry buffer: what the eight sprite
//! shifters would produce, since nothing they hold can change mid-line.

use super::{Ppu, CTRL_SPRITE_8X16, CTRL_SPRITE_TABLE, STATUS_OVERFLOW};
use crate::cart::Cartridge;

/// Line-buffer entry bits: 2-bit pattern value (0 = transparent) ...
pub(super) const PIXEL: u8 = 0x03;
/// ... palette in bits 2-3, behind-background priority ...
pub(super) const BEHIND: u8 = 0x20;
/// ... and "this pixel is sprite 0's".
pub(super) const SPRITE_ZERO: u8 = 0x40;

/// One of the eight sprite slots loaded during dots 257-320.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    y: u8,
    tile: u8,
    attr: u8,
    x: u8,
    pattern_lo: u8,
    pattern_hi: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SpriteUnit {
    secondary: [u8; 32],
    /// Next free byte of secondary OAM (32 = eight sprites found).
    secondary_index: u8,
    /// Bytes still to copy of the in-range sprite being copied.
    copy_left: u8,
    /// Bytes still to step over after an overflow was found.
    overflow_copy_left: u8,
    /// Every sprite has been looked at; the scan idles until dot 256.
    done: bool,
    /// Value read from OAM on the last odd dot (also what $2004 returns).
    pub(super) latch: u8,
    /// The first sprite evaluated was in range: it is sprite 0 on the next line.
    sprite0_next: bool,
    pub(super) sprites_found: u8,
    slots: [Slot; 8],
    /// The pixels of the line being drawn, see the bit constants above.
    pub(super) line: [u8; 256],
}

impl Default for SpriteUnit {
    fn default() -> Self {
        SpriteUnit {
            secondary: [0xFF; 32],
            secondary_index: 0,
            copy_left: 0,
            overflow_copy_left: 0,
            done: false,
            latch: 0xFF,
            sprite0_next: false,
            sprites_found: 0,
            slots: [Slot::default(); 8],
            line: [0; 256],
        }
    }
}

impl Ppu {
    fn sprite_height(&self) -> u16 {
        if self.ctrl & CTRL_SPRITE_8X16 != 0 { 16 } else { 8 }
    }

    fn in_range(&self, y: u8) -> bool {
        self.scanline.wrapping_sub(u16::from(y)) < self.sprite_height()
    }

    /// Secondary OAM clear and sprite evaluation for dots 1-256 of a visible line.
    #[inline]
    pub(super) fn evaluate_sprites(&mut self, dot: u16) {
        match dot {
            1..=64 => {
                // Reads of OAM return $FF while secondary OAM is being cleared.
                self.sprites.latch = 0xFF;
                if dot & 1 == 0 {
                    self.sprites.secondary[usize::from(dot / 2 - 1)] = 0xFF;
                }
            }
            65..=256 => {
                if dot == 65 {
                    let s = &mut self.sprites;
                    s.secondary_index = 0;
                    s.copy_left = 0;
                    s.overflow_copy_left = 0;
                    s.done = false;
                    s.sprite0_next = false;
                }
                if dot & 1 == 1 {
                    self.sprites.latch = self.oam[usize::from(self.oam_addr)];
                } else {
                    self.evaluation_step(dot);
                }
                if dot == 256 {
                    self.sprites.sprites_found = self.sprites.secondary_index / 4;
                }
            }
            _ => {}
        }
    }

    /// Dots 1-256 of evaluation at once, for a catch-up span that covers them
    /// all (nothing can observe the steps in between). Handles the common
    /// case, OAMADDR 0 and fewer than eight sprites in range, and leaves every
    /// piece of state as the dot-by-dot scan would at dot 256; returns false,
    /// changing nothing, for anything else.
    pub(super) fn evaluate_line_in_one_pass(&mut self) -> bool {
        if self.oam_addr != 0 {
            return false;
        }
        let in_range = (0..64).filter(|&n| self.in_range(self.oam[n * 4])).count();
        if in_range >= 8 {
            return false; // the overflow scan: dot by dot
        }
        let mut secondary = [0xFF; 32];
        let mut index = 0;
        for n in 0..64 {
            let y = self.oam[n * 4];
            // Every Y is written to the next free slot; in-range sprites stay.
            secondary[index] = y;
            if self.in_range(y) {
                secondary[index + 1..index + 4].copy_from_slice(&self.oam[n * 4 + 1..n * 4 + 4]);
                index += 4;
            }
        }
        // The scan used one even dot per sprite plus three per copied sprite;
        // the rest of the 96 even dots step OAMADDR by 4 from 0, and the last
        // odd dot (255) latched the byte before the final step.
        let idle_steps = 96 - (64 + 3 * in_range);
        let final_addr = (4 * idle_steps) as u8;
        let sprite0_next = self.in_range(self.oam[0]);
        let latch = self.oam[usize::from(final_addr.wrapping_sub(4))];
        let s = &mut self.sprites;
        s.secondary = secondary;
        s.secondary_index = index as u8;
        s.copy_left = 0;
        s.overflow_copy_left = 0;
        s.done = true;
        s.sprite0_next = sprite0_next;
        s.sprites_found = in_range as u8;
        s.latch = latch;
        self.oam_addr = final_addr;
        true
    }

    /// One write-side step of evaluation, using the byte read on the previous dot.
    fn evaluation_step(&mut self, dot: u16) {
        let value = self.sprites.latch;
        if self.sprites.done {
            // "Attempt (and fail) to copy OAM[n][0] ... and increment n".
            self.oam_addr = self.oam_addr.wrapping_add(4);
            if self.sprites.secondary_index >= 32 {
                // A full secondary OAM is read instead of written, as below.
                self.sprites.latch = self.sprites.secondary[usize::from(self.sprites.secondary_index & 0x1F)];
            }
            return;
        }
        if self.sprites.secondary_index < 32 {
            let index = usize::from(self.sprites.secondary_index);
            self.sprites.secondary[index] = value;
            if self.sprites.copy_left > 0 {
                self.sprites.copy_left -= 1;
                self.sprites.secondary_index += 1;
                self.advance_oam(1);
            } else if self.in_range(value) {
                if dot == 66 {
                    self.sprites.sprite0_next = true;
                }
                self.sprites.copy_left = 3;
                self.sprites.secondary_index += 1;
                self.advance_oam(1);
            } else {
                self.advance_oam(4);
            }
            return;
        }
        // Eight sprites found: secondary OAM is full and further Y bytes are
        // only compared. The hardware increments n and m together here, so it
        // reads tile, attribute and X bytes as if they were Y coordinates.
        // Its write to secondary OAM turns into a read (of the byte at the
        // wrapped address, the first slot's Y): that is on the OAM bus, and
        // what $2004 returns, until the next odd dot's read.
        self.sprites.latch = self.sprites.secondary[usize::from(self.sprites.secondary_index & 0x1F)];
        if self.sprites.overflow_copy_left > 0 {
            self.sprites.overflow_copy_left -= 1;
            self.advance_oam(1);
            if self.sprites.overflow_copy_left == 0 {
                self.sprites.done = true;
            }
        } else if self.in_range(value) {
            self.status |= STATUS_OVERFLOW;
            self.sprites.overflow_copy_left = 3;
            self.advance_oam(1);
        } else {
            let n = (self.oam_addr >> 2) + 1;
            let m = (self.oam_addr + 1) & 0x03;
            if n == 64 {
                self.sprites.done = true;
            }
            self.oam_addr = ((n & 0x3F) << 2) | m;
        }
    }

    /// Moves the OAM address on; wrapping past the end ends the scan.
    fn advance_oam(&mut self, by: u8) {
        let (next, wrapped) = self.oam_addr.overflowing_add(by);
        self.oam_addr = next;
        if wrapped && self.sprites.copy_left == 0 {
            self.sprites.done = true;
        }
    }

    /// Dots 257-320: each sprite slot takes 8 dots (two garbage nametable
    /// reads, then the pattern's low and high bytes).
    #[inline]
    pub(super) fn fetch_sprite_dot(&mut self, cart: &mut Cartridge, dot: u16, visible: bool) {
        let offset = dot - 257;
        let index = usize::from(offset / 8);
        match offset & 7 {
            0 => {
                self.load_sprite_slot(index);
                let _ = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), dot);
            }
            2 => {
                let _ = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), dot);
            }
            4 => {
                let addr = self.sprite_pattern_addr(index);
                let lo = cart.ppu_fetch(addr, dot);
                self.sprites.slots[index].pattern_lo = lo;
            }
            6 => {
                let addr = self.sprite_pattern_addr(index) | 8;
                let hi = cart.ppu_fetch(addr, dot);
                self.sprites.slots[index].pattern_hi = hi;
            }
            7 if index == 7 => self.lay_out_sprite_line(visible),
            _ => {}
        }
    }

    /// The eight dots of sprite slot `index` at once (see [`Ppu::fetch_sprite_dot`]).
    #[inline]
    pub(super) fn fetch_sprite_slot(&mut self, cart: &mut Cartridge, index: usize) {
        self.load_sprite_slot(index);
        let dot = 257 + 8 * index as u16;
        let _ = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), dot);
        let _ = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), dot + 2);
        let addr = self.sprite_pattern_addr(index);
        self.sprites.slots[index].pattern_lo = cart.ppu_fetch(addr, dot + 4);
        self.sprites.slots[index].pattern_hi = cart.ppu_fetch(addr | 8, dot + 6);
    }

    /// A slot's first dot: its four bytes come from secondary OAM.
    #[inline]
    fn load_sprite_slot(&mut self, index: usize) {
        let base = index * 4;
        let sec = &self.sprites.secondary;
        self.sprites.slots[index] =
            Slot { y: sec[base], tile: sec[base + 1], attr: sec[base + 2], x: sec[base + 3], ..Slot::default() };
        self.sprites.latch = sec[base];
    }

    fn sprite_pattern_addr(&self, index: usize) -> u16 {
        let slot = &self.sprites.slots[index];
        let height = self.sprite_height();
        let mut row = self.scanline.wrapping_sub(u16::from(slot.y)) & (height - 1);
        if slot.attr & 0x80 != 0 {
            row = height - 1 - row;
        }
        if height == 16 {
            let table = u16::from(slot.tile & 1) * 0x1000;
            let tile = u16::from(slot.tile & 0xFE) + (row >> 3);
            table | (tile << 4) | (row & 7)
        } else {
            let table = if self.ctrl & CTRL_SPRITE_TABLE != 0 { 0x1000 } else { 0 };
            table | (u16::from(slot.tile) << 4) | row
        }
    }

    /// Writes the next line's sprite pixels, lowest OAM index on top.
    pub(super) fn lay_out_sprite_line(&mut self, visible: bool) {
        let s = &mut self.sprites;
        s.line.fill(0);
        // No sprites are evaluated on the pre-render line, so line 0 has none.
        if !visible || self.scanline == self.prerender_line {
            return;
        }
        for index in (0..usize::from(s.sprites_found)).rev() {
            let slot = s.slots[index];
            let (mut lo, mut hi) = (slot.pattern_lo, slot.pattern_hi);
            if slot.attr & 0x40 != 0 {
                lo = lo.reverse_bits();
                hi = hi.reverse_bits();
            }
            let mut flags = ((slot.attr & 0x03) << 2) | if slot.attr & 0x20 != 0 { BEHIND } else { 0 };
            if index == 0 && s.sprite0_next {
                flags |= SPRITE_ZERO;
            }
            for px in 0..8u8 {
                let Some(x) = slot.x.checked_add(px) else { break };
                let bit = 7 - px;
                let pixel = ((lo >> bit) & 1) | (((hi >> bit) & 1) << 1);
                if pixel != 0 {
                    s.line[usize::from(x)] = flags | pixel;
                }
            }
        }
    }

    /// Every sprite has been looked at this line (evaluation no longer
    /// walks OAM).
    pub(super) fn evaluation_scan_done(&self) -> bool {
        self.sprites.done
    }

    /// What $2004 returns while rendering: the byte on the OAM data bus.
    pub(super) fn oam_bus_value(&self) -> u8 {
        match self.dot {
            1..=256 => self.sprites.latch,
            257..=320 => {
                let offset = usize::from(self.dot - 257);
                self.sprites.secondary[(offset / 8) * 4 + (offset & 7).min(3)]
            }
            _ => self.sprites.secondary[0],
        }
    }
}

crate::state::persist_fields!(SpriteUnit {
    secondary, secondary_index, copy_left, overflow_copy_left, done, latch, sprite0_next, sprites_found, slots, line,
});
crate::state::persist_fields!(Slot { y, tile, attr, x, pattern_lo, pattern_hi });
