//! The opcode table and the ALU (nesdev wiki: "CPU unofficial opcodes",
//! "Programming with unofficial opcodes"; NMOS 6510 Unintended Opcodes for the
//! unstable ones). An instruction is an access shape (read, write,
//! read-modify-write, implied) applied to an addressing mode and an operation.

use super::addressing::Intent::{Read, Write};
use super::{flag, Access, Cpu, CpuBus, IRQ_VECTOR};

/// The "magic" constant of the unstable ANE: chip-dependent; $EE is the value
/// most often documented for NES CPUs.
const ANE_MAGIC: u8 = 0xEE;
/// LXA's magic constant: on the 2A03 it behaves as $FF (A = X = operand),
/// which is what blargg's instr_test expects of opcode $AB.
const LXA_MAGIC: u8 = 0xFF;

impl Cpu {
    #[allow(clippy::too_many_lines)]
    pub(crate) fn execute(&mut self, bus: &mut impl CpuBus, opcode: u8) {
        // Effective address of each mode, for an instruction of the given intent.
        macro_rules! ea {
            (imm, $i:expr) => { self.am_immediate() };
            (zp, $i:expr) => { self.am_zero_page(bus) };
            (zpx, $i:expr) => { self.am_zero_page_indexed(bus, self.x) };
            (zpy, $i:expr) => { self.am_zero_page_indexed(bus, self.y) };
            (abs, $i:expr) => { self.am_absolute(bus) };
            (abx, $i:expr) => { self.am_absolute_indexed(bus, self.x, $i) };
            (aby, $i:expr) => { self.am_absolute_indexed(bus, self.y, $i) };
            (izx, $i:expr) => { self.am_indexed_indirect(bus) };
            (izy, $i:expr) => { self.am_indirect_indexed(bus, $i) };
        }
        // Read instructions: operand read, then the operation.
        macro_rules! rd {
            ($m:ident, $op:ident) => {{
                let addr = ea!($m, Read);
                let value = self.read(bus, addr, Access::Read);
                self.$op(value);
            }};
        }
        // Write instructions: the value is computed after the address.
        macro_rules! wr {
            ($m:ident, $value:expr) => {{
                let addr = ea!($m, Write);
                let value = $value;
                self.write(bus, addr, value, Access::Write);
            }};
        }
        // Read-modify-write: read, write the old value back, write the new one.
        macro_rules! rmw {
            ($m:ident, $op:ident) => {{
                let addr = ea!($m, Write);
                let value = self.read(bus, addr, Access::Read);
                self.write(bus, addr, value, Access::DummyWrite);
                let result = self.$op(value);
                self.write(bus, addr, result, Access::Write);
            }};
        }
        // Implied and accumulator: 2 cycles, the second reads the next byte.
        macro_rules! imp {
            () => {
                self.dummy_read(bus, self.pc)
            };
            ($body:expr) => {{
                self.dummy_read(bus, self.pc);
                $body;
            }};
        }

        match opcode {
            0x00 => self.brk(bus),
            0x01 => rd!(izx, ora),
            0x03 => rmw!(izx, slo),
            0x04 => rd!(zp, nop_read),
            0x05 => rd!(zp, ora),
            0x06 => rmw!(zp, asl),
            0x07 => rmw!(zp, slo),
            0x08 => imp!(self.push(bus, self.p | flag::B | flag::U)),
            0x09 => rd!(imm, ora),
            0x0A => imp!(self.a = self.asl(self.a)),
            0x0B => rd!(imm, anc),
            0x0C => rd!(abs, nop_read),
            0x0D => rd!(abs, ora),
            0x0E => rmw!(abs, asl),
            0x0F => rmw!(abs, slo),
            0x10 => self.branch(bus, self.p & flag::N == 0),
            0x11 => rd!(izy, ora),
            0x13 => rmw!(izy, slo),
            0x14 => rd!(zpx, nop_read),
            0x15 => rd!(zpx, ora),
            0x16 => rmw!(zpx, asl),
            0x17 => rmw!(zpx, slo),
            0x18 => imp!(self.p &= !flag::C),
            0x19 => rd!(aby, ora),
            0x1A => imp!(),
            0x1B => rmw!(aby, slo),
            0x1C => rd!(abx, nop_read),
            0x1D => rd!(abx, ora),
            0x1E => rmw!(abx, asl),
            0x1F => rmw!(abx, slo),
            0x20 => self.jsr(bus),
            0x21 => rd!(izx, and),
            0x23 => rmw!(izx, rla),
            0x24 => rd!(zp, bit),
            0x25 => rd!(zp, and),
            0x26 => rmw!(zp, rol),
            0x27 => rmw!(zp, rla),
            0x28 => self.plp(bus),
            0x29 => rd!(imm, and),
            0x2A => imp!(self.a = self.rol(self.a)),
            0x2B => rd!(imm, anc),
            0x2C => rd!(abs, bit),
            0x2D => rd!(abs, and),
            0x2E => rmw!(abs, rol),
            0x2F => rmw!(abs, rla),
            0x30 => self.branch(bus, self.p & flag::N != 0),
            0x31 => rd!(izy, and),
            0x33 => rmw!(izy, rla),
            0x34 => rd!(zpx, nop_read),
            0x35 => rd!(zpx, and),
            0x36 => rmw!(zpx, rol),
            0x37 => rmw!(zpx, rla),
            0x38 => imp!(self.p |= flag::C),
            0x39 => rd!(aby, and),
            0x3A => imp!(),
            0x3B => rmw!(aby, rla),
            0x3C => rd!(abx, nop_read),
            0x3D => rd!(abx, and),
            0x3E => rmw!(abx, rol),
            0x3F => rmw!(abx, rla),
            0x40 => self.rti(bus),
            0x41 => rd!(izx, eor),
            0x43 => rmw!(izx, sre),
            0x44 => rd!(zp, nop_read),
            0x45 => rd!(zp, eor),
            0x46 => rmw!(zp, lsr),
            0x47 => rmw!(zp, sre),
            0x48 => imp!(self.push(bus, self.a)),
            0x49 => rd!(imm, eor),
            0x4A => imp!(self.a = self.lsr(self.a)),
            0x4B => rd!(imm, alr),
            0x4C => self.pc = self.am_absolute(bus),
            0x4D => rd!(abs, eor),
            0x4E => rmw!(abs, lsr),
            0x4F => rmw!(abs, sre),
            0x50 => self.branch(bus, self.p & flag::V == 0),
            0x51 => rd!(izy, eor),
            0x53 => rmw!(izy, sre),
            0x54 => rd!(zpx, nop_read),
            0x55 => rd!(zpx, eor),
            0x56 => rmw!(zpx, lsr),
            0x57 => rmw!(zpx, sre),
            0x58 => imp!(self.p &= !flag::I),
            0x59 => rd!(aby, eor),
            0x5A => imp!(),
            0x5B => rmw!(aby, sre),
            0x5C => rd!(abx, nop_read),
            0x5D => rd!(abx, eor),
            0x5E => rmw!(abx, lsr),
            0x5F => rmw!(abx, sre),
            0x60 => self.rts(bus),
            0x61 => rd!(izx, adc),
            0x63 => rmw!(izx, rra),
            0x64 => rd!(zp, nop_read),
            0x65 => rd!(zp, adc),
            0x66 => rmw!(zp, ror),
            0x67 => rmw!(zp, rra),
            0x68 => self.pla(bus),
            0x69 => rd!(imm, adc),
            0x6A => imp!(self.a = self.ror(self.a)),
            0x6B => rd!(imm, arr),
            0x6C => self.jmp_indirect(bus),
            0x6D => rd!(abs, adc),
            0x6E => rmw!(abs, ror),
            0x6F => rmw!(abs, rra),
            0x70 => self.branch(bus, self.p & flag::V != 0),
            0x71 => rd!(izy, adc),
            0x73 => rmw!(izy, rra),
            0x74 => rd!(zpx, nop_read),
            0x75 => rd!(zpx, adc),
            0x76 => rmw!(zpx, ror),
            0x77 => rmw!(zpx, rra),
            0x78 => imp!(self.p |= flag::I),
            0x79 => rd!(aby, adc),
            0x7A => imp!(),
            0x7B => rmw!(aby, rra),
            0x7C => rd!(abx, nop_read),
            0x7D => rd!(abx, adc),
            0x7E => rmw!(abx, ror),
            0x7F => rmw!(abx, rra),
            0x80 | 0x82 | 0x89 | 0xC2 | 0xE2 => rd!(imm, nop_read),
            0x81 => wr!(izx, self.a),
            0x83 => wr!(izx, self.a & self.x),
            0x84 => wr!(zp, self.y),
            0x85 => wr!(zp, self.a),
            0x86 => wr!(zp, self.x),
            0x87 => wr!(zp, self.a & self.x),
            0x88 => imp!({
                self.y = self.y.wrapping_sub(1);
                self.set_zn(self.y)
            }),
            0x8A => imp!(self.transfer_to_a(self.x)),
            0x8B => rd!(imm, ane),
            0x8C => wr!(abs, self.y),
            0x8D => wr!(abs, self.a),
            0x8E => wr!(abs, self.x),
            0x8F => wr!(abs, self.a & self.x),
            0x90 => self.branch(bus, self.p & flag::C == 0),
            0x91 => wr!(izy, self.a),
            0x93 => {
                let base = self.indirect_indexed_base(bus);
                self.store_high_and(bus, base, self.y, self.a & self.x);
            }
            0x94 => wr!(zpx, self.y),
            0x95 => wr!(zpx, self.a),
            0x96 => wr!(zpy, self.x),
            0x97 => wr!(zpy, self.a & self.x),
            0x98 => imp!(self.transfer_to_a(self.y)),
            0x99 => wr!(aby, self.a),
            0x9A => imp!(self.s = self.x),
            0x9B => {
                // TAS: S = A & X, then stored like SHA.
                self.s = self.a & self.x;
                let base = self.am_absolute(bus);
                self.store_high_and(bus, base, self.y, self.s);
            }
            0x9C => {
                let base = self.am_absolute(bus);
                self.store_high_and(bus, base, self.x, self.y);
            }
            0x9D => wr!(abx, self.a),
            0x9E => {
                let base = self.am_absolute(bus);
                self.store_high_and(bus, base, self.y, self.x);
            }
            0x9F => {
                let base = self.am_absolute(bus);
                self.store_high_and(bus, base, self.y, self.a & self.x);
            }
            0xA0 => rd!(imm, ldy),
            0xA1 => rd!(izx, lda),
            0xA2 => rd!(imm, ldx),
            0xA3 => rd!(izx, lax),
            0xA4 => rd!(zp, ldy),
            0xA5 => rd!(zp, lda),
            0xA6 => rd!(zp, ldx),
            0xA7 => rd!(zp, lax),
            0xA8 => imp!(self.ldy(self.a)),
            0xA9 => rd!(imm, lda),
            0xAA => imp!(self.ldx(self.a)),
            0xAB => rd!(imm, lxa),
            0xAC => rd!(abs, ldy),
            0xAD => rd!(abs, lda),
            0xAE => rd!(abs, ldx),
            0xAF => rd!(abs, lax),
            0xB0 => self.branch(bus, self.p & flag::C != 0),
            0xB1 => rd!(izy, lda),
            0xB3 => rd!(izy, lax),
            0xB4 => rd!(zpx, ldy),
            0xB5 => rd!(zpx, lda),
            0xB6 => rd!(zpy, ldx),
            0xB7 => rd!(zpy, lax),
            0xB8 => imp!(self.p &= !flag::V),
            0xB9 => rd!(aby, lda),
            0xBA => imp!(self.ldx(self.s)),
            0xBB => rd!(aby, las),
            0xBC => rd!(abx, ldy),
            0xBD => rd!(abx, lda),
            0xBE => rd!(aby, ldx),
            0xBF => rd!(aby, lax),
            0xC0 => rd!(imm, cpy),
            0xC1 => rd!(izx, cmp),
            0xC3 => rmw!(izx, dcp),
            0xC4 => rd!(zp, cpy),
            0xC5 => rd!(zp, cmp),
            0xC6 => rmw!(zp, dec),
            0xC7 => rmw!(zp, dcp),
            0xC8 => imp!({
                self.y = self.y.wrapping_add(1);
                self.set_zn(self.y)
            }),
            0xC9 => rd!(imm, cmp),
            0xCA => imp!({
                self.x = self.x.wrapping_sub(1);
                self.set_zn(self.x)
            }),
            0xCB => rd!(imm, axs),
            0xCC => rd!(abs, cpy),
            0xCD => rd!(abs, cmp),
            0xCE => rmw!(abs, dec),
            0xCF => rmw!(abs, dcp),
            0xD0 => self.branch(bus, self.p & flag::Z == 0),
            0xD1 => rd!(izy, cmp),
            0xD3 => rmw!(izy, dcp),
            0xD4 => rd!(zpx, nop_read),
            0xD5 => rd!(zpx, cmp),
            0xD6 => rmw!(zpx, dec),
            0xD7 => rmw!(zpx, dcp),
            0xD8 => imp!(self.p &= !flag::D),
            0xD9 => rd!(aby, cmp),
            0xDA => imp!(),
            0xDB => rmw!(aby, dcp),
            0xDC => rd!(abx, nop_read),
            0xDD => rd!(abx, cmp),
            0xDE => rmw!(abx, dec),
            0xDF => rmw!(abx, dcp),
            0xE0 => rd!(imm, cpx),
            0xE1 => rd!(izx, sbc),
            0xE3 => rmw!(izx, isc),
            0xE4 => rd!(zp, cpx),
            0xE5 => rd!(zp, sbc),
            0xE6 => rmw!(zp, inc),
            0xE7 => rmw!(zp, isc),
            0xE8 => imp!({
                self.x = self.x.wrapping_add(1);
                self.set_zn(self.x)
            }),
            0xE9 | 0xEB => rd!(imm, sbc),
            0xEA => imp!(),
            0xEC => rd!(abs, cpx),
            0xED => rd!(abs, sbc),
            0xEE => rmw!(abs, inc),
            0xEF => rmw!(abs, isc),
            0xF0 => self.branch(bus, self.p & flag::Z != 0),
            0xF1 => rd!(izy, sbc),
            0xF3 => rmw!(izy, isc),
            0xF4 => rd!(zpx, nop_read),
            0xF5 => rd!(zpx, sbc),
            0xF6 => rmw!(zpx, inc),
            0xF7 => rmw!(zpx, isc),
            0xF8 => imp!(self.p |= flag::D),
            0xF9 => rd!(aby, sbc),
            0xFA => imp!(),
            0xFB => rmw!(aby, isc),
            0xFC => rd!(abx, nop_read),
            0xFD => rd!(abx, sbc),
            0xFE => rmw!(abx, inc),
            0xFF => rmw!(abx, isc),
            // JAM/KIL: $02 $12 $22 $32 $42 $52 $62 $72 $92 $B2 $D2 $F2.
            _ => {
                self.jammed = true;
                self.pc = self.pc.wrapping_sub(1);
            }
        }
    }

