//! The real binary in a real window: an X server with no screen (Xvfb),
//! software Vulkan, keys typed with xdotool. `phosphor` starts with our
//! demo ROM, draws it, saves screenshots with F12 (the NES picture) and
//! Shift+F12 (the window as shown), and quits cleanly with Ctrl+Q.
//!
//! Skipped, saying so, where Xvfb or xdotool is missing (scripts/setup.sh
//! installs both).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{can_open_windows, decode, distinct_colours, fresh_dir, wait_for, xdotool, xvfb, Guard};

/// The finished screenshots: a durable write's temporary file
/// (`.name.tmp-...`, renamed when complete) is not one yet.
fn screenshots(dir: &Path) -> Vec<PathBuf> {
    let finished = |p: &PathBuf| p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".png") && !n.to_string_lossy().starts_with('.'));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("screenshots"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(finished).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn plays_the_demo_in_a_window_takes_screenshots_and_quits() {
    if !can_open_windows() {
        return;
    }
    let (_xvfb, display) = xvfb(40);

    let data = fresh_dir("window");
    let log = std::fs::File::create(data.join("phosphor.log")).unwrap();
    let mut app = Guard(
        Command::new(env!("CARGO_BIN_EXE_phosphor"))
            .arg("--normal-priority")
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env("PHOSPHOR_DATA_DIR", &data)
            .env("PHOSPHOR_CONFIG_DIR", &data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("phosphor starts"),
    );
    let log_text = || std::fs::read_to_string(data.join("phosphor.log")).unwrap_or_default();

    let window = wait_for("the Phosphor window", Duration::from_secs(120), || {
        let id = xdotool(&display, &["search", "--name", "^Phosphor$"]);
        id.lines().next().map(str::to_string)
    });
    xdotool(&display, &["windowfocus", "--sync", &window]);
    // The demo runs; the shaders compile.
    std::thread::sleep(Duration::from_secs(4));

    let press = |keys: &str| {
        xdotool(&display, &["windowfocus", "--sync", &window]);
        xdotool(&display, &["key", "--delay", "80", keys]);
    };
    press("F12");
    let first = wait_for("the first screenshot", Duration::from_secs(30), || screenshots(&data).first().cloned());
    std::thread::sleep(Duration::from_millis(1500));
    press("F12");
    let second = wait_for("the second screenshot", Duration::from_secs(30), || {
        screenshots(&data).into_iter().find(|p| *p != first)
    });
    press("shift+F12");
    let window_shot = wait_for("the window screenshot", Duration::from_secs(60), || {
        screenshots(&data).into_iter().find(|p| p.to_string_lossy().ends_with("-window.png"))
    });

    let (w, h, a) = decode(&first);
    assert_eq!((w, h), (256, 240));
    assert!(distinct_colours(&a) >= 6, "the NES picture is not blank");
    let (_, _, b) = decode(&second);
    assert!(a != b, "the picture changes over time (the landscape scrolls)");
    let (ww, wh, shown) = decode(&window_shot);
    assert!(ww >= 600 && wh >= 500, "window picture {ww}x{wh}");
    assert!(distinct_colours(&shown) >= 16, "the window shows the game, not a blank screen");

    press("ctrl+q");
    let status = wait_for("phosphor to quit", Duration::from_secs(30), || app.0.try_wait().ok().flatten());
    assert!(status.success(), "exit status {status}; log:\n{}", log_text());
    let log = log_text();
    assert!(log.contains("Phosphor demo: loaded"), "log:\n{log}");
    assert!(!log.contains("panicked"), "log:\n{log}");
    let _ = std::fs::remove_dir_all(&data);
}
