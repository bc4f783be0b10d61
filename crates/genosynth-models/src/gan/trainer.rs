//! Training the GAN: its two Adam optimizers, the (noised) real haplotypes resident on the
//! device, one epoch of the authors' `train_on_batch` sequence (or of DP-SGD on the
//! discriminator), and the optimizer state a checkpoint keeps.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use rand_chacha::ChaCha8Rng;

use super::{Gan, Trace};
use crate::adam::{Adam, AdamConfig};
use crate::dp_sgd::DpSgd;
use crate::layers::{bce_logits_grad, bce_with_logits};
use crate::rng::{self, STREAM_INPUT_NOISE};
use crate::tensors::{NamedTensors, take};
use crate::{Error, Result};

/// The weight average moves every this many generator steps, by as many steps' decay: every
/// step it cost a quarter of an epoch on the 805-SNP set. (The R1 penalty applied this lazily
/// learned the test's blocks less well, so it stays on every step; docs/testing.md.)
const EMA_EVERY: u64 = 4;

/// A GAN with its optimizers and the (noised) training data resident on the device.
pub(crate) struct GanTrainer {
    pub(crate) gan: Gan,
    adam_g: Adam,
    adam_d: Adam,
    /// Real haplotypes minus U(0, noise), `N × n`.
    real: Tensor,
}

/// Mean losses of an epoch.
pub(crate) const GAN_LOSSES: [&str; 3] = ["d_loss_real", "d_loss_fake", "g_loss"];
/// Mean losses of a DP epoch (no figure computed on training people).
pub(crate) const GAN_DP_LOSSES: [&str; 2] = ["d_loss_fake", "g_loss"];

impl GanTrainer {
    /// Optimizers at step 0 and the real inputs x − U(0, a), drawn once as in the authors' code.
    pub(crate) fn new(
        gan: Gan,
        dense: &[f32],
        n_haplotypes: usize,
        seed: u64,
        dev: &Device,
    ) -> Result<Self> {
        let p = &gan.params;
        let n_sites = dense.len() / n_haplotypes.max(1);
        if n_haplotypes < p.batch_size {
            return Err(Error::Data(format!(
                "{n_haplotypes} haplotypes, fewer than one GAN minibatch of {}",
                p.batch_size
            )));
        }
        let mut nr = rng::rng(seed, STREAM_INPUT_NOISE);
        let noise = rng::uniform(&mut nr, n_haplotypes, n_sites, 0.0, p.real_input_noise, dev)?;
        let real = (Tensor::from_slice(dense, (n_haplotypes, n_sites), dev)? - noise)?;
        let adam = |lr| AdamConfig {
            lr,
            beta1: p.beta1,
            beta2: p.beta2,
            epsilon: p.epsilon,
        };
        let adam_g = Adam::new(adam(p.generator_lr), &Gan::vars(&gan.generator, p.l2))?;
        let adam_d = Adam::new(
            adam(p.discriminator_lr),
            &Gan::vars(&gan.discriminator, p.l2),
        )?;
        Ok(Self {
            gan,
            adam_g,
            adam_d,
            real,
        })
    }

