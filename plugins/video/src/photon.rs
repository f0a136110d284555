//! Input to photon: how long a key or pad press takes to reach the screen.
//!
//! The input plugin stamps a change when Bevy hands it over; the emulation
//! thread carries that stamp to the frame whose controller strobe first
//! read it ([`phosphor_rt::Frame::input_stamp`]). When [`crate::frame`]
//! uploads such a frame it leaves the stamp in [`PendingPhoton`]; the
//! render world takes it with the same extract that takes the picture, and
//! once the render that drew the picture has been presented (the swap
//! chain's present called, after the GPU work was submitted) the time from
//! the stamp is recorded in [`PhotonLatency`], per device. The render world
//! also records its own work and the interval between presents: where the
//! renderer falls behind 60 Hz, that is what limits the figure.
//!
//! A frame the renderer never shows (two frames finished between two
//! renders) still carries its stamp forward: the first frame presented
//! after it is the first changed one the player can see.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::{ExtractSchedule, MainWorld, Render, RenderApp, RenderSystems};
use phosphor_rt::input_source;
use phosphor_rt::stats::percentile;

/// Presses remembered per device (the figures are over the most recent).
pub const PRESSES_KEPT: usize = 512;
/// Render frames remembered for the render time.
pub const RENDERS_KEPT: usize = 240;
/// How often the figures go to the log while presses come in.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Median, tails and worst of a set of durations.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Spread {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub count: usize,
}

impl Spread {
    /// `None` when there is nothing to sum up.
    pub fn of(values: impl IntoIterator<Item = Duration>) -> Option<Spread> {
        let mut ns: Vec<u64> = values.into_iter().map(|d| d.as_nanos() as u64).collect();
        if ns.is_empty() {
            return None;
        }
        ns.sort_unstable();
        let at = |p| Duration::from_nanos(percentile(&ns, p));
        Some(Spread { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1.0), count: ns.len() })
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {}",
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max),
            self.count
        )
    }
}

/// One press, from its stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Press {
    /// The device it came from ([`phosphor_rt::input_source`]).
    pub source: u8,
    /// To the end of the emulated frame that read it.
    pub to_frame: Duration,
    /// To the present of the first render that showed that frame.
    pub to_photon: Duration,
}

/// What the render world measured, shared with the main world (which
/// reads it for the debugger and the log). The lock is the frontend's:
/// the emulation thread never sees it.
#[derive(Debug, Default)]
pub struct PhotonLog {
    presses: [VecDeque<Press>; input_source::COUNT],
    /// Presses timed since the start (all devices).
    pub total: u64,
    /// Presses the game read that changed nothing on screen within
    /// [`CHANGE_WITHIN`] uploads.
    pub unseen: u64,
    /// Presses not timed: read in a frame the renderer skipped, or
    /// overtaken by the next before their picture changed.
    pub not_timed: u64,
    /// Render work (the render schedule's start to its present), newest last.
    renders: VecDeque<Duration>,
    /// Intervals between presents, newest last.
    intervals: VecDeque<Duration>,
    last_present: Option<Instant>,
}

impl PhotonLog {
    pub fn record(&mut self, press: Press) {
        let kept = &mut self.presses[usize::from(press.source).min(input_source::COUNT - 1)];
        if kept.len() == PRESSES_KEPT {
            kept.pop_front();
        }
        kept.push_back(press);
        self.total += 1;
    }

    fn record_render(&mut self, started: Instant, presented: Instant) {
        if self.renders.len() == RENDERS_KEPT {
            self.renders.pop_front();
        }
        self.renders.push_back(presented.saturating_duration_since(started));
        if let Some(last) = self.last_present.replace(presented) {
            if self.intervals.len() == RENDERS_KEPT {
                self.intervals.pop_front();
            }
            self.intervals.push_back(presented.saturating_duration_since(last));
        }
    }

