//! The 2A03's 6502 core (nesdev wiki: "CPU", "CPU interrupts", "6502 cycle times").
//!
//! Every cycle is exactly one bus access: [`CpuBus::read`] or [`CpuBus::write`]
//! advance the whole console by one CPU cycle, so counting bus calls counts
//! cycles, and dummy reads and writes (named calls with their reason) are where
//! open bus, $2002 and $2007 quirks come from. Interrupt lines are sampled at
//! the end of every cycle; the decision to take one is made from the sample of
//! the second-to-last cycle of an instruction.

mod addressing;
pub mod disasm;
mod ops;

/// Why the CPU touched the bus. The console ignores it; tracers and tests use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Opcode,
    Operand,
    Read,
    Write,
    /// A read whose value is thrown away (the 6502 reads on every cycle).
    DummyRead,
    /// The unmodified value a read-modify-write instruction writes back first.
    DummyWrite,
    StackRead,
    StackWrite,
    Vector,
}

/// What the CPU needs from the console: one call is one cycle.
pub trait CpuBus {
    /// One read cycle.
    fn read(&mut self, addr: u16, access: Access) -> u8;
    /// One write cycle.
    fn write(&mut self, addr: u16, value: u8, access: Access);
    /// The NMI input after the cycle that just ended (true = asserted).
    fn nmi_line(&self) -> bool;
    /// The IRQ input after the cycle that just ended (true = asserted).
    fn irq_line(&self) -> bool;
    /// True when a DMA unit wants to halt the CPU on its next read.
    fn dma_pending(&self) -> bool {
        false
    }
    /// Runs one DMA cycle in place of the CPU's read of `addr`; false when done.
    fn dma_cycle(&mut self, _addr: u16) -> bool {
        false
    }
}

/// Status register bits (nesdev wiki: "Status flags").
pub mod flag {
    pub const C: u8 = 0x01;
    pub const Z: u8 = 0x02;
    pub const I: u8 = 0x04;
    pub const D: u8 = 0x08;
    /// Only exists in the copy of P pushed by BRK and PHP.
    pub const B: u8 = 0x10;
    /// Always reads as 1.
    pub const U: u8 = 0x20;
    pub const V: u8 = 0x40;
    pub const N: u8 = 0x80;
}

pub const NMI_VECTOR: u16 = 0xFFFA;
pub const RESET_VECTOR: u16 = 0xFFFC;
pub const IRQ_VECTOR: u16 = 0xFFFE;

/// The CPU's registers and interrupt latches: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpu {
    pub a: u8,
    pub x: u8,
    pub y: u8,
    /// Stack pointer (the stack lives at $0100-$01FF).
    pub s: u8,
    /// Status flags; bit 5 is kept set and B is never stored.
    pub p: u8,
    pub pc: u16,
    /// Cycles since power-on (every bus access, DMA included).
    pub cycles: u64,
    /// A JAM/KIL opcode stopped the CPU; only reset or power cycle restart it.
    pub jammed: bool,
    /// NMI input level at the end of the last cycle (for edge detection).
    nmi_line_prev: bool,
    /// An NMI edge was detected and the NMI is pending.
    need_nmi: bool,
    /// `need_nmi` as it was one cycle earlier.
    prev_need_nmi: bool,
    /// IRQ asserted and not masked at the end of the last cycle.
    run_irq: bool,
    /// `run_irq` as it was one cycle earlier.
    prev_run_irq: bool,
    /// Interrupt sequences (NMI, IRQ) run since power-on, and the vector
    /// the last one took: for the debugger's call stack and steps, not
    /// part of a save state.
    pub(crate) interrupts: u64,
    pub(crate) last_vector: u16,
}

impl Default for Cpu {
    fn default() -> Self {
        Self::new()
    }
}

impl Cpu {
    /// The CPU as it is when power is applied, before the reset sequence.
    pub fn new() -> Self {
        Cpu {
            a: 0,
            x: 0,
            y: 0,
            s: 0,
            // "P = $34" at power: I set (B does not exist in the register).
            p: flag::U | flag::I,
            pc: 0,
            cycles: 0,
            jammed: false,
            nmi_line_prev: false,
            need_nmi: false,
            prev_need_nmi: false,
            run_irq: false,
            prev_run_irq: false,
            interrupts: 0,
            last_vector: 0,
        }
    }

    /// Power-on: registers cleared, then the 7-cycle reset sequence.
    pub fn power_on(&mut self, bus: &mut impl CpuBus) {
        *self = Cpu::new();
        self.reset(bus);
    }

    /// The reset sequence: an interrupt whose stack writes are turned into
    /// reads, so S drops by 3 and memory is untouched (nesdev: "CPU power up state").
    pub fn reset(&mut self, bus: &mut impl CpuBus) {
        self.jammed = false;
        self.need_nmi = false;
        self.prev_need_nmi = false;
        self.dummy_read(bus, self.pc); // opcode fetch, discarded
        self.dummy_read(bus, self.pc); // second fetch, discarded
        for _ in 0..3 {
            // Writes suppressed during reset: the bus sees reads of the stack.
            self.read(bus, 0x0100 | u16::from(self.s), Access::StackRead);
            self.s = self.s.wrapping_sub(1);
        }
        self.p |= flag::I;
        self.pc = self.read_vector(bus, RESET_VECTOR);
    }

