//! DP-SGD (Abadi et al. 2016) for the models trained by gradient: each step samples every
//! training *individual* independently with probability q (Poisson subsampling), clips each
//! individual's gradient (the sum over its haplotypes) to norm C, sums, adds N(0, σ²C²) to
//! every coordinate and divides by the expected batch. The accountant ([`crate::dp`]) turns
//! (σ, q, steps, δ) into ε.
//!
//! The unit of privacy is the individual, not the haplotype: a person's two haplotypes are
//! clipped together, so the guarantee covers adding or removing a whole person.
//! Only the data-dependent terms go through the mechanism; the RBM's negative phase and the
//! GAN's fake and generator steps see no data. Nothing else may read the data either, so
//! under DP the models start from data-free values (visible biases 0, offsets ½) and the
//! per-epoch figures computed on training people are not reported.

use candle_core::{Device, Tensor};
use genosynth_core::HaplotypeMatrix;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::dp;

/// DP-SGD as asked for: a privacy budget (ε, δ) and, optionally, the clipping norm and the
/// noise multiplier.
#[derive(Debug, Clone, PartialEq)]
pub struct DpConfig {
    /// The budget ε (> 0) that training must not exceed.
    pub epsilon: f64,
    /// δ, below 1 / (number of training individuals).
    pub delta: f64,
    /// Per-individual gradient norm bound C; `None`: the model's default
    /// ([`DpConfig::default_clip`]).
    pub clip: Option<f64>,
    /// Noise standard deviation in units of C; `None`: the smallest that keeps the planned
    /// epochs within ε. With a fixed value, training stops when the next epoch would exceed ε.
    pub noise_multiplier: Option<f64>,
}

/// What `model.json` records of a DP-SGD run (its `privacy` object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyRecord {
    /// `dp-sgd`.
    pub mechanism: String,
    /// What one protected record is: `individual`.
    pub unit: String,
    /// σ: noise standard deviation over the clipping norm.
    pub noise_multiplier: f64,
    /// q: probability that an individual is in a step's batch.
    pub sampling_rate: f64,
    /// Steps taken so far.
    pub steps: u64,
    /// Steps of one epoch (⌈1/q⌉).
    pub steps_per_epoch: u64,
    /// C: per-individual gradient norm bound.
    pub clip: f64,
    /// δ of the guarantee.
    pub delta: f64,
    /// ε spent so far at `delta`.
    pub epsilon: f64,
    /// The budget training was given.
    pub epsilon_budget: f64,
    /// How ε was computed.
    pub accountant: String,
}

impl PrivacyRecord {
    /// ε after `more` further steps.
    fn epsilon_after(&self, more: u64) -> Result<f64> {
        Ok(dp::epsilon(
            self.noise_multiplier,
            self.sampling_rate,
            self.steps + more,
            self.delta,
        )?
        .epsilon)
    }

    /// Whether one more epoch stays within the budget.
    pub(crate) fn next_epoch_fits(&self) -> Result<bool> {
        // noise_for_epsilon meets the budget exactly at the last planned epoch.
        Ok(self.epsilon_after(self.steps_per_epoch)? <= self.epsilon_budget * (1.0 + 1e-9))
    }

    /// Records one epoch's steps.
    pub(crate) fn record_epoch(&mut self) -> Result<()> {
        self.epsilon = self.epsilon_after(self.steps_per_epoch)?;
        self.steps += self.steps_per_epoch;
        Ok(())
    }
}

/// The mechanism during training: the plan and which rows belong to whom.
pub(crate) struct DpSgd {
    pub(crate) record: PrivacyRecord,
    /// Haplotype rows of each individual, in order.
    rows: Vec<std::ops::Range<u32>>,
    n_haplotypes: usize,
}

impl DpSgd {
    /// The mechanism for `record` over `matrix`'s individuals.
    pub(crate) fn new(record: PrivacyRecord, matrix: &HaplotypeMatrix) -> Self {
        Self {
            record,
            rows: individual_rows(matrix),
            n_haplotypes: matrix.n_haplotypes(),
        }
    }

    /// Steps in one epoch.
    pub(crate) fn steps_per_epoch(&self) -> u64 {
        self.record.steps_per_epoch
    }

    /// The rows of the individuals drawn for one step (each with probability q), in order.
    pub(crate) fn poisson_batch(&self, r: &mut ChaCha8Rng) -> Vec<u32> {
        let q = self.record.sampling_rate;
        let mut out = Vec::new();
        for range in &self.rows {
            if r.random::<f64>() < q {
                out.extend(range.clone());
            }
        }
        out
    }

    /// The divisor of the noisy sum: the expected number of haplotypes in a batch, so a step
    /// has the scale of a non-private minibatch mean.
    pub(crate) fn expected_rows(&self) -> f64 {
        self.record.sampling_rate * self.n_haplotypes as f64
    }

    /// Per-row factors that clip each individual's gradient to norm C, given each row's
    /// gradient norm. An individual's rows share `min(1, C / Σ‖gᵢ‖)`: by the triangle
    /// inequality the scaled sum of its rows' gradients has norm at most C.
    pub(crate) fn clip_scales(&self, batch: &[u32], norms: &[f32]) -> Vec<f32> {
        let c = self.record.clip;
        let mut scales = vec![1.0f32; batch.len()];
        let mut i = 0;
        while i < batch.len() {
            let owner = self.owner(batch[i]);
            let mut j = i;
            let mut total = 0.0f64;
            while j < batch.len() && self.owner(batch[j]) == owner {
                total += f64::from(norms[j]);
                j += 1;
            }
            let s = if total > c { (c / total) as f32 } else { 1.0 };
            scales[i..j].fill(s);
            i = j;
        }
        scales
    }

    /// Factors that clip every row on its own (rows that carry no data) to the share of C a
    /// training haplotype gets: C over the mean haplotypes per individual.
    pub(crate) fn clip_each(&self, norms: &[f32]) -> Vec<f32> {
        let c = (self.record.clip * self.rows.len() as f64 / self.n_haplotypes as f64) as f32;
        norms
            .iter()
            .map(|&n| if n > c { c / n } else { 1.0 })
            .collect()
    }

    fn owner(&self, row: u32) -> usize {
        self.rows.partition_point(|r| r.end <= row)
    }

    /// Gaussian noise N(0, σ²C²) of `shape` on `dev`.
    pub(crate) fn noise(
        &self,
        rows: usize,
        cols: usize,
        r: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Tensor> {
        let std = self.record.noise_multiplier * self.record.clip;
        Ok((crate::rng::normal(r, rows, cols, dev)? * std)?)
    }

    /// `(clipped sum + noise) / expected batch` for a gradient of any shape.
    pub(crate) fn privatize(&self, sum: &Tensor, r: &mut ChaCha8Rng) -> Result<Tensor> {
        let shape = sum.shape().clone();
        let n = shape.elem_count();
        let noise = self.noise(1, n, r, sum.device())?.reshape(shape)?;
        Ok(((sum + noise)? / self.expected_rows())?)
    }
}

fn individual_rows(matrix: &HaplotypeMatrix) -> Vec<std::ops::Range<u32>> {
    let mut out = Vec::with_capacity(matrix.samples().len());
    let mut start = 0u32;
    for s in matrix.samples() {
        let end = start + s.ploidy.copies() as u32;
        out.push(start..end);
        start = end;
    }
    out
}
