//! The models behind one enum, so the training loop, checkpointing and sampling are
//! written once.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use rand_chacha::ChaCha8Rng;

use crate::Result;
use crate::config::ModelParams;
use crate::crbm::part_trainer::{PartTrainer, check_part_weights};
use crate::crbm::{Crbm, CrbmTrainer};
use crate::dp_sgd::DpSgd;
use crate::gan::{GAN_DP_LOSSES, GAN_LOSSES, Gan, GanTrainer};
use crate::hclt::{HCLT_LOSSES, Hclt, HcltTrainer};
use crate::labels::{HaplotypeLabels, training_labels};
use crate::meta::ModelMeta;
use crate::rbm::{RBM_LOSSES, Rbm, RbmTrainer};
use crate::tensors::NamedTensors;
use crate::wgan::{Wgan, WganTrainer};

/// A model being trained, with its optimizer state.
pub(crate) enum Trainer {
    Gan(GanTrainer),
    Rbm(RbmTrainer),
    Wgan(Box<WganTrainer>),
    Crbm(CrbmTrainer),
    /// One window of a CRBM chain trained on its own.
    CrbmPart(PartTrainer),
    Hclt(HcltTrainer),
}

/// Per-epoch figures of the WGAN-GP.
const WGAN_LOSSES: [&str; 4] = ["critic_loss", "gradient_penalty", "wasserstein", "g_loss"];
/// Per-epoch figure of the chained conditional RBM (mean over windows).
const CRBM_LOSSES: [&str; 1] = ["reconstruction_error"];

/// Data prepared once for either model.
pub(crate) struct TrainingSet<'a> {
    /// The haplotypes packed, as the HCLT reads them.
    pub(crate) matrix: &'a genosynth_core::HaplotypeMatrix,
    /// The same row-major `n × sites` 0/1 values, for the other models (empty for the HCLT,
    /// which never needs them: 32 times the packed size).
    pub(crate) dense: &'a [f32],
    pub(crate) n_haplotypes: usize,
    pub(crate) frequencies: &'a [f32],
    /// DP-SGD training: nothing may be computed from the data outside the mechanism.
    pub(crate) private: bool,
    /// Other people's haplotypes, for the HCLT's reference prior (read from their packed
    /// rows: at chromosome scale a dense copy would be 32 times their size).
    pub(crate) reference: Option<&'a genosynth_core::HaplotypeMatrix>,
    /// A reference model kept from an earlier run with the same reference people.
    pub(crate) reference_cache: Option<&'a crate::hclt::ReferenceCache>,
}

