//! Regrouping haplotypes into samples of another ploidy (`genosynth convert --ploidy`).

use crate::{Error, HaplotypeMatrix, Ploidy, Result, Sample};

impl HaplotypeMatrix {
    /// The same haplotypes grouped into samples of `ploidy`: `Haploid` writes each haplotype as
    /// its own sample (a diploid `NAME` becomes `NAME_A` and `NAME_B`); `Diploid` pairs
    /// consecutive haploid samples, each pair named after its first (already diploid data is
    /// returned unchanged).
    ///
    /// ```
    /// use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
    /// let sites = Sites::from(vec![Site::new("1", 100, "A", "G")]);
    /// let m = HaplotypeMatrix::from_dense_u8(&[0, 1], sites, vec![Sample::new("S", Ploidy::Diploid)])?;
    /// let haploid = m.with_ploidy(Ploidy::Haploid)?;
    /// let names: Vec<_> = haploid.samples().iter().map(|s| s.name.as_str()).collect();
    /// assert_eq!(names, ["S_A", "S_B"]);
    /// assert_eq!(haploid.with_ploidy(Ploidy::Diploid)?.samples()[0].name, "S_A");
    /// # Ok::<(), genosynth_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// Pairing into diploid samples needs haploid samples only ([`Error::MixedPloidy`]) and an
    /// even number of haplotypes ([`Error::OddHaplotypes`]).
    pub fn with_ploidy(self, ploidy: Ploidy) -> Result<Self> {
        let samples: Vec<Sample> = match ploidy {
            Ploidy::Haploid => self
                .samples()
                .iter()
                .flat_map(|s| match s.ploidy {
                    Ploidy::Haploid => vec![s.clone()],
                    Ploidy::Diploid => vec![
                        Sample::new(format!("{}_A", s.name), Ploidy::Haploid),
                        Sample::new(format!("{}_B", s.name), Ploidy::Haploid),
                    ],
                })
                .collect(),
            Ploidy::Diploid => {
                if self.samples().iter().all(|s| s.ploidy == Ploidy::Diploid) {
                    return Ok(self);
                }
                if !self.samples().iter().all(|s| s.ploidy == Ploidy::Haploid) {
                    return Err(Error::MixedPloidy);
                }
                if !self.n_haplotypes().is_multiple_of(2) {
                    return Err(Error::OddHaplotypes(self.n_haplotypes()));
                }
                self.samples()
                    .chunks_exact(2)
                    .map(|p| Sample::new(p[0].name.clone(), Ploidy::Diploid))
                    .collect()
            }
        };
        self.with_samples(samples)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Error, HaplotypeMatrix, Ploidy, Sample, Site, Sites};

    fn matrix(samples: Vec<Sample>) -> HaplotypeMatrix {
        let rows: usize = samples.iter().map(|s| s.ploidy.copies()).sum();
        let sites = Sites::from(vec![Site::new("1", 100, "A", "G")]);
        let dense: Vec<u8> = (0..rows).map(|i| (i % 2) as u8).collect();
        HaplotypeMatrix::from_dense_u8(&dense, sites, samples).unwrap()
    }

    #[test]
    fn haploid_and_back_keeps_the_haplotypes() {
        let m = matrix(vec![
            Sample::new("A", Ploidy::Diploid),
            Sample::new("B", Ploidy::Diploid),
        ]);
        let haploid = m.clone().with_ploidy(Ploidy::Haploid).unwrap();
        assert_eq!(haploid.samples().len(), 4);
        assert_eq!(haploid.samples()[3].name, "B_B");
        let diploid = haploid.with_ploidy(Ploidy::Diploid).unwrap();
        assert_eq!(diploid.samples()[1].name, "B_A");
        assert_eq!(diploid.to_dense_u8(), m.to_dense_u8());
    }

    #[test]
    fn pairing_refuses_odd_counts_and_mixed_ploidy() {
        let odd = matrix(vec![Sample::new("A", Ploidy::Haploid); 3]);
        assert_eq!(
            odd.with_ploidy(Ploidy::Diploid).unwrap_err(),
            Error::OddHaplotypes(3)
        );
        let mixed = matrix(vec![
            Sample::new("A", Ploidy::Haploid),
            Sample::new("B", Ploidy::Diploid),
            Sample::new("C", Ploidy::Haploid),
        ]);
        assert_eq!(
            mixed.with_ploidy(Ploidy::Diploid).unwrap_err(),
            Error::MixedPloidy
        );
    }
}
