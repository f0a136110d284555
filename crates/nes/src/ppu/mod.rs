//! The 2C02 PPU, dot by dot (nesdev wiki: "PPU rendering", "PPU frame timing",
//! "PPU scrolling", "PPU sprite evaluation").
//!
//! 341 dots x 262 scanlines; `tick` advances one dot and then does that dot's
//! work, so `(scanline, dot)` always names the dot last executed. The frame
//! is emitted as palette indices with the emphasis bits above them.

mod background;
pub mod palette;
mod registers;
mod sprites;

use crate::cart::Cartridge;
use crate::timing::Timing;

pub const WIDTH: usize = 256;
pub const HEIGHT: usize = 240;
pub const DOTS_PER_LINE: u16 = 341;
/// First line of vertical blank: the VBL flag is set at its dot 1.
pub const VBLANK_LINE: u16 = 241;
/// The pre-render line (also called line -1).
pub const PRERENDER_LINE: u16 = 261;
/// Approximate length of an NTSC frame in CPU cycles (for open-bus decay).
const OPEN_BUS_DECAY_FRAMES: u64 = 36;

// PPUCTRL ($2000) bits.
const CTRL_INCREMENT_32: u8 = 0x04;
const CTRL_SPRITE_TABLE: u8 = 0x08;
const CTRL_BG_TABLE: u8 = 0x10;
const CTRL_SPRITE_8X16: u8 = 0x20;
const CTRL_NMI: u8 = 0x80;
// PPUMASK ($2001) bits.
const MASK_GREYSCALE: u8 = 0x01;
const MASK_BG_LEFT: u8 = 0x02;
const MASK_SPRITES_LEFT: u8 = 0x04;
const MASK_BG: u8 = 0x08;
const MASK_SPRITES: u8 = 0x10;
// PPUSTATUS ($2002) bits.
const STATUS_OVERFLOW: u8 = 0x20;
const STATUS_SPRITE0: u8 = 0x40;
const STATUS_VBLANK: u8 = 0x80;
/// Dots from a $2007 read to its fetch reaching the read buffer: the PPU
/// puts the byte there two dots after the read cycle ends, so a read on the
/// very next CPU cycle still sees the old byte.
const READ_BUFFER_FILL_DOTS: u64 = 5;
/// [`Ppu::oam_corrupt_row`] when no OAM row waits to be overwritten.
const NO_OAM_CORRUPTION: u8 = 0xFF;

/// Each bit of a byte spread to its own byte, bit 7 to the lowest: byte i
/// of `SPREAD[b]` is bit 7 - i of `b`, the pixel order of a pattern byte.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            table[b] |= (((b >> (7 - i)) & 1) as u64) << (8 * i);
            i += 1;
        }
        b += 1;
    }
    table
};

/// What the PPU's own fetches promise a board that watches its address
/// bus, from now until the CPU next touches a PPU or board register (the
/// bus asks again after each). Pattern fetches are the only ones that can
/// put A12 high: nametable and attribute addresses ($2000-$2FFF) have it low.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusOutlook {
    /// Dots since power-on at the dot last executed (the stamps accesses carry).
    pub now: u64,
    /// Fewest dots from now to a fetch that can have A12 high; `u64::MAX`
    /// while rendering is off (then only the CPU's accesses move the bus).
    pub next_a12_fetch: u64,
    tall_sprites: bool,
}

impl BusOutlook {
    /// Fewest dots between two A12 rises that each follow at least `low`
    /// dots of A12 low. Fetches are two dots apart at the closest, so a rise
    /// is at least 2 + `low` after the one before. With 8x8 sprites the
    /// background and the sprites each read one table, so A12 is either
    /// steady over a line's pattern fetches or goes high and low once: lows
    /// of 10 dots or more come once a line (the pre-render line can have two,
    /// 320 dots apart, the second at the background prefetch).
    pub fn a12_rise_spacing(&self, low: u64) -> u64 {
        if self.tall_sprites || low < 10 { low + 2 } else { 256 }
    }
}

