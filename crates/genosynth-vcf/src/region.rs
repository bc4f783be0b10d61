//! Regions (`chr1`, `chr1:100`, `chr1:100-200`, 1-based inclusive) and index queries.

use noodles_bgzf as bgzf;
use noodles_core::Position;
use noodles_core::region::Interval;
use noodles_csi::BinningIndex;
use noodles_csi::binning_index::index::reference_sequence::bin::Chunk;

use crate::error::ErrorKind;

/// A parsed region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    pub(crate) chrom: String,
    pub(crate) start: u64,
    pub(crate) end: u64,
}

impl Region {
    /// Parses `chr1`, `chr1:100`, `chr1:100-200`, `chr1:100-` (thousands separators allowed).
    pub(crate) fn parse(text: &str) -> Result<Self, ErrorKind> {
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
    pub(crate) fn overlaps(&self, chrom: &str, pos: u64, len: usize) -> bool {
        let last = pos + (len.max(1) as u64) - 1;
        chrom == self.chrom && pos <= self.end && last >= self.start
    }
}

/// Parses `-r` regions and `-R` file lines (`CHROM[\tSTART[\tEND]]`, `#` comments skipped).
pub(crate) fn parse_regions(texts: &[String]) -> Result<Vec<Region>, ErrorKind> {
    texts.iter().map(|t| Region::parse(t)).collect()
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
    fn overlap_uses_the_reference_span() {
        let r = Region::parse("1:100-200").unwrap();
        assert!(r.overlaps("1", 98, 3));
        assert!(!r.overlaps("1", 98, 2));
        assert!(r.overlaps("1", 200, 1));
        assert!(!r.overlaps("2", 150, 1));
    }
}
