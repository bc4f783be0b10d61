//! What makes the 2021 GAN's training settle (issue 29): the R1 penalty on the
//! discriminator's real step and the moving average of the generator's weights that
//! generates. docs/testing.md has the sweep that chose them.

use candle_core::Tensor;

use super::{Gan, Trace};
use crate::Result;
use crate::layers::leaky_relu_backward;

impl Gan {
    /// Moves the average towards the live generator after its `step`-th update, standing for
    /// `steps` updates; the decay ramps up as `(1 + t) / (10 + t)` so the first weights fade
    /// within the first steps.
    pub(super) fn update_ema(&self, step: u64, steps: u64) -> Result<()> {
        let Some(ema) = &self.generator_ema else {
            return Ok(());
        };
        let ramp = (1.0 + step as f32) / (10.0 + step as f32);
        let decay = self.params.generator_ema.powi(steps as i32).min(ramp) as f64;
        for (avg, live) in ema.iter().zip(&self.generator) {
            for (a, w) in [(&avg.weight, &live.weight), (&avg.bias, &live.bias)] {
                let next = ((a.as_tensor() * decay)? + (w.as_tensor() * (1.0 - decay))?)?;
                a.set(&next)?;
            }
        }
        Ok(())
    }

    /// Gradients `[w1, b1, w2, b2, w3, b3]` of the R1 penalty `γ/2 · mean ‖∇ₓ D(x)‖²` on the
    /// rows of `trace` (the discriminator's forward pass). The input gradient of row i is
    /// `W1ᵀ(m1 ⊙ W2ᵀ(m2 ⊙ w3))` with m the LeakyReLU slopes, constant almost everywhere, so
    /// the biases get none.
    pub(super) fn r1_grads(&self, trace: &Trace, gamma: f32) -> Result<Vec<Tensor>> {
        let [l1, l2, l3] = &self.discriminator;
        let slope = self.params.leaky_slope;
        let m1 = leaky_relu_backward(&trace.pre1, &trace.pre1.ones_like()?, slope)?;
        let m2 = leaky_relu_backward(&trace.pre2, &trace.pre2.ones_like()?, slope)?;
        let u2 = m2.broadcast_mul(l3.weight.as_tensor())?;
        let u1 = (u2.matmul(l2.weight.as_tensor())? * &m1)?;
        let g = u1.matmul(l1.weight.as_tensor())?;
        let dg = (g * (gamma as f64 / trace.input.dim(0)? as f64))?;
        let dw1 = u1.t()?.matmul(&dg)?;
        let v1 = (dg.matmul(&l1.weight.t()?)? * m1)?;
        let dw2 = u2.t()?.matmul(&v1)?;
        let dw3 = (v1.matmul(&l2.weight.t()?)? * m2)?.sum_keepdim(0)?;
        Ok(vec![
            dw1,
            l1.bias.as_tensor().zeros_like()?,
            dw2,
            l2.bias.as_tensor().zeros_like()?,
            dw3,
            l3.bias.as_tensor().zeros_like()?,
        ])
    }
}
