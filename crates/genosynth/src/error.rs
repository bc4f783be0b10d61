/// Everything the pipeline can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model could not be trained, loaded or sampled.
    #[error(transparent)]
    Models(#[from] genosynth_models::Error),
    /// The evaluation could not run.
    #[error(transparent)]
    Eval(#[from] genosynth_eval::Error),
    /// Haplotype data could not be split or assembled.
    #[error(transparent)]
    Core(#[from] genosynth_core::Error),
    /// A pipeline option is out of range.
    #[error("invalid {name}: {reason}")]
    InvalidOption {
        /// The option (flag) name.
        name: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The generation guard could not draw enough AGs far enough from the training data.
    #[error(
        "{left} of {n} AGs were still within {threshold} sites of a training haplotype after {rounds} rounds of redrawing\n  hint: the model reproduces its training haplotypes; select an earlier checkpoint (train with a validation fraction), or lower --min-distance"
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

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
