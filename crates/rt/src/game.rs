//! A game ready for the emulation thread: the machine, and everything the
//! thread will need for it allocated in advance (the power-on capture a
//! power cycle restores, room to keep the cartridge RAM across it, the
//! debugger with its tables).

use phosphor_nes::debug::Debugger;
use phosphor_nes::runahead::RunAhead;
use phosphor_nes::{Cartridge, Nes, RamInit, RomError};

#[derive(Debug)]
pub struct Game {
    pub(crate) nes: Nes,
    pub(crate) power_on: Vec<u8>,
    pub(crate) ram_scratch: Vec<u8>,
    /// Run-ahead's states and sound, sized for this cartridge.
    pub(crate) ahead: RunAhead,
    /// Room for a lean capture of the machine while stepping back looks
    /// for a state early enough (put back if none is).
    pub(crate) back_scratch: Vec<u8>,
    /// Buffers for the first rewind captures of this game, sized for it:
    /// the worker makes the rest once it knows the size.
    pub(crate) rewind_seed: Vec<Vec<u8>>,
}

impl Game {
    /// Powers the console on with `cart` inserted and RAM as `ram_init` says.
    pub fn new(cart: Cartridge, ram_init: RamInit) -> Box<Game> {
        Self::from_nes(Nes::with_ram_init(cart, ram_init))
    }

    /// Parses an iNES image (RAM cleared at power-on).
    pub fn from_ines(bytes: &[u8]) -> Result<Box<Game>, RomError> {
        Ok(Self::new(Cartridge::from_ines(bytes)?, RamInit::Zeros))
    }

    /// Takes a machine as it is now as the power-on state (what a power
    /// cycle returns to): give it one that was just switched on, or one
    /// whose battery RAM was just loaded.
    pub fn from_nes(mut nes: Nes) -> Box<Game> {
        if nes.debugger().is_none() {
            // Disarmed, it costs nothing; armed, it must not allocate on the thread.
            nes.attach_debugger(Box::new(Debugger::new()));
        }
        let mut power_on = Vec::with_capacity(nes.state_len());
        nes.capture(&mut power_on);
        let ram_scratch = Vec::with_capacity(nes.cartridge().ram_len());
        let ahead = RunAhead::new(&nes);
        let back_scratch = Vec::with_capacity(nes.lean_state_len());
        let rewind_seed = (0..4).map(|_| Vec::with_capacity(nes.lean_state_len())).collect();
        Box::new(Game { nes, power_on, ram_scratch, ahead, back_scratch, rewind_seed })
    }

    pub fn nes(&self) -> &Nes {
        &self.nes
    }

    pub fn nes_mut(&mut self) -> &mut Nes {
        &mut self.nes
    }

    /// The machine, for a frontend that takes it back after shutdown.
    pub fn into_nes(self) -> Nes {
        self.nes
    }
}
