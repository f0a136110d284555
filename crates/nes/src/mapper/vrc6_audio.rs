//! The VRC6's sound (nesdev wiki: "VRC6 audio"): two pulse channels with
//! eight duty cycles and 4-bit volume, and a sawtooth built from a 6-bit
//! accumulator, mixed linearly. Every channel is a 12-bit divider clocked by
//! the CPU; $9003 can halt them all or shift every period right by 4 or 8.

/// Mixer scale: a VRC6 pulse at volume 15 as loud as a 2A03 pulse at 15
/// (whose level through the APU's non-linear mixer is about 0.149).
const STEP: f32 = 0.1494 / 15.0;

#[derive(Debug, Clone, Default)]
struct Pulse {
    volume: u8,
    duty: u8,
    /// Ignore the duty: output the volume constantly.
    digitized: bool,
    period: u16,
    enabled: bool,
    divider: u16,
    /// Position in the 16-step sequence, counting down.
    step: u8,
}

impl Pulse {
    fn write(&mut self, reg: u16, value: u8) {
        match reg {
            0 => {
                self.volume = value & 0x0F;
                self.duty = (value >> 4) & 7;
                self.digitized = value & 0x80 != 0;
            }
            1 => self.period = (self.period & 0x0F00) | u16::from(value),
            _ => {
                self.period = (self.period & 0x00FF) | (u16::from(value & 0x0F) << 8);
                self.enabled = value & 0x80 != 0;
                if !self.enabled {
                    self.step = 15;
                }
            }
        }
    }

    fn clock(&mut self, shift: u8) {
        if !self.enabled {
            return;
        }
        if self.divider == 0 {
            self.divider = self.period >> shift;
            self.step = self.step.wrapping_sub(1) & 15;
        } else {
            self.divider -= 1;
        }
    }

    fn output(&self) -> u8 {
        let high = self.digitized || self.step <= self.duty;
        if self.enabled && high { self.volume } else { 0 }
    }
}

#[derive(Debug, Clone, Default)]
struct Saw {
    rate: u8,
    period: u16,
    enabled: bool,
    divider: u16,
    /// Divider clocks since the accumulator was cleared (0-13).
    step: u8,
    accumulator: u8,
}

impl Saw {
    fn write(&mut self, reg: u16, value: u8) {
        match reg {
            0 => self.rate = value & 0x3F,
            1 => self.period = (self.period & 0x0F00) | u16::from(value),
            _ => {
                self.period = (self.period & 0x00FF) | (u16::from(value & 0x0F) << 8);
                self.enabled = value & 0x80 != 0;
                if !self.enabled {
                    self.step = 0;
                    self.accumulator = 0;
                }
            }
        }
    }

    /// The accumulator gains the rate on every second divider clock and is
    /// cleared on the fourteenth.
    fn clock(&mut self, shift: u8) {
        if !self.enabled {
            return;
        }
        if self.divider == 0 {
            self.divider = self.period >> shift;
            self.step += 1;
            if self.step == 14 {
                self.step = 0;
                self.accumulator = 0;
            } else if self.step & 1 == 0 {
                self.accumulator = self.accumulator.wrapping_add(self.rate);
            }
        } else {
            self.divider -= 1;
        }
    }

    fn output(&self) -> u8 {
        self.accumulator >> 3
    }
}

#[derive(Debug, Clone, Default)]
pub struct Vrc6Audio {
    pulse: [Pulse; 2],
    saw: Saw,
    halt: bool,
    /// Period shift from $9003: 0, 4 or 8.
    shift: u8,
    level: f32,
}

