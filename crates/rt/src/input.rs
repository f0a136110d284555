//! Controller input: states stamped with the instant the frontend read the
//! event, carried by a lock-free ring to the emulation thread, which sets
//! them before the next frame so that the game's next controller strobe
//! latches them. The stamp travels on to the frame that first read the
//! input: that is the input-to-frame latency the telemetry reports.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// Buttons a device thread of the frontend's keeps current for the
/// emulation thread to read at the start of each frame (and when it steps
/// one), beside the ring: a keyboard read straight from the OS, off the
/// frontend's update loop, so that a press does not wait for the next
/// render to be seen. The emulation thread ORs it with what came by ring.
///
/// One atomic word holds both ports' buttons and the instant they last
/// changed, so a reader never pairs one change's buttons with another's
/// stamp; no lock, no allocation on either side. While not enabled (the
/// window has no focus, a menu or a text field has the keys) it reads as
/// nothing held.
#[derive(Debug)]
pub struct LiveInput {
    /// Bits 0-15: port 1's buttons, then port 2's; bits 16-63:
    /// microseconds from `base` to the change.
    word: AtomicU64,
    enabled: AtomicBool,
    base: Instant,
}

/// What [`LiveInput::read`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveButtons {
    pub buttons: [u8; 2],
    /// When the buttons last changed (the device thread's stamp), `None`
    /// before any change.
    pub changed_at: Option<Instant>,
}

impl Default for LiveInput {
    fn default() -> Self {
        LiveInput { word: AtomicU64::new(0), enabled: AtomicBool::new(false), base: Instant::now() }
    }
}

impl LiveInput {
    /// Both ports' buttons as held now, changed at `at`.
    pub fn set(&self, buttons: [u8; 2], at: Instant) {
        let micros = self.micros(at);
        let word = u64::from(buttons[0]) | (u64::from(buttons[1]) << 8) | (micros << 16);
        self.word.store(word, Ordering::Release);
    }

    /// Whether the game takes these buttons now. A change of mind is
    /// stamped as a change of the buttons, now: keys held when a menu
    /// closes are pressed from then on, not from when they went down.
    pub fn enable(&self, on: bool) {
        if self.enabled.swap(on, Ordering::AcqRel) == on {
            return;
        }
        let micros = self.micros(Instant::now());
        let _ = self.word.fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| Some((word & 0xffff) | (micros << 16)));
    }

    fn micros(&self, at: Instant) -> u64 {
        // At least 1 us after base, so that 0 can mean "never changed".
        (at.saturating_duration_since(self.base).as_micros() as u64).clamp(1, (1 << 48) - 1)
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// The buttons the game takes (nothing while disabled) and when they
    /// changed.
    pub fn read(&self) -> LiveButtons {
        let word = self.word.load(Ordering::Acquire);
        let micros = word >> 16;
        let changed_at = (micros != 0).then(|| self.base + std::time::Duration::from_micros(micros));
        let buttons = if self.enabled() { [word as u8, (word >> 8) as u8] } else { [0, 0] };
        LiveButtons { buttons, changed_at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn live_buttons_read_as_set_only_while_enabled() {
        let live = LiveInput::default();
        assert_eq!(live.read(), LiveButtons { buttons: [0, 0], changed_at: None }, "nothing changed yet");
        let at = live.base + Duration::from_micros(10);
        live.set([0x81, 0x42], at);
        assert_eq!(live.read().buttons, [0, 0], "disabled reads as nothing held");
        assert_eq!(live.read().changed_at, Some(at), "the stamp, to the microsecond");
        std::thread::sleep(Duration::from_millis(2));
        live.enable(true);
        let read = live.read();
        assert_eq!(read.buttons, [0x81, 0x42]);
        assert!(read.changed_at.unwrap() > at, "enabling re-stamps the held buttons");
        let later = live.base + Duration::from_secs(7);
        live.set([0, 0x10], later);
        assert_eq!(live.read(), LiveButtons { buttons: [0, 0x10], changed_at: Some(later) });
        live.enable(true);
        assert_eq!(live.read().changed_at, Some(later), "enabling again changes nothing");
    }
}
