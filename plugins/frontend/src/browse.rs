//! "Open ROM...": a file browser drawn in the app, driven like every other
//! page (arrows or d-pad, Enter or A, Esc or B), so a player on the couch
//! never needs the mouse. Its first line hands over to the system's file
//! dialog (the XDG desktop portal on Linux) for those who prefer it.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::egui;

use crate::theme;

/// One line of the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Hand over to the system's file dialog.
    SystemDialog,
    Parent(PathBuf),
    Folder(PathBuf),
    Rom(PathBuf),
}

/// The browser while it is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browser {
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
    pub cursor: usize,
    /// Why the folder could not be listed, if it could not.
    pub problem: Option<String>,
}

impl Browser {
    /// Opens on `dir` (the library folder, else the home folder, else the
    /// file system's root).
    pub fn open(dir: Option<&Path>) -> Browser {
        let start = dir
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/"));
        let mut browser = Browser { dir: start.clone(), entries: Vec::new(), cursor: 0, problem: None };
        browser.enter(start);
        browser
    }

    /// Lists `dir`: its parent, its folders, then its .nes files, by name;
    /// hidden ones left out.
    pub fn enter(&mut self, dir: PathBuf) {
        let mut folders = Vec::new();
        let mut roms = Vec::new();
        self.problem = None;
        match std::fs::read_dir(&dir) {
            Ok(list) => {
                for entry in list.filter_map(Result::ok) {
                    if entry.file_name().to_string_lossy().starts_with('.') {
                        continue;
                    }
                    let path = entry.path();
                    if path.is_dir() {
                        folders.push(path);
                    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("nes")) {
                        roms.push(path);
                    }
                }
            }
            Err(err) => self.problem = Some(format!("{}: {err}", dir.display())),
        }
        let by_name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        folders.sort_by_key(by_name);
        roms.sort_by_key(by_name);
        let mut entries = vec![Entry::SystemDialog];
        if let Some(parent) = dir.parent() {
            entries.push(Entry::Parent(parent.to_path_buf()));
        }
        entries.extend(folders.into_iter().map(Entry::Folder));
        entries.extend(roms.into_iter().map(Entry::Rom));
        // Land on the first ROM if there is one, else the first folder,
        // else the way up.
        self.cursor = entries
            .iter()
            .position(|e| matches!(e, Entry::Rom(_)))
            .or_else(|| entries.iter().position(|e| matches!(e, Entry::Folder(_))))
            .or_else(|| entries.iter().position(|e| matches!(e, Entry::Parent(_))))
            .unwrap_or(0);
        self.entries = entries;
        self.dir = dir;
    }

    /// Left: up a folder, or `false` at the top.
    pub fn up(&mut self) -> bool {
        match self.dir.parent() {
            Some(parent) => {
                let from = self.dir.clone();
                self.enter(parent.to_path_buf());
                if let Some(i) = self.entries.iter().position(|e| *e == Entry::Folder(from.clone())) {
                    self.cursor = i;
                }
                true
            }
            None => false,
        }
    }
}

fn label(entry: &Entry) -> String {
    let name = |p: &Path| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned());
    match entry {
        Entry::SystemDialog => "Use the system's file dialog...".into(),
        Entry::Parent(_) => "..  (up a folder)".into(),
        Entry::Folder(p) => format!("{}/", name(p)),
        Entry::Rom(p) => name(p),
    }
}

/// Draws the browser; a click is reported as the line's index.
pub(crate) fn draw(ctx: &egui::Context, browser: &Browser) -> Option<usize> {
    let mut clicked = None;
    egui::Window::new("browse")
        .title_bar(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .frame(egui::Frame::new().fill(theme::PANEL).stroke(egui::Stroke::new(2.0, theme::ACCENT)).corner_radius(10.0).inner_margin(18.0))
        .show(ctx, |ui| {
            theme::title(ui, "Open a ROM");
            ui.label(egui::RichText::new(browser.dir.display().to_string()).small().color(theme::DIM));
            if let Some(problem) = &browser.problem {
                ui.label(egui::RichText::new(problem).color(theme::TEXT).background_color(theme::PROBLEM));
            }
            let height = (ctx.content_rect().height() * 0.6).max(200.0);
            egui::ScrollArea::vertical().max_height(height).show(ui, |ui| {
                for (i, entry) in browser.entries.iter().enumerate() {
                    let focused = i == browser.cursor;
                    let response = theme::item(ui, focused, 460.0, |ui| {
                        let text = egui::RichText::new(label(entry)).size(17.0);
                        ui.label(if matches!(entry, Entry::Rom(_)) { text.strong() } else { text });
                    });
                    if focused {
                        response.scroll_to_me(None);
                    }
                    if response.clicked() {
                        clicked = Some(i);
                    }
                }
            });
            theme::hint(ui, "Enter or A opens, Left goes up a folder, Esc or B closes.");
        });
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_folders_then_roms_and_walks_up_and_down() {
        let dir = std::env::temp_dir().join(format!("phosphor-browse-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("Zelda games")).unwrap();
        std::fs::create_dir_all(dir.join(".cache")).unwrap();
        std::fs::write(dir.join("b.nes"), b"x").unwrap();
        std::fs::write(dir.join("A.NES"), b"x").unwrap();
        std::fs::write(dir.join("notes.txt"), b"x").unwrap();
        let mut browser = Browser::open(Some(&dir));
        let labels: Vec<String> = browser.entries.iter().map(label).collect();
        assert_eq!(labels, ["Use the system's file dialog...", "..  (up a folder)", "Zelda games/", "A.NES", "b.nes"]);
        assert_eq!(browser.cursor, 3, "lands on the first ROM");
        browser.enter(dir.join("Zelda games"));
        assert_eq!(browser.cursor, 1, "an empty folder: the way up");
        assert!(browser.up());
        assert_eq!(browser.dir, dir);
        assert_eq!(browser.entries[browser.cursor], Entry::Folder(dir.join("Zelda games")), "back on the folder it left");
        browser.enter(dir.join("missing"));
        assert!(browser.problem.as_deref().is_some_and(|p| p.contains("missing")), "{:?}", browser.problem);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
