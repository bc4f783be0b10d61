//! The evaluation entry point: the inputs aligned and checked, every statistic run in turn
//! into the [`Report`].

use std::sync::atomic::{AtomicBool, Ordering};

use genosynth_core::{GeneticMap, HaplotypeMatrix, Panel};

use crate::af::{allele_frequency_stats, folded_sfs};
use crate::align::{SiteMatch, align, subsample};
use crate::detection::detection_stats;
use crate::distance::histogram_mean;
use crate::haplotype_freq::window_haplotype_frequencies;
use crate::kinship::kinship_stats;
use crate::ld::{ld_decay, ld_window};
use crate::ld_along::ld_windows;
use crate::pca::{fit_pca, wasserstein_per_component};
use crate::populations::{haplotype_populations, per_population_stats};
use crate::privacy::{passes, privacy_stats};
use crate::report::{
    Compared, DistanceStats, FstStats, Inputs, LdStats, PcaStats, Report, SCHEMA_VERSION, Settings,
    SfsStats,
};
use crate::segments::segment_stats;
use crate::stats::wasserstein_counts;
use crate::triplets::triplet_correlations;
use crate::uncertainty::{Values, intervals};
use crate::verdict::{Verdict, verdict};
use crate::{Error, hudson_fst};

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct EvalInput<'a> {
    /// Real haplotypes the generator was trained on.
    pub train: &'a HaplotypeMatrix,
    /// Artificial genomes.
    pub synthetic: &'a HaplotypeMatrix,
    /// Real haplotypes the generator never saw: the "perfect generator" reference.
    pub holdout: Option<&'a HaplotypeMatrix>,
    /// Population labels of real samples (PCA colours, per-population Fst).
    pub panel: Option<&'a Panel>,
    /// Population labels of the AGs (the panel `generate --population` writes): with
    /// [`EvalInput::panel`], each population's AGs are compared with its real haplotypes
    /// ([`Report::populations`]).
    pub synthetic_panel: Option<&'a Panel>,
    /// A genetic map covering every evaluated chromosome: shared segments are measured in cM
    /// too ([`crate::SegmentDistribution::cm`]).
    pub genetic_map: Option<&'a GeneticMap>,
    /// Settings.
    pub settings: Settings,
    /// Checked between steps: when set (e.g. by Ctrl-C) evaluation stops with
    /// [`Error::Interrupted`].
    pub stop: Option<&'a AtomicBool>,
}

/// The inputs on their common sites, each capped at `max_haplotypes`.
pub(crate) struct Aligned {
    pub(crate) train: HaplotypeMatrix,
    pub(crate) synthetic: HaplotypeMatrix,
    pub(crate) holdout: Option<HaplotypeMatrix>,
    pub(crate) sites: SiteMatch,
}

/// `input`'s sets on their common sites, capped and checked: what every statistic reads.
pub(crate) fn aligned(input: &EvalInput<'_>) -> Result<Aligned, Error> {
    let st = &input.settings;
    let (train, synthetic, holdout, sites) = align(input.train, input.synthetic, input.holdout)?;
    let cap = |m: HaplotypeMatrix, k: u64| match st.max_haplotypes {
        Some(n) => subsample(m, n, st.seed.wrapping_add(k)),
        None => m,
    };
    let train = cap(train, 11);
    let synthetic = cap(synthetic, 12);
    let holdout = holdout.map(|h| cap(h, 13));
    too_few("train", &train)?;
    too_few("synthetic", &synthetic)?;
    if let Some(h) = &holdout {
        too_few("holdout", h)?;
    }
    if let Some(map) = input.genetic_map {
        check_map_covers(map, &train)?;
    }
    Ok(Aligned {
        train,
        synthetic,
        holdout,
        sites,
    })
}

