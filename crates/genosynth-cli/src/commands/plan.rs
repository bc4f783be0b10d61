//! `genosynth plan`: the training windows of one chromosome as JSON, for a workflow that
//! trains each window as its own job (`train --window-sites W --window-index K`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use genosynth_core::HaplotypeMatrix;
use genosynth_models::ModelKind;
use genosynth_vcf::ErrorKind;

use crate::Context;
use crate::commands::io_args::InputArgs;
use crate::commands::train::Model;

/// Plan the training windows of one chromosome: the CRBM's half-overlapping chain windows,
/// or consecutive segments (one model each) for the other models.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input VCF, VCF.gz, BCF, .hapt, .pgen or .bgen with one chromosome (or choose one with -r).
    input: PathBuf,
    /// Sites per window (at least 2, at most the chromosome's sites).
    #[arg(long, value_name = "W")]
    window_sites: usize,
    /// The model the windows are for: crbm (chain windows) or gan, rbm, wgan, hclt (segments).
    #[arg(long, value_enum, default_value_t = Model::Crbm)]
    model: Model,
    /// Plan file (JSON; `-` = stdout).
    #[arg(short = 'o', long = "output", value_name = "PLAN_JSON")]
    output: PathBuf,
    #[command(flatten)]
    input_args: InputArgs,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    if args.window_sites < 2 {
        bail!(
            "--window-sites {}: a window needs at least 2 sites",
            args.window_sites
        );
    }
    let Some(matrix) = read_chromosome(&args.input, &args.input_args, ctx)? else {
        return Ok(crate::commands::convert::interrupted(ctx));
    };
    let plan = genosynth::plan_windows(
        &matrix,
        &args.input.display().to_string(),
        ModelKind::from(args.model),
        args.window_sites,
    )?;
    let json = plan.to_json();
    if args.output.as_os_str() == "-" {
        print!("{json}");
    } else {
        genosynth_vcf::write_atomic(&args.output, json.as_bytes())?;
    }
    ctx.printer.info(plan.summary());
    Ok(ExitCode::SUCCESS)
}

/// Reads the haplotypes of the chromosome the flags select (`None` on Ctrl-C). A region on a
/// chromosome the file lacks is named with the chromosomes it has.
pub(crate) fn read_chromosome(
    input: &Path,
    input_args: &InputArgs,
    ctx: &Context,
) -> anyhow::Result<Option<HaplotypeMatrix>> {
    let options = input_args.read_options(ctx.stop.clone())?;
    match genosynth_vcf::read(input, &options) {
        Ok(h) => {
            ctx.printer
                .info(format!("read {}: {}", input.display(), h.report.summary()));
            Ok(Some(h.matrix))
        }
        Err(e) if e.is_interrupted() => Ok(None),
        Err(e) if matches!(e.kind, ErrorKind::NoSitesKept(_)) && !options.regions.is_empty() => {
            let all = genosynth_vcf::ReadOptions {
                regions: Vec::new(),
                samples: None,
                ..options.clone()
            };
            let present: Vec<String> = genosynth_vcf::inspect(input, &all)?
                .chromosomes
                .into_iter()
                .map(|c| c.name)
                .collect();
            let absent: Vec<&str> = options
                .regions
                .iter()
                .map(|r| r.chrom.as_str())
                .filter(|c| !present.iter().any(|p| p == c))
                .collect();
            if absent.is_empty() {
                return Err(e.into());
            }
            bail!(
                "chromosome {} is not in {}; it has {}",
                absent.join(", "),
                input.display(),
                present.join(", ")
            )
        }
        Err(e) => Err(e.into()),
    }
}
