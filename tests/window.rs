//! The real binary in a real window: an X server with no screen (Xvfb),
//! software Vulkan, keys typed with xdotool. `phosphor` starts with our
//! demo ROM, draws it, saves screenshots with F12 (the NES picture) and
//! Shift+F12 (the window as shown), and quits cleanly with Ctrl+Q.
//!
//! Skipped, saying so, where Xvfb or xdotool is missing (scripts/setup.sh
//! installs both).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Kills a child when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool").args(args).env("DISPLAY", display).output().expect("xdotool runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn screenshots(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("screenshots"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// RGBA pixels and size of a PNG.
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn distinct_colours(rgba: &[u8]) -> usize {
    let mut colours: Vec<[u8; 3]> = rgba.chunks_exact(4).map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

#[test]
fn plays_the_demo_in_a_window_takes_screenshots_and_quits() {
    if !have("Xvfb") || !have("xdotool") {
        eprintln!("SKIPPED: Xvfb and xdotool are needed (scripts/setup.sh installs them)");
        return;
    }
    let number = 40 + std::process::id() % 400;
    let display = format!(":{number}");
    let _xvfb = Guard(
        Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    wait_for("the X server", Duration::from_secs(20), || socket.exists().then_some(()));

    let data = std::env::temp_dir().join(format!("phosphor-window-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
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
