//! The cartridge: ROM, RAM, the bank tables a board programs, and the board.
//!
//! The CPU and PPU read cartridge memory through bank tables (`MemoryMap`)
//! that the board sets when its registers are written, so the hot path is an
//! index and never a call into board code. Boards are told about register
//! writes, and, only if they ask for it, about PPU address-bus activity and
//! CPU cycles (nesdev wiki: "Mapper", "Cartridge connector").

mod header;

pub use header::{Header, HeaderFormat, Mirroring, Region, RomError, HEADER_LEN};

use crate::mapper::{Board, Mapper};

/// Size of one PRG bank slot in the CPU map ($6000-$FFFF in 8 KiB slots).
pub const PRG_SLOT: usize = 0x2000;
/// Size of one CHR bank slot in the PPU map ($0000-$1FFF in 1 KiB slots).
pub const CHR_SLOT: usize = 0x400;

/// What one 8 KiB CPU slot maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrgTarget {
    /// Nothing answers: reads see CPU open bus.
    Open,
    Rom(u32),
    /// PRG RAM at this offset; `writable` false models write-protect.
    Ram { offset: u32, writable: bool },
}

/// The bank tables a board programs, and the flags that say which hooks it needs.
#[derive(Debug, Clone)]
pub struct MemoryMap {
    /// Slots for $6000, $8000, $A000, $C000, $E000 (index = (addr >> 13) - 3).
    pub prg: [PrgTarget; 5],
    /// Byte offsets into CHR memory for each 1 KiB of $0000-$1FFF.
    pub chr: [u32; 8],
    /// Byte offsets into VRAM (CIRAM plus four-screen RAM) for $2000-$2FFF.
    pub nametables: [u32; 4],
    pub prg_rom_len: usize,
    pub prg_ram_len: usize,
    pub chr_len: usize,
    pub chr_writable: bool,
    /// CPU cycle of the access being made (boards with write quirks read it).
    pub cpu_cycle: u64,
    /// PPU dots since power-on, kept current for boards that watch the PPU bus.
    pub ppu_dot: u64,
}

impl MemoryMap {
    /// Maps 8 KiB PRG ROM bank `bank` (wrapping to the ROM size) at `addr`.
    pub fn map_prg_8k(&mut self, addr: u16, bank: usize) {
        let banks = (self.prg_rom_len / PRG_SLOT).max(1);
        self.prg[prg_index(addr)] = PrgTarget::Rom(((bank % banks) * PRG_SLOT) as u32);
    }

    /// Maps a 16 KiB PRG ROM bank at `addr` ($8000 or $C000).
    pub fn map_prg_16k(&mut self, addr: u16, bank: usize) {
        self.map_prg_8k(addr, bank * 2);
        self.map_prg_8k(addr + 0x2000, bank * 2 + 1);
    }

    /// Maps a 32 KiB PRG ROM bank at $8000.
    pub fn map_prg_32k(&mut self, bank: usize) {
        self.map_prg_16k(0x8000, bank * 2);
        self.map_prg_16k(0xC000, bank * 2 + 1);
    }

    /// Maps 8 KiB of PRG RAM bank `bank` at $6000, or open bus if there is none.
    pub fn map_prg_ram(&mut self, bank: usize, enabled: bool, writable: bool) {
        let banks = self.prg_ram_len / PRG_SLOT;
        self.prg[0] = if enabled && banks > 0 {
            PrgTarget::Ram { offset: ((bank % banks) * PRG_SLOT) as u32, writable }
        } else {
            PrgTarget::Open
        };
    }

    /// Maps a 1 KiB CHR bank at PPU slot `slot` (0-7).
    pub fn map_chr_1k(&mut self, slot: usize, bank: usize) {
        let banks = (self.chr_len / CHR_SLOT).max(1);
        self.chr[slot] = ((bank % banks) * CHR_SLOT) as u32;
    }

    /// Maps a 4 KiB CHR bank at $0000 (`half` 0) or $1000 (`half` 1).
    pub fn map_chr_4k(&mut self, half: usize, bank: usize) {
        for i in 0..4 {
            self.map_chr_1k(half * 4 + i, bank * 4 + i);
        }
    }

    /// Maps an 8 KiB CHR bank at $0000.
    pub fn map_chr_8k(&mut self, bank: usize) {
        self.map_chr_4k(0, bank * 2);
        self.map_chr_4k(1, bank * 2 + 1);
    }

