//! Conditional RBM over chained windows (Yelmen et al. 2023): any number of sites.
//!
//! The sites are cut into windows of `W` sites stepping by `W/2` ([`window_spans`]). Each
//! window is a centered RBM ([`WindowRbm`]) whose leading overlap with the previous window is
//! clamped to the data in the negative phase, so it learns the distribution of its new sites
//! *given* the overlap. Generation samples window 1 freely and every next window with its
//! overlap clamped to what the previous window produced, so LD runs across window borders.
//! Label units (one-hot populations) are clamped the same way for conditional generation.
//! Windows are independent during training and train in parallel (rayon).

pub(crate) mod chain;
pub(crate) mod part_trainer;
pub(crate) mod parts;
pub(crate) mod stitch;
mod window;

#[cfg(test)]
mod parts_tests;
#[cfg(test)]
mod tests;

use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::Result;

pub use window::CrbmParams;
pub(crate) use window::{WindowRbm, WindowSpan, window_spans};

/// A trained (or training) chain of window RBMs.
#[derive(Debug, Clone)]
pub(crate) struct Crbm {
    /// Hyperparameters.
    pub(crate) config: CrbmParams,
    /// Total number of sites.
    pub(crate) n_sites: usize,
    /// Label classes (0: unconditional).
    pub(crate) n_labels: usize,
    /// One RBM per window, in site order.
    pub(crate) windows: Vec<WindowRbm>,
}

/// Training state: the model, each window's data (sites + one-hot labels) and RNG.
pub(crate) struct CrbmTrainer {
    /// The model being trained.
    pub(crate) crbm: Crbm,
    data: Vec<Tensor>,
}

impl Crbm {
    /// Number of visible units of a window with `len` sites.
    fn visible(&self, len: usize) -> usize {
        len + self.n_labels
    }

    /// `n` artificial haplotypes, row-major `n × n_sites` 0/1, window after window.
    ///
    /// `labels` gives each haplotype's class for a conditional model.
    pub(crate) fn generate(
        &self,
        n: usize,
        labels: Option<&[usize]>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<u8>> {
        let device = self
            .windows
            .first()
            .map_or(Device::Cpu, |w| w.w.device().clone());
        let mut out = vec![0u8; n * self.n_sites];
        if !device.is_cpu() {
            device.set_seed(rng.random())?; // see crate::rng::seed_device
        }
        for rbm in &self.windows {
            let span = rbm.span;
            let v = self.visible(span.len);
            let mut cond = vec![0f32; n * v];
            for row in 0..n {
                let dst = &mut cond[row * v..(row + 1) * v];
                let src = &out[row * self.n_sites + span.start..][..span.clamp];
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = f32::from(s);
                }
                if let Some(l) = labels {
                    dst[span.len + l[row]] = 1.0;
                }
            }
            let cond = Tensor::from_vec(cond, (n, v), &device)?;
            let sample = rbm
                .sample(&cond, self.config.gibbs_steps, rng)?
                .to_vec2::<f32>()?;
            for (row, values) in sample.iter().enumerate() {
                let dst = &mut out[row * self.n_sites + span.start..][..span.len];
                for (d, &s) in dst.iter_mut().zip(values).skip(span.clamp) {
                    *d = u8::from(s > 0.5);
                }
            }
        }
        Ok(out)
    }

