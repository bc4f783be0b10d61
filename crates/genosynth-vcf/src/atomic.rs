//! Atomic file writes, the one implementation every genosynth crate uses: a temporary file in
//! the target's directory (so the final rename stays on one file system), flushed and synced,
//! then renamed over the target. A reader sees the old file or the new one, never half of one;
//! a failure leaves no temporary file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};

/// Writes `bytes` to `path` atomically (see the module notes); `path`'s directory must exist.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("report.json");
/// genosynth_vcf::write_atomic(&path, b"{}")?;
/// assert_eq!(std::fs::read(&path)?, b"{}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The temporary file cannot be created, written or renamed; the error names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let write = || -> Result<(), ErrorKind> {
        let mut temp = temp_file(&parent_dir(path))?;
        temp.write_all(bytes).map_err(ErrorKind::Io)?;
        temp.as_file().sync_all().map_err(ErrorKind::Io)?;
        temp.persist(path).map_err(|e| ErrorKind::Io(e.error))?;
        Ok(())
    };
    write().map_err(|kind| Error::new(path, kind))
}

/// The directory a file at `path` lives in (`.` for a bare name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file in `dir` (the output's directory, so that the final rename is atomic),
/// removed unless persisted.
pub(crate) fn temp_file(dir: &Path) -> Result<tempfile::NamedTempFile, ErrorKind> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".genosynth-");
    // Temporary files are private (0600) by default; the output is an ordinary file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    builder.tempfile_in(dir).map_err(ErrorKind::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent").join("a.txt");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
        assert!(!path.exists());
    }
}
