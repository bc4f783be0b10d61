//! A prior towards a model of other people, for small training sets that can borrow strength
//! from them (a population's few dozen people next to a panel of others).
//!
//! A model of 40 people learns each person's own alleles into its parameters, and the
//! likelihood attack reads them back (docs/privacy.md: even allele frequencies alone give an
//! AUC of 0.6 at 40 people). Shrinking towards 0.5 does not help (it keeps the ranking of
//! people); shrinking towards a model of *other* people does: each training haplotype's pull
//! on a parameter falls by `1 + reference_weight`. The reference model is an HCLT of the
//! reference people alone, so the prior carries nothing of the training people (a pool with
//! them in it lets the states of a distinct population learn them anyway). The small model
//! starts from it (same tree, same states) and each M-step adds to every row of expected
//! counts (a state's allele counts, a parent state's transitions, the root)
//! `reference_weight` times that row's own count, distributed as the reference model's row:
//! Dirichlet priors centred on it whose strength scales with the data, so the balance of own
//! and borrowed evidence is the same at any size (hierarchical shrinkage).

use std::sync::Mutex;

use candle_core::Device;
use rand_chacha::ChaCha8Rng;

use super::passes::HostHclt;
use super::{Hclt, HcltParams, HcltTrainer};
use crate::Result;

/// EM iterations of the reference model (the share preset trains 60; a model of the 805-SNP
/// set's other clusters gains little after 30, and this is paid on every run).
pub(crate) const REFERENCE_EPOCHS: usize = 30;

/// The reference model's parameters and the prior's weight.
///
/// Each row of parameters gets pseudo-counts of `weight` times its own expected count,
/// spread as the reference model's row: a state the small set visits often is shrunk as much as
/// a rare one, so every training haplotype's pull on every parameter falls by `1 + weight`
/// (a prior proportional to the reference model's own state marginals barely touches the states
/// a distinct population occupies: on 40 people of the 805-SNP set's smallest cluster it left
/// the likelihood attack at AUC 0.69).
#[derive(Debug, Clone)]
pub(crate) struct Prior {
    pub(crate) weight: f64,
    /// `(states)`.
    pub(crate) pi: Vec<f64>,
    /// `(sites, states, states)`.
    pub(crate) transition: Vec<f64>,
    /// `(sites, states)`.
    pub(crate) emission: Vec<f64>,
}

impl Prior {
    /// The prior towards `h` with `weight`.
    pub(crate) fn of(h: &HostHclt, weight: f64) -> Self {
        let wide = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect();
        Self {
            weight,
            pi: wide(&h.pi),
            transition: wide(&h.transition),
            emission: wide(&h.emission),
        }
    }

    /// Normalises `counts + pseudo-counts` of one row whose reference distribution is `pooled`,
    /// plus `flat` added to every entry.
    pub(crate) fn row(&self, counts: &[f64], pooled: &[f64], flat: &[f64]) -> Vec<f64> {
        let own: f64 = counts.iter().sum();
        let shrunk: Vec<f64> = counts
            .iter()
            .zip(pooled)
            .zip(flat)
            .map(|((c, p), f)| c + self.weight * own * p + f)
            .collect();
        let sum: f64 = shrunk.iter().sum();
        shrunk.into_iter().map(|v| v / sum).collect()
    }
}

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
        reference: (&[f32], usize),
        r: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Hclt> {
        let key = ReferenceKey {
            params: HcltParams {
                reference_weight: 0.0,
                ..params.clone()
            },
            seed,
            n_reference: reference.1,
            sites: reference.0.len() / reference.1.max(1),
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

/// The HCLT of `reference` (other people's haplotypes, row-major `n_reference × sites`):
/// [`REFERENCE_EPOCHS`] EM iterations from a fresh model on their Chow-Liu tree.
pub(crate) fn reference_model(
    params: &HcltParams,
    (reference, n_reference): (&[f32], usize),
    r: &mut ChaCha8Rng,
    dev: &Device,
) -> Result<Hclt> {
    let l = reference.len() / n_reference.max(1);
    let frequencies: Vec<f32> = (0..l)
        .map(|j| (0..n_reference).map(|i| reference[i * l + j]).sum::<f32>() / n_reference as f32)
        .collect();
    let mut t = HcltTrainer::new(
        params.clone(),
        reference,
        n_reference,
        &frequencies,
        None,
        r,
        dev,
    )?;
    for _ in 0..REFERENCE_EPOCHS {
        t.epoch(r)?;
    }
    Ok(t.hclt)
}
