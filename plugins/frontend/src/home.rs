//! The home screen: the games played, newest first, each with the picture
//! of where it was left; the demo always there; "Open ROM..." (a browser
//! drawn in the app, or the system's file dialog); Settings. A .nes file dropped on the window
//! starts at once, from any screen.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use bevy::window::FileDragAndDrop;
use bevy_egui::{egui, EguiContexts};
use phosphor_emulation::{EmuNotice, Emulator, LoadRom};
use phosphor_io::saves::{RecentGame, Slot};
use phosphor_storage::session::Written;
use phosphor_storage::{OpenRom, SlotRequest, Storage};

use crate::browse::{Browser, Entry};
use crate::library::{Library, LibraryGame};
use crate::menu::{Menu, SettingsFrom};
use crate::nav::{step, Nav};
use crate::{theme, Demo, Page, Screen};

/// What a card on the home screen is.
#[derive(Debug, Clone, PartialEq)]
pub enum Card {
    Game { game: RecentGame, demo: bool },
    /// A ROM in the library folder not played yet.
    Library(LibraryGame),
    OpenRom,
    /// Choose the library folder (shows the scan's progress).
    Folder,
    Settings,
}

/// The home screen's state.
#[derive(Resource, Debug, Default)]
pub struct Home {
    pub cards: Vec<Card>,
    pub cursor: usize,
    /// Continue / Start over, for the card at this index; its cursor.
    pub choice: Option<(usize, usize)>,
    /// "Open ROM...": the file browser, while it is open.
    pub browser: Option<Browser>,
    /// Cards per row as last drawn (for up and down).
    pub columns: usize,
    /// Times the list was read (tests).
    pub refreshes: u64,
    listing: Option<Task<Vec<RecentGame>>>,
    dialog: Option<Task<Option<PathBuf>>>,
    /// A game started with "Continue": load its autosave once it runs.
    pending_continue: Option<u64>,
    /// A file started from the home screen that has not started yet: if
    /// it is refused, the home screen comes back (the toast says why).
    opening: bool,
    /// `Written::slots` as last seen (an autosave while home shows it).
    seen_slots: usize,
    /// The recent games as last read.
    recent: Vec<RecentGame>,
    /// Library scans as last seen.
    seen_scans: u64,
}

pub(crate) fn build(app: &mut App) {
    app.init_resource::<Home>()
        .init_resource::<Thumbnails>()
        .add_message::<OpenRom>()
        .add_message::<LoadRom>()
        .add_message::<SlotRequest>()
        .add_message::<FileDragAndDrop>()
        .add_systems(Update, (refresh, listed, navigate, file_chosen, dropped, continue_when_started).chain());
}

/// Reads the recent list when the home screen opens, and again when an
/// autosave lands while it is open.
fn refresh(
    screen: Res<'_, Screen>,
    mut home: ResMut<'_, Home>,
    storage: Option<Res<'_, Storage>>,
    written: Option<Res<'_, Written>>,
    mut was_home: Local<'_, bool>,
) {
    let is_home = *screen == Screen::Home;
    let entered = is_home && !std::mem::replace(&mut *was_home, is_home);
    let slots = written.map_or(0, |w| w.slots.len());
    let saved_meanwhile = slots != std::mem::replace(&mut home.seen_slots, slots);
    if !(entered || (is_home && saved_meanwhile)) || home.listing.is_some() {
        return;
    }
    let Some(storage) = storage.map(|s| s.clone()) else {
        home.listing = Some(IoTaskPool::get().spawn(async { Vec::new() }));
        return;
    };
    home.listing = Some(IoTaskPool::get().spawn(async move {
        match &storage.folders {
            Some(folders) => folders.recent(&*storage.io, &storage.pool).await,
            None => Vec::new(),
        }
    }));
}

