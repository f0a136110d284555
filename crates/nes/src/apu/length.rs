//! Length counters (nesdev wiki: "APU Length Counter"): each channel's note
//! duration, loaded from a 32-entry table and counted down on half frames.

/// Lengths in half frames, indexed by the 5-bit value written to $4003/7/B/F.
const LENGTH_TABLE: [u8; 32] = [
    10, 254, 20, 2, 40, 4, 80, 6, 160, 8, 60, 10, 14, 12, 26, 14, //
    12, 16, 24, 18, 48, 20, 96, 22, 192, 24, 72, 26, 16, 28, 32, 30,
];

#[derive(Debug, Clone, Default)]
pub struct LengthCounter {
    enabled: bool,
    halt: bool,
    counter: u8,
    /// A halt-flag write takes effect after this cycle's clock.
    pending_halt: Option<bool>,
    /// A reload written this cycle, applied after this cycle's clock.
    pending_reload: Option<u8>,
    /// The counter value before this cycle's clock (to detect a reload racing a clock).
    before_clock: u8,
}

impl LengthCounter {
    pub fn counter(&self) -> u8 {
        self.counter
    }

    pub fn active(&self) -> bool {
        self.counter > 0
    }

    /// $4015 enable bit: disabling clears the counter at once.
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        if !enabled {
            self.counter = 0;
        }
    }

    pub fn write_halt(&mut self, halt: bool) {
        self.pending_halt = Some(halt);
    }

    pub fn write_load(&mut self, index: u8) {
        if self.enabled {
            self.pending_reload = Some(LENGTH_TABLE[usize::from(index >> 3)]);
            self.before_clock = self.counter;
        }
    }

    /// Half-frame clock.
    pub fn clock(&mut self) {
        if !self.halt && self.counter > 0 {
            self.counter -= 1;
        }
    }

    /// Applies this cycle's register writes after the frame counter has run:
    /// "if the length counter is being clocked at the same time it's written
    /// and was not zero, the write is ignored".
    pub fn commit(&mut self) {
        if let Some(value) = self.pending_reload.take()
            && (self.before_clock == 0 || self.counter == self.before_clock)
        {
            self.counter = value;
        }
        if let Some(halt) = self.pending_halt.take() {
            self.halt = halt;
        }
    }
}

crate::state::persist_fields!(LengthCounter { enabled, halt, counter, pending_halt, pending_reload, before_clock });
