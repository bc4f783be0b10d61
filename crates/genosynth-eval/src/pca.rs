//! PCA of haplotypes as scikit-allel's `allel.pca(h.T, scaler='patterson', ploidy=1)`: fitted
//! on real haplotypes, other sets projected into the same space.
//!
//! The scaled matrix `X[h, s] = (allele − p_s) / √(p_s(1−p_s))` is never stored: products with
//! `X` and `Xᵀ` are sums over set bits of the packed rows, and the leading eigenvectors of the
//! smaller of `XᵀX` and `XXᵀ` come from Lanczos iterations.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;
use serde::Serialize;

use crate::columns::Columns;
use crate::linalg::{dot, lanczos_top};
use crate::stats::{sd, wasserstein};

/// Lanczos steps at most; enough for the leading components of genotype data, and exact for
/// data sets whose smaller dimension is below it.
const MAX_LANCZOS_STEPS: usize = 400;

/// Largest site count for which `XᵀX` is formed explicitly (m² f64: 128 MiB at 4,096). One
/// pass of AND + popcount builds it, after which each Lanczos step is a dense product instead
/// of two scans over every set bit of the data.
const GRAM_MAX_SITES: usize = 4096;

/// A PCA fitted on real haplotypes.
#[derive(Debug, Clone, Serialize)]
pub struct PcaModel {
    /// Sites (indices into the fitted matrix) used: those polymorphic in the real data.
    /// Monomorphic sites have no Patterson scale (0/0) and carry no information.
    pub sites: Vec<usize>,
    /// Real ALT frequency per used site (the centring).
    pub mean: Vec<f64>,
    /// `√(p(1−p))` per used site (the Patterson scaling, ploidy 1).
    pub scale: Vec<f64>,
    /// Principal axes, one vector over used sites per component (scikit-allel's
    /// `components_`), unit length; signs are arbitrary as in any SVD.
    pub components: Vec<Vec<f64>>,
    /// Variance along each component: squared singular value / haplotypes.
    pub explained_variance: Vec<f64>,
    /// Share of the total variance along each component.
    pub explained_variance_ratio: Vec<f64>,
}

/// Fits a PCA with `n_components` components on the real haplotypes.
pub fn fit_pca(real: &HaplotypeMatrix, n_components: usize, seed: u64) -> PcaModel {
    fit_pca_using(real, n_components, seed, GRAM_MAX_SITES)
}

/// [`fit_pca`], forming `XᵀX` only up to `gram_max_sites` sites (tests compare both paths).
fn fit_pca_using(
    real: &HaplotypeMatrix,
    n_components: usize,
    seed: u64,
    gram_max_sites: usize,
) -> PcaModel {
    let freqs = real.allele_frequencies();
    let sites: Vec<usize> = (0..real.n_sites())
        .filter(|&s| freqs[s] > 0.0 && freqs[s] < 1.0)
        .collect();
    let mean: Vec<f64> = sites.iter().map(|&s| freqs[s]).collect();
    let scale: Vec<f64> = mean.iter().map(|p| (p * (1.0 - p)).sqrt()).collect();
    let x = real.select_sites(&sites).expect("indices are in range");
    let n = x.n_haplotypes();
    let m = sites.len();
    let k = n_components.min(n).min(m);
    let mut model = PcaModel {
        sites,
        mean,
        scale,
        components: Vec::new(),
        explained_variance: Vec::new(),
        explained_variance_ratio: Vec::new(),
    };
    if k == 0 {
        return model;
    }
    let steps = n.min(m).min(MAX_LANCZOS_STEPS);
    let (singular_sq, components) = if m <= n && m <= gram_max_sites {
        let gram = scaled_gram(&x, &model.mean, &model.scale);
        let eig = lanczos_top(m, k, steps, seed, |v| symmetric_times(&gram, v));
        (eig.values, eig.vectors)
    } else if m <= n {
        let eig = lanczos_top(m, k, steps, seed, |v| {
            scaled_t_times(
                &x,
                &model.mean,
                &model.scale,
                &scaled_times(&x, &model, &[v]),
            )
        });
        (eig.values, eig.vectors)
    } else {
        let eig = lanczos_top(n, k, steps, seed, |u| {
            scaled_times(
                &x,
                &model,
                &[scaled_t_times(&x, &model.mean, &model.scale, u)],
            )
        });
        let axes = eig
            .vectors
            .iter()
            .zip(&eig.values)
            .map(|(u, &l)| {
                let s = l.sqrt().max(f64::MIN_POSITIVE);
                scaled_t_times(&x, &model.mean, &model.scale, u)
                    .into_iter()
                    .map(|v| v / s)
                    .collect()
            })
            .collect();
        (eig.values, axes)
    };
    // Total variance: every used column of X has squared norm n exactly.
    let total = (n * m) as f64;
    model.explained_variance = singular_sq.iter().map(|l| l / n as f64).collect();
    model.explained_variance_ratio = singular_sq.iter().map(|l| l / total).collect();
    model.components = components;
    model
}