fn listed(mut home: ResMut<'_, Home>, demo: Res<'_, Demo>, library: Res<'_, Library>) {
    let mut changed = false;
    if let Some(task) = home.listing.as_mut()
        && let Some(recent) = block_on(future::poll_once(task))
    {
        home.listing = None;
        home.refreshes += 1;
        home.recent = recent;
        changed = true;
    }
    if library.scans != home.seen_scans {
        home.seen_scans = library.scans;
        changed = true;
    }
    if !changed {
        return;
    }
    let mut cards: Vec<Card> = home
        .recent
        .iter()
        .map(|game| {
            let is_demo = game.rom_hash == demo.rom_hash;
            let game = if is_demo { RecentGame { name: demo.name.clone(), ..game.clone() } } else { game.clone() };
            Card::Game { game, demo: is_demo }
        })
        .collect();
    if !cards.iter().any(|c| matches!(c, Card::Game { demo: true, .. })) {
        let game = RecentGame { rom_hash: demo.rom_hash, name: demo.name.clone(), source: None, autosave: None, played: None };
        cards.push(Card::Game { game, demo: true });
    }
    let shown: Vec<String> = cards
        .iter()
        .filter_map(|c| match c {
            Card::Game { game, .. } => Some(match &game.autosave {
                Some(a) => format!("{} (left at frame {}, with a picture: {})", game.name, a.frame, !a.thumbnail.is_empty()),
                None => game.name.clone(),
            }),
            _ => None,
        })
        .collect();
    info!("home: {}", shown.join("; "));
    // The library's games not already among the played ones.
    let played: Vec<u64> = home.recent.iter().map(|g| g.rom_hash).collect();
    cards.extend(library.games.iter().filter(|g| g.problem.is_some() || !played.contains(&g.rom_hash)).cloned().map(Card::Library));
    cards.push(Card::OpenRom);
    cards.push(Card::Folder);
    cards.push(Card::Settings);
    home.cursor = home.cursor.min(cards.len() - 1);
    home.cards = cards;
}

