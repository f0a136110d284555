//! The frame pacer: starts each frame on an absolute schedule one period
//! apart, sleeping for most of the wait and spinning for the last part.
//!
//! - Drift: the schedule is `start + n * period`, never `now + period`, so
//!   sleep overshoot does not add up over a session.
//! - Lag: a frame finished after the next one was due is a deadline miss.
//!   Less than a period late, the next frame starts at once and the
//!   schedule catches up; more (a stall: the machine swapped, the debugger
//!   held the thread), the schedule restarts from now instead of running a
//!   burst of frames to make up the time.
//! - Precision: the spin margin follows the worst recent sleep overshoot,
//!   so a real-time thread (overshoot ~10 us) spins little and a normal one
//!   on a busy machine spins more.

use std::time::{Duration, Instant};

const MIN_MARGIN: Duration = Duration::from_micros(200);
const MAX_MARGIN: Duration = Duration::from_millis(2);

/// When a frame was due and when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// When the schedule said the frame should start.
    pub due: Instant,
    /// When it did.
    pub started: Instant,
    /// The previous frame ran past this frame's start.
    pub missed: bool,
    /// The lag was over a period: the schedule restarted from now.
    pub resynced: bool,
}

impl Tick {
    /// `started - due` in nanoseconds (late is positive).
    pub fn error_ns(&self) -> i64 {
        match self.started.checked_duration_since(self.due) {
            Some(late) => late.as_nanos() as i64,
            None => -(self.due.duration_since(self.started).as_nanos() as i64),
        }
    }
}

/// What [`Pacer::plan`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub due: Instant,
    pub missed: bool,
    pub resynced: bool,
}

#[derive(Debug, Clone)]
pub struct Pacer {
    period: Duration,
    next: Instant,
    margin: Duration,
    /// Worst recent sleep overshoot, decaying by 1/64 a frame.
    worst_overshoot: Duration,
    /// The next frame is the first after a (re)start: nothing was due before.
    fresh: bool,
}

impl Pacer {
    /// The first frame is due at `now`.
    pub fn new(period: Duration, now: Instant) -> Self {
        Pacer { period, next: now, margin: Duration::from_millis(1), worst_overshoot: Duration::ZERO, fresh: true }
    }

    pub fn period(&self) -> Duration {
        self.period
    }

    /// A new speed: from the next frame on.
    pub fn set_period(&mut self, period: Duration) {
        self.period = period;
    }

    /// After a pause: the next frame is due at `now`, nothing to make up.
    pub fn restart(&mut self, now: Instant) {
        self.next = now;
        self.fresh = true;
    }

    /// How long before a deadline the pacer stops sleeping and spins.
    pub fn margin(&self) -> Duration {
        self.margin
    }

    /// Decides when the next frame starts, the work before it having
    /// finished at `now`; advances the schedule.
    pub fn plan(&mut self, now: Instant) -> Plan {
        let due = self.next;
        if std::mem::take(&mut self.fresh) {
            // No frame ran before this one: it starts now, on no one's deadline.
            self.next = now.max(due) + self.period;
            return Plan { due: now.max(due), missed: false, resynced: false };
        }
        if now > due + self.period {
            // Over a whole period behind: start over from now, no burst.
            self.next = now + self.period;
            return Plan { due: now, missed: true, resynced: true };
        }
        self.next = due + self.period;
        Plan { due, missed: now > due, resynced: false }
    }

    /// Waits for the next frame's start (see [`Pacer::plan`]).
    pub fn wait(&mut self) -> Tick {
        let plan = self.plan(Instant::now());
        let started = self.sleep_until(plan.due);
        Tick { due: plan.due, started, missed: plan.missed, resynced: plan.resynced }
    }

    /// Sleeps until `margin` before `deadline`, then spins; returns the
    /// instant it let go.
    fn sleep_until(&mut self, deadline: Instant) -> Instant {
        let now = Instant::now();
        if let Some(wake) = deadline.checked_sub(self.margin).filter(|&wake| wake > now) {
            std::thread::sleep(wake - now);
            let overshoot = Instant::now().saturating_duration_since(wake);
            self.learn(overshoot);
        }
        loop {
            let now = Instant::now();
            if now >= deadline {
                return now;
            }
            std::hint::spin_loop();
        }
    }

