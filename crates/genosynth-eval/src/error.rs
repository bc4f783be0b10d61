use thiserror::Error;

/// Why an evaluation could not run.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Error {
    /// The inputs share no CHROM/POS/REF/ALT site.
    #[error(
        "no common site: train has {train} sites, {other} has {other_sites}, none match by CHROM/POS/REF/ALT"
    )]
    NoCommonSites {
        /// Sites in train.
        train: usize,
        /// Which other input (`synthetic` or `holdout`).
        other: &'static str,
        /// Sites in that input.
        other_sites: usize,
    },
    /// The inputs use different ploidy models (e.g. diploid real samples, haploid AGs).
    #[error("different ploidy models: train is {train}, {other} is {other_ploidy}")]
    PloidyMismatch {
        /// Ploidy model of train (`diploid`, `haploid`, `mixed`).
        train: String,
        /// Which other input.
        other: &'static str,
        /// Its ploidy model.
        other_ploidy: String,
    },
    /// A set has fewer than two haplotypes, so nearest-neighbour statistics are undefined.
    #[error("{set}: {haplotypes} haplotype(s); at least 2 are needed")]
    TooFewHaplotypes {
        /// Which input.
        set: &'static str,
        /// Its haplotype count.
        haplotypes: usize,
    },
    /// A site key occurs twice in one input, so matching by site is ambiguous.
    #[error("{set}: site {site} occurs twice")]
    DuplicateSite {
        /// Which input.
        set: &'static str,
        /// The site, `CHROM:POS REF>ALT`.
        site: String,
    },
    /// The caller's stop flag was set (Ctrl-C); nothing was produced.
    #[error("interrupted")]
    Interrupted,
    /// A setting is out of range.
    #[error("invalid setting {name}: {message}")]
    Setting {
        /// The setting.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
}
