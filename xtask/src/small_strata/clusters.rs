//! The 805-SNP set's strata: its people clustered by k-means (k = 5) on their mean haplotype
//! scores on the first four principal components; a stratum is n people of one cluster, its
//! test people the rest of that cluster, its reference the other clusters' people.

use std::path::Path;

use anyhow::{Context, ensure};
use genosynth_core::HaplotypeMatrix;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Drawn, Measured, Options, Stratum, measure_drawn};
use crate::harness::snp805_path;

/// Clusters of the people, and test people kept per stratum at least.
const CLUSTERS: usize = 5;
const MIN_TEST: usize = 40;
/// Seed of the clustering: it describes the data, nothing is tuned on it.
const CLUSTER_SEED: u64 = 42;

/// Every size's strata of the clusters with room for it, measured on every seed and setting.
pub(super) fn measure_all(genosynth: &Path, o: &Options) -> anyhow::Result<Vec<Measured>> {
    let input = snp805_path();
    let matrix = genosynth_vcf::read(&input, &genosynth_vcf::ReadOptions::default())
        .with_context(|| format!("cannot read {}", input.display()))?
        .matrix;
    let names: Vec<String> = matrix.samples().iter().map(|s| s.name.clone()).collect();
    let labels = cluster_people(&matrix)?;
    let mut by_cluster: Vec<Vec<usize>> = vec![Vec::new(); CLUSTERS];
    for (person, &c) in labels.iter().enumerate() {
        by_cluster[c].push(person);
    }
    // Who is in which cluster, for runs by hand on whole clusters (docs/privacy.md).
    let listing: String = names
        .iter()
        .zip(&labels)
        .map(|(name, c)| format!("{name}\t{c}\n"))
        .collect();
    std::fs::write(o.out.join("clusters.tsv"), listing)?;
    let mut order: Vec<usize> = (0..CLUSTERS).collect();
    order.sort_by_key(|&c| by_cluster[c].len());
    eprintln!(
        "small-strata: clusters of {:?} people",
        order
            .iter()
            .map(|&c| by_cluster[c].len())
            .collect::<Vec<_>>()
    );
    let mut rows = Vec::new();
    for &size in &o.sizes {
        for cluster in strata_for(size, &order, &by_cluster, o.strata) {
            let people = &by_cluster[cluster];
            let n = size.min(people.len() - MIN_TEST);
            for &seed in &o.seeds {
                let mut shuffled = people.clone();
                shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(
                    seed ^ ((cluster as u64) << 32),
                ));
                let (train, test) = shuffled.split_at(n);
                let drawn = Drawn {
                    train: train.to_vec(),
                    test: test.to_vec(),
                    reference: (0..names.len()).filter(|p| labels[*p] != cluster).collect(),
                    reference_groups: labels
                        .iter()
                        .filter(|&&c| c != cluster)
                        .map(usize::to_string)
                        .collect(),
                };
                let stratum = Stratum {
                    group: cluster.to_string(),
                    group_people: people.len(),
                    n,
                    seed,
                };
                let dir = o.out.join(format!("c{cluster}-n{n}-s{seed}"));
                let input = (input.as_path(), names.as_slice());
                rows.extend(measure_drawn(genosynth, o, input, &drawn, &dir, &stratum)?);
            }
        }
    }
    Ok(rows)
}

/// Up to `strata` clusters, smallest first, with room for `size` people and the test people;
/// the largest when none has.
fn strata_for(size: usize, order: &[usize], by: &[Vec<usize>], strata: usize) -> Vec<usize> {
    let fit: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&c| by[c].len() >= size + MIN_TEST)
        .take(strata)
        .collect();
    if fit.is_empty() {
        order.last().copied().into_iter().collect()
    } else {
        fit
    }
}

/// Each person's cluster: k-means (k-means++ start, seeded) on the mean of their haplotypes'
/// scores on the first four principal components.
fn cluster_people(matrix: &HaplotypeMatrix) -> anyhow::Result<Vec<usize>> {
    let pca = genosynth_eval::fit_pca(matrix, 4, CLUSTER_SEED);
    let scores = pca.transform(matrix);
    let people = matrix.samples().len();
    ensure!(
        scores.len() == 2 * people,
        "the 805-SNP set should be diploid: {} haplotypes for {people} people",
        scores.len()
    );
    let points: Vec<Vec<f64>> = (0..people)
        .map(|p| {
            (0..scores[0].len())
                .map(|c| (scores[2 * p][c] + scores[2 * p + 1][c]) / 2.0)
                .collect()
        })
        .collect();
    Ok(kmeans(&points, CLUSTERS, CLUSTER_SEED))
}

fn distance2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Lloyd's k-means from a k-means++ start; returns each point's cluster.
pub(crate) fn kmeans(points: &[Vec<f64>], k: usize, seed: u64) -> Vec<usize> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut centres = vec![points[r.random_range(0..points.len())].clone()];
    while centres.len() < k {
        let d: Vec<f64> = points
            .iter()
            .map(|p| {
                centres
                    .iter()
                    .map(|c| distance2(p, c))
                    .fold(f64::MAX, f64::min)
            })
            .collect();
        let mut pick = r.random::<f64>() * d.iter().sum::<f64>();
        let next = d
            .iter()
            .position(|&x| {
                pick -= x;
                pick <= 0.0
            })
            .unwrap_or(points.len() - 1);
        centres.push(points[next].clone());
    }
    let mut labels = vec![0; points.len()];
    for _ in 0..300 {
        let next: Vec<usize> = points
            .iter()
            .map(|p| {
                (0..k)
                    .min_by(|&a, &b| {
                        distance2(p, &centres[a]).total_cmp(&distance2(p, &centres[b]))
                    })
                    .unwrap_or(0)
            })
            .collect();
        let done = next == labels;
        labels = next;
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&Vec<f64>> = points
                .iter()
                .zip(&labels)
                .filter(|(_, l)| **l == c)
                .map(|(p, _)| p)
                .collect();
            if members.is_empty() {
                continue;
            }
            for (d, v) in centre.iter_mut().enumerate() {
                *v = members.iter().map(|p| p[d]).sum::<f64>() / members.len() as f64;
            }
        }
        if done {
            break;
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmeans_separates_well_apart_groups() {
        let mut points = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)] {
            for i in 0..20 {
                let jitter = f64::from(i) * 0.01;
                points.push(vec![cx + jitter, cy - jitter]);
            }
        }
        let labels = kmeans(&points, 3, 7);
        for group in labels.chunks(20) {
            assert!(group.iter().all(|&l| l == group[0]), "{labels:?}");
        }
        let mut firsts: Vec<usize> = labels.chunks(20).map(|g| g[0]).collect();
        firsts.sort_unstable();
        assert_eq!(firsts, vec![0, 1, 2]);
    }
}
