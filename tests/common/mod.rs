//! What the window tests share: an X server with no screen (Xvfb), keys
//! typed with xdotool, waiting with a deadline, reading PNGs back.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Whether the window tests can run here; says why not when they cannot.
pub fn can_open_windows() -> bool {
    let ok = have("Xvfb") && have("xdotool");
    if !ok {
        eprintln!("SKIPPED: Xvfb and xdotool are needed (scripts/setup.sh installs them)");
    }
    ok
}

/// Kills a child when the test ends, however it ends.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An X server on a display numbered from `base` and this process.
pub fn xvfb(base: u32) -> (Guard, String) {
    let number = base + std::process::id() % 400;
    let display = format!(":{number}");
    // A server killed earlier leaves its lock and socket behind: with them
    // there, the socket looks like a live server that is not (a window
    // test then failed with XOpenDisplayFailed). Clear what no process holds.
    let lock = PathBuf::from(format!("/tmp/.X{number}-lock"));
    let holder = std::fs::read_to_string(&lock).ok().and_then(|pid| pid.trim().parse::<u32>().ok());
    if holder.is_none_or(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
        let _ = std::fs::remove_file(&lock);
        let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{number}"));
    }
    // -noreset: by default the server starts over when its last client
    // leaves, and a client connecting meanwhile is refused; the readiness
    // probe below is such a last client, so the app started right after it
    // sometimes failed with XOpenDisplayFailed.
    let server = Guard(
        Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-noreset"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    // Ready when it answers, not when its socket appears.
    wait_for("the X server", Duration::from_secs(20), || {
        let answered = Command::new("xdotool")
            .arg("getdisplaygeometry")
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        answered.then_some(())
    });
    (server, display)
}

/// An empty folder for one test's files, named for it and this process.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phosphor-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool").args(args).env("DISPLAY", display).output().expect("xdotool runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// RGBA pixels and size of a PNG.
pub fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

pub fn distinct_colours(rgba: &[u8]) -> usize {
    let mut colours: Vec<[u8; 3]> = rgba.chunks_exact(4).map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}
