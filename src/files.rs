//! Files the CLI writes (screenshots, sounds, save states, movies) go
//! through the I/O layer's durable writer: at every instant the path holds
//! the old file or the new one, each complete.

use anyhow::Context;
use phosphor_io::durable::write_file;
use phosphor_io::{block_on, BufferPool};
use std::path::Path;

/// Buffer memory for one CLI write: four of the pool's largest buffers.
const POOL_BYTES: usize = 4 << 20;

/// Replaces `path` with `bytes` atomically and durably.
pub fn durable_write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let io = phosphor_io::start();
    let pool = BufferPool::new(POOL_BYTES);
    let result = block_on(write_file(&*io, &pool, path, bytes));
    io.shutdown();
    result.context("cannot save")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = std::env::temp_dir().join(format!("phosphor-durable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("slot.state");
        durable_write(&path, b"old").unwrap();
        durable_write(&path, b"new contents").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new contents");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "only the file itself");
        // A folder that does not exist: an error naming the file, nothing created.
        let error = durable_write(&dir.join("missing/slot.state"), b"x").unwrap_err();
        assert!(format!("{error:#}").contains("missing/slot.state: not found"), "{error:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
