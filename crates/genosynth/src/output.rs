//! Drawing AGs from a checkpoint and writing them with their provenance headers and, for a
//! labelled model, their population panel.

use std::path::Path;

use genosynth_core::{HaplotypeMatrix, Panel, Ploidy, Sample, Sites};
use genosynth_models::{Checkpoint, DeviceChoice, GenerateOptions};
use genosynth_vcf::WriteOptions;

use crate::progress::{Event, Progress};
use crate::{Error, GuardReport, MinDistance, Result, dp_header, generate_guarded};

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateConfig {
    /// Haplotypes to draw.
    pub n_haplotypes: usize,
    /// One label index per haplotype, for a model trained with population labels.
    pub labels: Option<Vec<usize>>,
    /// Seed of the sampling noise.
    pub seed: u64,
    /// Where to compute.
    pub device: DeviceChoice,
    /// RBM: Gibbs steps from random states (default: the training's).
    pub gibbs_steps: Option<usize>,
    /// `Diploid` pairs consecutive haplotypes into samples `AG_000001`, ...; `Haploid` keeps
    /// one sample per haplotype.
    pub ploidy: Ploidy,
    /// Sample names are this prefix and a 6-digit number ([`DEFAULT_SAMPLE_PREFIX`]:
    /// `AG_000001`); AGs drawn from several models can then share one file.
    pub sample_prefix: String,
}

/// The AGs' sample name prefix unless [`GenerateConfig::sample_prefix`] says otherwise.
pub const DEFAULT_SAMPLE_PREFIX: &str = "AG_";

/// The AG samples of `config`: `n_haplotypes` haplotypes grouped by its ploidy and named by its
/// prefix.
pub(crate) fn ag_samples(config: &GenerateConfig) -> Result<Vec<Sample>> {
    let n = config.n_haplotypes;
    let prefix = &config.sample_prefix;
    if prefix.is_empty() || prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidOption {
            name: "sample name prefix",
            reason: format!(
                "{prefix:?} cannot start VCF sample names (use letters, digits, '_' or '-')"
            ),
        });
    }
    match config.ploidy {
        Ploidy::Diploid if !n.is_multiple_of(2) => Err(Error::InvalidOption {
            name: "number of haplotypes",
            reason: format!(
                "{n} haplotypes cannot pair into diploid samples (draw an even number, or haploid samples)"
            ),
        }),
        Ploidy::Diploid => Ok(Sample::numbered(prefix, n / 2, Ploidy::Diploid)),
        Ploidy::Haploid => Ok(Sample::numbered(prefix, n, Ploidy::Haploid)),
    }
}

/// The training haplotypes AGs must keep their distance from.
#[derive(Debug, Clone, Copy)]
pub struct Guard<'a> {
    /// The haplotypes the model was trained on.
    pub train: &'a HaplotypeMatrix,
    /// The smallest Hamming distance an AG may have to them.
    pub min_distance: MinDistance,
}

/// AGs drawn by [`generate`], and what the guard did.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The AGs, grouped into samples of the configured ploidy.
    pub matrix: HaplotypeMatrix,
    /// The guard's report, when it ran.
    pub guard: Option<GuardReport>,
}

/// Draws `config.n_haplotypes` AGs from `checkpoint`, kept `guard.min_distance` sites away
/// from the training haplotypes when a guard is given.
///
/// # Errors
/// An odd number of haplotypes for diploid samples, labels the model lacks, a sampling
/// failure, or a guard that cannot draw far enough ([`Error::GuardExhausted`]).
pub fn generate(
    checkpoint: &Checkpoint,
    config: &GenerateConfig,
    guard: Option<Guard<'_>>,
    progress: &mut dyn Progress,
) -> Result<Generated> {
    let samples = ag_samples(config)?;
    let options = GenerateOptions {
        n_haplotypes: config.n_haplotypes,
        seed: config.seed,
        device: config.device,
        gibbs_steps: config.gibbs_steps,
    };
    let labels = config.labels.as_deref();
    let (generated, guard_report) = match guard {
        Some(g) => {
            let (m, report) =
                generate_guarded(checkpoint, &options, labels, g.train, g.min_distance)?;
            progress.event(Event::Generated {
                guard: Some(&report),
                device: None,
            });
            (m, Some(report))
        }
        None => {
            let g = match labels {
                Some(l) => genosynth_models::generate_labelled(checkpoint, &options, l),
                None => genosynth_models::generate(checkpoint, &options),
            }?;
            progress.event(Event::Generated {
                guard: None,
                device: Some(g.device.as_str()),
            });
            (g.matrix, None)
        }
    };
    Ok(Generated {
        matrix: generated.with_samples(samples)?,
        guard: guard_report,
    })
}

