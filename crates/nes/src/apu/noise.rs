//! The noise channel (nesdev wiki: "APU Noise"): a 15-bit LFSR in long or
//! short (93-step) mode, through the envelope.

use super::envelope::Envelope;

/// Timer periods in CPU cycles, NTSC and PAL.
pub const PERIODS_NTSC: [u16; 16] = [4, 8, 16, 32, 64, 96, 128, 160, 202, 254, 380, 508, 762, 1016, 2034, 4068];
pub const PERIODS_PAL: [u16; 16] = [4, 8, 14, 30, 60, 88, 118, 148, 188, 236, 354, 472, 708, 944, 1890, 3778];

#[derive(Debug, Clone)]
pub struct Noise {
    pub(super) envelope: Envelope,
    short_mode: bool,
    period: u16,
    lfsr: u16,
    periods: &'static [u16; 16],
    /// CPU cycle of the next LFSR shift.
    pub(super) next: u64,
}

impl Noise {
    pub fn new(periods: &'static [u16; 16]) -> Self {
        Noise { envelope: Envelope::default(), short_mode: false, period: periods[0], lfsr: 1, periods, next: 0 }
    }

    pub fn write(&mut self, reg: u16, value: u8) {
        match reg {
            0 => self.envelope.write(value),
            2 => {
                self.short_mode = value & 0x80 != 0;
                self.period = self.periods[usize::from(value & 0x0F)];
            }
            3 => self.envelope.restart(),
            _ => {}
        }
    }

    #[inline]
    fn shift(&mut self) {
        let tap = if self.short_mode { 6 } else { 1 };
        let feedback = (self.lfsr ^ (self.lfsr >> tap)) & 1;
        self.lfsr = (self.lfsr >> 1) | (feedback << 14);
    }

    #[inline]
    pub fn step(&mut self) {
        self.shift();
        self.next += u64::from(self.period);
    }

    /// Shifts the LFSR up to `to` without looking at the output.
    pub fn skip_to(&mut self, to: u64) {
        while self.next <= to {
            self.step();
        }
    }

    #[inline]
    pub fn audible(&self, length_active: bool) -> bool {
        length_active && self.envelope.volume() > 0
    }

    #[inline]
    pub fn output(&self, length_active: bool) -> u8 {
        if self.audible(length_active) && self.lfsr & 1 == 0 { self.envelope.volume() } else { 0 }
    }
}

// The period table comes from the region.
crate::state::persist_fields!(Noise { envelope, short_mode, period, lfsr, next });

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence_length(short: bool) -> usize {
        let mut n = Noise::new(&PERIODS_NTSC);
        n.write(2, if short { 0x80 } else { 0 });
        // Run past any lead-in, then count steps until the state repeats.
        for _ in 0..40_000 {
            n.shift();
        }
        let start = n.lfsr;
        (1..40_000).find(|_| {
            n.shift();
            n.lfsr == start
        })
        .unwrap()
    }

    #[test]
    fn long_and_short_sequences_have_their_lengths() {
        assert_eq!(sequence_length(false), 32767);
        assert_eq!(sequence_length(true), 93);
    }
}
