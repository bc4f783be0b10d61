use rayon::prelude::*;

use crate::error::Axis;
use crate::{Error, HaplotypeId, Result, Sample, Sites};

/// Haplotypes × sites, bit-packed: one row of `u64` words per haplotype.
///
/// Bit `s % 64` of word `s / 64` of row `h` is the allele (0 = REF, 1 = ALT) of haplotype `h` at
/// site `s`. Bits past the last site are always zero, so whole-row XOR + popcount gives Hamming
/// distances. Memory is ≈ haplotypes × sites / 8 bytes.
///
/// Rows are ordered sample by sample, the copies of one sample next to each other;
/// [`HaplotypeMatrix::haplotype_id`] says which sample and copy a row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaplotypeMatrix {
    sites: Sites,
    samples: Vec<Sample>,
    ids: Vec<HaplotypeId>,
    words_per_row: usize,
    words: Vec<u64>,
}

/// Words needed to hold `n_sites` bits.
pub(crate) fn words_for(n_sites: usize) -> usize {
    n_sites.div_ceil(64)
}

/// Row ids for samples in order.
pub(crate) fn haplotype_ids(samples: &[Sample]) -> Vec<HaplotypeId> {
    let mut ids = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        for copy in 0..s.ploidy.copies() {
            ids.push(HaplotypeId {
                sample: i as u32,
                copy: copy as u8,
            });
        }
    }
    ids
}

impl HaplotypeMatrix {
    /// Builds a matrix from already packed words (`haplotypes × ⌈sites/64⌉`, row-major).
    ///
    /// Bits past the last site are cleared.
    pub fn from_words(sites: Sites, samples: Vec<Sample>, mut words: Vec<u64>) -> Result<Self> {
        let ids = haplotype_ids(&samples);
        let words_per_row = words_for(sites.len());
        let expected = ids.len() * words_per_row;
        if words.len() != expected {
            return Err(Error::DenseLength {
                expected,
                actual: words.len(),
            });
        }
        let tail = sites.len() % 64;
        if tail != 0 {
            let mask = (1u64 << tail) - 1;
            for row in words.chunks_exact_mut(words_per_row) {
                row[words_per_row - 1] &= mask;
            }
        }
        Ok(Self {
            sites,
            samples,
            ids,
            words_per_row,
            words,
        })
    }

    /// An all-REF matrix.
    pub fn zeros(sites: Sites, samples: Vec<Sample>) -> Self {
        let n = haplotype_ids(&samples).len() * words_for(sites.len());
        Self::from_words(sites, samples, vec![0; n]).expect("sizes agree by construction")
    }

    /// Builds a matrix from a dense row-major buffer of 0/1 bytes (`haplotypes × sites`).
    pub fn from_dense_u8(values: &[u8], sites: Sites, samples: Vec<Sample>) -> Result<Self> {
        Self::from_dense(values, sites, samples, |v| match v {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        })
    }

    /// Builds a matrix from a dense row-major buffer of exact 0.0/1.0 values
    /// (`haplotypes × sites`); models round their outputs before calling this.
    pub fn from_dense_f32(values: &[f32], sites: Sites, samples: Vec<Sample>) -> Result<Self> {
        Self::from_dense(values, sites, samples, |v| {
            if v == 0.0 {
                Some(false)
            } else if v == 1.0 {
                Some(true)
            } else {
                None
            }
        })
    }

    fn from_dense<T: Copy + Sync + ToString>(
        values: &[T],
        sites: Sites,
        samples: Vec<Sample>,
        allele: impl Fn(T) -> Option<bool> + Sync,
    ) -> Result<Self> {
        let n_sites = sites.len();
        let n_hap = haplotype_ids(&samples).len();
        if values.len() != n_hap * n_sites {
            return Err(Error::DenseLength {
                expected: n_hap * n_sites,
                actual: values.len(),
            });
        }
        let wpr = words_for(n_sites);
        let mut words = vec![0u64; n_hap * wpr];
        if n_sites > 0 {
            words
                .par_chunks_mut(wpr)
                .zip(values.par_chunks(n_sites))
                .enumerate()
                .try_for_each(|(h, (row, vals))| {
                    for (s, &v) in vals.iter().enumerate() {
                        match allele(v) {
                            Some(true) => row[s / 64] |= 1 << (s % 64),
                            Some(false) => {}
                            None => {
                                return Err(Error::NotBinary {
                                    haplotype: h,
                                    site: s,
                                    value: v.to_string(),
                                });
                            }
                        }
                    }
                    Ok(())
                })?;
        }
        Self::from_words(sites, samples, words)
    }

