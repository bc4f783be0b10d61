//! WGAN-GP training: critic steps with the exact gradient penalty, generator steps, sampling.

use std::collections::HashMap;

use crate::Result;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use rand::Rng;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::adam::{Adam, AdamConfig};
use crate::tensors::NamedTensors;

use super::critic::Critic;
use super::generator::Generator;
use super::layout::{LATENT_POSITIONS, Layout, NOISE_CHANNELS};
use super::params::ParamMaker;

/// Hyperparameters of the convolutional WGAN-GP (defaults: the authors' values).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WganParams {
    /// Channel multiplier (10); widths run from 52× down to 0.5× of it.
    pub multiplier: f64,
    /// Residual blocks per resolution in each network (1).
    pub residual_blocks: usize,
    /// PacGAN packing: haplotypes per critic sample (3).
    pub pack: usize,
    /// Haplotypes per batch (96); rounded down to a multiple of `pack`.
    pub batch_size: usize,
    /// Critic steps per generator step (10).
    pub n_critic: usize,
    /// Gradient-penalty weight λ (10).
    pub gp_weight: f64,
    /// Adam learning rate of both networks (5e-4).
    pub lr: f64,
    /// Adam β1 (0.5).
    pub beta1: f64,
    /// Adam β2 (0.9).
    pub beta2: f64,
    /// Real critic scores are weighted by `1 - U(0, real_label_noise)` (0.1), normalised to
    /// mean 1 per batch: the authors' noisy real labels.
    pub real_label_noise: f64,
}

impl Default for WganParams {
    fn default() -> Self {
        Self {
            multiplier: 10.0,
            residual_blocks: 1,
            pack: 3,
            batch_size: 96,
            n_critic: 10,
            gp_weight: 10.0,
            lr: 5e-4,
            beta1: 0.5,
            beta2: 0.9,
            real_label_noise: 0.1,
        }
    }
}

impl WganParams {
    /// Checks every value is in range.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, reason: String| Err(crate::Error::config(name, reason));
        if !(self.multiplier.is_finite() && self.multiplier > 0.0) {
            return bad(
                "channel-multiplier",
                format!("{} is not > 0", self.multiplier),
            );
        }
        if self.pack == 0 {
            return bad("pack", "must be at least 1".into());
        }
        if self.batch_size < self.pack {
            return bad(
                "batch-size",
                format!(
                    "{} is smaller than the packing {}",
                    self.batch_size, self.pack
                ),
            );
        }
        if self.n_critic == 0 {
            return bad("n-critic", "must be at least 1".into());
        }
        for (name, v) in [("gp-weight", self.gp_weight), ("lr", self.lr)] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(name, format!("{v} is not >= 0"));
            }
        }
        for (name, v) in [
            ("beta1", self.beta1),
            ("beta2", self.beta2),
            ("real-label-noise", self.real_label_noise),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(name, format!("{v} is not in [0, 1]"));
            }
        }
        Ok(())
    }
}

/// Losses of one epoch (means over its steps).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct WganLosses {
    /// Critic loss `D(fake) - D(real) + λ·GP`.
    pub(crate) critic: f64,
    /// Gradient penalty (before the weight λ).
    pub(crate) gradient_penalty: f64,
    /// Wasserstein estimate `D(real) - D(fake)`.
    pub(crate) wasserstein: f64,
    /// Generator loss `-D(G(z))` (NaN when the epoch had no generator step).
    pub(crate) generator: f64,
}

/// A convolutional WGAN-GP: generator, critic and their parameters.
pub(crate) struct Wgan {
    /// Hyperparameters.
    pub(crate) config: WganParams,
    /// Padded layout of the sites.
    pub(crate) layout: Layout,
    /// Label classes (0: unconditional).
    pub(crate) n_labels: usize,
    /// The generator.
    pub(crate) generator: Generator,
    /// The critic.
    pub(crate) critic: Critic,
    /// Generator parameters (names `gen.*`).
    pub(crate) generator_vars: VarMap,
    /// Critic parameters (names `critic.*`).
    pub(crate) critic_vars: VarMap,
    device: Device,
    dtype: DType,
}

