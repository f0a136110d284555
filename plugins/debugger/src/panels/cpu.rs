//! Registers and flags (editable while paused), the call stack and the
//! cycles since the last stop; the watch list; performance.

use bevy_egui::egui;
use phosphor_audio::SoundReport;
use phosphor_nes::debug::CallKind;
use phosphor_rt::{DebugRequest, Priority, RunState};

use super::Ctx;
use crate::model::{compile, Snapshot};
use crate::symbols::Place;

pub(crate) fn registers(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let status = cx.telemetry.status;
    let paused = status.state == RunState::Paused;
    let live = status.cpu;
    let state = &mut *cx.state;
    if !paused {
        state.edit = None;
    }
    let mut r = state.edit.unwrap_or(live);
    let mut changed = false;
    if !paused {
        ui.monospace(format!("PC ${:04X}  A ${:02X}  X ${:02X}  Y ${:02X}  S ${:02X}  P ${:02X}", r.pc, r.a, r.x, r.y, r.s, r.p));
    }
    egui::Grid::new("registers").num_columns(4).show(ui, |ui| {
        if !paused {
            return;
        }
        for (name, value) in [("A", &mut r.a), ("X", &mut r.x), ("Y", &mut r.y), ("S", &mut r.s)] {
            ui.monospace(name);
            changed |= ui.add_enabled(paused, egui::DragValue::new(value).hexadecimal(2, false, true)).changed();
        }
        ui.end_row();
        ui.monospace("PC");
        changed |= ui.add_enabled(paused, egui::DragValue::new(&mut r.pc).hexadecimal(4, false, true)).changed();
        ui.monospace("P");
        changed |= ui.add_enabled(paused, egui::DragValue::new(&mut r.p).hexadecimal(2, false, true)).changed();
        ui.end_row();
    });
    ui.horizontal(|ui| {
        for (bit, name) in "NV-BDIZC".chars().enumerate() {
            let mask = 0x80u8 >> bit;
            if name == '-' || name == 'B' {
                continue;
            }
            let mut on = r.p & mask != 0;
            if ui.add_enabled(paused, egui::Checkbox::new(&mut on, name.to_string())).changed() {
                r.p = (r.p & !mask) | if on { mask } else { 0 };
                changed = true;
            }
        }
    });
    if changed {
        state.edit = Some(r);
    }
    if let Some(edit) = state.edit {
        ui.horizontal(|ui| {
            if ui.button("Apply").clicked() {
                state.send(DebugRequest::SetRegisters(edit));
                state.edit = None;
            }
            if ui.button("Discard").clicked() {
                state.edit = None;
            }
        });
    } else if !paused {
        ui.small("Pause to edit registers.");
    }
    ui.monospace(format!("cycle {}  ({} since the last stop)", live.cpu_cycle, state.cycles_since_stop));
    ui.monospace(format!("frame {}  scanline {}  dot {}{}", live.frame, live.scanline, live.dot, if live.jammed { "  JAMMED" } else { "" }));
    ui.separator();
    ui.strong("Call stack");
    if state.call_stack.is_empty() {
        ui.small("(top level)");
    }
    let name = |addr: u16| {
        let place = status.prg_offset(addr).map_or(Place::Cpu(addr), Place::Prg);
        state.symbols.label(place).map_or_else(|| format!("${addr:04X}"), |l| format!("{l} (${addr:04X})"))
    };
    for frame in state.call_stack.iter().rev() {
        let how = match frame.kind {
            CallKind::Jsr => "JSR",
            CallKind::Brk => "BRK",
            CallKind::Nmi => "NMI",
            CallKind::Irq => "IRQ",
        };
        ui.monospace(format!("{how} {}  from ${:04X}", name(frame.to), frame.from));
    }
}

