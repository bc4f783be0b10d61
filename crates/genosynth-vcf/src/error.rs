use std::fmt;
use std::io;
use std::path::Path;

/// An I/O failure, with the file it concerns.
///
/// Displays as `<file>: <kind>`, e.g.
/// `data.vcf.gz: record 1:12345, sample HG00096: unphased genotype 0/1 (...)`.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct Error {
    /// The file (or `-` for stdin/stdout) the error concerns.
    pub path: String,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    /// An error about `path`.
    pub fn new(path: &Path, kind: ErrorKind) -> Self {
        Self {
            path: path.display().to_string(),
            kind,
        }
    }

    /// Whether this error is a Ctrl-C stop rather than a failure.
    pub fn is_interrupted(&self) -> bool {
        matches!(self.kind, ErrorKind::Interrupted)
    }
}

/// What went wrong reading or writing a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be opened or created.
    #[error("cannot open: {0}")]
    Open(io::Error),
    /// A read or write failed.
    #[error("i/o error: {0}")]
    Io(io::Error),
    /// The gzip/BGZF stream is truncated or corrupt.
    #[error("corrupt or truncated compressed data ({0}); check the download or re-run bgzip")]
    Compressed(io::Error),
    /// The file holds no bytes at all.
    #[error("file is empty")]
    Empty,
    /// The content is neither VCF, BCF, `.hapt`, PGEN nor BGEN.
    #[error("not a VCF, BCF, .hapt, .pgen or .bgen file (it starts with \"{start}\")")]
    NotVcf {
        /// The first bytes, printable.
        start: String,
    },
    /// A header line is malformed.
    #[error("header line {line}: {message}")]
    Header {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file has a header but not a single record.
    #[error("the header is followed by no records")]
    NoRecords,
    /// The file has no sample columns, so no genotypes.
    #[error("no samples: the file has no genotype columns")]
    NoSamples,
    /// Every record was removed by the region, sample or site filters.
    #[error("no sites left after filtering ({0})")]
    NoSitesKept(String),
    /// A record is malformed or breaks a rule.
    #[error("record {record}: {problem}")]
    Record {
        /// `CHROM:POS`, or `line N` when the position cannot be read.
        record: String,
        /// What is wrong.
        problem: RecordProblem,
    },
    /// Unphased heterozygous diploid genotypes (counted over the whole file).
    #[error(
        "record {record}, sample {sample}: unphased genotype {genotype} ({count} unphased heterozygous genotypes in total)\n  hint: phase the data first (SHAPEIT5, Beagle or Eagle); genosynth needs haplotypes"
    )]
    Unphased {
        /// First record with one.
        record: String,
        /// First sample with one.
        sample: String,
        /// The genotype text, e.g. `0/1`.
        genotype: String,
        /// How many in the file.
        count: u64,
    },
    /// Missing genotypes (counted over the whole file).
    #[error(
        "record {record}, sample {sample}: missing genotype ({count} missing alleles in total)\n  hint: impute first (Beagle), or pass --missing major to fill them with the major allele"
    )]
    Missing {
        /// First record with one.
        record: String,
        /// First sample with one.
        sample: String,
        /// How many missing alleles in the file.
        count: u64,
    },
    /// A requested sample is not in the file.
    #[error("sample {0:?} is not in the file")]
    UnknownSample(String),
    /// A sample list selects nobody.
    #[error("the sample selection leaves no samples")]
    NoSamplesSelected,
    /// A region could not be parsed or queried.
    #[error("region {region:?}: {message}")]
    Region {
        /// The region text.
        region: String,
        /// What is wrong.
        message: String,
    },
    /// A line of a regions file is malformed.
    #[error("line {line}: {message}")]
    RegionsFile {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A `.hapt` line is malformed or does not match its sites.
    #[error("line {line}: {message}")]
    Hapt {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `.hapt` input without a sites source.
    #[error(
        ".hapt files carry no site positions\n  hint: pass --sites FILE (a VCF/BCF with the same sites, or a CHROM POS ID REF ALT table)"
    )]
    HaptNeedsSites,
    /// A `--sites` file could not be used.
    #[error("sites file {path}: {message}")]
    Sites {
        /// The sites file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The matrix cannot be written as asked.
    #[error("cannot write: {0}")]
    Unwritable(String),
    /// The output format cannot be inferred.
    #[error(
        "cannot tell the output format from the file name\n  hint: use an extension (.vcf, .vcf.gz, .bcf, .hapt, .pgen) or pass -O v|z|b|u|h|p"
    )]
    UnknownOutputFormat,
    /// A binary file (PGEN, BGEN) whose header does not follow its format.
    #[error(
        "malformed file: {0}\n  hint: the file is truncated or corrupt; check the download or export it again"
    )]
    Malformed(String),
    /// A valid file that genosynth cannot use as it is (the message says how to convert it).
    #[error("{0}")]
    Unsupported(String),
    /// A companion file (`.pvar`, `.psam`, `.sample`) is missing or malformed.
    #[error("companion file {path}: {message}")]
    Companion {
        /// The companion file (or the main file when none was found).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Ctrl-C (the stop flag) was set.
    #[error("interrupted")]
    Interrupted,
    /// A haplotype matrix could not be built.
    #[error(transparent)]
    Core(#[from] genosynth_core::Error),
}

/// A problem with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordProblem {
    /// Fewer than the 8 fixed columns, or not 9 + one per sample.
    ColumnCount {
        /// Columns the header announces.
        expected: usize,
        /// Columns found.
        found: usize,
    },
    /// POS is not a positive integer.
    BadPosition(String),
    /// REF or ALT is empty or malformed.
    BadAlleles(String),
    /// FORMAT has no GT key.
    NoGenotypeField(String),
    /// A GT value cannot be parsed.
    BadGenotype {
        /// The sample.
        sample: String,
        /// The GT text.
        genotype: String,
    },
    /// A GT allele index beyond the record's ALT alleles.
    AlleleBeyondAlts {
        /// The sample.
        sample: String,
        /// The allele index.
        allele: u32,
        /// Number of ALT alleles.
        alts: usize,
    },
    /// A sample's ploidy is not 1 or 2, or changes between records.
    Ploidy {
        /// The sample.
        sample: String,
        /// What was seen.
        message: String,
    },
    /// More than one ALT allele under the default policy.
    Multiallelic {
        /// The ALT column.
        alts: String,
    },
    /// The record comes before the previous one.
    Unsorted {
        /// The previous record.
        previous: String,
    },
    /// Same CHROM, POS, REF and ALT as the previous record.
    Duplicate,
    /// A chromosome not declared in a BCF header, or a malformed BCF record.
    Bcf(String),
    /// A binary (PGEN, BGEN) record that is truncated or corrupt.
    Corrupt(String),
    /// Probabilities or dosages rather than phased hard calls (the text names the sample and
    /// the fix).
    NotHardCalls(String),
}

