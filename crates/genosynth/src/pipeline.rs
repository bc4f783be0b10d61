//! The pipeline's first half as plain functions: read, hold people out, train, and pick the
//! checkpoint to sample. Each reports through a [`Progress`].

use std::path::Path;
use std::sync::atomic::AtomicBool;

use genosynth_core::{HaplotypeMatrix, Panel};
use genosynth_models::conditional::HaplotypeLabels;
use genosynth_models::{Checkpoint, ReferenceCache, TrainConfig, TrainOptions, TrainSummary};
use genosynth_vcf::{Haplotypes, ReadOptions};

use crate::progress::{Event, Progress};
use crate::reference_weight::{ReferenceWeight, with_weight};
use crate::{Error, Result, Selection, ValidationSplit, risk_of, split_validation, train_selected};

/// Reads haplotypes from `path` (`-` = stdin).
///
/// # Errors
/// The file cannot be read ([`Error::Vcf`](crate::Error::Vcf)); a stop flag in `options` gives
/// [`Error::is_interrupted`](crate::Error::is_interrupted).
pub fn read_haplotypes(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn Progress,
) -> Result<Haplotypes> {
    let haplotypes = genosynth_vcf::read(path, options)?;
    progress.event(Event::Read {
        path,
        report: &haplotypes.report,
    });
    Ok(haplotypes)
}

/// Holds `fraction` of the people out of training ([`split_validation`]) and says so.
///
/// # Errors
/// See [`split_validation`].
pub fn hold_out(
    matrix: &HaplotypeMatrix,
    fraction: f64,
    seed: u64,
    panel: Option<&Panel>,
    progress: &mut dyn Progress,
) -> Result<ValidationSplit> {
    let split = split_validation(matrix, fraction, seed, panel)?;
    progress.event(Event::HeldOut {
        split: &split,
        people: matrix.samples().len(),
    });
    Ok(split)
}

/// One training run: what to train and where the checkpoints go.
#[derive(Debug, Clone, Copy)]
pub struct TrainJob<'a> {
    /// Model, length, seed, device.
    pub config: &'a TrainConfig,
    /// The model directory.
    pub dir: &'a Path,
    /// Continue the checkpoint in `dir` up to `config.epochs`.
    pub resume: bool,
    /// Each training haplotype's population: makes a WGAN or CRBM conditional.
    pub labels: Option<&'a HaplotypeLabels>,
    /// Train on the split's `fit` part and choose the checkpoint on its validation people.
    pub selection: Option<(&'a ValidationSplit, &'a Selection)>,
    /// Other people at the same sites for a small training set to borrow strength from
    /// (the HCLT's reference prior; [`genosynth_models::TrainOptions::reference`]).
    pub reference: Option<&'a HaplotypeMatrix>,
    /// How strongly the HCLT leans on `reference`: with [`ReferenceWeight::Auto`] and
    /// selection, one model per weight of the ladder until one meets the privacy bounds on the
    /// validation people.
    pub reference_weight: ReferenceWeight,
}

/// Trains on `matrix` (or, with `job.selection`, on its split's `fit` part), reporting every
/// epoch; a set `stop` flag ends it early with a checkpoint saved (`summary.stopped`).
///
/// An HCLT with a reference and [`ReferenceWeight::Auto`] trains once per weight of
/// [`crate::REFERENCE_WEIGHT_LADDER`] from the floor of its size up
/// ([`ReferenceWeight::ladder`]), into `job.dir`, and keeps the first whose selected checkpoint
/// meets the privacy bounds on the validation people (the largest when none does, which the
/// refusal then judges); each rung is reported as [`Event::ReferenceWeightTried`]. The weight
/// kept is in the checkpoint's model parameters.
///
/// # Errors
/// An unusable device or configuration, or a failure to train or save.
pub fn train(
    matrix: &HaplotypeMatrix,
    job: &TrainJob<'_>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<TrainSummary> {
    let borrows = job.reference.is_some()
        && !job.resume
        && matches!(job.config.model, genosynth_models::ModelParams::Hclt(_));
    if !borrows {
        return train_once(matrix, job, None, progress, stop);
    }
    let trained_on = job
        .selection
        .map_or(matrix.n_haplotypes(), |(split, _)| split.fit.n_haplotypes());
    let weights = job
        .reference_weight
        .ladder(job.selection.is_some(), trained_on);
    // The model of the reference people does not depend on the weight: trained once.
    let cache = ReferenceCache::default();
    for (i, &weight) in weights.iter().enumerate() {
        if i > 0 {
            // The previous rung's checkpoint: the directory holds nothing else (a checkpoint
            // is saved by swapping the whole directory).
            std::fs::remove_dir_all(job.dir).map_err(|source| Error::Directory {
                what: "model directory of the previous reference weight",
                path: job.dir.display().to_string(),
                source,
            })?;
        }
        let config = with_weight(job.config, weight);
        let rung = TrainJob {
            config: &config,
            ..*job
        };
        let summary = train_once(matrix, &rung, Some(&cache), progress, stop)?;
        let missed = summary
            .selection
            .as_ref()
            .and_then(risk_of)
            .map(|r| r.failed)
            .unwrap_or_default();
        let next = weights
            .get(i + 1)
            .copied()
            .filter(|_| !missed.is_empty() && !summary.stopped);
        if job.selection.is_some() {
            progress.event(Event::ReferenceWeightTried {
                weight,
                missed: &missed,
                next,
            });
        }
        if next.is_none() {
            return Ok(summary);
        }
    }
    unreachable!("the ladder has at least one weight")
}

