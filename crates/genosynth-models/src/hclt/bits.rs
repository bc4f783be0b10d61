//! Training haplotypes bit-packed by site: one row of `u64` words per site, bit `n % 64` of
//! word `n / 64` is haplotype `n`'s allele. The tree counts pairs with popcounts of ANDs, and
//! the EM reads one word per site for a block of 64 haplotypes.

use std::ops::Range;

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;

/// Sites × haplotypes, bit-packed per site.
#[derive(Debug, Clone)]
pub(crate) struct SiteBits {
    n_sites: usize,
    n_haplotypes: usize,
    words_per_site: usize,
    words: Vec<u64>,
}

impl SiteBits {
    /// From row-major `n × sites` 0/1 values (anything above 0.5 is the alternate allele).
    #[cfg(test)]
    pub(crate) fn from_dense(dense: &[f32], n: usize, n_sites: usize) -> Self {
        let wps = n.div_ceil(64);
        // One column of words per block of 64 haplotypes, read row by row (cache-friendly).
        let columns: Vec<Vec<u64>> = (0..wps)
            .into_par_iter()
            .map(|w| {
                let mut column = vec![0u64; n_sites];
                for h in 64 * w..(64 * w + 64).min(n) {
                    let hap = &dense[h * n_sites..(h + 1) * n_sites];
                    for (word, &v) in column.iter_mut().zip(hap) {
                        *word |= u64::from(v > 0.5) << (h % 64);
                    }
                }
                column
            })
            .collect();
        Self::from_columns(&columns, n, n_sites)
    }

    /// Haplotypes `rows` of `matrix`, re-packed by site straight from its packed rows (no
    /// dense copy: the result and the matrix are both a bit per allele).
    pub(crate) fn from_matrix(matrix: &HaplotypeMatrix, rows: Range<usize>) -> Self {
        let (n_sites, n) = (matrix.n_sites(), rows.len());
        let wps = n.div_ceil(64);
        let columns: Vec<Vec<u64>> = (0..wps)
            .into_par_iter()
            .map(|w| {
                let mut column = vec![0u64; n_sites];
                for h in 64 * w..(64 * w + 64).min(n) {
                    let bit = 1u64 << (h % 64);
                    for (i, &word) in matrix.row(rows.start + h).iter().enumerate() {
                        // Only the alternate alleles cost anything: most sites are rare.
                        let mut rest = word;
                        while rest != 0 {
                            column[64 * i + rest.trailing_zeros() as usize] |= bit;
                            rest &= rest - 1;
                        }
                    }
                }
                column
            })
            .collect();
        Self::from_columns(&columns, n, n_sites)
    }

    /// From one column of words per block of 64 haplotypes.
    fn from_columns(columns: &[Vec<u64>], n: usize, n_sites: usize) -> Self {
        let wps = columns.len();
        let mut words = vec![0u64; n_sites * wps];
        for (w, column) in columns.iter().enumerate() {
            for (j, &v) in column.iter().enumerate() {
                words[j * wps + w] = v;
            }
        }
        Self {
            n_sites,
            n_haplotypes: n,
            words_per_site: wps,
            words,
        }
    }

    /// Haplotypes `rows` as 0/1 values, site-major `(sites, rows.len())`: the layout the
    /// tensor passes take, expanded one chunk at a time.
    pub(crate) fn dense_by_site(&self, rows: Range<usize>) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.n_sites * rows.len());
        for j in 0..self.n_sites {
            let site = self.site(j);
            out.extend(rows.clone().map(|h| f32::from(u8::from(bit(site, h)))));
        }
        out
    }

    pub(crate) fn n_sites(&self) -> usize {
        self.n_sites
    }

    pub(crate) fn n_haplotypes(&self) -> usize {
        self.n_haplotypes
    }

    pub(crate) fn words_per_site(&self) -> usize {
        self.words_per_site
    }

    /// Site `j`'s words.
    pub(crate) fn site(&self, j: usize) -> &[u64] {
        &self.words[j * self.words_per_site..(j + 1) * self.words_per_site]
    }

    /// Haplotype `h`'s allele at site `j` (true: alternate).
    pub(crate) fn allele(&self, j: usize, h: usize) -> bool {
        bit(self.site(j), h)
    }

    /// Word `w` (haplotypes `64w..64w+63`) of site `j`.
    pub(crate) fn word(&self, j: usize, w: usize) -> u64 {
        self.words[j * self.words_per_site + w]
    }

    /// Alternate alleles per site.
    pub(crate) fn counts(&self) -> Vec<u32> {
        (0..self.n_sites)
            .map(|j| self.site(j).iter().map(|w| w.count_ones()).sum())
            .collect()
    }
}

