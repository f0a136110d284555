//! Controller input: states stamped with the instant the frontend read the
//! event, carried by a lock-free ring to the emulation thread, which sets
//! them before the next frame so that the game's next controller strobe
//! latches them. The stamp travels on to the frame that first read the
//! input: that is the input-to-frame latency the telemetry reports.

use std::time::Instant;

use rtrb::Producer;

/// Where an input event came from, so that latency can be told per
/// device: [`source::KEYBOARD`], or a pad by the player slot it sits in
/// ([`source::pad`]).
pub mod source {
    /// The keyboard (also what [`super::InputSender::send`] says).
    pub const KEYBOARD: u8 = 0;
    /// Sources the frontend can name: the keyboard and a pad per port.
    pub const COUNT: usize = 3;

    /// The pad seated as player `slot + 1`.
    pub const fn pad(slot: u8) -> u8 {
        1 + slot
    }

    /// A source's name, as the debugger and the logs show it.
    pub const fn name(source: u8) -> &'static str {
        match source {
            KEYBOARD => "keyboard",
            1 => "pad 1",
            2 => "pad 2",
            _ => "other",
        }
    }
}

/// One controller's buttons at one instant (bit layout of
/// [`phosphor_nes::button`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputEvent {
    /// Controller port: 0 or 1.
    pub port: u8,
    pub buttons: u8,
    /// When the frontend read the event from the OS.
    pub stamp: Instant,
    /// The device that changed the buttons (see [`source`]).
    pub source: u8,
}

/// The frontend's end of the input ring.
#[derive(Debug)]
pub struct InputSender {
    ring: Producer<InputEvent>,
    dropped: u64,
}

impl InputSender {
    pub(crate) fn new(ring: Producer<InputEvent>) -> Self {
        InputSender { ring, dropped: 0 }
    }

    /// Sends the buttons held on `port`, stamped now. Returns false (and
    /// counts it) when the ring is full or the port is not 0 or 1.
    pub fn send(&mut self, port: u8, buttons: u8) -> bool {
        self.send_event(InputEvent { port, buttons, stamp: Instant::now(), source: source::KEYBOARD })
    }

    /// Sends the buttons held on `port`, changed by `source`, stamped now.
    pub fn send_from(&mut self, port: u8, buttons: u8, source: u8) -> bool {
        self.send_event(InputEvent { port, buttons, stamp: Instant::now(), source })
    }

    /// Sends an event stamped by the caller (when the OS event was read).
    pub fn send_event(&mut self, event: InputEvent) -> bool {
        if event.port > 1 || self.ring.push(event).is_err() {
            self.dropped += 1;
            return false;
        }
        true
    }

    /// Events refused so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Events waiting for the emulation thread.
    pub fn pending(&self) -> usize {
        self.ring.buffer().capacity() - self.ring.slots()
    }
}
