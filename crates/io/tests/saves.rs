//! The save layout: slots with thumbnails and frames, listed for the slot
//! browser; states of another game and damaged files named as such;
//! battery RAM round trips.

use phosphor_io::saves::{Folders, Slot, SlotInfo};
use phosphor_io::{block_on, BufferPool};
use phosphor_nes::Nes;

/// A do-nothing NROM program; `seed` makes a different ROM (hash).
fn rom(seed: u8) -> Vec<u8> {
    let mut rom = vec![0u8; 16 + 0x4000 + 0x2000];
    rom[..8].copy_from_slice(b"NES\x1a\x01\x01\x02\x00");
    rom[16..19].copy_from_slice(&[0x4C, 0x00, 0xC0]);
    rom[16 + 0x3FFD] = 0xC0;
    rom[16 + 0x100] = seed;
    rom
}

#[test]
fn slots_list_with_their_thumbnails_and_refuse_what_is_not_theirs() {
    let root = std::env::temp_dir().join(format!("phosphor-saves-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let folders = Folders { data: root.join("data"), config: root.join("config") };
    let io = phosphor_io::start();
    let pool = BufferPool::new(8 << 20);

    let mut nes = Nes::from_ines(&rom(1)).unwrap();
    for _ in 0..10 {
        nes.run_frame();
    }
    let game = folders.game(nes.cartridge().rom_hash());
    block_on(game.remember_name(&*io, &pool, "Tiny Game")).unwrap();
    let state = nes.save_state(b"\x89PNG thumbnail");
    block_on(game.save_state(&*io, &pool, Slot::Numbered(2), &state)).unwrap();

    let mut other = Nes::from_ines(&rom(2)).unwrap();
    block_on(game.save_state(&*io, &pool, Slot::Numbered(3), &other.save_state(b""))).unwrap();
    block_on(game.save_state(&*io, &pool, Slot::Auto, &state[..state.len() / 2])).unwrap();

    let list = block_on(game.list(&*io, &pool));
    assert_eq!(list.len(), 11);
    match &list[2] {
        (Slot::Numbered(2), SlotInfo::Saved { frame, thumbnail, saved_at, bytes }) => {
            assert_eq!(*frame, 10);
            assert_eq!(thumbnail, b"\x89PNG thumbnail");
            assert!(saved_at.is_some());
            assert_eq!(*bytes, state.len() as u64);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&list[3], (Slot::Numbered(3), SlotInfo::Unreadable(why)) if why.contains("another game")), "{:?}", list[3]);
    assert!(matches!(&list[10], (Slot::Auto, SlotInfo::Unreadable(why)) if why.contains("truncated")), "{:?}", list[10]);
    assert!(matches!(list[0], (Slot::Numbered(0), SlotInfo::Empty)));

    let loaded = block_on(game.load_state(&*io, &pool, Slot::Numbered(2))).unwrap();
    assert_eq!(loaded, state);
    let error = block_on(game.load_state(&*io, &pool, Slot::Numbered(3))).unwrap_err();
    assert!(error.to_string().contains("another game"), "{error}");
    let error = block_on(game.load_state(&*io, &pool, Slot::Numbered(5))).unwrap_err();
    assert!(error.to_string().contains("slot5.state: not found"), "{error}");

    assert_eq!(block_on(game.load_battery(&*io, &pool)).unwrap(), None, "a first start has no save");
    block_on(game.save_battery(&*io, &pool, &[7u8; 8192])).unwrap();
    assert_eq!(block_on(game.load_battery(&*io, &pool)).unwrap(), Some(vec![7u8; 8192]));
    assert_eq!(std::fs::read_to_string(game.dir().join("game.txt")).unwrap(), "Tiny Game");
    assert_eq!(pool.stats().in_use_bytes, 0);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_recent_list_is_newest_first_with_names_sources_and_autosaves() {
    let root = std::env::temp_dir().join(format!("phosphor-recent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let folders = Folders { data: root.join("data"), config: root.join("config") };
    let io = phosphor_io::start();
    let pool = BufferPool::new(8 << 20);
    assert!(block_on(folders.recent(&*io, &pool)).is_empty(), "no games folder yet: nothing, no error");

    let mut first = Nes::from_ines(&rom(1)).unwrap();
    first.run_frame();
    let older = folders.game(first.cartridge().rom_hash());
    block_on(older.remember_name(&*io, &pool, "Older.nes")).unwrap();
    block_on(older.remember_source(&*io, &pool, std::path::Path::new("/roms/Older.nes"))).unwrap();
    block_on(older.save_state(&*io, &pool, Slot::Auto, &first.save_state(b"thumb-1"))).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = Nes::from_ines(&rom(2)).unwrap();
    let newer = folders.game(second.cartridge().rom_hash());
    block_on(newer.remember_name(&*io, &pool, "Newer.nes")).unwrap();
    std::fs::create_dir_all(folders.data.join("games/not-a-game")).unwrap();

    let recent = block_on(folders.recent(&*io, &pool));
    let names: Vec<_> = recent.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Newer.nes", "Older.nes"], "newest first; the stray folder skipped");
    assert_eq!(recent[0].autosave, None);
    assert_eq!(recent[0].source, None);
    let old = &recent[1];
    assert_eq!(old.rom_hash, first.cartridge().rom_hash());
    assert_eq!(old.source.as_deref(), Some(std::path::Path::new("/roms/Older.nes")));
    let autosave = old.autosave.as_ref().expect("its autosave");
    assert_eq!((autosave.frame, autosave.thumbnail.as_slice()), (1, &b"thumb-1"[..]));
    let _ = std::fs::remove_dir_all(&root);
}
