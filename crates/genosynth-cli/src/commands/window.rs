//! `genosynth train --window-sites W --window-index K`: one window of a chromosome as its own
//! training job (the windows of `genosynth plan`).

use std::path::Path;

use anyhow::bail;
use genosynth::TrainJob;
use genosynth_core::Panel;
use genosynth_models::{ModelKind, ModelParams, TrainConfig, TrainSummary};

use crate::Context;
use crate::commands::io_args::InputArgs;
use crate::commands::population::{self, LabelColumn};
use crate::reporter::Reporter;

/// Which window of the plan to train.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct WindowArgs {
    /// Train only window K of `genosynth plan --window-sites W` (0-based): for crbm, chain
    /// window K conditioned on its overlap with window K-1, into a window checkpoint that
    /// `genosynth stitch` joins; for other models an ordinary model of segment K's sites.
    #[arg(long, value_name = "K", requires = "window_sites")]
    pub(crate) window_index: Option<usize>,
    /// Sites per window for --window-index (for crbm it is the chain's --window).
    #[arg(long, value_name = "W", requires = "window_index")]
    pub(crate) window_sites: Option<usize>,
}

/// What a window job needs from `train`'s flags.
pub(crate) struct WindowJob<'a> {
    pub(crate) input: &'a Path,
    pub(crate) input_args: &'a InputArgs,
    pub(crate) output: &'a Path,
    pub(crate) resume: bool,
    pub(crate) panel: Option<&'a Panel>,
    pub(crate) label_column: LabelColumn,
    pub(crate) index: usize,
    pub(crate) window_sites: usize,
}

/// Trains window `job.index`; `None` when Ctrl-C interrupted reading.
pub(crate) fn train_window(
    job: &WindowJob<'_>,
    mut config: TrainConfig,
    ctx: &Context,
) -> anyhow::Result<Option<TrainSummary>> {
    let Some(matrix) = crate::commands::plan::read_chromosome(job.input, job.input_args, ctx)?
    else {
        return Ok(None);
    };
    let kind = config.model.kind();
    let plan = genosynth::plan_windows(
        &matrix,
        &job.input.display().to_string(),
        kind,
        job.window_sites,
    )?;
    let window = *plan.window(job.index)?;
    let labels =
        population::panel_labels(&config.model, job.panel, job.label_column, &matrix, false)?;
    ctx.printer.info(format!(
        "window {} of {}: sites {}..{} (positions {}-{}){}",
        job.index,
        plan.windows.len(),
        window.window.start,
        window.window.end,
        window.first_pos,
        window.last_pos,
        if window.window.clamp > 0 {
            format!(", conditioned on its first {} sites", window.window.clamp)
        } else {
            String::new()
        }
    ));
    let mut reporter = Reporter::new(ctx);
    let summary = if kind == ModelKind::Crbm {
        let ModelParams::Crbm(p) = &mut config.model else {
            bail!("the crbm's hyperparameters are missing");
        };
        p.window = job.window_sites;
        let train_job = TrainJob {
            config: &config,
            dir: job.output,
            resume: job.resume,
            labels: labels.as_ref(),
            heldout_labels: None,
            selection: None,
            reference: None,
            reference_weight: genosynth::ReferenceWeight::Auto,
            weight_folds: 0,
            private_allele_min_count: 0,
        };
        genosynth::train_crbm_window(&matrix, &train_job, job.index, &mut reporter, &ctx.stop)
    } else {
        let sites: Vec<usize> = (window.window.start..window.window.end).collect();
        let segment = matrix.select_sites(&sites)?;
        let train_job = TrainJob {
            config: &config,
            dir: job.output,
            resume: job.resume,
            labels: labels.as_ref(),
            heldout_labels: None,
            selection: None,
            reference: None,
            reference_weight: genosynth::ReferenceWeight::Auto,
            weight_folds: 0,
            private_allele_min_count: 0,
        };
        genosynth::train(&segment, &train_job, &mut reporter, &ctx.stop)
    }
    .map_err(crate::commands::train::with_flags)?;
    Ok(Some(summary))
}