#[allow(clippy::too_many_arguments)]
fn navigate(
    mut navs: MessageReader<'_, '_, Nav>,
    mut screen: ResMut<'_, Screen>,
    mut home: ResMut<'_, Home>,
    mut menu: ResMut<'_, Menu>,
    mut library: ResMut<'_, Library>,
    mut emulator: ResMut<'_, Emulator>,
    demo: Res<'_, Demo>,
    mut open: MessageWriter<'_, OpenRom>,
    mut load: MessageWriter<'_, LoadRom>,
    mut notices: MessageWriter<'_, EmuNotice>,
    at_start: Res<'_, crate::nav::NavScreen>,
) {
    if at_start.0 != Screen::Home {
        navs.clear();
        return;
    }
    for nav in navs.read() {
        if *screen != Screen::Home {
            continue;
        }
        let count = home.cards.len();
        if let Some(mut browser) = home.browser.take() {
            let picked = match nav {
                Nav::Accept => Some(browser.cursor),
                Nav::Pick(n) => Some(*n),
                Nav::Back => {
                    continue;
                }
                Nav::Left => {
                    browser.up();
                    None
                }
                _ => {
                    browser.cursor = step(browser.cursor, browser.entries.len(), 1, *nav);
                    None
                }
            };
            match picked.and_then(|i| browser.entries.get(i).cloned()) {
                Some(Entry::SystemDialog) => {
                    if home.dialog.is_none() {
                        home.dialog = Some(IoTaskPool::get().spawn(async {
                            rfd::AsyncFileDialog::new()
                                .set_title("Open a NES ROM")
                                .add_filter("NES ROM", &["nes", "NES"])
                                .pick_file()
                                .await
                                .map(|file| file.path().to_path_buf())
                        }));
                    }
                    continue;
                }
                Some(Entry::Parent(dir) | Entry::Folder(dir)) => browser.enter(dir),
                Some(Entry::Rom(path)) => {
                    open.write(OpenRom { path });
                    home.opening = true;
                    home.pending_continue = None;
                    *screen = Screen::Playing;
                    continue;
                }
                None => {}
            }
            home.browser = Some(browser);
            continue;
        }
        if let Some((card, cursor)) = home.choice {
            match nav {
                Nav::Up | Nav::Down => home.choice = Some((card, step(cursor, 2, 1, *nav))),
                Nav::Back => home.choice = None,
                Nav::Accept | Nav::Pick(_) => {
                    let picked = if let Nav::Pick(n) = nav { *n } else { cursor };
                    home.choice = None;
                    if let Some(Card::Game { game, demo: is_demo }) = home.cards.get(card).cloned() {
                        let go_on = picked == 0;
                        if start(&mut home, &game, is_demo, go_on, &demo, &mut open, &mut load, &mut notices) {
                            *screen = Screen::Playing;
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        let picked = match nav {
            Nav::Accept => Some(home.cursor),
            Nav::Pick(n) if *n < count => {
                home.cursor = *n;
                Some(*n)
            }
            Nav::Back => {
                // Back to the game behind the home screen, if one runs.
                if emulator.game().is_some() {
                    *screen = Screen::Playing;
                    if emulator.paused() {
                        let _ = emulator.toggle_pause();
                    }
                }
                None
            }
            _ => {
                home.cursor = step(home.cursor, count, home.columns.max(1), *nav);
                None
            }
        };
        let Some(index) = picked else { continue };
        match home.cards.get(index).cloned() {
            Some(Card::Game { game, demo: is_demo }) => {
                if game.autosave.is_some() {
                    home.choice = Some((index, 0));
                } else if start(&mut home, &game, is_demo, false, &demo, &mut open, &mut load, &mut notices) {
                    *screen = Screen::Playing;
                }
            }
            Some(Card::OpenRom) => home.browser = Some(Browser::open(library.folder.as_deref())),
            Some(Card::Library(game)) => match &game.problem {
                Some(why) => {
                    notices.write(EmuNotice::Problem(format!("{} cannot be played: {why}", game.name)));
                }
                None => {
                    open.write(OpenRom { path: game.path.clone() });
                    home.pending_continue = None;
                    home.opening = true;
                    *screen = Screen::Playing;
                }
            },
            Some(Card::Folder) => crate::library::choose_folder(&mut library),
            Some(Card::Settings) => {
                menu.settings_from = SettingsFrom::Home;
                menu.cursor = 0;
                *screen = Screen::Menu(Page::Settings);
            }
            None => {}
        }
    }
}

/// Starts a game from its card: the demo from inside the program, others
/// from the file they were opened from; "Continue" then loads the autosave.
/// Returns whether it could be started (a game whose file is not known
/// stays on the home screen, with a toast saying so).
#[allow(clippy::too_many_arguments)]
fn start(
    home: &mut Home,
    game: &RecentGame,
    is_demo: bool,
    go_on: bool,
    demo: &Demo,
    open: &mut MessageWriter<'_, OpenRom>,
    load: &mut MessageWriter<'_, LoadRom>,
    notices: &mut MessageWriter<'_, EmuNotice>,
) -> bool {
    if is_demo {
        let mut request = LoadRom::new(demo.name.clone(), demo.rom.clone());
        request.path = demo.path.clone();
        load.write(request);
    } else if let Some(path) = &game.source {
        open.write(OpenRom { path: path.clone() });
        home.opening = true;
    } else {
        notices.write(EmuNotice::Problem(format!("Where {} is is not known: open it again with Open ROM", game.name)));
        return false;
    }
    home.pending_continue = go_on.then_some(game.rom_hash);
    true
}

/// The file dialog's answer.
fn file_chosen(mut home: ResMut<'_, Home>, mut screen: ResMut<'_, Screen>, mut open: MessageWriter<'_, OpenRom>, mut notices: MessageWriter<'_, EmuNotice>) {
    let Some(task) = home.dialog.as_mut() else { return };
    let Some(chosen) = block_on(future::poll_once(task)) else { return };
    home.dialog = None;
    match chosen {
        Some(path) => {
            open.write(OpenRom { path });
            home.opening = true;
            *screen = Screen::Playing;
        }
        None => {
            notices.write(EmuNotice::Info("No file chosen. You can also drop a .nes file on the window.".into()));
        }
    }
}

/// A file dropped on the window starts at once.
fn dropped(
    mut drops: MessageReader<'_, '_, FileDragAndDrop>,
    mut screen: ResMut<'_, Screen>,
    mut home: ResMut<'_, Home>,
    mut open: MessageWriter<'_, OpenRom>,
) {
    for drop in drops.read() {
        if let FileDragAndDrop::DroppedFile { path_buf, .. } = drop {
            open.write(OpenRom { path: path_buf.clone() });
            home.opening |= *screen == Screen::Home;
            *screen = Screen::Playing;
        }
    }
}

/// "Continue": once the game runs, its autosave is loaded. A file started
/// from the home screen that is refused brings the home screen back.
fn continue_when_started(
    mut home: ResMut<'_, Home>,
    mut screen: ResMut<'_, Screen>,
    mut notices: MessageReader<'_, '_, EmuNotice>,
    emulator: Res<'_, Emulator>,
    mut requests: MessageWriter<'_, SlotRequest>,
) {
    for notice in notices.read() {
        match notice {
            EmuNotice::GameStarted { .. } => {
                home.opening = false;
                if let Some(wanted) = home.pending_continue
                    && emulator.game().is_some_and(|g| g.rom_hash == wanted)
                {
                    requests.write(SlotRequest::Load(Slot::Auto));
                    home.pending_continue = None;
                }
            }
            EmuNotice::RomRefused { .. } => {
                home.pending_continue = None;
                if std::mem::take(&mut home.opening) && *screen == Screen::Playing {
                    *screen = Screen::Home;
                }
            }
            _ => {}
        }
    }
}

/// Thumbnails as textures, decoded once per picture.
#[derive(Resource, Default)]
pub struct Thumbnails(HashMap<(u64, u64), egui::TextureHandle>);

impl std::fmt::Debug for Thumbnails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Thumbnails").field(&self.0.len()).finish()
    }
}

impl Thumbnails {
    /// The texture for PNG bytes, keyed by what they show (game, frame).
    pub fn get(&mut self, ctx: &egui::Context, key: (u64, u64), png: &[u8]) -> Option<egui::TextureHandle> {
        if let Some(texture) = self.0.get(&key) {
            return Some(texture.clone());
        }
        let image = decode_png(png)?;
        let texture = ctx.load_texture(format!("thumb-{:x}-{}", key.0, key.1), image, egui::TextureOptions::LINEAR);
        self.0.insert(key, texture.clone());
        Some(texture)
    }
}

fn decode_png(bytes: &[u8]) -> Option<egui::ColorImage> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    let (w, h) = (info.width as usize, info.height as usize);
    let pixels = &buf[..info.buffer_size()];
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => pixels.to_vec(),
        png::ColorType::Rgb => pixels.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        _ => return None,
    };
    Some(egui::ColorImage::from_rgba_unmultiplied([w, h], &rgba))
}

/// "5 min ago" and the like.
pub fn ago(then: Option<SystemTime>) -> String {
    let Some(seconds) = then.and_then(|t| SystemTime::now().duration_since(t).ok()).map(|d| d.as_secs()) else {
        return String::new();
    };
    match seconds {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

const CARD_WIDTH: f32 = 200.0;

pub(crate) fn draw(
    mut contexts: EguiContexts<'_, '_>,
    screen: Res<'_, Screen>,
    mut home: ResMut<'_, Home>,
    mut thumbnails: ResMut<'_, Thumbnails>,
    mut navs: MessageWriter<'_, Nav>,
    library: Res<'_, Library>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    if *screen != Screen::Home {
        theme::closed(&ctx, "phosphor-home");
        return Ok(());
    }
    theme::page(&ctx, "phosphor-home", 1.0, |ui| {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new("PHOSPHOR").heading().strong().color(theme::ACCENT));
            ui.label(egui::RichText::new("  a NES emulator").color(theme::DIM));
        });
        ui.add_space(14.0);
        let spacing = ui.spacing().item_spacing.x + 24.0;
        let columns = ((ui.available_width() + spacing) / (CARD_WIDTH + spacing)).floor().max(1.0) as usize;
        home.columns = columns;
        egui::ScrollArea::vertical().show(ui, |ui| {
            let cards = home.cards.clone();
            for (row, chunk) in cards.chunks(columns).enumerate() {
                ui.horizontal_top(|ui| {
                    for (i, card) in chunk.iter().enumerate() {
                        let index = row * columns + i;
                        let focused = index == home.cursor && home.choice.is_none() && home.browser.is_none();
                        let response = theme::item(ui, focused, CARD_WIDTH, |ui| draw_card(ui, &ctx, card, &mut thumbnails, &library));
                        if focused {
                            response.scroll_to_me(None);
                        }
                        if response.clicked() {
                            navs.write(Nav::Pick(index));
                        }
                    }
                });
                ui.add_space(10.0);
            }
        });
        theme::hint(ui, "Arrows or d-pad to choose, Enter or A to start, Esc to go back. Drop a .nes file here to play it.");
    });
    if let Some(browser) = &home.browser
        && let Some(line) = crate::browse::draw(&ctx, browser)
    {
        navs.write(Nav::Pick(line));
    }
    if let Some((card, cursor)) = home.choice {
        let name = match home.cards.get(card) {
            Some(Card::Game { game, .. }) => game.name.clone(),
            _ => String::new(),
        };
        egui::Window::new("choice")
            .title_bar(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .frame(egui::Frame::new().fill(theme::PANEL).stroke(egui::Stroke::new(2.0, theme::ACCENT)).corner_radius(10.0).inner_margin(20.0))
            .show(&ctx, |ui| {
                theme::title(ui, &name);
                for (i, label) in ["Continue where you left off", "Start over"].iter().enumerate() {
                    let response = theme::item(ui, i == cursor, 300.0, |ui| {
                        ui.label(egui::RichText::new(*label).size(20.0));
                    });
                    if response.clicked() {
                        navs.write(Nav::Pick(i));
                    }
                }
            });
    }
    Ok(())
}

