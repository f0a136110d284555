//! What the runtime's tests share: a tiny cartridge built in code (so most
//! tests need no ROM files), and waiting for the thread.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use phosphor_rt::{Command, Done, Reply, Runtime};

/// An NROM cartridge with battery RAM whose NMI handler (every frame)
/// latches pad 1, stores its first bit (A) at $6000 and counts frames at
/// $6001.
pub fn tiny_rom() -> Vec<u8> {
    let mut rom = vec![0u8; 16 + 0x4000 + 0x2000];
    // iNES: 1x16K PRG, 1x8K CHR, battery.
    rom[..8].copy_from_slice(b"NES\x1a\x01\x01\x02\x00");
    let program: &[u8] = &[
        0xA9, 0x80, //             C000 LDA #$80
        0x8D, 0x00, 0x20, //       C002 STA $2000  (NMI on)
        0x4C, 0x05, 0xC0, //       C005 JMP $C005
        0xA9, 0x01, //             C008 LDA #1     (NMI handler)
        0x8D, 0x16, 0x40, //       C00A STA $4016
        0xA9, 0x00, //             C00D LDA #0
        0x8D, 0x16, 0x40, //       C00F STA $4016
        0xAD, 0x16, 0x40, //       C012 LDA $4016
        0x8D, 0x00, 0x60, //       C015 STA $6000
        0xEE, 0x01, 0x60, //       C018 INC $6001
        0x40, //                   C01B RTI
    ];
    rom[16..16 + program.len()].copy_from_slice(program);
    let vectors = [0x08, 0xC0, 0x00, 0xC0, 0x00, 0xC0]; // NMI, RESET, IRQ
    rom[16 + 0x3FFA..16 + 0x4000].copy_from_slice(&vectors);
    rom
}

/// Address of the NMI handler in [`tiny_rom`].
pub const TINY_NMI: u16 = 0xC008;

pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Sends `command` and returns its reply's result.
pub fn call(runtime: &mut Runtime, command: Command) -> Reply {
    runtime.call(command, TIMEOUT).expect("the emulation thread answers every command")
}

/// Sends `command` and expects it done.
pub fn done(runtime: &mut Runtime, command: Command) -> Done {
    let reply = call(runtime, command);
    match reply.result {
        Ok(done) => done,
        Err(e) => panic!("refused: {e}"),
    }
}

/// Polls until `f` holds, for up to 5 s.
pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}
