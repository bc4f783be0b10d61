//! Membership attacks on scores: "member" when a candidate's score is high. The likelihood
//! attack scores each person by the model's likelihood (or free energy) of their haplotypes;
//! judged, as Carlini et al. (2022) ask, by the true-positive rate at low false-positive rates
//! beside the ROC AUC. A rate below 1/(non-members) cannot be read from the data (the only
//! reachable rate there is "no false positive"), so it is reported as not resolvable, never as
//! a number.

use genosynth_core::{non_members_needed, resolvable};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
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
    /// True-positive rate at a false-positive rate of at most 1%; `None` (JSON `null`) when
    /// fewer than 100 non-members make 1% unresolvable.
    pub tpr_at_1pct_fpr: Option<f64>,
    /// The same at 0.1% (`None` with fewer than 1,000 non-members).
    pub tpr_at_0_1pct_fpr: Option<f64>,
    /// 95% bootstrap interval of `auc` over people ([`score_attack_with_intervals`]); `None` until drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_ci95: Option<[f64; 2]>,
    /// 95% bootstrap interval of `tpr_at_1pct_fpr`, where it is resolvable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpr_at_1pct_fpr_ci95: Option<[f64; 2]>,
}

/// The attack's figures for `members`' and `non_members`' scores (higher = more likely a
/// member). NaN AUC when either side is empty; a TPR only where its rate is resolvable.
pub fn score_attack(score: &str, members: &[f64], non_members: &[f64]) -> ScoreAttack {
    let tpr = |fpr: f64| {
        (!members.is_empty() && resolvable(non_members.len(), fpr))
            .then(|| score_tpr_at_fpr(members, non_members, fpr))
    };
    ScoreAttack {
        score: score.to_string(),
        members: members.len(),
        non_members: non_members.len(),
        auc: score_auc(members, non_members),
        tpr_at_1pct_fpr: tpr(0.01),
        tpr_at_0_1pct_fpr: tpr(0.001),
        auc_ci95: None,
        tpr_at_1pct_fpr_ci95: None,
    }
}

/// [`score_attack`] with 95% bootstrap intervals of its AUC and TPR at 1% FPR: each of
/// [`crate::REPLICATES`] seeded replicates draws members and non-members (people: one score
/// each) with replacement, as the other privacy figures' intervals do. For reports; checkpoint
/// selection takes the plain figures.
pub fn score_attack_with_intervals(
    score: &str,
    members: &[f64],
    non_members: &[f64],
    seed: u64,
) -> ScoreAttack {
    let mut attack = score_attack(score, members, non_members);
    if members.is_empty() || non_members.is_empty() {
        return attack;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |v: &[f64]| -> Vec<f64> {
        (0..v.len())
            .map(|_| v[rng.random_range(0..v.len())])
            .collect()
    };
    let (mut aucs, mut tprs) = (Vec::new(), Vec::new());
    for _ in 0..crate::REPLICATES {
        let (m, n) = (draw(members), draw(non_members));
        aucs.push(score_auc(&m, &n));
        if attack.tpr_at_1pct_fpr.is_some() {
            tprs.push(score_tpr_at_fpr(&m, &n, 0.01));
        }
    }
    attack.auc_ci95 = Some(crate::uncertainty::interval(aucs));
    attack.tpr_at_1pct_fpr_ci95 = attack
        .tpr_at_1pct_fpr
        .map(|_| crate::uncertainty::interval(tprs));
    attack
}

/// A true-positive rate for reports: `0.023`, or `not resolvable (32 non-members; 1% needs
/// 100)` where `tpr` is `None` because `non_members` cannot resolve `fpr`.
pub fn tpr_text(tpr: Option<f64>, non_members: usize, fpr: f64) -> String {
    match tpr {
        Some(v) => format!("{v:.3}"),
        None => format!(
            "not resolvable ({non_members} non-members; {}% needs {})",
            fpr * 100.0,
            non_members_needed(fpr)
        ),
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
        let non: Vec<f64> = (0..1000).map(f64::from).collect();
        let a = score_attack("s", &[5000.0, 6000.0, 7000.0], &non);
        assert_eq!(
            (a.auc, a.tpr_at_1pct_fpr, a.tpr_at_0_1pct_fpr),
            (1.0, Some(1.0), Some(1.0))
        );
        let tied = score_attack("s", &[1.0; 4], &[1.0; 100]);
        assert_eq!((tied.auc, tied.tpr_at_1pct_fpr), (0.5, Some(0.0)));
    }

    /// 32 non-members resolve no rate below 1/32: the TPR there is not a number.
    #[test]
    fn rates_below_one_over_the_non_members_are_not_resolvable() {
        let a = score_attack("s", &[5.0, 6.0, 7.0], &[1.0; 32]);
        assert_eq!(
            (a.auc, a.tpr_at_1pct_fpr, a.tpr_at_0_1pct_fpr),
            (1.0, None, None)
        );
        assert_eq!(
            tpr_text(a.tpr_at_0_1pct_fpr, 32, 0.001),
            "not resolvable (32 non-members; 0.1% needs 1000)"
        );
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"tpr_at_1pct_fpr\":null"), "{json}");
        assert_eq!(serde_json::from_str::<ScoreAttack>(&json).unwrap(), a);
        let b = score_attack("s", &[5.0], &[1.0; 150]);
        assert_eq!((b.tpr_at_1pct_fpr, b.tpr_at_0_1pct_fpr), (Some(1.0), None));
        assert_eq!(tpr_text(Some(0.0234), 150, 0.01), "0.023");
    }
}
