//! The genosynth pipeline as a library: hold people out, train with selection on them,
//! generate artificial genomes (AGs) that keep their distance from the training data, and
//! evaluate them on the people the model never saw.
//!
//! The crates below do one job each (genosynth-core: haplotype data; genosynth-vcf: files;
//! genosynth-models: the models, on candle; genosynth-eval: statistics); this crate wires them
//! the way `genosynth synth` does, so the CLI and other programs share one pipeline:
//!
//! - [`synth`]: the whole pipeline over a [`SynthConfig`] (built with a [`Preset`]).
//! - Its steps as plain functions: [`read_haplotypes`], [`hold_out`], [`train`] (a
//!   [`TrainJob`], with [`Selection`] on validation people), [`load_for_generation`],
//!   [`generate`] (a [`GenerateConfig`] and an optional [`Guard`]), [`write_ags`],
//!   [`evaluate`] (with [`Annotations`]) and [`write_report`].
//! - Progress: every step reports [`Event`]s to a [`Progress`] (any `FnMut(Event)`).
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use genosynth::{MinDistance, Selection, split_validation, train_selected, generate_guarded};
//! use genosynth_models::{
//!     Checkpoint, DeviceChoice, GenerateOptions, ModelKind, TrainConfig, TrainOptions,
//! };
//! # fn load() -> genosynth_core::HaplotypeMatrix { unimplemented!() }
//! let haplotypes = load(); // e.g. genosynth_vcf::read(...)
//! let split = split_validation(&haplotypes, 0.2, 42, None)?;
//! let config = TrainConfig { epochs: 80, ..TrainConfig::paper(ModelKind::Rbm) };
//! let stop = AtomicBool::new(false);
//! let options = TrainOptions { stop: Some(&stop), ..TrainOptions::new("model".as_ref()) };
//! let summary = train_selected(&split, &config, &Selection::default(), options)?;
//! let model = Checkpoint::load_selected("model".as_ref())?;
//! let options = GenerateOptions { n_haplotypes: 1000, seed: 7, device: DeviceChoice::Auto, gibbs_steps: None };
//! let (ags, guard) = generate_guarded(&model, &options, None, &split.fit, MinDistance::Auto)?;
//! println!("{} AGs, {} redrawn", ags.n_haplotypes(), guard.redrawn);
//! # Ok::<(), genosynth::Error>(())
//! ```

#![deny(missing_docs)]

mod chunked;
mod error;
mod evaluation;
mod guard;
mod header_value;
mod ladder_record;
mod output;
mod pipeline;
mod population;
mod preset;
mod privacy_risk;
mod progress;
mod reference_weight;
mod report;
mod streamed;
mod synth;
mod trained_on;
mod training;
mod validation;
mod weight_folds;
mod windows;

pub use chunked::{Chunk, Chunked, DEFAULT_CHUNK, generate_chunked};
pub use error::{Error, Result};
pub use evaluation::{Annotations, evaluate, write_report};
pub use guard::{
    AUTO_QUANTILE, GuardReport, MAX_ROUNDS, MinDistance, auto_threshold, generate_guarded,
};
pub use output::{
    DEFAULT_SAMPLE_PREFIX, GenerateConfig, Generated, Guard, ag_panel, generate, write_ags,
};
pub use pipeline::{
    TrainJob, hold_out, load_for_generation, read_haplotypes, train, train_crbm_window,
};
pub use population::{PopulationCountError, parse_population_counts};
pub use preset::{
    Preset, QUICK_RBM_INIT_STD, SYNTH_VALIDATION_FRACTION, VALIDATIONS_PER_RUN,
    synth_validate_every,
};
pub use privacy_risk::{check_privacy, privacy_risk, risk_from_header, risk_header, risk_of};
pub use progress::{Event, Progress};
pub use reference_weight::{
    DEFAULT_PRIVATE_ALLELE_MIN_COUNT, REFERENCE_PRIOR_HAPLOTYPES, REFERENCE_WEIGHT_LADDER,
    ReferenceWeight, SITES_PER_PRIOR_HAPLOTYPE,
};
pub use report::{
    Provenance, dp_from_header, dp_guarantee, dp_header, guard_from_header, guard_info,
    likelihood_attack, masked_alleles, private_alleles_from_header, private_alleles_header,
    provenance, trajectory,
};
pub use streamed::generate_to_file;
pub use synth::{Stage, SynthConfig, SynthOutcome, Synthesized, synth};
pub use trained_on::{population_model_attack, trained_model_attack, training_haplotypes};
pub use training::{Selection, train_selected};
pub use validation::{
    LD_WINDOW, ValidationSplit, paired_like, score, scores_of, settings, split_named,
    split_validation,
};
pub use weight_folds::{max_weight_folds, mean_of_folds, missed_by_folds, weight_folds};
pub use windows::{
    PlannedWindow, WindowPlan, checkpoint_boundaries, plan_boundaries, plan_windows, segments,
};
