//! Whether the sound ring holds its lead while the game plays: each
//! second's mean of the fill rate control steers (the samples in the ring
//! as a frame's go in), against its target, watched once an update, logged
//! every 10 s and at exit (what a window test under a real sound server
//! reads).

use std::time::Duration;

use bevy::prelude::*;

use crate::telemetry::Telemetry;

/// How long after playback starts, after the lead changes, after a
/// backlog is dropped and after the emulation thread missed a deadline the
/// fill is given to settle before it is judged.
const SETTLE: Duration = Duration::from_secs(1);
const LOG_EVERY: Duration = Duration::from_secs(10);
/// How long the app takes to start in earnest (under a software renderer
/// the first frames and pipelines take seconds): backlogs dropped after it
/// are counted apart.
const STARTING: Duration = Duration::from_secs(10);

#[derive(Resource, Debug)]
pub struct SoundWatch {
    sample_rate: u32,
    /// When the device first called while the game ran.
    playing_since: Option<Duration>,
    /// The last time something moved the level (the start, a new lead, a
    /// dropped backlog, a missed deadline), and the lead and backlog count
    /// last seen.
    settle_from: Duration,
    target: usize,
    drains: u64,
    /// The emulation thread's count of whole seconds when last looked at.
    second: u64,
    /// Since playback started and settled: the farthest a second's mean
    /// fill strayed from its target (ms).
    pub off_target_max_ms: f64,
    /// The same from [`STARTING`] on.
    pub off_target_started_max_ms: f64,
    /// Seconds judged, and backlogs dropped after the first second and
    /// after [`STARTING`].
    pub seconds_judged: u64,
    pub drains_after_settling: u64,
    pub drains_after_start: u64,
    /// The thread's missed deadlines once settled (the count to subtract),
    /// and as last seen.
    misses: Option<u64>,
    seen_misses: u64,
    last_log: Duration,
}

impl SoundWatch {
    pub fn new(sample_rate: u32) -> Self {
        SoundWatch {
            sample_rate: sample_rate.max(1),
            playing_since: None,
            settle_from: Duration::ZERO,
            target: 0,
            drains: 0,
            second: 0,
            off_target_max_ms: 0.0,
            off_target_started_max_ms: 0.0,
            seconds_judged: 0,
            drains_after_settling: 0,
            drains_after_start: 0,
            misses: None,
            seen_misses: 0,
            last_log: Duration::ZERO,
        }
    }

    fn ms(&self, samples: f64) -> f64 {
        samples * 1e3 / f64::from(self.sample_rate)
    }

    fn line(&self, telemetry: &Telemetry, now: Duration) -> String {
        let audio = &telemetry.status.audio;
        format!(
            "seconds={:.0} lead_ms={:.1} off_target_ms_max={:.2} off_target_ms_max_after_10_s={:.2} seconds_judged={} drains_after_first_s={} drains_after_10_s={} deadline_misses={} underruns={} ring_overruns={} callbacks={}",
            self.playing_since.map_or(0.0, |at| (now - at).as_secs_f64()),
            self.ms(audio.target as f64),
            self.off_target_max_ms,
            self.off_target_started_max_ms,
            self.seconds_judged,
            self.drains_after_settling,
            self.drains_after_start,
            telemetry.status.deadline_misses - self.misses.unwrap_or(telemetry.status.deadline_misses),
            telemetry.audio.underruns,
            audio.overruns,
            telemetry.audio.callbacks
        )
    }
}

pub(crate) fn watch_sound(mut watch: ResMut<'_, SoundWatch>, telemetry: Res<'_, Telemetry>, time: Res<'_, Time<Real>>) {
    let now = time.elapsed();
    let status = &telemetry.status;
    let running = status.state == phosphor_rt::RunState::Running && status.speed == 1.0;
    if telemetry.audio.callbacks == 0 || !running {
        return;
    }
    let audio = status.audio;
    let drains = telemetry.audio.drains;
    if watch.playing_since.is_none() {
        watch.playing_since = Some(now);
        (watch.settle_from, watch.target, watch.drains) = (now, audio.target, drains);
    }
    let settled = now.saturating_sub(watch.settle_from) >= SETTLE;
    if drains != watch.drains {
        let played = now.saturating_sub(watch.playing_since.unwrap_or(now));
        if played >= SETTLE {
            watch.drains_after_settling += drains - watch.drains;
        }
        if played >= STARTING {
            watch.drains_after_start += drains - watch.drains;
        }
        (watch.settle_from, watch.drains) = (now, drains);
    } else if audio.target != watch.target {
        (watch.settle_from, watch.target) = (now, audio.target);
    } else if status.deadline_misses != watch.seen_misses {
        // The emulation thread itself ran late: not the sound path's doing.
        watch.settle_from = now;
    } else if settled && audio.lead_seconds != watch.second {
        // A second that began before the settling time is not judged.
        let begun = now.saturating_sub(watch.settle_from) >= SETTLE + Duration::from_secs(1);
        if begun && watch.second != 0 {
            let off = watch.ms((audio.lead_second_mean - audio.target as f64).abs());
            watch.off_target_max_ms = watch.off_target_max_ms.max(off);
            if now.saturating_sub(watch.playing_since.unwrap_or(now)) >= STARTING + Duration::from_secs(1) {
                watch.off_target_started_max_ms = watch.off_target_started_max_ms.max(off);
            }
            watch.seconds_judged += 1;
        }
        watch.second = audio.lead_seconds;
    }
    watch.seen_misses = status.deadline_misses;
    if settled && watch.misses.is_none() {
        watch.misses = Some(status.deadline_misses);
    }
    if now.saturating_sub(watch.last_log) >= LOG_EVERY {
        watch.last_log = now;
        info!("sound ring: {}", watch.line(&telemetry, now));
    }
}

pub(crate) fn log_at_exit(
    mut exits: MessageReader<'_, '_, AppExit>,
    watch: Res<'_, SoundWatch>,
    telemetry: Res<'_, Telemetry>,
    time: Res<'_, Time<Real>>,
) {
    if exits.read().next().is_some() && watch.playing_since.is_some() {
        info!("sound ring at exit: {}", watch.line(&telemetry, time.elapsed()));
    }
}
