//! Our input-to-photon test ROM (`tests/roms/backdrop.s`): the window test
//! times presses against it, so what it shows and when is checked here,
//! on the core alone.

use phosphor_nes::{button, Cartridge, Nes};

fn backdrop(nes: &Nes) -> Option<u16> {
    let pixels = nes.frame_buffer();
    let first = pixels[0] & 0x3F;
    pixels.iter().all(|p| p & 0x3F == first).then_some(first)
}

#[test]
fn the_backdrop_is_white_from_the_frame_after_the_one_that_read_a() {
    let rom = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/roms/backdrop.nes")).expect("the ROM is committed");
    let mut nes = Nes::new(Cartridge::from_ines(&rom).expect("it parses"));
    for _ in 0..5 {
        nes.run_frame();
    }
    assert_eq!(backdrop(&nes), Some(0x0F), "black while nothing is held");
    // The game reads the pad in its vertical blank, at the end of one of
    // our frames, and the picture drawn after it (the next frame) shows it.
    let middle = |nes: &Nes| nes.frame_buffer()[120 * 256 + 128] & 0x3F;
    for round in 0..3 {
        nes.set_buttons(0, button::A);
        let strobes = nes.controller_strobes();
        nes.run_frame();
        assert_ne!(nes.controller_strobes(), strobes, "round {round}: the frame strobed the controller");
        assert_eq!(middle(&nes), 0x0F, "round {round}: the frame that read A was drawn before it");
        nes.run_frame();
        assert_eq!(backdrop(&nes), Some(0x30), "round {round}: white from the frame after the one that read A");
        nes.set_buttons(0, 0);
        nes.run_frame();
        assert_eq!(middle(&nes), 0x30, "round {round}: still white in the frame that read the release");
        nes.run_frame();
        assert_eq!(backdrop(&nes), Some(0x0F), "round {round}: black again the frame after");
        nes.set_buttons(0, button::B);
        nes.run_frame();
        nes.run_frame();
        assert_eq!(backdrop(&nes), Some(0x0F), "round {round}: only A makes it white");
    }
}

