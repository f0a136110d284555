//! The MMC3 tests that only an MMC3A passes, run with the board set to
//! revision A (NES 2.0 submapper 4), as a user would for Crystalis-era carts.

use phosphor_nes::LoadOptions;

const REV_A: LoadOptions = LoadOptions { submapper: Some(4), region: None };

#[test]
fn mmc3_test_2_alt_behaviour() {
    phosphor_conformance::check_with("mmc3_test_2/rom_singles/6-MMC3_alt.nes", 600, "-", REV_A);
}

#[test]
fn mmc3_irq_tests_revision_a() {
    phosphor_conformance::check_with("mmc3_irq_tests/5.MMC3_rev_A.nes", 600, "-", REV_A);
}
