//! Addressing modes: each computes an effective address with exactly the bus
//! cycles the 6502 spends on it, dummy reads included (nesdev wiki:
//! "CPU addressing modes"; cycle tables in "6502_cpu.txt").
//!
//! Indexed modes come in two flavours: `Read` instructions only pay the extra
//! cycle (a read of the address before the high byte is fixed) on a page
//! crossing; `Write` and read-modify-write instructions always make it.

use super::{Access, Cpu, CpuBus};

/// Whether the instruction using the mode only reads its operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    Read,
    /// Write or read-modify-write: the fix-up read always happens.
    Write,
}

impl Cpu {
    /// Immediate: the operand is the next byte; its address is returned.
    #[inline]
    pub(crate) fn am_immediate(&mut self) -> u16 {
        let addr = self.pc;
        self.pc = self.pc.wrapping_add(1);
        addr
    }

    #[inline]
    pub(crate) fn am_zero_page(&mut self, bus: &mut impl CpuBus) -> u16 {
        u16::from(self.fetch_operand(bus))
    }

    /// zp,X and zp,Y: the base is read while the index is added; wraps in page 0.
    #[inline]
    pub(crate) fn am_zero_page_indexed(&mut self, bus: &mut impl CpuBus, index: u8) -> u16 {
        let base = self.fetch_operand(bus);
        self.dummy_read(bus, u16::from(base)); // read of the unindexed address
        u16::from(base.wrapping_add(index))
    }

    #[inline]
    pub(crate) fn am_absolute(&mut self, bus: &mut impl CpuBus) -> u16 {
        self.fetch_operand_word(bus)
    }

    /// abs,X and abs,Y.
    #[inline]
    pub(crate) fn am_absolute_indexed(&mut self, bus: &mut impl CpuBus, index: u8, intent: Intent) -> u16 {
        let base = self.fetch_operand_word(bus);
        self.index_with_fixup(bus, base, index, intent)
    }

    /// (zp,X): pointer read from page 0 after adding X.
    #[inline]
    pub(crate) fn am_indexed_indirect(&mut self, bus: &mut impl CpuBus) -> u16 {
        let base = self.fetch_operand(bus);
        self.dummy_read(bus, u16::from(base)); // read of the pointer before X is added
        let ptr = base.wrapping_add(self.x);
        let lo = self.read(bus, u16::from(ptr), Access::Read);
        let hi = self.read(bus, u16::from(ptr.wrapping_add(1)), Access::Read);
        u16::from_le_bytes([lo, hi])
    }

    /// (zp),Y: pointer read from page 0, then Y added.
    #[inline]
    pub(crate) fn am_indirect_indexed(&mut self, bus: &mut impl CpuBus, intent: Intent) -> u16 {
        let base = self.indirect_indexed_base(bus);
        self.index_with_fixup(bus, base, self.y, intent)
    }

    /// The pointer that (zp),Y reads, before Y is added.
    #[inline]
    pub(crate) fn indirect_indexed_base(&mut self, bus: &mut impl CpuBus) -> u16 {
        let ptr = self.fetch_operand(bus);
        let lo = self.read(bus, u16::from(ptr), Access::Read);
        let hi = self.read(bus, u16::from(ptr.wrapping_add(1)), Access::Read);
        u16::from_le_bytes([lo, hi])
    }

    /// Adds an index to a 16-bit base the way the 6502 does: the low byte first,
    /// a read at (old high, new low), then the high byte fixed if it carried.
    #[inline]
    pub(crate) fn index_with_fixup(&mut self, bus: &mut impl CpuBus, base: u16, index: u8, intent: Intent) -> u16 {
        let addr = base.wrapping_add(u16::from(index));
        let crossed = (base ^ addr) & 0xFF00 != 0;
        if crossed || intent == Intent::Write {
            // Read of the partially computed address (high byte not yet fixed).
            self.dummy_read(bus, (base & 0xFF00) | (addr & 0x00FF));
        }
        addr
    }
}
