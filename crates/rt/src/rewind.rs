//! Rewind history: a lean capture of every frame, kept compressed in a
//! bounded store on a worker thread of its own.
//!
//! The emulation thread only copies: each frame it fills a buffer from a
//! small pool (refilled by the worker) and hands it over through a ring.
//! The worker XORs each capture against the last keyframe (one every
//! [`KEY_INTERVAL`] frames), so a frame's delta is mostly zeros, and
//! LZ4-compresses it with a reused hash table. To go back, the emulation
//! thread asks for the states at or before a sequence number; the worker
//! decodes them newest first, ahead of need, into a ring as deep as
//! [`PREFETCH`]. When the emulation thread plays on from a state, the
//! history after it is cut off (the future left behind is another
//! timeline) and recording goes on from there.
//!
//! [`Store`] is the compression and bookkeeping alone, with no thread, for
//! the benchmark and the tests.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtrb::{Consumer, Producer, RingBuffer};

/// A keyframe every this many captures: the rest are stored as their
/// difference from it.
pub const KEY_INTERVAL: usize = 60;
/// States decoded ahead while going back.
pub const PREFETCH: usize = 8;
/// Empty buffers the emulation thread keeps at hand.
const POOL: usize = 24;
/// Frames a minute, to turn the setting into a length (NTSC; a PAL game
/// keeps a little longer).
pub const FRAMES_PER_MINUTE: u32 = 3600;

/// One stored frame.
#[derive(Debug)]
struct Entry {
    seq: u64,
    key: bool,
    data: Box<[u8]>,
}

/// Compressed states in capture order, at most `max_frames` of them (the
/// oldest keyframe group goes first when full).
pub struct Store {
    entries: VecDeque<Entry>,
    max_frames: usize,
    state_len: usize,
    bytes: usize,
    keys: usize,
    /// The keyframe new captures are XORed against, as stored, and how
    /// many captures since.
    key_raw: Vec<u8>,
    since_key: usize,
    /// The keyframe last decoded (by sequence number), for going back.
    read_key: Option<(u64, Vec<u8>)>,
    scratch: Vec<u8>,
    packed: Vec<u8>,
    table: lz4_flex::block::CompressTable,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("frames", &self.entries.len()).field("bytes", &self.bytes).finish_non_exhaustive()
    }
}

impl Store {
    pub fn new(max_frames: usize) -> Self {
        Store {
            entries: VecDeque::new(),
            max_frames,
            state_len: 0,
            bytes: 0,
            keys: 0,
            key_raw: Vec::new(),
            since_key: KEY_INTERVAL,
            read_key: None,
            scratch: Vec::new(),
            packed: Vec::new(),
            table: lz4_flex::block::CompressTable::large(),
        }
    }

    /// Frames kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Compressed bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Keyframes held.
    pub fn keyframes(&self) -> usize {
        self.keys
    }

    pub fn max_frames(&self) -> usize {
        self.max_frames
    }

    /// Oldest and newest sequence numbers kept.
    pub fn span(&self) -> Option<(u64, u64)> {
        Some((self.entries.front()?.seq, self.entries.back()?.seq))
    }

    /// Forgets everything (a new game, whose states have `state_len` bytes).
    pub fn clear(&mut self, state_len: usize) {
        self.entries.clear();
        self.bytes = 0;
        self.keys = 0;
        self.state_len = state_len;
        self.since_key = KEY_INTERVAL;
        self.read_key = None;
    }

    pub fn set_max_frames(&mut self, frames: usize) {
        self.max_frames = frames;
        self.trim();
    }

    /// Keeps `state` as capture `seq` (sequence numbers go up).
    pub fn push(&mut self, seq: u64, state: &[u8]) {
        if self.max_frames == 0 {
            return;
        }
        if state.len() != self.state_len {
            self.clear(state.len());
        }
        let key = self.since_key >= KEY_INTERVAL || self.key_raw.len() != state.len();
        let input: &[u8] = if key {
            self.key_raw.clear();
            self.key_raw.extend_from_slice(state);
            self.since_key = 0;
            state
        } else {
            xor_delta(state, &self.key_raw, &mut self.scratch);
            &self.scratch
        };
        self.since_key += 1;
        let data = compress(input, &mut self.packed, &mut self.table);
        self.bytes += data.len();
        self.keys += usize::from(key);
        self.entries.push_back(Entry { seq, key, data });
        self.trim();
    }

