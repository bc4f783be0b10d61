//! Regions (`chr1`, `chr1:100`, `chr1:100-200`, 1-based inclusive), regions files, and index
//! queries.

use std::path::Path;

use noodles_bgzf as bgzf;
use noodles_core::Position;
use noodles_core::region::Interval;
use noodles_csi::BinningIndex;
use noodles_csi::binning_index::index::reference_sequence::bin::Chunk;

use crate::error::{Error, ErrorKind};

/// A genomic region: one chromosome, 1-based inclusive positions (`end` is `u64::MAX` for "to
/// the end of the chromosome").
///
/// ```
/// use genosynth_vcf::Region;
/// let r: Region = "chr1:1,000-2000".parse()?;
/// assert_eq!((r.chrom.as_str(), r.start, r.end), ("chr1", 1000, 2000));
/// assert_eq!(r.to_string(), "chr1:1000-2000");
/// assert_eq!("X".parse::<Region>()?.end, u64::MAX);
/// # Ok::<(), genosynth_vcf::ErrorKind>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Chromosome name as the file spells it.
    pub chrom: String,
    /// First position (1-based).
    pub start: u64,
    /// Last position (1-based, inclusive); `u64::MAX` = to the end.
    pub end: u64,
}

impl Region {
    /// Parses `chr1`, `chr1:100`, `chr1:100-200`, `chr1:100-` (thousands separators allowed).
    pub fn parse(text: &str) -> Result<Self, ErrorKind> {
        let bad = |message: &str| ErrorKind::Region {
            region: text.to_string(),
            message: message.to_string(),
        };
        let text_trim = text.trim();
        if text_trim.is_empty() {
            return Err(bad("empty region"));
        }
        let Some((chrom, range)) = text_trim.rsplit_once(':') else {
            return Ok(Self {
                chrom: text_trim.to_string(),
                start: 1,
                end: u64::MAX,
            });
        };
        let num = |s: &str| -> Result<u64, ErrorKind> {
            s.replace(',', "")
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| bad("positions must be positive integers (CHROM:START-END)"))
        };
        let (start, end) = match range.split_once('-') {
            None => {
                let p = num(range)?;
                (p, p)
            }
            Some((s, "")) => (num(s)?, u64::MAX),
            Some((s, e)) => (num(s)?, num(e)?),
        };
        if chrom.is_empty() {
            return Err(bad("missing chromosome"));
        }
        if end < start {
            return Err(bad("end is before start"));
        }
        Ok(Self {
            chrom: chrom.to_string(),
            start,
            end,
        })
    }

    /// Whether a record at `pos` spanning `len` reference bases overlaps (bcftools `-r`).
    pub fn overlaps(&self, chrom: &str, pos: u64, len: usize) -> bool {
        let last = pos + (len.max(1) as u64) - 1;
        chrom == self.chrom && pos <= self.end && last >= self.start
    }
}

impl std::str::FromStr for Region {
    type Err = ErrorKind;

    fn from_str(text: &str) -> Result<Self, ErrorKind> {
        Self::parse(text)
    }
}

/// The text [`Region::parse`] reads back: `chr1`, `chr1:100-200` or `chr1:100-`.
impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.start, self.end) {
            (1, u64::MAX) => write!(f, "{}", self.chrom),
            (start, u64::MAX) => write!(f, "{}:{start}-", self.chrom),
            (start, end) => write!(f, "{}:{start}-{end}", self.chrom),
        }
    }
}

/// Reads a regions file: `CHROM`, `CHROM POS` or `CHROM START END` per line, whitespace
/// separated, 1-based inclusive like bcftools `-R`; a `.bed` file is 0-based half-open, as in
/// BED. Empty lines, `#` comments and `track` lines are skipped.
pub fn read_regions_file(path: &Path) -> Result<Vec<Region>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::new(path, ErrorKind::Open(e)))?;
    let bed = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bed"));
    parse_regions_text(&text, bed).map_err(|kind| Error::new(path, kind))
}

/// The lines of a regions file ([`read_regions_file`]); `bed`: 0-based half-open starts.
fn parse_regions_text(text: &str, bed: bool) -> Result<Vec<Region>, ErrorKind> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() || cols[0].starts_with('#') || cols[0] == "track" {
            continue;
        }
        let at_line = |message: String| ErrorKind::RegionsFile {
            line: i + 1,
            message,
        };
        let num = |s: &str| -> Result<u64, ErrorKind> {
            s.parse()
                .map_err(|_| at_line(format!("{s:?} is not a position")))
        };
        let text = match cols.as_slice() {
            [chrom] => chrom.to_string(),
            [chrom, pos] => format!("{chrom}:{}", num(pos)? + u64::from(bed)),
            [chrom, start, end, ..] => {
                format!("{chrom}:{}-{}", num(start)? + u64::from(bed), num(end)?)
            }
            [] => unreachable!("empty lines are skipped"),
        };
        out.push(Region::parse(&text).map_err(|e| at_line(e.to_string()))?);
    }
    Ok(out)
}

