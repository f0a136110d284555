//! `phosphor test-rom`: run conformance ROMs and print their verdicts.

use crate::cli::TestRomArgs;
use crate::headless::load_rom;
use crate::EXIT_BAD_INPUT;
use phosphor_nes::testrom;
use std::process::ExitCode;

pub fn run(args: &TestRomArgs) -> ExitCode {
    let mut failed = false;
    let mut bad_input = false;
    for path in &args.roms {
        let mut nes = match load_rom(path, phosphor_nes::LoadOptions::default()) {
            Ok(nes) => nes,
            Err(message) => {
                eprintln!("phosphor: {message}");
                bad_input = true;
                continue;
            }
        };
        let outcome = testrom::run(&mut nes, args.max_frames);
        if outcome.passed {
            println!("PASS {}", path.display());
        } else {
            failed = true;
            let text = outcome.text.split_whitespace().collect::<Vec<_>>().join(" ");
            println!("FAIL {} code={}: {}", path.display(), outcome.code, text);
        }
    }
    if bad_input {
        ExitCode::from(EXIT_BAD_INPUT)
    } else if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
