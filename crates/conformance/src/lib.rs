//! Helpers for the conformance tests: where the ROMs are, and how one is judged.
//!
//! The ROMs are not part of this repository. They are looked up in the
//! folder named by `PHOSPHOR_TEST_ROMS`, else in `../shared/test-roms/nes-test-roms`
//! beside the checkout; when they are absent each test says it was skipped.

use phosphor_nes::{button, testrom, Cartridge, LoadOptions, Nes};
use std::path::PathBuf;

/// The nes-test-roms folder, if it can be found.
pub fn rom_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PHOSPHOR_TEST_ROMS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-roms/nes-test-roms"),
    };
    dir.is_dir().then_some(dir)
}

/// Reads a ROM from the collection, or says plainly that it is absent.
pub fn load(path: &str) -> Option<Vec<u8>> {
    let Some(dir) = rom_dir() else {
        eprintln!("SKIPPED {path}: conformance ROMs not found (set PHOSPHOR_TEST_ROMS to the nes-test-roms folder)");
        return None;
    };
    let file = dir.join(path);
    match std::fs::read(&file) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("SKIPPED {path}: cannot read {}: {e}", file.display());
            None
        }
    }
}

/// Runs one ROM to its verdict and fails the test with the ROM's own words.
pub fn check(path: &str, max_frames: u64, buttons: &str) {
    check_with(path, max_frames, buttons, LoadOptions::default());
}

/// [`check`] with header overrides (a board revision, a region).
pub fn check_with(path: &str, max_frames: u64, buttons: &str, options: LoadOptions) {
    let Some(rom) = load(path) else { return };
    let cart = Cartridge::from_ines_with(&rom, options).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut nes = Nes::new(cart);
    if buttons != "-" {
        let held = buttons.split('+').map(|b| button::from_name(b).expect("known button")).fold(0, |a, b| a | b);
        nes.set_buttons(0, held);
    }
    let outcome = testrom::run(&mut nes, max_frames);
    assert!(outcome.passed, "{path} failed with code {} after {} frames:\n{}", outcome.code, outcome.frames, outcome.text);
}

/// Runs a ROM that prints a checksum of its results instead of a verdict,
/// and fails unless the checksum is one a console is known to print.
pub fn check_crc(path: &str, frames: u64, accepted: &[&str]) {
    let Some(rom) = load(path) else { return };
    let mut nes = Nes::from_ines(&rom).unwrap_or_else(|e| panic!("{path}: {e}"));
    let outcome = testrom::run(&mut nes, frames);
    assert!(
        accepted.iter().any(|crc| outcome.text.contains(crc)),
        "{path} printed no accepted checksum ({accepted:?}):\n{}",
        outcome.text
    );
}
