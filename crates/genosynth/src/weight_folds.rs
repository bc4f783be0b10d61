//! `auto`'s reference-weight ladder judged on more people than the validation people alone
//! (`--weight-folds K`). K groups of as many training people as there are validation people
//! are the folds; each fold's model trains on everyone else (the other training people and
//! the validation people: as many people as the final model, with the same reference model
//! and seed) up to the epoch the final model's checkpoint was chosen at, and is scored there
//! on its fold; a rung is judged by the mean of the folds' figures. The final model is trained
//! as without folds. The folds' figures are honest where the validation people's are not:
//! the epoch was chosen on other people, and a checkpoint chosen on 8 people among ten reads
//! optimistically on those 8 (docs/privacy.md measures both).

use genosynth_models::{SelectionRule, ValidationScores};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::{Error, Result, ValidationSplit};

/// Mixed into the run's seed for the draw of the folds, so that it is not the stream of the
/// validation split or of training.
const FOLD_STREAM: u64 = 0x666f_6c64_735f_7731;

/// The most folds `split` allows: as many groups of as many of the training people as there
/// are validation people.
pub fn max_weight_folds(split: &ValidationSplit) -> usize {
    let validation = split.validation.samples().len().max(1);
    split.fit.samples().len() / validation
}

/// `k` folds of `split`: each holds out a group of as many of the training people as `split`
/// has validation people (drawn with `seed`, disjoint) and trains on the other training
/// people and the validation people, so every fold's model trains on as many people as the
/// final one.
///
/// # Errors
/// `k` of 0, or above [`max_weight_folds`].
pub fn weight_folds(split: &ValidationSplit, k: usize, seed: u64) -> Result<Vec<ValidationSplit>> {
    let max = max_weight_folds(split);
    let (fit_people, validation_people) =
        (split.fit.samples().len(), split.validation.samples().len());
    if k == 0 || k > max {
        return Err(Error::InvalidOption {
            name: "weight folds",
            reason: format!(
                "{k} folds: with {validation_people} validation people and {fit_people} trained on, each fold holds out {validation_people} of the people trained on, so at most {max} folds are possible (0 judges the ladder on the validation people alone)"
            ),
        });
    }
    let mut people: Vec<usize> = (0..fit_people).collect();
    people.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ FOLD_STREAM));
    people
        .chunks_exact(validation_people)
        .take(k)
        .map(|group| {
            let mut held: Vec<usize> = group.to_vec();
            held.sort_unstable();
            let kept: Vec<usize> = (0..fit_people)
                .filter(|p| held.binary_search(p).is_err())
                .collect();
            Ok(ValidationSplit {
                fit: split
                    .fit
                    .select_samples(&kept)?
                    .concat_haplotypes(&split.validation)?,
                validation: split.fit.select_samples(&held)?,
            })
        })
        .collect()
}

/// The figures a rung is judged by: the mean over folds of each fold's privacy figures
/// (privacy loss, membership AUC, likelihood-attack AUC; the TPR at 1% FPR only where every
/// fold resolves it). Means of per-fold figures, not one figure of pooled scores: each fold's
/// likelihood scores come from its own model, whose scale differs, so pooling them would rank
/// people by which model scored them. The other figures are the first fold's.
pub fn mean_of_folds(folds: &[ValidationScores]) -> Option<ValidationScores> {
    let first = folds.first()?;
    let mean = |f: &dyn Fn(&ValidationScores) -> f64| {
        folds.iter().map(f).sum::<f64>() / folds.len() as f64
    };
    let mean_of_all = |f: &dyn Fn(&ValidationScores) -> Option<f64>| {
        folds
            .iter()
            .map(f)
            .collect::<Option<Vec<f64>>>()
            .map(|v| v.iter().sum::<f64>() / v.len() as f64)
    };
    Some(ValidationScores {
        privacy_loss: mean(&|s| s.privacy_loss),
        membership_auc: mean(&|s| s.membership_auc),
        likelihood_auc: mean_of_all(&|s| s.likelihood_auc),
        likelihood_tpr: mean_of_all(&|s| s.likelihood_tpr),
        // A mean of each fold's worst label names one label only where they agree.
        likelihood_population: folds
            .iter()
            .all(|s| s.likelihood_population == first.likelihood_population)
            .then(|| first.likelihood_population.clone())
            .flatten(),
        ..first.clone()
    })
}

