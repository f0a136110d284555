//! `phosphor headless ROM --realtime --seconds S`: the game on the real
//! emulation thread, paced in real time, with a simulated sound card that
//! takes 5 ms periods on its own clock, or (`--audio real`) the default
//! device through the sound server, the whole path measured from the
//! server's output; prints one line of figures.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use phosphor_rt::stats::Summary;
use phosphor_audio::{LatencyProbe, ProbePlan, ProbeResult};
use phosphor_rt::{Config, Event, Game, Runtime, SimulatedDevice};

use crate::cli::{AudioArg, HeadlessArgs};
use crate::headless::load_cart;
use crate::EXIT_BAD_INPUT;

/// A sound card's period.
const DEVICE_PERIOD: Duration = Duration::from_millis(5);

/// How often `--audio real` clicks to measure (a millisecond of sound
/// replaced four times a second).
const CLICK_EVERY: Duration = Duration::from_millis(250);

/// `--audio real` clicks from two seconds in: before, the device is
/// starting (its first calls, a pause) and the lead is being learnt.
const PROBE_WARMUP: Duration = Duration::from_secs(2);

/// After `--audio-latency-then` changes the lead, the clicks of this long
/// are left out: rate control is taking the fill to its new level.
const LEAD_SETTLE: Duration = Duration::from_secs(2);

/// Where the sound goes.
enum Device {
    Simulated(SimulatedDevice),
    Real {
        output: Box<phosphor_audio::DeviceOutput>,
        report: phosphor_audio::SoundReport,
        stream: phosphor_audio::StreamHandle,
        probe: LatencyProbe,
    },
}

/// What the real device and its probe found.
struct Heard {
    samples: u64,
    probe: Option<(phosphor_audio::SoundReport, Option<u8>, Result<ProbeResult, phosphor_audio::ProbeError>)>,
}

impl Device {
    fn start(runtime: &mut Runtime, args: &HeadlessArgs) -> Result<Option<Device>, String> {
        let marker = runtime.sound_marker();
        let Some(audio) = runtime.take_audio() else { return Ok(None) };
        if args.audio == AudioArg::Simulated {
            return Ok(Some(Device::Simulated(SimulatedDevice::start(audio, DEVICE_PERIOD))));
        }
        let (output, report) = phosphor_audio::open_device(audio, args.device_buffer);
        let output = match (output, &report.silent) {
            (Some(output), None) => output,
            (_, why) => return Err(format!("--audio real: {}", why.as_deref().unwrap_or("no sound output"))),
        };
        let plan = ProbePlan {
            every: CLICK_EVERY,
            count: None,
            rate: report.sample_rate,
            warmup: PROBE_WARMUP,
            ..ProbePlan::default()
        };
        let probe = LatencyProbe::start(marker, plan).map_err(|e| format!("--audio real: {e}"))?;
        let stream = output.stream.clone();
        Ok(Some(Device::Real { output: Box::new(output), report, stream, probe }))
    }

