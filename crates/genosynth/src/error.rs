/// Everything the pipeline can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model could not be trained, loaded or sampled.
    #[error(transparent)]
    Models(#[from] genosynth_models::Error),
    /// The evaluation could not run.
    #[error(transparent)]
    Eval(#[from] genosynth_eval::Error),
    /// A file could not be read or written.
    #[error(transparent)]
    Vcf(#[from] genosynth_vcf::Error),
    /// A directory the pipeline needs could not be created.
    #[error("cannot create {what} {path}: {source}")]
    Directory {
        /// What the directory is for ("report directory", ...).
        what: &'static str,
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The stop flag (Ctrl-C) was set; nothing was written by the interrupted step.
    #[error("interrupted")]
    Interrupted,
    /// Haplotype data could not be split or assembled.
    #[error(transparent)]
    Core(#[from] genosynth_core::Error),
    /// A pipeline option is out of range.
    #[error("invalid {name}: {reason}")]
    InvalidOption {
        /// The value (a caller maps it to its flag or argument).
        name: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The generation guard could not draw enough AGs far enough from the training data.
    #[error(
        "{left} of {n} AGs were still within {threshold} sites of a training haplotype after {rounds} rounds of redrawing\n  hint: the model reproduces its training haplotypes; select an earlier checkpoint (train with a validation fraction), or lower the minimum distance"
    )]
    GuardExhausted {
        /// AGs asked for.
        n: usize,
        /// AGs still too near.
        left: usize,
        /// The minimum distance.
        threshold: u32,
        /// Redraw rounds tried.
        rounds: usize,
    },
}

impl Error {
    /// Whether this is a stop (Ctrl-C) rather than a failure, from this crate or the crates
    /// below it.
    pub fn is_interrupted(&self) -> bool {
        match self {
            Self::Interrupted | Self::Eval(genosynth_eval::Error::Interrupted) => true,
            Self::Vcf(e) => e.is_interrupted(),
            _ => false,
        }
    }
}

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
