//! Holding people out of training and scoring checkpoints on them.

use genosynth_core::{HaplotypeMatrix, Panel, Ploidy, Sample, split_by_individual};
use genosynth_eval::{EvalInput, Report, SelectionFigures, Settings, selection_figures};
use genosynth_models::ValidationScores;

use crate::{Error, Result};

/// Sites whose pairwise r² the LD figure compares (the first ones of the input), as `synth`
/// prints it.
pub const LD_WINDOW: usize = 400;

/// The people a model trains on and the people it is validated on.
#[derive(Debug, Clone)]
pub struct ValidationSplit {
    /// Individuals trained on.
    pub fit: HaplotypeMatrix,
    /// Individuals held out: never trained on, used to choose the checkpoint and to judge
    /// privacy.
    pub validation: HaplotypeMatrix,
}

/// Holds out a `fraction` of the individuals (both haplotypes of a person on one side;
/// stratified by population with a `panel`), seeded.
///
/// Fails when either side would have fewer than 2 people: selection needs AATS and membership
/// figures on both.
pub fn split_validation(
    matrix: &HaplotypeMatrix,
    fraction: f64,
    seed: u64,
    panel: Option<&Panel>,
) -> Result<ValidationSplit> {
    let people = matrix.samples().len();
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::InvalidOption {
            name: "validation fraction",
            reason: format!("{fraction} is not strictly between 0 and 1 (0 turns validation off)"),
        });
    }
    let too_few = |side: &str, count: usize| Error::InvalidOption {
        name: "validation fraction",
        reason: format!(
            "{fraction} of {people} people leaves {count} on the {side} side; at least 2 are needed on each side (choose a fraction between {:.2} and {:.2})",
            2.0 / people as f64,
            1.0 - 2.0 / people as f64
        ),
    };
    // Checked before splitting (the split itself refuses only an empty side), and after (a
    // panel's strata round separately).
    let fit_people = (people as f64 * (1.0 - fraction)).round() as usize;
    if people - fit_people.min(people) < 2 {
        return Err(too_few("validation", people - fit_people.min(people)));
    }
    if fit_people < 2 {
        return Err(too_few("training", fit_people));
    }
    let split = split_by_individual(matrix, 1.0 - fraction, seed, panel)?;
    let (fit, validation) = (split.train, split.holdout);
    for (side, m) in [("training", &fit), ("validation", &validation)] {
        if m.samples().len() < 2 {
            return Err(too_few(side, m.samples().len()));
        }
    }
    Ok(ValidationSplit { fit, validation })
}

/// The split a checkpoint recorded: the named people held out, everyone else trained on (to
/// resume a run that selects on validation people).
pub fn split_named(
    matrix: &HaplotypeMatrix,
    validation_samples: &[String],
) -> Result<ValidationSplit> {
    let wanted: std::collections::HashSet<&str> =
        validation_samples.iter().map(String::as_str).collect();
    let (mut fit, mut validation) = (Vec::new(), Vec::new());
    for (i, s) in matrix.samples().iter().enumerate() {
        if wanted.contains(s.name.as_str()) {
            validation.push(i);
        } else {
            fit.push(i);
        }
    }
    if validation.len() != wanted.len() {
        return Err(Error::InvalidOption {
            name: "validation people",
            reason: format!(
                "the model held out {} validation people, {} of them are in this input; resume with the input it was trained from",
                wanted.len(),
                validation.len()
            ),
        });
    }
    Ok(ValidationSplit {
        fit: matrix.select_samples(&fit)?,
        validation: matrix.select_samples(&validation)?,
    })
}

/// Evaluation settings of validation and of `synth`'s report: LD windows of [`LD_WINDOW`]
/// sites.
pub fn settings(seed: u64) -> Settings {
    Settings {
        seed,
        ld_window: LD_WINDOW,
        ..Settings::default()
    }
}

/// The selection figures of a report made with the validation set as holdout.
pub fn scores_of(report: &Report) -> ValidationScores {
    scores_of_figures(&SelectionFigures {
        privacy: report.privacy.clone(),
        ld_windows: report.ld_windows.clone(),
        pairwise_wasserstein: report.distances.wasserstein_within,
        pca_wasserstein: report.pca.wasserstein_synthetic.clone(),
    })
}