    // ---- Control flow ------------------------------------------------------

    fn branch(&mut self, bus: &mut impl CpuBus, taken: bool) {
        let offset = self.fetch_operand(bus) as i8;
        if !taken {
            return;
        }
        // A taken branch polls IRQ before its second cycle (the poll a
        // two-cycle instruction makes) and, if it crosses a page, again
        // before its fourth; never before its third ("a taken
        // non-page-crossing branch ignores IRQ/NMI during its last clock").
        // What a poll saw stays seen, though the line drops after it.
        self.run_irq = self.prev_run_irq;
        self.dummy_read(bus, self.pc); // opcode fetch of the next instruction, discarded
        let target = self.pc.wrapping_add(offset as u16);
        if (target ^ self.pc) & 0xFF00 != 0 {
            self.run_irq |= self.prev_run_irq;
            self.dummy_read(bus, (self.pc & 0xFF00) | (target & 0x00FF)); // PCH not yet fixed
        }
        self.pc = target;
    }

    fn jmp_indirect(&mut self, bus: &mut impl CpuBus) {
        let ptr = self.fetch_operand_word(bus);
        let lo = self.read(bus, ptr, Access::Read);
        // The pointer's high byte is read without carrying into its page.
        let hi = self.read(bus, (ptr & 0xFF00) | (ptr.wrapping_add(1) & 0x00FF), Access::Read);
        self.pc = u16::from_le_bytes([lo, hi]);
    }