pub(crate) fn check_settings(s: &Settings) -> Result<(), Error> {
    let bad = |name, message: &str| {
        Err(Error::Setting {
            name,
            message: message.into(),
        })
    };
    if s.max_haplotypes.is_some_and(|n| n < 2) {
        return bad("max_haplotypes", "must be at least 2");
    }
    if s.ld_window < 2 {
        return bad("ld_window", "must be at least 2 sites");
    }
    if s.ld_windows == 0 {
        return bad("ld_windows", "must be at least 1");
    }
    if s.aats_repeats == 0 {
        return bad("aats_repeats", "must be at least 1");
    }
    Ok(())
}

/// Every evaluated chromosome must be on the map: a segment on one it lacks has no cM length.
fn check_map_covers(map: &GeneticMap, m: &HaplotypeMatrix) -> Result<(), Error> {
    let mut missing: Vec<&str> = m
        .sites()
        .iter()
        .map(|s| s.chrom.as_str())
        .filter(|c| map.cm(c, 0).is_none())
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let mut on_map: Vec<&str> = map.chromosomes().collect();
    on_map.sort_unstable();
    Err(Error::Setting {
        name: "genetic_map",
        message: format!(
            "has no chromosome {} (it maps {}); give the map of the evaluated chromosomes, named as in the VCF",
            missing.join(", "),
            on_map.join(", ")
        ),
    })
}

fn too_few(set: &'static str, m: &HaplotypeMatrix) -> Result<(), Error> {
    if m.n_haplotypes() < 2 {
        return Err(Error::TooFewHaplotypes {
            set,
            haplotypes: m.n_haplotypes(),
        });
    }
    Ok(())
}

/// Runs every statistic and builds the report.
///
/// # Errors
/// No common site, different ploidy models, a duplicate site, fewer than two haplotypes in a
/// set, or a setting out of range.
pub fn evaluate(input: &EvalInput<'_>) -> Result<Report, Error> {
    evaluate_with_progress(input, &mut |_| {})
}

/// How many steps [`evaluate_with_progress`] reports for `input` when it runs to the end: one
/// per statistic, and the per-population figures when both panels are given.
pub fn progress_steps(input: &EvalInput<'_>) -> u64 {
    11 + u64::from(input.holdout.is_some() && input.settings.detection)
        + u64::from(input.panel.is_some() && input.synthetic_panel.is_some())
}