/// The bounds of `rule` that the mean of `folds` misses, as the refusal words them (a fold
/// without figures counts as missing every bound).
pub fn missed_by_folds(rule: &SelectionRule, folds: &[Option<ValidationScores>]) -> Vec<String> {
    let all: Option<Vec<ValidationScores>> = folds.iter().cloned().collect();
    match all.as_deref().and_then(mean_of_folds) {
        Some(mean) => rule
            .misses(&mean)
            .iter()
            .map(|m| format!("{m} (mean of {} folds)", folds.len()))
            .collect(),
        None => vec![format!(
            "a fold of {} has no validation figures",
            folds.len()
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};

    fn people(names: &[usize]) -> HaplotypeMatrix {
        let sites: Sites = (1..=4).map(|p| Site::new("1", p, "A", "G")).collect();
        let alleles: Vec<u8> = names
            .iter()
            .flat_map(|&n| (0..8).map(move |i| ((n + i) % 3 == 0) as u8))
            .collect();
        let samples = names
            .iter()
            .map(|n| Sample::new(format!("P{n}"), Ploidy::Diploid))
            .collect();
        HaplotypeMatrix::from_dense_u8(&alleles, sites, samples).unwrap()
    }

    fn split_of_40() -> ValidationSplit {
        ValidationSplit {
            fit: people(&(0..32).collect::<Vec<_>>()),
            validation: people(&(32..40).collect::<Vec<_>>()),
        }
    }

    fn names(m: &HaplotypeMatrix) -> Vec<String> {
        m.samples().iter().map(|s| s.name.clone()).collect()
    }

    #[test]
    fn folds_partition_the_people_and_train_on_as_many_as_the_final_model() {
        let split = split_of_40();
        assert_eq!(max_weight_folds(&split), 4);
        let folds = weight_folds(&split, 4, 7).unwrap();
        assert_eq!(folds.len(), 4);
        let mut held: Vec<String> = Vec::new();
        for fold in &folds {
            assert_eq!(fold.validation.samples().len(), 8);
            assert_eq!(fold.fit.samples().len(), 32);
            let (fit, val) = (names(&fold.fit), names(&fold.validation));
            assert!(val.iter().all(|v| !fit.contains(v)), "{val:?} in {fit:?}");
            // The final model's validation people are trained on by every other fold.
            assert!(names(&split.validation).iter().all(|v| fit.contains(v)));
            held.extend(val);
        }
        held.sort();
        let mut trained: Vec<String> = names(&split.fit);
        trained.sort();
        assert_eq!(
            held, trained,
            "every person trained on is held out exactly once"
        );
        // The rows of a held-out person are that person's.
        let p = folds[0].validation.samples()[0].name.clone();
        let i: usize = p[1..].parse().unwrap();
        assert_eq!(folds[0].validation.row(0), people(&[i]).row(0));
    }

    #[test]
    fn folds_are_drawn_by_the_seed() {
        let split = split_of_40();
        let draw = |seed| {
            weight_folds(&split, 4, seed)
                .unwrap()
                .iter()
                .map(|f| names(&f.validation))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
        // Fewer folds are the first groups of the same draw.
        let two: Vec<Vec<String>> = weight_folds(&split, 2, 3)
            .unwrap()
            .iter()
            .map(|f| names(&f.validation))
            .collect();
        assert_eq!(two[..], draw(3)[..2]);
    }

    #[test]
    fn too_many_or_too_few_folds_are_a_clear_error() {
        let split = split_of_40();
        for k in [0, 5] {
            let err = weight_folds(&split, k, 1).unwrap_err().to_string();
            assert!(err.contains("at most 4 folds are possible"), "{err}");
        }
    }

    fn scores(auc: f64, loss: f64) -> ValidationScores {
        ValidationScores {
            aa_truth: 0.5,
            aa_syn: 0.5,
            privacy_loss: loss,
            membership_auc: 0.5,
            ld_r2: 0.5,
            pca_w: 0.1,
            pairwise_w: 0.1,
            heldout_log_likelihood: None,
            likelihood_auc: Some(auc),
            likelihood_tpr: None,
            likelihood_population: None,
        }
    }

    #[test]
    fn a_rung_is_judged_by_the_mean_of_its_folds() {
        let rule = SelectionRule::default();
        // One fold's 8 people read 0.66 by chance; the others read a model that leaks nothing.
        let noisy = [0.66, 0.50, 0.52, 0.48].map(|a| Some(scores(a, 0.0)));
        assert!(missed_by_folds(&rule, &noisy).is_empty());
        assert!(!rule.misses(&scores(0.66, 0.0)).is_empty());
        // A model that leaks reads high on most folds: the mean misses, and says so.
        let leaking = [0.70, 0.64, 0.58, 0.68].map(|a| Some(scores(a, 0.01)));
        let missed = missed_by_folds(&rule, &leaking);
        assert_eq!(missed.len(), 1, "{missed:?}");
        assert!(
            missed[0].starts_with("likelihood-attack AUC 0.650 > 0.6")
                && missed[0].ends_with("(mean of 4 folds)"),
            "{missed:?}"
        );
        let lossy = [0.04, 0.05, 0.02, 0.03].map(|l| Some(scores(0.5, l)));
        assert!(missed_by_folds(&rule, &lossy)[0].starts_with("privacy loss 0.035"));
        let unvalidated = [Some(scores(0.5, 0.0)), None];
        assert!(missed_by_folds(&rule, &unvalidated)[0].contains("no validation figures"));
    }

    #[test]
    fn the_tpr_counts_only_where_every_fold_resolves_it() {
        let mut a = scores(0.5, 0.0);
        a.likelihood_tpr = Some(0.2);
        let mean = mean_of_folds(&[a.clone(), scores(0.5, 0.0)]).unwrap();
        assert_eq!(mean.likelihood_tpr, None);
        let mut b = a.clone();
        b.likelihood_tpr = Some(0.0);
        assert_eq!(mean_of_folds(&[a, b]).unwrap().likelihood_tpr, Some(0.1));
    }
}