/// The PPU: registers, rendering pipeline and output. Plain data.
#[derive(Debug, Clone)]
pub struct Ppu {
    // Registers.
    ctrl: u8,
    mask: u8,
    status: u8,
    oam_addr: u8,
    /// v: current VRAM address, 15 bits.
    vram_addr: u16,
    /// t: temporary VRAM address (top-left of the screen), 15 bits.
    temp_addr: u16,
    /// x: fine X scroll, 3 bits.
    fine_x: u8,
    /// w: first/second write toggle of $2005/$2006.
    write_toggle: bool,
    /// The $2007 read buffer.
    read_buffer: u8,
    /// A $2007 read's fetch on its way to the buffer: the PPU time it lands
    /// and the byte.
    buffer_fill: Option<(u64, u8)>,
    /// The I/O data latch that open-bus reads return, with per-bit refresh times.
    io_latch: u8,
    latch_refreshed: [u64; 8],

    // Timing.
    scanline: u16,
    dot: u16,
    frame: u64,
    odd_frame: bool,
    /// First line of vertical blank and the pre-render line, by TV system.
    vblank_line: u16,
    prerender_line: u16,
    /// Only the NTSC PPU drops a dot on odd rendered frames.
    skips_odd_dot: bool,
    /// Rendering enable as the pipeline sees it (PPUMASK takes a dot to apply).
    rendering: bool,
    /// A $2002 read one dot before VBL prevents the flag for this frame.
    suppress_vblank: bool,
    /// After a reset the PPU ignores some register writes until the pre-render line.
    warming_up: bool,

    // Background pipeline.
    nt_latch: u8,
    at_latch: u8,
    pattern_lo_latch: u8,
    pattern_hi_latch: u8,
    bg_lo: u16,
    bg_hi: u16,
    attr_lo: u16,
    attr_hi: u16,

    // Sprites.
    oam: [u8; 256],
    sprites: sprites::SpriteUnit,
    /// The 8-byte OAM row that rendering stopped on in the middle of a
    /// line's sprite evaluation ([`NO_OAM_CORRUPTION`] if none): when
    /// rendering next runs, OAM's first row is copied over it.
    oam_corrupt_row: u8,

    palette: [u8; 32],
    /// Frame-buffer value of each palette entry as drawn: mirrors and the
    /// "colour 0 of every palette is the backdrop" rule resolved, greyscale
    /// and emphasis applied. Rebuilt when palette RAM or PPUMASK changes.
    resolved_palette: [u16; 32],
    frame_buffer: Box<[u16; WIDTH * HEIGHT]>,
    /// Dots since power-on at dot 0 of line 0 of this frame: the time
    /// stamp a board watching the bus gets with each access. Not state: the
    /// bus sets it again from its clock after a restore.
    origin: u64,
    /// A restored read-buffer fill in dots from the restored position,
    /// until [`Ppu::set_time`] makes it a time again.
    restored_fill: Option<(u64, u8)>,
}

impl Default for Ppu {
    fn default() -> Self {
        Self::new()
    }
}

impl Ppu {
    /// A PPU with the line counts of `timing` (the 2C02, 2C07 or Dendy clone).
    pub fn with_timing(timing: Timing) -> Self {
        let mut ppu = Ppu::new();
        ppu.vblank_line = timing.vblank_line();
        ppu.prerender_line = timing.scanlines() - 1;
        ppu.skips_odd_dot = timing.skips_odd_dot();
        ppu
    }

    /// An NTSC PPU.
    pub fn new() -> Self {
        Ppu {
            ctrl: 0,
            mask: 0,
            status: 0,
            oam_addr: 0,
            vram_addr: 0,
            temp_addr: 0,
            fine_x: 0,
            write_toggle: false,
            read_buffer: 0,
            buffer_fill: None,
            io_latch: 0,
            latch_refreshed: [0; 8],
            scanline: 0,
            dot: 0,
            frame: 0,
            odd_frame: false,
            vblank_line: VBLANK_LINE,
            prerender_line: PRERENDER_LINE,
            skips_odd_dot: true,
            rendering: false,
            suppress_vblank: false,
            warming_up: false,
            nt_latch: 0,
            at_latch: 0,
            pattern_lo_latch: 0,
            pattern_hi_latch: 0,
            bg_lo: 0,
            bg_hi: 0,
            attr_lo: 0,
            attr_hi: 0,
            oam: [0; 256],
            sprites: sprites::SpriteUnit::default(),
            oam_corrupt_row: NO_OAM_CORRUPTION,
            restored_fill: None,
            palette: palette::POWER_ON_PALETTE,
            resolved_palette: [0; 32],
            frame_buffer: Box::new([0; WIDTH * HEIGHT]),
            origin: 0,
        }
        .with_resolved_palette()
    }

