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
    /// No validated checkpoint met the privacy bounds, and the risk was not accepted: no AGs
    /// were written.
    #[error(
        "no validated checkpoint met the privacy bounds on the {validation_people} validation people: the nearest{} has {failed}; no AGs written\n  hint: the model memorises its training people. Try more people, other people to borrow from (hclt: --reference OTHERS.vcf, the people of other populations at the same sites; docs/privacy.md), a smaller or smoother model (hclt: fewer --hclt-states; rbm: fewer --hidden-units or --epochs), or DP-SGD training (train --dp-epsilon); --accept-privacy-risk writes the AGs anyway and records the missed bounds in their header and report",
        .epoch.map_or_else(String::new, |e| format!(" (epoch {e})"))
    )]
    PrivacyBounds {
        /// The epoch nearest the bounds.
        epoch: Option<usize>,
        /// People it was validated on.
        validation_people: usize,
        /// The missed bounds, e.g. `likelihood-attack AUC 0.960 > 0.6 (by 0.360)`.
        failed: String,
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
