use std::fmt;

/// Errors from building or transforming haplotype data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A dense buffer's length does not equal haplotypes × sites.
    #[error("dense buffer has {actual} values, expected {expected} (haplotypes × sites)")]
    DenseLength {
        /// haplotypes × sites
        expected: usize,
        /// the buffer's length
        actual: usize,
    },
    /// A dense value is not 0 or 1.
    #[error("haplotype {haplotype}, site {site}: value {value} is not an allele (expected 0 or 1)")]
    NotBinary {
        /// 0-based haplotype row
        haplotype: usize,
        /// 0-based site column
        site: usize,
        /// the offending value, as text
        value: String,
    },
    /// The samples' ploidies do not add up to the number of haplotype rows.
    #[error("samples carry {from_samples} haplotypes but the data has {rows} rows")]
    HaplotypeCount {
        /// sum of the samples' ploidies
        from_samples: usize,
        /// rows in the data
        rows: usize,
    },
    /// An index is outside the matrix.
    #[error("{what} index {index} is out of range (there are {len})")]
    OutOfRange {
        /// "site" or "haplotype"
        what: Axis,
        /// the index asked for
        index: usize,
        /// how many there are
        len: usize,
    },
    /// A pushed site has the wrong number of haplotype alleles.
    #[error("site {site}: {actual} alleles pushed, expected one per haplotype ({expected})")]
    SiteWidth {
        /// the site, as `CHROM:POS`
        site: String,
        /// haplotypes in the builder
        expected: usize,
        /// alleles given
        actual: usize,
    },
    /// A population panel line could not be read.
    #[error("panel line {line}: {message}")]
    Panel {
        /// 1-based line number
        line: usize,
        /// what was wrong
        message: String,
    },
    /// A split fraction outside (0, 1), or a split that leaves one side empty.
    #[error("cannot split: {0}")]
    Split(String),
    /// Pairing haplotypes into diploid samples needs haploid samples only.
    #[error("the input mixes haploid and diploid samples")]
    MixedPloidy,
    /// Pairing haplotypes into diploid samples needs an even number of them.
    #[error("{0} haplotypes cannot pair into diploid samples")]
    OddHaplotypes(usize),
    /// A genetic map line could not be read ([`crate::GeneticMap::parse`]).
    #[error("genetic map{}: {message}", .line.map_or(String::new(), |l| format!(" line {l}")))]
    GeneticMap {
        /// 1-based line number (`None` for the map as a whole).
        line: Option<usize>,
        /// what was wrong
        message: String,
    },
    /// A sample that the operation needs is not known.
    #[error("sample {0:?} is not in the panel")]
    UnknownSample(String),
}

/// Which axis of a matrix an index refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// A haplotype row.
    Haplotype,
    /// A site column.
    Site,
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Axis::Haplotype => "haplotype",
            Axis::Site => "site",
        })
    }
}