    /// Wires the nametables as `mirroring` says.
    pub fn set_mirroring(&mut self, mirroring: Mirroring) {
        let pages: [u32; 4] = match mirroring {
            Mirroring::Horizontal => [0, 0, 1, 1],
            Mirroring::Vertical => [0, 1, 0, 1],
            Mirroring::SingleScreenLow => [0, 0, 0, 0],
            Mirroring::SingleScreenHigh => [1, 1, 1, 1],
            Mirroring::FourScreen => [0, 1, 2, 3],
        };
        self.nametables = pages.map(|p| p * 0x400);
    }
}

/// The cartridge's PPU-side memory, lent to a board that decides PPU reads
/// itself (see `Mapper::owns_ppu_bus`).
#[derive(Debug, Clone, Copy)]
pub struct PpuMemory<'a> {
    pub map: &'a MemoryMap,
    /// Pattern memory (CHR ROM or RAM).
    pub chr: &'a [u8],
    /// CIRAM (2 KiB) and the four-screen extra.
    pub vram: &'a [u8; 0x1000],
}

impl PpuMemory<'_> {
    /// What the bank tables alone put at `addr`.
    #[inline(always)]
    pub fn read(&self, addr: u16) -> u8 {
        let addr = usize::from(addr & 0x3FFF);
        if addr < 0x2000 {
            self.chr[self.map.chr[addr >> 10] as usize + (addr & 0x3FF)]
        } else {
            self.vram[self.map.nametables[(addr >> 10) & 3] as usize + (addr & 0x3FF)]
        }
    }
}

/// The writable counterpart of [`PpuMemory`], for PPU writes.
#[derive(Debug)]
pub struct PpuMemoryMut<'a> {
    pub map: &'a MemoryMap,
    pub chr: &'a mut [u8],
    pub vram: &'a mut [u8; 0x1000],
}

impl PpuMemoryMut<'_> {
    /// Stores through the bank tables alone (CHR only where it is RAM).
    #[inline]
    pub fn write(&mut self, addr: u16, value: u8) {
        let addr = usize::from(addr & 0x3FFF);
        if addr < 0x2000 {
            if self.map.chr_writable {
                self.chr[self.map.chr[addr >> 10] as usize + (addr & 0x3FF)] = value;
            }
        } else {
            self.vram[self.map.nametables[(addr >> 10) & 3] as usize + (addr & 0x3FF)] = value;
        }
    }
}

/// NES 2.0 can declare sizes that are not whole banks: repeat the data (as
/// unconnected address lines would) up to the next whole bank.
fn mirrored_to_whole_banks(data: &[u8], bank: usize) -> Vec<u8> {
    let len = data.len().next_multiple_of(bank);
    data.iter().copied().cycle().take(len).collect()
}

fn prg_index(addr: u16) -> usize {
    (usize::from(addr) >> 13).saturating_sub(3)
}

/// A save image whose size does not match the cartridge's RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the save holds {found} bytes but this cartridge has {expected} bytes of RAM")]
pub struct RamSizeError {
    pub expected: usize,
    pub found: usize,
}

/// What the user may override in a ROM's header (as NES 2.0 would say it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Board variant, e.g. 4 for the MMC3A's IRQ behaviour on mapper 4.
    pub submapper: Option<u8>,
    /// Console region (NTSC, PAL, Dendy) to run as.
    pub region: Option<Region>,
}

