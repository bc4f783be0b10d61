//! `genosynth eval`: fidelity and privacy of artificial genomes against real haplotypes,
//! written as `report.json` and a self-contained `report.html`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_core::{HaplotypeMatrix, Panel};
use genosynth_eval::{EvalInput, Report, Settings, Status, evaluate_with_progress, render_html};

use crate::Context;
use crate::commands::convert::interrupted;
use crate::commands::io_args::{InputArgs, PolicyArgs, SelectArgs};

/// Evaluate artificial genomes against real haplotypes: allele frequencies, LD, distances,
/// PCA, 3-point correlations, haplotype frequencies, Fst and privacy (AATS, DCR, copies,
/// membership inference), with a pass/warn/fail verdict.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Real haplotypes the generator was trained on (VCF, VCF.gz, BCF or .hapt).
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
    /// people adds its selection trajectory to the report.
    #[arg(long, value_name = "MODEL_DIR")]
    model: Option<PathBuf>,
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
    /// Sites in the r² window and largest site distance of LD decay.
    #[arg(long, value_name = "N", default_value_t = 100)]
    ld_window: usize,
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
    regions: Vec<String>,
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
    let panel = args.panel.as_deref().map(read_panel).transpose()?;
    // `generate --population` writes the AGs' labels beside them; with a real panel they are
    // picked up, so per-population figures need no extra flag.
    let beside = crate::commands::population::ag_panel_path(&args.synthetic)
        .filter(|p| panel.is_some() && p.is_file());
    let synthetic_panel = match (&args.synthetic_panel, beside) {
        (Some(path), _) => Some(read_panel(path)?),
        (None, Some(path)) => {
            ctx.printer
                .info(format!("AG population labels: {}", path.display()));
            Some(read_panel(&path)?)
        }
        (None, None) => None,
    };
    let input = EvalInput {
        train: &train,
        synthetic: &synthetic,
        holdout: holdout.as_ref(),
        panel: panel.as_ref(),
        synthetic_panel: synthetic_panel.as_ref(),
        settings: Settings {
            seed: args.seed,
            max_haplotypes: args.max_haplotypes,
            aats_repeats: args.aats_repeats,
            ld_window: args.ld_window,
            ..Settings::default()
        },
        stop: Some(&ctx.stop),
    };
    let checkpoint = args
        .model
        .as_deref()
        .map(genosynth_models::Checkpoint::load)
        .transpose()?;
    let likelihood_attack = match (&checkpoint, &holdout) {
        (Some(ck), Some(holdout)) => match genosynth::likelihood_attack(ck, &train, holdout) {
            Ok(attack) => attack,
            Err(e) => {
                ctx.printer.warn(format!("likelihood attack left out: {e}"));
                None
            }
        },
        _ => None,
    };
    let provenance = genosynth::provenance(checkpoint.as_ref(), &header);
    let annotations = Annotations {
        selection: provenance.selection,
        guard: provenance.guard,
        differential_privacy: provenance.differential_privacy,
        likelihood_attack,
    };
    match evaluate_and_write(
        &input,
        annotations,
        Some(&args.output),
        &mut std::io::stdout().lock(),
        ctx,
    )? {
        Some(_) => Ok(ExitCode::SUCCESS),
        None => Ok(interrupted(ctx)),
    }
}

/// What the report learns besides the haplotypes: how the checkpoint was chosen and what the
/// generation guard did.
#[derive(Debug, Default)]
pub(crate) struct Annotations {
    pub(crate) selection: Option<genosynth_eval::Trajectory>,
    pub(crate) guard: Option<genosynth_eval::GuardInfo>,
    pub(crate) differential_privacy: Option<genosynth_eval::DpGuarantee>,
    pub(crate) likelihood_attack: Option<genosynth_eval::ScoreAttack>,
}

/// Evaluates with progress on stderr, writes `report.json` and `report.html` into `output`
/// atomically (when given) and prints the summary table to `summary`. `None` when Ctrl-C
/// stopped it (nothing is written then). Shared by `eval` and `synth`.
pub(crate) fn evaluate_and_write(
    input: &EvalInput<'_>,
    annotations: Annotations,
    output: Option<&Path>,
    summary: &mut dyn Write,
    ctx: &Context,
) -> anyhow::Result<Option<Report>> {
    let steps = 9 + u64::from(input.panel.is_some() && input.synthetic_panel.is_some());
    let mut progress = ctx.printer.progress(Some(steps), "eval", "steps");
    let mut step = 0;
    let started = std::time::Instant::now();
    let result = evaluate_with_progress(input, &mut |name| {
        ctx.printer
            .debug(format!("{:.2}s: {name}", started.elapsed().as_secs_f64()));
        progress.update(step, name);
        step += 1;
    });
    progress.update(step, "done");
    progress.finish();
    let mut report = match result {
        Err(genosynth_eval::Error::Interrupted) => return Ok(None),
        other => other?,
    };
    report.selection = annotations.selection;
    report.guard = annotations.guard;
    report.differential_privacy = annotations.differential_privacy;
    report.privacy.likelihood_attack = annotations.likelihood_attack;
    if ctx.stop.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(None);
    }
    let Some(output) = output else {
        print_summary(&report, summary)?;
        return Ok(Some(report));
    };
    std::fs::create_dir_all(output)
        .with_context(|| format!("cannot create report directory {}", output.display()))?;
    // Serialising and drawing the plots are independent; do them side by side.
    let (json, html) = rayon::join(
        || serde_json::to_string_pretty(&report),
        || render_html(&report),
    );
    let json = json.context("cannot serialise the report")?;
    write_atomic(&output.join("report.json"), json.as_bytes())?;
    write_atomic(&output.join("report.html"), html.as_bytes())?;
    print_summary(&report, summary)?;
    ctx.printer.info(format!(
        "wrote {} and {}",
        output.join("report.json").display(),
        output.join("report.html").display()
    ));
    Ok(Some(report))
}

