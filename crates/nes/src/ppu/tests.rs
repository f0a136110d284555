//! PPU register and timing tests on a bare PPU with an NROM cartridge.

use super::*;
use crate::mapper::test_util::numbered_rom;

fn setup() -> (Ppu, Cartridge) {
    (Ppu::new(), numbered_rom(0, 1, 0, 0)) // CHR RAM
}

/// A $2007 read `dots` dots from now.
fn read_2007_after(ppu: &mut Ppu, cart: &mut Cartridge, dots: u16) -> u8 {
    for _ in 0..dots {
        ppu.tick(cart);
    }
    ppu.read_register(0x2007, cart)
}

fn run_to(ppu: &mut Ppu, cart: &mut Cartridge, scanline: u16, dot: u16) {
    while !(ppu.scanline == scanline && ppu.dot == dot) {
        ppu.tick(cart);
    }
}

#[test]
fn vram_read_is_buffered_except_palette() {
    let (mut ppu, mut cart) = setup();
    ppu.write_register(0x2006, 0x21, &mut cart);
    ppu.write_register(0x2006, 0x00, &mut cart);
    ppu.write_register(0x2007, 0xAB, &mut cart);
    ppu.write_register(0x2007, 0xCD, &mut cart);
    ppu.write_register(0x2006, 0x21, &mut cart);
    ppu.write_register(0x2006, 0x00, &mut cart);
    // Reads a few CPU cycles apart, as instructions make them.
    let read = |ppu: &mut Ppu, cart: &mut Cartridge| read_2007_after(ppu, cart, 12);
    let first = read(&mut ppu, &mut cart);
    assert_ne!(first, 0xAB, "the first read returns the stale buffer");
    assert_eq!(read(&mut ppu, &mut cart), 0xAB);
    assert_eq!(read(&mut ppu, &mut cart), 0xCD);
    // Palette: unbuffered, and $3F10 mirrors $3F00.
    ppu.write_register(0x2006, 0x3F, &mut cart);
    ppu.write_register(0x2006, 0x10, &mut cart);
    ppu.write_register(0x2007, 0x2A, &mut cart);
    ppu.write_register(0x2006, 0x3F, &mut cart);
    ppu.write_register(0x2006, 0x00, &mut cart);
    assert_eq!(ppu.read_register(0x2007, &mut cart) & 0x3F, 0x2A);
}

#[test]
fn scroll_writes_fill_t_and_fine_x() {
    let (mut ppu, mut cart) = setup();
    ppu.write_register(0x2000, 0x03, &mut cart);
    ppu.write_register(0x2005, 0x7D, &mut cart); // X = 125: coarse 15, fine 5
    ppu.write_register(0x2005, 0x5E, &mut cart); // Y = 94: coarse 11, fine 6
    let (_, t, fine_x, w) = ppu.scroll_registers();
    assert_eq!(fine_x, 5);
    assert!(!w);
    assert_eq!(t, (6 << 12) | (3 << 10) | (11 << 5) | 15);
    // Reading $2002 resets the toggle.
    ppu.write_register(0x2005, 0x00, &mut cart);
    ppu.read_register(0x2002, &mut cart);
    assert!(!ppu.scroll_registers().3);
}

#[test]
fn vblank_sets_at_241_1_and_clears_on_prerender() {
    let (mut ppu, mut cart) = setup();
    run_to(&mut ppu, &mut cart, 241, 0);
    assert_eq!(ppu.status & STATUS_VBLANK, 0);
    ppu.tick(&mut cart);
    assert_ne!(ppu.status & STATUS_VBLANK, 0);
    ppu.write_register(0x2000, 0x80, &mut cart);
    assert!(ppu.nmi_line());
    run_to(&mut ppu, &mut cart, 261, 1);
    assert_eq!(ppu.status & STATUS_VBLANK, 0);
    assert!(!ppu.nmi_line());
}

#[test]
fn reading_status_one_dot_early_suppresses_vblank() {
    let (mut ppu, mut cart) = setup();
    run_to(&mut ppu, &mut cart, 241, 0);
    assert_eq!(ppu.read_register(0x2002, &mut cart) & 0x80, 0);
    ppu.tick(&mut cart);
    assert_eq!(ppu.status & STATUS_VBLANK, 0, "the flag is never set this frame");
}

