//! The whole machine: CPU plus everything on its bus.

use crate::bus::Bus;
use crate::cart::{Cartridge, RomError};
use crate::state::{self, Persist};
use crate::cpu::{disasm, Cpu};
use crate::power::RamInit;
use crate::ppu::{HEIGHT, WIDTH};

/// A NES with a cartridge inserted and powered on.
#[derive(Debug, Clone)]
pub struct Nes {
    pub(crate) cpu: Cpu,
    pub(crate) bus: Bus,
    /// Bytes of a state capture: fixed by the cartridge, counted once.
    state_len: usize,
    /// Bytes of a lean capture (no picture).
    lean_len: usize,
    /// Power-on RAM contents, used again by [`Nes::power_cycle`].
    ram_init: RamInit,
}

impl Nes {
    /// Inserts the cartridge and powers the console on with RAM cleared.
    pub fn new(cart: Cartridge) -> Self {
        Self::with_ram_init(cart, RamInit::Zeros)
    }

    /// Inserts the cartridge and powers on with RAM (the console's, and the
    /// cartridge's unless a battery keeps it) filled as `ram_init` says.
    pub fn with_ram_init(mut cart: Cartridge, ram_init: RamInit) -> Self {
        cart.fill_volatile_ram(ram_init);
        Self::power_on(cart, ram_init)
    }

    fn power_on(cart: Cartridge, ram_init: RamInit) -> Self {
        let mut bus = Bus::new(cart);
        ram_init.fill(bus.ram_mut());
        let mut cpu = Cpu::new();
        cpu.power_on(&mut bus);
        bus.sync_ppu();
        let mut nes = Nes { cpu, bus, state_len: 0, lean_len: 0, ram_init };
        let mut counter = state::Counter::default();
        nes.persist(&mut counter);
        nes.state_len = counter.len;
        let mut counter = state::Counter { lean: true, ..state::Counter::default() };
        nes.persist(&mut counter);
        nes.lean_len = counter.len;
        nes
    }

    /// Parses an iNES image and powers on with it.
    pub fn from_ines(bytes: &[u8]) -> Result<Self, RomError> {
        Ok(Self::new(Cartridge::from_ines(bytes)?))
    }

    /// Runs until the PPU starts the next frame; the frame buffer then holds
    /// the frame just finished.
    pub fn run_frame(&mut self) {
        self.leave_view();
        let frame = self.bus.ppu.frame_count();
        while self.bus.ppu.frame_count() == frame {
            self.cpu.step(&mut self.bus);
        }
        self.bus.sync_ppu();
        self.bus.apu.end_frame();
    }

    /// Moves finished audio samples (mono, host rate, about -1..1) into
    /// `out`; returns how many. A frame makes about rate / 60 of them.
    pub fn read_audio(&mut self, out: &mut [f32]) -> usize {
        self.bus.apu.synth_mut().read(out)
    }

    /// Audio samples waiting to be read.
    pub fn audio_available(&self) -> usize {
        self.bus.apu.synth().available()
    }

    /// Turns sound synthesis off (a frontend with no audio device) or back on.
    pub fn set_audio_enabled(&mut self, enabled: bool) {
        self.bus.apu.set_audio_enabled(enabled);
    }

    /// Sets the host sample rate (48 kHz unless told otherwise).
    pub fn set_sample_rate(&mut self, rate: u32) {
        self.bus.apu.synth_mut().set_sample_rate(rate);
    }

    /// Makes `ratio` times as many samples per emulated second: dynamic
    /// rate control keeps the host's audio buffer level with this.
    pub fn set_audio_ratio(&mut self, ratio: f64) {
        self.bus.apu.synth_mut().set_ratio(ratio);
    }

    /// Runs one CPU instruction (or one cycle while jammed).
    pub fn step_instruction(&mut self) {
        self.leave_view();
        let frame = self.bus.ppu.frame_count();
        self.cpu.step(&mut self.bus);
        self.bus.sync_ppu();
        if self.bus.ppu.frame_count() != frame {
            // The step crossed into a new frame: close the audio frame as
            // run_frame does, so rate changes and sample output stay in step.
            self.bus.apu.end_frame();
        }
    }

