//! The thread's figures as the frontend sees them: the latest [`Status`]
//! and a window of recent [`FrameRecord`]s for graphs. Read by the
//! debugger panel; never a reason to stop the thread.

use std::collections::VecDeque;

use bevy::prelude::*;
use phosphor_rt::{AudioStats, FrameRecord, Registers, Status};

/// Frames of history kept (ten seconds at 60 Hz).
pub const HISTORY: usize = 600;

#[derive(Resource, Debug, Default)]
pub struct Telemetry {
    pub status: Status,
    /// From the device's side of the sound ring.
    pub audio: AudioStats,
    /// The last [`HISTORY`] frames, oldest first.
    pub records: VecDeque<FrameRecord>,
    /// The last panic's message (the thread may have recovered since:
    /// see `status.state`).
    pub last_fault: Option<String>,
    /// Where the last breakpoint stopped.
    pub breakpoint: Option<Registers>,
    /// The debugger's last stop: why, and the registers there.
    pub stop: Option<phosphor_rt::DebugStopped>,
}

impl Telemetry {
    pub(crate) fn push(&mut self, record: FrameRecord) {
        if self.records.len() == HISTORY {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    /// Frame intervals in milliseconds, oldest first (0 where a frame had
    /// no predecessor: the first after a start, pause or load).
    pub fn intervals_ms(&self) -> impl Iterator<Item = f64> + '_ {
        self.records.iter().map(|r| r.interval_ns as f64 / 1e6)
    }

    /// The largest input-to-frame latency in the window, in ms.
    pub fn worst_input_latency_ms(&self) -> Option<f64> {
        self.records.iter().filter_map(|r| r.input_latency_ns).max().map(|ns| ns as f64 / 1e6)
    }
}
