//! VCF text: the header, and a tight parser for record lines.
//!
//! Record lines are parsed by hand, byte by byte, into a reused [`RawRecord`]: no allocation per
//! genotype and no per-record string for the sample columns. Only the GT sub-field is read.

use std::io::BufRead;

use crate::error::{ErrorKind, RecordProblem};
use crate::record::{RawRecord, gt_problem, parse_gt};

/// The parts of a VCF text header genosynth uses.
#[derive(Debug, Default, Clone)]
pub(crate) struct TextHeader {
    /// Sample names from the `#CHROM` line.
    pub(crate) samples: Vec<String>,
    /// `##contig` IDs and lengths, in header order.
    pub(crate) contigs: Vec<(String, Option<u64>)>,
    /// `##genosynth…=value` lines (what genosynth recorded when it wrote the file).
    pub(crate) metadata: Vec<(String, String)>,
    /// Lines read, including `#CHROM`.
    pub(crate) lines: usize,
}

const FIXED: [&str; 8] = [
    "#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
];

/// Reads the header through the `#CHROM` line.
pub(crate) fn read_header(
    reader: &mut dyn BufRead,
    line: &mut Vec<u8>,
    compressed: bool,
) -> Result<TextHeader, ErrorKind> {
    let mut header = TextHeader::default();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', line)
            .map_err(|e| crate::input::decompress_error(e, compressed))?;
        header.lines += 1;
        let no = header.lines;
        let text = String::from_utf8_lossy(trim_newline(line)).into_owned();
        if n == 0 {
            return Err(ErrorKind::Header {
                line: no,
                message: "file ends before the #CHROM header line".into(),
            });
        }
        if no == 1 && !text.starts_with("##fileformat=VCF") {
            return Err(ErrorKind::Header {
                line: 1,
                message: format!(
                    "expected ##fileformat=VCFv4.x, found {:?}",
                    truncate(&text, 40)
                ),
            });
        }
        if let Some(meta) = text.strip_prefix("##") {
            if let Some((key, value)) = meta.split_once('=')
                && key.starts_with("genosynth")
            {
                header.metadata.push((key.to_string(), value.to_string()));
            }
            if let Some(contig) = meta.strip_prefix("contig=<") {
                header
                    .contigs
                    .push(parse_contig(contig).ok_or_else(|| ErrorKind::Header {
                        line: no,
                        message: format!("malformed contig line {:?}", truncate(&text, 60)),
                    })?);
            }
            continue;
        }
        if !text.starts_with("#CHROM") {
            return Err(ErrorKind::Header {
                line: no,
                message: format!(
                    "missing #CHROM header line (found {:?})",
                    truncate(&text, 40)
                ),
            });
        }
        let cols: Vec<&str> = text.split('\t').collect();
        if cols.len() < 8 || cols[..8] != FIXED {
            return Err(ErrorKind::Header {
                line: no,
                message: "the #CHROM line must be tab-separated: #CHROM POS ID REF ALT QUAL FILTER INFO [FORMAT samples...]".into(),
            });
        }
        if cols.len() > 8 && cols[8] != "FORMAT" {
            return Err(ErrorKind::Header {
                line: no,
                message: format!(
                    "column 9 of the #CHROM line is {:?}, expected FORMAT",
                    cols[8]
                ),
            });
        }
        header.samples = cols.iter().skip(9).map(|s| s.to_string()).collect();
        let mut seen = std::collections::HashSet::new();
        for s in &header.samples {
            if s.is_empty() || !seen.insert(s.as_str()) {
                return Err(ErrorKind::Header {
                    line: no,
                    message: format!("sample name {s:?} is empty or repeated"),
                });
            }
        }
        return Ok(header);
    }
}