    /// Runs one instruction (or one cycle of being jammed), then services a
    /// pending interrupt if one was latched before the instruction's last cycle.
    #[inline]
    pub fn step(&mut self, bus: &mut impl CpuBus) {
        if self.jammed {
            // The bus keeps running; the address lines show $FFFF.
            self.dummy_read(bus, 0xFFFF);
            return;
        }
        let opcode = self.read(bus, self.pc, Access::Opcode);
        self.pc = self.pc.wrapping_add(1);
        self.execute(bus, opcode);
        if self.prev_run_irq || self.prev_need_nmi {
            self.interrupt(bus);
        }
    }

    /// IRQ/NMI sequence, 7 cycles. An NMI detected before the status byte is
    /// pushed takes over the vector ("interrupt hijacking").
    fn interrupt(&mut self, bus: &mut impl CpuBus) {
        self.dummy_read(bus, self.pc); // the fetched opcode is thrown away
        self.dummy_read(bus, self.pc); // and so is the operand fetch
        self.push(bus, (self.pc >> 8) as u8);
        self.push(bus, self.pc as u8);
        let vector = self.take_vector(IRQ_VECTOR);
        self.push(bus, self.p | flag::U);
        self.p |= flag::I;
        self.pc = self.read_vector(bus, vector);
        self.ignore_interrupts_after_sequence();
        self.interrupts += 1;
        self.last_vector = vector;
    }

    /// NMI wins over the requested vector if its edge has been seen.
    fn take_vector(&mut self, requested: u16) -> u16 {
        if self.need_nmi {
            self.need_nmi = false;
            NMI_VECTOR
        } else {
            requested
        }
    }

    /// The interrupt sequence does not poll during its vector fetch: the
    /// handler's first instruction always runs before another interrupt.
    fn ignore_interrupts_after_sequence(&mut self) {
        self.prev_need_nmi = false;
        self.prev_run_irq = false;
    }

    /// End-of-cycle interrupt sampling (nesdev "CPU interrupts"): "The NMI input
    /// is connected to an edge detector. This edge detector polls the status of
    /// the NMI line during φ2 of each CPU cycle"; the IRQ level is latched the
    /// same way, and an instruction acts on the values from its second-to-last cycle.
    #[inline(always)]
    fn end_cycle(&mut self, bus: &impl CpuBus) {
        self.cycles += 1;
        self.prev_need_nmi = self.need_nmi;
        let nmi = bus.nmi_line();
        if nmi && !self.nmi_line_prev {
            self.need_nmi = true;
        }
        self.nmi_line_prev = nmi;
        self.prev_run_irq = self.run_irq;
        self.run_irq = bus.irq_line() && self.p & flag::I == 0;
    }

    /// DMA halts the CPU only on a read cycle, repeating that read.
    #[cold]
    #[inline(never)]
    fn run_dma(&mut self, bus: &mut impl CpuBus, addr: u16) {
        while bus.dma_cycle(addr) {
            self.end_cycle(bus);
        }
    }

    #[inline(always)]
    fn read(&mut self, bus: &mut impl CpuBus, addr: u16, access: Access) -> u8 {
        if bus.dma_pending() {
            self.run_dma(bus, addr);
        }
        let value = bus.read(addr, access);
        self.end_cycle(bus);
        value
    }

    #[inline]
    fn dummy_read(&mut self, bus: &mut impl CpuBus, addr: u16) {
        self.read(bus, addr, Access::DummyRead);
    }

    #[inline]
    fn write(&mut self, bus: &mut impl CpuBus, addr: u16, value: u8, access: Access) {
        bus.write(addr, value, access);
        self.end_cycle(bus);
    }

    #[inline]
    fn fetch_operand(&mut self, bus: &mut impl CpuBus) -> u8 {
        let v = self.read(bus, self.pc, Access::Operand);
        self.pc = self.pc.wrapping_add(1);
        v
    }

    #[inline]
    fn fetch_operand_word(&mut self, bus: &mut impl CpuBus) -> u16 {
        let lo = self.fetch_operand(bus);
        let hi = self.fetch_operand(bus);
        u16::from_le_bytes([lo, hi])
    }

    fn read_vector(&mut self, bus: &mut impl CpuBus, vector: u16) -> u16 {
        let lo = self.read(bus, vector, Access::Vector);
        let hi = self.read(bus, vector + 1, Access::Vector);
        u16::from_le_bytes([lo, hi])
    }

    #[inline]
    fn push(&mut self, bus: &mut impl CpuBus, value: u8) {
        self.write(bus, 0x0100 | u16::from(self.s), value, Access::StackWrite);
        self.s = self.s.wrapping_sub(1);
    }

    #[inline]
    fn pull(&mut self, bus: &mut impl CpuBus) -> u8 {
        self.s = self.s.wrapping_add(1);
        self.read(bus, 0x0100 | u16::from(self.s), Access::StackRead)
    }

    /// The stack read a pull instruction makes before incrementing S.
    #[inline]
    fn dummy_stack_read(&mut self, bus: &mut impl CpuBus) {
        self.read(bus, 0x0100 | u16::from(self.s), Access::DummyRead);
    }

    #[inline]
    fn set_zn(&mut self, value: u8) {
        self.p = (self.p & !(flag::Z | flag::N)) | (value & flag::N) | if value == 0 { flag::Z } else { 0 };
    }

    #[inline]
    fn set_flag(&mut self, mask: u8, on: bool) {
        if on {
            self.p |= mask;
        } else {
            self.p &= !mask;
        }
    }

    #[inline]
    fn carry(&self) -> u8 {
        self.p & flag::C
    }
}

crate::state::persist_fields!(Cpu { a, x, y, s, p, pc, cycles, jammed, nmi_line_prev, need_nmi, prev_need_nmi, run_irq, prev_run_irq });

#[cfg(test)]
mod tests;
