//! One decoded record: the fixed fields and one genotype per selected sample.
//!
//! Both the VCF text parser and the BCF decoder fill the same reusable [`RawRecord`], so the
//! policies (multiallelic, missing, phasing, sorting) are written once.

use std::fmt::Write as _;

use crate::error::RecordProblem;

/// Marks a missing allele (`.`).
pub(crate) const MISSING: u8 = u8::MAX;
/// The most ALT alleles a record may have (allele indices must fit below [`MISSING`]).
pub(crate) const MAX_ALTS: usize = 250;

/// One sample's genotype.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Gt {
    /// Allele indices (0 = REF), [`MISSING`] for `.`; only `alleles[..ploidy]` are used.
    pub(crate) alleles: [u8; 2],
    /// 1 or 2.
    pub(crate) ploidy: u8,
    /// Whether the (diploid) genotype is written phased (`|`).
    pub(crate) phased: bool,
}

impl Gt {
    /// The GT as VCF writes it, for messages.
    pub(crate) fn text(&self) -> String {
        let allele = |a: u8| {
            if a == MISSING {
                ".".to_string()
            } else {
                a.to_string()
            }
        };
        if self.ploidy == 1 {
            allele(self.alleles[0])
        } else {
            let sep = if self.phased { '|' } else { '/' };
            format!(
                "{}{sep}{}",
                allele(self.alleles[0]),
                allele(self.alleles[1])
            )
        }
    }

    /// A lone `.`: missing, of whatever ploidy the sample has.
    pub(crate) fn is_lone_missing(&self) -> bool {
        self.ploidy == 1 && self.alleles[0] == MISSING
    }
}

/// A decoded record, reused across records to avoid allocation.
#[derive(Debug, Default)]
pub(crate) struct RawRecord {
    pub(crate) chrom: String,
    pub(crate) pos: u64,
    /// `.` when absent.
    pub(crate) id: String,
    pub(crate) reference: String,
    /// The ALT column as written (`A,T`; `.` for none).
    pub(crate) alt_text: String,
    /// Byte ranges of each ALT inside `alt_text` (empty for `.`).
    pub(crate) alts: Vec<(usize, usize)>,
    /// One genotype per selected sample, in output order (empty when `packed`).
    pub(crate) gts: Vec<Gt>,
    /// Whether the genotypes are in `haplotype_bits` instead of `gts`: a biallelic record
    /// whose selected samples are all diploid, called and phased (PGEN's packed path).
    pub(crate) packed: bool,
    /// With `packed`: bit `2s + c` is copy `c` of selected sample `s` (1 = ALT), 64 per word.
    pub(crate) haplotype_bits: Vec<u64>,
}

impl RawRecord {
    /// `CHROM:POS`, the way messages name a record.
    pub(crate) fn name(&self) -> String {
        format!("{}:{}", self.chrom, self.pos)
    }

    /// Number of ALT alleles.
    pub(crate) fn n_alts(&self) -> usize {
        self.alts.len()
    }

    /// ALT allele `k` (0-based).
    pub(crate) fn alt(&self, k: usize) -> &str {
        let (a, b) = self.alts[k];
        &self.alt_text[a..b]
    }

    /// Sets the ALT column and splits it on commas.
    pub(crate) fn set_alts(&mut self, text: &str) -> Result<(), RecordProblem> {
        self.alt_text.clear();
        self.alt_text.push_str(text);
        self.alts.clear();
        if text == "." {
            return Ok(());
        }
        let mut start = 0;
        for part in text.split(',') {
            if part.is_empty() {
                return Err(RecordProblem::BadAlleles(format!(
                    "empty ALT allele in {text:?}"
                )));
            }
            self.alts.push((start, start + part.len()));
            start += part.len() + 1;
        }
        if self.alts.len() > MAX_ALTS {
            return Err(RecordProblem::BadAlleles(format!(
                "{} ALT alleles (at most {MAX_ALTS} are supported)",
                self.alts.len()
            )));
        }
        Ok(())
    }

