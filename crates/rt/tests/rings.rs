//! Stress tests of the lock-free channels with the runtime's own item
//! types: a producer and a consumer thread exchange millions of stamped
//! items; nothing may be lost, duplicated or reordered, and no frame read
//! from the triple buffer may be torn.

mod common;

use std::time::{Duration, Instant};

use phosphor_rt::{detached_audio, Command, Config, DebugRequest, Frame, FrameRecord, InputEvent, Runtime};

/// Pushes `n` items made by `make` through a ring of `capacity` and checks
/// that the consumer sees sequence numbers 0, 1, 2... (`seq` reads one).
fn exchange<T: Send + 'static>(
    n: u64,
    capacity: usize,
    make: impl Fn(u64) -> T + Send + 'static,
    seq: impl Fn(&T) -> u64,
) {
    let (mut tx, mut rx) = rtrb::RingBuffer::new(capacity);
    let producer = std::thread::spawn(move || {
        for i in 0..n {
            let mut item = make(i);
            loop {
                match tx.push(item) {
                    Ok(()) => break,
                    Err(rtrb::PushError::Full(back)) => {
                        item = back;
                        std::hint::spin_loop();
                    }
                }
            }
        }
    });
    let mut expected = 0;
    while expected < n {
        match rx.pop() {
            Ok(item) => {
                assert_eq!(seq(&item), expected, "lost, duplicated or reordered");
                expected += 1;
            }
            Err(_) => std::hint::spin_loop(),
        }
    }
    producer.join().unwrap();
    assert!(rx.pop().is_err(), "nothing after the last item");
}

#[test]
fn input_ring_carries_millions_of_stamped_events_in_order() {
    let base = Instant::now();
    exchange(
        2_000_000,
        256,
        move |i| InputEvent { port: (i & 1) as u8, buttons: (i >> 1) as u8, stamp: base + Duration::from_nanos(i), source: 0 },
        move |e| {
            let i = e.stamp.duration_since(base).as_nanos() as u64;
            assert_eq!((e.port, e.buttons), ((i & 1) as u8, (i >> 1) as u8), "fields travel together");
            i
        },
    );
}

#[test]
fn record_ring_carries_millions_of_records_in_order() {
    exchange(
        2_000_000,
        4096,
        |i| FrameRecord {
            frame: i,
            interval_ns: i * 3,
            pacing_error_ns: -(i as i64),
            work_ns: i,
            missed: i % 7 == 0,
            resynced: false,
            audio_fill: i as u32,
            input_latency_ns: (i % 2 == 0).then_some(i),
        },
        |r| {
            assert_eq!((r.interval_ns, r.work_ns, r.missed), (r.frame * 3, r.frame, r.frame % 7 == 0));
            r.frame
        },
    );
}

/// The audio ring end to end: a producer pushing a frame's worth at a time
/// (as the emulation thread does) and the device end popping 5 ms periods
/// through `AudioOutput::fill`. Every sample that comes out continues the
/// sequence; gaps (underruns) are silence the output says it added.
#[test]
fn audio_ring_delivers_millions_of_samples_in_order() {
    const N: u32 = 4_000_000;
    let (mut feed, mut out) = detached_audio(48_000, 8192, 1024);
    let producer = std::thread::spawn(move || {
        let mut next = 0u32;
        let mut chunk = [0f32; 800];
        while next < N {
            let len = chunk.len().min((N - next) as usize);
            for (k, s) in chunk[..len].iter_mut().enumerate() {
                *s = ((next + k as u32) % (1 << 24)) as f32;
            }
            let pushed = feed.push(&chunk[..len]);
            next += pushed as u32;
            if pushed < len {
                std::thread::yield_now();
            }
        }
    });
    let mut period = [0f32; 240];
    let mut expected = 0u32;
    while expected < N {
        let n = out.fill(&mut period);
        for &s in &period[..n] {
            assert_eq!(s, (expected % (1 << 24)) as f32, "sample {expected}");
            expected += 1;
        }
        if n == 0 {
            std::thread::yield_now();
        }
    }
    producer.join().unwrap();
    let stats = out.stats();
    assert!(stats.callbacks > u64::from(N) / 240, "{stats:?}");
}

/// Frames carry their number and, in `rom_hash`, a checksum of their pixels:
/// the reader recomputes it on every read while the writer publishes as
/// fast as it can.
#[test]
fn the_frame_triple_buffer_never_shows_a_torn_frame() {
    fn checksum(pixels: &[u16]) -> u64 {
        pixels.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &p| (h ^ u64::from(p)).wrapping_mul(0x100_0000_01b3))
    }
    const FRAMES: u64 = 20_000;
    let (mut input, mut output) = triple_buffer::triple_buffer(&Frame::blank());
    let writer = std::thread::spawn(move || {
        for n in 1..=FRAMES {
            let frame = input.input_buffer_mut();
            frame.number = n;
            let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            for p in frame.pixels.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *p = (x & 0x1FF) as u16;
            }
            frame.rom_hash = checksum(&frame.pixels[..]);
            input.publish();
        }
    });
    let (mut last, mut reads) = (0, 0u64);
    while last < FRAMES {
        if output.update() {
            let frame = output.output_buffer();
            assert_eq!(checksum(&frame.pixels[..]), frame.rom_hash, "frame {} is torn", frame.number);
            assert!(frame.number > last, "frame {} after {last}", frame.number);
            last = frame.number;
            reads += 1;
        }
    }
    writer.join().unwrap();
    assert!(reads > 10, "the reader kept up now and then ({reads} reads)");
}

/// Commands and replies through the real thread: every command is answered
/// once, in order, with a ring far smaller than the number in flight.
#[test]
fn every_command_is_answered_once_in_order() {
    let game = phosphor_rt::Game::from_ines(&common::tiny_rom()).unwrap();
    let mut runtime = Runtime::spawn(Config::unprivileged(), Some(game)).unwrap();
    common::done(&mut runtime, Command::Pause);
    const N: u64 = 100_000;
    let (mut sent, mut answered) = (0u64, 0u64);
    let mut first = None;
    while answered < N {
        while sent < N && runtime.send(Command::Debug(DebugRequest::Registers)).is_ok() {
            sent += 1;
        }
        while let Some(reply) = runtime.try_reply() {
            let first = *first.get_or_insert(reply.id);
            assert_eq!(reply.id, first + answered, "replies in order, none lost or doubled");
            assert!(matches!(reply.result, Ok(phosphor_rt::Done::Registers(_))));
            answered += 1;
        }
        std::thread::yield_now();
    }
    assert!(runtime.try_reply().is_none());
    assert_eq!(runtime.status().lost.replies, 0);
}
