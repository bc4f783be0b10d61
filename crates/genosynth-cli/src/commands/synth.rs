//! `genosynth synth`: train a model and write artificial genomes in one go, with the
//! evaluation's summary (fidelity, AATS halves, verdict).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_models::{DeviceChoice, ModelKind, ModelParams, TrainOptions};

use genosynth::MinDistance;

use crate::Context;
use crate::commands::eval::{Annotations, evaluate_and_write};
use crate::commands::generate::{Guard, OutputArgs, generate_and_write, load_for_generation};
use crate::commands::io_args::InputArgs;
use crate::commands::selection::SelectionArgs;
use crate::commands::train::{
    HyperArgs, Model, RunArgs, hold_out, read_input, run_training, train_config,
};

/// Share of people `synth` holds out to choose the checkpoint on and judge privacy by.
const DEFAULT_VALIDATION_FRACTION: f64 = 0.2;
/// Validations in a run unless --validate-every says otherwise.
const VALIDATIONS_PER_RUN: usize = 16;

/// Train a model on phased haplotypes and write artificial genomes (AGs), then print how
/// closely they match the training data.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input VCF, VCF.gz, BCF or .hapt with phased haplotypes (`-` = stdin).
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
    /// Redraw every AG nearer than this many sites to a training haplotype; auto: the 1st
    /// percentile of the training haplotypes' distances to their nearest neighbour (at least 1);
    /// 0 turns the guard off.
    #[arg(long, value_name = "auto|N", help_heading = "Generation guard")]
    min_distance: Option<MinDistance>,
    #[command(flatten)]
    hyper: HyperArgs,
    #[command(flatten)]
    input_args: InputArgs,
}

/// `--preset` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Preset {
    Share,
    Quick,
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
const QUICK_MODEL: Model = Model::Rbm;
/// EM iterations of the share preset's HCLT: with 8 states its held-out likelihood still
/// rises slowly at 40 on the 805-SNP set (−390.5 then −389.9 at 80) while privacy loss stays
/// flat; selection picks among them.
const SHARE_EPOCHS: usize = 60;
const QUICK_EPOCHS: usize = 80;
/// Initial weight scale of the quick preset's RBM (the paper's is 1e-4), unless `--init-std`
/// is given.
const QUICK_RBM_INIT_STD: f32 = 0.1;

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let (model, default_epochs) = match args.preset {
        Preset::Share => (args.model.unwrap_or(Model::Hclt), Some(SHARE_EPOCHS)),
        Preset::Quick => (args.model.unwrap_or(QUICK_MODEL), Some(QUICK_EPOCHS)),
        Preset::Paper => (args.model.unwrap_or(Model::Gan), None),
    };
    let run = RunArgs {
        model,
        epochs: args.epochs,
        seed: args.seed,
        device: args.device.clone(),
        save_every: if args.model_dir.is_some() {
            args.save_every
        } else {
            0
        },
    };
    let kind = ModelKind::from(model);
    let mut params = args.hyper.params(kind);
    if let (Preset::Quick, ModelParams::Rbm(rbm), None) =
        (args.preset, &mut params, args.hyper.init_std())
    {
        rbm.init_std = QUICK_RBM_INIT_STD;
    }
    let config = train_config(&run, params, default_epochs)?;
    let fraction = args.selection.fraction(DEFAULT_VALIDATION_FRACTION)?;
    let selection = args
        .selection
        .selection((config.epochs / VALIDATIONS_PER_RUN).max(1))?;
    let min_distance = args.min_distance.unwrap_or(MinDistance::Auto);
    // Fail before minutes of training, not after: the output's format must be known now.
    crate::commands::io_args::checked_output_format(
        args.out.output_type.as_deref(),
        &args.out.output,
    )?;
    let Some(matrix) = read_input(&args.input, &args.input_args, ctx)? else {
        return Ok(crate::commands::convert::interrupted(ctx));
    };
    let n = args.n.unwrap_or(matrix.n_haplotypes());
    let split = fraction
        .map(|f| hold_out(&matrix, f, config.seed, None, ctx))
        .transpose()?;
    let fit = split.as_ref().map_or(&matrix, |s| &s.fit);

    let temp;
    let dir = match &args.model_dir {
        Some(d) => d.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("genosynth-synth-")
                .tempdir()
                .context("cannot create a temporary model directory")?;
            temp.path().join("model")
        }
    };
    let summary = run_training(
        fit,
        &config,
        TrainOptions::new(&dir),
        split.as_ref().map(|s| (s, &selection)),
        ctx,
    )?;
    if summary.stopped {
        if args.model_dir.is_none() {
            ctx.printer.warn("interrupted: no AGs written");
        }
        return Ok(ExitCode::from(130));
    }
    let checkpoint = load_for_generation(&dir, false, ctx)?;
    let device: DeviceChoice = args.device.parse().context("--device")?;
    let guard = Guard {
        train: fit,
        min_distance,
    };
    let Some(written) = generate_and_write(
        &checkpoint,
        n,
        None,
        args.seed,
        device,
        &args.out,
        (min_distance != MinDistance::Sites(0)).then_some(guard),
        ctx,
    )?
    else {
        return Ok(crate::commands::convert::interrupted(ctx));
    };
    let ags = &written.matrix;
    let af = genosynth_eval::allele_frequency_correlation(fit, ags);
    let ld = genosynth_eval::ld_r2_correlation(fit, ags, genosynth::LD_WINDOW);
    ctx.printer.info(format!(
        "fidelity (AGs vs training): allele-frequency r = {af:.4}, LD r² correlation (first {} sites) = {ld:.4}",
        genosynth::LD_WINDOW.min(matrix.n_sites())
    ));
    // The full evaluation costs little next to training (0.1 s on the 805-SNP example, 0.3 s
    // on 4,594 sites), and its AATS halves are what tell noisy AGs or near copies apart (AF and
    // LD alone cannot), so the summary is printed with or without `--report`, which only adds
    // the files. The validation people, never trained on, are its holdout: privacy loss and
    // membership inference come with it.
    let input = genosynth_eval::EvalInput {
        train: fit,
        synthetic: ags,
        holdout: split.as_ref().map(|s| &s.validation),
        panel: None,
        synthetic_panel: None,
        settings: genosynth::settings(args.seed),
        stop: Some(&ctx.stop),
    };
    let likelihood_attack = match &split {
        Some(s) => genosynth::likelihood_attack(&checkpoint, fit, &s.validation)?,
        None => None,
    };
    let annotations = Annotations {
        selection: genosynth::trajectory(&checkpoint),
        guard: written.guard.as_ref().map(genosynth::guard_info),
        differential_privacy: None,
        likelihood_attack,
    };
    // The AGs may be going to stdout: the summary table then goes to stderr.
    let to_stdout = args.out.output.as_os_str() == "-";
    let report = args.report.as_deref();
    let written = if to_stdout {
        evaluate_and_write(
            &input,
            annotations,
            report,
            &mut std::io::stderr().lock(),
            ctx,
        )?
    } else {
        evaluate_and_write(
            &input,
            annotations,
            report,
            &mut std::io::stdout().lock(),
            ctx,
        )?
    };
    if written.is_none() {
        return Ok(crate::commands::convert::interrupted(ctx));
    }
    Ok(ExitCode::SUCCESS)
}
