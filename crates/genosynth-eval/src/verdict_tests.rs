//! Tests of the verdict's privacy checks: the likelihood attack, kinship, accepted risks.

use super::*;
use crate::{EvalInput, PrivacyRisk, Settings, evaluate, score_attack};
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::TestPopulation;

/// `n` haplotypes of the workspace's test population.
fn matrix(n: usize, seed: u64) -> HaplotypeMatrix {
    TestPopulation {
        people: n / 2,
        ..TestPopulation::default()
    }
    .generate(seed)
}

/// The report of three independent samples of one population (train, AGs, holdout).
fn report_of_three_samples() -> crate::Report {
    let (t, s, h) = (matrix(40, 1), matrix(40, 2), matrix(40, 3));
    evaluate(&EvalInput {
        train: &t,
        synthetic: &s,
        holdout: Some(&h),
        panel: None,
        synthetic_panel: None,
        genetic_map: None,
        settings: Settings::default(),
        stop: None,
    })
    .unwrap()
}

fn check<'v>(v: &'v Verdict, name: &str) -> Option<&'v Check> {
    v.checks.iter().find(|c| c.name == name)
}

/// The likelihood attack fails the verdict beyond the bound selection applies; its TPR is
/// judged only where resolvable; an accepted privacy risk always fails.
#[test]
fn the_likelihood_attack_and_an_accepted_risk_are_judged() {
    let mut report = report_of_three_samples();
    assert!(check(&report.verdict, "likelihood_attack_auc").is_none());
    let members: Vec<f64> = (0..80).map(f64::from).collect();
    let many: Vec<f64> = (0..150).map(|i| f64::from(i) - 70.0).collect();
    // 16 non-members: AUC judged, TPR at 1% not resolvable, so not judged.
    report.privacy.likelihood_attack = Some(score_attack("s", &members, &many[..16]));
    let v = verdict(&report);
    assert_eq!(
        check(&v, "likelihood_attack_auc").unwrap().status,
        Status::Fail
    );
    assert!(check(&v, "likelihood_attack_tpr_at_1pct_fpr").is_none());
    assert_eq!(v.overall, Status::Fail);
    // The same scores for both sides: chance, and 150 non-members resolve 1%.
    report.privacy.likelihood_attack = Some(score_attack("s", &many, &many));
    let v = verdict(&report);
    assert_eq!(
        check(&v, "likelihood_attack_auc").unwrap().status,
        Status::Pass
    );
    let tpr = check(&v, "likelihood_attack_tpr_at_1pct_fpr").unwrap();
    assert_eq!(tpr.status, Status::Pass, "{tpr:?}");
    report.privacy_risk = Some(PrivacyRisk {
        accepted: true,
        selected_epoch: Some(3),
        failed: vec!["privacy loss 0.050 > 0.03 (by 0.020)".into()],
    });
    let v = verdict(&report);
    assert_eq!(
        check(&v, "accepted_privacy_risk").unwrap().status,
        Status::Fail
    );
    assert_eq!(v.overall, Status::Fail);
}

/// The likelihood attack's intervals certify its checks like the others: a TPR at 1% of
/// 0.05 against 0.05 on 200 people is not certified, a clear leak is.
#[test]
fn likelihood_attack_intervals_certify_its_checks() {
    let mut report = report_of_three_samples();
    // 200 non-members at 0..200; 10 of 200 members above them all: TPR at 1% = 0.05.
    let non: Vec<f64> = (0..200).map(f64::from).collect();
    let mut members: Vec<f64> = (0..190).map(|i| f64::from(i) + 0.5).collect();
    members.extend((0..10).map(|i| 1000.0 + f64::from(i)));
    report.privacy.likelihood_attack =
        Some(crate::score_attack_with_intervals("s", &members, &non, 3));
    let v = verdict(&report);
    let tpr = check(&v, "likelihood_attack_tpr_at_1pct_fpr").unwrap();
    let [lo, hi] = tpr.ci95.unwrap();
    assert!(lo < 0.05 && 0.05 < hi, "{tpr:?}");
    assert_eq!(tpr.certified, Some(false), "{tpr:?}");
    assert!(tpr.people_needed.is_none() || tpr.people_needed > Some(200));
    let auc = check(&v, "likelihood_attack_auc").unwrap();
    assert_eq!((auc.status, auc.certified), (Status::Pass, Some(true)));
    // Every member above every non-member: a certain fail.
    let high: Vec<f64> = (0..200).map(|i| 1000.0 + f64::from(i)).collect();
    report.privacy.likelihood_attack =
        Some(crate::score_attack_with_intervals("s", &high, &non, 3));
    let v = verdict(&report);
    for name in ["likelihood_attack_auc", "likelihood_attack_tpr_at_1pct_fpr"] {
        let c = check(&v, name).unwrap();
        assert_eq!((c.status, c.certified), (Status::Fail, Some(true)), "{c:?}");
    }
}

fn comparison(pairs: u64, degree_counts: [u64; 4]) -> crate::KinshipComparison {
    crate::KinshipComparison {
        pairs,
        degree_counts,
        queries_with_relative: 0,
        queries_with_close_relative: 0,
        queries: 100,
        max: 0.3,
        closest: None,
        points: Vec::new(),
    }
}

/// Duplicates of training people beyond the holdout rate fail, first-degree relatives
/// warn, the holdout's own rate passes.
#[test]
fn kinship_beyond_the_holdout_rate_is_judged() {
    let mut report = report_of_three_samples();
    let mut judge = |train: [u64; 4], holdout: Option<[u64; 4]>| {
        report.kinship = Some(crate::KinshipStats {
            n_sites: 100,
            synthetic_train: comparison(40_000, train),
            synthetic_holdout: holdout.map(|c| comparison(10_000, c)),
            holdout_train: None,
        });
        check(&verdict(&report), "kinship_close_relatives").map(|c| c.status)
    };
    assert_eq!(judge([0, 8, 3, 9], Some([0, 2, 1, 1])), Some(Status::Pass));
    assert_eq!(judge([0, 40, 3, 9], Some([0, 0, 1, 1])), Some(Status::Warn));
    assert_eq!(
        judge([40, 40, 3, 9], Some([0, 0, 1, 1])),
        Some(Status::Fail)
    );
    assert_eq!(judge([1, 0, 0, 0], None), Some(Status::Warn));
    assert_eq!(judge([0, 5, 0, 0], None), None);
}
