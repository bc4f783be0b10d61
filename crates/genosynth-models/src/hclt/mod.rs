//! Hidden Chow-Liu tree (HCLT): a probabilistic circuit over haplotypes with an exact
//! likelihood, after the HCLT models that Anand, Sankararaman et al. apply to genomes.
//!
//! Each site `j` has a hidden state `z_j` with `states` values; the hidden states form a tree
//! whose shape is the Chow-Liu tree of the sites (the maximum spanning tree of their pairwise
//! mutual information in the training data), so strongly linked sites are parent and child.
//! `p(x) = Σ_z π(z_root) Π_{j≠root} T_j(z_j | z_parent(j)) Π_j B_j(x_j | z_j)`. Training is
//! expectation-maximisation with exact inference (one upward and one downward pass per
//! haplotype; [`em`]), with pseudo-counts that pull each state's allele frequency towards the
//! site's and smooth the transitions: one epoch is one EM iteration over the training data.
//! Sampling is ancestral, root to leaves, on the host ([`sample`]). The likelihood of people
//! the model never saw measures overfitting directly.

mod bits;
mod breadth;
mod clusters;
mod em;
mod host;
mod lanes;
#[cfg(test)]
mod mixture_tests;
#[cfg(test)]
mod not_modelled_tests;
mod passes;
mod prior;
#[cfg(test)]
mod prior_tests;
mod reference;
mod sample;
#[cfg(test)]
mod scale_tests;
#[cfg(test)]
mod tests;
mod tree;

use candle_core::{DType, Device, Tensor};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::tensors::NamedTensors;
use crate::{Error, Result};

pub(crate) use em::{HcltTrainer, matrix_log_likelihoods, mean_log_likelihood};
pub use reference::ReferenceCache;
pub(crate) use tree::Tree;

/// The tensor of `model.safetensors` flagging the sites not modelled (1.0), one per site;
/// absent when every site is modelled.
const NOT_MODELLED: &str = "hclt.not_modelled";

/// Per-epoch figure of the HCLT: mean log-likelihood of the training haplotypes (nats).
pub(crate) const HCLT_LOSSES: [&str; 1] = ["log_likelihood"];

/// HCLT hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HcltParams {
    /// Hidden states per site (8: on the 805-SNP validation people, mean over epochs 10–40,
    /// 8 states gave privacy loss 0.026 and AATS halves 0.64/0.40; 12 and 16 states were more
    /// faithful (0.56/0.40) but leaked 0.041).
    pub states: usize,
    /// Pseudo-count pulling each state's allele frequency towards the site's (1.0).
    pub emission_prior: f32,
    /// Pseudo-count added to every transition (0.1).
    pub transition_prior: f32,
    /// Sampling temperature of the emissions: below 1 sharpens each state's alleles (0.95:
    /// on the 805-SNP validation people it brought the AATS halves from 0.67/0.33 at 1.0 to
    /// 0.56/0.43, LD unchanged).
    pub temperature: f32,
    /// Haplotypes per E-step chunk at most: the unit of parallel work, each with its own
    /// expected counts; bounds memory (1024). Data of fewer than eight chunks' worth is cut
    /// into about eight, so that every core gets work.
    pub chunk: usize,
    /// The Chow-Liu tree considers pairs of sites at most this many sites apart (1024: linkage
    /// decays with distance; 99% of the exact tree's edges on AGBL4 and all on the 805-SNP
    /// set are within 1024 sites, docs/scale.md). Checkpoints written before it existed read
    /// as the default; their trees are stored, not rebuilt.
    #[serde(default = "default_tree_band")]
    pub tree_band: usize,
    /// With other people's haplotypes to borrow from (`--reference`), the weight of the
    /// prior towards the model of them, in training
    /// haplotypes: the prior is worth `reference_weight × n` haplotypes for `n` training
    /// haplotypes, so own data keeps `1 / (1 + reference_weight)` of every parameter
    /// (docs/privacy.md measures the choice). Ignored without a reference.
    #[serde(default = "default_reference_weight")]
    pub reference_weight: f32,
    /// With a reference, how far each site's allele frequency is shrunk towards the reference
    /// model's, apart from the haplotype structure (`reference_weight`): the prior's emissions
    /// (and the start's) are the reference model's states moved site by site to `(own + F ×
    /// reference) / (1 + F)`: one log-odds shift per site (`prior.rs`). `None` borrows the
    /// reference's frequencies with its states at `reference_weight`, which takes a small
    /// population's AGs to the reference's ancestry (docs/model-choice.md); models written
    /// before it existed read as `None`.
    #[serde(default)]
    pub frequency_weight: Option<f32>,
    /// Mixture components (1). With C > 1 the hidden states are C blocks of `states`, the
    /// transitions stay within a block, and the root's state picks the block: a mixture of C
    /// HCLTs on one tree, whose component is a latent variable shared by every site (population
    /// structure beyond what a tree of local states carries). Each site then has C × `states`
    /// states; one component is exactly the plain HCLT.
    #[serde(default = "default_components")]
    pub components: usize,
    /// With C > 1, start each component from one cluster of the training haplotypes (k-means
    /// on their leading principal components; no panel needed) instead of a random start
    /// (true: the components carry ancestry from the first EM iteration, docs/model-choice.md).
    #[serde(default = "default_cluster_start")]
    pub cluster_start: bool,
}

