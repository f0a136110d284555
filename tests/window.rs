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
use std::sync::Mutex;
use std::time::Duration;

use common::{can_open_windows, decode, distinct_colours, field, fresh_dir, wait_for, xdotool, xvfb, Guard};

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

/// One window at a time: two apps rendering with lavapipe on two cores
/// slow each other down, and the input-to-photon figures measure that.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Starts `phosphor ARGS` on `display` with its files in `data` (its log
/// in `data/phosphor.log`) and waits for its window.
fn launch(display: &str, data: &Path, args: &[&std::ffi::OsStr]) -> (Guard, String) {
    launch_with(display, data, args, Vec::new())
}

/// As [`launch`], with more variables in its environment.
fn launch_with(display: &str, data: &Path, args: &[&std::ffi::OsStr], envs: Vec<(&str, std::ffi::OsString)>) -> (Guard, String) {
    let log = std::fs::File::create(data.join("phosphor.log")).unwrap();
    let app = Guard(
        Command::new(env!("CARGO_BIN_EXE_phosphor"))
            .args(args)
            .envs(envs)
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY")
            .env("PHOSPHOR_DATA_DIR", data)
            .env("PHOSPHOR_CONFIG_DIR", data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("phosphor starts"),
    );
    let window = wait_for("the Phosphor window", Duration::from_secs(120), || {
        let id = xdotool(display, &["search", "--name", "^Phosphor$"]);
        id.lines().next().map(str::to_string)
    });
    (app, window)
}

#[test]
fn plays_the_demo_in_a_window_takes_screenshots_and_quits() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_open_windows() {
        return;
    }
    let (_xvfb, display) = xvfb(40);

    let data = fresh_dir("window");
    let (mut app, window) = launch(&display, &data, &["--normal-priority".as_ref()]);
    let log_text = || std::fs::read_to_string(data.join("phosphor.log")).unwrap_or_default();
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

/// One run of the backdrop ROM (`tests/roms/backdrop.s`: white while A is
/// held) in a window, VSync off, with `run_ahead` frames of run-ahead:
/// `presses` presses of X (the A button) typed by xdotool, then Ctrl+Q.
/// Returns the app's input-to-photon line, logged at exit.
fn photon_run(display: &str, run_ahead: u8, presses: u32) -> String {
    let data = fresh_dir(&format!("photon-{run_ahead}"));
    std::fs::write(data.join("settings.toml"), format!("[video]\nvsync = false\n[emulation]\nrun_ahead = {run_ahead}\n")).unwrap();
    let rom = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/roms/backdrop.nes");
    let (mut app, window) = launch(display, &data, &[rom.as_os_str()]);
    let log_text = || std::fs::read_to_string(data.join("phosphor.log")).unwrap_or_default();
    xdotool(display, &["windowfocus", "--sync", &window]);
    std::thread::sleep(Duration::from_secs(4));
    for i in 0..presses {
        xdotool(display, &["keydown", "x"]);
        std::thread::sleep(Duration::from_millis(120 + u64::from(i * 37 % 60)));
        xdotool(display, &["keyup", "x"]);
        std::thread::sleep(Duration::from_millis(150 + u64::from(i * 53 % 70)));
    }
    xdotool(display, &["key", "ctrl+q"]);
    let status = wait_for("phosphor to quit", Duration::from_secs(30), || app.0.try_wait().ok().flatten());
    let log = log_text();
    assert!(status.success(), "exit status {status}; log:\n{log}");
    let line = log
        .lines()
        .find_map(|l| l.split_once("input to photon at exit: ").map(|(_, rest)| rest.to_string()))
        .unwrap_or_else(|| panic!("no input-to-photon line in the log:\n{log}"));
    let _ = std::fs::remove_dir_all(&data);
    line
}

/// Input to photon in a real window: each press of A turns the backdrop
/// white on the frame that reads it; the app times each press from the
/// moment Bevy handed it over to the present of the first picture that
/// changed, and logs the figures at exit.
#[test]
fn input_to_photon_is_timed_for_each_press_in_a_window() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_open_windows() {
        return;
    }
    let (_xvfb, display) = xvfb(80);
    let presses = 30;
    for run_ahead in [0u8, 1] {
        let line = photon_run(&display, run_ahead, presses);
        eprintln!("run-ahead {run_ahead}: {line}");
        let timed = field(&line, "presses");
        let unseen = field(&line, "unseen");
        // Each press and each release changes the picture (and the
        // controllers' first state, sent as the game starts, may too).
        let changes = f64::from(2 * presses);
        assert!(timed >= changes * 0.6, "most presses and releases are timed: {line}");
        assert!(timed <= changes + 2.0, "none is timed twice: {line}");
        assert!(unseen <= 2.0, "every press the game read changed the picture: {line}");
        let (median, p99) = (field(&line, "p50_ms"), field(&line, "p99_ms"));
        assert!(median > 0.0 && median <= p99, "{line}");
        // Lavapipe on two cores draws 15-60 frames a second: a bound that
        // only a lost or mismatched stamp breaks.
        assert!(p99 < 400.0, "{line}");
        assert!(field(&line, "to_frame_p50_ms") < median, "the frame comes before its photon: {line}");
    }
}

