//! Recovering the exact haplotypes a model was trained on from its training input.

use std::collections::{HashMap, HashSet};

use genosynth_core::HaplotypeMatrix;
use genosynth_models::{Checkpoint, TrainingData};

use crate::{Error, Result};

/// The haplotypes `checkpoint` was trained on, taken from `input` (the file it was trained
/// from, read with every allele split out): the checkpoint's sites (matched by
/// CHROM/POS/REF/ALT), without the validation people recorded in it, checked against the
/// training data's hash.
pub fn training_haplotypes(
    checkpoint: &Checkpoint,
    input: &HaplotypeMatrix,
) -> Result<HaplotypeMatrix> {
    let mismatch = |reason: String| Error::InvalidOption {
        name: "training haplotypes",
        reason: format!(
            "{reason}\n  hint: pass the file the model in {} was trained from",
            checkpoint.dir.display()
        ),
    };
    let index: HashMap<_, usize> = input
        .sites()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key(), i))
        .collect();
    let columns = checkpoint
        .meta
        .sites
        .iter()
        .map(|s| {
            index.get(&s.key()).copied().ok_or_else(|| {
                mismatch(format!(
                    "site {}:{} {}>{} of the model is not in it",
                    s.chrom, s.pos, s.reference, s.alternate
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut matrix = input.select_sites(&columns)?;
    if let Some(selection) = &checkpoint.meta.selection {
        let held_out: std::collections::HashSet<&str> = selection
            .validation_samples
            .iter()
            .map(String::as_str)
            .collect();
        let keep: Vec<usize> = (0..matrix.samples().len())
            .filter(|&i| !held_out.contains(matrix.samples()[i].name.as_str()))
            .collect();
        matrix = matrix.select_samples(&keep)?;
    }
    let (want, got) = (&checkpoint.meta.training, TrainingData::of(&matrix));
    if &got != want {
        return Err(mismatch(format!(
            "its training haplotypes differ from the model's: {} × {} sites (hash {}) against {} × {} (hash {})",
            got.n_haplotypes,
            got.n_sites,
            &got.matrix_blake3[..12],
            want.n_haplotypes,
            want.n_sites,
            &want.matrix_blake3[..12.min(want.matrix_blake3.len())],
        )));
    }
    Ok(matrix)
}

/// The likelihood attack of `eval --model`: members are the haplotypes the model was trained
/// on, recovered from `train` (the file it was trained from; the validation people who chose
/// its checkpoint were never trained on and do not count as members), non-members the people
/// of `holdout`, with 95% bootstrap intervals over people drawn with `seed`. `None` for models
/// without a likelihood or free energy (GANs, the CRBM).
///
/// # Errors
/// `holdout` lacks the model's sites in order, or `train` is not the model's training file.
pub fn trained_model_attack(
    checkpoint: &Checkpoint,
    train: &HaplotypeMatrix,
    holdout: &HaplotypeMatrix,
    seed: u64,
) -> Result<Option<genosynth_eval::ScoreAttack>> {
    let Some((kind, non_member_scores)) = genosynth_models::haplotype_scores(checkpoint, holdout)?
    else {
        return Ok(None);
    };
    let members = training_haplotypes(checkpoint, train)?;
    let (_, member_scores) = genosynth_models::haplotype_scores(checkpoint, &members)?
        .expect("the same model scores both sets");
    let scores = Scored {
        score: kind.name().to_string(),
        members: &members,
        member_scores,
        non_members: holdout,
        non_member_scores,
    };
    scores.attack(checkpoint, seed).map(Some)
}

/// The likelihood attack on one population of a model trained on several (an HCLT mixture
/// trained with a panel, as the workflow's `conditioning: labels` makes): members are the
/// people of `people` (the population's training people) among the haplotypes the model was
/// trained on, recovered from `model_train` (the whole file it was trained from, checked
/// against the model's hash; its validation people are no members); non-members are the
/// population's held-out people in `holdout`. With `label`, everyone is scored by that
/// population's component alone: the distribution its AGs are drawn from, and the score of an
/// attacker who knows the target's population (a panel publishes it); without, by the whole
/// model. `None` for models without a likelihood.
///
/// # Errors
/// `model_train` is not the model's training file, someone in `people` is not in it or
/// someone in `holdout` was trained on, no one in `people` was trained on, the model does not
/// know `label`, or the sets' sites differ from the model's.
pub fn population_model_attack(
    checkpoint: &Checkpoint,
    model_train: &HaplotypeMatrix,
    people: &HaplotypeMatrix,
    holdout: &HaplotypeMatrix,
    label: Option<&str>,
    seed: u64,
) -> Result<Option<genosynth_eval::ScoreAttack>> {
    let invalid = |reason: String| Error::InvalidOption {
        name: "likelihood attack",
        reason,
    };
    let in_file: HashSet<&str> = model_train
        .samples()
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    if let Some(s) = people
        .samples()
        .iter()
        .find(|s| !in_file.contains(s.name.as_str()))
    {
        return Err(invalid(format!(
            "sample {} of the population's training people is not in the model's training \
             file; pass the file the model in {} was trained from",
            s.name,
            checkpoint.dir.display()
        )));
    }
    let trained = training_haplotypes(checkpoint, model_train)?;
    let trained_names: HashSet<&str> = trained.samples().iter().map(|s| s.name.as_str()).collect();
    if let Some(s) = holdout
        .samples()
        .iter()
        .find(|s| trained_names.contains(s.name.as_str()))
    {
        return Err(invalid(format!(
            "held-out sample {} was trained on by the model in {}: non-members must be people \
             it never saw",
            s.name,
            checkpoint.dir.display()
        )));
    }
    let wanted: HashSet<&str> = people.samples().iter().map(|s| s.name.as_str()).collect();
    let keep: Vec<usize> = (0..trained.samples().len())
        .filter(|&i| wanted.contains(trained.samples()[i].name.as_str()))
        .collect();
    if keep.is_empty() {
        return Err(invalid(format!(
            "none of the population's {} training people was trained on by the model in {} \
             (all among its validation people?)",
            people.samples().len(),
            checkpoint.dir.display()
        )));
    }
    let members = trained.select_samples(&keep)?;
    let score = |m: &HaplotypeMatrix| match label {
        Some(l) => genosynth_models::population_haplotype_scores(checkpoint, m, l),
        None => genosynth_models::haplotype_scores(checkpoint, m),
    };
    let Some((kind, non_member_scores)) = score(holdout)? else {
        return Ok(None);
    };
    let (_, member_scores) = score(&members)?.expect("the same model scores both sets");
    let scores = Scored {
        score: match label {
            Some(l) => format!("{} within population {l}'s component", kind.name()),
            None => kind.name().to_string(),
        },
        members: &members,
        member_scores,
        non_members: holdout,
        non_member_scores,
    };
    scores.attack(checkpoint, seed).map(Some)
}

/// Members' and non-members' haplotype scores, before they become an attack.
struct Scored<'a> {
    score: String,
    members: &'a HaplotypeMatrix,
    member_scores: Vec<f64>,
    non_members: &'a HaplotypeMatrix,
    non_member_scores: Vec<f64>,
}

impl Scored<'_> {
    /// The attack on each person's mean score, with 95% bootstrap intervals drawn with `seed`.
    fn attack(&self, checkpoint: &Checkpoint, seed: u64) -> Result<genosynth_eval::ScoreAttack> {
        // An infinite or NaN score ties everyone and would read as "no leak" (AUC 0.5).
        let broken = self
            .member_scores
            .iter()
            .chain(&self.non_member_scores)
            .filter(|s| !s.is_finite())
            .count();
        if broken > 0 {
            return Err(Error::InvalidOption {
                name: "likelihood attack",
                reason: format!(
                    "the model in {} gives {broken} of {} haplotypes a non-finite {}; the attack \
                     cannot rank them",
                    checkpoint.dir.display(),
                    self.member_scores.len() + self.non_member_scores.len(),
                    self.score
                ),
            });
        }
        Ok(genosynth_eval::score_attack_with_intervals(
            &self.score,
            &crate::report::per_person(self.members, &self.member_scores),
            &crate::report::per_person(self.non_members, &self.non_member_scores),
            seed,
        ))
    }
}