#[test]
fn odd_frames_are_one_dot_shorter_when_rendering() {
    let (mut ppu, mut cart) = setup();
    ppu.write_register(0x2001, 0x08, &mut cart);
    let mut lengths = Vec::new();
    for _ in 0..4 {
        let start = ppu.frame;
        let mut dots = 0u32;
        while ppu.frame == start {
            ppu.tick(&mut cart);
            dots += 1;
        }
        lengths.push(dots);
    }
    lengths.sort_unstable();
    assert_eq!(lengths, [89_341, 89_341, 89_342, 89_342]);
}

#[test]
fn oam_attribute_bytes_lose_bits_2_to_4() {
    let (mut ppu, mut cart) = setup();
    ppu.write_register(0x2003, 0x02, &mut cart);
    ppu.write_register(0x2004, 0xFF, &mut cart);
    ppu.write_register(0x2003, 0x02, &mut cart);
    assert_eq!(ppu.read_register(0x2004, &mut cart), 0xE3);
    assert_eq!(ppu.oam_addr, 0x02, "reads do not increment OAMADDR");
}

#[test]
fn greyscale_masks_palette_reads_not_writes_and_the_top_bits_are_open_bus() {
    let (mut ppu, mut cart) = setup();
    ppu.write_register(0x2006, 0x3F, &mut cart);
    ppu.write_register(0x2006, 0x01, &mut cart);
    ppu.write_register(0x2007, 0x2A, &mut cart);
    ppu.write_register(0x2001, MASK_GREYSCALE, &mut cart);
    ppu.write_register(0x2006, 0x3F, &mut cart);
    ppu.write_register(0x2006, 0x01, &mut cart);
    // The last write ($2003 here) leaves its top bits on the PPU's bus.
    ppu.write_register(0x2003, 0xC0, &mut cart);
    assert_eq!(ppu.read_register(0x2007, &mut cart), 0xC0 | 0x20, "low four bits cleared, top two open bus");
    assert_eq!(ppu.palette_ram()[1], 0x2A, "the cell keeps its colour");
    ppu.write_register(0x2001, 0, &mut cart);
    ppu.write_register(0x2006, 0x3F, &mut cart);
    ppu.write_register(0x2006, 0x01, &mut cart);
    ppu.write_register(0x2003, 0x00, &mut cart);
    assert_eq!(ppu.read_register(0x2007, &mut cart), 0x2A, "colour again without greyscale");
}

#[test]
fn oamdata_writes_while_rendering_bump_the_sprite_index_only() {
    let (mut ppu, mut cart) = setup();
    ppu.oam[5] = 0x11;
    ppu.mask = MASK_BG | MASK_SPRITES;
    ppu.rendering = true;
    ppu.scanline = 100;
    ppu.dot = 10;
    ppu.oam_addr = 0x05;
    ppu.write_register(0x2004, 0x77, &mut cart);
    assert_eq!(ppu.oam[5], 0x11, "not stored");
    assert_eq!(ppu.oam_addr, 0x08, "up by 4, low two bits cleared");
    ppu.oam_addr = 0xFE;
    ppu.write_register(0x2004, 0x77, &mut cart);
    assert_eq!(ppu.oam_addr, 0x00, "wraps");
}

