//! The I/O layer as Bevy asset sources, and the loaders that turn its files
//! into what the app plays.
//!
//! - `rom://` reads any file by its absolute path (ROMs come from wherever
//!   the player keeps them: a file dialog, a dropped file, a library
//!   folder); read only.
//! - `saves://` is the data folder (battery RAM, save states, screenshots),
//!   read and written. Every write through it is durable: the old file
//!   stays whole until the new one is complete on disk.
//!
//! Both go through the backend chosen at start-up (io_uring or the thread
//! pool), so an asset read never blocks a task pool thread on the disk.
//! Listing a folder has no backend operation and uses `std::fs`.
//!
//! [`RomLoader`] turns an iNES file into a [`Rom`]: a parsed cartridge with
//! the game's saved battery RAM already in it, or an error in words (not a
//! ROM, truncated, unsupported mapper). [`SaveStateLoader`] turns a state
//! file into a [`SaveState`] whose format, version and checksum are checked;
//! which game it belongs to is checked when it is applied.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bevy::asset::io::{
    AssetReader, AssetReaderError, AssetSourceBuilder, AssetWriter, AssetWriterError, PathStream, Reader,
    VecReader, Writer,
};
use bevy::asset::{AssetLoader, AssetPath, LoadContext};
use bevy::platform::cell::SyncCell;
use bevy::prelude::*;
use bevy::tasks::futures_lite::{stream, AsyncWrite};
use phosphor_io::durable::{create_dir_all, read_file, stat, write_file};
use phosphor_io::{IoError, Op};
use phosphor_nes::state::{StateError, StateHeader};
use phosphor_nes::{Cartridge, RomError};

use crate::Storage;

/// The asset source of ROM files, by absolute path.
pub const ROM_SOURCE: &str = "rom";
/// The asset source of the data folder.
pub const SAVES_SOURCE: &str = "saves";

/// Registers `rom://` and, where the platform has a data folder,
/// `saves://`. Call it before `DefaultPlugins` (Bevy builds its sources
/// when the asset plugin is added); it also inserts `storage` as the
/// [`Storage`] resource, so the plugin and the sources share one backend.
pub fn register_sources(app: &mut App, storage: &Storage) {
    app.insert_resource(storage.clone());
    let roms = storage.clone();
    app.register_asset_source(
        ROM_SOURCE,
        AssetSourceBuilder::new(move || Box::new(IoSource { storage: roms.clone(), root: filesystem_root() })),
    );
    if let Some(folders) = &storage.folders {
        let (reads, writes) = (storage.clone(), storage.clone());
        let (read_root, write_root) = (folders.data.clone(), folders.data.clone());
        app.register_asset_source(
            SAVES_SOURCE,
            AssetSourceBuilder::new(move || Box::new(IoSource { storage: reads.clone(), root: read_root.clone() }))
                .with_writer(move |_| Some(Box::new(IoSource { storage: writes.clone(), root: write_root.clone() }))),
        );
    }
}

/// The asset path of a ROM file on disk (`rom://` + its absolute path).
pub fn rom_path(file: &Path) -> AssetPath<'static> {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let relative = absolute.strip_prefix(filesystem_root()).map_or(absolute.clone(), Path::to_path_buf);
    AssetPath::from_path_buf(relative).with_source(ROM_SOURCE)
}

fn filesystem_root() -> PathBuf {
    if cfg!(windows) { PathBuf::new() } else { PathBuf::from("/") }
}

/// An asset source over the I/O layer, rooted at a folder.
struct IoSource {
    storage: Storage,
    root: PathBuf,
}

impl IoSource {
    fn full(&self, path: &Path) -> PathBuf {
        self.root.join(path)
    }
}

impl AssetReader for IoSource {
    async fn read<'a>(&'a self, path: &'a Path) -> Result<impl Reader + 'a, AssetReaderError> {
        let full = self.full(path);
        match read_file(&*self.storage.io, &self.storage.pool, &full).await {
            Ok(bytes) => Ok(VecReader::new(bytes)),
            Err(IoError::NotFound { .. }) => Err(AssetReaderError::NotFound(full)),
            Err(err) => Err(AssetReaderError::Io(Arc::new(std_error(err)))),
        }
    }

    /// Our files carry no `.meta` companions; Bevy then uses the loader's
    /// defaults. Saying so costs no I/O.
    async fn read_meta<'a>(&'a self, path: &'a Path) -> Result<impl Reader + 'a, AssetReaderError> {
        Err::<VecReader, _>(AssetReaderError::NotFound(self.full(path)))
    }

