//! One window of the chained conditional RBM: a centered binary RBM whose first `clamp`
//! visible units (the overlap with the previous window) and label units are conditioned on.

use candle_core::{DType, Device, Tensor};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::Result;
use crate::dp_sgd::DpSgd;

/// Where a window sits in the site sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct WindowSpan {
    /// First site of the window.
    pub(crate) start: usize,
    /// Number of sites.
    pub(crate) len: usize,
    /// Leading sites shared with the previous window, clamped in the negative phase and at
    /// generation (0 for the first window).
    pub(crate) clamp: usize,
}

/// Windows of `window` sites stepping by `window / 2` over `n_sites`; the last one is moved
/// back to end at the last site, so it overlaps its predecessor by at least half a window.
pub(crate) fn window_spans(n_sites: usize, window: usize) -> Vec<WindowSpan> {
    let window = window.clamp(2, n_sites.max(2)).min(n_sites);
    if n_sites <= window {
        return vec![WindowSpan {
            start: 0,
            len: n_sites,
            clamp: 0,
        }];
    }
    let step = window / 2;
    let mut spans = vec![WindowSpan {
        start: 0,
        len: window,
        clamp: 0,
    }];
    loop {
        let prev = *spans.last().expect("non-empty");
        let prev_end = prev.start + prev.len;
        if prev_end >= n_sites {
            break;
        }
        let start = (prev.start + step).min(n_sites - window);
        spans.push(WindowSpan {
            start,
            len: window,
            clamp: prev_end - start,
        });
    }
    spans
}

/// Training hyperparameters shared by all windows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CrbmParams {
    /// Sites per window (10,000; capped at the number of sites).
    pub window: usize,
    /// Hidden units per window (2,000).
    pub n_hidden: usize,
    /// Learning rate (0.001).
    pub lr: f64,
    /// Minibatch size, also the number of negative chains (500).
    pub batch_size: usize,
    /// Gibbs steps of the negative phase and of generation (50).
    pub gibbs_steps: usize,
}

impl Default for CrbmParams {
    fn default() -> Self {
        Self {
            window: 10_000,
            n_hidden: 2_000,
            lr: 0.001,
            batch_size: 500,
            gibbs_steps: 50,
        }
    }
}

impl CrbmParams {
    /// Checks every value is in range.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("window", self.window.saturating_sub(1)),
            ("hidden-units", self.n_hidden),
            ("batch-size", self.batch_size),
            ("gibbs-steps", self.gibbs_steps),
        ] {
            if v == 0 {
                return Err(crate::Error::config(name, "is too small".to_string()));
            }
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(crate::Error::config(
                "lr",
                format!("{} is not > 0", self.lr),
            ));
        }
        Ok(())
    }
}

/// Rate at which the hidden offsets follow the data's mean hidden activation.
const OFFSET_RATE: f64 = 0.01;

/// A centered RBM over one window's sites plus one-hot label units (appended after the sites).
///
/// Energy `-(v-μ)ᵀW(h-λ) - bᵀv - cᵀh`: `μ` is the data mean of the visible units, `λ` a running
/// mean of the hidden activations (the centered gradient of Melchior et al.).
#[derive(Debug, Clone)]
pub(crate) struct WindowRbm {
    /// Position in the site sequence.
    pub(crate) span: WindowSpan,
    /// Number of label units after the sites.
    pub(crate) n_labels: usize,
    /// Weights `(V, H)`, `V = span.len + n_labels`.
    pub(crate) w: Tensor,
    /// Visible biases `(V,)`.
    pub(crate) b: Tensor,
    /// Hidden biases `(H,)`.
    pub(crate) c: Tensor,
    /// Visible offsets `(V,)`.
    pub(crate) mu: Tensor,
    /// Hidden offsets `(H,)`.
    pub(crate) lambda: Tensor,
}

impl WindowRbm {
    /// This window's tensors as window `index` of a chain names them in checkpoints:
    /// `window{index}.{w,b,c,mu,lambda}`.
    pub(crate) fn named_tensors(&self, index: usize) -> Vec<(String, Tensor)> {
        [
            ("w", &self.w),
            ("b", &self.b),
            ("c", &self.c),
            ("mu", &self.mu),
            ("lambda", &self.lambda),
        ]
        .into_iter()
        .map(|(k, t)| (format!("window{index}.{k}"), t.clone()))
        .collect()
    }

