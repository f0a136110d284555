//! The code/data log: what each byte of PRG and CHR was used as.
//!
//! Files are in the FCEUX layout Mesen also reads and writes: one byte per
//! PRG ROM byte, then one per CHR ROM byte, no header. PRG bits: 0 code,
//! 1 data, 2-3 the 8 KiB CPU slot it was last seen in ($8000, $A000,
//! $C000, $E000), 4 indirectly reached code, 5 indirectly read data, 6 PCM
//! (DMC) data, 7 subroutine entry (Mesen's use of the spare bit). CHR
//! bits: 0 drawn by the PPU, 1 read by the program through $2007. Jump
//! targets (branch and jump destinations) are kept beside the log in
//! memory: the layout has no bit left for them.

use crate::cpu::Access;

pub mod prg {
    pub const CODE: u8 = 0x01;
    pub const DATA: u8 = 0x02;
    pub const SLOT_SHIFT: u8 = 2;
    pub const SLOT_MASK: u8 = 0x0C;
    pub const INDIRECT_CODE: u8 = 0x10;
    pub const INDIRECT_DATA: u8 = 0x20;
    pub const PCM: u8 = 0x40;
    pub const SUB_ENTRY: u8 = 0x80;
}

pub mod chr {
    pub const DRAWN: u8 = 0x01;
    pub const READ: u8 = 0x02;
}

/// The PRG half of a code/data log, sized for one cartridge. The CHR half
/// lives in the cartridge, whose PPU fetches fill it
/// ([`Cartridge::chr_log`](crate::Cartridge::chr_log)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDataLog {
    pub prg: Vec<u8>,
    /// One bit per PRG byte: a branch or jump landed here.
    pub jump_targets: Vec<u8>,
}

/// A `.cdl` file that does not fit this cartridge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the code/data log holds {found} bytes, but this game's PRG and CHR ROM are {prg} + {chr} = {} bytes", prg + chr)]
pub struct CdlSizeError {
    pub found: usize,
    pub prg: usize,
    pub chr: usize,
}

impl CodeDataLog {
    pub fn new(prg_len: usize) -> Self {
        CodeDataLog { prg: vec![0; prg_len], jump_targets: vec![0; prg_len.div_ceil(8)] }
    }

    pub fn clear(&mut self) {
        self.prg.fill(0);
        self.jump_targets.fill(0);
    }

    #[inline]
    fn slot_bits(addr: u16) -> u8 {
        (((addr >> 13) & 3) as u8) << prg::SLOT_SHIFT
    }

    /// A CPU access to PRG ROM offset `offset` through `addr`.
    #[inline]
    pub(crate) fn note_cpu(&mut self, offset: u32, addr: u16, access: Access) {
        let Some(byte) = self.prg.get_mut(offset as usize) else { return };
        let flag = match access {
            Access::Opcode | Access::Operand => prg::CODE,
            Access::Read | Access::Vector => prg::DATA,
            _ => return,
        };
        *byte = (*byte & !prg::SLOT_MASK) | flag | Self::slot_bits(addr);
    }

    /// A DMC sample fetch.
    pub(crate) fn note_pcm(&mut self, offset: u32) {
        if let Some(byte) = self.prg.get_mut(offset as usize) {
            *byte |= prg::PCM | prg::DATA;
        }
    }

    /// An instruction's first byte became a subroutine entry (JSR target),
    /// a jump target, or indirectly reached code (JMP ($nnnn), a vector).
    pub(crate) fn note_target(&mut self, offset: u32, flags: u8, jump: bool) {
        let i = offset as usize;
        if let Some(byte) = self.prg.get_mut(i) {
            *byte |= flags;
            if jump {
                self.jump_targets[i / 8] |= 1 << (i % 8);
            }
        }
    }

    /// An indirect data read ((zp),Y or (zp,X)) of PRG ROM.
    pub(crate) fn note_indirect_data(&mut self, offset: u32) {
        if let Some(byte) = self.prg.get_mut(offset as usize) {
            *byte |= prg::INDIRECT_DATA;
        }
    }

    pub fn is_code(&self, offset: u32) -> bool {
        self.prg.get(offset as usize).is_some_and(|b| b & prg::CODE != 0)
    }

    pub fn is_data(&self, offset: u32) -> bool {
        self.prg.get(offset as usize).is_some_and(|b| b & prg::DATA != 0)
    }

    pub fn is_jump_target(&self, offset: u32) -> bool {
        let i = offset as usize;
        self.jump_targets.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
    }

    pub fn is_sub_entry(&self, offset: u32) -> bool {
        self.prg.get(offset as usize).is_some_and(|b| b & prg::SUB_ENTRY != 0)
    }

    /// Appends the `.cdl` file (this PRG log, then `chr`) to `out`; no
    /// allocation when `out` has room for both.
    pub fn write_file(&self, chr: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&self.prg);
        out.extend_from_slice(chr);
    }

    /// Merges a `.cdl` file into this log and `chr` (FCEUX and Mesen add to
    /// what a loaded log says). A file of the wrong size changes nothing.
    pub fn merge_file(&mut self, chr: &mut [u8], file: &[u8]) -> Result<(), CdlSizeError> {
        if file.len() != self.prg.len() + chr.len() {
            return Err(CdlSizeError { found: file.len(), prg: self.prg.len(), chr: chr.len() });
        }
        let (prg, theirs_chr) = file.split_at(self.prg.len());
        for (mine, theirs) in self.prg.iter_mut().zip(prg) {
            // The slot bits say where the byte was last seen: a loaded
            // value wins only where this log has not seen the byte.
            *mine = if *mine == 0 { *theirs } else { *mine | (theirs & !prg::SLOT_MASK) };
        }
        for (mine, theirs) in chr.iter_mut().zip(theirs_chr) {
            *mine |= theirs;
        }
        Ok(())
    }

    /// Share of PRG bytes logged as code and as data, and of `chr` bytes drawn or read (0-1).
    pub fn coverage(&self, chr: &[u8]) -> (f64, f64, f64) {
        let share = |v: &[u8], mask: u8| {
            if v.is_empty() { 0.0 } else { v.iter().filter(|b| *b & mask != 0).count() as f64 / v.len() as f64 }
        };
        (share(&self.prg, prg::CODE), share(&self.prg, prg::DATA), share(chr, chr::DRAWN | chr::READ))
    }
}
