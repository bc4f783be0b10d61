//! The whole pipeline in one call, as `genosynth synth` runs it: read → hold people out →
//! train with selection → generate with the guard → write → evaluate (→ write the report).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use genosynth_core::{HaplotypeMatrix, Ploidy};
use genosynth_eval::{EvalInput, Report};
use genosynth_models::TrainConfig;
use genosynth_vcf::{ReadOptions, WriteOptions};

use crate::evaluation::{Annotations, evaluate, write_report};
use crate::output::{GenerateConfig, Generated, Guard, generate, write_ags};
use crate::pipeline::{TrainJob, hold_out, load_for_generation, read_haplotypes, train};
use crate::progress::{Event, Progress};
use crate::{
    Error, LD_WINDOW, MinDistance, ReferenceWeight, Result, Selection, guard_info,
    likelihood_attack, settings, trajectory,
};

/// Everything one `synth` run needs.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Input VCF, BCF or `.hapt` (`-` = stdin).
    pub input: PathBuf,
    /// How to read it.
    pub read: ReadOptions,
    /// Where the AGs go (`-` = stdout).
    pub output: PathBuf,
    /// How to write them (format, index, command line; contigs and provenance headers are
    /// added).
    pub write: WriteOptions,
    /// AGs to draw (default: as many haplotypes as the input has).
    pub n_haplotypes: Option<usize>,
    /// Samples of the AGs: `Diploid` pairs haplotypes.
    pub ploidy: Ploidy,
    /// RBM: Gibbs steps of sampling (default: the training's).
    pub gibbs_steps: Option<usize>,
    /// The model and its training; its seed also seeds sampling and the evaluation. Build it
    /// with a [`Preset`](crate::Preset).
    pub train: TrainConfig,
    /// Share of people held out to choose the checkpoint on and to judge privacy by (`None`:
    /// no selection, no holdout in the evaluation).
    pub validation_fraction: Option<f64>,
    /// How checkpoints are validated and chosen.
    pub selection: Selection,
    /// The generation guard (`Sites(0)`: off).
    pub min_distance: MinDistance,
    /// Keep the model here (default: a temporary directory, removed at the end).
    pub model_dir: Option<PathBuf>,
    /// Also write `report.json` and `report.html` here.
    pub report_dir: Option<PathBuf>,
    /// Other people at the same sites (none of them in `input`) for a small training set to
    /// borrow strength from: the HCLT shrinks towards a model of them
    /// (`HcltParams::reference_weight`). Read with `read`.
    pub reference: Option<PathBuf>,
    /// How strongly the HCLT leans on `reference` ([`ReferenceWeight::Auto`]: the smallest
    /// weight of a ladder whose selected checkpoint meets the privacy bounds).
    pub reference_weight: ReferenceWeight,
    /// Judge `auto`'s rungs on this many folds of all the people (0: on the validation people
    /// alone; [`TrainJob::weight_folds`]).
    pub weight_folds: usize,
    /// With `reference`: alternate alleles no reference person carries and fewer than this
    /// many of the input's haplotypes carry are not learned ([`TrainJob::private_allele_min_count`];
    /// [`crate::DEFAULT_PRIVATE_ALLELE_MIN_COUNT`]). 0: off; must be 0 without a reference.
    pub private_allele_min_count: usize,
    /// Write the AGs even when no validated checkpoint met the privacy bounds (recorded in
    /// their header and the report); otherwise that run fails with
    /// [`Error::PrivacyBounds`] before any AG is written.
    pub accept_privacy_risk: bool,
}

/// The step a stop flag (Ctrl-C) ended a run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the input: nothing written.
    Reading,
    /// Training: the checkpoint so far is in the model directory, no AGs written.
    Training,
    /// Generating or writing the AGs: nothing written.
    Writing,
    /// Evaluating: the AGs are written, the report is not.
    Evaluating,
}

/// What a finished run made.
#[derive(Debug)]
pub struct Synthesized {
    /// The AGs as written, and what the guard did.
    pub ags: Generated,
    /// The evaluation against the training people (the validation people as holdout).
    pub report: Report,
}

/// How a run ended.
#[derive(Debug)]
pub enum SynthOutcome {
    /// Everything was written.
    Done(Box<Synthesized>),
    /// The stop flag ended it.
    Stopped(Stage),
}