impl Wgan {
    /// A freshly initialised model for `n_sites` sites; weights drawn from `seed`.
    pub(crate) fn new(
        n_sites: usize,
        n_labels: usize,
        config: WganParams,
        device: &Device,
        dtype: DType,
        seed: u64,
    ) -> Result<Self> {
        Self::build(
            n_sites,
            n_labels,
            config,
            device,
            dtype,
            seed,
            VarMap::new(),
            VarMap::new(),
        )
    }

    /// A model with the weights of [`Wgan::tensors`] (f32, on their device).
    pub(crate) fn from_tensors(
        n_sites: usize,
        n_labels: usize,
        config: WganParams,
        tensors: &HashMap<String, Tensor>,
    ) -> Result<Self> {
        let device = tensors
            .values()
            .next()
            .map_or(Device::Cpu, |t| t.device().clone());
        let (generator_vars, critic_vars) = (VarMap::new(), VarMap::new());
        for (name, t) in tensors {
            let map = if name.starts_with("gen.") {
                &generator_vars
            } else if name.starts_with("critic.") {
                &critic_vars
            } else {
                return Err(crate::Error::compute(format!(
                    "tensor {name} is not a WGAN weight"
                )));
            };
            map.data()
                .lock()
                .expect("varmap lock poisoned")
                .insert(name.clone(), Var::from_tensor(&t.detach())?); // a copy, never an alias
        }
        let expected = tensors.len();
        let wgan = Self::build(
            n_sites,
            n_labels,
            config,
            &device,
            DType::F32,
            0,
            generator_vars,
            critic_vars,
        )?;
        if wgan.tensors().len() != expected {
            return Err(crate::Error::compute(format!(
                "{expected} WGAN tensors given, the architecture has {}",
                wgan.tensors().len()
            )));
        }
        Ok(wgan)
    }

    /// Every weight by name (`gen.*` then `critic.*`, sorted), for checkpoints.
    pub(crate) fn tensors(&self) -> NamedTensors {
        let mut out = Vec::new();
        for map in [&self.generator_vars, &self.critic_vars] {
            out.extend(
                sorted_vars(map)
                    .into_iter()
                    .map(|(n, v)| (n, v.as_tensor().clone())),
            );
        }
        out
    }

    #[allow(clippy::too_many_arguments)] // private constructor shared by new and from_tensors
    fn build(
        n_sites: usize,
        n_labels: usize,
        config: WganParams,
        device: &Device,
        dtype: DType,
        seed: u64,
        generator_vars: VarMap,
        critic_vars: VarMap,
    ) -> Result<Self> {
        let layout = Layout::new(n_sites, config.multiplier);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let generator = Generator::new(
            &mut ParamMaker {
                varmap: &generator_vars,
                device,
                rng: &mut rng,
                dtype,
            },
            layout,
            n_labels,
            config.residual_blocks,
        )?;
        let critic = Critic::new(
            &mut ParamMaker {
                varmap: &critic_vars,
                device,
                rng: &mut rng,
                dtype,
            },
            layout,
            config.pack,
            n_labels,
            config.residual_blocks,
        )?;
        Ok(Self {
            config,
            layout,
            n_labels,
            generator,
            critic,
            generator_vars,
            critic_vars,
            device: device.clone(),
            dtype,
        })
    }

