//! The sound path through a real sound server: a private PulseAudio with a
//! null sink, the default ALSA device routed to it, `phosphor headless
//! --realtime --audio real` playing on it and measuring itself against a
//! recording of the sink's monitor. Skips (and says so) where no server
//! can be started. These run one at a time: two emulators and two servers
//! on a two-core machine would measure each other.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

use common::{field, pulse, Guard, PulseServer};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn ny2011() -> Option<PathBuf> {
    let dir = std::env::var_os("PHOSPHOR_TEST_ROMS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/test-roms/nes-test-roms"));
    let rom = dir.join("ny2011/ny2011.nes");
    if !rom.exists() {
        eprintln!("SKIPPED: {} is not there", rom.display());
        return None;
    }
    Some(rom)
}

fn realtime(server: &PulseServer, rom: &std::path::Path, args: &[&str]) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_phosphor"))
        .arg("headless")
        .arg(rom)
        .args(["--realtime", "--audio", "real"])
        .args(args)
        .envs(server.env())
        .output()
        .expect("run phosphor");
    let line = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().to_string();
    (out, line)
}

fn check_ran(out: &Output, line: &str) {
    assert!(out.status.success(), "phosphor failed: {}\n{line}", String::from_utf8_lossy(&out.stderr));
    eprintln!("{line}");
}

/// A minute of ny2011 through the server: the latency from a sample going
/// into the ring to the server playing it, measured from the recording,
/// is at most 20 ms (median), with no underrun.
#[test]
fn a_minute_through_the_sound_server_is_under_20_ms_without_underruns() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(rom), Some(server)) = (ny2011(), pulse("minute")) else { return };
    let (out, line) = realtime(&server, &rom, &["--seconds", "60"]);
    check_ran(&out, &line);
    assert!(field(&line, "audio_latency_clicks") >= 220.0, "four clicks a second came back: {line}");
    // A click lost is one dropped with a backlog (below): at most two.
    assert!(field(&line, "audio_latency_missed") <= 2.0, "{line}");
    let median = field(&line, "audio_latency_ms");
    assert!(median > 0.0 && median <= 20.0, "median {median} ms: {line}");
    // No underrun, unless the machine itself stopped the emulation thread
    // (SCHED_FIFO, its own core) for over 5 ms: these virtual machines do
    // that a few times on some days (a 53 ms stall seen idle), and no lead
    // short of the stall covers it. Then at most 0.02% of periods short.
    // The underruns counted are those of steady playback: in the stream's
    // first second a sound server's first requests come unevenly (CI saw
    // three underruns there once in many runs, none after), and the lead
    // is not raised for them. They are reported, and held to a few.
    let stalled_ms = field(&line, "pacing_jitter_us_max") / 1000.0;
    let settling = field(&line, "audio_underruns_settling");
    eprintln!("underruns while the stream started: {settling}");
    assert!(settling <= 3.0, "{line}");
    if stalled_ms <= 5.0 {
        assert_eq!(field(&line, "audio_underruns") - settling, 0.0, "{line}");
    } else {
        let short = field(&line, "audio_periods_short_pct");
        eprintln!("the machine stalled the emulation thread for {stalled_ms:.1} ms: {short}% of periods short");
        assert!(short <= 0.02, "{short}% of periods short: {line}");
    }
    // The backlog a device leaves while it starts (its first calls, then a
    // pause) is dropped, and so is one left by a stall of over two frames
    // (seen on these virtual machines a few times a minute at most).
    // On a day the machine stalls threads, more of those.
    let most = if stalled_ms <= 5.0 { 4.0 } else { 30.0 };
    assert!(field(&line, "audio_drains") <= most, "{line}");
}

/// The measurement is checked, not trusted: 20 ms more lead in the ring,
/// on the same stream a few seconds on, measures 20 ms (+- 3) more.
#[test]
fn twenty_ms_more_lead_measures_twenty_ms_more() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(rom), Some(server)) = (ny2011(), pulse("lead")) else { return };
    let args = ["--seconds", "15", "--audio-latency-ms", "10", "--audio-latency-max-ms", "0", "--audio-latency-then", "30@7"];
    let (out, line) = realtime(&server, &rom, &args);
    check_ran(&out, &line);
    assert!(field(&line, "audio_latency_clicks_before") >= 15.0, "{line}");
    assert!(field(&line, "audio_latency_clicks_after") >= 20.0, "{line}");
    let (before, after) = (field(&line, "audio_latency_ms_before"), field(&line, "audio_latency_ms_after"));
    let raised = after - before;
    assert!((raised - 20.0).abs() <= 3.0, "lead 10 ms: {before} ms, lead 30 ms: {after} ms; {raised} ms apart");
}

