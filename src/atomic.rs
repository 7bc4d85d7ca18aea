//! Folders replaced as a whole: a run's outputs of a month (`output/<YYYY-MM>/`) and a store month
//! (`data/period=<YYYY-MM>/`) are built in a hidden staging folder beside the one in place and
//! swapped with it in one step, so a reader sees the whole old set or the whole new one.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const STAGING_PREFIX: &str = ".zhenxing-staging-";

const OLD_PREFIX: &str = ".zhenxing-old-";

/// Write `bytes` to `path` (its folder made if need be) as `write_file` does.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_file(dir, path, |file| file.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// Write `target` through a temporary file in `dir` beside it (`write` fills it), synced, then
/// renamed: a reader sees the old file or the new one. A killed run leaves a `.zhenxing-*.tmp`,
/// which the next run removes. The file is created readable as any file the user writes is
/// (0666 less the umask): a temporary file is private (0600) by default, and the office's staff
/// read the bulletin that a cron job's account wrote.
pub fn write_file(dir: &Path, target: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zhenxing-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    write(temp.as_file_mut())?;
    temp.as_file().sync_all().map_err(|e| Error::io(target, e))?;
    temp.persist(target).map_err(|e| Error::io(target, e.error))?;
    Ok(())
}

/// The hidden folder where the new version of `target` is built (emptied if a killed run left
/// one). A leftover this run cannot remove (another account's, after one run by hand as root;
/// a file where the folder was) no longer stops every later run: the new version is built
/// beside it under a name of its own, and the leftover stays for whoever owns it.
pub fn staging_for(target: &Path) -> Result<PathBuf> {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let usual = target.with_file_name(format!("{STAGING_PREFIX}{name}"));
    let staging = if clear(&usual) {
        usual
    } else {
        (1u32..)
            .map(|n| target.with_file_name(format!("{STAGING_PREFIX}{name}-{}-{n}", std::process::id())))
            .find(|p| std::fs::symlink_metadata(p).is_err())
            .expect("a free name")
    };
    std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    Ok(staging)
}

/// Remove whatever is at `path` (a folder, a file or a link); whether nothing is there now.
fn clear(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Err(_) => true,
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path).is_ok(),
        Ok(_) => std::fs::remove_file(path).is_ok(),
    }
}

/// Put `staging` in place of `target` in one step: on Linux an atomic exchange of the two
/// folders (`renameat2(RENAME_EXCHANGE)`), then the old version is removed; elsewhere two
/// renames, between which the folder is briefly absent (`recover` puts it back after a kill).
pub fn swap_into_place(staging: &Path, target: &Path) -> Result<()> {
    if !target.exists() {
        return std::fs::rename(staging, target).map_err(|e| Error::io(target, e));
    }
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let from = CString::new(staging.as_os_str().as_bytes()).map_err(|e| Error::io(staging, std::io::Error::other(e)))?;
        let to = CString::new(target.as_os_str().as_bytes()).map_err(|e| Error::io(target, std::io::Error::other(e)))?;
        // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
        let result = unsafe { libc::renameat2(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::RENAME_EXCHANGE) };
        if result == 0 {
            // `staging` now holds the previous version (a file, if a file stood there).
            clear(staging);
            return Ok(());
        }
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let old = target.with_file_name(format!("{OLD_PREFIX}{name}"));
    let _ = std::fs::remove_dir_all(&old);
    std::fs::rename(target, &old).map_err(|e| Error::io(target, e))?;
    std::fs::rename(staging, target).map_err(|e| Error::io(target, e))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// In `parent`, remove the staging folders a killed run left, and put back a previous version
/// that a kill between the two renames of `swap_into_place` left aside. Only while holding the
/// run's lock.
pub fn recover(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if name.starts_with(STAGING_PREFIX) {
            clear(&entry.path());
        } else if let Some(original) = name.strip_prefix(OLD_PREFIX) {
            let target = parent.join(original);
            if target.exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            } else {
                let _ = std::fs::rename(entry.path(), target);
            }
        }
    }
}
