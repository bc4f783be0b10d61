//! The RBM of Yelmen et al. 2021: binary visible (sites) and hidden units, centered gradient,
//! negative phase of k Gibbs steps from chains restarted at random each minibatch (the
//! authors' out-of-equilibrium learning) or kept between minibatches (PCD).
//!
//! Shapes (B = batch, M = chains, n = sites, H = hidden units): weight `n × H`, visible bias
//! `n`, hidden bias `H`; visible states `B × n`, hidden states `B × H`.

use std::collections::HashMap;

use candle_core::{CpuStorage, DType, Device, InplaceOp2, Layout, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dp_sgd::DpSgd;
use crate::error::{positive, positive_f, unit_interval};
use crate::rng::{self, STREAM_INIT};
use crate::tensors::{NamedTensors, take};
use crate::{Error, Result};

/// RBM hyperparameters (binary visible and hidden units, centered gradient).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RbmParams {
    /// Number of hidden units (500 for 805 sites).
    pub hidden_units: usize,
    /// SGD learning rate (0.01).
    pub lr: f32,
    /// Haplotypes per minibatch (500).
    pub batch_size: usize,
    /// Number of negative (model) chains per minibatch (500).
    pub chains: usize,
    /// Gibbs steps of the negative phase, also used to sample (50).
    pub gibbs_steps: usize,
    /// Keep the negative chains between minibatches (PCD) instead of restarting them from
    /// random states each minibatch (the authors' out-of-equilibrium learning).
    pub persistent: bool,
    /// L2 penalty on the weights (0).
    pub l2: f32,
    /// Standard deviation of the initial weights (1e-4).
    pub init_std: f32,
    /// Rate of the moving average that sets the hidden offset of the centered gradient (0.01).
    pub hidden_offset_rate: f32,
}

impl Default for RbmParams {
    fn default() -> Self {
        Self {
            hidden_units: 500,
            lr: 0.01,
            batch_size: 500,
            chains: 500,
            gibbs_steps: 50,
            persistent: false,
            l2: 0.0,
            init_std: 1e-4,
            hidden_offset_rate: 0.01,
        }
    }
}

impl RbmParams {
    pub(crate) fn validate(&self) -> Result<()> {
        positive("hidden-units", self.hidden_units)?;
        positive("batch-size", self.batch_size)?;
        positive("chains", self.chains)?;
        positive("gibbs-steps", self.gibbs_steps)?;
        positive_f("lr", self.lr)?;
        unit_interval("hidden-offset-rate", self.hidden_offset_rate)?;
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return Err(Error::config("l2", format!("{} is not >= 0", self.l2)));
        }
        if !(self.init_std >= 0.0 && self.init_std.is_finite()) {
            return Err(Error::config(
                "init-std",
                format!("{} is not >= 0", self.init_std),
            ));
        }
        Ok(())
    }
}

/// Weights and biases.
pub(crate) struct Rbm {
    pub(crate) params: RbmParams,
    weight: Tensor,
    visible_bias: Tensor,
    hidden_bias: Tensor,
}

impl Rbm {
    /// The device the weights live on.
    pub(crate) fn device(&self) -> &Device {
        self.weight.device()
    }

    /// Weights N(0, init_std²), visible biases the logit of the allele frequencies (clamped to
    /// [1e-5, 1 − 1e-5]), hidden biases 0.
    pub(crate) fn init(
        params: RbmParams,
        frequencies: &[f32],
        seed: u64,
        dev: &Device,
    ) -> Result<Self> {
        let n = frequencies.len();
        let h = params.hidden_units;
        let mut r = rng::rng(seed, STREAM_INIT);
        let weight = (rng::normal(&mut r, n, h, dev)? * params.init_std as f64)?;
        let logits: Vec<f32> = frequencies
            .iter()
            .map(|&f| {
                let f = f.clamp(1e-5, 1.0 - 1e-5);
                (f / (1.0 - f)).ln()
            })
            .collect();
        Ok(Self {
            visible_bias: Tensor::from_vec(logits, n, dev)?,
            hidden_bias: Tensor::zeros(h, DType::F32, dev)?,
            weight,
            params,
        })
    }