    /// Initial window: weights N(0,1)·1e-4, visible offsets the data's frequencies and visible
    /// biases their logit (clamped to 1e-5), hidden biases 0, hidden offsets 0.5.
    /// With `private` (DP-SGD) nothing is read from `data`: offsets ½ and visible biases 0.
    pub(crate) fn new(
        span: WindowSpan,
        n_labels: usize,
        n_hidden: usize,
        data: &Tensor,
        private: bool,
        rng: &mut ChaCha8Rng,
    ) -> Result<Self> {
        let device = data.device();
        let v = span.len + n_labels;
        let w: Vec<f32> = (0..v * n_hidden)
            .map(|_| 1e-4 * Distribution::<f32>::sample(&StandardNormal, rng))
            .collect();
        let mu = if private {
            Tensor::full(0.5f32, v, device)?
        } else {
            data.mean(0)?
        };
        let freq = mu.clamp(1e-5f32, 1.0 - 1e-5)?;
        let b = (freq.log()? - (1.0 - &freq)?.log()?)?;
        Ok(Self {
            span,
            n_labels,
            w: Tensor::from_vec(w, (v, n_hidden), device)?,
            b,
            c: Tensor::zeros(n_hidden, DType::F32, device)?,
            mu,
            lambda: Tensor::full(0.5f32, n_hidden, device)?,
        })
    }

    fn hidden_probs(&self, v: &Tensor) -> Result<Tensor> {
        let pre = v
            .broadcast_sub(&self.mu)?
            .matmul(&self.w)?
            .broadcast_add(&self.c)?;
        Ok(candle_nn::ops::sigmoid(&pre)?)
    }

    fn visible_probs(&self, h: &Tensor) -> Result<Tensor> {
        let pre = h
            .broadcast_sub(&self.lambda)?
            .matmul(&self.w.t()?)?
            .broadcast_add(&self.b)?;
        Ok(candle_nn::ops::sigmoid(&pre)?)
    }

