//! EM for the hidden Chow-Liu tree: exact posteriors by one upward and one downward pass.
//!
//! Upward (leaves first), per haplotype: `m_j = norm(E_j(x_j) ⊙ Π_c u_c)` and
//! `u_j = norm(m_j Tᵀ_j)`, a message about the parent's state; the normalising constants sum to
//! the log-likelihood. Downward (root first): `o_root = π`; for a child `c` of `j`,
//! `w = norm(o_j ⊙ m_j / u_c)` (the parent's posterior without `c`'s evidence), `o_c = norm(w T_c)`.
//! The posterior of `z_j` is `norm(o_j ⊙ m_j)`; the expected transition counts of edge `c` are
//! `T_c ⊙ ((w / Z)ᵀ m_c)` with `Z = Σ (w T_c) ⊙ m_c`. The M-step adds the pseudo-counts.
//! Here every step is a batched tensor operation over a chunk of haplotypes: the CUDA path. On
//! the CPU the same formulas run as plain loops ([`super::passes`]), much faster.

use candle_core::{D, Device, Tensor};
use genosynth_core::HaplotypeMatrix;
use rand_chacha::ChaCha8Rng;

use super::bits::SiteBits;
use super::clusters::{component_start, label_start};
use super::host::HostHclt;
use super::passes;
use super::prior::Prior;
use super::{Hclt, HcltParams, Tree};
use crate::Result;

/// An HCLT with its training data: bit-packed by site on the CPU, or on the device in chunks
/// of haplotypes.
pub(crate) struct HcltTrainer {
    pub(crate) hclt: Hclt,
    data: TrainingData,
    /// Smoothed site frequencies `(sites)`, the target of the emission prior.
    site_frequencies: Vec<f32>,
    n_haplotypes: usize,
    /// Pseudo-counts towards a model of reference people ([`super::prior`]), when other people are given.
    pub(super) prior: Option<Prior>,
}

enum TrainingData {
    Cpu(SiteBits),
    /// `(sites, haplotypes)` 0/1 chunks, each contiguous.
    Device(Vec<Tensor>),
}

/// Expected counts of one E-step.
struct Counts {
    /// Per site, `Σ_n q_j` and `Σ_n x_j q_j` `(states)`.
    states: Vec<Option<(Tensor, Tensor)>>,
    /// Per non-root site, expected transitions `(states, states)`.
    transitions: Vec<Option<Tensor>>,
    log_likelihood: f64,
}

