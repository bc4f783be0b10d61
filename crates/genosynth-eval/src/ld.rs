//! Linkage disequilibrium: r² between sites, its agreement between data sets, and LD decay.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::columns::Columns;
use crate::stats::pearson;

/// r² of two sites from ALT counts over `n` haplotypes: `D² / (pₐ(1−pₐ)p_b(1−p_b))`, the
/// squared Pearson correlation of the two allele columns; `NaN` when either site is
/// monomorphic.
pub(crate) fn r2_from_counts(n: u32, ci: u32, cj: u32, cij: u32) -> f64 {
    let n = n as f64;
    let (pa, pb, pab) = (ci as f64 / n, cj as f64 / n, cij as f64 / n);
    let den = pa * (1.0 - pa) * pb * (1.0 - pb);
    if den <= 0.0 {
        return f64::NAN;
    }
    let d = pab - pa * pb;
    d * d / den
}

/// r² for every pair of the given sites, upper triangle (i < j) row by row.
pub(crate) fn r2_upper_triangle(m: &HaplotypeMatrix, sites: &[usize]) -> Vec<f64> {
    let cols = Columns::new(m, sites);
    let n = cols.n_haplotypes() as u32;
    let counts: Vec<u32> = (0..sites.len()).map(|i| cols.count(i)).collect();
    (0..sites.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let cols = &cols;
            let counts = &counts;
            (i + 1..sites.len())
                .map(move |j| r2_from_counts(n, counts[i], counts[j], cols.count_both(i, j)))
        })
        .collect()
}

/// Pearson correlation of pairwise r² values (upper triangle) over the first `max_sites` sites
/// of two matrices with the same sites in the same order; pairs where either r² is undefined
/// (a monomorphic site) are skipped.
///
/// ```
/// use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
/// let sites: Sites = (1..=3).map(|p| Site::new("1", p, "A", "G")).collect();
/// let s = |n| Sample::numbered("h", n, Ploidy::Haploid);
/// let v = [1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0];
/// let real = HaplotypeMatrix::from_dense_u8(&v, sites.clone(), s(4))?;
/// let ags = HaplotypeMatrix::from_dense_u8(&v, sites, s(4))?;
/// assert!((genosynth_eval::ld_r2_correlation(&real, &ags, 100) - 1.0).abs() < 1e-12);
/// # Ok::<(), genosynth_core::Error>(())
/// ```
///
/// # Panics
/// If the two matrices have different numbers of sites.
pub fn ld_r2_correlation(
    real: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    max_sites: usize,
) -> f64 {
    assert_eq!(
        real.n_sites(),
        synthetic.n_sites(),
        "ld_r2_correlation needs matrices over the same sites"
    );
    let sites: Vec<usize> = (0..real.n_sites().min(max_sites)).collect();
    pearson(
        &r2_upper_triangle(real, &sites),
        &r2_upper_triangle(synthetic, &sites),
    )
}

/// r² matrices of one window of consecutive sites for the reference and a compared set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LdWindow {
    /// Index of the first site of the window.
    pub first_site: usize,
    /// Number of sites in the window.
    pub n_sites: usize,
    /// Reference r², upper triangle (i < j) row by row; `null` where undefined.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub reference_r2: Vec<f64>,
    /// Compared r², same layout.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub compared_r2: Vec<f64>,
    /// Pearson r of the two r² vectors.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub pearson_r: f64,
}

/// r² of the first `window` sites in both matrices (same sites).
pub fn ld_window(
    reference: &HaplotypeMatrix,
    compared: &HaplotypeMatrix,
    window: usize,
) -> LdWindow {
    let sites: Vec<usize> = (0..reference.n_sites().min(window)).collect();
    let a = r2_upper_triangle(reference, &sites);
    let b = r2_upper_triangle(compared, &sites);
    LdWindow {
        first_site: 0,
        n_sites: sites.len(),
        pearson_r: pearson(&a, &b),
        reference_r2: a,
        compared_r2: b,
    }
}

