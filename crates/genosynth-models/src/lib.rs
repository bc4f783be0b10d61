//! Generative models of phased haplotypes for genosynth: the dense GAN and the RBM of
//! Yelmen et al. 2021 (PLOS Genetics), trained on candle, on the CPU or (feature `cuda`) a GPU.
//!
//! This is the only genosynth crate that knows candle; its public API takes and returns
//! [`genosynth_core::HaplotypeMatrix`] and plain Rust values.
//!
//! - [`train`] runs epochs over a matrix with a [`TrainConfig`] (paper defaults in
//!   [`GanParams`], [`RbmParams`], [`WganParams`], [`CrbmParams`], [`HcltParams`]) and
//!   [`TrainOptions`]: it reports each epoch to an observer, polls a stop flag, and keeps a
//!   checkpoint directory (`model.safetensors`, `optimizer.safetensors`, `model.json`,
//!   `history.jsonl`) that a resumed run continues bit-identically on the CPU. A WGAN or CRBM
//!   given population labels ([`conditional::HaplotypeLabels`]) becomes conditional.
//! - [`Checkpoint::load`] reads one back; [`generate`] samples artificial haplotypes from it.
//! - [`select_device`] turns `auto`, `cpu` or `cuda[:N]` into a device and says which.
//! - [`TrainConfig::dp`] trains the RBM or the GAN with DP-SGD ([`DpConfig`]) under an (ε, δ)
//!   budget per individual, accounted by [`dp`] and recorded as a [`PrivacyRecord`];
//!   [`haplotype_scores`] scores haplotypes for likelihood membership attacks.
//!
//! All randomness comes from ChaCha8 streams of the seed, so CPU runs repeat exactly.
//!
//! ```
//! use std::sync::atomic::AtomicBool;
//! use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
//! use genosynth_models::{
//!     Checkpoint, DeviceChoice, GenerateOptions, ModelKind, ModelParams, RbmParams, TrainConfig,
//!     TrainOptions,
//! };
//!
//! // 40 haplotypes over 6 sites: two blocks of 3 perfectly linked sites.
//! let sites: Sites = (1..=6).map(|p| Site::new("1", p, "A", "G")).collect();
//! let mut alleles = Vec::new();
//! for h in 0..40u64 {
//!     let (a, b) = ((h % 2) as u8, (h % 5 == 0) as u8);
//!     alleles.extend([a, a, a, b, b, b]);
//! }
//! let samples = Sample::numbered("S", 20, Ploidy::Diploid);
//! let matrix = HaplotypeMatrix::from_dense_u8(&alleles, sites, samples)?;
//!
//! let config = TrainConfig {
//!     model: ModelParams::Rbm(RbmParams { hidden_units: 8, batch_size: 20, chains: 20,
//!                                         gibbs_steps: 5, lr: 0.05, ..RbmParams::default() }),
//!     epochs: 3,
//!     seed: 1,
//!     device: DeviceChoice::Cpu,
//!     save_every: 0,
//!     dp: None,
//! };
//! let dir = tempfile::tempdir()?;
//! let model_dir = dir.path().join("model");
//! let stop = AtomicBool::new(false); // set it (from a Ctrl-C handler, say) to stop early
//! let options = TrainOptions { stop: Some(&stop), ..TrainOptions::new(&model_dir) };
//! let summary = genosynth_models::train(&matrix, &config, options)?;
//! assert_eq!(summary.epochs_done, 3);
//!
//! let checkpoint = Checkpoint::load(&model_dir)?;
//! assert_eq!(checkpoint.kind(), ModelKind::Rbm);
//! let options = GenerateOptions { n_haplotypes: 10, seed: 7, device: DeviceChoice::Cpu, gibbs_steps: None };
//! let ags = genosynth_models::generate(&checkpoint, &options)?.matrix;
//! assert_eq!((ags.n_haplotypes(), ags.n_sites()), (10, 6));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod adam;
mod checkpoint;
mod config;
mod crbm;
#[cfg(feature = "cuda")]
mod cuda_ops;
#[cfg(all(test, feature = "cuda"))]
mod cuda_tests;
mod device;
pub mod dp;
mod dp_plan;
mod dp_sgd;
mod error;
mod gan;
mod generate;
mod hclt;
mod labels;
mod layers;
mod meta;
mod model;
mod private_alleles;
mod rbm;
mod rng;
mod score;
mod selection;
mod tensors;
mod train;
mod train_checks;
mod train_options;
mod training_data;
mod validate;
mod wgan;

pub use checkpoint::{
    BEST_FILE, Checkpoint, HISTORY_FILE, META_FILE, MODEL_FILE, OPTIMIZER_FILE, is_checkpoint,
};
pub use config::{ModelKind, ModelParams, TrainConfig};
pub use crbm::CrbmParams;
pub use crbm::chain::{ChainWindow, CrbmWindowPart, crbm_windows};
pub use crbm::parts::train_crbm_window;
pub use crbm::stitch::{StitchSummary, stitch_crbm_windows};
pub use device::{DeviceChoice, SelectedDevice, cuda_compiled, select_device};
pub use dp_sgd::{DpConfig, PrivacyRecord};
pub use error::{ComputeError, Error, Result};
pub use gan::GanParams;
pub use generate::{
    GenerateOptions, Generated, Generator, chunk_seed, generate, generate_labelled,
};
pub use hclt::{HcltParams, ReferenceCache};
pub use meta::{FORMAT_VERSION, GENOSYNTH_VERSION, ModelMeta};
pub use private_alleles::{PrivateAlleles, mask_alleles, private_allele_sites};
pub use rbm::RbmParams;
pub use rng::RngState;
pub use score::{ScoreKind, haplotype_scores, population_haplotype_scores};
pub use selection::{BoundMiss, SelectionRule, SelectionState, ValidationScores};
pub use train::{AttackScorer, EpochReport, TrainOptions, TrainSummary, Validation, train};
pub use training_data::TrainingData;
pub use wgan::WganParams;

/// Population labels for conditional models: which label each training haplotype carries
/// (from a [`Panel`](genosynth_core::Panel) via sample names), the labels a checkpoint was
/// trained with, and one label per AG to draw ([`expand_counts`](conditional::expand_counts),
/// for [`generate_labelled`]).
pub mod conditional {
    pub use crate::checkpoint::checkpoint_labels;
    pub use crate::labels::{HaplotypeLabels, LabelError, LabelLevel, expand_counts};
}