    /// Drops whole keyframe groups from the old end while over the length.
    fn trim(&mut self) {
        while self.entries.len() > self.max_frames {
            let Some(first) = self.entries.pop_front() else { break };
            self.forget(&first);
            while self.entries.front().is_some_and(|e| !e.key) {
                let e = self.entries.pop_front().expect("checked");
                self.forget(&e);
            }
        }
    }

    fn forget(&mut self, entry: &Entry) {
        self.bytes -= entry.data.len();
        self.keys -= usize::from(entry.key);
        if self.read_key.as_ref().is_some_and(|(seq, _)| *seq == entry.seq) {
            self.read_key = None;
        }
    }

    /// Cuts off everything after `keep`; the next capture starts a new keyframe.
    pub fn truncate_after(&mut self, keep: u64) {
        while let Some(last) = self.entries.back()
            && last.seq > keep
        {
            let e = self.entries.pop_back().expect("checked");
            self.forget(&e);
        }
        self.since_key = KEY_INTERVAL;
    }

    /// Index of the newest entry at or before `seq`.
    fn index_at_or_before(&self, seq: u64) -> Option<usize> {
        self.entries.partition_point(|e| e.seq <= seq).checked_sub(1)
    }

    /// Decodes entry `index` into `out` (cleared first); its sequence number.
    fn decode(&mut self, index: usize, out: &mut Vec<u8>) -> u64 {
        let entry = &self.entries[index];
        let seq = entry.seq;
        out.clear();
        out.resize(self.state_len, 0);
        if entry.key {
            decompress(&entry.data, out);
            return seq;
        }
        let key_index = (0..index).rev().find(|&i| self.entries[i].key).expect("a group starts with its keyframe");
        let key_seq = self.entries[key_index].seq;
        if self.read_key.as_ref().is_none_or(|(s, _)| *s != key_seq) {
            let mut raw = self.read_key.take().map(|(_, v)| v).unwrap_or_default();
            raw.clear();
            raw.resize(self.state_len, 0);
            decompress(&self.entries[key_index].data, &mut raw);
            self.read_key = Some((key_seq, raw));
        }
        decompress(&self.entries[index].data, out);
        let key = &self.read_key.as_ref().expect("decoded above").1;
        for (b, k) in out.iter_mut().zip(key) {
            *b ^= k;
        }
        seq
    }

    /// The state kept as `seq` (or the newest before it) into `out`.
    pub fn get(&mut self, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let index = self.index_at_or_before(seq)?;
        Some(self.decode(index, out))
    }
}

/// LZ4 with a reused hash table; the output buffer is reused too, and
/// the entry keeps an exact-size copy.
fn compress(input: &[u8], packed: &mut Vec<u8>, table: &mut lz4_flex::block::CompressTable) -> Box<[u8]> {
    packed.resize(lz4_flex::block::get_maximum_output_size(input.len()), 0);
    let n = lz4_flex::block::compress_into_with_table(input, packed, table).expect("the output is sized for the worst case");
    packed[..n].into()
}

/// A capture XORed against its keyframe: what the store compresses for
/// every frame but the keyframes (public for the benchmark's codec
/// comparison).
pub fn xor_delta(state: &[u8], key: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend(state.iter().zip(key).map(|(a, b)| a ^ b));
}

fn decompress(data: &[u8], out: &mut [u8]) {
    if lz4_flex::block::decompress_into(data, out).is_err() {
        // Only this store wrote it: a failure would be a bug, not bad input.
        out.fill(0);
    }
}

// ---- the worker and the emulation thread's end ----

/// What the emulation thread tells the worker.
#[derive(Debug)]
pub(crate) enum ToWorker {
    /// The state at the end of a frame, to keep as `seq`.
    Captured { seq: u64, state: Vec<u8> },
    /// Send the states at or before `from`, newest first, tagged `generation`.
    Rewind { generation: u32, from: u64 },
    /// Playing on from `keep`: cut off what is after it, stop sending.
    Resume { keep: u64 },
    /// A buffer the thread is done with.
    Returned(Vec<u8>),
    /// A new game, whose lean states have this many bytes.
    Clear { state_len: usize },
    /// Frames to keep (0 is off).
    Length { frames: usize },
}

