//! Hyperparameters, with the defaults of Yelmen et al. 2021 (the authors' code) except where
//! a field says otherwise.

use serde::{Deserialize, Serialize};

use crate::crbm::CrbmParams;
use crate::device::DeviceChoice;
use crate::wgan::WganParams;
use crate::{Error, Result};

/// Which model to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// The dense generative adversarial network of the 2021 paper.
    Gan,
    /// The restricted Boltzmann machine of the 2021 paper.
    Rbm,
    /// The convolutional WGAN-GP of the 2023 paper (long inputs, sites padded to 2^k − 1).
    Wgan,
    /// The conditional RBM over chained windows of the 2023 paper (any number of sites).
    Crbm,
    /// A hidden Chow-Liu tree: a probabilistic circuit with an exact likelihood.
    Hclt,
}

impl ModelKind {
    /// `gan`, `rbm`, `wgan` or `crbm`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Gan => "gan",
            ModelKind::Rbm => "rbm",
            ModelKind::Wgan => "wgan",
            ModelKind::Crbm => "crbm",
            ModelKind::Hclt => "hclt",
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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

    fn validate(&self) -> Result<()> {
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

/// RBM hyperparameters (binary visible and hidden units, centered gradient).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RbmParams {
    /// Number of hidden units (500 for 805 sites).
    pub hidden_units: usize,
    /// SGD learning rate (0.01).
    pub lr: f32,
    /// Haplotypes per minibatch (500).
    pub batch_size: usize,
    /// Number of negative (model) chains per minibatch (500).
    pub chains: usize,
    /// Gibbs steps of the negative phase, also used to sample (50).
    pub gibbs_steps: usize,
    /// Keep the negative chains between minibatches (PCD) instead of restarting them from
    /// random states each minibatch (the authors' out-of-equilibrium learning).
    pub persistent: bool,
    /// L2 penalty on the weights (0).
    pub l2: f32,
    /// Standard deviation of the initial weights (1e-4).
    pub init_std: f32,
    /// Rate of the moving average that sets the hidden offset of the centered gradient (0.01).
    pub hidden_offset_rate: f32,
}

impl Default for RbmParams {
    fn default() -> Self {
        Self {
            hidden_units: 500,
            lr: 0.01,
            batch_size: 500,
            chains: 500,
            gibbs_steps: 50,
            persistent: false,
            l2: 0.0,
            init_std: 1e-4,
            hidden_offset_rate: 0.01,
        }
    }
}

impl RbmParams {
    fn validate(&self) -> Result<()> {
        positive("hidden-units", self.hidden_units)?;
        positive("batch-size", self.batch_size)?;
        positive("chains", self.chains)?;
        positive("gibbs-steps", self.gibbs_steps)?;
        positive_f("lr", self.lr)?;
        unit_interval("hidden-offset-rate", self.hidden_offset_rate)?;
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return Err(Error::config("l2", format!("{} is not >= 0", self.l2)));
        }
        if !(self.init_std >= 0.0 && self.init_std.is_finite()) {
            return Err(Error::config(
                "init-std",
                format!("{} is not >= 0", self.init_std),
            ));
        }
        Ok(())
    }
}

/// A model and its hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ModelParams {
    /// Dense GAN.
    Gan(GanParams),
    /// RBM.
    Rbm(RbmParams),
    /// Convolutional WGAN-GP.
    Wgan(WganParams),
    /// Conditional RBM over chained windows.
    Crbm(CrbmParams),
    /// Hidden Chow-Liu tree.
    Hclt(crate::hclt::HcltParams),
}

impl ModelParams {
    /// The paper defaults for a model kind.
    pub fn defaults(kind: ModelKind) -> Self {
        match kind {
            ModelKind::Gan => ModelParams::Gan(GanParams::default()),
            ModelKind::Rbm => ModelParams::Rbm(RbmParams::default()),
            ModelKind::Wgan => ModelParams::Wgan(WganParams::default()),
            ModelKind::Crbm => ModelParams::Crbm(CrbmParams::default()),
            ModelKind::Hclt => ModelParams::Hclt(crate::hclt::HcltParams::default()),
        }
    }

