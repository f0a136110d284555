//! `phosphor`: the NES emulator. With no command, the windowed frontend
//! (the Bevy app assembled in `app.rs`); `headless` and `test-rom` run
//! without a window.

mod app;
mod cli;
mod files;
mod headless;
mod realtime;
mod test_rom;

use clap::Parser;
use std::process::ExitCode;

/// The system allocator, counting the emulation thread's heap calls (it
/// should make none) for the runtime's telemetry.
#[global_allocator]
static ALLOC: phosphor_rt::CountingAllocator = phosphor_rt::CountingAllocator;

/// Exit code for a file that is not a usable ROM (or cannot be read).
pub const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // A bug must not end in a backtrace: report it in one line.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("phosphor: internal error: {info}");
    }));
    let result = std::panic::catch_unwind(|| match args.command {
        None => app::run(&args.play),
        Some(cli::Command::Headless(opts)) if opts.realtime => realtime::run(&opts),
        Some(cli::Command::Headless(opts)) => headless::run(&opts),
        Some(cli::Command::TestRom(opts)) => test_rom::run(&opts),
    });
    result.unwrap_or(ExitCode::from(70))
}
