//! Sampling artificial haplotypes from a checkpoint.

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Sites};

use crate::checkpoint::Checkpoint;
use crate::device::{DeviceChoice, SelectedDevice, select_device};
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
    generate_with_labels(checkpoint, options, Some(labels))
}

fn generate_with_labels(
    checkpoint: &Checkpoint,
    options: &GenerateOptions,
    labels: Option<&[usize]>,
) -> Result<Generated> {
    let generator = Generator::new(checkpoint, options.device, options.gibbs_steps)?;
    let matrix = generator.sample(options.n_haplotypes, options.seed, labels)?;
    Ok(Generated {
        matrix,
        device: generator.device.description,
    })
}

/// A model loaded once for many draws, e.g. the chunks of a streamed generation
/// ([`chunk_seed`] gives each chunk its seed).
pub struct Generator {
    sampler: Sampler,
    device: SelectedDevice,
    sites: Sites,
    /// How many population labels a conditional model knows.
    n_labels: Option<usize>,
    gibbs_steps: Option<usize>,
}

impl Generator {
    /// Loads `checkpoint` onto `device`; `gibbs_steps` as in [`GenerateOptions`].
    ///
    /// # Errors
    /// No such device, `gibbs_steps` of 0, or weights that do not fit the model.
    pub fn new(
        checkpoint: &Checkpoint,
        device: DeviceChoice,
        gibbs_steps: Option<usize>,
    ) -> Result<Self> {
        if gibbs_steps == Some(0) {
            return Err(Error::config("gibbs-steps", "must be at least 1"));
        }
        let device = select_device(device)?;
        let dev = &device.device;
        let weights = checkpoint
            .weights
            .iter()
            .map(|(k, t)| Ok((k.clone(), t.to_device(dev)?)))
            .collect::<Result<_>>()?;
        let sampler = Sampler::from_weights(&checkpoint.meta, &weights)
            .map_err(|r| Error::checkpoint(&checkpoint.dir, r))?;
        Ok(Self {
            sampler,
            device,
            sites: checkpoint.sites(),
            n_labels: crate::checkpoint::checkpoint_labels(checkpoint).map(|l| l.names.len()),
            gibbs_steps,
        })
    }

    /// The device, e.g. `cpu (2 threads)` or `cuda:0`.
    pub fn device(&self) -> &str {
        &self.device.description
    }

    /// The model's sites.
    pub fn sites(&self) -> &Sites {
        &self.sites
    }

    /// `n` haploid AGs `AG_000001`, ... drawn with `seed` (haplotype `i` for label
    /// `labels[i]` of a conditional model); the same seed gives the same AGs on the CPU.
    ///
    /// # Errors
    /// `n` of 0, labels for a model trained without them or not one per haplotype, or a
    /// failure of the model.
    pub fn sample(&self, n: usize, seed: u64, labels: Option<&[usize]>) -> Result<HaplotypeMatrix> {
        if n == 0 {
            return Err(Error::config(
                "n",
                "at least one haplotype must be generated",
            ));
        }
        self.check_labels(labels, n)?;
        let mut r = rng::rng(seed, STREAM_SAMPLE);
        sample_matrix(
            &self.sampler,
            n,
            labels,
            self.gibbs_steps,
            &mut r,
            &self.device.device,
            self.sites.clone(),
        )
    }

    /// `labels` (if any) are one per haplotype of `n`, each a label the model knows.
    fn check_labels(&self, labels: Option<&[usize]>, n: usize) -> Result<()> {
        let Some(labels) = labels else {
            return Ok(());
        };
        let known = self.n_labels.ok_or_else(|| {
            Error::config(
                "population",
                "the model was trained without population labels",
            )
        })?;
        if labels.len() != n || labels.iter().any(|&l| l >= known) {
            return Err(Error::config(
                "population",
                "labels do not match the model's",
            ));
        }
        Ok(())
    }

    /// Whether haplotype `i` of a draw depends only on the seed and `i` (the HCLT): then
    /// [`Generator::sample_rows`] can draw any part of a draw, and a generation made in chunks
    /// is the same as one made at once.
    pub fn draws_by_row(&self) -> bool {
        matches!(self.sampler, Sampler::Hclt(_))
    }

    /// Haplotypes `rows` (indices into one draw) of the draw that [`Generator::sample`] makes
    /// with `seed`, as haploid AGs `AG_000001`, ... in the order of `rows`:
    /// `sample_rows(seed, 0..n, labels)` is `sample(n, seed, labels)` (`labels`: one per row,
    /// for a model trained with population labels).
    ///
    /// # Errors
    /// No rows, labels that do not fit the model or the rows, or a model whose haplotypes are
    /// not drawn one by one ([`Generator::draws_by_row`] is false).
    pub fn sample_rows(
        &self,
        seed: u64,
        rows: &[usize],
        labels: Option<&[usize]>,
    ) -> Result<HaplotypeMatrix> {
        let Sampler::Hclt(hclt) = &self.sampler else {
            return Err(Error::config(
                "chunk",
                "only the hclt draws each haplotype on its own; other models draw a chunk at once",
            ));
        };
        if rows.is_empty() {
            return Err(Error::config(
                "n",
                "at least one haplotype must be generated",
            ));
        }
        self.check_labels(labels, rows.len())?;
        let seed = rand::Rng::random(&mut rng::rng(seed, STREAM_SAMPLE));
        let words = hclt.sample_rows(seed, rows, labels, None)?;
        let samples = Sample::numbered("AG_", rows.len(), Ploidy::Haploid);
        Ok(HaplotypeMatrix::from_words(
            self.sites.clone(),
            samples,
            words,
        )?)
    }
}

/// The seed of chunk `index` of a generation made chunk by chunk: chunk 0 draws with `seed`
/// itself (so a single chunk is exactly what [`generate`] draws), later chunks with a seed
/// mixed from `(seed, index)` (SplitMix64). For a model that draws a chunk at once the AGs
/// depend on the chunk size, as each chunk is one draw of its own length: the same seed and
/// chunk size give the same AGs (an HCLT draws by row instead: [`Generator::sample_rows`]).
pub fn chunk_seed(seed: u64, index: usize) -> u64 {
    if index == 0 {
        return seed;
    }
    let mut z = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
        Sampler::Hclt(hclt) => {
            let rows: Vec<usize> = (0..n).collect();
            let words = hclt.sample_rows(rand::Rng::random(r), &rows, labels, None)?;
            let samples = Sample::numbered("AG_", n, Ploidy::Haploid);
            return Ok(HaplotypeMatrix::from_words(sites, samples, words)?);
        }
    };
    let samples = Sample::numbered("AG_", n, Ploidy::Haploid);
    Ok(HaplotypeMatrix::from_dense_u8(&alleles, sites, samples)?)
}
