//! One window of a CRBM chain trained on its own, so a workflow can run every window of a
//! chromosome as a separate job and [`super::stitch`] the windows into the chain afterwards.
//!
//! A window job trains exactly what the whole-chain trainer trains for that window: the same
//! initial weights (seeded from `seed + index`), the same data (the window's sites, with the
//! leading overlap clamped) and the same draws (each epoch takes one key from the training
//! stream, and window `index` draws from stream `index` of that key), so windows trained one
//! by one and stitched equal a chain trained in one run, bit for bit on the CPU.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use genosynth_core::HaplotypeMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{CrbmParams, WindowRbm, WindowSpan, window_data, window_spans};
use crate::config::{ModelParams, TrainConfig};
use crate::labels::HaplotypeLabels;
use crate::meta::ModelMeta;
use crate::train::{TrainOptions, TrainSummary};
use crate::training_data::TrainingData;
use crate::{Error, Result};

/// Where a window sits in a chain of windows, as a plan lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainWindow {
    /// 0-based window number.
    pub index: usize,
    /// First site (0-based index into the chain's sites).
    pub start: usize,
    /// One past the last site.
    pub end: usize,
    /// Leading sites shared with the previous window (conditioned on, not learnt).
    pub clamp: usize,
}

/// The CRBM chain's windows of `window_sites` sites over `n_sites` sites: half-overlapping,
/// the last one moved back to end at the last site (see the crate's CRBM).
pub fn crbm_windows(n_sites: usize, window_sites: usize) -> Vec<ChainWindow> {
    window_spans(n_sites, window_sites)
        .into_iter()
        .enumerate()
        .map(|(index, s)| ChainWindow {
            index,
            start: s.start,
            end: s.start + s.len,
            clamp: s.clamp,
        })
        .collect()
}

/// What a window checkpoint records (`model.json` `window_part`), so stitching can check that
/// its windows belong to one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrbmWindowPart {
    /// This window's place in the chain.
    pub window: ChainWindow,
    /// Number of windows in the chain.
    pub windows: usize,
    /// The chain's training data: every site of every training haplotype (size and hash).
    pub chain: TrainingData,
}

/// The random stream of window `index` in an epoch whose key is `epoch_key`.
pub(crate) fn window_rng(epoch_key: u64, index: usize) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(epoch_key);
    r.set_stream(index as u64);
    r
}

/// The state of one window job: its RBM and its training rows.
pub(crate) struct PartTrainer {
    config: CrbmParams,
    index: usize,
    pub(crate) rbm: WindowRbm,
    data: Tensor,
}

impl PartTrainer {
    /// A fresh window (`weights = None`) or one from its checkpoint. `dense` holds the
    /// window's sites only (`n × len`, row-major).
    #[allow(
        clippy::too_many_arguments,
        reason = "the window's data, labels, weights and seeds"
    )]
    pub(crate) fn build(
        config: &CrbmParams,
        labels: Option<&HaplotypeLabels>,
        part: &CrbmWindowPart,
        dense: &[f32],
        n_haplotypes: usize,
        weights: Option<&HashMap<String, Tensor>>,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        let (labels, n_labels) = crate::labels::training_labels(labels, n_haplotypes)?;
        let span = span_of(&part.window);
        let local = WindowSpan { start: 0, ..span };
        let data = window_data(
            dense,
            span.len,
            local,
            labels.map(|l| (l, n_labels)),
            device,
        )?;
        let index = part.window.index;
        let rbm = match weights {
            Some(w) => {
                let get = |k: &str| -> Result<Tensor> {
                    let name = format!("window{index}.{k}");
                    let t = w.get(&name).ok_or_else(|| {
                        Error::Data(format!(
                            "tensor {name} is missing from the window checkpoint"
                        ))
                    })?;
                    Ok(t.to_device(device)?)
                };
                WindowRbm {
                    span,
                    n_labels,
                    w: get("w")?,
                    b: get("b")?,
                    c: get("c")?,
                    mu: get("mu")?,
                    lambda: get("lambda")?,
                }
            }
            None => {
                // As the whole-chain trainer seeds window `index`.
                let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(index as u64));
                WindowRbm::new(span, n_labels, config.n_hidden, &data, false, &mut rng)?
            }
        };
        Ok(Self {
            config: config.clone(),
            index,
            rbm,
            data,
        })
    }

    /// One epoch of this window, drawing what the whole-chain epoch draws for it.
    pub(crate) fn epoch(&mut self, rng: &mut ChaCha8Rng) -> Result<f64> {
        if !self.data.device().is_cpu() {
            self.data.device().set_seed(rng.random())?; // see crate::rng::seed_device
        }
        let key: u64 = rng.random();
        let mut r = window_rng(key, self.index);
        self.rbm.train_epoch(&self.data, &self.config, &mut r)
    }

    /// The window's tensors under the names the whole chain gives them.
    pub(crate) fn weights(&self) -> Vec<(String, Tensor)> {
        named_window_tensors(self.index, &self.rbm)
    }
}

/// `window{i}.{w,b,c,mu,lambda}` of one window.
pub(super) fn named_window_tensors(index: usize, r: &WindowRbm) -> Vec<(String, Tensor)> {
    [
        ("w", &r.w),
        ("b", &r.b),
        ("c", &r.c),
        ("mu", &r.mu),
        ("lambda", &r.lambda),
    ]
    .into_iter()
    .map(|(k, t)| (format!("window{index}.{k}"), t.clone()))
    .collect()
}

fn span_of(w: &ChainWindow) -> WindowSpan {
    WindowSpan {
        start: w.start,
        len: w.end - w.start,
        clamp: w.clamp,
    }
}

/// Checks a window checkpoint has its window's five tensors with the right shapes.
pub(crate) fn check_part_weights(
    meta: &ModelMeta,
    part: &CrbmWindowPart,
    weights: &HashMap<String, Tensor>,
) -> std::result::Result<(), String> {
    let ModelParams::Crbm(config) = &meta.model else {
        return Err(format!(
            "records a CRBM window but its model is {}",
            meta.model.kind()
        ));
    };
    let labels = meta.labels.as_ref().map_or(0, |l| l.names.len());
    let v = part.window.end - part.window.start + labels;
    let h = config.n_hidden;
    let i = part.window.index;
    for (k, dims) in [
        ("w", vec![v, h]),
        ("b", vec![v]),
        ("c", vec![h]),
        ("mu", vec![v]),
        ("lambda", vec![h]),
    ] {
        crate::tensors::take(weights, &format!("window{i}.{k}"), &dims)?;
    }
    Ok(())
}

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
