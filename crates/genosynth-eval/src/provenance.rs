//! Where the AGs came from, as the report records it: how their checkpoint was chosen on
//! held-out people, what the generation guard did, and the model's DP guarantee.

use serde::{Deserialize, Serialize};

/// One validated checkpoint of a training run that selected on held-out people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPoint {
    /// Epoch of the checkpoint.
    pub epoch: usize,
    /// AATS halves of its AGs against the training haplotypes.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub aa_truth: f64,
    /// See `aa_truth`.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub aa_syn: f64,
    /// AATS(validation) − AATS(train).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub privacy_loss: f64,
    /// Membership-inference AUC (training vs validation people).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub membership_auc: f64,
    /// LD r² correlation against the training haplotypes.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub ld_r2: f64,
    /// Largest PCA Wasserstein distance (training sd).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub pca_w: f64,
    /// Pairwise-distance Wasserstein distance (sites).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub pairwise_w: f64,
    /// Mean held-out log-likelihood (nats per haplotype), for models with one.
    pub heldout_log_likelihood: Option<f64>,
}

/// How the checkpoint behind the AGs was chosen: every validation of training, and the rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// The selection rule, in words.
    pub rule: String,
    /// The chosen epoch.
    pub selected_epoch: Option<usize>,
    /// Every validated checkpoint, by epoch.
    pub points: Vec<TrajectoryPoint>,
}

/// AGs written although no validated checkpoint of their model met the privacy bounds
/// (`--accept-privacy-risk`): the bounds it missed, so no reader takes the AGs for private.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyRisk {
    /// Always true: the risk was accepted explicitly (a model outside the bounds is otherwise
    /// refused before any AG is written).
    pub accepted: bool,
    /// The checkpoint the AGs came from (the one nearest the bounds).
    pub selected_epoch: Option<usize>,
    /// Each missed bound, e.g. `likelihood-attack AUC 0.960 > 0.6 (by 0.360)`.
    pub failed: Vec<String>,
}

/// The input's private alleles an HCLT with reference people did not learn
/// (`--private-allele-min-count`): their sites were kept but not modelled (left out of the
/// likelihood, the reference allele in the AGs), the alleles set to the reference allele in
/// training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedAlleles {
    /// Alternate alleles no reference person and fewer than this many input haplotypes carry
    /// were not learned.
    pub min_count: usize,
    /// Sites not modelled: no reference person and fewer than `min_count` input haplotypes
    /// (none included) carry their alternate allele.
    pub sites: usize,
    /// Training alleles set to the reference allele.
    pub alleles: usize,
}

/// What the generation guard did (`generate --min-distance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardInfo {
    /// Minimum Hamming distance (sites) of every AG from every training haplotype.
    pub min_distance: u32,
    /// Whether it was derived from the training data.
    pub auto: bool,
    /// AGs redrawn for being nearer.
    pub redrawn: usize,
    /// Rounds of redrawing.
    pub rounds: usize,
}

/// The differential-privacy guarantee of the model behind the AGs (DP-SGD training).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpGuarantee {
    /// `dp-sgd`.
    pub mechanism: String,
    /// What one protected record is: `individual`.
    pub unit: String,
    /// ε spent at `delta`.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub epsilon: f64,
    /// δ.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub delta: f64,
    /// σ: noise standard deviation over the clipping norm.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub noise_multiplier: f64,
    /// Probability that an individual is in a step's batch.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub sampling_rate: f64,
    /// Training steps.
    pub steps: u64,
    /// Per-individual gradient norm bound.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub clip: f64,
}
