//! Opening a file and telling what it holds from its first bytes, not its name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::num::NonZero;
use std::path::Path;

use noodles_bgzf as bgzf;

use crate::error::ErrorKind;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Plain VCF text.
    Vcf,
    /// BGZF-compressed VCF (indexable).
    VcfBgzf,
    /// Ordinary gzip VCF (not indexable).
    VcfGzip,
    /// BCF (BGZF or raw).
    Bcf,
    /// The `.hapt` text format.
    Hapt,
    /// PLINK 2 `.pgen` with `.pvar` and `.psam` beside it.
    Pgen,
    /// BGEN v1.2 (with `.sample` beside it or embedded sample IDs).
    Bgen,
}

impl InputFormat {
    /// Parses an `--input-format` name: `vcf`, `bcf`, `hapt`, `pgen` or `bgen`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "vcf" => Some(Self::Vcf),
            "bcf" => Some(Self::Bcf),
            "hapt" => Some(Self::Hapt),
            "pgen" | "plink2" => Some(Self::Pgen),
            "bgen" => Some(Self::Bgen),
            _ => None,
        }
    }

    /// The binary format a file name or its first bytes announce (`.pgen`: magic `6c 1b`;
    /// `.bgen`: `bgen` at byte 16), `None` for text formats, which are told from their content.
    pub(crate) fn binary(path: &Path) -> Option<Self> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".pgen") {
            return Some(Self::Pgen);
        }
        if name.ends_with(".bgen") {
            return Some(Self::Bgen);
        }
        // Only regular files are sniffed: bytes read from a pipe would be lost to the reader.
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let mut head = Vec::new();
        File::open(path)
            .ok()?
            .take(20)
            .read_to_end(&mut head)
            .ok()?;
        if head.len() >= 3
            && head[..2] == [0x6c, 0x1b]
            && matches!(head[2], 0x02..=0x04 | 0x10 | 0x11 | 0x20 | 0x21)
        {
            Some(Self::Pgen)
        } else if head.len() == 20 && &head[16..20] == b"bgen" {
            Some(Self::Bgen)
        } else {
            None
        }
    }
}

/// An opened, decompressed stream and what it holds.
pub(crate) struct Input {
    pub(crate) reader: Box<dyn BufRead + Send>,
    pub(crate) format: InputFormat,
}

/// Whether `path` names stdin/stdout.
pub(crate) fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `path` with `.ext` appended (`x.vcf.gz` -> `x.vcf.gz.tbi`).
pub(crate) fn with_extension(path: &Path, ext: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    name.into()
}

/// Reads up to `n` bytes (fewer only at end of stream).
fn read_prefix(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut prefix = vec![0u8; n];
    let mut filled = 0;
    while filled < n {
        match reader.read(&mut prefix[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    prefix.truncate(filled);
    Ok(prefix)
}

/// Maps an error from a decompressing reader: bad data there means a bad gzip/BGZF stream.
pub(crate) fn decompress_error(err: io::Error, compressed: bool) -> ErrorKind {
    if compressed
        && matches!(
            err.kind(),
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput
        )
    {
        ErrorKind::Compressed(err)
    } else {
        ErrorKind::Io(err)
    }
}

/// BGZF decompression workers for `threads` (0 = up to 4 of the available cores).
pub(crate) fn worker_count(threads: usize) -> NonZero<usize> {
    let n = if threads == 0 {
        std::thread::available_parallelism()
            .map_or(1, NonZero::get)
            .min(4)
    } else {
        threads
    };
    NonZero::new(n).unwrap_or(NonZero::<usize>::MIN)
}

/// Opens `path` (`-` = stdin), undoes gzip/BGZF and detects VCF, BCF or `.hapt`.
pub(crate) fn open(path: &Path, threads: usize) -> Result<Input, ErrorKind> {
    let mut raw: Box<dyn Read + Send> = if is_stdio(path) {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).map_err(ErrorKind::Open)?)
    };
    let magic = read_prefix(&mut raw, 18).map_err(ErrorKind::Io)?;
    if magic.is_empty() {
        return Err(ErrorKind::Empty);
    }
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let bgzf = gzip && magic.len() >= 18 && magic[3] & 4 != 0 && &magic[12..14] == b"BC";
    let chained = Cursor::new(magic).chain(raw);
    let mut reader: Box<dyn BufRead + Send> = if bgzf {
        Box::new(bgzf::io::MultithreadedReader::with_worker_count(
            worker_count(threads),
            chained,
        ))
    } else if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(chained),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, chained))
    };
    let head = read_prefix(&mut reader, 64).map_err(|e| decompress_error(e, gzip))?;
    if head.is_empty() {
        return Err(ErrorKind::Empty);
    }
    let format = if head.starts_with(b"BCF") {
        InputFormat::Bcf
    } else if head.starts_with(b"#") {
        match (bgzf, gzip) {
            (true, _) => InputFormat::VcfBgzf,
            (false, true) => InputFormat::VcfGzip,
            _ => InputFormat::Vcf,
        }
    } else if has_hapt_extension(path) || looks_like_hapt(&head) {
        InputFormat::Hapt
    } else {
        return Err(ErrorKind::NotVcf {
            start: printable(&head),
        });
    };
    let reader: Box<dyn BufRead + Send> = Box::new(Cursor::new(head).chain(reader));
    Ok(Input { reader, format })
}

fn has_hapt_extension(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    name.ends_with(".hapt") || name.ends_with(".hapt.gz")
}

/// `group id 0 1 1 0 ...`: at least two words, then only 0/1 words (judged on the first bytes).
fn looks_like_hapt(head: &[u8]) -> bool {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let words: Vec<&[u8]> = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    // The last word may be cut by the 64-byte window; it must still be a prefix of 0/1.
    words.len() >= 3
        && words[..2]
            .iter()
            .all(|w| w.iter().all(|b| b.is_ascii_graphic()))
        && words[2..]
            .iter()
            .all(|w| w.len() == 1 && matches!(w[0], b'0' | b'1'))
}

/// The first bytes of a file, readable in a message.
fn printable(head: &[u8]) -> String {
    head.iter()
        .take(24)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hapt_sniffing() {
        assert!(looks_like_hapt(b"AG AG0 0 1 1 0\nAG AG1 0 0"));
        assert!(!looks_like_hapt(b"hello world\n"));
        assert!(!looks_like_hapt(b"a b 0 2 1\n"));
    }

    #[test]
    fn printable_escapes_binary() {
        assert_eq!(printable(b"AB\x00\xff"), "AB\\x00\\xff");
    }
}
