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

/// A private PulseAudio server with a null sink at 48 kHz, in user mode,
/// in a folder of its own: the real sound path (kira, cpal, ALSA's pulse
/// plugin, the server) with no sound card. Give its [`PulseServer::env`] to
/// every process that should play or record through it. Stopped on drop.
pub struct PulseServer {
    _server: Guard,
    pub dir: PathBuf,
}

impl PulseServer {
    /// The variables that point a client at this server.
    pub fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![("XDG_RUNTIME_DIR", self.dir.clone().into_os_string()), ("PULSE_RUNTIME_PATH", self.dir.join("pulse").into_os_string())]
    }

    /// Runs `pactl` against this server.
    pub fn pactl(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("pactl").args(args).envs(self.env()).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Starts a sound server for one test, or says why it cannot and gives
/// `None` (the test then skips).
pub fn pulse(name: &str) -> Option<PulseServer> {
    if !(have("pulseaudio") && have("parec") && have("pactl")) {
        eprintln!("SKIPPED: pulseaudio, parec and pactl are needed (scripts/setup.sh installs them)");
        return None;
    }
    let dir = fresh_dir(&format!("pulse-{name}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    let server = Command::new("pulseaudio")
        .args([
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--use-pid-file=no",
            "--log-target=stderr",
            "-L",
            "module-null-sink sink_name=phosphor rate=48000 channels=2",
            "-L",
            "module-native-protocol-unix auth-anonymous=1",
        ])
        .env("XDG_RUNTIME_DIR", &dir)
        .env("PULSE_RUNTIME_PATH", dir.join("pulse"))
        .env("HOME", &dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("server.log")).ok().map_or(Stdio::null(), Stdio::from))
        .spawn();
    let server = match server {
        Ok(child) => Guard(child),
        Err(e) => {
            eprintln!("SKIPPED: the sound server would not start: {e}");
            return None;
        }
    };
    let pulse = PulseServer { _server: server, dir };
    let deadline = Instant::now() + Duration::from_secs(15);
    while pulse.pactl(&["info"]).is_none() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(pulse.dir.join("server.log")).unwrap_or_default();
            eprintln!("SKIPPED: the sound server did not answer in 15 s:\n{log}");
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // On a desktop the sound server runs its threads at real-time priority
    // (rtkit gives PulseAudio and PipeWire a low SCHED_FIFO/RR one); here
    // nothing does, and under a busy renderer a server at normal priority
    // stalls the stream. Do what rtkit would, where the system allows it.
    let pid = pulse._server.0.id().to_string();
    let raised = Command::new("chrt").args(["--fifo", "--all-tasks", "--pid", "5", &pid]).stderr(Stdio::null()).status();
    if !raised.is_ok_and(|s| s.success()) {
        eprintln!("note: the sound server runs at normal priority (chrt refused)");
    }
    Some(pulse)
}

/// The number after `key=` in a line of `key=value` figures.
pub fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
        .parse()
        .unwrap_or_else(|_| panic!("{key}= is not a number in {line}"))
}
