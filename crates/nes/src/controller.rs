//! The standard controller (nesdev wiki: "Standard controller"): an 8-bit
//! shift register loaded while the strobe ($4016 bit 0) is high and read
//! one bit at a time through $4016/$4017.

/// Button bits, in the order the shift register reports them.
pub mod button {
    pub const A: u8 = 0x01;
    pub const B: u8 = 0x02;
    pub const SELECT: u8 = 0x04;
    pub const START: u8 = 0x08;
    pub const UP: u8 = 0x10;
    pub const DOWN: u8 = 0x20;
    pub const LEFT: u8 = 0x40;
    pub const RIGHT: u8 = 0x80;

    /// Parses a button name as the CLI writes it (`a`, `start`, `left`...).
    pub fn from_name(name: &str) -> Option<u8> {
        Some(match name.to_ascii_lowercase().as_str() {
            "a" => A,
            "b" => B,
            "select" => SELECT,
            "start" => START,
            "up" => UP,
            "down" => DOWN,
            "left" => LEFT,
            "right" => RIGHT,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Controller {
    /// Buttons held now (what the next strobe latches).
    pub buttons: u8,
    shift: u8,
    strobe: bool,
}

impl Controller {
    /// A write to $4016: bit 0 is the strobe shared by both ports.
    pub fn write_strobe(&mut self, value: u8) {
        // While the strobe is high the register keeps loading the buttons:
        // it holds what they were when it went low.
        if self.strobe || value & 1 != 0 {
            self.shift = self.buttons;
        }
        self.strobe = value & 1 != 0;
    }

    /// A read of the port: the next button bit (1s after all eight).
    pub fn read(&mut self) -> u8 {
        if self.strobe {
            // While strobe is high the register keeps reloading: always A.
            return self.buttons & 1;
        }
        let bit = self.shift & 1;
        self.shift = (self.shift >> 1) | 0x80;
        bit
    }

    /// What `read` would return, without shifting.
    pub fn peek(&self) -> u8 {
        if self.strobe { self.buttons & 1 } else { self.shift & 1 }
    }
}

crate::state::persist_fields!(Controller { buttons, shift, strobe });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_buttons_in_order_then_ones() {
        let mut pad = Controller { buttons: button::A | button::START | button::RIGHT, ..Default::default() };
        pad.write_strobe(1);
        pad.write_strobe(0);
        let bits: Vec<u8> = (0..10).map(|_| pad.read()).collect();
        assert_eq!(bits, [1, 0, 0, 1, 0, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn strobe_high_keeps_returning_a() {
        let mut pad = Controller { buttons: button::B, ..Default::default() };
        pad.write_strobe(1);
        assert_eq!((pad.read(), pad.read()), (0, 0));
        pad.buttons = button::A;
        assert_eq!(pad.read(), 1);
    }
}
