//! The console's CPU address space and its clock (nesdev wiki: "CPU memory
//! map", "Open bus behavior", "DMA").
//!
//! Catch-up clocking on a master clock of 12 ticks per CPU cycle (4 per PPU
//! dot). The PPU is brought up to the exact master-clock moment of any access
//! that can see it or change what it draws (its registers, OAM DMA, cartridge
//! writes), and at the end of the cycle in which its NMI output can change
//! (vertical blank start and end) or a frame ends. In between it is left
//! behind and later runs many dots in one tight loop: the result is the same
//! as stepping it every half cycle, at a fraction of the cost. Boards that
//! watch the PPU address bus (scanline IRQ counters) get it stepped every
//! half cycle, since their IRQ line may change at any dot.

use crate::apu::Apu;
use crate::cart::Cartridge;
use crate::controller::Controller;
use crate::cpu::{Access, CpuBus};
use crate::debug::{AccessInfo, Debugger};
use crate::ppu::Ppu;
use crate::timing::Timing;

/// Where accesses fall on the master clock (nesdev wiki: "Cycle reference
/// chart"): ticks per CPU cycle and per PPU dot, and the ticks of a read or
/// write cycle before its access.
#[derive(Debug, Clone, Copy)]
struct MasterClock {
    cpu: u64,
    ppu: u64,
    read_setup: u64,
    write_setup: u64,
    /// Phase of the PPU clock against the CPU clock, in master ticks. NTSC:
    /// with 3, reads and writes both land after two of the cycle's three
    /// dots and the NMI line is sampled after the third, the alignment under
    /// which ppu_vbl_nmi's set/suppression/on/off timings all come out
    /// dot-exact. PAL and Dendy keep the same placement within the cycle.
    phase: u64,
}

impl MasterClock {
    fn new(timing: Timing) -> Self {
        let (read_setup, write_setup) = match timing {
            Timing::Ntsc => (5, 7),
            Timing::Pal => (7, 9),
            Timing::Dendy => (6, 9),
        };
        MasterClock { cpu: timing.cpu_divider(), ppu: timing.ppu_divider(), read_setup, write_setup, phase: 3 }
    }
}

/// The DMA unit's state (nesdev wiki: "DMA"). OAM DMA copies 256 bytes to
/// $2004 in get/put pairs; DMC DMA fetches one sample byte. Both halt the
/// CPU on a read cycle; while halted the CPU keeps repeating that read.
#[derive(Debug, Clone, Copy, Default)]
struct Dma {
    /// The halt cycle has been spent for the current stretch of DMA.
    halted: bool,
    oam_active: bool,
    oam_page: u8,
    /// Get and put cycles done (512 in all).
    oam_count: u16,
    oam_value: u8,
    dmc_active: bool,
    /// The DMC's byte is read only after a halt cycle and a dummy cycle
    /// (OAM DMA cycles count as either).
    dmc_need_halt: bool,
    dmc_need_dummy: bool,
}

impl Dma {
    /// Every DMA cycle after the first counts toward the DMC's halt, then its dummy cycle.
    fn count_dmc_wait(&mut self) {
        if self.dmc_need_halt {
            self.dmc_need_halt = false;
        } else if self.dmc_need_dummy {
            self.dmc_need_dummy = false;
        }
    }

    fn dmc_ready(&self) -> bool {
        self.dmc_active && !self.dmc_need_halt && !self.dmc_need_dummy
    }
}

