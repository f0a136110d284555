//! What the emulation thread asks of the operating system before its loop:
//! a real-time priority, a core of its own, memory that stays resident,
//! precise timers. Each is a request; what was granted is reported.
// Pinning, memory locking and the timer slack are libc calls.
#![allow(unsafe_code)]

use crate::config::{Config, Pin};

/// The scheduling the emulation thread actually runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// SCHED_FIFO at this priority: nothing of normal priority preempts it.
    Fifo(u8),
    /// The OS's normal time-sharing scheduler.
    #[default]
    Normal,
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Priority::Fifo(p) => write!(f, "fifo:{p}"),
            Priority::Normal => f.write_str("normal"),
        }
    }
}

/// What the thread asked for and what it got.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadSetup {
    pub priority: Priority,
    /// The core it is pinned to, if any.
    pub pinned: Option<usize>,
    pub memory_locked: bool,
    /// One line per request the OS refused, saying why (empty when all
    /// were granted or none were made).
    pub refused: Vec<String>,
}

/// Makes the requests in `config` for the calling thread.
pub fn set_up_current_thread(config: &Config) -> ThreadSetup {
    let mut setup = ThreadSetup::default();
    if let Some(priority) = config.realtime_priority {
        match request_fifo(priority) {
            Ok(()) => {}
            Err(why) => setup.refused.push(format!("SCHED_FIFO {priority}: {why}")),
        }
    }
    setup.priority = current_priority();
    match pin(config.pin) {
        Ok(core) => setup.pinned = core,
        Err(why) => setup.refused.push(format!("pinning: {why}")),
    }
    if config.lock_memory {
        match lock_memory() {
            Ok(()) => setup.memory_locked = true,
            Err(why) => setup.refused.push(format!("memory lock: {why}")),
        }
    }
    precise_timers();
    prefault_stack();
    setup
}

/// Asks SCHED_FIFO `priority` for the calling thread (another real-time
/// thread than the emulation's: the sound device's callback) and says what
/// it runs with after. Makes no allocation when granted.
pub fn raise_current_thread(priority: u8) -> Priority {
    let _ = request_fifo(priority);
    current_priority()
}

/// Raises the threads of this process whose names start with `prefix` to
/// SCHED_FIFO `priority` (threads a library started that the program holds
/// no handle to: the sound server's client thread, which carries the
/// device's samples to the server); returns how many it raised.
#[cfg(target_os = "linux")]
pub fn raise_threads_named(prefix: &str, priority: u8) -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    let mut raised = 0;
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse::<libc::pid_t>().ok()) else { continue };
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !name.trim_end().starts_with(prefix) {
            continue;
        }
        let param = libc::sched_param { sched_priority: i32::from(priority.clamp(1, 99)) };
        // A thread id of this process: sched_setscheduler takes it.
        if unsafe { libc::sched_setscheduler(tid, libc::SCHED_FIFO, &param) } == 0 {
            raised += 1;
        }
    }
    raised
}

#[cfg(not(target_os = "linux"))]
pub fn raise_threads_named(_prefix: &str, _priority: u8) -> usize {
    0
}

#[cfg(unix)]
fn request_fifo(priority: u8) -> Result<(), String> {
    use thread_priority::unix::{
        set_thread_priority_and_policy, thread_native_id, RealtimeThreadSchedulePolicy, ThreadSchedulePolicy,
    };
    use thread_priority::ThreadPriority;
    let value: thread_priority::ThreadPriorityValue = priority.try_into()?;
    set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(value),
        ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
    )
    .map_err(|e| format!("{e:?}"))
}

#[cfg(not(unix))]
fn request_fifo(_priority: u8) -> Result<(), String> {
    thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Max).map_err(|e| format!("{e:?}"))?;
    Err("no SCHED_FIFO on this OS; raised to the highest normal priority".into())
}

/// Reads the policy back rather than trusting the request.
#[cfg(unix)]
fn current_priority() -> Priority {
    use thread_priority::unix::{
        thread_native_id, thread_schedule_policy_param, RealtimeThreadSchedulePolicy, ThreadSchedulePolicy,
    };
    match thread_schedule_policy_param(thread_native_id()) {
        Ok((ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo), params)) => {
            Priority::Fifo(params.sched_priority.clamp(0, 99) as u8)
        }
        _ => Priority::Normal,
    }
}

#[cfg(not(unix))]
fn current_priority() -> Priority {
    Priority::Normal
}

#[cfg(target_os = "linux")]
fn pin(pin: Pin) -> Result<Option<usize>, String> {
    // SAFETY: cpu_set_t is plain data; zeroed is the empty set.
    let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: pid 0 is this thread; the set is as large as we say.
    if unsafe { libc::sched_getaffinity(0, size, &mut allowed) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    let cores: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: the index is below CPU_SETSIZE.
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &allowed) })
        .collect();
    let core = match pin {
        Pin::Nowhere => return Ok(None),
        Pin::LastCore if cores.len() < 2 => return Ok(None),
        Pin::LastCore => cores[cores.len() - 1],
        Pin::Core(c) if cores.contains(&c) => c,
        Pin::Core(c) => return Err(format!("core {c} is not one this process may use ({cores:?})")),
    };
    // SAFETY: as above; the set holds one valid core.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: core < CPU_SETSIZE (it came from the allowed set).
    unsafe { libc::CPU_SET(core, &mut set) };
    // SAFETY: pid 0 is this thread; the set is as large as we say.
    if unsafe { libc::sched_setaffinity(0, size, &set) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(Some(core))
}

#[cfg(not(target_os = "linux"))]
fn pin(pin: Pin) -> Result<Option<usize>, String> {
    match pin {
        Pin::Nowhere => Ok(None),
        _ => Err("not supported on this OS".into()),
    }
}

/// Locks what is mapped now, not what comes later: MCL_FUTURE would make
/// any later allocation in the process fail once RLIMIT_MEMLOCK is reached.
#[cfg(unix)]
fn lock_memory() -> Result<(), String> {
    // SAFETY: mlockall takes flags only.
    if unsafe { libc::mlockall(libc::MCL_CURRENT) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

#[cfg(not(unix))]
fn lock_memory() -> Result<(), String> {
    Err("not supported on this OS".into())
}

/// A normal-priority thread's sleeps may end up to 50 us late by default
/// (timer slack); ask for 1 ns.
#[cfg(target_os = "linux")]
fn precise_timers() {
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
}

#[cfg(not(target_os = "linux"))]
fn precise_timers() {}

/// Touches the stack the loop will use so that no page fault happens in it.
fn prefault_stack() {
    let mut stack = [0u8; 256 * 1024];
    std::hint::black_box(&mut stack);
}