    /// The reset button.
    pub fn reset(&mut self) {
        self.bus.sync_ppu();
        self.bus.reset();
        self.cpu.reset(&mut self.bus);
        self.bus.sync_ppu();
    }

    /// Switches the console off and on again: console RAM starts over from
    /// the power-on pattern; cartridge RAM is kept, as a battery would.
    pub fn power_cycle(&mut self) {
        let mut cart = self.bus.cart.clone();
        cart.reset();
        let debugger = self.take_debugger();
        *self = Nes::power_on(cart, self.ram_init);
        if let Some(debugger) = debugger {
            self.attach_debugger(debugger);
        }
    }

    /// [`Nes::power_cycle`] without allocating, for a real-time thread:
    /// `power_on` is a capture of this cartridge taken right after power-on
    /// and `scratch` a buffer with room for [`Cartridge::ram_len`] bytes,
    /// through which the cartridge's RAM survives as in `power_cycle`.
    pub fn power_cycle_from(&mut self, power_on: &[u8], scratch: &mut Vec<u8>) -> Result<(), state::StateError> {
        if power_on.len() != self.state_len {
            return Err(state::StateError::Layout { expected: self.state_len, found: power_on.len() });
        }
        let dirty = self.bus.cart.ram_dirty();
        scratch.clear();
        self.bus.cart.copy_ram(scratch);
        self.restore(power_on)?;
        self.bus.cart.put_back_ram(scratch, dirty);
        Ok(())
    }

    /// How many times the game has latched the controllers since power-on:
    /// input set before a latch is what the game reads at it.
    pub fn controller_strobes(&self) -> u64 {
        self.bus.strobes()
    }

    /// The power-on RAM pattern this console was started with.
    pub fn ram_init(&self) -> RamInit {
        self.ram_init
    }

    /// The cartridge (battery RAM, header, board) as loaded.
    pub fn cartridge(&self) -> &Cartridge {
        &self.bus.cart
    }

    /// The cartridge, to load a save into its RAM or take its dirty flag.
    pub fn cartridge_mut(&mut self) -> &mut Cartridge {
        &mut self.bus.cart
    }

    /// Sets the buttons held on controller `port` (0 or 1).
    pub fn set_buttons(&mut self, port: usize, buttons: u8) {
        self.bus.pads[port].buttons = buttons;
    }

    /// The buttons held on controller `port` (0 or 1) as last set.
    pub fn buttons(&self, port: usize) -> u8 {
        self.bus.pads[port].buttons
    }

    /// Reads the CPU address space without side effects.
    pub fn peek(&self, addr: u16) -> u8 {
        self.bus.peek(addr)
    }

    /// Palette indices (bits 0-5) and emphasis (bits 6-8) of the last frame.
    pub fn frame_buffer(&self) -> &[u16; WIDTH * HEIGHT] {
        self.bus.ppu.frame_buffer()
    }

    /// A 64-bit FNV-1a hash of the frame buffer.
    pub fn frame_hash(&self) -> u64 {
        self.frame_buffer().iter().fold(state::FNV_OFFSET, |hash, px| state::fnv1a(hash, &px.to_le_bytes()))
    }

    /// NTSC, PAL or Dendy, from the header or the load options.
    pub fn timing(&self) -> crate::Timing {
        self.bus.timing()
    }

    /// Bytes a state capture of this machine takes (fixed for a cartridge).
    pub fn state_len(&self) -> usize {
        self.state_len
    }

    /// Captures the whole machine into `out` (cleared first). With `out`'s
    /// capacity at least [`Nes::state_len`], nothing is allocated (rewind
    /// and run-ahead use [`Nes::capture_lean`]).
    pub fn capture(&mut self, out: &mut Vec<u8>) {
        out.clear();
        self.persist(&mut state::Writer::new(out));
    }

    /// Restores a capture made by [`Nes::capture`] on this cartridge. A buffer
    /// of the wrong size is refused before anything changes.
    pub fn restore(&mut self, data: &[u8]) -> Result<(), state::StateError> {
        self.restore_from(state::Reader::new(data), self.state_len)
    }

    /// Bytes a lean capture takes: [`Nes::state_len`] less the picture but
    /// its first rows.
    pub fn lean_state_len(&self) -> usize {
        self.lean_len
    }

