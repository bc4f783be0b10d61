//! `genosynth generate`: sample artificial haplotypes from a trained model.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_core::HaplotypeMatrix;
use genosynth_models::{Checkpoint, DeviceChoice};

use genosynth::{GenerateConfig, Guard};

use crate::Context;
use crate::commands::io_args::{OutputArgs, checked_output_format, write_options};
use crate::commands::selection::GuardArgs;
use crate::reporter::Reporter;

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
    /// The same seed and chunk size give the same AGs (an HCLT's are the same whatever the
    /// chunk); -n up to one chunk gives what one draw of -n gives.
    #[arg(long, default_value_t = genosynth::DEFAULT_CHUNK, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    chunk: usize,
    /// Sample names: this prefix and a 6-digit number. Distinct prefixes let AGs drawn from
    /// several models (e.g. one per population) be merged into one file.
    #[arg(long, default_value = genosynth::DEFAULT_SAMPLE_PREFIX, value_name = "P")]
    sample_prefix: String,
    /// Sample a model although none of its validated checkpoints met the privacy bounds
    /// (without it such a model is refused, exit code 3); the missed bounds are recorded in
    /// the AGs' `##genosynthPrivacyRisk` header.
    #[arg(long)]
    accept_privacy_risk: bool,
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    guard: GuardArgs,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let mut reporter = Reporter::new(ctx);
    let checkpoint = genosynth::load_for_generation(&args.model_dir, args.last, &mut reporter)?;
    if let Some(risk) =
        genosynth::check_privacy(checkpoint.meta.selection.as_ref(), args.accept_privacy_risk)?
    {
        crate::reporter::warn_privacy_risk(&risk, ctx);
    }
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
    let out = &args.out;
    let format = checked_output_format(out.output_type.as_deref(), &out.output)?;
    anyhow::ensure!(
        out.ploidy == 1 || n.is_multiple_of(2),
        "-n {n}: an odd number of haplotypes cannot pair into diploid samples (use --ploidy 1)"
    );
    let config = GenerateConfig {
        n_haplotypes: n,
        labels,
        seed: args.seed,
        device,
        gibbs_steps: out.sample_gibbs_steps,
        ploidy: out.ploidy(),
        sample_prefix: args.sample_prefix,
    };
    let write = write_options(ctx, format, out.write_index, Vec::new());
    let written = genosynth::generate_to_file(
        &out.output,
        &checkpoint,
        &config,
        args.chunk,
        guard,
        write,
        &mut reporter,
        &ctx.stop,
    )
    .with_context(|| {
        format!(
            "sampling from {} into {}",
            checkpoint.dir.display(),
            out.output.display()
        )
    })?;
    Ok(match written {
        Some(_) => ExitCode::SUCCESS,
        None => crate::commands::convert::interrupted(ctx),
    })
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
