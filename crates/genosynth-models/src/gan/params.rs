//! The 2021 GAN's hyperparameters, with the defaults of Yelmen et al. 2021 (the authors'
//! code) except where a field says otherwise.

use serde::{Deserialize, Serialize};

use crate::error::{positive, positive_f, unit_interval};
use crate::{Error, Result};

/// GAN hyperparameters (n = number of sites).
///
/// Generator: latent → Dense(⌊n/g1⌋) LeakyReLU → Dense(⌊n/g2⌋) LeakyReLU → Dense(n) tanh.
/// Discriminator: n → Dense(⌊n/d1⌋) LeakyReLU → Dense(⌊n/d2⌋) LeakyReLU → Dense(1) sigmoid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GanParams {
    /// Size of the Gaussian latent vector (600).
    pub latent_size: usize,
    /// Generator hidden layer sizes are ⌊n / divisor⌋ ([1.2, 1.1]).
    pub generator_divisors: [f64; 2],
    /// Discriminator hidden layer sizes are ⌊n / divisor⌋ ([2, 3]).
    pub discriminator_divisors: [f64; 2],
    /// Negative slope of the LeakyReLU activations (0.01).
    pub leaky_slope: f32,
    /// L2 penalty on hidden-layer kernels, Keras convention `l2 · Σw²` (1e-4).
    pub l2: f32,
    /// Adam learning rate of the discriminator (8e-4).
    pub discriminator_lr: f32,
    /// Adam learning rate of the generator (1e-4).
    pub generator_lr: f32,
    /// Haplotypes per minibatch (32).
    pub batch_size: usize,
    /// Real inputs become x − U(0, a) once before training (0.1).
    pub real_input_noise: f32,
    /// Real labels are 1 − U(0, a) per minibatch (0.1).
    pub real_label_noise: f32,
    /// Adam β1 (0.9, Keras default).
    pub beta1: f32,
    /// Adam β2 (0.999, Keras default).
    pub beta2: f32,
    /// Adam ε (1e-7, Keras default).
    pub epsilon: f32,
    /// Decay of the exponential moving average of the generator's weights that generates
    /// AGs (0.999; 0: the live weights, as in the paper, and in checkpoints without the field).
    #[serde(default)]
    pub generator_ema: f32,
    /// Weight γ of the R1 penalty `γ/2 · E‖∇ₓ D(x)‖²` (D's logit) on real haplotypes in the
    /// discriminator's step (1; 0: none, as in the paper and in checkpoints without the
    /// field). Not applied under DP-SGD, whose per-person gradients it would enter unclipped.
    #[serde(default)]
    pub r1_penalty: f32,
}

impl Default for GanParams {
    fn default() -> Self {
        Self {
            latent_size: 600,
            generator_divisors: [1.2, 1.1],
            discriminator_divisors: [2.0, 3.0],
            leaky_slope: 0.01,
            l2: 1e-4,
            discriminator_lr: 8e-4,
            generator_lr: 1e-4,
            batch_size: 32,
            real_input_noise: 0.1,
            real_label_noise: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            generator_ema: 0.999,
            r1_penalty: 1.0,
        }
    }
}

impl GanParams {
    /// Layer widths for `n_sites`: generator `[latent, h1, h2, n]`, discriminator `[n, h1, h2, 1]`.
    pub fn layer_sizes(&self, n_sites: usize) -> ([usize; 4], [usize; 4]) {
        let div = |d: f64| ((n_sites as f64 / d).floor() as usize).max(1);
        (
            [
                self.latent_size,
                div(self.generator_divisors[0]),
                div(self.generator_divisors[1]),
                n_sites,
            ],
            [
                n_sites,
                div(self.discriminator_divisors[0]),
                div(self.discriminator_divisors[1]),
                1,
            ],
        )
    }

    pub(crate) fn validate(&self) -> Result<()> {
        positive("latent-size", self.latent_size)?;
        positive("batch-size", self.batch_size)?;
        for d in self
            .generator_divisors
            .iter()
            .chain(&self.discriminator_divisors)
        {
            if !(d.is_finite() && *d > 0.0) {
                return Err(Error::config("layer divisor", format!("{d} is not > 0")));
            }
        }
        positive_f("discriminator-lr", self.discriminator_lr)?;
        positive_f("generator-lr", self.generator_lr)?;
        unit_interval("real-input-noise", self.real_input_noise)?;
        unit_interval("real-label-noise", self.real_label_noise)?;
        unit_interval("leaky-slope", self.leaky_slope)?;
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return Err(Error::config("l2", format!("{} is not >= 0", self.l2)));
        }
        if !(0.0..1.0).contains(&self.generator_ema) {
            return Err(Error::config(
                "generator-ema",
                format!("{} is not in [0, 1)", self.generator_ema),
            ));
        }
        if !(self.r1_penalty >= 0.0 && self.r1_penalty.is_finite()) {
            return Err(Error::config(
                "r1-penalty",
                format!("{} is not >= 0", self.r1_penalty),
            ));
        }
        Ok(())
    }
}
