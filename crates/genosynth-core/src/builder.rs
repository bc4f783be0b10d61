use crate::matrix::{haplotype_ids, words_for};
use crate::{Error, HaplotypeMatrix, Result, Sample, Site, Sites};

/// Builds a [`HaplotypeMatrix`] one site at a time, as a VCF reader streams records.
///
/// Sites arrive column by column while the matrix is stored row by row, so the builder packs
/// 64 sites at a time into one word per haplotype, appending these blocks to one buffer, and
/// [`finish`](Self::finish) transposes that buffer in place. Memory is the packed matrix (plus
/// a bitset of one bit per word during the transpose), so reading peaks near the packed size
/// instead of twice it.
///
/// ```
/// use genosynth_core::{HaplotypeMatrixBuilder, Ploidy, Sample, Site};
///
/// let samples = vec![Sample::new("NA12878", Ploidy::Diploid)];
/// let mut b = HaplotypeMatrixBuilder::new(samples);
/// b.push_site(Site::new("1", 10, "A", "C"), &[0, 1])?;
/// b.push_site(Site::new("1", 20, "G", "T"), &[1, 1])?;
/// let m = b.finish();
/// assert_eq!(m.allele_counts(), vec![1, 2]);
/// # Ok::<(), genosynth_core::Error>(())
/// ```
#[derive(Debug)]
pub struct HaplotypeMatrixBuilder {
    samples: Vec<Sample>,
    n_haplotypes: usize,
    sites: Vec<Site>,
    /// Blocks of 64 sites, block-major: word `b * n_haplotypes + h` holds haplotype `h`'s bits
    /// for sites `64b..64b + 64`. The last block is the one being filled.
    blocks: Vec<u64>,
}

impl HaplotypeMatrixBuilder {
    /// A builder for the haplotypes of `samples` (in order, copies adjacent).
    pub fn new(samples: Vec<Sample>) -> Self {
        let n_haplotypes = haplotype_ids(&samples).len();
        Self {
            samples,
            n_haplotypes,
            sites: Vec::new(),
            blocks: Vec::new(),
        }
    }

    /// Number of haplotypes each site must provide.
    pub fn n_haplotypes(&self) -> usize {
        self.n_haplotypes
    }

    /// Number of sites pushed so far.
    pub fn n_sites(&self) -> usize {
        self.sites.len()
    }

    /// The last site pushed.
    pub fn last_site(&self) -> Option<&Site> {
        self.sites.last()
    }

    /// Appends a site with one allele (0 or 1; any non-zero is ALT) per haplotype.
    pub fn push_site(&mut self, site: Site, alleles: &[u8]) -> Result<()> {
        if alleles.len() != self.n_haplotypes {
            return Err(Error::SiteWidth {
                site: format!("{}:{}", site.chrom, site.pos),
                expected: self.n_haplotypes,
                actual: alleles.len(),
            });
        }
        let bit = self.sites.len() % 64;
        if bit == 0 {
            self.blocks.resize(self.blocks.len() + self.n_haplotypes, 0);
        }
        let start = self.blocks.len() - self.n_haplotypes;
        for (w, &a) in self.blocks[start..].iter_mut().zip(alleles) {
            *w |= u64::from(a != 0) << bit;
        }
        self.sites.push(site);
        Ok(())
    }

    /// The finished matrix.
    pub fn finish(mut self) -> HaplotypeMatrix {
        let wpr = words_for(self.sites.len());
        debug_assert_eq!(self.blocks.len(), wpr * self.n_haplotypes);
        transpose_in_place(&mut self.blocks, wpr, self.n_haplotypes);
        self.blocks.shrink_to_fit();
        HaplotypeMatrix::from_words(Sites::from(self.sites), self.samples, self.blocks)
            .expect("builder keeps sizes consistent")
    }
}

/// Transposes a row-major `rows × cols` matrix into `cols × rows`, in place, by following the
/// cycles of the permutation (a bitset marks words already moved).
fn transpose_in_place(a: &mut [u64], rows: usize, cols: usize) {
    let n = a.len();
    if rows <= 1 || cols <= 1 {
        return;
    }
    debug_assert_eq!(n, rows * cols);
    // The word at index i (row i / cols, column i % cols) belongs at (i % cols) * rows + i / cols,
    // which is i * rows mod (n - 1) for every i but the last.
    let last = (n - 1) as u128;
    let dest = |i: usize| ((i as u128 * rows as u128) % last) as usize;
    let mut moved = vec![0u64; n.div_ceil(64)];
    for start in 1..n - 1 {
        if moved[start / 64] >> (start % 64) & 1 == 1 {
            continue;
        }
        let mut carried = a[start];
        let mut i = start;
        loop {
            let d = dest(i);
            std::mem::swap(&mut carried, &mut a[d]);
            moved[d / 64] |= 1 << (d % 64);
            i = d;
            if d == start {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_in_place_matches_a_copy() {
        for (rows, cols) in [(1, 5), (5, 1), (2, 3), (3, 7), (8, 8), (13, 4)] {
            let mut a: Vec<u64> = (0..(rows * cols) as u64).collect();
            let expected: Vec<u64> = (0..cols)
                .flat_map(|c| (0..rows).map(move |r| (r * cols + c) as u64))
                .collect();
            transpose_in_place(&mut a, rows, cols);
            assert_eq!(a, expected, "{rows}x{cols}");
        }
    }

    #[test]
    fn builder_equals_dense_construction_across_blocks() {
        let samples = vec![
            Sample::new("A", crate::Ploidy::Diploid),
            Sample::new("B", crate::Ploidy::Haploid),
        ];
        let n_sites = 150;
        let values: Vec<u8> = (0..3 * n_sites)
            .map(|i| ((i * 7 + i / 5) % 3 == 0) as u8)
            .collect();
        let sites: Vec<Site> = (0..n_sites)
            .map(|s| Site::new("1", s as u64 + 1, "A", "C"))
            .collect();
        let mut b = HaplotypeMatrixBuilder::new(samples.clone());
        for s in 0..n_sites {
            let column: Vec<u8> = (0..3).map(|h| values[h * n_sites + s]).collect();
            b.push_site(sites[s].clone(), &column).unwrap();
        }
        let dense = HaplotypeMatrix::from_dense_u8(&values, Sites::from(sites), samples).unwrap();
        assert_eq!(b.finish(), dense);
    }
}