fn default_cluster_start() -> bool {
    HcltParams::default().cluster_start
}

fn default_components() -> usize {
    1
}

fn default_reference_weight() -> f32 {
    HcltParams::default().reference_weight
}

fn default_tree_band() -> usize {
    HcltParams::default().tree_band
}

impl Default for HcltParams {
    fn default() -> Self {
        Self {
            states: 8,
            emission_prior: 1.0,
            transition_prior: 0.1,
            temperature: 0.95,
            chunk: 1024,
            tree_band: 1024,
            reference_weight: 4.0,
            frequency_weight: None,
            components: 1,
            cluster_start: true,
        }
    }
}

impl HcltParams {
    /// Hidden states per site over all components.
    pub(crate) fn hidden(&self) -> usize {
        self.states * self.components
    }

    /// The least value a normalised message entry keeps: 0 for one component; for a mixture,
    /// 10⁻³⁰, because messages never mix components, so a component the evidence rules out
    /// sinks below f32's range within a few hundred sites, and a zero in every component of a
    /// message would divide 0 by 0 (the floor moves a likelihood by about 10⁻³⁰ of itself).
    pub(crate) fn message_floor(&self) -> f32 {
        if self.components > 1 { 1e-30 } else { 0.0 }
    }

    /// Whether a transition between hidden states `a` and `b` stays within one component.
    pub(crate) fn same_component(&self, a: usize, b: usize) -> bool {
        a / self.states == b / self.states
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.states < 2 {
            return Err(Error::config("hclt-states", "must be at least 2"));
        }
        if self.components == 0 || self.components > 64 {
            return Err(Error::config(
                "hclt-components",
                format!("{} is not between 1 and 64", self.components),
            ));
        }
        if self.chunk == 0 {
            return Err(Error::config("hclt-chunk", "must be at least 1"));
        }
        if self.tree_band == 0 {
            return Err(Error::config("hclt-tree-band", "must be at least 1"));
        }
        if let Some(f) = self.frequency_weight
            && !(f >= 0.0 && f.is_finite())
        {
            return Err(Error::config(
                "reference-frequency-weight",
                format!("{f} is not >= 0"),
            ));
        }
        if !(self.reference_weight >= 0.0 && self.reference_weight.is_finite()) {
            return Err(Error::config(
                "reference-weight",
                format!("{} is not >= 0", self.reference_weight),
            ));
        }
        for (name, v) in [
            ("emission-prior", self.emission_prior),
            ("transition-prior", self.transition_prior),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::config(name, format!("{v} is not > 0")));
            }
        }
        if !(self.temperature > 0.0 && self.temperature.is_finite()) {
            return Err(Error::config(
                "temperature",
                format!("{} is not > 0", self.temperature),
            ));
        }
        Ok(())
    }
}

