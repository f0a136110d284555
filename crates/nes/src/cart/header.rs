//! iNES and NES 2.0 headers (nesdev wiki: "INES", "NES 2.0").
//!
//! The header is the first 16 bytes of a `.nes` file. Parsing checks every
//! size against the file before anything is copied, so a bad file is refused
//! with an error that says what is wrong and nothing else happens.

use thiserror::Error;

/// Size of the header that starts every iNES file.
pub const HEADER_LEN: usize = 16;
const TRAINER_LEN: usize = 512;
const MAGIC: &[u8; 4] = b"NES\x1a";

/// How the two nametables (CIRAM) are wired when the board does not switch them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mirroring {
    /// $2000=$2400, $2800=$2C00 (vertical arrangement, horizontal scrolling).
    #[default]
    Horizontal,
    /// $2000=$2800, $2400=$2C00.
    Vertical,
    /// All four nametables show CIRAM page 0.
    SingleScreenLow,
    /// All four nametables show CIRAM page 1.
    SingleScreenHigh,
    /// Four distinct nametables: the board carries 2 KiB of extra VRAM.
    FourScreen,
}

/// The television system the ROM is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    #[default]
    Ntsc,
    Pal,
    /// Works on both; Phosphor runs it as NTSC.
    Multi,
    Dendy,
}

/// Which header flavour the file carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderFormat {
    INes,
    Nes2,
}

/// What a ROM file's header says about the cartridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format: HeaderFormat,
    /// iNES mapper number (0-4095 with NES 2.0).
    pub mapper: u16,
    /// NES 2.0 submapper (0 for iNES files).
    pub submapper: u8,
    pub prg_rom_len: usize,
    pub chr_rom_len: usize,
    /// Volatile PRG RAM (work RAM) size in bytes.
    pub prg_ram_len: usize,
    /// Battery-backed PRG RAM size in bytes.
    pub prg_nvram_len: usize,
    /// CHR RAM size in bytes (used when `chr_rom_len` is 0).
    pub chr_ram_len: usize,
    pub mirroring: Mirroring,
    pub battery: bool,
    pub trainer: bool,
    pub region: Region,
}