    fn jsr(&mut self, bus: &mut impl CpuBus) {
        let lo = self.fetch_operand(bus);
        self.dummy_stack_read(bus); // internal cycle: S is on the bus
        self.push(bus, (self.pc >> 8) as u8);
        self.push(bus, self.pc as u8);
        let hi = self.read(bus, self.pc, Access::Operand);
        self.pc = u16::from_le_bytes([lo, hi]);
    }

    fn rts(&mut self, bus: &mut impl CpuBus) {
        self.dummy_read(bus, self.pc);
        self.dummy_stack_read(bus);
        let lo = self.pull(bus);
        let hi = self.pull(bus);
        self.pc = u16::from_le_bytes([lo, hi]);
        self.dummy_read(bus, self.pc); // PC is incremented past the JSR's last byte
        self.pc = self.pc.wrapping_add(1);
    }

    fn rti(&mut self, bus: &mut impl CpuBus) {
        self.dummy_read(bus, self.pc);
        self.dummy_stack_read(bus);
        let p = self.pull(bus);
        self.p = (p & !flag::B) | flag::U;
        let lo = self.pull(bus);
        let hi = self.pull(bus);
        self.pc = u16::from_le_bytes([lo, hi]);
    }

    fn brk(&mut self, bus: &mut impl CpuBus) {
        self.fetch_operand(bus); // the padding byte is read and skipped
        self.push(bus, (self.pc >> 8) as u8);
        self.push(bus, self.pc as u8);
        let vector = self.take_vector(IRQ_VECTOR);
        self.push(bus, self.p | flag::B | flag::U);
        self.p |= flag::I;
        self.pc = self.read_vector(bus, vector);
        self.ignore_interrupts_after_sequence();
    }