/// Everything on the CPU's bus: RAM, PPU, APU, cartridge, controllers.
#[derive(Debug, Clone)]
pub struct Bus {
    ram: Box<[u8; 0x800]>,
    pub ppu: Ppu,
    pub apu: Apu,
    pub cart: Cartridge,
    pub pads: [Controller; 2],
    /// The last value on the CPU data bus (what unmapped reads return).
    open_bus: u8,
    master_clock: u64,
    ppu_clock: u64,
    /// CPU cycles since power-on.
    cycle: u64,
    dma: Dma,
    /// CPU cycle of the last read of $4016 and $4017 (see `read_port`).
    port_read_cycle: [u64; 2],
    /// The last value written to $4016: the OUT pins once latched.
    strobe_out: u8,
    /// The cycle the pads latch `strobe_out` (the next put cycle after the
    /// write), `u64::MAX` when nothing is waiting.
    strobe_at: u64,
    /// Master-clock time at which the PPU must be caught up at the latest.
    ppu_deadline: u64,
    /// The board needs the PPU stepped every half cycle.
    eager_ppu: bool,
    /// The board watches the PPU bus: the PPU runs in batches no longer
    /// than the board's IRQ can wait (`Cartridge::irq_quiet_dots`).
    watched_ppu: bool,
    /// The board counts CPU cycles (IRQ timers, expansion sound).
    board_clock: bool,
    clock: MasterClock,
    timing: Timing,
    /// Writes to $4016 with the strobe bit set since power-on (the moments
    /// the pads latch their buttons); for input-latency telemetry, not state.
    strobes: u64,
    /// The debugger wants to see every access: the one check each access
    /// pays when no debugger feature is armed (then it is false).
    pub(crate) hooks: bool,
    /// The attached debugger, if any (not state).
    pub(crate) debug: Option<Box<Debugger>>,
    /// Each change of the board's IRQ output as the CPU polls it: the cycle
    /// mixed into a hash (tests of the PPU's catch-up compare them).
    #[cfg(test)]
    pub(crate) irq_edges: (bool, u64, u32),
}

impl Bus {
    pub fn new(cart: Cartridge) -> Self {
        let eager_ppu = cart.owns_ppu_bus();
        let watched_ppu = cart.watches_ppu_bus() && !eager_ppu;
        let board_clock = cart.clocks_with_cpu();
        let timing = Timing::from_region(cart.header().region);
        Bus {
            ram: Box::new([0; 0x800]),
            ppu: Ppu::with_timing(timing),
            apu: Apu::new(timing),
            cart,
            pads: Default::default(),
            open_bus: 0,
            master_clock: 0,
            ppu_clock: 0,
            cycle: 0,
            dma: Dma::default(),
            port_read_cycle: [u64::MAX; 2],
            strobe_out: 0,
            strobe_at: u64::MAX,
            ppu_deadline: 0,
            eager_ppu,
            watched_ppu,
            board_clock,
            clock: MasterClock::new(timing),
            timing,
            strobes: 0,
            hooks: false,
            debug: None,
            #[cfg(test)]
            irq_edges: (false, crate::state::FNV_OFFSET, 0),
        }
    }

    pub fn ram(&self) -> &[u8; 0x800] {
        &self.ram
    }

    pub(crate) fn ram_mut(&mut self) -> &mut [u8; 0x800] {
        &mut self.ram
    }

    /// The TV system the console runs as.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// How many times the game has latched the pads (a $4016 write with
    /// bit 0 set) since power-on.
    pub fn strobes(&self) -> u64 {
        self.strobes
    }

    /// CPU cycles since power-on, as the bus counts them.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Reset button: the PPU, APU and board reset; RAM and the clock carry on.
    pub fn reset(&mut self) {
        self.ppu.reset();
        self.apu.reset();
        self.cart.reset();
        self.dma = Dma::default();
    }

    /// Brings the PPU up to the current master-clock time.
    #[inline]
    pub fn sync_ppu(&mut self) {
        let to = self.master_clock + self.clock.phase;
        if self.ppu_clock + self.clock.ppu > to {
            return;
        }
        let dots = (to - self.ppu_clock) / self.clock.ppu;
        self.ppu.run(dots, &mut self.cart);
        self.ppu_clock += dots * self.clock.ppu;
        self.update_ppu_deadline();
    }

    /// Runs the PPU one dot ahead of the CPU: only for the debugger's view
    /// of a moment inside an instruction, which is undone before the CPU
    /// goes on (`Nes::leave_view`).
    pub(crate) fn advance_ppu_dot(&mut self) {
        self.ppu.run(1, &mut self.cart);
        self.ppu_clock += self.clock.ppu;
    }

