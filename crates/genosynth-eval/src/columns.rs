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
    /// Transposes the given sites of `m` (in the given order; repeats allowed). Only the
    /// 64-site words of the rows that hold a requested site are transposed.
    pub(crate) fn new(m: &HaplotypeMatrix, sites: &[usize]) -> Self {
        let n = m.n_haplotypes();
        let wpc = n.div_ceil(64).max(1);
        let mut needed: Vec<usize> = sites.iter().map(|s| s / 64).collect();
        needed.sort_unstable();
        needed.dedup();
        // Block `b` holds the columns of sites 64·needed[b] .. 64·needed[b] + 63 (those that
        // exist), one after another.
        let blocks: Vec<Vec<u64>> = needed
            .par_iter()
            .map(|&w| {
                let width = (m.n_sites() - 64 * w).min(64);
                let mut out = vec![0u64; width * wpc];
                transpose_word(m, w, wpc, &mut out);
                out
            })
            .collect();
        let mut words = Vec::with_capacity(sites.len() * wpc);
        for &s in sites {
            let b = needed
                .binary_search(&(s / 64))
                .expect("every site's word was transposed");
            words.extend_from_slice(&blocks[b][(s % 64) * wpc..(s % 64 + 1) * wpc]);
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

/// Writes the columns of the sites in word `w` of the rows of `m` (64 sites, fewer in the last
/// word) into `out`, `wpc` words per column, 64 haplotypes × 64 sites at a time.
fn transpose_word(m: &HaplotypeMatrix, w: usize, wpc: usize, out: &mut [u64]) {
    let n = m.n_haplotypes();
    let wpr = m.words_per_row();
    let mut block = [0u64; 64];
    for hb in 0..wpc {
        for (i, b) in block.iter_mut().enumerate() {
            let h = hb * 64 + i;
            *b = if h < n { m.words()[h * wpr + w] } else { 0 };
        }
        transpose_64(&mut block);
        for (c, col) in out.chunks_mut(wpc).enumerate() {
            col[hb] = block[c];
        }
    }
}

/// Transposes a 64 × 64 bit matrix in place: bit `c` of `a[r]` moves to bit `r` of `a[c]`
/// (recursive block swaps, Hacker's Delight §7-3, for least-significant-bit-first order).
fn transpose_64(a: &mut [u64; 64]) {
    let mut j = 32;
    let mut mask: u64 = 0x0000_0000_FFFF_FFFF;
    while j != 0 {
        let mut k = 0;
        while k < 64 {
            let t = ((a[k] >> j) ^ a[k + j]) & mask;
            a[k + j] ^= t;
            a[k] ^= t << j;
            k = (k + j + 1) & !j;
        }
        j >>= 1;
        mask ^= mask << j;
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
        let picked = Columns::new(&m, &[129, 3, 3]);
        assert_eq!(picked.column(0), c.column(129));
        assert_eq!(picked.column(2), c.column(3));
        for s in 0..n_sites {
            for h in 0..n_hap {
                assert_eq!((c.column(s)[h / 64] >> (h % 64)) & 1 == 1, m.get(h, s));
            }
            assert_eq!(c.count(s), m.column(s).filter(|&a| a).count() as u32);
        }
    }
}