fn parse_contig(fields: &str) -> Option<(String, Option<u64>)> {
    let fields = fields.strip_suffix('>')?;
    let mut id = None;
    let mut length = None;
    for kv in fields.split(',') {
        if let Some(v) = kv.strip_prefix("ID=") {
            id = Some(v.to_string());
        } else if let Some(v) = kv.strip_prefix("length=") {
            length = v.parse().ok();
        }
    }
    Some((id?, length))
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A line without its `\n` / `\r\n`.
pub(crate) fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Parses record lines for a given header and sample selection.
#[derive(Debug, Clone)]
pub(crate) struct RecordParser {
    /// Header sample names.
    pub(crate) names: Vec<String>,
    /// For each header sample, its slot among the selected samples.
    pub(crate) slots: Vec<Option<u32>>,
    /// Number of selected samples.
    pub(crate) selected: usize,
}

/// Why a line failed: the record name (`CHROM:POS` or `line N`) and the problem.
pub(crate) type LineError = (String, RecordProblem);

impl RecordParser {
    /// Parses one record line (without newline) into `rec`; `line_no` names it when POS is
    /// unreadable.
    pub(crate) fn parse(
        &self,
        line: &[u8],
        line_no: u64,
        rec: &mut RawRecord,
    ) -> Result<(), LineError> {
        let expected = if self.names.is_empty() {
            8
        } else {
            9 + self.names.len()
        };
        let mut fields = line.split(|&b| b == b'\t');
        let mut next = |found: usize| {
            fields.next().ok_or_else(|| {
                (
                    format!("line {line_no}"),
                    RecordProblem::ColumnCount { expected, found },
                )
            })
        };
        let chrom = next(0)?;
        let pos = next(1)?;
        let id = next(2)?;
        let reference = next(3)?;
        let alt = next(4)?;
        let _qual = next(5)?;
        let _filter = next(6)?;
        let _info = next(7)?;
        rec.chrom.clear();
        rec.chrom.push_str(&String::from_utf8_lossy(chrom));
        rec.pos = std::str::from_utf8(pos)
            .ok()
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|&p| p > 0)
            .ok_or_else(|| {
                (
                    format!("line {line_no}"),
                    RecordProblem::BadPosition(String::from_utf8_lossy(pos).into_owned()),
                )
            })?;
        let name = || rec_name(chrom, pos);
        if rec.chrom.is_empty() {
            return Err((name(), RecordProblem::BadAlleles("empty CHROM".into())));
        }
        rec.id.clear();
        rec.id.push_str(&String::from_utf8_lossy(id));
        let reference = std::str::from_utf8(reference).unwrap_or("");
        if reference.is_empty() || reference == "." {
            return Err((name(), RecordProblem::BadAlleles("empty REF".into())));
        }
        rec.reference.clear();
        rec.reference.push_str(reference);
        let alt = std::str::from_utf8(alt)
            .map_err(|_| (name(), RecordProblem::BadAlleles("ALT is not text".into())))?;
        if alt.is_empty() {
            return Err((name(), RecordProblem::BadAlleles("empty ALT".into())));
        }
        rec.set_alts(alt).map_err(|p| (name(), p))?;
        let n_alts = rec.n_alts();

        rec.gts.clear();
        rec.gts.resize(self.selected, Default::default());
        if self.names.is_empty() {
            if let Some(_extra) = fields.next() {
                let found = 9 + fields.count();
                return Err((name(), RecordProblem::ColumnCount { expected, found }));
            }
            return Ok(());
        }
        let format = fields
            .next()
            .ok_or_else(|| (name(), RecordProblem::ColumnCount { expected, found: 8 }))?;
        let gt_index = format
            .split(|&b| b == b':')
            .position(|k| k == b"GT")
            .ok_or_else(|| {
                (
                    name(),
                    RecordProblem::NoGenotypeField(String::from_utf8_lossy(format).into_owned()),
                )
            })?;
        let mut column = 0;
        for sample in fields {
            let Some(&slot) = self.slots.get(column) else {
                column += 1;
                continue;
            };
            column += 1;
            let Some(slot) = slot else { continue };
            let gt_text = if gt_index == 0 {
                sample.split(|&b| b == b':').next().unwrap_or(sample)
            } else {
                // A sample may drop trailing sub-fields: GT absent means missing.
                sample.split(|&b| b == b':').nth(gt_index).unwrap_or(b".")
            };
            let gt = parse_gt(gt_text, n_alts).map_err(|e| {
                (
                    name(),
                    gt_problem(e, &self.names[column - 1], gt_text, n_alts),
                )
            })?;
            rec.gts[slot as usize] = gt;
        }
        if column != self.names.len() {
            return Err((
                name(),
                RecordProblem::ColumnCount {
                    expected,
                    found: 9 + column,
                },
            ));
        }
        Ok(())
    }
}

