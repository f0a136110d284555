//! A board's sound reaches the console's audio output: the bus clocks the
//! board every CPU cycle and mixes its level with the APU's.

use phosphor_nes::Nes;

/// A 32 KiB-PRG image for `mapper` whose program (at $E000, the fixed last
/// bank of every board here) runs `writes` as `LDA #v / STA addr` and loops.
fn program(mapper: u8, writes: &[(u16, u8)]) -> Vec<u8> {
    let mut rom = vec![b'N', b'E', b'S', 0x1A, 2, 1, mapper << 4, mapper & 0xF0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut prg = vec![0xEA; 0x8000];
    let mut code = Vec::new();
    for &(addr, value) in writes {
        let [lo, hi] = addr.to_le_bytes();
        code.extend_from_slice(&[0xA9, value, 0x8D, lo, hi]);
    }
    let here = 0xE000 + code.len() as u16;
    let [lo, hi] = here.to_le_bytes();
    code.extend_from_slice(&[0x4C, lo, hi]);
    prg[0x6000..0x6000 + code.len()].copy_from_slice(&code);
    prg[0x7FFC..0x7FFE].copy_from_slice(&[0x00, 0xE0]);
    rom.extend(prg);
    rom.extend(vec![0; 0x2000]);
    rom
}

/// RMS of the output over 30 frames, after 10 frames to settle.
fn rms(rom: &[u8]) -> f32 {
    let mut nes = Nes::from_ines(rom).unwrap();
    let mut buf = vec![0f32; 4096];
    let (mut sum, mut n) = (0f64, 0usize);
    for frame in 0..40 {
        nes.run_frame();
        let got = nes.read_audio(&mut buf);
        if frame >= 10 {
            sum += buf[..got].iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>();
            n += got;
        }
    }
    assert!(n > 20_000, "samples: {n}");
    (sum / n as f64).sqrt() as f32
}

#[test]
fn vrc6_pulse_is_heard() {
    // Pulse 1: duty 8/16, volume 15, period $100 (about 435 Hz), enabled.
    let tone = rms(&program(24, &[(0x9000, 0x7F), (0x9001, 0x00), (0x9002, 0x81)]));
    let silent = rms(&program(24, &[(0x9000, 0x7F), (0x9001, 0x00), (0x9002, 0x01)]));
    assert!(silent < 1e-3, "disabled channel: rms {silent}");
    // A square of amplitude 0.149 peak-to-peak has an RMS of about 0.075.
    assert!((0.05..0.1).contains(&tone), "rms {tone}");
}
