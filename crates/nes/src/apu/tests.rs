use super::*;
use crate::timing::Timing;

fn run(apu: &mut Apu, cycles: u32) {
    for _ in 0..cycles {
        apu.clock();
    }
}

#[test]
fn four_step_mode_raises_frame_irq_once_per_sequence() {
    let mut apu = Apu::default();
    run(&mut apu, 10);
    assert!(!apu.irq());
    run(&mut apu, 29_830);
    assert!(apu.irq(), "frame IRQ after one 4-step sequence");
    assert_ne!(apu.read_status() & 0x40, 0);
    assert!(!apu.irq(), "reading $4015 acknowledges it");
    // Inhibit: no IRQ.
    apu.write(0x4017, 0x40);
    run(&mut apu, 60_000);
    assert!(!apu.irq());
}

/// An APU whose 4-step sequence was restarted by writing `value` to $4017
/// on a put cycle (cycle 0), run to sequence cycle `k` (the write takes
/// effect 3 cycles later, on a get cycle: sequence cycle 0 is a get).
fn sequence_at(value: u8, k: u32) -> Apu {
    let mut apu = Apu::default();
    apu.write(0x4017, value);
    run(&mut apu, 3 + k);
    apu
}

/// With interrupts inhibited the frame flag still rises on the first two
/// of the sequence's three IRQ cycles (29828, 29829), where a $4015 read
/// sees it, and the third clears it; the IRQ line never goes high.
#[test]
fn inhibited_frame_flag_shows_for_two_cycles_without_an_irq() {
    for k in 29_826..=29_832 {
        let apu = sequence_at(0x40, k);
        let shown = apu.peek_status() & 0x40 != 0;
        assert_eq!(shown, k == 29_828 || k == 29_829, "flag at sequence cycle {k}");
    }
    let mut apu = sequence_at(0x40, 0);
    for k in 1..70_000 {
        apu.clock();
        assert!(!apu.irq(), "no IRQ while inhibited (sequence cycle {k})");
    }
    // Not inhibited: the same cycles raise it, and the third keeps it.
    for k in 29_826..=29_832 {
        let apu = sequence_at(0x00, k);
        assert_eq!(apu.irq(), k >= 29_828, "IRQ at sequence cycle {k}");
    }
}

/// A $4015 read acknowledges the frame flag at the APU's next put-to-get
/// transition: read on a put cycle, it is clear on the next cycle; read on
/// a get cycle, the put cycle after still sees it (and the IRQ line stays
/// high), and the next get cycle clears it.
#[test]
fn frame_flag_acknowledge_waits_for_the_next_get_cycle() {
    // Sequence cycle 29831 is a put (29830 wrapped to 0, a get).
    let mut apu = sequence_at(0x00, 29_831);
    assert_ne!(apu.read_status() & 0x40, 0);
    run(&mut apu, 1);
    assert_eq!(apu.peek_status() & 0x40, 0, "read on a put: clear on the next get");
    assert!(!apu.irq());

    let mut apu = sequence_at(0x00, 29_832);
    assert_ne!(apu.read_status() & 0x40, 0);
    run(&mut apu, 1);
    assert_ne!(apu.peek_status() & 0x40, 0, "read on a get: the next put still sees it");
    assert!(apu.irq(), "and the line is still high");
    run(&mut apu, 1);
    assert_eq!(apu.peek_status() & 0x40, 0, "cleared on the next get");
    assert!(!apu.irq());

    // Read on the first or second IRQ cycle: the third sets it again.
    for k in [29_828, 29_829] {
        let mut apu = sequence_at(0x00, k);
        assert_ne!(apu.read_status() & 0x40, 0);
        run(&mut apu, 29_831 - k);
        assert_ne!(apu.peek_status() & 0x40, 0, "read at {k}: set again at 29830");
    }
    // Read on the third (a get): 29831 still sees it, 29832 does not.
    let mut apu = sequence_at(0x00, 29_830);
    assert_ne!(apu.read_status() & 0x40, 0);
    run(&mut apu, 1);
    assert_ne!(apu.read_status() & 0x40, 0, "read at 29830: still set at 29831");
    run(&mut apu, 1);
    assert_eq!(apu.peek_status() & 0x40, 0);
    // The acknowledge survives a save state taken between the two cycles.
    let mut apu = sequence_at(0x00, 29_832);
    apu.read_status();
    let mut bytes = Vec::new();
    crate::state::Persist::persist(&mut apu, &mut crate::state::Writer::new(&mut bytes));
    let mut copy = sequence_at(0x00, 5);
    crate::state::Persist::persist(&mut copy, &mut crate::state::Reader::new(&bytes));
    run(&mut copy, 1);
    assert_ne!(copy.peek_status() & 0x40, 0);
    run(&mut copy, 1);
    assert_eq!(copy.peek_status() & 0x40, 0, "the restored acknowledge still lands");
}

