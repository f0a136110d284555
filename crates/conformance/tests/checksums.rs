//! ROMs that print a CRC of their measurements rather than a verdict; the
//! accepted values are the ones their author lists for real consoles.

/// DMC DMA during a $2007 read: the halted read is repeated and each repeat
/// advances the VRAM address. "33 44" and "44 55" are both seen on hardware,
/// depending on the CPU/PPU alignment at power-on.
#[test]
fn dmc_dma_during_2007_read() {
    phosphor_conformance::check_crc("dmc_dma_during_read4/dma_2007_read.nes", 300, &["159A7A8F", "5E3DF9C4"]);
}

/// Two $2007 reads on consecutive cycles (a page-crossing indexed read's
/// dummy read, then the real one): both return the old buffer byte, and
/// the buffer and VRAM address advance twice. The four values are those its
/// author lists, by CPU/PPU alignment at power-on.
#[test]
fn double_2007_read() {
    phosphor_conformance::check_crc(
        "dmc_dma_during_read4/double_2007_read.nes",
        300,
        &["85CFD627", "F018C287", "440EF923", "E52F41A5"],
    );
}