/// Everything that can be wrong with a ROM image.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RomError {
    #[error("the file is {len} bytes, too short for the 16-byte iNES header")]
    TooShortForHeader { len: usize },
    #[error("not an iNES ROM: the file does not start with \"NES\\x1A\" (found {found:02X?})")]
    BadMagic { found: [u8; 4] },
    #[error("the header declares no PRG ROM")]
    NoPrgRom,
    #[error(
        "the file is truncated: the header declares {expected} bytes \
         ({what}) but the file holds {actual}"
    )]
    Truncated { what: String, expected: usize, actual: usize },
    #[error("the header declares an impossible {what} size (exponent form {raw:#04X})")]
    BadSize { what: &'static str, raw: u8 },
    #[error("mapper {mapper} is not supported (supported: {supported})")]
    UnsupportedMapper { mapper: u16, supported: &'static str },
    #[error("mapper {mapper} needs {what}, which this ROM does not provide")]
    BoardMismatch { mapper: u16, what: &'static str },
}

impl Header {
    /// Parses the header and checks the declared sizes against `file_len`.
    pub fn parse(bytes: &[u8]) -> Result<Self, RomError> {
        if bytes.len() < HEADER_LEN {
            return Err(RomError::TooShortForHeader { len: bytes.len() });
        }
        let h = &bytes[..HEADER_LEN];
        if &h[0..4] != MAGIC {
            return Err(RomError::BadMagic { found: [h[0], h[1], h[2], h[3]] });
        }
        let flags6 = h[6];
        let flags7 = h[7];
        // "If byte 7 AND $0C = $08 ... then NES 2.0" (nesdev "NES 2.0", identification).
        let nes2 = flags7 & 0x0C == 0x08;
        let trainer = flags6 & 0x04 != 0;
        let battery = flags6 & 0x02 != 0;
        let mirroring = if flags6 & 0x08 != 0 {
            Mirroring::FourScreen
        } else if flags6 & 0x01 != 0 {
            Mirroring::Vertical
        } else {
            Mirroring::Horizontal
        };

        let header = if nes2 {
            let mapper = u16::from(flags6 >> 4) | u16::from(flags7 & 0xF0) | (u16::from(h[8] & 0x0F) << 8);
            let prg_rom_len = nes2_rom_size(h[4], h[9] & 0x0F, 16 * 1024, "PRG ROM")?;
            let chr_rom_len = nes2_rom_size(h[5], h[9] >> 4, 8 * 1024, "CHR ROM")?;
            let shift = |n: u8| if n == 0 { 0 } else { 64usize << n };
            let region = match h[12] & 0x03 {
                0 => Region::Ntsc,
                1 => Region::Pal,
                2 => Region::Multi,
                _ => Region::Dendy,
            };
            Header {
                format: HeaderFormat::Nes2,
                mapper,
                submapper: h[8] >> 4,
                prg_rom_len,
                chr_rom_len,
                prg_ram_len: shift(h[10] & 0x0F),
                prg_nvram_len: shift(h[10] >> 4),
                chr_ram_len: shift(h[11] & 0x0F),
                mirroring,
                battery,
                trainer,
                region,
            }
        } else {
            // Archaic iNES: bytes 7-15 may hold garbage ("DiskDude!"); when
            // bytes 12-15 are not zero, ignore the upper mapper nibble.
            let clean_tail = h[12..16].iter().all(|&b| b == 0);
            let hi = if clean_tail { flags7 & 0xF0 } else { 0 };
            let chr_rom_len = usize::from(h[5]) * 8 * 1024;
            Header {
                format: HeaderFormat::INes,
                mapper: u16::from(flags6 >> 4) | u16::from(hi),
                submapper: 0,
                prg_rom_len: usize::from(h[4]) * 16 * 1024,
                chr_rom_len,
                // iNES cannot say; 8 KiB is what boards with PRG RAM carry.
                prg_ram_len: if battery { 0 } else { 8 * 1024 },
                prg_nvram_len: if battery { 8 * 1024 } else { 0 },
                chr_ram_len: if chr_rom_len == 0 { 8 * 1024 } else { 0 },
                mirroring,
                battery,
                trainer,
                region: if clean_tail && h[9] & 0x01 != 0 { Region::Pal } else { Region::Ntsc },
            }
        };

        if header.prg_rom_len == 0 {
            return Err(RomError::NoPrgRom);
        }
        let expected = header.file_len();
        if bytes.len() < expected {
            let what = format!(
                "{}{} KiB PRG ROM + {} KiB CHR ROM",
                if trainer { "512-byte trainer + " } else { "" },
                header.prg_rom_len / 1024,
                header.chr_rom_len / 1024
            );
            return Err(RomError::Truncated { what, expected, actual: bytes.len() });
        }
        Ok(header)
    }

    /// Length of the file this header describes: header, trainer, PRG, CHR.
    pub fn file_len(&self) -> usize {
        HEADER_LEN + self.trainer_len() + self.prg_rom_len + self.chr_rom_len
    }

    /// Byte offset of the PRG ROM in the file.
    pub fn prg_offset(&self) -> usize {
        HEADER_LEN + self.trainer_len()
    }

    fn trainer_len(&self) -> usize {
        if self.trainer { TRAINER_LEN } else { 0 }
    }
}

/// NES 2.0 ROM size: a 12-bit count of units, or when the MSB nibble is $F,
/// the exponent-multiplier form 2^E * (M*2+1).
fn nes2_rom_size(lsb: u8, msb: u8, unit: usize, what: &'static str) -> Result<usize, RomError> {
    if msb == 0x0F {
        let exponent = u32::from(lsb >> 2);
        let multiplier = usize::from(lsb & 0x03) * 2 + 1;
        // Anything beyond 2^30 bytes cannot be a real cartridge (and would overflow).
        if exponent > 30 {
            return Err(RomError::BadSize { what, raw: lsb });
        }
        Ok((1usize << exponent) * multiplier)
    } else {
        Ok(((usize::from(msb) << 8) | usize::from(lsb)) * unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ines(prg16: u8, chr8: u8, flags6: u8, flags7: u8) -> Vec<u8> {
        let mut v = vec![b'N', b'E', b'S', 0x1A, prg16, chr8, flags6, flags7, 0, 0, 0, 0, 0, 0, 0, 0];
        v.resize(16 + usize::from(prg16) * 16384 + usize::from(chr8) * 8192, 0);
        v
    }

    #[test]
    fn parses_ines_mapper_and_mirroring() {
        let h = Header::parse(&ines(2, 1, 0x11, 0x00)).unwrap();
        assert_eq!(h.mapper, 1);
        assert_eq!(h.mirroring, Mirroring::Vertical);
        assert_eq!(h.prg_rom_len, 32768);
        assert_eq!(h.chr_rom_len, 8192);
        assert_eq!(h.format, HeaderFormat::INes);
    }

    #[test]
    fn high_mapper_nibble_ignored_with_dirty_tail() {
        let mut rom = ines(1, 1, 0x40, 0x40);
        rom[12..16].copy_from_slice(b"ude!");
        assert_eq!(Header::parse(&rom).unwrap().mapper, 4);
        rom[12..16].fill(0);
        assert_eq!(Header::parse(&rom).unwrap().mapper, 0x44);
    }

    #[test]
    fn nes2_sizes_and_submapper() {
        let mut rom = ines(2, 0, 0x10, 0x08);
        rom[8] = 0x30; // submapper 3
        rom[10] = 0x70; // 8 KiB battery RAM
        rom[11] = 0x07; // 8 KiB CHR RAM
        rom[12] = 0x01; // PAL
        let h = Header::parse(&rom).unwrap();
        assert_eq!(h.format, HeaderFormat::Nes2);
        assert_eq!((h.mapper, h.submapper), (1, 3));
        assert_eq!(h.prg_nvram_len, 8192);
        assert_eq!(h.chr_ram_len, 8192);
        assert_eq!(h.region, Region::Pal);
    }

    #[test]
    fn refuses_bad_files_with_the_reason() {
        assert_eq!(Header::parse(b"NES"), Err(RomError::TooShortForHeader { len: 3 }));
        let mut rom = ines(1, 1, 0, 0);
        rom[0] = b'X';
        assert!(matches!(Header::parse(&rom), Err(RomError::BadMagic { .. })));
        let rom = ines(2, 1, 0, 0);
        let err = Header::parse(&rom[..rom.len() - 1]).unwrap_err();
        assert!(matches!(err, RomError::Truncated { expected, actual, .. } if expected == actual + 1));
        assert!(err.to_string().contains("truncated"));
        assert_eq!(Header::parse(&ines(0, 1, 0, 0)), Err(RomError::NoPrgRom));
        // A trainer adds 512 bytes the file must hold.
        let rom = ines(1, 1, 0x04, 0);
        assert!(matches!(Header::parse(&rom), Err(RomError::Truncated { .. })));
    }
}
