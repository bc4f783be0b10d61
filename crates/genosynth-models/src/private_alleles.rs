//! Alleles of the input people that no reference person carries, which an HCLT with a
//! reference prior does not learn (`TrainOptions::private_allele_min_count`): the prior
//! cannot shrink an emission towards an allele the reference model gives no mass, so a
//! training person's rare private alleles are what the likelihood attack reads
//! (docs/privacy.md, "Weights beyond the ladder"). Sites are kept in the model's site set
//! (stratum AGs merge), but not modelled: the HCLT trains on them set to the reference
//! allele, leaves them out of its likelihood and writes the reference allele there.

use genosynth_core::HaplotypeMatrix;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What a model's training data had masked, recorded in `model.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateAlleles {
    /// An alternate allele no reference haplotype carries and fewer than this many of the
    /// input's haplotypes (training and validation) carry was not learned.
    pub min_count: usize,
    /// Sites not modelled: no reference haplotype and fewer than `min_count` input haplotypes
    /// carry the alternate allele, sites none carries included (kept in the site set; left
    /// out of the likelihood; the AGs carry the reference allele there).
    pub sites: usize,
    /// Alleles set to the reference allele: training haplotypes × those sites that carried
    /// the alternate one.
    pub alleles: usize,
}

/// The sites (indices, ascending) whose alternate allele no haplotype of `reference` carries
/// and fewer than `min_count` haplotypes of `input` carry, none included (a test person's
/// allele there would otherwise be scored where no member's is); counted over every matrix
/// of `input` together, so the set does not depend on how people were split.
///
/// # Errors
/// A matrix of `input` or `reference` has other sites than the first.
pub fn private_allele_sites(
    input: &[&HaplotypeMatrix],
    reference: &HaplotypeMatrix,
    min_count: usize,
) -> Result<Vec<usize>> {
    let Some(first) = input.first() else {
        return Ok(Vec::new());
    };
    let mut counts = vec![0usize; first.n_sites()];
    for m in input.iter().copied().chain([reference]) {
        if m.sites() != first.sites() {
            return Err(Error::Data(format!(
                "private alleles: {} sites against {}; the training, validation and reference \
                 people must share the same sites in the same order",
                m.n_sites(),
                first.n_sites()
            )));
        }
    }
    for m in input {
        for (c, n) in counts.iter_mut().zip(m.allele_counts()) {
            *c += n as usize;
        }
    }
    let in_reference = reference.allele_counts();
    Ok(counts
        .iter()
        .zip(&in_reference)
        .enumerate()
        .filter(|&(_, (&c, &r))| r == 0 && c < min_count)
        .map(|(s, _)| s)
        .collect())
}

/// `matrix` with every haplotype's allele at `sites` set to the reference allele, and how
/// many alternate alleles that changed.
pub fn mask_alleles(matrix: &HaplotypeMatrix, sites: &[usize]) -> (HaplotypeMatrix, usize) {
    let mut masked = matrix.clone();
    let mut changed = 0;
    for h in 0..masked.n_haplotypes() {
        for &s in sites {
            if masked.get(h, s) {
                masked.set(h, s, false);
                changed += 1;
            }
        }
    }
    (masked, changed)
}

#[cfg(test)]
mod tests {
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    use super::*;

    fn matrix(rows: &[&[u8]], prefix: &str) -> HaplotypeMatrix {
        let n_sites = rows[0].len();
        let sites: Sites = (1..=n_sites as u64)
            .map(|p| Site::new("1", p, "A", "G"))
            .collect();
        let values: Vec<u8> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        let samples = Sample::numbered(prefix, rows.len(), Ploidy::Haploid);
        HaplotypeMatrix::from_dense_u8(&values, sites, samples).unwrap()
    }

    #[test]
    fn the_masked_sites_are_a_direct_count_over_training_and_validation_people() {
        // Sites: 0 carried by the reference; 1 by 1 input haplotype; 2 by 3 (2 in training,
        // 1 in validation); 3 by 5; 4 by none; 5 by 4 training haplotypes.
        let fit = matrix(
            &[
                &[1, 1, 1, 1, 0, 1],
                &[0, 0, 1, 1, 0, 1],
                &[0, 0, 0, 1, 0, 1],
                &[0, 0, 0, 1, 0, 1],
            ],
            "T",
        );
        let validation = matrix(&[&[1, 0, 1, 1, 0, 0], &[0, 0, 0, 0, 0, 0]], "V");
        let reference = matrix(&[&[1, 0, 0, 0, 0, 0], &[0, 0, 0, 0, 0, 0]], "R");
        let sites = private_allele_sites(&[&fit, &validation], &reference, 5).unwrap();
        assert_eq!(sites, vec![1, 2, 4, 5]);
        // The count includes the validation people: with them site 2 has 3 copies, not 2.
        assert_eq!(
            private_allele_sites(&[&fit, &validation], &reference, 3).unwrap(),
            vec![1, 4]
        );
        assert_eq!(
            private_allele_sites(&[&fit], &reference, 3).unwrap(),
            vec![1, 2, 4]
        );
        assert!(
            private_allele_sites(&[&fit, &validation], &reference, 0)
                .unwrap()
                .is_empty()
        );
        let (masked, changed) = mask_alleles(&fit, &sites);
        assert_eq!(changed, 1 + 2 + 4);
        assert_eq!(masked.n_sites(), fit.n_sites());
        for h in 0..fit.n_haplotypes() {
            for s in 0..fit.n_sites() {
                let want = fit.get(h, s) && !sites.contains(&s);
                assert_eq!(masked.get(h, s), want, "haplotype {h}, site {s}");
            }
        }
    }

    #[test]
    fn other_sites_are_refused() {
        let fit = matrix(&[&[1, 0, 0], &[0, 1, 0]], "T");
        let reference = matrix(&[&[1, 0], &[0, 1]], "R");
        let err = private_allele_sites(&[&fit], &reference, 5).unwrap_err();
        assert!(err.to_string().contains("same sites"), "{err}");
    }
}