/// A loaded cartridge: its memory, its bank tables and its board.
#[derive(Debug, Clone)]
pub struct Cartridge {
    header: Header,
    prg_rom: Vec<u8>,
    prg_ram: Vec<u8>,
    chr: Vec<u8>,
    /// 2 KiB of console CIRAM, plus 2 KiB more for four-screen boards.
    vram: Box<[u8; 0x1000]>,
    map: MemoryMap,
    board: Board,
    /// Bytes after the last declared ROM byte (kept for the user's information).
    trailing_bytes: usize,
    /// FNV-1a of the PRG and CHR ROM: what a save state is tied to.
    rom_hash: u64,
    /// PRG RAM was written since the last `take_ram_dirty`.
    ram_dirty: bool,
    /// The board decides PPU reads (cached: it is asked on every fetch).
    owns_ppu_bus: bool,
    /// PPU reads take the out-of-line path: the board watches or owns the
    /// PPU bus, or the code/data log is recording CHR use.
    ppu_hooked: bool,
    /// The board alone watches or owns the PPU bus.
    board_ppu_hooked: bool,
    /// The code/data log's CHR half (one byte per CHR ROM byte; sized by
    /// `prepare_chr_log`, off the emulation thread), and whether it records.
    chr_log: Vec<u8>,
    chr_log_on: bool,
    /// The board can raise IRQs: every board with an IRQ counter watches the
    /// PPU bus or counts CPU cycles. (Cached: the CPU samples IRQ every cycle.)
    irq_capable: bool,
    /// The board's IRQ output as of its last change ([`IRQ_LOW`] or
    /// [`IRQ_HIGH`]), refreshed after every call that can change it; or
    /// [`IRQ_ASK`] for a board that owns the PPU bus (MMC5), whose output
    /// is asked for when sampled rather than after each of its fetches.
    irq_state: u8,
    /// See [`Cartridge::set_ppu_line_start`] (not state: the bus sets it
    /// again after a restore).
    ppu_line_start: u64,
    /// The board's `ppu_bus_mask`, and the masked address of the last
    /// access it was told of (`NO_ACCESS` after a restore: not state).
    watch_mask: u16,
    watch_last: u16,
    /// Every hooked fetch must go out of line: the board owns the bus or
    /// the code/data log records CHR use.
    fetch_always: bool,
}

/// No masked address equals it (addresses are 14 bits).
const NO_ACCESS: u16 = 0xFFFF;

impl Cartridge {
    /// Parses an iNES / NES 2.0 image and builds its board.
    pub fn from_ines(bytes: &[u8]) -> Result<Self, RomError> {
        Self::from_ines_with(bytes, LoadOptions::default())
    }