    /// Every tensor of every window by name (`window{i}.{w,b,c,mu,lambda}`), for checkpoints.
    pub(crate) fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.windows
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.named_tensors(i))
            .collect()
    }

    /// Rebuilds a model from [`Crbm::named_tensors`] output; `get` looks a tensor up by name.
    pub(crate) fn from_named_tensors(
        config: CrbmParams,
        n_sites: usize,
        n_labels: usize,
        mut get: impl FnMut(&str) -> std::result::Result<Tensor, String>,
    ) -> std::result::Result<Self, String> {
        let windows = window_spans(n_sites, config.window)
            .into_iter()
            .enumerate()
            .map(|(i, span)| {
                Ok(WindowRbm {
                    span,
                    n_labels,
                    w: get(&format!("window{i}.w"))?,
                    b: get(&format!("window{i}.b"))?,
                    c: get(&format!("window{i}.c"))?,
                    mu: get(&format!("window{i}.mu"))?,
                    lambda: get(&format!("window{i}.lambda"))?,
                })
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;
        Ok(Self {
            config,
            n_sites,
            n_labels,
            windows,
        })
    }
}

impl CrbmTrainer {
    /// A fresh model for row-major `n × n_sites` 0/1 `haplotypes`, with optional labels
    /// (class index per haplotype, `n_labels` classes); window `i` draws from `seed + i`.
    /// With `private` (DP-SGD), the windows start from data-free values.
    pub(crate) fn new(
        haplotypes: &[f32],
        n_sites: usize,
        labels: Option<(&[usize], usize)>,
        config: CrbmParams,
        device: &Device,
        seed: u64,
        private: bool,
    ) -> Result<Self> {
        let n_labels = labels.map_or(0, |(_, k)| k);
        let spans = window_spans(n_sites, config.window);
        let built: Vec<(WindowRbm, Tensor)> = spans
            .par_iter()
            .enumerate()
            .map(|(i, &span)| {
                let data = window_data(haplotypes, n_sites, span, labels, device)?;
                let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(i as u64));
                let rbm =
                    WindowRbm::new(span, n_labels, config.n_hidden, &data, private, &mut rng)?;
                Ok((rbm, data))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut windows = Vec::with_capacity(built.len());
        let mut data = Vec::with_capacity(built.len());
        for (r, d) in built {
            windows.push(r);
            data.push(d);
        }
        Ok(Self {
            crbm: Crbm {
                config,
                n_sites,
                n_labels,
                windows,
            },
            data,
        })
    }

    /// Continues training `crbm` (e.g. loaded from a checkpoint) on the same data layout as
    /// [`CrbmTrainer::new`].
    pub(crate) fn with_model(
        crbm: Crbm,
        haplotypes: &[f32],
        labels: Option<&[usize]>,
    ) -> Result<Self> {
        let device = crbm
            .windows
            .first()
            .map_or(Device::Cpu, |w| w.w.device().clone());
        let data = crbm
            .windows
            .par_iter()
            .map(|w| {
                window_data(
                    haplotypes,
                    crbm.n_sites,
                    w.span,
                    labels.map(|l| (l, crbm.n_labels)),
                    &device,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { crbm, data })
    }

    /// One epoch of every window, windows in parallel; window `i` draws from stream `i` of a
    /// key taken from `rng` (so results do not depend on thread scheduling and resume exactly).
    /// Returns the mean reconstruction error.
    pub(crate) fn epoch(&mut self, rng: &mut ChaCha8Rng) -> Result<f64> {
        let config = self.crbm.config.clone();
        if let Some(first) = self.data.first().filter(|d| !d.device().is_cpu()) {
            first.device().set_seed(rng.random())?; // see crate::rng::seed_device
        }
        // One key per epoch, window i on stream i of it: a window's draws do not depend on how
        // many windows there are, so a window trained alone (parts.rs) draws the same.
        let key: u64 = rng.random();
        let errors = self
            .crbm
            .windows
            .par_iter_mut()
            .zip(self.data.par_iter())
            .enumerate()
            .map(|(i, (rbm, data))| rbm.train_epoch(data, &config, &mut chain::window_rng(key, i)))
            .collect::<Result<Vec<f64>>>()?;
        Ok(errors.iter().sum::<f64>() / errors.len().max(1) as f64)
    }
}

impl CrbmTrainer {
    /// One epoch of DP-SGD: every window runs its share of the epoch's steps (each window is
    /// its own mechanism on the same people, so the accountant counts every window's steps),
    /// windows in parallel, each from its own stream seeded from `rng`.
    pub(crate) fn epoch_dp(
        &mut self,
        dp: &crate::dp_sgd::DpSgd,
        rng: &mut ChaCha8Rng,
    ) -> Result<()> {
        let config = self.crbm.config.clone();
        let steps = dp.steps_per_epoch() / self.crbm.windows.len().max(1) as u64;
        if let Some(first) = self.data.first().filter(|d| !d.device().is_cpu()) {
            first.device().set_seed(rng.random())?;
        }
        let seeds: Vec<u64> = self.data.iter().map(|_| rng.random()).collect();
        self.crbm
            .windows
            .par_iter_mut()
            .zip(self.data.par_iter())
            .zip(seeds.par_iter())
            .try_for_each(|((rbm, data), &seed)| {
                let mut r = ChaCha8Rng::seed_from_u64(seed);
                rbm.train_steps_dp(data, &config, dp, steps, &mut r)
            })
    }
}

/// One window's training rows `(n, len + n_labels)`: its sites, then the one-hot label.
fn window_data(
    haplotypes: &[f32],
    n_sites: usize,
    span: WindowSpan,
    labels: Option<(&[usize], usize)>,
    device: &Device,
) -> Result<Tensor> {
    let n = haplotypes.len() / n_sites.max(1);
    let v = span.len + labels.map_or(0, |(_, k)| k);
    let mut values = vec![0f32; n * v];
    for row in 0..n {
        let dst = &mut values[row * v..(row + 1) * v];
        dst[..span.len].copy_from_slice(&haplotypes[row * n_sites + span.start..][..span.len]);
        if let Some((l, _)) = labels {
            dst[span.len + l[row]] = 1.0;
        }
    }
    Ok(Tensor::from_vec(values, (n, v), device)?)
}
