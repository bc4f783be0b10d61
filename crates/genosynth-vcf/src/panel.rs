//! Population panels on disk (the 1000 Genomes `.panel` layout of [`Panel`]): read, and
//! written atomically, in one place for every command and binding.

use std::path::{Path, PathBuf};

use genosynth_core::Panel;

use crate::error::{Error, ErrorKind};

/// Reads a `.panel` file (`sample pop [super_pop gender]` per line, see [`Panel::parse`]).
///
/// # Errors
/// The file cannot be read, or a line is malformed (the error names the file and line).
pub fn read_panel(path: &Path) -> Result<Panel, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::new(path, ErrorKind::Open(e)))?;
    Panel::parse(&text).map_err(|e| Error::new(path, ErrorKind::Core(e)))
}

/// Writes `panel` to `path` as [`Panel::to_text`] lays it out, atomically
/// ([`write_atomic`](crate::write_atomic)).
///
/// # Errors
/// The file cannot be written.
pub fn write_panel(path: &Path, panel: &Panel) -> Result<(), Error> {
    crate::write_atomic(path, panel.to_text().as_bytes())
}

/// Where the population labels of haplotypes written to `output` go: `OUT.panel` beside it
/// (`None` for stdout, `-`).
pub fn companion_panel_path(output: &Path) -> Option<PathBuf> {
    if output.as_os_str() == "-" {
        return None;
    }
    let mut name = output.as_os_str().to_owned();
    name.push(".panel");
    Some(PathBuf::from(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = companion_panel_path(&dir.path().join("ags.vcf.gz")).unwrap();
        assert!(path.to_string_lossy().ends_with("ags.vcf.gz.panel"));
        let panel = Panel::parse("AG_1 EUR\nAG_2 AFR\n").unwrap();
        write_panel(&path, &panel).unwrap();
        assert_eq!(read_panel(&path).unwrap(), panel);
        assert_eq!(companion_panel_path(Path::new("-")), None);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.panel");
        std::fs::write(&path, "A GBR\nB\n").unwrap();
        let err = read_panel(&path).unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let err = read_panel(&dir.path().join("absent.panel")).unwrap_err();
        assert!(
            err.to_string().contains("absent.panel: cannot open"),
            "{err}"
        );
    }
}
