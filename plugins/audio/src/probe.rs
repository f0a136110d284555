//! Measuring the sound path from outside: clicks put into the emulator's
//! sound (a [`SoundMarker`]) are found again in a recording of what the
//! sound server played (the default sink's monitor, through `parec`), and
//! the time between the two is the latency a listener has.
//!
//! The recording's clock is the server's: sample `k` of it was played at
//! `origin + k / rate`. `origin` is learnt from the recording itself: a
//! chunk read at instant `t` holding samples up to `k` says the server
//! played sample `k` no later than `t`, so the earliest `t - k / rate`
//! bounds it tightly (from above: a measured latency is never short of the
//! true one by more than the server's block). It is taken for each click
//! over the second of recording after it, so that a gap in the recording
//! (samples the server dropped while the recorder was late) or the two
//! clocks drifting apart over a long run moves no click's time.
//!
//! No Bevy here: the headless CLI and the debugger's panel both use it.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use phosphor_rt::{SoundMarker, MARK_HALF, MARK_LEVEL};

/// A click further than this from its mark is not counted as its echo (nor
/// further than 80% of the time between clicks: a click that never came
/// back must not be paired with the next one's).
const MATCH_WINDOW: Duration = Duration::from_millis(500);

impl ProbePlan {
    fn window(&self) -> Duration {
        MATCH_WINDOW.min(self.every.mul_f64(0.8))
    }
}

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot record the sound server's output ({0}); is PulseAudio or PipeWire's pulse layer running, with parec installed?")]
    Recorder(std::io::Error),
    #[error("the recorder ended before the measurement did ({0})")]
    RecorderEnded(String),
    #[error("none of the {marks} clicks came back from the sound server (muted, or another sink playing?)")]
    NoEcho { marks: usize },
}

/// What a measurement found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeResult {
    /// From each click going into the ring to the server playing it.
    pub latencies: Vec<Duration>,
    /// When each of those clicks went into the ring.
    pub pushed: Vec<Instant>,
    /// The ring's part of each latency: the sound ahead of the click in the
    /// ring when it went in. The rest is the device's and the server's.
    pub in_ring: Vec<Duration>,
    /// Clicks put into the sound.
    pub marks: usize,
    /// Seconds of the server's output recorded.
    pub recorded_s: f64,
}

impl ProbeResult {
    /// The `q` quantile (0 to 1) of the latencies, nearest rank.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let last = sorted.len().checked_sub(1)?;
        Some(sorted[((q.clamp(0.0, 1.0) * last as f64).round() as usize).min(last)])
    }

    pub fn median(&self) -> Option<Duration> {
        self.quantile(0.5)
    }

    pub fn max(&self) -> Option<Duration> {
        self.latencies.iter().max().copied()
    }

    /// The clicks pushed between `from` and `to`, alone.
    pub fn between(&self, from: Instant, to: Instant) -> ProbeResult {
        let keep: Vec<usize> = (0..self.pushed.len()).filter(|&i| (from..to).contains(&self.pushed[i])).collect();
        ProbeResult {
            marks: keep.len(),
            latencies: keep.iter().map(|&i| self.latencies[i]).collect(),
            pushed: keep.iter().map(|&i| self.pushed[i]).collect(),
            in_ring: keep.iter().map(|&i| self.in_ring[i]).collect(),
            recorded_s: self.recorded_s,
        }
    }

    /// The median of the part after the ring (device and server).
    pub fn device_median(&self) -> Option<Duration> {
        let mut rest: Vec<Duration> = self.latencies.iter().zip(&self.in_ring).map(|(l, r)| l.saturating_sub(*r)).collect();
        rest.sort_unstable();
        rest.get(rest.len() / 2).copied()
    }

    /// Clicks that never came back.
    pub fn missed(&self) -> usize {
        self.marks.saturating_sub(self.latencies.len())
    }
}

