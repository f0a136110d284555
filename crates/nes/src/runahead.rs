//! Run-ahead: each frame shown is the one the console would draw `n`
//! frames from now if the buttons stayed as they are, so the lag a game
//! adds between reading a press and drawing its answer is hidden. The
//! sound always comes from the real timeline: a speculative frame's
//! samples are played only once that frame has become real with the same
//! buttons, so what is heard equals a run without run-ahead, sample for
//! sample.
//!
//! Two ways, both on one machine and buffers allocated here, up front:
//!
//! - [`Method::Speculative`] (the default): the machine is kept `n` frames
//!   ahead of the real timeline, with a lean capture and the samples of
//!   every frame in between. While the buttons stay the same, the future
//!   it computed *is* the real timeline's, so a frame costs one frame run
//!   and one capture; when they change, it goes back to the real frame and
//!   runs `n + 1` frames with the new buttons. This is RetroArch's "second
//!   instance" idea (keep the speculative machine, re-run only when the
//!   input differs), without a second machine.
//! - [`Method::SingleInstance`]: every frame, run the real frame, capture,
//!   run `n` frames silently, show the last, restore: `n + 1` frames each
//!   time. Kept to compare against, as the benchmark does.
//!
//! The frame to show is [`RunAhead::picture`]. Nothing here allocates
//! after [`RunAhead::new`]: a real-time thread may call everything.

use crate::Nes;

/// The most frames run-ahead can look ahead.
pub const MAX_FRAMES: usize = 4;

/// Room for one frame's samples (800 at 48 kHz; 384 kHz at 2x fits too).
pub const FRAME_SAMPLES: usize = 16_384;

/// How run-ahead gets to the frame it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Keep the machine ahead; re-run only when the buttons change.
    #[default]
    Speculative,
    /// Run the real frame and `n` more every frame, then go back.
    SingleInstance,
}

/// What run-ahead has done, for the performance panel and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunAheadStats {
    /// Frames shown.
    pub ticks: u64,
    /// Frames run on the machine in all (real and speculative).
    pub frames_run: u64,
    /// Times the machine went back and ran the look-ahead again because
    /// the buttons changed (or nothing was ahead yet).
    pub reruns: u64,
}

/// Run-ahead's buffers and where the machine stands against the real timeline.
#[derive(Debug, Clone)]
pub struct RunAhead {
    frames: usize,
    method: Method,
    /// Lean captures: slot `(head + i) % (frames + 1)` holds the state at
    /// the end of real frame `R + i` (`R`: the last real frame).
    states: Box<[Vec<u8>]>,
    /// Samples of the frame whose state shares the slot.
    audio: Box<[Vec<f32>]>,
    head: usize,
    /// The machine is `frames` ahead, the slots filled (speculative method).
    ahead: bool,
    /// Buttons the frames ahead were run with.
    assumed: [u8; 2],
    /// Slot whose samples are the real frame just finished.
    heard: usize,
    /// The single-instance way's picture: the machine goes back to the
    /// real frame after drawing it (and a lean restore puts back the
    /// picture's first rows), so it is kept here.
    shown: Box<[u16]>,
    stats: RunAheadStats,
}

impl RunAhead {
    /// Buffers for `nes`'s cartridge, for up to [`MAX_FRAMES`] frames ahead;
    /// starts off (0 frames).
    pub fn new(nes: &Nes) -> Self {
        let slots = MAX_FRAMES + 1;
        RunAhead {
            frames: 0,
            method: Method::default(),
            states: (0..slots).map(|_| Vec::with_capacity(nes.lean_state_len())).collect(),
            audio: (0..slots).map(|_| Vec::with_capacity(FRAME_SAMPLES)).collect(),
            head: 0,
            ahead: false,
            assumed: [0; 2],
            heard: 0,
            shown: vec![0; crate::WIDTH * crate::HEIGHT].into_boxed_slice(),
            stats: RunAheadStats::default(),
        }
    }

