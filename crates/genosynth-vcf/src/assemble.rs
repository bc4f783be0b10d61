//! The read policies, applied record by record while the matrix is built.

use std::collections::HashSet;

use genosynth_core::{HaplotypeMatrixBuilder, Ploidy, Sample, Site};

use crate::error::{ErrorKind, RecordProblem};
use crate::options::{MissingPolicy, MultiallelicPolicy, ReadOptions};
use crate::read::ReadReport;
use crate::record::{MISSING, RawRecord, is_snp};

/// The previous record, for the sort and duplicate checks.
#[derive(Debug, Default)]
pub(crate) struct OrderCheck {
    chrom: String,
    pos: u64,
    reference: String,
    alts: String,
    started: bool,
    finished_chroms: HashSet<String>,
}

/// What the order check found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Ok,
    Unsorted(String),
    Duplicate,
}

impl OrderCheck {
    /// Checks `rec` against the previous record and remembers it.
    pub(crate) fn check(&mut self, rec: &RawRecord) -> Order {
        let mut order = Order::Ok;
        if self.started && self.chrom == rec.chrom {
            if rec.pos < self.pos {
                order = Order::Unsorted(format!("{}:{}", self.chrom, self.pos));
            } else if rec.pos == self.pos
                && rec.reference == self.reference
                && rec.alt_text == self.alts
            {
                order = Order::Duplicate;
            }
        } else {
            if self.finished_chroms.contains(&rec.chrom) {
                order = Order::Unsorted(format!(
                    "{}:{} (chromosome {} appeared earlier)",
                    self.chrom, self.pos, rec.chrom
                ));
            }
            if self.started {
                self.finished_chroms.insert(std::mem::take(&mut self.chrom));
            }
            self.chrom.clear();
            self.chrom.push_str(&rec.chrom);
        }
        self.started = true;
        self.pos = rec.pos;
        self.reference.clear();
        self.reference.push_str(&rec.reference);
        self.alts.clear();
        self.alts.push_str(&rec.alt_text);
        order
    }
}

/// First occurrence and total count of a deferred problem (reported after the whole file).
#[derive(Debug, Default)]
struct Tally {
    first: Option<(String, String, String)>,
    count: u64,
}

/// Builds a matrix from records under the read policies.
pub(crate) struct Assembler<'o> {
    options: &'o ReadOptions,
    names: Vec<String>,
    /// Copies per selected sample, fixed by the first record.
    ploidy: Vec<u8>,
    builder: Option<HaplotypeMatrixBuilder>,
    pub(crate) report: ReadReport,
    order: OrderCheck,
    /// Allele index per haplotype for the current record.
    haps: Vec<u8>,
    /// 0/1/MISSING per haplotype for the current site.
    column: Vec<u8>,
    unphased: Tally,
    missing: Tally,
}

impl<'o> Assembler<'o> {
    pub(crate) fn new(options: &'o ReadOptions, names: Vec<String>) -> Self {
        Self {
            options,
            names,
            ploidy: Vec::new(),
            builder: None,
            report: ReadReport::default(),
            order: OrderCheck::default(),
            haps: Vec::new(),
            column: Vec::new(),
            unphased: Tally::default(),
            missing: Tally::default(),
        }
    }

    fn start(&mut self, rec: &RawRecord) {
        self.ploidy = if rec.packed {
            vec![2; self.names.len()]
        } else {
            rec.gts.iter().map(|g| g.ploidy).collect()
        };
        let samples = self
            .names
            .iter()
            .zip(&self.ploidy)
            .map(|(n, &p)| {
                let ploidy = if p == 1 {
                    Ploidy::Haploid
                } else {
                    Ploidy::Diploid
                };
                Sample::new(n.clone(), ploidy)
            })
            .collect();
        let builder = HaplotypeMatrixBuilder::new(samples);
        self.haps = vec![0; builder.n_haplotypes()];
        self.column = vec![0; builder.n_haplotypes()];
        self.builder = Some(builder);
    }

    /// Applies the policies to one record.
    pub(crate) fn push(&mut self, rec: &RawRecord) -> Result<(), ErrorKind> {
        self.report.records_read += 1;
        let err = |problem| ErrorKind::Record {
            record: rec.name(),
            problem,
        };
        match self.order.check(rec) {
            Order::Ok => {}
            Order::Unsorted(previous) => return Err(err(RecordProblem::Unsorted { previous })),
            Order::Duplicate => return Err(err(RecordProblem::Duplicate)),
        }
        if self.builder.is_none() {
            self.start(rec);
        }
        // A packed record has every sample diploid (as PGEN's every record), called and
        // phased: nothing to tally.
        if !rec.packed {
            self.fill_haplotypes(rec)?;
        }

        let n_alts = rec.n_alts();
        if self.options.snps_only && !(0..n_alts).any(|k| is_snp(&rec.reference, rec.alt(k))) {
            self.report.non_snps_dropped += n_alts.max(1) as u64;
            return Ok(());
        }
        if n_alts > 1 {
            match self.options.multiallelic {
                MultiallelicPolicy::Error => {
                    return Err(err(RecordProblem::Multiallelic {
                        alts: rec.alt_text.clone(),
                    }));
                }
                MultiallelicPolicy::Drop => {
                    self.report.multiallelic_dropped += 1;
                    return Ok(());
                }
                MultiallelicPolicy::Split => self.report.multiallelic_split += 1,
            }
        }
        for k in 0..n_alts.max(1) {
            let alt = if n_alts == 0 { "." } else { rec.alt(k) };
            if self.options.snps_only && !is_snp(&rec.reference, alt) {
                self.report.non_snps_dropped += 1;
                continue;
            }
            if rec.packed {
                let site = site_of(rec, alt);
                let builder = self.builder.as_mut().expect("started");
                builder.push_site_bits(site, &rec.haplotype_bits)?;
                continue;
            }
            let target = (k + 1) as u8;
            for (c, &h) in self.column.iter_mut().zip(&self.haps) {
                *c = if h == MISSING {
                    MISSING
                } else {
                    u8::from(h == target)
                };
            }
            self.push_site(rec, alt)?;
        }
        Ok(())
    }

