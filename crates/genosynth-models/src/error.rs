use std::path::PathBuf;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while training, saving, loading or sampling a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tensor operation failed (shape bug, out of device memory, CUDA error).
    #[error("tensor computation: {0}")]
    Compute(ComputeError),
    /// Reading or writing a checkpoint file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A device choice could not be parsed or the device is not available.
    #[error("device {choice}: {reason}")]
    Device {
        /// What the user asked for.
        choice: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A hyperparameter or option is out of range.
    #[error("invalid {name}: {reason}")]
    InvalidConfig {
        /// The hyperparameter or option name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The training data cannot be used (too few haplotypes or sites).
    #[error("training data: {0}")]
    Data(String),
    /// A checkpoint directory is incomplete, corrupt or from another genosynth version.
    #[error("checkpoint {}: {reason}", dir.display())]
    Checkpoint {
        /// The checkpoint directory.
        dir: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A new training run was pointed at a directory that already holds a model (resume it
    /// instead, or choose another directory).
    #[error("checkpoint {}: already holds a model; resume it or choose another directory", dir.display())]
    CheckpointExists {
        /// The checkpoint directory.
        dir: PathBuf,
    },
    /// Resuming with data that differs from what the checkpoint was trained on.
    #[error("checkpoint {}: {reason}", dir.display())]
    ResumeMismatch {
        /// The checkpoint directory.
        dir: PathBuf,
        /// What differs.
        reason: String,
    },
    /// Scoring a checkpoint on validation people failed.
    #[error("validation: {0}")]
    Validation(String),
    /// CRBM window checkpoints cannot be joined into one chain (missing, repeated or from
    /// different chains).
    #[error("stitch: {0}")]
    Stitch(String),
    /// Building the output haplotype matrix failed.
    #[error(transparent)]
    Core(#[from] genosynth_core::Error),
}

/// What a failed tensor computation said, kept opaque so that the backend is no part of this
/// crate's API.
#[derive(Debug)]
pub struct ComputeError(Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for ComputeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ComputeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

// Lets `?` wrap candle's errors inside the crate; hidden because callers never hold one.
#[doc(hidden)]
impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Compute(ComputeError(Box::new(e)))
    }
}

impl Error {
    /// A failed computation described by a message (a tensor of the wrong shape or missing).
    pub(crate) fn compute(reason: impl Into<String>) -> Self {
        Error::Compute(ComputeError(reason.into().into()))
    }

    /// The reason alone: a computation's own message without the `tensor computation:`
    /// prefix, for errors reported inside a checkpoint's.
    pub(crate) fn reason(&self) -> String {
        match self {
            Error::Compute(e) => e.to_string(),
            other => other.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn checkpoint(dir: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Checkpoint {
            dir: dir.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn config(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            name,
            reason: reason.into(),
        }
    }
}

/// `v` is at least 1, or an [`Error::InvalidConfig`] naming `name`.
pub(crate) fn positive(name: &'static str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::config(name, "must be at least 1"));
    }
    Ok(())
}

/// `v` is finite and above 0.
pub(crate) fn positive_f(name: &'static str, v: f32) -> Result<()> {
    if !(v > 0.0 && v.is_finite()) {
        return Err(Error::config(name, format!("{v} is not > 0")));
    }
    Ok(())
}

/// `v` is within [0, 1].
pub(crate) fn unit_interval(name: &'static str, v: f32) -> Result<()> {
    if !(0.0..=1.0).contains(&v) {
        return Err(Error::config(name, format!("{v} is not in [0, 1]")));
    }
    Ok(())
}
