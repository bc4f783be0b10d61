//! The pipeline's first half as plain functions: read, hold people out, train, and pick the
//! checkpoint to sample. Each reports through a [`Progress`].

use std::path::Path;
use std::sync::atomic::AtomicBool;

use genosynth_core::{HaplotypeMatrix, Panel};
use genosynth_models::conditional::HaplotypeLabels;
use genosynth_models::{Checkpoint, ReferenceCache, TrainConfig, TrainOptions, TrainSummary};
use genosynth_vcf::{Haplotypes, ReadOptions};

use crate::ladder_record::{self, InterruptedLadder};
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
    /// Each training haplotype's population: makes a WGAN or CRBM conditional (an HCLT a
    /// mixture with a component per label).
    pub labels: Option<&'a HaplotypeLabels>,
    /// With `labels` and `selection`, each validation haplotype's population: a labelled HCLT
    /// mixture's likelihood attack runs within each label
    /// ([`genosynth_models::TrainOptions::heldout_labels`]).
    pub heldout_labels: Option<&'a HaplotypeLabels>,
    /// Train on the split's `fit` part and choose the checkpoint on its validation people.
    pub selection: Option<(&'a ValidationSplit, &'a Selection)>,
    /// Other people at the same sites for a small training set to borrow strength from
    /// (the HCLT's reference prior; [`genosynth_models::TrainOptions::reference`]).
    pub reference: Option<&'a HaplotypeMatrix>,
    /// How strongly the HCLT leans on `reference`: with [`ReferenceWeight::Auto`] and
    /// selection, one model per weight of the ladder until one meets the privacy bounds on the
    /// validation people.
    pub reference_weight: ReferenceWeight,
    /// Judge `auto`'s rungs on this many folds of all the people instead of the validation
    /// people alone ([`crate::weight_folds`]; 0: the validation people). Needs a reference,
    /// [`ReferenceWeight::Auto`] and `selection`.
    pub weight_folds: usize,
    /// With `reference`: alternate alleles that no reference person carries and fewer than
    /// this many of the input's haplotypes carry (training and validation people) are not
    /// learned ([`genosynth_models::TrainOptions::private_allele_min_count`];
    /// [`crate::DEFAULT_PRIVATE_ALLELE_MIN_COUNT`] is the CLI's default). 0: off.
    pub private_allele_min_count: usize,
}

