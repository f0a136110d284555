//! End-to-end tests of the `phosphor` binary's headless commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn phosphor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_phosphor")).args(args).output().expect("run phosphor")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phosphor-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An NROM image whose program is `code` at $8000 (vectors point there).
fn nrom(code: &[u8], mapper: u8) -> Vec<u8> {
    let mut rom = vec![b'N', b'E', b'S', 0x1A, 1, 1, mapper << 4, mapper & 0xF0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut prg = vec![0xEAu8; 0x4000];
    prg[..code.len()].copy_from_slice(code);
    for v in [0x3FFA, 0x3FFC, 0x3FFE] {
        prg[v] = 0x00;
        prg[v + 1] = 0x80;
    }
    rom.extend(prg);
    rom.extend(vec![0u8; 0x2000]);
    rom
}

/// A program that reports `status` through the $6000 protocol with text "hi".
fn reporting_rom(status: u8) -> Vec<u8> {
    let code = [
        0xA9, 0xDE, 0x8D, 0x01, 0x60, // LDA #$DE; STA $6001
        0xA9, 0xB0, 0x8D, 0x02, 0x60, // LDA #$B0; STA $6002
        0xA9, 0x61, 0x8D, 0x03, 0x60, // LDA #$61; STA $6003
        0xA9, b'h', 0x8D, 0x04, 0x60, // "h"
        0xA9, b'i', 0x8D, 0x05, 0x60, // "i"
        0xA9, 0x00, 0x8D, 0x06, 0x60, // NUL
        0xA9, status, 0x8D, 0x00, 0x60, // status
        0x4C, 0x23, 0x80, // JMP * (this instruction is at $8023)
    ];
    nrom(&code, 0)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn assert_bad_input(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "exit code 2 for bad input; stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "message names the problem ({needle}): {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_roms_get_one_line_and_exit_code_2() {
    let dir = temp_dir("bad");
    let text = write(&dir, "notes.nes", b"this is a text file renamed to .nes\n");
    assert_bad_input(&phosphor(&["headless", &text, "--frames", "1"]), "not an iNES ROM");

    let good = reporting_rom(0);
    let truncated = write(&dir, "truncated.nes", &good[..good.len() - 100]);
    assert_bad_input(&phosphor(&["headless", &truncated]), "truncated");

    let cprom = write(&dir, "cprom.nes", &nrom(&[], 13));
    assert_bad_input(&phosphor(&["headless", &cprom]), "mapper 13");

    let missing = dir.join("missing.nes");
    assert_bad_input(&phosphor(&["headless", &missing.to_string_lossy()]), "cannot read");
    assert_bad_input(&phosphor(&["test-rom", &text]), "not an iNES ROM");
}

#[test]
fn test_rom_reports_pass_and_fail_from_the_6000_protocol() {
    let dir = temp_dir("verdicts");
    let pass = write(&dir, "pass.nes", &reporting_rom(0));
    let fail = write(&dir, "fail.nes", &reporting_rom(5));
    let o = phosphor(&["test-rom", &pass]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).trim(), format!("PASS {pass}"));
    let o = phosphor(&["test-rom", &pass, &fail, "--max-frames", "30"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains(&format!("FAIL {fail} code=5: hi")), "{}", stdout(&o));
}

#[test]
fn headless_prints_peeks_hash_and_fps_and_writes_a_screenshot() {
    let dir = temp_dir("headless");
    // LDA #$6F; STA $0038; then loop.
    let rom = write(&dir, "store.nes", &nrom(&[0xA9, 0x6F, 0x85, 0x38, 0x4C, 0x04, 0x80], 0));
    let shot = dir.join("shot.png");
    let o = phosphor(&[
        "headless", &rom, "--frames", "130", "--peek", "$0038", "--peek", "0x39", "--bench", "--screenshot",
        &shot.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "peek $0038=$6F");
    assert_eq!(lines[1], "peek $0039=$00");
    let hash = lines[2].strip_prefix("frame_hash=").expect("frame_hash line");
    assert_eq!(hash.len(), 16);
    assert!(u64::from_str_radix(hash, 16).is_ok());
    let fps: f64 = lines[3].strip_prefix("fps=").expect("fps line").parse().unwrap();
    assert!(fps > 0.0);
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 256, "width");
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 240, "height");
}

#[test]
fn press_reaches_the_controller_in_its_frames_only() {
    let dir = temp_dir("press");
    // Each frame-ish: strobe, read $4016 eight times, store each bit at $10+i.
    // LDX #0; LDA #1; STA $4016; LDA #0; STA $4016;
    // loop: LDA $4016; AND #1; STA $10,X; INX; CPX #8; BNE loop; JMP $8000
    let code = [
        0xA2, 0x00, 0xA9, 0x01, 0x8D, 0x16, 0x40, 0xA9, 0x00, 0x8D, 0x16, 0x40, // strobe
        0xAD, 0x16, 0x40, 0x29, 0x01, 0x95, 0x10, 0xE8, 0xE0, 0x08, 0xD0, 0xF4, // read 8 bits
        0x4C, 0x00, 0x80,
    ];
    let rom = write(&dir, "pad.nes", &nrom(&code, 0));
    let peeks = |extra: &[&str]| {
        let mut args = vec!["headless", rom.as_str(), "--frames", "20", "--peek", "$10", "--peek", "$13", "--peek", "$17"];
        args.extend_from_slice(extra);
        stdout(&phosphor(&args))
    };
    let held = peeks(&["--press", "a+start+right@15-19"]);
    assert!(held.contains("peek $0010=$01") && held.contains("peek $0013=$01") && held.contains("peek $0017=$01"), "{held}");
    let released = peeks(&["--press", "a+start+right@2-5"]);
    assert!(released.contains("peek $0010=$00") && released.contains("peek $0017=$00"), "{released}");
    let bad = phosphor(&["headless", &rom, "--press", "jump@1-2"]);
    assert!(!bad.status.success());
}

#[test]
fn same_rom_same_inputs_same_frames() {
    let Some(dir) = phosphor_conformance_dir() else {
        eprintln!("SKIPPED: conformance ROMs not found");
        return;
    };
    let rom = dir.join("ny2011/ny2011.nes");
    let rom = rom.to_string_lossy();
    let a = stdout(&phosphor(&["headless", &rom, "--frames", "200"]));
    let b = stdout(&phosphor(&["headless", &rom, "--frames", "200"]));
    let c = stdout(&phosphor(&["headless", &rom, "--frames", "201"]));
    assert_eq!(a, b);
    assert_ne!(a, c, "the picture moves from frame to frame");
}

fn phosphor_conformance_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PHOSPHOR_TEST_ROMS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/test-roms/nes-test-roms"));
    dir.join("ny2011/ny2011.nes").exists().then_some(dir)
}

#[test]
fn wav_records_what_the_program_plays() {
    // Pulse 1: 50% duty, constant volume 15, length halted, period 253 (440.4 Hz).
    let code = [
        0xA9, 0x01, 0x8D, 0x15, 0x40, // LDA #$01; STA $4015
        0xA9, 0xBF, 0x8D, 0x00, 0x40, // LDA #$BF; STA $4000
        0xA9, 0x08, 0x8D, 0x01, 0x40, // LDA #$08; STA $4001 (sweep off, negate: no muting)
        0xA9, 253, 0x8D, 0x02, 0x40, // LDA #253; STA $4002
        0xA9, 0x00, 0x8D, 0x03, 0x40, // LDA #$00; STA $4003
        0x4C, 0x19, 0x80, // JMP * (this instruction is at $8019)
    ];
    let dir = temp_dir("wav");
    let rom = write(&dir, "tone.nes", &nrom(&code, 0));
    let wav = dir.join("tone.wav");
    let o = phosphor(&["headless", &rom, "--frames", "120", "--wav", wav.to_str().unwrap()]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..16], b"WAVEfmt ");
    assert_eq!(u16::from_le_bytes([bytes[22], bytes[23]]), 1, "mono");
    assert_eq!(u32::from_le_bytes(bytes[24..28].try_into().unwrap()), 48_000);
    let samples: Vec<f64> = bytes[44..].chunks_exact(2).map(|c| f64::from(i16::from_le_bytes([c[0], c[1]]))).collect();
    // 120 frames of 29,780.5 cycles at 1.789773 MHz is 1.9967 s.
    let expected = 120.0 * 29_780.5 / 1_789_772.7 * 48_000.0;
    assert!((samples.len() as f64 - expected).abs() < 50.0, "{} samples, want about {expected}", samples.len());
    assert!(stdout(&o).contains(&format!("wav_samples={}", samples.len())));
    // Count rising crossings of half the peak over the last second.
    let tail = &samples[samples.len() - 48_000..];
    let peak = tail.iter().fold(0.0f64, |m, s| m.max(s.abs()));
    assert!(peak > 2_000.0, "audible: peak {peak}");
    let (mut armed, mut rises) = (false, 0);
    for w in tail.windows(2) {
        if w[1] < -peak / 2.0 {
            armed = true;
        }
        if armed && w[0] < peak / 2.0 && w[1] >= peak / 2.0 {
            armed = false;
            rises += 1;
        }
    }
    assert!((439..=441).contains(&rises), "{rises} periods in one second");
}

#[test]
fn region_flag_changes_the_frame_length() {
    let dir = temp_dir("region");
    let rom = write(&dir, "loop.nes", &nrom(&[0x4C, 0x00, 0x80], 0));
    let samples = |region: &str| {
        let wav = dir.join(format!("{region}.wav"));
        let o = phosphor(&["headless", &rom, "--frames", "120", "--region", region, "--wav", wav.to_str().unwrap()]);
        assert!(o.status.success(), "stderr: {}", stderr(&o));
        (std::fs::read(&wav).unwrap().len() - 44) as f64 / 2.0
    };
    // 120 frames: NTSC 29,780.5 cycles at 1.789773 MHz, PAL 33,247.5 at
    // 1.662607 MHz, Dendy 35,464 (312 lines of 341 dots / 3) at 1.773448 MHz.
    for (region, seconds) in [("ntsc", 29_780.5 / 1_789_772.7), ("pal", 33_247.5 / 1_662_607.0), ("dendy", 35_464.0 / 1_773_447.5)] {
        let expected = 120.0 * seconds * 48_000.0;
        let got = samples(region);
        assert!((got - expected).abs() < 50.0, "{region}: {got} samples, want about {expected}");
    }
    let o = phosphor(&["headless", &rom, "--region", "secam"]);
    assert_eq!(o.status.code(), Some(2), "clap refuses an unknown region");
}

/// `key=value` from a run's output.
fn value(out: &str, key: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {out}"))
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_saved_state_resumes_where_the_run_left_off() {
    let Some(roms) = phosphor_conformance_dir() else {
        eprintln!("SKIPPED: conformance ROMs not found");
        return;
    };
    let dir = temp_dir("states");
    let rom = roms.join("ny2011/ny2011.nes");
    let rom = rom.to_str().unwrap();
    let state = dir.join("600.state");
    let state = state.to_str().unwrap();
    let press = "a+right@550-700";
    let straight = stdout(&phosphor(&["headless", rom, "--frames", "1200", "--press", press]));
    let saved = phosphor(&["headless", rom, "--frames", "600", "--press", press, "--save-state", state]);
    assert!(saved.status.success(), "{}", stderr(&saved));
    assert_eq!(value(&stdout(&saved), "state_frame"), "600");
    let resumed = phosphor(&["headless", rom, "--load-state", state, "--frames", "600", "--press", press]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(value(&stdout(&resumed), "frame_hash"), value(&straight, "frame_hash"), "frame 1200 either way");

    // Bad and foreign state files: one line naming why, exit code 2.
    let text = write(&dir, "notes.state", b"just some text, not a state");
    assert_bad_input(&phosphor(&["headless", rom, "--load-state", &text]), "not a Phosphor save state");
    let bytes = std::fs::read(state).unwrap();
    let cut = write(&dir, "cut.state", &bytes[..bytes.len() / 2]);
    assert_bad_input(&phosphor(&["headless", rom, "--load-state", &cut]), "truncated");
    let nestest = roms.join("other/nestest.nes");
    assert_bad_input(&phosphor(&["headless", nestest.to_str().unwrap(), "--load-state", state]), "another game");
    let missing = dir.join("missing.state");
    assert_bad_input(&phosphor(&["headless", rom, "--load-state", missing.to_str().unwrap()]), "cannot read");

    // A save that cannot be written fails and leaves the old file whole.
    let blocked = dir.join("no-such-folder/x.state");
    let o = phosphor(&["headless", rom, "--frames", "5", "--save-state", blocked.to_str().unwrap()]);
    assert!(!o.status.success() && stderr(&o).contains("x.state: not found"), "{}", stderr(&o));
    assert_eq!(std::fs::read(state).unwrap(), bytes);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_recorded_movie_replays_to_the_same_frame() {
    let Some(roms) = phosphor_conformance_dir() else {
        eprintln!("SKIPPED: conformance ROMs not found");
        return;
    };
    let dir = temp_dir("movies");
    let rom = roms.join("ny2011/ny2011.nes");
    let rom = rom.to_str().unwrap();
    let movie = dir.join("run.phm");
    let movie = movie.to_str().unwrap();
    let args = ["headless", rom, "--frames", "400", "--ram-init", "seed:5", "--press", "a@100-180", "--press", "b+left@250-300"];
    let recorded = phosphor(&[&args[..], &["--record", movie]].concat());
    assert!(recorded.status.success(), "{}", stderr(&recorded));
    assert_eq!(value(&stdout(&recorded), "movie_frames"), "400");
    assert!(std::fs::metadata(movie).unwrap().len() < 400, "a few bytes per held button, not per frame");

    let played = phosphor(&["headless", rom, "--play", movie]);
    assert!(played.status.success(), "{}", stderr(&played));
    let out = stdout(&played);
    assert_eq!(value(&out, "frame_hash"), value(&stdout(&recorded), "frame_hash"));
    assert!(out.contains("movie_frames=400 replay=ok"), "{out}");

    // A recording whose checkpoint no longer matches: the replay says where.
    let mut m = phosphor_nes::movie::Movie::decode(&std::fs::read(movie).unwrap()).unwrap();
    m.checkpoints[2].frame_hash ^= 1;
    let edited = write(&dir, "edited.phm", &m.encode());
    let o = phosphor(&["headless", rom, "--play", &edited]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("after frame 179"), "{}", stderr(&o));

    // Another game, a damaged file: refused in one line.
    let nestest = roms.join("other/nestest.nes");
    assert_bad_input(&phosphor(&["headless", nestest.to_str().unwrap(), "--play", movie]), "another game");
    let mut bytes = std::fs::read(movie).unwrap();
    bytes[30] ^= 0xFF;
    let damaged = write(&dir, "damaged.phm", &bytes);
    assert_bad_input(&phosphor(&["headless", rom, "--play", &damaged]), "corrupted");

    // Recording from a saved state replays from that state.
    let state = dir.join("s.state");
    let state = state.to_str().unwrap();
    assert!(phosphor(&["headless", rom, "--frames", "90", "--save-state", state]).status.success());
    let from_state = dir.join("from-state.phm");
    let from_state = from_state.to_str().unwrap();
    let o = phosphor(&["headless", rom, "--load-state", state, "--frames", "60", "--press", "start@100-110", "--record", from_state]);
    assert!(o.status.success(), "{}", stderr(&o));
    let replay = phosphor(&["headless", rom, "--play", from_state]);
    assert_eq!(value(&stdout(&replay), "frame_hash"), value(&stdout(&o), "frame_hash"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `key=value` from the one-line report of `--realtime`.
fn field(line: &str, key: &str) -> String {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
        .to_owned()
}

#[test]
fn realtime_runs_paced_and_reports_its_figures() {
    let dir = temp_dir("realtime");
    // Strobes and reads the pad in a loop, so input is latched constantly.
    let code = [
        0xA9, 0x01, 0x8D, 0x16, 0x40, 0xA9, 0x00, 0x8D, 0x16, 0x40, // strobe
        0xAD, 0x16, 0x40, 0x85, 0x10, 0x4C, 0x00, 0x80, // read A into $10, again
    ];
    let rom = write(&dir, "loop.nes", &nrom(&code, 0));
    let o = phosphor(&["headless", &rom, "--realtime", "--seconds", "1.5", "--press", "a@10-40"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let line = out.lines().next().unwrap_or_default();
    for key in [
        "frames",
        "deadline_misses",
        "frame_ms_p50",
        "frame_ms_p99",
        "frame_ms_p999",
        "frame_ms_max",
        "pacing_jitter_us_p99",
        "audio_underruns",
        "audio_ring_fill_min",
        "audio_ring_fill_max",
        "rt_allocations",
        "priority",
    ] {
        field(line, key);
    }
    // Paced at 60.0988 Hz, not as fast as it can: about 90 frames in 1.5 s.
    let frames: u64 = field(line, "frames").parse().unwrap();
    assert!((70..=100).contains(&frames), "{line}");
    let p50: f64 = field(line, "frame_ms_p50").parse().unwrap();
    assert!((15.0..18.5).contains(&p50), "{line}");
    assert_eq!(field(line, "rt_allocations"), "0", "{line}");
    assert!(field(line, "audio_ring_fill_max").parse::<u64>().unwrap() > 0, "sound reached the device: {line}");
    let latency: f64 = field(line, "input_latency_ms_p50").parse().unwrap();
    assert!(latency < 40.0, "the press was read within two frames: {line}");

    let bad = phosphor(&["headless", &write(&dir, "bad.nes", b"not a rom"), "--realtime", "--seconds", "1"]);
    assert_bad_input(&bad, "bad.nes");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fields a trace line and a nestest.log line must agree on.
fn trace_fields(line: &str) -> Vec<String> {
    let mut fields = vec![line[..4].to_string()];
    for key in ["A:", "X:", "Y:", "P:", "SP:", "CYC:"] {
        let at = line.find(key).unwrap_or_else(|| panic!("no {key} in {line}"));
        fields.push(line[at..].split_whitespace().next().unwrap().to_string());
    }
    fields
}

#[test]
fn the_trace_of_nestest_matches_its_reference_log() {
    let Some(roms) = phosphor_conformance_dir() else {
        eprintln!("SKIPPED: conformance ROMs not found");
        return;
    };
    let dir = temp_dir("trace");
    let trace = dir.join("nestest.trace");
    let rom = roms.join("other/nestest.nes");
    let out = phosphor(&["headless", rom.to_str().unwrap(), "--frames", "1", "--start-pc", "C000", "--trace", trace.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = std::fs::read_to_string(&trace).unwrap();
    let log = std::fs::read_to_string(roms.join("other/nestest.log")).unwrap();
    let (ours, log): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), log.lines().collect());
    assert!(stdout(&out).contains(&format!("trace_lines={}", ours.len())));
    assert!(ours.len() >= log.len(), "{} lines traced, the log has {}", ours.len(), log.len());
    for (n, (mine, want)) in ours.iter().zip(&log).enumerate() {
        assert!(mine.len() > 4 && mine[..4].chars().all(|c| c.is_ascii_hexdigit()), "line {} starts with its PC: {mine}", n + 1);
        assert_eq!(trace_fields(mine), trace_fields(want), "line {}:\n ours: {mine}\n want: {want}", n + 1);
    }
}

#[test]
fn a_trace_filter_keeps_only_what_it_names_and_a_bad_one_is_refused() {
    let dir = temp_dir("trace-filter");
    let rom_path = dir.join("stores.nes");
    // LDA #$42; STA $10; INC $11; JMP $8000
    std::fs::write(&rom_path, nrom(&[0xA9, 0x42, 0x85, 0x10, 0xE6, 0x11, 0x4C, 0x00, 0x80], 0)).unwrap();
    let trace = dir.join("stores.trace");
    let (rom, file) = (rom_path.to_str().unwrap(), trace.to_str().unwrap());
    let out = phosphor(&["headless", rom, "--frames", "1", "--trace", file, "--trace-filter", "pc == $8002"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.lines().count() > 100);
    assert!(text.lines().all(|l| l.starts_with("8002  85 10     STA $10 = 42")), "{}", &text[..200.min(text.len())]);
    let out = phosphor(&["headless", rom, "--trace", file, "--trace-filter", "pc === 3"]);
    assert_eq!(out.status.code(), Some(2), "bad input");
    assert!(stderr(&out).contains("--trace-filter 'pc === 3': at column"), "{}", stderr(&out));
}

/// `--latency` measures the demo's press-to-picture delay by running with
/// and without the press: two frames (it reads the pad during a frame and
/// draws the answer in the next), one with a frame of run-ahead. `--bench
/// --run-ahead 2 --rewind` prints what both cost.
#[test]
fn latency_is_measured_and_run_ahead_and_rewind_are_benchmarked() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo.nes");
    for (ahead, expected) in [("0", "latency_frames=2"), ("1", "latency_frames=1")] {
        let out = phosphor(&["headless", demo, "--latency", "a@200", "--run-ahead", ahead]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(expected), "run-ahead {ahead}: {text}");
    }
    let out = phosphor(&["headless", demo, "--latency", "b@200"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stdout).contains("latency_frames=none"), "B does nothing in the demo");
    let out = phosphor(&["headless", demo, "--frames", "300", "--bench", "--run-ahead", "2", "--rewind"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for key in ["fps=", "run_ahead=2", "run_ahead_reruns=", "rewind_capture_us=", "rewind_bytes_per_min="] {
        assert!(text.contains(key), "{key} in {text}");
    }
}