    async fn read_directory<'a>(&'a self, path: &'a Path) -> Result<Box<PathStream>, AssetReaderError> {
        let full = self.full(path);
        let entries = std::fs::read_dir(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => AssetReaderError::NotFound(full.clone()),
            _ => AssetReaderError::Io(Arc::new(e)),
        })?;
        let mut names: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| path.join(entry.file_name()))
            .collect();
        names.sort();
        Ok(Box::new(stream::iter(names)))
    }

    async fn is_directory<'a>(&'a self, path: &'a Path) -> Result<bool, AssetReaderError> {
        let full = self.full(path);
        match stat(&*self.storage.io, &full).await {
            Ok(meta) => Ok(meta.is_dir),
            Err(IoError::NotFound { .. }) => Err(AssetReaderError::NotFound(full)),
            Err(err) => Err(AssetReaderError::Io(Arc::new(std_error(err)))),
        }
    }
}

impl AssetWriter for IoSource {
    async fn write<'a>(&'a self, path: &'a Path) -> Result<Box<Writer>, AssetWriterError> {
        Ok(Box::new(DurableWriter::new(self.storage.clone(), self.full(path))))
    }

    async fn write_meta<'a>(&'a self, path: &'a Path) -> Result<Box<Writer>, AssetWriterError> {
        let message = format!("{}: the saves folder keeps no .meta files", path.display());
        Err(AssetWriterError::Io(std::io::Error::new(std::io::ErrorKind::Unsupported, message)))
    }

    async fn remove<'a>(&'a self, path: &'a Path) -> Result<(), AssetWriterError> {
        let done = self.storage.io.submit(Op::Remove { path: self.full(path) }).await;
        done.result.map(drop).map_err(|e| AssetWriterError::Io(std_error(e)))
    }

    async fn remove_meta<'a>(&'a self, _path: &'a Path) -> Result<(), AssetWriterError> {
        Ok(())
    }

    async fn rename<'a>(&'a self, old_path: &'a Path, new_path: &'a Path) -> Result<(), AssetWriterError> {
        let to = self.full(new_path);
        if let Some(dir) = to.parent() {
            create_dir_all(&*self.storage.io, dir).await.map_err(|e| AssetWriterError::Io(std_error(e)))?;
        }
        let done = self.storage.io.submit(Op::Rename { from: self.full(old_path), to }).await;
        done.result.map(drop).map_err(|e| AssetWriterError::Io(std_error(e)))
    }

    async fn rename_meta<'a>(&'a self, _old_path: &'a Path, _new_path: &'a Path) -> Result<(), AssetWriterError> {
        Ok(())
    }

    async fn create_directory<'a>(&'a self, path: &'a Path) -> Result<(), AssetWriterError> {
        create_dir_all(&*self.storage.io, &self.full(path)).await.map_err(|e| AssetWriterError::Io(std_error(e)))
    }

    async fn remove_directory<'a>(&'a self, path: &'a Path) -> Result<(), AssetWriterError> {
        Ok(std::fs::remove_dir_all(self.full(path))?)
    }

    async fn remove_empty_directory<'a>(&'a self, path: &'a Path) -> Result<(), AssetWriterError> {
        Ok(std::fs::remove_dir(self.full(path))?)
    }

    async fn remove_assets_in_directory<'a>(&'a self, path: &'a Path) -> Result<(), AssetWriterError> {
        let full = self.full(path);
        std::fs::remove_dir_all(&full)?;
        Ok(std::fs::create_dir_all(&full)?)
    }

    /// One durable write of the whole file.
    async fn write_bytes<'a>(&'a self, path: &'a Path, bytes: &'a [u8]) -> Result<(), AssetWriterError> {
        save(&self.storage, &self.full(path), bytes).await.map_err(|e| AssetWriterError::Io(std_error(e)))
    }
}

/// Makes the folder, then writes the file durably.
async fn save(storage: &Storage, path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    if let Some(dir) = path.parent() {
        create_dir_all(&*storage.io, dir).await?;
    }
    write_file(&*storage.io, &storage.pool, path, bytes).await
}

type Saving = Pin<Box<dyn Future<Output = Result<(), IoError>> + Send>>;

/// A streaming writer whose bytes reach the disk as one durable write when
/// it is flushed or closed: until then the old file is untouched, and a
/// crash at any moment leaves either the old file or the new one.
struct DurableWriter {
    storage: Storage,
    path: PathBuf,
    data: Vec<u8>,
    /// Bytes arrived since the last durable write.
    dirty: bool,
    saving: Option<SyncCell<Saving>>,
}