    /// Captures the machine without its picture (but the first rows, which
    /// a frame boundary can catch half drawn) into `out` (cleared first):
    /// what rewind and run-ahead keep each frame. The frame after a
    /// [`Nes::restore_lean`] draws every other pixel again, so running one
    /// frame from a lean capture gives what the full one would.
    /// With `out`'s capacity at least [`Nes::lean_state_len`], nothing is
    /// allocated.
    pub fn capture_lean(&mut self, out: &mut Vec<u8>) {
        out.clear();
        self.persist(&mut state::Writer::lean(out));
    }

    /// Restores a [`Nes::capture_lean`] of this cartridge; below its first
    /// rows the picture stays the one last drawn. A buffer of the wrong size changes nothing.
    pub fn restore_lean(&mut self, data: &[u8]) -> Result<(), state::StateError> {
        self.restore_from(state::Reader::lean(data), self.lean_len)
    }

    /// Both restores: the length checked first, then every field read.
    fn restore_from(&mut self, mut reader: state::Reader<'_>, expected: usize) -> Result<(), state::StateError> {
        let found = reader.len();
        if found != expected {
            return Err(state::StateError::Layout { expected, found });
        }
        self.persist(&mut reader);
        self.bus.restored();
        debug_assert!(reader.finish());
        Ok(())
    }

    /// A save-state file: header (ROM hash, frame number, `thumbnail`) and body.
    pub fn save_state(&mut self, thumbnail: &[u8]) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.state_len());
        self.capture(&mut body);
        let mut file = Vec::with_capacity(body.len() + thumbnail.len() + 64);
        state::StateHeader::write(self.bus.cart.rom_hash(), self.frame_count(), thumbnail, &body, &mut file);
        file.extend_from_slice(&body);
        file
    }

    /// Loads a save-state file. Everything is checked first (format, version,
    /// ROM, length, checksum); a refused file changes nothing.
    pub fn load_state(&mut self, file: &[u8]) -> Result<state::StateHeader, state::StateError> {
        let (header, body) = state::StateHeader::parse(file)?;
        header.check(self.bus.cart.rom_hash())?;
        self.restore(&state::migrate(header.format_version, body))?;
        Ok(header)
    }

    pub fn frame_count(&self) -> u64 {
        self.bus.ppu.frame_count()
    }

    pub fn cpu(&self) -> &Cpu {
        &self.cpu
    }

    pub fn cpu_mut(&mut self) -> &mut Cpu {
        &mut self.cpu
    }

    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    pub(crate) fn bus_mut(&mut self) -> &mut Bus {
        &mut self.bus
    }

    /// The CPU state before the next instruction, in nestest.log's layout:
    /// `PC  bytes  disassembly  A:.. X:.. Y:.. P:.. SP:.. PPU:sl,dot CYC:n`.
    pub fn trace_line(&self) -> String {
        let cpu = &self.cpu;
        let (text, len) = disasm::disassemble(cpu.pc, |a| self.peek(a));
        let bytes: Vec<String> = (0..len).map(|i| format!("{:02X}", self.peek(cpu.pc.wrapping_add(i)))).collect();
        format!(
            "{:04X}  {:<8}  {:<31} A:{:02X} X:{:02X} Y:{:02X} P:{:02X} SP:{:02X} PPU:{:>3},{:>3} CYC:{}",
            cpu.pc,
            bytes.join(" "),
            text,
            cpu.a,
            cpu.x,
            cpu.y,
            cpu.p,
            cpu.s,
            self.bus.ppu.scanline(),
            self.bus.ppu.dot(),
            cpu.cycles
        )
    }
}

crate::state::persist_fields!(Nes { cpu, bus });

#[cfg(test)]
mod tests {
    use super::*;

