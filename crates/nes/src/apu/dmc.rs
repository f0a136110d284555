//! The delta modulation channel (nesdev wiki: "APU DMC"): 1-bit deltas read
//! from PRG space by DMA, a 7-bit output level, an IRQ at the sample's end.
//!
//! Its timer runs every CPU cycle, since when it empties the sample buffer
//! decides when the CPU is stolen from.

/// Output-unit timer periods in CPU cycles, NTSC and PAL.
pub const RATES_NTSC: [u16; 16] = [428, 380, 340, 320, 286, 254, 226, 214, 190, 160, 142, 128, 106, 84, 72, 54];
pub const RATES_PAL: [u16; 16] = [398, 354, 316, 298, 276, 236, 210, 198, 176, 148, 132, 118, 98, 78, 66, 50];

#[derive(Debug, Clone)]
pub struct Dmc {
    rates: &'static [u16; 16],
    irq_enabled: bool,
    looping: bool,
    period: u16,
    timer: u16,
    level: u8,
    shifter: u8,
    bits_left: u8,
    silent: bool,
    buffer: Option<u8>,
    sample_addr: u16,
    sample_len: u16,
    addr: u16,
    bytes_left: u16,
    pub(super) irq_flag: bool,
    /// The memory reader wants a byte: the bus runs a DMC DMA.
    dma_request: bool,
    /// Cycles until a fetch started by a $4015 write is requested.
    start_delay: u8,
}

impl Dmc {
    pub fn new(rates: &'static [u16; 16]) -> Self {
        Dmc {
            rates,
            irq_enabled: false,
            looping: false,
            period: rates[0],
            // The hardware timer counts APU cycles (every other CPU cycle), so
            // the output unit, and the DMA it requests, always land on the same
            // CPU-cycle parity. Counting CPU cycles with even periods keeps the
            // parity this start sets: the one where a lone DMC DMA costs 4 cycles.
            timer: rates[0] + 1,
            level: 0,
            shifter: 0,
            bits_left: 8,
            silent: true,
            buffer: None,
            sample_addr: 0xC000,
            sample_len: 1,
            addr: 0xC000,
            bytes_left: 0,
            irq_flag: false,
            dma_request: false,
            start_delay: 0,
        }
    }

    /// $4010-$4013 (`reg` 0-3).
    pub fn write(&mut self, reg: u16, value: u8) {
        match reg {
            0 => {
                self.irq_enabled = value & 0x80 != 0;
                self.looping = value & 0x40 != 0;
                self.period = self.rates[usize::from(value & 0x0F)];
                if !self.irq_enabled {
                    self.irq_flag = false;
                }
            }
            1 => self.level = value & 0x7F,
            2 => self.sample_addr = 0xC000 | (u16::from(value) << 6),
            _ => self.sample_len = (u16::from(value) << 4) | 1,
        }
    }

    /// $4015 bit 4. Enabling restarts a finished sample; the first fetch is
    /// requested 2 or 3 cycles later, by the parity of the write's cycle.
    pub fn set_enabled(&mut self, enabled: bool, cpu_cycle: u64) {
        self.irq_flag = false;
        if !enabled {
            self.bytes_left = 0;
        } else if self.bytes_left == 0 {
            self.addr = self.sample_addr;
            self.bytes_left = self.sample_len;
            if self.buffer.is_none() {
                self.start_delay = if cpu_cycle & 1 == 0 { 2 } else { 3 };
            }
        }
    }

    pub fn active(&self) -> bool {
        self.bytes_left > 0
    }

    /// Cycles from now on which [`Dmc::clock`] would only count down.
    #[inline]
    pub fn quiet_cycles(&self) -> u64 {
        if self.start_delay > 0 { 0 } else { u64::from(self.timer.saturating_sub(1)) }
    }

    /// `cycles` quiet cycles (see [`Dmc::quiet_cycles`]) at once.
    #[inline]
    pub fn count(&mut self, cycles: u16) {
        self.timer -= cycles;
    }

    /// One CPU cycle. True when the output unit was clocked (the level may have changed).
    #[inline(always)]
    pub fn clock(&mut self) -> bool {
        if self.start_delay > 0 {
            self.count_start_delay();
        }
        self.timer -= 1;
        if self.timer > 0 {
            return false;
        }
        self.timer = self.period;
        self.clock_output();
        true
    }

    #[cold]
    fn count_start_delay(&mut self) {
        self.start_delay -= 1;
        if self.start_delay == 0 {
            self.request_if_needed();
        }
    }

    fn clock_output(&mut self) {
        if !self.silent {
            if self.shifter & 1 != 0 {
                if self.level <= 125 {
                    self.level += 2;
                }
            } else if self.level >= 2 {
                self.level -= 2;
            }
        }
        self.shifter >>= 1;
        self.bits_left -= 1;
        if self.bits_left == 0 {
            self.bits_left = 8;
            match self.buffer.take() {
                Some(byte) => {
                    self.silent = false;
                    self.shifter = byte;
                    self.request_if_needed();
                }
                None => self.silent = true,
            }
        }
    }

    fn request_if_needed(&mut self) {
        if self.buffer.is_none() && self.bytes_left > 0 {
            self.dma_request = true;
        }
    }

    /// The address a DMC DMA should read, if one is wanted.
    #[inline]
    pub fn dma_address(&self) -> Option<u16> {
        self.dma_request.then_some(self.addr)
    }

    /// The DMA's get cycle delivered the byte.
    pub fn dma_done(&mut self, value: u8) {
        self.dma_request = false;
        if self.bytes_left == 0 {
            // Disabled while the DMA ran: the byte is dropped.
            return;
        }
        self.buffer = Some(value);
        self.addr = if self.addr == 0xFFFF { 0x8000 } else { self.addr + 1 };
        self.bytes_left -= 1;
        if self.bytes_left == 0 {
            if self.looping {
                self.addr = self.sample_addr;
                self.bytes_left = self.sample_len;
            } else if self.irq_enabled {
                self.irq_flag = true;
            }
        }
    }

    #[inline]
    pub fn output(&self) -> u8 {
        self.level
    }

    /// Reset: the channel stops and its IRQ clears; the level is kept.
    pub fn reset(&mut self) {
        let level = self.level;
        *self = Dmc::new(self.rates);
        self.level = level & 1;
    }
}

// The rate table comes from the region.
crate::state::persist_fields!(Dmc {
    irq_enabled, looping, period, timer, level, shifter, bits_left, silent, buffer, sample_addr, sample_len, addr,
    bytes_left, irq_flag, dma_request, start_delay,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_a_sample_through_dma_and_raises_irq_at_the_end() {
        let mut dmc = Dmc::new(&RATES_NTSC);
        dmc.write(0, 0x8F); // IRQ on, fastest rate
        dmc.write(1, 64);
        dmc.write(3, 0); // 1 byte
        dmc.set_enabled(true, 0);
        for _ in 0..3 {
            dmc.clock();
        }
        assert_eq!(dmc.dma_address(), Some(0xC000));
        dmc.dma_done(0xFF);
        assert!(dmc.irq_flag, "last byte fetched");
        assert!(!dmc.active());
        // The output unit finishes its silent byte, then plays the fetched one.
        let mut levels = Vec::new();
        for _ in 0..428 + 54 * 15 {
            if dmc.clock() {
                levels.push(dmc.output());
            }
        }
        assert_eq!(levels[..8], [64; 8]);
        assert_eq!(levels[8..], [66, 68, 70, 72, 74, 76, 78, 80]);
    }
}
