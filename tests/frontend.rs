//! The console-style frontend end to end: the real binary under Xvfb,
//! driven by keys typed with xdotool, as a player would. From the home
//! screen start the demo, play, save to slot 2 through the in-game menu,
//! quit; start again, find the demo in the recent list with the picture of
//! where it was left, continue from the autosave, then load slot 2, and
//! change a setting (kept in the settings file).
//!
//! Each step's window is captured (Shift+F12); with
//! `PHOSPHOR_SCREENSHOTS_TO=<folder>` the captures are copied there
//! (scripts/screenshots.sh does it for docs/screenshots/). Skipped, saying
//! so, where Xvfb or xdotool is missing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{can_open_windows, decode, distinct_colours, fresh_dir, wait_for, xdotool, xvfb, Guard};

/// One run of the program on a display, with its log.
struct Session {
    display: String,
    data: PathBuf,
    app: Guard,
    window: String,
    log: PathBuf,
    shots: usize,
}

impl Session {
    fn start(display: &str, data: &Path, run: usize) -> Session {
        let log = data.join(format!("phosphor-{run}.log"));
        let app = Guard(
            Command::new(env!("CARGO_BIN_EXE_phosphor"))
                .arg("--normal-priority")
                .env("DISPLAY", display)
                .env_remove("WAYLAND_DISPLAY")
                .env("PHOSPHOR_DATA_DIR", data.join("data"))
                .env("PHOSPHOR_CONFIG_DIR", data.join("config"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .expect("phosphor starts"),
        );
        let window = wait_for("the Phosphor window", Duration::from_secs(120), || {
            xdotool(display, &["search", "--name", "^Phosphor$"]).lines().next().map(str::to_string)
        });
        let session = Session { display: display.into(), data: data.into(), app, window, log, shots: 0 };
        session.wait_log("the home screen's list", "home: ");
        // Shaders compile, the first frames come.
        std::thread::sleep(Duration::from_secs(2));
        session
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_log(&self, what: &str, needle: &str) -> String {
        wait_for(what, Duration::from_secs(30), || {
            let log = self.log();
            log.lines().rev().find(|l| l.contains(needle)).map(str::to_string)
        })
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            xdotool(&self.display, &["windowfocus", "--sync", &self.window]);
            xdotool(&self.display, &["key", key]);
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Captures the window (Shift+F12) and keeps it as `name`.
    fn capture(&mut self, name: &str) -> PathBuf {
        let folder = self.data.join("data/screenshots");
        let count = || std::fs::read_dir(&folder).map_or(0, |d| d.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().ends_with("-window.png")).count());
        let before = count();
        self.keys(&["shift+F12"]);
        wait_for(name, Duration::from_secs(60), || (count() > before).then_some(()));
        std::thread::sleep(Duration::from_millis(300));
        let newest = std::fs::read_dir(&folder)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with("-window.png"))
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
            .unwrap()
            .path();
        self.shots += 1;
        let kept = self.data.join(format!("{name}.png"));
        std::fs::copy(&newest, &kept).unwrap();
        // Old captures go, so the next one is found by count.
        if let Some(to) = std::env::var_os("PHOSPHOR_SCREENSHOTS_TO") {
            let _ = std::fs::copy(&kept, Path::new(&to).join(format!("{name}.png")));
        }
        kept
    }

    fn quit(mut self) {
        self.keys(&["ctrl+q"]);
        let status = wait_for("phosphor to quit", Duration::from_secs(30), || self.app.0.try_wait().ok().flatten());
        assert!(status.success(), "exit status {status}; log:\n{}", self.log());
        assert!(!self.log().contains("panicked"), "log:\n{}", self.log());
    }
}

/// The frame number at the end of a log line like "... (frame 812)" or
/// "... at frame 812".
fn frame_in(line: &str) -> u64 {
    let tail = line.rsplit("frame ").next().unwrap_or_default();
    tail.trim_end_matches(')').trim().parse().unwrap_or_else(|_| panic!("no frame number in {line:?}"))
}

#[test]
fn home_play_save_quit_continue_and_load_a_slot() {
    if !can_open_windows() {
        return;
    }
    let (_xvfb, display) = xvfb(440);
    let data = fresh_dir("frontend");

    // First run: the home screen lists only the demo, not yet played.
    let mut first = Session::start(&display, &data, 1);
    let home = first.wait_log("the list", "home: ");
    assert!(home.ends_with("home: Phosphor demo"), "{home}");
    let shot = first.capture("frontend-1-home");
    assert!(distinct_colours(&decode(&shot).2) > 20, "the home screen is drawn");

    // Enter starts the demo; play a little (fly right, fire).
    first.keys(&["Return"]);
    first.wait_log("the game", "Phosphor demo: loaded");
    for _ in 0..6 {
        first.keys(&["Right", "x"]);
    }
    std::thread::sleep(Duration::from_secs(2));
    first.capture("frontend-2-playing");

    // Esc: the menu; "Save state"; slot 2 is the second card.
    first.keys(&["Escape"]);
    first.capture("frontend-3-menu");
    first.keys(&["Down", "Return"]);
    std::thread::sleep(Duration::from_millis(500));
    first.capture("frontend-4-save-slots");
    first.keys(&["Right", "Return"]);
    let saved = first.wait_log("slot 2 to be saved", "slot 2 saved at frame");
    let slot2_frame = frame_in(&saved);
    std::thread::sleep(Duration::from_secs(2));
    first.quit();
    let autosaved = std::fs::read_to_string(data.join("phosphor-1.log"))
        .unwrap()
        .lines()
        .find(|l| l.contains("autosave written at frame"))
        .map(str::to_string)
        .expect("the exit writes the autosave");
    let autosave_frame = frame_in(&autosaved);
    assert!(autosave_frame > slot2_frame + 60, "the game ran on after the save ({slot2_frame} then {autosave_frame})");

    // Second run: the demo is listed with where it was left.
    let mut second = Session::start(&display, &data, 2);
    let home = second.wait_log("the list", "home: ");
    assert!(
        home.contains(&format!("Phosphor demo (left at frame {autosave_frame}, with a picture: true)")),
        "{home}"
    );
    second.capture("frontend-5-home-recent");

    // Enter offers Continue / Start over; Continue loads the autosave.
    second.keys(&["Return"]);
    std::thread::sleep(Duration::from_millis(500));
    second.capture("frontend-6-continue");
    second.keys(&["Return"]);
    let continued = second.wait_log("the autosave to load", "the autosave loaded");
    assert_eq!(frame_in(&continued), autosave_frame, "{continued}");
    std::thread::sleep(Duration::from_secs(1));
    second.capture("frontend-7-continued");

    // Esc, "Load state", slot 2: back to the frame it was saved at.
    second.keys(&["Escape", "Down", "Down", "Return"]);
    std::thread::sleep(Duration::from_millis(800));
    second.capture("frontend-8-load-slots");
    second.keys(&["Right", "Return"]);
    let loaded = second.wait_log("slot 2 to load", "slot 2 loaded");
    assert_eq!(frame_in(&loaded), slot2_frame, "{loaded}");
    std::thread::sleep(Duration::from_secs(1));
    second.capture("frontend-9-slot2-loaded");

    // Settings from the menu: the picture changes at once, beside the list.
    second.keys(&["Escape", "Down", "Down", "Down", "Down", "Return", "Right"]);
    std::thread::sleep(Duration::from_millis(800));
    second.capture("frontend-10-settings");
    second.keys(&["Escape", "Escape"]);
    second.quit();
    let settings = std::fs::read_to_string(data.join("config/settings.toml")).expect("the settings were written");
    assert!(settings.contains("shader = \"sharp\""), "{settings}");
    let _ = std::fs::remove_dir_all(&data);
}

/// Time control in the window, as a player uses it: hold Backspace for two
/// seconds and the demo goes back about 120 frames (the thread runs it
/// backwards at its own 60 a second, whatever the renderer manages); let
/// go and it plays on. Then the Settings rows for rewind (with the memory
/// its history takes) and run-ahead (this game's), captured.
#[test]
fn holding_backspace_rewinds_two_seconds_and_settings_show_time_control() {
    if !can_open_windows() {
        return;
    }
    let (_xvfb, display) = xvfb(441);
    let data = fresh_dir("rewind");

    let mut session = Session::start(&display, &data, 1);
    session.keys(&["Return"]);
    session.wait_log("the game", "Phosphor demo: loaded");
    session.wait_log("time control sent", "rewind 2 min, run-ahead 1 frames");
    // Four seconds of play, so there are two to go back over.
    std::thread::sleep(Duration::from_secs(4));
    xdotool(&session.display, &["windowfocus", "--sync", &session.window]);
    xdotool(&session.display, &["keydown", "BackSpace"]);
    std::thread::sleep(Duration::from_secs(2));
    xdotool(&session.display, &["keyup", "BackSpace"]);
    let from = frame_in(&session.wait_log("the rewind to start", "rewinding at frame"));
    let to = frame_in(&session.wait_log("the rewind to end", "rewind let go at frame"));
    let back = from as i64 - to as i64;
    // 120 at 60 frames a second; the keys reach a busy renderer a frame or
    // two late at either end.
    assert!((80..=160).contains(&back), "two seconds held: {from} -> {to} ({back} frames back)");
    std::thread::sleep(Duration::from_secs(1));
    session.capture("time-control-1-after-rewind");

    // Esc, Settings (the fifth item), down to the rewind rows.
    session.keys(&["Escape", "Down", "Down", "Down", "Down", "Return"]);
    std::thread::sleep(Duration::from_millis(500));
    let down: Vec<&str> = vec!["Down"; 16];
    session.keys(&down);
    std::thread::sleep(Duration::from_millis(800));
    let shot = session.capture("settings-time-control");
    assert!(distinct_colours(&decode(&shot).2) > 20, "the settings are drawn");
    session.keys(&["Escape", "Escape"]);
    session.quit();
    let _ = std::fs::remove_dir_all(&data);
}