impl Trainer {
    /// A fresh model (`weights = None`) or one from checkpoint weights.
    pub(crate) fn build(
        params: &ModelParams,
        labels: Option<&HaplotypeLabels>,
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
            ModelParams::Wgan(p) => {
                let (labels, n_labels) = training_labels(labels, data.n_haplotypes)?;
                let wgan = match weights {
                    Some(w) => Wgan::from_tensors(n_sites, n_labels, p.clone(), &on_device(w)?)
                        .map_err(|e| crate::Error::Data(e.reason()))?,
                    None => Wgan::new(n_sites, n_labels, p.clone(), dev, DType::F32, seed)?,
                };
                let labels = labels.map(<[usize]>::to_vec);
                Trainer::Wgan(Box::new(WganTrainer::new(wgan, data.dense, labels)?))
            }
            ModelParams::Crbm(p) => {
                let (labels, n_labels) = training_labels(labels, data.n_haplotypes)?;
                match weights {
                    Some(w) => {
                        let w = on_device(w)?;
                        let crbm = Crbm::from_named_tensors(p.clone(), n_sites, n_labels, |name| {
                            w.get(name)
                                .cloned()
                                .ok_or_else(|| format!("tensor {name} is missing"))
                        })
                        .map_err(crate::Error::Data)?;
                        Trainer::Crbm(CrbmTrainer::with_model(crbm, data.dense, labels)?)
                    }
                    None => Trainer::Crbm(CrbmTrainer::new(
                        data.dense,
                        n_sites,
                        labels.map(|l| (l, n_labels)),
                        p.clone(),
                        dev,
                        seed,
                        data.private,
                    )?),
                }
            }
            ModelParams::Hclt(p) => {
                let model = match weights {
                    Some(w) => Some(
                        Hclt::from_tensors(p.clone(), n_sites, &on_device(w)?)
                            .map_err(crate::Error::Data)?,
                    ),
                    None => None,
                };
                let (labels, _) = training_labels(labels, data.n_haplotypes)?;
                match (data.reference, labels) {
                    (Some(_), Some(_)) => {
                        return Err(crate::Error::config(
                            "reference",
                            "an hclt with population labels already shares one model across \
                             them; it takes no --reference",
                        ));
                    }
                    // One component per label, started from its people (a resumed run has its
                    // checkpoint's model).
                    (None, Some(labels)) if model.is_none() => {
                        Trainer::Hclt(HcltTrainer::from_labelled_matrix(
                            p.clone(),
                            data.matrix,
                            labels,
                            data.frequencies,
                            init_rng,
                            dev,
                        )?)
                    }
                    // Its own random stream: a resumed run rebuilds the same reference model.
                    (Some(reference), None) => Trainer::Hclt(HcltTrainer::with_reference(
                        p.clone(),
                        data.matrix,
                        data.frequencies,
                        reference,
                        data.reference_cache,
                        model,
                        (
                            seed,
                            &mut crate::rng::rng(seed, crate::rng::STREAM_REFERENCE),
                        ),
                        dev,
                    )?),
                    (None, _) => Trainer::Hclt(HcltTrainer::from_matrix(
                        p.clone(),
                        data.matrix,
                        data.frequencies,
                        model,
                        init_rng,
                        dev,
                    )?),
                }
            }
        })
    }

    /// Names of the per-epoch figures [`Trainer::epoch`] returns (under DP-SGD, those that
    /// see no training data).
    pub(crate) fn loss_names(&self, dp: bool) -> &'static [&'static str] {
        match self {
            Trainer::Gan(_) if dp => &GAN_DP_LOSSES,
            Trainer::Rbm(_) | Trainer::Crbm(_) | Trainer::CrbmPart(_) if dp => &[],
            Trainer::Gan(_) => &GAN_LOSSES,
            Trainer::Rbm(_) => &RBM_LOSSES,
            Trainer::Wgan(_) => &WGAN_LOSSES,
            Trainer::Crbm(_) | Trainer::CrbmPart(_) => &CRBM_LOSSES,
            Trainer::Hclt(_) => &HCLT_LOSSES,
        }
    }

    /// One epoch, of DP-SGD when `dp` is given ([`DpSgd::plan`] admits only the RBM and the
    /// GAN).
    pub(crate) fn epoch(&mut self, r: &mut ChaCha8Rng, dp: Option<&DpSgd>) -> Result<Vec<f64>> {
        match (self, dp) {
            (Trainer::Gan(t), Some(dp)) => t.epoch_dp(dp, r),
            (Trainer::Rbm(t), Some(dp)) => t.epoch_dp(dp, r),
            (Trainer::Crbm(t), Some(dp)) => t.epoch_dp(dp, r).map(|()| Vec::new()),
            (_, Some(_)) => Err(crate::Error::config(
                "dp",
                "DP-SGD is not implemented for this model",
            )),
            (this, None) => this.epoch_plain(r),
        }
    }

    fn epoch_plain(&mut self, r: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        match self {
            Trainer::Gan(t) => t.epoch(r),
            Trainer::Rbm(t) => t.epoch(r),
            Trainer::Wgan(t) => {
                let l = t.epoch(r)?;
                Ok(vec![
                    l.critic,
                    l.gradient_penalty,
                    l.wasserstein,
                    l.generator,
                ])
            }
            Trainer::Crbm(t) => Ok(vec![t.epoch(r)?]),
            Trainer::CrbmPart(t) => Ok(vec![t.epoch(r)?]),
            Trainer::Hclt(t) => t.epoch(r),
        }
    }

    /// Mean log-likelihood (nats per haplotype) of `m` under the model, for models with an
    /// exact likelihood (the HCLT; none of the papers' models has one).
    pub(crate) fn mean_log_likelihood(
        &self,
        m: &genosynth_core::HaplotypeMatrix,
    ) -> Result<Option<f64>> {
        match self {
            Trainer::Hclt(t) => crate::hclt::mean_log_likelihood(&t.hclt, m).map(Some),
            _ => Ok(None),
        }
    }

    /// Each haplotype's score under the current weights, for the likelihood attack: the HCLT's
    /// log-likelihood, the RBM's negative free energy; `None` for models without either.
    pub(crate) fn haplotype_scores(
        &self,
        m: &genosynth_core::HaplotypeMatrix,
    ) -> Result<Option<Vec<f64>>> {
        match self {
            Trainer::Hclt(t) => crate::hclt::matrix_log_likelihoods(&t.hclt, m).map(Some),
            Trainer::Rbm(t) => {
                let dense = m.to_dense_f32();
                let dev = t.rbm.device();
                let v = Tensor::from_slice(&dense, (m.n_haplotypes(), m.n_sites()), dev)?;
                let s = t.rbm.negative_free_energy(&v)?.to_vec1::<f32>()?;
                Ok(Some(s.into_iter().map(f64::from).collect()))
            }
            _ => Ok(None),
        }
    }

    /// Leaves `sites` out of an HCLT's likelihood and samples ([`crate::hclt`]'s
    /// `not_modelled`); other models have no such sites.
    pub(crate) fn leave_out_sites(&mut self, sites: &[usize]) {
        if let Trainer::Hclt(t) = self {
            t.hclt.set_not_modelled(sites);
        }
    }

    pub(crate) fn weights(&self) -> NamedTensors {
        match self {
            Trainer::Gan(t) => t.gan.tensors(),
            Trainer::Rbm(t) => t.rbm.tensors(),
            Trainer::Wgan(t) => t.wgan.tensors(),
            Trainer::Crbm(t) => t.crbm.named_tensors(),
            Trainer::CrbmPart(t) => t.weights(),
            Trainer::Hclt(t) => t.hclt.tensors(),
        }
    }

    /// Optimizer tensors and, for the GAN, the Adam step counts.
    pub(crate) fn optimizer_state(&self) -> Result<(NamedTensors, Option<[u64; 2]>)> {
        match self {
            Trainer::Gan(t) => t.optimizer_state().map(|(n, s)| (n, Some(s))),
            Trainer::Rbm(t) => Ok((t.optimizer_state(), None)),
            Trainer::Wgan(t) => Ok(t.optimizer_state().map(|(n, s)| (n, Some(s)))?),
            // Plain SGD with chains restarted every minibatch: nothing to keep.
            Trainer::Crbm(_) | Trainer::CrbmPart(_) => Ok((Vec::new(), None)),
            // EM keeps no state between iterations.
            Trainer::Hclt(_) => Ok((Vec::new(), None)),
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
            Trainer::Wgan(t) => {
                let steps = adam_steps.ok_or("model.json has no adam_steps")?;
                t.restore_optimizer(tensors, steps).map_err(|e| e.reason())
            }
            Trainer::Crbm(_) | Trainer::CrbmPart(_) | Trainer::Hclt(_) => Ok(()),
        }
    }
}