#[test]
fn length_counter_counts_half_frames() {
    let mut apu = Apu::default();
    apu.write(0x4015, 0x01);
    apu.write(0x4003, 0x18); // index 3 -> length 2
    run(&mut apu, 2);
    assert_eq!(apu.read_status() & 0x01, 1);
    // Two half-frame clocks (at 14913 and 29829) empty it.
    run(&mut apu, 30_000);
    assert_eq!(apu.read_status() & 0x01, 0);
    // Disabled channels ignore length loads.
    apu.write(0x4015, 0x00);
    apu.write(0x4003, 0x08);
    run(&mut apu, 1);
    assert_eq!(apu.length_counters()[0], 0);
}

#[test]
fn five_step_write_clocks_half_frame_immediately() {
    let mut apu = Apu::default();
    run(&mut apu, 10);
    apu.write(0x4015, 0x01);
    apu.write(0x4003, 0x18); // length 2
    run(&mut apu, 1);
    apu.write(0x4017, 0x80);
    run(&mut apu, 5);
    assert_eq!(apu.length_counters()[0], 1);
}

// ---- Sound: render register sequences and measure what comes out. ----

const CPU_HZ: f64 = 1_789_772.727;
const RATE: f64 = 48_000.0;

/// Writes `regs`, runs `seconds` of APU time ending a frame every 29,780
/// cycles, feeds DMC DMA from `sample`, and returns the samples after the
/// first 0.1 s (the filters settle).
fn render(regs: &[(u16, u8)], seconds: f64, sample: &[u8]) -> Vec<f32> {
    let mut apu = Apu::new(Timing::Ntsc);
    for &(addr, value) in regs {
        apu.write(addr, value);
        apu.clock();
    }
    let cycles = (seconds * CPU_HZ) as u64;
    let mut out = Vec::new();
    let mut buf = [0.0f32; 4096];
    for c in 0..cycles {
        apu.clock();
        if let Some(addr) = apu.dmc_dma_address() {
            apu.dmc_dma_done(sample[usize::from(addr - 0xC000) % sample.len()]);
        }
        if c % 29_780 == 0 {
            apu.end_frame();
            let n = apu.synth_mut().read(&mut buf);
            out.extend_from_slice(&buf[..n]);
        }
    }
    out.split_off((0.1 * RATE) as usize)
}

