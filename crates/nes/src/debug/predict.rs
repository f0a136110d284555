//! Predicting an instruction's accesses before it runs (Mesen2's
//! "predictive breakpoints"): a copy of the CPU runs the instruction
//! against a bus that only peeks and writes nothing, and every access it
//! makes is noted with its kind and value. The real instruction then makes
//! the same accesses, unless DMA cuts in or an interrupt line changes
//! mid-instruction (those are seen as they happen instead).

use crate::bus::Bus;
use crate::cpu::{Access, Cpu, CpuBus};

/// Most accesses one step makes: an instruction (7 for the longest
/// read-modify-write) and the 7-cycle interrupt sequence after it.
pub(crate) const MAX_ACCESSES: usize = 16;

pub(crate) struct PredictBus<'a> {
    bus: &'a Bus,
    pub accesses: [(u16, u8, Access); MAX_ACCESSES],
    pub count: usize,
    /// Bytes the instruction wrote, read back by later cycles of the same
    /// step (an interrupt's pushes, then its vector reads cannot overlap,
    /// but a read-modify-write reads what it wrote).
    written: [(u16, u8); 4],
    written_count: usize,
}

impl<'a> PredictBus<'a> {
    pub fn new(bus: &'a Bus) -> Self {
        PredictBus { bus, accesses: [(0, 0, Access::Read); MAX_ACCESSES], count: 0, written: [(0, 0); 4], written_count: 0 }
    }

    fn note(&mut self, addr: u16, value: u8, access: Access) {
        if self.count < MAX_ACCESSES {
            self.accesses[self.count] = (addr, value, access);
            self.count += 1;
        }
    }

    /// The accesses of the next step of `cpu`, which is left unchanged.
    pub fn run(mut self, cpu: &Cpu) -> Self {
        let mut copy = cpu.clone();
        copy.step(&mut self);
        self
    }
}

impl CpuBus for PredictBus<'_> {
    fn read(&mut self, addr: u16, access: Access) -> u8 {
        let written = self.written[..self.written_count].iter().rev().find(|w| w.0 == addr).map(|w| w.1);
        let value = written.unwrap_or_else(|| self.bus.peek(addr));
        self.note(addr, value, access);
        value
    }

    fn write(&mut self, addr: u16, value: u8, access: Access) {
        self.note(addr, value, access);
        if self.written_count < self.written.len() {
            self.written[self.written_count] = (addr, value);
            self.written_count += 1;
        }
    }

    fn nmi_line(&self) -> bool {
        self.bus.nmi_line()
    }

    fn irq_line(&self) -> bool {
        self.bus.irq_line()
    }
}
