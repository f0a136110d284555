//! Controller input: states stamped with the instant the frontend read the
//! event, carried by a lock-free ring to the emulation thread, which sets
//! them before the next frame so that the game's next controller strobe
//! latches them. The stamp travels on to the frame that first read the
//! input: that is the input-to-frame latency the telemetry reports.

use std::time::Instant;

use rtrb::Producer;

/// Both controllers' buttons at one instant (bit layout of
/// [`phosphor_nes::button`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputEvent {
    /// Controller port: 0 or 1.
    pub port: u8,
    pub buttons: u8,
    /// When the frontend read the event from the OS.
    pub stamp: Instant,
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
        self.send_event(InputEvent { port, buttons, stamp: Instant::now() })
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