    /// When the PPU must next be caught up: its next NMI-changing dot or
    /// frame end, or sooner where a board watching its bus could raise its
    /// IRQ sooner (the CPU then sees the IRQ on the cycle it would if the
    /// PPU ran every half cycle).
    #[inline]
    fn update_ppu_deadline(&mut self) {
        let mut dots = self.ppu.dots_until_event();
        if self.watched_ppu {
            dots = dots.min(self.board_quiet_dots());
        }
        self.ppu_deadline = self.ppu_clock + dots * self.clock.ppu;
    }

    #[inline(never)]
    fn board_quiet_dots(&self) -> u64 {
        self.cart.irq_quiet_dots(&self.ppu.bus_outlook())
    }

    /// After a restore: the PPU's clock from the bus's, and the deadline
    /// from the restored state (the code that saved it may have had other rules).
    pub(crate) fn restored(&mut self) {
        self.ppu.set_time(self.ppu_clock / self.clock.ppu);
        self.cart.set_ppu_line_start(self.ppu.time_at(0));
        self.cart.forget_ppu_bus();
        self.update_ppu_deadline();
    }

    /// Steps the PPU every half cycle even for boards that do not need it
    /// (the reference the lazy catch-up is tested against).
    #[cfg(test)]
    pub(crate) fn force_eager_ppu(&mut self) {
        self.eager_ppu = true;
    }

    /// The part of a cycle before the access: the APU (and boards) clock once.
    #[inline(always)]
    fn begin_cycle(&mut self, setup: u64) {
        self.cycle += 1;
        self.master_clock += setup;
        if self.eager_ppu {
            self.sync_ppu();
        }
        self.apu.clock();
        if self.board_clock {
            self.clock_board();
        }
    }

    /// The board's cycle: its timers, and its sound into the APU's mix.
    #[inline(never)]
    fn clock_board(&mut self) {
        self.cart.cpu_clock();
        self.apu.set_expansion(self.cart.audio_level());
    }

    #[inline]
    fn end_cycle(&mut self, setup: u64) {
        self.master_clock += self.clock.cpu - setup;
        if self.eager_ppu || self.master_clock + self.clock.phase >= self.ppu_deadline {
            self.sync_ppu();
        }
        #[cfg(test)]
        if self.cart.irq() != self.irq_edges.0 {
            let (line, hash, count) = self.irq_edges;
            self.irq_edges = (!line, crate::state::fnv1a(hash, &self.cycle.to_le_bytes()), count + 1);
        }
    }

    /// One complete read cycle (used by the CPU and by DMA).
    #[inline(always)]
    fn cycle_read(&mut self, addr: u16) -> u8 {
        self.begin_cycle(self.clock.read_setup);
        let value = self.read_fast(addr);
        self.end_cycle(self.clock.read_setup);
        value
    }

    /// What most reads are, inline: RAM and the cartridge from $6000 up
    /// (where a read cannot change anything); the rest through
    /// [`Bus::read_mem`].
    #[inline(always)]
    fn read_fast(&mut self, addr: u16) -> u8 {
        let value = if addr < 0x2000 {
            self.ram[usize::from(addr & 0x07FF)]
        } else if addr >= 0x6000 {
            self.cart.cpu_read(addr).unwrap_or(self.open_bus)
        } else {
            return self.read_mem(addr);
        };
        self.open_bus = value;
        value
    }

    #[inline]
    fn cycle_write(&mut self, addr: u16, value: u8) {
        self.begin_cycle(self.clock.write_setup);
        self.write_mem(addr, value);
        self.end_cycle(self.clock.write_setup);
    }

    /// Reads of $2000-$5FFF, the ones [`Bus::read_fast`] leaves: registers,
    /// open bus and the board's low registers.
    #[inline(never)]
    fn read_mem(&mut self, addr: u16) -> u8 {
        let value = match addr {
            0x2000..=0x3FFF => {
                self.sync_ppu();
                let value = self.ppu.read_register(addr, &mut self.cart);
                if self.watched_ppu {
                    // A $2007 read moves the bus (and may clock an A12 counter).
                    self.update_ppu_deadline();
                }
                value
            }
            // $4015 is inside the CPU: reading it does not drive the external
            // data bus, so open bus keeps its value (bit 5 comes from it).
            0x4015 => return self.apu.read_status() | (self.open_bus & 0x20),
            // Controller ports drive bits 0-4; bits 5-7 are open bus.
            0x4016 => (self.open_bus & 0xE0) | self.read_port(0),
            0x4017 => (self.open_bus & 0xE0) | self.read_port(1),
            0x4000..=0x401F => self.open_bus,
            _ => self.cart.cpu_read_bus(addr).unwrap_or(self.open_bus),
        };
        self.open_bus = value;
        value
    }