impl fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ColumnCount { expected, found } => write!(
                f,
                "{found} columns, expected {expected} (9 fixed columns + one per header sample)"
            ),
            Self::BadPosition(pos) => write!(f, "bad POS {pos:?} (expected a positive integer)"),
            Self::BadAlleles(what) => write!(f, "bad alleles: {what}"),
            Self::NoGenotypeField(format) => {
                write!(f, "FORMAT {format:?} has no GT field: no genotypes to read")
            }
            Self::BadGenotype { sample, genotype } => {
                write!(f, "sample {sample}: bad genotype {genotype:?}")
            }
            Self::AlleleBeyondAlts {
                sample,
                allele,
                alts,
            } => write!(
                f,
                "sample {sample}: allele index {allele} but the record has {alts} ALT allele(s)"
            ),
            Self::Ploidy { sample, message } => write!(f, "sample {sample}: {message}"),
            Self::Multiallelic { alts } => write!(
                f,
                "multiallelic record (ALT {alts})\n  hint: pass --multiallelic split (one biallelic site per ALT, like bcftools norm -m-) or --multiallelic drop"
            ),
            Self::Unsorted { previous } => write!(
                f,
                "not sorted: comes after {previous}\n  hint: sort first (bcftools sort)"
            ),
            Self::Duplicate => write!(
                f,
                "duplicate record (same CHROM, POS, REF and ALT as the previous one)\n  hint: remove duplicates first (bcftools norm -d exact)"
            ),
            Self::Bcf(message) | Self::NotHardCalls(message) => write!(f, "{message}"),
            Self::Corrupt(message) => write!(
                f,
                "{message}\n  hint: the file is truncated or corrupt; check the download or export it again"
            ),
        }
    }
}

impl std::error::Error for RecordProblem {}