    fn with_resolved_palette(mut self) -> Self {
        self.resolve_palette();
        self
    }

    /// Recomputes `resolved_palette` from palette RAM and PPUMASK.
    fn resolve_palette(&mut self) {
        for entry in 0..32u8 {
            let cell = palette::mirror(if entry & 0x03 == 0 { 0 } else { entry });
            self.resolved_palette[usize::from(entry)] = self.as_drawn(self.palette[cell]);
        }
    }

    /// The frame-buffer value of a colour under PPUMASK's greyscale and emphasis.
    fn as_drawn(&self, colour: u8) -> u16 {
        let grey = if self.mask & MASK_GREYSCALE != 0 { 0x30 } else { 0x3F };
        u16::from(colour & grey) | (u16::from(self.mask >> 5) << 6)
    }

    /// Reset button: the PPU clears its control registers and, until the end
    /// of the next vertical blank, ignores writes to $2000/$2001/$2005/$2006.
    pub fn reset(&mut self) {
        self.ctrl = 0;
        self.mask = 0;
        self.write_toggle = false;
        self.read_buffer = 0;
        self.fine_x = 0;
        self.temp_addr = 0;
        self.rendering = false;
        self.warming_up = true;
    }

    /// The NMI output: VBL flag AND the NMI enable bit.
    #[inline]
    pub fn nmi_line(&self) -> bool {
        self.status & STATUS_VBLANK != 0 && self.ctrl & CTRL_NMI != 0
    }

    /// The last finished frame: 256x240 palette indices, emphasis in bits 6-8.
    pub fn frame_buffer(&self) -> &[u16; WIDTH * HEIGHT] {
        &self.frame_buffer
    }

    /// Frames started since power-on.
    pub fn frame_count(&self) -> u64 {
        self.frame
    }

    pub fn scanline(&self) -> u16 {
        self.scanline
    }

    pub fn dot(&self) -> u16 {
        self.dot
    }

    /// Object attribute memory, for the debugger.
    pub fn oam(&self) -> &[u8; 256] {
        &self.oam
    }

    /// Palette RAM, for the debugger.
    pub fn palette_ram(&self) -> &[u8; 32] {
        &self.palette
    }

    /// The debugger's edit of palette RAM (the drawn colours follow).
    pub(crate) fn poke_palette(&mut self, index: usize, value: u8) {
        self.palette[index & 0x1F] = value & 0x3F;
        self.resolve_palette();
    }

    /// The debugger's edit of OAM.
    pub(crate) fn poke_oam(&mut self, index: usize, value: u8) {
        self.oam[index & 0xFF] = value;
    }

    /// Writes one byte of OAM through $2004, as OAM DMA does.
    #[inline]
    pub fn dma_write_oam(&mut self, value: u8, cart: &mut Cartridge) {
        self.write_register(0x2004, value, cart);
    }

    /// Dots since power-on at `dot` of the current line.
    #[inline(always)]
    pub(crate) fn time_at(&self, dot: u16) -> u64 {
        self.origin.wrapping_add(u64::from(self.scanline) * u64::from(DOTS_PER_LINE) + u64::from(dot))
    }

    /// Dots since power-on at the dot last executed.
    #[inline]
    pub fn time(&self) -> u64 {
        self.time_at(self.dot)
    }

    /// Sets the clock [`Ppu::time`] reads to `now` at the current position
    /// (after a restore, from the bus's count of dots).
    pub fn set_time(&mut self, now: u64) {
        self.origin = now.wrapping_sub(u64::from(self.scanline) * u64::from(DOTS_PER_LINE) + u64::from(self.dot));
        if let Some((left, value)) = self.restored_fill.take() {
            self.buffer_fill = Some((self.time() + left, value));
        }
    }

    #[inline]
    fn rendering_line(&self) -> bool {
        self.scanline < HEIGHT as u16 || self.scanline == self.prerender_line
    }