impl PcaModel {
    /// Coordinates of the haplotypes of `m` (same sites as the fitted matrix), one row of
    /// `components.len()` values per haplotype: `((allele − mean) / scale) · axis`.
    ///
    /// # Panics
    /// If `m` has fewer sites than the fitted matrix.
    pub fn transform(&self, m: &HaplotypeMatrix) -> Vec<Vec<f64>> {
        let x = m.select_sites(&self.sites).expect("same sites as the fit");
        let k = self.components.len();
        scaled_times(&x, self, &self.components)
            .chunks(k.max(1))
            .map(<[f64]>::to_vec)
            .collect()
    }
}

/// Per component, the Wasserstein distance between `other`'s and `train`'s coordinates (rows
/// from [`PcaModel::transform`]) in units of `train`'s sd on that component.
pub(crate) fn wasserstein_per_component(
    train: &[Vec<f64>],
    other: &[Vec<f64>],
    components: usize,
) -> Vec<f64> {
    (0..components)
        .map(|k| {
            let a: Vec<f64> = train.iter().map(|r| r[k]).collect();
            let b: Vec<f64> = other.iter().map(|r| r[k]).collect();
            wasserstein(&a, &b) / sd(&a).max(f64::MIN_POSITIVE)
        })
        .collect()
}

/// `X V` for the scaled matrix of `x` (already restricted to the model's sites) and the columns
/// `vectors` of `V`, row-major (`n × k`). All columns are done in one walk over the set bits:
/// `weights[s·k + c] = v_c[s] / σ_s`.
fn scaled_times<V: AsRef<[f64]>>(x: &HaplotypeMatrix, model: &PcaModel, vectors: &[V]) -> Vec<f64> {
    let k = vectors.len();
    let mut weights = vec![0.0; model.sites.len() * k];
    for (c, v) in vectors.iter().enumerate() {
        for (s, (a, sd)) in v.as_ref().iter().zip(&model.scale).enumerate() {
            weights[s * k + c] = a / sd;
        }
    }
    let offsets: Vec<f64> = (0..k)
        .map(|c| {
            (0..model.sites.len())
                .map(|s| weights[s * k + c] * model.mean[s])
                .sum()
        })
        .collect();
    let mut out = vec![0.0; x.n_haplotypes() * k];
    if k == 0 {
        return out;
    }
    out.par_chunks_mut(k).enumerate().for_each(|(h, acc)| {
        for (wi, &word) in x.row(h).iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let s = wi * 64 + bits.trailing_zeros() as usize;
                acc.iter_mut()
                    .zip(&weights[s * k..(s + 1) * k])
                    .for_each(|(a, w)| *a += w);
                bits &= bits - 1;
            }
        }
        acc.iter_mut().zip(&offsets).for_each(|(a, o)| *a -= o);
    });
    out
}

