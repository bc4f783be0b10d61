use std::path::PathBuf;

/// Everything that can go wrong while training, saving, loading or sampling a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tensor operation failed (shape bug, out of device memory, CUDA error).
    #[error("tensor computation: {0}")]
    Tensor(#[from] candle_core::Error),
    /// Reading or writing a checkpoint file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `--device` could not be parsed or the device is not available.
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
        /// The hyperparameter (flag) name.
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
    /// `--resume` with data that differs from what the checkpoint was trained on.
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

impl Error {
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