    fn pla(&mut self, bus: &mut impl CpuBus) {
        self.dummy_read(bus, self.pc);
        self.dummy_stack_read(bus);
        let v = self.pull(bus);
        self.lda(v);
    }

    fn plp(&mut self, bus: &mut impl CpuBus) {
        self.dummy_read(bus, self.pc);
        self.dummy_stack_read(bus);
        let p = self.pull(bus);
        self.p = (p & !flag::B) | flag::U;
    }

    /// SHA/SHX/SHY/TAS: store `value & (H + 1)` where H is the base's high byte;
    /// on a page crossing the stored value also replaces the address's high byte.
    /// A DMA that halts the CPU at the fix-up read (RDY low from the cycle
    /// before) leaves the "& (H + 1)" out: the register's value goes to the
    /// true address.
    fn store_high_and(&mut self, bus: &mut impl CpuBus, base: u16, index: u8, value: u8) {
        let addr = base.wrapping_add(u16::from(index));
        let halted = bus.dma_pending();
        self.dummy_read(bus, (base & 0xFF00) | (addr & 0x00FF)); // fix-up read, always made
        if halted {
            self.write(bus, addr, value, Access::Write);
            return;
        }
        let value = value & ((base >> 8) as u8).wrapping_add(1);
        let addr = if (base ^ addr) & 0xFF00 != 0 { (u16::from(value) << 8) | (addr & 0x00FF) } else { addr };
        self.write(bus, addr, value, Access::Write);
    }

