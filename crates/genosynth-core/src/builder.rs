use rayon::prelude::*;

use crate::matrix::{haplotype_ids, words_for};
use crate::{Error, HaplotypeMatrix, Result, Sample, Site, Sites};

/// Builds a [`HaplotypeMatrix`] one site at a time, as a VCF reader streams records.
///
/// Sites arrive column by column while the matrix is stored row by row, so the builder packs
/// 64 sites at a time into one word per haplotype, appending these blocks to one buffer, and
/// [`finish`](Self::finish) transposes that buffer in place. Memory is the packed matrix (plus
/// a bitset of one bit per chunk and one chunk during the transpose), so reading peaks near
/// the packed size instead of twice it.
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
    /// `n_haplotypes` rounded up to whole chunks of [`CHUNK`] haplotypes.
    stride: usize,
    sites: Vec<Site>,
    /// Blocks of 64 sites, block-major: word `b * stride + h` holds haplotype `h`'s bits for
    /// sites `64b..64b + 64` (haplotypes past `n_haplotypes` stay 0). The last block is the one
    /// being filled.
    blocks: Vec<u64>,
}

impl HaplotypeMatrixBuilder {
    /// A builder for the haplotypes of `samples` (in order, copies adjacent).
    pub fn new(samples: Vec<Sample>) -> Self {
        let n_haplotypes = haplotype_ids(&samples).len();
        Self {
            samples,
            n_haplotypes,
            stride: n_haplotypes.div_ceil(CHUNK) * CHUNK,
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
        let start = self.block_start(bit);
        for (w, &a) in self.blocks[start..].iter_mut().zip(alleles) {
            *w |= u64::from(a != 0) << bit;
        }
        self.sites.push(site);
        Ok(())
    }

    /// Appends a site from packed alleles: bit `h % 64` of `words[h / 64]` is haplotype `h`
    /// (1 = ALT); bits past the last haplotype are ignored. The work is one step per ALT
    /// allele, so rare variants cost almost nothing.
    pub fn push_site_bits(&mut self, site: Site, words: &[u64]) -> Result<()> {
        if words.len() != self.n_haplotypes.div_ceil(64) {
            return Err(Error::SiteWidth {
                site: format!("{}:{}", site.chrom, site.pos),
                expected: self.n_haplotypes,
                actual: 64 * words.len(),
            });
        }
        let bit = self.sites.len() % 64;
        let start = self.block_start(bit);
        let block = &mut self.blocks[start..start + self.n_haplotypes];
        for (k, &w) in words.iter().enumerate() {
            let mut left = w;
            while left != 0 {
                let h = 64 * k + left.trailing_zeros() as usize;
                if let Some(slot) = block.get_mut(h) {
                    *slot |= 1 << bit;
                }
                left &= left - 1;
            }
        }
        self.sites.push(site);
        Ok(())
    }

    /// Where the block of the next site starts (a new block when `bit` is 0).
    fn block_start(&mut self, bit: usize) -> usize {
        if bit == 0 {
            self.blocks.resize(self.blocks.len() + self.stride, 0);
        }
        self.blocks.len() - self.stride
    }

    /// The finished matrix.
    pub fn finish(mut self) -> HaplotypeMatrix {
        let wpr = words_for(self.sites.len());
        debug_assert_eq!(self.blocks.len(), wpr * self.stride);
        transpose_blocks(&mut self.blocks, wpr, self.stride);
        self.blocks.truncate(wpr * self.n_haplotypes);
        self.blocks.shrink_to_fit();
        HaplotypeMatrix::from_words(Sites::from(self.sites), self.samples, self.blocks)
            .expect("builder keeps sizes consistent")
    }
}

/// Haplotypes per chunk of the transpose (a chunk of 64 × 157 words is 80 KB: it fits L2).
const CHUNK: usize = 64;

/// Turns `wpr` blocks of `stride` words (block-major) into `stride` rows of `wpr` words, in
/// place and in cache-sized pieces: first the chunks of [`CHUNK`] haplotypes move so that each
/// chunk's words are contiguous (a transpose of `wpr × stride / CHUNK` elements of `CHUNK`
/// words), then each chunk is transposed through a buffer of its own size.
fn transpose_blocks(a: &mut [u64], wpr: usize, stride: usize) {
    if wpr == 0 {
        return;
    }
    transpose_in_place(a, wpr, stride / CHUNK, CHUNK);
    a.par_chunks_exact_mut(wpr * CHUNK).for_each_init(
        || vec![0u64; wpr * CHUNK],
        |chunk, piece| {
            chunk.copy_from_slice(piece);
            for (b, words) in chunk.chunks_exact(CHUNK).enumerate() {
                for (j, &w) in words.iter().enumerate() {
                    piece[j * wpr + b] = w;
                }
            }
        },
    );
}

/// Transposes a row-major `rows × cols` matrix of elements of `elem` words into `cols × rows`,
/// in place, by following the cycles of the permutation (a bitset marks elements moved).
fn transpose_in_place(a: &mut [u64], rows: usize, cols: usize, elem: usize) {
    let n = a.len() / elem;
    if rows <= 1 || cols <= 1 {
        return;
    }
    debug_assert_eq!(n, rows * cols);
    // The element at index i (row i / cols, column i % cols) belongs at (i % cols) * rows +
    // i / cols, which is i * rows mod (n - 1) for every i but the last.
    let last = (n - 1) as u128;
    let dest = |i: usize| ((i as u128 * rows as u128) % last) as usize;
    let mut moved = vec![0u64; n.div_ceil(64)];
    let mut carried = vec![0u64; elem];
    for start in 1..n - 1 {
        if moved[start / 64] >> (start % 64) & 1 == 1 {
            continue;
        }
        carried.copy_from_slice(&a[start * elem..(start + 1) * elem]);
        let mut i = start;
        loop {
            let d = dest(i);
            carried.swap_with_slice(&mut a[d * elem..(d + 1) * elem]);
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
            transpose_in_place(&mut a, rows, cols, 1);
            assert_eq!(a, expected, "{rows}x{cols}");
            // Elements of three words move whole.
            let mut wide: Vec<u64> = (0..(3 * rows * cols) as u64).collect();
            let expected: Vec<u64> = expected
                .iter()
                .flat_map(|&e| (0..3).map(move |k| 3 * e + k))
                .collect();
            transpose_in_place(&mut wide, rows, cols, 3);
            assert_eq!(wide, expected, "{rows}x{cols} of 3 words");
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

    #[test]
    fn packed_sites_equal_byte_sites() {
        let samples = Sample::numbered("S", 70, crate::Ploidy::Diploid);
        let (mut bytes, mut bits) = (
            HaplotypeMatrixBuilder::new(samples.clone()),
            HaplotypeMatrixBuilder::new(samples),
        );
        for s in 0..130u64 {
            let column: Vec<u8> = (0..140u64)
                .map(|h| u8::from((h * 31 + s * 7) % 5 == 0))
                .collect();
            let mut words = vec![0u64; 3];
            for (h, &a) in column.iter().enumerate() {
                words[h / 64] |= u64::from(a) << (h % 64);
            }
            // Bits past the last haplotype are ignored.
            words[2] |= 1 << 63;
            let site = Site::new("1", s + 1, "A", "C");
            bytes.push_site(site.clone(), &column).unwrap();
            bits.push_site_bits(site, &words).unwrap();
        }
        assert!(
            bits.push_site_bits(Site::new("1", 999, "A", "C"), &[0])
                .is_err()
        );
        assert_eq!(bits.finish(), bytes.finish());
    }
}
