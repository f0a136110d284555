//! The IRQ counter Konami put in the VRC4, VRC6 and VRC7 (nesdev wiki: "VRC
//! IRQ"): an 8-bit up-counter reloaded from a latch when it overflows, clocked
//! either every CPU cycle or once per scanline by a prescaler that counts
//! 341 PPU dots in steps of 3 per CPU cycle (so it needs no PPU connection).

#[derive(Debug, Clone, Default)]
pub struct VrcIrq {
    latch: u8,
    counter: u8,
    /// Counts down from 341 by 3 each CPU cycle in scanline mode.
    prescaler: i16,
    /// E: the counter runs.
    enabled: bool,
    /// A: the value E takes on acknowledge.
    enable_after_ack: bool,
    /// M: clock every CPU cycle instead of every scanline.
    cycle_mode: bool,
    line: bool,
}

impl VrcIrq {
    pub fn write_latch(&mut self, value: u8) {
        self.latch = value;
    }

    /// Sets the latch's low or high nibble (VRC4 splits it over two registers).
    pub fn write_latch_nibble(&mut self, high: bool, value: u8) {
        self.latch = if high { (self.latch & 0x0F) | (value << 4) } else { (self.latch & 0xF0) | (value & 0x0F) };
    }

    /// The control register: acknowledges, sets the mode, and with E set reloads.
    pub fn write_control(&mut self, value: u8) {
        self.line = false;
        self.enable_after_ack = value & 1 != 0;
        self.enabled = value & 2 != 0;
        self.cycle_mode = value & 4 != 0;
        if self.enabled {
            self.counter = self.latch;
            self.prescaler = 341;
        }
    }

    /// The acknowledge register: clears the IRQ, E takes A's value.
    pub fn acknowledge(&mut self) {
        self.line = false;
        self.enabled = self.enable_after_ack;
    }

    /// One CPU cycle.
    #[inline]
    pub fn clock(&mut self) {
        if !self.enabled {
            return;
        }
        if self.cycle_mode {
            self.clock_counter();
        } else {
            self.prescaler -= 3;
            if self.prescaler <= 0 {
                self.prescaler += 341;
                self.clock_counter();
            }
        }
    }

    fn clock_counter(&mut self) {
        if self.counter == 0xFF {
            self.counter = self.latch;
            self.line = true;
        } else {
            self.counter += 1;
        }
    }

    pub fn line(&self) -> bool {
        self.line
    }
}

// Fields fixed by the header (board variant, bus conflicts) are not state.
crate::state::persist_fields!(VrcIrq { latch, counter, prescaler, enabled, enable_after_ack, cycle_mode, line });

#[cfg(test)]
mod tests {
    use super::*;

    fn cycles_to_irq(irq: &mut VrcIrq) -> u32 {
        (1..=200_000).find(|_| {
            irq.clock();
            irq.line()
        }).expect("no IRQ")
    }

    #[test]
    fn cycle_mode_fires_after_256_minus_latch_cycles() {
        let mut irq = VrcIrq::default();
        irq.write_latch(0xF0);
        irq.write_control(0b110);
        assert_eq!(cycles_to_irq(&mut irq), 16);
        // Reloaded from the latch: the next one is as far again.
        irq.acknowledge();
        assert!(!irq.line());
        assert!(!irq.enabled, "A was 0, so acknowledging stops the counter");
    }

    #[test]
    fn scanline_mode_counts_341_dots_per_line() {
        let mut irq = VrcIrq::default();
        irq.write_latch(0xFE); // two lines
        irq.write_control(0b011);
        let cycles = cycles_to_irq(&mut irq);
        // Two scanlines of 341 dots at 3 dots per cycle: 227-228 cycles each.
        assert_eq!(cycles, 228, "341/3 rounded up twice, less the carry: {cycles}");
        irq.acknowledge();
        assert!(irq.enabled, "A was 1: the counter keeps running");
        let next = cycles_to_irq(&mut irq);
        // The reload gives 2 more lines: 682 dots, 227 or 228 cycles on average each.
        assert!((227..=228).contains(&next), "{next}");
    }
}
