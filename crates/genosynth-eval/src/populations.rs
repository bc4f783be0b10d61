//! Per-population figures for labelled AGs (a conditional model's `generate --population`):
//! each population's AGs against that population's real haplotypes, fidelity and privacy, so
//! an under-represented population generated in large numbers is judged on its own.

use std::collections::BTreeMap;

use genosynth_core::{HaplotypeMatrix, Panel};
use serde::{Deserialize, Serialize};

use crate::af::allele_frequency_correlation;
use crate::fst::hudson_fst;
use crate::privacy::{passes, privacy_stats};

/// Label of haplotypes whose sample is not in the panel.
pub(crate) const UNKNOWN: &str = "unknown";

/// One population's AGs against its own real haplotypes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationStats {
    /// Population label (the panel's population column).
    pub population: String,
    /// Training haplotypes with this label.
    pub train_haplotypes: usize,
    /// AGs with this label.
    pub synthetic_haplotypes: usize,
    /// Holdout haplotypes with this label (with a holdout).
    pub holdout_haplotypes: Option<usize>,
    /// Pearson r of allele frequencies, this population's AGs vs its training haplotypes.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub af_r: f64,
    /// Hudson Fst of this population's AGs vs its training haplotypes (0: one population).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub fst: f64,
    /// Hudson Fst of this population's AGs vs all other populations' training haplotypes:
    /// larger than [`PopulationStats::fst`] when the label steered generation.
    pub fst_other_populations: Option<f64>,
    /// AATS of this population's training haplotypes vs its AGs (0.5 ideal).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub aats: f64,
    /// AATS(holdout) − AATS(train) within the population (with enough labelled holdout).
    pub privacy_loss: Option<f64>,
    /// Membership-inference AUC within the population (with enough labelled holdout).
    pub membership_auc: Option<f64>,
    /// This population's AGs identical to one of its training haplotypes.
    pub exact_copies: usize,
}

/// The panel population of each haplotype of `m` ([`UNKNOWN`] when its sample is not listed).
pub(crate) fn haplotype_populations(m: &HaplotypeMatrix, panel: &Panel) -> Vec<String> {
    m.haplotype_ids()
        .iter()
        .map(|id| {
            let name = &m.samples()[id.sample as usize].name;
            panel.population(name).unwrap_or(UNKNOWN).to_string()
        })
        .collect()
}

/// Each distinct label, in sorted order, with the rows (haplotype indices) that carry it.
pub(crate) fn rows_by_label(labels: &[String]) -> BTreeMap<&str, Vec<usize>> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, label) in labels.iter().enumerate() {
        groups.entry(label.as_str()).or_default().push(i);
    }
    groups
}

