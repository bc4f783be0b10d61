use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::{Error, HaplotypeMatrix, Panel, Result, Sample};

/// The two sides of a train/holdout split.
#[derive(Debug, Clone)]
pub struct Split {
    /// Individuals used for training.
    pub train: HaplotypeMatrix,
    /// Individuals held out (never seen by a model; the privacy reference).
    pub holdout: HaplotypeMatrix,
}

/// Splits a matrix **by individual**: both haplotypes of a person land on the same side.
///
/// Splitting haplotypes independently would put one copy of a person in training and the
/// other in the holdout, and every privacy figure computed against that holdout would be
/// meaningless. With a `panel`, each population is split separately with the same fraction
/// (stratified), so rare populations appear on both sides; samples missing from the panel form
/// their own stratum. The same `seed` always gives the same split.
///
/// ```
/// use genosynth_core::{split_by_individual, HaplotypeMatrix, Ploidy, Sample, Site, Sites};
/// let sites = Sites::from(vec![Site::new("1", 1, "A", "G")]);
/// let samples = Sample::numbered("S", 10, Ploidy::Diploid);
/// let m = HaplotypeMatrix::zeros(sites, samples);
/// let split = split_by_individual(&m, 0.8, 42, None)?;
/// assert_eq!(split.train.samples().len(), 8);
/// assert_eq!(split.holdout.n_haplotypes(), 4);
/// # Ok::<(), genosynth_core::Error>(())
/// ```
pub fn split_by_individual(
    matrix: &HaplotypeMatrix,
    train_fraction: f64,
    seed: u64,
    panel: Option<&Panel>,
) -> Result<Split> {
    let (train, holdout) = split_indices(matrix.samples(), train_fraction, seed, panel)?;
    Ok(Split {
        train: matrix.select_samples(&train)?,
        holdout: matrix.select_samples(&holdout)?,
    })
}

/// The sample indices [`split_by_individual`] puts on each side, `(train, holdout)`, each in
/// input order: for callers that need only the names, or that build the sides one at a time
/// to keep memory down.
pub fn split_indices(
    samples: &[Sample],
    train_fraction: f64,
    seed: u64,
    panel: Option<&Panel>,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(train_fraction > 0.0 && train_fraction < 1.0) {
        return Err(Error::Split(format!(
            "train fraction {train_fraction} must be strictly between 0 and 1"
        )));
    }
    let mut strata: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in samples.iter().enumerate() {
        let label = panel.and_then(|p| p.population(&s.name)).unwrap_or("");
        strata.entry(label).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut holdout) = (Vec::new(), Vec::new());
    for members in strata.values_mut() {
        members.shuffle(&mut rng);
        let n_train = (members.len() as f64 * train_fraction).round() as usize;
        train.extend_from_slice(&members[..n_train]);
        holdout.extend_from_slice(&members[n_train..]);
    }
    if train.is_empty() || holdout.is_empty() {
        return Err(Error::Split(format!(
            "{} samples with train fraction {train_fraction} leave one side empty",
            samples.len()
        )));
    }
    // Keep the input order within each side: files stay comparable with the original.
    train.sort_unstable();
    holdout.sort_unstable();
    Ok((train, holdout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ploidy, Sample, Site, Sites};
    use std::collections::HashSet;

    fn matrix(n: usize) -> HaplotypeMatrix {
        let sites = Sites::from(vec![Site::new("1", 1, "A", "G")]);
        HaplotypeMatrix::zeros(sites, Sample::numbered("S", n, Ploidy::Diploid))
    }

    #[test]
    fn split_is_by_individual_seeded_and_disjoint() {
        let m = matrix(100);
        let a = split_by_individual(&m, 0.8, 7, None).unwrap();
        let b = split_by_individual(&m, 0.8, 7, None).unwrap();
        let c = split_by_individual(&m, 0.8, 8, None).unwrap();
        assert_eq!(a.train.samples(), b.train.samples());
        assert_ne!(a.train.samples(), c.train.samples());
        assert_eq!(a.train.samples().len(), 80);
        assert_eq!(a.train.n_haplotypes(), 160);
        let train: HashSet<_> = a.train.samples().iter().map(|s| &s.name).collect();
        assert!(a.holdout.samples().iter().all(|s| !train.contains(&s.name)));
    }

    #[test]
    fn stratified_split_keeps_each_population_on_both_sides() {
        let m = matrix(20);
        let text: String = (1..=20)
            .map(|i| format!("S{i:06} {}\n", if i <= 5 { "RARE" } else { "COMMON" }))
            .collect();
        let panel = Panel::parse(&text).unwrap();
        let s = split_by_individual(&m, 0.8, 1, Some(&panel)).unwrap();
        let rare_train = s
            .train
            .samples()
            .iter()
            .filter(|x| panel.population(&x.name) == Some("RARE"));
        assert_eq!(rare_train.count(), 4);
    }

    #[test]
    fn rejects_bad_fraction() {
        assert!(split_by_individual(&matrix(4), 1.0, 1, None).is_err());
        assert!(split_by_individual(&matrix(1), 0.5, 1, None).is_err());
    }
}
