//! `synth`'s presets: which model, how long, and the hyperparameters that differ from the
//! model's defaults.

use genosynth_models::{ModelKind, ModelParams, TrainConfig};

/// Share of people `synth` holds out to choose the checkpoint on and judge privacy by.
pub const SYNTH_VALIDATION_FRACTION: f64 = 0.2;
/// Validations in a `synth` run unless the caller says how often to validate.
pub const VALIDATIONS_PER_RUN: usize = 16;

/// Epochs between validations in a `synth` run of `epochs` epochs (at least 1).
pub fn synth_validate_every(epochs: usize) -> usize {
    (epochs / VALIDATIONS_PER_RUN).max(1)
}

/// A ready-made training recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// A hidden Chow-Liu tree, 60 EM iterations, checkpoint chosen on validation people,
    /// emission temperature 0.95: AGs to share.
    #[default]
    Share,
    /// An RBM, 80 epochs, initial weights 0.1: a fast look at the data (noisy AGs).
    Quick,
    /// The paper's settings and length for the model (default: the GAN).
    Paper,
}

/// The quick preset, from measurements on the 805-SNP example (2,504 AGs, LD r² correlation over
/// the first 400 sites against the training data, 80 epochs unless noted). With the paper's
/// hyperparameters (seed 42) the RBM reaches 0.00 at 20 epochs, 0.62 at 40, 0.897 at 80 and
/// 0.898 at 120: its weights start at 1e-4, and a pattern of small variance (two tightly linked
/// sites) grows out of that by about e per 4 / (lr · its variance) ≈ 1,250 updates, while 80
/// epochs are 400. After 160 epochs, site pairs with r² ≈ 1 in the data had parallel weight rows
/// of norm ≈ 0.2 and r² ≈ 0 in the AGs. Larger initial weights start those patterns further
/// along. Seeds 42, 7, 1, 2: init 0.01 gave 0.9048, 0.9041, 0.8988, -; init 0.03 gave 0.9024,
/// 0.9037, 0.9045, 0.8999; init 0.1 gave 0.9044, 0.9066, 0.9054, 0.9043 (seed 3: 0.9081), with
/// AATS halves nearer 0.5 (seed 42: AA_syn 0.27 against 0.18 at init 0.01: less noisy AGs) and AF r 0.983–0.994.
/// A larger learning rate diverges (0.05: 0.43; 0.02: 0.62), minibatches of 100 are noisier (0.81), 1,000 hidden units
/// do not help (0.8997), 160 epochs add little (0.9055). The GAN needs thousands of epochs.
const QUICK_MODEL: ModelKind = ModelKind::Rbm;
/// EM iterations of the share preset's HCLT: with 8 states its held-out likelihood still
/// rises slowly at 40 on the 805-SNP set (−390.5 then −389.9 at 80) while privacy loss stays
/// flat; selection picks among them.
const SHARE_EPOCHS: usize = 60;
const QUICK_EPOCHS: usize = 80;
/// Initial weight scale of the quick preset's RBM (the paper's is 1e-4), unless the caller
/// sets it.
pub const QUICK_RBM_INIT_STD: f32 = 0.1;

impl Preset {
    /// The model the preset trains unless the caller names one.
    pub fn default_model(self) -> ModelKind {
        match self {
            Self::Share => ModelKind::Hclt,
            Self::Quick => QUICK_MODEL,
            Self::Paper => ModelKind::Gan,
        }
    }

    /// Epochs for `kind` unless the caller gives them: the preset's length, or the paper's.
    pub fn epochs(self, kind: ModelKind) -> usize {
        match self {
            Self::Share => SHARE_EPOCHS,
            Self::Quick => QUICK_EPOCHS,
            Self::Paper => TrainConfig::paper(kind).epochs,
        }
    }

    /// Sets the hyperparameters the preset changes from the model's defaults (the quick RBM's
    /// initial weight scale); call it only when the caller did not set them.
    pub fn tune(self, params: &mut ModelParams) {
        if let (Self::Quick, ModelParams::Rbm(rbm)) = (self, params) {
            rbm.init_std = QUICK_RBM_INIT_STD;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_pick_model_length_and_tuning() {
        assert_eq!(Preset::default(), Preset::Share);
        assert_eq!(Preset::Share.default_model(), ModelKind::Hclt);
        assert_eq!(Preset::Quick.default_model(), ModelKind::Rbm);
        assert_eq!(Preset::Paper.default_model(), ModelKind::Gan);
        assert_eq!(Preset::Share.epochs(ModelKind::Rbm), 60);
        assert_eq!(Preset::Quick.epochs(ModelKind::Gan), 80);
        for kind in [ModelKind::Gan, ModelKind::Rbm] {
            assert_eq!(Preset::Paper.epochs(kind), TrainConfig::paper(kind).epochs);
        }
        let rbm = || TrainConfig::paper(ModelKind::Rbm).model;
        let mut quick = rbm();
        Preset::Quick.tune(&mut quick);
        let ModelParams::Rbm(p) = quick else {
            panic!("an RBM stays an RBM")
        };
        assert_eq!(p.init_std, QUICK_RBM_INIT_STD);
        let mut paper = rbm();
        Preset::Paper.tune(&mut paper);
        assert_eq!(paper, rbm());
    }

    #[test]
    fn validation_cadence_is_a_sixteenth_of_the_run() {
        assert_eq!(synth_validate_every(80), 5);
        assert_eq!(synth_validate_every(60), 3);
        assert_eq!(synth_validate_every(10), 1);
    }
}
