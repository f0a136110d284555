//! A child process writes save states durably in a loop and is killed with
//! SIGKILL at random moments, many times over, on each backend. After every
//! kill the slot holds a complete state: the one before or a newer one,
//! never a torn one.
#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use phosphor_io::durable::write_file;
use phosphor_io::{block_on, BufferPool};

const CHILD: &str = "PHOSPHOR_IO_CRASH_CHILD";

/// A state: sequence number, length, bytes from both, FNV checksum last.
fn state(seq: u64) -> Vec<u8> {
    let len = 60_000 + (seq as usize * 7919) % 900_000;
    let mut out = Vec::with_capacity(len + 24);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(len as u64).to_le_bytes());
    out.extend((0..len).map(|i| (i as u64 ^ seq.wrapping_mul(0x9E37)) as u8));
    let sum = fnv(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The sequence number of a complete, valid state, or why it is not one.
fn check(file: &[u8]) -> Result<u64, String> {
    if file.len() < 24 {
        return Err(format!("{} bytes", file.len()));
    }
    let (body, sum) = file.split_at(file.len() - 8);
    if fnv(body).to_le_bytes() != sum {
        return Err("checksum".into());
    }
    let seq = u64::from_le_bytes(body[..8].try_into().unwrap());
    if body.len() != 16 + u64::from_le_bytes(body[8..16].try_into().unwrap()) as usize {
        return Err("length".into());
    }
    Ok(seq)
}

/// The child: writes states seq, seq+1, ... to the slot until killed.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD) else { return };
    let slot = Path::new(&dir).join("slot.state");
    let io = phosphor_io::start();
    let pool = BufferPool::new(8 << 20);
    let mut seq = check(&std::fs::read(&slot).unwrap()).unwrap();
    loop {
        seq += 1;
        block_on(write_file(&*io, &pool, &slot, &state(seq))).unwrap();
    }
}

#[test]
fn killed_mid_write_the_slot_holds_a_whole_state() {
    for backend in ["threads", "uring"] {
        if backend == "uring" && phosphor_io::UringBackend::new().is_err() {
            eprintln!("SKIPPED io_uring crash test: the kernel refuses io_uring");
            continue;
        }
        let dir = std::env::temp_dir().join(format!("phosphor-io-crash-{backend}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let slot = dir.join("slot.state");
        std::fs::write(&slot, state(0)).unwrap();

        let mut rng = 0x2545_F491_4F6C_DD1Du64 ^ u64::from(std::process::id());
        let (mut last, mut advanced) = (0, 0);
        for kill in 0..30 {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
                .env(CHILD, &dir)
                .env("PHOSPHOR_IO", backend)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            std::thread::sleep(Duration::from_millis(20 + rng % 180));
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();

            let seq = check(&std::fs::read(&slot).unwrap())
                .unwrap_or_else(|why| panic!("{backend}: kill {kill}: the slot is torn ({why})"));
            assert!(seq >= last, "{backend}: kill {kill}: state {seq} after {last}");
            advanced += usize::from(seq > last);
            last = seq;
        }
        assert!(advanced >= 10, "{backend}: the child saved between most kills ({advanced} of 30)");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