    fn learn(&mut self, overshoot: Duration) {
        self.worst_overshoot = (self.worst_overshoot - self.worst_overshoot / 64).max(overshoot);
        self.margin = (self.worst_overshoot + MIN_MARGIN / 2).clamp(MIN_MARGIN, MAX_MARGIN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Duration = Duration::from_micros(16_639);

    #[test]
    fn frames_are_due_one_period_apart_from_the_start() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(PERIOD, t0);
        for n in 0..100u32 {
            // The work took 2 ms, the sleep ended 30 us late: no drift.
            let finished = if n == 0 { t0 } else { t0 + PERIOD * (n - 1) + Duration::from_micros(2030) };
            let plan = pacer.plan(finished);
            assert_eq!(plan.due, t0 + PERIOD * n, "frame {n}");
            assert!(!plan.missed && !plan.resynced);
        }
    }

    #[test]
    fn a_small_lag_is_a_miss_that_the_schedule_absorbs() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(PERIOD, t0);
        pacer.plan(t0);
        // Frame 0's work ran 5 ms past frame 1's start.
        let late = t0 + PERIOD + Duration::from_millis(5);
        let plan = pacer.plan(late);
        assert!(plan.missed && !plan.resynced);
        assert_eq!(plan.due, t0 + PERIOD, "starts at once: it is already due");
        // Frame 1 finished on time: frame 2 keeps the original schedule.
        let plan = pacer.plan(late + Duration::from_millis(1));
        assert_eq!(plan.due, t0 + PERIOD * 2);
        assert!(!plan.missed);
    }

    #[test]
    fn a_stall_restarts_the_schedule_instead_of_a_burst() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(PERIOD, t0);
        pacer.plan(t0);
        let stalled = t0 + Duration::from_millis(500);
        let plan = pacer.plan(stalled);
        assert!(plan.missed && plan.resynced);
        assert_eq!(plan.due, stalled);
        // The frames after it are a period apart again, not back to back.
        let mut at = stalled + Duration::from_millis(1);
        for n in 1..10u32 {
            let plan = pacer.plan(at);
            assert_eq!(plan.due, stalled + PERIOD * n);
            assert!(!plan.missed);
            at = plan.due + Duration::from_millis(1);
        }
    }

    #[test]
    fn the_first_frame_after_a_restart_is_never_a_miss() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(PERIOD, t0);
        let late = t0 + Duration::from_millis(3);
        let plan = pacer.plan(late);
        assert_eq!(plan, Plan { due: late, missed: false, resynced: false });
        assert_eq!(pacer.plan(late).due, late + PERIOD);
        pacer.restart(late + Duration::from_secs(1));
        let plan = pacer.plan(late + Duration::from_secs(2));
        assert!(!plan.missed && !plan.resynced, "a long pause is not a stall");
        assert_eq!(plan.due, late + Duration::from_secs(2));
    }

    #[test]
    fn a_new_period_applies_from_the_next_frame() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(PERIOD, t0);
        pacer.plan(t0);
        pacer.set_period(PERIOD / 4);
        assert_eq!(pacer.plan(t0).due, t0 + PERIOD, "already scheduled");
        assert_eq!(pacer.plan(t0).due, t0 + PERIOD + PERIOD / 4);
    }

    #[test]
    fn the_spin_margin_follows_the_sleep_overshoot() {
        let mut pacer = Pacer::new(PERIOD, Instant::now());
        for _ in 0..10 {
            pacer.learn(Duration::from_micros(10));
        }
        assert_eq!(pacer.margin(), MIN_MARGIN, "a precise sleeper spins the least");
        pacer.learn(Duration::from_micros(900));
        assert_eq!(pacer.margin(), Duration::from_micros(1000));
        for _ in 0..1000 {
            pacer.learn(Duration::from_micros(10));
        }
        assert_eq!(pacer.margin(), MIN_MARGIN, "and it forgets an old outlier");
        pacer.learn(Duration::from_secs(1));
        assert_eq!(pacer.margin(), MAX_MARGIN);
    }

    #[test]
    fn tick_error_is_signed() {
        let t0 = Instant::now();
        let late = Tick { due: t0, started: t0 + Duration::from_micros(30), missed: false, resynced: false };
        assert_eq!(late.error_ns(), 30_000);
        let early = Tick { due: t0 + Duration::from_micros(5), started: t0, missed: false, resynced: false };
        assert_eq!(early.error_ns(), -5_000);
    }
}