    // ---- ALU ---------------------------------------------------------------

    fn nop_read(&mut self, _value: u8) {}

    fn lda(&mut self, v: u8) {
        self.a = v;
        self.set_zn(v);
    }

    fn ldx(&mut self, v: u8) {
        self.x = v;
        self.set_zn(v);
    }

    fn ldy(&mut self, v: u8) {
        self.y = v;
        self.set_zn(v);
    }

    fn lax(&mut self, v: u8) {
        self.a = v;
        self.ldx(v);
    }

    fn transfer_to_a(&mut self, v: u8) {
        self.lda(v);
    }

    fn ora(&mut self, v: u8) {
        self.lda(self.a | v);
    }

    fn and(&mut self, v: u8) {
        self.lda(self.a & v);
    }

    fn eor(&mut self, v: u8) {
        self.lda(self.a ^ v);
    }

    /// The 2A03 has no decimal mode: D is stored but ADC/SBC ignore it.
    fn adc(&mut self, v: u8) {
        let sum = u16::from(self.a) + u16::from(v) + u16::from(self.carry());
        let result = sum as u8;
        self.set_flag(flag::C, sum > 0xFF);
        self.set_flag(flag::V, (!(self.a ^ v) & (self.a ^ result)) & 0x80 != 0);
        self.lda(result);
    }

    fn sbc(&mut self, v: u8) {
        self.adc(!v);
    }

