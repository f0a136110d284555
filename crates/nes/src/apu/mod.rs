//! The 2A03's APU (nesdev wiki: "APU", "APU registers", "APU Mixer").
//!
//! Two parts run at different speeds. The frame counter, the length
//! counters and the DMC's timer run every CPU cycle: they decide IRQs and
//! DMA, which the CPU can observe to the cycle. The pulse, triangle and noise
//! timers only shape the sound, so they run lazily: each knows the cycle of
//! its next step, and the APU catches them up (stepping them in time order
//! and mixing after every step) just before anything that changes them, a
//! register write or a frame-counter clock, and at the end of each frame.
//! Every change of the mixed level goes to [`Synth`] with its exact cycle.

mod dmc;
mod envelope;
mod frame_counter;
mod length;
mod noise;
pub(crate) mod pulse;
mod synth;
mod triangle;

pub use frame_counter::{FrameClocks, FrameCounter};
pub use length::LengthCounter;
pub use synth::{Synth, DEFAULT_SAMPLE_RATE};

use crate::timing::Timing;
use dmc::Dmc;
use noise::Noise;
use pulse::Pulse;
use triangle::Triangle;

/// Channel order in `length`: pulse 1, pulse 2, triangle, noise.
const CHANNELS: usize = 4;

/// The mixer (nesdev "APU Mixer"): the two non-linear DAC networks of the
/// 2A03, pulses on one and triangle/noise/DMC on the other.
/// The pulse half of the mixer: two 4-bit levels through the shared resistor DAC.
#[inline]
pub(crate) fn pulse_mix(pulse1: u8, pulse2: u8) -> f32 {
    let pulses = u16::from(pulse1) + u16::from(pulse2);
    if pulses == 0 { 0.0 } else { 95.88 / (8128.0 / f32::from(pulses) + 100.0) }
}

fn mix(pulse1: u8, pulse2: u8, triangle: f32, noise: u8, dmc: u8) -> f32 {
    let pulse_out = pulse_mix(pulse1, pulse2);
    let tnd = triangle / 8227.0 + f32::from(noise) / 12241.0 + f32::from(dmc) / 22638.0;
    let tnd_out = if tnd == 0.0 { 0.0 } else { 159.79 / (1.0 / tnd + 100.0) };
    pulse_out + tnd_out
}

#[derive(Debug, Clone)]
pub struct Apu {
    frame_counter: FrameCounter,
    length: [LengthCounter; CHANNELS],
    /// A length-counter register was written and waits for the end of a cycle.
    length_write_pending: bool,
    pulse: [Pulse; 2],
    triangle: Triangle,
    noise: Noise,
    dmc: Dmc,
    /// CPU cycles clocked since power-on.
    cycle: u64,
    /// The frame counter and the DMC timer have run through this cycle.
    units_clocked: u64,
    /// The next cycle at which they do anything but count: until then they
    /// are not run at all, and catch up by counting when it comes.
    next_unit_event: u64,
    /// The lazy channels have been stepped through this cycle.
    synced: u64,
    /// The mixed level last sent to the synthesizer, and the channel outputs it came from.
    level: f32,
    outputs: (u8, u8, f32, u8, u8, f32),
    /// False skips the mixer and synthesizer (no samples are made).
    audio_enabled: bool,
    /// A cartridge's expansion sound, already scaled to the mixer's range.
    expansion: f32,
    synth: Synth,
    /// The IRQ output, [`Apu::irq`]: kept up to date wherever the flags or
    /// the inhibit change (each such path ends in `schedule_units`), since
    /// the CPU reads it every cycle. Derived, not stored.
    irq_out: bool,
}

impl Default for Apu {
    fn default() -> Self {
        Self::new(Timing::Ntsc)
    }
}