    /// Sets the ALT alleles from a list (BCF).
    pub(crate) fn set_alt_list<'a>(
        &mut self,
        alts: impl Iterator<Item = &'a str>,
    ) -> Result<(), RecordProblem> {
        self.alt_text.clear();
        self.alts.clear();
        for (i, alt) in alts.enumerate() {
            if i > 0 {
                self.alt_text.push(',');
            }
            let start = self.alt_text.len();
            self.alt_text.push_str(alt);
            self.alts.push((start, self.alt_text.len()));
        }
        if self.alts.is_empty() {
            self.alt_text.push('.');
        }
        if self.alts.len() > MAX_ALTS {
            return Err(RecordProblem::BadAlleles(format!(
                "{} ALT alleles (at most {MAX_ALTS} are supported)",
                self.alts.len()
            )));
        }
        Ok(())
    }
}

/// The two haplotype bits of each selected sample, in slot order, from `all` (two bits per file
/// sample): `slots[i]` is file sample `i`'s place in the selection of `selected`.
pub(crate) fn select_pairs(
    all: &[u64],
    slots: &[Option<u32>],
    selected: usize,
    out: &mut Vec<u64>,
) {
    out.clear();
    out.resize(selected.div_ceil(32), 0);
    for (i, slot) in slots.iter().enumerate() {
        if let Some(s) = slot {
            let s = *s as usize;
            let pair = (all[i / 32] >> (2 * (i % 32))) & 3;
            out[s / 32] |= pair << (2 * (s % 32));
        }
    }
}

impl RawRecord {
    /// Takes a packed record's haplotype bits from `all` (two bits per file sample): all of
    /// them when the selection is every sample in order, else the selected pairs.
    pub(crate) fn take_packed(
        &mut self,
        all: &mut Vec<u64>,
        all_in_order: bool,
        slots: &[Option<u32>],
        selected: usize,
    ) {
        self.packed = true;
        self.gts.clear();
        if all_in_order {
            std::mem::swap(&mut self.haplotype_bits, all);
        } else {
            select_pairs(all, slots, selected, &mut self.haplotype_bits);
        }
    }
}

/// Whether the selection `slots` (of `selected`) is every sample in file order.
pub(crate) fn every_sample_in_order(slots: &[Option<u32>], selected: usize) -> bool {
    selected == slots.len() && slots.iter().enumerate().all(|(i, s)| *s == Some(i as u32))
}

/// Whether REF>ALT is a SNP the way htslib classifies it (`bcftools view -v snps`): REF and ALT
/// of equal length differing at exactly one base (so `CA>TA` is a SNP, `AT>GC` an MNP), and
/// not `*`, `.` or a symbolic allele.
pub(crate) fn is_snp(reference: &str, alt: &str) -> bool {
    let (r, a) = (reference.as_bytes(), alt.as_bytes());
    if r.len() != a.len()
        || a.is_empty()
        || a.iter()
            .any(|&b| matches!(b, b'<' | b'*' | b'.' | b'[' | b']'))
    {
        return false;
    }
    r.iter()
        .zip(a)
        .filter(|(x, y)| !x.eq_ignore_ascii_case(y))
        .count()
        == 1
}

/// Why a GT value could not be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum GtError {
    /// Not a genotype at all.
    Malformed,
    /// An allele index beyond the ALTs.
    Beyond(u32),
    /// More than two alleles.
    Ploidy(usize),
}

