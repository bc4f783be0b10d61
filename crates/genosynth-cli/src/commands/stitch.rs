//! `genosynth stitch`: join CRBM window checkpoints (`train --window-index`) into one chain.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Context;

/// Join the window checkpoints of one CRBM chain (`train --model crbm --window-sites W
/// --window-index K`, one per window) into one model directory that `generate` samples.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Window model directories, every window of the chain exactly once, in any order.
    #[arg(required = true, value_name = "WINDOW_DIR")]
    windows: Vec<PathBuf>,
    /// Model directory of the chain (written atomically; an existing model there is replaced).
    #[arg(short = 'o', long = "output", value_name = "MODEL_DIR")]
    output: PathBuf,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let summary = genosynth_models::stitch_crbm_windows(&args.windows, &args.output)?;
    ctx.printer.info(format!(
        "stitched {} windows ({} sites, {} epochs each) into {}",
        summary.windows,
        summary.n_sites,
        summary.epochs,
        args.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}
