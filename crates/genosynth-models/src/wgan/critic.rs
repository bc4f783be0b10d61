//! The convolutional critic and its explicit input-gradient (backward) pass.
//!
//! ```text
//! input (B', pack × (1 + labels), 2^k - 1)       PacGAN: `pack` haplotypes side by side as channels
//! stage s: cat[h, location (1,1,L)] ─ Conv1d(k=3,s=2) → LayerNorm(affine) → LeakyReLU  (L → (L-1)/2)
//!          ─ residual: h + LeakyReLU(LN(Conv1d(k=3,s=1)(h)))  × residual_blocks
//! last:    Conv1d(k=3, bias) → (B', 1, 3) → Linear(3 → 1)                              (B', 1)
//! ```
//! The gradient penalty needs `∂D/∂x` inside the loss and candle has no second-order autograd,
//! so [`Critic::input_gradient`] writes that gradient out as the transposed network (Linear
//! transpose, LeakyReLU masks, LayerNorm adjoint, convolution adjoints) from differentiable
//! ops: a first-order `backward` of the penalty then gives exact parameter gradients.
//!
//! The LayerNorm normalises each sample over channels and positions jointly (the drop-in
//! Gulrajani et al. recommend with a gradient penalty): the authors' InstanceNorm, per channel,
//! removed how many 1s a sample carries, and the critic could not see it (docs/testing.md).

use crate::Result;
use candle_core::Tensor;

use super::layout::Layout;
use super::ops::{
    NormCache, conv3_down, conv3_same, conv3_same_adjoint, conv3_up, layer_norm,
    layer_norm_adjoint, leaky_relu_with_mask,
};
use super::params::{ParamInit, ParamMaker};

#[derive(Debug, Clone)]
struct NormedConv {
    conv: Tensor,
    gamma: Tensor,
    beta: Tensor,
}

impl NormedConv {
    fn new(p: &mut ParamMaker<'_>, name: &str, c_out: usize, c_in: usize) -> Result<Self> {
        Ok(Self {
            conv: p.get(
                &format!("{name}.conv"),
                &[c_out, c_in, 3],
                ParamInit::KaimingUniform { fan_in: c_in * 3 },
            )?,
            gamma: p.get(&format!("{name}.ln.gamma"), &[c_out], ParamInit::Const(1.0))?,
            beta: p.get(&format!("{name}.ln.beta"), &[c_out], ParamInit::Const(0.0))?,
        })
    }
}

#[derive(Debug, Clone)]
struct DownStage {
    location: Tensor,
    down: NormedConv,
    residuals: Vec<NormedConv>,
}

/// What [`Critic::input_gradient`] needs from the forward pass of one layer.
#[derive(Debug, Clone)]
struct LayerCache {
    norm: NormCache,
    slope_mask: Tensor,
}

/// Intermediate values of one critic forward pass.
#[derive(Debug, Clone)]
pub(crate) struct CriticCache {
    stages: Vec<(LayerCache, Vec<LayerCache>)>,
    batch: usize,
}

/// The WGAN critic over packed haplotypes.
#[derive(Debug, Clone)]
pub(crate) struct Critic {
    pack: usize,
    n_labels: usize,
    stages: Vec<DownStage>,
    out_w: Tensor,
    out_b: Tensor,
    lin_w: Tensor,
    lin_b: Tensor,
}

impl Critic {
    /// Builds the critic for `layout`, `pack` haplotypes per critic sample, `n_labels` classes.
    pub(super) fn new(
        p: &mut ParamMaker<'_>,
        layout: Layout,
        pack: usize,
        n_labels: usize,
        residual_blocks: usize,
    ) -> Result<Self> {
        let mut c_in = pack * (1 + n_labels);
        let mut stages = Vec::with_capacity(layout.n_stages());
        for s in 0..layout.n_stages() {
            let name = format!("critic.stage{s}");
            let l_in = layout.stage_length(layout.n_stages() - 1 - s);
            let c_out = layout.critic_channels(s);
            let location = p.get(
                &format!("{name}.location"),
                &[1, 1, l_in],
                ParamInit::Normal { std: 1.0 },
            )?;
            let down = NormedConv::new(p, &format!("{name}.down"), c_out, c_in + 1)?;
            let residuals = (0..residual_blocks)
                .map(|r| NormedConv::new(p, &format!("{name}.res{r}"), c_out, c_out))
                .collect::<Result<Vec<_>>>()?;
            stages.push(DownStage {
                location,
                down,
                residuals,
            });
            c_in = c_out;
        }
        let out_w = p.get(
            "critic.out.conv",
            &[1, c_in, 3],
            ParamInit::KaimingUniform { fan_in: c_in * 3 },
        )?;
        let out_b = p.get("critic.out.bias", &[1], ParamInit::Const(0.0))?;
        let lin_w = p.get(
            "critic.linear.weight",
            &[1, 3],
            ParamInit::KaimingUniform { fan_in: 3 },
        )?;
        let lin_b = p.get("critic.linear.bias", &[1], ParamInit::Const(0.0))?;
        Ok(Self {
            pack,
            n_labels,
            stages,
            out_w,
            out_b,
            lin_w,
            lin_b,
        })
    }

