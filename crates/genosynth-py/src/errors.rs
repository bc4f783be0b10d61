//! Library errors as Python exceptions.
//!
//! The message is what the CLI prints after `error: `: the error and its causes joined by
//! `: ` (anyhow's `{:#}`). The class says what kind of problem it is:
//!
//! | error | exception |
//! | --- | --- |
//! | a file or directory cannot be opened, read, written or created | `FileNotFoundError`, `PermissionError` or `OSError` |
//! | corrupt compressed data; a model directory that is missing, damaged or already used | `OSError` |
//! | malformed records, policies, settings, hyperparameters, mismatched data | `ValueError` |
//! | tensor computation, the generation guard giving up | `RuntimeError` |
//! | a model whose selection missed the privacy bounds (without `accept_privacy_risk=True`) | `PrivacyRiskError` (a `RuntimeError`) |
//! | the stop flag (Ctrl-C) | `KeyboardInterrupt` |

use std::error::Error as StdError;

use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyPermissionError, PyRuntimeError,
    PyValueError,
};

create_exception!(
    genosynth,
    PrivacyRiskError,
    PyRuntimeError,
    "A model whose checkpoint selection missed the privacy bounds: its AGs could expose the \
     people it was trained on. The message says which bound failed, by how much, and what to try; \
     accept_privacy_risk=True writes the AGs anyway and records the risk with them."
);

/// The error and its causes, `: `-separated, as the CLI shows them.
pub(crate) fn chain(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// An `OSError` subclass for an I/O failure, with `message`.
pub(crate) fn os_error(io: &std::io::Error, message: String) -> PyErr {
    match io.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

/// A read or write error of genosynth-vcf.
pub(crate) fn vcf(err: genosynth_vcf::Error) -> PyErr {
    use genosynth_vcf::ErrorKind;
    let message = chain(&err);
    match &err.kind {
        ErrorKind::Open(io) | ErrorKind::Io(io) => os_error(io, message),
        ErrorKind::Compressed(_) => PyOSError::new_err(message),
        ErrorKind::Interrupted => PyKeyboardInterrupt::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

/// A training, loading or sampling error of genosynth-models.
pub(crate) fn models(err: genosynth_models::Error) -> PyErr {
    use genosynth_models::Error;
    let message = chain(&err);
    match &err {
        Error::Io { source, .. } => os_error(source, message),
        Error::Checkpoint { .. } => PyOSError::new_err(message),
        Error::CheckpointExists { dir } => PyOSError::new_err(format!(
            "checkpoint {}: already holds a model; pass resume=True to continue it or choose another directory",
            dir.display()
        )),
        Error::Compute(_) => PyRuntimeError::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

/// An evaluation error of genosynth-eval.
pub(crate) fn eval(err: genosynth_eval::Error) -> PyErr {
    let message = chain(&err);
    match err {
        genosynth_eval::Error::Interrupted => PyKeyboardInterrupt::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

/// A pipeline error of the `genosynth` facade.
pub(crate) fn pipeline(err: genosynth::Error) -> PyErr {
    let message = chain(&err);
    match err {
        genosynth::Error::Models(e) => models(e),
        genosynth::Error::Eval(e) => eval(e),
        genosynth::Error::Vcf(e) => vcf(e),
        genosynth::Error::Directory { source, .. } => os_error(&source, message),
        genosynth::Error::Interrupted => PyKeyboardInterrupt::new_err(message),
        genosynth::Error::GuardExhausted { .. } => PyRuntimeError::new_err(message),
        genosynth::Error::PrivacyBounds { .. } => PrivacyRiskError::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

/// A haplotype data error of genosynth-core (always the caller's data).
pub(crate) fn core(err: genosynth_core::Error) -> PyErr {
    PyValueError::new_err(chain(&err))
}

/// A `ValueError` with `message`.
pub(crate) fn value(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
