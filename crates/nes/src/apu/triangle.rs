//! The triangle channel (nesdev wiki: "APU Triangle"): a 32-step sequencer
//! gated by the linear counter and the length counter.

/// The sequence: 15 down to 0, then 0 up to 15.
const SEQUENCE: [u8; 32] = [
    15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, //
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
];

#[derive(Debug, Clone, Default)]
pub struct Triangle {
    period: u16,
    step: u8,
    linear: u8,
    linear_reload_value: u8,
    /// Bit 7 of $4008: also the length counter halt.
    control: bool,
    linear_reload: bool,
    /// CPU cycle of the next timer expiry.
    pub(super) next: u64,
}

impl Triangle {
    pub fn write(&mut self, reg: u16, value: u8) {
        match reg {
            0 => {
                self.control = value & 0x80 != 0;
                self.linear_reload_value = value & 0x7F;
            }
            2 => self.period = (self.period & 0x0700) | u16::from(value),
            3 => {
                self.period = (self.period & 0x00FF) | (u16::from(value & 0x07) << 8);
                self.linear_reload = true;
            }
            _ => {}
        }
    }

    /// Reset puts the sequencer back at its first step.
    pub fn reset_phase(&mut self) {
        self.step = 0;
    }

    /// Quarter-frame clock of the linear counter.
    pub fn clock_linear(&mut self) {
        if self.linear_reload {
            self.linear = self.linear_reload_value;
        } else if self.linear > 0 {
            self.linear -= 1;
        }
        if !self.control {
            self.linear_reload = false;
        }
    }

    #[inline]
    fn timer_cycles(&self) -> u64 {
        u64::from(self.period) + 1
    }

    /// The sequencer advances only while both counters are non-zero.
    #[inline]
    pub fn runs(&self, length_active: bool) -> bool {
        length_active && self.linear > 0
    }

    /// Periods 0 and 1 make a tone far above hearing (the "ultrasonic" case).
    #[inline]
    pub fn ultrasonic(&self) -> bool {
        self.period < 2
    }

    #[inline]
    pub fn step(&mut self, length_active: bool) {
        if self.runs(length_active) {
            self.step = (self.step + 1) & 31;
        }
        self.next += self.timer_cycles();
    }

    /// Advances the timer past `to` in one go (halted, or too high to hear).
    pub fn skip_to(&mut self, to: u64, length_active: bool) {
        if self.next <= to {
            let cycles = self.timer_cycles();
            let steps = (to - self.next) / cycles + 1;
            if self.runs(length_active) {
                self.step = ((u64::from(self.step) + steps) & 31) as u8;
            }
            self.next += steps * cycles;
        }
    }

    /// The output level, 0-15. A running ultrasonic triangle changes faster
    /// than any host rate can carry: what reaches the speaker is its average.
    #[inline]
    pub fn output(&self, length_active: bool) -> f32 {
        if self.ultrasonic() && self.runs(length_active) {
            7.5
        } else {
            f32::from(SEQUENCE[usize::from(self.step)])
        }
    }

    /// True when stepping the timer can change the output.
    #[inline]
    pub fn changes(&self, length_active: bool) -> bool {
        self.runs(length_active) && !self.ultrasonic()
    }
}

crate::state::persist_fields!(Triangle { period, step, linear, linear_reload_value, control, linear_reload, next });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_counter_gates_the_sequencer() {
        let mut t = Triangle::default();
        t.write(0, 0x02); // reload value 2, control clear
        t.write(3, 0x00);
        t.clock_linear();
        assert!(t.runs(true));
        assert!(!t.runs(false), "the length counter gates it too");
        t.clock_linear();
        t.clock_linear();
        assert!(!t.runs(true), "counted down to 0");
        let before = t.step;
        t.step(true);
        assert_eq!(t.step, before, "halted sequencer holds its level");
    }
}
