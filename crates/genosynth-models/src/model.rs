//! The two models behind one enum, so the training loop, checkpointing and sampling are
//! written once.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use rand_chacha::ChaCha8Rng;

use crate::Result;
use crate::checkpoint::ModelMeta;
use crate::config::ModelParams;
use crate::gan::{GAN_LOSSES, Gan, GanTrainer};
use crate::rbm::{RBM_LOSSES, Rbm, RbmTrainer};
use crate::tensors::NamedTensors;

/// A model being trained, with its optimizer state.
pub(crate) enum Trainer {
    Gan(GanTrainer),
    Rbm(RbmTrainer),
}

/// Data prepared once for either model.
pub(crate) struct TrainingSet<'a> {
    pub(crate) dense: &'a [f32],
    pub(crate) n_haplotypes: usize,
    pub(crate) frequencies: &'a [f32],
}

impl Trainer {
    /// A fresh model (`weights = None`) or one from checkpoint weights.
    pub(crate) fn build(
        params: &ModelParams,
        data: &TrainingSet<'_>,
        weights: Option<&HashMap<String, Tensor>>,
        seed: u64,
        dev: &Device,
        init_rng: &mut ChaCha8Rng,
    ) -> Result<Self> {
        let n_sites = data.frequencies.len();
        let on_device = |w: &HashMap<String, Tensor>| -> Result<HashMap<String, Tensor>> {
            w.iter()
                .map(|(k, t)| Ok((k.clone(), t.to_device(dev)?)))
                .collect()
        };
        Ok(match params {
            ModelParams::Gan(p) => {
                let gan = match weights {
                    Some(w) => Gan::from_tensors(p.clone(), n_sites, &on_device(w)?)
                        .map_err(crate::Error::Data)?,
                    None => Gan::init(p.clone(), n_sites, seed, dev)?,
                };
                Trainer::Gan(GanTrainer::new(
                    gan,
                    data.dense,
                    data.n_haplotypes,
                    seed,
                    dev,
                )?)
            }
            ModelParams::Rbm(p) => {
                let rbm = match weights {
                    Some(w) => Rbm::from_tensors(p.clone(), n_sites, &on_device(w)?)
                        .map_err(crate::Error::Data)?,
                    None => Rbm::init(p.clone(), data.frequencies, seed, dev)?,
                };
                Trainer::Rbm(RbmTrainer::new(
                    rbm,
                    data.dense,
                    data.n_haplotypes,
                    data.frequencies,
                    init_rng,
                )?)
            }
        })
    }

    /// Names of the per-epoch figures [`Trainer::epoch`] returns.
    pub(crate) fn loss_names(&self) -> &'static [&'static str] {
        match self {
            Trainer::Gan(_) => &GAN_LOSSES,
            Trainer::Rbm(_) => &RBM_LOSSES,
        }
    }

    pub(crate) fn epoch(&mut self, r: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        match self {
            Trainer::Gan(t) => t.epoch(r),
            Trainer::Rbm(t) => t.epoch(r),
        }
    }

    pub(crate) fn weights(&self) -> NamedTensors {
        match self {
            Trainer::Gan(t) => t.gan.tensors(),
            Trainer::Rbm(t) => t.rbm.tensors(),
        }
    }

    /// Optimizer tensors and, for the GAN, the Adam step counts.
    pub(crate) fn optimizer_state(&self) -> Result<(NamedTensors, Option<[u64; 2]>)> {
        match self {
            Trainer::Gan(t) => t.optimizer_state().map(|(n, s)| (n, Some(s))),
            Trainer::Rbm(t) => Ok((t.optimizer_state(), None)),
        }
    }

    pub(crate) fn restore_optimizer(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        adam_steps: Option<[u64; 2]>,
    ) -> std::result::Result<(), String> {
        match self {
            Trainer::Gan(t) => {
                let steps = adam_steps.ok_or("model.json has no adam_steps")?;
                t.restore_optimizer(tensors, steps)
            }
            Trainer::Rbm(t) => t.restore_optimizer(tensors),
        }
    }
}

/// A trained model ready to sample.
pub(crate) enum Sampler {
    Gan(Gan),
    Rbm(Rbm),
}

impl Sampler {
    pub(crate) fn from_weights(
        meta: &ModelMeta,
        weights: &HashMap<String, Tensor>,
    ) -> std::result::Result<Self, String> {
        let n = meta.training.n_sites;
        Ok(match &meta.model {
            ModelParams::Gan(p) => Sampler::Gan(Gan::from_tensors(p.clone(), n, weights)?),
            ModelParams::Rbm(p) => Sampler::Rbm(Rbm::from_tensors(p.clone(), n, weights)?),
        })
    }
}

/// Checks a checkpoint's weights have every tensor its metadata implies.
pub(crate) fn check_weights(
    meta: &ModelMeta,
    weights: &HashMap<String, Tensor>,
) -> std::result::Result<(), String> {
    Sampler::from_weights(meta, weights).map(|_| ())
}