    #[inline]
    fn write_mem(&mut self, addr: u16, value: u8) {
        self.open_bus = value;
        match addr {
            0x0000..=0x1FFF => self.ram[usize::from(addr & 0x07FF)] = value,
            0x2000..=0x3FFF => {
                self.sync_ppu();
                self.ppu.write_register(addr, value, &mut self.cart);
                self.cart.ppu_register_written(addr, value);
                // PPUMASK decides whether this frame loses a dot: the frame's end moves.
                self.update_ppu_deadline();
            }
            0x4014 => {
                self.dma.oam_page = value;
                self.dma.oam_active = true;
                self.dma.oam_count = 0;
            }
            0x4016 => {
                // The CPU's OUT pins take $4016 when a get cycle gives way
                // to a put cycle: at the start of the next put cycle. Two
                // writes before it (a read-modify-write's pair, written
                // put then get) leave only the second.
                self.latch_strobe();
                self.strobes += u64::from(value & 1);
                self.strobe_out = value;
                self.strobe_at = (self.cycle | 1) + 1;
            }
            0x4000..=0x4017 => self.apu.write(addr, value),
            0x4018..=0x401F => {}
            _ => {
                // A board register write (a bank switch) changes what the PPU
                // fetches from now on; plain PRG RAM writes cannot.
                let register = addr >= 0x8000 || self.cart.sees_low_writes();
                if register {
                    self.sync_ppu();
                }
                self.cart.cpu_write(addr, value, self.cycle);
                if self.board_clock {
                    self.apu.set_expansion(self.cart.audio_level());
                }
                if register && self.watched_ppu {
                    // The write may have armed, acknowledged or reloaded the IRQ.
                    self.update_ppu_deadline();
                }
            }
        }
    }

    /// Reads `addr` as the CPU would see it, with no side effect at all.
    pub fn peek(&self, addr: u16) -> u8 {
        match addr {
            0x0000..=0x1FFF => self.ram[usize::from(addr & 0x07FF)],
            0x2000..=0x3FFF => self.ppu.peek_register(addr),
            0x4015 => self.apu.peek_status() | (self.open_bus & 0x20),
            0x4016 => (self.open_bus & 0xE0) | self.pads[0].peek(),
            0x4017 => (self.open_bus & 0xE0) | self.pads[1].peek(),
            0x4000..=0x401F => self.open_bus,
            _ => self.cart.cpu_peek(addr).unwrap_or(self.open_bus),
        }
    }

    /// A controller port read. The port's output enable stays asserted
    /// through reads on consecutive cycles (a CPU halted by DMA repeats its
    /// read), and the shift register is clocked once per such run: the
    /// famous single lost bit when DMC DMA hits a $4016 read.
    #[inline]
    fn read_port(&mut self, port: usize) -> u8 {
        self.latch_strobe();
        let consecutive = self.port_read_cycle[port].wrapping_add(1) == self.cycle;
        self.port_read_cycle[port] = self.cycle;
        if consecutive { self.pads[port].peek() } else { self.pads[port].read() }
    }

    /// The pads take a $4016 write once its put cycle has come.
    #[inline]
    fn latch_strobe(&mut self) {
        if self.cycle >= self.strobe_at {
            self.strobe_at = u64::MAX;
            for pad in &mut self.pads {
                pad.write_strobe(self.strobe_out);
            }
        }
    }

    /// DMA reads only on get cycles, which alternate with put cycles. Which
    /// parity is "get" is fixed by where power-on leaves the CPU: odd numbers
    /// here, as the APU's $4017 write delay also counts them.
    fn next_is_get_cycle(&self) -> bool {
        (self.cycle + 1) & 1 == 1
    }
}

