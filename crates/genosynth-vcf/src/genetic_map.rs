//! Genetic maps on disk ([`GeneticMap`]'s PLINK or HapMap layout), plain or gzipped, as maps
//! are shipped (e.g. `genetic_map_hg38_withX.txt.gz`).

use std::io::Read;
use std::path::Path;

use genosynth_core::GeneticMap;

use crate::error::{Error, ErrorKind};

/// Reads a genetic map, undoing gzip when the file starts with its magic bytes.
///
/// # Errors
/// The file cannot be read or decompressed, or a line is malformed (the error names the file
/// and line).
pub fn read_genetic_map(path: &Path) -> Result<GeneticMap, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::new(path, ErrorKind::Open(e)))?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .map_err(|e| Error::new(path, ErrorKind::Compressed(e)))?;
        text
    } else {
        String::from_utf8(bytes).map_err(|e| {
            Error::new(
                path,
                ErrorKind::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            )
        })?
    };
    GeneticMap::parse(&text).map_err(|e| Error::new(path, ErrorKind::Core(e)))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn plain_and_gzipped_maps_read_the_same_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "1 rs1 0.0 1000\n1 rs2 0.5 3000\n";
        let plain = dir.path().join("chr1.map");
        std::fs::write(&plain, text).unwrap();
        let gz = dir.path().join("chr1.map.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let map = read_genetic_map(&plain).unwrap();
        assert_eq!(read_genetic_map(&gz).unwrap(), map);
        assert_eq!(map.cm("1", 2000), Some(0.25));

        let bad = dir.path().join("bad.map");
        std::fs::write(&bad, "1 rs1 0.0 1000\n1 rs2 zero 3000\n").unwrap();
        let err = read_genetic_map(&bad).unwrap_err().to_string();
        assert!(err.starts_with(&bad.display().to_string()), "{err}");
        assert!(err.contains("genetic map line 2"), "{err}");
    }
}
