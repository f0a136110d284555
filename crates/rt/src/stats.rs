//! Summaries of the per-frame records, for reports and benchmarks. These
//! run off the emulation thread and may allocate.

use crate::telemetry::FrameRecord;

/// The value below which `p` (0..=1) of `sorted` lies (nearest rank).
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Median, tails and worst of a set of durations (nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quantiles {
    pub p50: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub count: usize,
}

impl Quantiles {
    pub fn of(values: &[u64]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        Quantiles {
            p50: percentile(&sorted, 0.5),
            p99: percentile(&sorted, 0.99),
            p999: percentile(&sorted, 0.999),
            max: sorted.last().copied().unwrap_or(0),
            count: sorted.len(),
        }
    }
}

/// Collects records and sums them up.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    intervals: Vec<u64>,
    jitter: Vec<u64>,
    work: Vec<u64>,
    latency: Vec<u64>,
    pub frames: u64,
    pub deadline_misses: u64,
    pub resyncs: u64,
    pub audio_fill_min: u32,
    pub audio_fill_max: u32,
}

impl Summary {
    pub fn add(&mut self, record: &FrameRecord) {
        if self.frames == 0 {
            self.audio_fill_min = u32::MAX;
        }
        self.frames += 1;
        if record.interval_ns > 0 {
            self.intervals.push(record.interval_ns);
        }
        self.jitter.push(record.pacing_error_ns.unsigned_abs());
        self.work.push(record.work_ns);
        if let Some(latency) = record.input_latency_ns {
            self.latency.push(latency);
        }
        self.deadline_misses += u64::from(record.missed);
        self.resyncs += u64::from(record.resynced);
        self.audio_fill_min = self.audio_fill_min.min(record.audio_fill);
        self.audio_fill_max = self.audio_fill_max.max(record.audio_fill);
    }

    /// Time between frame starts.
    pub fn intervals(&self) -> Quantiles {
        Quantiles::of(&self.intervals)
    }

    /// How far each frame started from its due time, either way.
    pub fn jitter(&self) -> Quantiles {
        Quantiles::of(&self.jitter)
    }

    /// Emulation work per frame.
    pub fn work(&self) -> Quantiles {
        Quantiles::of(&self.work)
    }

    /// Input stamp to the publication of the frame that read it.
    pub fn input_latency(&self) -> Quantiles {
        Quantiles::of(&self.latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&v, 0.5), 500);
        assert_eq!(percentile(&v, 0.99), 990);
        assert_eq!(percentile(&v, 0.999), 999);
        assert_eq!(percentile(&v, 1.0), 1000);
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile(&[], 0.5), 0);
        let q = Quantiles::of(&[5, 1, 3]);
        assert_eq!((q.p50, q.max, q.count), (3, 5, 3));
    }

    #[test]
    fn a_summary_counts_misses_and_skips_first_intervals() {
        let mut s = Summary::default();
        for i in 0..10u64 {
            s.add(&FrameRecord {
                frame: i,
                interval_ns: if i == 0 { 0 } else { 16_000_000 + i },
                pacing_error_ns: if i == 5 { -300 } else { 20 },
                work_ns: 400_000,
                missed: i == 7,
                resynced: false,
                audio_fill: 1000 + i as u32,
                input_latency_ns: (i == 3).then_some(2_000_000),
            });
        }
        assert_eq!(s.frames, 10);
        assert_eq!(s.deadline_misses, 1);
        assert_eq!(s.intervals().count, 9, "the first frame has no interval");
        assert_eq!(s.jitter().max, 300, "early counts as much as late");
        assert_eq!(s.input_latency().p50, 2_000_000);
        assert_eq!((s.audio_fill_min, s.audio_fill_max), (1000, 1009));
    }
}
