//! `model.json`: what a checkpoint records besides its tensors ([`ModelMeta`]), and its layout
//! on disk. Population labels live beside the hyperparameters in memory
//! ([`ModelMeta::labels`]) but inside the `model` object on disk, where checkpoints written
//! before the split keep them, so old and new checkpoints read alike.

use genosynth_core::Site;
use serde::{Deserialize, Serialize};

use crate::config::ModelParams;
use crate::crbm::CrbmParams;
use crate::gan::GanParams;
use crate::hclt::HcltParams;
use crate::labels::HaplotypeLabels;
use crate::private_alleles::PrivateAlleles;
use crate::rbm::RbmParams;
use crate::rng::RngState;
use crate::training_data::TrainingData;
use crate::wgan::WganParams;
use crate::{CrbmWindowPart, PrivacyRecord, SelectionState};

/// Version of the checkpoint layout; a checkpoint with another one is refused.
pub const FORMAT_VERSION: u32 = 1;

/// The genosynth version writing checkpoints.
pub const GENOSYNTH_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Contents of `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "MetaJson", into = "MetaJson")]
pub struct ModelMeta {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// genosynth version of the writer.
    pub genosynth_version: String,
    /// Model kind and every hyperparameter.
    pub model: ModelParams,
    /// Population label of every training haplotype, for a conditional WGAN or CRBM
    /// (`None`: unconditional).
    pub labels: Option<HaplotypeLabels>,
    /// Epochs trained so far.
    pub epochs_done: usize,
    /// The `--seed` of training.
    pub seed: u64,
    /// Where the training random stream stands (resume continues from here).
    pub rng: RngState,
    /// Adam steps taken `[generator, discriminator]` (GAN only).
    pub adam_steps: Option<[u64; 2]>,
    /// The device that trained the last epochs.
    pub device: String,
    /// The training data's size and hash.
    pub training: TrainingData,
    /// The training sites, in order: generated haplotypes are written at these.
    pub sites: Vec<Site>,
    /// Selection on validation people, when training held some out.
    pub selection: Option<SelectionState>,
    /// The DP-SGD guarantee, when training was differentially private.
    pub privacy: Option<PrivacyRecord>,
    /// For one window of a CRBM chain trained on its own: where it sits in the chain. Such a
    /// checkpoint holds that window only; stitching all windows makes the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_part: Option<CrbmWindowPart>,
    /// The reference people an HCLT's prior leaned on (`TrainOptions::reference`), by size
    /// and hash: `--resume` continues only with the same people.
    pub reference: Option<TrainingData>,
    /// The input's private alleles an HCLT with reference people did not learn
    /// (`TrainOptions::private_allele_min_count`); `None`: none masked (also checkpoints
    /// written before the option).
    pub private_alleles: Option<PrivateAlleles>,
}

/// `model.json`, field for field in the order written.
#[derive(Serialize, Deserialize)]
struct MetaJson {
    format_version: u32,
    genosynth_version: String,
    model: ModelJson,
    epochs_done: usize,
    seed: u64,
    rng: RngState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    adam_steps: Option<[u64; 2]>,
    device: String,
    training: TrainingData,
    sites: Vec<Site>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selection: Option<SelectionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    privacy: Option<PrivacyRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    window_part: Option<CrbmWindowPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<TrainingData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    private_alleles: Option<PrivateAlleles>,
}

/// The `model` object: the kind tag, the hyperparameters and, for the conditional models
/// (an HCLT's: one mixture component per label), their `labels` (`null` when unconditional).
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum ModelJson {
    Gan(GanParams),
    Rbm(RbmParams),
    Wgan(Labelled<WganParams>),
    Crbm(Labelled<CrbmParams>),
    Hclt(Labelled<HcltParams>),
}

#[derive(Serialize, Deserialize)]
struct Labelled<P> {
    #[serde(flatten)]
    params: P,
    #[serde(default)]
    labels: Option<HaplotypeLabels>,
}

impl From<ModelMeta> for MetaJson {
    fn from(m: ModelMeta) -> Self {
        let labels = m.labels;
        let model = match m.model {
            ModelParams::Gan(p) => ModelJson::Gan(p),
            ModelParams::Rbm(p) => ModelJson::Rbm(p),
            ModelParams::Wgan(params) => ModelJson::Wgan(Labelled { params, labels }),
            ModelParams::Crbm(params) => ModelJson::Crbm(Labelled { params, labels }),
            ModelParams::Hclt(params) => ModelJson::Hclt(Labelled { params, labels }),
        };
        Self {
            format_version: m.format_version,
            genosynth_version: m.genosynth_version,
            model,
            epochs_done: m.epochs_done,
            seed: m.seed,
            rng: m.rng,
            adam_steps: m.adam_steps,
            device: m.device,
            training: m.training,
            sites: m.sites,
            selection: m.selection,
            privacy: m.privacy,
            window_part: m.window_part,
            reference: m.reference,
            private_alleles: m.private_alleles,
        }
    }
}

impl From<MetaJson> for ModelMeta {
    fn from(m: MetaJson) -> Self {
        let (model, labels) = match m.model {
            ModelJson::Gan(p) => (ModelParams::Gan(p), None),
            ModelJson::Rbm(p) => (ModelParams::Rbm(p), None),
            ModelJson::Wgan(l) => (ModelParams::Wgan(l.params), l.labels),
            ModelJson::Crbm(l) => (ModelParams::Crbm(l.params), l.labels),
            ModelJson::Hclt(l) => (ModelParams::Hclt(l.params), l.labels),
        };
        Self {
            format_version: m.format_version,
            genosynth_version: m.genosynth_version,
            model,
            labels,
            epochs_done: m.epochs_done,
            seed: m.seed,
            rng: m.rng,
            adam_steps: m.adam_steps,
            device: m.device,
            training: m.training,
            sites: m.sites,
            selection: m.selection,
            privacy: m.privacy,
            window_part: m.window_part,
            reference: m.reference,
            private_alleles: m.private_alleles,
        }
    }
}
