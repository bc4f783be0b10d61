//! `genosynth synth`: train a model and write artificial genomes in one go, with the
//! evaluation's summary (fidelity, AATS halves, verdict).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth::{MinDistance, Stage, SynthConfig, SynthOutcome};
use genosynth_models::{DeviceChoice, ModelKind, TrainConfig};

use crate::Context;
use crate::commands::io_args::{InputArgs, OutputArgs, checked_output_format, write_options};
use crate::commands::selection::SelectionArgs;
use crate::commands::summary::{print_summary, report_written};
use crate::commands::train::{HyperArgs, Model};
use crate::reporter::Reporter;

/// Train a model on phased haplotypes and write artificial genomes (AGs), then print how
/// closely they match the training data.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input VCF, VCF.gz, BCF, .hapt, PLINK 2 .pgen or BGEN .bgen with phased haplotypes (`-` = stdin, VCF/BCF only).
    input: PathBuf,
    #[command(flatten)]
    out: OutputArgs,
    /// Number of haplotypes to generate (default: as many as the input has).
    #[arg(short = 'n', long = "haplotypes", value_name = "N")]
    n: Option<usize>,
    /// share: hclt (hidden Chow-Liu tree), 60 EM iterations, checkpoint chosen on the
    /// validation people, emission temperature 0.95 (the 805-SNP example: under a minute on 2
    /// cores); quick: rbm, 80 epochs, initial weights 0.1 (LD r² correlation 0.90 in about 2
    /// minutes, noisy AGs); paper: the paper's settings and length for --model (default gan,
    /// 20000 epochs; rbm 800).
    #[arg(long, value_enum, default_value_t = Preset::Share)]
    preset: Preset,
    /// Model: gan, rbm, wgan, crbm or hclt (default: the preset's).
    #[arg(long, value_enum)]
    model: Option<Model>,
    /// Epochs (default: the preset's).
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,
    /// Seed of training and sampling.
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// Where to compute: auto, cpu, cuda, cuda:N.
    #[arg(long, default_value = "auto", value_name = "D")]
    device: String,
    /// Keep the trained model in this directory (default: a temporary one, removed at the end).
    #[arg(long, value_name = "DIR")]
    model_dir: Option<PathBuf>,
    /// With --model-dir: write a checkpoint every N epochs (0 = only at the end).
    #[arg(long, default_value_t = 100, value_name = "N")]
    save_every: usize,
    /// Also write the evaluation (`genosynth eval`'s statistics and privacy figures against the
    /// training people, with the validation people as holdout; its summary is printed either
    /// way) as report.json and report.html into this directory, with the checkpoint-selection
    /// trajectory.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    #[command(flatten)]
    selection: SelectionArgs,
    /// Other people at the same sites (a VCF of, e.g., the other populations of a panel; none
    /// of the input's people) for a small population to borrow strength from: the hclt
    /// shrinks towards a model of them, which keeps a model of
    /// a few dozen people private (docs/privacy.md); --reference-weight sets how much.
    #[arg(long, value_name = "FILE")]
    reference: Option<PathBuf>,
    /// Redraw every AG nearer than this many sites to a training haplotype; auto: the 1st
    /// percentile of the training haplotypes' distances to their nearest neighbour (at least 1);
    /// 0 turns the guard off. Checkpoint selection scores only the AGs the guard lets out.
    #[arg(long, value_name = "auto|N", help_heading = "Generation guard")]
    min_distance: Option<MinDistance>,
    #[command(flatten, next_help_heading = "Input")]
    input_args: InputArgs,
    // One heading per model, after the shared options.
    #[command(flatten)]
    hyper: HyperArgs,
}

/// `--preset` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Preset {
    Share,
    Quick,
    Paper,
}

impl From<Preset> for genosynth::Preset {
    fn from(p: Preset) -> Self {
        match p {
            Preset::Share => Self::Share,
            Preset::Quick => Self::Quick,
            Preset::Paper => Self::Paper,
        }
    }
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let preset = genosynth::Preset::from(args.preset);
    let kind = args.model.map_or(preset.default_model(), ModelKind::from);
    let device: DeviceChoice = args.device.parse().context("--device")?;
    let mut params = args.hyper.params(kind);
    if args.hyper.init_std().is_none() {
        preset.tune(&mut params);
    }
    params.validate()?;
    let train = TrainConfig {
        model: params,
        epochs: args.epochs.unwrap_or(preset.epochs(kind)),
        seed: args.seed,
        device,
        // Without --model-dir the model is temporary: only its end matters.
        save_every: if args.model_dir.is_some() {
            args.save_every
        } else {
            0
        },
        dp: None,
    };
    let validation_fraction = args
        .selection
        .fraction(genosynth::SYNTH_VALIDATION_FRACTION)?;
    let selection = args
        .selection
        .selection(genosynth::synth_validate_every(train.epochs))?;
    // Fail before minutes of training, not after: the output's format must be known now, and
    // the AGs must pair into samples.
    if let Some(n) = args.n {
        anyhow::ensure!(
            args.out.ploidy == 1 || n.is_multiple_of(2),
            "-n {n}: an odd number of haplotypes cannot pair into diploid samples (use --ploidy 1)"
        );
    }
    let format = checked_output_format(args.out.output_type.as_deref(), &args.out.output)?;
    let private_allele_min_count = args
        .hyper
        .private_allele_min_count(args.reference.is_some())?;
    let config = SynthConfig {
        input: args.input.clone(),
        read: args.input_args.read_options(ctx.stop.clone())?,
        output: args.out.output.clone(),
        write: write_options(ctx, format, args.out.write_index, Vec::new()),
        n_haplotypes: args.n,
        ploidy: args.out.ploidy(),
        gibbs_steps: args.out.sample_gibbs_steps,
        train,
        validation_fraction,
        selection,
        min_distance: args.min_distance.unwrap_or(MinDistance::Auto),
        model_dir: args.model_dir.clone(),
        report_dir: args.report.clone(),
        accept_privacy_risk: args.selection.accept_privacy_risk,
        reference: args.reference.clone(),
        reference_weight: args.hyper.reference_weight(),
        weight_folds: args.hyper.weight_folds,
        private_allele_min_count,
    };
    let outcome = genosynth::synth(&config, &mut Reporter::new(ctx), &ctx.stop)
        .map_err(crate::commands::train::with_flags)?;
    let done = match outcome {
        SynthOutcome::Done(done) => done,
        SynthOutcome::Stopped(Stage::Training) => {
            if args.model_dir.is_none() {
                ctx.printer.warn("interrupted: no AGs written");
            }
            return Ok(ExitCode::from(130));
        }
        SynthOutcome::Stopped(_) => return Ok(crate::commands::convert::interrupted(ctx)),
    };
    if let Some(risk) = &done.report.privacy_risk {
        crate::reporter::warn_privacy_risk(risk, ctx);
    }
    // The AGs may be going to stdout: the summary table then goes to stderr.
    if args.out.output.as_os_str() == "-" {
        print_summary(&done.report, &mut std::io::stderr().lock())?;
    } else {
        print_summary(&done.report, &mut std::io::stdout().lock())?;
    }
    if let Some(dir) = &args.report {
        report_written(dir, ctx);
    }
    Ok(ExitCode::SUCCESS)
}
