//! The handle the rest of the program holds: it spawns the emulation
//! thread with every channel, sends commands, and reads what comes back.
//! Parts that belong elsewhere are taken out of it: the frame reader (to
//! the renderer), the audio output (to the device callback), the input
//! sender (to the input system).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use phosphor_nes::debug::TraceEntry;
use rtrb::{Consumer, Producer, RingBuffer};

use crate::audio::{AudioInput, AudioOutput, AudioShared, AudioStats, SoundMarker};
use crate::command::{Command, CommandId, Envelope, Reply};
use crate::config::Config;
use crate::emulator::{Channels, Emulator, Garbage};
use crate::frame::{Frame, FrameReader};
use crate::game::Game;
use crate::input::{InputSender, LiveInput};
use crate::telemetry::{Event, FrameRecord, Status};

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("could not start the emulation thread: {0}")]
    Thread(#[from] std::io::Error),
    #[error("the audio ring ({capacity} samples) must hold the latency ({latency} samples) and a frame more")]
    AudioRing { capacity: usize, latency: usize },
}

/// The emulation thread and the frontend's ends of its channels.
#[derive(Debug)]
pub struct Runtime {
    commands: Producer<Envelope>,
    next_id: CommandId,
    replies: Consumer<Reply>,
    /// Replies read while waiting for another one.
    early: VecDeque<Reply>,
    events: Consumer<Event>,
    records: Consumer<FrameRecord>,
    garbage: Consumer<Garbage>,
    /// Items from the garbage ring freed so far.
    freed: u64,
    status: triple_buffer::Output<Status>,
    input: Option<InputSender>,
    live: Arc<LiveInput>,
    frames: Option<FrameReader>,
    audio: Option<AudioOutput>,
    audio_shared: Arc<AudioShared>,
    sample_rate: u32,
    audio_capacity: usize,
    trace: Option<Consumer<TraceEntry>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Option<Box<Game>>>>,
    /// The rewind history's compressor, stopped after the emulation thread.
    rewind_worker: Option<crate::rewind::RewindWorker>,
}

impl Runtime {
    /// Starts the emulation thread, running `game` if there is one (or
    /// waiting for `Command::LoadGame`).
    pub fn spawn(config: Config, game: Option<Box<Game>>) -> Result<Runtime, SpawnError> {
        let live = Arc::new(LiveInput::default());
        let sizes = config.rings;
        let latency = config.samples(config.audio_latency);
        let capacity = config.samples(config.audio_capacity);
        let frame_samples = (config.sample_rate / 50) as usize;
        if capacity < latency + frame_samples {
            return Err(SpawnError::AudioRing { capacity, latency });
        }
        let (command_tx, command_rx) = RingBuffer::new(sizes.commands);
        let (reply_tx, reply_rx) = RingBuffer::new(sizes.replies);
        let (input_tx, input_rx) = RingBuffer::new(sizes.input);
        let (event_tx, event_rx) = RingBuffer::new(sizes.events);
        let (record_tx, record_rx) = RingBuffer::new(sizes.records);
        let (garbage_tx, garbage_rx) = RingBuffer::new(sizes.garbage);
        let (audio_tx, audio_rx) = RingBuffer::new(capacity);
        let (trace_tx, trace_rx) = RingBuffer::new(sizes.trace);
        let (frame_in, frame_out) = triple_buffer::triple_buffer(&Frame::blank());
        let (status_in, status_out) = triple_buffer::triple_buffer(&Status::default());
        let latency_max = config.samples(config.audio_latency_max).max(latency);
        if capacity < latency_max + frame_samples {
            return Err(SpawnError::AudioRing { capacity, latency: latency_max });
        }
        let audio_shared = Arc::new(AudioShared::new(latency, latency_max, config.sample_rate));
        let stop = Arc::new(AtomicBool::new(false));
        let (rewind, rewind_worker) = crate::rewind::spawn(config.rewind_frames as usize)?;

        let channels = Channels {
            commands: command_rx,
            replies: reply_tx,
            input: input_rx,
            live: Arc::clone(&live),
            frames: frame_in,
            status: status_in,
            records: record_tx,
            events: event_tx,
            garbage: garbage_tx,
            trace: trace_tx,
            audio: AudioInput::new(audio_tx, Arc::clone(&audio_shared), latency, config.sample_rate),
            rewind,
        };
        let name = config.thread_name.clone();
        let sample_rate = config.sample_rate;
        let emulator = Emulator::new(config, channels, Arc::clone(&stop), game);
        let thread = std::thread::Builder::new().name(name).spawn(move || emulator.run())?;

        Ok(Runtime {
            commands: command_tx,
            next_id: 1,
            replies: reply_rx,
            early: VecDeque::new(),
            events: event_rx,
            records: record_rx,
            garbage: garbage_rx,
            freed: 0,
            status: status_out,
            input: Some(InputSender::new(input_tx)),
            live,
            frames: Some(frame_out),
            audio: Some(AudioOutput::new(audio_rx, Arc::clone(&audio_shared), sample_rate)),
            trace: Some(trace_rx),
            audio_shared,
            sample_rate,
            audio_capacity: capacity,
            stop,
            thread: Some(thread),
            rewind_worker: Some(rewind_worker),
        })
    }

    /// Queues a command; its reply will carry the returned id. A full
    /// command ring hands the command back.
    #[allow(clippy::result_large_err)] // the command comes back whole, to be sent again
    pub fn send(&mut self, command: Command) -> Result<CommandId, Command> {
        let id = self.next_id;
        match self.commands.push(Envelope { id, command }) {
            Ok(()) => {
                self.next_id += 1;
                Ok(id)
            }
            Err(rtrb::PushError::Full(envelope)) => Err(envelope.command),
        }
    }

