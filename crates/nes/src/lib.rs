//! Phosphor's NES core: a cycle-accurate 2A03 CPU, 2C02 PPU, APU and
//! cartridge boards, with no threads, files or engine types.
//!
//! ```no_run
//! let rom = std::fs::read("game.nes").unwrap();
//! let mut nes = phosphor_nes::Nes::from_ines(&rom).expect("a valid ROM");
//! nes.set_buttons(0, phosphor_nes::button::START);
//! nes.run_frame();
//! let pixels = nes.frame_buffer(); // 256x240 palette indices
//! # let _ = pixels;
//! ```
//!
//! Hardware truth comes from the nesdev wiki; each module names its pages.

pub mod apu;
pub mod bus;
pub mod cart;
mod console;
pub mod controller;
pub mod cpu;
pub mod debug;
pub mod mapper;
pub mod movie;
pub mod power;
pub mod ppu;
pub mod runahead;
pub mod state;
pub mod testrom;
pub mod timing;

pub use cart::{Cartridge, LoadOptions, Region, RomError};
pub use console::Nes;
pub use controller::button;
pub use power::RamInit;
pub use ppu::palette::NtscPalette;
pub use ppu::{HEIGHT, WIDTH};
pub use timing::Timing;
