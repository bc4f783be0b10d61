//! Choosing a checkpoint on held-out people: the validation figures of a checkpoint, the rule
//! that compares two of them, and the state that `--resume` continues.
//!
//! The training loop generates AGs every few epochs and hands them to a caller-supplied scorer
//! (genosynth-eval's figures against the training part and the validation part, which the model
//! never sees); for models with a likelihood (HCLT) or free energy (RBM) it also scores every
//! training and validation person by the model itself (the likelihood attack). The rule, in
//! order:
//! 1. A checkpoint within the privacy bounds (privacy loss ≤ `max_privacy_loss`, membership
//!    AUC ≤ `max_membership_auc`, and where the model has a likelihood, likelihood-attack AUC
//!    ≤ `max_likelihood_auc` and its TPR at 1% FPR ≤ `max_likelihood_tpr` where resolvable)
//!    beats one outside them. The defaults are [`genosynth_core::PrivacyBounds`], which the
//!    verdict of an evaluation applies too.
//! 2. Among those within the bounds, the one whose AATS halves are nearest 0.5 (the larger of
//!    |AA_truth − 0.5| and |AA_syn − 0.5|) wins; distances within `tie` of each other count as
//!    equal, and then the higher LD r² correlation wins.
//! 3. Among those outside the bounds, the one that exceeds them least wins.

use genosynth_core::PrivacyBounds;
use serde::{Deserialize, Serialize};

/// Validation figures of one checkpoint: its AGs against the training haplotypes and against
/// the validation haplotypes (people the model never saw).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationScores {
    /// AATS half: share of real haplotypes whose nearest AG is farther than their nearest real
    /// neighbour (near 1: AGs far from real data).
    pub aa_truth: f64,
    /// AATS half: share of AGs whose nearest real haplotype is farther than their nearest AG
    /// (near 1: AGs packed together; near 0 with AA_truth high: noisy AGs).
    pub aa_syn: f64,
    /// AATS(validation) − AATS(train): how much closer AGs sit to training people.
    pub privacy_loss: f64,
    /// ROC AUC of telling training from validation people by their distance to the nearest AG.
    pub membership_auc: f64,
    /// Correlation of pairwise r² (AGs vs training haplotypes): the verdict's figure, the median
    /// over LD windows spread along the chromosome.
    pub ld_r2: f64,
    /// Largest Wasserstein distance over the first two principal components, in training sd.
    pub pca_w: f64,
    /// Wasserstein distance between the AGs' and the training haplotypes' pairwise distances
    /// (sites).
    pub pairwise_w: f64,
    /// Mean log-likelihood (nats per haplotype) of the validation haplotypes, for models with
    /// an exact likelihood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heldout_log_likelihood: Option<f64>,
    /// ROC AUC of the likelihood attack (training against validation people, each scored by
    /// the mean of the model's score of their haplotypes), for models with a likelihood or
    /// free energy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likelihood_auc: Option<f64>,
    /// Its true-positive rate at 1% false positives, where the validation people resolve 1%
    /// (at least 100 of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likelihood_tpr: Option<f64>,
    /// For a labelled HCLT mixture, whose attack runs on each label's people apart: the label
    /// whose people the attack told apart best (its AUC is `likelihood_auc`; the TPR is the
    /// highest of any label's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likelihood_population: Option<String>,
}

impl ValidationScores {
    /// The larger distance of the two AATS halves from 0.5 (0 is ideal).
    pub fn aa_distance(&self) -> f64 {
        (self.aa_truth - 0.5).abs().max((self.aa_syn - 0.5).abs())
    }

    /// The figures as a JSON object (for `history.jsonl`).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("plain numbers serialise")
    }
}

