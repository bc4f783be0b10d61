//! Recovering the exact haplotypes a model was trained on from its training input.

use std::collections::HashMap;

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
    // An infinite or NaN score ties everyone and would read as "no leak" (AUC 0.5).
    let broken = member_scores
        .iter()
        .chain(&non_member_scores)
        .filter(|s| !s.is_finite())
        .count();
    if broken > 0 {
        return Err(Error::InvalidOption {
            name: "likelihood attack",
            reason: format!(
                "the model in {} gives {broken} of {} haplotypes a non-finite {}; the attack \
                 cannot rank them",
                checkpoint.dir.display(),
                member_scores.len() + non_member_scores.len(),
                kind.name()
            ),
        });
    }
    Ok(Some(genosynth_eval::score_attack_with_intervals(
        kind.name(),
        &crate::report::per_person(&members, &member_scores),
        &crate::report::per_person(holdout, &non_member_scores),
        seed,
    )))
}
