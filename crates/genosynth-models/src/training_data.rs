//! What a model was trained on (size and hash), recorded in `model.json` so `--resume` and
//! stitching can refuse other data, and the reference people an HCLT's prior leaned on.

use std::path::Path;

use genosynth_core::HaplotypeMatrix;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What the training data was, so `--resume` can refuse other data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingData {
    /// Haplotypes trained on.
    pub n_haplotypes: usize,
    /// Sites trained on.
    pub n_sites: usize,
    /// BLAKE3 of the bit-packed matrix words (little-endian), hex.
    pub matrix_blake3: String,
}

impl TrainingData {
    /// Size and hash of a matrix.
    pub fn of(matrix: &HaplotypeMatrix) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&(matrix.n_haplotypes() as u64).to_le_bytes());
        hasher.update(&(matrix.n_sites() as u64).to_le_bytes());
        for w in matrix.words() {
            hasher.update(&w.to_le_bytes());
        }
        Self {
            n_haplotypes: matrix.n_haplotypes(),
            n_sites: matrix.n_sites(),
            matrix_blake3: hasher.finalize().to_hex().to_string(),
        }
    }
}

impl std::fmt::Display for TrainingData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hash = &self.matrix_blake3[..16.min(self.matrix_blake3.len())];
        write!(
            f,
            "{} haplotypes × {} sites, hash {hash}",
            self.n_haplotypes, self.n_sites
        )
    }
}

/// Checks that a resumed run of the checkpoint in `dir` borrows from the reference people it
/// was trained with (`recorded`), or from none when it had none: the prior is part of the
/// model, and a resume that dropped or changed it would train another model.
pub(crate) fn check_resumed_reference(
    dir: &Path,
    recorded: Option<&TrainingData>,
    given: Option<&HaplotypeMatrix>,
) -> Result<()> {
    let given = given.map(TrainingData::of);
    let reason = match (recorded, &given) {
        (Some(r), None) => format!(
            "trained with reference people ({r}); resume it with the same reference people \
             (--reference), or train again into a new directory"
        ),
        (None, Some(g)) => format!(
            "trained without reference people (model.json records none), but reference people \
             were given ({g}); resume it without --reference, or train again into a new \
             directory"
        ),
        (Some(r), Some(g)) if r != g => format!(
            "trained with other reference people ({r}) than these ({g}); resume it with the \
             same --reference, or train again into a new directory"
        ),
        _ => return Ok(()),
    };
    Err(Error::ResumeMismatch {
        dir: dir.to_path_buf(),
        reason,
    })
}