impl Apu {
    pub fn new(timing: Timing) -> Self {
        let pal = timing == Timing::Pal;
        Apu {
            frame_counter: FrameCounter::new(if pal { &frame_counter::STEPS_PAL } else { &frame_counter::STEPS_NTSC }),
            length: Default::default(),
            length_write_pending: false,
            pulse: [Pulse::new(true), Pulse::new(false)],
            triangle: Triangle::default(),
            noise: Noise::new(if pal { &noise::PERIODS_PAL } else { &noise::PERIODS_NTSC }),
            dmc: Dmc::new(if pal { &dmc::RATES_PAL } else { &dmc::RATES_NTSC }),
            cycle: 0,
            units_clocked: 0,
            next_unit_event: 1,
            synced: 0,
            level: 0.0,
            outputs: (0, 0, 0.0, 0, 0, 0.0),
            audio_enabled: true,
            expansion: 0.0,
            synth: Synth::new(timing.cpu_clock_hz()),
            irq_out: false,
        }
    }

    /// Reset button: channels silenced ($4015 = 0), the frame counter
    /// restarts, the triangle's phase and the DMC's level (but bit 0) clear.
    pub fn reset(&mut self) {
        self.catch_up(self.cycle);
        for l in &mut self.length {
            l.set_enabled(false);
        }
        self.count_quiet_cycles(self.cycle);
        self.frame_counter.reset();
        self.triangle.reset_phase();
        self.dmc.reset();
        self.schedule_units();
        self.emit(self.cycle);
    }

    /// One CPU cycle of APU time. The frame counter, length commits and the
    /// DMC timer only run on cycles where one of them acts; the cycles in
    /// between are counted in bulk when the next such cycle comes.
    #[inline(always)]
    pub fn clock(&mut self) {
        self.cycle += 1;
        if self.cycle >= self.next_unit_event {
            self.clock_units();
        }
    }

    /// Counts the quiet cycles since the units last ran, up to and
    /// including cycle `through`.
    #[inline]
    fn count_quiet_cycles(&mut self, through: u64) {
        let quiet = through - self.units_clocked;
        if quiet > 0 {
            self.frame_counter.count(quiet as u32);
            self.dmc.count(quiet as u16);
            self.units_clocked = through;
        }
    }

    /// When the units next act: every cycle while a write is settling,
    /// otherwise at the frame counter's next step or the DMC's next output
    /// clock, whichever is first.
    #[inline]
    fn schedule_units(&mut self) {
        let quiet = if self.length_write_pending {
            0
        } else {
            self.frame_counter.quiet_cycles().min(self.dmc.quiet_cycles())
        };
        self.next_unit_event = self.cycle + 1 + quiet;
        self.irq_out = self.live_irq();
    }

    #[inline(never)]
    fn clock_units(&mut self) {
        // The cycles before this one were quiet; this one acts.
        self.count_quiet_cycles(self.cycle - 1);
        self.units_clocked = self.cycle;
        self.clock_units_once();
        self.schedule_units();
    }

    #[inline(always)]
    fn clock_units_once(&mut self) {
        if self.cycle & 1 == 1 {
            self.frame_counter.get_cycle_begins();
        }
        let clocks = self.frame_counter.clock();
        if clocks.quarter || clocks.half {
            self.frame_clock(clocks);
        }
        if self.length_write_pending {
            self.commit_length_writes();
        }
        if self.dmc.clock() {
            self.dmc_output_clocked();
        }
    }

    #[inline(never)]
    fn commit_length_writes(&mut self) {
        self.length_write_pending = false;
        self.catch_up(self.cycle);
        for l in &mut self.length {
            l.commit();
        }
        self.emit(self.cycle);
    }

    #[inline(never)]
    fn dmc_output_clocked(&mut self) {
        self.catch_up(self.cycle);
        self.emit(self.cycle);
    }

    #[cold]
    #[inline(never)]
    fn frame_clock(&mut self, clocks: FrameClocks) {
        self.catch_up(self.cycle);
        if clocks.quarter {
            self.pulse[0].envelope.clock();
            self.pulse[1].envelope.clock();
            self.noise.envelope.clock();
            self.triangle.clock_linear();
        }
        if clocks.half {
            for l in &mut self.length {
                l.clock();
            }
            self.pulse[0].clock_sweep();
            self.pulse[1].clock_sweep();
        }
        self.emit(self.cycle);
    }