/// One training run of `job` as it is configured (its reference model from `cache` when that
/// holds one).
fn train_once(
    matrix: &HaplotypeMatrix,
    job: &TrainJob<'_>,
    cache: Option<&ReferenceCache>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<TrainSummary> {
    train_reporting(
        matrix.n_sites(),
        matrix,
        job,
        cache,
        progress,
        stop,
        |options| {
            Ok(match job.selection {
                Some((split, selection)) => train_selected(split, job.config, selection, options)?,
                None => genosynth_models::train(matrix, job.config, options)?,
            })
        },
    )
}

/// Trains window `index` of a CRBM chain over `matrix`'s sites (the windows of
/// [`crate::plan_windows`]) into a window checkpoint that
/// [`genosynth_models::stitch_crbm_windows`] joins; reports like [`train`].
///
/// # Errors
/// Not a CRBM, an index past the last window, selection asked for (it judges whole models),
/// or a failure to train or save.
pub fn train_crbm_window(
    matrix: &HaplotypeMatrix,
    job: &TrainJob<'_>,
    index: usize,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<TrainSummary> {
    let sites = match &job.config.model {
        genosynth_models::ModelParams::Crbm(p) => {
            genosynth_models::crbm_windows(matrix.n_sites(), p.window)
                .get(index)
                .map_or(matrix.n_sites(), |w| w.end - w.start)
        }
        _ => matrix.n_sites(),
    };
    train_reporting(sites, matrix, job, None, progress, stop, |options| {
        Ok(genosynth_models::train_crbm_window(
            matrix, job.config, index, options,
        )?)
    })
}

/// Reports the start, every epoch and the end of `run`, which trains with the options of `job`
/// (and `cache`'s reference model).
#[allow(
    clippy::too_many_arguments,
    reason = "the job, its reporting and its run"
)]
fn train_reporting(
    sites: usize,
    matrix: &HaplotypeMatrix,
    job: &TrainJob<'_>,
    cache: Option<&ReferenceCache>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
    run: impl FnOnce(TrainOptions<'_>) -> Result<TrainSummary>,
) -> Result<TrainSummary> {
    let config = job.config;
    let device = genosynth_models::select_device(config.device)?;
    progress.event(Event::TrainingStarted {
        config,
        haplotypes: matrix.n_haplotypes(),
        sites,
        device: &device.description,
    });
    let mut observer = |r: &genosynth_models::EpochReport| progress.event(Event::Epoch(r));
    let options = TrainOptions {
        resume: job.resume,
        labels: job.labels,
        reference: job.reference,
        reference_cache: cache,
        ..TrainOptions::new(job.dir)
    }
    .with_observer(&mut observer)
    .with_stop(stop);
    let summary = run(options)?;
    progress.event(Event::Trained {
        summary: &summary,
        dir: job.dir,
    });
    Ok(summary)
}

/// The checkpoint to sample in `dir`: the one chosen on validation people unless `last`.
///
/// # Errors
/// No readable checkpoint in `dir`.
pub fn load_for_generation(
    dir: &Path,
    last: bool,
    progress: &mut dyn Progress,
) -> Result<Checkpoint> {
    let checkpoint = if last {
        Checkpoint::load(dir)?
    } else {
        Checkpoint::load_selected(dir)?
    };
    progress.event(Event::Sampling {
        checkpoint: &checkpoint,
    });
    Ok(checkpoint)
}