    /// The next reply, if one has come.
    pub fn try_reply(&mut self) -> Option<Reply> {
        self.collect_garbage();
        self.early.pop_front().or_else(|| self.replies.pop().ok())
    }

    /// Waits (polling every half millisecond) for the reply to `id`;
    /// replies to other commands stay queued for `try_reply`. `None` if it
    /// does not come within `timeout` or the thread has ended.
    pub fn wait_reply(&mut self, id: CommandId, timeout: Duration) -> Option<Reply> {
        if let Some(i) = self.early.iter().position(|r| r.id == id) {
            return self.early.remove(i);
        }
        let deadline = Instant::now() + timeout;
        loop {
            self.collect_garbage();
            while let Ok(reply) = self.replies.pop() {
                if reply.id == id {
                    return Some(reply);
                }
                self.early.push_back(reply);
            }
            if Instant::now() >= deadline || !self.is_alive() {
                return None;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// Sends a command and waits for its reply.
    pub fn call(&mut self, command: Command, timeout: Duration) -> Option<Reply> {
        let id = self.send(command).ok()?;
        self.wait_reply(id, timeout)
    }

    pub fn try_event(&mut self) -> Option<Event> {
        self.events.pop().ok()
    }

    /// Hands every waiting per-frame record to `f`; returns how many.
    pub fn drain_records(&mut self, mut f: impl FnMut(&FrameRecord)) -> usize {
        let mut n = 0;
        while let Ok(record) = self.records.pop() {
            f(&record);
            n += 1;
        }
        n
    }

    /// The newest status the thread published.
    pub fn status(&mut self) -> &Status {
        self.status.read()
    }

    /// The device side's figures (underruns, fill seen by the callback).
    pub fn audio_stats(&self) -> AudioStats {
        self.audio_shared.stats()
    }

    pub fn input(&mut self) -> Option<&mut InputSender> {
        self.input.as_mut()
    }

    /// The buttons a device thread sets for the emulation thread to read
    /// directly (see [`LiveInput`]).
    pub fn live_input(&self) -> &Arc<LiveInput> {
        &self.live
    }

    pub fn take_input(&mut self) -> Option<InputSender> {
        self.input.take()
    }

    pub fn frames(&mut self) -> Option<&mut FrameReader> {
        self.frames.as_mut()
    }

    pub fn take_frames(&mut self) -> Option<FrameReader> {
        self.frames.take()
    }

    /// Sets the sound ring's lead (and how far near-underruns may raise it)
    /// while it plays, within what the ring holds; returns the lead set.
    /// Rate control takes the fill there at its pace (a lower lead counts
    /// as a backlog: a second or so).
    pub fn set_audio_lead(&self, lead: Duration, max: Duration) -> Duration {
        let rate = f64::from(self.sample_rate);
        let frame = (self.sample_rate / 50) as usize;
        let limit = self.audio_capacity.saturating_sub(frame);
        let lead_samples = ((lead.as_secs_f64() * rate).round() as usize).min(limit);
        let max_samples = ((max.as_secs_f64() * rate).round() as usize).clamp(lead_samples, limit);
        self.audio_shared.set_lead(lead_samples, max_samples);
        Duration::from_secs_f64(lead_samples as f64 / rate)
    }

    /// Asks for clicks in the sound and tells when each went into the ring.
    pub fn sound_marker(&self) -> SoundMarker {
        SoundMarker::new(Arc::clone(&self.audio_shared))
    }

    pub fn take_audio(&mut self) -> Option<AudioOutput> {
        self.audio.take()
    }

    /// The trace ring's reading end: executed instructions, oldest first,
    /// while `DebugRequest::Trace` has tracing on.
    pub fn take_trace(&mut self) -> Option<TraceReader> {
        self.trace.take().map(TraceReader)
    }

    /// Frees what the thread handed back (replaced games, unsent replies);
    /// every call that reads replies does this too.
    pub fn collect_garbage(&mut self) -> usize {
        let mut n = 0;
        while self.garbage.pop().is_ok() {
            n += 1;
        }
        self.freed += n as u64;
        n
    }

    /// Items the thread handed back that were freed here, in all.
    pub fn freed(&self) -> u64 {
        self.freed
    }

    /// Whether the emulation thread is still running.
    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the thread and hands back the game it was running.
    pub fn shutdown(mut self) -> Option<Box<Game>> {
        self.stop_thread()
    }

    fn stop_thread(&mut self) -> Option<Box<Game>> {
        self.stop.store(true, Ordering::Release);
        let game = self.thread.take()?.join().ok().flatten();
        self.rewind_worker.take();
        self.collect_garbage();
        game
    }
}

/// The reading end of the trace ring.
#[derive(Debug)]
pub struct TraceReader(Consumer<TraceEntry>);

impl TraceReader {
    /// The next traced instruction, if one is waiting.
    pub fn pop(&mut self) -> Option<TraceEntry> {
        self.0.pop().ok()
    }

    /// Hands up to `max` waiting entries to `f`, oldest first; returns how many.
    pub fn drain(&mut self, max: usize, mut f: impl FnMut(TraceEntry)) -> usize {
        let mut n = 0;
        while n < max
            && let Ok(entry) = self.0.pop()
        {
            f(entry);
            n += 1;
        }
        n
    }

    /// Entries waiting.
    pub fn waiting(&self) -> usize {
        self.0.slots()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop_thread();
    }
}