#[test]
fn one_pass_sprite_evaluation_matches_the_dot_by_dot_scan() {
    let mut seed: u32 = 0x1234_5678;
    let mut next = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8
    };
    let (mut handled, mut declined) = (0, 0);
    for round in 0..400 {
        let (mut ppu, _cart) = setup();
        // Sprites clustered near a few lines so that 0 to 12 are in range.
        let crowd = next() % 13;
        for n in 0..64 {
            ppu.oam[n * 4] = if (n as u8) < crowd { 100 - (next() % 8) } else { next() };
            for b in 1..4 {
                ppu.oam[n * 4 + b] = next();
            }
        }
        ppu.ctrl = if round % 3 == 0 { CTRL_SPRITE_8X16 } else { 0 };
        ppu.mask = MASK_BG | MASK_SPRITES;
        ppu.rendering = true;
        ppu.scanline = if round % 2 == 0 { 100 } else { u16::from(next() % 240) };
        ppu.dot = 0;

        let mut stepped = ppu.clone();
        for dot in 1..=256 {
            stepped.dot = dot;
            stepped.evaluate_sprites(dot);
        }
        let mut one_pass = ppu.clone();
        if one_pass.evaluate_line_in_one_pass() {
            handled += 1;
            assert_eq!(one_pass.sprites, stepped.sprites, "round {round}");
            assert_eq!(one_pass.oam_addr, stepped.oam_addr, "round {round}");
            assert_eq!(one_pass.status, stepped.status, "round {round}");
        } else {
            declined += 1;
            assert_eq!(one_pass.sprites, ppu.sprites, "a declined pass changes nothing");
            assert!(stepped.sprites.sprites_found == 8, "declined only for the overflow scan (round {round})");
        }
    }
    assert!(handled > 100 && declined > 20, "both paths exercised: {handled} handled, {declined} declined");
}

/// Once eight sprites are found, evaluation's even-dot write to secondary
/// OAM becomes a read of it (the first slot's Y, at the wrapped address):
/// a $2004 read on an even dot sees that, an odd dot the primary OAM byte.
#[test]
fn oam_reads_after_eight_sprites_see_secondary_oam_on_even_dots() {
    let (mut ppu, mut cart) = setup();
    ppu.write_register(0x2003, 0, &mut cart);
    for n in 0..64u8 {
        // Sprites 0-7 at Y 10, sprite 8 at Y 9 (also in range on line 10),
        // the rest off screen; tile, attribute and X bytes all distinct.
        let y = match n {
            0..=7 => 10,
            8 => 9,
            _ => 0xF8,
        };
        for b in [y, 0xA0 | (n & 0x0F), 0x40 | (n & 0x0F), 0x80 | n] {
            ppu.write_register(0x2004, b, &mut cart);
        }
    }
    ppu.write_register(0x2001, 0x18, &mut cart);
    // Dots 66-128 copy the eight sprites; dot 129 reads sprite 8's Y.
    run_to(&mut ppu, &mut cart, 10, 129);
    assert_eq!(ppu.read_register(0x2004, &mut cart), 9, "odd dot: primary OAM (sprite 8's Y)");
    ppu.tick(&mut cart);
    assert_eq!(ppu.read_register(0x2004, &mut cart), 10, "even dot: secondary OAM's first Y");
    ppu.tick(&mut cart);
    assert_eq!(ppu.read_register(0x2004, &mut cart), 0xA8, "odd dot: sprite 8's tile (the overflow copy)");
    ppu.tick(&mut cart);
    assert_eq!(ppu.read_register(0x2004, &mut cart), 10);
    assert_ne!(ppu.status & STATUS_OVERFLOW, 0);
    // After the scan is done, even dots still read secondary OAM.
    run_to(&mut ppu, &mut cart, 10, 250);
    assert_eq!(ppu.read_register(0x2004, &mut cart), 10);
}

/// A PPU rendering OAM with every Y at $F0 (nothing in range, so
/// evaluation scans all 64 entries in dots 65-192) and every other byte its
/// own index, with rendering switched off at (`line`, `dot`). Returns the
/// OAM as stored and the row evaluation was on when the stop took effect.
fn stop_rendering_at(line: u16, dot: u16) -> (Ppu, Cartridge, [u8; 256], usize) {
    let (mut ppu, mut cart) = setup();
    ppu.write_register(0x2003, 0, &mut cart);
    for i in 0..=255u8 {
        ppu.write_register(0x2004, if i % 4 == 0 { 0xF0 } else { i }, &mut cart);
    }
    let oam = ppu.oam; // as stored: attribute bits 2-4 do not exist
    ppu.write_register(0x2001, 0x18, &mut cart);
    run_to(&mut ppu, &mut cart, line, dot);
    ppu.write_register(0x2001, 0x00, &mut cart);
    ppu.tick(&mut cart); // the write reaches the pipeline after this dot
    let row = usize::from(ppu.oam_addr >> 3);
    (ppu, cart, oam, row)
}