impl Vrc6Audio {
    /// A write to $9000-$9003, $A000-$A002 or $B000-$B002 (`reg` 0-3 after
    /// the board's address-line swap).
    pub fn write(&mut self, group: u16, reg: u16, value: u8) {
        match (group, reg) {
            (0x9000, 3) => {
                self.halt = value & 1 != 0;
                self.shift = if value & 4 != 0 {
                    8
                } else if value & 2 != 0 {
                    4
                } else {
                    0
                };
            }
            (0x9000, _) => self.pulse[0].write(reg, value),
            (0xA000, 0..=2) => self.pulse[1].write(reg, value),
            (0xB000, 0..=2) => self.saw.write(reg, value),
            _ => {}
        }
        self.mix();
    }

    /// One CPU cycle.
    #[inline]
    pub fn clock(&mut self) {
        if self.halt {
            return;
        }
        self.pulse[0].clock(self.shift);
        self.pulse[1].clock(self.shift);
        self.saw.clock(self.shift);
        self.mix();
    }

    #[inline]
    fn mix(&mut self) {
        let sum = self.pulse[0].output() + self.pulse[1].output() + self.saw.output();
        self.level = f32::from(sum) * STEP;
    }

    /// The mixed output on the APU mixer's scale.
    pub fn level(&self) -> f32 {
        self.level
    }
}

crate::state::persist_fields!(Pulse { volume, duty, digitized, period, enabled, divider, step });
crate::state::persist_fields!(Saw { rate, period, enabled, divider, step, accumulator });
crate::state::persist_fields!(Vrc6Audio { pulse, saw, halt, shift, level });

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `cycles` CPU cycles, counting rising edges of the output.
    fn rises(audio: &mut Vrc6Audio, cycles: u32) -> (u32, f32) {
        let (mut n, mut last, mut peak) = (0, audio.level(), 0f32);
        for _ in 0..cycles {
            audio.clock();
            if audio.level() > last {
                n += 1;
            }
            last = audio.level();
            peak = peak.max(last);
        }
        (n, peak)
    }

    #[test]
    fn pulse_period_duty_and_volume() {
        let mut a = Vrc6Audio::default();
        a.write(0x9000, 0, 0x7F); // duty 7 (8/16), volume 15
        a.write(0x9000, 1, 99); // period 99: 100 cycles per step, 1600 per wave
        a.write(0x9000, 2, 0x80);
        let (waves, peak) = rises(&mut a, 16_000);
        assert_eq!(waves, 10);
        assert!((peak - 0.1494).abs() < 1e-3, "{peak}");
        // $9003 bit 1: periods shifted right by 4, so 16x more waves (99>>4 = 6: 7 cycles a step).
        a.write(0x9000, 3, 2);
        rises(&mut a, 200); // the divider finishes its old, long count
        let (fast, _) = rises(&mut a, 16 * 7 * 20);
        assert_eq!(fast, 20);
        // Halt stops everything.
        a.write(0x9000, 3, 1);
        assert_eq!(rises(&mut a, 10_000).0, 0);
    }

    #[test]
    fn sawtooth_ramps_six_times_then_clears() {
        let mut a = Vrc6Audio::default();
        a.write(0xB000, 0, 42); // the largest rate that does not wrap (6 * 42 = 252)
        a.write(0xB000, 1, 0); // period 0: the divider fires every cycle
        a.write(0xB000, 2, 0x80);
        let mut levels = Vec::new();
        for _ in 0..14 {
            a.clock();
            levels.push((a.level() / STEP).round() as u8);
        }
        // Steps 2, 4, ... 12 add 42; step 14 clears.
        assert_eq!(levels, [0, 5, 5, 10, 10, 15, 15, 21, 21, 26, 26, 31, 31, 0]);
        a.write(0xB000, 2, 0);
        assert_eq!(a.level(), 0.0);
    }

    #[test]
    fn digitized_mode_outputs_the_volume() {
        let mut a = Vrc6Audio::default();
        a.write(0xA000, 0, 0x86);
        a.write(0xA000, 2, 0x80);
        for _ in 0..1000 {
            a.clock();
            assert_eq!((a.level() / STEP).round(), 6.0);
        }
    }
}