/// A state on its way back; `None` says there is nothing older.
#[derive(Debug)]
pub(crate) struct Older {
    pub generation: u32,
    pub seq: u64,
    pub state: Option<Vec<u8>>,
}

/// Figures the worker keeps and anyone may read (relaxed: statistics).
#[derive(Debug, Default)]
pub struct RewindShared {
    pub frames: AtomicU64,
    pub bytes: AtomicU64,
    pub keyframes: AtomicU64,
    /// Time spent compressing, in all, and captures compressed.
    pub compress_ns: AtomicU64,
    pub compressed: AtomicU64,
}

/// The rewind figures as the runtime reports them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RewindFigures {
    /// Capturing every frame.
    pub recording: bool,
    /// Running backwards now.
    pub rewinding: bool,
    /// Frames the history can hold (the setting).
    pub capacity_frames: u64,
    /// Frames held, their compressed size and how many are keyframes.
    pub frames: u64,
    pub bytes: u64,
    pub keyframes: u64,
    /// Mean time the worker took to compress a capture.
    pub compress_ns: u64,
    /// What the last capture cost the emulation thread.
    pub capture_ns: u64,
    /// Captures not kept (no buffer at hand, or the worker's ring full).
    pub lost: u64,
    /// Frames rewinding waited for a state the worker had not decoded yet.
    pub starved: u64,
    /// Going back reached the oldest state kept.
    pub at_start: bool,
}

/// The worker thread's ends.
pub(crate) struct WorkerEnds {
    from_thread: Consumer<ToWorker>,
    empties: Producer<Vec<u8>>,
    olders: Producer<Older>,
}

/// Starts the worker; returns the emulation thread's end and the handle.
pub(crate) fn spawn(frames: usize) -> std::io::Result<(RewindLink, RewindWorker)> {
    let (to_worker, from_thread) = RingBuffer::new(1024);
    let (empties_tx, empties_rx) = RingBuffer::new(POOL);
    let (olders_tx, olders_rx) = RingBuffer::new(PREFETCH);
    let shared = Arc::new(RewindShared::default());
    let stop = Arc::new(AtomicBool::new(false));
    let ends = WorkerEnds { from_thread, empties: empties_tx, olders: olders_tx };
    let thread = {
        let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
        std::thread::Builder::new().name("phosphor-rewind".into()).spawn(move || worker(ends, frames, &shared, &stop))?
    };
    let link = RewindLink {
        to_worker,
        empties: empties_rx,
        olders: olders_rx,
        pool: Vec::with_capacity(POOL),
        next_seq: 0,
        generation: 0,
        history: None,
        recording: frames > 0,
        frames: frames as u64,
        shared,
        lost: 0,
        starved: 0,
        capture_ns: 0,
    };
    Ok((link, RewindWorker { stop, thread: Some(thread) }))
}

/// The worker thread, stopped when dropped.
#[derive(Debug)]
pub struct RewindWorker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for RewindWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Sending states back, newest first, from entry `next` down.
struct Request {
    generation: u32,
    next: Option<usize>,
    done: bool,
}