    /// One epoch: shuffle, then per minibatch one discriminator step on real haplotypes, one
    /// on generated ones, one generator step through the (frozen) discriminator with labels 1.
    /// Returns the mean losses named in [`GAN_LOSSES`].
    pub(crate) fn epoch(&mut self, r: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        let p = self.gan.params.clone();
        let dev = self.real.device().clone();
        let n = self.real.dim(0)?;
        let b = p.batch_size;
        let batches = n / b;
        // All of the epoch's randomness is drawn up front, in a fixed order, and sent to the
        // device once: shuffle, latent noise, real labels.
        let order = Tensor::from_vec(rng::permutation(r, n), n, &dev)?;
        let latent = rng::normal(r, batches * b, p.latent_size, &dev)?;
        let real_labels = rng::uniform(r, batches * b, 1, 1.0 - p.real_label_noise, 1.0, &dev)?;
        let fake_labels = Tensor::zeros((b, 1), DType::F32, &dev)?;
        let ones = Tensor::ones((b, 1), DType::F32, &dev)?;
        let mut logits = [Vec::new(), Vec::new(), Vec::new()];
        for i in 0..batches {
            let x_real = self.real.index_select(&order.narrow(0, i * b, b)?, 0)?;
            let z = latent.narrow(0, i * b, b)?;
            let y_real = real_labels.narrow(0, i * b, b)?;
            // The generator's weights do not change until its own step, so this forward pass
            // serves both the "predict" of the fakes and the generator step (same latent).
            let fake = self.gan.forward(&self.gan.generator, &z, true)?;

            let d = self.gan.forward(&self.gan.discriminator, &x_real, false)?;
            let dl = bce_logits_grad(&d.output, &y_real)?;
            let (mut grads, _) =
                self.gan
                    .backward(&self.gan.discriminator, &d, &dl, true, false)?;
            if p.r1_penalty > 0.0 {
                let r1 = self.gan.r1_grads(&d, p.r1_penalty)?;
                for (g, r) in grads.iter_mut().zip(r1) {
                    *g = (&*g + r)?;
                }
            }
            self.adam_d.step(&grads)?;
            logits[0].push(d.output);

            let d = self
                .gan
                .forward(&self.gan.discriminator, &fake.output, false)?;
            let dl = bce_logits_grad(&d.output, &fake_labels)?;
            let (grads, _) = self
                .gan
                .backward(&self.gan.discriminator, &d, &dl, true, false)?;
            self.adam_d.step(&grads)?;
            logits[1].push(d.output);

            logits[2].push(self.generator_step(&fake, &ones)?);
        }
        // Losses are computed once per epoch from the kept logits: no device sync per batch.
        let targets = [
            real_labels,
            Tensor::zeros((batches * b, 1), DType::F32, &dev)?,
            Tensor::ones((batches * b, 1), DType::F32, &dev)?,
        ];
        mean_losses(&logits, &targets)
    }

    /// One epoch of DP-SGD for the discriminator ([`crate::dp_sgd`]): per step, its real
    /// step runs on a Poisson sample of individuals with clipped, noised per-row gradients;
    /// its fake step and the generator step see no data and run as in [`GanTrainer::epoch`].
    /// Returns `d_loss_fake` and `g_loss` (`d_loss_real` would be computed on training people).
    pub(crate) fn epoch_dp(&mut self, dp: &DpSgd, r: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        let p = self.gan.params.clone();
        let dev = self.real.device().clone();
        let b = p.batch_size;
        let steps = dp.steps_per_epoch() as usize;
        let fake_labels = Tensor::zeros((b, 1), DType::F32, &dev)?;
        let ones = Tensor::ones((b, 1), DType::F32, &dev)?;
        let mut logits = [Vec::new(), Vec::new()];
        for _ in 0..steps {
            let batch = dp.poisson_batch(r);
            let z = rng::normal(r, b, p.latent_size, &dev)?;
            let fake = self.gan.forward(&self.gan.generator, &z, true)?;

            let sums = if batch.is_empty() {
                self.gan.discriminator_zeros()?
            } else {
                let rows = Tensor::from_slice(&batch, batch.len(), &dev)?;
                let x_real = self.real.index_select(&rows, 0)?;
                let y_real = rng::uniform(r, batch.len(), 1, 1.0 - p.real_label_noise, 1.0, &dev)?;
                self.clipped_sum(&x_real, &y_real, |norms| dp.clip_scales(&batch, norms))?
                    .0
            };
            let grads = sums
                .iter()
                .map(|g| dp.privatize(g, r))
                .collect::<Result<Vec<_>>>()?;
            self.adam_d.step(&grads)?;

            // The fakes see no data, but are clipped alike so that the discriminator's real
            // and fake steps stay on one scale for the shared Adam moments.
            let (sums, logit) =
                self.clipped_sum(&fake.output, &fake_labels, |norms| dp.clip_each(norms))?;
            let grads = sums
                .iter()
                .map(|g| Ok((g / b as f64)?))
                .collect::<Result<Vec<_>>>()?;
            self.adam_d.step(&grads)?;
            logits[0].push(logit);

            logits[1].push(self.generator_step(&fake, &ones)?);
        }
        let targets = [
            Tensor::zeros((steps * b, 1), DType::F32, &dev)?,
            Tensor::ones((steps * b, 1), DType::F32, &dev)?,
        ];
        mean_losses(&logits, &targets)
    }