impl Bus {
    /// One CPU access seen by the debugger (counters, code/data log, the
    /// trace's effective address).
    #[cold]
    #[inline(never)]
    fn debug_access(&mut self, addr: u16, value: u8, access: Access) {
        let prg = self.cart.prg_rom_offset(addr);
        let frame = self.ppu.frame_count();
        if let Some(debug) = self.debug.as_deref_mut() {
            debug.on_access(AccessInfo { addr, value, access, prg }, frame);
        }
    }

    /// A DMA read seen by the debugger (OAM DMA's source bytes, DMC samples).
    #[cold]
    #[inline(never)]
    fn debug_dma(&mut self, addr: u16, value: u8, dmc: bool) {
        let Some(mut debug) = self.debug.take() else { return };
        let info = AccessInfo { addr, value, access: Access::Read, prg: self.cart.prg_rom_offset(addr) };
        debug.on_access(info, self.ppu.frame_count());
        let ctx = crate::debug::Ctx::dma(debug.cpu_view, self, info);
        debug.on_dma(info, &ctx, dmc);
        self.debug = Some(debug);
    }
}

impl CpuBus for Bus {
    #[inline(always)]
    fn read(&mut self, addr: u16, access: Access) -> u8 {
        let value = self.cycle_read(addr);
        if self.hooks {
            self.debug_access(addr, value, access);
        }
        value
    }

    #[inline]
    fn write(&mut self, addr: u16, value: u8, access: Access) {
        self.cycle_write(addr, value);
        if self.hooks {
            self.debug_access(addr, value, access);
        }
    }

    #[inline]
    fn nmi_line(&self) -> bool {
        self.ppu.nmi_line()
    }

    #[inline(always)]
    fn irq_line(&self) -> bool {
        self.apu.irq() || self.cart.irq()
    }

    #[inline]
    fn dma_pending(&self) -> bool {
        // Checked before every read: one branch on the three flags.
        self.dma.oam_active | self.dma.dmc_active | self.apu.dmc_wants_dma()
    }

    /// One DMA cycle (nesdev wiki: "DMA"). The first is the halt cycle (the
    /// CPU's read, repeated). OAM DMA then reads on get cycles and writes
    /// $2004 on put cycles, after an alignment cycle if needed: 513 or 514
    /// cycles. The DMC's read needs the halt and one dummy cycle behind it
    /// and a get cycle: 3 or 4 cycles alone, 2 (or 1, or 3) stolen from an
    /// OAM DMA it lands in.
    fn dma_cycle(&mut self, addr: u16) -> bool {
        if !self.dma.dmc_active && self.apu.dmc_dma_address().is_some() {
            self.dma.dmc_active = true;
            self.dma.dmc_need_halt = true;
            self.dma.dmc_need_dummy = true;
        }
        if !self.dma.oam_active && !self.dma.dmc_active {
            self.dma.halted = false;
            return false;
        }
        if !self.dma.halted {
            self.dma.halted = true;
            self.dma.dmc_need_halt = false;
            self.cycle_read(addr);
            return true;
        }
        let get = self.next_is_get_cycle();
        if get && self.dma.dmc_ready() {
            let dmc_addr = self.apu.dmc_dma_address().unwrap_or(addr);
            let value = self.cycle_read(dmc_addr);
            if self.hooks {
                self.debug_dma(dmc_addr, value, true);
            }
            self.apu.dmc_dma_done(value);
            self.dma.dmc_active = false;
            return true;
        }
        self.dma.count_dmc_wait();
        if get && self.dma.oam_active {
            let index = (self.dma.oam_count / 2) as u8;
            let source = u16::from_le_bytes([index, self.dma.oam_page]);
            self.dma.oam_value = self.cycle_read(source);
            if self.hooks {
                self.debug_dma(source, self.dma.oam_value, false);
            }
            self.dma.oam_count += 1;
        } else if !get && self.dma.oam_active && self.dma.oam_count & 1 == 1 {
            self.begin_cycle(self.clock.write_setup);
            self.sync_ppu();
            self.ppu.dma_write_oam(self.dma.oam_value, &mut self.cart);
            self.end_cycle(self.clock.write_setup);
            self.dma.oam_count += 1;
            if self.dma.oam_count == 512 {
                self.dma.oam_active = false;
            }
        } else {
            // Halted, aligning or waiting: the CPU's read is repeated.
            self.cycle_read(addr);
        }
        true
    }
}

