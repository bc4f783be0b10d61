//! One window of a CRBM chain trained on its own, so a workflow can run every window of a
//! chromosome as a separate job and [`super::stitch`] the windows into the chain afterwards.
//!
//! A window job trains exactly what the whole-chain trainer trains for that window: the same
//! initial weights (seeded from `seed + index`), the same data (the window's sites, with the
//! leading overlap clamped) and the same draws (each epoch takes one key from the training
//! stream, and window `index` draws from stream `index` of that key), so windows trained one
//! by one and stitched equal a chain trained in one run, bit for bit on the CPU.

use genosynth_core::HaplotypeMatrix;

use super::chain::{CrbmWindowPart, crbm_windows};
use crate::config::{ModelParams, TrainConfig};
use crate::train::{TrainOptions, TrainSummary};
use crate::training_data::TrainingData;
use crate::{Error, Result};

/// Trains window `index` of the CRBM chain over all of `matrix`'s sites (`config.model` must
/// be a CRBM; its `window` is the window size) into the checkpoint directory `out_dir`.
///
/// The checkpoint holds that window only and records where it sits ([`CrbmWindowPart`]);
/// it cannot generate on its own: join all windows with [`stitch_crbm_windows`](crate::stitch_crbm_windows). `options` work as in
/// [`crate::train`] (labels per haplotype of `matrix`). DP-SGD is refused: its accounting covers
/// every window of the chain together.
pub fn train_crbm_window(
    matrix: &HaplotypeMatrix,
    config: &TrainConfig,
    index: usize,
    options: TrainOptions<'_>,
) -> Result<TrainSummary> {
    let ModelParams::Crbm(p) = &config.model else {
        return Err(Error::config(
            "window-index",
            format!(
                "only a crbm trains chain windows (model: {}); train a segment of another model \
                 on its own sites",
                config.model.kind()
            ),
        ));
    };
    if config.dp.is_some() {
        return Err(Error::config(
            "dp",
            "DP-SGD accounts for every window of the chain together; train the chain in one run",
        ));
    }
    let n_sites = matrix.n_sites();
    if p.window < 2 || p.window > n_sites {
        return Err(Error::config(
            "window-sites",
            format!("{} must be between 2 and the {n_sites} sites", p.window),
        ));
    }
    let windows = crbm_windows(n_sites, p.window);
    let Some(&window) = windows.get(index) else {
        return Err(Error::config(
            "window-index",
            format!(
                "{index} is past the last window: {}-site windows over {n_sites} sites make {} \
                 windows (0 to {})",
                p.window,
                windows.len(),
                windows.len() - 1
            ),
        ));
    };
    let part = CrbmWindowPart {
        window,
        windows: windows.len(),
        chain: TrainingData::of(matrix),
    };
    let sites: Vec<usize> = (window.start..window.end).collect();
    let sub = matrix.select_sites(&sites)?;
    crate::train::train_inner(&sub, config, options, Some(&part))
}
