//! The 2A03's APU (nesdev wiki: "APU", "APU registers").
//!
//! This is the timing skeleton the CPU tests rely on: the frame counter with
//! its IRQ, the four length counters and $4015 status. The channels' sound,
//! the DMC (whose sample fetches will use the bus's DMA path, `CpuBus::dma_cycle`)
//! and the mixer arrive with the audio work.

mod frame_counter;
mod length;

pub use frame_counter::{FrameClocks, FrameCounter};
pub use length::LengthCounter;

/// Channel order in `length`: pulse 1, pulse 2, triangle, noise.
const CHANNELS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct Apu {
    frame_counter: FrameCounter,
    length: [LengthCounter; CHANNELS],
    /// A length-counter register was written and waits for the end of a cycle.
    length_write_pending: bool,
}

impl Apu {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reset button: channels silenced ($4015 = 0), the frame counter restarts.
    pub fn reset(&mut self) {
        for l in &mut self.length {
            l.set_enabled(false);
        }
        self.frame_counter.reset();
    }

    /// One CPU cycle of APU time.
    #[inline]
    pub fn clock(&mut self) {
        let clocks = self.frame_counter.clock();
        if clocks.half {
            for l in &mut self.length {
                l.clock();
            }
        }
        if self.length_write_pending {
            self.length_write_pending = false;
            for l in &mut self.length {
                l.commit();
            }
        }
    }

    /// The APU's IRQ output (the frame counter's, until the DMC exists).
    #[inline]
    pub fn irq(&self) -> bool {
        self.frame_counter.irq_flag
    }

    /// $4015 read: length counter status and the frame IRQ flag.
    /// Reading clears the frame IRQ flag. Bit 5 is open bus (the caller adds it).
    pub fn read_status(&mut self) -> u8 {
        let value = self.peek_status();
        self.frame_counter.irq_flag = false;
        value
    }

    /// $4015 as a read would see it, without clearing anything.
    pub fn peek_status(&self) -> u8 {
        let mut value = 0;
        for (i, l) in self.length.iter().enumerate() {
            if l.active() {
                value |= 1 << i;
            }
        }
        if self.frame_counter.irq_flag {
            value |= 0x40;
        }
        value
    }

    /// A CPU write to $4000-$4013, $4015 or $4017 (registers of parts not yet
    /// emulated are accepted and ignored).
    pub fn write(&mut self, addr: u16, value: u8, cpu_cycle: u64) {
        self.length_write_pending = true;
        match addr {
            0x4000 | 0x4004 | 0x400C => self.length[usize::from((addr - 0x4000) / 4)].write_halt(value & 0x20 != 0),
            0x4008 => self.length[2].write_halt(value & 0x80 != 0),
            0x4003 | 0x4007 | 0x400B | 0x400F => self.length[usize::from((addr - 0x4003) / 4)].write_load(value),
            0x4015 => {
                for (i, l) in self.length.iter_mut().enumerate() {
                    l.set_enabled(value & (1 << i) != 0);
                }
            }
            0x4017 => self.frame_counter.write(value, cpu_cycle),
            _ => {}
        }
    }

    /// Length counter values (debugger view).
    pub fn length_counters(&self) -> [u8; CHANNELS] {
        [0, 1, 2, 3].map(|i| self.length[i].counter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(apu: &mut Apu, cycles: u32, cycle: &mut u64) {
        for _ in 0..cycles {
            *cycle += 1;
            apu.clock();
        }
    }

    #[test]
    fn four_step_mode_raises_frame_irq_once_per_sequence() {
        let mut apu = Apu::new();
        let mut cycle = 0;
        run(&mut apu, 10, &mut cycle);
        assert!(!apu.irq());
        run(&mut apu, 29_830, &mut cycle);
        assert!(apu.irq(), "frame IRQ after one 4-step sequence");
        assert_ne!(apu.read_status() & 0x40, 0);
        assert!(!apu.irq(), "reading $4015 acknowledges it");
        // Inhibit: no IRQ.
        apu.write(0x4017, 0x40, cycle);
        run(&mut apu, 60_000, &mut cycle);
        assert!(!apu.irq());
    }

    #[test]
    fn length_counter_counts_half_frames() {
        let mut apu = Apu::new();
        let mut cycle = 0;
        apu.write(0x4015, 0x01, cycle);
        apu.write(0x4003, 0x18, cycle); // index 3 -> length 2
        run(&mut apu, 2, &mut cycle);
        assert_eq!(apu.read_status() & 0x01, 1);
        // Two half-frame clocks (at 14913 and 29829) empty it.
        run(&mut apu, 30_000, &mut cycle);
        assert_eq!(apu.read_status() & 0x01, 0);
        // Disabled channels ignore length loads.
        apu.write(0x4015, 0x00, cycle);
        apu.write(0x4003, 0x08, cycle);
        run(&mut apu, 1, &mut cycle);
        assert_eq!(apu.length_counters()[0], 0);
    }

    #[test]
    fn five_step_write_clocks_half_frame_immediately() {
        let mut apu = Apu::new();
        let mut cycle = 0;
        run(&mut apu, 10, &mut cycle);
        apu.write(0x4015, 0x01, cycle);
        apu.write(0x4003, 0x18, cycle); // length 2
        run(&mut apu, 1, &mut cycle);
        apu.write(0x4017, 0x80, cycle);
        run(&mut apu, 5, &mut cycle);
        assert_eq!(apu.length_counters()[0], 1);
    }
}
