//! Hudson's Fst between two sets of haplotypes, as scikit-allel's `hudson_fst` with the
//! ratio of sums over sites (Bhatia et al. 2013).

use genosynth_core::HaplotypeMatrix;

/// Hudson's Fst = Σ(between − within) / Σ between over sites, where `within` is the mean of
/// the two sets' mean pairwise differences and `between` the mean difference across sets.
/// `NaN` when no site varies in either set; 0 means indistinguishable frequencies.
pub fn hudson_fst(a: &HaplotypeMatrix, b: &HaplotypeMatrix) -> f64 {
    let (ca, cb) = (a.allele_counts(), b.allele_counts());
    let (na, nb) = (a.n_haplotypes() as f64, b.n_haplotypes() as f64);
    let mpd = |c: f64, n: f64| {
        let pairs = n * (n - 1.0) / 2.0;
        let same = c * (c - 1.0) / 2.0 + (n - c) * (n - c - 1.0) / 2.0;
        (pairs - same) / pairs
    };
    let (mut num, mut den) = (0.0, 0.0);
    for (&x, &y) in ca.iter().zip(&cb) {
        let (x, y) = (x as f64, y as f64);
        let within = (mpd(x, na) + mpd(y, nb)) / 2.0;
        let between = (na * nb - (x * y + (na - x) * (nb - y))) / (na * nb);
        num += between - within;
        den += between;
    }
    if den == 0.0 { f64::NAN } else { num / den }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    #[test]
    fn fixed_differences_give_one_and_equal_sets_near_zero() {
        let sites: Sites = (1..=2).map(|p| Site::new("1", p, "A", "G")).collect();
        let s = |n| Sample::numbered("h", n, Ploidy::Haploid);
        let a = HaplotypeMatrix::from_dense_u8(&[0, 0, 0, 0, 0, 0], sites.clone(), s(3)).unwrap();
        let b = HaplotypeMatrix::from_dense_u8(&[1, 1, 1, 1, 1, 1], sites.clone(), s(3)).unwrap();
        assert!((hudson_fst(&a, &b) - 1.0).abs() < 1e-12);
        let c = HaplotypeMatrix::from_dense_u8(&[0, 1, 1, 0, 1, 1, 0, 0], sites, s(4)).unwrap();
        assert!(hudson_fst(&c, &c) < 0.0);
    }
}
