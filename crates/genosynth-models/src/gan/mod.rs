//! The dense GAN of Yelmen et al. 2021: its networks, their forward and explicit backward
//! passes, and sampling (trainer.rs has the training loop, with fused Adam).
//!
//! Shapes (B = batch, L = latent size, n = sites): noise `B × L` → generator → `B × n` in
//! (−1, 1); discriminator `B × n` → logits `B × 1`.

use std::collections::HashMap;

use candle_core::{Device, Module, Tensor};
use rand_chacha::ChaCha8Rng;

use crate::Result;
use crate::layers::{Dense, copy_layers, leaky_relu, leaky_relu_backward};
use crate::rng::{self, STREAM_INIT};
use crate::tensors::{NamedTensors, take};

mod params;
mod stability;
mod trainer;

pub use params::GanParams;
pub(crate) use trainer::{GAN_DP_LOSSES, GAN_LOSSES, GanTrainer};

/// Generator and discriminator, three dense layers each.
pub(crate) struct Gan {
    pub(crate) params: GanParams,
    generator: [Dense; 3],
    discriminator: [Dense; 3],
    /// Moving average of the generator's weights (`params.generator_ema > 0`): it generates.
    generator_ema: Option<[Dense; 3]>,
}

/// Activations of a forward pass kept for the backward pass: layer inputs and pre-activations.
struct Trace {
    input: Tensor,
    pre1: Tensor,
    hidden1: Tensor,
    pre2: Tensor,
    hidden2: Tensor,
    /// Generator: the tanh output; discriminator: the logits.
    output: Tensor,
}

const NET_NAMES: [&str; 3] = ["generator", "discriminator", "generator_ema"];

impl Gan {
    /// Fresh Glorot-initialised networks for `n_sites`.
    pub(crate) fn init(params: GanParams, n_sites: usize, seed: u64, dev: &Device) -> Result<Self> {
        let (g, d) = params.layer_sizes(n_sites);
        let mut r = rng::rng(seed, STREAM_INIT);
        let mut stack = |sizes: [usize; 4]| -> Result<[Dense; 3]> {
            Ok([
                Dense::glorot(&mut r, sizes[0], sizes[1], dev)?,
                Dense::glorot(&mut r, sizes[1], sizes[2], dev)?,
                Dense::glorot(&mut r, sizes[2], sizes[3], dev)?,
            ])
        };
        let generator = stack(g)?;
        let discriminator = stack(d)?;
        let generator_ema = if params.generator_ema > 0.0 {
            Some(copy_layers(&generator)?)
        } else {
            None
        };
        Ok(Self {
            params,
            generator,
            discriminator,
            generator_ema,
        })
    }

    /// Networks from saved tensors; names and shapes are checked.
    pub(crate) fn from_tensors(
        params: GanParams,
        n_sites: usize,
        tensors: &HashMap<String, Tensor>,
    ) -> std::result::Result<Self, String> {
        let (g, d) = params.layer_sizes(n_sites);
        let stack = |net: &str, sizes: [usize; 4]| -> std::result::Result<[Dense; 3], String> {
            let layer = |i: usize| -> std::result::Result<Dense, String> {
                let w = take(
                    tensors,
                    &format!("{net}.dense{}.weight", i + 1),
                    &[sizes[i + 1], sizes[i]],
                )?;
                let b = take(
                    tensors,
                    &format!("{net}.dense{}.bias", i + 1),
                    &[sizes[i + 1]],
                )?;
                Dense::from_tensors(&w, &b).map_err(|e| e.to_string())
            };
            Ok([layer(0)?, layer(1)?, layer(2)?])
        };
        let generator_ema = if params.generator_ema > 0.0 {
            Some(stack(NET_NAMES[2], g)?)
        } else {
            None
        };
        Ok(Self {
            generator: stack(NET_NAMES[0], g)?,
            discriminator: stack(NET_NAMES[1], d)?,
            generator_ema,
            params,
        })
    }

    /// Every weight, named `generator.dense1.weight` ... `discriminator.dense3.bias`, then
    /// `generator_ema.*` when kept.
    pub(crate) fn tensors(&self) -> NamedTensors {
        let mut out = Vec::new();
        let nets = [&self.generator, &self.discriminator]
            .into_iter()
            .chain(&self.generator_ema);
        for (net, layers) in NET_NAMES.iter().zip(nets) {
            for (i, l) in layers.iter().enumerate() {
                out.push((
                    format!("{net}.dense{}.weight", i + 1),
                    l.weight.as_tensor().clone(),
                ));
                out.push((
                    format!("{net}.dense{}.bias", i + 1),
                    l.bias.as_tensor().clone(),
                ));
            }
        }
        out
    }

    fn forward(&self, layers: &[Dense; 3], input: &Tensor, tanh_output: bool) -> Result<Trace> {
        let slope = self.params.leaky_slope;
        let pre1 = layers[0].forward(input)?;
        let hidden1 = leaky_relu(&pre1, slope)?;
        let pre2 = layers[1].forward(&hidden1)?;
        let hidden2 = leaky_relu(&pre2, slope)?;
        let last = layers[2].forward(&hidden2)?;
        let output = if tanh_output { last.tanh()? } else { last };
        Ok(Trace {
            input: input.clone(),
            pre1,
            hidden1,
            pre2,
            hidden2,
            output,
        })
    }