    /// Weights from saved tensors; names and shapes are checked.
    pub(crate) fn from_tensors(
        params: RbmParams,
        n_sites: usize,
        tensors: &HashMap<String, Tensor>,
    ) -> std::result::Result<Self, String> {
        let h = params.hidden_units;
        Ok(Self {
            weight: take(tensors, "rbm.weight", &[n_sites, h])?,
            visible_bias: take(tensors, "rbm.visible_bias", &[n_sites])?,
            hidden_bias: take(tensors, "rbm.hidden_bias", &[h])?,
            params,
        })
    }

    /// `rbm.weight`, `rbm.visible_bias`, `rbm.hidden_bias`.
    pub(crate) fn tensors(&self) -> NamedTensors {
        vec![
            ("rbm.weight".to_string(), self.weight.clone()),
            ("rbm.visible_bias".to_string(), self.visible_bias.clone()),
            ("rbm.hidden_bias".to_string(), self.hidden_bias.clone()),
        ]
    }

    fn hidden_probs(&self, v: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::sigmoid(
            &v.matmul(&self.weight)?.broadcast_add(&self.hidden_bias)?,
        )?)
    }

    fn visible_probs(&self, h: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::sigmoid(
            &h.matmul(&self.weight.t()?)?
                .broadcast_add(&self.visible_bias)?,
        )?)
    }

    fn sample_hidden(&self, v: &Tensor, r: &mut ChaCha8Rng) -> Result<Tensor> {
        bernoulli(v.matmul(&self.weight)?, &self.hidden_bias, r)
    }

    fn sample_visible(&self, h: &Tensor, r: &mut ChaCha8Rng) -> Result<Tensor> {
        bernoulli(h.matmul(&self.weight.t()?)?, &self.visible_bias, r)
    }

    /// `steps` rounds of h ~ p(h|v), v ~ p(v|h) from `v`.
    fn gibbs(&self, mut v: Tensor, steps: usize, r: &mut ChaCha8Rng) -> Result<Tensor> {
        for _ in 0..steps {
            let h = self.sample_hidden(&v, r)?;
            v = self.sample_visible(&h, r)?;
        }
        Ok(v)
    }

    /// Uniformly random binary visible states.
    fn random_visible(&self, rows: usize, r: &mut ChaCha8Rng) -> Result<Tensor> {
        let n = self.visible_bias.dim(0)?;
        let dev = self.weight.device();
        // σ(0) = 1/2: a fair coin per unit.
        bernoulli(
            Tensor::zeros((rows, n), DType::F32, dev)?,
            &Tensor::zeros(n, DType::F32, dev)?,
            r,
        )
    }

    /// Negative free energy `v·b + Σₖ softplus(cₖ + (vW)ₖ)` of each row of `v`: the
    /// log-likelihood up to the (intractable) log partition function, the same for every row.
    /// `v` must be on the weights' device ([`Rbm::device`]).
    pub(crate) fn negative_free_energy(&self, v: &Tensor) -> Result<Tensor> {
        let x = v.matmul(&self.weight)?.broadcast_add(&self.hidden_bias)?;
        // softplus(x) = max(x, 0) + ln(1 + e^(−|x|)), stable for large |x|.
        let softplus = (x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?)?;
        let vb = v.matmul(&self.visible_bias.unsqueeze(1)?)?.squeeze(1)?;
        Ok((softplus.sum(1)? + vb)?)
    }

    /// `n` haplotypes as 0/1 bytes, row-major: `steps` Gibbs steps from random visible states.
    pub(crate) fn sample(&self, n: usize, steps: usize, r: &mut ChaCha8Rng) -> Result<Vec<u8>> {
        const CHUNK: usize = 1000;
        let mut out = Vec::new();
        let mut done = 0;
        rng::seed_device(self.weight.device(), r)?;
        while done < n {
            let rows = CHUNK.min(n - done);
            let v0 = self.random_visible(rows, r)?;
            let v = self.gibbs(v0, steps, r)?;
            out.extend_from_slice(&v.to_dtype(DType::U8)?.flatten_all()?.to_vec1::<u8>()?);
            done += rows;
        }
        Ok(out)
    }
}