/// With the other core kept busy, at most 0.1% of the device's calls find
/// the ring short.
#[test]
fn a_busy_core_costs_at_most_a_thousandth_of_the_periods() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(rom), Some(server)) = (ny2011(), pulse("busy")) else { return };
    if !common::have("stress-ng") {
        eprintln!("SKIPPED: stress-ng is needed (scripts/setup.sh installs it)");
        return;
    }
    let _stress = Guard(
        Command::new("stress-ng")
            .args(["--cpu", "1", "--timeout", "40s", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("stress-ng starts"),
    );
    let (out, line) = realtime(&server, &rom, &["--seconds", "20"]);
    check_ran(&out, &line);
    let short = field(&line, "audio_periods_short_pct");
    assert!(short <= 0.1, "{short}% of periods short: {line}");
    assert!(field(&line, "audio_latency_clicks") >= 70.0, "{line}");
}

/// Without a server to record, `--audio real` says why and fails.
#[test]
fn real_audio_without_a_server_says_why() {
    // A real-time phosphor beside the minute's would take its core.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rom) = ny2011() else { return };
    let dir = common::fresh_dir("no-server");
    let out = Command::new(env!("CARGO_BIN_EXE_phosphor"))
        .arg("headless")
        .arg(&rom)
        .args(["--realtime", "--audio", "real", "--seconds", "1"])
        .env("XDG_RUNTIME_DIR", &dir)
        .env("PULSE_RUNTIME_PATH", dir.join("pulse"))
        .env("PULSE_SERVER", format!("unix:{}", dir.join("none").display()))
        .output()
        .expect("run phosphor");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "no server: a failure, not figures");
    assert!(stderr.contains("--audio real"), "it says what failed: {stderr}");
}

