//! The independent-sites floor (each site Bernoulli at its training frequency: right
//! frequencies, no LD) and the check that every model clearly beats it.

use std::path::Path;

use anyhow::Context;
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::pipeline::DatasetResult;
use crate::harness::{Row, SEED, evaluate_with};

/// The floor: `n` haplotypes, every site drawn independently at its frequency in `train`.
pub(crate) fn write_independent_sites(
    train: &HaplotypeMatrix,
    n: usize,
    seed: u64,
    path: &Path,
) -> anyhow::Result<()> {
    let freqs = train.allele_frequencies();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let values: Vec<u8> = (0..n)
        .flat_map(|_| {
            freqs
                .iter()
                .map(|&p| u8::from(rng.random::<f64>() < p))
                .collect::<Vec<_>>()
        })
        .collect();
    let samples = Sample::numbered("AG_", n / 2, Ploidy::Diploid);
    let values = &values[..(n / 2) * 2 * train.n_sites()];
    let matrix = HaplotypeMatrix::from_dense_u8(values, train.sites().clone(), samples)?;
    let options = genosynth_vcf::WriteOptions {
        metadata: vec![("genosynthModel".into(), "independent-sites baseline".into())],
        ..Default::default()
    };
    genosynth_vcf::write(path, &matrix, &options)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The two reference rows of a split: the real test people (ceiling) and the independent-sites
/// floor (as many AGs as training haplotypes, drawn from `matrix`, the haplotypes of `train`)
/// scored against them, both against `train`.
pub(crate) fn ceiling_and_floor(
    genosynth: &Path,
    dir: &Path,
    train: &Path,
    test: &Path,
    matrix: &HaplotypeMatrix,
) -> anyhow::Result<(Row, Row)> {
    let floor = dir.join("independent.vcf.gz");
    write_independent_sites(matrix, matrix.n_haplotypes(), SEED, &floor)?;
    let ceiling = evaluate_with(
        genosynth,
        dir,
        "test people (ceiling)",
        train,
        test,
        None,
        None,
        &[],
    )?;
    let floor = evaluate_with(
        genosynth,
        dir,
        "independent sites (floor)",
        train,
        &floor,
        Some(test),
        None,
        &[],
    )?;
    Ok((ceiling, floor))
}

/// Where a model fails to clearly beat the floor: on LD r² correlation (by > 0.05), and with
/// `all` also on 3-point correlations (by > 0.05) and PCA (by > 10%).
pub(super) fn floor_failures(result: &DatasetResult, all: bool) -> Vec<String> {
    let floor = result.floor();
    let mut out = Vec::new();
    for m in result.models() {
        let mut fail = |what: &str, ours: Option<f64>, theirs: Option<f64>, higher_is_better| match (
            ours, theirs,
        ) {
            (Some(o), Some(f)) => {
                let beaten = if higher_is_better {
                    o > f + 0.05
                } else {
                    o < f * 0.9
                };
                if !beaten {
                    out.push(format!(
                        "{} [{}]: {what} {o:.3} vs floor {f:.3}",
                        m.label, result.dataset.name
                    ));
                }
            }
            _ => out.push(format!(
                "{} [{}]: {what} undefined in report.json",
                m.label, result.dataset.name
            )),
        };
        fail("LD r² correlation", m.ld_r2(), floor.ld_r2(), true);
        if all {
            fail(
                "3-point correlation r",
                m.triplet_r(),
                floor.triplet_r(),
                true,
            );
            fail("PCA Wasserstein (PC1-2)", m.pca_w(), floor.pca_w(), false);
        }
    }
    out
}