fn draw_card(ui: &mut egui::Ui, ctx: &egui::Context, card: &Card, thumbnails: &mut Thumbnails, library: &Library) {
    let picture = egui::vec2(CARD_WIDTH, CARD_WIDTH * 240.0 / 256.0);
    match card {
        Card::Game { game, demo } => {
            let texture = game.autosave.as_ref().and_then(|a| thumbnails.get(ctx, (game.rom_hash, a.frame), &a.thumbnail));
            match texture {
                Some(texture) => {
                    ui.add(egui::Image::new(&texture).fit_to_exact_size(picture).corner_radius(4.0));
                }
                None => placeholder(ui, picture, if *demo { "DEMO" } else { "NEW" }),
            }
            ui.label(egui::RichText::new(&game.name).strong().size(18.0));
            let detail = match &game.autosave {
                Some(a) => format!("Left at frame {} · {}", a.frame, ago(a.saved_at)),
                None if *demo => "Built in: press Enter to play".into(),
                None => "Not played yet".into(),
            };
            ui.label(egui::RichText::new(detail).small().color(theme::DIM));
        }
        Card::OpenRom => {
            placeholder(ui, picture, "+");
            ui.label(egui::RichText::new("Open ROM...").strong().size(18.0));
            ui.label(egui::RichText::new("Choose a .nes file").small().color(theme::DIM));
        }
        Card::Library(game) => {
            placeholder(ui, picture, if game.problem.is_some() { "!" } else { "ROM" });
            ui.label(egui::RichText::new(&game.name).strong().size(18.0));
            let detail = game.problem.clone().unwrap_or_else(|| "In your library".into());
            ui.label(egui::RichText::new(detail).small().color(theme::DIM));
        }
        Card::Folder => {
            placeholder(ui, picture, "🗀");
            ui.label(egui::RichText::new("ROM folder...").strong().size(18.0));
            match (&library.progress, &library.folder) {
                (Some(progress), _) => {
                    let found = progress.found.load(std::sync::atomic::Ordering::Relaxed);
                    let done = progress.done.load(std::sync::atomic::Ordering::Relaxed);
                    let fraction = if found == 0 { 0.0 } else { done as f32 / found as f32 };
                    ui.add(egui::ProgressBar::new(fraction).desired_width(CARD_WIDTH).text(format!("Scanning {done} of {found}")));
                }
                (None, Some(folder)) => {
                    let name = folder.file_name().map_or_else(|| folder.display().to_string(), |n| n.to_string_lossy().into_owned());
                    let playable = library.games.iter().filter(|g| g.problem.is_none()).count();
                    ui.label(egui::RichText::new(format!("{name}: {playable} games")).small().color(theme::DIM));
                }
                (None, None) => {
                    ui.label(egui::RichText::new("Choose where your ROMs are").small().color(theme::DIM));
                }
            }
        }
        Card::Settings => {
            placeholder(ui, picture, "⚙");
            ui.label(egui::RichText::new("Settings").strong().size(18.0));
            ui.label(egui::RichText::new("Video, sound, emulation").small().color(theme::DIM));
        }
    }
}

fn placeholder(ui: &mut egui::Ui, size: egui::Vec2, text: &str) {
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    ui.painter().rect_filled(rect, 4.0, theme::PANEL);
    ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, text, egui::FontId::proportional(44.0), theme::ACCENT.gamma_multiply(0.7));
}