/// Runs the whole pipeline with `config`, reporting through `progress`; `stop` (Ctrl-C) ends
/// it cleanly at the next step.
///
/// # Errors
/// Any step's failure; the output's format is checked before reading, so a bad output name
/// fails before minutes of training. A model none of whose validated checkpoints met the
/// privacy bounds fails with [`Error::PrivacyBounds`] before any AG is written, unless
/// `config.accept_privacy_risk`.
pub fn synth(
    config: &SynthConfig,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<SynthOutcome> {
    genosynth_vcf::output_format(&config.output, &config.write)?;
    let matrix = match read_haplotypes(&config.input, &config.read, progress) {
        Err(e) if e.is_interrupted() => return Ok(SynthOutcome::Stopped(Stage::Reading)),
        other => other?.matrix,
    };
    let reference = match &config.reference {
        Some(path) => match read_haplotypes(path, &config.read, progress) {
            Err(e) if e.is_interrupted() => return Ok(SynthOutcome::Stopped(Stage::Reading)),
            other => Some(other?.matrix),
        },
        None => None,
    };
    let seed = config.train.seed;
    let split = config
        .validation_fraction
        .map(|f| hold_out(&matrix, f, seed, None, progress))
        .transpose()?;
    let fit = split.as_ref().map_or(&matrix, |s| &s.fit);

    let temp;
    let dir = match &config.model_dir {
        Some(d) => d.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("genosynth-synth-")
                .tempdir()
                .map_err(|source| Error::Directory {
                    what: "temporary model directory",
                    path: std::env::temp_dir().display().to_string(),
                    source,
                })?;
            temp.path().join("model")
        }
    };
    // Selection scores the AGs the guard below lets out: what the user gets.
    let selection = Selection {
        guard: config.min_distance,
        ..config.selection.clone()
    };
    let job = TrainJob {
        config: &config.train,
        dir: &dir,
        resume: false,
        labels: None,
        heldout_labels: None,
        selection: split.as_ref().map(|s| (s, &selection)),
        reference: reference.as_ref(),
        reference_weight: config.reference_weight,
        weight_folds: config.weight_folds,
        private_allele_min_count: config.private_allele_min_count,
    };
    let summary = train(fit, &job, progress, stop)?;
    if summary.stopped {
        return Ok(SynthOutcome::Stopped(Stage::Training));
    }
    let privacy_risk =
        crate::check_privacy(summary.selection.as_ref(), config.accept_privacy_risk)?;
    let checkpoint = load_for_generation(&dir, false, progress)?;
    let generate_config = GenerateConfig {
        n_haplotypes: config.n_haplotypes.unwrap_or(matrix.n_haplotypes()),
        labels: None,
        seed,
        device: config.train.device,
        gibbs_steps: config.gibbs_steps,
        ploidy: config.ploidy,
        sample_prefix: crate::DEFAULT_SAMPLE_PREFIX.to_string(),
    };
    let guard = (config.min_distance != MinDistance::Sites(0)).then_some(Guard {
        train: fit,
        min_distance: config.min_distance,
    });
    let written = generate(&checkpoint, &generate_config, guard, progress).and_then(|ags| {
        write_ags(
            &config.output,
            &ags,
            &checkpoint,
            seed,
            None,
            config.write.clone(),
            progress,
        )
        .map(|()| ags)
    });
    let ags = match written {
        Err(e) if e.is_interrupted() => return Ok(SynthOutcome::Stopped(Stage::Writing)),
        other => other?,
    };
    progress.event(fidelity(fit, &ags.matrix));
    // The full evaluation costs little next to training (0.1 s on the 805-SNP example, 0.3 s
    // on 4,594 sites), and its AATS halves are what tell noisy AGs or near copies apart (AF and
    // LD alone cannot), so it runs with or without a report directory, which only adds the
    // files. The validation people, never trained on, are its holdout: privacy loss and
    // membership inference come with it.
    let input = EvalInput {
        train: fit,
        synthetic: &ags.matrix,
        holdout: split.as_ref().map(|s| &s.validation),
        panel: None,
        synthetic_panel: None,
        genetic_map: None,
        settings: genosynth_eval::Settings {
            model_boundaries: crate::checkpoint_boundaries(&checkpoint),
            ..settings(seed)
        },
        stop: Some(stop),
    };
    let likelihood_attack = match &split {
        Some(s) => likelihood_attack(&checkpoint, fit, &s.validation, seed)?,
        None => None,
    };
    let annotations = Annotations {
        selection: trajectory(&checkpoint),
        guard: ags.guard.as_ref().map(guard_info),
        differential_privacy: None,
        likelihood_attack,
        privacy_risk,
        private_alleles: crate::masked_alleles(&checkpoint),
    };
    let report = match evaluate(&input, annotations, progress) {
        Err(e) if e.is_interrupted() => return Ok(SynthOutcome::Stopped(Stage::Evaluating)),
        other => other?,
    };
    if let Some(dir) = &config.report_dir {
        write_report(dir, &report)?;
    }
    Ok(SynthOutcome::Done(Box::new(Synthesized { ags, report })))
}

/// Allele-frequency and LD r² correlations of the AGs against the training haplotypes, LD as
/// the verdict and selection judge it (median window along the chromosome).
fn fidelity(train: &HaplotypeMatrix, ags: &HaplotypeMatrix) -> Event<'static> {
    let windows = settings(0).ld_windows;
    let ld = genosynth_eval::ld_windows(train, ags, None, LD_WINDOW, windows, &[]);
    Event::Fidelity {
        af: genosynth_eval::allele_frequency_correlation(train, ags),
        ld: ld.synthetic.median,
        sites: ld.window_sites,
        windows: ld.windows.len(),
    }
}
