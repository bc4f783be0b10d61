//! Per-haplotype scores of a trained model, for likelihood membership attacks: a training
//! member tends to score higher than someone the model never saw when the model overfits.

use candle_core::{Device, Tensor};
use genosynth_core::HaplotypeMatrix;

use crate::checkpoint::Checkpoint;
use crate::config::ModelParams;
use crate::hclt::Hclt;
use crate::rbm::Rbm;
use crate::{Error, Result};

/// What a model's score is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreKind {
    /// The exact log-likelihood (HCLT).
    LogLikelihood,
    /// The RBM's negative free energy: the log-likelihood up to a constant.
    NegativeFreeEnergy,
}

impl ScoreKind {
    /// `log-likelihood` or `negative free energy`.
    pub fn name(self) -> &'static str {
        match self {
            ScoreKind::LogLikelihood => "log-likelihood",
            ScoreKind::NegativeFreeEnergy => "negative free energy",
        }
    }
}

/// Each haplotype's score under the checkpoint's weights, or `None` for models without a
/// likelihood or free energy (the GANs, and the CRBM whose windows are conditional).
///
/// # Errors
/// The matrix's sites differ from the model's, or a tensor computation fails.
pub fn haplotype_scores(
    checkpoint: &Checkpoint,
    matrix: &HaplotypeMatrix,
) -> Result<Option<(ScoreKind, Vec<f64>)>> {
    if matrix.sites().as_slice() != checkpoint.meta.sites.as_slice() {
        return Err(Error::Data(format!(
            "scoring needs the model's {} sites in order; these haplotypes have {} other sites",
            checkpoint.meta.sites.len(),
            matrix.n_sites()
        )));
    }
    let n_sites = matrix.n_sites();
    let rows = matrix.n_haplotypes();
    let bad = |r: String| Error::checkpoint(&checkpoint.dir, r);
    match &checkpoint.meta.model {
        ModelParams::Rbm(p) => {
            let rbm = Rbm::from_tensors(p.clone(), n_sites, &checkpoint.weights).map_err(bad)?;
            let v = Tensor::from_vec(matrix.to_dense_f32(), (rows, n_sites), &Device::Cpu)?;
            let s = rbm.negative_free_energy(&v)?.to_vec1::<f32>()?;
            Ok(Some((
                ScoreKind::NegativeFreeEnergy,
                s.into_iter().map(f64::from).collect(),
            )))
        }
        ModelParams::Hclt(p) => {
            let h = Hclt::from_tensors(p.clone(), n_sites, &checkpoint.weights).map_err(bad)?;
            // Chunk by chunk from the packed rows: memory stays at a chunk's, not n × sites.
            let s = crate::hclt::matrix_log_likelihoods(&h, matrix)?;
            Ok(Some((ScoreKind::LogLikelihood, s)))
        }
        _ => Ok(None),
    }
}

/// [`haplotype_scores`] within one population of a model trained with a panel: each
/// haplotype's log-likelihood under `label`'s component of an HCLT mixture alone, the
/// distribution that population's AGs are drawn from (`generate --population`). `None` for
/// labelled models without a likelihood (the conditional WGAN and CRBM).
///
/// # Errors
/// The model was trained without a panel or does not know `label` (the error lists the labels
/// it knows), or as [`haplotype_scores`].
pub fn population_haplotype_scores(
    checkpoint: &Checkpoint,
    matrix: &HaplotypeMatrix,
    label: &str,
) -> Result<Option<(ScoreKind, Vec<f64>)>> {
    let ModelParams::Hclt(p) = &checkpoint.meta.model else {
        return match checkpoint.meta.labels {
            Some(_) => Ok(None),
            None => Err(unlabelled(checkpoint)),
        };
    };
    let labels = checkpoint
        .meta
        .labels
        .as_ref()
        .ok_or_else(|| unlabelled(checkpoint))?;
    let c = labels
        .names
        .iter()
        .position(|n| n == label)
        .ok_or_else(|| {
            Error::Data(format!(
                "population {label:?} is not one of the model's labels ({}) in {}",
                labels.names.join(", "),
                checkpoint.dir.display()
            ))
        })?;
    if p.components != labels.names.len() {
        return Err(Error::checkpoint(
            &checkpoint.dir,
            format!(
                "{} labels but {} mixture components: the model does not keep one component per label",
                labels.names.len(),
                p.components
            ),
        ));
    }
    if matrix.sites().as_slice() != checkpoint.meta.sites.as_slice() {
        return Err(Error::Data(format!(
            "scoring needs the model's {} sites in order; these haplotypes have {} other sites",
            checkpoint.meta.sites.len(),
            matrix.n_sites()
        )));
    }
    let bad = |r: String| Error::checkpoint(&checkpoint.dir, r);
    let h = Hclt::from_tensors(p.clone(), matrix.n_sites(), &checkpoint.weights).map_err(bad)?;
    let s = crate::hclt::matrix_log_likelihoods(&h.component(c)?, matrix)?;
    Ok(Some((ScoreKind::LogLikelihood, s)))
}

fn unlabelled(checkpoint: &Checkpoint) -> Error {
    Error::Data(format!(
        "the model in {} was trained without --panel: it has no populations to score within",
        checkpoint.dir.display()
    ))
}