    /// Runs `dots` dots. Stretches where no dot does any work (the
    /// post-render and vertical-blank lines) are skipped in one step.
    pub fn run(&mut self, mut dots: u64, cart: &mut Cartridge) {
        if dots <= 2 {
            // Boards that watch the PPU bus catch up every half cycle: one
            // or two dots, for which the batched paths below never apply.
            for _ in 0..dots {
                self.tick(cart);
            }
            return;
        }
        while dots > 0 {
            let settled = self.rendering == (self.mask & (MASK_BG | MASK_SPRITES) != 0);
            if self.rendering && settled && self.scanline < HEIGHT as u16 && self.dot < 256 {
                // Dots 1-256 of a visible line: nothing the CPU can change
                // happens inside one catch-up, so run them in a tight loop.
                let span = (256 - u64::from(self.dot)).min(dots);
                if span == 256 && self.evaluate_line_in_one_pass() {
                    self.visible_span::<false>(cart, span as u16);
                } else {
                    self.visible_span::<true>(cart, span as u16);
                }
                dots -= span;
                continue;
            }
            if self.rendering && settled && self.scanline < HEIGHT as u16 && self.dot == 256 && dots >= 84 {
                self.visible_hblank(cart);
                dots -= 84;
                continue;
            }
            let idle = if (HEIGHT as u16..self.prerender_line).contains(&self.scanline) {
                self.idle_dots_ahead().min(dots)
            } else {
                0
            };
            if idle > 0 {
                // Only the position moves; nothing in this stretch changes state
                // but the (already current) rendering flag.
                let pos = u64::from(self.scanline) * u64::from(DOTS_PER_LINE) + u64::from(self.dot) + idle;
                self.scanline = (pos / u64::from(DOTS_PER_LINE)) as u16;
                self.dot = (pos % u64::from(DOTS_PER_LINE)) as u16;
                cart.set_ppu_line_start(self.time_at(0));
                self.rendering = self.mask & (MASK_BG | MASK_SPRITES) != 0;
                dots -= idle;
                continue;
            }
            self.tick(cart);
            dots -= 1;
        }
    }

    /// What the coming fetches promise a board watching the bus (see [`BusOutlook`]).
    pub fn bus_outlook(&self) -> BusOutlook {
        let tall_sprites = self.ctrl & CTRL_SPRITE_8X16 != 0;
        BusOutlook { now: self.time(), next_a12_fetch: self.dots_until_a12_fetch(tall_sprites), tall_sprites }
    }

    /// Fewest dots to a pattern fetch from $1000-$1FFF: background fetches
    /// are in dots 1-256 and 321-336 of the rendering lines, sprite fetches
    /// in 257-320 (from either table with 8x16 sprites).
    fn dots_until_a12_fetch(&self, tall_sprites: bool) -> u64 {
        let rendering = self.rendering || self.mask & (MASK_BG | MASK_SPRITES) != 0;
        let background = self.ctrl & CTRL_BG_TABLE != 0;
        let sprites = tall_sprites || self.ctrl & CTRL_SPRITE_TABLE != 0;
        if !rendering || !(background || sprites) {
            return u64::MAX;
        }
        let spans: [(bool, u16, u16); 3] = [(background, 1, 256), (sprites, 257, 320), (background, 321, 336)];
        let first_from = |from: u16| {
            spans.iter().filter(|&&(on, _, end)| on && from <= end).map(|&(_, start, _)| from.max(start)).min()
        };
        let line = u64::from(DOTS_PER_LINE);
        let (mut scanline, mut from, mut ahead) = (self.scanline, self.dot + 1, 0u64);
        loop {
            if from >= DOTS_PER_LINE {
                from = 0;
                ahead += line;
                scanline = if scanline >= self.prerender_line { 0 } else { scanline + 1 };
            }
            if (HEIGHT as u16..self.prerender_line).contains(&scanline) {
                ahead += u64::from(self.prerender_line - scanline) * line;
                scanline = self.prerender_line;
                from = 0;
            }
            if let Some(dot) = first_from(from) {
                let dots = ahead + u64::from(dot) - u64::from(self.dot);
                // Less one: the odd frame's skipped dot may lie between.
                return dots.saturating_sub(1).max(1);
            }
            from = DOTS_PER_LINE;
        }
    }

