//! [`read`]: a file into a [`HaplotypeMatrix`] under the read policies.

use std::path::Path;

use genosynth_core::HaplotypeMatrix;

use crate::assemble::Assembler;
use crate::error::{Error, ErrorKind};
use crate::hapt;
use crate::input::InputFormat;
use crate::options::{ReadOptions, stopped};
use crate::record::RawRecord;
use crate::source::{self, Opened};

/// What reading did, for messages (`2,504 haplotypes, 805 sites; 60 multiallelic records split`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// The detected input format (`None` only in a default report).
    pub format: Option<InputFormat>,
    /// Records read (after the region filter).
    pub records_read: u64,
    /// Sites in the matrix.
    pub sites_kept: usize,
    /// Samples in the matrix.
    pub samples: usize,
    /// Haplotypes in the matrix.
    pub haplotypes: usize,
    /// Multiallelic records split into biallelic sites.
    pub multiallelic_split: u64,
    /// Multiallelic records dropped.
    pub multiallelic_dropped: u64,
    /// Sites (one per ALT) dropped by `snps_only`.
    pub non_snps_dropped: u64,
    /// Missing alleles filled with the major allele.
    pub missing_filled: u64,
    /// Whether an index (`.tbi`/`.csi`, or bgenix `.bgi`) was used for the regions.
    pub used_index: bool,
    /// `##contig` IDs and lengths from the header (pass them on with
    /// [`WriteOptions::contig_lengths`](crate::WriteOptions::contig_lengths)).
    pub contigs: Vec<(String, Option<u64>)>,
    /// `##genosynth…=value` header lines (model, seed, guard, … of files genosynth wrote).
    pub metadata: Vec<(String, String)>,
}

impl ReadReport {
    /// A one-line summary for the user.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} samples, {} haplotypes, {} sites from {} records",
            self.samples, self.haplotypes, self.sites_kept, self.records_read
        )];
        if self.multiallelic_split > 0 {
            parts.push(format!(
                "{} multiallelic records split",
                self.multiallelic_split
            ));
        }
        if self.multiallelic_dropped > 0 {
            parts.push(format!(
                "{} multiallelic records dropped",
                self.multiallelic_dropped
            ));
        }
        if self.non_snps_dropped > 0 {
            parts.push(format!("{} non-SNP sites dropped", self.non_snps_dropped));
        }
        if self.missing_filled > 0 {
            parts.push(format!(
                "{} missing alleles filled with the major allele",
                self.missing_filled
            ));
        }
        parts.join("; ")
    }
}

/// A matrix read from a file and what reading it did.
#[derive(Debug, Clone)]
pub struct Haplotypes {
    /// The haplotypes.
    pub matrix: HaplotypeMatrix,
    /// Counts for messages.
    pub report: ReadReport,
}

/// Reads a VCF (plain, gzip, BGZF), BCF or `.hapt` file (`-` = stdin) into a bit-packed
/// matrix, streaming records: memory is the packed matrix plus one record.
///
/// The format is detected from the content. The defaults are strict (see [`ReadOptions`]):
/// multiallelic records, unphased heterozygous genotypes and missing genotypes are errors
/// that name the record and the fix.
///
/// # Errors
/// Every malformed or policy-breaking input is an [`Error`] naming the file and the record.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Haplotypes, Error> {
    read_kind(path, options, true).map_err(|kind| Error::new(path, kind))
}

/// [`read`], with `packed` = whether binary formats may decode biallelic records straight to
/// haplotype bits (the per-sample path alone is kept for tests that compare the two).
pub(crate) fn read_kind(
    path: &Path,
    options: &ReadOptions,
    packed: bool,
) -> Result<Haplotypes, ErrorKind> {
    match source::open(path, options)?.with_packed_path(packed) {
        Opened::Hapt(reader) => hapt::read(reader, path, options),
        Opened::Records(mut records) => {
            if records.header_samples == 0 {
                return Err(ErrorKind::NoSamples);
            }
            let mut assembler = Assembler::new(options, records.samples.clone());
            let mut rec = RawRecord::default();
            let mut n: u64 = 0;
            while records.source.next(&mut rec)? {
                n += 1;
                if n.is_multiple_of(512) && stopped(&options.stop) {
                    return Err(ErrorKind::Interrupted);
                }
                if !records.in_regions(&rec) {
                    continue;
                }
                assembler.push(&rec)?;
            }
            if stopped(&options.stop) {
                return Err(ErrorKind::Interrupted);
            }
            let (matrix, mut report) = assembler.finish(!records.regions.is_empty())?;
            report.format = Some(records.format);
            report.used_index = records.used_index;
            report.contigs = std::mem::take(&mut records.contigs);
            report.metadata = std::mem::take(&mut records.metadata);
            Ok(Haplotypes { matrix, report })
        }
    }
}
