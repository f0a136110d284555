//! The volume envelope shared by the pulse and noise channels (nesdev wiki:
//! "APU Envelope"): a constant volume, or a 15-to-0 decay clocked on quarter
//! frames that may loop.

#[derive(Debug, Clone, Default)]
pub struct Envelope {
    start: bool,
    looping: bool,
    constant: bool,
    /// The register's low nibble: the constant volume or the decay divider period.
    period: u8,
    divider: u8,
    decay: u8,
}

impl Envelope {
    /// $4000/$4004/$400C bits 0-5 (bit 5 is also the length counter halt).
    pub fn write(&mut self, value: u8) {
        self.looping = value & 0x20 != 0;
        self.constant = value & 0x10 != 0;
        self.period = value & 0x0F;
    }

    /// A length-load write restarts the envelope on its next clock.
    pub fn restart(&mut self) {
        self.start = true;
    }

    /// Quarter-frame clock.
    pub fn clock(&mut self) {
        if self.start {
            self.start = false;
            self.decay = 15;
            self.divider = self.period;
        } else if self.divider == 0 {
            self.divider = self.period;
            if self.decay > 0 {
                self.decay -= 1;
            } else if self.looping {
                self.decay = 15;
            }
        } else {
            self.divider -= 1;
        }
    }

    #[inline]
    pub fn volume(&self) -> u8 {
        if self.constant { self.period } else { self.decay }
    }
}

crate::state::persist_fields!(Envelope { start, looping, constant, period, divider, decay });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decays_from_15_and_loops_when_asked() {
        let mut env = Envelope::default();
        env.write(0x20 | 0x01); // loop, divider period 1 (every 2 clocks)
        env.restart();
        env.clock();
        assert_eq!(env.volume(), 15);
        for _ in 0..30 {
            env.clock();
        }
        assert_eq!(env.volume(), 0);
        env.clock();
        env.clock();
        assert_eq!(env.volume(), 15, "looped back to 15");
        env.write(0x10 | 0x07);
        assert_eq!(env.volume(), 7, "constant volume");
    }
}