    /// Steps the pulse, triangle and noise timers through cycle `to`, in
    /// time order, sending every change of the mix to the synthesizer.
    fn catch_up(&mut self, to: u64) {
        if to <= self.synced {
            return;
        }
        let active = [0, 1, 2, 3].map(|i| self.length[i].active());
        // Channels nobody can hear skip ahead without mixing.
        for (p, on) in self.pulse.iter_mut().zip(active) {
            if !p.audible(on) {
                p.skip_to(to);
            }
        }
        if !self.triangle.changes(active[2]) {
            self.triangle.skip_to(to, active[2]);
        }
        if !self.noise.audible(active[3]) {
            self.noise.skip_to(to);
        }
        loop {
            let t = self.pulse[0].next.min(self.pulse[1].next).min(self.triangle.next).min(self.noise.next);
            if t > to {
                break;
            }
            if self.pulse[0].next == t {
                self.pulse[0].step();
            }
            if self.pulse[1].next == t {
                self.pulse[1].step();
            }
            if self.triangle.next == t {
                self.triangle.step(active[2]);
            }
            if self.noise.next == t {
                self.noise.step();
            }
            self.emit(t);
        }
        self.synced = to;
    }

    /// Mixes the channels' current outputs; a change goes to the synthesizer at `cycle`.
    #[inline]
    fn emit(&mut self, cycle: u64) {
        if !self.audio_enabled {
            return;
        }
        let active = [0, 1, 2, 3].map(|i| self.length[i].active());
        let outputs = (
            self.pulse[0].output(active[0]),
            self.pulse[1].output(active[1]),
            self.triangle.output(active[2]),
            self.noise.output(active[3]),
            self.dmc.output(),
            self.expansion,
        );
        if outputs == self.outputs {
            return;
        }
        self.outputs = outputs;
        let level = mix(outputs.0, outputs.1, outputs.2, outputs.3, outputs.4) + outputs.5;
        if level != self.level {
            self.synth.add_delta(cycle, level - self.level);
            self.level = level;
        }
    }

    /// Turns sample synthesis on or off (off: nothing to hear, less work;
    /// the channels' timing, IRQs and DMA are unaffected).
    pub fn set_audio_enabled(&mut self, enabled: bool) {
        self.audio_enabled = enabled;
    }

    /// The cartridge's sound changed to `level` (0 to about 1, like the mixer's output).
    pub fn set_expansion(&mut self, level: f32) {
        if level != self.expansion {
            self.catch_up(self.cycle);
            self.expansion = level;
            self.emit(self.cycle);
        }
    }

    /// Finishes the samples up to now (call once per video frame).
    pub fn end_frame(&mut self) {
        self.catch_up(self.cycle);
        self.synth.end_frame(self.cycle);
    }

    /// The host-rate output: read finished samples, set the rate and ratio.
    pub fn synth(&self) -> &Synth {
        &self.synth
    }

    pub fn synth_mut(&mut self) -> &mut Synth {
        &mut self.synth
    }

    /// The APU's IRQ output: the frame counter's or the DMC's.
    #[inline(always)]
    pub fn irq(&self) -> bool {
        #[cfg(test)]
        assert_eq!(self.irq_out, self.live_irq(), "the IRQ output is current");
        self.irq_out
    }

    /// The IRQ output from the flags themselves (what `irq_out` caches).
    #[inline]
    fn live_irq(&self) -> bool {
        self.frame_counter.irq() || self.dmc.irq_flag
    }

