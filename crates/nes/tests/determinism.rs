//! The same ROM, power-on state and inputs give the same frames and sound,
//! bit for bit; the power-on RAM pattern is a setting, never the clock.

use phosphor_nes::movie::audio_hash;
use phosphor_nes::state::FNV_OFFSET;
use phosphor_nes::{Cartridge, Nes, RamInit};

mod common;
use common::rom_dir;

/// A hash per frame over its pixels and its samples, under a pseudo-random
/// but fixed sequence of buttons on both pads.
fn play(mut nes: Nes, frames: usize) -> Vec<(u64, u64)> {
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut samples = vec![0f32; 4096];
    (0..frames)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            nes.set_buttons(0, rng as u8);
            nes.set_buttons(1, (rng >> 8) as u8);
            nes.run_frame();
            let n = nes.read_audio(&mut samples);
            (nes.frame_hash(), audio_hash(FNV_OFFSET, &samples[..n]))
        })
        .collect()
}

#[test]
fn the_same_inputs_give_the_same_frames_and_audio() {
    let Some(dir) = rom_dir() else { return };
    for rom in ["ny2011/ny2011.nes", "other/BladeBuster.nes", "mmc5test/mmc5test.nes"] {
        let bytes = std::fs::read(dir.join(rom)).unwrap();
        let first = play(Nes::from_ines(&bytes).unwrap(), 600);
        let second = play(Nes::from_ines(&bytes).unwrap(), 600);
        if let Some(frame) = (0..first.len()).find(|&i| first[i] != second[i]) {
            panic!("{rom}: two runs part at frame {frame}");
        }
        let distinct: std::collections::HashSet<_> = first.iter().collect();
        assert!(distinct.len() > 100, "{rom}: the run shows something ({} distinct frames)", distinct.len());
    }
}

#[test]
fn power_on_ram_follows_the_setting() {
    let Some(dir) = rom_dir() else { return };
    // MMC1 with 8 KiB of work RAM and no battery.
    let bytes = std::fs::read(dir.join("other/8bitpeoples_-_deadline_console_invitro.nes")).unwrap();
    let cart = || Cartridge::from_ines(&bytes).unwrap();
    let ram = |nes: &Nes| -> Vec<u8> { (0..0x800).map(|a| nes.peek(a)).collect() };
    let work_ram = |nes: &Nes| nes.cartridge().prg_ram().to_vec();

    let zeros = Nes::new(cart());
    assert!(ram(&zeros).iter().all(|&b| b == 0), "zeros by default");
    let ones = Nes::with_ram_init(cart(), RamInit::Ones);
    assert!(ram(&ones).iter().all(|&b| b == 0xFF));
    assert!(!work_ram(&ones).is_empty() && work_ram(&ones).iter().all(|&b| b == 0xFF), "cartridge work RAM too");

    let seeded = |seed| Nes::with_ram_init(cart(), RamInit::Seeded(seed));
    let (a, b, c) = (seeded(1), seeded(1), seeded(2));
    assert_eq!(ram(&a), ram(&b), "a seed gives the same bytes every time");
    assert_ne!(ram(&a), ram(&c), "another seed, other bytes");
    assert_ne!(work_ram(&a), work_ram(&c));
    assert_eq!(play(a.clone(), 120), play(b, 120), "and the same run");

    // A power cycle starts console RAM over from the same pattern.
    let mut cycled = a.clone();
    play(cycled.clone(), 30);
    cycled.power_cycle();
    assert_eq!(ram(&cycled), ram(&a));
    assert_eq!(cycled.ram_init(), RamInit::Seeded(1));

    // A battery keeps its RAM: the pattern leaves it alone.
    let battery = std::fs::read(dir.join("other/BladeBuster.nes")).unwrap();
    let nes = Nes::with_ram_init(Cartridge::from_ines(&battery).unwrap(), RamInit::Ones);
    assert!(nes.cartridge().battery_ram().is_some_and(|ram| ram.iter().all(|&b| b == 0)));
}