impl DurableWriter {
    fn new(storage: Storage, path: PathBuf) -> Self {
        // A writer that is closed with nothing written still makes the
        // (empty) file, as a plain file writer would.
        DurableWriter { storage, path, data: Vec::new(), dirty: true, saving: None }
    }

    /// Drives the durable write of everything so far to its end.
    fn poll_save(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.saving.is_none() && self.dirty {
            let (storage, path, data) = (self.storage.clone(), self.path.clone(), self.data.clone());
            self.dirty = false;
            let saving: Saving = Box::pin(async move { save(&storage, &path, &data).await });
            self.saving = Some(SyncCell::new(saving));
        }
        let Some(saving) = self.saving.as_mut() else { return Poll::Ready(Ok(())) };
        match saving.get().as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                self.saving = None;
                Poll::Ready(result.map_err(std_error))
            }
        }
    }
}

impl AsyncWrite for DurableWriter {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        // Bytes written during a save belong to the next one.
        if self.saving.is_some() {
            match self.poll_save(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {}
            }
        }
        self.data.extend_from_slice(buf);
        self.dirty = true;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_save(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_save(cx)
    }
}

/// The I/O layer's error as the `std::io::Error` Bevy's traits carry,
/// keeping its words.
fn std_error(err: IoError) -> std::io::Error {
    use std::io::ErrorKind;
    let kind = match &err {
        IoError::NotFound { .. } => ErrorKind::NotFound,
        IoError::PermissionDenied { .. } => ErrorKind::PermissionDenied,
        IoError::DiskFull { .. } => ErrorKind::StorageFull,
        IoError::Short { .. } => ErrorKind::UnexpectedEof,
        IoError::Os { source, .. } => source.kind(),
        _ => ErrorKind::Other,
    };
    std::io::Error::new(kind, err.to_string())
}

/// A game ready to play: the file's bytes, the cartridge parsed from them
/// with its saved battery RAM loaded.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct Rom {
    /// The file's name, as the player knows the game.
    pub name: String,
    pub bytes: Arc<[u8]>,
    pub cartridge: Cartridge,
    /// Whether saved battery RAM was found and loaded into the cartridge.
    pub battery_loaded: bool,
    /// A battery file that did not fit this cartridge: moved aside (kept,
    /// not overwritten) and the game starts with blank RAM. In words.
    pub battery_problem: Option<String>,
}

/// Why a ROM file did not become a [`Rom`]. The words say what is wrong
/// with the file; the notice that shows them names it.
#[derive(Debug, thiserror::Error)]
pub enum RomLoadError {
    #[error("{source}")]
    Read { name: String, source: std::io::Error },
    #[error("{source}")]
    NotPlayable { name: String, source: RomError },
}

/// How to load a ROM: the console to run it as, if not its header's.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RomLoadSettings {
    pub region: Option<ForcedRegion>,
}

/// A console region forced by the player.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForcedRegion {
    Ntsc,
    Pal,
    Dendy,
}

impl ForcedRegion {
    pub fn from_region(region: phosphor_nes::Region) -> Self {
        match region {
            phosphor_nes::Region::Pal => ForcedRegion::Pal,
            phosphor_nes::Region::Dendy => ForcedRegion::Dendy,
            phosphor_nes::Region::Ntsc | phosphor_nes::Region::Multi => ForcedRegion::Ntsc,
        }
    }

    pub fn region(self) -> phosphor_nes::Region {
        match self {
            ForcedRegion::Ntsc => phosphor_nes::Region::Ntsc,
            ForcedRegion::Pal => phosphor_nes::Region::Pal,
            ForcedRegion::Dendy => phosphor_nes::Region::Dendy,
        }
    }
}

/// iNES / NES 2.0 files to [`Rom`]s; reads the game's battery RAM from the
/// data folder (through the I/O layer) when the cartridge has a battery.
#[derive(Debug, TypePath)]
pub struct RomLoader {
    storage: Storage,
}

impl RomLoader {
    pub fn new(storage: Storage) -> Self {
        RomLoader { storage }
    }
}

