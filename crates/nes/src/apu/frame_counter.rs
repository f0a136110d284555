//! The APU frame counter (nesdev wiki: "APU Frame Counter"): a divider that
//! clocks envelopes (quarter frames) and length counters (half frames) in a
//! 4-step or 5-step sequence, and raises the frame IRQ in 4-step mode.

/// What a frame-counter step clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameClocks {
    pub quarter: bool,
    pub half: bool,
}

/// CPU cycles (since the sequence started) at which each step happens, NTSC.
/// 4-step: quarter, half, quarter, (IRQ), half + IRQ, IRQ; the sequence restarts
/// after the last entry. 5-step: quarter, half, quarter, nothing, half.
pub const STEPS_NTSC: [[u32; 6]; 2] = [[7457, 14913, 22371, 29828, 29829, 29830], [7457, 14913, 22371, 29829, 37281, 37282]];
/// The same for PAL's slower divider.
pub const STEPS_PAL: [[u32; 6]; 2] = [[8313, 16627, 24939, 33252, 33253, 33254], [8313, 16627, 24939, 33253, 41565, 41566]];


#[derive(Debug, Clone)]
pub struct FrameCounter {
    five_step: bool,
    /// Step times for 4-step and 5-step mode (by region).
    steps: &'static [[u32; 6]; 2],
    irq_inhibit: bool,
    /// The frame interrupt flag as $4015 reads it. The IRQ line is this
    /// flag while interrupts are not inhibited (see [`FrameCounter::irq`]).
    pub(crate) irq_flag: bool,
    /// A $4015 read on a get cycle acknowledged the flag: it clears at the
    /// start of the next get cycle, so the put cycle between still sees it.
    pub(crate) irq_clear_pending: bool,
    /// CPU cycles since the sequence (re)started.
    cycle: u32,
    step: usize,
    /// A $4017 write waiting to take effect, and the cycles left before it does.
    pending: Option<(u8, u8)>,
    /// Cycles during which a 5-step-mode write's immediate clock blocks another.
    block_ticks: u8,
}

impl Default for FrameCounter {
    fn default() -> Self {
        Self::new(&STEPS_NTSC)
    }
}

impl FrameCounter {
    pub fn new(steps: &'static [[u32; 6]; 2]) -> Self {
        // At power-on the APU acts as if $4017 had been written with $00 9 to
        // 12 cycles before the first instruction (blargg's 2005 APU notes):
        // a write takes effect 3-4 cycles late and the 7-cycle reset sequence
        // runs before the first instruction, so the 4-step sequence starts
        // counting at power-on itself.
        FrameCounter {
            five_step: false,
            steps,
            irq_inhibit: false,
            irq_flag: false,
            irq_clear_pending: false,
            cycle: 0,
            step: 0,
            pending: None,
            block_ticks: 0,
        }
    }

    /// $4017 write. The new mode starts 3 or 4 CPU cycles later depending on
    /// whether the write lands on an APU cycle; IRQ inhibit acts at once.
    pub fn write(&mut self, value: u8, cpu_cycle: u64) {
        self.irq_inhibit = value & 0x40 != 0;
        if self.irq_inhibit {
            self.irq_flag = false;
            self.irq_clear_pending = false;
        }
        let delay = if cpu_cycle & 1 == 1 { 4 } else { 3 };
        self.pending = Some((value, delay));
    }

    /// Reset: the last mode is written again ($4017 keeps its value), IRQ inhibit clears.
    pub fn reset(&mut self) {
        let value = if self.five_step { 0x80 } else { 0x00 };
        self.irq_inhibit = false;
        self.irq_flag = false;
        self.irq_clear_pending = false;
        self.pending = Some((value, 3));
    }

    /// The frame counter's IRQ output: the flag, unless inhibited. With
    /// interrupts inhibited the flag still rises for the sequence's first
    /// two IRQ cycles (a $4015 read sees it) but the line stays low.
    #[inline(always)]
    pub fn irq(&self) -> bool {
        self.irq_flag && !self.irq_inhibit
    }

