//! One suite, run on both backends: io_uring (skipped, saying so, where the
//! kernel refuses it) and the thread pool.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use phosphor_io::durable::{create_dir_all, read_file, write_file};
use phosphor_io::fault::{Faults, FaultyBackend};
use phosphor_io::{block_on, BufferPool, IoBackend, IoError, Op, OpenMode, Outcome, ThreadBackend};

fn backends() -> Vec<(&'static str, Arc<dyn IoBackend>)> {
    let mut list: Vec<(&'static str, Arc<dyn IoBackend>)> = vec![("threads", Arc::new(ThreadBackend::new(2)))];
    #[cfg(target_os = "linux")]
    match phosphor_io::UringBackend::new() {
        Ok(uring) => list.push(("uring", Arc::new(uring))),
        Err(e) => eprintln!("SKIPPED io_uring backend: the kernel refuses it ({e})"),
    }
    list
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phosphor-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn done(io: &dyn IoBackend, op: Op) -> (Result<Outcome, IoError>, Option<phosphor_io::PoolBuf>) {
    let c = io.submit(op).wait_timeout(Duration::from_secs(10)).expect("completes");
    (c.result, c.buf)
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// Files in `dir` other than `keep`.
fn strays(dir: &Path, keep: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != keep)
        .collect()
}

#[test]
fn every_operation_round_trips_and_hands_its_buffer_back() {
    for (name, io) in backends() {
        let io = &*io;
        let dir = temp_dir(&format!("ops-{name}"));
        let pool = BufferPool::new(8 << 20);
        let path = dir.join("a.bin");

        let Ok(Outcome::Opened(file)) = done(io, Op::Open { path: path.clone(), mode: OpenMode::Create }).0 else {
            panic!("{name}: open")
        };
        let mut buf = pool.get(10_000).unwrap();
        buf.fill_from(&pattern(10_000, 1));
        let (result, back) = done(io, Op::Write { file, offset: 0, buf });
        assert_eq!(result.unwrap(), Outcome::Written(10_000), "{name}");
        assert_eq!(back.map(|b| b.len()), Some(10_000), "{name}: the write's buffer comes back");
        assert_eq!(done(io, Op::Fsync { file }).0.unwrap(), Outcome::Synced);
        assert_eq!(done(io, Op::Close { file }).0.unwrap(), Outcome::Closed);

        let Ok(Outcome::Stat(meta)) = done(io, Op::Stat { path: path.clone() }).0 else { panic!("{name}: stat") };
        assert_eq!((meta.len, meta.is_dir), (10_000, false), "{name}");
        assert!(meta.modified.is_some());

        let Ok(Outcome::Opened(file)) = done(io, Op::Open { path: path.clone(), mode: OpenMode::Read }).0 else {
            panic!()
        };
        let (result, back) = done(io, Op::Read { file, offset: 5000, buf: pool.get(8000).unwrap() });
        assert_eq!(result.unwrap(), Outcome::Read(5000), "{name}: reads stop at the end of the file");
        assert_eq!(&back.unwrap()[..], &pattern(10_000, 1)[5000..], "{name}");
        done(io, Op::Close { file }).0.unwrap();

        let moved = dir.join("b.bin");
        assert_eq!(done(io, Op::Rename { from: path.clone(), to: moved.clone() }).0.unwrap(), Outcome::Renamed);
        assert!(!path.exists() && moved.exists());
        assert_eq!(done(io, Op::Remove { path: moved.clone() }).0.unwrap(), Outcome::Removed);
        assert!(!moved.exists());
        assert_eq!(io.in_flight(), 0);
        assert_eq!(pool.stats().in_use_bytes, 0, "{name}: every buffer is back");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn folders_are_made_through_the_backend() {
    for (name, io) in backends() {
        let io = &*io;
        let dir = temp_dir(&format!("mkdir-{name}"));
        let deep = dir.join("games/0123/thumbs");
        block_on(create_dir_all(io, &deep)).unwrap();
        assert!(deep.is_dir(), "{name}: every missing level made");
        block_on(create_dir_all(io, &deep)).expect("a folder already there is fine");
        let error = done(io, Op::CreateDir { path: deep.clone() }).0.unwrap_err();
        assert!(error.to_string().contains("thumbs"), "{name}: one CreateDir over a folder names it: {error}");
        std::fs::write(dir.join("file"), b"x").unwrap();
        let error = block_on(create_dir_all(io, &dir.join("file/below"))).unwrap_err();
        assert!(error.to_string().contains("file"), "{name}: a file in the way is an error naming it: {error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn failures_are_typed_errors_that_name_the_file() {
    for (name, io) in backends() {
        let io = &*io;
        let dir = temp_dir(&format!("errors-{name}"));
        let missing = dir.join("missing.nes");
        let error = done(io, Op::Open { path: missing.clone(), mode: OpenMode::Read }).0.unwrap_err();
        assert!(matches!(error, IoError::NotFound { .. }), "{name}: {error}");
        assert!(error.to_string().contains("missing.nes") && error.to_string().contains("not found"), "{error}");
        let error = done(io, Op::Stat { path: missing.clone() }).0.unwrap_err();
        assert!(matches!(error, IoError::NotFound { .. }), "{name}: {error}");
        let error = done(io, Op::Fsync { file: phosphor_io::FileId(999_999) }).0.unwrap_err();
        assert!(matches!(error, IoError::BadFile), "{name}: {error}");
        let pool = BufferPool::new(1 << 20);
        let error = block_on(read_file(io, &pool, &missing)).unwrap_err();
        assert!(error.to_string().contains("missing.nes"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
    let denied = IoError::from_os("open", Some("x.sav".into()), std::io::Error::from_raw_os_error(libc::EACCES));
    assert_eq!(denied.to_string(), "x.sav: permission denied");
    let full = IoError::from_os("write", None, std::io::Error::from_raw_os_error(libc::ENOSPC));
    assert_eq!(full.with_path(Path::new("slot2.state")).to_string(), "slot2.state: the disk is full");
}

#[test]
fn whole_files_read_and_write_durably_across_buffers() {
    for (name, io) in backends() {
        let io = &*io;
        let dir = temp_dir(&format!("whole-{name}"));
        let pool = BufferPool::new(4 << 20);
        let path = dir.join("big.state");
        let data = pattern(3 << 20 | 12345, 7);
        block_on(write_file(io, &pool, &path, &data)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data, "{name}");
        assert_eq!(block_on(read_file(io, &pool, &path)).unwrap(), data, "{name}");
        // Over an old file, leaving nothing else in the folder.
        block_on(write_file(io, &pool, &path, b"short")).unwrap();
        assert_eq!(block_on(read_file(io, &pool, &path)).unwrap(), b"short");
        assert!(strays(&dir, "big.state").is_empty(), "{name}: {:?}", strays(&dir, "big.state"));
        assert_eq!(pool.stats().in_use_bytes, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_failed_save_leaves_the_previous_one_whole() {
    for (name, io) in backends() {
        let dir = temp_dir(&format!("faults-{name}"));
        let pool = BufferPool::new(4 << 20);
        let path = dir.join("slot1.state");
        let old = pattern(200_000, 3);
        block_on(write_file(&*io, &pool, &path, &old)).unwrap();
        let faulty = FaultyBackend::new(Arc::clone(&io), Faults::default());
        let new = pattern(2_500_000, 9);

        // The disk fills part way through (a short write, then nothing).
        for budget in [0, 1, 4096, 1_000_000, 2_400_000] {
            faulty.set(Faults { write_budget: Some(budget), fail_op: None });
            let error = block_on(write_file(&faulty, &pool, &path, &new)).unwrap_err();
            assert!(matches!(error, IoError::DiskFull { .. } | IoError::Short { .. }), "{name} {budget}: {error}");
            assert!(error.to_string().contains("slot1.state"), "{error}");
            assert_eq!(std::fs::read(&path).unwrap(), old, "{name}: budget {budget}: the old save is intact");
            assert!(strays(&dir, "slot1.state").is_empty(), "{name}: the temporary file is gone");
        }
        // Each step of the sequence failing outright.
        for op in ["open", "write", "fsync", "close", "rename"] {
            faulty.set(Faults { write_budget: None, fail_op: Some(op) });
            let error = block_on(write_file(&faulty, &pool, &path, &new)).unwrap_err();
            assert!(error.to_string().contains("slot1.state"), "{name} {op}: {error}");
            assert_eq!(std::fs::read(&path).unwrap(), old, "{name}: {op} failing keeps the old save");
            assert!(strays(&dir, "slot1.state").is_empty(), "{name}: {op}: {:?}", strays(&dir, "slot1.state"));
        }
        faulty.set(Faults::default());
        block_on(write_file(&faulty, &pool, &path, &new)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), new);
        assert_eq!(pool.stats().in_use_bytes, 0, "{name}: no buffer leaked by the failures");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn shutdown_with_io_in_flight_completes_or_cancels_everything() {
    for (name, io) in backends() {
        let dir = temp_dir(&format!("shutdown-{name}"));
        let pool = BufferPool::new(64 << 20);
        let path = dir.join("data.bin");
        std::fs::write(&path, pattern(1 << 20, 5)).unwrap();
        let Ok(Outcome::Opened(file)) = done(&*io, Op::Open { path: path.clone(), mode: OpenMode::Read }).0 else {
            panic!()
        };
        let tickets: Vec<_> = (0..300)
            .map(|i| io.submit(Op::Read { file, offset: (i % 16) * 65536, buf: pool.get(65536).unwrap() }))
            .collect();
        // Cancel some, best effort.
        for t in tickets.iter().step_by(7) {
            io.cancel(t.id());
        }
        io.shutdown();
        let (mut read, mut cancelled) = (0, 0);
        for t in tickets {
            let c = t.wait_timeout(Duration::from_secs(10)).expect("every operation completes");
            match c.result {
                Ok(Outcome::Read(65536)) => read += 1,
                Err(IoError::Cancelled | IoError::ShutDown) => cancelled += 1,
                other => panic!("{name}: {other:?}"),
            }
            assert!(c.buf.is_some(), "{name}: the buffer comes back either way");
        }
        assert_eq!(read + cancelled, 300, "{name}");
        assert_eq!(io.in_flight(), 0, "{name}");
        assert_eq!(pool.stats().in_use_bytes, 0, "{name}: no buffer leaked");
        assert_eq!(pool.stats().in_use_buffers, 0);
        let after = done(&*io, Op::Stat { path: path.clone() }).0.unwrap_err();
        assert!(matches!(after, IoError::ShutDown), "{name}: {after}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn tickets_can_be_polled_waited_on_and_awaited() {
    for (name, io) in backends() {
        let dir = temp_dir(&format!("tickets-{name}"));
        let path = dir.join("x");
        std::fs::write(&path, b"12345").unwrap();
        let ticket = io.submit(Op::Stat { path: path.clone() });
        let completion = loop {
            if let Some(c) = ticket.try_take() {
                break c;
            }
            std::thread::yield_now();
        };
        assert!(matches!(completion.result, Ok(Outcome::Stat(m)) if m.len == 5), "{name}");
        assert!(ticket.try_take().is_none(), "taken once");
        let awaited = block_on(io.submit(Op::Stat { path: path.clone() }));
        assert!(matches!(awaited.result, Ok(Outcome::Stat(_))), "{name}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn start_honours_phosphor_io() {
    // Whatever PHOSPHOR_IO this run was started with decides.
    let chosen = phosphor_io::start();
    let expected = match std::env::var("PHOSPHOR_IO").as_deref() {
        Ok("threads") => phosphor_io::BackendKind::Threads,
        _ if cfg!(target_os = "linux") && phosphor_io::UringBackend::new().is_ok() => phosphor_io::BackendKind::Uring,
        _ => phosphor_io::BackendKind::Threads,
    };
    assert_eq!(chosen.kind(), expected);
}

#[cfg(unix)]
#[test]
fn a_mapped_file_that_shrinks_is_an_error_not_a_crash() {
    use phosphor_io::mmap::{Access, MappedFile};
    let dir = temp_dir("mmap");
    let path = dir.join("big.bin");
    let data = pattern(8 << 20, 4);
    std::fs::write(&path, &data).unwrap();
    let map = MappedFile::open(&path, Access::Sequential).unwrap();
    assert_eq!(map.read_all().unwrap(), data);
    let mut part = Vec::new();
    map.copy_to(100..5000, &mut part).unwrap();
    assert_eq!(part, &data[100..5000]);

    // Cut the file to 1 MiB under the mapping.
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(1 << 20).unwrap();
    let mut out = b"kept".to_vec();
    let error = map.copy_to(0..map.len(), &mut out).unwrap_err();
    assert!(error.to_string().contains("big.bin") && error.to_string().contains("shrank"), "{error}");
    assert_eq!(out, b"kept", "nothing half-copied is left behind");
    // The part that is still there reads fine through a new mapping.
    let again = MappedFile::open(&path, Access::Random).unwrap();
    assert_eq!(again.read_all().unwrap(), &data[..1 << 20]);
    let empty = dir.join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert!(MappedFile::open(&empty, Access::Sequential).unwrap().read_all().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