impl AssetLoader for RomLoader {
    type Asset = Rom;
    type Settings = RomLoadSettings;
    type Error = RomLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        settings: &RomLoadSettings,
        context: &mut LoadContext<'_>,
    ) -> Result<Rom, RomLoadError> {
        let path = context.path().path();
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await.map_err(|source| RomLoadError::Read { name: name.clone(), source })?;
        let options = phosphor_nes::LoadOptions { region: settings.region.map(ForcedRegion::region), ..Default::default() };
        let mut cartridge = Cartridge::from_ines_with(&bytes, options)
            .map_err(|source| RomLoadError::NotPlayable { name: name.clone(), source })?;
        let (battery_loaded, battery_problem) = self.load_battery(&mut cartridge).await;
        Ok(Rom { name, bytes: Arc::from(bytes), cartridge, battery_loaded, battery_problem })
    }

    fn extensions(&self) -> &[&str] {
        &["nes", "NES"]
    }
}

impl RomLoader {
    async fn load_battery(&self, cartridge: &mut Cartridge) -> (bool, Option<String>) {
        let (Some(folders), Some(_)) = (&self.storage.folders, cartridge.battery_ram()) else { return (false, None) };
        let saves = folders.game(cartridge.rom_hash());
        let (io, pool) = (&*self.storage.io, &*self.storage.pool);
        let ram = match saves.load_battery(io, pool).await {
            Ok(Some(ram)) => ram,
            Ok(None) => return (false, None),
            Err(err) => return (false, Some(format!("Battery save not read: {err}; the game starts without it"))),
        };
        match cartridge.load_prg_ram(&ram) {
            Ok(()) => (true, None),
            Err(err) => {
                let path = saves.battery_path();
                let aside = path.with_extension(format!("sav.bad-{}", unix_time()));
                let moved = io.submit(Op::Rename { from: path.clone(), to: aside.clone() }).await.result;
                let kept = match moved {
                    Ok(_) => format!("kept as {}", aside.display()),
                    Err(e) => format!("left in place ({e})"),
                };
                (false, Some(format!("Battery save {} does not fit this game ({err}): {kept}", path.display())))
            }
        }
    }
}

fn unix_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A save-state file whose header and checksum hold: safe to offer to the
/// emulation thread (which still checks it is the running game's).
#[derive(Asset, TypePath, Debug, Clone)]
pub struct SaveState {
    pub header: StateHeader,
    /// The whole file, header included.
    pub file: Vec<u8>,
}

/// Why a state file did not become a [`SaveState`].
#[derive(Debug, thiserror::Error)]
pub enum SaveStateLoadError {
    #[error("{name}: {source}")]
    Read { name: String, source: std::io::Error },
    #[error("{name}: {source}")]
    Invalid { name: String, source: StateError },
}

/// `.state` files to [`SaveState`]s: magic, format version and checksum
/// checked (a damaged or foreign-format file is an error in words).
#[derive(Debug, Default, TypePath)]
pub struct SaveStateLoader;

impl AssetLoader for SaveStateLoader {
    type Asset = SaveState;
    type Settings = ();
    type Error = SaveStateLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _: &(),
        context: &mut LoadContext<'_>,
    ) -> Result<SaveState, SaveStateLoadError> {
        let name = context.path().path().display().to_string();
        let mut file = Vec::new();
        reader.read_to_end(&mut file).await.map_err(|source| SaveStateLoadError::Read { name: name.clone(), source })?;
        let invalid = |source| SaveStateLoadError::Invalid { name: name.clone(), source };
        let (header, _) = StateHeader::parse(&file).map_err(invalid)?;
        // Every check but the game's: the version this core reads, then
        // the checksum.
        header.check(header.rom_hash).map_err(invalid)?;
        Ok(SaveState { header, file })
    }

    fn extensions(&self) -> &[&str] {
        &["state"]
    }
}

/// A failed load in the words the player should see: the loader's own
/// error where there is one, else Bevy's.
pub fn failure_words(error: &bevy::asset::AssetLoadError) -> String {
    use bevy::asset::AssetLoadError;
    match error {
        AssetLoadError::AssetLoaderError(failed) => {
            let inner = failed.error();
            if let Some(e) = inner.downcast_ref::<RomLoadError>() {
                e.to_string()
            } else if let Some(e) = inner.downcast_ref::<SaveStateLoadError>() {
                e.to_string()
            } else {
                inner.to_string()
            }
        }
        AssetLoadError::AssetReaderError(AssetReaderError::NotFound(path)) => format!("{}: not found", path.display()),
        AssetLoadError::AssetReaderError(AssetReaderError::Io(e)) => e.to_string(),
        other => other.to_string(),
    }
}