fn worker(mut ends: WorkerEnds, frames: usize, shared: &RewindShared, stop: &AtomicBool) {
    let mut store = Store::new(frames);
    let mut free: Vec<Vec<u8>> = Vec::new();
    let mut state_len = 0usize;
    let mut request: Option<Request> = None;
    while !stop.load(Ordering::Acquire) {
        let mut busy = false;
        while let Ok(message) = ends.from_thread.pop() {
            busy = true;
            match message {
                ToWorker::Captured { seq, state } => {
                    let started = Instant::now();
                    store.push(seq, &state);
                    shared.compress_ns.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    shared.compressed.fetch_add(1, Ordering::Relaxed);
                    if state.capacity() >= state_len && free.len() < 4 * POOL {
                        free.push(state);
                    }
                }
                ToWorker::Rewind { generation, from } => {
                    request = Some(Request { generation, next: store.index_at_or_before(from), done: false });
                }
                ToWorker::Resume { keep } => {
                    store.truncate_after(keep);
                    request = None;
                }
                ToWorker::Returned(buffer) => {
                    if buffer.capacity() >= state_len && free.len() < 4 * POOL {
                        free.push(buffer);
                    }
                }
                ToWorker::Clear { state_len: len } => {
                    store.clear(len);
                    state_len = len;
                    free.retain(|b| b.capacity() >= len);
                    request = None;
                }
                ToWorker::Length { frames } => store.set_max_frames(frames),
            }
        }
        // Buffers for the emulation thread, made here where allocating is fine.
        while state_len > 0 && ends.empties.slots() > 0 {
            let buffer = free.pop().unwrap_or_else(|| Vec::with_capacity(state_len));
            if ends.empties.push(buffer).is_err() {
                break;
            }
            busy = true;
        }
        if let Some(req) = request.as_mut() {
            while !req.done && ends.olders.slots() > 0 {
                busy = true;
                let older = match req.next {
                    Some(index) => {
                        let mut buffer = free.pop().unwrap_or_else(|| Vec::with_capacity(state_len));
                        let seq = store.decode(index, &mut buffer);
                        req.next = index.checked_sub(1);
                        Older { generation: req.generation, seq, state: Some(buffer) }
                    }
                    None => {
                        req.done = true;
                        Older { generation: req.generation, seq: 0, state: None }
                    }
                };
                if ends.olders.push(older).is_err() {
                    break;
                }
            }
        }
        shared.frames.store(store.len() as u64, Ordering::Relaxed);
        shared.bytes.store(store.bytes() as u64, Ordering::Relaxed);
        shared.keyframes.store(store.keyframes() as u64, Ordering::Relaxed);
        if !busy {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Why going back gave no state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoOlder {
    /// The worker has not decoded it yet.
    NotReady,
    /// The oldest state kept was reached.
    AtStart,
}

/// Going back: the state played from, the next older one (its frame,
/// run, draws the base's picture) and whether the oldest was reached.
#[derive(Debug)]
struct History {
    generation: u32,
    base: Option<(u64, Vec<u8>)>,
    /// The next two older states, as they came.
    next: Option<(u64, Vec<u8>)>,
    after: Option<(u64, Vec<u8>)>,
    /// The worker said there is nothing older than what it sent.
    exhausted: bool,
    at_start: bool,
}

impl History {
    fn new(generation: u32, exhausted: bool) -> Self {
        History { generation, base: None, next: None, after: None, exhausted, at_start: false }
    }
}

/// One step back: the state to restore, and the state before it, whose
/// frame run again draws the picture (none at the oldest state).
#[derive(Debug)]
pub(crate) struct StepOlder<'a> {
    pub state: &'a [u8],
    pub previous: Option<&'a [u8]>,
}

/// The emulation thread's end: never allocates, never waits.
#[derive(Debug)]
pub(crate) struct RewindLink {
    to_worker: Producer<ToWorker>,
    empties: Consumer<Vec<u8>>,
    olders: Consumer<Older>,
    /// Empty buffers at hand (never grows past its capacity).
    pool: Vec<Vec<u8>>,
    next_seq: u64,
    generation: u32,
    history: Option<History>,
    pub recording: bool,
    frames: u64,
    shared: Arc<RewindShared>,
    lost: u64,
    starved: u64,
    pub capture_ns: u64,
}

impl RewindLink {
    fn send(&mut self, message: ToWorker) -> bool {
        match self.to_worker.push(message) {
            Ok(()) => true,
            Err(rtrb::PushError::Full(message)) => {
                // Keep a buffer rather than free it here.
                if let ToWorker::Captured { state: buffer, .. } | ToWorker::Returned(buffer) = message {
                    self.give_back(buffer);
                }
                false
            }
        }
    }

    /// A buffer back to the pool, or to the worker when the pool is full.
    fn give_back(&mut self, buffer: Vec<u8>) {
        if self.pool.len() < self.pool.capacity() {
            self.pool.push(buffer);
        } else if let Err(rtrb::PushError::Full(ToWorker::Returned(buffer))) = self.to_worker.push(ToWorker::Returned(buffer)) {
            // Nowhere to put it: it is freed here (counted as a lost capture).
            drop(buffer);
            self.lost += 1;
        }
    }

    /// Takes the worker's empty buffers and any states sent for a request
    /// that is over.
    fn refill(&mut self) {
        while self.pool.len() < self.pool.capacity()
            && let Ok(buffer) = self.empties.pop()
        {
            self.pool.push(buffer);
        }
        let current = self.history.as_ref().map(|h| h.generation);
        while current.is_none()
            && let Ok(older) = self.olders.pop()
        {
            if let Some(buffer) = older.state {
                self.give_back(buffer);
            }
        }
    }

    /// A new game: forget the history; `seed` (buffers sized for the new
    /// game, made with it) goes to the front of the pool so its first
    /// captures are kept.
    pub fn clear(&mut self, state_len: usize, seed: &mut Vec<Vec<u8>>) {
        while let Some(buffer) = seed.pop() {
            if self.pool.len() == self.pool.capacity() {
                // Make room: an older buffer goes back to the worker.
                let old = self.pool.swap_remove(0);
                self.send(ToWorker::Returned(old));
            }
            // On top: taken first.
            self.pool.push(buffer);
        }
        if let Some(history) = self.history.take() {
            for (_, buffer) in [history.base, history.next, history.after].into_iter().flatten() {
                self.give_back(buffer);
            }
        }
        self.send(ToWorker::Clear { state_len });
    }

    /// Frames to keep (0 stops recording).
    pub fn set_length(&mut self, frames: u32) {
        self.recording = frames > 0;
        self.frames = u64::from(frames);
        self.send(ToWorker::Length { frames: frames as usize });
    }

    /// Keeps the state `fill` writes (at most `len` bytes) as the newest;
    /// ends going back first (the history after the state played from is
    /// cut off).
    pub fn capture(&mut self, len: usize, fill: impl FnOnce(&mut Vec<u8>)) {
        if !self.recording {
            return;
        }
        let started = Instant::now();
        self.end_history();
        self.refill();
        let mut buffer = loop {
            match self.pool.pop() {
                None => {
                    self.lost += 1;
                    return;
                }
                Some(buffer) if buffer.capacity() >= len => break buffer,
                Some(small) => {
                    // Sized for another game: the worker replaces it.
                    self.send(ToWorker::Returned(small));
                }
            }
        };
        fill(&mut buffer);
        let seq = self.next_seq;
        if self.send(ToWorker::Captured { seq, state: buffer }) {
            self.next_seq += 1;
        } else {
            self.lost += 1;
        }
        self.capture_ns = started.elapsed().as_nanos() as u64;
    }

    /// Whether going back (rewinding or stepping back) is under way.
    pub fn in_history(&self) -> bool {
        self.history.is_some()
    }

    /// Starts going back: states at or before `back` captures before the
    /// newest (0: the newest itself) will come, newest first.
    pub fn begin_history(&mut self, back: u64) {
        if self.history.is_some() || !self.recording {
            return;
        }
        self.refill();
        self.generation = self.generation.wrapping_add(1);
        let Some(from) = self.next_seq.checked_sub(1 + back) else {
            self.history = Some(History::new(self.generation, true));
            return;
        };
        self.history = Some(History::new(self.generation, false));
        self.send(ToWorker::Rewind { generation: self.generation, from });
    }

    /// Takes what the worker sent for this request, up to two states ahead.
    fn collect(&mut self) {
        loop {
            let Some(history) = self.history.as_ref() else { return };
            if history.exhausted || history.after.is_some() {
                return;
            }
            let Ok(older) = self.olders.pop() else { return };
            let history = self.history.as_mut().expect("checked");
            if older.generation != history.generation {
                if let Some(buffer) = older.state {
                    self.give_back(buffer);
                }
                continue;
            }
            match older.state {
                Some(state) if history.next.is_none() => history.next = Some((older.seq, state)),
                Some(state) => history.after = Some((older.seq, state)),
                None => history.exhausted = true,
            }
        }
    }

    /// Moves back one state: the next older becomes the base. The one
    /// before that is needed too (its frame draws the picture), unless
    /// there is none.
    pub fn step_older(&mut self) -> Result<StepOlder<'_>, NoOlder> {
        if self.history.is_none() {
            return Err(NoOlder::NotReady);
        }
        self.collect();
        let history = self.history.as_mut().expect("checked");
        if history.next.is_none() && history.exhausted {
            history.at_start = true;
            return Err(NoOlder::AtStart);
        }
        if history.next.is_none() || (history.after.is_none() && !history.exhausted) {
            self.starved += 1;
            return Err(NoOlder::NotReady);
        }
        let next = history.next.take();
        history.next = history.after.take();
        if let Some((_, buffer)) = std::mem::replace(&mut history.base, next) {
            self.give_back(buffer);
        }
        let history = self.history.as_ref().expect("checked");
        Ok(StepOlder {
            state: &history.base.as_ref().expect("just set").1,
            previous: history.next.as_ref().map(|(_, b)| &b[..]),
        })
    }

    /// The state going back last reached.
    pub fn base(&self) -> Option<&[u8]> {
        self.history.as_ref()?.base.as_ref().map(|(_, b)| &b[..])
    }

    /// Plays on from the base (or from where going back began, if it never
    /// got a state): the worker cuts off what is after it.
    pub fn end_history(&mut self) {
        let Some(history) = self.history.take() else { return };
        for (_, buffer) in [history.next, history.after].into_iter().flatten() {
            self.give_back(buffer);
        }
        let keep = match history.base {
            Some((seq, buffer)) => {
                self.give_back(buffer);
                seq
            }
            None => self.next_seq.wrapping_sub(1),
        };
        self.send(ToWorker::Resume { keep });
        self.next_seq = keep.wrapping_add(1);
    }

    /// Stops going back without playing on from it (the machine was put
    /// back as it was): nothing is cut off.
    pub fn cancel_history(&mut self) {
        let Some(history) = self.history.take() else { return };
        for (_, buffer) in [history.base, history.next, history.after].into_iter().flatten() {
            self.give_back(buffer);
        }
        self.send(ToWorker::Resume { keep: self.next_seq.wrapping_sub(1) });
    }

    pub fn figures(&self, rewinding: bool) -> RewindFigures {
        let compressed = self.shared.compressed.load(Ordering::Relaxed).max(1);
        RewindFigures {
            recording: self.recording,
            rewinding,
            capacity_frames: self.frames,
            frames: self.shared.frames.load(Ordering::Relaxed),
            bytes: self.shared.bytes.load(Ordering::Relaxed),
            keyframes: self.shared.keyframes.load(Ordering::Relaxed),
            compress_ns: self.shared.compress_ns.load(Ordering::Relaxed) / compressed,
            capture_ns: self.capture_ns,
            lost: self.lost,
            starved: self.starved,
            at_start: self.history.as_ref().is_some_and(|h| h.at_start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(i: u64, len: usize) -> Vec<u8> {
        // Mostly constant, a few bytes moving each frame, like a game.
        let mut s = vec![0u8; len];
        for (j, b) in s.iter_mut().enumerate() {
            *b = (j as u8).wrapping_mul(7);
        }
        s[100..108].copy_from_slice(&i.to_le_bytes());
        s[(i as usize * 13) % len] ^= 0x5A;
        s
    }

    #[test]
    fn every_state_comes_back_exactly_and_the_length_is_bounded() {
        let len = 40_000;
        let mut store = Store::new(300);
        for i in 0..1000 {
            store.push(i, &state(i, len));
        }
        assert!(store.len() <= 300 && store.len() > 300 - KEY_INTERVAL, "{}", store.len());
        let (oldest, newest) = store.span().unwrap();
        assert_eq!(newest, 999);
        assert!(store.keyframes() >= store.len() / KEY_INTERVAL);
        let mut out = Vec::new();
        for i in (oldest..=newest).rev() {
            assert_eq!(store.get(i, &mut out), Some(i));
            assert!(out == state(i, len), "state {i}");
        }
        assert_eq!(store.get(oldest - 1, &mut out), None, "nothing before the oldest");
        assert!(store.bytes() < store.len() * len / 20, "compressed: {} bytes for {} states", store.bytes(), store.len());
    }

    #[test]
    fn cutting_off_the_future_then_recording_goes_on_from_there() {
        let len = 5_000;
        let mut store = Store::new(1000);
        for i in 0..200 {
            store.push(i, &state(i, len));
        }
        store.truncate_after(130);
        assert_eq!(store.span(), Some((0, 130)));
        for i in 131..150 {
            store.push(i, &state(i + 10_000, len));
        }
        let mut out = Vec::new();
        store.get(140, &mut out);
        assert!(out == state(10_140, len), "the new timeline");
        store.get(125, &mut out);
        assert!(out == state(125, len), "the old one before the cut");
    }
}
