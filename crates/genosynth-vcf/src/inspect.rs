//! [`inspect`]: count every category of a file without failing on policy problems.

use std::path::Path;

use serde::Serialize;

use crate::assemble::{Order, OrderCheck};
use crate::error::{Error, ErrorKind};
use crate::input::InputFormat;
use crate::options::{ReadOptions, stopped};
use crate::read;
use crate::record::{MISSING, RawRecord, is_snp};
use crate::source::{self, Opened};

/// One chromosome's extent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChromSpan {
    /// Chromosome name.
    pub name: String,
    /// Records on it.
    pub records: u64,
    /// First position.
    pub first: u64,
    /// Last position.
    pub last: u64,
}

/// Minor-allele frequency spectrum of the biallelic records (from called alleles).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MafSpectrum {
    /// Minor allele count 0.
    pub monomorphic: u64,
    /// Minor allele count 1.
    pub singletons: u64,
    /// 0 < MAF < 1% (singletons included).
    pub below_1pct: u64,
    /// 1% ≤ MAF < 5%.
    pub from_1_to_5pct: u64,
    /// MAF ≥ 5%.
    pub at_least_5pct: u64,
    /// Mean MAF.
    pub mean_maf: f64,
}

/// What a file holds, category by category (`genosynth info`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FileInfo {
    /// Detected format.
    pub format: String,
    /// Records (lines or BCF records; `.hapt`: sites).
    pub records: u64,
    /// Sites a default read keeps (biallelic records); see also `sites_if_split`.
    pub sites: u64,
    /// Sites with `--multiallelic split` (one per ALT).
    pub sites_if_split: u64,
    /// Samples.
    pub samples: usize,
    /// Haplotypes (sum of ploidies at the first record).
    pub haplotypes: usize,
    /// Samples haploid at the first record.
    pub haploid_samples: usize,
    /// Samples diploid at the first record.
    pub diploid_samples: usize,
    /// Records with more than one ALT.
    pub multiallelic_records: u64,
    /// Biallelic SNP records.
    pub snp_records: u64,
    /// Records with an indel, MNP, symbolic or other non-SNP ALT.
    pub non_snp_records: u64,
    /// Diploid genotypes written phased (`|`), over all called diploid genotypes.
    pub phased_fraction: f64,
    /// Unphased heterozygous diploid genotypes (`0/1`).
    pub unphased_heterozygous: u64,
    /// Genotypes with at least one missing allele.
    pub missing_genotypes: u64,
    /// Genotypes whose ploidy differs from the sample's first record.
    pub ploidy_changes: u64,
    /// Records out of order.
    pub unsorted_records: u64,
    /// Records repeating the previous CHROM, POS, REF and ALT.
    pub duplicate_records: u64,
    /// Chromosomes in file order.
    pub chromosomes: Vec<ChromSpan>,
    /// MAF spectrum of biallelic records.
    pub maf: MafSpectrum,
}

/// Counts every category in a file (regions and samples of `options` apply; the policies do
/// not: multiallelic, unphased and missing data are counted, not refused).
///
/// # Errors
/// Only for files that cannot be parsed at all (bad header, malformed record, bad gzip).
pub fn inspect(path: &Path, options: &ReadOptions) -> Result<FileInfo, Error> {
    inspect_kind(path, options, true).map_err(|k| Error::new(path, k))
}