/// `XᵀX` (row-major `m × m`) for the scaled matrix of `x`: entry `(a, b)` is
/// `Σ_h (x_ha − p_a)(x_hb − p_b) / (σ_a σ_b) = (c_ab − n p_a p_b) / (σ_a σ_b)`, where `c_ab`
/// counts haplotypes carrying ALT at both sites.
fn scaled_gram(x: &HaplotypeMatrix, mean: &[f64], scale: &[f64]) -> Vec<f64> {
    let m = mean.len();
    let all: Vec<usize> = (0..m).collect();
    let columns = Columns::new(x, &all);
    let n = x.n_haplotypes() as f64;
    let mut gram = vec![0.0; m * m];
    gram.par_chunks_mut(m).enumerate().for_each(|(a, row)| {
        for (b, g) in row.iter_mut().enumerate().skip(a) {
            let both = f64::from(columns.count_both(a, b));
            *g = (both - n * mean[a] * mean[b]) / (scale[a] * scale[b]);
        }
    });
    // Symmetric: the lower triangle is a copy.
    for a in 1..m {
        for b in 0..a {
            gram[a * m + b] = gram[b * m + a];
        }
    }
    gram
}

/// `G v` for a symmetric row-major matrix `G`.
fn symmetric_times(gram: &[f64], v: &[f64]) -> Vec<f64> {
    gram.par_chunks(v.len()).map(|row| dot(row, v)).collect()
}

/// `Xᵀ u` for the scaled matrix of `x`.
fn scaled_t_times(x: &HaplotypeMatrix, mean: &[f64], scale: &[f64], u: &[f64]) -> Vec<f64> {
    let m = mean.len();
    let total: f64 = u.iter().sum();
    let chunk = 256;
    let sums = (0..x.n_haplotypes())
        .into_par_iter()
        .step_by(chunk)
        .map(|start| {
            let mut acc = vec![0.0; m];
            for (h, &uh) in u.iter().enumerate().skip(start).take(chunk) {
                for (wi, &word) in x.row(h).iter().enumerate() {
                    let mut bits = word;
                    while bits != 0 {
                        acc[wi * 64 + bits.trailing_zeros() as usize] += uh;
                        bits &= bits - 1;
                    }
                }
            }
            acc
        })
        .collect::<Vec<_>>()
        .into_iter()
        // Summed in chunk order, not rayon's adaptive reduce: the same axes on every run.
        .fold(vec![0.0; m], |mut a, b| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            a
        });
    sums.iter()
        .zip(mean)
        .zip(scale)
        .map(|((s, p), sd)| (s - p * total) / sd)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    fn matrix(n_hap: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
        let mut x = seed | 1;
        let v: Vec<u8> = (0..n_hap * n_sites)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Two groups of haplotypes with different frequencies: real structure.
                let group = (i / n_sites) % 2;
                (x % 10 < 2 + 5 * group as u64) as u8
            })
            .collect();
        let sites: Sites = (0..n_sites)
            .map(|i| Site::new("1", i as u64 + 1, "A", "C"))
            .collect();
        HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", n_hap, Ploidy::Haploid))
            .unwrap()
    }

    /// Both branches (sites ≤ haplotypes and sites > haplotypes) agree with the definition:
    /// coordinates are orthogonal with squared norms n·explained_variance.
    #[test]
    fn coordinates_are_orthogonal_with_the_explained_variance() {
        for (n, m) in [(60, 25), (25, 60)] {
            let x = matrix(n, m, 3);
            let model = fit_pca(&x, 4, 1);
            let coords = model.transform(&x);
            for a in 0..4 {
                let na: f64 = coords.iter().map(|r| r[a] * r[a]).sum();
                assert!((na / n as f64 - model.explained_variance[a]).abs() < 1e-8);
                for b in a + 1..4 {
                    let ab: f64 = coords.iter().map(|r| r[a] * r[b]).sum();
                    assert!(ab.abs() < 1e-8, "{ab}");
                }
            }
            assert!(model.explained_variance.windows(2).all(|w| w[0] >= w[1]));
            // The implicit products give the same axes as the explicit XᵀX (up to sign).
            let implicit = fit_pca_using(&x, 4, 1, 0);
            for (a, b) in model.components.iter().zip(&implicit.components) {
                let cos: f64 = a.iter().zip(b).map(|(p, q)| p * q).sum();
                assert!((cos.abs() - 1.0).abs() < 1e-8, "{cos}");
            }
            // PC1 separates the two groups.
            let g0: f64 = coords.iter().step_by(2).map(|r| r[0]).sum::<f64>();
            let g1: f64 = coords.iter().skip(1).step_by(2).map(|r| r[0]).sum::<f64>();
            assert!((g0 - g1).abs() > 1.0);
        }
    }
}
