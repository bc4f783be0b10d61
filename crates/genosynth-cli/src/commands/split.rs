//! `genosynth split`: train and holdout sets by individual.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_core::split_by_individual;

use crate::Context;
use crate::commands::convert::interrupted;
use crate::commands::io_args::{InputArgs, output_format, write_options};

/// Split samples into train and holdout sets by individual (both haplotypes of a person on
/// the same side), seeded and optionally stratified by population.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input VCF, VCF.gz, BCF or .hapt.
    input: PathBuf,
    /// Fraction of individuals for training, strictly between 0 and 1.
    #[arg(long, default_value_t = 0.8, value_name = "F")]
    train_fraction: f64,
    /// Random seed: the same seed gives the same split.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Training set output.
    #[arg(short = 'o', long = "output", value_name = "TRAIN")]
    output: PathBuf,
    /// Holdout set output.
    #[arg(long = "holdout-out", value_name = "HOLDOUT")]
    holdout_out: PathBuf,
    /// Population panel (1000 Genomes layout: sample pop super_pop gender): split each
    /// population separately.
    #[arg(long, value_name = "P")]
    panel: Option<PathBuf>,
    /// Output type: v, z, b, u or h (default: from the extensions).
    #[arg(short = 'O', long = "output-type", value_name = "TYPE")]
    output_type: Option<String>,
    /// Also write indexes (.tbi for VCF.gz, .csi for BCF).
    #[arg(long)]
    write_index: bool,
    #[command(flatten)]
    input_args: InputArgs,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.output != args.holdout_out,
        "-o and --holdout-out name the same file"
    );
    let format = output_format(args.output_type.as_deref())?;
    let panel = args
        .panel
        .as_deref()
        .map(genosynth_vcf::read_panel)
        .transpose()
        .context("--panel")?;
    let options = args.input_args.read_options(ctx.stop.clone())?;
    let haplotypes = match genosynth_vcf::read(&args.input, &options) {
        Err(e) if e.is_interrupted() => return Ok(interrupted(ctx)),
        other => other?,
    };
    ctx.printer.info(format!(
        "read {}: {}",
        args.input.display(),
        haplotypes.report.summary()
    ));
    if let Some(panel) = &panel {
        let unknown = haplotypes
            .matrix
            .samples()
            .iter()
            .filter(|s| panel.get(&s.name).is_none())
            .count();
        if unknown > 0 {
            ctx.printer.warn(format!(
                "{unknown} samples are not in the panel; they are split as one extra stratum"
            ));
        }
    }
    let split = split_by_individual(
        &haplotypes.matrix,
        args.train_fraction,
        args.seed,
        panel.as_ref(),
    )?;
    let write = write_options(ctx, format, args.write_index, haplotypes.report.contigs);
    let mut write = write;
    write
        .metadata
        .push(("genosynthSplitSeed".into(), args.seed.to_string()));
    for (path, matrix, side) in [
        (&args.output, &split.train, "train"),
        (&args.holdout_out, &split.holdout, "holdout"),
    ] {
        write.metadata.retain(|(k, _)| k != "genosynthSplitSide");
        write
            .metadata
            .push(("genosynthSplitSide".into(), side.into()));
        if let Err(e) = genosynth_vcf::write(path, matrix, &write) {
            // Both files or neither: remove the train set if the holdout failed.
            if side == "holdout" {
                remove_written(&args.output);
            }
            if e.is_interrupted() {
                return Ok(interrupted(ctx));
            }
            return Err(e.into());
        }
        ctx.printer.info(format!(
            "{side}: {} samples ({} haplotypes) -> {}",
            matrix.samples().len(),
            matrix.n_haplotypes(),
            path.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes a file this command wrote, with its index and `.hapt` sites companion.
fn remove_written(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    for ext in ["tbi", "csi"] {
        let mut index = path.as_os_str().to_owned();
        index.push(format!(".{ext}"));
        let _ = std::fs::remove_file(index);
    }
    let name = path.to_string_lossy();
    if name.ends_with(".hapt") || name.ends_with(".hapt.gz") {
        let _ = std::fs::remove_file(genosynth_vcf::companion_sites_path(path));
    }
}