    /// The figures now.
    pub fn summary(&self) -> PhotonSummary {
        let all = || self.presses.iter().flatten();
        PhotonSummary {
            to_photon: Spread::of(all().map(|p| p.to_photon)),
            to_frame: Spread::of(all().map(|p| p.to_frame)),
            per_device: std::array::from_fn(|i| Spread::of(self.presses[i].iter().map(|p| p.to_photon))),
            render: Spread::of(self.renders.iter().copied()),
            present_interval: Spread::of(self.intervals.iter().copied()),
            total: self.total,
            unseen: self.unseen,
            not_timed: self.not_timed,
        }
    }
}

/// The figures at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PhotonSummary {
    /// Press to present, all devices.
    pub to_photon: Option<Spread>,
    /// Press to the end of the emulated frame that read it.
    pub to_frame: Option<Spread>,
    /// Press to present, per device (by [`phosphor_rt::input_source`]).
    pub per_device: [Option<Spread>; input_source::COUNT],
    /// The render world's work per frame.
    pub render: Option<Spread>,
    /// Time between presents (the renderer's frame rate).
    pub present_interval: Option<Spread>,
    pub total: u64,
    pub unseen: u64,
    pub not_timed: u64,
}

/// Input-to-photon figures (main world; the render world fills them).
#[derive(Resource, Debug, Clone, Default)]
pub struct PhotonLatency(pub Arc<Mutex<PhotonLog>>);

impl PhotonLatency {
    pub fn summary(&self) -> PhotonSummary {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).summary()
    }

    fn count(&self, f: impl FnOnce(&mut PhotonLog)) {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Uploads a press may wait for a changed picture; a press that changes
/// nothing on screen by then has no photon and is counted as unseen.
pub const CHANGE_WITHIN: u32 = 8;

/// A press read by the game, waiting for the first picture that differs
/// from the one shown before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Waiting {
    stamp: Instant,
    source: u8,
    finished_at: Option<Instant>,
    /// The picture before it (a hash of the palette indices).
    before: u64,
    uploads: u32,
}

/// The press the next render answers (main world; kept by
/// [`crate::frame::upload_frame`] from each uploaded frame).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingPhoton {
    /// Counts the presses handed to the render world: it takes each once.
    pub serial: u64,
    pub stamp: Option<Instant>,
    pub source: u8,
    /// When the emulation thread finished the frame that read it.
    pub finished_at: Option<Instant>,
    waiting: Option<Waiting>,
    /// The thread's count of inputs read, as last seen.
    read_serial: u64,
    /// The last uploaded picture.
    last_picture: u64,
}

/// A cheap fingerprint of a picture (palette indices and emphasis).
pub fn picture_hash(pixels: &[u16]) -> u64 {
    pixels.chunks_exact(4).fold(0xCBF2_9CE4_8422_2325u64, |h, c| {
        let word = u64::from(c[0]) | u64::from(c[1]) << 16 | u64::from(c[2]) << 32 | u64::from(c[3]) << 48;
        (h ^ word).wrapping_mul(0x0000_0100_0000_01B3).rotate_left(29)
    })
}

impl PendingPhoton {
    /// A frame was uploaded: a new press it read starts waiting, and a
    /// picture unlike the one before the press is the one that answers it.
    pub fn saw(&mut self, frame: &phosphor_rt::Frame, log: &PhotonLatency) {
        let picture = picture_hash(&frame.pixels[..]);
        if frame.input_serial != self.read_serial {
            // Presses read in frames the renderer never took are not timed,
            // nor one still waiting for its picture when the next came.
            let skipped = if self.read_serial == 0 { 0 } else { frame.input_serial.saturating_sub(self.read_serial + 1) };
            let lost = skipped + u64::from(self.waiting.is_some());
            if lost > 0 {
                log.count(|l| l.not_timed += lost);
            }
            self.read_serial = frame.input_serial;
            self.waiting = frame.input_stamp.map(|stamp| Waiting {
                stamp,
                source: frame.input_source,
                finished_at: frame.input_read_at,
                before: self.last_picture,
                uploads: 0,
            });
        }
        if let Some(mut waiting) = self.waiting.take() {
            if picture != waiting.before {
                self.stamp = Some(waiting.stamp);
                self.source = waiting.source;
                self.finished_at = waiting.finished_at;
                self.serial += 1;
            } else if waiting.uploads + 1 >= CHANGE_WITHIN {
                log.count(|l| l.unseen += 1);
            } else {
                waiting.uploads += 1;
                self.waiting = Some(waiting);
            }
        }
        self.last_picture = picture;
    }
}