    /// Dots from now that would do nothing but advance the position: from
    /// (240, 0) up to the dot before (241, 1), and from (241, 1) to the end
    /// of line 260.
    #[inline]
    fn idle_dots_ahead(&self) -> u64 {
        let pos = u32::from(self.scanline) * u32::from(DOTS_PER_LINE) + u32::from(self.dot);
        let vbl = u32::from(self.vblank_line) * u32::from(DOTS_PER_LINE) + 1;
        let end = u32::from(self.prerender_line) * u32::from(DOTS_PER_LINE) - 1;
        let start = u32::from(HEIGHT as u16) * u32::from(DOTS_PER_LINE) - 1;
        if pos >= start && pos + 1 < vbl {
            u64::from(vbl - 1 - pos)
        } else if pos >= vbl && pos < end {
            u64::from(end - pos)
        } else {
            0
        }
    }

    /// Dots until the next one at which the NMI output can change on its own
    /// (VBL set at (241, 1), cleared at (261, 1)) or a new frame starts.
    pub fn dots_until_event(&self) -> u64 {
        let line = u32::from(DOTS_PER_LINE);
        let pos = u32::from(self.scanline) * line + u32::from(self.dot);
        let vbl_set = u32::from(self.vblank_line) * line + 1;
        let vbl_clear = u32::from(self.prerender_line) * line + 1;
        let skip = self.skips_odd_dot && self.odd_frame && self.mask & (MASK_BG | MASK_SPRITES) != 0;
        let last = u32::from(self.prerender_line) * line + if skip { 339 } else { 340 };
        let event = if pos < vbl_set {
            vbl_set
        } else if pos < vbl_clear {
            vbl_clear
        } else {
            last.max(pos) + 1
        };
        u64::from(event - pos)
    }

    /// Advances one dot and does that dot's work.
    #[inline]
    pub fn tick(&mut self, cart: &mut Cartridge) {
        self.dot += 1;
        if self.dot == DOTS_PER_LINE {
            self.dot = 0;
            self.scanline += 1;
            if self.scanline > self.prerender_line {
                self.scanline = 0;
                self.frame += 1;
                self.origin = self.origin.wrapping_add(u64::from(self.prerender_line + 1) * u64::from(DOTS_PER_LINE));
                self.odd_frame = !self.odd_frame;
            }
            cart.set_ppu_line_start(self.time_at(0));
            if self.scanline == self.prerender_line && self.rendering && self.oam_corrupt_row != NO_OAM_CORRUPTION {
                // Rendering was switched back on in vertical blank: it runs again here.
                self.corrupt_oam_row();
            }
        }
        // A PPUMASK write reaches the rendering pipeline one dot later.
        let rendering = self.rendering;
        self.rendering = self.mask & (MASK_BG | MASK_SPRITES) != 0;
        if self.rendering != rendering {
            self.rendering_switched();
        }

        match self.scanline {
            0..=239 => {
                if rendering {
                    self.render_dot(cart, true);
                } else if (1..=256).contains(&self.dot) {
                    self.output_backdrop();
                }
            }
            line if line == self.vblank_line && self.dot == 1 => {
                if !self.suppress_vblank {
                    self.status |= STATUS_VBLANK;
                }
                self.suppress_vblank = false;
            }
            line if line == self.prerender_line => {
                if self.dot == 1 {
                    // End of vertical blank: VBL, sprite 0 hit and overflow clear.
                    self.status &= !(STATUS_VBLANK | STATUS_SPRITE0 | STATUS_OVERFLOW);
                    self.warming_up = false;
                }
                if rendering {
                    self.render_dot(cart, false);
                    // "The skipped tick is implemented by jumping directly from
                    // (339, 261) to (0, 0)" on odd frames when rendering is enabled.
                    if self.dot == 339 && self.odd_frame && self.skips_odd_dot {
                        self.dot = 340;
                        // Line 0 starts a dot earlier than the position says.
                        self.origin = self.origin.wrapping_sub(1);
                    }
                }
            }
            _ => {}
        }
    }

    /// Rendering stops or starts after this dot. Stopping while a visible
    /// line's sprite evaluation is still scanning OAM leaves that OAM row
    /// to be overwritten by row 0 (the DRAM refresh the scan was doing is
    /// left half done); it happens when rendering runs again, on a
    /// rendering line, not at the stop or at a restart in vertical blank.
    #[cold]
    #[inline(never)]
    fn rendering_switched(&mut self) {
        if !self.rendering {
            let evaluating = (65..=256).contains(&self.dot) && !self.evaluation_scan_done();
            if self.scanline < HEIGHT as u16 && evaluating {
                self.oam_corrupt_row = self.oam_addr >> 3;
            }
        } else if self.oam_corrupt_row != NO_OAM_CORRUPTION && self.rendering_line() {
            self.corrupt_oam_row();
        }
    }

