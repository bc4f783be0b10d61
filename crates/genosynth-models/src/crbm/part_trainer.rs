//! Trains one window of a CRBM chain on its own ([`super::parts`] runs it as a job): exactly
//! what the whole-chain trainer trains for that window, from the same seeds and draws.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::chain::{ChainWindow, CrbmWindowPart, window_rng};
use super::{CrbmParams, WindowRbm, WindowSpan, window_data};
use crate::labels::{HaplotypeLabels, training_labels};
use crate::{Error, Result};

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
        let (labels, n_labels) = training_labels(labels, n_haplotypes)?;
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
        self.rbm.named_tensors(self.index)
    }
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
    config: &CrbmParams,
    labels: usize,
    part: &CrbmWindowPart,
    weights: &HashMap<String, Tensor>,
) -> std::result::Result<(), String> {
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
