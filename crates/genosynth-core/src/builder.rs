use crate::matrix::{haplotype_ids, words_for};
use crate::{Error, HaplotypeMatrix, Result, Sample, Site, Sites};

/// Builds a [`HaplotypeMatrix`] one site at a time, as a VCF reader streams records.
///
/// Sites arrive column by column while the matrix is stored row by row, so the builder packs
/// 64 sites at a time into one word per haplotype and transposes those blocks of words at
/// [`finish`](Self::finish). Memory is the packed matrix plus one block; the transpose at the end
/// holds the blocks and the final matrix together, which bounds the peak at about twice the
/// packed size.
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
    /// Completed blocks of 64 sites: `block[h]` holds haplotype `h`'s bits for those sites.
    blocks: Vec<Vec<u64>>,
    /// The block being filled.
    current: Vec<u64>,
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
            current: vec![0; n_haplotypes],
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
        for (w, &a) in self.current.iter_mut().zip(alleles) {
            *w |= u64::from(a != 0) << bit;
        }
        self.sites.push(site);
        if bit == 63 {
            let full = std::mem::replace(&mut self.current, vec![0; self.n_haplotypes]);
            self.blocks.push(full);
        }
        Ok(())
    }

    /// The finished matrix.
    pub fn finish(mut self) -> HaplotypeMatrix {
        if !self.sites.len().is_multiple_of(64) {
            self.blocks.push(std::mem::take(&mut self.current));
        }
        drop(self.current);
        let wpr = words_for(self.sites.len());
        debug_assert_eq!(wpr, self.blocks.len());
        let mut words = vec![0u64; self.n_haplotypes * wpr];
        for (b, block) in self.blocks.into_iter().enumerate() {
            for (h, w) in block.into_iter().enumerate() {
                words[h * wpr + b] = w;
            }
        }
        HaplotypeMatrix::from_words(Sites::from(self.sites), self.samples, words)
            .expect("builder keeps sizes consistent")
    }
}