/// In-place radix-2 FFT of (re, im).
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    assert!(n.is_power_of_two());
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let angle = -2.0 * std::f64::consts::PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (angle * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Amplitude spectrum of the first 2^15 samples through a flat-top window
/// (side lobes near -93 dB, amplitude error under 0.1 dB wherever a tone
/// falls between bins), scaled so a sine of amplitude A reads A.
fn spectrum(samples: &[f32]) -> Vec<f64> {
    const N: usize = 1 << 15;
    const A: [f64; 5] = [0.215_578_95, 0.416_631_58, 0.277_263_158, 0.083_578_947, 0.006_947_368];
    assert!(samples.len() >= N, "only {} samples", samples.len());
    let w = |i: usize| {
        let x = 2.0 * std::f64::consts::PI * i as f64 / N as f64;
        A[0] - A[1] * x.cos() + A[2] * (2.0 * x).cos() - A[3] * (3.0 * x).cos() + A[4] * (4.0 * x).cos()
    };
    let mut re: Vec<f64> = (0..N).map(|i| f64::from(samples[i]) * w(i)).collect();
    let mut im = vec![0.0; N];
    fft(&mut re, &mut im);
    (0..N / 2).map(|k| (re[k] * re[k] + im[k] * im[k]).sqrt() * 2.0 / (A[0] * N as f64)).collect()
}

fn bin_hz() -> f64 {
    RATE / f64::from(1u32 << 15)
}

/// The strongest amplitude within `width` Hz of `hz`.
fn peak_near(spec: &[f64], hz: f64, width: f64) -> f64 {
    let lo = ((hz - width) / bin_hz()).max(0.0) as usize;
    let hi = (((hz + width) / bin_hz()) as usize).min(spec.len() - 1);
    spec[lo..=hi].iter().copied().fold(0.0, f64::max)
}

fn strongest_hz(spec: &[f64]) -> f64 {
    let (k, _) = spec.iter().enumerate().skip(2).fold((0, 0.0), |best, (k, &v)| if v > best.1 { (k, v) } else { best });
    k as f64 * bin_hz()
}

/// Frequency from rising crossings of half the peak level, with hysteresis
/// (the output filters make a square droop and overshoot around zero).
fn crossing_hz(samples: &[f32]) -> f64 {
    let peak = samples.iter().fold(0.0f32, |m, &s| m.max(s.abs()));
    let (high, low) = (f64::from(peak) * 0.5, -f64::from(peak) * 0.5);
    let mut armed = false;
    let mut first = None;
    let mut last = 0.0;
    let mut count = 0;
    for i in 1..samples.len() {
        let (a, b) = (f64::from(samples[i - 1]), f64::from(samples[i]));
        if b < low {
            armed = true;
        }
        if armed && a < high && b >= high {
            armed = false;
            let t = (i - 1) as f64 + (high - a) / (b - a);
            if first.is_none() {
                first = Some(t);
            } else {
                count += 1;
            }
            last = t;
        }
    }
    count as f64 * RATE / (last - first.expect("no crossing"))
}

/// Amplitude of harmonic `k` of a waveform that holds each of `levels` for
/// an equal time, repeating (a DFT of the levels times the hold's sinc).
fn sequence_amplitude(levels: &[f64], k: usize) -> f64 {
    let n = levels.len() as f64;
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &v) in levels.iter().enumerate() {
        let a = -2.0 * std::f64::consts::PI * (k * i) as f64 / n;
        re += v * a.cos();
        im += v * a.sin();
    }
    let x = std::f64::consts::PI * k as f64 / n;
    2.0 * (re * re + im * im).sqrt() / n * x.sin() / x
}

/// The gain at `hz` of the output filters as designed: one-pole high-passes
/// at 90 and 440 Hz and a one-pole low-pass at 14 kHz (RC sections, run at
/// the host rate, so evaluated as the discrete filters they become).
fn filter_gain(hz: f64) -> f64 {
    use std::f64::consts::PI;
    let w = 2.0 * PI * hz / RATE;
    let dt = 1.0 / RATE;
    // |1 - k e^-jw|
    let pole = |k: f64| ((1.0 - k * w.cos()).powi(2) + (k * w.sin()).powi(2)).sqrt();
    let high = |fc: f64| {
        let rc = 1.0 / (2.0 * PI * fc);
        let k = rc / (rc + dt);
        k * 2.0 * (w / 2.0).sin() / pole(k)
    };
    let rc = 1.0 / (2.0 * PI * 14_000.0);
    let a = dt / (rc + dt);
    high(90.0) * high(440.0) * a / pole(1.0 - a)
}

/// Pulse 1 at timer period `period`, 50% duty, constant volume 15, length halted.
fn square(period: u16) -> Vec<f32> {
    render(&[(0x4015, 0x01), (0x4000, 0xBF), (0x4001, 0x08), (0x4002, period as u8), (0x4003, (period >> 8) as u8)], 0.9, &[0])
}