/// A trained model ready to sample.
pub(crate) enum Sampler {
    Gan(Gan),
    Rbm(Rbm),
    Wgan(Box<Wgan>),
    Crbm(Crbm),
    Hclt(Box<Hclt>),
}

impl Sampler {
    pub(crate) fn from_weights(
        meta: &ModelMeta,
        weights: &HashMap<String, Tensor>,
    ) -> std::result::Result<Self, String> {
        let n = meta.training.n_sites;
        if let Some(part) = &meta.window_part {
            return Err(format!(
                "holds window {} of a {}-window CRBM chain only; join every window with \
                 `genosynth stitch` and generate from the result",
                part.window.index, part.windows
            ));
        }
        Ok(match &meta.model {
            ModelParams::Gan(p) => Sampler::Gan(Gan::from_tensors(p.clone(), n, weights)?),
            ModelParams::Rbm(p) => Sampler::Rbm(Rbm::from_tensors(p.clone(), n, weights)?),
            ModelParams::Wgan(p) => Sampler::Wgan(Box::new(
                Wgan::from_tensors(n, label_count(meta.labels.as_ref()), p.clone(), weights)
                    .map_err(|e| e.reason())?,
            )),
            ModelParams::Crbm(p) => Sampler::Crbm(Crbm::from_named_tensors(
                p.clone(),
                n,
                label_count(meta.labels.as_ref()),
                |name| {
                    weights
                        .get(name)
                        .cloned()
                        .ok_or_else(|| format!("tensor {name} is missing"))
                },
            )?),
            ModelParams::Hclt(p) => {
                Sampler::Hclt(Box::new(Hclt::from_tensors(p.clone(), n, weights)?))
            }
        })
    }
}

/// Checks a checkpoint's weights have every tensor its metadata implies.
pub(crate) fn check_weights(
    meta: &ModelMeta,
    weights: &HashMap<String, Tensor>,
) -> std::result::Result<(), String> {
    match &meta.window_part {
        Some(part) => {
            let ModelParams::Crbm(config) = &meta.model else {
                return Err(format!(
                    "records a CRBM window but its model is {}",
                    meta.model.kind()
                ));
            };
            check_part_weights(config, label_count(meta.labels.as_ref()), part, weights)
        }
        None => Sampler::from_weights(meta, weights).map(|_| ()),
    }
}

fn label_count(labels: Option<&HaplotypeLabels>) -> usize {
    labels.map_or(0, |l| l.names.len())
}