    /// The generator's step through the frozen discriminator with labels 1 (`ones`); returns
    /// the discriminator's logits of the fakes.
    fn generator_step(&mut self, fake: &Trace, ones: &Tensor) -> Result<Tensor> {
        let d = self
            .gan
            .forward(&self.gan.discriminator, &fake.output, false)?;
        let dl = bce_logits_grad(&d.output, ones)?;
        let (_, dx) = self
            .gan
            .backward(&self.gan.discriminator, &d, &dl, false, true)?;
        let tanh_grad = (1.0 - fake.output.sqr()?)?;
        let d_last = (dx.expect("asked") * tanh_grad)?;
        let (grads, _) = self
            .gan
            .backward(&self.gan.generator, fake, &d_last, true, false)?;
        self.adam_g.step(&grads)?;
        if self.adam_g.steps().is_multiple_of(EMA_EVERY) {
            self.gan.update_ema(self.adam_g.steps(), EMA_EVERY)?;
        }
        Ok(d.output)
    }

    /// The discriminator's BCE gradients of rows `x` with targets `y`, each row's scaled by
    /// `scales(row norms)` and summed; and the logits.
    fn clipped_sum(
        &self,
        x: &Tensor,
        y: &Tensor,
        scales: impl FnOnce(&[f32]) -> Vec<f32>,
    ) -> Result<(Vec<Tensor>, Tensor)> {
        let disc = &self.gan.discriminator;
        let d = self.gan.forward(disc, x, false)?;
        // Per row, unscaled: the caller sums and divides.
        let dl = (candle_nn::ops::sigmoid(&d.output)? - y)?;
        let norms = self.gan.per_row_sq_norms(disc, &d, &dl)?.sqrt()?;
        let s = scales(&norms.to_vec1::<f32>()?);
        let s = Tensor::from_vec(s, (x.dim(0)?, 1), x.device())?;
        let dl = dl.broadcast_mul(&s)?;
        let grads = self.gan.backward(disc, &d, &dl, true, false)?.0;
        Ok((grads, d.output))
    }

    /// Adam moments (`<var>.adam_m`, `<var>.adam_v`) for `optimizer.safetensors`, and the
    /// step counts `(generator, discriminator)`.
    pub(crate) fn optimizer_state(&self) -> Result<(NamedTensors, [u64; 2])> {
        let names: Vec<String> = self.gan.tensors().into_iter().map(|(n, _)| n).collect();
        let (g_names, d_names) = (&names[..6], &names[6..12]);
        let mut out = Vec::new();
        for (adam, names) in [(&self.adam_g, g_names), (&self.adam_d, d_names)] {
            adam.push_moment_tensors(names.iter().map(String::as_str), &mut out)?;
        }
        Ok((out, [self.adam_g.steps(), self.adam_d.steps()]))
    }

    /// Restores what [`GanTrainer::optimizer_state`] saved.
    pub(crate) fn restore_optimizer(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        steps: [u64; 2],
    ) -> std::result::Result<(), String> {
        let names: Vec<(String, usize)> = self
            .gan
            .tensors()
            .into_iter()
            .map(|(n, t)| (n, t.elem_count()))
            .collect();
        let (g_names, d_names) = (&names[..6], &names[6..12]);
        for (adam, names, step) in [
            (&mut self.adam_g, g_names, steps[0]),
            (&mut self.adam_d, d_names, steps[1]),
        ] {
            let mut moments = Vec::new();
            for (name, len) in names {
                let m = take(tensors, &format!("{name}.adam_m"), &[*len])?;
                let v = take(tensors, &format!("{name}.adam_v"), &[*len])?;
                let host = |t: Tensor| t.to_vec1::<f32>().map_err(|e| e.to_string());
                moments.push((host(m)?, host(v)?));
            }
            adam.restore(step, moments).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// The mean BCE of each kind of step's kept logits against its targets.
fn mean_losses(logits: &[Vec<Tensor>], targets: &[Tensor]) -> Result<Vec<f64>> {
    logits
        .iter()
        .zip(targets)
        .map(|(l, t)| {
            let l = Tensor::cat(l, 0)?;
            Ok(bce_with_logits(&l, t)?.to_scalar::<f32>()? as f64)
        })
        .collect()
}
