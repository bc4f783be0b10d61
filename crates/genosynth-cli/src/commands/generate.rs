//! `genosynth generate`: sample artificial haplotypes from a trained model.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample};
use genosynth_models::{Checkpoint, DeviceChoice, GenerateOptions};

use genosynth::{GuardReport, MinDistance};

use crate::Context;
use crate::commands::io_args::{checked_output_format, write_options};
use crate::commands::selection::GuardArgs;

/// Sample artificial genomes (AGs) from a model directory written by `genosynth train`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Model directory written by `genosynth train` or `genosynth synth --model-dir`.
    model_dir: PathBuf,
    /// Number of haplotypes to generate (with --ploidy 2, half as many samples).
    #[arg(
        short = 'n',
        long = "haplotypes",
        value_name = "N",
        required_unless_present = "population"
    )]
    n: Option<usize>,
    /// Haplotypes per population label for a model trained with --panel, e.g.
    /// EUR=500,AFR=500; the AGs' labels go to OUT.panel.
    #[arg(long, value_name = "POP=N,...")]
    population: Option<String>,
    /// Seed of the sampling noise (the same seed gives the same AGs on the CPU).
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// Where to compute: auto (CUDA if built with it and a GPU answers, else CPU), cpu,
    /// cuda, cuda:N.
    #[arg(long, default_value = "auto", value_name = "D")]
    device: String,
    /// Sample the last epoch's weights even when training chose a checkpoint on validation
    /// people (by default the chosen one is sampled).
    #[arg(long)]
    last: bool,
    /// Haplotypes sampled and written at a time: memory is bounded by a chunk, not by -n.
    /// The same seed and chunk size give the same AGs; -n up to one chunk gives what one
    /// draw of -n gives.
    #[arg(long, default_value_t = genosynth::DEFAULT_CHUNK, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    chunk: usize,
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    guard: GuardArgs,
}

/// Output flags shared with `synth`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct OutputArgs {
    /// Output file (`-` = stdout); PLINK 2 output `X.pgen` also writes `X.pvar` and `X.psam`.
    #[arg(short = 'o', long = "output", default_value = "-", value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// Output type: v VCF, z BGZF VCF, b BCF, u uncompressed BCF, h .hapt, p PLINK 2 with phase
    /// (default: from the extension; VCF on stdout).
    #[arg(short = 'O', long = "output-type", value_name = "TYPE")]
    pub(crate) output_type: Option<String>,
    /// Also write an index: .tbi for VCF.gz, .csi for BCF.
    #[arg(long)]
    pub(crate) write_index: bool,
    /// 2 pairs consecutive haplotypes into diploid samples AG_000001...; 1 writes one haploid
    /// sample per haplotype.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2), value_name = "1|2")]
    pub(crate) ploidy: u8,
    /// RBM: Gibbs steps from random states (default: the training --gibbs-steps).
    #[arg(long = "sample-gibbs-steps", value_name = "K")]
    pub(crate) sample_gibbs_steps: Option<usize>,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let checkpoint = load_for_generation(&args.model_dir, args.last, ctx)?;
    let device: DeviceChoice = args.device.parse().context("--device")?;
    let train = match (&args.guard.train, args.guard.min_distance) {
        (Some(path), Some(_)) => Some(read_training_haplotypes(path, &checkpoint, ctx)?),
        _ => None,
    };
    let guard = train
        .as_ref()
        .zip(args.guard.min_distance)
        .map(|(train, min_distance)| Guard {
            train,
            min_distance,
        });
    let (n, labels) = crate::commands::population::generation_plan(
        &checkpoint,
        args.n,
        args.population.as_deref(),
        args.out.ploidy,
    )?;
    let plan = crate::commands::generate_stream::Plan {
        n,
        labels: labels.as_deref(),
        seed: args.seed,
        device,
        chunk: args.chunk,
    };
    if crate::commands::generate_stream::generate_streaming(
        &checkpoint,
        &plan,
        &args.out,
        guard,
        ctx,
    )? {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(crate::commands::convert::interrupted(ctx))
    }
}

/// The checkpoint to sample: the one chosen on validation people unless `last`.
pub(crate) fn load_for_generation(
    dir: &Path,
    last: bool,
    ctx: &Context,
) -> anyhow::Result<Checkpoint> {
    let checkpoint = if last {
        Checkpoint::load(dir)?
    } else {
        Checkpoint::load_selected(dir)?
    };
    if checkpoint.epoch != checkpoint.meta.epochs_done {
        ctx.printer.info(format!(
            "sampling epoch {} of {}, chosen on validation people (--last for epoch {})",
            checkpoint.epoch, checkpoint.meta.epochs_done, checkpoint.meta.epochs_done
        ));
    }
    Ok(checkpoint)
}

/// The haplotypes `checkpoint` was trained on, from the file it was trained from.
fn read_training_haplotypes(
    path: &Path,
    checkpoint: &Checkpoint,
    ctx: &Context,
) -> anyhow::Result<HaplotypeMatrix> {
    // Every allele split out and missing calls filled: whichever read policy training used,
    // its sites are among these (matched by CHROM/POS/REF/ALT) and the hash check below tells.
    let options = genosynth_vcf::ReadOptions {
        multiallelic: genosynth_vcf::MultiallelicPolicy::Split,
        missing: genosynth_vcf::MissingPolicy::Major,
        stop: Some(ctx.stop.clone()),
        ..Default::default()
    };
    let input = genosynth_vcf::read(path, &options)
        .with_context(|| format!("--train {}", path.display()))?
        .matrix;
    genosynth::training_haplotypes(checkpoint, &input)
        .with_context(|| format!("--train {}", path.display()))
}

