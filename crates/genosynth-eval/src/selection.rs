//! The figures checkpoint selection reads, without the rest of the report: at chromosome scale
//! the statistics selection never reads (the LD heatmap and decay, shared segments, kinship,
//! 3-point correlations, haplotype frequencies, Fst, intervals) cost as much as those it does.
//! Each figure comes from the same function, inputs and seed as in [`crate::evaluate`], so it
//! is the report's to the bit.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::evaluate::{Aligned, EvalInput, aligned, check_settings};
use crate::ld_along::{LdWindows, ld_windows};
use crate::pca::{fit_pca, wasserstein_per_component};
use crate::privacy::{PrivacyStats, passes, privacy_stats};
use crate::stats::wasserstein_counts;

/// What [`selection_figures`] computes: the report's fields of the same names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionFigures {
    /// [`crate::Report::privacy`].
    pub privacy: PrivacyStats,
    /// [`crate::Report::ld_windows`].
    pub ld_windows: LdWindows,
    /// [`crate::DistanceStats::wasserstein_within`].
    pub pairwise_wasserstein: f64,
    /// [`crate::PcaStats::wasserstein_synthetic`], one per component.
    pub pca_wasserstein: Vec<f64>,
}

/// The privacy figures, LD along the chromosome, the pairwise-distance and per-component PCA
/// Wasserstein distances of `input`, as [`crate::evaluate`] computes them.
///
/// # Errors
/// As [`crate::evaluate`]: no common site, a set of fewer than two haplotypes, a setting out
/// of range, or the stop flag set.
pub fn selection_figures(input: &EvalInput<'_>) -> Result<SelectionFigures, Error> {
    let st = &input.settings;
    check_settings(st)?;
    let stopped = || {
        input
            .stop
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
    };
    if stopped() {
        return Err(Error::Interrupted);
    }
    let Aligned {
        train,
        synthetic,
        holdout,
        ..
    } = aligned(input)?;
    let (t, s, h) = (&train, &synthetic, holdout.as_ref());
    let ld_windows = ld_windows(t, s, h, st.ld_window, st.ld_windows, &st.model_boundaries);
    if stopped() {
        return Err(Error::Interrupted);
    }
    let passes = passes(t, s, h, st.aats_repeats, st.seed);
    let pairwise_wasserstein =
        wasserstein_counts(&passes.train.histogram, &passes.synthetic.histogram);
    let privacy = privacy_stats(&passes);
    drop(passes);
    if stopped() {
        return Err(Error::Interrupted);
    }
    let model = fit_pca(t, st.pca_components, st.seed);
    let coords_train = model.transform(t);
    let coords_synthetic = model.transform(s);
    let pca_wasserstein =
        wasserstein_per_component(&coords_train, &coords_synthetic, model.components.len());
    Ok(SelectionFigures {
        privacy,
        ld_windows,
        pairwise_wasserstein,
        pca_wasserstein,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Settings, evaluate};
    use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
    use rand::{Rng, SeedableRng};

    /// Through JSON (exact: `float_roundtrip`), where a NaN (no holdout) equals itself.
    fn json<T: serde::Serialize + ?Sized>(x: &T) -> String {
        serde_json::to_string(x).unwrap()
    }

    /// Haplotypes in blocks of linked sites, so that LD and distances are not flat.
    fn matrix(people: usize, sites: usize, seed: u64) -> HaplotypeMatrix {
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let s: Sites = (1..=sites as u64)
            .map(|p| Site::new("1", p * 10, "A", "G"))
            .collect();
        let mut v = Vec::with_capacity(2 * people * sites);
        for _ in 0..2 * people {
            let mut a = 0u8;
            for j in 0..sites {
                if j % 7 == 0 || r.random_bool(0.15) {
                    a = u8::from(r.random_bool(0.3 + 0.4 * ((j / 7) % 2) as f64));
                }
                v.push(a);
            }
        }
        HaplotypeMatrix::from_dense_u8(&v, s, Sample::numbered("s", people, Ploidy::Diploid))
            .unwrap()
    }

    #[test]
    fn the_figures_equal_the_reports_to_the_bit() {
        for seed in [1, 2, 3] {
            let (t, s, h) = (
                matrix(30, 120, seed),
                matrix(25, 120, seed + 10),
                matrix(12, 120, seed + 20),
            );
            for holdout in [Some(&h), None] {
                let input = EvalInput {
                    train: &t,
                    synthetic: &s,
                    holdout,
                    panel: None,
                    synthetic_panel: None,
                    genetic_map: None,
                    settings: Settings {
                        seed,
                        ld_window: 20,
                        detection: false,
                        ..Settings::default()
                    },
                    stop: None,
                };
                let report = evaluate(&input).unwrap();
                let figures = selection_figures(&input).unwrap();
                assert_eq!(json(&figures.privacy), json(&report.privacy), "{seed}");
                assert_eq!(json(&figures.ld_windows), json(&report.ld_windows));
                assert_eq!(
                    figures.pairwise_wasserstein.to_bits(),
                    report.distances.wasserstein_within.to_bits()
                );
                assert_eq!(
                    json(&figures.pca_wasserstein),
                    json(&report.pca.wasserstein_synthetic)
                );
                assert_eq!(report.privacy.privacy_loss.is_some(), holdout.is_some());
            }
        }
    }

    #[test]
    fn a_set_stop_flag_interrupts() {
        let (t, s) = (matrix(10, 40, 1), matrix(10, 40, 2));
        let stop = std::sync::atomic::AtomicBool::new(true);
        let input = EvalInput {
            train: &t,
            synthetic: &s,
            holdout: None,
            panel: None,
            synthetic_panel: None,
            genetic_map: None,
            settings: Settings::default(),
            stop: Some(&stop),
        };
        assert_eq!(selection_figures(&input).unwrap_err(), Error::Interrupted);
    }
}