    /// OAM's first 8-byte row copied over the row rendering stopped on.
    fn corrupt_oam_row(&mut self) {
        let row = usize::from(self.oam_corrupt_row & 0x1F) * 8;
        self.oam_corrupt_row = NO_OAM_CORRUPTION;
        let first: [u8; 8] = self.oam[..8].try_into().unwrap_or([0; 8]);
        self.oam[row..row + 8].copy_from_slice(&first);
    }

    /// State after the register list, at the end of a save state (format 3
    /// on): the OAM row waiting to be corrupted, and a read-buffer fill on
    /// its way (dots left, $FF for none, and the byte). The dots left become
    /// a time again in [`Ppu::set_time`], which a restore ends with.
    pub(crate) fn persist_tail<S: crate::state::Stream>(&mut self, s: &mut S) {
        s.u8(&mut self.oam_corrupt_row);
        let (mut left, mut value) = match self.buffer_fill {
            Some((at, value)) => (at.saturating_sub(self.time()).min(0xFE) as u8, value),
            None => (0xFF, 0),
        };
        s.u8(&mut left);
        s.u8(&mut value);
        if s.restoring() {
            self.buffer_fill = None;
            self.restored_fill = (left != 0xFF).then_some((u64::from(left), value));
        }
    }

    /// The rendering work of one dot on a visible or pre-render line.
    #[inline]
    fn render_dot(&mut self, cart: &mut Cartridge, visible: bool) {
        let dot = self.dot;
        if visible {
            if (1..=256).contains(&dot) {
                self.visible_dot::<true>(cart, dot);
                return;
            }
            self.evaluate_sprites(dot);
        }
        match dot {
            2..=256 => {
                self.shift_background();
                self.background_fetch(cart, dot);
            }
            1 => self.background_fetch(cart, dot),
            257..=320 => {
                self.shift_and_reload_at_257(dot);
                if dot == 257 {
                    self.copy_horizontal_scroll();
                }
                if self.scanline == self.prerender_line && (280..=304).contains(&dot) {
                    self.copy_vertical_scroll();
                }
                self.oam_addr = 0;
                self.fetch_sprite_dot(cart, dot, visible);
            }
            321..=337 => {
                if dot >= 322 {
                    self.shift_background();
                }
                self.background_fetch(cart, dot);
            }
            339 => {
                // The second of two unused nametable fetches that end the line
                // (the first is made at dot 337 by the fetch schedule; MMC5 counts them).
                let _ = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), 339);
            }
            _ => {}
        }
    }

    /// Dots 1-256 of a visible line with rendering on: sprite evaluation
    /// (unless `EVALUATE` is false because it was done in one pass), one
    /// pixel, and the background fetch schedule.
    #[inline(always)]
    fn visible_dot<const EVALUATE: bool>(&mut self, cart: &mut Cartridge, dot: u16) {
        if EVALUATE {
            self.evaluate_sprites(dot);
        }
        // The pixel uses the shifters as they are after this dot's shift.
        if dot >= 2 {
            self.shift_background();
        }
        self.output_pixel(usize::from(dot - 1));
        self.background_fetch(cart, dot);
    }

    /// `span` dots of 1-256 on a visible line with rendering on: whole
    /// 8-dot tile groups at once, dot by dot at the ragged ends.
    #[inline(always)]
    fn visible_span<const EVALUATE: bool>(&mut self, cart: &mut Cartridge, span: u16) {
        let end = self.dot + span;
        while self.dot < end && !self.dot.is_multiple_of(8) {
            self.dot += 1;
            self.visible_dot::<EVALUATE>(cart, self.dot);
        }
        while end - self.dot >= 8 {
            self.visible_group::<EVALUATE>(cart);
        }
        while self.dot < end {
            self.dot += 1;
            self.visible_dot::<EVALUATE>(cart, self.dot);
        }
    }

    /// Dots 8g+1 to 8g+8 of a visible line in one step, leaving every
    /// register, latch and pixel as [`Ppu::visible_dot`] would eight times.
    ///
    /// Per dot the shifters move once and the pixel is the bit under fine X;
    /// at dot 8g+1 (g > 0), after that dot's pixel, the latched tile enters
    /// the low bytes. The first pixel reads only the high bytes, so the eight
    /// pixels all come from one 16-bit window: the high bytes after one
    /// shift (none in group 0, whose window was loaded at dot 337) over the
    /// latched tile. The fetches of the group read the bus in the same order
    /// as dot by dot; nothing else touches it in between.
    #[inline(always)]
    fn visible_group<const EVALUATE: bool>(&mut self, cart: &mut Cartridge) {
        let first = self.dot + 1;
        if EVALUATE {
            for dot in first..first + 8 {
                self.evaluate_sprites(dot);
            }
        }
        let window = |shifter: u16, latch: u16| ((shifter << 1) & 0xFF00) | latch;
        let expand = |bit: u8| if bit != 0 { 0xFF } else { 0 };
        let (lo, hi, alo, ahi) = if first == 1 {
            (self.bg_lo, self.bg_hi, self.attr_lo, self.attr_hi)
        } else {
            (
                window(self.bg_lo, u16::from(self.pattern_lo_latch)),
                window(self.bg_hi, u16::from(self.pattern_hi_latch)),
                window(self.attr_lo, expand(self.at_latch & 1)),
                window(self.attr_hi, expand(self.at_latch & 2)),
            )
        };
        // The window's byte under fine X: bit 7 is the group's first pixel.
        let under = 8 - u16::from(self.fine_x);
        let (lo8, hi8, alo8, ahi8) = ((lo >> under) as u8, (hi >> under) as u8, (alo >> under) as u8, (ahi >> under) as u8);
        let x0 = usize::from(first - 1);
        let row = usize::from(self.scanline) * WIDTH;
        let show_bg = self.mask & MASK_BG != 0 && (x0 >= 8 || self.mask & MASK_BG_LEFT != 0);
        let show_sprites = self.mask & MASK_SPRITES != 0 && (x0 >= 8 || self.mask & MASK_SPRITES_LEFT != 0);
        let sprite_line: &[u8; 8] = self.sprites.line[x0..x0 + 8].try_into().unwrap_or(&[0; 8]);
        // All eight background colours at once, one per byte (pixel 0 in
        // the low byte): attribute << 2 | pattern, 0 where the pattern is 0.
        let bg = if show_bg {
            let (p0, p1) = (SPREAD[usize::from(lo8)], SPREAD[usize::from(hi8)]);
            let colours = p0 | (p1 << 1) | (SPREAD[usize::from(alo8)] << 2) | (SPREAD[usize::from(ahi8)] << 3);
            colours & ((p0 | p1) * 0x0F)
        } else {
            0
        };
        if !show_sprites || u64::from_ne_bytes(*sprite_line) == 0 {
            let out = &mut self.frame_buffer[row + x0..row + x0 + 8];
            for (i, px) in out.iter_mut().enumerate() {
                *px = self.resolved_palette[((bg >> (8 * i)) & 0x0F) as usize];
            }
        } else {
            let sprites = *sprite_line;
            for (i, &sprite) in sprites.iter().enumerate() {
                let entry = self.compose(x0 + i, ((bg >> (8 * i)) & 0x0F) as u8, sprite);
                self.frame_buffer[row + x0 + i] = self.resolved_palette[usize::from(entry)];
            }
        }
        self.bg_lo = lo << 7;
        self.bg_hi = hi << 7;
        self.attr_lo = alo << 7;
        self.attr_hi = ahi << 7;

        // The group's fetches: nametable, attribute, pattern low and high.
        self.nt_latch = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), first);
        let v = self.vram_addr;
        let at = cart.ppu_fetch(0x23C0 | (v & 0x0C00) | ((v >> 4) & 0x38) | ((v >> 2) & 0x07), first + 2);
        self.at_latch = (at >> (((v >> 4) & 0x04) | (v & 0x02))) & 0x03;
        self.pattern_lo_latch = cart.ppu_fetch(self.pattern_addr(), first + 4);
        self.pattern_hi_latch = cart.ppu_fetch(self.pattern_addr() | 8, first + 6);
        self.increment_coarse_x();
        if first == 249 {
            self.increment_y();
        }
        self.dot += 8;
    }

    /// Dots 257-340 of a visible line with rendering on, in one step: what
    /// [`Ppu::render_dot`] does dot by dot, in the same order, without the
    /// per-dot dispatch.
    fn visible_hblank(&mut self, cart: &mut Cartridge) {
        self.shift_and_reload_at_257(257);
        self.copy_horizontal_scroll();
        self.oam_addr = 0;
        for index in 0..8 {
            self.fetch_sprite_slot(cart, index);
        }
        self.lay_out_sprite_line(true);
        for dot in 321..=337 {
            if dot >= 322 {
                self.shift_background();
            }
            self.background_fetch(cart, dot);
        }
        // Dot 339's unused nametable fetch.
        let _ = cart.ppu_fetch(0x2000 | (self.vram_addr & 0x0FFF), 339);
        self.dot = 340;
    }

    /// Backdrop while rendering is off: colour 0, or the colour v points at
    /// when v is inside the palette (the "background palette hack").
    fn output_backdrop(&mut self) {
        let x = usize::from(self.dot - 1);
        // Here colour 0 of a palette is itself, not the backdrop.
        let entry = if self.vram_addr & 0x3F00 == 0x3F00 { self.vram_addr as u8 & 0x1F } else { 0 };
        let pixel = self.as_drawn(self.palette[palette::mirror(entry)]);
        self.put_pixel(x, pixel);
    }

    #[inline(always)]
    fn output_pixel(&mut self, x: usize) {
        let bg = if self.mask & MASK_BG != 0 && (x >= 8 || self.mask & MASK_BG_LEFT != 0) {
            self.background_pixel()
        } else {
            0
        };
        let sprite = if self.mask & MASK_SPRITES != 0 && (x >= 8 || self.mask & MASK_SPRITES_LEFT != 0) {
            self.sprites.line[x & 0xFF]
        } else {
            0
        };
        let entry = self.compose(x, bg, sprite);
        let pixel = self.resolved_palette[usize::from(entry & 0x1F)];
        self.put_pixel(x, pixel);
    }

    /// The palette entry of pixel `x` from its background colour and its
    /// sprite line entry, setting the sprite 0 hit flag where they meet.
    #[inline(always)]
    fn compose(&mut self, x: usize, bg: u8, sprite: u8) -> u8 {
        if sprite & sprites::PIXEL != 0 {
            if bg & 0x03 != 0 && sprite & sprites::SPRITE_ZERO != 0 && x != 255 {
                self.status |= STATUS_SPRITE0;
            }
            if bg & 0x03 != 0 && sprite & sprites::BEHIND != 0 {
                bg
            } else {
                0x10 | (sprite & 0x0F)
            }
        } else {
            bg
        }
    }

    #[inline]
    fn put_pixel(&mut self, x: usize, pixel: u16) {
        self.frame_buffer[usize::from(self.scanline) * WIDTH + (x & 0xFF)] = pixel;
    }
}