/// Turning rendering off while a visible line's evaluation is scanning OAM
/// leaves the row it was on to be overwritten by OAM's first row: not at
/// the stop, not when rendering is switched back on in vertical blank, but
/// when it runs again on the pre-render line. Off after the scan finished,
/// nothing happens.
#[test]
fn rendering_off_mid_evaluation_copies_oam_row_0_over_the_scanned_row_when_rendering_resumes() {
    let (mut ppu, mut cart, oam, row) = stop_rendering_at(50, 100);
    assert!(row > 0, "the scan is past row 0 (OAMADDR {:02X})", ppu.oam_addr);
    ppu.tick(&mut cart);
    assert_eq!(ppu.oam, oam, "nothing on the stop");
    run_to(&mut ppu, &mut cart, 245, 0);
    ppu.write_register(0x2001, 0x18, &mut cart);
    run_to(&mut ppu, &mut cart, 260, 340);
    assert_eq!(ppu.oam, oam, "nothing while vertical blank goes on");
    ppu.tick(&mut cart);
    let mut expected = oam;
    expected.copy_within(0..8, row * 8);
    assert_eq!(ppu.oam, expected, "row {row} is row 0's copy once rendering runs");

    // Stopped after the scan (dot 200 of a line with no sprites): no copy.
    let (mut ppu, mut cart, oam, _) = stop_rendering_at(50, 200);
    run_to(&mut ppu, &mut cart, 60, 0);
    ppu.write_register(0x2001, 0x18, &mut cart);
    run_to(&mut ppu, &mut cart, 70, 0);
    assert_eq!(ppu.oam, oam);
}

/// Switched back on mid-frame, the copy lands on the dot rendering resumes.
#[test]
fn oam_row_corruption_lands_when_rendering_resumes_mid_frame() {
    let (mut ppu, mut cart, oam, row) = stop_rendering_at(20, 150);
    run_to(&mut ppu, &mut cart, 30, 10);
    ppu.write_register(0x2001, 0x18, &mut cart);
    assert_eq!(ppu.oam, oam, "not at the write");
    ppu.tick(&mut cart);
    let mut expected = oam;
    expected.copy_within(0..8, row * 8);
    assert_eq!(ppu.oam, expected);
}

/// A $2007 read's fetch reaches the buffer a little over a CPU cycle
/// later: a second read 3 dots on (the next NTSC cycle) returns the old
/// byte again, though VRAM address and buffer advance for both; reads 6
/// dots apart see each fill.
#[test]
fn a_2007_read_on_the_next_cpu_cycle_returns_the_old_buffer_byte() {
    let (mut ppu, mut cart) = setup();
    poke(&mut ppu, &mut cart, 0x2100, &[0x11, 0x22, 0x33, 0x44, 0x55]);
    run_to(&mut ppu, &mut cart, 245, 0);
    let read_at = read_2007_after;
    ppu.write_register(0x2006, 0x21, &mut cart);
    ppu.write_register(0x2006, 0x00, &mut cart);
    let _ = read_at(&mut ppu, &mut cart, 6); // primes the buffer with $11
    assert_eq!(read_at(&mut ppu, &mut cart, 6), 0x11);
    assert_eq!(read_at(&mut ppu, &mut cart, 3), 0x11, "the $22 fill has not landed");
    assert_eq!(read_at(&mut ppu, &mut cart, 6), 0x33, "only the second read's fetch did");
    assert_eq!(read_at(&mut ppu, &mut cart, 6), 0x44);
    assert_eq!(ppu.scroll_registers().0, 0x2105);
}

/// Poke a byte into the PPU's address space through $2006/$2007.
fn poke(ppu: &mut Ppu, cart: &mut Cartridge, addr: u16, bytes: &[u8]) {
    ppu.write_register(0x2006, (addr >> 8) as u8, cart);
    ppu.write_register(0x2006, addr as u8, cart);
    for &b in bytes {
        ppu.write_register(0x2007, b, cart);
    }
}