/// What to measure: a click every `every`, `count` of them (`None`: until
/// [`LatencyProbe::finish`]). `level` is the click's height as it reaches
/// the server (the game's volume times [`MARK_LEVEL`]).
#[derive(Debug, Clone, Copy)]
pub struct ProbePlan {
    pub every: Duration,
    pub count: Option<usize>,
    pub level: f32,
    /// The recording's rate (the sink's, to avoid resampling).
    pub rate: u32,
    /// Recording before the first click: the recorder's start, and the
    /// sound path's (a device settling, the lead being learnt), are not
    /// what is measured.
    pub warmup: Duration,
}

impl Default for ProbePlan {
    fn default() -> Self {
        ProbePlan {
            every: Duration::from_millis(500),
            count: Some(10),
            level: MARK_LEVEL,
            rate: 48_000,
            warmup: Duration::from_millis(300),
        }
    }
}

/// A measurement running on a thread of its own.
#[derive(Debug)]
pub struct LatencyProbe {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<ProbeResult, ProbeError>>,
    /// The recorder, killed on finish (a recording that stops coming, as
    /// from a suspended sink's monitor, must not keep the thread waiting).
    recorder: Child,
}

impl LatencyProbe {
    /// Starts recording the default sink's monitor and clicking.
    pub fn start(marker: SoundMarker, plan: ProbePlan) -> Result<LatencyProbe, ProbeError> {
        let mut child = Command::new("parec")
            .args([
                "--device=@DEFAULT_MONITOR@",
                "--raw",
                "--format=s16le",
                "--channels=1",
                &format!("--rate={}", plan.rate),
                "--latency-msec=2",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(ProbeError::Recorder)?;
        let stop = Arc::new(AtomicBool::new(false));
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ProbeError::RecorderEnded("no output".into()));
        };
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("phosphor-sound-probe".into())
                .spawn(move || record(stdout, &marker, plan, &stop))
        };
        match thread {
            Ok(thread) => Ok(LatencyProbe { stop, thread, recorder: child }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(ProbeError::Recorder(e))
            }
        }
    }

    /// Whether it has made all its clicks (or failed).
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Stops (if it has not) and says what it found: within about two
    /// seconds, whatever the recorder does.
    pub fn finish(mut self) -> Result<ProbeResult, ProbeError> {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !self.thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        // Ends the recording: a thread still waiting for it reads its end.
        let _ = self.recorder.kill();
        let _ = self.recorder.wait();
        self.thread.join().unwrap_or_else(|_| Err(ProbeError::RecorderEnded("the probe panicked".into())))
    }
}

/// Finds the clicks in the recording as it streams in.
#[derive(Debug)]
struct ClickFinder {
    threshold: i16,
    high: usize,
    low: usize,
    high_start: u64,
    clicks: Vec<u64>,
}

impl ClickFinder {
    fn new(level: f32) -> Self {
        let threshold = (level * 0.75 * 32767.0).clamp(1000.0, 32767.0) as i16;
        ClickFinder { threshold, high: 0, low: 0, high_start: 0, clicks: Vec::new() }
    }

    /// `index` is the recording's count of the sample.
    fn push(&mut self, index: u64, sample: i16) {
        let (min, max) = (MARK_HALF - MARK_HALF / 4, MARK_HALF + MARK_HALF / 4);
        if sample >= self.threshold {
            if self.low > 0 {
                self.low = 0;
                self.high = 0;
            }
            if self.high == 0 {
                self.high_start = index;
            }
            self.high += 1;
        } else if sample <= -self.threshold && (min..=max).contains(&self.high) {
            self.low += 1;
            if self.low == min {
                self.clicks.push(self.high_start);
            }
        } else {
            self.high = 0;
            self.low = 0;
        }
    }
}