    /// Frames looked ahead (0 is off).
    pub fn frames(&self) -> usize {
        self.frames
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// Changes how far ahead to look (clamped to [`MAX_FRAMES`]) and how;
    /// brings the machine back to the real timeline first.
    pub fn set(&mut self, nes: &mut Nes, frames: usize, method: Method) {
        self.collapse(nes);
        self.frames = frames.min(MAX_FRAMES);
        self.method = method;
        self.head = 0;
    }

    /// How many frames the machine is ahead of the real timeline now.
    pub fn lead(&self) -> usize {
        if self.ahead { self.frames } else { 0 }
    }

    /// The real frame number (the machine's, less the lead).
    pub fn real_frame(&self, nes: &Nes) -> u64 {
        nes.frame_count() - self.lead() as u64
    }

    pub fn stats(&self) -> RunAheadStats {
        self.stats
    }

    /// Brings the machine back to the end of the last real frame (before
    /// anything looks at it or changes it: a save state, the debugger, a
    /// reset, rewinding). The picture stays the one shown.
    pub fn collapse(&mut self, nes: &mut Nes) {
        if self.ahead {
            self.ahead = false;
            // The capture was made from this machine: it fits.
            let _ = nes.restore_lean(&self.states[self.head]);
        }
    }

    /// The lean capture of the last real frame's end, where run-ahead
    /// keeps one (on for either method after a [`RunAhead::tick`]).
    pub fn real_state(&self) -> Option<&[u8]> {
        match (self.frames, self.method) {
            (0, _) => None,
            (_, Method::Speculative) => self.ahead.then(|| &self.states[self.head][..]),
            (_, Method::SingleInstance) => Some(&self.states[0][..]),
        }
    }

    /// The picture to show after a [`RunAhead::tick`]: the frame `n` frames
    /// on (the machine's frame buffer, or the single-instance way's copy).
    pub fn picture<'a>(&'a self, nes: &'a Nes) -> &'a [u16] {
        if self.frames > 0 && self.method == Method::SingleInstance { &self.shown } else { &nes.frame_buffer()[..] }
    }

    /// The real timeline's lean state at the last frame's end into `out`
    /// (cleared first): run-ahead's own capture where it keeps one, else
    /// the machine's (which is then on the real timeline). Allocates
    /// nothing with `out`'s capacity at least [`Nes::lean_state_len`].
    pub fn capture_real(&self, nes: &mut Nes, out: &mut Vec<u8>) {
        match self.real_state() {
            Some(state) => {
                out.clear();
                out.extend_from_slice(state);
            }
            None => nes.capture_lean(out),
        }
    }

    /// The real frame just finished's samples (valid until the next tick).
    pub fn audio(&self) -> &[f32] {
        &self.audio[self.heard]
    }

    /// Runs one real frame with `buttons` on the two pads; afterwards the
    /// machine's frame buffer is the picture to show and [`RunAhead::audio`]
    /// the real frame's sound.
    pub fn tick(&mut self, nes: &mut Nes, buttons: [u8; 2]) {
        self.stats.ticks += 1;
        let n = self.frames;
        if n == 0 {
            set_buttons(nes, buttons);
            self.run(nes, 0);
            self.heard = 0;
            return;
        }
        match self.method {
            Method::Speculative => self.tick_speculative(nes, buttons, n),
            Method::SingleInstance => self.tick_single(nes, buttons, n),
        }
    }

    fn tick_speculative(&mut self, nes: &mut Nes, buttons: [u8; 2], n: usize) {
        let slots = n + 1;
        if self.ahead && buttons == self.assumed {
            // The machine stands at R + n: one more frame, into the slot
            // the real state R leaves.
            set_buttons(nes, buttons);
            self.run(nes, self.head);
            nes.capture_lean(&mut self.states[self.head]);
        } else {
            self.stats.reruns += 1;
            // Back to R (a collapsed machine is there already), then the
            // real frame and n more with the new buttons.
            self.collapse(nes);
            set_buttons(nes, buttons);
            for i in 1..=slots {
                let slot = (self.head + i) % slots;
                self.run(nes, slot);
                nes.capture_lean(&mut self.states[slot]);
            }
            self.ahead = true;
            self.assumed = buttons;
        }
        self.head = (self.head + 1) % slots;
        self.heard = self.head;
    }

    fn tick_single(&mut self, nes: &mut Nes, buttons: [u8; 2], n: usize) {
        set_buttons(nes, buttons);
        self.run(nes, 1);
        nes.capture_lean(&mut self.states[0]);
        for _ in 0..n {
            self.run(nes, 2);
        }
        self.shown.copy_from_slice(&nes.frame_buffer()[..]);
        let _ = nes.restore_lean(&self.states[0]);
        self.stats.reruns += 1;
        self.heard = 1;
    }

    /// Runs a frame, its samples into `slot`'s buffer.
    fn run(&mut self, nes: &mut Nes, slot: usize) {
        nes.run_frame();
        self.stats.frames_run += 1;
        let out = &mut self.audio[slot];
        out.clear();
        out.resize(FRAME_SAMPLES, 0.0);
        let mut n = 0;
        while n < FRAME_SAMPLES {
            let got = nes.read_audio(&mut out[n..]);
            if got == 0 {
                break;
            }
            n += got;
        }
        out.truncate(n);
        // Whatever did not fit is dropped rather than left for the next frame.
        let mut spill = [0f32; 256];
        while nes.read_audio(&mut spill) > 0 {}
    }
}

fn set_buttons(nes: &mut Nes, buttons: [u8; 2]) {
    nes.set_buttons(0, buttons[0]);
    nes.set_buttons(1, buttons[1]);
}

/// Frames from a press to the first frame shown whose picture differs
/// from a run without it, measured by running both: `press` (the buttons)
/// is applied from frame `at` (counted from 1 at the start) on, with
/// `run_ahead` frames of run-ahead. A press shown in the frame it was
/// given is 1. `None` if nothing changed within `window` frames.
pub fn measure_latency(nes: &Nes, press: [u8; 2], at: u64, run_ahead: usize, window: u64) -> Option<u64> {
    let mut plain = nes.clone();
    let mut pressed = nes.clone();
    let mut ahead_plain = RunAhead::new(nes);
    let mut ahead_pressed = RunAhead::new(nes);
    ahead_plain.set(&mut plain, run_ahead, Method::Speculative);
    ahead_pressed.set(&mut pressed, run_ahead, Method::Speculative);
    for frame in 1..at + window {
        let buttons = if frame >= at { press } else { [0; 2] };
        ahead_plain.tick(&mut plain, [0; 2]);
        ahead_pressed.tick(&mut pressed, buttons);
        if frame >= at && ahead_plain.picture(&plain) != ahead_pressed.picture(&pressed) {
            return Some(frame - at + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cartridge that copies pad 1 (read at the start of each frame's
    /// vertical blank, in its NMI) to the backdrop colour at once.
    fn nmi_reader() -> Nes {
        let mut prg = vec![0xEAu8; 0x4000];
        // $C000: wait two vertical blanks (the PPU warms up), enable NMI,
        // show the background, loop.
        let reset = [
            0x2C, 0x02, 0x20, 0x10, 0xFB, 0x2C, 0x02, 0x20, 0x10, 0xFB, // vblank twice
            0xA9, 0x80, 0x8D, 0x00, 0x20, 0xA9, 0x08, 0x8D, 0x01, 0x20, 0x4C, 0x14, 0xC0,
        ];
        prg[..reset.len()].copy_from_slice(&reset);
        // $C100 NMI: strobe, read A, set the backdrop to $30 if held else $0F.
        let nmi = [
            0xA9, 0x01, 0x8D, 0x16, 0x40, 0xA9, 0x00, 0x8D, 0x16, 0x40, // strobe
            0xAD, 0x16, 0x40, 0x29, 0x01, 0xAA, // A bit -> X
            0xA9, 0x3F, 0x8D, 0x06, 0x20, 0xA9, 0x00, 0x8D, 0x06, 0x20, // $3F00
            0xBD, 0x80, 0xC1, 0x8D, 0x07, 0x20, // colour from the table
            0xA9, 0x00, 0x8D, 0x05, 0x20, 0x8D, 0x05, 0x20, // scroll 0
            0x40,
        ];
        prg[0x100..0x100 + nmi.len()].copy_from_slice(&nmi);
        prg[0x180] = 0x0F;
        prg[0x181] = 0x30;
        prg[0x3FFA..].copy_from_slice(&[0x00, 0xC1, 0x00, 0xC0, 0x00, 0xC0]);
        let mut rom = vec![0u8; 16];
        rom[..8].copy_from_slice(b"NES\x1a\x01\x01\0\0");
        rom.extend_from_slice(&prg);
        rom.extend(std::iter::repeat_n(0, 0x2000));
        Nes::from_ines(&rom).unwrap()
    }

    fn run(mut nes: Nes, frames: usize, method: Method, press: impl Fn(u64) -> u8, ticks: u64) -> (Vec<Vec<u16>>, Vec<f32>) {
        let mut ahead = RunAhead::new(&nes);
        ahead.set(&mut nes, frames, method);
        let (mut pictures, mut sound) = (Vec::new(), Vec::new());
        for t in 1..=ticks {
            ahead.tick(&mut nes, [press(t), 0]);
            pictures.push(ahead.picture(&nes).to_vec());
            sound.extend_from_slice(ahead.audio());
        }
        (pictures, sound)
    }

    #[test]
    fn pictures_come_n_frames_early_and_the_sound_is_the_real_one() {
        let press = |t: u64| if (20..40).contains(&t) || t >= 55 { crate::button::A } else { 0 };
        let (plain, plain_sound) = run(nmi_reader(), 0, Method::Speculative, press, 80);
        for method in [Method::Speculative, Method::SingleInstance] {
            for n in 1..=MAX_FRAMES {
                let (ahead, sound) = run(nmi_reader(), n, method, press, 80);
                // Where the buttons stay the same over the frames looked
                // ahead, what is shown is the future.
                let mut compared = std::collections::HashSet::new();
                for t in 0..80 - n {
                    let steady = (t..=t + n).all(|u| press(u as u64 + 1) == press(t as u64 + 1));
                    if steady {
                        assert!(ahead[t] == plain[t + n], "{method:?} {n}: frame {} shows frame {}", t + 1, t + 1 + n);
                        compared.insert(plain[t + n][0]);
                    }
                }
                assert!(compared.len() >= 2, "{method:?} {n}: both pictures were compared");
                assert_eq!(sound, plain_sound, "{method:?} {n}: the sound is the real timeline's");
            }
        }
    }

    #[test]
    fn unchanged_buttons_cost_one_frame_and_a_change_costs_n_plus_one() {
        let mut nes = nmi_reader();
        let mut ahead = RunAhead::new(&nes);
        ahead.set(&mut nes, 2, Method::Speculative);
        for _ in 0..10 {
            ahead.tick(&mut nes, [0, 0]);
        }
        assert_eq!(ahead.stats(), RunAheadStats { ticks: 10, frames_run: 3 + 9, reruns: 1 });
        ahead.tick(&mut nes, [crate::button::A, 0]);
        assert_eq!(ahead.stats().frames_run, 12 + 3);
        assert_eq!(ahead.lead(), 2);
        assert_eq!(ahead.real_frame(&nes) + 2, nes.frame_count());
        ahead.collapse(&mut nes);
        assert_eq!(ahead.lead(), 0);
        assert_eq!(nes.frame_count(), ahead.real_frame(&nes));
    }

    fn demo() -> Nes {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo/demo.nes");
        Nes::from_ines(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn latency_is_measured_and_run_ahead_takes_it_off() {
        // The demo reads the pad during a frame and draws the answer in the next.
        let nes = demo();
        for at in [90, 200, 201] {
            for (n, expected) in [(0, 2), (1, 1), (3, 1)] {
                assert_eq!(measure_latency(&nes, [crate::button::A, 0], at, n, 10), Some(expected), "A at {at}, run-ahead {n}");
            }
        }
        assert_eq!(measure_latency(&nes, [0, 0], 90, 0, 10), None, "no press, no change");
    }
}
