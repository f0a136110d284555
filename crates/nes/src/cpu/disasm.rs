//! Opcode names and addressing modes, for traces and the debugger
//! (nesdev wiki: "CPU unofficial opcodes" opcode matrix). Unofficial
//! mnemonics are marked with a leading `*`, as nestest.log writes them.

use std::fmt::Write as _;

/// Addressing mode of an opcode, for decoding only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Imp,
    Acc,
    Imm,
    Zp,
    Zpx,
    Zpy,
    Abs,
    Abx,
    Aby,
    Ind,
    Izx,
    Izy,
    Rel,
}

impl Mode {
    /// Instruction length in bytes, opcode included.
    pub fn bytes(self) -> u16 {
        match self {
            Mode::Imp | Mode::Acc => 1,
            Mode::Imm | Mode::Zp | Mode::Zpx | Mode::Zpy | Mode::Izx | Mode::Izy | Mode::Rel => 2,
            Mode::Abs | Mode::Abx | Mode::Aby | Mode::Ind => 3,
        }
    }
}

use Mode::*;

/// Rows of 16 opcodes: $00-$0F, $10-$1F, ...
#[rustfmt::skip]
const TABLE: [(&str, Mode); 256] = [
    ("BRK",Imp),("ORA",Izx),("*JAM",Imp),("*SLO",Izx),("*NOP",Zp),("ORA",Zp),("ASL",Zp),("*SLO",Zp),("PHP",Imp),("ORA",Imm),("ASL",Acc),("*ANC",Imm),("*NOP",Abs),("ORA",Abs),("ASL",Abs),("*SLO",Abs),
    ("BPL",Rel),("ORA",Izy),("*JAM",Imp),("*SLO",Izy),("*NOP",Zpx),("ORA",Zpx),("ASL",Zpx),("*SLO",Zpx),("CLC",Imp),("ORA",Aby),("*NOP",Imp),("*SLO",Aby),("*NOP",Abx),("ORA",Abx),("ASL",Abx),("*SLO",Abx),
    ("JSR",Abs),("AND",Izx),("*JAM",Imp),("*RLA",Izx),("BIT",Zp),("AND",Zp),("ROL",Zp),("*RLA",Zp),("PLP",Imp),("AND",Imm),("ROL",Acc),("*ANC",Imm),("BIT",Abs),("AND",Abs),("ROL",Abs),("*RLA",Abs),
    ("BMI",Rel),("AND",Izy),("*JAM",Imp),("*RLA",Izy),("*NOP",Zpx),("AND",Zpx),("ROL",Zpx),("*RLA",Zpx),("SEC",Imp),("AND",Aby),("*NOP",Imp),("*RLA",Aby),("*NOP",Abx),("AND",Abx),("ROL",Abx),("*RLA",Abx),
    ("RTI",Imp),("EOR",Izx),("*JAM",Imp),("*SRE",Izx),("*NOP",Zp),("EOR",Zp),("LSR",Zp),("*SRE",Zp),("PHA",Imp),("EOR",Imm),("LSR",Acc),("*ALR",Imm),("JMP",Abs),("EOR",Abs),("LSR",Abs),("*SRE",Abs),
    ("BVC",Rel),("EOR",Izy),("*JAM",Imp),("*SRE",Izy),("*NOP",Zpx),("EOR",Zpx),("LSR",Zpx),("*SRE",Zpx),("CLI",Imp),("EOR",Aby),("*NOP",Imp),("*SRE",Aby),("*NOP",Abx),("EOR",Abx),("LSR",Abx),("*SRE",Abx),
    ("RTS",Imp),("ADC",Izx),("*JAM",Imp),("*RRA",Izx),("*NOP",Zp),("ADC",Zp),("ROR",Zp),("*RRA",Zp),("PLA",Imp),("ADC",Imm),("ROR",Acc),("*ARR",Imm),("JMP",Ind),("ADC",Abs),("ROR",Abs),("*RRA",Abs),
    ("BVS",Rel),("ADC",Izy),("*JAM",Imp),("*RRA",Izy),("*NOP",Zpx),("ADC",Zpx),("ROR",Zpx),("*RRA",Zpx),("SEI",Imp),("ADC",Aby),("*NOP",Imp),("*RRA",Aby),("*NOP",Abx),("ADC",Abx),("ROR",Abx),("*RRA",Abx),
    ("*NOP",Imm),("STA",Izx),("*NOP",Imm),("*SAX",Izx),("STY",Zp),("STA",Zp),("STX",Zp),("*SAX",Zp),("DEY",Imp),("*NOP",Imm),("TXA",Imp),("*ANE",Imm),("STY",Abs),("STA",Abs),("STX",Abs),("*SAX",Abs),
    ("BCC",Rel),("STA",Izy),("*JAM",Imp),("*SHA",Izy),("STY",Zpx),("STA",Zpx),("STX",Zpy),("*SAX",Zpy),("TYA",Imp),("STA",Aby),("TXS",Imp),("*TAS",Aby),("*SHY",Abx),("STA",Abx),("*SHX",Aby),("*SHA",Aby),
    ("LDY",Imm),("LDA",Izx),("LDX",Imm),("*LAX",Izx),("LDY",Zp),("LDA",Zp),("LDX",Zp),("*LAX",Zp),("TAY",Imp),("LDA",Imm),("TAX",Imp),("*LXA",Imm),("LDY",Abs),("LDA",Abs),("LDX",Abs),("*LAX",Abs),
    ("BCS",Rel),("LDA",Izy),("*JAM",Imp),("*LAX",Izy),("LDY",Zpx),("LDA",Zpx),("LDX",Zpy),("*LAX",Zpy),("CLV",Imp),("LDA",Aby),("TSX",Imp),("*LAS",Aby),("LDY",Abx),("LDA",Abx),("LDX",Aby),("*LAX",Aby),
    ("CPY",Imm),("CMP",Izx),("*NOP",Imm),("*DCP",Izx),("CPY",Zp),("CMP",Zp),("DEC",Zp),("*DCP",Zp),("INY",Imp),("CMP",Imm),("DEX",Imp),("*AXS",Imm),("CPY",Abs),("CMP",Abs),("DEC",Abs),("*DCP",Abs),
    ("BNE",Rel),("CMP",Izy),("*JAM",Imp),("*DCP",Izy),("*NOP",Zpx),("CMP",Zpx),("DEC",Zpx),("*DCP",Zpx),("CLD",Imp),("CMP",Aby),("*NOP",Imp),("*DCP",Aby),("*NOP",Abx),("CMP",Abx),("DEC",Abx),("*DCP",Abx),
    ("CPX",Imm),("SBC",Izx),("*NOP",Imm),("*ISB",Izx),("CPX",Zp),("SBC",Zp),("INC",Zp),("*ISB",Zp),("INX",Imp),("SBC",Imm),("NOP",Imp),("*SBC",Imm),("CPX",Abs),("SBC",Abs),("INC",Abs),("*ISB",Abs),
    ("BEQ",Rel),("SBC",Izy),("*JAM",Imp),("*ISB",Izy),("*NOP",Zpx),("SBC",Zpx),("INC",Zpx),("*ISB",Zpx),("SED",Imp),("SBC",Aby),("*NOP",Imp),("*ISB",Aby),("*NOP",Abx),("SBC",Abx),("INC",Abx),("*ISB",Abx),
];