    /// $4015 read: channel status and both IRQ flags. Reading acknowledges
    /// the frame IRQ flag (not the DMC's) at the APU's next put-to-get
    /// transition: a read on a get cycle (odd cycles, as for DMA) leaves it
    /// set through the put cycle after. Bit 5 is open bus (the caller adds it).
    pub fn read_status(&mut self) -> u8 {
        let value = self.peek_status();
        if self.frame_counter.irq_flag {
            self.frame_counter.acknowledge(self.cycle & 1 == 1);
            if self.frame_counter.irq_clear_pending {
                // The units run on the cycles up to the next get cycle.
                self.count_quiet_cycles(self.cycle);
                self.next_unit_event = self.cycle + 1;
            }
            self.irq_out = self.live_irq();
        }
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
        if self.dmc.active() {
            value |= 0x10;
        }
        if self.frame_counter.irq_flag {
            value |= 0x40;
        }
        if self.dmc.irq_flag {
            value |= 0x80;
        }
        value
    }

    /// A CPU write to $4000-$4013, $4015 or $4017 (during the cycle just clocked).
    pub fn write(&mut self, addr: u16, value: u8) {
        self.catch_up(self.cycle);
        // The units act on what they held through this cycle.
        self.count_quiet_cycles(self.cycle);
        let reg = addr & 3;
        match addr {
            0x4000..=0x400F => {
                let ch = usize::from((addr - 0x4000) / 4);
                match ch {
                    0 | 1 => self.pulse[ch].write(reg, value),
                    2 => self.triangle.write(reg, value),
                    _ => self.noise.write(reg, value),
                }
                // The length halt flag: bit 7 on the triangle, bit 5 elsewhere.
                let halt_bit = if ch == 2 { 0x80 } else { 0x20 };
                match reg {
                    0 => self.write_halt(ch, value & halt_bit != 0),
                    3 => self.write_load(ch, value),
                    _ => {}
                }
            }
            0x4010..=0x4013 => self.dmc.write(reg, value),
            0x4015 => {
                self.length_write_pending = true;
                for (i, l) in self.length.iter_mut().enumerate() {
                    l.set_enabled(value & (1 << i) != 0);
                }
                self.dmc.set_enabled(value & 0x10 != 0, self.cycle);
            }
            0x4017 => self.frame_counter.write(value, self.cycle),
            _ => {}
        }
        self.schedule_units();
        self.emit(self.cycle);
    }

    fn write_halt(&mut self, ch: usize, halt: bool) {
        self.length_write_pending = true;
        self.length[ch].write_halt(halt);
    }

    fn write_load(&mut self, ch: usize, value: u8) {
        self.length_write_pending = true;
        self.length[ch].write_load(value);
    }

    /// True when the DMC wants a byte read by DMA.
    #[inline(always)]
    pub fn dmc_wants_dma(&self) -> bool {
        self.dmc.dma_address().is_some()
    }

    /// The address the DMC wants read by DMA, if it wants a byte.
    #[inline]
    pub fn dmc_dma_address(&self) -> Option<u16> {
        self.dmc.dma_address()
    }

    /// A DMC DMA delivered its byte.
    pub fn dmc_dma_done(&mut self, value: u8) {
        self.count_quiet_cycles(self.cycle);
        self.dmc.dma_done(value);
        self.schedule_units();
    }

    /// Length counter values (debugger view).
    pub fn length_counters(&self) -> [u8; CHANNELS] {
        [0, 1, 2, 3].map(|i| self.length[i].counter())
    }
}

// `outputs` is a cache of the channel outputs behind `level`: it is not
// stored, and a restore empties it (NaN equals nothing), so the next mix
// compares the restored channels with the restored level. Left as it was,
// a cache that happened to equal the restored channels' next outputs kept
// the restored level from following them (a step missing from the sound
// after every load; run-ahead's sample-exact test found it).
crate::state::persist_fields_as!(Apu, persist_registers {
    frame_counter, length, length_write_pending, pulse, triangle, noise, dmc, cycle, units_clocked, next_unit_event,
    synced, level, audio_enabled,
    expansion, synth,
});

impl crate::state::Persist for Apu {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        self.persist_registers(s);
        if s.restoring() {
            self.outputs.2 = f32::NAN;
            self.irq_out = self.live_irq();
        }
    }
}

#[cfg(test)]
mod tests;
