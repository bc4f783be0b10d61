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
    /// Reference r², upper triangle (i < j) row by row; `NaN` where undefined. Drawn in the
    /// HTML, not stored in report.json (a 400-site window is 80,000 figures per set).
    #[serde(skip)]
    pub reference_r2: Vec<f64>,
    /// Compared r², same layout (not in report.json either).
    #[serde(skip)]
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
    /// Mean r² per base-pair distance bin (`null` for an empty bin), pairs up to 1 Mb apart.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub by_bp: Vec<f64>,
    /// Site pairs behind each `by_bp` bin (r² defined).
    pub bp_pairs: Vec<u64>,
}

/// Base-pair distance bins of LD decay: `[2^b, 2^(b+1))` for b < 20 (bin 0 also holds
/// distance 0), so pairs up to 2^20 bp ≈ 1 Mb apart.
const BP_BINS: usize = 20;

/// Pairs per site and base-pair bin: all when the bin holds fewer partners, else this many
/// spread evenly over them, so a dense chromosome costs sites × bins × this, not all pairs.
const PAIRS_PER_BIN: usize = 8;

/// LD decay: by site distance over all site pairs at most `max_site_distance` sites apart, and
/// by base-pair distance up to 1 Mb over up to `PAIRS_PER_BIN` pairs per site and doubling
/// distance bin (evenly spaced partners, no randomness); pairs on one chromosome only.
pub fn ld_decay(m: &HaplotypeMatrix, max_site_distance: usize) -> LdDecay {
    let n_sites = m.n_sites();
    let all: Vec<usize> = (0..n_sites).collect();
    let cols = Columns::new(m, &all);
    let n = cols.n_haplotypes() as u32;
    let counts: Vec<u32> = (0..n_sites).map(|i| cols.count(i)).collect();
    let sites = m.sites();
    // End (exclusive) of each site's chromosome run.
    let mut run_end = vec![n_sites; n_sites];
    for i in (0..n_sites.saturating_sub(1)).rev() {
        run_end[i] = if sites[i + 1].chrom == sites[i].chrom {
            run_end[i + 1]
        } else {
            i + 1
        };
    }
    let zero = || {
        (
            vec![(0.0, 0u64); max_site_distance],
            vec![(0.0, 0u64); BP_BINS],
        )
    };
    let r2 = |i: usize, j: usize| r2_from_counts(n, counts[i], counts[j], cols.count_both(i, j));
    // Fixed chunks summed in order: floating-point sums come out the same on every run and
    // thread count (rayon's adaptive fold/reduce would regroup them).
    let chunk = 32;
    let partial: Vec<_> = (0..n_sites.div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let (mut s_acc, mut bp_acc) = zero();
            let add = |e: &mut (f64, u64), v: f64| {
                if !v.is_nan() {
                    e.0 += v;
                    e.1 += 1;
                }
            };
            for i in c * chunk..n_sites.min((c + 1) * chunk) {
                let end = run_end[i];
                for j in i + 1..end.min(i + 1 + max_site_distance) {
                    add(&mut s_acc[j - i - 1], r2(i, j));
                }
                let pos = sites[i].pos;
                // First site of the run at least `d` bp after site i (positions ascend).
                let after = |d: u64| {
                    let (mut lo, mut hi) = (i + 1, end);
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        if sites[mid].pos.saturating_sub(pos) < d {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                    lo
                };
                for (b, acc) in bp_acc.iter_mut().enumerate() {
                    let lo = if b == 0 { i + 1 } else { after(1 << b) };
                    let hi = after(1 << (b + 1));
                    let len = hi.saturating_sub(lo);
                    let k = len.min(PAIRS_PER_BIN);
                    for t in 0..k {
                        add(acc, r2(i, lo + t * len / k));
                    }
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
        bp_pairs: by_bp[..last_bp].iter().map(|(_, c)| *c).collect(),
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

    /// With few partners per doubling bin every pair is used: the bins are the all-pairs means,
    /// across a chromosome change and out to ~1 Mb.
    #[test]
    fn bp_decay_is_the_all_pairs_mean_per_bin() {
        let (n, n_sites) = (40usize, 34usize);
        let v: Vec<u8> = (0..n * n_sites)
            .map(|i| ((i as u64).wrapping_mul(2_654_435_761) >> 13).is_multiple_of(3) as u8)
            .collect();
        let pos = |k: u64| 7 + k * k * k * 25 + k;
        let sites: Sites = (0..n_sites as u64)
            .map(|k| Site::new(if k < 30 { "1" } else { "2" }, pos(k), "A", "G"))
            .collect();
        let m = HaplotypeMatrix::from_dense_u8(
            &v,
            sites.clone(),
            Sample::numbered("h", n, Ploidy::Haploid),
        )
        .unwrap();
        let col = |s: usize| {
            (0..n)
                .map(|h| v[h * n_sites + s] as f64)
                .collect::<Vec<_>>()
        };
        let mut bins = vec![(0.0, 0u64); 20];
        for i in 0..n_sites {
            for j in i + 1..n_sites {
                let d = sites[j].pos - sites[i].pos;
                if sites[i].chrom != sites[j].chrom || d >= 1 << 20 {
                    continue;
                }
                let r2 = pearson(&col(i), &col(j)).powi(2);
                let b = (63 - d.max(1).leading_zeros()) as usize;
                bins[b].0 += r2;
                bins[b].1 += 1;
            }
        }
        let decay = ld_decay(&m, 5);
        assert_eq!(decay.bp_bin_starts.len(), 20, "pairs reach the last bin");
        for (b, &(sum, count)) in bins.iter().enumerate() {
            assert_eq!(decay.bp_pairs[b], count, "bin {b}");
            if count > 0 {
                assert!(
                    (decay.by_bp[b] - sum / count as f64).abs() < 1e-12,
                    "bin {b}"
                );
            }
        }
    }
}