/// The selection figures from [`selection_figures`] (the report's, without the rest of it).
fn scores_of_figures(f: &SelectionFigures) -> ValidationScores {
    let aats = &f.privacy.aats_train;
    ValidationScores {
        aa_truth: aats.aa_truth.mean,
        aa_syn: aats.aa_syn.mean,
        privacy_loss: f.privacy.privacy_loss.unwrap_or(f64::NAN),
        membership_auc: f.privacy.membership_auc.unwrap_or(f64::NAN),
        // The verdict's LD figure: the median window along the chromosome.
        ld_r2: f.ld_windows.synthetic.median,
        // PC1–2, as the verdict's PCA check.
        pca_w: f
            .pca_wasserstein
            .iter()
            .take(2)
            .copied()
            .fold(f64::NAN, f64::max),
        pairwise_w: f.pairwise_wasserstein,
        heldout_log_likelihood: None,
        likelihood_auc: None,
        likelihood_tpr: None,
        likelihood_population: None,
    }
}

/// Scores AGs against the training part (fidelity, AATS halves) and the validation part
/// (privacy loss, membership AUC): the same figures as the final report, so the checkpoint
/// chosen is judged by what users read; only the statistics they come from are computed.
pub fn score(
    split: &ValidationSplit,
    ags: &HaplotypeMatrix,
    seed: u64,
) -> Result<ValidationScores> {
    let ags = paired_like(ags, &split.fit)?;
    let figures = selection_figures(&EvalInput {
        train: &split.fit,
        synthetic: &ags,
        holdout: Some(&split.validation),
        panel: None,
        synthetic_panel: None,
        genetic_map: None,
        // Selection does not use the classifier two-sample test.
        settings: Settings {
            detection: false,
            ..settings(seed)
        },
        stop: None,
    })?;
    Ok(scores_of_figures(&figures))
}

/// AGs (haploid samples, as models generate them) paired into diploid samples `AG_000001`,
/// ... when `real` is diploid, as the evaluation compares like with like.
pub fn paired_like(ags: &HaplotypeMatrix, real: &HaplotypeMatrix) -> Result<HaplotypeMatrix> {
    let diploid = |m: &HaplotypeMatrix| m.samples().iter().all(|s| s.ploidy == Ploidy::Diploid);
    let haploid = ags.samples().iter().all(|s| s.ploidy == Ploidy::Haploid);
    if !diploid(real) || !haploid || !ags.n_haplotypes().is_multiple_of(2) {
        return Ok(ags.clone());
    }
    let samples = Sample::numbered("AG_", ags.n_haplotypes() / 2, Ploidy::Diploid);
    Ok(ags.clone().with_samples(samples)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Site, Sites};

    fn matrix(people: usize) -> HaplotypeMatrix {
        let sites: Sites = (1..=8).map(|p| Site::new("1", p, "A", "G")).collect();
        let alleles: Vec<u8> = (0..people * 2 * 8)
            .map(|i| ((i * 7) % 3 == 0) as u8)
            .collect();
        HaplotypeMatrix::from_dense_u8(
            &alleles,
            sites,
            Sample::numbered("P", people, Ploidy::Diploid),
        )
        .unwrap()
    }

    #[test]
    fn validation_split_is_by_individual_and_disjoint() {
        let m = matrix(50);
        let split = split_validation(&m, 0.2, 3, None).unwrap();
        assert_eq!(split.validation.samples().len(), 10);
        assert_eq!(split.fit.samples().len(), 40);
        assert_eq!(split.validation.n_haplotypes(), 20);
        for s in split.validation.samples() {
            assert!(
                split.fit.samples().iter().all(|f| f.name != s.name),
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn a_fraction_leaving_fewer_than_two_people_is_a_clear_error() {
        let err = split_validation(&matrix(5), 0.1, 1, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("leaves 0 on the validation side"), "{err}");
        assert!(err.contains("at least 2 are needed on each side"), "{err}");
        let err = split_validation(&matrix(5), 1.0, 1, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("strictly between 0 and 1"), "{err}");
    }
}
