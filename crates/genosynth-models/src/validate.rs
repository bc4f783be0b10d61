//! One validation of the training loop: AGs drawn from the current weights and scored, with
//! the held-out likelihood and the likelihood attack for models that have a likelihood.

use std::collections::HashMap;

use candle_core::Tensor;
use genosynth_core::HaplotypeMatrix;
use rand::Rng;

use crate::generate::sample_matrix;
use crate::meta::ModelMeta;
use crate::model::{Sampler, Trainer};
use crate::rng::{self, STREAM_VALIDATE};
use crate::selection::ValidationScores;
use crate::train_options::Validation;
use crate::{Error, Result};

/// Generates AGs from the current weights and scores them; for models with a likelihood,
/// also the held-out likelihood and the likelihood attack (`fit` against `v.heldout`).
pub(crate) fn validate(
    trainer: &Trainer,
    meta: &ModelMeta,
    v: &mut Validation<'_>,
    fit: &HaplotypeMatrix,
    seed: u64,
    dev: &candle_core::Device,
) -> Result<ValidationScores> {
    let weights: HashMap<String, Tensor> = trainer.weights().into_iter().collect();
    let sampler = Sampler::from_weights(meta, &weights).map_err(Error::Data)?;
    // A stream of its own: validating never moves the training stream, so a run with
    // validation trains exactly as one without, and resumes exactly. The same stream at every
    // validation (common random numbers): checkpoints differ by their weights, not by which
    // draws they got, which keeps sampling noise out of the comparison.
    let mut r = rng::rng(seed, STREAM_VALIDATE);
    let labels = meta.labels.as_ref().map(|l| {
        (0..v.n_samples)
            .map(|_| l.index[r.random_range(0..l.index.len())])
            .collect::<Vec<_>>()
    });
    let sites = genosynth_core::Sites::from(meta.sites.clone());
    let ags = sample_matrix(
        &sampler,
        v.n_samples,
        labels.as_deref(),
        None,
        &mut r,
        dev,
        sites,
    )?;
    let mut scores = (v.score)(&ags).map_err(Error::Validation)?;
    if let Some(heldout) = v.heldout {
        // The HCLT's scores are the held-out log-likelihoods: scored once (at chromosome scale
        // each pass over the validation people is an E-step's upward half).
        let non_members = trainer.haplotype_scores(heldout)?;
        scores.heldout_log_likelihood = match (trainer, &non_members) {
            (Trainer::Hclt(_), Some(ll)) => Some(ll.iter().sum::<f64>() / ll.len() as f64),
            _ => trainer.mean_log_likelihood(heldout)?,
        };
        if let Some(attack) = v.attack.as_mut()
            && let Some(non_members) = non_members
            && let Some(members) = trainer.haplotype_scores(fit)?
        {
            let (auc, tpr) = attack(&members, &non_members);
            scores.likelihood_auc = Some(auc);
            scores.likelihood_tpr = tpr;
        }
    }
    Ok(scores)
}