/// A hidden Chow-Liu tree: its shape and parameters (a clone shares the tensors, which no
/// update changes in place).
#[derive(Clone)]
pub(crate) struct Hclt {
    pub(crate) params: HcltParams,
    pub(crate) tree: Tree,
    /// Root state distribution `(states)`.
    pub(crate) pi: Tensor,
    /// `T_j[a, b] = p(z_j = b | z_parent = a)`, `(sites, states, states)`; the root's is unused.
    pub(crate) transition: Tensor,
    /// `B_j[a] = p(x_j = 1 | z_j = a)`, `(sites, states)`.
    pub(crate) emission: Tensor,
    /// Sites the model does not model (empty: none): their emission factor is 1 for both
    /// alleles, so the likelihood is the marginal over the other sites and does not depend on
    /// them, and sampling writes the reference allele there (`--private-allele-min-count`).
    pub(crate) not_modelled: Vec<bool>,
}

impl Hclt {
    /// A fresh model on `tree`: uniform root, transitions near the identity (so linked sites
    /// start linked) and zero between components, emissions at the site frequency ± 0.3, all
    /// drawn from `r`. With `start`, each component's emissions centre on its cluster's
    /// frequencies and the root weighs the components by their clusters' shares.
    pub(crate) fn init(
        params: HcltParams,
        tree: Tree,
        frequencies: &[f32],
        start: Option<&clusters::ComponentStart>,
        r: &mut ChaCha8Rng,
        dev: &Device,
    ) -> Result<Self> {
        let (l, k) = (tree.len(), params.hidden());
        let mut transition = Vec::with_capacity(l * k * k);
        for _ in 0..l * k {
            let row: Vec<f32> = (0..k).map(|_| -r.random::<f32>().max(1e-12).ln()).collect();
            let sum: f32 = row.iter().sum();
            transition.extend(row.into_iter().map(|v| v / sum));
        }
        // Dirichlet(1) rows plus 2 on the diagonal, within the row's component, renormalised.
        for row in 0..l * k {
            let a = row % k;
            let slice = &mut transition[row * k..(row + 1) * k];
            slice[a] += 2.0;
            for (b, v) in slice.iter_mut().enumerate() {
                if !params.same_component(a, b) {
                    *v = 0.0;
                }
            }
            let sum: f32 = slice.iter().sum();
            for v in slice.iter_mut() {
                *v /= sum;
            }
        }
        let states = params.states;
        let centre = |i: usize| {
            let (j, a) = (i / k, i % k);
            start.map_or(frequencies[j], |s| s.frequencies[(a / states) * l + j])
        };
        let emission: Vec<f32> = (0..l * k)
            .map(|i| (centre(i) + r.random_range(-0.3f32..0.3)).clamp(0.02, 0.98))
            .collect();
        let pi: Vec<f32> = (0..k)
            .map(|a| start.map_or(1.0 / k as f32, |s| s.shares[a / states] / states as f32))
            .collect();
        Ok(Self {
            pi: Tensor::from_vec(pi, k, dev)?,
            transition: Tensor::from_vec(transition, (l, k, k), dev)?,
            emission: Tensor::from_vec(emission, (l, k), dev)?,
            not_modelled: Vec::new(),
            params,
            tree,
        })
    }

    /// Rebuilds a model from [`Hclt::tensors`] (on their device).
    pub(crate) fn from_tensors(
        params: HcltParams,
        n_sites: usize,
        w: &std::collections::HashMap<String, Tensor>,
    ) -> std::result::Result<Self, String> {
        let get = |name: &str| {
            w.get(name)
                .cloned()
                .ok_or(format!("tensor {name} is missing"))
        };
        let k = params.hidden();
        let (parent, pi, transition, emission) = (
            get("hclt.parent")?,
            get("hclt.pi")?,
            get("hclt.transition")?,
            get("hclt.emission")?,
        );
        let shapes = [
            (parent.dims(), vec![n_sites]),
            (pi.dims(), vec![k]),
            (transition.dims(), vec![n_sites, k, k]),
            (emission.dims(), vec![n_sites, k]),
        ];
        for (got, want) in shapes {
            if got != want.as_slice() {
                return Err(format!("HCLT tensor of shape {got:?}, expected {want:?}"));
            }
        }
        let parents: Vec<f32> = parent
            .to_device(&Device::Cpu)
            .and_then(|p| p.to_vec1())
            .map_err(|e| e.to_string())?;
        let tree = Tree::from_parents(&parents)?;
        // Models written before it existed model every site.
        let not_modelled = match w.get(NOT_MODELLED) {
            None => Vec::new(),
            Some(t) => {
                if t.dims() != [n_sites] {
                    return Err(format!(
                        "{NOT_MODELLED} of shape {:?}, expected [{n_sites}]",
                        t.dims()
                    ));
                }
                t.to_device(&Device::Cpu)
                    .and_then(|t| t.to_dtype(DType::F32))
                    .and_then(|t| t.to_vec1::<f32>())
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .map(|v| v != 0.0)
                    .collect()
            }
        };
        Ok(Self {
            params,
            tree,
            pi,
            transition,
            emission,
            not_modelled,
        })
    }