    /// Number of haplotype rows.
    #[inline]
    pub fn n_haplotypes(&self) -> usize {
        self.ids.len()
    }

    /// Number of site columns.
    #[inline]
    pub fn n_sites(&self) -> usize {
        self.sites.len()
    }

    /// The sites (columns).
    #[inline]
    pub fn sites(&self) -> &Sites {
        &self.sites
    }

    /// The samples the rows belong to.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Which sample and copy row `haplotype` is.
    pub fn haplotype_id(&self, haplotype: usize) -> HaplotypeId {
        self.ids[haplotype]
    }

    /// All row ids in order.
    pub fn haplotype_ids(&self) -> &[HaplotypeId] {
        &self.ids
    }

    /// Words per packed row (⌈sites / 64⌉).
    #[inline]
    pub fn words_per_row(&self) -> usize {
        self.words_per_row
    }

    /// All packed words, row-major.
    #[inline]
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Bytes held by the packed genotype data.
    pub fn packed_bytes(&self) -> usize {
        self.words.len() * 8
    }

    /// Replaces the sites' metadata without touching genotypes (e.g. after a model generated
    /// data for a checkpoint's site list).
    ///
    /// # Errors
    /// If the number of sites differs.
    pub fn with_sites(mut self, sites: Sites) -> Result<Self> {
        if sites.len() != self.sites.len() {
            return Err(Error::OutOfRange {
                what: Axis::Site,
                index: sites.len(),
                len: self.sites.len(),
            });
        }
        self.sites = sites;
        Ok(self)
    }

    /// Replaces the samples (their ploidies must still add up to the row count).
    pub fn with_samples(mut self, samples: Vec<Sample>) -> Result<Self> {
        let ids = haplotype_ids(&samples);
        if ids.len() != self.ids.len() {
            return Err(Error::HaplotypeCount {
                from_samples: ids.len(),
                rows: self.ids.len(),
            });
        }
        self.samples = samples;
        self.ids = ids;
        Ok(self)
    }

    /// The packed row of haplotype `h`.
    #[inline]
    pub fn row(&self, h: usize) -> &[u64] {
        &self.words[h * self.words_per_row..(h + 1) * self.words_per_row]
    }