    fn compare(&mut self, register: u8, v: u8) {
        self.set_flag(flag::C, register >= v);
        self.set_zn(register.wrapping_sub(v));
    }

    fn cmp(&mut self, v: u8) {
        self.compare(self.a, v);
    }

    fn cpx(&mut self, v: u8) {
        self.compare(self.x, v);
    }

    fn cpy(&mut self, v: u8) {
        self.compare(self.y, v);
    }

    fn bit(&mut self, v: u8) {
        self.set_flag(flag::Z, self.a & v == 0);
        self.p = (self.p & !(flag::N | flag::V)) | (v & (flag::N | flag::V));
    }

    fn asl(&mut self, v: u8) -> u8 {
        self.set_flag(flag::C, v & 0x80 != 0);
        let r = v << 1;
        self.set_zn(r);
        r
    }

    fn lsr(&mut self, v: u8) -> u8 {
        self.set_flag(flag::C, v & 0x01 != 0);
        let r = v >> 1;
        self.set_zn(r);
        r
    }

    fn rol(&mut self, v: u8) -> u8 {
        let r = (v << 1) | self.carry();
        self.set_flag(flag::C, v & 0x80 != 0);
        self.set_zn(r);
        r
    }

    fn ror(&mut self, v: u8) -> u8 {
        let r = (v >> 1) | (self.carry() << 7);
        self.set_flag(flag::C, v & 0x01 != 0);
        self.set_zn(r);
        r
    }

    fn inc(&mut self, v: u8) -> u8 {
        let r = v.wrapping_add(1);
        self.set_zn(r);
        r
    }

    fn dec(&mut self, v: u8) -> u8 {
        let r = v.wrapping_sub(1);
        self.set_zn(r);
        r
    }

    // ---- Unofficial combinations ------------------------------------------

    fn slo(&mut self, v: u8) -> u8 {
        let r = self.asl(v);
        self.ora(r);
        r
    }

    fn rla(&mut self, v: u8) -> u8 {
        let r = self.rol(v);
        self.and(r);
        r
    }

    fn sre(&mut self, v: u8) -> u8 {
        let r = self.lsr(v);
        self.eor(r);
        r
    }

    fn rra(&mut self, v: u8) -> u8 {
        let r = self.ror(v);
        self.adc(r);
        r
    }

    fn dcp(&mut self, v: u8) -> u8 {
        let r = v.wrapping_sub(1);
        self.cmp(r);
        r
    }

    fn isc(&mut self, v: u8) -> u8 {
        let r = v.wrapping_add(1);
        self.sbc(r);
        r
    }

    /// ANC: AND, then C = N.
    fn anc(&mut self, v: u8) {
        self.and(v);
        self.set_flag(flag::C, self.a & 0x80 != 0);
    }

    /// ALR (ASR): AND, then LSR A.
    fn alr(&mut self, v: u8) {
        self.and(v);
        self.a = self.lsr(self.a);
    }

    /// ARR: AND, then ROR A with C from bit 6 and V from bit 6 XOR bit 5.
    fn arr(&mut self, v: u8) {
        let r = ((self.a & v) >> 1) | (self.carry() << 7);
        self.lda(r);
        self.set_flag(flag::C, r & 0x40 != 0);
        self.set_flag(flag::V, ((r >> 6) ^ (r >> 5)) & 1 != 0);
    }

    /// AXS (SBX): X = (A & X) - operand, flags as CMP.
    fn axs(&mut self, v: u8) {
        let ax = self.a & self.x;
        self.set_flag(flag::C, ax >= v);
        self.x = ax.wrapping_sub(v);
        self.set_zn(self.x);
    }

    /// LAS: A, X and S all take memory AND S.
    fn las(&mut self, v: u8) {
        let r = v & self.s;
        self.s = r;
        self.a = r;
        self.ldx(r);
    }

    /// ANE (XAA), unstable: A = (A | magic) & X & operand.
    fn ane(&mut self, v: u8) {
        self.lda((self.a | ANE_MAGIC) & self.x & v);
    }

    /// LXA (LAX #imm), unstable: A = X = (A | magic) & operand.
    fn lxa(&mut self, v: u8) {
        let r = (self.a | LXA_MAGIC) & v;
        self.a = r;
        self.ldx(r);
    }
}
