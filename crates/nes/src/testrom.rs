//! Reading the verdict of conformance test ROMs (see the test-roms README).
//!
//! Two protocols: blargg's newer tests write a status byte to $6000 behind
//! the signature DE B0 61 at $6001, with text at $6004 ($80 = running, $81 =
//! press reset, anything else = result, 0 = pass). Older ones only draw their
//! result on screen: "PASSED", or "FAILED" with a code, or "$01" for pass.
//! We read that text from the nametables, where tile numbers are ASCII.

use crate::Nes;

const SIGNATURE: [u8; 3] = [0xDE, 0xB0, 0x61];
const STATUS_RUNNING: u8 = 0x80;
const STATUS_RESET: u8 = 0x81;
/// Frames to wait after a reset request ("at least 100 ms").
const RESET_DELAY_FRAMES: u64 = 30;
/// How often (in frames) screen-reporting ROMs are checked for a verdict.
const SCREEN_POLL_FRAMES: u64 = 15;

/// What the $6000 protocol says at the moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    ResetRequested,
    Finished(u8),
}

/// The verdict of one ROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub passed: bool,
    /// The result code: 0 = pass for $6000 ROMs, the screen code otherwise.
    pub code: u8,
    /// What the ROM said (its $6004 text or its screen).
    pub text: String,
    pub frames: u64,
}

/// The $6000 status, if the ROM uses that protocol.
pub fn status(nes: &Nes) -> Option<Status> {
    if [0x6001, 0x6002, 0x6003].map(|a| nes.peek(a)) != SIGNATURE {
        return None;
    }
    Some(match nes.peek(0x6000) {
        STATUS_RUNNING => Status::Running,
        STATUS_RESET => Status::ResetRequested,
        code => Status::Finished(code),
    })
}

/// The NUL-terminated text at $6004.
pub fn status_text(nes: &Nes) -> String {
    let mut s = String::new();
    for addr in 0x6004..0x7000u16 {
        match nes.peek(addr) {
            0 => break,
            b => s.push(char::from(b)),
        }
    }
    s.trim().to_string()
}

/// The first nametable as 30 lines of 32 characters (tiles outside
/// printable ASCII become spaces), trailing blanks removed.
pub fn screen_text(nes: &Nes) -> String {
    let cart = &nes.bus().cart;
    let mut lines = Vec::with_capacity(30);
    for row in 0..30u16 {
        let line: String = (0..32u16)
            .map(|col| {
                let tile = cart.ppu_peek(0x2000 + row * 32 + col);
                if (0x20..0x7F).contains(&tile) { char::from(tile) } else { ' ' }
            })
            .collect();
        lines.push(line.trim_end().to_string());
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

/// The verdict an older ROM has drawn on screen, if it has drawn one.
pub fn screen_verdict(nes: &Nes) -> Option<(bool, u8)> {
    let text = screen_text(nes).to_ascii_uppercase();
    if text.contains("PASSED") {
        return Some((true, 1));
    }
    if let Some(rest) = text.split("FAILED").nth(1) {
        let code = rest.split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty()).and_then(|s| s.parse().ok());
        return Some((false, code.unwrap_or(0)));
    }
    // blargg's 2005 tests print the result code as "$01" (1 = passed).
    let code = text.split('$').nth(1).and_then(|s| u8::from_str_radix(s.get(..2)?, 16).ok())?;
    Some((code == 1, code))
}

/// Runs a test ROM until it reports, handling reset requests, for at most
/// `max_frames` frames.
pub fn run(nes: &mut Nes, max_frames: u64) -> Outcome {
    let mut reset_at = None;
    let mut seen_protocol = false;
    for frame in 1..=max_frames {
        nes.run_frame();
        if let Some(at) = reset_at {
            if frame >= at {
                nes.reset();
                reset_at = None;
            }
            continue;
        }
        match status(nes) {
            Some(Status::Running) => seen_protocol = true,
            Some(Status::ResetRequested) => {
                seen_protocol = true;
                reset_at = Some(frame + RESET_DELAY_FRAMES);
            }
            Some(Status::Finished(code)) => {
                return Outcome { passed: code == 0, code, text: status_text(nes), frames: frame };
            }
            None if !seen_protocol && frame % SCREEN_POLL_FRAMES == 0 => {
                if let Some((passed, code)) = screen_verdict(nes) {
                    return Outcome { passed, code, text: screen_text(nes), frames: frame };
                }
            }
            None => {}
        }
    }
    let text = if seen_protocol { status_text(nes) } else { screen_text(nes) };
    Outcome { passed: false, code: 0xFF, text: format!("no verdict after {max_frames} frames: {text}"), frames: max_frames }
}
