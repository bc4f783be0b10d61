//! Population labels for conditional models: which label each training haplotype carries
//! (from a [`Panel`] via sample names) and one label per AG to draw
//! ([`expand_counts`], for [`crate::generate_labelled`]).

use std::collections::BTreeSet;

use genosynth_core::{HaplotypeMatrix, Panel};

/// Which panel column gives the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LabelLevel {
    /// The population code (`GBR`, `YRI`, ...): second panel column.
    Population,
    /// The super-population code (`EUR`, `AFR`, ...): third panel column.
    SuperPopulation,
}

/// Errors of label handling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// A training sample has no panel row.
    #[error("sample {sample}: not in the panel")]
    UnknownSample {
        /// The sample name.
        sample: String,
    },
    /// A training sample's panel row has no value in the chosen column.
    #[error("sample {sample}: panel has no super-population")]
    MissingLabel {
        /// The sample name.
        sample: String,
    },
}

/// The label of every haplotype of a matrix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HaplotypeLabels {
    /// Label names, sorted; a label's index is its one-hot position.
    pub names: Vec<String>,
    /// Label index of each haplotype row.
    pub index: Vec<usize>,
}

impl HaplotypeLabels {
    /// Reads each haplotype's label from `panel` through its sample's name.
    pub fn from_panel(
        matrix: &HaplotypeMatrix,
        panel: &Panel,
        level: LabelLevel,
    ) -> Result<Self, LabelError> {
        let per_sample = matrix
            .samples()
            .iter()
            .map(|s| {
                let entry = panel
                    .get(&s.name)
                    .ok_or_else(|| LabelError::UnknownSample {
                        sample: s.name.clone(),
                    })?;
                let label = match level {
                    LabelLevel::Population => &entry.population,
                    LabelLevel::SuperPopulation => &entry.super_population,
                };
                if label.is_empty() {
                    return Err(LabelError::MissingLabel {
                        sample: s.name.clone(),
                    });
                }
                Ok(label.clone())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = per_sample
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let index = matrix
            .haplotype_ids()
            .iter()
            .map(|id| {
                let label = &per_sample[id.sample as usize];
                names.binary_search(label).expect("label collected above")
            })
            .collect();
        Ok(Self { names, index })
    }

    /// Number of haplotypes per label, in `names` order.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.names.len()];
        for &i in &self.index {
            counts[i] += 1;
        }
        counts
    }
}

/// One label index per AG to generate, label blocks in the order of `counts`.
pub fn expand_counts(counts: &[(usize, usize)]) -> Vec<usize> {
    counts
        .iter()
        .flat_map(|&(label, n)| std::iter::repeat_n(label, n))
        .collect()
}

/// The per-haplotype label indices of a conditional model and the number of labels, checked
/// against the training data.
pub(crate) fn training_labels(
    labels: Option<&HaplotypeLabels>,
    n_haplotypes: usize,
) -> crate::Result<(Option<&[usize]>, usize)> {
    match labels {
        None => Ok((None, 0)),
        Some(l) if l.index.len() != n_haplotypes => Err(crate::Error::Data(format!(
            "{} population labels for {n_haplotypes} haplotypes",
            l.index.len()
        ))),
        Some(l) => Ok((Some(&l.index), l.names.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    fn matrix() -> HaplotypeMatrix {
        let sites: Sites = vec![Site::new("1", 10, "A", "G")].into();
        let samples = vec![
            Sample::new("HG00096", Ploidy::Diploid),
            Sample::new("NA18486", Ploidy::Diploid),
            Sample::new("HG00097", Ploidy::Haploid),
        ];
        HaplotypeMatrix::from_dense_u8(&[0, 1, 1, 0, 1], sites, samples).unwrap()
    }

    const PANEL: &str = "sample\tpop\tsuper_pop\tgender\nHG00096\tGBR\tEUR\tmale\n\
                         NA18486\tYRI\tAFR\tmale\nHG00097\tGBR\tEUR\tfemale\n";

    #[test]
    fn labels_follow_samples_to_their_haplotypes() {
        let panel = Panel::parse(PANEL).unwrap();
        let l =
            HaplotypeLabels::from_panel(&matrix(), &panel, LabelLevel::SuperPopulation).unwrap();
        assert_eq!(l.names, vec!["AFR", "EUR"]);
        assert_eq!(l.index, vec![1, 1, 0, 0, 1]);
        assert_eq!(l.counts(), vec![2, 3]);
        let l = HaplotypeLabels::from_panel(&matrix(), &panel, LabelLevel::Population).unwrap();
        assert_eq!(l.names, vec!["GBR", "YRI"]);
    }

    #[test]
    fn missing_samples_and_labels_are_named() {
        let panel = Panel::parse("HG00096 GBR EUR\nNA18486 YRI AFR\n").unwrap();
        let err =
            HaplotypeLabels::from_panel(&matrix(), &panel, LabelLevel::Population).unwrap_err();
        assert_eq!(err.to_string(), "sample HG00097: not in the panel");
        let panel = Panel::parse("HG00096 GBR\nNA18486 YRI\nHG00097 GBR\n").unwrap();
        let err = HaplotypeLabels::from_panel(&matrix(), &panel, LabelLevel::SuperPopulation)
            .unwrap_err();
        assert_eq!(
            err,
            LabelError::MissingLabel {
                sample: "HG00096".into()
            }
        );
    }

    #[test]
    fn counts_expand_in_order() {
        assert_eq!(expand_counts(&[(1, 3), (0, 2)]), vec![1, 1, 1, 0, 0]);
        assert!(expand_counts(&[]).is_empty());
    }
}