    /// Copies genotypes into `haps`, checking ploidy and tallying unphased and missing ones.
    fn fill_haplotypes(&mut self, rec: &RawRecord) -> Result<(), ErrorKind> {
        let mut h = 0;
        for (i, gt) in rec.gts.iter().enumerate() {
            let copies = self.ploidy[i];
            if gt.ploidy != copies {
                if gt.is_lone_missing() {
                    for _ in 0..copies {
                        self.haps[h] = MISSING;
                        h += 1;
                    }
                    self.tally_missing(rec, i, copies as u64);
                    continue;
                }
                let was = if copies == 1 { "haploid" } else { "diploid" };
                return Err(ErrorKind::Record {
                    record: rec.name(),
                    problem: RecordProblem::Ploidy {
                        sample: self.names[i].clone(),
                        message: format!(
                            "genotype {} but the sample is {was} in the first record",
                            gt.text()
                        ),
                    },
                });
            }
            let alleles = &gt.alleles[..copies as usize];
            let n_missing = alleles.iter().filter(|&&a| a == MISSING).count() as u64;
            if n_missing > 0 {
                self.tally_missing(rec, i, n_missing);
            } else if copies == 2 && !gt.phased && alleles[0] != alleles[1] {
                self.unphased.count += 1;
                if self.unphased.first.is_none() {
                    self.unphased.first = Some((rec.name(), self.names[i].clone(), gt.text()));
                }
            }
            for &a in alleles {
                self.haps[h] = a;
                h += 1;
            }
        }
        Ok(())
    }

    fn tally_missing(&mut self, rec: &RawRecord, sample: usize, n: u64) {
        self.missing.count += n;
        if self.missing.first.is_none() {
            self.missing.first = Some((rec.name(), self.names[sample].clone(), String::new()));
        }
    }

    fn push_site(&mut self, rec: &RawRecord, alt: &str) -> Result<(), ErrorKind> {
        let n_missing = self.column.iter().filter(|&&c| c == MISSING).count();
        if n_missing > 0 {
            let alt_count = self.column.iter().filter(|&&c| c == 1).count();
            let called = self.column.len() - n_missing;
            let major = u8::from(alt_count * 2 > called);
            for c in self.column.iter_mut().filter(|c| **c == MISSING) {
                *c = major;
            }
            if self.options.missing == MissingPolicy::Major {
                self.report.missing_filled += n_missing as u64;
            }
        }
        let site = site_of(rec, alt);
        let builder = self.builder.as_mut().expect("started");
        builder.push_site(site, &self.column)?;
        Ok(())
    }

    /// The matrix, or the deferred errors (unphased, missing) and empty results.
    pub(crate) fn finish(
        self,
        had_regions: bool,
    ) -> Result<(genosynth_core::HaplotypeMatrix, ReadReport), ErrorKind> {
        let mut report = self.report;
        if report.records_read == 0 {
            return Err(if had_regions {
                ErrorKind::NoSitesKept("no records in the requested regions".into())
            } else {
                ErrorKind::NoRecords
            });
        }
        if let Some((record, sample, genotype)) = self.unphased.first {
            return Err(ErrorKind::Unphased {
                record,
                sample,
                genotype,
                count: self.unphased.count,
            });
        }
        if self.options.missing == MissingPolicy::Error
            && let Some((record, sample, _)) = self.missing.first
        {
            return Err(ErrorKind::Missing {
                record,
                sample,
                count: self.missing.count,
            });
        }
        let builder = self.builder.expect("records were read");
        if builder.n_sites() == 0 {
            return Err(ErrorKind::NoSitesKept(format!(
                "{} records read; {} multiallelic dropped, {} non-SNPs dropped",
                report.records_read, report.multiallelic_dropped, report.non_snps_dropped
            )));
        }
        let matrix = builder.finish();
        report.sites_kept = matrix.n_sites();
        report.samples = matrix.samples().len();
        report.haplotypes = matrix.n_haplotypes();
        Ok((matrix, report))
    }
}

/// The site of `rec` for ALT allele `alt`.
fn site_of(rec: &RawRecord, alt: &str) -> Site {
    let site = Site::new(rec.chrom.clone(), rec.pos, rec.reference.clone(), alt);
    if rec.id != "." && !rec.id.is_empty() {
        site.with_id(rec.id.clone())
    } else {
        site
    }
}