    /// Iterates over packed rows.
    #[inline]
    pub fn rows(&self) -> std::slice::ChunksExact<'_, u64> {
        // chunks_exact panics on 0; a matrix without sites has empty rows.
        self.words.chunks_exact(self.words_per_row.max(1))
    }

    /// The allele of haplotype `h` at site `s`.
    ///
    /// # Panics
    /// If `h` or `s` is out of range.
    #[inline]
    pub fn get(&self, h: usize, s: usize) -> bool {
        assert!(s < self.n_sites(), "site {s} out of range");
        (self.words[h * self.words_per_row + s / 64] >> (s % 64)) & 1 == 1
    }

    /// Sets the allele of haplotype `h` at site `s`.
    ///
    /// # Panics
    /// If `h` or `s` is out of range.
    #[inline]
    pub fn set(&mut self, h: usize, s: usize, allele: bool) {
        assert!(s < self.n_sites(), "site {s} out of range");
        let w = &mut self.words[h * self.words_per_row + s / 64];
        if allele {
            *w |= 1 << (s % 64);
        } else {
            *w &= !(1 << (s % 64));
        }
    }

    /// The alleles of haplotype `h`, site by site.
    pub fn row_alleles(&self, h: usize) -> impl ExactSizeIterator<Item = bool> + '_ {
        let row = self.row(h);
        (0..self.n_sites()).map(move |s| (row[s / 64] >> (s % 64)) & 1 == 1)
    }

    /// The alleles at site `s`, haplotype by haplotype.
    pub fn column(&self, s: usize) -> impl ExactSizeIterator<Item = bool> + '_ {
        assert!(s < self.n_sites(), "site {s} out of range");
        let (w, b) = (s / 64, s % 64);
        (0..self.n_haplotypes())
            .map(move |h| (self.words[h * self.words_per_row + w] >> b) & 1 == 1)
    }

    /// ALT allele count per site.
    pub fn allele_counts(&self) -> Vec<u32> {
        let n = self.n_sites();
        if n == 0 || self.n_haplotypes() == 0 {
            return vec![0; n];
        }
        // Rows are summed in parallel chunks; each chunk visits only its set bits.
        let chunk = self
            .n_haplotypes()
            .div_ceil(rayon::current_num_threads() * 4)
            .max(64);
        self.words
            .par_chunks(self.words_per_row * chunk)
            .map(|block| {
                let mut counts = vec![0u32; n];
                for row in block.chunks_exact(self.words_per_row) {
                    for (w, &word) in row.iter().enumerate() {
                        let mut bits = word;
                        while bits != 0 {
                            counts[w * 64 + bits.trailing_zeros() as usize] += 1;
                            bits &= bits - 1;
                        }
                    }
                }
                counts
            })
            .reduce(
                || vec![0u32; n],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    }

    /// ALT allele frequency per site (count / haplotypes); 0 for an empty matrix.
    pub fn allele_frequencies(&self) -> Vec<f64> {
        let n = self.n_haplotypes();
        self.allele_counts()
            .into_iter()
            .map(|c| if n == 0 { 0.0 } else { c as f64 / n as f64 })
            .collect()
    }

    /// Hamming distance between rows `a` and `b` (XOR + popcount).
    #[inline]
    pub fn hamming(&self, a: usize, b: usize) -> u32 {
        hamming_words(self.row(a), self.row(b))
    }

    /// Flips sites whose ALT frequency is above 0.5 so that 1 always codes the minor allele.
    ///
    /// REF and ALT of flipped sites are swapped so the data stays truthful. Returns which sites
    /// were flipped.
    pub fn flip_to_minor(&mut self) -> Vec<bool> {
        let n = self.n_haplotypes();
        let flip: Vec<bool> = self
            .allele_counts()
            .into_iter()
            .map(|c| 2 * c as usize > n)
            .collect();
        let mut mask = vec![0u64; self.words_per_row];
        for (s, _) in flip.iter().enumerate().filter(|(_, f)| **f) {
            mask[s / 64] |= 1 << (s % 64);
        }
        if self.words_per_row > 0 {
            self.words
                .par_chunks_mut(self.words_per_row)
                .for_each(|row| {
                    row.iter_mut().zip(&mask).for_each(|(w, m)| *w ^= m);
                });
        }
        let mut sites: Vec<_> = std::mem::take(&mut self.sites).into();
        for (site, _) in sites.iter_mut().zip(&flip).filter(|(_, f)| **f) {
            std::mem::swap(&mut site.reference, &mut site.alternate);
        }
        self.sites = sites.into();
        flip
    }

    /// The matrix restricted to the given sites, in the given order.
    pub fn select_sites(&self, sites: &[usize]) -> Result<Self> {
        if let Some(&bad) = sites.iter().find(|&&s| s >= self.n_sites()) {
            return Err(Error::OutOfRange {
                what: Axis::Site,
                index: bad,
                len: self.n_sites(),
            });
        }
        if sites.len() == self.n_sites() && sites.iter().enumerate().all(|(i, &s)| i == s) {
            return Ok(self.clone());
        }
        let wpr = words_for(sites.len());
        let mut words = vec![0u64; self.n_haplotypes() * wpr];
        // Runs of consecutive sites move as bit ranges, up to 64 bits at a time: selections
        // usually drop a few sites (monomorphic, unmatched) from long runs.
        let mut runs: Vec<(usize, usize, usize)> = Vec::new(); // (source, destination, length)
        for (j, &s) in sites.iter().enumerate() {
            match runs.last_mut() {
                Some((src, dst, len)) if *src + *len == s && *dst + *len == j && *len < 64 => {
                    *len += 1;
                }
                _ => runs.push((s, j, 1)),
            }
        }
        if wpr > 0 {
            words.par_chunks_mut(wpr).enumerate().for_each(|(h, out)| {
                let row = self.row(h);
                for &(src, dst, len) in &runs {
                    write_bits(out, dst, len, read_bits(row, src, len));
                }
            });
        }
        Self::from_words(self.sites.select(sites), self.samples.clone(), words)
    }

    /// The matrix restricted to the given samples (all their haplotypes), in the given order.
    pub fn select_samples(&self, samples: &[usize]) -> Result<Self> {
        let mut first_row = Vec::with_capacity(self.samples.len());
        let mut acc = 0;
        for s in &self.samples {
            first_row.push(acc);
            acc += s.ploidy.copies();
        }
        let mut words = Vec::new();
        let mut kept = Vec::with_capacity(samples.len());
        for &i in samples {
            let sample = self.samples.get(i).ok_or(Error::OutOfRange {
                what: Axis::Haplotype,
                index: i,
                len: self.samples.len(),
            })?;
            let start = first_row[i] * self.words_per_row;
            let end = start + sample.ploidy.copies() * self.words_per_row;
            words.extend_from_slice(&self.words[start..end]);
            kept.push(sample.clone());
        }
        Self::from_words(self.sites.clone(), kept, words)
    }

    /// The matrix restricted to the given samples, `samples` strictly increasing, reusing this
    /// matrix's memory (rows move forward in place): a subset without a second copy.
    pub fn into_samples(mut self, samples: &[usize]) -> Result<Self> {
        if let Some(w) = samples.windows(2).find(|w| w[0] >= w[1]) {
            return Err(Error::Split(format!(
                "sample indices must increase: {} then {}",
                w[0], w[1]
            )));
        }
        let wpr = self.words_per_row;
        let mut first_row = 0;
        let mut to = 0;
        let mut kept = Vec::with_capacity(samples.len());
        let mut next = samples.iter().peekable();
        for (i, sample) in self.samples.iter().enumerate() {
            let rows = sample.ploidy.copies() * wpr;
            if next.next_if(|&&k| k == i).is_some() {
                self.words.copy_within(first_row..first_row + rows, to);
                to += rows;
                kept.push(sample.clone());
            }
            first_row += rows;
        }
        if let Some(&&missing) = next.peek() {
            return Err(Error::OutOfRange {
                what: Axis::Haplotype,
                index: missing,
                len: self.samples.len(),
            });
        }
        self.words.truncate(to);
        self.words.shrink_to_fit();
        Self::from_words(self.sites, kept, self.words)
    }

    /// The given haplotype rows as a new matrix of haploid samples named
    /// `{sample}_{copy}` (a haplotype subset need not keep individuals whole).
    pub fn select_haplotypes(&self, rows: &[usize]) -> Result<Self> {
        let mut words = Vec::with_capacity(rows.len() * self.words_per_row);
        let mut samples = Vec::with_capacity(rows.len());
        for &h in rows {
            if h >= self.n_haplotypes() {
                return Err(Error::OutOfRange {
                    what: Axis::Haplotype,
                    index: h,
                    len: self.n_haplotypes(),
                });
            }
            words.extend_from_slice(self.row(h));
            let id = self.ids[h];
            let sample = &self.samples[id.sample as usize];
            let name = match sample.ploidy {
                crate::Ploidy::Haploid => sample.name.clone(),
                crate::Ploidy::Diploid => format!("{}_{}", sample.name, id.copy + 1),
            };
            samples.push(Sample::new(name, crate::Ploidy::Haploid));
        }
        Self::from_words(self.sites.clone(), samples, words)
    }

    /// Dense row-major `haplotypes × sites` buffer of 0.0/1.0, for model code.
    pub fn to_dense_f32(&self) -> Vec<f32> {
        self.to_dense(0.0f32, 1.0f32)
    }

    /// Dense row-major `haplotypes × sites` buffer of 0/1 bytes.
    pub fn to_dense_u8(&self) -> Vec<u8> {
        self.to_dense(0u8, 1u8)
    }

    fn to_dense<T: Copy + Send + Sync>(&self, zero: T, one: T) -> Vec<T> {
        let n = self.n_sites();
        let mut out = vec![zero; self.n_haplotypes() * n];
        if n > 0 {
            out.par_chunks_mut(n).enumerate().for_each(|(h, dst)| {
                let row = self.row(h);
                for (s, d) in dst.iter_mut().enumerate() {
                    if (row[s / 64] >> (s % 64)) & 1 == 1 {
                        *d = one;
                    }
                }
            });
        }
        out
    }

    /// Appends the rows of `other` (same sites, checked by key) below this matrix.
    pub fn concat_haplotypes(&self, other: &HaplotypeMatrix) -> Result<Self> {
        if self.sites.len() != other.sites.len()
            || self
                .sites
                .iter()
                .zip(other.sites.iter())
                .any(|(a, b)| a.key() != b.key())
        {
            return Err(Error::OutOfRange {
                what: Axis::Site,
                index: other.n_sites(),
                len: self.n_sites(),
            });
        }
        let mut words = self.words.clone();
        words.extend_from_slice(&other.words);
        let mut samples = self.samples.clone();
        samples.extend(other.samples.iter().cloned());
        Self::from_words(self.sites.clone(), samples, words)
    }
}