    /// Like [`Cartridge::from_ines`], with header fields overridden.
    pub fn from_ines_with(bytes: &[u8], options: LoadOptions) -> Result<Self, RomError> {
        let mut header = Header::parse(bytes)?;
        if let Some(submapper) = options.submapper {
            header.submapper = submapper;
        }
        if header.format == HeaderFormat::INes && header.mapper == 5 {
            // iNES 1.0 cannot say how much RAM an ExROM board has (8 to 64
            // KiB): give it the most, as the MMC5 can address.
            if header.battery {
                header.prg_nvram_len = 0x10000;
                header.prg_ram_len = 0;
            } else {
                header.prg_ram_len = 0x10000;
            }
        }
        if let Some(region) = options.region {
            header.region = region;
        }
        let prg_start = header.prg_offset();
        let chr_start = prg_start + header.prg_rom_len;
        let prg_rom = mirrored_to_whole_banks(&bytes[prg_start..chr_start], PRG_SLOT);
        let chr_rom = &bytes[chr_start..chr_start + header.chr_rom_len];
        let (chr, chr_writable) = if chr_rom.is_empty() {
            (vec![0; header.chr_ram_len.max(0x2000).next_multiple_of(CHR_SLOT)], true)
        } else {
            (mirrored_to_whole_banks(chr_rom, CHR_SLOT), false)
        };
        let mut prg_ram = vec![0; header.prg_ram_len + header.prg_nvram_len];
        if header.trainer {
            // The trainer is loaded at $7000 (nesdev "INES": "512-byte trainer at $7000-$71FF").
            if prg_ram.len() < 0x2000 {
                prg_ram.resize(0x2000, 0);
            }
            prg_ram[0x1000..0x1200].copy_from_slice(&bytes[HEADER_LEN..HEADER_LEN + 512]);
        }
        let mut map = MemoryMap {
            prg: [PrgTarget::Open; 5],
            chr: [0; 8],
            nametables: [0; 4],
            prg_rom_len: prg_rom.len(),
            prg_ram_len: prg_ram.len(),
            chr_len: chr.len(),
            chr_writable,
            cpu_cycle: 0,
            ppu_dot: 0,
        };
        map.set_mirroring(header.mirroring);
        map.map_prg_ram(0, true, true);
        map.map_chr_8k(0);
        let board = Board::new(&header, &mut map)?;
        let watch_mask = board.ppu_bus_mask();
        let owns_ppu_bus = board.owns_ppu_bus();
        let ppu_hooked = owns_ppu_bus || board.watches_ppu_bus();
        let irq_capable = ppu_hooked || board.clocks_with_cpu();
        let trailing_bytes = bytes.len() - header.file_len();
        let rom_hash = crate::state::fnv1a(crate::state::fnv1a(crate::state::FNV_OFFSET, &bytes[prg_start..chr_start]), chr_rom);
        Ok(Cartridge {
            header,
            prg_rom,
            prg_ram,
            chr,
            vram: Box::new([0; 0x1000]),
            map,
            board,
            trailing_bytes,
            rom_hash,
            ram_dirty: false,
            owns_ppu_bus,
            ppu_hooked,
            board_ppu_hooked: ppu_hooked,
            chr_log: Vec::new(),
            chr_log_on: false,
            irq_capable,
            irq_state: if owns_ppu_bus { IRQ_ASK } else { IRQ_LOW },
            ppu_line_start: 0,
            watch_mask,
            watch_last: NO_ACCESS,
            fetch_always: owns_ppu_bus,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Bytes past the end of the declared ROM data (0 for a well-formed file).
    pub fn trailing_bytes(&self) -> usize {
        self.trailing_bytes
    }

    /// The ROM's identity for save states (FNV-1a over PRG and CHR ROM).
    pub fn rom_hash(&self) -> u64 {
        self.rom_hash
    }

    pub fn board(&self) -> &Board {
        &self.board
    }

    /// Puts the board back in its power-on state (keeps RAM contents).
    pub fn reset(&mut self) {
        self.board.reset(&mut self.map);
        self.refresh_irq();
    }

    /// CPU read of $4020-$FFFF; `None` means nothing drove the bus (open bus).
    #[inline]
    pub fn cpu_read(&self, addr: u16) -> Option<u8> {
        if addr < 0x6000 {
            return None;
        }
        match self.map.prg[prg_index(addr)] {
            PrgTarget::Rom(base) => Some(self.prg_rom[base as usize + usize::from(addr & 0x1FFF)]),
            PrgTarget::Ram { offset, .. } => Some(self.prg_ram[offset as usize + usize::from(addr & 0x1FFF)]),
            PrgTarget::Open => None,
        }
    }

    /// CPU read of $4020-$FFFF as the bus makes it: registers below $6000
    /// that answer reads (and may change on being read) included.
    #[inline]
    pub fn cpu_read_bus(&mut self, addr: u16) -> Option<u8> {
        if addr < 0x6000 {
            return self.board_read_low(addr);
        }
        self.cpu_read(addr)
    }

    #[cold]
    #[inline(never)]
    fn board_read_low(&mut self, addr: u16) -> Option<u8> {
        if !self.board.reads_low() {
            return None;
        }
        let value = self.board.cpu_read_low(addr);
        self.refresh_irq();
        value
    }

    /// Like [`Cartridge::cpu_read_bus`], without side effects.
    pub fn cpu_peek(&self, addr: u16) -> Option<u8> {
        if addr < 0x6000 {
            return self.board.peek_low(addr);
        }
        self.cpu_read(addr)
    }

    /// One CPU cycle, for boards that count them (see `clocks_with_cpu`).
    #[inline]
    pub fn cpu_clock(&mut self) {
        self.board.cpu_clock(&mut self.map);
        self.refresh_irq();
    }

    /// True when `cpu_clock` must be called every CPU cycle.
    pub fn clocks_with_cpu(&self) -> bool {
        self.board.clocks_with_cpu()
    }

    /// The board's expansion sound, on the APU mixer's scale.
    #[inline]
    pub fn audio_level(&self) -> f32 {
        self.board.audio_level()
    }

    /// Tells a snooping board (MMC5) about a CPU write to a PPU register.
    #[inline]
    pub fn ppu_register_written(&mut self, addr: u16, value: u8) {
        if self.board.watches_ppu_registers() {
            self.board.ppu_register_write(addr, value);
            self.refresh_irq();
        }
    }

    /// CPU write of $4020-$FFFF: RAM takes it, and the board sees it.
    #[inline]
    pub fn cpu_write(&mut self, addr: u16, value: u8, cpu_cycle: u64) {
        if addr >= 0x6000
            && let PrgTarget::Ram { offset, writable: true } = self.map.prg[prg_index(addr)]
        {
            self.prg_ram[offset as usize + usize::from(addr & 0x1FFF)] = value;
            self.ram_dirty = true;
        }
        if addr >= 0x8000 || self.board.sees_low_writes() {
            // Boards with bus conflicts see the AND of the CPU's value and the ROM's.
            let value = if self.board.has_bus_conflicts() {
                value & self.cpu_read(addr).unwrap_or(0xFF)
            } else {
                value
            };
            self.map.cpu_cycle = cpu_cycle;
            self.board.cpu_write(addr, value, &mut self.map);
            self.refresh_irq();
        }
    }

    /// PPU read of $0000-$2FFF (pattern tables and nametables).
    #[inline(always)]
    pub fn ppu_read(&mut self, addr: u16) -> u8 {
        if self.ppu_hooked {
            return self.hooked_ppu_read(addr);
        }
        PpuMemory { map: &self.map, chr: &self.chr, vram: &self.vram }.read(addr)
    }

    /// A rendering fetch at `dot` of the current line: [`Cartridge::ppu_read`]
    /// stamped with the PPU's time, which a board watching the bus gets
    /// with it (MMC3's A12 filter measures time between accesses).
    #[inline(always)]
    pub fn ppu_fetch(&mut self, addr: u16, dot: u16) -> u8 {
        if self.ppu_hooked && (self.fetch_always || addr & self.watch_mask != self.watch_last) {
            self.map.ppu_dot = self.ppu_line_start + u64::from(dot);
            return self.hooked_ppu_read(addr);
        }
        PpuMemory { map: &self.map, chr: &self.chr, vram: &self.vram }.read(addr)
    }

    /// PPU read without side effects (debugger, tests).
    #[inline(always)]
    pub fn ppu_peek(&self, addr: u16) -> u8 {
        let mem = PpuMemory { map: &self.map, chr: &self.chr, vram: &self.vram };
        if self.owns_ppu_bus { self.board.ppu_peek(addr, mem) } else { mem.read(addr) }
    }

    // Boards that watch or own the PPU bus take this path, out of line, so
    // the common path above stays small enough to inline into the PPU's loops.
    #[inline(never)]
    fn hooked_ppu_read(&mut self, addr: u16) -> u8 {
        let mem = PpuMemory { map: &self.map, chr: &self.chr, vram: &self.vram };
        if self.owns_ppu_bus {
            return self.board.ppu_read(addr, mem);
        }
        let value = mem.read(addr);
        self.log_chr(addr, crate::debug::cdl::chr::DRAWN);
        if self.board_ppu_hooked {
            // The board reacts after the fetch (MMC2's latches switch for the next one).
            self.tell_board(addr);
        }
        value
    }

    #[inline]
    fn tell_board(&mut self, addr: u16) {
        self.watch_last = addr & self.watch_mask;
        self.board.ppu_bus(addr, &mut self.map);
        self.refresh_irq();
    }

    /// After a restore: the next access goes to the board whatever it is.
    pub(crate) fn forget_ppu_bus(&mut self) {
        self.watch_last = NO_ACCESS;
    }

    /// A PPU read the program asked for through $2007.
    #[inline]
    pub fn ppu_read_for_cpu(&mut self, addr: u16) -> u8 {
        if !self.chr_log_on {
            return self.ppu_read(addr);
        }
        self.log_chr(addr, crate::debug::cdl::chr::READ);
        // The read itself goes the usual way (a board may react to it), but
        // it is the program's read, not a fetch for drawing.
        self.chr_log_on = false;
        let value = self.ppu_read(addr);
        self.chr_log_on = true;
        value
    }

    #[inline]
    fn log_chr(&mut self, addr: u16, flag: u8) {
        if self.chr_log_on && addr < 0x2000 {
            let offset = self.map.chr[usize::from(addr >> 10)] as usize + usize::from(addr & 0x3FF);
            if let Some(byte) = self.chr_log.get_mut(offset) {
                *byte |= flag;
            }
        }
    }

    /// Sizes the code/data log's CHR half (one byte per CHR ROM byte).
    /// Allocates: call it before the cartridge reaches the emulation thread.
    pub fn prepare_chr_log(&mut self) {
        self.chr_log.resize(self.header.chr_rom_len.min(self.chr.len()), 0);
    }

    /// Starts or stops recording CHR use (no allocation).
    pub fn set_chr_log(&mut self, on: bool) {
        self.chr_log_on = on;
        self.ppu_hooked = self.board_ppu_hooked || on;
        self.fetch_always = self.owns_ppu_bus || on;
    }

    /// The code/data log's CHR half: [`crate::debug::cdl::chr`] bits per CHR ROM byte.
    pub fn chr_log(&self) -> &[u8] {
        &self.chr_log
    }

    pub fn chr_log_mut(&mut self) -> &mut [u8] {
        &mut self.chr_log
    }

    /// Offset into PRG ROM of what the CPU sees at `addr`, if ROM is mapped there.
    #[inline]
    pub fn prg_rom_offset(&self, addr: u16) -> Option<u32> {
        if addr < 0x6000 {
            return None;
        }
        match self.map.prg[prg_index(addr)] {
            PrgTarget::Rom(base) => Some(base + u32::from(addr & 0x1FFF)),
            _ => None,
        }
    }

    /// The CPU addresses at which PRG ROM offset `offset` is mapped now.
    pub fn prg_rom_address(&self, offset: u32) -> Option<u16> {
        (3..8u16).find_map(|slot| match self.map.prg[usize::from(slot) - 3] {
            PrgTarget::Rom(base) if (base..base + PRG_SLOT as u32).contains(&offset) => {
                Some((slot << 13) | (offset - base) as u16)
            }
            _ => None,
        })
    }

    /// PRG ROM as loaded (whole banks).
    pub fn prg_rom(&self) -> &[u8] {
        &self.prg_rom
    }

    /// Pattern memory: CHR ROM, or CHR RAM.
    pub fn chr(&self) -> &[u8] {
        &self.chr
    }

    /// CIRAM (2 KiB of nametables) and the four-screen extra.
    pub fn vram(&self) -> &[u8; 0x1000] {
        &self.vram
    }

    /// The debugger's edits: bytes changed in place, nothing else happens.
    pub(crate) fn memory_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8], &mut [u8; 0x1000]) {
        (&mut self.prg_rom, &mut self.prg_ram, &mut self.chr, &mut self.vram)
    }

    /// PPU write of $0000-$2FFF.
    #[inline]
    pub fn ppu_write(&mut self, addr: u16, value: u8) {
        if self.board_ppu_hooked && !self.owns_ppu_bus {
            self.tell_board(addr);
        }
        let mut mem = PpuMemoryMut { map: &self.map, chr: &mut self.chr, vram: &mut self.vram };
        if self.owns_ppu_bus {
            self.board.ppu_write(addr, value, mem);
        } else {
            mem.write(addr, value);
        }
    }

    /// Tells an interested board that the PPU put `addr` on its bus without reading.
    #[inline]
    pub fn ppu_address(&mut self, addr: u16) {
        if self.board_ppu_hooked && !self.owns_ppu_bus {
            self.tell_board(addr);
        }
    }

    /// Tells the board the PPU's time, in dots since power-on.
    #[inline]
    pub fn set_ppu_dot(&mut self, dot: u64) {
        self.map.ppu_dot = dot;
    }

    /// The PPU's time at dot 0 of the line it is on, which stamps its
    /// fetches ([`Cartridge::ppu_fetch`]); the PPU sets it at each new line.
    #[inline]
    pub fn set_ppu_line_start(&mut self, time: u64) {
        self.ppu_line_start = time;
    }

    /// True when the board has registers below $8000.
    pub fn sees_low_writes(&self) -> bool {
        self.board.sees_low_writes()
    }

    /// True when the board must see every PPU address-bus access as it happens.
    pub fn watches_ppu_bus(&self) -> bool {
        self.board_ppu_hooked
    }

    /// True when the board decides every PPU read itself (MMC5): the PPU is
    /// then stepped every half CPU cycle.
    pub fn owns_ppu_bus(&self) -> bool {
        self.owns_ppu_bus
    }

    /// Dots (at least 1) in which a board watching the PPU bus cannot raise
    /// or drop its IRQ without a CPU write (see `Mapper::irq_quiet_dots`).
    #[inline]
    pub fn irq_quiet_dots(&self, ppu: &crate::ppu::BusOutlook) -> u64 {
        self.board.irq_quiet_dots(ppu).max(1)
    }

    /// The board's IRQ output (level, active high here).
    #[inline(always)]
    pub fn irq(&self) -> bool {
        let out = match self.irq_state {
            IRQ_LOW => false,
            IRQ_HIGH => true,
            _ => self.board_irq(),
        };
        #[cfg(test)]
        assert_eq!(out, self.live_irq(), "the board's IRQ output is current");
        out
    }

    /// After a call that may have changed the board's IRQ output.
    #[inline]
    fn refresh_irq(&mut self) {
        if self.irq_state != IRQ_ASK {
            self.irq_state = if self.live_irq() { IRQ_HIGH } else { IRQ_LOW };
        }
    }

    /// The board's IRQ output asked of the board (what `irq_state` caches).
    #[inline]
    fn live_irq(&self) -> bool {
        self.irq_capable && self.board.irq()
    }

    #[inline(never)]
    fn board_irq(&self) -> bool {
        self.board.irq()
    }

    /// The battery-backed RAM, if the cartridge has a battery: what a save file holds.
    pub fn battery_ram(&self) -> Option<&[u8]> {
        self.header.battery.then_some(&self.prg_ram[..])
    }

    /// Fills PRG RAM with a power-on pattern, unless a battery keeps it
    /// (then it holds what the save file says, or zeros).
    pub fn fill_volatile_ram(&mut self, init: crate::RamInit) {
        if !self.header.battery {
            init.fill(&mut self.prg_ram);
        }
    }

    /// All PRG RAM (work and battery), e.g. MMC1's or MMC3's 8 KiB at $6000.
    pub fn prg_ram(&self) -> &[u8] {
        &self.prg_ram
    }

    /// Bytes of all the RAM the cartridge holds (PRG RAM, CHR RAM, the
    /// nametable RAM kept beside it): what [`Cartridge::copy_ram`] copies.
    pub fn ram_len(&self) -> usize {
        let chr_ram = if self.map.chr_writable { self.chr.len() } else { 0 };
        self.prg_ram.len() + chr_ram + self.vram.len()
    }

    /// Appends all its RAM to `out` (no allocation with room for
    /// [`Cartridge::ram_len`] more bytes).
    pub(crate) fn copy_ram(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.prg_ram);
        if self.map.chr_writable {
            out.extend_from_slice(&self.chr);
        }
        out.extend_from_slice(&self.vram[..]);
    }