/// The rule that picks the best checkpoint (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SelectionRule {
    /// Largest acceptable privacy loss.
    pub max_privacy_loss: f64,
    /// Largest acceptable membership-inference AUC.
    pub max_membership_auc: f64,
    /// Largest acceptable likelihood-attack AUC (models with a likelihood or free energy).
    #[serde(default = "default_max_likelihood_auc")]
    pub max_likelihood_auc: f64,
    /// Largest acceptable likelihood-attack TPR at 1% FPR, where resolvable.
    #[serde(default = "default_max_likelihood_tpr")]
    pub max_likelihood_tpr: f64,
    /// AA distances closer than this count as equal, and LD decides.
    pub tie: f64,
}

fn default_max_likelihood_auc() -> f64 {
    PrivacyBounds::default().max_likelihood_auc
}

fn default_max_likelihood_tpr() -> f64 {
    PrivacyBounds::default().max_likelihood_tpr
}

impl Default for SelectionRule {
    fn default() -> Self {
        Self::within(PrivacyBounds::default())
    }
}

/// One privacy bound a checkpoint misses.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundMiss {
    /// The figure (`privacy loss`, `membership AUC`, `likelihood-attack AUC`,
    /// `likelihood-attack TPR at 1% FPR`).
    pub figure: &'static str,
    /// Its value (NaN when undefined).
    pub value: f64,
    /// The bound.
    pub max: f64,
    /// The population whose people the likelihood attack told apart best (a labelled
    /// mixture's).
    pub within: Option<String>,
}

impl std::fmt::Display for BoundMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_nan() {
            write!(f, "{} undefined (bound {})", self.figure, self.max)
        } else {
            write!(
                f,
                "{} {:.3} > {} (by {:.3})",
                self.figure,
                self.value,
                self.max,
                self.value - self.max
            )?;
            match &self.within {
                Some(p) => write!(f, " on population {p}'s people"),
                None => Ok(()),
            }
        }
    }
}

impl SelectionRule {
    /// The rule with `bounds` and the default tie.
    pub fn within(bounds: PrivacyBounds) -> Self {
        Self {
            max_privacy_loss: bounds.max_privacy_loss,
            max_membership_auc: bounds.max_membership_auc,
            max_likelihood_auc: bounds.max_likelihood_auc,
            max_likelihood_tpr: bounds.max_likelihood_tpr,
            tie: 0.02,
        }
    }

    /// Every figure of `s` as (name, value, bound); the likelihood attack's only where the
    /// model has one (and its TPR where resolvable).
    fn figures(&self, s: &ValidationScores) -> Vec<(&'static str, f64, f64)> {
        let mut f = vec![
            ("privacy loss", s.privacy_loss, self.max_privacy_loss),
            ("membership AUC", s.membership_auc, self.max_membership_auc),
        ];
        if let Some(auc) = s.likelihood_auc {
            f.push(("likelihood-attack AUC", auc, self.max_likelihood_auc));
        }
        if let Some(tpr) = s.likelihood_tpr {
            f.push((
                "likelihood-attack TPR at 1% FPR",
                tpr,
                self.max_likelihood_tpr,
            ));
        }
        f
    }

    /// How far `s` exceeds the privacy bounds (0 when within them).
    pub fn privacy_excess(&self, s: &ValidationScores) -> f64 {
        let over = |v: f64, max: f64| if v.is_nan() { 1.0 } else { (v - max).max(0.0) };
        self.figures(s)
            .iter()
            .map(|&(_, v, max)| over(v, max))
            .sum()
    }

    /// The bounds `s` misses (empty when within them).
    pub fn misses(&self, s: &ValidationScores) -> Vec<BoundMiss> {
        self.figures(s)
            .into_iter()
            .filter(|&(_, v, max)| v.is_nan() || v > max)
            .map(|(figure, value, max)| BoundMiss {
                figure,
                value,
                max,
                within: figure
                    .starts_with("likelihood-attack")
                    .then(|| s.likelihood_population.clone())
                    .flatten(),
            })
            .collect()
    }