    /// `steps` block-Gibbs sweeps from `v`, keeping the units where `keep` is 1 at the values of
    /// `clamped`; returns the final visible sample.
    fn gibbs(
        &self,
        mut v: Tensor,
        keep: &Tensor,
        clamped: &Tensor,
        steps: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Tensor> {
        for _ in 0..steps {
            let h = bernoulli(&self.hidden_probs(&v)?, rng)?;
            let free = bernoulli(&self.visible_probs(&h)?, rng)?;
            v = (clamped.broadcast_mul(keep)? + free.broadcast_mul(&(1.0 - keep)?)?)?;
        }
        Ok(v)
    }

    /// `(1, V)` mask of the units conditioned on: the first `clamp` sites and the labels.
    fn clamp_mask(&self, device: &Device) -> Result<Tensor> {
        let v = self.span.len + self.n_labels;
        let m: Vec<f32> = (0..v)
            .map(|i| {
                if i < self.span.clamp || i >= self.span.len {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        Ok(Tensor::from_vec(m, (1, v), device)?)
    }

    /// One epoch of centered-gradient learning on `data` `(N, V)`; negative chains start from
    /// uniform noise every minibatch (the authors' out-of-equilibrium learning) with the
    /// conditioned units clamped to the minibatch. Returns the mean reconstruction error.
    pub(crate) fn train_epoch(
        &mut self,
        data: &Tensor,
        config: &CrbmParams,
        rng: &mut ChaCha8Rng,
    ) -> Result<f64> {
        let device = data.device().clone();
        let n = data.dim(0)?;
        let keep = self.clamp_mask(&device)?;
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.shuffle(rng);
        let mut error = 0.0;
        let mut batches = 0.0;
        for chunk in order.chunks(config.batch_size.max(1)) {
            let m = chunk.len();
            let x = data.index_select(&Tensor::from_slice(chunk, m, &device)?, 0)?;
            let ph_data = self.hidden_probs(&x)?;
            let start = bernoulli(&Tensor::full(0.5f32, x.dims(), &device)?, rng)?;
            let start = (x.broadcast_mul(&keep)? + start.broadcast_mul(&(1.0 - &keep)?)?)?;
            let v_model = self.gibbs(start, &keep, &x, config.gibbs_steps, rng)?;
            let ph_model = self.hidden_probs(&v_model)?;

            let xc = x.broadcast_sub(&self.mu)?;
            let vc = v_model.broadcast_sub(&self.mu)?;
            let dw = ((xc.t()?.matmul(&ph_data.broadcast_sub(&self.lambda)?)?
                - vc.t()?.matmul(&ph_model.broadcast_sub(&self.lambda)?)?)?
                / m as f64)?;
            let db = ((x.mean(0)? - v_model.mean(0)?)?
                - dw.matmul(&self.lambda.unsqueeze(1)?)?.squeeze(1)?)?;
            let dc = ((ph_data.mean(0)? - ph_model.mean(0)?)?
                - dw.t()?.matmul(&self.mu.unsqueeze(1)?)?.squeeze(1)?)?;
            self.w = (&self.w + (dw * config.lr)?)?;
            self.b = (&self.b + (db * config.lr)?)?;
            self.c = (&self.c + (dc * config.lr)?)?;

            self.follow_hidden(&ph_data.mean(0)?)?;

            let recon = self.visible_probs(&ph_data)?;
            error += (recon - &x)?.abs()?.mean_all()?.to_scalar::<f32>()? as f64;
            batches += 1.0;
        }
        Ok(error / batches)
    }

    /// `steps` steps of DP-SGD ([`crate::dp_sgd`]) on `data` `(N, V)`, each on a Poisson
    /// sample of individuals. A haplotype's chain is clamped to its own conditioned units, so
    /// its gradient pairs its data and model terms: `a bᵀ − a′b′ᵀ`, `x − v′`, `b − b′`
    /// (`a = x − μ`, `b = h − λ`, primes for its chain), of norm² `‖a‖²‖b‖² + ‖a′‖²‖b′‖²
    /// − 2(a·a′)(b·b′) + ‖x − v′‖² + ‖b − b′‖²`. The mechanism privatizes these sums; the
    /// centering transform of the biases works on the noisy result, and the hidden offsets
    /// follow the model's chains.
    pub(crate) fn train_steps_dp(
        &mut self,
        data: &Tensor,
        config: &CrbmParams,
        dp: &DpSgd,
        steps: u64,
        rng: &mut ChaCha8Rng,
    ) -> Result<()> {
        let device = data.device().clone();
        let keep = self.clamp_mask(&device)?;
        for _ in 0..steps {
            let batch = dp.poisson_batch(rng);
            let (sum_w, sum_v, sum_h, model_h) = if batch.is_empty() {
                (
                    self.w.zeros_like()?,
                    self.b.zeros_like()?,
                    self.c.zeros_like()?,
                    None,
                )
            } else {
                let m = batch.len();
                let x = data.index_select(&Tensor::from_slice(&batch, m, &device)?, 0)?;
                let ph_data = self.hidden_probs(&x)?;
                let start = bernoulli(&Tensor::full(0.5f32, x.dims(), &device)?, rng)?;
                let start = (x.broadcast_mul(&keep)? + start.broadcast_mul(&(1.0 - &keep)?)?)?;
                let v_model = self.gibbs(start, &keep, &x, config.gibbs_steps, rng)?;
                let ph_model = self.hidden_probs(&v_model)?;
                let (a, a2) = (x.broadcast_sub(&self.mu)?, v_model.broadcast_sub(&self.mu)?);
                let (b, b2) = (
                    ph_data.broadcast_sub(&self.lambda)?,
                    ph_model.broadcast_sub(&self.lambda)?,
                );
                let (dv, dh) = ((&x - &v_model)?, (&b - &b2)?);
                let sq = |t: &Tensor| t.sqr()?.sum(1);
                let dot = |s: &Tensor, t: &Tensor| (s * t)?.sum(1);
                let outer = ((sq(&a)? * sq(&b)?)? + (sq(&a2)? * sq(&b2)?)?
                    - ((dot(&a, &a2)? * dot(&b, &b2)?)? * 2.0)?)?;
                // Rounding can take a zero norm slightly below 0.
                let norms = (outer + sq(&dv)? + sq(&dh)?)?.relu()?.sqrt()?;
                let scales = dp.clip_scales(&batch, &norms.to_vec1::<f32>()?);
                let s = Tensor::from_vec(scales, (m, 1), &device)?;
                let w = (a.broadcast_mul(&s)?.t()?.matmul(&b)?
                    - a2.broadcast_mul(&s)?.t()?.matmul(&b2)?)?;
                (
                    w,
                    dv.broadcast_mul(&s)?.sum(0)?,
                    dh.broadcast_mul(&s)?.sum(0)?,
                    Some(ph_model.mean(0)?),
                )
            };
            let dw = dp.privatize(&sum_w, rng)?;
            let db = (dp.privatize(&sum_v, rng)?
                - dw.matmul(&self.lambda.unsqueeze(1)?)?.squeeze(1)?)?;
            let dc = (dp.privatize(&sum_h, rng)?
                - dw.t()?.matmul(&self.mu.unsqueeze(1)?)?.squeeze(1)?)?;
            self.w = (&self.w + (dw * config.lr)?)?;
            self.b = (&self.b + (db * config.lr)?)?;
            self.c = (&self.c + (dc * config.lr)?)?;
            if let Some(mean) = model_h {
                self.follow_hidden(&mean)?;
            }
        }
        Ok(())
    }

    /// Moves the hidden offsets towards `mean`, re-expressing b so the model's distribution is
    /// unchanged by the move.
    fn follow_hidden(&mut self, mean: &Tensor) -> Result<()> {
        let new_lambda = ((&self.lambda * (1.0 - OFFSET_RATE))? + (mean * OFFSET_RATE)?)?;
        let shift = (&new_lambda - &self.lambda)?;
        self.b = (&self.b + self.w.matmul(&shift.unsqueeze(1)?)?.squeeze(1)?)?;
        self.lambda = new_lambda;
        Ok(())
    }

    /// Samples `(n, V)` visible states: `conditioned` `(n, V)` holds the values of the clamped
    /// units (first `clamp` sites and labels; the rest is ignored), the free units start
    /// from uniform noise and run `steps` Gibbs sweeps.
    pub(crate) fn sample(
        &self,
        conditioned: &Tensor,
        steps: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Tensor> {
        let device = conditioned.device().clone();
        let keep = self.clamp_mask(&device)?;
        let noise = bernoulli(&Tensor::full(0.5f32, conditioned.dims(), &device)?, rng)?;
        let start = (conditioned.broadcast_mul(&keep)? + noise.broadcast_mul(&(1.0 - &keep)?)?)?;
        self.gibbs(start, &keep, conditioned, steps, rng)
    }
}

/// 0/1 samples with probabilities `p`: on the CPU from the seeded host RNG (reproducible), on
/// a GPU from the device generator (seeded per epoch and per generation), since host draws
/// copied to the device each Gibbs step made CUDA epochs host-bound.
fn bernoulli(p: &Tensor, rng: &mut ChaCha8Rng) -> Result<Tensor> {
    if !p.device().is_cpu() {
        return Ok(p.gt(&p.rand_like(0.0, 1.0)?)?.to_dtype(DType::F32)?);
    }
    let n = p.elem_count();
    let u: Vec<f32> = (0..n).map(|_| rng.random::<f32>()).collect();
    let u = Tensor::from_vec(u, p.dims(), p.device())?;
    Ok(p.gt(&u)?.to_dtype(DType::F32)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_overlap_by_half_and_cover_every_site() {
        let spans = window_spans(100, 40);
        assert_eq!(
            spans,
            vec![
                WindowSpan {
                    start: 0,
                    len: 40,
                    clamp: 0
                },
                WindowSpan {
                    start: 20,
                    len: 40,
                    clamp: 20
                },
                WindowSpan {
                    start: 40,
                    len: 40,
                    clamp: 20
                },
                WindowSpan {
                    start: 60,
                    len: 40,
                    clamp: 20
                },
            ]
        );
        let spans = window_spans(110, 40);
        assert_eq!(
            spans.last().unwrap(),
            &WindowSpan {
                start: 70,
                len: 40,
                clamp: 30
            }
        );
        assert_eq!(
            window_spans(30, 40),
            vec![WindowSpan {
                start: 0,
                len: 30,
                clamp: 0
            }]
        );
        for (n, w) in [(1000, 64), (999, 10), (65, 64)] {
            let spans = window_spans(n, w);
            assert_eq!(spans.last().unwrap().start + spans.last().unwrap().len, n);
            for pair in spans.windows(2) {
                assert_eq!(pair[1].clamp, pair[0].start + pair[0].len - pair[1].start);
                assert!(pair[1].clamp >= w / 2);
            }
        }
    }
}