    /// Puts back RAM copied by `copy_ram` from this cartridge, with the PRG
    /// RAM dirty flag it had.
    pub(crate) fn put_back_ram(&mut self, saved: &[u8], dirty: bool) {
        let (prg, rest) = saved.split_at(self.prg_ram.len());
        self.prg_ram.copy_from_slice(prg);
        let rest = if self.map.chr_writable {
            let (chr, rest) = rest.split_at(self.chr.len());
            self.chr.copy_from_slice(chr);
            rest
        } else {
            rest
        };
        self.vram.copy_from_slice(rest);
        self.ram_dirty = dirty;
    }

    /// Replaces PRG RAM with a saved image, which must be exactly its size;
    /// on a size mismatch nothing changes.
    pub fn load_prg_ram(&mut self, data: &[u8]) -> Result<(), RamSizeError> {
        if data.len() != self.prg_ram.len() {
            return Err(RamSizeError { expected: self.prg_ram.len(), found: data.len() });
        }
        self.prg_ram.copy_from_slice(data);
        self.ram_dirty = false;
        Ok(())
    }

    /// True if PRG RAM was written since the last call (then clears the flag):
    /// the I/O layer saves when this says so.
    pub fn take_ram_dirty(&mut self) -> bool {
        std::mem::take(&mut self.ram_dirty)
    }