/// Mean r² as a function of distance between sites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LdDecay {
    /// Mean r² for site pairs 1, 2, ..., `max_site_distance` sites apart.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub by_sites: Vec<f64>,
    /// Lower edges (bp) of the base-pair distance bins, doubling: 1, 2, 4, ...
    pub bp_bin_starts: Vec<u64>,
    /// Mean r² per base-pair distance bin (`null` for an empty bin).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub by_bp: Vec<f64>,
}

/// LD decay over all site pairs at most `max_site_distance` sites apart on the same chromosome.
pub fn ld_decay(m: &HaplotypeMatrix, max_site_distance: usize) -> LdDecay {
    let n_sites = m.n_sites();
    let all: Vec<usize> = (0..n_sites).collect();
    let cols = Columns::new(m, &all);
    let n = cols.n_haplotypes() as u32;
    let counts: Vec<u32> = (0..n_sites).map(|i| cols.count(i)).collect();
    let sites = m.sites();
    let n_bp_bins = 64;
    let zero = || {
        (
            vec![(0.0, 0u64); max_site_distance],
            vec![(0.0, 0u64); n_bp_bins],
        )
    };
    // Fixed chunks summed in order: floating-point sums come out the same on every run and
    // thread count (rayon's adaptive fold/reduce would regroup them).
    let chunk = 32;
    let partial: Vec<_> = (0..n_sites.div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let (mut s_acc, mut bp_acc) = zero();
            for i in c * chunk..n_sites.min((c + 1) * chunk) {
                for j in i + 1..n_sites.min(i + 1 + max_site_distance) {
                    if sites[i].chrom != sites[j].chrom {
                        break;
                    }
                    let r2 = r2_from_counts(n, counts[i], counts[j], cols.count_both(i, j));
                    if r2.is_nan() {
                        continue;
                    }
                    let e = &mut s_acc[j - i - 1];
                    e.0 += r2;
                    e.1 += 1;
                    let bp = sites[j].pos.abs_diff(sites[i].pos).max(1);
                    let e = &mut bp_acc[(63 - bp.leading_zeros()) as usize];
                    e.0 += r2;
                    e.1 += 1;
                }
            }
            (s_acc, bp_acc)
        })
        .collect();
    let (by_sites, by_bp) = partial.into_iter().fold(zero(), |(mut a, mut b), (c, d)| {
        a.iter_mut()
            .zip(c)
            .for_each(|(x, y)| (x.0, x.1) = (x.0 + y.0, x.1 + y.1));
        b.iter_mut()
            .zip(d)
            .for_each(|(x, y)| (x.0, x.1) = (x.0 + y.0, x.1 + y.1));
        (a, b)
    });
    let mean = |(s, c): &(f64, u64)| if *c == 0 { f64::NAN } else { s / *c as f64 };
    let last_bp = by_bp.iter().rposition(|(_, c)| *c > 0).map_or(0, |i| i + 1);
    LdDecay {
        by_sites: by_sites.iter().map(mean).collect(),
        bp_bin_starts: (0..last_bp).map(|b| 1u64 << b).collect(),
        by_bp: by_bp[..last_bp].iter().map(mean).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    #[test]
    fn r2_matches_squared_column_correlation() {
        let v: Vec<u8> = vec![1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1];
        let sites: Sites = (1..=3).map(|p| Site::new("1", p, "A", "G")).collect();
        let m =
            HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", 5, Ploidy::Haploid))
                .unwrap();
        let r2 = r2_upper_triangle(&m, &[0, 1, 2]);
        let col = |s: usize| (0..5).map(|h| v[h * 3 + s] as f64).collect::<Vec<_>>();
        let expect = |a, b| pearson(&col(a), &col(b)).powi(2);
        assert!((r2[0] - expect(0, 1)).abs() < 1e-12);
        assert!((r2[1] - expect(0, 2)).abs() < 1e-12);
        assert!((r2[2] - expect(1, 2)).abs() < 1e-12);
        let decay = ld_decay(&m, 2);
        assert!((decay.by_sites[1] - expect(0, 2)).abs() < 1e-12);
        assert_eq!(decay.bp_bin_starts, vec![1, 2]);
    }
}
