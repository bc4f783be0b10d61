use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::Region;

/// What to do with records that have more than one ALT allele.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MultiallelicPolicy {
    /// Stop with an error naming the first one (the default: a silent choice would change the
    /// data).
    #[default]
    Error,
    /// One biallelic site per ALT, like `bcftools norm -m-`: a haplotype carrying ALT k is 1 at
    /// the site for ALT k and 0 at the others.
    Split,
    /// Skip them, like `bcftools view -m2 -M2`.
    Drop,
}

/// What to do with missing genotypes (`.`, `.|.`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingPolicy {
    /// Stop with an error giving the count and the first record (the default).
    #[default]
    Error,
    /// Replace each missing allele with the site's major allele (REF on a tie) and report how
    /// many were filled.
    Major,
}

/// Which samples to read, like `bcftools view -s`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleSelection {
    /// Only these samples, in this order.
    Include(Vec<String>),
    /// Every sample except these (bcftools `-s ^A,B`).
    Exclude(Vec<String>),
}

impl SampleSelection {
    /// Parses a bcftools-style list: `A,B` includes, `^A,B` excludes.
    ///
    /// ```
    /// use genosynth_vcf::SampleSelection;
    /// assert_eq!(
    ///     SampleSelection::parse_list("^NA1,NA2"),
    ///     SampleSelection::Exclude(vec!["NA1".into(), "NA2".into()])
    /// );
    /// ```
    pub fn parse_list(list: &str) -> Self {
        let (exclude, rest) = match list.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, list),
        };
        let names = rest
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if exclude {
            Self::Exclude(names)
        } else {
            Self::Include(names)
        }
    }

    /// Parses a bcftools `-S` file: one sample per line (first whitespace-separated word);
    /// `exclude` for `-S ^FILE`.
    pub fn parse_file(text: &str, exclude: bool) -> Self {
        let names = text
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|s| !s.starts_with('#'))
            .map(str::to_string)
            .collect();
        if exclude {
            Self::Exclude(names)
        } else {
            Self::Include(names)
        }
    }
}

/// How to read a file into a [`crate::Haplotypes`]. The default is strict: whole file, all
/// samples, error on multiallelic records, unphased heterozygous genotypes and missing data.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Regions (parse `chr1:100-200`, `chr1:100`, `chr1` with [`Region::parse`], or read a
    /// regions file with [`crate::read_regions_file`]); empty = whole file. Uses the
    /// `.tbi`/`.csi` index when there is one, otherwise filters while streaming.
    pub regions: Vec<Region>,
    /// Which samples to read; `None` = all.
    pub samples: Option<SampleSelection>,
    /// Records with several ALT alleles.
    pub multiallelic: MultiallelicPolicy,
    /// Keep only SNPs (REF and ALT single bases); indels and other biallelic variants are kept
    /// by default (a binary allele is a binary allele).
    pub snps_only: bool,
    /// Missing genotypes.
    pub missing: MissingPolicy,
    /// For `.hapt` input: the file the sites come from (a VCF/BCF with the same sites, or a
    /// `CHROM POS ID REF ALT` table).
    pub sites_file: Option<PathBuf>,
    /// For `.hapt` input: pair haplotype lines into diploid samples (`false` = one haploid
    /// sample per line). `.hapt` lines named `X_A`/`X_B` are always paired.
    pub hapt_haploid: bool,
    /// The input format; `None` = from the file's name and content (PLINK 2 from `.pgen`,
    /// BGEN from `.bgen` or its magic bytes, VCF/BCF/`.hapt` from the content).
    pub input_format: Option<crate::InputFormat>,
    /// BGZF decompression threads (0 = choose).
    pub threads: usize,
    /// Ctrl-C flag: reading stops with [`crate::ErrorKind::Interrupted`] soon after it is set.
    pub stop: Option<Arc<AtomicBool>>,
}

/// Output formats, named like bcftools `-O`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Plain VCF text (`-O v`).
    Vcf,
    /// BGZF-compressed VCF (`-O z`).
    VcfGz,
    /// BGZF-compressed BCF (`-O b`).
    Bcf,
    /// Uncompressed BCF (`-O u`; BGZF blocks at level 0, as htslib writes it).
    BcfUncompressed,
    /// The `.hapt` text format (`-O h`).
    Hapt,
    /// PLINK 2 (`-O p`): `X.pgen` with phased hardcalls, plus `X.pvar` (sites) and `X.psam`
    /// (samples, SEX unknown). Haploid samples are written as homozygous calls, the PLINK 2
    /// convention. Needs a file name ending in `.pgen`; cannot go to stdout.
    Pgen,
}

impl OutputFormat {
    /// The format a file name implies (`.vcf`, `.vcf.gz`/`.vcf.bgz`, `.bcf`, `.hapt`, `.pgen`).
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".vcf.gz") || name.ends_with(".vcf.bgz") {
            Some(Self::VcfGz)
        } else if name.ends_with(".vcf") {
            Some(Self::Vcf)
        } else if name.ends_with(".bcf") {
            Some(Self::Bcf)
        } else if name.ends_with(".hapt") || name.ends_with(".hapt.gz") {
            Some(Self::Hapt)
        } else if name.ends_with(".pgen") {
            Some(Self::Pgen)
        } else {
            None
        }
    }

    /// Parses a bcftools `-O` letter: `v`, `z`, `b`, `u`, `h` for `.hapt` or `p` for PLINK 2.
    pub fn from_letter(letter: &str) -> Option<Self> {
        match letter {
            "v" => Some(Self::Vcf),
            "z" => Some(Self::VcfGz),
            "b" => Some(Self::Bcf),
            "u" => Some(Self::BcfUncompressed),
            "h" => Some(Self::Hapt),
            "p" => Some(Self::Pgen),
            _ => None,
        }
    }

    /// The index this format can carry: `tbi` for VCF.gz, `csi` for BCF, none otherwise.
    pub fn index_extension(self) -> Option<&'static str> {
        match self {
            Self::VcfGz => Some("tbi"),
            Self::Bcf | Self::BcfUncompressed => Some("csi"),
            Self::Vcf | Self::Hapt | Self::Pgen => None,
        }
    }
}

/// How to write a matrix.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The format; `None` = from the extension (stdout `-` defaults to VCF text).
    pub format: Option<OutputFormat>,
    /// Also write `.tbi` (VCF.gz) or `.csi` (BCF) beside the output.
    pub write_index: bool,
    /// Recorded as `##genosynthCommand=`.
    pub command_line: Option<String>,
    /// Extra `##key=value` header lines (model, seed, ...).
    pub metadata: Vec<(String, String)>,
    /// BGZF compression workers (0/1 = single).
    pub threads: usize,
    /// Contig lengths for the `##contig` lines (e.g. [`crate::ReadReport::contigs`] of the
    /// input); contigs without one get no `length=`.
    pub contig_lengths: Vec<(String, Option<u64>)>,
    /// Ctrl-C flag: writing stops with [`crate::ErrorKind::Interrupted`] and leaves no file.
    pub stop: Option<Arc<AtomicBool>>,
}

/// Whether a stop flag is set.
pub(crate) fn stopped(stop: &Option<Arc<AtomicBool>>) -> bool {
    stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed))
}
