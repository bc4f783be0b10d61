//! Ancestry assignment: each AG sample's nearest real population in the real data's PCA
//! space, so AGs made chromosome by chromosome can be checked for one ancestry each.
//!
//! The PCA is fitted on the real haplotypes; every haplotype is projected; a sample's point is
//! the mean of its haplotypes' points (one AG = one assignment); each real population's
//! centroid is the mean of its samples' points; a sample is assigned to the nearest centroid
//! (Euclidean over all components). Real samples are assigned the same way, which gives the
//! baseline: how often the rule recovers a real person's own population.

use std::collections::BTreeMap;

use genosynth_core::{HaplotypeMatrix, Panel};
use serde::{Deserialize, Serialize};

use crate::pca::{PcaModel, fit_pca};
use crate::populations::{UNKNOWN, haplotype_populations};

/// Ancestry of the AG samples; `report.json`'s `ancestry`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AncestryStats {
    /// Principal components of the real data the assignment uses.
    pub components: usize,
    /// The panel column populations are named by: `population`, or `super_population` when
    /// the AGs were labelled by super-population (their panel names no population).
    pub level: String,
    /// Share of labelled real samples assigned to their own population (the rule's accuracy
    /// on people whose population is known; AGs cannot be assigned more sharply than this).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub real_agreement: f64,
    /// The same share among labelled held-out real samples (people the PCA and centroids were
    /// not fitted on: the honest yardstick for AGs); absent without a holdout.
    #[serde(default)]
    pub holdout_agreement: Option<f64>,
    /// With the AGs' own labels: share of labelled AG samples assigned to the population
    /// they were generated for.
    pub label_agreement: Option<f64>,
    /// Per real population: its share among real and among AG samples.
    pub populations: Vec<AncestryShare>,
    /// Per AG sample, in input order.
    pub samples: Vec<AncestryAssignment>,
}

/// One population's share of real and AG samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AncestryShare {
    /// Population label (the panel's population column).
    pub population: String,
    /// Labelled real samples of this population.
    pub real_samples: usize,
    /// Their share of the labelled real samples.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub real_share: f64,
    /// AG samples assigned to it.
    pub synthetic_samples: usize,
    /// Their share of the AG samples.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub synthetic_share: f64,
}

/// One AG sample's assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AncestryAssignment {
    /// Sample name.
    pub sample: String,
    /// The nearest real population.
    pub population: String,
    /// Euclidean distance to that population's centroid in PC units.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub distance: f64,
    /// The population the AG was generated for, from the AGs' panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Fits a PCA of `n_components` on `real` and assigns every sample of `synthetic` to its
/// nearest population of `real_panel`; `synthetic_panel` (the AGs' own labels) adds their
/// agreement, and `holdout` (real people on the same sites, labelled in `real_panel`) the
/// rule's accuracy on people it was not fitted on. `None` when no real sample is in the panel.
pub fn assign_ancestry(
    real: &HaplotypeMatrix,
    real_panel: &Panel,
    synthetic: &HaplotypeMatrix,
    synthetic_panel: Option<&Panel>,
    holdout: Option<&HaplotypeMatrix>,
    n_components: usize,
    seed: u64,
) -> Option<AncestryStats> {
    let model = fit_pca(real, n_components, seed);
    let holdout_coords = holdout.map(|h| model.transform(h));
    ancestry_in(
        &model,
        (real, &model.transform(real), real_panel),
        (synthetic, &model.transform(synthetic)),
        synthetic_panel,
        holdout.zip(holdout_coords.as_deref()),
    )
}

