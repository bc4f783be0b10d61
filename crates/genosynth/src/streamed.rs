//! `generate` written as it samples: chunks from [`generate_chunked`] go straight into
//! genosynth-vcf's `StreamWriter`, so memory is bounded by a chunk, not by the number of AGs.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use genosynth_core::{PanelEntry, Sample};
use genosynth_models::conditional::checkpoint_labels;
use genosynth_models::{Checkpoint, GenerateOptions};
use genosynth_vcf::{StreamWriter, WriteOptions};

use crate::output::{GenerateConfig, Guard, ag_samples, contigs, model_header};
use crate::progress::{Event, Progress};
use crate::{Chunked, Error, Result, dp_header, generate_chunked};

/// Draws `config.n_haplotypes` AGs from `checkpoint` `chunk` haplotypes at a time (kept
/// `guard.min_distance` sites from the training haplotypes when a guard is given) and writes
/// them to `path` as they come, with the headers and panel [`crate::write_ags`] adds. Reports
/// [`Event::Drawn`] after every chunk, then [`Event::Generated`] and [`Event::Wrote`]. `None`
/// when `stop` ended it (nothing is written then).
///
/// # Errors
/// A chunk of 0, an odd number of haplotypes for diploid samples, labels the model lacks, a
/// sampling or guard failure, or the file cannot be written ([`Error::Vcf`]).
#[allow(
    clippy::too_many_arguments,
    reason = "what to draw, where, and how to report and stop"
)]
pub fn generate_to_file(
    path: &Path,
    checkpoint: &Checkpoint,
    config: &GenerateConfig,
    chunk: usize,
    guard: Option<Guard<'_>>,
    mut options: WriteOptions,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<Option<Chunked>> {
    let n = config.n_haplotypes;
    let samples = ag_samples(config)?;
    // Known before any draw, so a model without labels fails before minutes of sampling.
    let panel = match config.labels.as_deref() {
        Some(labels) => Some(panel_of(&samples, labels, checkpoint)?),
        None => None,
    };
    let sites = checkpoint.sites();
    options.contig_lengths = contigs(&sites);
    options.metadata = vec![
        ("genosynthModel".to_string(), model_header(checkpoint)),
        ("genosynthSeed".to_string(), config.seed.to_string()),
    ];
    if let Some(risk) = crate::privacy_risk(checkpoint) {
        options.metadata.push((
            "genosynthPrivacyRisk".to_string(),
            crate::risk_header(&risk),
        ));
    }
    if let Some(p) = &checkpoint.meta.private_alleles {
        options.metadata.push((
            "genosynthPrivateAlleles".to_string(),
            crate::private_alleles_header(p),
        ));
    }
    let n_sites = sites.len();
    let n_samples = samples.len();
    let mut writer = StreamWriter::create(path, sites, samples, &options)?;
    let generate = GenerateOptions {
        n_haplotypes: n,
        seed: config.seed,
        device: config.device,
        gibbs_steps: config.gibbs_steps,
    };
    let guard = guard.map(|g| (g.train, g.min_distance));
    let done = generate_chunked::<Error>(
        checkpoint,
        &generate,
        chunk,
        config.labels.as_deref(),
        guard,
        stop,
        &mut |c| {
            writer.push(&c.matrix)?;
            progress.event(Event::Drawn {
                haplotypes: writer.pushed(),
                total: n,
            });
            Ok(())
        },
    );
    let done = match done {
        Err(e) if e.is_interrupted() => return Ok(None),
        other => other?,
    };
    if done.stopped {
        return Ok(None);
    }
    progress.event(Event::Generated {
        guard: done.guard.as_ref(),
        device: Some(&done.device),
    });
    if let Some(g) = &done.guard {
        writer.add_metadata("genosynthGuard", g.header_value());
    }
    if let Some(p) = &checkpoint.meta.privacy {
        writer.add_metadata("genosynthDp", dp_header(p));
    }
    match writer.finish() {
        Err(e) if e.is_interrupted() => return Ok(None),
        other => other?,
    }
    if let (Some(panel), Some(panel_path)) = (panel, genosynth_vcf::companion_panel_path(path)) {
        genosynth_vcf::write_panel(&panel_path, &panel)?;
    }
    progress.event(Event::Wrote {
        path,
        samples: n_samples,
        haplotypes: n,
        sites: n_sites,
    });
    Ok(Some(done))
}

/// The population of every AG sample (its haplotypes share one label: the label of its first
/// haplotype, rows counted sample after sample).
pub(crate) fn panel_of(
    samples: &[Sample],
    labels: &[usize],
    checkpoint: &Checkpoint,
) -> Result<genosynth_core::Panel> {
    let names = &checkpoint_labels(checkpoint)
        .ok_or_else(|| Error::InvalidOption {
            name: "population labels",
            reason: format!(
                "the model in {} has no population labels",
                checkpoint.dir.display()
            ),
        })?
        .names;
    let mut entries = Vec::with_capacity(samples.len());
    let mut row = 0;
    for s in samples {
        let label = *labels.get(row).ok_or_else(|| Error::InvalidOption {
            name: "population labels",
            reason: format!("{} labels for more haplotypes", labels.len()),
        })?;
        let population = names.get(label).ok_or_else(|| Error::InvalidOption {
            name: "population labels",
            reason: format!("label {label} is not one of the model's {}", names.len()),
        })?;
        entries.push(PanelEntry {
            sample: s.name.clone(),
            population: population.clone(),
            super_population: String::new(),
        });
        row += s.ploidy.copies();
    }
    Ok(genosynth_core::Panel::from_entries(entries))
}