fn rec_name(chrom: &[u8], pos: &[u8]) -> String {
    format!(
        "{}:{}",
        String::from_utf8_lossy(chrom),
        String::from_utf8_lossy(pos)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::MISSING;

    fn parser(names: &[&str]) -> RecordParser {
        RecordParser {
            names: names.iter().map(|s| s.to_string()).collect(),
            slots: (0..names.len() as u32).map(Some).collect(),
            selected: names.len(),
        }
    }

    #[test]
    fn header_needs_fileformat_and_chrom_line() {
        let text = b"##fileformat=VCFv4.3\n##contig=<ID=1,length=100>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n";
        let mut line = Vec::new();
        let h = read_header(&mut &text[..], &mut line, false).unwrap();
        assert_eq!(h.samples, ["A", "B"]);
        assert_eq!(h.contigs, [("1".to_string(), Some(100))]);
        let bad = b"##fileformat=VCFv4.3\n1\t1\t.\tA\tG\t.\t.\t.\n";
        let err = read_header(&mut &bad[..], &mut line, false).unwrap_err();
        assert!(err.to_string().contains("missing #CHROM"), "{err}");
        let bad = b"hello\n";
        assert!(read_header(&mut &bad[..], &mut line, false).is_err());
    }

    #[test]
    fn parses_record_with_gt_not_first_and_missing_subfields() {
        let p = parser(&["A", "B", "C"]);
        let mut rec = RawRecord::default();
        p.parse(
            b"1\t10\trs1\tA\tG,T\t.\tPASS\t.\tDP:GT\t3:0|2\t4:1/1\t5",
            7,
            &mut rec,
        )
        .unwrap();
        assert_eq!(rec.name(), "1:10");
        assert_eq!(rec.n_alts(), 2);
        assert_eq!(rec.alt(1), "T");
        assert_eq!(rec.gts[0].alleles, [0, 2]);
        assert!(!rec.gts[1].phased);
        assert_eq!(rec.gts[2].alleles[0], MISSING);
    }

    #[test]
    fn record_errors_name_the_record() {
        let p = parser(&["A", "B"]);
        let mut rec = RawRecord::default();
        let (name, problem) = p
            .parse(b"1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|1", 3, &mut rec)
            .unwrap_err();
        assert_eq!(name, "1:10");
        assert_eq!(
            problem,
            RecordProblem::ColumnCount {
                expected: 11,
                found: 10
            }
        );
        let (name, problem) = p
            .parse(b"1\tx\t.\tA\tG\t.\t.\t.\tGT\t0|1\t0|0", 3, &mut rec)
            .unwrap_err();
        assert_eq!(name, "line 3");
        assert!(matches!(problem, RecordProblem::BadPosition(_)));
        let (_, problem) = p
            .parse(b"1\t5\t.\tA\tG\t.\t.\t.\tDP\t1\t2", 3, &mut rec)
            .unwrap_err();
        assert!(matches!(problem, RecordProblem::NoGenotypeField(_)));
        let (_, problem) = p
            .parse(b"1\t5\t.\tA\tG\t.\t.\t.\tGT\t0|3\t0|0", 3, &mut rec)
            .unwrap_err();
        assert!(matches!(
            problem,
            RecordProblem::AlleleBeyondAlts { allele: 3, .. }
        ));
        assert!(
            p.parse(b"1\t5\t.\tA\tG\t.\t.\t.\tGT\t0|1\t0|0\t1|1", 3, &mut rec)
                .is_err()
        );
    }
}