/// The training haplotypes AGs must keep their distance from.
pub(crate) struct Guard<'a> {
    pub(crate) train: &'a HaplotypeMatrix,
    pub(crate) min_distance: MinDistance,
}

/// AGs written by [`generate_and_write`], and what the guard did.
pub(crate) struct Written {
    pub(crate) matrix: HaplotypeMatrix,
    pub(crate) guard: Option<GuardReport>,
}

/// Samples `n` haplotypes in one draw (kept `guard.min_distance` away from the training
/// haplotypes), writes them, and returns them for `synth` to evaluate (`generate` streams
/// instead: `generate_stream.rs`); `None` when Ctrl-C stopped writing.
#[allow(
    clippy::too_many_arguments,
    reason = "the flags of one command, passed through"
)]
pub(crate) fn generate_and_write(
    checkpoint: &Checkpoint,
    n: usize,
    labels: Option<&[usize]>,
    seed: u64,
    device: DeviceChoice,
    out: &OutputArgs,
    guard: Option<Guard<'_>>,
    ctx: &Context,
) -> anyhow::Result<Option<Written>> {
    let format = checked_output_format(out.output_type.as_deref(), &out.output)?;
    anyhow::ensure!(
        out.ploidy == 1 || n.is_multiple_of(2),
        "-n {n}: an odd number of haplotypes cannot pair into diploid samples (use --ploidy 1)"
    );
    let options = GenerateOptions {
        n_haplotypes: n,
        seed,
        device,
        gibbs_steps: out.sample_gibbs_steps,
    };
    let sampling = || format!("sampling from {}", checkpoint.dir.display());
    let (generated, guard_report) = match guard {
        Some(g) => {
            let (m, report) =
                genosynth::generate_guarded(checkpoint, &options, labels, g.train, g.min_distance)
                    .with_context(sampling)?;
            ctx.printer.info(format!(
                "guard: every AG is at least {} sites from every training haplotype{}; {} redrawn",
                report.threshold,
                if report.auto { " (auto)" } else { "" },
                report.redrawn
            ));
            (m, Some(report))
        }
        None => {
            let g = match labels {
                Some(l) => genosynth_models::generate_labelled(checkpoint, &options, l),
                None => genosynth_models::generate(checkpoint, &options),
            }
            .with_context(sampling)?;
            ctx.printer.debug(format!("generated on {}", g.device));
            (g.matrix, None)
        }
    };
    let matrix = if out.ploidy == 2 {
        generated.with_samples(Sample::numbered("AG_", n / 2, Ploidy::Diploid))?
    } else {
        generated
    };
    let mut write = write_options(ctx, format, out.write_index, contigs_of(matrix.sites()));
    write.metadata = vec![
        (
            "genosynthModel".to_string(),
            model_header(checkpoint, &checkpoint.dir),
        ),
        ("genosynthSeed".to_string(), seed.to_string()),
    ];
    if let Some(g) = &guard_report {
        write
            .metadata
            .push(("genosynthGuard".to_string(), g.header_value()));
    }
    if let Some(p) = &checkpoint.meta.privacy {
        write
            .metadata
            .push(("genosynthDp".to_string(), genosynth::dp_header(p)));
    }
    match genosynth_vcf::write(&out.output, &matrix, &write) {
        Err(e) if e.is_interrupted() => return Ok(None),
        other => other.with_context(|| format!("writing {}", out.output.display()))?,
    }
    if let (Some(labels), Some(path)) = (
        labels,
        crate::commands::population::ag_panel_path(&out.output),
    ) {
        crate::commands::population::write_ag_panel(&path, matrix.samples(), labels, checkpoint)?;
    }
    if out.output.as_os_str() != "-" {
        ctx.printer.info(format!(
            "wrote {} ({} AG samples, {} haplotypes, {} sites)",
            out.output.display(),
            matrix.samples().len(),
            matrix.n_haplotypes(),
            matrix.n_sites()
        ));
    }
    Ok(Some(Written {
        matrix,
        guard: guard_report,
    }))
}

/// `<ID=model,kind=rbm,epochs=800,dir="models/rbm">` for `##genosynthModel=` (`epochs` is the epoch
/// sampled; `trained_epochs` follows when selection chose an earlier one).
pub(crate) fn model_header(checkpoint: &Checkpoint, dir: &Path) -> String {
    let trained = if checkpoint.epoch != checkpoint.meta.epochs_done {
        format!(",trained_epochs={}", checkpoint.meta.epochs_done)
    } else {
        String::new()
    };
    format!(
        "<ID=model,kind={},epochs={}{trained},dir=\"{}\">",
        checkpoint.kind(),
        checkpoint.epoch,
        dir.display()
    )
}

/// Chromosomes in first-seen order, lengths unknown.
pub(crate) fn contigs_of(sites: &genosynth_core::Sites) -> Vec<(String, Option<u64>)> {
    sites
        .chromosomes()
        .into_iter()
        .map(|c| (c.to_string(), None))
        .collect()
}