/// One watch: an expression, or `[addr,count]` for an array of bytes.
fn watch_value(text: &str, cx: &Ctx<'_>) -> Result<String, String> {
    let status = &cx.telemetry.status;
    let state = &*cx.state;
    if state.bus.len() < 0x10000 {
        return Ok("...".into());
    }
    let snapshot = Snapshot { registers: status.cpu, bus: &state.bus };
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']'))
        && let Some((addr, count)) = inner.rsplit_once(',')
    {
        let count: usize = count.trim().parse().map_err(|_| format!("'{}' is not a count", count.trim()))?;
        let start = compile(addr, &state.symbols, status)?.eval(&snapshot) as u16;
        let bytes: Vec<String> = (0..count.min(256)).map(|i| format!("{:02X}", snapshot.bus[usize::from(start.wrapping_add(i as u16))])).collect();
        return Ok(bytes.join(" "));
    }
    let value = compile(t, &state.symbols, status)?.eval(&snapshot);
    Ok(format!("${:02X}  {}  {:+}  %{:08b}", value, value, value as u8 as i8, value as u8))
}

pub(crate) fn watch(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.small("An expression ([addr] byte, {addr} word, registers, labels) or [addr,count]; shown as hex, decimal, signed, binary.");
    let mut remove = None;
    let watches = cx.state.watches.clone();
    for (i, text) in watches.iter().enumerate() {
        ui.horizontal(|ui| {
            if ui.small_button("x").clicked() {
                remove = Some(i);
            }
            let value = watch_value(text, cx).unwrap_or_else(|e| e);
            ui.monospace(format!("{text} = {value}"));
        });
    }
    if let Some(i) = remove {
        cx.state.watches.remove(i);
    }
    ui.horizontal(|ui| {
        let id = ui.id().with("new-watch");
        let mut text = ui.data_mut(|d| d.get_temp::<String>(id).unwrap_or_default());
        let response = ui.add(egui::TextEdit::singleline(&mut text).hint_text("[player_x]").desired_width(160.0));
        if (ui.button("Add").clicked() || response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))) && !text.trim().is_empty() {
            cx.state.watches.push(std::mem::take(&mut text));
        }
        ui.data_mut(|d| d.insert_temp(id, text));
    });
}

pub(crate) fn performance(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let telemetry = cx.telemetry;
    let s = &telemetry.status;
    frame_graph(ui, telemetry);
    ui.monospace(format!("frame {:.2} ms  work {:.2} ms", s.interval.as_secs_f64() * 1e3, s.work.as_secs_f64() * 1e3));
    ui.monospace(format!("pacing {:+.0} us  spin {:.2} ms", s.pacing_error_ns as f64 / 1e3, s.spin_margin.as_secs_f64() * 1e3));
    ui.monospace(format!("deadline misses {}  resyncs {}  speed {:.1}x", s.deadline_misses, s.resyncs, s.speed));
    sound(ui, cx);
    let latency = s.input_latency.map_or("-".into(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3));
    let worst = telemetry.worst_input_latency_ms().map_or("-".into(), |ms| format!("{ms:.1} ms"));
    ui.monospace(format!("input to frame {latency} (worst {worst})"));
    photon(ui, cx);
    let priority = match s.priority {
        Priority::Fifo(p) => format!("SCHED_FIFO {p}"),
        Priority::Normal => "normal priority".into(),
    };
    ui.monospace(format!(
        "thread {priority}, core {}, memory locked {}, heap calls {}",
        s.pinned_core.map_or("any".into(), |c| c.to_string()),
        if s.memory_locked { "yes" } else { "no" },
        s.rt_heap_calls.map_or("-".into(), |n| n.to_string())
    ));
    ui.monospace(format!("trace entries lost {}", s.lost.trace));
    time_control(ui, cx);
}