    /// Which model this is.
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelParams::Gan(_) => ModelKind::Gan,
            ModelParams::Rbm(_) => ModelKind::Rbm,
            ModelParams::Wgan(_) => ModelKind::Wgan,
            ModelParams::Crbm(_) => ModelKind::Crbm,
            ModelParams::Hclt(_) => ModelKind::Hclt,
        }
    }

    /// Checks every value is in range.
    pub fn validate(&self) -> Result<()> {
        match self {
            ModelParams::Gan(p) => p.validate(),
            ModelParams::Rbm(p) => p.validate(),
            ModelParams::Wgan(p) => p.validate(),
            ModelParams::Crbm(p) => p.validate(),
            ModelParams::Hclt(p) => p.validate(),
        }
    }
}

/// Everything [`crate::train`] needs besides the data.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Model and hyperparameters.
    pub model: ModelParams,
    /// Train until this many epochs are done in total (a resumed run counts earlier ones).
    pub epochs: usize,
    /// Seed of every random draw (initial weights, shuffling, noise).
    pub seed: u64,
    /// Where to compute.
    pub device: DeviceChoice,
    /// Write a checkpoint every this many epochs (0 = only at the end).
    pub save_every: usize,
    /// Train with DP-SGD under this privacy budget (RBM and GAN).
    pub dp: Option<crate::DpConfig>,
}

impl TrainConfig {
    /// The paper defaults for `kind`: 20,000 epochs for the GAN, 800 for the RBM and CRBM,
    /// 3,501 for the WGAN, seed 42.
    pub fn paper(kind: ModelKind) -> Self {
        Self {
            model: ModelParams::defaults(kind),
            epochs: match kind {
                ModelKind::Gan => 20_000,
                ModelKind::Rbm => 800,
                // The authors' 65,535-site run.
                ModelKind::Wgan => 3_501,
                ModelKind::Crbm => 800,
                // EM iterations; selection on held-out people picks among them.
                ModelKind::Hclt => 40,
            },
            seed: 42,
            device: DeviceChoice::Auto,
            save_every: 100,
            dp: None,
        }
    }
}

fn positive(name: &'static str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::config(name, "must be at least 1"));
    }
    Ok(())
}

fn positive_f(name: &'static str, v: f32) -> Result<()> {
    if !(v > 0.0 && v.is_finite()) {
        return Err(Error::config(name, format!("{v} is not > 0")));
    }
    Ok(())
}

fn unit_interval(name: &'static str, v: f32) -> Result<()> {
    if !(0.0..=1.0).contains(&v) {
        return Err(Error::config(name, format!("{v} is not in [0, 1]")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_layer_sizes_for_805_sites() {
        let (g, d) = GanParams::default().layer_sizes(805);
        assert_eq!(g, [600, 670, 731, 805]);
        assert_eq!(d, [805, 402, 268, 1]);
    }

    #[test]
    fn validation_rejects_bad_values() {
        let p = GanParams {
            batch_size: 0,
            ..GanParams::default()
        };
        assert!(ModelParams::Gan(p).validate().is_err());
        let r = RbmParams {
            lr: -1.0,
            ..RbmParams::default()
        };
        let err = ModelParams::Rbm(r).validate().unwrap_err();
        assert_eq!(err.to_string(), "invalid lr: -1 is not > 0");
        assert!(ModelParams::defaults(ModelKind::Rbm).validate().is_ok());
    }

    #[test]
    fn params_round_trip_through_json_with_kind_tag() {
        let p = ModelParams::defaults(ModelKind::Gan);
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"kind\":\"gan\""), "{json}");
        let back: ModelParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
}
