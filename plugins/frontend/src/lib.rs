//! The console-style frontend: what a player sees around the game.
//!
//! - [`Screen`] (resource): the home screen, the game, or the in-game
//!   menu on one of its pages;
//! - [`home`]: recent games newest first with where each was left, the
//!   demo always there, "Open ROM..." (the system's file dialog), a
//!   dropped .nes file starts at once; a game with an autosave offers
//!   Continue or Start over;
//! - [`library`]: a ROM folder the player chooses, scanned in the
//!   background with its progress shown;
//! - [`menu`]: Esc (or the pad's Start) pauses into resume, save and load
//!   through a slot browser with thumbnails, reset, settings, home, quit;
//! - [`settings`]: TOML in the config folder, applied live ([`apply`]),
//!   written shortly after each change;
//! - [`toasts`]: every notice as a toast, errors longer and in red;
//! - [`sounds`]: a sound for each menu step, choice, toast, error and
//!   game start (played by [`phosphor_audio::UiSoundsPlugin`] when the app
//!   has it).
//!
//! Everything is driven by [`nav::Nav`] actions: arrows / Enter / Esc on
//! the keyboard, the d-pad / A / B / Start on a pad; the mouse works on
//! every item too. The game thread never waits on any of it.

pub mod apply;
pub mod browse;
pub mod home;
pub mod library;
pub mod menu;
pub mod nav;
pub mod settings;
pub mod sounds;
pub mod theme;
pub mod toasts;

use std::sync::Arc;

use bevy::prelude::*;
use bevy_egui::{EguiPlugin, EguiPrimaryContextPass};
use phosphor_emulation::{EmulationSystems, Pads};

pub use settings::Settings;

/// Where the player is.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Home,
    Playing,
    Menu(Page),
}

/// The in-game menu's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Main,
    Save,
    Load,
    Settings,
}

/// The game that ships inside the program.
#[derive(Resource, Debug, Clone)]
pub struct Demo {
    pub name: String,
    pub rom: Arc<[u8]>,
    /// Where the demo's file is, when it is on disk (its debug file sits beside it).
    pub path: Option<std::path::PathBuf>,
    pub rom_hash: u64,
}

#[derive(Debug, Clone)]
pub struct FrontendPlugin {
    /// Open on the home screen (no ROM named) or straight into the game.
    pub start_home: bool,
    pub demo_name: String,
    pub demo_rom: &'static [u8],
    /// The demo's file on disk, if it is there.
    pub demo_path: Option<std::path::PathBuf>,
    /// Draw nothing (no egui): headless apps and tests of the logic.
    pub headless: bool,
    /// The settings file as the app already read it (it needs the sound
    /// latency before the emulation thread starts); `None`: read it here.
    pub settings: Option<settings::Loaded>,
}

impl Plugin for FrontendPlugin {
    fn build(&self, app: &mut App) {
        let rom_hash = phosphor_nes::Cartridge::from_ines(self.demo_rom).map_or(0, |c| c.rom_hash());
        if let Some(loaded) = &self.settings {
            app.insert_resource(apply::Preloaded(loaded.clone()));
        }
        app.insert_resource(Demo {
            name: self.demo_name.clone(),
            rom: Arc::from(self.demo_rom),
            path: self.demo_path.clone(),
            rom_hash,
        })
            .insert_resource(if self.start_home { Screen::Home } else { Screen::Playing })
            .insert_resource(phosphor_input::HotkeyOptions { escape_pauses: false, ..default() })
            .add_systems(
                PreUpdate,
                hold_pads_in_menus.after(phosphor_input::PadMapping).before(EmulationSystems::SendInput),
            );
        nav::build(app);
        apply::build(app);
        toasts::build(app);
        sounds::build(app);
        library::build(app);
        home::build(app);
        menu::build(app);
        if !self.headless {
            if !app.is_plugin_added::<EguiPlugin>() {
                app.add_plugins(EguiPlugin::default());
            }
            app.add_systems(
                EguiPrimaryContextPass,
                (theme::apply, home::draw, menu::draw, toasts::draw).chain(),
            );
        }
    }
}

/// Outside the game, the keys and pads drive the menus, not the game.
/// (The keys read directly are held off by [`phosphor_input::GameKeys`].)
fn hold_pads_in_menus(screen: Res<'_, Screen>, mut pads: ResMut<'_, Pads>, mut game_keys: ResMut<'_, phosphor_input::GameKeys>) {
    if *screen != Screen::Playing && pads.buttons != [0, 0] {
        pads.buttons = [0, 0];
    }
    game_keys.set_if_neq(phosphor_input::GameKeys(*screen == Screen::Playing));
}