    /// Generator inputs for a batch: latent `(B, 2, 4)` and per-stage noise, all N(0, 1).
    pub(crate) fn generator_inputs(
        &self,
        batch: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<(Tensor, Vec<Tensor>)> {
        let latent = normal(
            &[batch, NOISE_CHANNELS, LATENT_POSITIONS],
            rng,
            self.dtype,
            &self.device,
        )?;
        let noise = self
            .generator
            .noise_shapes(batch)
            .into_iter()
            .map(|(b, c, l)| normal(&[b, c, l], rng, self.dtype, &self.device))
            .collect::<Result<Vec<_>>>()?;
        Ok((latent, noise))
    }

    /// One-hot `(B, n_labels)` for label indices, or `None` for an unconditional model.
    pub(crate) fn one_hot(&self, labels: &[usize]) -> Result<Option<Tensor>> {
        if self.n_labels == 0 {
            return Ok(None);
        }
        let mut v = vec![0f32; labels.len() * self.n_labels];
        for (row, &l) in labels.iter().enumerate() {
            v[row * self.n_labels + l] = 1.0;
        }
        Ok(Some(
            Tensor::from_vec(v, (labels.len(), self.n_labels), &self.device)?
                .to_dtype(self.dtype)?,
        ))
    }

    /// `n` artificial haplotypes, row-major `n × n_sites` 0/1 (sigmoid outputs rounded).
    ///
    /// `labels` gives each haplotype's class for a conditional model (ignored otherwise).
    /// Generation runs in full batches of `batch_size` because BatchNorm uses batch statistics.
    pub(crate) fn generate(
        &self,
        n: usize,
        labels: Option<&[usize]>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<u8>> {
        let batch = self.config.batch_size.max(self.config.pack);
        let n_sites = self.layout.n_sites;
        let mut out = Vec::with_capacity(n * n_sites);
        let mut done = 0;
        while done < n {
            let take = batch.min(n - done);
            let batch_labels: Vec<usize> = match labels {
                Some(l) => (0..batch).map(|i| l[done + i.min(take - 1)]).collect(),
                None => vec![0; batch],
            };
            let (latent, noise) = self.generator_inputs(batch, rng)?;
            let one_hot = self.one_hot(&batch_labels)?;
            let x = self.generator.forward(&latent, one_hot.as_ref(), &noise)?;
            let x = x.squeeze(1)?.narrow(1, 0, n_sites)?.narrow(0, 0, take)?;
            let rows = x.to_dtype(DType::F32)?.to_vec2::<f32>()?;
            for row in rows {
                out.extend(row.into_iter().map(|p| u8::from(p >= 0.5)));
            }
            done += take;
        }
        Ok(out)
    }
}

/// Training state: the model, both Adam optimisers, the data on the device and the RNG.
pub(crate) struct WganTrainer {
    /// The model being trained.
    pub(crate) wgan: Wgan,
    generator_opt: Adam,
    critic_opt: Adam,
    generator_params: Vec<(String, Var)>,
    critic_params: Vec<(String, Var)>,
    data: Tensor,
    labels: Option<Vec<usize>>,
    mask: Tensor,
}

impl WganTrainer {
    /// Prepares training on row-major `n × n_sites` 0/1 `haplotypes` with optional labels.
    pub(crate) fn new(wgan: Wgan, haplotypes: &[f32], labels: Option<Vec<usize>>) -> Result<Self> {
        let layout = wgan.layout;
        let rows = haplotypes.len() / layout.n_sites;
        let data = Tensor::from_vec(
            layout.pad_rows(haplotypes),
            (rows, 1, layout.padded),
            &wgan.device,
        )?
        .to_dtype(wgan.dtype)?;
        let adam = AdamConfig {
            lr: wgan.config.lr as f32,
            beta1: wgan.config.beta1 as f32,
            beta2: wgan.config.beta2 as f32,
            epsilon: 1e-8,
        };
        let generator_params = sorted_vars(&wgan.generator_vars);
        let critic_params = sorted_vars(&wgan.critic_vars);
        let no_l2 =
            |p: &[(String, Var)]| p.iter().map(|(_, v)| (v.clone(), 0.0)).collect::<Vec<_>>();
        let generator_opt = Adam::new(adam, &no_l2(&generator_params))?;
        let critic_opt = Adam::new(adam, &no_l2(&critic_params))?;
        let mask = layout.mask(&wgan.device)?.to_dtype(wgan.dtype)?;
        Ok(Self {
            wgan,
            generator_opt,
            critic_opt,
            generator_params,
            critic_params,
            data,
            labels,
            mask,
        })
    }

    /// Adam moments of both networks (`{weight}.adam_m`, `{weight}.adam_v`) and their step
    /// counts `[generator, critic]`, for resume.
    pub(crate) fn optimizer_state(&self) -> Result<(NamedTensors, [u64; 2])> {
        let mut out = Vec::new();
        for (adam, params) in [
            (&self.generator_opt, &self.generator_params),
            (&self.critic_opt, &self.critic_params),
        ] {
            adam.push_moment_tensors(params.iter().map(|(n, _)| n.as_str()), &mut out)?;
        }
        Ok((out, [self.generator_opt.steps(), self.critic_opt.steps()]))
    }

    /// Restores what [`WganTrainer::optimizer_state`] saved.
    pub(crate) fn restore_optimizer(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        steps: [u64; 2],
    ) -> Result<()> {
        for (adam, params, step) in [
            (&mut self.generator_opt, &self.generator_params, steps[0]),
            (&mut self.critic_opt, &self.critic_params, steps[1]),
        ] {
            let mut moments = Vec::new();
            for (name, var) in params {
                let get = |suffix: &str| -> Result<Vec<f32>> {
                    let key = format!("{name}.{suffix}");
                    let t = tensors
                        .get(&key)
                        .ok_or_else(|| crate::Error::compute(format!("tensor {key} is missing")))?;
                    if t.elem_count() != var.elem_count() {
                        return Err(crate::Error::compute(format!(
                            "tensor {key} has {} values, expected {}",
                            t.elem_count(),
                            var.elem_count()
                        )));
                    }
                    Ok(t.flatten_all()?.to_vec1::<f32>()?)
                };
                moments.push((get("adam_m")?, get("adam_v")?));
            }
            adam.restore(step, moments)?;
        }
        Ok(())
    }

    /// One pass over the data: a critic step per batch, a generator step every `n_critic`.
    pub(crate) fn epoch(&mut self, rng: &mut ChaCha8Rng) -> Result<WganLosses> {
        let cfg = self.wgan.config.clone();
        let rows = self.data.dim(0)?;
        let batch = (cfg.batch_size.min(rows) / cfg.pack) * cfg.pack;
        let mut order: Vec<usize> = (0..rows).collect();
        order.shuffle(rng);
        let (mut sum, mut critic_n, mut gen_sum, mut gen_n) =
            (WganLosses::default(), 0.0, 0.0, 0.0);
        for chunk in order.chunks_exact(batch.max(cfg.pack)) {
            let step = self.critic_step(chunk, rng)?;
            sum.critic += step.critic;
            sum.gradient_penalty += step.gradient_penalty;
            sum.wasserstein += step.wasserstein;
            critic_n += 1.0;
            // The critic's Adam step count is the number of critic steps ever taken, so the
            // generator's turn survives a resume.
            if self
                .critic_opt
                .steps()
                .is_multiple_of(cfg.n_critic.max(1) as u64)
            {
                gen_sum += self.generator_step(chunk, rng)?;
                gen_n += 1.0;
            }
        }
        Ok(WganLosses {
            critic: sum.critic / critic_n,
            gradient_penalty: sum.gradient_penalty / critic_n,
            wasserstein: sum.wasserstein / critic_n,
            generator: if gen_n > 0.0 {
                gen_sum / gen_n
            } else {
                f64::NAN
            },
        })
    }

    fn batch_labels(&self, rows: &[usize]) -> Result<Option<Tensor>> {
        match &self.labels {
            Some(l) => self
                .wgan
                .one_hot(&rows.iter().map(|&r| l[r]).collect::<Vec<_>>()),
            None => Ok(None),
        }
    }

    fn critic_step(&mut self, rows: &[usize], rng: &mut ChaCha8Rng) -> Result<WganLosses> {
        let (w, cfg) = (&self.wgan, &self.wgan.config);
        let b = rows.len();
        let dev = &w.device;
        let idx = Tensor::from_vec(rows.iter().map(|&r| r as u32).collect::<Vec<_>>(), b, dev)?;
        let real = self.data.index_select(&idx, 0)?;
        let labels = self.batch_labels(rows)?;
        let (latent, noise) = w.generator_inputs(b, rng)?;
        let fake = w
            .generator
            .forward(&latent, labels.as_ref(), &noise)?
            .detach();
        let eps: Vec<f32> = (0..b).map(|_| rng.random::<f32>()).collect();
        let eps = Tensor::from_vec(eps, (b, 1, 1), dev)?.to_dtype(w.dtype)?;
        let interp = (real.broadcast_mul(&eps)? + fake.broadcast_mul(&(1.0 - &eps)?)?)?;

        let packed = b / cfg.pack;
        let real_fake = Tensor::cat(
            &[
                w.critic.pack_input(&real, labels.as_ref())?,
                w.critic.pack_input(&fake, labels.as_ref())?,
            ],
            0,
        )?;
        let scores = w.critic.forward(&real_fake)?;
        let d_real = scores.narrow(0, 0, packed)?;
        let d_fake = scores.narrow(0, packed, packed)?;
        let mut weights: Vec<f32> = (0..packed)
            .map(|_| 1.0 - cfg.real_label_noise as f32 * rng.random::<f32>())
            .collect();
        // Normalised to mean 1: with weights below 1 on average, lowering every score by c
        // lowers the loss by c·(1 - mean weight), so the critic's scores drift without bound
        // (measured: -2,700 after 1,000 critic steps) and the generator stops learning.
        let mean_weight = weights.iter().sum::<f32>() / packed as f32;
        weights.iter_mut().for_each(|w| *w /= mean_weight);
        let weights = Tensor::from_vec(weights, (packed, 1), dev)?.to_dtype(w.dtype)?;

        let (_, cache) = w
            .critic
            .forward_cached(&w.critic.pack_input(&interp, labels.as_ref())?, |_| {})?;
        let grad = w.critic.input_gradient(&cache)?.broadcast_mul(&self.mask)?;
        let norm = (grad.sqr()?.sum((1, 2))? + 1e-12)?.sqrt()?;
        let gp = (norm - 1.0)?.sqr()?.mean_all()?;
        let wasserstein = (d_real.mean_all()? - d_fake.mean_all()?)?;
        let loss =
            ((d_fake.mean_all()? - (d_real * weights)?.mean_all()?)? + (&gp * cfg.gp_weight)?)?;
        let grads = gradients(&loss, &self.critic_params)?;
        self.critic_opt.step(&grads)?;
        Ok(WganLosses {
            critic: scalar(&loss)?,
            gradient_penalty: scalar(&gp)?,
            wasserstein: scalar(&wasserstein)?,
            generator: f64::NAN,
        })
    }

    fn generator_step(&mut self, rows: &[usize], rng: &mut ChaCha8Rng) -> Result<f64> {
        let w = &self.wgan;
        let labels = self.batch_labels(rows)?;
        let (latent, noise) = w.generator_inputs(rows.len(), rng)?;
        let fake = w.generator.forward(&latent, labels.as_ref(), &noise)?;
        let loss = w
            .critic
            .forward(&w.critic.pack_input(&fake, labels.as_ref())?)?
            .mean_all()?
            .neg()?;
        let grads = gradients(&loss, &self.generator_params)?;
        self.generator_opt.step(&grads)?;
        scalar(&loss)
    }
}

/// Vars of a map in name order, so optimiser state lines up across runs.
fn sorted_vars(map: &VarMap) -> Vec<(String, Var)> {
    let data = map.data().lock().expect("varmap lock poisoned");
    let mut named: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

/// Gradients of `loss` for `params` in order (zeros for a parameter it does not reach).
fn gradients(loss: &Tensor, params: &[(String, Var)]) -> Result<Vec<Tensor>> {
    let grads = loss.backward()?;
    params
        .iter()
        .map(|(_, v)| match grads.get(v) {
            Some(g) => Ok(g.clone()),
            None => Ok(v.zeros_like()?),
        })
        .collect()
}

fn normal(shape: &[usize], rng: &mut ChaCha8Rng, dtype: DType, device: &Device) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|_| StandardNormal.sample(rng)).collect();
    Ok(Tensor::from_vec(v, shape, device)?.to_dtype(dtype)?)
}

fn scalar(t: &Tensor) -> Result<f64> {
    Ok(t.to_dtype(DType::F64)?.to_scalar::<f64>()?)
}
