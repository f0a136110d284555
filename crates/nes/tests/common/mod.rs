//! What the integration tests share: where the conformance ROMs are.

use std::path::PathBuf;

/// The nes-test-roms folder (`PHOSPHOR_TEST_ROMS`, or `shared/` beside the
/// checkout); `None`, saying so, when it is absent.
pub fn rom_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PHOSPHOR_TEST_ROMS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-roms/nes-test-roms"));
    if dir.join("ny2011/ny2011.nes").exists() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: conformance ROMs not found at {} (set PHOSPHOR_TEST_ROMS)", dir.display());
        None
    }
}
