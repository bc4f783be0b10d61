//! One validation of the training loop: AGs drawn from the current weights and scored, with
//! the held-out likelihood and the likelihood attack for models that have a likelihood (a
//! labelled HCLT mixture's label by label).

use std::collections::HashMap;

use candle_core::Tensor;
use genosynth_core::HaplotypeMatrix;
use rand::Rng;

use crate::generate::sample_matrix;
use crate::labels::HaplotypeLabels;
use crate::meta::ModelMeta;
use crate::model::{Sampler, Trainer};
use crate::rng::{self, STREAM_VALIDATE};
use crate::selection::ValidationScores;
use crate::train_options::{AttackScorer, Validation};
use crate::{Error, Result};

/// Generates AGs from the current weights and scores them; for models with a likelihood,
/// also the held-out likelihood and the likelihood attack (`fit` against `v.heldout`).
pub(crate) fn validate(
    trainer: &Trainer,
    meta: &ModelMeta,
    v: &mut Validation<'_>,
    heldout_labels: Option<&HaplotypeLabels>,
    fit: &HaplotypeMatrix,
    seed: u64,
    dev: &candle_core::Device,
) -> Result<ValidationScores> {
    let weights: HashMap<String, Tensor> = trainer.weights().into_iter().collect();
    let sampler = Sampler::from_weights(meta, &weights).map_err(Error::Data)?;
    // A stream of its own: validating never moves the training stream, so a run with
    // validation trains exactly as one without, and resumes exactly. The same stream at every
    // validation (common random numbers): checkpoints differ by their weights, not by which
    // draws they got, which keeps sampling noise out of the comparison.
    let mut r = rng::rng(seed, STREAM_VALIDATE);
    let labels = meta.labels.as_ref().map(|l| {
        (0..v.n_samples)
            .map(|_| l.index[r.random_range(0..l.index.len())])
            .collect::<Vec<_>>()
    });
    let sites = genosynth_core::Sites::from(meta.sites.clone());
    let ags = sample_matrix(
        &sampler,
        v.n_samples,
        labels.as_deref(),
        None,
        &mut r,
        dev,
        sites,
    )?;
    let mut scores = (v.score)(&ags).map_err(Error::Validation)?;
    if let Some(heldout) = v.heldout {
        // The HCLT's scores are the held-out log-likelihoods: scored once (at chromosome scale
        // each pass over the validation people is an E-step's upward half).
        let non_members = trainer.haplotype_scores(heldout)?;
        scores.heldout_log_likelihood = match (trainer, &non_members) {
            (Trainer::Hclt(_), Some(ll)) => Some(ll.iter().sum::<f64>() / ll.len() as f64),
            _ => trainer.mean_log_likelihood(heldout)?,
        };
        if let Some(attack) = v.attack.as_mut()
            && let Some(non_members) = non_members
            && let Some(members) = trainer.haplotype_scores(fit)?
        {
            let sides = LabelledSides {
                fit,
                heldout,
                fit_labels: meta.labels.as_ref(),
                heldout_labels,
                members: &members,
                non_members: &non_members,
            };
            if let Some(worst) = attack_within_labels(trainer, &sides, &mut **attack)? {
                scores.likelihood_auc = Some(worst.auc);
                scores.likelihood_tpr = worst.tpr;
                scores.likelihood_population = Some(worst.label);
            } else {
                let (auc, tpr) = attack(&members, &non_members);
                scores.likelihood_auc = Some(auc);
                scores.likelihood_tpr = tpr;
            }
        }
    }
    Ok(scores)
}

/// Training and validation haplotypes with their labels and their whole-model scores.
struct LabelledSides<'a> {
    fit: &'a HaplotypeMatrix,
    heldout: &'a HaplotypeMatrix,
    fit_labels: Option<&'a HaplotypeLabels>,
    heldout_labels: Option<&'a HaplotypeLabels>,
    members: &'a [f64],
    non_members: &'a [f64],
}

/// The likelihood attack's worst figures over a labelled mixture's labels.
struct WorstLabel {
    /// The highest AUC.
    auc: f64,
    /// The highest resolvable TPR at 1% FPR, of any label.
    tpr: Option<f64>,
    /// The label of the highest AUC.
    label: String,
}

