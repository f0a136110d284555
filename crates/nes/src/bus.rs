//! The console's CPU address space and its clock (nesdev wiki: "CPU memory
//! map", "Open bus behavior", "DMA").
//!
//! Catch-up clocking on a master clock of 12 ticks per CPU cycle (4 per PPU
//! dot). The PPU is brought up to the exact master-clock moment of any access
//! that can see it or change what it draws (its registers, OAM DMA, cartridge
//! writes), and at the end of the cycle in which its NMI output can change
//! (vertical blank start and end) or a frame ends. In between it is left
//! behind and later runs many dots in one tight loop: the result is the same
//! as stepping it every half cycle, at a fraction of the cost. Boards that
//! watch the PPU address bus (scanline IRQ counters) get it stepped every
//! half cycle, since their IRQ line may change at any dot.

use crate::apu::Apu;
use crate::cart::Cartridge;
use crate::controller::Controller;
use crate::cpu::{Access, CpuBus};
use crate::ppu::Ppu;

/// Master-clock ticks per CPU cycle and per PPU dot (NTSC).
const CPU_DIVIDER: u64 = 12;
const PPU_DIVIDER: u64 = 4;
/// Ticks of a read cycle before the access (a write's first half is 2 longer).
const READ_SETUP: u64 = 5;
const WRITE_SETUP: u64 = 7;
/// Phase of the PPU clock against the CPU clock, in master ticks. With 3,
/// reads and writes both land after two of the cycle's three dots, and the
/// NMI line is sampled after the third: the alignment under which
/// ppu_vbl_nmi's set/suppression/on/off timings all come out dot-exact.
const PPU_PHASE: u64 = 3;

/// OAM DMA, one CPU cycle per state (nesdev: "DMA").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OamDma {
    Idle,
    /// The CPU is halted on its next read; the read is repeated.
    Halt,
    /// One more cycle to land the first read on a get cycle.
    Align,
    Get(u8),
    Put(u8, u8),
}

/// Everything on the CPU's bus: RAM, PPU, APU, cartridge, controllers.
#[derive(Debug, Clone)]
pub struct Bus {
    ram: Box<[u8; 0x800]>,
    pub ppu: Ppu,
    pub apu: Apu,
    pub cart: Cartridge,
    pub pads: [Controller; 2],
    /// The last value on the CPU data bus (what unmapped reads return).
    open_bus: u8,
    master_clock: u64,
    ppu_clock: u64,
    /// CPU cycles since power-on.
    cycle: u64,
    oam_dma: OamDma,
    oam_dma_page: u8,
    /// Master-clock time at which the PPU must be caught up at the latest.
    ppu_deadline: u64,
    /// The board needs the PPU stepped every half cycle.
    eager_ppu: bool,
}

impl Bus {
    pub fn new(cart: Cartridge) -> Self {
        let eager_ppu = cart.watches_ppu_bus();
        Bus {
            ram: Box::new([0; 0x800]),
            ppu: Ppu::new(),
            apu: Apu::new(),
            cart,
            pads: Default::default(),
            open_bus: 0,
            master_clock: 0,
            ppu_clock: 0,
            cycle: 0,
            oam_dma: OamDma::Idle,
            oam_dma_page: 0,
            ppu_deadline: 0,
            eager_ppu,
        }
    }

    pub fn ram(&self) -> &[u8; 0x800] {
        &self.ram
    }

    /// CPU cycles since power-on, as the bus counts them.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Reset button: the PPU, APU and board reset; RAM and the clock carry on.
    pub fn reset(&mut self) {
        self.ppu.reset();
        self.apu.reset();
        self.cart.reset();
        self.oam_dma = OamDma::Idle;
    }

    /// Brings the PPU up to the current master-clock time.
    #[inline]
    pub fn sync_ppu(&mut self) {
        let to = self.master_clock + PPU_PHASE;
        if self.ppu_clock + PPU_DIVIDER > to {
            return;
        }
        let dots = (to - self.ppu_clock) / PPU_DIVIDER;
        self.ppu.run(dots, &mut self.cart);
        self.ppu_clock += dots * PPU_DIVIDER;
        self.update_ppu_deadline();
    }

    /// When the PPU must next be caught up: its next NMI-changing dot or frame end.
    #[inline]
    fn update_ppu_deadline(&mut self) {
        self.ppu_deadline = self.ppu_clock + self.ppu.dots_until_event() * PPU_DIVIDER;
    }

    /// Steps the PPU every half cycle even for boards that do not need it
    /// (the reference the lazy catch-up is tested against).
    #[cfg(test)]
    pub(crate) fn force_eager_ppu(&mut self) {
        self.eager_ppu = true;
    }

    /// The part of a cycle before the access: the APU (and boards) clock once.
    #[inline]
    fn begin_cycle(&mut self, setup: u64) {
        self.cycle += 1;
        self.master_clock += setup;
        if self.eager_ppu {
            self.sync_ppu();
        }
        self.apu.clock();
    }

    #[inline]
    fn end_cycle(&mut self, setup: u64) {
        self.master_clock += CPU_DIVIDER - setup;
        if self.eager_ppu || self.master_clock + PPU_PHASE >= self.ppu_deadline {
            self.sync_ppu();
        }
    }