/// The frontend's sounds through bevy_kira_audio on the real server, run by
/// [`the_frontends_sounds_play_and_leave_the_game_stream_alone`] in a child
/// process that has the server's address (`PHOSPHOR_UI_SOUND_CHILD` says
/// what to do; without it this returns at once). A headless App (no
/// window) loads the WAV files as assets and plays menu moves:
/// - `check`: five moves, then five muted; the sink's monitor is recorded
///   and the peaks of the two halves are printed;
/// - `loop:S`: a move or a select every 100 ms for S seconds.
#[test]
fn ui_sounds_child() {
    use bevy::prelude::*;
    use phosphor_audio::ui::{UiSoundAssets, UiSoundStats, UiVolume};
    use phosphor_audio::{UiSound, UiSoundsPlugin};
    use std::io::Read;
    use std::time::{Duration, Instant};

    let Some(mode) = std::env::var_os("PHOSPHOR_UI_SOUND_CHILD") else { return };
    let mode = mode.to_string_lossy().into_owned();
    let mut app = App::new();
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/assets");
    app.add_plugins((MinimalPlugins, bevy::asset::AssetPlugin { file_path: assets.into(), ..default() }, UiSoundsPlugin));
    app.finish();
    app.cleanup();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        app.update();
        let world = app.world();
        let (sounds, server) = (world.resource::<UiSoundAssets>(), world.resource::<AssetServer>());
        if let Some(why) = sounds.failed(server) {
            panic!("a sound did not load: {why}");
        }
        if sounds.loaded(server) {
            break;
        }
        assert!(Instant::now() < deadline, "the sounds did not load in 20 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    app.world_mut().insert_resource(UiVolume { level: 1.0, muted: false });
    // Updates at about 200 Hz for `seconds`, asking for `sound` every `every`.
    let run = |app: &mut App, seconds: f64, every: Duration, sound: &dyn Fn(u32) -> UiSound| {
        let start = Instant::now();
        let mut asked = 0u32;
        while start.elapsed().as_secs_f64() < seconds {
            if start.elapsed() >= every * asked {
                app.world_mut().write_message(sound(asked));
                asked += 1;
            }
            app.update();
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    if let Some(seconds) = mode.strip_prefix("loop:") {
        let seconds: f64 = seconds.parse().expect("loop:SECONDS");
        run(&mut app, seconds, Duration::from_millis(100), &|i| if i % 2 == 0 { UiSound::Move } else { UiSound::Select });
        println!("ui sounds played={}", app.world().resource::<UiSoundStats>().played);
        return;
    }
    // The monitor, recorded with the instant each chunk arrived.
    let mut parec = Guard(
        std::process::Command::new("parec")
            .args(["--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=10", "-d", "@DEFAULT_MONITOR@"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("parec starts"),
    );
    let mut out = parec.0.stdout.take().expect("parec's output");
    let begin = Instant::now();
    let recorder = std::thread::spawn(move || {
        let mut chunks = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            let peak = buf[..n].chunks_exact(2).map(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs()).max().unwrap_or(0);
            chunks.push((begin.elapsed().as_secs_f64(), peak));
        }
        chunks
    });
    run(&mut app, 0.8, Duration::from_secs(1), &|_| UiSound::Move); // the recording settles
    let audible = begin.elapsed().as_secs_f64();
    run(&mut app, 1.0, Duration::from_millis(200), &|_| UiSound::Move);
    app.world_mut().resource_mut::<UiVolume>().muted = true;
    let muted = begin.elapsed().as_secs_f64();
    run(&mut app, 1.5, Duration::from_millis(200), &|i| if i < 5 { UiSound::Move } else { UiSound::Back });
    let end = begin.elapsed().as_secs_f64();
    drop(parec);
    let chunks = recorder.join().expect("the recorder");
    let peak = |from: f64, to: f64| chunks.iter().filter(|(t, _)| (from..to).contains(t)).map(|(_, p)| *p).max().unwrap_or(0);
    let stats = *app.world().resource::<UiSoundStats>();
    // A sound asked for at the end of the audible part arrives up to a
    // few tens of ms later: the muted part is judged from 0.3 s in.
    println!(
        "ui sounds audible_peak={} muted_peak={} played={} silenced={} not_loaded={}",
        peak(audible, muted + 0.3),
        peak(muted + 0.3, end),
        stats.played,
        stats.silenced,
        stats.not_loaded
    );
}

fn ui_child(server: &PulseServer, mode: &str) -> Command {
    let mut child = Command::new(std::env::current_exe().expect("this test binary"));
    child
        .args(["--exact", "ui_sounds_child", "--nocapture", "--test-threads=1"])
        .env("PHOSPHOR_UI_SOUND_CHILD", mode)
        .envs(server.env());
    child
}

/// The frontend's sounds play through bevy_kira_audio on the real server
/// (the sink's monitor hears menu moves; muted, it hears nothing), and a
/// second stream making a sound ten times a second beside the game's does
/// not change the game's measured latency by more than 3 ms, nor leave
/// more than a thousandth of its periods short.
#[test]
fn the_frontends_sounds_play_and_leave_the_game_stream_alone() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(server) = pulse("ui") else { return };
    let out = ui_child(&server, "check").output().expect("the child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let line = text
        .lines()
        .find_map(|l| l.find("ui sounds audible_peak").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no result:\n{text}"));
    eprintln!("{line}");
    // One while the recording settles, five heard.
    assert_eq!(field(line, "played"), 6.0, "{line}");
    assert_eq!(field(line, "not_loaded"), 0.0, "{line}");
    assert!(field(line, "silenced") >= 5.0, "{line}");
    assert!(field(line, "audible_peak") > 4000.0, "the moves were heard: {line}");
    assert!(field(line, "muted_peak") < 200.0, "muted, nothing is heard: {line}");

    let Some(rom) = ny2011() else { return };
    // A fixed lead, so that only the path beyond the ring can differ.
    let fixed = ["--seconds", "15", "--audio-latency-ms", "12", "--audio-latency-max-ms", "0"];
    let (out, alone) = realtime(&server, &rom, &fixed);
    check_ran(&out, &alone);
    let mut sounds = Guard(ui_child(&server, "loop:17").stdout(Stdio::piped()).spawn().expect("the child runs"));
    let (out, beside) = realtime(&server, &rom, &fixed);
    check_ran(&out, &beside);
    let played = sounds.0.wait().expect("the child ends");
    assert!(played.success(), "the sounds' child failed");
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut sounds.0.stdout.take().expect("its output"), &mut text);
    assert!(text.contains("ui sounds played="), "{text}");
    let (a, b) = (field(&alone, "audio_latency_ms"), field(&beside, "audio_latency_ms"));
    assert!((b - a).abs() <= 3.0, "game latency alone {a} ms, beside the frontend's sounds {b} ms");
    // As with a busy core: at most a thousandth of the periods short.
    let short = field(&beside, "audio_periods_short_pct");
    assert!(short <= 0.1, "{short}% of periods short beside the frontend's sounds: {beside}");
}