/// [`assign_ancestry`] with the PCA and the projections already made (the report's).
pub(crate) fn ancestry_in(
    model: &PcaModel,
    (real, real_coords, real_panel): (&HaplotypeMatrix, &[Vec<f64>], &Panel),
    (synthetic, synthetic_coords): (&HaplotypeMatrix, &[Vec<f64>]),
    synthetic_panel: Option<&Panel>,
    holdout: Option<(&HaplotypeMatrix, &[Vec<f64>])>,
) -> Option<AncestryStats> {
    let k = model.components.len();
    let level = label_level(real_panel, synthetic_panel);
    let super_panel;
    let real_panel = match level {
        Level::Population => real_panel,
        Level::SuperPopulation => {
            super_panel = by_super_population(real_panel);
            &super_panel
        }
    };
    let real_points = sample_points(real, real_coords, k);
    let real_labels = sample_labels(real, real_panel);
    let mut sums: BTreeMap<&str, (Vec<f64>, usize)> = BTreeMap::new();
    for (point, label) in real_points.iter().zip(&real_labels) {
        if label == UNKNOWN {
            continue;
        }
        let (sum, n) = sums.entry(label).or_insert_with(|| (vec![0.0; k], 0));
        sum.iter_mut().zip(point).for_each(|(s, x)| *s += x);
        *n += 1;
    }
    if sums.is_empty() {
        return None;
    }
    let centroids: Vec<(&str, Vec<f64>)> = sums
        .iter()
        .map(|(&pop, (sum, n))| (pop, sum.iter().map(|s| s / *n as f64).collect()))
        .collect();
    let nearest = |point: &[f64]| -> (usize, f64) {
        centroids
            .iter()
            .enumerate()
            .map(|(i, (_, c))| (i, distance(point, c)))
            .fold(
                (0, f64::INFINITY),
                |best, d| if d.1 < best.1 { d } else { best },
            )
    };

    // (samples with a label, of them assigned to it)
    let recovered = |points: &[Vec<f64>], labels: &[String]| -> (usize, usize) {
        points
            .iter()
            .zip(labels)
            .filter(|(_, l)| l.as_str() != UNKNOWN)
            .fold((0, 0), |(n, hit), (p, l)| {
                (
                    n + 1,
                    hit + usize::from(centroids[nearest(p).0].0 == l.as_str()),
                )
            })
    };
    let (n_labelled_real, real_hits) = recovered(&real_points, &real_labels);
    let real_agreement = share(real_hits, n_labelled_real);
    let holdout_agreement = holdout
        .map(|(h, coords)| recovered(&sample_points(h, coords, k), &sample_labels(h, real_panel)))
        .filter(|&(n, _)| n > 0)
        .map(|(n, hits)| share(hits, n));

    let mut counts = vec![0usize; centroids.len()];
    let mut agree = (0usize, 0usize);
    let samples: Vec<AncestryAssignment> = sample_points(synthetic, synthetic_coords, k)
        .iter()
        .zip(synthetic.samples())
        .map(|(point, s)| {
            let (i, d) = nearest(point);
            counts[i] += 1;
            let label = synthetic_panel
                .and_then(|p| p.population(&s.name))
                .map(str::to_string);
            if let Some(l) = &label {
                agree.1 += 1;
                agree.0 += usize::from(l == centroids[i].0);
            }
            AncestryAssignment {
                sample: s.name.clone(),
                population: centroids[i].0.to_string(),
                distance: d,
                label,
            }
        })
        .collect();
    let populations = centroids
        .iter()
        .zip(&counts)
        .map(|((pop, _), &n)| {
            let real_samples = sums[pop].1;
            AncestryShare {
                population: pop.to_string(),
                real_samples,
                real_share: share(real_samples, n_labelled_real),
                synthetic_samples: n,
                synthetic_share: share(n, samples.len()),
            }
        })
        .collect();
    Some(AncestryStats {
        components: k,
        level: level.name().to_string(),
        real_agreement,
        holdout_agreement,
        label_agreement: synthetic_panel
            .filter(|_| agree.1 > 0)
            .map(|_| share(agree.0, agree.1)),
        populations,
        samples,
    })
}

/// Each sample's point: the mean of its haplotypes' projections.
fn sample_points(m: &HaplotypeMatrix, coords: &[Vec<f64>], k: usize) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; k]; m.samples().len()];
    for (id, c) in m.haplotype_ids().iter().zip(coords) {
        let p = &mut points[id.sample as usize];
        p.iter_mut().zip(c).for_each(|(s, x)| *s += x);
    }
    for (p, s) in points.iter_mut().zip(m.samples()) {
        let copies = s.ploidy.copies() as f64;
        p.iter_mut().for_each(|x| *x /= copies);
    }
    points
}

/// Each sample's panel population ([`UNKNOWN`] when not listed).
/// Which panel column the AGs' labels name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Population,
    SuperPopulation,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Population => "population",
            Level::SuperPopulation => "super_population",
        }
    }
}

/// Super-population when every AG label is a super-population of the real panel and none is
/// a population (a model conditioned with `--label-column super-pop`); population otherwise.
fn label_level(real: &Panel, synthetic: Option<&Panel>) -> Level {
    let Some(synthetic) = synthetic.filter(|p| !p.is_empty()) else {
        return Level::Population;
    };
    let is = |label: &str, pick: fn(&genosynth_core::PanelEntry) -> &str| {
        real.entries().iter().any(|e| pick(e) == label)
    };
    let all_super = synthetic.entries().iter().all(|e| {
        is(&e.population, |r| &r.super_population) && !is(&e.population, |r| &r.population)
    });
    if all_super {
        Level::SuperPopulation
    } else {
        Level::Population
    }
}

/// `panel` with each sample's super-population in the population column.
fn by_super_population(panel: &Panel) -> Panel {
    Panel::from_entries(
        panel
            .entries()
            .iter()
            .map(|e| genosynth_core::PanelEntry {
                population: e.super_population.clone(),
                ..e.clone()
            })
            .collect(),
    )
}

fn sample_labels(m: &HaplotypeMatrix, panel: &Panel) -> Vec<String> {
    let per_haplotype = haplotype_populations(m, panel);
    let mut labels = vec![String::new(); m.samples().len()];
    for (id, l) in m.haplotype_ids().iter().zip(per_haplotype) {
        labels[id.sample as usize] = l;
    }
    labels
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests;