    /// Whether `s` is within the privacy bounds.
    pub fn within_bounds(&self, s: &ValidationScores) -> bool {
        self.privacy_excess(s) == 0.0
    }

    /// Whether `candidate` should replace `best`.
    pub fn better(&self, candidate: &ValidationScores, best: &ValidationScores) -> bool {
        match (self.within_bounds(candidate), self.within_bounds(best)) {
            (true, false) => true,
            (false, true) => false,
            (false, false) => self.privacy_excess(candidate) < self.privacy_excess(best),
            (true, true) => {
                let (c, b) = (candidate.aa_distance(), best.aa_distance());
                if (c - b).abs() <= self.tie {
                    candidate.ld_r2 > best.ld_r2
                } else {
                    c < b
                }
            }
        }
    }

    /// One line for reports: `within privacy loss ≤ 0.03, membership AUC ≤ 0.55, ..., the
    /// AATS halves nearest 0.5 (ties within 0.02: higher LD)`.
    pub fn describe(&self) -> String {
        format!(
            "within privacy loss ≤ {}, membership AUC ≤ {} and, for models with a likelihood, \
             likelihood-attack AUC ≤ {} and TPR at 1% FPR ≤ {} (where resolvable), the AATS \
             halves nearest 0.5 (differences within {}: higher LD r² correlation); outside the \
             bounds, the smallest excess",
            self.max_privacy_loss,
            self.max_membership_auc,
            self.max_likelihood_auc,
            self.max_likelihood_tpr,
            self.tie
        )
    }
}

/// Where selection stands, stored in `model.json` so `--resume` continues it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionState {
    /// The rule in force.
    pub rule: SelectionRule,
    /// Names of the validation samples (held out of training).
    pub validation_samples: Vec<String>,
    /// Epoch of the best checkpoint so far (kept in `best/`).
    pub best_epoch: Option<usize>,
    /// Its figures.
    pub best: Option<ValidationScores>,
    /// Validations since the best one (early stopping counts these).
    pub since_best: usize,
}

impl SelectionState {
    /// A state with nothing validated yet.
    pub fn new(rule: SelectionRule, validation_samples: Vec<String>) -> Self {
        Self {
            rule,
            validation_samples,
            best_epoch: None,
            best: None,
            since_best: 0,
        }
    }