impl HcltTrainer {
    /// A trainer on `dense` (row-major `n × sites` 0/1): the Chow-Liu tree of the data and a
    /// fresh model (`weights = None`), or a checkpoint's model. Tests' shortcut: training
    /// reads packed matrices ([`Self::from_matrix`]).
    #[cfg(test)]
    pub(crate) fn new(
        params: HcltParams,
        dense: &[f32],
        n: usize,
        frequencies: &[f32],
        weights: Option<Hclt>,
        init_rng: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Self> {
        let bits = SiteBits::from_dense(dense, n, frequencies.len());
        Self::from_bits(params, bits, frequencies, weights, None, init_rng, dev)
    }

    /// [`Self::new`] on the haplotypes of `matrix`, read from its packed rows: the trainer
    /// holds them at a bit per allele and never a dense copy.
    pub(crate) fn from_matrix(
        params: HcltParams,
        matrix: &HaplotypeMatrix,
        frequencies: &[f32],
        weights: Option<Hclt>,
        init_rng: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Self> {
        let bits = SiteBits::from_matrix(matrix, 0..matrix.n_haplotypes());
        Self::from_bits(params, bits, frequencies, weights, None, init_rng, dev)
    }

    /// [`Self::from_matrix`] for a fresh mixture whose component `g` starts from the
    /// haplotypes labelled `g` (`labels`, one per haplotype, below `params.components`: a
    /// panel's populations) instead of clusters of them.
    pub(crate) fn from_labelled_matrix(
        params: HcltParams,
        matrix: &HaplotypeMatrix,
        labels: &[usize],
        frequencies: &[f32],
        init_rng: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Self> {
        let bits = SiteBits::from_matrix(matrix, 0..matrix.n_haplotypes());
        Self::from_bits(params, bits, frequencies, None, Some(labels), init_rng, dev)
    }

    pub(super) fn from_bits(
        params: HcltParams,
        bits: SiteBits,
        frequencies: &[f32],
        weights: Option<Hclt>,
        labels: Option<&[usize]>,
        init_rng: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Self> {
        let (n, l) = (bits.n_haplotypes(), bits.n_sites());
        let hclt = match weights {
            Some(h) => h,
            None => {
                let tree = Tree::chow_liu(&bits, params.tree_band);
                let start = match labels {
                    Some(labels) => Some(label_start(&bits, labels, params.components)),
                    None => (params.components > 1 && params.cluster_start)
                        .then(|| component_start(&bits, params.components, init_rng)),
                };
                Hclt::init(
                    params.clone(),
                    tree,
                    frequencies,
                    start.as_ref(),
                    init_rng,
                    dev,
                )?
            }
        };
        let data = if dev.is_cpu() {
            TrainingData::Cpu(bits)
        } else {
            let chunk = params.chunk.max(1);
            TrainingData::Device(
                (0..n)
                    .step_by(chunk)
                    .map(|start| {
                        let rows = start..(start + chunk).min(n);
                        let len = rows.len();
                        Tensor::from_vec(bits.dense_by_site(rows), (l, len), dev)
                    })
                    .collect::<candle_core::Result<Vec<_>>>()?,
            )
        };
        let site_frequencies = frequencies
            .iter()
            .map(|&p| (p * n as f32 + 0.5) / (n as f32 + 1.0))
            .collect();
        Ok(Self {
            hclt,
            data,
            site_frequencies,
            n_haplotypes: n,
            prior: None,
        })
    }

    /// One EM iteration; returns the training data's mean log-likelihood before the update.
    pub(crate) fn epoch(&mut self, _r: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        let chunks = match &self.data {
            TrainingData::Cpu(bits) => {
                let host = HostHclt::of(&self.hclt)?;
                let counts = passes::e_step(&host, &self.hclt.tree, bits, self.hclt.params.chunk);
                let mean = counts.log_likelihood / self.n_haplotypes as f64;
                self.m_step_host(&host, counts)?;
                return Ok(vec![mean]);
            }
            TrainingData::Device(chunks) => chunks,
        };
        let mut total: Option<Counts> = None;
        for chunk in chunks {
            let counts = e_step(&self.hclt, chunk, true)?;
            total = Some(match total {
                None => counts,
                Some(t) => t.add(counts)?,
            });
        }
        let total = total.expect("at least one chunk");
        let mean = total.log_likelihood / self.n_haplotypes as f64;
        self.m_step(total)?;
        Ok(vec![mean])
    }

    /// The M-step from host counts: the pseudo-counts are added here, as in [`Self::m_step`].
    fn m_step_host(&mut self, host: &HostHclt, c: passes::Counts) -> Result<()> {
        let targets = self.emission_targets(&c.states, &c.alt);
        let h = &mut self.hclt;
        let (k, l) = (host.k, h.tree.len());
        let prior = f64::from(h.params.emission_prior);
        let tp = f64::from(h.params.transition_prior);
        // B_j = (Σ x q + prior · p̄_j) / (Σ q + prior)
        let pooled = self.prior.as_ref();
        let emission: Vec<f32> = (0..l * k)
            .map(|i| {
                let target = prior * targets[i];
                match pooled {
                    // Σxq + w·Σq·B_pool over (1 + w)·Σq, then the site-frequency prior.
                    Some(p) => {
                        let w = p.weight;
                        ((c.alt[i] + w * c.states[i] * p.emission[i] + target)
                            / ((1.0 + w) * c.states[i] + prior)) as f32
                    }
                    None => ((c.alt[i] + target) / (c.states[i] + prior)) as f32,
                }
            })
            .collect();
        let root = h.tree.root();
        let root_counts = &c.states[root * k..(root + 1) * k];
        let pi: Vec<f32> = match pooled {
            Some(p) => p.row(root_counts, &p.pi, &vec![tp; k]),
            None => {
                let total: f64 = root_counts.iter().map(|q| q + tp).sum();
                root_counts.iter().map(|q| (q + tp) / total).collect()
            }
        }
        .into_iter()
        .map(|v| v as f32)
        .collect();
        let mut transition = vec![1.0 / k as f32; l * k * k];
        // The transition pseudo-count stays within a component, so mixture blocks stay apart.
        let flat: Vec<Vec<f64>> = (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| {
                        if h.params.same_component(a, b) {
                            tp
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        for j in (0..l).filter(|&j| j != root) {
            let at = j * k * k;
            for (a, flat) in flat.iter().enumerate() {
                let row = at + a * k..at + (a + 1) * k;
                let counts: Vec<f64> = row
                    .clone()
                    .map(|i| f64::from(host.transition[i]) * c.pairs[i])
                    .collect();
                let updated: Vec<f64> = match pooled {
                    Some(p) => p.row(&counts, &p.transition[row.clone()], flat),
                    None => {
                        let sum: f64 = counts.iter().zip(flat).map(|(v, f)| v + f).sum();
                        counts
                            .iter()
                            .zip(flat)
                            .map(|(v, f)| (v + f) / sum)
                            .collect()
                    }
                };
                for (t, v) in transition[row].iter_mut().zip(updated) {
                    *t = v as f32;
                }
            }
        }
        let dev = h.pi.device().clone();
        h.pi = Tensor::from_vec(pi, k, &dev)?;
        h.transition = Tensor::from_vec(transition, (l, k, k), &dev)?;
        h.emission = Tensor::from_vec(emission, (l, k), &dev)?;
        Ok(())
    }

    /// What the emission prior pulls each state's allele frequency towards, per `(site,
    /// state)`: the site's frequency; in a mixture, the frequency in the state's component
    /// (its expected counts `states`, `alt`, plus one haplotype at the site's frequency), so
    /// the prior smooths states within a population without erasing the populations. With a
    /// reference, the reference model's state: a state the own people seldom visit gets little
    /// of the reference's pull (it scales with their count) but is reached through transitions
    /// shrunk towards the reference's, so it must emit as the reference's does, not at the own
    /// people's site frequency (which pulled their block frequencies back towards their own).
    fn emission_targets(&self, states: &[f64], alt: &[f64]) -> Vec<f64> {
        if let Some(pooled) = &self.prior {
            return pooled.emission.clone();
        }
        let p = &self.hclt.params;
        let (k, s) = (p.hidden(), p.states);
        let site = |i: usize| f64::from(self.site_frequencies[i / k]);
        if p.components == 1 {
            return (0..states.len()).map(site).collect();
        }
        (0..states.len())
            .map(|i| {
                let block = i - i % s..i - i % s + s;
                let (n, x) = (
                    states[block.clone()].iter().sum::<f64>(),
                    alt[block].iter().sum::<f64>(),
                );
                (x + site(i)) / (n + 1.0)
            })
            .collect()
    }

    fn m_step(&mut self, counts: Counts) -> Result<()> {
        let (q, q1): (Vec<Tensor>, Vec<Tensor>) = counts
            .states
            .into_iter()
            .map(|c| c.expect("every site counted"))
            .unzip();
        let (mut q, mut q1) = (Tensor::stack(&q, 0)?, Tensor::stack(&q1, 0)?);
        let wide = |t: &Tensor| -> Result<Vec<f64>> {
            Ok(t.flatten_all()?
                .to_vec1::<f32>()?
                .into_iter()
                .map(f64::from)
                .collect())
        };
        let targets = self.emission_targets(&wide(&q)?, &wide(&q1)?);
        let h = &mut self.hclt;
        let (p, k) = (&h.params, h.params.hidden());
        let root = h.tree.root();
        let mut transition_counts = counts.transitions;
        let mut root_counts = q.get(root)?;
        if let Some(pooled) = &self.prior {
            // Each row's counts gain w × their own total, spread as the reference model's row.
            let (l, dev, w) = (q.dim(0)?, q.device().clone(), pooled.weight);
            let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
            let b_pool = Tensor::from_vec(f32s(&pooled.emission), (l, k), &dev)?;
            q1 = (q1 + ((&q * &b_pool)? * w)?)?;
            q = (q * (1.0 + w))?;
            let pi_pool = Tensor::from_vec(f32s(&pooled.pi), k, &dev)?;
            root_counts =
                (&root_counts + pi_pool.broadcast_mul(&(root_counts.sum_all()? * w)?)?)?;
            for (j, slot) in transition_counts.iter_mut().enumerate() {
                if let Some(c) = slot.take() {
                    let rows = f32s(&pooled.transition[j * k * k..(j + 1) * k * k]);
                    let t_pool = Tensor::from_vec(rows, (k, k), &dev)?;
                    let own = (c.sum_keepdim(1)? * w)?;
                    *slot = Some((&c + t_pool.broadcast_mul(&own)?)?);
                }
            }
        }
        let prior = f64::from(p.emission_prior);
        // B_j = (Σ x q + prior · p̄_j) / (Σ q + prior)
        let targets: Vec<f32> = targets.iter().map(|&t| (t * prior) as f32).collect();
        let target = Tensor::from_vec(targets, q.dims(), q.device())?;
        h.emission = ((q1 + target)? / (q.clone() + prior)?)?;
        let tp = f64::from(p.transition_prior);
        let root_counts = (root_counts + tp)?;
        h.pi = root_counts.broadcast_div(&root_counts.sum_all()?)?;
        let uniform = Tensor::full(1.0 / k as f32, (k, k), q.device())?;
        let flat: Vec<f32> = (0..k * k)
            .map(|i| {
                if p.same_component(i / k, i % k) {
                    tp as f32
                } else {
                    0.0
                }
            })
            .collect();
        let flat = Tensor::from_vec(flat, (k, k), q.device())?;
        let transitions = transition_counts
            .into_iter()
            .map(|c| match c {
                Some(c) => {
                    let c = (c + &flat)?;
                    c.broadcast_div(&c.sum_keepdim(1)?)
                }
                None => Ok(uniform.clone()),
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        h.transition = Tensor::stack(&transitions, 0)?;
        Ok(())
    }
}

impl Counts {
    fn add(self, other: Counts) -> Result<Counts> {
        let add = |a: Tensor, b: Tensor| a + b;
        Ok(Counts {
            states: self
                .states
                .into_iter()
                .zip(other.states)
                .map(|(a, b)| match (a, b) {
                    (Some((q, q1)), Some((r, r1))) => Ok(Some((add(q, r)?, add(q1, r1)?))),
                    (a, b) => Ok(a.or(b)),
                })
                .collect::<candle_core::Result<_>>()?,
            transitions: self
                .transitions
                .into_iter()
                .zip(other.transitions)
                .map(|(a, b)| match (a, b) {
                    (Some(a), Some(b)) => Ok(Some(add(a, b)?)),
                    (a, b) => Ok(a.or(b)),
                })
                .collect::<candle_core::Result<_>>()?,
            log_likelihood: self.log_likelihood + other.log_likelihood,
        })
    }
}

/// Rows of `x` divided by their sums, and the sums `(n, 1)`.
fn normalise(x: Tensor) -> candle_core::Result<(Tensor, Tensor)> {
    let s = x.sum_keepdim(D::Minus1)?;
    Ok((x.broadcast_div(&s)?, s))
}

/// The upward pass over `x` (`(sites, n)`): messages `m`, `u` and each haplotype's
/// log-likelihood `(n)`.
#[allow(clippy::type_complexity, reason = "the pass's three outputs")]
fn upward(h: &Hclt, x: &Tensor) -> Result<(Vec<Option<Tensor>>, Vec<Option<Tensor>>, Tensor)> {
    let (l, n) = x.dims2()?;
    let (mut m, mut u) = (vec![None; l], vec![None; l]);
    let mut log = Tensor::zeros(n, h.dtype(), x.device())?;
    let floor = f64::from(h.params.message_floor());
    let floored = |t: Tensor| if floor > 0.0 { t.maximum(floor) } else { Ok(t) };
    for &j in h.tree.order.iter().rev() {
        let mut mj = if h.is_not_modelled(j) {
            // Factor 1 for both alleles: the site is marginalised.
            Tensor::ones((n, h.params.hidden()), h.dtype(), x.device())?
        } else {
            let (b, one_minus) = h.emission_rows(j)?;
            let xj = x.get(j)?.unsqueeze(1)?;
            // E_j(x)[n, a] = x_n · B_j[a] + (1 − x_n) · (1 − B_j[a])
            (xj.broadcast_mul(&(b - &one_minus)?)?).broadcast_add(&one_minus)?
        };
        for &c in &h.tree.children[j] {
            let uc: &Tensor = u[c].as_ref().expect("children come before parents upward");
            let (next, s) = normalise((mj * uc)?)?;
            mj = floored(next)?;
            log = (log + s.squeeze(1)?.log()?)?;
        }
        if h.tree.parent[j].is_some() {
            let (uj, s) = normalise(mj.matmul(&h.transition.get(j)?.t()?)?)?;
            log = (log + s.squeeze(1)?.log()?)?;
            u[j] = Some(floored(uj)?);
        } else {
            let s = mj.broadcast_mul(&h.pi.unsqueeze(0)?)?.sum(1)?;
            log = (log + s.log()?)?;
        }
        m[j] = Some(mj);
    }
    Ok((m, u, log))
}

/// Expected counts of `x` (`(sites, n)`); without `counts` only the log-likelihood.
fn e_step(h: &Hclt, x: &Tensor, counts: bool) -> Result<Counts> {
    let (m, u, log) = upward(h, x)?;
    let log_likelihood = log
        .to_dtype(candle_core::DType::F64)?
        .sum_all()?
        .to_scalar::<f64>()?;
    let l = h.tree.len();
    let mut out = Counts {
        states: vec![None; l],
        transitions: vec![None; l],
        log_likelihood,
    };
    if !counts {
        return Ok(out);
    }
    let n = x.dim(1)?;
    let floor = f64::from(h.params.message_floor());
    let mut o: Vec<Option<Tensor>> = vec![None; l];
    o[h.tree.root()] = Some(
        h.pi.unsqueeze(0)?
            .broadcast_as((n, h.params.hidden()))?
            .contiguous()?,
    );
    for &j in &h.tree.order {
        let oj = o[j].take().expect("parents come before children downward");
        let mj = m[j].as_ref().expect("every site passed upward");
        let om = (oj * mj)?;
        let (q, _) = normalise(om.clone())?;
        let xj = x.get(j)?.unsqueeze(0)?;
        out.states[j] = Some((q.sum(0)?, xj.matmul(&q)?.squeeze(0)?));
        for &c in &h.tree.children[j] {
            let uc = u[c].as_ref().expect("a child has an upward message");
            let (w, _) = normalise((&om / uc)?)?;
            let tc = h.transition.get(c)?;
            let oc = w.matmul(&tc)?;
            let mc = m[c].as_ref().expect("every site passed upward");
            let z = (&oc * mc)?.sum_keepdim(1)?;
            let expected = (tc * w.broadcast_div(&z)?.t()?.matmul(mc)?)?;
            out.transitions[c] = Some(expected);
            let oc = normalise(oc)?.0;
            o[c] = Some(if floor > 0.0 { oc.maximum(floor)? } else { oc });
        }
    }
    Ok(out)
}

/// Haplotypes scored per part by [`matrix_log_likelihoods`]: a part is re-packed by site
/// (a bit per allele) and scored, so memory beyond the matrix stays at one part's.
const SCORE_CHUNK: usize = 8192;

/// Mean log-likelihood (nats per haplotype) of the haplotypes of `m` under `h`.
pub(crate) fn mean_log_likelihood(h: &Hclt, m: &HaplotypeMatrix) -> Result<f64> {
    let n = m.n_haplotypes();
    Ok(matrix_log_likelihoods(h, m)?.iter().sum::<f64>() / n as f64)
}

/// Log-likelihood (nats) of each haplotype of `m` under `h`, in order, scored
/// [`SCORE_CHUNK`] haplotypes at a time.
pub(crate) fn matrix_log_likelihoods(h: &Hclt, m: &HaplotypeMatrix) -> Result<Vec<f64>> {
    log_likelihoods_in_chunks(h, m, SCORE_CHUNK)
}

/// [`matrix_log_likelihoods`] `chunk` haplotypes at a time: each haplotype's likelihood is
/// its own, so the chunk changes the memory, never a value.
pub(crate) fn log_likelihoods_in_chunks(
    h: &Hclt,
    m: &HaplotypeMatrix,
    chunk: usize,
) -> Result<Vec<f64>> {
    let n = m.n_haplotypes();
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(chunk.max(1)) {
        let bits = SiteBits::from_matrix(m, start..(start + chunk).min(n));
        out.extend(bits_log_likelihoods(h, &bits)?);
    }
    Ok(out)
}

/// Log-likelihood (nats) of each haplotype of `dense` (row-major `n × sites`) under `h`.
#[cfg(test)]
pub(crate) fn log_likelihoods(h: &Hclt, dense: &[f32], n: usize) -> Result<Vec<f64>> {
    bits_log_likelihoods(h, &SiteBits::from_dense(dense, n, h.tree.len()))
}

/// Log-likelihood (nats) of each haplotype of `bits` under `h`.
fn bits_log_likelihoods(h: &Hclt, bits: &SiteBits) -> Result<Vec<f64>> {
    let (l, n) = (h.tree.len(), bits.n_haplotypes());
    let dev = h.pi.device();
    if dev.is_cpu() {
        return Ok(passes::log_likelihoods(&HostHclt::of(h)?, &h.tree, bits));
    }
    let chunk = h.params.chunk.max(1);
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(chunk) {
        let rows = start..(start + chunk).min(n);
        let len = rows.len();
        let x = Tensor::from_vec(bits.dense_by_site(rows), (l, len), dev)?;
        let (_, _, log) = upward(h, &x)?;
        out.extend(log.to_dtype(candle_core::DType::F64)?.to_vec1::<f64>()?);
    }
    Ok(out)
}

/// The tensor version's expected counts and log-likelihood of `dense` under `h` on `dev`:
/// the reference the plain loops are tested against.
#[cfg(test)]
#[allow(
    clippy::type_complexity,
    reason = "the counts as flat vectors, for comparison"
)]
pub(crate) fn tensor_e_step(
    h: &Hclt,
    dense: &[f32],
    n: usize,
) -> Result<(Vec<f32>, Vec<f32>, Vec<Option<Vec<f32>>>, f64)> {
    let l = h.tree.len();
    let x = Tensor::from_slice(dense, (n, l), h.pi.device())?
        .t()?
        .contiguous()?;
    let c = e_step(h, &x, true)?;
    let (mut q, mut q1) = (Vec::new(), Vec::new());
    for s in c.states {
        let (a, b) = s.expect("every site counted");
        q.extend(a.to_vec1::<f32>()?);
        q1.extend(b.to_vec1::<f32>()?);
    }
    let t = c
        .transitions
        .into_iter()
        .map(|t| t.map(|t| t.flatten_all()?.to_vec1::<f32>()).transpose())
        .collect::<candle_core::Result<_>>()?;
    Ok((q, q1, t, c.log_likelihood))
}