/// Trains on `matrix` (or, with `job.selection`, on its split's `fit` part), reporting every
/// epoch; a set `stop` flag ends it early with a checkpoint saved (`summary.stopped`).
///
/// An HCLT with a reference and [`ReferenceWeight::Auto`] trains once per weight of
/// [`crate::REFERENCE_WEIGHT_LADDER`] from the floor of its size and sites up
/// ([`ReferenceWeight::ladder`]), into `job.dir`, and keeps the first whose selected checkpoint
/// meets the privacy bounds on the validation people (the largest when none does, which the
/// refusal then judges); with `job.weight_folds` a rung is judged instead by the mean of its
/// folds' figures at the epoch the final model's checkpoint was chosen at
/// ([`crate::weight_folds`]: one more model per fold, trained into a temporary directory). Each rung is reported as [`Event::ReferenceWeightTried`] and recorded in
/// `job.dir`'s `reference_weight.json`. The weight kept is in the checkpoint's model
/// parameters. A stop in a rung is reported as [`Event::ReferenceWeightInterrupted`] and
/// recorded in `job.dir`; `job.resume` then continues the ladder from that rung (its
/// checkpoint, or its start when the stop came in its weight folds) and ends as an
/// uninterrupted ladder would. A finished model resumes with the reference people and the
/// weight it was trained with, and its `reference_weight.json` row is judged again.
///
/// # Errors
/// An unusable device or configuration (weight folds without a reference, `auto` and
/// validation people, or more folds than the people allow; an interrupted ladder resumed
/// without its reference or with a weight whose ladder lacks the rung it stopped in; a
/// finished model resumed without its reference people, with others, or at another fixed
/// weight), or a failure to train or save.
pub fn train(
    matrix: &HaplotypeMatrix,
    job: &TrainJob<'_>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<TrainSummary> {
    let hclt = matches!(job.config.model, genosynth_models::ModelParams::Hclt(_));
    if job.private_allele_min_count > 0 && job.reference.is_none() {
        return Err(Error::InvalidOption {
            name: "private-allele-min-count",
            reason: format!(
                "{} masks the alleles no reference person carries: it needs reference people \
                 (--reference); without them pass 0 or leave it out",
                job.private_allele_min_count
            ),
        });
    }
    // A resumed ladder continues from the rung it stopped in; any other resume continues the
    // checkpoint alone.
    let interrupted = if job.resume && hclt {
        InterruptedLadder::read(job.dir)?
    } else {
        None
    };
    // A fixed weight is a ladder of one rung: it resumes the same way.
    if let Some(record) = &interrupted
        && job.reference.is_none()
    {
        return Err(Error::InvalidOption {
            name: "resume",
            reason: format!(
                "{} holds a reference-weight ladder interrupted at weight {}: resume it with the \
                 same --reference and --reference-weight, or train again into a new directory",
                job.dir.display(),
                record.weight
            ),
        });
    }
    // A finished ladder's model resumes as it was trained: with its reference people (the
    // checkpoint records them) at the weight it kept.
    let kept = if job.resume && hclt && interrupted.is_none() {
        ladder_record::read_rungs(job.dir)?
    } else {
        None
    };
    if let Some((_, weight)) = &kept {
        ladder_record::check_resume(job.dir, *weight, job.reference, job.reference_weight)?;
    }
    let borrows = job.reference.is_some() && hclt && (!job.resume || interrupted.is_some());
    let folds = match (job.weight_folds, job.selection, job.reference_weight) {
        (0, ..) => Vec::new(),
        (k, Some((split, _)), ReferenceWeight::Auto) if borrows => {
            crate::weight_folds(split, k, job.config.seed)?
        }
        _ => {
            return Err(Error::InvalidOption {
                name: "weight folds",
                reason: "they judge the reference-weight ladder: an hclt with --reference, --reference-weight auto and validation people is needed (and no --resume)".to_string(),
            });
        }
    };
    if !borrows {
        let trained = train_once(matrix, job, None, progress, stop);
        if let Some((mut rows, weight)) = kept {
            // A checkpoint is saved by replacing the directory: the record goes back, its
            // last row judging the model now kept when selection judged it again.
            if let (Ok(summary), Some(_), Some(last)) = (&trained, job.selection, rows.last_mut())
                && !summary.stopped
            {
                *last = Judged::validation(summary).row(weight);
            }
            let written = ladder_record::write_rungs(job.dir, &rows);
            let summary = trained?;
            written?;
            return Ok(summary);
        }
        return trained;
    }
    let trained_on = job
        .selection
        .map_or(matrix.n_haplotypes(), |(split, _)| split.fit.n_haplotypes());
    let weights =
        job.reference_weight
            .ladder(job.selection.is_some(), trained_on, matrix.n_sites());
    let start = match &interrupted {
        None => 0,
        Some(record) => weights
            .iter()
            .position(|&w| w == record.weight)
            .ok_or_else(|| Error::InvalidOption {
                name: "resume",
                reason: format!(
                    "{} holds a reference-weight ladder interrupted at weight {}, which the \
                     ladder of this training set ({weights:?}) does not hold; train again into a \
                     new directory",
                    job.dir.display(),
                    record.weight
                ),
            })?,
    };
    // The model of the reference people does not depend on the weight: trained once.
    let cache = ReferenceCache::default();
    let mut rungs = interrupted
        .as_ref()
        .map_or_else(Vec::new, |r| r.rungs.clone());
    for (i, &weight) in weights.iter().enumerate().skip(start) {
        let resume = i == start && interrupted.as_ref().is_some_and(|r| r.resumable);
        if (i > start || interrupted.is_some()) && !resume {
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
            resume,
            ..*job
        };
        let mut summary = train_once(matrix, &rung, Some(&cache), progress, stop)?;
        let model_stopped = summary.stopped;
        let judged = match job.selection {
            Some((split, selection)) if !folds.is_empty() && !summary.stopped => {
                let chosen = summary.selection.as_ref().and_then(|s| s.best_epoch);
                let mut scores = Vec::new();
                for fold in &folds {
                    let Some(epoch) = chosen else {
                        scores.push(None);
                        break;
                    };
                    let (fold_scores, stopped) =
                        train_fold(fold, &rung, epoch, selection, &cache, stop)?;
                    summary.stopped |= stopped;
                    scores.push(fold_scores);
                }
                let people = folds.len() * split.validation.samples().len();
                Judged::folds(&selection.rule, &scores, people)
            }
            _ => Judged::validation(&summary),
        };
        if summary.stopped {
            // Not judged: the ladder goes on from this rung on --resume.
            if job.selection.is_some() {
                progress.event(Event::ReferenceWeightInterrupted {
                    weight,
                    rung: i + 1,
                    rungs: weights.len(),
                });
            }
            InterruptedLadder {
                weight,
                resumable: model_stopped,
                rungs,
            }
            .write(job.dir)?;
            return Ok(summary);
        }
        let next = weights
            .get(i + 1)
            .copied()
            .filter(|_| !judged.missed.is_empty());
        if job.selection.is_some() {
            progress.event(Event::ReferenceWeightTried {
                weight,
                missed: &judged.missed,
                next,
                folds: judged.folds,
                people: judged.people,
            });
        }
        rungs.push(judged.row(weight));
        if next.is_none() {
            InterruptedLadder::remove(job.dir)?;
            ladder_record::write_rungs(job.dir, &rungs)?;
            return Ok(summary);
        }
    }
    unreachable!("the ladder has at least one weight")
}

