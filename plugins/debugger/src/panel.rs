//! The F1 panel.

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts};
use phosphor_audio::SoundReport;
use phosphor_emulation::{EmuReply, Emulator, Telemetry};
use phosphor_input::Hotkey;
use phosphor_rt::{Command, DebugRequest, Done, Priority, RunState};

use crate::disassembly;

/// Bytes of memory fetched around PC: 48 before, 48 from it.
const WINDOW_BEFORE: u16 = 48;
const WINDOW: usize = 96;
/// How often the memory around PC is fetched while the panel is open.
const REFRESH_SECONDS: f64 = 0.1;

#[derive(Resource, Debug, Default)]
pub struct DebuggerPanel {
    pub open: bool,
    /// The last memory window: its start and bytes.
    pub memory: Option<(u16, Vec<u8>)>,
    pending: Option<u64>,
    requested_at: f64,
}

impl DebuggerPanel {
    /// A panel shown (or not) from the start.
    pub fn shown(open: bool) -> Self {
        DebuggerPanel { open, ..Default::default() }
    }
}

pub(crate) fn toggle(mut hotkeys: MessageReader<'_, '_, Hotkey>, mut panel: ResMut<'_, DebuggerPanel>) {
    for hotkey in hotkeys.read() {
        if *hotkey == Hotkey::ToggleDebugger {
            panel.open = !panel.open;
        }
    }
}

pub(crate) fn request_memory(
    time: Res<'_, Time<Real>>,
    telemetry: Res<'_, Telemetry>,
    mut panel: ResMut<'_, DebuggerPanel>,
    mut emulator: ResMut<'_, Emulator>,
) {
    let now = time.elapsed_secs_f64();
    let stale = now - panel.requested_at > 1.0;
    if !panel.open || (panel.pending.is_some() && !stale) || now - panel.requested_at < REFRESH_SECONDS {
        return;
    }
    let start = telemetry.status.cpu.pc.wrapping_sub(WINDOW_BEFORE);
    if let Ok(id) = emulator.send(Command::Debug(DebugRequest::ReadMemory { start, buf: vec![0; WINDOW] })) {
        panel.pending = Some(id);
        panel.requested_at = now;
    }
}

pub(crate) fn receive_memory(mut replies: MessageReader<'_, '_, EmuReply>, mut panel: ResMut<'_, DebuggerPanel>) {
    for reply in replies.read() {
        if panel.pending != Some(reply.id) {
            continue;
        }
        panel.pending = None;
        if let Ok(Done::Memory { start, bytes }) = &reply.result {
            panel.memory = Some((*start, bytes.clone()));
        }
    }
}

pub(crate) fn draw(
    mut contexts: EguiContexts<'_, '_>,
    panel: Res<'_, DebuggerPanel>,
    telemetry: Res<'_, Telemetry>,
    sound: Option<Res<'_, SoundReport>>,
    emulator: Res<'_, Emulator>,
) -> Result {
    if !panel.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Window::new("Debugger (F1)")
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-8.0, 8.0))
        .default_width(340.0)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
        {
            if let Some(game) = emulator.game() {
                ui.label(format!("{} (ROM {:016x})", game.name, game.rom_hash));
            }
            ui.label(format!("{}, frame {}", state_name(telemetry.status.state), telemetry.status.cpu.frame));
            ui.separator();
            cpu(ui, &telemetry);
            ui.separator();
            performance(ui, &telemetry, sound.as_deref());
            ui.separator();
            code(ui, &panel, &telemetry);
        }
    });
    Ok(())
}

fn state_name(state: RunState) -> &'static str {
    match state {
        RunState::NoGame => "no game",
        RunState::Running => "running",
        RunState::Paused => "paused",
        RunState::Faulted => "stopped on an internal error",
        RunState::Stopped => "thread ended",
    }
}

fn cpu(ui: &mut egui::Ui, telemetry: &Telemetry) {
    let r = telemetry.status.cpu;
    ui.strong("CPU");
    ui.monospace(format!("PC ${:04X}  A ${:02X}  X ${:02X}  Y ${:02X}  S ${:02X}", r.pc, r.a, r.x, r.y, r.s));
    let flags: String = "NV-BDIZC"
        .chars()
        .enumerate()
        .map(|(i, name)| if r.p & (0x80 >> i) != 0 { name } else { name.to_ascii_lowercase() })
        .collect();
    ui.monospace(format!("P  ${:02X}  {flags}{}", r.p, if r.jammed { "  JAMMED" } else { "" }));
    ui.monospace(format!("cycle {}  scanline {}  dot {}", r.cpu_cycle, r.scanline, r.dot));
}

