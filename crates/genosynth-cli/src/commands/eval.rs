//! `genosynth eval`: fidelity and privacy of artificial genomes against real haplotypes,
//! written as `report.json` and a self-contained `report.html`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth::Annotations;
use genosynth_core::HaplotypeMatrix;
use genosynth_eval::{EvalInput, Settings};
use genosynth_vcf::{Region, read_panel};

use crate::Context;
use crate::commands::convert::interrupted;
use crate::commands::io_args::{InputArgs, PolicyArgs, SelectArgs};
use crate::commands::summary::{print_summary, report_written};
use crate::reporter::Reporter;

/// Evaluate artificial genomes against real haplotypes: allele frequencies, LD, distances,
/// PCA, 3-point correlations, haplotype frequencies, Fst, LD along the chromosome and privacy
/// (AATS, DCR, copies, membership inference, shared segments, KING kinship), the classifier
/// two-sample test, 95% intervals over people and a pass/warn/fail verdict.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Real haplotypes the generator was trained on (VCF, VCF.gz, BCF, .hapt, .pgen or .bgen).
    #[arg(long, value_name = "TRAIN")]
    train: PathBuf,
    /// Artificial genomes to evaluate.
    #[arg(long, value_name = "AGS")]
    synthetic: PathBuf,
    /// Real haplotypes the generator never saw: every figure gets its "perfect generator"
    /// reference and privacy gets membership inference and privacy loss.
    #[arg(long, value_name = "HOLDOUT")]
    holdout: Option<PathBuf>,
    /// Population panel (1000 Genomes layout: sample pop super_pop gender): PCA colours and
    /// per-population Fst.
    #[arg(long, value_name = "P")]
    panel: Option<PathBuf>,
    /// Population labels of the AGs (the AGS.panel that `generate --population` writes; read
    /// from beside AGS when present): with --panel, each population's AGs are compared with
    /// that population's real haplotypes, fidelity and privacy.
    #[arg(long, value_name = "P", requires = "panel")]
    synthetic_panel: Option<PathBuf>,
    /// The model directory the AGs came from: a run that chose its checkpoint on validation
    /// people adds its selection trajectory to the report; with --holdout, models with a
    /// likelihood (hclt, rbm) add the likelihood attack: the people of TRAIN the model was
    /// trained on (its validation people left out) against the held-out people.
    /// The likelihood attack scores the checkpoint `generate` samples by default: the one chosen
    /// on validation people, else the last weights (see --last).
    #[arg(long, value_name = "MODEL_DIR")]
    model: Option<PathBuf>,
    /// Attack the last epoch's weights of --model even when training chose a checkpoint on
    /// validation people (for AGs made with `generate --last`).
    #[arg(long, requires = "model")]
    last: bool,
    /// The file the model given with --model was trained from, when TRAIN holds only some of
    /// its people (one population of a model trained with --panel, as the workflow's
    /// `conditioning: labels` judges each label): the likelihood attack's members are TRAIN's
    /// people among those the model was trained on, recovered from this file.
    #[arg(long, value_name = "MODEL_TRAIN", requires = "model")]
    model_train: Option<PathBuf>,
    /// Score the likelihood attack within this population of a model trained with --panel
    /// (an HCLT mixture: that label's component alone, which its AGs are drawn from), as an
    /// attacker who knows the target's population would.
    #[arg(long, value_name = "LABEL", requires = "model")]
    model_population: Option<String>,
    /// The window plan the AGs' model was trained in (`genosynth plan`'s JSON): one more LD
    /// window is centred on each join of its windows or segments, as for a stitched CRBM
    /// given with --model.
    #[arg(long, value_name = "PLAN_JSON")]
    plan: Option<PathBuf>,
    /// A genetic map of the evaluated chromosomes (PLINK `.map`: CHROM ID cM POS, or HapMap
    /// with a header: CHROM POS RATE cM; plain or gzipped): shared segments are measured in cM
    /// too.
    #[arg(long, value_name = "MAP")]
    genetic_map: Option<PathBuf>,
    /// Report directory (created if needed): report.json and report.html.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "REPORT_DIR",
        default_value = "genosynth-report"
    )]
    output: PathBuf,
    /// Seed of every random choice (subsamples, triplets): the same seed gives the same report.
    #[arg(long, value_name = "S", default_value_t = 42)]
    seed: u64,
    /// Subsample each input (whole samples, seeded) to at most N haplotypes.
    #[arg(long, value_name = "N")]
    max_haplotypes: Option<usize>,
    /// Sites in the r² window, in each LD window along the chromosome, and largest site
    /// distance of LD decay.
    #[arg(long, value_name = "N", default_value_t = 100)]
    ld_window: usize,
    /// LD windows spread evenly along each chromosome (the verdict judges their median r and
    /// warns on the worst).
    #[arg(long, value_name = "N", default_value_t = 20)]
    ld_windows: usize,
    /// AATS repeats when real and synthetic sets differ in size (each subsamples the larger).
    #[arg(long, value_name = "R", default_value_t = 10)]
    aats_repeats: usize,
    /// Regions to evaluate, comma-separated (chr1, chr1:100-200), in every input.
    #[arg(
        short = 'r',
        long = "regions",
        value_delimiter = ',',
        value_name = "REGION"
    )]
    regions: Vec<Region>,
    #[command(flatten)]
    policy: PolicyArgs,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let input_args = InputArgs {
        select: SelectArgs {
            regions: args.regions.clone(),
            regions_file: None,
            samples: None,
            samples_file: None,
            sites: None,
            // Each file's format comes from its own name and content.
            input_format: None,
        },
        policy: args.policy.clone(),
    };
    let options = input_args.read_options(ctx.stop.clone())?;
    // The inputs are independent: read them side by side, report in a fixed order.
    let read = |path: &Path| genosynth_vcf::read(path, &options);
    let (train, synthetic, holdout) = std::thread::scope(|scope| {
        let synthetic = scope.spawn(|| read(&args.synthetic));
        let holdout = args
            .holdout
            .as_deref()
            .map(|path| scope.spawn(move || read(path)));
        let train = read(&args.train);
        let join = |h: std::thread::ScopedJoinHandle<'_, _>| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        (train, join(synthetic), holdout.map(join))
    });
    // The AGs' header metadata: the guard and DP record that generated them.
    let mut header = Vec::new();
    let mut accept = |result: Result<genosynth_vcf::Haplotypes, genosynth_vcf::Error>,
                      path: &Path,
                      role: &str|
     -> anyhow::Result<Option<HaplotypeMatrix>> {
        match result {
            Err(e) if e.is_interrupted() => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {role}")),
            Ok(h) => {
                ctx.printer
                    .info(format!("{role} {}: {}", path.display(), h.report.summary()));
                if role == "synthetic" {
                    header = h.report.metadata;
                }
                Ok(Some(h.matrix))
            }
        }
    };
    let Some(train) = accept(train, &args.train, "train")? else {
        return Ok(interrupted(ctx));
    };
    let Some(synthetic) = accept(synthetic, &args.synthetic, "synthetic")? else {
        return Ok(interrupted(ctx));
    };
    let holdout = match (holdout, &args.holdout) {
        (Some(result), Some(path)) => match accept(result, path, "holdout")? {
            Some(m) => Some(m),
            None => return Ok(interrupted(ctx)),
        },
        _ => None,
    };
    let panel = args
        .panel
        .as_deref()
        .map(read_panel)
        .transpose()
        .context("--panel")?;
    // `generate --population` writes the AGs' labels beside them; with a real panel they are
    // picked up, so per-population figures need no extra flag.
    let beside = genosynth_vcf::companion_panel_path(&args.synthetic)
        .filter(|p| panel.is_some() && p.is_file());
    let synthetic_panel = match (&args.synthetic_panel, beside) {
        (Some(path), _) => Some(read_panel(path).context("--synthetic-panel")?),
        (None, Some(path)) => {
            ctx.printer
                .info(format!("AG population labels: {}", path.display()));
            Some(read_panel(&path)?)
        }
        (None, None) => None,
    };
    // The weights the AGs came from: `generate` samples the selected checkpoint unless --last.
    let checkpoint = match args.model.as_deref() {
        Some(dir) if args.last => Some(genosynth_models::Checkpoint::load(dir)?),
        Some(dir) => Some(genosynth_models::Checkpoint::load_selected(dir)?),
        None => None,
    };
    let model_boundaries = match &args.plan {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading --plan {}", path.display()))?;
            genosynth::plan_boundaries(&text, &path.display().to_string())?
        }
        None => checkpoint
            .as_ref()
            .map(genosynth::checkpoint_boundaries)
            .unwrap_or_default(),
    };
    let genetic_map = args
        .genetic_map
        .as_deref()
        .map(genosynth_vcf::read_genetic_map)
        .transpose()?;
    let input = EvalInput {
        train: &train,
        synthetic: &synthetic,
        holdout: holdout.as_ref(),
        panel: panel.as_ref(),
        synthetic_panel: synthetic_panel.as_ref(),
        genetic_map: genetic_map.as_ref(),
        settings: Settings {
            seed: args.seed,
            max_haplotypes: args.max_haplotypes,
            aats_repeats: args.aats_repeats,
            ld_window: args.ld_window,
            ld_windows: args.ld_windows,
            model_boundaries,
            ..Settings::default()
        },
        stop: Some(&ctx.stop),
    };
    let likelihood_attack = match (&checkpoint, &holdout) {
        (Some(ck), Some(holdout)) => {
            let chosen = ck.meta.selection.as_ref().and_then(|s| s.best_epoch) == Some(ck.epoch);
            let which = match (chosen, ck.epoch == ck.meta.epochs_done) {
                (true, false) => "the checkpoint chosen on validation people",
                (true, true) => "the checkpoint chosen on validation people, its last weights",
                (false, _) => "its last weights",
            };
            ctx.printer.info(format!(
                "likelihood attack on {}: epoch {} of {}, {which}",
                ck.dir.display(),
                ck.epoch,
                ck.meta.epochs_done
            ));
            model_attack(&args, ck, &train, holdout, &options, ctx)?
        }
        (Some(_), None) if args.model_train.is_some() || args.model_population.is_some() => {
            anyhow::bail!(
                "--model-train and --model-population shape the likelihood attack, which needs \
                 --holdout (the people the model never saw)"
            )
        }
        _ => None,
    };
    let provenance = genosynth::provenance(checkpoint.as_ref(), &header);
    let annotations = Annotations {
        selection: provenance.selection,
        guard: provenance.guard,
        differential_privacy: provenance.differential_privacy,
        likelihood_attack,
        privacy_risk: provenance.privacy_risk,
        private_alleles: provenance.private_alleles,
    };
    let report = match genosynth::evaluate(&input, annotations, &mut Reporter::new(ctx)) {
        Err(e) if e.is_interrupted() => return Ok(interrupted(ctx)),
        other => other?,
    };
    genosynth::write_report(&args.output, &report)?;
    print_summary(&report, &mut std::io::stdout().lock())?;
    report_written(&args.output, ctx);
    Ok(ExitCode::SUCCESS)
}