/// The likelihood attack on each label of an HCLT mixture with one component per label: the
/// label's training people against its validation people, as the verdict judges a label
/// (`eval --model-population`, the workflow's `conditioning: labels`). Each person is scored
/// both by the whole mixture and by the label's component alone (the distribution its AGs
/// come from), and the stronger attack counts: an attacker knows a target's label, and on
/// small data either score can be the stronger (docs/scale.md). One pooled attack would pit
/// one population's members against another's non-members, whose likelihoods differ by
/// ancestry, and would dilute a small population's leak among the large ones' people.
/// `None` when the model is not such a mixture, the validation haplotypes carry no labels, or
/// no label has 2 people on each side (then the pooled attack runs).
fn attack_within_labels(
    trainer: &Trainer,
    sides: &LabelledSides<'_>,
    attack: &mut AttackScorer<'_>,
) -> Result<Option<WorstLabel>> {
    let (Trainer::Hclt(t), Some(fit_labels), Some(heldout_labels)) =
        (trainer, sides.fit_labels, sides.heldout_labels)
    else {
        return Ok(None);
    };
    if t.hclt.params.components != fit_labels.names.len() {
        return Ok(None);
    }
    if heldout_labels.index.len() != sides.heldout.n_haplotypes() {
        return Err(Error::Data(format!(
            "{} validation labels for {} validation haplotypes: label every validation haplotype",
            heldout_labels.index.len(),
            sides.heldout.n_haplotypes()
        )));
    }
    let mut worst: Option<WorstLabel> = None;
    for (c, label) in fit_labels.names.iter().enumerate() {
        let members = samples_labelled(sides.fit, &fit_labels.index, c);
        let non_members = match heldout_labels.names.iter().position(|n| n == label) {
            Some(h) => samples_labelled(sides.heldout, &heldout_labels.index, h),
            None => Vec::new(),
        };
        if members.len() < 2 || non_members.len() < 2 {
            continue;
        }
        let (member_rows, non_member_rows) = (
            rows_of(sides.fit, &members),
            rows_of(sides.heldout, &non_members),
        );
        let mixture = attack(
            &at_rows(
                sides.fit,
                member_rows.iter().map(|&r| (r, sides.members[r])),
            ),
            &at_rows(
                sides.heldout,
                non_member_rows.iter().map(|&r| (r, sides.non_members[r])),
            ),
        );
        let component = t.hclt.component(c)?;
        // `select_samples` keeps the people's rows in order: the i-th score is `rows[i]`'s.
        let score = |m: &HaplotypeMatrix, people: &[usize], rows: &[usize]| -> Result<Vec<f64>> {
            let ll = crate::hclt::matrix_log_likelihoods(&component, &m.select_samples(people)?)?;
            Ok(at_rows(m, rows.iter().copied().zip(ll)))
        };
        let within = attack(
            &score(sides.fit, &members, &member_rows)?,
            &score(sides.heldout, &non_members, &non_member_rows)?,
        );
        let auc = mixture.0.max(within.0);
        let w = worst.get_or_insert_with(|| WorstLabel {
            auc,
            tpr: None,
            label: label.clone(),
        });
        if auc > w.auc {
            w.auc = auc;
            w.label.clone_from(label);
        }
        w.tpr = [w.tpr, mixture.1, within.1]
            .into_iter()
            .flatten()
            .reduce(f64::max);
    }
    Ok(worst)
}

/// The samples (ascending) whose haplotypes carry label `c` (`index`: each row's label).
fn samples_labelled(m: &HaplotypeMatrix, index: &[usize], c: usize) -> Vec<usize> {
    let mut samples: Vec<usize> = m
        .haplotype_ids()
        .iter()
        .zip(index)
        .filter(|&(_, &l)| l == c)
        .map(|(id, _)| id.sample as usize)
        .collect();
    samples.dedup();
    samples
}

/// The rows of `m` that hold the haplotypes of `people` (ascending sample indices), in order.
fn rows_of(m: &HaplotypeMatrix, people: &[usize]) -> Vec<usize> {
    m.haplotype_ids()
        .iter()
        .enumerate()
        .filter(|(_, id)| people.binary_search(&(id.sample as usize)).is_ok())
        .map(|(row, _)| row)
        .collect()
}

/// One score per row of `m`: the given (row, score) pairs, NaN (outside the attack) elsewhere.
fn at_rows(m: &HaplotypeMatrix, scored: impl IntoIterator<Item = (usize, f64)>) -> Vec<f64> {
    let mut out = vec![f64::NAN; m.n_haplotypes()];
    for (r, s) in scored {
        out[r] = s;
    }
    out
}