/// A window's pixels and a keyboard of our own, on the test's own
/// connection to the X server: keys pressed through XTEST and the picture
/// read back with GetImage, both timed on this process's clock, so that
/// the whole path is measured from outside the app.
struct Outside {
    conn: x11rb::xcb_ffi::XCBConnection,
    root: u32,
    window: u32,
    /// The window's middle, where the backdrop ROM's colour shows.
    spot: (i16, i16),
}

impl Outside {
    fn connect(display: &str, window: &str) -> Outside {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::ConnectionExt as _;
        let name = std::ffi::CString::new(display).unwrap();
        let (conn, screen) = x11rb::xcb_ffi::XCBConnection::connect(Some(&name)).expect("the test connects to Xvfb");
        let root = conn.setup().roots[screen].root;
        let window: u32 = window.trim().parse().expect("xdotool gives the window's id");
        let geometry = conn.get_geometry(window).unwrap().reply().unwrap();
        Outside { conn, root, window, spot: ((geometry.width / 2) as i16, (geometry.height / 2) as i16) }
    }

    /// The keycode that types `keysym` in the server's keymap.
    fn keycode(&self, keysym: u32) -> u8 {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::ConnectionExt as _;
        let setup = self.conn.setup();
        let (first, count) = (setup.min_keycode, setup.max_keycode - setup.min_keycode + 1);
        let map = self.conn.get_keyboard_mapping(first, count).unwrap().reply().unwrap();
        let per = usize::from(map.keysyms_per_keycode);
        let at = map.keysyms.iter().position(|&k| k == keysym).expect("the keymap types it");
        first + (at / per) as u8
    }

    fn pixel(&self) -> [u8; 3] {
        use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};
        let image = self.conn.get_image(ImageFormat::Z_PIXMAP, self.window, self.spot.0, self.spot.1, 1, 1, !0).unwrap().reply().unwrap();
        [image.data[2], image.data[1], image.data[0]]
    }

    fn key(&self, keycode: u8, down: bool) {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::{KEY_PRESS_EVENT, KEY_RELEASE_EVENT};
        use x11rb::protocol::xtest::ConnectionExt as _;
        let kind = if down { KEY_PRESS_EVENT } else { KEY_RELEASE_EVENT };
        self.conn.xtest_fake_input(kind, keycode, x11rb::CURRENT_TIME, self.root, 0, 0, 0).unwrap().check().unwrap();
        self.conn.flush().unwrap();
    }

    /// Presses or releases `keycode` and times it to the first reading of
    /// the spot that is not `before` (None past a second).
    fn time_change(&self, keycode: u8, down: bool, before: [u8; 3]) -> Option<(Duration, [u8; 3])> {
        let sent = std::time::Instant::now();
        self.key(keycode, down);
        while sent.elapsed() < Duration::from_secs(1) {
            let now = self.pixel();
            if now != before {
                return Some((sent.elapsed(), now));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    }
}

fn median_ms(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e3
}

/// One run of the backdrop ROM with the keyboard read directly or not:
/// `presses` presses and releases of X sent through XTEST, each timed
/// from outside to the change on screen. Returns those times and the
/// app's input-to-photon line.
fn outside_run(display: &str, direct: bool, presses: u32) -> (Vec<Duration>, String) {
    let data = fresh_dir(&format!("outside-{direct}"));
    std::fs::write(
        data.join("settings.toml"),
        format!("[video]\nvsync = false\nshader = \"sharp\"\n[emulation]\nrun_ahead = 0\n[input]\ndirect_keyboard = {direct}\n"),
    )
    .unwrap();
    let rom = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/roms/backdrop.nes");
    let (mut app, window) = launch(display, &data, &[rom.as_os_str()]);
    let log_text = || std::fs::read_to_string(data.join("phosphor.log")).unwrap_or_default();
    xdotool(display, &["windowfocus", "--sync", &window]);
    std::thread::sleep(Duration::from_secs(4));
    let outside = Outside::connect(display, &window);
    let x = outside.keycode(0x78); // XK_x: player 1's A
    let black = outside.pixel();
    let mut times = Vec::new();
    for i in 0..presses {
        if let Some((took, white)) = outside.time_change(x, true, black) {
            times.push(took);
            std::thread::sleep(Duration::from_millis(100 + u64::from(i * 37 % 60)));
            if let Some((took, _)) = outside.time_change(x, false, white) {
                times.push(took);
            }
        } else {
            outside.key(x, false);
        }
        std::thread::sleep(Duration::from_millis(120 + u64::from(i * 53 % 70)));
    }
    xdotool(display, &["key", "ctrl+q"]);
    let status = wait_for("phosphor to quit", Duration::from_secs(30), || app.0.try_wait().ok().flatten());
    let log = log_text();
    assert!(status.success(), "exit status {status}; log:\n{log}");
    let reads_directly = log.contains("keyboard read directly from the X server");
    assert_eq!(reads_directly, direct, "the keyboard is read directly only when asked; log:\n{log}");
    let line = log
        .lines()
        .find_map(|l| l.split_once("input to photon at exit: ").map(|(_, rest)| rest.to_string()))
        .unwrap_or_else(|| panic!("no input-to-photon line in the log:\n{log}"));
    let _ = std::fs::remove_dir_all(&data);
    (times, line)
}

/// Key to picture measured from outside the app (XTEST in, GetImage out,
/// on the test's clock), with the game's keys read through Bevy's update
/// and read directly from the X server. The app's own input-to-photon
/// figure, which starts at its stamp, is checked against the outside one:
/// never shorter. Both gaps are printed: read directly, a press no longer
/// waits for the next update (one a render here), so the stamp is usually
/// nearer the key. What stays between them comes after the present (see
/// the README).
#[test]
fn key_to_picture_from_outside_with_the_keyboard_read_directly() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_open_windows() {
        return;
    }
    let (_xvfb, display) = xvfb(120);
    let presses = 25;
    let mut gaps = Vec::new();
    for direct in [false, true] {
        let (mut times, line) = outside_run(&display, direct, presses);
        let seen = times.len();
        let outside = median_ms(&mut times);
        let p90 = times[times.len() * 9 / 10].as_secs_f64() * 1e3;
        let app = field(&line, "p50_ms");
        eprintln!(
            "keyboard read directly: {direct}: key to picture from outside p50 {outside:.1} ms p90 {p90:.1} ms ({seen} changes), \
             the app's p50 {app:.1} ms: {:.1} ms before its stamp; the app's line: {line}",
            outside - app
        );
        assert!(seen as f64 >= f64::from(2 * presses) * 0.8, "most presses and releases showed within a second: {seen}");
        assert!(outside >= app - 3.0, "from outside no shorter than from the app's stamp: {outside:.1} vs {app:.1} ms");
        gaps.push(outside - app);
    }
    // How much nearer the key the app's stamp gets when read directly is a
    // measurement (the README's table comes from this line), not a pass
    // mark: two medians 5-15 ms apart on a renderer drawing at 20 fps swap
    // places when the machine is busy (a CI run beside a build did).
    eprintln!("outside minus the app's figure: {:.1} ms through the update, {:.1} ms read directly", gaps[0], gaps[1]);
}

