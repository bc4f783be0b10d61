//! `genosynth split`: train and holdout sets by individual.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_core::split_indices;

use crate::Context;
use crate::commands::convert::interrupted;
use crate::commands::io_args::{InputArgs, output_format, write_options};

/// Split samples into train and holdout sets by individual (both haplotypes of a person on
/// the same side), seeded and optionally stratified by population.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input VCF, VCF.gz, BCF, .hapt, PLINK 2 .pgen or BGEN .bgen.
    input: PathBuf,
    /// Fraction of individuals for training, strictly between 0 and 1.
    #[arg(long, default_value_t = 0.8, value_name = "F")]
    train_fraction: f64,
    /// Random seed: the same seed gives the same split.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Training set output (with --holdout-out).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "TRAIN",
        requires = "holdout_out"
    )]
    output: Option<PathBuf>,
    /// Holdout set output (with -o).
    #[arg(long = "holdout-out", value_name = "HOLDOUT", requires = "output")]
    holdout_out: Option<PathBuf>,
    /// Names of the training samples, one per line (for -S/--samples-file), with
    /// --holdout-list; no genotypes are written unless -o and --holdout-out are given too.
    #[arg(long, value_name = "FILE", requires = "holdout_list")]
    train_list: Option<PathBuf>,
    /// Names of the held-out samples, one per line (with --train-list).
    #[arg(long, value_name = "FILE", requires = "train_list")]
    holdout_list: Option<PathBuf>,
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
    let files = args.output.as_ref().zip(args.holdout_out.as_ref());
    let lists = args.train_list.as_ref().zip(args.holdout_list.as_ref());
    anyhow::ensure!(
        files.is_some() || lists.is_some(),
        "nothing to write: give -o TRAIN with --holdout-out HOLDOUT (genotypes), --train-list \
         with --holdout-list (sample names), or both"
    );
    if let Some((train, holdout)) = files {
        anyhow::ensure!(train != holdout, "-o and --holdout-out name the same file");
    }
    if let Some((train, holdout)) = lists {
        anyhow::ensure!(
            train != holdout,
            "--train-list and --holdout-list name the same file"
        );
    }
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
    let (train, holdout) = split_indices(
        haplotypes.matrix.samples(),
        args.train_fraction,
        args.seed,
        panel.as_ref(),
    )?;
    if let Some((train_list, holdout_list)) = lists {
        let samples = haplotypes.matrix.samples();
        for (path, side, name) in [
            (train_list, &train, "train"),
            (holdout_list, &holdout, "holdout"),
        ] {
            write_sample_list(path, side.iter().map(|&i| samples[i].name.as_str()))?;
            ctx.printer.info(format!(
                "{name}: {} sample names -> {}",
                side.len(),
                path.display()
            ));
        }
    }
    let Some((train_out, holdout_out)) = files else {
        return Ok(ExitCode::SUCCESS);
    };
    // The small side is copied, the large one made in place: memory stays near one matrix.
    let holdout = haplotypes.matrix.select_samples(&holdout)?;
    let train = haplotypes.matrix.into_samples(&train)?;
    let write = write_options(ctx, format, args.write_index, haplotypes.report.contigs);
    let mut write = write;
    write
        .metadata
        .push(("genosynthSplitSeed".into(), args.seed.to_string()));
    for (path, matrix, side) in [
        (train_out, &train, "train"),
        (holdout_out, &holdout, "holdout"),
    ] {
        write.metadata.retain(|(k, _)| k != "genosynthSplitSide");
        write
            .metadata
            .push(("genosynthSplitSide".into(), side.into()));
        if let Err(e) = genosynth_vcf::write(path, matrix, &write) {
            // All outputs or none: remove the train set if the holdout failed, and the lists.
            if side == "holdout" {
                remove_written(train_out);
            }
            for list in lists.iter().flat_map(|(a, b)| [a, b]) {
                let _ = std::fs::remove_file(list);
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

/// Writes sample names, one per line, atomically.
fn write_sample_list<'a>(
    path: &std::path::Path,
    names: impl Iterator<Item = &'a str>,
) -> anyhow::Result<()> {
    let mut text = String::new();
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    Ok(genosynth_vcf::write_atomic(path, text.as_bytes())?)
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