/// [`inspect`], with `packed` as in [`crate::read::read_kind`].
pub(crate) fn inspect_kind(
    path: &Path,
    options: &ReadOptions,
    packed: bool,
) -> Result<FileInfo, ErrorKind> {
    let mut records = match source::open(path, options)?.with_packed_path(packed) {
        Opened::Hapt(_) => return inspect_hapt(path, options),
        Opened::Records(r) => r,
    };
    let mut info = FileInfo {
        format: format_name(records.format).into(),
        samples: records.samples.len(),
        ..Default::default()
    };
    let mut ploidy: Vec<u8> = Vec::new();
    let mut order = OrderCheck::default();
    let (mut diploid_called, mut phased) = (0u64, 0u64);
    let mut maf_sum = 0.0;
    let mut rec = RawRecord::default();
    while records.source.next(&mut rec)? {
        if info.records.is_multiple_of(512) && stopped(&options.stop) {
            return Err(ErrorKind::Interrupted);
        }
        if !records.in_regions(&rec) {
            continue;
        }
        info.records += 1;
        match order.check(&rec) {
            Order::Ok => {}
            Order::Unsorted(_) => info.unsorted_records += 1,
            Order::Duplicate => info.duplicate_records += 1,
        }
        match info.chromosomes.last_mut() {
            Some(c) if c.name == rec.chrom => {
                c.records += 1;
                c.first = c.first.min(rec.pos);
                c.last = c.last.max(rec.pos);
            }
            _ => info.chromosomes.push(ChromSpan {
                name: rec.chrom.clone(),
                records: 1,
                first: rec.pos,
                last: rec.pos,
            }),
        }
        if ploidy.is_empty() {
            ploidy = if rec.packed {
                vec![2; records.samples.len()]
            } else {
                rec.gts.iter().map(|g| g.ploidy).collect()
            };
            info.haploid_samples = ploidy.iter().filter(|&&p| p == 1).count();
            info.diploid_samples = ploidy.len() - info.haploid_samples;
            info.haplotypes = ploidy.iter().map(|&p| p as usize).sum();
        }
        let n_alts = rec.n_alts();
        info.sites_if_split += n_alts.max(1) as u64;
        if n_alts > 1 {
            info.multiallelic_records += 1;
        } else {
            info.sites += 1;
        }
        if n_alts >= 1 && (0..n_alts).all(|k| is_snp(&rec.reference, rec.alt(k))) {
            if n_alts == 1 {
                info.snp_records += 1;
            }
        } else {
            info.non_snp_records += 1;
        }
        let (mut alt, mut called) = (0u64, 0u64);
        if rec.packed {
            // Every sample diploid, called and phased (homozygous calls count as phased).
            let n = records.samples.len() as u64;
            diploid_called += n;
            phased += n;
            called = 2 * n;
            alt = crate::bytes::ones(&rec.haplotype_bits);
        }
        for (i, gt) in rec.gts.iter().enumerate() {
            let alleles = &gt.alleles[..gt.ploidy as usize];
            if gt.ploidy != ploidy[i] && !gt.is_lone_missing() {
                info.ploidy_changes += 1;
            }
            if alleles.contains(&MISSING) {
                info.missing_genotypes += 1;
            } else if gt.ploidy == 2 {
                diploid_called += 1;
                if gt.phased {
                    phased += 1;
                } else if alleles[0] != alleles[1] {
                    info.unphased_heterozygous += 1;
                }
            }
            for &a in alleles.iter().filter(|&&a| a != MISSING) {
                called += 1;
                alt += u64::from(a != 0);
            }
        }
        if n_alts <= 1 && called > 0 {
            let mac = alt.min(called - alt);
            let maf = mac as f64 / called as f64;
            maf_sum += maf;
            let m = &mut info.maf;
            match mac {
                0 => m.monomorphic += 1,
                _ if maf < 0.01 => m.below_1pct += 1,
                _ if maf < 0.05 => m.from_1_to_5pct += 1,
                _ => m.at_least_5pct += 1,
            }
            if mac == 1 {
                m.singletons += 1;
            }
        }
    }
    if info.records == 0 && records.regions.is_empty() {
        return Err(ErrorKind::NoRecords);
    }
    info.phased_fraction = if diploid_called == 0 {
        1.0
    } else {
        phased as f64 / diploid_called as f64
    };
    let biallelic = info.sites.max(1) as f64;
    info.maf.mean_maf = maf_sum / biallelic;
    Ok(info)
}

fn format_name(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Vcf => "VCF",
        InputFormat::VcfBgzf => "VCF (BGZF)",
        InputFormat::VcfGzip => "VCF (gzip, not BGZF)",
        InputFormat::Bcf => "BCF",
        InputFormat::Hapt => ".hapt",
        InputFormat::Pgen => "PLINK 2 (.pgen)",
        InputFormat::Bgen => "BGEN v1.2",
    }
}

/// `.hapt` files are read whole (they are small) and summarised from the matrix.
fn inspect_hapt(path: &Path, options: &ReadOptions) -> Result<FileInfo, ErrorKind> {
    let h = read::read(path, options).map_err(|e| e.kind)?;
    let m = &h.matrix;
    let counts = m.allele_counts();
    let n = m.n_haplotypes() as f64;
    let mut info = FileInfo {
        format: format_name(InputFormat::Hapt).into(),
        records: m.n_sites() as u64,
        sites: m.n_sites() as u64,
        sites_if_split: m.n_sites() as u64,
        samples: m.samples().len(),
        haplotypes: m.n_haplotypes(),
        haploid_samples: m
            .samples()
            .iter()
            .filter(|s| s.ploidy.copies() == 1)
            .count(),
        phased_fraction: 1.0,
        ..Default::default()
    };
    info.diploid_samples = info.samples - info.haploid_samples;
    let mut maf_sum = 0.0;
    for (site, &c) in m.sites().iter().zip(&counts) {
        if is_snp(&site.reference, &site.alternate) {
            info.snp_records += 1;
        } else {
            info.non_snp_records += 1;
        }
        match info.chromosomes.last_mut() {
            Some(s) if s.name == site.chrom => {
                s.records += 1;
                s.last = s.last.max(site.pos);
            }
            _ => info.chromosomes.push(ChromSpan {
                name: site.chrom.clone(),
                records: 1,
                first: site.pos,
                last: site.pos,
            }),
        }
        let mac = u64::from(c.min(m.n_haplotypes() as u32 - c));
        let maf = mac as f64 / n;
        maf_sum += maf;
        match mac {
            0 => info.maf.monomorphic += 1,
            _ if maf < 0.01 => info.maf.below_1pct += 1,
            _ if maf < 0.05 => info.maf.from_1_to_5pct += 1,
            _ => info.maf.at_least_5pct += 1,
        }
        if mac == 1 {
            info.maf.singletons += 1;
        }
    }
    info.maf.mean_maf = maf_sum / (m.n_sites().max(1) as f64);
    Ok(info)
}