#[test]
fn square_440_has_its_frequency_and_level() {
    // f = CPU / (16 (t + 1)): t = 253 gives 440.4 Hz.
    let expected_hz = CPU_HZ / (16.0 * 254.0);
    let samples = square(253);
    let zc = crossing_hz(&samples);
    assert!((zc - expected_hz).abs() < 0.5, "zero crossings say {zc} Hz, want {expected_hz}");
    let spec = spectrum(&samples);
    assert!((strongest_hz(&spec) - expected_hz).abs() < 2.0 * bin_hz());
    // A square of height h has a fundamental of 2h/pi; the mixer gives
    // h = 95.88 / (8128 / 15 + 100) for volume 15.
    let h = 95.88 / (8128.0 / 15.0 + 100.0);
    let want = 2.0 * h / std::f64::consts::PI * filter_gain(expected_hz);
    let got = peak_near(&spec, expected_hz, 10.0);
    assert!((got / want - 1.0).abs() < 0.05, "fundamental {got}, want {want}");
    // 50% duty: even harmonics are absent, the third is a third of the first.
    let second = peak_near(&spec, 2.0 * expected_hz, 10.0);
    let third = peak_near(&spec, 3.0 * expected_hz, 10.0);
    assert!(second < got * 0.01, "second harmonic {second}");
    let third_want = want / 3.0 * filter_gain(3.0 * expected_hz) / filter_gain(expected_hz);
    assert!((third / third_want - 1.0).abs() < 0.05, "third harmonic {third}, want {third_want}");
}

#[test]
fn high_square_does_not_alias_below_nyquist() {
    // 5,327 Hz: harmonics at 26.6, 37.3, 47.9 kHz... lie above 24 kHz.
    // Point sampling would fold them to 21.4, 10.7 and 0.1 kHz; band-limited
    // synthesis must leave nothing but the true harmonics in the audible band.
    let f0 = CPU_HZ / (16.0 * 21.0);
    let samples = square(20);
    let spec = spectrum(&samples);
    let fundamental = peak_near(&spec, f0, 10.0);
    let mut worst: (f64, f64) = (0.0, 0.0);
    for (k, &v) in spec.iter().enumerate() {
        let hz = k as f64 * bin_hz();
        if !(100.0..20_000.0).contains(&hz) {
            continue;
        }
        let harmonic = (hz / f0).round();
        if (hz - harmonic * f0).abs() < 40.0 {
            continue;
        }
        if v > worst.1 {
            worst = (hz, v);
        }
    }
    let db = 20.0 * (worst.1 / fundamental).log10();
    assert!(db < -70.0, "strongest non-harmonic at {:.0} Hz is {db:.1} dB", worst.0);
}

#[test]
fn triangle_has_its_frequency_and_shape() {
    // f = CPU / (32 (t + 1)): t = 126 gives 440.4 Hz.
    let f0 = CPU_HZ / (32.0 * 127.0);
    let samples = render(&[(0x4015, 0x04), (0x4008, 0xFF), (0x400A, 126), (0x400B, 0x00)], 0.9, &[0]);
    assert!((crossing_hz(&samples) - f0).abs() < 0.5);
    let spec = spectrum(&samples);
    // The 32 steps through the non-linear tnd DAC: odd harmonics fall as
    // 1/n^2, and the DAC's bend adds a small second harmonic.
    let tnd = |t: f64| if t == 0.0 { 0.0 } else { 159.79 / (8227.0 / t + 100.0) };
    let levels: Vec<f64> = (0..32).map(|i: i32| tnd(f64::from(if i < 16 { 15 - i } else { i - 16 }))).collect();
    for (k, tolerance) in [(1, 0.05), (2, 0.1), (3, 0.1)] {
        let got = peak_near(&spec, k as f64 * f0, 10.0);
        let want = sequence_amplitude(&levels, k) * filter_gain(k as f64 * f0);
        assert!((got / want - 1.0).abs() < tolerance, "harmonic {k}: {got}, want {want}");
    }
}