/// Figures per population present among both the AGs and the training haplotypes (at least two
/// haplotypes each), in label order; the holdout counts where it has two or more of the label.
///
/// `train_labels`, `synthetic_labels` and `holdout_labels` give each haplotype's population
/// (see [`haplotype_populations`]).
pub(crate) fn per_population_stats(
    (train, train_labels): (&HaplotypeMatrix, &[String]),
    (synthetic, synthetic_labels): (&HaplotypeMatrix, &[String]),
    holdout: Option<(&HaplotypeMatrix, &[String])>,
    aats_repeats: usize,
    seed: u64,
) -> Vec<PopulationStats> {
    let train_rows = rows_by_label(train_labels);
    let holdout_rows = holdout.map(|(h, labels)| (h, rows_by_label(labels)));
    rows_by_label(synthetic_labels)
        .into_iter()
        .filter(|(pop, _)| *pop != UNKNOWN)
        .filter_map(|(pop, s_rows)| {
            let t_rows = train_rows.get(pop)?;
            if t_rows.len() < 2 || s_rows.len() < 2 {
                return None;
            }
            let t = train.select_haplotypes(t_rows).ok()?;
            let s = synthetic.select_haplotypes(&s_rows).ok()?;
            let h = holdout_rows.as_ref().and_then(|(h, groups)| {
                let rows = groups.get(pop)?;
                (rows.len() >= 2)
                    .then(|| h.select_haplotypes(rows).ok())
                    .flatten()
            });
            let others: Vec<usize> = (0..train_labels.len())
                .filter(|&i| train_labels[i] != *pop)
                .collect();
            let fst_other_populations = (others.len() >= 2)
                .then(|| train.select_haplotypes(&others).ok())
                .flatten()
                .map(|o| hudson_fst(&o, &s));
            let privacy = privacy_stats(&passes(&t, &s, h.as_ref(), aats_repeats, seed));
            Some(PopulationStats {
                population: pop.to_string(),
                train_haplotypes: t.n_haplotypes(),
                synthetic_haplotypes: s.n_haplotypes(),
                holdout_haplotypes: h.as_ref().map(HaplotypeMatrix::n_haplotypes),
                af_r: allele_frequency_correlation(&t, &s),
                fst: hudson_fst(&t, &s),
                fst_other_populations,
                aats: privacy.aats_train.aats.mean,
                privacy_loss: privacy.privacy_loss,
                membership_auc: privacy.membership_auc,
                exact_copies: privacy.exact_copies.synthetic_copies,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{PanelEntry, Ploidy, Sample, Site, Sites};

    /// `n` haploid samples named after `prefix`; site `j` carries the alternative allele with
    /// probability `freq(j)` (a deterministic hash of the value's index and `salt`).
    fn population(
        prefix: &str,
        n: usize,
        salt: u64,
        freq: impl Fn(usize) -> f64,
    ) -> HaplotypeMatrix {
        let sites: Sites = (1..=60u64).map(|p| Site::new("1", p, "A", "G")).collect();
        let v: Vec<u8> = (0..n * 60)
            .map(|i| {
                let u = ((i as u64 + salt * 1_000_003).wrapping_mul(2_654_435_761) >> 7) % 1000;
                u8::from((u as f64) < 1000.0 * freq(i % 60))
            })
            .collect();
        HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered(prefix, n, Ploidy::Haploid))
            .unwrap()
    }

    fn stack(a: &HaplotypeMatrix, b: &HaplotypeMatrix) -> HaplotypeMatrix {
        let mut v = a.to_dense_u8();
        v.extend(b.to_dense_u8());
        let samples = a.samples().iter().chain(b.samples()).cloned().collect();
        HaplotypeMatrix::from_dense_u8(&v, a.sites().clone(), samples).unwrap()
    }

    fn labels(m: &HaplotypeMatrix, pops: &[(&str, &str)]) -> Vec<String> {
        let entries = m
            .samples()
            .iter()
            .filter_map(|s| {
                let (_, pop) = pops.iter().find(|(prefix, _)| s.name.starts_with(prefix))?;
                Some(PanelEntry {
                    sample: s.name.clone(),
                    population: pop.to_string(),
                    super_population: String::new(),
                })
            })
            .collect();
        haplotype_populations(m, &Panel::from_entries(entries))
    }

    #[test]
    fn each_population_is_compared_with_its_own_real_haplotypes() {
        // Two populations with opposite frequency gradients along the sites.
        let up = |j: usize| 0.05 + 0.9 * j as f64 / 59.0;
        let down = |j: usize| 0.95 - 0.9 * j as f64 / 59.0;
        let train = stack(
            &population("eur", 80, 1, up),
            &population("afr", 60, 2, down),
        );
        let ags = stack(
            &population("agE", 50, 3, up),
            &population("agA", 40, 4, down),
        );
        let pops = [
            ("eur", "EUR"),
            ("afr", "AFR"),
            ("agE", "EUR"),
            ("agA", "AFR"),
        ];
        let (tl, sl) = (labels(&train, &pops), labels(&ags, &pops));
        let stats = per_population_stats((&train, &tl), (&ags, &sl), None, 3, 1);
        let names: Vec<&str> = stats.iter().map(|s| s.population.as_str()).collect();
        assert_eq!(names, ["AFR", "EUR"]);
        for s in &stats {
            assert!(s.af_r > 0.9, "{s:?}");
            let other = s.fst_other_populations.unwrap();
            assert!(s.fst < 0.05 && other > s.fst + 0.1, "{s:?}");
            assert!(s.holdout_haplotypes.is_none() && s.privacy_loss.is_none());
        }
        assert_eq!(
            (stats[0].train_haplotypes, stats[0].synthetic_haplotypes),
            (60, 40)
        );

        // AGs labelled the wrong way round: each population's AGs now match the other one.
        let swapped = [
            ("eur", "EUR"),
            ("afr", "AFR"),
            ("agE", "AFR"),
            ("agA", "EUR"),
        ];
        let sl = labels(&ags, &swapped);
        for s in per_population_stats((&train, &tl), (&ags, &sl), None, 3, 1) {
            assert!(s.af_r < -0.9, "{s:?}");
            assert!(s.fst > s.fst_other_populations.unwrap() + 0.1, "{s:?}");
        }

        // A holdout with labels gives per-population privacy figures.
        let holdout = stack(
            &population("eurH", 30, 5, up),
            &population("afrH", 30, 6, down),
        );
        let hl = labels(&holdout, &[("eurH", "EUR"), ("afrH", "AFR")]);
        let sl = labels(&ags, &pops);
        let with_holdout =
            per_population_stats((&train, &tl), (&ags, &sl), Some((&holdout, &hl)), 3, 1);
        for s in with_holdout {
            assert_eq!(s.holdout_haplotypes, Some(30));
            assert!(s.privacy_loss.is_some() && s.membership_auc.is_some());
        }
    }
}
