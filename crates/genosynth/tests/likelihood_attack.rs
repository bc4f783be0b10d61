//! The likelihood membership attack on the bundled 1000 Genomes example: a copier exposes
//! everyone, the independent-sites floor scores chance, and an RBM overfitted to 40 people
//! gives them away through its free energy.

mod common;

use common::example;
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::{figure, test_seed};
use genosynth_eval::{ScoreAttack, score_attack};
use genosynth_models::{
    Checkpoint, DeviceChoice, ModelParams, RbmParams, TrainConfig, TrainOptions,
};

/// Mean of each person's haplotype scores.
fn per_person(m: &HaplotypeMatrix, score: impl Fn(usize) -> f64) -> Vec<f64> {
    let copies = m.n_haplotypes() / m.samples().len();
    (0..m.samples().len())
        .map(|p| (0..copies).map(|c| score(p * copies + c)).sum::<f64>() / copies as f64)
        .collect()
}

fn attack(
    members: &HaplotypeMatrix,
    non: &HaplotypeMatrix,
    score: impl Fn(&HaplotypeMatrix, usize) -> f64,
) -> ScoreAttack {
    score_attack(
        "test",
        &per_person(members, |h| score(members, h)),
        &per_person(non, |h| score(non, h)),
    )
}

#[test]
fn a_copier_is_exposed_and_the_independent_sites_floor_is_not() {
    let split = genosynth::split_validation(&example(), 0.2, 42, None).unwrap();
    let (fit, held) = (&split.fit, &split.validation);

    // The copier's likelihood peaks on its training haplotypes: minus the distance to the
    // nearest one.
    let nearest = |m: &HaplotypeMatrix, h: usize| -> f64 {
        let row = m.row(h);
        let d = (0..fit.n_haplotypes())
            .map(|t| {
                let other = fit.row(t);
                row.iter()
                    .zip(other)
                    .map(|(a, b)| (a ^ b).count_ones())
                    .sum::<u32>()
            })
            .min()
            .unwrap();
        -f64::from(d)
    };
    let copier = attack(fit, held, nearest);
    assert!(copier.auc > 0.95, "{copier:?}");
    assert!(copier.tpr_at_1pct_fpr.unwrap() > 0.9, "{copier:?}");

    // Every site on its own at the training frequency (add-½ smoothed).
    let n = fit.n_haplotypes() as f64;
    let freq: Vec<f64> = fit
        .allele_frequencies()
        .iter()
        .map(|f| (f * n + 0.5) / (n + 1.0))
        .collect();
    let independent = |m: &HaplotypeMatrix, h: usize| -> f64 {
        (0..m.n_sites())
            .map(|s| {
                if m.get(h, s) {
                    freq[s].ln()
                } else {
                    (1.0 - freq[s]).ln()
                }
            })
            .sum()
    };
    let floor = attack(fit, held, independent);
    assert!((floor.auc - 0.5).abs() < 0.06, "{floor:?}");
    assert!(floor.tpr_at_1pct_fpr.unwrap() < 0.05, "{floor:?}");
}

#[test]
fn an_overfitted_rbm_gives_its_training_people_away() {
    let all = example();
    let people: Vec<usize> = (0..all.samples().len()).collect();
    let members = all.select_samples(&people[..40]).unwrap();
    let non = all.select_samples(&people[40..240]).unwrap();
    let config = TrainConfig {
        model: ModelParams::Rbm(RbmParams {
            hidden_units: 100,
            batch_size: 80,
            chains: 80,
            gibbs_steps: 5,
            lr: 0.05,
            init_std: 0.01,
            ..RbmParams::default()
        }),
        epochs: 300,
        seed: test_seed(1),
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rbm");
    genosynth_models::train(&members, &config, TrainOptions::new(&dir)).unwrap();
    let ck = Checkpoint::load(&dir).unwrap();
    let a = genosynth::likelihood_attack(&ck, &members, &non, 5)
        .unwrap()
        .expect("the RBM has a free energy");
    assert_eq!((a.members, a.non_members), (40, 200));
    assert_eq!(a.score, "negative free energy");
    figure("AUC", a.auc);
    figure("TPR at 1% FPR", a.tpr_at_1pct_fpr.unwrap());
    assert!(a.auc > 0.9, "{a:?}");
    assert!(a.tpr_at_1pct_fpr.unwrap() > 0.5, "{a:?}");
    // The intervals over people hold the figures and stay clear of the bounds here.
    let [lo, hi] = a.auc_ci95.unwrap();
    assert!(lo <= a.auc && a.auc <= hi && lo > 0.6, "{a:?}");
    let [lo, hi] = a.tpr_at_1pct_fpr_ci95.unwrap();
    assert!(
        lo <= a.tpr_at_1pct_fpr.unwrap() && a.tpr_at_1pct_fpr.unwrap() <= hi,
        "{a:?}"
    );
}