/// [`evaluate`], calling `progress` with the name of each step as it starts
/// ([`progress_steps`] of them).
pub fn evaluate_with_progress(
    input: &EvalInput<'_>,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, Error> {
    let st = &input.settings;
    check_settings(st)?;
    let mut step = |name: &str| -> Result<(), Error> {
        if input.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(Error::Interrupted);
        }
        progress(name);
        Ok(())
    };
    step("matching sites")?;
    let Aligned {
        train,
        synthetic,
        holdout,
        sites,
    } = aligned(input)?;
    let (t, s, h) = (&train, &synthetic, holdout.as_ref());

    step("allele frequencies")?;
    let allele_frequencies = both(s, h, |x| allele_frequency_stats(t, x));
    let bins = 20;
    let sfs = SfsStats {
        bins,
        train: folded_sfs(t, bins),
        synthetic: folded_sfs(s, bins),
        holdout: h.map(|x| folded_sfs(x, bins)),
    };

    step("linkage disequilibrium")?;
    let ld = LdStats {
        window: both(s, h, |x| ld_window(t, x, st.ld_window)),
        decay_train: ld_decay(t, st.ld_window),
        decay_synthetic: ld_decay(s, st.ld_window),
        decay_holdout: h.map(|x| ld_decay(x, st.ld_window)),
    };

    let ld_windows = ld_windows(t, s, h, st.ld_window, st.ld_windows, &st.model_boundaries);

    step("pairwise distances")?;
    let passes = passes(t, s, h, st.aats_repeats, st.seed);
    let hp = passes.holdout.as_ref();
    let distances = DistanceStats {
        n_sites: t.n_sites(),
        means: [
            histogram_mean(&passes.train.histogram),
            histogram_mean(&passes.synthetic.histogram),
            histogram_mean(&passes.train_synthetic.histogram),
        ],
        wasserstein_within: wasserstein_counts(
            &passes.train.histogram,
            &passes.synthetic.histogram,
        ),
        wasserstein_within_holdout: hp
            .map(|p| wasserstein_counts(&passes.train.histogram, &p.holdout.histogram)),
        within_train: passes.train.histogram.clone(),
        within_synthetic: passes.synthetic.histogram.clone(),
        train_synthetic: passes.train_synthetic.histogram.clone(),
        within_holdout: hp.map(|p| p.holdout.histogram.clone()),
        holdout_train: hp.map(|p| p.holdout_train.histogram.clone()),
    };

    step("privacy")?;
    let privacy = privacy_stats(&passes);
    let nearest = |n: &[crate::distance::Nearest]| crate::aats::distances(n);
    let hp = passes.holdout.as_ref();
    let mut values = Values {
        train: t,
        synthetic: s,
        holdout: h,
        d_ts: nearest(&passes.train_synthetic.first),
        d_hs: hp.map_or_else(Vec::new, |p| nearest(&p.holdout_synthetic.first)),
        segment_scores: Vec::new(),
        aats_repeats: passes.train_repeats.clone(),
        loss_repeats: passes.loss_repeats.clone(),
    };
    drop(passes);

    step("shared segments")?;
    let segments = segment_stats(t, s, h, input.genetic_map, st.seed.wrapping_add(5));
    values.segment_scores = segments.privacy_loss_scores.clone();
    let uncertainty = intervals(&values, st.seed.wrapping_add(7));

    step("kinship")?;
    let kinship = kinship_stats(t, s, h);

    step("principal components")?;
    let model = fit_pca(t, st.pca_components, st.seed);
    let coords_train = model.transform(t);
    let coords_synthetic = model.transform(s);
    let coords_holdout = h.map(|x| model.transform(x));
    let per_pc = |other: &[Vec<f64>]| {
        wasserstein_per_component(&coords_train, other, model.components.len())
    };
    let populations_train = input.panel.map(|p| haplotype_populations(t, p));
    let populations_synthetic = input
        .synthetic_panel
        .filter(|_| input.panel.is_some())
        .map(|p| haplotype_populations(s, p));
    let ancestry = input.panel.and_then(|real_panel| {
        crate::ancestry::ancestry_in(
            &model,
            (t, &coords_train, real_panel),
            (s, &coords_synthetic),
            input.synthetic_panel,
            h.zip(coords_holdout.as_deref()),
        )
    });
    let detection = match h.filter(|_| st.detection) {
        Some(x) => {
            step("distinguishability")?;
            Some(detection_stats(x, s, &model, st.seed.wrapping_add(9)))
        }
        None => None,
    };
    let pca = PcaStats {
        n_sites_used: model.sites.len(),
        explained_variance_ratio: model.explained_variance_ratio.clone(),
        wasserstein_synthetic: per_pc(&coords_synthetic),
        wasserstein_holdout: coords_holdout.as_deref().map(per_pc),
        coords_train,
        coords_synthetic,
        coords_holdout,
        populations_train,
        populations_synthetic,
    };

    step("3-point correlations")?;
    let triplets = both(s, h, |x| {
        triplet_correlations(
            t,
            x,
            st.n_triplets,
            st.triplet_window,
            st.seed.wrapping_add(3),
        )
    });

    step("haplotype frequencies")?;
    let haplotype_frequencies = both(s, h, |x| {
        window_haplotype_frequencies(t, x, &st.haplotype_windows)
    });

    step("Fst")?;
    let fst = FstStats {
        train_synthetic: hudson_fst(t, s),
        train_holdout: h.map(|x| hudson_fst(t, x)),
        per_population: per_population_fst(t, s, pca.populations_train.as_deref()),
    };

    let populations = match (
        input.panel,
        &pca.populations_train,
        &pca.populations_synthetic,
    ) {
        (Some(real), Some(train_labels), Some(ag_labels)) => {
            step("per-population figures")?;
            let holdout_labels = h.map(|x| haplotype_populations(x, real));
            per_population_stats(
                (t, train_labels),
                (s, ag_labels),
                h.zip(holdout_labels.as_deref()),
                st.aats_repeats,
                st.seed,
            )
        }
        _ => Vec::new(),
    };

    let inputs = Inputs {
        train_haplotypes: t.n_haplotypes(),
        synthetic_haplotypes: s.n_haplotypes(),
        holdout_haplotypes: h.map(HaplotypeMatrix::n_haplotypes),
        sites,
    };
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        genosynth_version: env!("CARGO_PKG_VERSION").to_string(),
        settings: st.clone(),
        inputs,
        allele_frequencies,
        sfs,
        ld,
        ld_windows,
        distances,
        pca,
        triplets,
        haplotype_frequencies,
        fst,
        privacy,
        segments,
        uncertainty,
        detection,
        kinship,
        populations,
        ancestry,
        verdict: Verdict::default(),
        selection: None,
        guard: None,
        differential_privacy: None,
        privacy_risk: None,
        private_alleles: None,
    };
    report.verdict = verdict(&report);
    Ok(report)
}

