//! The model of reference people that a small training set borrows strength from
//! ([`super::prior`]): trained once per run (or taken from a [`ReferenceCache`]), the small
//! model starts from it and its EM is shrunk towards it. Above both the prior and EM, so that
//! EM itself never needs to know how a reference model is made.

use std::sync::Mutex;

use candle_core::{Device, Tensor};
use genosynth_core::HaplotypeMatrix;
use rand_chacha::ChaCha8Rng;

use super::bits::SiteBits;
use super::host::HostHclt;
use super::prior::{Prior, own_frequency_emissions};
use super::{Hclt, HcltParams, HcltTrainer};
use crate::Result;

/// EM iterations of the reference model (the share preset trains 60; a model of the 805-SNP
/// set's other clusters gains little after 30, and this is paid on every run).
pub(crate) const REFERENCE_EPOCHS: usize = 30;

/// The reference model of one run, kept for the next runs on the same training and reference
/// people (`TrainOptions::reference_cache`): a ladder of reference weights trains one small
/// model per weight, and the model of the reference people, which does not depend on the
/// weight, costs most of each (on 40 people of the 805-SNP set beside 1,000 others, 7.5 of
/// 8.8 CPU seconds). A run whose parameters (but the weight), seed or data shape differ
/// trains its own and keeps that instead.
#[derive(Default)]
pub struct ReferenceCache(Mutex<Option<(ReferenceKey, Hclt)>>);

impl std::fmt::Debug for ReferenceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.debug_tuple("ReferenceCache")
            .field(&slot.as_ref().map(|(key, _)| key))
            .finish()
    }
}

/// What the reference model depends on besides the reference people themselves.
#[derive(Debug, Clone, PartialEq)]
struct ReferenceKey {
    params: HcltParams,
    seed: u64,
    n_reference: usize,
    sites: usize,
}

impl ReferenceCache {
    /// The reference model for `params` (its weight aside) and `seed`: the cached one when it
    /// matches, else one trained by [`reference_model`] from `r` (and cached).
    pub(crate) fn model(
        &self,
        params: &HcltParams,
        seed: u64,
        reference: &HaplotypeMatrix,
        r: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Hclt> {
        let key = ReferenceKey {
            params: HcltParams {
                reference_weight: 0.0,
                ..params.clone()
            },
            seed,
            n_reference: reference.n_haplotypes(),
            sites: reference.n_sites(),
        };
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((k, model)) = slot.as_ref()
            && *k == key
        {
            return Ok(Hclt {
                params: params.clone(),
                ..model.clone()
            });
        }
        let model = reference_model(params, reference, r, dev)?;
        *slot = Some((key, model.clone()));
        Ok(model)
    }
}

/// The HCLT of `reference` (other people's haplotypes): EM from a fresh model on their
/// Chow-Liu tree, read from the packed rows: [`REFERENCE_EPOCHS`] iterations.
pub(crate) fn reference_model(
    params: &HcltParams,
    reference: &HaplotypeMatrix,
    r: &mut ChaCha8Rng,
    dev: &Device,
) -> Result<Hclt> {
    let frequencies: Vec<f32> = reference
        .allele_frequencies()
        .iter()
        .map(|&f| f as f32)
        .collect();
    let mut t = HcltTrainer::from_matrix(params.clone(), reference, &frequencies, None, r, dev)?;
    for _ in 0..REFERENCE_EPOCHS {
        t.epoch(r)?;
    }
    Ok(t.hclt)
}

impl HcltTrainer {
    /// A trainer on `own` that borrows strength from `reference` (other people's
    /// haplotypes): a model of the reference people is
    /// trained first (from `pooled_rng`, so a resumed run rebuilds the same one), the model
    /// starts from it (or from a checkpoint's `weights`) and its EM is shrunk towards it by a
    /// prior of `params.reference_weight` times each parameter row's own counts
    /// ([`super::prior`]). With `cache`, a reference model it holds for the same parameters
    /// and `seed` is used instead of training one.
    #[allow(
        clippy::too_many_arguments,
        reason = "the data, the reference and the start"
    )]
    pub(crate) fn with_reference(
        params: HcltParams,
        own: &HaplotypeMatrix,
        frequencies: &[f32],
        reference: &HaplotypeMatrix,
        cache: Option<&ReferenceCache>,
        weights: Option<Hclt>,
        (seed, pooled_rng): (u64, &mut ChaCha8Rng),
        dev: &Device,
    ) -> Result<Self> {
        let pooled = match cache {
            Some(c) => c.model(&params, seed, reference, pooled_rng, dev)?,
            None => reference_model(&params, reference, pooled_rng, dev)?,
        };
        let host = HostHclt::of(&pooled)?;
        let mut prior = Prior::of(&host, f64::from(params.reference_weight));
        let own_emissions = params.frequency_weight.map(|f| {
            own_frequency_emissions(
                &host,
                &pooled.tree,
                (frequencies, f64::from(f)),
                own.n_haplotypes(),
            )
        });
        let start = match weights {
            Some(w) => w,
            None => {
                let mut start = Hclt {
                    params: params.clone(),
                    ..pooled
                };
                if let Some(e) = &own_emissions {
                    let narrow = e.iter().map(|&v| v as f32).collect::<Vec<f32>>();
                    let shape = start.emission.dims2()?;
                    start.emission = Tensor::from_vec(narrow, shape, start.emission.device())?;
                }
                start
            }
        };
        if let Some(e) = own_emissions {
            prior.emission = e;
        }
        let bits = SiteBits::from_matrix(own, 0..own.n_haplotypes());
        let mut trainer = Self::from_bits(
            params,
            bits,
            frequencies,
            Some(start),
            None,
            pooled_rng,
            dev,
        )?;
        trainer.prior = Some(prior);
        Ok(trainer)
    }
}