    /// Records the figures of `epoch`; true when it becomes the best.
    pub fn record(&mut self, epoch: usize, scores: &ValidationScores) -> bool {
        let improves = self
            .best
            .as_ref()
            .is_none_or(|best| self.rule.better(scores, best));
        if improves {
            self.best = Some(scores.clone());
            self.best_epoch = Some(epoch);
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        improves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(aa_truth: f64, aa_syn: f64, loss: f64, auc: f64, ld: f64) -> ValidationScores {
        ValidationScores {
            aa_truth,
            aa_syn,
            privacy_loss: loss,
            membership_auc: auc,
            ld_r2: ld,
            pca_w: 0.1,
            pairwise_w: 1.0,
            heldout_log_likelihood: None,
            likelihood_auc: None,
            likelihood_tpr: None,
            likelihood_population: None,
        }
    }

    #[test]
    fn privacy_bounds_come_first() {
        let rule = SelectionRule::default();
        let private_but_noisy = scores(0.9, 0.2, 0.01, 0.51, 0.85);
        let ideal_but_leaky = scores(0.5, 0.5, 0.10, 0.60, 0.95);
        assert!(rule.better(&private_but_noisy, &ideal_but_leaky));
        assert!(!rule.better(&ideal_but_leaky, &private_but_noisy));
    }

    #[test]
    fn within_bounds_nearest_half_wins_and_ld_breaks_ties() {
        let rule = SelectionRule::default();
        let near = scores(0.55, 0.47, 0.0, 0.5, 0.90);
        let far = scores(0.75, 0.30, 0.0, 0.5, 0.95);
        assert!(rule.better(&near, &far));
        let near_more_ld = scores(0.56, 0.47, 0.0, 0.5, 0.93);
        assert!(
            rule.better(&near_more_ld, &near),
            "tie within 0.02: LD decides"
        );
        assert!(!rule.better(&near, &near_more_ld));
    }

    #[test]
    fn outside_bounds_the_smallest_excess_wins() {
        let rule = SelectionRule::default();
        let a = scores(0.5, 0.5, 0.05, 0.56, 0.9);
        let b = scores(0.5, 0.5, 0.10, 0.56, 0.9);
        assert!(rule.better(&a, &b));
        let nan = scores(0.5, 0.5, f64::NAN, 0.5, 0.9);
        assert!(
            !rule.within_bounds(&nan),
            "an undefined figure is never within bounds"
        );
    }

    /// A checkpoint that the distance attack cannot see through but whose own likelihood gives
    /// its training people away is outside the bounds, and the miss says by how much.
    #[test]
    fn the_likelihood_attack_is_part_of_the_bounds() {
        let rule = SelectionRule::default();
        let quiet = scores(0.5, 0.5, 0.01, 0.52, 0.9);
        let leaky = ValidationScores {
            likelihood_auc: Some(0.96),
            likelihood_tpr: Some(0.67),
            ..quiet.clone()
        };
        assert!(rule.within_bounds(&quiet));
        assert!(!rule.within_bounds(&leaky));
        assert!(rule.better(&quiet, &leaky));
        let misses = rule.misses(&leaky);
        assert_eq!(misses.len(), 2, "{misses:?}");
        assert_eq!(
            misses[0].to_string(),
            "likelihood-attack AUC 0.960 > 0.6 (by 0.360)"
        );
        // Unresolvable TPR (None) is not judged; the AUC still is.
        let small = ValidationScores {
            likelihood_auc: Some(0.58),
            likelihood_tpr: None,
            ..quiet.clone()
        };
        assert!(rule.within_bounds(&small));
        // A labelled mixture's miss names the population; the distance figures name none.
        let within = ValidationScores {
            privacy_loss: 0.05,
            likelihood_population: Some("AFR".into()),
            ..leaky
        };
        let misses: Vec<String> = rule.misses(&within).iter().map(|m| m.to_string()).collect();
        assert_eq!(
            misses,
            [
                "privacy loss 0.050 > 0.03 (by 0.020)",
                "likelihood-attack AUC 0.960 > 0.6 (by 0.360) on population AFR's people",
                "likelihood-attack TPR at 1% FPR 0.670 > 0.05 (by 0.620) on population AFR's people",
            ]
        );
        let json = serde_json::to_string(&within).unwrap();
        assert_eq!(
            serde_json::from_str::<ValidationScores>(&json).unwrap(),
            within
        );
    }

    /// A model.json written before the likelihood bounds existed reads with their defaults.
    #[test]
    fn an_old_rule_reads_with_the_default_likelihood_bounds() {
        let old = r#"{"max_privacy_loss":0.03,"max_membership_auc":0.55,"tie":0.02}"#;
        let rule: SelectionRule = serde_json::from_str(old).unwrap();
        assert_eq!(rule, SelectionRule::default());
    }

    #[test]
    fn state_counts_validations_since_the_best() {
        let mut state = SelectionState::new(SelectionRule::default(), vec!["HG1".into()]);
        assert!(state.record(10, &scores(0.8, 0.2, 0.0, 0.5, 0.8)));
        assert!(state.record(20, &scores(0.6, 0.4, 0.0, 0.5, 0.9)));
        assert!(!state.record(30, &scores(0.9, 0.1, 0.0, 0.5, 0.9)));
        assert!(!state.record(40, &scores(0.5, 0.5, 0.2, 0.5, 0.9)));
        assert_eq!((state.best_epoch, state.since_best), (Some(20), 2));
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            serde_json::from_str::<SelectionState>(&json).unwrap(),
            state
        );
    }
}
