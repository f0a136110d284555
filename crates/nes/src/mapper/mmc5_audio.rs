//! The MMC5's sound (nesdev wiki: "MMC5 audio"): two pulse channels like the
//! APU's but without sweep units, whose envelopes and length counters are
//! clocked by the MMC5's own 240 Hz divider, and an 8-bit PCM channel
//! written through $5011. (PCM "read mode", which samples CPU reads of
//! $8000-$BFFF, is not modelled; no released game relies on it.)

use crate::apu::pulse::Pulse;
use crate::apu::{pulse_mix, LengthCounter};

/// CPU cycles per envelope/length clock (about 240 Hz on NTSC).
const FRAME_CYCLES: u32 = 7457;

#[derive(Debug, Clone)]
pub struct Mmc5Audio {
    pulse: [Pulse; 2],
    length: [LengthCounter; 2],
    pcm: u8,
    pcm_irq_enabled: bool,
    pcm_irq: bool,
    /// CPU cycles since power-on, the pulses' time base.
    cycle: u64,
    frame_divider: u32,
    level: f32,
}

impl Default for Mmc5Audio {
    fn default() -> Self {
        Mmc5Audio {
            pulse: [Pulse::without_sweep(), Pulse::without_sweep()],
            length: Default::default(),
            pcm: 0,
            pcm_irq_enabled: false,
            pcm_irq: false,
            cycle: 0,
            frame_divider: 0,
            level: 0.0,
        }
    }
}

impl Mmc5Audio {
    /// A write to $5000-$5015.
    pub fn write(&mut self, addr: u16, value: u8) {
        let channel = usize::from((addr >> 2) & 1);
        match addr {
            0x5000 | 0x5004 => {
                self.pulse[channel].write(0, value);
                self.length[channel].write_halt(value & 0x20 != 0);
                self.length[channel].commit();
            }
            0x5002 | 0x5006 => self.pulse[channel].write(2, value),
            0x5003 | 0x5007 => {
                self.pulse[channel].write(3, value);
                self.length[channel].write_load(value);
                self.length[channel].commit();
            }
            0x5010 => {
                self.pcm_irq_enabled = value & 0x80 != 0;
            }
            // Writing 0 is ignored (in read mode it would raise the IRQ).
            0x5011 if value != 0 => self.pcm = value,
            0x5015 => {
                self.length[0].set_enabled(value & 1 != 0);
                self.length[1].set_enabled(value & 2 != 0);
            }
            _ => {}
        }
        self.mix();
    }

    /// $5010 (PCM IRQ flag, cleared by reading) and $5015 (length status).
    pub fn read(&mut self, addr: u16) -> Option<u8> {
        let value = self.peek(addr)?;
        if addr == 0x5010 {
            self.pcm_irq = false;
        }
        Some(value)
    }

    pub fn peek(&self, addr: u16) -> Option<u8> {
        match addr {
            0x5010 => Some(u8::from(self.pcm_irq && self.pcm_irq_enabled) << 7),
            0x5015 => Some(u8::from(self.length[0].active()) | (u8::from(self.length[1].active()) << 1)),
            _ => None,
        }
    }

    /// One CPU cycle.
    #[inline]
    pub fn clock(&mut self) {
        self.cycle += 1;
        let mut changed = false;
        for p in &mut self.pulse {
            if p.next <= self.cycle {
                p.step();
                changed = true;
            }
        }
        self.frame_divider += 1;
        if self.frame_divider == FRAME_CYCLES {
            self.frame_divider = 0;
            for (p, l) in self.pulse.iter_mut().zip(&mut self.length) {
                p.envelope.clock();
                l.clock();
            }
            changed = true;
        }
        if changed {
            self.mix();
        }
    }

    fn mix(&mut self) {
        let p1 = self.pulse[0].output(self.length[0].active());
        let p2 = self.pulse[1].output(self.length[1].active());
        // The PCM level goes through the DAC the APU's DMC uses, at twice its resolution.
        let pcm = if self.pcm == 0 { 0.0 } else { 159.79 / (22638.0 / (f32::from(self.pcm) / 2.0) + 100.0) };
        self.level = pulse_mix(p1, p2) + pcm;
    }

    /// The mixed output on the APU mixer's scale.
    pub fn level(&self) -> f32 {
        self.level
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(Mmc5Audio { pulse, length, pcm, pcm_irq_enabled, pcm_irq, cycle, frame_divider, level });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_plays_while_its_length_lasts() {
        let mut a = Mmc5Audio::default();
        a.write(0x5015, 1);
        a.write(0x5000, 0x9F); // duty 2, halt off, constant volume 15
        a.write(0x5002, 0x00);
        a.write(0x5003, 0x0C); // period $400 (a low note the APU's sweep rule would mute), length index 1: 254
        assert_eq!(a.peek(0x5015), Some(1));
        let mut peak = 0f32;
        for _ in 0..10_000 {
            a.clock();
            peak = peak.max(a.level());
        }
        assert!((peak - pulse_mix(15, 0)).abs() < 1e-6, "{peak}");
        // Length index 3 is 2 clocks of the 240 Hz divider.
        a.write(0x5003, 0x18);
        for _ in 0..(2 * FRAME_CYCLES + 1) {
            a.clock();
        }
        assert_eq!(a.peek(0x5015), Some(0));
        assert_eq!(a.level(), 0.0);
    }

    #[test]
    fn pcm_writes_set_the_level() {
        let mut a = Mmc5Audio::default();
        a.write(0x5011, 0xFF);
        let full = a.level();
        a.write(0x5011, 0x40);
        assert!(a.level() > 0.0 && a.level() < full / 2.0);
        a.write(0x5011, 0x00);
        assert!(a.level() > 0.0, "a zero write is ignored");
    }
}