/// The render world's copy.
#[derive(Resource, Debug, Default)]
struct RenderPhoton {
    log: PhotonLatency,
    pending: PendingPhoton,
    /// The serial last recorded.
    shown: u64,
    started: Option<Instant>,
}

pub(crate) struct PhotonPlugin;

impl Plugin for PhotonPlugin {
    fn build(&self, app: &mut App) {
        let log = PhotonLatency::default();
        app.insert_resource(log.clone())
            .init_resource::<PendingPhoton>()
            .add_systems(Update, log_figures)
            .add_systems(Last, log_at_exit);
        if let Some(render) = app.get_sub_app_mut(RenderApp) {
            render
                .insert_resource(RenderPhoton { log, ..default() })
                .add_systems(ExtractSchedule, extract_pending)
                .add_systems(Render, render_started.in_set(RenderSystems::ExtractCommands))
                .add_systems(Render, presented.in_set(RenderSystems::Cleanup));
        }
    }
}

/// Takes the stamp with the picture, and lets the main world offer the
/// next one.
fn extract_pending(mut main: ResMut<'_, MainWorld>, mut ours: ResMut<'_, RenderPhoton>) {
    let Some(mut pending) = main.get_resource_mut::<PendingPhoton>() else { return };
    if pending.serial != ours.shown && pending.stamp.is_some() {
        ours.pending = *pending;
        pending.stamp = None;
    }
}

fn render_started(mut ours: ResMut<'_, RenderPhoton>) {
    ours.started = Some(Instant::now());
}

/// After the present: the press that the presented picture answers.
fn presented(mut ours: ResMut<'_, RenderPhoton>) {
    let now = Instant::now();
    let ours = &mut *ours;
    let mut log = ours.log.0.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(started) = ours.started.take() {
        log.record_render(started, now);
    }
    if ours.pending.serial != ours.shown
        && let Some(stamp) = ours.pending.stamp.take()
    {
        ours.shown = ours.pending.serial;
        let finished = ours.pending.finished_at.unwrap_or(now);
        log.record(Press {
            source: ours.pending.source,
            to_frame: finished.saturating_duration_since(stamp),
            to_photon: now.saturating_duration_since(stamp),
        });
    }
}

/// Every [`LOG_EVERY`] while presses come in: the figures, in the log.
fn log_figures(latency: Res<'_, PhotonLatency>, mut last: Local<'_, Option<(Instant, u64)>>) {
    let now = Instant::now();
    let (at, total) = last.get_or_insert((now, 0));
    if now.saturating_duration_since(*at) < LOG_EVERY {
        return;
    }
    let summary = latency.summary();
    *at = now;
    if summary.total == *total {
        return;
    }
    *total = summary.total;
    if let Some(photon) = summary.to_photon {
        let render = summary.render.map_or(0.0, |r| r.p50.as_secs_f64() * 1e3);
        let interval = summary.present_interval.map_or(0.0, |r| r.p50.as_secs_f64() * 1e3);
        info!("input to photon: {photon} presses; render {render:.1} ms a frame, a present every {interval:.1} ms");
    }
}