    /// Whether PRG RAM was written since the flag was last taken.
    pub fn ram_dirty(&self) -> bool {
        self.ram_dirty
    }

    /// The current bank tables (for the debugger and tests).
    pub fn memory_map(&self) -> &MemoryMap {
        &self.map
    }
}

impl crate::state::Persist for PrgTarget {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        let (mut tag, mut offset, mut writable) = match *self {
            PrgTarget::Open => (0u8, 0u32, false),
            PrgTarget::Rom(base) => (1, base, false),
            PrgTarget::Ram { offset, writable } => (2, offset, writable),
        };
        s.u8(&mut tag);
        s.u32(&mut offset);
        s.bool(&mut writable);
        *self = match tag {
            1 => PrgTarget::Rom(offset),
            2 => PrgTarget::Ram { offset, writable },
            _ => PrgTarget::Open,
        };
    }
}

/// [`Cartridge::irq_state`]'s values.
const IRQ_LOW: u8 = 0;
const IRQ_HIGH: u8 = 1;
const IRQ_ASK: u8 = 2;

/// RAM (PRG, CHR where it is RAM, VRAM), the bank tables and the board's
/// registers. ROM is not state: a state belongs to one ROM.
impl crate::state::Persist for Cartridge {
    fn persist<S: crate::state::Stream>(&mut self, s: &mut S) {
        s.bytes(&mut self.prg_ram);
        if self.map.chr_writable {
            s.bytes(&mut self.chr);
        }
        s.bytes(&mut self.vram[..]);
        self.map.prg.persist(s);
        s.u32s(&mut self.map.chr);
        s.u32s(&mut self.map.nametables);
        s.u64(&mut self.map.cpu_cycle);
        s.u64(&mut self.map.ppu_dot);
        self.board.persist(s);
        // Restored RAM differs from what the save file holds.
        if s.restoring() {
            self.ram_dirty |= self.header.battery;
            self.refresh_irq();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(flags6: u8, trainer: Option<[u8; 512]>) -> Vec<u8> {
        let mut rom = vec![b'N', b'E', b'S', 0x1A, 1, 1, flags6, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        if let Some(t) = trainer {
            rom.extend_from_slice(&t);
        }
        rom.extend(std::iter::repeat_n(0xA5, 0x4000));
        rom.extend(std::iter::repeat_n(0x3C, 0x2000));
        rom
    }

    #[test]
    fn trainer_is_loaded_at_7000() {
        let mut trainer = [0u8; 512];
        trainer[0] = 0x11;
        trainer[511] = 0x22;
        let cart = Cartridge::from_ines(&image(0x04, Some(trainer))).unwrap();
        assert_eq!(cart.cpu_read(0x7000), Some(0x11));
        assert_eq!(cart.cpu_read(0x71FF), Some(0x22));
        assert_eq!(cart.cpu_read(0x8000), Some(0xA5), "PRG starts after the trainer");
        assert_eq!(cart.ppu_peek(0x0000), 0x3C);
    }

    #[test]
    fn unsupported_mapper_is_named() {
        let err = Cartridge::from_ines(&image(0xD0, None)).unwrap_err();
        assert!(matches!(err, RomError::UnsupportedMapper { mapper: 13, supported } if supported.starts_with("0 1 2 3 4")));
        assert!(err.to_string().starts_with("mapper 13 is not supported"));
    }

    #[test]
    fn battery_ram_loads_saves_and_reports_writes() {
        let mut cart = Cartridge::from_ines(&image(0x02, None)).unwrap();
        let len = cart.battery_ram().expect("battery flag").len();
        assert_eq!(len, 0x2000);
        assert!(!cart.ram_dirty());
        cart.cpu_write(0x6123, 0x5A, 0);
        assert!(cart.take_ram_dirty());
        assert!(!cart.take_ram_dirty(), "taking clears it");
        assert_eq!(cart.battery_ram().unwrap()[0x123], 0x5A);
        // A save of the wrong size is refused and changes nothing.
        let err = cart.load_prg_ram(&[1, 2, 3]).unwrap_err();
        assert_eq!(err, RamSizeError { expected: 0x2000, found: 3 });
        assert_eq!(cart.cpu_read(0x6123), Some(0x5A));
        let mut save = vec![0u8; 0x2000];
        save[0] = 0x77;
        cart.load_prg_ram(&save).unwrap();
        assert_eq!(cart.cpu_read(0x6000), Some(0x77));
        assert!(!cart.ram_dirty(), "a freshly loaded save is clean");
        // Without a battery there is nothing to save.
        assert!(Cartridge::from_ines(&image(0, None)).unwrap().battery_ram().is_none());
    }

    #[test]
    fn trailing_bytes_are_counted_not_refused() {
        let mut rom = image(0, None);
        rom.extend_from_slice(b"title");
        assert_eq!(Cartridge::from_ines(&rom).unwrap().trailing_bytes(), 5);
    }
}