    /// NROM whose program stores $42 to RAM $0010 and PRG RAM $6000, then loops.
    fn rom() -> Vec<u8> {
        let mut rom = vec![b'N', b'E', b'S', 0x1A, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut prg = vec![0xEA; 0x4000];
        prg[..9].copy_from_slice(&[0xA9, 0x42, 0x85, 0x10, 0x8D, 0x00, 0x60, 0x4C, 0x07]);
        prg[9] = 0x80;
        prg[0x3FFC] = 0x00;
        prg[0x3FFD] = 0x80;
        rom.extend(prg);
        rom.extend(vec![0; 0x2000]);
        rom
    }

    #[test]
    fn power_cycle_clears_the_console_but_keeps_cartridge_ram() {
        let mut nes = Nes::from_ines(&rom()).unwrap();
        nes.run_frame();
        nes.run_frame();
        assert_eq!((nes.peek(0x0010), nes.peek(0x6000)), (0x42, 0x42));
        nes.power_cycle();
        assert_eq!(nes.peek(0x0010), 0, "console RAM starts cleared");
        assert_eq!(nes.peek(0x6000), 0x42, "cartridge RAM is kept");
        assert_eq!(nes.frame_count(), 0);
        assert_eq!((nes.cpu().pc, nes.cpu().cycles), (0x8000, 7));
    }

    /// A program that keeps toggling rendering and polling $2002 with a loop
    /// whose length drifts against the frame, so its PPU accesses land on
    /// every part of the frame, the odd-frame skip included.
    fn toggling_rom() -> Vec<u8> {
        let mut rom = rom();
        // NMI handler at $8100: STX $31 (where the inner loop was); INC $30; RTI.
        rom[16 + 0x100..16 + 0x105].copy_from_slice(&[0x86, 0x31, 0xE6, 0x30, 0x40]);
        rom[16 + 0x3FFA] = 0x00;
        rom[16 + 0x3FFB] = 0x81;
        let code = [
            0xA9, 0x80, 0x8D, 0x00, 0x20, // LDA #$80; STA $2000 (NMI on)
            0xA9, 0x1E, 0x8D, 0x01, 0x20, // LDA #$1E; STA $2001 (rendering on)
            0xA2, 0x00, // LDX #0
            0xE8, 0xE0, 0x00, 0xD0, 0xFB, // INX; CPX #0; BNE -5 (256 rounds)
            0xAD, 0x02, 0x20, // LDA $2002
            0x85, 0x32, // STA $32 (what the status read saw)
            0xA9, 0x00, 0x8D, 0x01, 0x20, // LDA #0; STA $2001 (rendering off)
            0xE6, 0x20, // INC $20
            0xA6, 0x20, // LDX $20
            0xCA, 0xD0, 0xFD, // DEX; BNE -3 (a delay that grows each round)
            0x4C, 0x00, 0x80, // JMP $8000
        ];
        rom[16..16 + code.len()].copy_from_slice(&code);
        rom
    }

    #[test]
    fn lazy_ppu_catch_up_matches_stepping_every_half_cycle() {
        let mut lazy = Nes::from_ines(&toggling_rom()).unwrap();
        let mut eager = Nes::from_ines(&toggling_rom()).unwrap();
        eager.bus.force_eager_ppu();
        for frame in 0..120 {
            lazy.run_frame();
            eager.run_frame();
            assert_eq!(lazy.cpu().cycles, eager.cpu().cycles, "frame {frame} ends on the same cycle");
            assert_eq!(lazy.frame_hash(), eager.frame_hash(), "frame {frame} draws the same");
            assert_eq!(lazy.cpu(), eager.cpu(), "frame {frame}");
            for addr in [0x30, 0x31, 0x32] {
                assert_eq!(lazy.peek(addr), eager.peek(addr), "frame {frame}: ${addr:02X} (NMI count, NMI time, status read)");
            }
        }
        assert!(lazy.peek(0x30) > 100, "NMIs were taken");
    }

    /// Real programs (scrolling, fine X, sprites over the background, split
    /// screens, sprite 0 polling) drawn by the lazy catch-up, whose visible
    /// lines run a tile at a time, and by stepping every half cycle, whose
    /// lines run a dot at a time: every frame must match.
    #[test]
    fn tile_at_a_time_rendering_matches_dot_by_dot_on_real_programs() {
        let dir = std::env::var_os("PHOSPHOR_TEST_ROMS").map(std::path::PathBuf::from).unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-roms/nes-test-roms")
        });
        let roms = [
            "ny2011/ny2011.nes",
            "spritecans-2011/spritecans.nes",
            "scrolltest/scroll.nes",
            "other/8bitpeoples_-_deadline_console_invitro.nes",
            "stars_se/StarsSE.NES",
            "scanline/scanline.nes",
            "240pee/240pee.nes",
            "window5/colorwin_ntsc.nes",
        ];
        if !dir.join(roms[0]).exists() {
            eprintln!("SKIPPED: conformance ROMs not found at {}", dir.display());
            return;
        }
        for rom in roms {
            let bytes = std::fs::read(dir.join(rom)).unwrap();
            let (_, distinct) =
                run_lazy_and_eager(rom, &bytes, 300, |frame| [0x08, 0x80, 0x40, 0x10, 0x20, 0x01][(frame / 25) as usize % 6]);
            assert!(distinct > 2, "{rom}: the picture changes ({distinct} distinct frames)");
        }
    }

    /// Runs `bytes` with the PPU caught up lazily and stepped every half
    /// cycle side by side, `buttons(frame)` held: each frame must draw the
    /// same, end in the same CPU state and have seen the board's IRQ rise
    /// and fall on the same cycles. Returns the lazy machine and how many
    /// distinct pictures it drew.
    fn run_lazy_and_eager(name: &str, bytes: &[u8], frames: u32, buttons: impl Fn(u32) -> u8) -> (Nes, usize) {
        let mut lazy = Nes::from_ines(bytes).unwrap();
        let mut eager = Nes::from_ines(bytes).unwrap();
        eager.bus.force_eager_ppu();
        let mut distinct = std::collections::HashSet::new();
        for frame in 0..frames {
            lazy.set_buttons(0, buttons(frame));
            eager.set_buttons(0, buttons(frame));
            lazy.run_frame();
            eager.run_frame();
            assert_eq!(lazy.bus.irq_edges, eager.bus.irq_edges, "{name}: frame {frame}: IRQ edges");
            assert_eq!(lazy.frame_hash(), eager.frame_hash(), "{name}: frame {frame}: picture");
            assert_eq!(lazy.cpu(), eager.cpu(), "{name}: frame {frame}");
            distinct.insert(lazy.frame_hash());
        }
        (lazy, distinct.len())
    }

    /// An MMC3 program that keeps its scanline IRQ busy under everything
    /// that moves the counter's clock: 8x16 sprites from both tables (tile
    /// parity picks the table, so A12 rises between sprites), 8x8 sprites,
    /// either background table, latches of 0-7 reloaded each frame and 0-3
    /// from the IRQ handler, and $2006 writes that drive A12 from the CPU at
    /// a moment that drifts each round.
    fn busy_mmc3_rom() -> Vec<u8> {
        let mut rom = vec![0u8; 16 + 0x8000 + 0x2000];
        rom[..8].copy_from_slice(&[b'N', b'E', b'S', 0x1A, 2, 1, 0x40, 0]);
        let reset = [
            0x78, 0xA2, 0xFF, 0x9A, 0xE8, // SEI; LDX #$FF; TXS; INX
            0x8A, 0x4A, 0x4A, 0x9D, 0x00, 0x02, 0xE8, 0xD0, 0xF7, // OAM page: byte i = i / 4
            0xA9, 0xA8, 0x8D, 0x00, 0x20, // LDA #$A8; STA $2000 (NMI, 8x16)
            0xA9, 0x1E, 0x8D, 0x01, 0x20, // LDA #$1E; STA $2001
            0x58, // CLI
            0xE6, 0x12, 0xA6, 0x12, 0xCA, 0xD0, 0xFD, // INC $12; LDX $12; DEX; BNE -3
            0xA9, 0x10, 0x8D, 0x06, 0x20, 0xA9, 0x00, 0x8D, 0x06, 0x20, // v = $1000: A12 high
            0x8D, 0x06, 0x20, 0x8D, 0x06, 0x20, // v = $0000: A12 low
            0x4C, 0x19, 0x80, // JMP $8019
        ];
        let nmi = [
            0x48, 0xA9, 0x02, 0x8D, 0x14, 0x40, // PHA; OAM DMA from $0200
            0xE6, 0x10, 0xA5, 0x10, 0x29, 0x07, // INC $10; LDA $10; AND #7
            0x8D, 0x00, 0xC0, 0x8D, 0x01, 0xC0, 0x8D, 0x01, 0xE0, // latch, reload, enable
            0xA5, 0x10, 0x29, 0x30, 0x09, 0x88, 0x8D, 0x00, 0x20, // tables and sprite size from the count
            0x68, 0x40, // PLA; RTI
        ];
        let irq = [
            0x48, 0x8D, 0x00, 0xE0, 0x8D, 0x01, 0xE0, // PHA; acknowledge; enable
            0xE6, 0x11, 0xA5, 0x11, 0x29, 0x03, 0x8D, 0x00, 0xC0, // latch = IRQ count & 3
            0x68, 0x40, // PLA; RTI
        ];
        for (at, code) in [(0x0000, &reset[..]), (0x0100, &nmi[..]), (0x0200, &irq[..])] {
            rom[16 + at..16 + at + code.len()].copy_from_slice(code);
        }
        rom[16 + 0x7FFA..16 + 0x8000].copy_from_slice(&[0x00, 0x81, 0x00, 0x80, 0x00, 0x82]);
        for (i, byte) in rom[16 + 0x8000..].iter_mut().enumerate() {
            *byte = (i as u8).wrapping_mul(0x35) ^ (i >> 8) as u8;
        }
        rom
    }

    /// MMC2's latches switch CHR banks on the fetches of tiles $FD and $FE,
    /// with no IRQ, so its PPU runs in whole batches: a screen of those
    /// tiles (and sprites among them), scrolled each frame, must draw the
    /// same as stepping every half cycle.
    #[test]
    fn batched_ppu_under_mmc2_latches_draws_as_stepping_every_half_cycle() {
        let mut rom = vec![0u8; 16 + 0x8000 + 0x4000];
        rom[..8].copy_from_slice(&[b'N', b'E', b'S', 0x1A, 2, 2, 0x90, 0]);
        let reset = [
            0x78, 0xA2, 0xFF, 0x9A, // SEI; LDX #$FF; TXS
            0xA9, 0x00, 0x8D, 0x00, 0xB0, 0xA9, 0x01, 0x8D, 0x00, 0xC0, // $0000 banks: FD 0, FE 1
            0xA9, 0x02, 0x8D, 0x00, 0xD0, 0xA9, 0x03, 0x8D, 0x00, 0xE0, // $1000 banks: FD 2, FE 3
            0x2C, 0x02, 0x20, 0xA9, 0x20, 0x8D, 0x06, 0x20, 0xA9, 0x00, 0x8D, 0x06, 0x20, // v = $2000
            0xA0, 0x04, 0xA2, 0x00, // LDY #4; LDX #0
            0x8A, 0x29, 0x03, 0x09, 0xFC, 0x8D, 0x07, 0x20, 0xE8, 0xD0, 0xF5, 0x88, 0xD0, 0xF2, // tiles $FC-$FF
            0xA2, 0x00, 0x8A, 0x9D, 0x00, 0x02, 0xE8, 0xD0, 0xF9, // OAM page: byte i = i
            0xA9, 0x88, 0x8D, 0x00, 0x20, 0xA9, 0x1E, 0x8D, 0x01, 0x20, // NMI on, sprites at $1000; render
            0x4C, 0x4A, 0xE0, // JMP to itself
        ];
        let nmi = [
            0x48, 0xA9, 0x02, 0x8D, 0x14, 0x40, 0xE6, 0x10, 0xA5, 0x10, // PHA; OAM DMA; INC $10; LDA $10
            0x8D, 0x05, 0x20, 0x8D, 0x05, 0x20, 0x68, 0x40, // scroll by the count; PLA; RTI
        ];
        rom[16 + 0x6000..16 + 0x6000 + reset.len()].copy_from_slice(&reset);
        rom[16 + 0x6100..16 + 0x6100 + nmi.len()].copy_from_slice(&nmi);
        rom[16 + 0x7FFA..16 + 0x8000].copy_from_slice(&[0x00, 0xE1, 0x00, 0xE0, 0x00, 0xE0]);
        for (i, byte) in rom[16 + 0x8000..].iter_mut().enumerate() {
            // Each 4 KiB bank its own pattern, so a wrong latch shows.
            *byte = (i as u8).wrapping_mul(0x1D) ^ ((i >> 12) as u8).wrapping_mul(0x55);
        }
        let (batched, distinct) = run_lazy_and_eager("MMC2", &rom, 120, |_| 0);
        assert!(batched.bus.cart.watches_ppu_bus() && !batched.bus.cart.owns_ppu_bus(), "MMC2 runs batched");
        assert!(distinct > 50, "the picture scrolls ({distinct} distinct frames)");
    }

    /// Boards that watch the PPU bus (MMC3's A12 counter) let the PPU run in
    /// batches as long as their IRQ cannot change: every frame of every MMC3
    /// program in the conformance set must draw the same and see its IRQ
    /// rise and fall on the same CPU cycles as stepping every half cycle.
    #[test]
    fn batched_ppu_under_boards_that_watch_its_bus_matches_stepping_every_half_cycle() {
        let dir = std::env::var_os("PHOSPHOR_TEST_ROMS").map(std::path::PathBuf::from).unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-roms/nes-test-roms")
        });
        let mut roms: Vec<String> = ["mmc3_irq_tests", "mmc3_test", "mmc3_test_2/rom_singles"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(dir.join(sub)).into_iter().flatten().flatten())
            .map(|entry| entry.path().strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .filter(|path| path.ends_with(".nes"))
            .collect();
        roms.sort();
        roms.extend(
            ["BladeBuster.nes", "DROPOFF7.NES", "high-hopes.nes", "max-300.nes", "rastesam4.nes"]
                .map(|rom| format!("other/{rom}")),
        );
        roms.push("stomper/smwstomp.nes".into());
        if !dir.join(&roms[roms.len() - 1]).exists() {
            eprintln!("SKIPPED: conformance ROMs not found at {}", dir.display());
            return;
        }
        assert_eq!(roms.len(), 24, "the MMC3 programs of the conformance set: {roms:?}");
        let mut programs = vec![("busy_mmc3_rom".to_string(), busy_mmc3_rom())];
        programs.extend(roms.iter().map(|rom| (rom.clone(), std::fs::read(dir.join(rom)).unwrap())));
        let mut irq_programs = 0;
        for (rom, bytes) in &programs {
            let (batched, _) = run_lazy_and_eager(rom, bytes, 400, |frame| [0, 0x08, 0x80, 0x10, 0x01, 0x20][(frame / 40) as usize % 6]);
            assert!(batched.bus.cart.watches_ppu_bus() && !batched.bus.cart.owns_ppu_bus(), "{rom}: runs batched");
            if rom == "busy_mmc3_rom" {
                assert!(batched.bus.irq_edges.2 > 4000, "{rom}: the IRQ fires many times a frame ({:?})", batched.bus.irq_edges);
            }
            irq_programs += usize::from(batched.bus.irq_edges.2 >= 4);
        }
        // The test ROMs raise it a few times each, at moments they chose;
        // BladeBuster and the Stomper demo hundreds of times.
        assert!(irq_programs >= 20, "the programs use the IRQ ({irq_programs} did)");
    }

    #[test]
    fn reset_keeps_ram_and_restarts_at_the_vector() {
        let mut nes = Nes::from_ines(&rom()).unwrap();
        nes.run_frame();
        nes.reset();
        assert_eq!(nes.cpu().pc, 0x8000);
        assert_eq!(nes.peek(0x0010), 0x42);
    }

    #[test]
    fn each_tv_system_has_its_frame_length() {
        use crate::cart::{LoadOptions, Region};
        use crate::Timing;
        // CPU cycles per frame: NTSC 262 x 341 / 3 (less half a dot per odd
        // rendered frame; this program never renders), PAL 312 x 341 / 3.2,
        // Dendy 312 x 341 / 3.
        for (region, timing, per_frame) in [
            (Region::Ntsc, Timing::Ntsc, 262.0 * 341.0 / 3.0),
            (Region::Pal, Timing::Pal, 312.0 * 341.0 / 3.2),
            (Region::Dendy, Timing::Dendy, 312.0 * 341.0 / 3.0),
        ] {
            let cart = Cartridge::from_ines_with(&rom(), LoadOptions { region: Some(region), ..Default::default() }).unwrap();
            let mut nes = Nes::new(cart);
            assert_eq!(nes.timing(), timing);
            nes.run_frame();
            let start = nes.bus().cycle();
            for _ in 0..10 {
                nes.run_frame();
            }
            let measured = (nes.bus().cycle() - start) as f64 / 10.0;
            assert!((measured - per_frame).abs() < 1.0, "{timing:?}: {measured} cycles per frame, want {per_frame}");
        }
    }
}
