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
            let mut lazy = Nes::from_ines(&bytes).unwrap();
            let mut eager = Nes::from_ines(&bytes).unwrap();
            eager.bus.force_eager_ppu();
            let mut distinct = std::collections::HashSet::new();
            for frame in 0..300u32 {
                let buttons = [0x08, 0x80, 0x40, 0x10, 0x20, 0x01][(frame / 25) as usize % 6];
                lazy.set_buttons(0, buttons);
                eager.set_buttons(0, buttons);
                lazy.run_frame();
                eager.run_frame();
                assert_eq!(lazy.frame_hash(), eager.frame_hash(), "{rom}: frame {frame}");
                assert_eq!(lazy.cpu(), eager.cpu(), "{rom}: frame {frame}");
                distinct.insert(lazy.frame_hash());
            }
            assert!(distinct.len() > 2, "{rom}: the picture changes ({} distinct frames)", distinct.len());
        }
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
