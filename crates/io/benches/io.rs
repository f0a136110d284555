//! I/O benchmark, all in one run so the figures compare: loading a ROM and
//! saving a state durably through io_uring, through the thread pool and
//! through plain std::fs, with the file's pages dropped from the cache
//! (cold) and kept (warm); reading a 64 MiB file each way (and mapped);
//! and what submitting costs per operation.
//!
//! `cargo bench -p phosphor-io --bench io [-- --quick]`
// posix_fadvise, to drop a file from the page cache.
#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use phosphor_io::durable::{read_file, write_file};
use phosphor_io::mmap::{Access, MappedFile};
use phosphor_io::{block_on, BufferPool, IoBackend, Op, ThreadBackend};

/// Drops a file's pages from the page cache (clean pages need no privilege).
fn evict(path: &Path) {
    use std::os::fd::AsRawFd;
    if let Ok(file) = std::fs::File::open(path) {
        // SAFETY: advisory call on a descriptor we own for its duration.
        unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    }
}

fn std_durable_write(path: &Path, data: &[u8]) {
    use std::io::Write;
    let temp = path.with_extension("tmp-std");
    let mut file = std::fs::File::create(&temp).unwrap();
    file.write_all(data).unwrap();
    file.sync_all().unwrap();
    std::fs::rename(&temp, path).unwrap();
    std::fs::File::open(path.parent().unwrap()).unwrap().sync_all().unwrap();
}

struct Stats {
    median: Duration,
    p99: Duration,
}

fn measure(runs: usize, mut before: impl FnMut(), mut f: impl FnMut()) -> Stats {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            before();
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    Stats { median: times[runs / 2], p99: times[(runs * 99 / 100).min(runs - 1)] }
}

fn row(what: &str, how: &str, cache: &str, bytes: usize, s: &Stats) {
    let mb_s = bytes as f64 / s.median.as_secs_f64() / 1e6;
    println!(
        "| {what} | {how} | {cache} | {:.1} | {:.1} | {mb_s:.0} |",
        s.median.as_secs_f64() * 1e6,
        s.p99.as_secs_f64() * 1e6
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let dir = std::env::temp_dir().join(format!("phosphor-io-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pool = BufferPool::new(16 << 20);
    let mut backends: Vec<(&str, Option<Arc<dyn IoBackend>>)> =
        vec![("threads", Some(Arc::new(ThreadBackend::new(2)))), ("std::fs", None)];
    match phosphor_io::UringBackend::new() {
        Ok(u) => backends.insert(0, ("io_uring", Some(Arc::new(u)))),
        Err(e) => eprintln!("io_uring unavailable here ({e}): not measured"),
    }

    let rom: PathBuf = dir.join("game.nes");
    let rom_bytes: Vec<u8> = (0..393_232u32).map(|i| (i * 7) as u8).collect();
    std::fs::write(&rom, &rom_bytes).unwrap();
    let state = vec![0x5Au8; 180_000];
    let big = dir.join("big.bin");
    let big_bytes: Vec<u8> = (0..64u32 << 20).map(|i| (i ^ (i >> 9)) as u8).collect();
    std::fs::write(&big, &big_bytes).unwrap();
    let runs = if quick { 11 } else { 101 };
    let big_runs = if quick { 3 } else { 9 };

    println!("| operation | way | cache | median us | p99 us | MB/s |");
    println!("|---|---|---|---|---|---|");
    for (how, io) in &backends {
        for cold in [true, false] {
            let cache = if cold { "cold" } else { "warm" };
            let load = || match io {
                Some(io) => drop(block_on(read_file(&**io, &pool, &rom)).unwrap()),
                None => drop(std::fs::read(&rom).unwrap()),
            };
            let s = measure(runs, || if cold { evict(&rom) }, load);
            row("load a 384 KiB ROM", how, cache, rom_bytes.len(), &s);
        }
    }
    for (how, io) in &backends {
        let path = dir.join(format!("slot-{how}.state").replace(':', ""));
        let save = || match io {
            Some(io) => block_on(write_file(&**io, &pool, &path, &state)).unwrap(),
            None => std_durable_write(&path, &state),
        };
        let s = measure(runs / 2 + 1, || {}, save);
        row("save a 180 KB state durably", how, "-", state.len(), &s);
    }
    for (how, io) in &backends {
        for cold in [true, false] {
            let cache = if cold { "cold" } else { "warm" };
            let read = || match io {
                Some(io) => drop(block_on(read_file(&**io, &pool, &big)).unwrap()),
                None => drop(std::fs::read(&big).unwrap()),
            };
            let s = measure(big_runs, || if cold { evict(&big) }, read);
            row("read 64 MiB", how, cache, big_bytes.len(), &s);
        }
    }
    for cold in [true, false] {
        let cache = if cold { "cold" } else { "warm" };
        let read = || drop(MappedFile::open(&big, Access::Sequential).unwrap().read_all().unwrap());
        let s = measure(big_runs, || if cold { evict(&big) }, read);
        row("read 64 MiB", "mmap", cache, big_bytes.len(), &s);
        let s = measure(runs, || if cold { evict(&rom) }, || {
            drop(MappedFile::open(&rom, Access::Sequential).unwrap().read_all().unwrap())
        });
        row("load a 384 KiB ROM", "mmap", cache, rom_bytes.len(), &s);
    }

    // Submission overhead: the same stat through a backend and directly.
    let n = if quick { 2_000 } else { 20_000 };
    let direct = {
        let t = Instant::now();
        for _ in 0..n {
            std::fs::metadata(&rom).unwrap();
        }
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    };
    println!("\n| way | us per stat, one at a time | us per stat, 64 in flight | overhead over a direct call |");
    println!("|---|---|---|---|");
    println!("| std::fs | {direct:.2} | - | - |");
    for (how, io) in backends.iter().filter_map(|(h, io)| io.as_ref().map(|io| (h, io))) {
        let t = Instant::now();
        for _ in 0..n {
            io.submit(Op::Stat { path: rom.clone() }).wait();
        }
        let serial = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let t = Instant::now();
        for _ in 0..n / 64 {
            let tickets: Vec<_> = (0..64).map(|_| io.submit(Op::Stat { path: rom.clone() })).collect();
            for ticket in tickets {
                ticket.wait();
            }
        }
        let batched = t.elapsed().as_secs_f64() * 1e6 / (n / 64 * 64) as f64;
        println!("| {how} | {serial:.2} | {batched:.2} | {:.2} |", serial - direct);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
