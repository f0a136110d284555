//! `phosphor headless ROM --realtime --seconds S`: the game on the real
//! emulation thread, paced in real time, with a simulated sound card that
//! takes 5 ms periods on its own clock; prints one line of figures.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use phosphor_rt::stats::Summary;
use phosphor_rt::{Config, Event, Game, Runtime, SimulatedDevice};

use crate::cli::HeadlessArgs;
use crate::headless::load_cart;
use crate::EXIT_BAD_INPUT;

/// A sound card's period.
const DEVICE_PERIOD: Duration = Duration::from_millis(5);

pub fn run(args: &HeadlessArgs) -> ExitCode {
    let cart = match load_cart(&args.rom, args.load_options()) {
        Ok(cart) => cart,
        Err(message) => {
            eprintln!("phosphor: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let config = Config {
        realtime_priority: (args.rt_priority > 0).then_some(args.rt_priority),
        sample_rate: args.sample_rate,
        audio_latency: Duration::from_millis(args.audio_latency_ms),
        rewind_frames: if args.rewind { Config::default().rewind_frames } else { 0 },
        ..Config::default()
    };
    let mut runtime = match Runtime::spawn(config, Some(Game::new(cart, args.ram_init))) {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("phosphor: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.run_ahead > 0
        && let Some(reply) = runtime.call(phosphor_rt::Command::SetRunAhead(args.run_ahead), Duration::from_secs(2))
        && let Err(e) = reply.result
    {
        eprintln!("phosphor: run-ahead: {e}");
    }
    let device = runtime.take_audio().map(|audio| SimulatedDevice::start(audio, DEVICE_PERIOD));
    let mut frames = runtime.take_frames().expect("a new runtime has its frame reader");

    let mut summary = Summary::default();
    let (mut last_frame, mut held) = (0, 0u8);
    let run_for = Duration::from_secs_f64(args.seconds.max(0.0));
    let started = Instant::now();
    while started.elapsed() < run_for {
        std::thread::sleep(Duration::from_millis(2));
        runtime.drain_records(|r| summary.add(r));
        while let Some(event) = runtime.try_event() {
            match event {
                Event::Started(setup) => {
                    for refusal in &setup.refused {
                        eprintln!("phosphor: running without {refusal}");
                    }
                }
                Event::Panicked(report) => {
                    eprintln!("phosphor: the emulation stopped at frame {}: {}", report.frame, report.message());
                    return ExitCode::from(70);
                }
                Event::Stopped(_) => {}
            }
        }
        let frame = frames.read().number;
        debug_assert!(frame >= last_frame, "frames arrive in order");
        last_frame = frame;
        // --press ranges are console frames, as in the stepped mode.
        let buttons = args.press.iter().filter(|p| (p.from..=p.to).contains(&frame)).fold(0, |b, p| b | p.buttons);
        if buttons != held && runtime.input().is_some_and(|input| input.send(0, buttons)) {
            held = buttons;
        }
    }
    let status = *runtime.status();
    runtime.drain_records(|r| summary.add(r));
    let heard = device.map_or(0, SimulatedDevice::stop);
    let audio = runtime.audio_stats();
    drop(runtime.shutdown());

    let ms = |ns: u64| ns as f64 / 1e6;
    let us = |ns: u64| ns as f64 / 1e3;
    let (intervals, work, jitter, latency) =
        (summary.intervals(), summary.work(), summary.jitter(), summary.input_latency());
    let mut line = format!(
        "frames={} deadline_misses={} resyncs={} frame_ms_p50={:.3} frame_ms_p99={:.3} frame_ms_p999={:.3} \
         frame_ms_max={:.3} pacing_jitter_us_p99={:.1} pacing_jitter_us_max={:.1} work_ms_p50={:.3} \
         work_ms_p99={:.3} work_ms_max={:.3} audio_underruns={} audio_ring_fill_min={} audio_ring_fill_max={} \
         audio_overruns={} audio_ratio={:.5} audio_samples_played={heard}",
        summary.frames,
        summary.deadline_misses,
        summary.resyncs,
        ms(intervals.p50),
        ms(intervals.p99),
        ms(intervals.p999),
        ms(intervals.max),
        us(jitter.p99),
        us(jitter.max),
        ms(work.p50),
        ms(work.p99),
        ms(work.max),
        audio.underruns,
        if audio.fill_min == usize::MAX { 0 } else { audio.fill_min },
        audio.fill_max,
        status.audio.overruns,
        status.audio.ratio,
    );
    if latency.count > 0 {
        line += &format!(" input_latency_ms_p50={:.3} input_latency_ms_max={:.3}", ms(latency.p50), ms(latency.max));
    }
    let allocations = status.rt_heap_calls.map_or("unknown".to_string(), |n| n.to_string());
    let pinned = status.pinned_core.map_or("none".to_string(), |c| c.to_string());
    line += &format!(
        " rt_allocations={allocations} priority={} pinned_core={pinned} memory_locked={} lost_records={}",
        status.priority, status.memory_locked, status.lost.records
    );
    line += &format!(" run_ahead={} run_ahead_reruns={}", status.run_ahead, status.run_ahead_reruns);
    if args.rewind {
        let r = &status.rewind;
        line += &format!(
            " rewind_frames={} rewind_bytes={} rewind_capture_us={:.1} rewind_lost={}",
            r.frames,
            r.bytes,
            r.capture_ns as f64 / 1000.0,
            r.lost
        );
    }
    println!("{line}");
    ExitCode::SUCCESS
}