/// The `len` (1..=64) alleles of a packed row from site `start` on, as the low bits of a word
/// (site `start` in bit 0): a short haplotype window in one integer.
///
/// # Panics
/// If the window reaches past the row.
#[inline]
pub fn read_bits(row: &[u64], start: usize, len: usize) -> u64 {
    let (w, b) = (start / 64, start % 64);
    let mut v = row[w] >> b;
    if b + len > 64 {
        v |= row[w + 1] << (64 - b);
    }
    if len < 64 { v & ((1u64 << len) - 1) } else { v }
}

/// ORs the `len` (1..=64) low bits of `v` into a packed row at bit `start`.
#[inline]
fn write_bits(row: &mut [u64], start: usize, len: usize, v: u64) {
    let (w, b) = (start / 64, start % 64);
    row[w] |= v << b;
    if b + len > 64 {
        row[w + 1] |= v >> (64 - b);
    }
}

/// Hamming distance of two packed rows of equal length.
#[inline]
pub fn hamming_words(a: &[u64], b: &[u64]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ploidy, Site};
    use proptest::prelude::*;

    fn sites(n: usize) -> Sites {
        (0..n)
            .map(|i| Site::new("1", i as u64 + 1, "A", "G"))
            .collect()
    }

    fn haploids(n: usize) -> Vec<Sample> {
        Sample::numbered("h", n, Ploidy::Haploid)
    }

    #[test]
    fn dense_round_trip_and_counts() {
        let v = [1u8, 0, 1, 1, 1, 0, 0, 0, 1];
        let m = HaplotypeMatrix::from_dense_u8(&v, sites(3), haploids(3)).unwrap();
        assert_eq!(m.to_dense_u8(), v);
        assert_eq!(m.allele_counts(), vec![2, 1, 2]);
        assert_eq!(m.hamming(0, 1), 2);
        assert!(m.get(2, 2) && !m.get(2, 1));
        assert_eq!(m.column(0).collect::<Vec<_>>(), vec![true, true, false]);
    }

    #[test]
    fn rejects_non_binary_and_bad_length() {
        let err = HaplotypeMatrix::from_dense_f32(&[0.0, 0.5], sites(2), haploids(1)).unwrap_err();
        assert!(matches!(err, Error::NotBinary { site: 1, .. }));
        let err = HaplotypeMatrix::from_dense_u8(&[0], sites(2), haploids(1)).unwrap_err();
        assert!(matches!(
            err,
            Error::DenseLength {
                expected: 2,
                actual: 1
            }
        ));
    }

    #[test]
    fn flip_to_minor_swaps_alleles() {
        let m0 = HaplotypeMatrix::from_dense_u8(&[1, 0, 1, 0, 0, 1], sites(2), haploids(3));
        let mut m = m0.unwrap();
        let flipped = m.flip_to_minor();
        assert_eq!(flipped, vec![true, false]);
        assert_eq!(m.allele_counts(), vec![1, 1]);
        assert_eq!(m.sites()[0].reference, "G");
    }

    #[test]
    fn select_samples_keeps_both_copies() {
        let samples = vec![
            Sample::new("a", Ploidy::Diploid),
            Sample::new("b", Ploidy::Haploid),
            Sample::new("c", Ploidy::Diploid),
        ];
        let v = [0u8, 1, 0, 1, 0];
        let m = HaplotypeMatrix::from_dense_u8(&v, sites(1), samples).unwrap();
        let sub = m.select_samples(&[2, 1]).unwrap();
        assert_eq!(sub.to_dense_u8(), vec![1, 0, 0]);
        assert_eq!(sub.samples()[0].name, "c");
        assert_eq!(sub.haplotype_id(2), HaplotypeId { sample: 1, copy: 0 });
        // In place: the same as a copy for increasing indices; anything else is an error.
        for keep in [vec![0, 2], vec![1, 2], vec![1], vec![0, 1, 2]] {
            assert_eq!(
                m.clone().into_samples(&keep).unwrap(),
                m.select_samples(&keep).unwrap()
            );
        }
        assert!(m.clone().into_samples(&[2, 1]).is_err());
        assert!(m.clone().into_samples(&[1, 3]).is_err());
    }

    #[test]
    fn read_bits_crosses_word_boundaries() {
        let row = [0xF000_0000_0000_0000u64, 0b1011];
        assert_eq!(read_bits(&row, 60, 8), 0b1011_1111);
        assert_eq!(read_bits(&row, 0, 4), 0);
        assert_eq!(read_bits(&row, 0, 64), row[0]);
    }

    proptest! {
        #[test]
        fn dense_round_trip(n_hap in 1usize..20, n_sites in 0usize..200, seed in any::<u64>()) {
            let v: Vec<u8> = (0..n_hap * n_sites)
                .map(|i| ((seed.wrapping_mul(i as u64 + 7) >> 13) & 1) as u8)
                .collect();
            let m = HaplotypeMatrix::from_dense_u8(&v, sites(n_sites), haploids(n_hap)).unwrap();
            prop_assert_eq!(m.to_dense_u8(), v.clone());
            let counts: Vec<u32> = (0..n_sites)
                .map(|s| (0..n_hap).map(|h| v[h * n_sites + s] as u32).sum())
                .collect();
            prop_assert_eq!(m.allele_counts(), counts);
            if n_hap >= 2 {
                let d = (0..n_sites).filter(|&s| v[s] != v[n_sites + s]).count() as u32;
                prop_assert_eq!(m.hamming(0, 1), d);
            }
            let idx: Vec<usize> = (0..n_sites).rev().collect();
            let rev = m.select_sites(&idx).unwrap();
            for h in 0..n_hap {
                for s in 0..n_sites {
                    prop_assert_eq!(rev.get(h, s), m.get(h, n_sites - 1 - s));
                }
            }
        }

        /// Subsets with gaps and long runs (moved as bit ranges) keep every allele.
        #[test]
        fn select_sites_keeps_alleles(n_sites in 1usize..400, seed in any::<u64>(),
                                      keep in proptest::collection::vec(0u8..8, 400)) {
            let n_hap = 5;
            let v: Vec<u8> = (0..n_hap * n_sites)
                .map(|i| ((seed.wrapping_mul(i as u64 + 7) >> 13) & 1) as u8)
                .collect();
            let m = HaplotypeMatrix::from_dense_u8(&v, sites(n_sites), haploids(n_hap)).unwrap();
            let idx: Vec<usize> = (0..n_sites).filter(|&s| keep[s] != 0).collect();
            let sub = m.select_sites(&idx).unwrap();
            prop_assert_eq!(sub.n_sites(), idx.len());
            for h in 0..n_hap {
                for (j, &s) in idx.iter().enumerate() {
                    prop_assert_eq!(sub.get(h, j), m.get(h, s));
                }
            }
        }
    }
}