/// The sound ring in the window, through a real sound server (a private
/// PulseAudio with a null sink), with the renderer busy drawing the home
/// screen, for a minute: the ring never fills and the lead stays low.
/// This is the window the probe found at a full ring (243 ms
/// queued, 478 overruns in 20 s). What the app logs besides, each second's
/// mean fill against its target and the backlogs dropped, is printed: the
/// issue's 2 ms and "no backlog after the first second" are not met here
/// yet, because the emulation thread misses deadlines in this window (see
/// the README's "Sound latency").
#[test]
fn the_sound_ring_never_fills_in_a_window() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_open_windows() {
        return;
    }
    let Some(server) = common::pulse("window") else { return };
    let (_xvfb, display) = xvfb(160);
    let data = fresh_dir("window-sound");
    // The demo plays behind the home screen: its music flows the whole time.
    let (mut app, window) = launch_with(&display, &data, &[], server.env());
    xdotool(&display, &["windowfocus", "--sync", &window]);
    std::thread::sleep(Duration::from_secs(63));
    xdotool(&display, &["key", "ctrl+q"]);
    let status = wait_for("phosphor to quit", Duration::from_secs(30), || app.0.try_wait().ok().flatten());
    let log = std::fs::read_to_string(data.join("phosphor.log")).unwrap_or_default();
    assert!(status.success(), "exit status {status}; log:\n{log}");
    let line = log
        .lines()
        .find_map(|l| l.split_once("sound ring at exit: ").map(|(_, rest)| rest.to_string()))
        .unwrap_or_else(|| panic!("no sound ring line in the log (did the sound play?):\n{log}"));
    let photon = log.lines().find_map(|l| l.split_once("input to photon at exit: ").map(|(_, r)| r.to_string())).unwrap_or_default();
    eprintln!("sound ring in the window: {line}; renderer: {photon}");
    assert!(field(&line, "seconds") >= 55.0, "it played for the minute: {line}");
    assert!(field(&line, "seconds_judged") >= 30.0, "seconds were judged: {line}");
    assert_eq!(field(&line, "ring_overruns"), 0.0, "the ring never filled: {line}");
    // Auto latency raises the lead 1 ms a near-underrun: 7-10 ms seen.
    assert!(field(&line, "lead_ms") <= 16.0, "the lead stayed low: {line}");
    let _ = std::fs::remove_dir_all(&data);
}