/// Mnemonic and addressing mode of `opcode`.
pub fn decode(opcode: u8) -> (&'static str, Mode) {
    TABLE[usize::from(opcode)]
}

/// Disassembles the instruction whose bytes start at `pc`, reading through `peek`.
/// Returns the text and the instruction length.
pub fn disassemble(pc: u16, mut peek: impl FnMut(u16) -> u8) -> (String, u16) {
    let (name, mode) = decode(peek(pc));
    let b1 = peek(pc.wrapping_add(1));
    let b2 = peek(pc.wrapping_add(2));
    let word = u16::from_le_bytes([b1, b2]);
    let mut s = String::with_capacity(16);
    s.push_str(name);
    let _ = match mode {
        Imp => Ok(()),
        Acc => write!(s, " A"),
        Imm => write!(s, " #${b1:02X}"),
        Zp => write!(s, " ${b1:02X}"),
        Zpx => write!(s, " ${b1:02X},X"),
        Zpy => write!(s, " ${b1:02X},Y"),
        Abs => write!(s, " ${word:04X}"),
        Abx => write!(s, " ${word:04X},X"),
        Aby => write!(s, " ${word:04X},Y"),
        Ind => write!(s, " (${word:04X})"),
        Izx => write!(s, " (${b1:02X},X)"),
        Izy => write!(s, " (${b1:02X}),Y"),
        Rel => write!(s, " ${:04X}", pc.wrapping_add(2).wrapping_add(b1 as i8 as u16)),
    };
    (s, mode.bytes())
}