/// How one rung of the ladder was judged.
#[derive(Debug)]
struct Judged {
    /// The bounds missed (empty: within them).
    missed: Vec<String>,
    /// The figures judged: the selected checkpoint's, or the mean of the folds' at its epoch.
    scores: Option<genosynth_models::ValidationScores>,
    /// Folds (1: the validation people alone) and the people they hold out in all.
    folds: usize,
    people: usize,
}

impl Judged {
    /// The selected checkpoint of `summary` on its validation people.
    fn validation(summary: &TrainSummary) -> Self {
        let selection = summary.selection.as_ref();
        Self {
            missed: selection
                .and_then(risk_of)
                .map(|r| r.failed)
                .unwrap_or_default(),
            scores: selection.and_then(|s| s.best.clone()),
            folds: 1,
            people: selection.map_or(0, |s| s.validation_samples.len()),
        }
    }

    /// Its row of `reference_weight.json`.
    fn row(&self, weight: f32) -> serde_json::Value {
        let s = self.scores.as_ref();
        serde_json::json!({
            "weight": weight,
            "folds": self.folds,
            "people": self.people,
            "privacy_loss": s.map(|s| s.privacy_loss),
            "membership_auc": s.map(|s| s.membership_auc),
            "likelihood_auc": s.and_then(|s| s.likelihood_auc),
            "likelihood_tpr": s.and_then(|s| s.likelihood_tpr),
            "missed": self.missed,
        })
    }

    /// The mean of the folds' figures.
    fn folds(
        rule: &genosynth_models::SelectionRule,
        scores: &[Option<genosynth_models::ValidationScores>],
        people: usize,
    ) -> Self {
        let all: Option<Vec<_>> = scores.iter().cloned().collect();
        Self {
            missed: crate::weight_folds::missed_by_folds(rule, scores),
            scores: all.as_deref().and_then(crate::weight_folds::mean_of_folds),
            folds: scores.len(),
            people,
        }
    }
}

/// Trains the model of one weight fold (`rung`'s configuration, reference and cache) in a
/// temporary directory up to `epoch`, the final model's chosen one: its figures there on the
/// fold's held-out people, and whether the stop flag ended it.
fn train_fold(
    fold: &ValidationSplit,
    rung: &TrainJob<'_>,
    epoch: usize,
    selection: &Selection,
    cache: &ReferenceCache,
    stop: &AtomicBool,
) -> Result<(Option<genosynth_models::ValidationScores>, bool)> {
    let dir = tempfile::Builder::new()
        .prefix("genosynth-weight-fold-")
        .tempdir()
        .map_err(|source| Error::Directory {
            what: "temporary directory of a weight fold",
            path: std::env::temp_dir().display().to_string(),
            source,
        })?;
    let model = dir.path().join("model");
    let options = TrainOptions {
        reference: rung.reference,
        reference_cache: Some(cache),
        private_allele_min_count: rung.private_allele_min_count,
        ..TrainOptions::new(&model)
    }
    .with_stop(stop);
    // The last epoch is always validated.
    let config = TrainConfig {
        epochs: epoch,
        ..rung.config.clone()
    };
    let summary = train_selected(fold, &config, selection, options)?;
    let at_epoch = summary
        .last
        .filter(|r| r.epoch == epoch)
        .and_then(|r| r.validation);
    Ok((at_epoch, summary.stopped))
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
        heldout_labels: job.heldout_labels,
        reference: job.reference,
        reference_cache: cache,
        private_allele_min_count: job.private_allele_min_count,
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