/// Parses a text GT (`0|1`, `1`, `./.`, `0/2`) for a record with `n_alts` ALT alleles.
pub(crate) fn parse_gt(text: &[u8], n_alts: usize) -> Result<Gt, GtError> {
    let mut gt = Gt::default();
    let mut i = 0;
    let mut copies = 0usize;
    loop {
        // One allele: `.` or digits.
        let allele = match text.get(i) {
            Some(b'.') => {
                i += 1;
                MISSING
            }
            Some(c) if c.is_ascii_digit() => {
                let mut n: u32 = 0;
                while let Some(&d) = text.get(i) {
                    if !d.is_ascii_digit() {
                        break;
                    }
                    n = n.saturating_mul(10).saturating_add(u32::from(d - b'0'));
                    i += 1;
                }
                if n as usize > n_alts {
                    return Err(GtError::Beyond(n));
                }
                n as u8
            }
            _ => return Err(GtError::Malformed),
        };
        if copies < 2 {
            gt.alleles[copies] = allele;
        }
        copies += 1;
        match text.get(i) {
            None => break,
            Some(b'|') => {
                if copies == 1 {
                    gt.phased = true;
                }
            }
            Some(b'/') => {
                if copies == 1 {
                    gt.phased = false;
                }
            }
            Some(_) => return Err(GtError::Malformed),
        }
        i += 1;
    }
    if copies > 2 {
        return Err(GtError::Ploidy(copies));
    }
    gt.ploidy = copies as u8;
    if copies == 1 {
        gt.phased = true;
    }
    Ok(gt)
}

/// Turns a [`GtError`] into the record problem naming `sample`.
pub(crate) fn gt_problem(err: GtError, sample: &str, text: &[u8], n_alts: usize) -> RecordProblem {
    match err {
        GtError::Malformed => RecordProblem::BadGenotype {
            sample: sample.to_string(),
            genotype: String::from_utf8_lossy(text).into_owned(),
        },
        GtError::Beyond(allele) => RecordProblem::AlleleBeyondAlts {
            sample: sample.to_string(),
            allele,
            alts: n_alts,
        },
        GtError::Ploidy(n) => {
            let mut message = String::new();
            let _ = write!(
                message,
                "genotype {:?} has {n} alleles; only haploid and diploid samples are supported",
                String::from_utf8_lossy(text)
            );
            RecordProblem::Ploidy {
                sample: sample.to_string(),
                message,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_phased_unphased_haploid_and_missing() {
        let g = parse_gt(b"0|1", 1).unwrap();
        assert_eq!((g.alleles, g.ploidy, g.phased), ([0, 1], 2, true));
        let g = parse_gt(b"1/0", 1).unwrap();
        assert_eq!((g.alleles, g.ploidy, g.phased), ([1, 0], 2, false));
        let g = parse_gt(b"1", 1).unwrap();
        assert_eq!((g.alleles[0], g.ploidy), (1, 1));
        let g = parse_gt(b".|.", 1).unwrap();
        assert_eq!(g.alleles, [MISSING, MISSING]);
        assert!(parse_gt(b".", 1).unwrap().is_lone_missing());
        assert_eq!(parse_gt(b"0|12", 12).unwrap().alleles, [0, 12]);
        assert_eq!(g.text(), ".|.");
    }

    #[test]
    fn rejects_bad_genotypes() {
        assert_eq!(parse_gt(b"0|2", 1), Err(GtError::Beyond(2)));
        assert_eq!(parse_gt(b"0|1|1", 1), Err(GtError::Ploidy(3)));
        assert_eq!(parse_gt(b"", 1), Err(GtError::Malformed));
        assert_eq!(parse_gt(b"0|", 1), Err(GtError::Malformed));
        assert_eq!(parse_gt(b"A|T", 1), Err(GtError::Malformed));
        assert_eq!(parse_gt(b"0-1", 1), Err(GtError::Malformed));
        assert_eq!(
            parse_gt(b"99999999999|0", 1),
            Err(GtError::Beyond(u32::MAX))
        );
    }

    #[test]
    fn snp_is_single_bases_only() {
        assert!(is_snp("A", "G"));
        assert!(!is_snp("A", "AT"));
        assert!(!is_snp("A", "*"));
        assert!(!is_snp("A", "<DEL>"));
        assert!(!is_snp("AT", "GC"));
        assert!(is_snp("CA", "TA"));
        assert!(!is_snp("A", "A"));
        assert!(!is_snp("A", "."));
    }
}
