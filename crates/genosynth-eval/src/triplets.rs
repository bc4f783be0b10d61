//! Connected 3-point correlations of site triplets (Yelmen et al. 2021): structure beyond
//! pairwise LD that a generator can still miss.

use genosynth_core::HaplotypeMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::columns::Columns;
use crate::stats::pearson;

/// Connected 3-point correlations of the same random triplets in two data sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripletStats {
    /// Triplets drawn (sites `i < j < k` with `k − i < window`).
    pub n_triplets: usize,
    /// Largest distance in sites within a triplet, plus one.
    pub window: usize,
    /// Correlation per triplet in the reference set (drawn in the HTML, not in report.json).
    #[serde(skip)]
    pub reference: Vec<f64>,
    /// Correlation per triplet in the compared set (not in report.json either).
    #[serde(skip)]
    pub compared: Vec<f64>,
    /// Pearson r of the two.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub pearson_r: f64,
}

/// Draws `n_triplets` site triplets within `window` consecutive sites (seeded) and computes
/// `C_ijk = ⟨x_i x_j x_k⟩ − ⟨x_i x_j⟩⟨x_k⟩ − ⟨x_i x_k⟩⟨x_j⟩ − ⟨x_j x_k⟩⟨x_i⟩ + 2⟨x_i⟩⟨x_j⟩⟨x_k⟩`
/// in both sets (same sites).
pub fn triplet_correlations(
    reference: &HaplotypeMatrix,
    compared: &HaplotypeMatrix,
    n_triplets: usize,
    window: usize,
    seed: u64,
) -> TripletStats {
    let n_sites = reference.n_sites();
    let window = window.clamp(3, n_sites.max(3));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut triplets = Vec::with_capacity(n_triplets);
    if n_sites >= 3 {
        for _ in 0..n_triplets {
            let start = rng.random_range(0..=n_sites - window.min(n_sites));
            let mut t = [0usize; 3];
            loop {
                for v in &mut t {
                    *v = start + rng.random_range(0..window.min(n_sites));
                }
                t.sort_unstable();
                if t[0] < t[1] && t[1] < t[2] {
                    break;
                }
            }
            triplets.push(t);
        }
    }
    let sites: Vec<usize> = triplets.iter().flatten().copied().collect();
    let correlations = |m: &HaplotypeMatrix| -> Vec<f64> {
        let cols = Columns::new(m, &sites);
        let n = cols.n_haplotypes().max(1) as f64;
        (0..triplets.len())
            .map(|t| {
                let (i, j, k) = (3 * t, 3 * t + 1, 3 * t + 2);
                let p = |c: u32| c as f64 / n;
                let (pi, pj, pk) = (p(cols.count(i)), p(cols.count(j)), p(cols.count(k)));
                let (pij, pik, pjk) = (
                    p(cols.count_both(i, j)),
                    p(cols.count_both(i, k)),
                    p(cols.count_both(j, k)),
                );
                p(cols.count_all3(i, j, k)) - pij * pk - pik * pj - pjk * pi + 2.0 * pi * pj * pk
            })
            .collect()
    };
    let a = correlations(reference);
    let b = correlations(compared);
    TripletStats {
        n_triplets: triplets.len(),
        window,
        pearson_r: pearson(&a, &b),
        reference: a,
        compared: b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    #[test]
    fn matches_the_definition_on_dense_columns() {
        let (n, m) = (9, 6);
        let v: Vec<u8> = (0..n * m)
            .map(|i| ((i * 37 + i / 5) % 3 == 0) as u8)
            .collect();
        let sites: Sites = (1..=m as u64)
            .map(|p| Site::new("1", p, "A", "G"))
            .collect();
        let x =
            HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", n, Ploidy::Haploid))
                .unwrap();
        let t = triplet_correlations(&x, &x, 50, 4, 3);
        assert_eq!(t.reference, t.compared);
        // Recompute the first triplet densely: find it by brute force over all triplets.
        let mean = |f: &dyn Fn(usize) -> f64| (0..n).map(f).sum::<f64>() / n as f64;
        let c = |i: usize, j: usize, k: usize| {
            let x = |h: usize, s: usize| v[h * m + s] as f64;
            mean(&|h| x(h, i) * x(h, j) * x(h, k))
                - mean(&|h| x(h, i) * x(h, j)) * mean(&|h| x(h, k))
                - mean(&|h| x(h, i) * x(h, k)) * mean(&|h| x(h, j))
                - mean(&|h| x(h, j) * x(h, k)) * mean(&|h| x(h, i))
                + 2.0 * mean(&|h| x(h, i)) * mean(&|h| x(h, j)) * mean(&|h| x(h, k))
        };
        let all: Vec<f64> = (0..m)
            .flat_map(|i| (i + 1..m).flat_map(move |j| (j + 1..m).map(move |k| (i, j, k))))
            .filter(|(i, _, k)| k - i < 4)
            .map(|(i, j, k)| c(i, j, k))
            .collect();
        for value in &t.reference {
            assert!(all.iter().any(|a| (a - value).abs() < 1e-12));
        }
    }
}