/// The sound path: the ring's lead and fill, the device, and the latency
/// measured from the sound server's output.
fn sound(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let telemetry = cx.telemetry;
    let (s, a) = (&telemetry.status, &telemetry.audio);
    let per_ms = f64::from(cx.sound.map_or(48_000, |r| r.sample_rate).max(1)) / 1000.0;
    let auto = if a.lead_max > a.lead {
        format!("auto up to {:.0} ms", a.lead_max as f64 / per_ms)
    } else if a.raises > 0 {
        "at its ceiling".to_string()
    } else {
        "fixed".to_string()
    };
    ui.monospace(format!(
        "sound lead {:.1} ms ({auto}, raised {}x)  ring {} / {}  rate {:.4}",
        a.lead as f64 / per_ms,
        a.raises,
        s.audio.fill,
        s.audio.capacity,
        s.audio.ratio
    ));
    ui.monospace(format!(
        "underruns {} ({:.3}% of {} calls)  overruns {}  backlogs dropped {} ({:.0} ms)",
        a.underruns,
        a.short_percent(),
        a.callbacks,
        s.audio.overruns,
        a.drains,
        a.drained_samples as f64 / per_ms
    ));
    match cx.sound {
        Some(SoundReport { silent: Some(why), .. }) => {
            ui.monospace(format!("sound off: {why}"));
            return;
        }
        Some(report) => {
            let buffer = report.device_buffer.map_or("driver's buffer".to_string(), |f| {
                format!("buffer 2 x {f} frames ({:.1} ms)", 2.0 * f64::from(f) / per_ms)
            });
            let priority = cx
                .sound_path
                .and_then(|p| p.stream.callback_priority())
                .map_or("normal priority".to_string(), |p| format!("SCHED_FIFO {p}"));
            ui.monospace(format!(
                "device {} Hz, {buffer}, callback {priority}, server threads raised {}",
                report.sample_rate, report.server_threads
            ));
        }
        None => return,
    }
    ui.horizontal(|ui| {
        let measured = match &cx.sound_measure.last {
            Some(Ok(r)) => match (r.median(), r.max()) {
                (Some(median), Some(max)) => format!(
                    "sound latency {:.1} ms measured (max {:.1}, {} of {} clicks)",
                    median.as_secs_f64() * 1e3,
                    max.as_secs_f64() * 1e3,
                    r.latencies.len(),
                    r.marks
                ),
                _ => "sound latency: no click came back".to_string(),
            },
            Some(Err(why)) => format!("sound latency not measured: {why}"),
            None => format!("sound latency ~{:.0} ms estimated", cx.sound.map_or(0.0, |r| r.latency_ms)),
        };
        ui.monospace(measured);
        let busy = cx.sound_measure.busy();
        let button = ui.add_enabled(
            !busy && cx.sound_path.is_some(),
            egui::Button::new(if busy { "listening…" } else { "Measure sound" }),
        );
        if button.clicked()
            && let (Some(path), Some(report)) = (cx.sound_path, cx.sound)
        {
            cx.sound_measure.start(path, report.sample_rate);
        }
    });
}

/// Input to photon: press to the present of the first picture that
/// changed after the game read it, over all devices and per device, with
/// what the renderer takes.
fn photon(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let Some(photon) = cx.photon else { return };
    let summary = photon.summary();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    match summary.to_photon {
        Some(all) => ui.monospace(format!(
            "input to photon p50 {:.1}  p95 {:.1}  p99 {:.1}  worst {:.1} ms ({} presses)",
            ms(all.p50),
            ms(all.p95),
            ms(all.p99),
            ms(all.max),
            all.count
        )),
        None => ui.monospace("input to photon: no press yet"),
    };
    for (source, spread) in summary.per_device.iter().enumerate() {
        if let Some(d) = spread {
            ui.monospace(format!(
                "  {:<8} p50 {:.1}  p95 {:.1}  p99 {:.1} ms ({})",
                phosphor_rt::input_source::name(source as u8),
                ms(d.p50),
                ms(d.p95),
                ms(d.p99),
                d.count
            ));
        }
    }
    let render = summary.render.map_or("-".to_string(), |r| format!("{:.1} ms (p95 {:.1})", ms(r.p50), ms(r.p95)));
    let interval = summary.present_interval.map_or("-".to_string(), |r| format!("{:.1} ms", ms(r.p50)));
    let dropped = cx.emulator.input_dropped();
    ui.monospace(format!("render {render} a frame, a present every {interval}"));
    ui.monospace(format!(
        "presses not timed {} (frame not drawn), no change on screen {}, input ring overruns {dropped}",
        summary.not_timed, summary.unseen
    ));
    if let Some(direct) = cx.direct_keys {
        let how = match direct.state() {
            phosphor_input::DirectState::Reading => "read directly (X raw events)".to_string(),
            phosphor_input::DirectState::Off => "through the window's events".to_string(),
            phosphor_input::DirectState::Unavailable(why) => format!("through the window's events ({why})"),
        };
        ui.monospace(format!("keyboard: {how}"));
    }
}

