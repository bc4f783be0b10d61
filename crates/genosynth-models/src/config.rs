//! What to train: the model kind, its hyperparameters (each model's own struct, defined
//! beside the model) and the run's settings.

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::crbm::CrbmParams;
use crate::device::DeviceChoice;
use crate::gan::GanParams;
use crate::rbm::RbmParams;
use crate::wgan::WganParams;

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