/// Bit `h` of a site's words.
fn bit(site: &[u64], h: usize) -> bool {
    (site[h / 64] >> (h % 64)) & 1 == 1
}

/// Haplotypes carrying the alternate allele at both sites. Baseline x86-64 has no popcount
/// instruction, so the count runs in a copy compiled for the CPU's own (the same integers).
pub(crate) fn both(a: &[u64], b: &[u64]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
        {
            // SAFETY: the CPU supports AVX-512F and VPOPCNTDQ, checked just above.
            return unsafe { both_avx512(a, b) };
        }
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, checked just above.
            return unsafe { both_popcnt(a, b) };
        }
    }
    both_portable(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
fn both_avx512(a: &[u64], b: &[u64]) -> u32 {
    both_portable(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn both_popcnt(a: &[u64], b: &[u64]) -> u32 {
    both_portable(a, b)
}

#[inline(always)]
fn both_portable(a: &[u64], b: &[u64]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_by_site_and_counts_pairs() {
        // 70 haplotypes (two words), 3 sites: site 0 = even haplotypes, site 1 = all,
        // site 2 = none.
        let n = 70;
        let dense: Vec<f32> = (0..n)
            .flat_map(|h| [f32::from(h % 2 == 0), 1.0, 0.0])
            .collect();
        let b = SiteBits::from_dense(&dense, n, 3);
        assert_eq!(b.words_per_site(), 2);
        assert_eq!(b.counts(), vec![35, 70, 0]);
        assert_eq!(both(b.site(0), b.site(1)), 35);
        assert_eq!(both(b.site(0), b.site(2)), 0);
        assert_eq!(
            b.word(1, 1),
            (1u64 << 6) - 1,
            "the tail word holds 6 haplotypes"
        );
    }

    #[test]
    fn dispatched_pair_counts_equal_the_portable_ones() {
        use rand::{Rng, SeedableRng};
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        // Lengths around the vector widths, random and dense/sparse words.
        for len in [0, 1, 3, 7, 8, 9, 16, 31, 157] {
            for density in [0.02, 0.5, 0.98] {
                let word = |r: &mut rand_chacha::ChaCha8Rng| {
                    (0..64).fold(0u64, |w, i| w | (u64::from(r.random_bool(density)) << i))
                };
                let a: Vec<u64> = (0..len).map(|_| word(&mut r)).collect();
                let b: Vec<u64> = (0..len).map(|_| word(&mut r)).collect();
                let naive: u32 = (0..64 * len)
                    .map(|h| u32::from(bit(&a, h) && bit(&b, h)))
                    .sum();
                assert_eq!(both(&a, &b), naive, "{len} words at {density}");
                assert_eq!(both_portable(&a, &b), naive);
            }
        }
    }

    #[test]
    fn packs_a_matrix_by_site_as_its_dense_copy() {
        // 150 haplotypes × 130 sites: three words a row, three a site.
        let m = genosynth_core::test_util::TestPopulation {
            people: 75,
            blocks: 26,
            block_size: 5,
            ..Default::default()
        }
        .generate(3);
        let (n, l) = (m.n_haplotypes(), m.n_sites());
        let dense = m.to_dense_f32();
        let whole = SiteBits::from_dense(&dense, n, l);
        let packed = SiteBits::from_matrix(&m, 0..n);
        assert_eq!(packed.words, whole.words);
        // A part starting mid-word is packed from its own first haplotype.
        let part = SiteBits::from_matrix(&m, 70..150);
        assert_eq!(part.n_haplotypes(), 80);
        assert_eq!(
            part.words,
            SiteBits::from_dense(&dense[70 * l..], 80, l).words
        );
        let back = part.dense_by_site(0..80);
        for j in 0..l {
            for h in 0..80 {
                assert_eq!(back[j * 80 + h], dense[(70 + h) * l + j]);
            }
        }
    }
}
