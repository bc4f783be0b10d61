//! The convolutional generator.
//!
//! ```text
//! latent (B, 2 + labels, 4) ─ Conv1d(k=2) → BN → LeakyReLU                 (B, 52m, 3)
//! stage s: cat[h, noise (B,2,L), location (1,1,L)]
//!          ─ Conv1d(k=3,s=1) → BN → LeakyReLU
//!          ─ ConvTranspose1d(k=3,s=2) → BN → LeakyReLU                     (B, c_s, 2L+1)
//!          ─ residual: h + LeakyReLU(BN(Conv1d(k=3,s=1)(h)))  × residual_blocks
//! last:    Conv1d(k=3, bias) → sigmoid → × padding mask                    (B, 1, 2^k - 1)
//! ```
//! Convolutions before a BatchNorm have no bias. The `Conv1d(k=2)` on the 4-position latent is
//! what brings it to the base length 3 from which `L → 2L+1` reaches exactly `2^k - 1`.

use crate::Result;
use candle_core::Tensor;

use super::layout::{BASE_LENGTH, LATENT_POSITIONS, Layout, NOISE_CHANNELS};
use super::ops::{batch_norm, conv3_same, conv3_up, leaky_relu};
use super::params::{ParamInit, ParamMaker};

/// A BatchNorm's affine parameters.
#[derive(Debug, Clone)]
struct Affine {
    gamma: Tensor,
    beta: Tensor,
}

impl Affine {
    fn new(p: &mut ParamMaker<'_>, name: &str, c: usize) -> Result<Self> {
        Ok(Self {
            gamma: p.get(&format!("{name}.gamma"), &[c], ParamInit::Const(1.0))?,
            beta: p.get(&format!("{name}.beta"), &[c], ParamInit::Const(0.0))?,
        })
    }
}

#[derive(Debug, Clone)]
struct Residual {
    conv: Tensor,
    norm: Affine,
}

#[derive(Debug, Clone)]
struct UpStage {
    location: Tensor,
    conv: Tensor,
    norm1: Affine,
    up: Tensor,
    norm2: Affine,
    residuals: Vec<Residual>,
}

/// The WGAN generator; parameters live in the `VarMap` of the `ParamMaker` that built it.
#[derive(Debug, Clone)]
pub(crate) struct Generator {
    layout: Layout,
    n_labels: usize,
    latent_conv: Tensor,
    latent_norm: Affine,
    stages: Vec<UpStage>,
    out_w: Tensor,
    out_b: Tensor,
    mask: Tensor,
}

