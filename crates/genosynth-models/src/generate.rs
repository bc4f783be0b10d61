//! Sampling artificial haplotypes from a checkpoint.

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample};

use crate::checkpoint::Checkpoint;
use crate::device::{DeviceChoice, select_device};
use crate::model::Sampler;
use crate::{Error, Result, rng};

/// Stream of sampling (a different stream from training even for the same seed).
const STREAM_SAMPLE: u64 = 3;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of haplotypes.
    pub n_haplotypes: usize,
    /// Seed of the latent noise / Gibbs chains.
    pub seed: u64,
    /// Where to compute.
    pub device: DeviceChoice,
    /// RBM only: Gibbs steps from random states (default: the training `gibbs_steps`).
    pub gibbs_steps: Option<usize>,
}

/// Generated haplotypes and where they were computed.
#[derive(Debug, Clone)]
pub struct Generated {
    /// `n_haplotypes` haploid samples `AG_000001`, ... at the checkpoint's sites.
    pub matrix: HaplotypeMatrix,
    /// The device used.
    pub device: String,
}

/// Samples haplotypes from a trained model: GAN latent N(0,1) → generator → negatives to 0 →
/// rounded; RBM Gibbs chains from random visible states. Deterministic for a seed on the CPU.
pub fn generate(checkpoint: &Checkpoint, options: &GenerateOptions) -> Result<Generated> {
    generate_with_labels(checkpoint, options, None)
}

/// [`generate`] for a conditional model (WGAN or CRBM trained with population labels):
/// haplotype `i` is drawn for label index `labels[i]`, an index into the names of
/// [`crate::conditional::checkpoint_labels`] (see [`crate::conditional::expand_counts`]);
/// `labels.len()` must equal `n_haplotypes`.
pub fn generate_labelled(
    checkpoint: &Checkpoint,
    options: &GenerateOptions,
    labels: &[usize],
) -> Result<Generated> {
    let names = crate::conditional::checkpoint_labels(checkpoint).ok_or_else(|| {
        Error::config(
            "population",
            "the model was trained without population labels",
        )
    })?;
    if labels.len() != options.n_haplotypes || labels.iter().any(|&l| l >= names.names.len()) {
        return Err(Error::config(
            "population",
            "labels do not match the model's",
        ));
    }
    generate_with_labels(checkpoint, options, Some(labels))
}

fn generate_with_labels(
    checkpoint: &Checkpoint,
    options: &GenerateOptions,
    labels: Option<&[usize]>,
) -> Result<Generated> {
    if options.n_haplotypes == 0 {
        return Err(Error::config(
            "n",
            "at least one haplotype must be generated",
        ));
    }
    if options.gibbs_steps == Some(0) {
        return Err(Error::config("gibbs-steps", "must be at least 1"));
    }
    let device = select_device(options.device)?;
    let dev = &device.device;
    let weights = checkpoint
        .weights
        .iter()
        .map(|(k, t)| Ok((k.clone(), t.to_device(dev)?)))
        .collect::<Result<_>>()?;
    let sampler = Sampler::from_weights(&checkpoint.meta, &weights)
        .map_err(|r| Error::checkpoint(&checkpoint.dir, r))?;
    let mut r = rng::rng(options.seed, STREAM_SAMPLE);
    let matrix = sample_matrix(
        &sampler,
        options.n_haplotypes,
        labels,
        options.gibbs_steps,
        &mut r,
        dev,
        checkpoint.sites(),
    )?;
    Ok(Generated {
        matrix,
        device: device.description,
    })
}

/// `n` haplotypes `AG_000001`, ... from a model, at `sites`.
pub(crate) fn sample_matrix(
    sampler: &Sampler,
    n: usize,
    labels: Option<&[usize]>,
    gibbs_steps: Option<usize>,
    r: &mut rand_chacha::ChaCha8Rng,
    dev: &candle_core::Device,
    sites: genosynth_core::Sites,
) -> Result<HaplotypeMatrix> {
    let alleles = match sampler {
        Sampler::Gan(gan) => gan.sample(n, r, dev)?,
        Sampler::Rbm(rbm) => {
            let steps = gibbs_steps.unwrap_or(rbm.params.gibbs_steps);
            rbm.sample(n, steps, r)?
        }
        Sampler::Wgan(wgan) => wgan.generate(n, labels, r)?,
        Sampler::Crbm(crbm) => {
            let mut crbm = crbm.clone();
            crbm.config.gibbs_steps = gibbs_steps.unwrap_or(crbm.config.gibbs_steps);
            crbm.generate(n, labels, r)?
        }
        Sampler::Hclt(hclt) => hclt.sample(n, None, r)?,
    };
    let samples = Sample::numbered("AG_", n, Ploidy::Haploid);
    Ok(HaplotypeMatrix::from_dense_u8(&alleles, sites, samples)?)
}