/// Index chunks covering `regions`, in file order, given how the index numbers chromosomes.
///
/// Regions on one chromosome are merged; chromosomes the index does not know have no records.
pub(crate) fn plan_chunks(
    index: &dyn BinningIndex,
    regions: &[Region],
    reference_id: impl Fn(&str) -> Option<usize>,
) -> Result<Vec<Chunk>, ErrorKind> {
    let mut keyed: Vec<(usize, &Region)> = regions
        .iter()
        .filter_map(|r| reference_id(&r.chrom).map(|id| (id, r)))
        .collect();
    keyed.sort_by_key(|&(id, r)| (id, r.start));
    let mut chunks = Vec::new();
    let mut i = 0;
    while i < keyed.len() {
        let (id, first) = keyed[i];
        let (start, mut end) = (first.start, first.end);
        i += 1;
        while i < keyed.len() && keyed[i].0 == id && keyed[i].1.start <= end.saturating_add(1) {
            end = end.max(keyed[i].1.end);
            i += 1;
        }
        let bad = |e: std::io::Error| ErrorKind::Region {
            region: first.chrom.clone(),
            message: format!("index query failed: {e}"),
        };
        let start_pos = Position::new(start as usize).unwrap_or(Position::MIN);
        // Indexes address at most 2^31 bases; clamp "to the end" there.
        let end = end.min(i32::MAX as u64) as usize;
        let interval = match Position::new(end) {
            Some(e) if end < i32::MAX as usize => Interval::from(start_pos..=e),
            _ => Interval::from(start_pos..),
        };
        chunks.extend(index.query(id, interval).map_err(bad)?);
    }
    Ok(chunks)
}

/// Tracks reading a list of chunks, skipping records already returned.
#[derive(Debug, Default)]
pub(crate) struct ChunkCursor {
    pub(crate) chunks: Vec<Chunk>,
    pub(crate) next: usize,
    pub(crate) end: Option<bgzf::VirtualPosition>,
    pub(crate) last_emitted: Option<bgzf::VirtualPosition>,
}

impl ChunkCursor {
    /// The next chunk to seek to, if any.
    pub(crate) fn advance(&mut self) -> Option<bgzf::VirtualPosition> {
        let chunk = self.chunks.get(self.next)?;
        self.next += 1;
        self.end = Some(chunk.end());
        Some(chunk.start())
    }

    /// Whether a record starting at `pos` is inside the current chunk.
    pub(crate) fn inside(&self, pos: bgzf::VirtualPosition) -> bool {
        self.end.is_some_and(|end| pos < end)
    }

    /// Whether a record starting at `pos` is new (not returned from an earlier chunk).
    pub(crate) fn take(&mut self, pos: bgzf::VirtualPosition) -> bool {
        if self.last_emitted.is_some_and(|l| pos <= l) {
            return false;
        }
        self.last_emitted = Some(pos);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_region_forms() {
        let r = Region::parse("chr1:1,000-2000").unwrap();
        assert_eq!((r.chrom.as_str(), r.start, r.end), ("chr1", 1000, 2000));
        assert_eq!(Region::parse("X").unwrap().end, u64::MAX);
        assert_eq!(Region::parse("1:5").unwrap().end, 5);
        assert_eq!(Region::parse("1:5-").unwrap().end, u64::MAX);
        assert!(Region::parse("1:9-5").is_err());
        assert!(Region::parse("1:a-5").is_err());
        assert!(Region::parse("").is_err());
    }

    #[test]
    fn display_reads_back() {
        for text in ["chr1", "chr1:5-", "chr1:5-9", "1:7-7"] {
            let r = Region::parse(text).unwrap();
            assert_eq!(Region::parse(&r.to_string()).unwrap(), r, "{text}");
        }
        assert_eq!(Region::parse("1:7").unwrap().to_string(), "1:7-7");
    }

    #[test]
    fn regions_files_are_one_based_and_bed_files_zero_based() {
        let text = "# comment\ntrack name=x\n\nchr1\nchr2 10\nchr3 10 20 name\n";
        let plain = parse_regions_text(text, false).unwrap();
        let bed = parse_regions_text(text, true).unwrap();
        let spans = |r: &[Region]| r.iter().map(|r| (r.start, r.end)).collect::<Vec<_>>();
        assert_eq!(spans(&plain), [(1, u64::MAX), (10, 10), (10, 20)]);
        assert_eq!(spans(&bed), [(1, u64::MAX), (11, 11), (11, 20)]);
        assert_eq!(bed[2].chrom, "chr3");
    }

    #[test]
    fn regions_file_errors_name_the_line_and_value() {
        let err = parse_regions_text("chr1 5\nchr1 x 9\n", false).unwrap_err();
        assert_eq!(err.to_string(), "line 2: \"x\" is not a position");
        let err = parse_regions_text("chr1 0 9\n", false).unwrap_err();
        assert!(
            err.to_string().starts_with("line 1: region \"chr1:0-9\""),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.bed");
        let err = read_regions_file(&missing).unwrap_err();
        assert!(
            err.to_string().starts_with(&missing.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn overlap_uses_the_reference_span() {
        let r = Region::parse("1:100-200").unwrap();
        assert!(r.overlaps("1", 98, 3));
        assert!(!r.overlaps("1", 98, 2));
        assert!(r.overlaps("1", 200, 1));
        assert!(!r.overlaps("2", 150, 1));
    }
}