/// Writes `ags` drawn from `checkpoint` with `seed` to `path` (`-` = stdout) with `options`
/// (format, index, command line), adding the contigs and the `##genosynthModel`,
/// `##genosynthSeed`, `##genosynthGuard`, `##genosynthDp` and `##genosynthPrivateAlleles`
/// header lines; with `labels`
/// (one per haplotype), their panel goes to `OUT.panel`
/// ([`genosynth_vcf::companion_panel_path`]).
///
/// # Errors
/// The file cannot be written ([`Error::Vcf`]; a stop flag in `options` gives
/// [`Error::is_interrupted`]), or `labels` do not match the model.
pub fn write_ags(
    path: &Path,
    ags: &Generated,
    checkpoint: &Checkpoint,
    seed: u64,
    labels: Option<&[usize]>,
    mut options: WriteOptions,
    progress: &mut dyn Progress,
) -> Result<()> {
    let matrix = &ags.matrix;
    options.contig_lengths = contigs(matrix.sites());
    options.metadata = vec![
        ("genosynthModel".to_string(), model_header(checkpoint)),
        ("genosynthSeed".to_string(), seed.to_string()),
    ];
    if let Some(g) = &ags.guard {
        options
            .metadata
            .push(("genosynthGuard".to_string(), g.header_value()));
    }
    if let Some(risk) = crate::privacy_risk(checkpoint) {
        options.metadata.push((
            "genosynthPrivacyRisk".to_string(),
            crate::risk_header(&risk),
        ));
    }
    if let Some(p) = &checkpoint.meta.privacy {
        options
            .metadata
            .push(("genosynthDp".to_string(), dp_header(p)));
    }
    if let Some(p) = &checkpoint.meta.private_alleles {
        options.metadata.push((
            "genosynthPrivateAlleles".to_string(),
            crate::private_alleles_header(p),
        ));
    }
    genosynth_vcf::write(path, matrix, &options)?;
    if let (Some(labels), Some(panel_path)) = (labels, genosynth_vcf::companion_panel_path(path)) {
        genosynth_vcf::write_panel(&panel_path, &ag_panel(matrix, labels, checkpoint)?)?;
    }
    progress.event(Event::Wrote {
        path,
        samples: matrix.samples().len(),
        haplotypes: matrix.n_haplotypes(),
        sites: matrix.n_sites(),
    });
    Ok(())
}

/// The population of every AG sample (its haplotypes share one label), as a panel.
///
/// # Errors
/// The model has no population labels.
pub fn ag_panel(ags: &HaplotypeMatrix, labels: &[usize], checkpoint: &Checkpoint) -> Result<Panel> {
    crate::streamed::panel_of(ags.samples(), labels, checkpoint)
}

/// `<ID=model,kind=rbm,epochs=800,dir="models/rbm">` for `##genosynthModel=` (`epochs` is the epoch
/// sampled; `trained_epochs` follows when selection chose an earlier one).
pub(crate) fn model_header(checkpoint: &Checkpoint) -> String {
    let trained = if checkpoint.epoch != checkpoint.meta.epochs_done {
        format!(",trained_epochs={}", checkpoint.meta.epochs_done)
    } else {
        String::new()
    };
    format!(
        "<ID=model,kind={},epochs={}{trained},dir=\"{}\">",
        checkpoint.kind(),
        checkpoint.epoch,
        checkpoint.dir.display()
    )
}

/// Chromosomes in first-seen order, lengths unknown.
pub(crate) fn contigs(sites: &Sites) -> Vec<(String, Option<u64>)> {
    sites
        .chromosomes()
        .into_iter()
        .map(|c| (c.to_string(), None))
        .collect()
}