crate::state::persist_fields!(Dma { halted, oam_active, oam_page, oam_count, oam_value, dmc_active, dmc_need_halt, dmc_need_dummy });
// The clock constants, timing and hook flags come from the cartridge and region.
crate::state::persist_fields_as!(Bus, persist_fields {
    ram, open_bus, master_clock, ppu_clock, cycle, dma, port_read_cycle, ppu_deadline, ppu, apu, cart, pads,
    // After the rest, so that a version 1 body takes them by appending (`state::file`).
    strobe_out, strobe_at,
});

/// The fields, then what later formats appended: the PPU's pending OAM
/// row corruption and read-buffer fill (format 3).
impl crate::state::Persist for Bus {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        self.persist_fields(s);
        self.ppu.persist_tail(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::button;
    use crate::mapper::test_util::numbered_rom;

    /// A bus whose pads hold A, with their shift registers emptied by a
    /// strobe with nothing held and eight reads (1s from then on, bit 0 of
    /// the next read 1 only if a later strobe reached the pads).
    fn bus() -> Bus {
        let mut bus = Bus::new(numbered_rom(0, 1, 0, 0));
        bus.cycle_write(0x4016, 1);
        bus.cycle_read(0);
        bus.cycle_write(0x4016, 0);
        bus.cycle_read(0);
        for _ in 0..8 {
            assert_eq!(bus.cycle_read(0x4016) & 1, 0, "nothing held");
            bus.cycle_read(0);
        }
        bus.pads[0].buttons = button::START;
        bus
    }

    /// The pads take $4016 on the put cycle after the write: a strobe
    /// written on a put cycle and lowered on the next (get) cycle, as a
    /// read-modify-write's two writes can do, never reaches them; one
    /// written on a get cycle does.
    #[test]
    fn the_strobe_reaches_the_pads_at_the_next_put_cycle() {
        let mut missed = bus();
        if missed.next_is_get_cycle() {
            missed.cycle_read(0);
        }
        missed.cycle_write(0x4016, 1); // a put cycle
        missed.cycle_write(0x4016, 0); // the get cycle after it
        missed.cycle_read(0);
        assert_eq!(missed.cycle_read(0x4016) & 1, 1, "still the 1s after eight reads: no reload");

        let mut latched = bus();
        if !latched.next_is_get_cycle() {
            latched.cycle_read(0);
        }
        latched.cycle_write(0x4016, 1); // a get cycle: taken on the next
        latched.cycle_write(0x4016, 0);
        latched.cycle_read(0);
        let mut bits = Vec::new();
        for _ in 0..4 {
            bits.push(latched.cycle_read(0x4016) & 1);
            latched.cycle_read(0); // reads on consecutive cycles shift once
        }
        assert_eq!(bits, [0, 0, 0, 1], "reloaded: A, B, Select clear, Start held");
    }

    /// A read on the cycle right after a strobe write still sees the old
    /// strobe when the write was on a put cycle (taken two cycles later).
    #[test]
    fn a_read_before_the_put_cycle_sees_the_old_strobe() {
        let mut bus = bus();
        if bus.next_is_get_cycle() {
            bus.cycle_read(0);
        }
        bus.cycle_write(0x4016, 1); // put: the pads take it two cycles on
        assert_eq!(bus.cycle_read(0x4016) & 1, 1, "not strobed yet: the shift register's 1s");
        assert_eq!(bus.cycle_read(0x4016) & 1, 0, "strobed: A, not held");
        bus.pads[0].buttons = button::A;
        bus.cycle_read(0);
        assert_eq!(bus.cycle_read(0x4016) & 1, 1, "strobe high follows the buttons");
        bus.cycle_read(0);
        assert_eq!(bus.cycle_read(0x4016) & 1, 1, "and reading does not shift");
    }
}
