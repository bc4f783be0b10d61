//! Site-major bitsets: the transpose of a [`HaplotypeMatrix`], for statistics that combine
//! sites (LD, 3-point correlations) with AND + popcount over haplotypes.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;

/// One bitset per site over haplotypes: bit `h % 64` of word `h / 64` of column `s` is the
/// allele of haplotype `h` at site `s`.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    words_per_column: usize,
    n_haplotypes: usize,
    words: Vec<u64>,
}

impl Columns {
    /// Transposes the given sites of `m` (all sites when `sites` is `None`).
    pub(crate) fn new(m: &HaplotypeMatrix, sites: &[usize]) -> Self {
        let n = m.n_haplotypes();
        let wpc = n.div_ceil(64).max(1);
        let mut words = vec![0u64; sites.len() * wpc];
        if !sites.is_empty() {
            words
                .par_chunks_mut(wpc)
                .zip(sites.par_iter())
                .for_each(|(col, &s)| {
                    let (w, b) = (s / 64, s % 64);
                    let data = m.words();
                    let wpr = m.words_per_row();
                    for h in 0..n {
                        col[h / 64] |= ((data[h * wpr + w] >> b) & 1) << (h % 64);
                    }
                });
        }
        Self {
            words_per_column: wpc,
            n_haplotypes: n,
            words,
        }
    }

    /// Number of haplotypes (bits per column).
    pub(crate) fn n_haplotypes(&self) -> usize {
        self.n_haplotypes
    }

    /// The bitset of column `i`.
    pub(crate) fn column(&self, i: usize) -> &[u64] {
        &self.words[i * self.words_per_column..(i + 1) * self.words_per_column]
    }

    /// ALT count of column `i`.
    pub(crate) fn count(&self, i: usize) -> u32 {
        self.column(i).iter().map(|w| w.count_ones()).sum()
    }

    /// Number of haplotypes carrying ALT at both columns.
    pub(crate) fn count_both(&self, i: usize, j: usize) -> u32 {
        self.column(i)
            .iter()
            .zip(self.column(j))
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }

    /// Number of haplotypes carrying ALT at all three columns.
    pub(crate) fn count_all3(&self, i: usize, j: usize, k: usize) -> u32 {
        self.column(i)
            .iter()
            .zip(self.column(j))
            .zip(self.column(k))
            .map(|((a, b), c)| (a & b & c).count_ones())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    #[test]
    fn transpose_matches_get() {
        let n_hap = 70;
        let n_sites = 130;
        let v: Vec<u8> = (0..n_hap * n_sites)
            .map(|i| ((i * 7919) % 3 == 0) as u8)
            .collect();
        let sites: Sites = (0..n_sites)
            .map(|i| Site::new("1", i as u64 + 1, "A", "C"))
            .collect();
        let m = HaplotypeMatrix::from_dense_u8(
            &v,
            sites,
            Sample::numbered("h", n_hap, Ploidy::Haploid),
        )
        .unwrap();
        let idx: Vec<usize> = (0..n_sites).collect();
        let c = Columns::new(&m, &idx);
        for s in 0..n_sites {
            for h in 0..n_hap {
                assert_eq!((c.column(s)[h / 64] >> (h % 64)) & 1 == 1, m.get(h, s));
            }
            assert_eq!(c.count(s), m.column(s).filter(|&a| a).count() as u32);
        }
    }
}
