//! Allele frequencies: per-site agreement and the site frequency spectrum.

use genosynth_core::HaplotypeMatrix;
use serde::{Deserialize, Serialize};

use crate::stats::{pearson, rmse};

/// Pearson correlation of per-site ALT allele frequencies of two matrices with the same sites
/// in the same order (1.0 is perfect; `NaN` if either side is constant).
///
/// ```
/// use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
/// let sites: Sites = (1..=3).map(|p| Site::new("1", p, "A", "G")).collect();
/// let s = |n| Sample::numbered("h", n, Ploidy::Haploid);
/// let real = HaplotypeMatrix::from_dense_u8(&[1, 0, 0, 1, 1, 0], sites.clone(), s(2))?;
/// let ags = HaplotypeMatrix::from_dense_u8(&[1, 1, 0, 1, 0, 0], sites, s(2))?;
/// assert!((genosynth_eval::allele_frequency_correlation(&real, &ags) - 1.0).abs() < 1e-12);
/// # Ok::<(), genosynth_core::Error>(())
/// ```
///
/// # Panics
/// If the two matrices have different numbers of sites.
pub fn allele_frequency_correlation(real: &HaplotypeMatrix, synthetic: &HaplotypeMatrix) -> f64 {
    assert_eq!(
        real.n_sites(),
        synthetic.n_sites(),
        "allele_frequency_correlation needs matrices over the same sites"
    );
    pearson(&real.allele_frequencies(), &synthetic.allele_frequencies())
}

/// Per-site allele frequency agreement of a matrix with the reference one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlleleFrequencyStats {
    /// Pearson r of per-site ALT frequencies.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub pearson_r: f64,
    /// Root mean squared frequency difference.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub rmse: f64,
    /// Largest absolute frequency difference.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub max_abs_diff: f64,
    /// Reference (real) ALT frequency per site.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub reference: Vec<f64>,
    /// Compared (synthetic or holdout) ALT frequency per site.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub compared: Vec<f64>,
}

/// Compares per-site ALT frequencies of `compared` with those of `reference` (same sites).
pub fn allele_frequency_stats(
    reference: &HaplotypeMatrix,
    compared: &HaplotypeMatrix,
) -> AlleleFrequencyStats {
    let a = reference.allele_frequencies();
    let b = compared.allele_frequencies();
    let max_abs_diff = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    AlleleFrequencyStats {
        pearson_r: pearson(&a, &b),
        rmse: rmse(&a, &b),
        max_abs_diff,
        reference: a,
        compared: b,
    }
}

/// Folded site frequency spectrum as proportions of sites per minor allele frequency bin.
///
/// `bins` equal-width bins over MAF 0..=0.5; monomorphic sites (MAF 0) are counted in their
/// own leading entry, so the result has `bins + 1` entries summing to 1.
pub fn folded_sfs(m: &HaplotypeMatrix, bins: usize) -> Vec<f64> {
    let bins = bins.max(1);
    let mut out = vec![0.0; bins + 1];
    let n = m.n_sites();
    if n == 0 {
        return out;
    }
    for p in m.allele_frequencies() {
        let maf = p.min(1.0 - p);
        let slot = if maf <= 0.0 {
            0
        } else {
            ((maf / 0.5 * bins as f64).ceil() as usize).clamp(1, bins)
        };
        out[slot] += 1.0 / n as f64;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    fn matrix(v: &[u8], n_hap: usize) -> HaplotypeMatrix {
        let n_sites = v.len() / n_hap;
        let sites: Sites = (0..n_sites)
            .map(|i| Site::new("1", i as u64 + 1, "A", "C"))
            .collect();
        HaplotypeMatrix::from_dense_u8(v, sites, Sample::numbered("h", n_hap, Ploidy::Haploid))
            .unwrap()
    }

    #[test]
    fn stats_report_differences() {
        let a = matrix(&[1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1], 4);
        let b = matrix(&[1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1], 4);
        let s = allele_frequency_stats(&a, &b);
        assert_eq!(s.reference, vec![0.5, 0.25, 0.5]);
        assert_eq!(s.compared, vec![1.0, 0.75, 0.5]);
        assert!((s.max_abs_diff - 0.5).abs() < 1e-12);
        let sfs = folded_sfs(&a, 5);
        assert!((sfs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((sfs[5] - 2.0 / 3.0).abs() < 1e-12);
        assert!((sfs[3] - 1.0 / 3.0).abs() < 1e-12);
    }
}
