//! Training with checkpoint selection on held-out people.

use genosynth_models::{
    SelectionRule, SelectionState, TrainConfig, TrainOptions, TrainSummary, Validation, train,
};

use crate::guard::{kept_by_guard, threshold_of};
use crate::report::per_person;
use crate::validation::{ValidationSplit, score};
use crate::{Error, MinDistance, Result};

/// How checkpoints are validated and chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Epochs between validations.
    pub every: usize,
    /// Validations without a better checkpoint before training stops (0 = never).
    pub patience: usize,
    /// The rule comparing checkpoints.
    pub rule: SelectionRule,
    /// The generation guard the chosen checkpoint's AGs will be drawn under (`Sites(0)`: none):
    /// each validation scores only the AGs it would let out, against the training part.
    pub guard: MinDistance,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            every: 10,
            patience: 0,
            rule: SelectionRule::default(),
            guard: MinDistance::Sites(0),
        }
    }
}

/// Trains on `split.fit`, validating every `selection.every` epochs on `split.validation`
/// (as many AGs as the training part has haplotypes, those `selection.guard` lets out scored
/// by [`score`], and for models with a likelihood or free energy the likelihood attack,
/// training against validation people); the checkpoint the rule prefers is kept as
/// `best.safetensors` (load it with `Checkpoint::load_selected`).
///
/// As many AGs as training haplotypes, not validation ones: the validation side of AATS then
/// averages over several subsets of AGs, which halves the checkpoint-to-checkpoint noise of
/// privacy loss that 400 AGs against 400 validation haplotypes showed (±0.02–0.03 between
/// sampling seeds alone, on the 805-SNP set).
///
/// `options` says where the checkpoint goes, whether to resume it, the labels of a
/// conditional model (with `heldout_labels`, the validation people's: a labelled HCLT
/// mixture's likelihood attack then runs within each label, and the worst label's figures
/// judge the checkpoint), the observer and the stop flag; its `validation` is replaced by the
/// one built here. On resume, the directory's selection state continues (its validation
/// samples must be the same people: the split's seed and fraction must not change).
pub fn train_selected(
    split: &ValidationSplit,
    config: &TrainConfig,
    selection: &Selection,
    options: TrainOptions<'_>,
) -> Result<TrainSummary> {
    let names: Vec<String> = split
        .validation
        .samples()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let seed = config.seed;
    let threshold = threshold_of(&split.fit, selection.guard);
    let guarded_score = |ags: &genosynth_core::HaplotypeMatrix| {
        let kept = match threshold {
            None => None,
            Some(t) => Some(kept_by_guard(ags, &split.fit, t)?.ok_or_else(|| {
                Error::InvalidOption {
                    name: "min-distance",
                    reason: format!(
                        "fewer than 2 of {} AGs are {t} sites or more from every training haplotype; lower --min-distance",
                        ags.n_haplotypes()
                    ),
                }
            })?),
        };
        score(split, kept.as_ref().unwrap_or(ags), seed)
    };
    let mut scorer = |ags: &genosynth_core::HaplotypeMatrix| {
        guarded_score(ags).map_err(|e: Error| e.to_string())
    };
    // The likelihood attack as the report runs it: people, not haplotypes, are the members;
    // a labelled mixture's attack within one label leaves the other labels' people NaN.
    let people = |m: &genosynth_core::HaplotypeMatrix, scores: &[f64]| -> Vec<f64> {
        let mut p = per_person(m, scores);
        p.retain(|s| !s.is_nan());
        p
    };
    let mut attack = |members: &[f64], non_members: &[f64]| {
        let a = genosynth_eval::score_attack(
            "",
            &people(&split.fit, members),
            &people(&split.validation, non_members),
        );
        (a.auc, a.tpr_at_1pct_fpr)
    };
    let validation = Validation {
        every: selection.every,
        patience: selection.patience,
        n_samples: split
            .fit
            .n_haplotypes()
            .max(split.validation.n_haplotypes()),
        state: SelectionState::new(selection.rule, names),
        heldout: Some(&split.validation),
        score: &mut scorer,
        attack: Some(&mut attack),
    };
    Ok(train(
        &split.fit,
        config,
        options.with_validation(validation),
    )?)
}