    /// Critic input from `(B, 1, padded)` haplotypes and optional one-hot labels `(B, n_labels)`:
    /// `(B / pack, pack × (1 + n_labels), padded)`; `B` must be a multiple of `pack`.
    pub(crate) fn pack_input(&self, x: &Tensor, labels: Option<&Tensor>) -> Result<Tensor> {
        let (b, _, l) = x.dims3()?;
        let packed = x.reshape((b / self.pack, self.pack, l))?;
        match labels {
            Some(lab) if self.n_labels > 0 => {
                let lab = lab
                    .to_dtype(x.dtype())?
                    .reshape((b / self.pack, self.pack * self.n_labels, 1))?
                    .broadcast_as((b / self.pack, self.pack * self.n_labels, l))?;
                Ok(Tensor::cat(&[&packed, &lab], 1)?)
            }
            _ => Ok(packed),
        }
    }

    /// Critic scores `(B', 1)` of packed input `(B', channels, padded)`.
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_cached(x, |_| {})?.0)
    }

    /// Shapes `(B', channels, length)` after every stage (what the shape tests check).
    #[cfg(test)]
    pub(crate) fn block_shapes(&self, x: &Tensor) -> Result<Vec<Vec<usize>>> {
        let mut shapes = Vec::new();
        self.forward_cached(x, |h| shapes.push(h.dims().to_vec()))?;
        Ok(shapes)
    }

    /// Forward pass keeping what the input gradient needs; `on_block` sees each stage's output.
    pub(crate) fn forward_cached(
        &self,
        x: &Tensor,
        mut on_block: impl FnMut(&Tensor),
    ) -> Result<(Tensor, CriticCache)> {
        let b = x.dim(0)?;
        let mut h = x.clone();
        let mut caches = Vec::with_capacity(self.stages.len());
        for stage in &self.stages {
            let l = h.dim(2)?;
            let location = stage.location.broadcast_as((b, 1, l))?;
            let cat = Tensor::cat(&[&h, &location], 1)?;
            let (out, down_cache) = normed_act(&conv3_down(&cat, &stage.down.conv)?, &stage.down)?;
            h = out;
            let mut res_caches = Vec::with_capacity(stage.residuals.len());
            for r in &stage.residuals {
                let (branch, cache) = normed_act(&conv3_same(&h, &r.conv)?, r)?;
                h = (h + branch)?;
                res_caches.push(cache);
            }
            on_block(&h);
            caches.push((down_cache, res_caches));
        }
        let out = conv3_same(&h, &self.out_w)?.broadcast_add(&self.out_b.reshape((1, 1, 1))?)?;
        let len = out.dim(2)?;
        let score = out
            .reshape((b, len))?
            .matmul(&self.lin_w.t()?)?
            .broadcast_add(&self.lin_b.reshape((1, 1))?)?;
        Ok((
            score,
            CriticCache {
                stages: caches,
                batch: b,
            },
        ))
    }

    /// `∂D(x)/∂x` for every packed sample, over the haplotype channels only:
    /// `(B', pack, padded)`, as a differentiable function of the critic's parameters.
    pub(crate) fn input_gradient(&self, cache: &CriticCache) -> Result<Tensor> {
        let b = cache.batch;
        let len = self.lin_w.dim(1)?;
        let g = self.lin_w.broadcast_as((b, len))?.reshape((b, 1, len))?;
        let mut g = conv3_same_adjoint(&g, &self.out_w)?;
        for (stage, (down_cache, res_caches)) in self.stages.iter().zip(&cache.stages).rev() {
            for (r, c) in stage.residuals.iter().zip(res_caches).rev() {
                let branch = layer_norm_adjoint(&(&g * &c.slope_mask)?, &r.gamma, &c.norm)?;
                g = (&g + conv3_same_adjoint(&branch, &r.conv)?)?;
            }
            let pre = layer_norm_adjoint(
                &(&g * &down_cache.slope_mask)?,
                &stage.down.gamma,
                &down_cache.norm,
            )?;
            let cat = conv3_up(&pre, &stage.down.conv)?;
            g = cat.narrow(1, 0, cat.dim(1)? - 1)?; // drop the location channel
        }
        Ok(g.narrow(1, 0, self.pack)?)
    }
}

fn normed_act(x: &Tensor, layer: &NormedConv) -> Result<(Tensor, LayerCache)> {
    let (y, norm) = layer_norm(x, &layer.gamma, &layer.beta)?;
    let (y, slope_mask) = leaky_relu_with_mask(&y)?;
    Ok((y, LayerCache { norm, slope_mask }))
}