/// Bernoulli draws with probability σ(x + bias) per element, replacing `x` (rows × cols).
///
/// On the CPU this is one fused in-place pass: each row draws from its own ChaCha8 stream of a
/// seed taken from `r`, so the result does not depend on how rows are spread over threads. On
/// CUDA it uses the device generator (seeded from `r` by [`rng::seed_device`]).
pub(crate) fn bernoulli(x: Tensor, bias: &Tensor, r: &mut ChaCha8Rng) -> Result<Tensor> {
    let seed: u64 = r.random();
    if x.device().is_cpu() {
        let x = x.contiguous()?;
        x.inplace_op2(bias, &BernoulliOp { seed })?;
        Ok(x)
    } else {
        // The device generator, seeded once per epoch or sampling call (`rng::seed_device`):
        // candle re-creates the cuRAND generator on every `set_seed`.
        let u = x.rand_like(0.0, 1.0)?;
        #[cfg(feature = "cuda")]
        if let candle_core::Device::Cuda(dev) = x.device()
            && crate::cuda_ops::usable(dev)
        {
            let x = x.contiguous()?;
            x.inplace_op3(bias, &u, &crate::cuda_ops::BernoulliSigmoidCuda)?;
            return Ok(x);
        }
        let p = candle_nn::ops::sigmoid(&x.broadcast_add(bias)?)?;
        Ok(u.lt(&p)?.to_dtype(DType::F32)?)
    }
}

struct BernoulliOp {
    seed: u64,
}

impl InplaceOp2 for BernoulliOp {
    fn name(&self) -> &'static str {
        "bernoulli-sigmoid"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        bias: &CpuStorage,
        bias_l: &Layout,
    ) -> candle_core::Result<()> {
        let (CpuStorage::F32(x), CpuStorage::F32(b)) = (dst, bias) else {
            candle_core::bail!("bernoulli-sigmoid: f32 tensors expected");
        };
        let (Some((x0, x1)), Some((b0, b1))) =
            (dst_l.contiguous_offsets(), bias_l.contiguous_offsets())
        else {
            candle_core::bail!("bernoulli-sigmoid: contiguous tensors expected");
        };
        let b = &b[b0..b1];
        let cols = b.len();
        let x = &mut x[x0..x1];
        if cols == 0 || x.len() % cols != 0 {
            candle_core::bail!("bernoulli-sigmoid: {} values for rows of {cols}", x.len());
        }
        x.par_chunks_mut(cols).enumerate().for_each(|(row, xs)| {
            let mut r = ChaCha8Rng::seed_from_u64(self.seed);
            r.set_stream(row as u64);
            for (x, &bias) in xs.iter_mut().zip(b) {
                let p = 1.0 / (1.0 + (-(*x + bias)).exp());
                *x = if r.random::<f32>() < p { 1.0 } else { 0.0 };
            }
        });
        Ok(())
    }
}

/// An RBM with its centering offsets, persistent chains and training data on the device.
pub(crate) struct RbmTrainer {
    pub(crate) rbm: Rbm,
    data: Tensor,
    /// Visible offset μ: the training data's allele frequencies.
    visible_offset: Tensor,
    /// Hidden offset λ: moving average of the data's hidden activations.
    hidden_offset: Tensor,
    /// PCD chains (M × n), `None` when chains restart each minibatch.
    chains: Option<Tensor>,
}

/// Per-epoch figures of the RBM.
pub(crate) const RBM_LOSSES: [&str; 1] = ["reconstruction_error"];

impl RbmTrainer {
    pub(crate) fn new(
        rbm: Rbm,
        dense: &[f32],
        n_haplotypes: usize,
        frequencies: &[f32],
        r: &mut ChaCha8Rng,
    ) -> Result<Self> {
        let dev = rbm.weight.device().clone();
        let n = frequencies.len();
        if n_haplotypes == 0 {
            return Err(Error::Data("no haplotypes to train on".to_string()));
        }
        let chains = if rbm.params.persistent {
            Some(rbm.random_visible(rbm.params.chains, r)?)
        } else {
            None
        };
        Ok(Self {
            data: Tensor::from_slice(dense, (n_haplotypes, n), &dev)?,
            visible_offset: Tensor::from_slice(frequencies, n, &dev)?,
            hidden_offset: Tensor::full(0.5f32, rbm.params.hidden_units, &dev)?,
            chains,
            rbm,
        })
    }