impl Generator {
    /// Builds the generator for `layout`, conditioned on `n_labels` one-hot labels (0: none).
    pub(super) fn new(
        p: &mut ParamMaker<'_>,
        layout: Layout,
        n_labels: usize,
        residual_blocks: usize,
    ) -> Result<Self> {
        let c0 = layout.generator_channels(None);
        let latent_in = NOISE_CHANNELS + n_labels;
        let taps = LATENT_POSITIONS - BASE_LENGTH + 1;
        let latent_conv = p.get(
            "gen.latent.conv",
            &[c0, latent_in, taps],
            ParamInit::KaimingUniform {
                fan_in: latent_in * taps,
            },
        )?;
        let latent_norm = Affine::new(p, "gen.latent.bn", c0)?;
        let mut stages = Vec::with_capacity(layout.n_stages());
        let mut c_in = c0;
        for s in 0..layout.n_stages() {
            let name = format!("gen.stage{s}");
            let l_in = if s == 0 {
                BASE_LENGTH
            } else {
                layout.stage_length(s - 1)
            };
            let c_out = layout.generator_channels(Some(s));
            let cat = c_in + NOISE_CHANNELS + 1;
            let location = p.get(
                &format!("{name}.location"),
                &[1, 1, l_in],
                ParamInit::Normal { std: 1.0 },
            )?;
            let conv = p.get(
                &format!("{name}.conv"),
                &[c_in, cat, 3],
                ParamInit::KaimingUniform { fan_in: cat * 3 },
            )?;
            let norm1 = Affine::new(p, &format!("{name}.bn1"), c_in)?;
            let up = p.get(
                &format!("{name}.up"),
                &[c_in, c_out, 3],
                ParamInit::KaimingUniform { fan_in: c_out * 3 },
            )?;
            let norm2 = Affine::new(p, &format!("{name}.bn2"), c_out)?;
            let residuals = (0..residual_blocks)
                .map(|r| {
                    Ok(Residual {
                        conv: p.get(
                            &format!("{name}.res{r}.conv"),
                            &[c_out, c_out, 3],
                            ParamInit::KaimingUniform { fan_in: c_out * 3 },
                        )?,
                        norm: Affine::new(p, &format!("{name}.res{r}.bn"), c_out)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            stages.push(UpStage {
                location,
                conv,
                norm1,
                up,
                norm2,
                residuals,
            });
            c_in = c_out;
        }
        let out_w = p.get(
            "gen.out.conv",
            &[1, c_in, 3],
            ParamInit::KaimingUniform { fan_in: c_in * 3 },
        )?;
        let out_b = p.get("gen.out.bias", &[1], ParamInit::Const(0.0))?;
        let mask = layout.mask(p.device)?.to_dtype(p.dtype)?;
        Ok(Self {
            layout,
            n_labels,
            latent_conv,
            latent_norm,
            stages,
            out_w,
            out_b,
            mask,
        })
    }

    /// Shapes of the per-stage noise inputs for a batch: `(B, 2, L_in(s))`.
    pub(crate) fn noise_shapes(&self, batch: usize) -> Vec<(usize, usize, usize)> {
        (0..self.stages.len())
            .map(|s| {
                let l = if s == 0 {
                    BASE_LENGTH
                } else {
                    self.layout.stage_length(s - 1)
                };
                (batch, NOISE_CHANNELS, l)
            })
            .collect()
    }

    /// Sigmoid outputs `(B, 1, padded)` with padding zeroed.
    ///
    /// `latent`: `(B, 2, 4)`; `labels`: one-hot `(B, n_labels)` for a conditional generator;
    /// `noise`: one tensor per stage with the shapes of [`Generator::noise_shapes`].
    pub(crate) fn forward(
        &self,
        latent: &Tensor,
        labels: Option<&Tensor>,
        noise: &[Tensor],
    ) -> Result<Tensor> {
        let h = self.hidden(latent, labels, noise, |_| {})?;
        let out = conv3_same(&h, &self.out_w)?.broadcast_add(&self.out_b.reshape((1, 1, 1))?)?;
        Ok(candle_nn::ops::sigmoid(&out)?.broadcast_mul(&self.mask)?)
    }

    /// Shapes `(B, channels, length)` after the latent projection and after every stage (what
    /// the shape tests check).
    #[cfg(test)]
    pub(crate) fn block_shapes(
        &self,
        latent: &Tensor,
        labels: Option<&Tensor>,
        noise: &[Tensor],
    ) -> Result<Vec<Vec<usize>>> {
        let mut shapes = Vec::new();
        self.hidden(latent, labels, noise, |h| shapes.push(h.dims().to_vec()))?;
        Ok(shapes)
    }

    /// Everything before the output convolution; `on_block` sees each block's output.
    fn hidden(
        &self,
        latent: &Tensor,
        labels: Option<&Tensor>,
        noise: &[Tensor],
        mut on_block: impl FnMut(&Tensor),
    ) -> Result<Tensor> {
        let b = latent.dim(0)?;
        let latent = match labels {
            Some(l) if self.n_labels > 0 => {
                let l = l
                    .to_dtype(latent.dtype())?
                    .reshape((b, self.n_labels, 1))?
                    .broadcast_as((b, self.n_labels, LATENT_POSITIONS))?;
                Tensor::cat(&[latent, &l], 1)?
            }
            _ => latent.clone(),
        };
        let h = latent.conv1d(&self.latent_conv, 0, 1, 1, 1)?;
        let mut h = leaky_relu(&batch_norm(
            &h,
            &self.latent_norm.gamma,
            &self.latent_norm.beta,
        )?)?;
        on_block(&h);
        for (stage, noise) in self.stages.iter().zip(noise) {
            h = stage_forward(stage, &h, noise)?;
            on_block(&h);
        }
        Ok(h)
    }
}

fn stage_forward(stage: &UpStage, h: &Tensor, noise: &Tensor) -> Result<Tensor> {
    let (b, _, l) = h.dims3()?;
    let location = stage.location.broadcast_as((b, 1, l))?;
    let x = Tensor::cat(&[h, noise, &location], 1)?;
    let x = leaky_relu(&batch_norm(
        &conv3_same(&x, &stage.conv)?,
        &stage.norm1.gamma,
        &stage.norm1.beta,
    )?)?;
    let mut x = leaky_relu(&batch_norm(
        &conv3_up(&x, &stage.up)?,
        &stage.norm2.gamma,
        &stage.norm2.beta,
    )?)?;
    for r in &stage.residuals {
        let branch = leaky_relu(&batch_norm(
            &conv3_same(&x, &r.conv)?,
            &r.norm.gamma,
            &r.norm.beta,
        )?)?;
        x = (x + branch)?;
    }
    Ok(x)
}
