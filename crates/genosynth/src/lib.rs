//! The genosynth pipeline as a library: hold people out, train with selection on them,
//! generate artificial genomes (AGs) that keep their distance from the training data, and
//! evaluate them on the people the model never saw.
//!
//! The crates below do one job each (genosynth-core: haplotype data; genosynth-models: the
//! models, on candle; genosynth-eval: statistics); this crate wires them the way `genosynth
//! synth` does, so the CLI and other programs share one pipeline.
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use genosynth::{MinDistance, Selection, split_validation, train_selected, generate_guarded};
//! use genosynth_models::{Checkpoint, GenerateOptions, DeviceChoice, TrainConfig, ModelKind};
//! # fn load() -> genosynth_core::HaplotypeMatrix { unimplemented!() }
//! let haplotypes = load(); // e.g. genosynth_vcf::read(...)
//! let split = split_validation(&haplotypes, 0.2, 42, None)?;
//! let config = TrainConfig { epochs: 80, ..TrainConfig::paper(ModelKind::Rbm) };
//! let stop = AtomicBool::new(false);
//! let summary = train_selected(&split, &config, "model".as_ref(), false, &Selection::default(), &mut |_| {}, &stop)?;
//! let model = Checkpoint::load_selected("model".as_ref())?;
//! let options = GenerateOptions { n_haplotypes: 1000, seed: 7, device: DeviceChoice::Auto, gibbs_steps: None };
//! let (ags, guard) = generate_guarded(&model, &options, None, &split.fit, MinDistance::Auto)?;
//! println!("{} AGs, {} redrawn", ags.n_haplotypes(), guard.redrawn);
//! # Ok::<(), genosynth::Error>(())
//! ```

#![deny(missing_docs)]

mod error;
mod guard;
mod report;
mod trained_on;
mod training;
mod validation;
mod windows;

pub use error::{Error, Result};
pub use guard::{
    AUTO_QUANTILE, GuardReport, MAX_ROUNDS, MinDistance, auto_threshold, generate_guarded,
};
pub use report::{
    Provenance, dp_from_header, dp_guarantee, dp_header, guard_from_header, guard_info,
    likelihood_attack, provenance, trajectory,
};
pub use trained_on::training_haplotypes;
pub use training::{Selection, train_selected};
pub use validation::{
    LD_WINDOW, ValidationSplit, paired_like, score, scores_of, settings, split_named,
    split_validation,
};
pub use windows::{PlannedWindow, WindowPlan, plan_windows, segments};
