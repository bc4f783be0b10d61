//! Membership attacks on scores: "member" when a candidate's score is high. The likelihood
//! attack scores each person by the model's likelihood (or free energy) of their haplotypes;
//! judged, as Carlini et al. (2022) ask, by the true-positive rate at low false-positive rates
//! beside the ROC AUC.

use serde::{Deserialize, Serialize};

/// One score-based membership attack, members (training people) against non-members
/// (held-out people).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreAttack {
    /// What the score is (`negative free energy`, `log-likelihood`).
    pub score: String,
    /// Members scored.
    pub members: usize,
    /// Non-members scored.
    pub non_members: usize,
    /// ROC AUC (ties count ½): 0.5 = the score does not tell members apart.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub auc: f64,
    /// True-positive rate at a false-positive rate of at most 1%.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub tpr_at_1pct_fpr: f64,
    /// The same at 0.1%.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub tpr_at_0_1pct_fpr: f64,
}

/// The attack's figures for `members`' and `non_members`' scores (higher = more likely a
/// member). NaN figures when either side is empty.
pub fn score_attack(score: &str, members: &[f64], non_members: &[f64]) -> ScoreAttack {
    ScoreAttack {
        score: score.to_string(),
        members: members.len(),
        non_members: non_members.len(),
        auc: score_auc(members, non_members),
        tpr_at_1pct_fpr: score_tpr_at_fpr(members, non_members, 0.01),
        tpr_at_0_1pct_fpr: score_tpr_at_fpr(members, non_members, 0.001),
    }
}

/// `P(member score > non-member score) + ½ P(equal)`, as scikit-learn's `roc_auc_score`.
pub fn score_auc(members: &[f64], non_members: &[f64]) -> f64 {
    if members.is_empty() || non_members.is_empty() {
        return f64::NAN;
    }
    let mut non = non_members.to_vec();
    non.sort_by(f64::total_cmp);
    let wins: f64 = members
        .iter()
        .map(|&m| {
            let below = non.partition_point(|&x| x < m);
            let equal = non[below..].partition_point(|&x| x <= m);
            below as f64 + 0.5 * equal as f64
        })
        .sum();
    wins / (members.len() as f64 * non_members.len() as f64)
}

/// The largest true-positive rate over thresholds ("member" when score ≥ t) whose
/// false-positive rate is at most `max_fpr`; as scikit-learn's `roc_curve` read at the last
/// point with FPR ≤ `max_fpr`.
pub fn score_tpr_at_fpr(members: &[f64], non_members: &[f64], max_fpr: f64) -> f64 {
    if members.is_empty() || non_members.is_empty() {
        return f64::NAN;
    }
    let mut mem = members.to_vec();
    let mut non = non_members.to_vec();
    mem.sort_by(|a, b| b.total_cmp(a));
    non.sort_by(|a, b| b.total_cmp(a));
    let mut thresholds: Vec<f64> = mem.iter().chain(&non).copied().collect();
    thresholds.sort_by(|a, b| b.total_cmp(a));
    thresholds.dedup();
    let (n_mem, n_non) = (mem.len() as f64, non.len() as f64);
    let mut best = 0.0;
    for t in thresholds {
        let fp = non.partition_point(|&x| x >= t) as f64;
        if fp / n_non > max_fpr {
            break;
        }
        best = mem.partition_point(|&x| x >= t) as f64 / n_mem;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::{membership_auc, membership_tpr_at_fpr};
    use rand::{Rng, SeedableRng};

    /// On distances, −distance as the score gives the distance attack's figures (which the
    /// scikit-learn reference checks).
    #[test]
    fn agrees_with_the_distance_attack() {
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mem: Vec<u32> = (0..700).map(|_| r.random_range(0..40)).collect();
        let non: Vec<u32> = (0..300).map(|_| r.random_range(3..45)).collect();
        let neg = |d: &[u32]| d.iter().map(|&x| -f64::from(x)).collect::<Vec<_>>();
        let (sm, sn) = (neg(&mem), neg(&non));
        assert!((score_auc(&sm, &sn) - membership_auc(&mem, &non)).abs() < 1e-12);
        for fpr in [0.01, 0.1, 0.5] {
            assert_eq!(
                score_tpr_at_fpr(&sm, &sn, fpr),
                membership_tpr_at_fpr(&mem, &non, fpr)
            );
        }
    }

    #[test]
    fn separable_scores_expose_everyone() {
        let a = score_attack("s", &[5.0, 6.0, 7.0], &[1.0, 2.0, 3.0]);
        assert_eq!(
            (a.auc, a.tpr_at_1pct_fpr, a.tpr_at_0_1pct_fpr),
            (1.0, 1.0, 1.0)
        );
        let tied = score_attack("s", &[1.0; 4], &[1.0; 4]);
        assert_eq!((tied.auc, tied.tpr_at_1pct_fpr), (0.5, 0.0));
    }
}