/// The likelihood attack of `--model` on TRAIN's people against the held-out people. Asked for
/// explicitly (`--model-train`, `--model-population`), a failure is an error; otherwise the
/// report leaves the attack out with a warning.
fn model_attack(
    args: &Args,
    checkpoint: &genosynth_models::Checkpoint,
    train: &HaplotypeMatrix,
    holdout: &HaplotypeMatrix,
    options: &genosynth_vcf::ReadOptions,
    ctx: &Context,
) -> anyhow::Result<Option<genosynth_eval::ScoreAttack>> {
    if args.model_train.is_none() && args.model_population.is_none() {
        return Ok(
            match genosynth::trained_model_attack(checkpoint, train, holdout, args.seed) {
                Ok(attack) => attack,
                Err(e) => {
                    ctx.printer.warn(format!("likelihood attack left out: {e}"));
                    None
                }
            },
        );
    }
    let model_train = match &args.model_train {
        Some(path) => {
            let h = genosynth_vcf::read(path, options)
                .with_context(|| format!("reading --model-train {}", path.display()))?;
            ctx.printer.info(format!(
                "model-train {}: {}",
                path.display(),
                h.report.summary()
            ));
            h.matrix
        }
        None => train.clone(),
    };
    let attack = genosynth::population_model_attack(
        checkpoint,
        &model_train,
        train,
        holdout,
        args.model_population.as_deref(),
        args.seed,
    )
    .context("--model")?;
    if attack.is_none() {
        ctx.printer.warn(format!(
            "the model in {} has no likelihood: no likelihood attack",
            checkpoint.dir.display()
        ));
    }
    Ok(attack)
}