/// Applies `f` to the AGs and to the holdout.
fn both<T>(
    s: &HaplotypeMatrix,
    h: Option<&HaplotypeMatrix>,
    f: impl Fn(&HaplotypeMatrix) -> T,
) -> Compared<T> {
    Compared {
        synthetic: f(s),
        holdout: h.map(f),
    }
}

fn per_population_fst(
    train: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    labels: Option<&[String]>,
) -> Vec<(String, usize, f64)> {
    let Some(labels) = labels else {
        return Vec::new();
    };
    crate::populations::rows_by_label(labels)
        .into_iter()
        .filter_map(|(pop, rows)| {
            if rows.len() < 2 {
                return None;
            }
            let sub = train.select_haplotypes(&rows).ok()?;
            Some((pop.to_string(), rows.len(), hudson_fst(&sub, synthetic)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    fn matrix(n: usize, seed: u64) -> HaplotypeMatrix {
        let sites: Sites = (1..=70u64).map(|p| Site::new("1", p, "A", "G")).collect();
        let v: Vec<u8> = (0..n * 70)
            .map(|i| ((i as u64 * 2_654_435_761 + seed) >> 7) as u8 & 1)
            .collect();
        HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("s", n / 2, Ploidy::Diploid))
            .unwrap()
    }

    #[test]
    fn stop_flag_interrupts_and_settings_are_checked() {
        let (t, s) = (matrix(40, 1), matrix(30, 2));
        let stop = AtomicBool::new(true);
        let mut input = EvalInput {
            train: &t,
            synthetic: &s,
            holdout: None,
            panel: None,
            synthetic_panel: None,
            genetic_map: None,
            settings: Settings::default(),
            stop: Some(&stop),
        };
        assert_eq!(evaluate(&input).unwrap_err(), Error::Interrupted);
        stop.store(false, Ordering::SeqCst);
        let report = evaluate(&input).unwrap();
        assert_eq!(report.schema_version, SCHEMA_VERSION);
        assert_eq!(report.privacy.aats_train.repeats, 10);
        assert_eq!(report.inputs.sites.common, 70);
        // Same inputs, same bytes, whatever the thread pool did (sums run in a fixed order).
        let again = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            serde_json::to_string(&pool.install(|| evaluate(&input)).unwrap()).unwrap()
        };
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(again(1), json);
        assert_eq!(again(3), json);
        input.settings.ld_window = 1;
        assert!(matches!(
            evaluate(&input).unwrap_err(),
            Error::Setting {
                name: "ld_window",
                ..
            }
        ));
    }
}