fn record(
    mut stdout: std::process::ChildStdout,
    marker: &SoundMarker,
    plan: ProbePlan,
    stop: &AtomicBool,
) -> Result<ProbeResult, ProbeError> {
    let rate = f64::from(plan.rate.max(1));
    let mut finder = ClickFinder::new(plan.level);
    let mut buffer = vec![0u8; 4096];
    let mut odd: Option<u8> = None;
    let mut samples = 0u64;
    // Each chunk's arrival and the samples received with it.
    let mut chunks: Vec<(Instant, u64)> = Vec::new();
    let mut marks: Vec<(Instant, Duration)> = Vec::new();
    let mut seen = marker.last().map_or(0, |m| m.count);
    let started = Instant::now();
    let mut next_click = started + plan.warmup;
    let mut done_since: Option<Instant> = None;
    loop {
        let n = stdout.read(&mut buffer).map_err(|e| ProbeError::RecorderEnded(e.to_string()))?;
        let now = Instant::now();
        if n == 0 {
            if stop.load(Ordering::Relaxed) {
                // Ended by `finish`: what was recorded still counts.
                break;
            }
            return Err(ProbeError::RecorderEnded("parec closed its output".into()));
        }
        let mut bytes = &buffer[..n];
        if let Some(first) = odd.take() {
            finder.push(samples, i16::from_le_bytes([first, bytes[0]]));
            samples += 1;
            bytes = &bytes[1..];
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in &mut pairs {
            finder.push(samples, i16::from_le_bytes([pair[0], pair[1]]));
            samples += 1;
        }
        odd = pairs.remainder().first().copied();
        chunks.push((now, samples));
        if let Some(mark) = marker.last()
            && mark.count != seen
        {
            seen = mark.count;
            marks.push((mark.pushed, Duration::from_secs_f64(mark.ahead as f64 / rate)));
        }
        // Done: told to stop, or all clicks made. Recording goes on until
        // the last click has had time to come back (a second at most).
        let done = stop.load(Ordering::Relaxed) || plan.count.is_some_and(|count| marks.len() >= count);
        if done {
            let since = *done_since.get_or_insert(now);
            let heard_back = marks.last().is_none_or(|&(m, _)| now.saturating_duration_since(m) > plan.window());
            if (heard_back && !marker.pending()) || now.saturating_duration_since(since) > Duration::from_secs(1) {
                break;
            }
        } else if now >= next_click && !marker.pending() {
            marker.request();
            next_click = now + plan.every;
        }
    }
    let window = plan.rate as u64;
    let played: Vec<Instant> = finder.clicks.iter().filter_map(|&k| played_at(&chunks, k, window, rate)).collect();
    let at: Vec<Instant> = marks.iter().map(|m| m.0).collect();
    let matched = match_clicks(&at, &played, plan.window());
    if matched.is_empty() && !marks.is_empty() {
        return Err(ProbeError::NoEcho { marks: marks.len() });
    }
    Ok(ProbeResult {
        latencies: matched.iter().map(|&(_, latency)| latency).collect(),
        pushed: matched.iter().map(|&(i, _)| marks[i].0).collect(),
        in_ring: matched.iter().map(|&(i, _)| marks[i].1).collect(),
        marks: marks.len(),
        recorded_s: samples as f64 / rate,
    })
}

/// When sample `k` was played: the earliest bound that the chunks holding
/// it and the next `window` samples give.
fn played_at(chunks: &[(Instant, u64)], k: u64, window: u64, rate: f64) -> Option<Instant> {
    let first = chunks.partition_point(|&(_, received)| received <= k);
    chunks[first..]
        .iter()
        .take_while(|&&(_, received)| received <= k + window)
        .map(|&(arrival, received)| arrival - Duration::from_secs_f64((received - k) as f64 / rate))
        .min()
}

/// Pairs each mark with the first click played after it, within the
/// window: the mark's index and the latency.
fn match_clicks(marks: &[Instant], played: &[Instant], window: Duration) -> Vec<(usize, Duration)> {
    let mut out = Vec::new();
    let mut next = 0;
    for (i, &mark) in marks.iter().enumerate() {
        while next < played.len() && played[next] < mark {
            next += 1;
        }
        if let Some(&click) = played.get(next) {
            let latency = click - mark;
            if latency <= window {
                out.push((i, latency));
                next += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(finder: &mut ClickFinder, at: &mut u64, level: f32) {
        for i in 0..2 * MARK_HALF {
            let v = if i < MARK_HALF { level } else { -level };
            finder.push(*at, (v * 32767.0) as i16);
            *at += 1;
        }
    }

    #[test]
    fn finds_the_click_and_nothing_like_it() {
        let mut finder = ClickFinder::new(MARK_LEVEL);
        let mut at = 0u64;
        // Loud game-like squares: a long one, a 1 kHz one at half scale.
        for i in 0..4800u64 {
            let v = if (i / 240) % 2 == 0 { 0.85 } else { -0.85 };
            finder.push(at, (v * 32767.0) as i16);
            at += 1;
        }
        for i in 0..4800u64 {
            let v = if (i / 24) % 2 == 0 { 0.5 } else { -0.5 };
            finder.push(at, (v * 32767.0) as i16);
            at += 1;
        }
        assert!(finder.clicks.is_empty(), "no click in game sound: {:?}", finder.clicks);
        let start = at;
        click(&mut finder, &mut at, MARK_LEVEL);
        for _ in 0..100 {
            finder.push(at, 0);
            at += 1;
        }
        assert_eq!(finder.clicks, vec![start]);
    }

    #[test]
    fn marks_pair_with_the_next_click_in_the_window() {
        let t = Instant::now();
        let ms = Duration::from_millis;
        let marks = [t, t + ms(1000), t + ms(2000)];
        // The second click never came; a stray one far after the third.
        let played = [t + ms(18), t + ms(2019), t + ms(2900)];
        assert_eq!(match_clicks(&marks, &played, MATCH_WINDOW), vec![(0, ms(18)), (2, ms(19))]);
        // Clicks 250 ms apart: the window is 200 ms.
        let plan = ProbePlan { every: ms(250), ..ProbePlan::default() };
        assert_eq!(match_clicks(&[t, t + ms(250)], &[t + ms(260)], plan.window()), vec![(1, ms(10))]);
    }

    #[test]
    fn a_click_is_timed_by_the_recording_around_it() {
        let t = Instant::now();
        let ms = Duration::from_millis;
        // 48 samples a ms. Chunks of 96 arriving 1-3 ms late; then a gap
        // (480 samples the server dropped): times after it are off by
        // 10 ms, and a click after the gap must not be timed by chunks
        // from before it.
        let mut chunks = Vec::new();
        for i in 1..=100u64 {
            let late = ms(1 + i % 3);
            chunks.push((t + ms(2 * i) + late, 96 * i));
        }
        for i in 101..=200u64 {
            chunks.push((t + ms(2 * i + 10) + ms(1 + i % 3), 96 * i));
        }
        let before = played_at(&chunks, 48 * 50, 48_000, 48_000.0).unwrap();
        assert!(before - t >= ms(51) && before - t <= ms(52), "{:?}", before - t);
        let after = played_at(&chunks, 96 * 150, 48_000, 48_000.0).unwrap();
        assert!(after - t >= ms(311) && after - t <= ms(312), "{:?}", after - t);
        assert_eq!(played_at(&chunks, 96 * 300, 48_000, 48_000.0), None, "not recorded yet");
    }

    #[test]
    fn quantiles() {
        let ms = Duration::from_millis;
        let t = Instant::now();
        let r = ProbeResult {
            latencies: vec![ms(30), ms(10), ms(20)],
            pushed: vec![t, t + ms(250), t + ms(500)],
            in_ring: vec![ms(20), ms(4), ms(15)],
            marks: 4,
            recorded_s: 1.0,
        };
        assert_eq!(r.median(), Some(ms(20)));
        assert_eq!(r.between(t + ms(100), t + ms(600)).latencies, vec![ms(10), ms(20)]);
        assert_eq!(r.device_median(), Some(ms(6)), "30-20, 10-4, 20-15: the middle is 6");
        assert_eq!(r.max(), Some(ms(30)));
        assert_eq!(r.quantile(0.0), Some(ms(10)));
        assert_eq!(r.missed(), 1);
        assert_eq!(ProbeResult::default().median(), None);
    }
}