    /// One complete read cycle (used by the CPU and by DMA).
    #[inline]
    fn cycle_read(&mut self, addr: u16) -> u8 {
        self.begin_cycle(READ_SETUP);
        let value = self.read_mem(addr);
        self.end_cycle(READ_SETUP);
        value
    }

    #[inline]
    fn cycle_write(&mut self, addr: u16, value: u8) {
        self.begin_cycle(WRITE_SETUP);
        self.write_mem(addr, value);
        self.end_cycle(WRITE_SETUP);
    }

    #[inline]
    fn read_mem(&mut self, addr: u16) -> u8 {
        let value = match addr {
            0x0000..=0x1FFF => self.ram[usize::from(addr & 0x07FF)],
            0x2000..=0x3FFF => {
                self.sync_ppu();
                self.ppu.read_register(addr, &mut self.cart)
            }
            // $4015 is inside the CPU: reading it does not drive the external
            // data bus, so open bus keeps its value (bit 5 comes from it).
            0x4015 => return self.apu.read_status() | (self.open_bus & 0x20),
            // Controller ports drive bits 0-4; bits 5-7 are open bus.
            0x4016 => (self.open_bus & 0xE0) | self.pads[0].read(),
            0x4017 => (self.open_bus & 0xE0) | self.pads[1].read(),
            0x4000..=0x401F => self.open_bus,
            _ => self.cart.cpu_read(addr).unwrap_or(self.open_bus),
        };
        self.open_bus = value;
        value
    }

    #[inline]
    fn write_mem(&mut self, addr: u16, value: u8) {
        self.open_bus = value;
        match addr {
            0x0000..=0x1FFF => self.ram[usize::from(addr & 0x07FF)] = value,
            0x2000..=0x3FFF => {
                self.sync_ppu();
                self.ppu.write_register(addr, value, &mut self.cart);
                // PPUMASK decides whether this frame loses a dot: the frame's end moves.
                self.update_ppu_deadline();
            }
            0x4014 => {
                self.oam_dma_page = value;
                self.oam_dma = OamDma::Halt;
            }
            0x4016 => {
                for pad in &mut self.pads {
                    pad.write_strobe(value);
                }
            }
            0x4000..=0x4017 => self.apu.write(addr, value, self.cycle),
            0x4018..=0x401F => {}
            _ => {
                // A board register write (a bank switch) changes what the PPU
                // fetches from now on; plain PRG RAM writes cannot.
                if addr >= 0x8000 || self.cart.sees_low_writes() {
                    self.sync_ppu();
                }
                self.cart.cpu_write(addr, value, self.cycle);
            }
        }
    }

    /// Reads `addr` as the CPU would see it, with no side effect at all.
    pub fn peek(&self, addr: u16) -> u8 {
        match addr {
            0x0000..=0x1FFF => self.ram[usize::from(addr & 0x07FF)],
            0x2000..=0x3FFF => self.ppu.peek_register(addr),
            0x4015 => self.apu.peek_status() | (self.open_bus & 0x20),
            0x4016 => (self.open_bus & 0xE0) | self.pads[0].peek(),
            0x4017 => (self.open_bus & 0xE0) | self.pads[1].peek(),
            0x4000..=0x401F => self.open_bus,
            _ => self.cart.cpu_read(addr).unwrap_or(self.open_bus),
        }
    }

    /// DMA reads only on get cycles, which alternate with put cycles. Which
    /// parity is "get" is fixed by where power-on leaves the CPU: odd numbers
    /// here, as the APU's $4017 write delay also counts them.
    fn next_is_get_cycle(&self) -> bool {
        (self.cycle + 1) & 1 == 1
    }
}

impl CpuBus for Bus {
    #[inline]
    fn read(&mut self, addr: u16, _access: Access) -> u8 {
        self.cycle_read(addr)
    }

    #[inline]
    fn write(&mut self, addr: u16, value: u8, _access: Access) {
        self.cycle_write(addr, value);
    }

    #[inline]
    fn nmi_line(&self) -> bool {
        self.ppu.nmi_line()
    }

    #[inline]
    fn irq_line(&self) -> bool {
        self.apu.irq() || self.cart.irq()
    }

    #[inline]
    fn dma_pending(&self) -> bool {
        self.oam_dma != OamDma::Idle
    }

    /// OAM DMA: a halt cycle (the CPU's read, repeated), an alignment cycle
    /// if the next cycle is not a get cycle, then 256 get/put pairs copying
    /// $XX00-$XXFF to $2004: 513 or 514 cycles in all.
    fn dma_cycle(&mut self, addr: u16) -> bool {
        match self.oam_dma {
            OamDma::Idle => return false,
            OamDma::Halt => {
                self.cycle_read(addr);
                self.oam_dma = if self.next_is_get_cycle() { OamDma::Get(0) } else { OamDma::Align };
            }
            OamDma::Align => {
                self.cycle_read(addr);
                self.oam_dma = OamDma::Get(0);
            }
            OamDma::Get(index) => {
                let value = self.cycle_read(u16::from_le_bytes([index, self.oam_dma_page]));
                self.oam_dma = OamDma::Put(index, value);
            }
            OamDma::Put(index, value) => {
                self.begin_cycle(WRITE_SETUP);
                self.sync_ppu();
                self.ppu.dma_write_oam(value, &mut self.cart);
                self.end_cycle(WRITE_SETUP);
                self.oam_dma = if index == 0xFF { OamDma::Idle } else { OamDma::Get(index + 1) };
            }
        }
        true
    }
}
