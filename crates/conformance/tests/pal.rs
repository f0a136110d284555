//! blargg's PAL APU tests, run on a console set to PAL (their headers do
//! not say so): the 2A07's frame sequencer and length timing.

use phosphor_nes::{LoadOptions, Region};

const PAL: LoadOptions = LoadOptions { submapper: None, region: Some(Region::Pal) };

fn check(name: &str) {
    phosphor_conformance::check_with(&format!("pal_apu_tests/{name}.nes"), 600, "-", PAL);
}

#[test]
fn len_ctr() {
    check("01.len_ctr");
}
#[test]
fn len_table() {
    check("02.len_table");
}
#[test]
fn irq_flag() {
    check("03.irq_flag");
}
#[test]
fn clock_jitter() {
    check("04.clock_jitter");
}
#[test]
fn len_timing_mode0() {
    check("05.len_timing_mode0");
}
#[test]
fn len_timing_mode1() {
    check("06.len_timing_mode1");
}
#[test]
fn irq_flag_timing() {
    check("07.irq_flag_timing");
}
#[test]
fn irq_timing() {
    check("08.irq_timing");
}
#[test]
fn len_halt_timing() {
    check("10.len_halt_timing");
}
#[test]
fn len_reload_timing() {
    check("11.len_reload_timing");
}