/// The figures once more as the app exits (what a measurement run reads).
fn log_at_exit(mut exits: MessageReader<'_, '_, bevy::app::AppExit>, latency: Res<'_, PhotonLatency>) {
    if exits.read().next().is_none() {
        return;
    }
    let summary = latency.summary();
    let ms = |s: Option<Spread>, f: fn(&Spread) -> Duration| s.map_or(0.0, |s| f(&s).as_secs_f64() * 1e3);
    info!(
        "input to photon at exit: presses={} p50_ms={:.1} p95_ms={:.1} p99_ms={:.1} max_ms={:.1} to_frame_p50_ms={:.1} render_ms={:.1} present_every_ms={:.1} unseen={} not_timed={}",
        summary.to_photon.map_or(0, |s| s.count),
        ms(summary.to_photon, |s| s.p50),
        ms(summary.to_photon, |s| s.p95),
        ms(summary.to_photon, |s| s.p99),
        ms(summary.to_photon, |s| s.max),
        ms(summary.to_frame, |s| s.p50),
        ms(summary.render, |s| s.p50),
        ms(summary.present_interval, |s| s.p50),
        summary.unseen,
        summary.not_timed
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(source: u8, ms: u64) -> Press {
        Press { source, to_frame: Duration::from_millis(ms / 2), to_photon: Duration::from_millis(ms) }
    }

    #[test]
    fn figures_are_per_device_and_over_all() {
        let mut log = PhotonLog::default();
        for ms in 1..=100 {
            log.record(press(input_source::KEYBOARD, ms));
        }
        log.record(press(input_source::pad(0), 300));
        let summary = log.summary();
        let all = summary.to_photon.unwrap();
        assert_eq!(all.count, 101);
        assert_eq!(all.max, Duration::from_millis(300));
        assert_eq!(all.p50, Duration::from_millis(51));
        let keyboard = summary.per_device[0].unwrap();
        assert_eq!((keyboard.p50, keyboard.p99, keyboard.max), (Duration::from_millis(50), Duration::from_millis(99), Duration::from_millis(100)));
        assert_eq!(summary.per_device[1].unwrap().p50, Duration::from_millis(300));
        assert!(summary.per_device[2].is_none());
        assert_eq!(summary.to_frame.unwrap().max, Duration::from_millis(150));
    }

    #[test]
    fn old_presses_leave_the_window() {
        let mut log = PhotonLog::default();
        log.record(press(0, 1000));
        for _ in 0..PRESSES_KEPT {
            log.record(press(0, 10));
        }
        assert_eq!(log.summary().to_photon.unwrap().max, Duration::from_millis(10));
        assert_eq!(log.total, PRESSES_KEPT as u64 + 1);
    }

    fn frame(picture: u16, serial: u64, stamp: Option<Instant>) -> phosphor_rt::Frame {
        let mut f = phosphor_rt::Frame::blank();
        f.pixels.fill(picture);
        f.number = 1;
        (f.input_serial, f.input_stamp, f.input_source) = (serial, stamp, 1);
        f
    }

    #[test]
    fn a_press_is_answered_by_the_first_changed_picture() {
        let log = PhotonLatency::default();
        let t0 = Instant::now();
        let mut pending = PendingPhoton::default();
        pending.saw(&frame(0x0F, 0, None), &log);
        // Read, but the picture answers two frames later.
        pending.saw(&frame(0x0F, 1, Some(t0)), &log);
        pending.saw(&frame(0x0F, 1, Some(t0)), &log);
        assert_eq!(pending.serial, 0, "nothing changed yet");
        pending.saw(&frame(0x30, 1, Some(t0)), &log);
        assert_eq!((pending.serial, pending.stamp, pending.source), (1, Some(t0), 1));
        // The same press on later frames is not a new one.
        pending.saw(&frame(0x0F, 1, Some(t0)), &log);
        assert_eq!(pending.serial, 1);
        // A press that changes nothing is unseen after CHANGE_WITHIN uploads.
        for _ in 0..CHANGE_WITHIN {
            pending.saw(&frame(0x0F, 2, Some(t0)), &log);
        }
        assert_eq!(pending.serial, 1);
        // Two presses read between two uploads: the older is not timed.
        pending.saw(&frame(0x30, 4, Some(t0)), &log);
        assert_eq!(pending.serial, 2);
        let summary = log.0.lock().unwrap().summary();
        assert_eq!((summary.unseen, summary.not_timed), (1, 1));
    }

    #[test]
    fn pictures_are_told_apart() {
        let a = [0x0Fu16; 256 * 240];
        let mut b = a;
        b[1000] = 0x30;
        assert_ne!(picture_hash(&a), picture_hash(&b));
        assert_eq!(picture_hash(&a), picture_hash(&a.clone()));
    }
}