crate::state::persist_fields_as!(Ppu, persist_registers {
    ctrl, mask, status, oam_addr, vram_addr, temp_addr, fine_x, write_toggle, read_buffer, io_latch,
    latch_refreshed, scanline, dot, frame, odd_frame, rendering, suppress_vblank, warming_up, nt_latch,
    at_latch, pattern_lo_latch, pattern_hi_latch, bg_lo, bg_hi, attr_lo, attr_hi, oam, sprites, palette,
    resolved_palette,
});

/// Rows at the top of the picture a lean capture keeps: a frame ends on
/// the CPU's clock, so the PPU has drawn the first pixels of the next
/// frame by the time `run_frame` returns (up to an instruction's worth, or
/// an OAM DMA's: under five lines). Those are not drawn again by the next
/// frame run; kept, they make a lean restore plus a frame exactly the
/// frame the machine drew.
const LEAN_ROWS: usize = 8;

/// Everything, then the picture: all of it, or in a lean stream only the
/// rows a frame boundary can catch half drawn (the next frame run draws
/// every other pixel again).
impl crate::state::Persist for Ppu {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        if !s.restoring() {
            // A fill already due is part of the buffer.
            self.settle_read_buffer();
        }
        self.persist_registers(s);
        if s.with_picture() {
            s.u16s(&mut self.frame_buffer[..]);
        } else {
            s.u16s(&mut self.frame_buffer[..LEAN_ROWS * WIDTH]);
        }
    }
}

#[cfg(test)]
mod tests;
