//! Writing files so that a crash never leaves a torn one: until the I/O
//! layer (`crates/io`) takes this over, the CLI writes through here.

use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes` atomically and durably: the bytes go to a
/// temporary file in the same folder, which is flushed to disk and renamed
/// over the old file, and the folder is flushed so the rename itself
/// survives a power cut. At every instant `path` is the old file or the
/// new one, each complete.
pub fn durable_write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        file.write_all(bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
        file.sync_all().with_context(|| format!("cannot flush {} to disk", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot move the new file over {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    // The rename is durable once the folder is; not every platform can
    // open a folder for that, and the data itself is already on disk.
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
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
        // A folder that does not exist: an error, and nothing created.
        assert!(durable_write(&dir.join("missing/slot.state"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