/// The buttons the latency measurement can press.
const MEASURED_BUTTONS: [(&str, u8); 4] = {
    use phosphor_nes::button::*;
    [("A", A), ("B", B), ("Start", START), ("Right", RIGHT)]
};

/// Run-ahead's share of the frame, the rewind history, and the measured
/// press-to-picture latency of this game.
fn time_control(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let s = &cx.telemetry.status;
    ui.separator();
    let period = 1.0 / 60.0988;
    let budget = s.work.as_secs_f64() / period * 100.0;
    let off = if s.run_ahead < s.run_ahead_setting { " (off: debugger armed, rewinding or not 1x)" } else { "" };
    ui.monospace(format!(
        "run-ahead {} of {} frames{off}: work {:.2} ms = {budget:.0}% of the frame, re-runs {}",
        s.run_ahead,
        s.run_ahead_setting,
        s.work.as_secs_f64() * 1e3,
        s.run_ahead_reruns
    ));
    let r = &s.rewind;
    if r.recording {
        ui.monospace(format!(
            "rewind {:.1} of {:.1} min, {:.1} MB ({} keyframes), copy {:.1} us, compress {:.1} us, lost {}, waited {}",
            r.frames as f64 / 3600.0,
            r.capacity_frames as f64 / 3600.0,
            r.bytes as f64 / 1e6,
            r.keyframes,
            r.capture_ns as f64 / 1e3,
            r.compress_ns as f64 / 1e3,
            r.lost,
            r.starved
        ));
    } else {
        ui.monospace("rewind off");
    }
    ui.horizontal(|ui| {
        ui.label("press to picture:");
        for (name, bit) in MEASURED_BUTTONS {
            ui.selectable_value(&mut cx.state.measure_button, bit, name);
        }
        let busy = cx.state.measuring.is_some();
        if ui.add_enabled(!busy, egui::Button::new(if busy { "measuring…" } else { "Measure" })).clicked() {
            cx.state.measure_latency(s.run_ahead_setting.max(1));
        }
    });
    for result in &cx.state.latencies {
        let name = MEASURED_BUTTONS.iter().find(|(_, bit)| *bit == result.button).map_or("?", |(name, _)| name);
        let frames = result.frames.map_or("no change on screen within 2 s".into(), |n| format!("{n} frames"));
        ui.monospace(format!("  {name}, run-ahead {}: {frames}", result.run_ahead));
    }
}

/// Frame intervals of the last ten seconds, with the 60 Hz line.
fn frame_graph(ui: &mut egui::Ui, telemetry: &phosphor_emulation::Telemetry) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(ui.available_width().min(400.0), 60.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, egui::Color32::from_gray(20));
    let top_ms = 33.4;
    let y_of = |ms: f64| rect.bottom() - (ms.min(top_ms) / top_ms) as f32 * rect.height();
    painter.hline(rect.x_range(), y_of(1000.0 / 60.0988), egui::Stroke::new(1.0, egui::Color32::from_gray(90)));
    let n = phosphor_emulation::HISTORY as f32;
    let points: Vec<egui::Pos2> = telemetry
        .intervals_ms()
        .enumerate()
        .filter(|(_, ms)| *ms > 0.0)
        .map(|(i, ms)| egui::pos2(rect.left() + i as f32 / n * rect.width(), y_of(ms)))
        .collect();
    painter.add(egui::Shape::line(points, egui::Stroke::new(1.0, egui::Color32::LIGHT_GREEN)));
}
