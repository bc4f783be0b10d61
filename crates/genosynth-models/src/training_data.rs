//! What a model was trained on (size and hash), recorded in `model.json` so `--resume` and
//! stitching can refuse other data.

use genosynth_core::HaplotypeMatrix;
use serde::{Deserialize, Serialize};

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