fn read_panel(path: &Path) -> anyhow::Result<Panel> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read panel {}", path.display()))?;
    Panel::parse(&text).with_context(|| format!("panel {}", path.display()))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place, so a reader
/// never sees a half-written report.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn print_summary(r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let fmt = |x: f64| {
        if x.is_finite() {
            format!("{x:.4}")
        } else {
            "n/a".into()
        }
    };
    let word = |s: Status| match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    };
    writeln!(
        out,
        "train {} haplotypes, synthetic {}, holdout {}, {} common sites",
        r.inputs.train_haplotypes,
        r.inputs.synthetic_haplotypes,
        r.inputs
            .holdout_haplotypes
            .map_or("none".to_string(), |n| n.to_string()),
        r.inputs.sites.common
    )?;
    writeln!(
        out,
        "{:<32} {:>10} {:>10}  status",
        "check", "AGs", "holdout"
    )?;
    for c in &r.verdict.checks {
        writeln!(
            out,
            "{:<32} {:>10} {:>10}  {}",
            c.name,
            fmt(c.value),
            c.reference.map_or("-".to_string(), fmt),
            word(c.status)
        )?;
    }
    if let Some(t) = &r.selection
        && let Some(p) = t.points.iter().find(|p| Some(p.epoch) == t.selected_epoch)
    {
        writeln!(
            out,
            "checkpoint: epoch {} chosen among {} validated on held-out people (validation: AA {:.3}/{:.3}, privacy loss {:.3}, membership AUC {:.3}, LD {:.3})",
            p.epoch,
            t.points.len(),
            p.aa_truth,
            p.aa_syn,
            p.privacy_loss,
            p.membership_auc,
            p.ld_r2
        )?;
    }
    if let Some(d) = &r.differential_privacy {
        writeln!(
            out,
            "differential privacy: {} per {}, ε = {:.3} at δ = {:e}",
            d.mechanism, d.unit, d.epsilon, d.delta
        )?;
    }
    if let Some(l) = &r.privacy.likelihood_attack {
        writeln!(
            out,
            "likelihood attack ({}): AUC {:.3}, TPR {:.3} at 1% FPR, {:.3} at 0.1% FPR",
            l.score, l.auc, l.tpr_at_1pct_fpr, l.tpr_at_0_1pct_fpr
        )?;
    }
    if let Some(g) = &r.guard {
        writeln!(
            out,
            "guard: every AG at least {} sites from every training haplotype{}; {} redrawn",
            g.min_distance,
            if g.auto { " (auto)" } else { "" },
            g.redrawn
        )?;
    }
    let a = &r.privacy.aats_train;
    let m = &a.nearest_median;
    writeln!(
        out,
        "AATS halves: {}\n  median nearest-neighbour distance (sites): real-real {:.1}, real-AG {:.1}, AG-real {:.1}, AG-AG {:.1}",
        genosynth_eval::privacy::aats_reading(a.aa_truth.mean, a.aa_syn.mean),
        m.real_to_real,
        m.real_to_synthetic,
        m.synthetic_to_real,
        m.synthetic_to_synthetic,
    )?;
    if !r.populations.is_empty() {
        writeln!(
            out,
            "{:<12} {:>7} {:>7} {:>8} {:>10} {:>10} {:>8} {:>12}",
            "population", "train", "AGs", "AF r", "Fst own", "Fst other", "AATS", "privacy loss"
        )?;
        for p in &r.populations {
            writeln!(
                out,
                "{:<12} {:>7} {:>7} {:>8} {:>10} {:>10} {:>8} {:>12}",
                p.population,
                p.train_haplotypes,
                p.synthetic_haplotypes,
                fmt(p.af_r),
                fmt(p.fst),
                p.fst_other_populations.map_or("-".to_string(), fmt),
                fmt(p.aats),
                p.privacy_loss.map_or("-".to_string(), fmt),
            )?;
        }
    }
    writeln!(out, "verdict: {}", word(r.verdict.overall))?;
    Ok(())
}