    fn stop(self) -> Heard {
        match self {
            Device::Simulated(device) => Heard { samples: device.stop() as u64, probe: None },
            Device::Real { output, report, stream, probe } => {
                let result = probe.finish();
                let samples = stream.played();
                let priority = stream.callback_priority();
                drop(output);
                Heard { samples, probe: Some((report, priority, result)) }
            }
        }
    }
}

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
        audio_latency_max: Duration::from_millis(args.audio_latency_max_ms),
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
    let device = match Device::start(&mut runtime, args) {
        Ok(device) => device,
        Err(message) => {
            eprintln!("phosphor: {message}");
            drop(runtime.shutdown());
            return ExitCode::FAILURE;
        }
    };
    let mut frames = runtime.take_frames().expect("a new runtime has its frame reader");

    let mut summary = Summary::default();
    let (mut last_frame, mut held) = (0, 0u8);
    let run_for = Duration::from_secs_f64(args.seconds.max(0.0));
    let started = Instant::now();
    let mut change = args.audio_latency_then.map(|(ms, at)| (Duration::from_millis(ms), Duration::from_secs_f64(at)));
    let mut changed_at = None;
    while started.elapsed() < run_for {
        if let Some((lead, at)) = change
            && started.elapsed() >= at
        {
            let max = lead.max(Duration::from_millis(args.audio_latency_max_ms));
            runtime.set_audio_lead(lead, max);
            changed_at = Some(Instant::now());
            change = None;
        }
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
    let heard = device.map(Device::stop);
    let audio = runtime.audio_stats();
    drop(runtime.shutdown());

    let ms = |ns: u64| ns as f64 / 1e6;
    let us = |ns: u64| ns as f64 / 1e3;
    let (intervals, work, jitter, latency) =
        (summary.intervals(), summary.work(), summary.jitter(), summary.input_latency());
    let mut line = format!(
        "frames={} deadline_misses={} resyncs={} frame_ms_p50={:.3} frame_ms_p99={:.3} frame_ms_p999={:.3} \
         frame_ms_max={:.3} pacing_jitter_us_p99={:.1} pacing_jitter_us_max={:.1} work_ms_p50={:.3} \
         work_ms_p99={:.3} work_ms_max={:.3} audio_underruns={} audio_underruns_settling={} audio_ring_fill_min={} audio_ring_fill_max={} \
         audio_overruns={} audio_ratio={:.5} audio_samples_played={}",
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
        audio.underruns_settling,
        if audio.fill_min == usize::MAX { 0 } else { audio.fill_min },
        audio.fill_max,
        status.audio.overruns,
        status.audio.ratio,
        heard.as_ref().map_or(0, |h| h.samples),
    );
    let per_ms = f64::from(args.sample_rate) / 1000.0;
    line += &format!(
        " audio_lead_ms={:.1} audio_lead_raises={} audio_drains={} audio_drained_samples={} audio_periods={} \
         audio_periods_short_pct={:.3}",
        audio.lead as f64 / per_ms,
        audio.raises,
        audio.drains,
        audio.drained_samples,
        audio.callbacks,
        audio.short_percent(),
    );
    if let Some((report, priority, result)) = heard.and_then(|h| h.probe) {
        line += &format!(
            " audio_device_rate={} audio_device_buffer={} audio_callback_priority={} audio_server_threads_raised={}",
            report.sample_rate,
            report.device_buffer.map_or("default".to_string(), |f| f.to_string()),
            priority.map_or("normal".to_string(), |p| format!("fifo:{p}")),
            report.server_threads,
        );
        match result {
            Ok(probe) => {
                let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
                line += &format!(
                    " audio_latency_ms={:.2} audio_device_ms={:.2} audio_latency_ms_p95={:.2} audio_latency_ms_min={:.2} \
                     audio_latency_ms_max={:.2} audio_latency_clicks={} audio_latency_missed={} audio_recorded_s={:.1}",
                    ms(probe.median()),
                    ms(probe.device_median()),
                    ms(probe.quantile(0.95)),
                    ms(probe.quantile(0.0)),
                    ms(probe.max()),
                    probe.latencies.len(),
                    probe.missed(),
                    probe.recorded_s,
                );
                if let Some(at) = changed_at {
                    let far = at + Duration::from_secs(3600);
                    let (before, after) = (probe.between(started, at), probe.between(at + LEAD_SETTLE, far));
                    line += &format!(
                        " audio_latency_ms_before={:.2} audio_latency_ms_after={:.2} audio_latency_clicks_before={} \
                         audio_latency_clicks_after={} audio_device_ms_before={:.2} audio_device_ms_after={:.2}",
                        ms(before.median()),
                        ms(after.median()),
                        before.latencies.len(),
                        after.latencies.len(),
                        ms(before.device_median()),
                        ms(after.device_median()),
                    );
                }
            }
            Err(e) => eprintln!("phosphor: --audio real: the latency was not measured: {e}"),
        }
    }
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