    /// A $4015 read acknowledges the flag on the APU's next put-to-get
    /// transition: at once when read on a put cycle (the next cycle is a
    /// get), one cycle later when read on a get cycle.
    pub fn acknowledge(&mut self, on_get_cycle: bool) {
        if on_get_cycle {
            self.irq_clear_pending = self.irq_flag;
        } else {
            self.irq_flag = false;
        }
    }

    /// The start of a get cycle: a pending acknowledge takes effect (before
    /// that cycle's step, which may set the flag again).
    #[inline]
    pub fn get_cycle_begins(&mut self) {
        if self.irq_clear_pending {
            self.irq_clear_pending = false;
            self.irq_flag = false;
        }
    }

    /// Cycles from now on which [`FrameCounter::clock`] would only count.
    #[inline]
    pub fn quiet_cycles(&self) -> u64 {
        if self.pending.is_some() || self.block_ticks > 0 || self.irq_clear_pending {
            return 0;
        }
        let next = self.steps[usize::from(self.five_step)][self.step];
        u64::from(next.saturating_sub(self.cycle + 1))
    }

    /// `cycles` quiet cycles (see [`FrameCounter::quiet_cycles`]) at once.
    #[inline]
    pub fn count(&mut self, cycles: u32) {
        self.cycle += cycles;
    }

    /// One CPU cycle.
    #[inline(always)]
    pub fn clock(&mut self) -> FrameClocks {
        self.cycle += 1;
        if self.cycle != self.steps[usize::from(self.five_step)][self.step] && self.pending.is_none() && self.block_ticks == 0 {
            return FrameClocks::default();
        }
        self.clock_event()
    }

    /// The cycle's work when a step, a mode change or a blocked clock is due.
    #[cold]
    #[inline(never)]
    fn clock_event(&mut self) -> FrameClocks {
        let mut clocks = FrameClocks::default();
        let steps = &self.steps[usize::from(self.five_step)];
        if self.cycle == steps[self.step] {
            clocks = self.run_step();
            self.step += 1;
            if self.step == 6 {
                self.step = 0;
                self.cycle = 0;
            }
        }
        if let Some((value, delay)) = self.pending {
            if delay <= 1 {
                self.pending = None;
                self.five_step = value & 0x80 != 0;
                self.cycle = 0;
                self.step = 0;
                // Writing 5-step mode clocks everything immediately.
                if self.five_step && self.block_ticks == 0 {
                    clocks = FrameClocks { quarter: true, half: true };
                    self.block_ticks = 2;
                }
            } else {
                self.pending = Some((value, delay - 1));
            }
        }
        if self.block_ticks > 0 {
            self.block_ticks -= 1;
        }
        clocks
    }

    fn run_step(&mut self) -> FrameClocks {
        let (quarter, half, irq) = match (self.five_step, self.step) {
            (_, 0) | (_, 2) => (true, false, false),
            (_, 1) => (true, true, false),
            (false, 3) => (false, false, true),
            (false, 4) => (true, true, true),
            (false, 5) => (false, false, true),
            (true, 4) => (true, true, false),
            _ => (false, false, false),
        };
        // The flag is set on the sequence's three IRQ cycles; inhibit only
        // wins on the last, which clears it again (so an inhibited
        // sequence shows the flag for two cycles and never raises the line).
        if irq {
            self.irq_flag = !(self.irq_inhibit && self.step == 5);
        }
        if self.block_ticks > 0 {
            return FrameClocks::default();
        }
        FrameClocks { quarter, half }
    }
}

// The step table comes from the region. The flag and its pending
// acknowledge share the flag's byte (bit 0, bit 1), so states written
// before the acknowledge was modelled load as they were.
impl crate::state::Persist for FrameCounter {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        self.five_step.persist(s);
        self.irq_inhibit.persist(s);
        let mut flags = u8::from(self.irq_flag) | u8::from(self.irq_clear_pending) << 1;
        s.u8(&mut flags);
        self.irq_flag = flags & 1 != 0;
        self.irq_clear_pending = flags & 2 != 0;
        self.cycle.persist(s);
        self.step.persist(s);
        self.pending.persist(s);
        self.block_ticks.persist(s);
    }
}