    /// One epoch of centered-gradient SGD; returns the mean reconstruction error
    /// (mean squared difference between data and p(v | h ~ p(h | data))).
    pub(crate) fn epoch(&mut self, r: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        let p = self.rbm.params.clone();
        let dev = self.data.device().clone();
        let n = self.data.dim(0)?;
        let b = p.batch_size.min(n);
        let batches = n / b;
        let order = Tensor::from_vec(rng::permutation(r, n), n, &dev)?;
        rng::seed_device(&dev, r)?;
        let mut errors = Vec::with_capacity(batches);
        for i in 0..batches {
            let v_data = self.data.index_select(&order.narrow(0, i * b, b)?, 0)?;
            let h_data = self.rbm.hidden_probs(&v_data)?;
            let start = match self.chains.take() {
                Some(c) => c,
                None => self.rbm.random_visible(p.chains, r)?,
            };
            let v_model = self.rbm.gibbs(start, p.gibbs_steps, r)?;
            let h_model = self.rbm.hidden_probs(&v_model)?;

            let mu = &self.visible_offset;
            let lambda = &self.hidden_offset;
            let pos = v_data
                .broadcast_sub(mu)?
                .t()?
                .matmul(&h_data.broadcast_sub(lambda)?)?;
            let neg = v_model
                .broadcast_sub(mu)?
                .t()?
                .matmul(&h_model.broadcast_sub(lambda)?)?;
            let grad_w = ((pos / b as f64)? - (neg / p.chains as f64)?)?;
            self.step(
                grad_w,
                (v_data.mean(0)? - v_model.mean(0)?)?,
                (h_data.mean(0)? - h_model.mean(0)?)?,
            )?;
            self.hidden_offset = follow(&self.hidden_offset, &h_data, p.hidden_offset_rate)?;
            if p.persistent {
                self.chains = Some(v_model);
            }

            let h = bernoulli(v_data.matmul(&self.rbm.weight)?, &self.rbm.hidden_bias, r)?;
            let recon = self.rbm.visible_probs(&h)?;
            errors.push((recon - &v_data)?.sqr()?.mean_all()?);
        }
        let mean = Tensor::stack(&errors, 0)?.mean_all()?.to_scalar::<f32>()? as f64;
        Ok(vec![mean])
    }

    /// One epoch of DP-SGD ([`crate::dp_sgd`]): `steps_per_epoch` steps, each on a Poisson
    /// sample of individuals. The mechanism privatizes the data statistics of the centered
    /// gradient, per haplotype `a bᵀ`, `a`, `b` with `a = v − μ`, `b = h − λ` (joint norm
    /// `√((‖a‖² + 1)(‖b‖² + 1) − 1)`, no outer product formed); the centering transform of
    /// the biases then works on the noisy result. Both offsets follow the model's chains, not
    /// the data.
    pub(crate) fn epoch_dp(&mut self, dp: &DpSgd, r: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        let p = self.rbm.params.clone();
        let dev = self.data.device().clone();
        let (n, h) = (self.visible_offset.dim(0)?, p.hidden_units);
        rng::seed_device(&dev, r)?;
        for _ in 0..dp.steps_per_epoch() {
            let batch = dp.poisson_batch(r);
            let mu = &self.visible_offset;
            let lambda = &self.hidden_offset;
            let start = match self.chains.take() {
                Some(c) => c,
                None => self.rbm.random_visible(p.chains, r)?,
            };
            let v_model = self.rbm.gibbs(start, p.gibbs_steps, r)?;
            let h_model = self.rbm.hidden_probs(&v_model)?;
            let am = v_model.broadcast_sub(mu)?;
            let bm = h_model.broadcast_sub(lambda)?;
            let neg = am.t()?.matmul(&bm)?.affine(1.0 / p.chains as f64, 0.0)?;

            let (sum_w, sum_a, sum_b) = if batch.is_empty() {
                (
                    Tensor::zeros((n, h), DType::F32, &dev)?,
                    Tensor::zeros(n, DType::F32, &dev)?,
                    Tensor::zeros(h, DType::F32, &dev)?,
                )
            } else {
                let rows = Tensor::from_slice(&batch, batch.len(), &dev)?;
                let v = self.data.index_select(&rows, 0)?;
                let a = v.broadcast_sub(mu)?;
                let b = self.rbm.hidden_probs(&v)?.broadcast_sub(lambda)?;
                let sq1 = |t: &Tensor| t.sqr()?.sum(1)? + 1.0;
                let norms = ((sq1(&a)? * sq1(&b)?)? - 1.0)?.sqrt()?;
                let scales = dp.clip_scales(&batch, &norms.to_vec1::<f32>()?);
                let s = Tensor::from_vec(scales, (batch.len(), 1), &dev)?;
                let a = a.broadcast_mul(&s)?;
                (a.t()?.matmul(&b)?, a.sum(0)?, b.broadcast_mul(&s)?.sum(0)?)
            };
            let grad_w = (dp.privatize(&sum_w, r)? - neg)?;
            self.step(
                grad_w,
                (dp.privatize(&sum_a, r)? - am.mean(0)?)?,
                (dp.privatize(&sum_b, r)? - bm.mean(0)?)?,
            )?;
            let rate = p.hidden_offset_rate;
            self.visible_offset = follow(&self.visible_offset, &v_model, rate)?;
            self.hidden_offset = follow(&self.hidden_offset, &h_model, rate)?;
            if p.persistent {
                self.chains = Some(v_model);
            }
        }
        Ok(Vec::new())
    }

