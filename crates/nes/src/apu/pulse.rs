//! The two pulse channels (nesdev wiki: "APU Pulse", "APU Sweep").
//!
//! The timer runs lazily: `next` is the CPU cycle of the sequencer's next
//! step, and the APU steps the channel only when it catches its channels up.

use super::envelope::Envelope;

/// The four duty cycles, as the sequencer plays them.
const DUTY: [[u8; 8]; 4] = [
    [0, 1, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 1, 0, 0, 0],
    [1, 0, 0, 1, 1, 1, 1, 1],
];

#[derive(Debug, Clone)]
pub struct Pulse {
    pub(crate) envelope: Envelope,
    /// The channel has a sweep unit (the MMC5's copies have none, and so
    /// none of its muting either).
    sweep_unit: bool,
    /// Pulse 1 negates with one's complement (subtracts one more).
    ones_complement: bool,
    duty: u8,
    step: u8,
    period: u16,
    sweep_enabled: bool,
    sweep_period: u8,
    sweep_negate: bool,
    sweep_shift: u8,
    sweep_reload: bool,
    sweep_divider: u8,
    /// CPU cycle of the next sequencer step.
    pub(crate) next: u64,
}

impl Pulse {
    pub fn new(ones_complement: bool) -> Self {
        Pulse {
            envelope: Envelope::default(),
            sweep_unit: true,
            ones_complement,
            duty: 0,
            step: 0,
            period: 0,
            sweep_enabled: false,
            sweep_period: 0,
            sweep_negate: false,
            sweep_shift: 0,
            sweep_reload: false,
            sweep_divider: 0,
            next: 0,
        }
    }

    /// A channel with no sweep unit (MMC5): never muted by period.
    pub fn without_sweep() -> Self {
        Pulse { sweep_unit: false, ..Pulse::new(false) }
    }

    /// Register `reg` (0-3) of the channel. Length loads are the APU's.
    pub fn write(&mut self, reg: u16, value: u8) {
        match reg {
            0 => {
                self.duty = value >> 6;
                self.envelope.write(value);
            }
            1 => {
                self.sweep_enabled = value & 0x80 != 0;
                self.sweep_period = (value >> 4) & 0x07;
                self.sweep_negate = value & 0x08 != 0;
                self.sweep_shift = value & 0x07;
                self.sweep_reload = true;
            }
            2 => self.period = (self.period & 0x0700) | u16::from(value),
            _ => {
                self.period = (self.period & 0x00FF) | (u16::from(value & 0x07) << 8);
                self.step = 0;
                self.envelope.restart();
            }
        }
    }

    /// CPU cycles between sequencer steps (the timer counts APU cycles).
    #[inline]
    fn step_cycles(&self) -> u64 {
        (u64::from(self.period) + 1) * 2
    }

    #[inline]
    pub fn step(&mut self) {
        self.step = (self.step + 1) & 7;
        self.next += self.step_cycles();
    }

    /// Advances the timer past `to` in one go (for a channel nobody can hear).
    pub fn skip_to(&mut self, to: u64) {
        if self.next <= to {
            let cycles = self.step_cycles();
            let steps = (to - self.next) / cycles + 1;
            self.step = ((u64::from(self.step) + steps) & 7) as u8;
            self.next += steps * cycles;
        }
    }

    /// The period the sweep unit would set.
    fn sweep_target(&self) -> u16 {
        let change = self.period >> self.sweep_shift;
        if self.sweep_negate {
            self.period.saturating_sub(change + u16::from(self.ones_complement))
        } else {
            self.period + change
        }
    }

    /// Muted by the sweep unit's rules, whether or not the sweep is enabled.
    fn muted(&self) -> bool {
        self.sweep_unit && (self.period < 8 || self.sweep_target() > 0x7FF)
    }

    /// Half-frame clock of the sweep unit.
    pub fn clock_sweep(&mut self) {
        if self.sweep_divider == 0 && self.sweep_enabled && self.sweep_shift > 0 && !self.muted() {
            self.period = self.sweep_target();
        }
        if self.sweep_divider == 0 || self.sweep_reload {
            self.sweep_divider = self.sweep_period;
            self.sweep_reload = false;
        } else {
            self.sweep_divider -= 1;
        }
    }

    /// True when the channel can make a sound (its output is 0 otherwise).
    #[inline]
    pub fn audible(&self, length_active: bool) -> bool {
        length_active && !self.muted() && self.envelope.volume() > 0
    }

    #[inline]
    pub fn output(&self, length_active: bool) -> u8 {
        if self.audible(length_active) && DUTY[usize::from(self.duty)][usize::from(self.step)] != 0 {
            self.envelope.volume()
        } else {
            0
        }
    }

    #[cfg(test)]
    pub fn period(&self) -> u16 {
        self.period
    }
}

// `ones_complement` and `sweep_unit` are fixed by which channel this is.
crate::state::persist_fields!(Pulse {
    envelope, duty, step, period, sweep_enabled, sweep_period, sweep_negate, sweep_shift, sweep_reload, sweep_divider, next,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_adds_and_negates_with_each_channels_complement() {
        let mut p1 = Pulse::new(true);
        let mut p2 = Pulse::new(false);
        for p in [&mut p1, &mut p2] {
            p.write(2, 0x00);
            p.write(3, 0x01); // period $100
            p.write(1, 0x80 | 0x08 | 0x01); // enabled, divider 0, negate, shift 1
            p.clock_sweep();
        }
        assert_eq!(p1.period(), 0x100 - 0x80 - 1);
        assert_eq!(p2.period(), 0x100 - 0x80);
    }

    #[test]
    fn target_overflow_mutes_even_with_sweep_disabled() {
        let mut p = Pulse::new(false);
        p.write(0, 0x1F); // constant volume 15
        p.write(2, 0xFF);
        p.write(3, 0x07); // period $7FF
        p.write(1, 0x01); // disabled, shift 1: target $BFE
        assert!(!p.audible(true));
        p.write(1, 0x08 | 0x01); // negated target is in range
        assert!(p.audible(true));
        p.write(2, 0x07);
        p.write(3, 0x00); // period 7: too low
        assert!(!p.audible(true));
    }

    #[test]
    fn skipping_matches_stepping() {
        let mut a = Pulse::new(false);
        a.write(2, 37);
        let mut b = a.clone();
        while a.next <= 10_000 {
            a.step();
        }
        b.skip_to(10_000);
        assert_eq!((a.step, a.next), (b.step, b.next));
    }
}