#[test]
fn noise_modes_sound_as_noise_and_as_a_93_step_tone() {
    // Period index 8 = 202 cycles. Long mode: energy spread over the band.
    let long = render(&[(0x4015, 0x08), (0x400C, 0x3F), (0x400E, 0x08), (0x400F, 0x00)], 0.9, &[0]);
    let spec = spectrum(&long);
    let total: f64 = spec.iter().map(|v| v * v).sum();
    let top = spec.iter().map(|v| v * v).fold(0.0, f64::max);
    assert!(total > 0.0);
    assert!(top / total < 0.01, "no single line dominates long-mode noise ({})", top / total);
    // Short mode repeats every 93 shifts: lines at multiples of CPU / (202 * 93).
    let short = render(&[(0x4015, 0x08), (0x400C, 0x3F), (0x400E, 0x88), (0x400F, 0x00)], 0.9, &[0]);
    let spec = spectrum(&short);
    let f0 = CPU_HZ / (202.0 * 93.0);
    let (mut on_lines, mut total) = (0.0, 0.0);
    for (k, &v) in spec.iter().enumerate() {
        let hz = k as f64 * bin_hz();
        let e = v * v;
        total += e;
        if (hz - (hz / f0).round() * f0).abs() < 6.0 * bin_hz() {
            on_lines += e;
        }
    }
    assert!(on_lines / total > 0.95, "short-mode energy on harmonics of {f0:.1} Hz: {}", on_lines / total);
    let long_rms = (long.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / long.len() as f64).sqrt();
    assert!(long_rms > 0.02 && long_rms < 0.1, "noise level {long_rms}");
}

#[test]
fn dmc_sample_plays_at_its_rate() {
    // A looping one-byte sample of $0F: four steps up, four down, one period
    // per 8 output clocks. Rate 15 is 54 cycles: 4,143 Hz.
    let f0 = CPU_HZ / (54.0 * 8.0);
    let samples = render(&[(0x4010, 0x4F), (0x4011, 0x20), (0x4012, 0x00), (0x4013, 0x00), (0x4015, 0x10)], 0.9, &[0x0F]);
    let spec = spectrum(&samples);
    assert!((strongest_hz(&spec) - f0).abs() < 2.0 * bin_hz(), "strongest {}", strongest_hz(&spec));
    // Levels 34, 36, 38, 40, 38, 36, 34, 32 from the start at 32, on the tnd
    // DAC, which the silent triangle shares at its power-on level of 15.
    let dac = |d: f64| 159.79 / (1.0 / (15.0 / 8227.0 + d / 22638.0) + 100.0);
    let levels: Vec<f64> = [34.0, 36.0, 38.0, 40.0, 38.0, 36.0, 34.0, 32.0].map(dac).to_vec();
    let want = sequence_amplitude(&levels, 1) * filter_gain(f0);
    let got = peak_near(&spec, f0, 10.0);
    assert!((got / want - 1.0).abs() < 0.05, "fundamental {got}, want {want}");
}

#[test]
fn output_rate_follows_the_ratio() {
    let mut apu = Apu::new(Timing::Ntsc);
    let mut buf = [0.0f32; 4096];
    let mut count = |apu: &mut Apu| {
        let mut n = 0;
        for _ in 0..60 {
            for _ in 0..29_781 {
                apu.clock();
            }
            apu.end_frame();
            n += apu.synth_mut().read(&mut buf);
        }
        n
    };
    let normal = count(&mut apu);
    apu.synth_mut().set_ratio(1.005);
    // The new ratio starts at a frame end: the frame under way keeps the old one.
    let switching = count(&mut apu);
    let faster = count(&mut apu);
    let expected = 60.0 * 29_781.0 / CPU_HZ * RATE;
    let per_frame = expected / 60.0;
    assert!((normal as f64 - expected).abs() < 2.0, "{normal} samples, want {expected}");
    assert!((switching as f64 - (expected * 1.005 - per_frame * 0.005)).abs() < 2.0, "{switching} samples while switching");
    assert!((faster as f64 - expected * 1.005).abs() < 2.0, "{faster} samples at ratio 1.005");
}