    /// Component `c` of a mixture alone, as a one-component HCLT: the distribution the AGs
    /// drawn for `c` come from (its block of root states, renormalised; transitions never
    /// leave a component, so their block rows already sum to one).
    pub(crate) fn component(&self, c: usize) -> Result<Self> {
        let (s, n) = (self.params.states, self.params.components);
        if c >= n {
            return Err(Error::Data(format!(
                "component {c} asked of a mixture of {n} components"
            )));
        }
        let pi = self.pi.narrow(0, c * s, s)?;
        let weight = pi.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        if weight.is_nan() || weight <= 0.0 {
            return Err(Error::Data(format!(
                "component {c} of the mixture has root weight {weight}: no haplotype is drawn from it"
            )));
        }
        let pi = pi.affine(1.0 / weight, 0.0)?;
        let transition = self
            .transition
            .narrow(1, c * s, s)?
            .narrow(2, c * s, s)?
            .contiguous()?;
        let emission = self.emission.narrow(1, c * s, s)?.contiguous()?;
        Ok(Self {
            params: HcltParams {
                components: 1,
                cluster_start: false,
                ..self.params.clone()
            },
            tree: self.tree.clone(),
            pi,
            transition,
            emission,
            not_modelled: self.not_modelled.clone(),
        })
    }

    /// The parameters for `model.safetensors` (`hclt.parent` holds each site's parent, −1 for
    /// the root, as f32).
    pub(crate) fn tensors(&self) -> NamedTensors {
        let dev = self.pi.device();
        let parents: Vec<f32> = self.tree.parents_f32();
        let n = parents.len();
        let mut out: NamedTensors = vec![
            (
                "hclt.parent".into(),
                Tensor::from_vec(parents, n, dev).expect("a vector of the tree's size"),
            ),
            ("hclt.pi".into(), self.pi.clone()),
            ("hclt.transition".into(), self.transition.clone()),
            ("hclt.emission".into(), self.emission.clone()),
        ];
        if self.not_modelled.iter().any(|&m| m) {
            let flags: Vec<f32> = self.not_modelled.iter().map(|&m| f32::from(m)).collect();
            let t = Tensor::from_vec(flags, n, dev).expect("one flag per site");
            out.push((
                NOT_MODELLED.into(),
                t.to_dtype(self.dtype()).expect("a float"),
            ));
        }
        out
    }

    /// Whether site `j` is left out of the model ([`Hclt::not_modelled`]).
    pub(crate) fn is_not_modelled(&self, j: usize) -> bool {
        self.not_modelled.get(j).copied().unwrap_or(false)
    }

    /// Leaves `sites` (indices) out of the model, and models every other site.
    pub(crate) fn set_not_modelled(&mut self, sites: &[usize]) {
        self.not_modelled = vec![false; self.tree.len()];
        for &j in sites {
            self.not_modelled[j] = true;
        }
    }

    /// The emissions of one site as an `(1, states)` row and its complement.
    fn emission_rows(&self, j: usize) -> Result<(Tensor, Tensor)> {
        let b = self.emission.get(j)?.unsqueeze(0)?;
        let one_minus = b.affine(-1.0, 1.0)?;
        Ok((b, one_minus))
    }

    pub(crate) fn dtype(&self) -> DType {
        self.pi.dtype()
    }
}