    /// Gradients `[w1, b1, w2, b2, w3, b3]` (when `weights`) and of the input (when `input`),
    /// given the gradient at the last layer's pre-activation.
    fn backward(
        &self,
        layers: &[Dense; 3],
        trace: &Trace,
        d_last: &Tensor,
        weights: bool,
        input: bool,
    ) -> Result<(Vec<Tensor>, Option<Tensor>)> {
        let slope = self.params.leaky_slope;
        let g3 = layers[2].backward(&trace.hidden2, d_last, weights, true)?;
        let d_pre2 = leaky_relu_backward(&trace.pre2, &g3.input.expect("asked"), slope)?;
        let g2 = layers[1].backward(&trace.hidden1, &d_pre2, weights, true)?;
        let d_pre1 = leaky_relu_backward(&trace.pre1, &g2.input.expect("asked"), slope)?;
        let g1 = layers[0].backward(&trace.input, &d_pre1, weights, input)?;
        let grads = if weights {
            [g1.weight, g1.bias, g2.weight, g2.bias, g3.weight, g3.bias]
                .into_iter()
                .map(|g| g.expect("asked"))
                .collect()
        } else {
            Vec::new()
        };
        Ok((grads, g1.input))
    }

    /// Squared norm of each row's gradient over all weights and biases, given the per-row
    /// gradient at the last pre-activation: a dense layer's per-row weight gradient is the
    /// outer product `dyᵢ xᵢᵀ`, of norm `‖dyᵢ‖ ‖xᵢ‖`, and its bias gradient is `dyᵢ`.
    fn per_row_sq_norms(
        &self,
        layers: &[Dense; 3],
        trace: &Trace,
        d_last: &Tensor,
    ) -> Result<Tensor> {
        let slope = self.params.leaky_slope;
        let g3 = layers[2].backward(&trace.hidden2, d_last, false, true)?;
        let d_pre2 = leaky_relu_backward(&trace.pre2, &g3.input.expect("asked"), slope)?;
        let g2 = layers[1].backward(&trace.hidden1, &d_pre2, false, true)?;
        let d_pre1 = leaky_relu_backward(&trace.pre1, &g2.input.expect("asked"), slope)?;
        let mut total: Option<Tensor> = None;
        for (dy, x) in [
            (d_last, &trace.hidden2),
            (&d_pre2, &trace.hidden1),
            (&d_pre1, &trace.input),
        ] {
            let term = (dy.sqr()?.sum(1)? * (x.sqr()?.sum(1)? + 1.0)?)?;
            total = Some(match total {
                Some(t) => (t + term)?,
                None => term,
            });
        }
        Ok(total.expect("three layers"))
    }

    /// The tanh output for latent vectors `z` (B × L) of the generator that makes AGs: the
    /// moving average of its weights when kept.
    pub(crate) fn generate(&self, z: &Tensor) -> Result<Tensor> {
        let layers = self.generator_ema.as_ref().unwrap_or(&self.generator);
        Ok(self.forward(layers, z, true)?.output)
    }

    /// `n` haplotypes as 0/1 bytes, row-major: N(0,1) latent → generator → negatives to 0 →
    /// rounded, in chunks so memory stays small.
    pub(crate) fn sample(&self, n: usize, r: &mut ChaCha8Rng, dev: &Device) -> Result<Vec<u8>> {
        const CHUNK: usize = 1024;
        let mut out = Vec::new();
        let mut done = 0;
        while done < n {
            let rows = CHUNK.min(n - done);
            let z = rng::normal(r, rows, self.params.latent_size, dev)?;
            // Negatives to 0 then rounding to {0, 1} is a threshold at 0.5.
            let alleles = self.generate(&z)?.ge(0.5)?.flatten_all()?.to_vec1::<u8>()?;
            out.extend_from_slice(&alleles);
            done += rows;
        }
        Ok(out)
    }

    /// Zero gradients shaped like the discriminator's `[w1, b1, w2, b2, w3, b3]`.
    fn discriminator_zeros(&self) -> Result<Vec<Tensor>> {
        let mut out = Vec::new();
        for l in &self.discriminator {
            out.push(l.weight.as_tensor().zeros_like()?);
            out.push(l.bias.as_tensor().zeros_like()?);
        }
        Ok(out)
    }

    fn vars(layers: &[Dense; 3], l2: f32) -> Vec<(candle_core::Var, f32)> {
        // Keras `kernel_regularizer` sits on the two hidden layers only.
        let mut v = Vec::new();
        for (i, l) in layers.iter().enumerate() {
            v.push((l.weight.clone(), if i < 2 { l2 } else { 0.0 }));
            v.push((l.bias.clone(), 0.0));
        }
        v
    }
}

#[cfg(test)]
mod tests;