fn code(ui: &mut egui::Ui, panel: &DebuggerPanel, telemetry: &Telemetry) {
    ui.strong("Code");
    let pc = telemetry.status.cpu.pc;
    // The window fetched around PC when it still covers PC; otherwise the
    // 16 bytes at PC that come with every status.
    let lines = match &panel.memory {
        Some((start, bytes)) if pc.wrapping_sub(*start) < bytes.len() as u16 - 8 => {
            disassembly::around(*start, bytes, pc, 3, 7)
        }
        _ => disassembly::around(pc, &telemetry.status.code, pc, 0, 6),
    };
    for line in lines {
        let bytes: Vec<String> = line.bytes.iter().map(|b| format!("{b:02X}")).collect();
        let text = format!("{} {:04X}  {:<9} {}", if line.is_pc { ">" } else { " " }, line.addr, bytes.join(" "), line.text);
        if line.is_pc {
            ui.label(egui::RichText::new(text).monospace().color(egui::Color32::YELLOW));
        } else {
            ui.monospace(text);
        }
    }
}

fn performance(ui: &mut egui::Ui, telemetry: &Telemetry, sound: Option<&SoundReport>) {
    let s = &telemetry.status;
    ui.strong("Performance");
    frame_graph(ui, telemetry);
    ui.monospace(format!("frame {:.2} ms  work {:.2} ms", s.interval.as_secs_f64() * 1e3, s.work.as_secs_f64() * 1e3));
    ui.monospace(format!("pacing {:+.0} us  spin {:.2} ms", s.pacing_error_ns as f64 / 1e3, s.spin_margin.as_secs_f64() * 1e3));
    ui.monospace(format!("deadline misses {}  resyncs {}  speed {:.1}x", s.deadline_misses, s.resyncs, s.speed));
    ui.monospace(format!("sound ring {} / {} (target {})", s.audio.fill, s.audio.capacity, s.audio.target));
    ui.monospace(format!("rate control {:.4}", s.audio.ratio));
    ui.monospace(format!("underruns {}  overruns {}", telemetry.audio.underruns, s.audio.overruns));
    match sound {
        Some(SoundReport { silent: Some(why), .. }) => {
            ui.monospace(format!("sound off: {why}"));
        }
        Some(report) => {
            ui.monospace(format!("sound out ~{:.0} ms ({} Hz)", report.latency_ms, report.sample_rate));
        }
        None => {}
    }
    let latency = s.input_latency.map_or("-".into(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3));
    let worst = telemetry.worst_input_latency_ms().map_or("-".into(), |ms| format!("{ms:.1} ms"));
    ui.monospace(format!("input to frame {latency} (worst {worst})"));
    let priority = match s.priority {
        Priority::Fifo(p) => format!("SCHED_FIFO {p}"),
        Priority::Normal => "normal (no real-time priority)".into(),
    };
    ui.monospace(format!("thread {priority}"));
    ui.monospace(format!(
        "core {}  memory locked {}  heap calls {}",
        s.pinned_core.map_or("any".into(), |c| c.to_string()),
        if s.memory_locked { "yes" } else { "no" },
        s.rt_heap_calls.map_or("-".into(), |n| n.to_string())
    ));
}

/// Frame intervals of the last ten seconds, with the 60 Hz line.
fn frame_graph(ui: &mut egui::Ui, telemetry: &Telemetry) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), 80.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, egui::Color32::from_gray(20));
    let top_ms = 33.4;
    let y_of = |ms: f64| rect.bottom() - (ms.min(top_ms) / top_ms) as f32 * rect.height();
    let target = y_of(1000.0 / 60.0988);
    painter.hline(rect.x_range(), target, egui::Stroke::new(1.0, egui::Color32::from_gray(90)));
    let n = phosphor_emulation::HISTORY as f32;
    let points: Vec<egui::Pos2> = telemetry
        .intervals_ms()
        .enumerate()
        .filter(|(_, ms)| *ms > 0.0)
        .map(|(i, ms)| egui::pos2(rect.left() + i as f32 / n * rect.width(), y_of(ms)))
        .collect();
    painter.add(egui::Shape::line(points, egui::Stroke::new(1.0, egui::Color32::LIGHT_GREEN)));
}