    /// One step of the centered gradient (Melchior et al. 2016): the weight gradient and the
    /// data − model differences of the visible and hidden means; the biases' gradients are
    /// those differences corrected by the offsets.
    fn step(&mut self, grad_w: Tensor, visible_diff: Tensor, hidden_diff: Tensor) -> Result<()> {
        let p = &self.rbm.params;
        let (mu, lambda) = (&self.visible_offset, &self.hidden_offset);
        let grad_vb = (visible_diff - grad_w.matmul(&lambda.unsqueeze(1)?)?.squeeze(1)?)?;
        let grad_hb = (hidden_diff - grad_w.t()?.matmul(&mu.unsqueeze(1)?)?.squeeze(1)?)?;
        let lr = p.lr as f64;
        let decay = 1.0 - lr * p.l2 as f64;
        self.rbm.weight = (self.rbm.weight.affine(decay, 0.0)? + (grad_w * lr)?)?;
        self.rbm.visible_bias = (&self.rbm.visible_bias + (grad_vb * lr)?)?;
        self.rbm.hidden_bias = (&self.rbm.hidden_bias + (grad_hb * lr)?)?;
        Ok(())
    }

    /// Offsets and PCD chains for `optimizer.safetensors`.
    pub(crate) fn optimizer_state(&self) -> NamedTensors {
        let mut out = vec![
            (
                "rbm.visible_offset".to_string(),
                self.visible_offset.clone(),
            ),
            ("rbm.hidden_offset".to_string(), self.hidden_offset.clone()),
        ];
        if let Some(c) = &self.chains {
            out.push(("rbm.persistent_chains".to_string(), c.clone()));
        }
        out
    }

    /// Restores what [`RbmTrainer::optimizer_state`] saved.
    pub(crate) fn restore_optimizer(
        &mut self,
        tensors: &HashMap<String, Tensor>,
    ) -> std::result::Result<(), String> {
        let n = self.visible_offset.dim(0).map_err(|e| e.to_string())?;
        let h = self.hidden_offset.dim(0).map_err(|e| e.to_string())?;
        let dev = self.data.device().clone();
        let to_dev = |t: Tensor| t.to_device(&dev).map_err(|e| e.to_string());
        self.visible_offset = to_dev(take(tensors, "rbm.visible_offset", &[n])?)?;
        self.hidden_offset = to_dev(take(tensors, "rbm.hidden_offset", &[h])?)?;
        if self.rbm.params.persistent {
            let c = take(
                tensors,
                "rbm.persistent_chains",
                &[self.rbm.params.chains, n],
            )?;
            self.chains = Some(to_dev(c)?);
        }
        Ok(())
    }
}

/// An offset moved towards the column means of `states` at `rate` (a moving average).
fn follow(offset: &Tensor, states: &Tensor, rate: f32) -> Result<Tensor> {
    let rate = rate as f64;
    Ok((offset.affine(1.0 - rate, 0.0)? + (states.mean(0)? * rate)?)?)
}
