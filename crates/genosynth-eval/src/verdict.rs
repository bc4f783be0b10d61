//! Pass / warn / fail judgements that an average cannot hide: AA_truth and AA_syn are judged
//! separately (noisy AGs can average to a fine AATS: docs/measured-choices.md), and LD,
//! distance and PCA figures are judged against what real unseen data (the holdout) scores when
//! a holdout is given.

use genosynth_core::PrivacyBounds;
use serde::{Deserialize, Serialize};

use crate::kinship::{KinshipStats, relative_excess};
use crate::report::Report;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within the pass threshold.
    #[default]
    Pass,
    /// Between the pass and fail thresholds, or undefined.
    Warn,
    /// Beyond the fail threshold.
    Fail,
}

/// One judged figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Short name (`aa_truth`, `ld_r2_correlation`, ...).
    pub name: String,
    /// The AGs' value.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub value: f64,
    /// The holdout's value of the same figure, when it sets the threshold.
    pub reference: Option<f64>,
    /// Pass / warn / fail.
    pub status: Status,
    /// The thresholds, in words.
    pub threshold: String,
    /// What the figure means, in one line.
    pub meaning: String,
    /// 95% bootstrap interval over people ([`crate::Intervals`]), for the figures that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
    /// With an interval: `false` when it straddles a pass bound, so this sample size cannot
    /// certify the status ("not certified at this sample size").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certified: Option<bool>,
    /// When not certified: about how many holdout people (training people for AA_truth and
    /// AA_syn without a holdout) would narrow the interval clear of the bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people_needed: Option<usize>,
}

/// All checks and the overall outcome (the worst check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Verdict {
    /// Worst status over all checks.
    pub overall: Status,
    /// Every check.
    pub checks: Vec<Check>,
}

/// The classifier two-sample test's AUC ([`crate::DetectionStats::auc`]): pass at or below the
/// first, warn up to the second, fail above. Real unseen people score 0.44–0.54 against the
/// holdout and independent-sites AGs 0.998 (805 SNPs, 3 splits: docs/measured-choices.md).
pub const DETECTION_AUC_BOUNDS: [f64; 2] = [0.6, 0.8];

/// The segment privacy loss ([`crate::SegmentStats::privacy_loss`]): pass at or below the
/// first, warn up to the second, fail above; the verdict and its certification both read it.
pub const SEGMENT_PRIVACY_LOSS_BOUNDS: [f64; 2] = [0.05, 0.1];

/// `value` passes at or above `pass`, warns at or above `warn`, fails below.
fn at_least(value: f64, pass: f64, warn: f64) -> Status {
    if !value.is_finite() {
        Status::Warn
    } else if value >= pass {
        Status::Pass
    } else if value >= warn {
        Status::Warn
    } else {
        Status::Fail
    }
}

/// `value` passes at or below `pass`, warns at or below `warn`, fails above.
fn at_most(value: f64, pass: f64, warn: f64) -> Status {
    if !value.is_finite() {
        Status::Warn
    } else if value <= pass {
        Status::Pass
    } else if value <= warn {
        Status::Warn
    } else {
        Status::Fail
    }
}

/// Judges a report.
pub fn verdict(r: &Report) -> Verdict {
    let mut checks = Vec::new();
    let mut add = |name: &str, value, reference, status, threshold: String, meaning: &str| {
        checks.push(Check {
            name: name.into(),
            value,
            reference,
            status,
            threshold,
            meaning: meaning.into(),
            ci95: None,
            certified: None,
            people_needed: None,
        });
    };
    let a = &r.privacy.aats_train;
    for (name, v, meaning) in [
        (
            "aa_truth",
            a.aa_truth.mean,
            "share of real haplotypes nearer to another real one than to any AG; near 1: AGs lie away from real data (under-fit or noisy), near 0: AGs sit by real haplotypes (copies)",
        ),
        (
            "aa_syn",
            a.aa_syn.mean,
            "share of AGs nearer to another AG than to any real haplotype; near 1: AGs cluster together (too little diversity), near 0: AGs nearer to real data than to each other (copies if aa_truth is low too, noisy AGs if it is high)",
        ),
    ] {
        add(
            name,
            v,
            None,
            at_most((v - 0.5).abs(), 0.1, 0.2),
            "pass 0.4–0.6, warn 0.3–0.7, fail outside".into(),
            meaning,
        );
    }

    let af = r.allele_frequencies.synthetic.pearson_r;
    let af_ref = r.allele_frequencies.holdout.as_ref().map(|x| x.pearson_r);
    // A small holdout is itself noisy; a generator need not beat real unseen data.
    let (status, threshold) = match af_ref.filter(|v| v.is_finite()) {
        Some(rf) => (
            at_least(af, (rf - 0.02).min(0.95), (rf - 0.05).min(0.9)),
            format!(
                "pass ≥ min(0.95, holdout − 0.02) = {:.3}, warn ≥ min(0.90, holdout − 0.05)",
                (rf - 0.02).min(0.95)
            ),
        ),
        None => (at_least(af, 0.95, 0.9), "pass ≥ 0.95, warn ≥ 0.90".into()),
    };
    add(
        "allele_frequency_r",
        af,
        af_ref,
        status,
        threshold,
        "Pearson r of per-site ALT frequencies, AGs vs train",
    );

    // LD is judged on the median window along the chromosome; the worst window can only warn
    // (one window of a few hundred pairs is noisy even for real unseen data).
    let lw = &r.ld_windows;
    let ld = lw.synthetic.median;
    let ld_ref = lw.holdout.map(|x| x.median);
    let (status, threshold) = match ld_ref.filter(|v| v.is_finite()) {
        Some(rf) => (
            at_least(ld, rf - 0.1, rf - 0.25),
            format!(
                "pass ≥ holdout − 0.10 ({:.3}), warn ≥ holdout − 0.25",
                rf - 0.1
            ),
        ),
        None => (at_least(ld, 0.8, 0.6), "pass ≥ 0.80, warn ≥ 0.60".into()),
    };
    add(
        "ld_r2_correlation",
        ld,
        ld_ref,
        status,
        threshold,
        "median over LD windows spread along the chromosome of the Pearson r of pairwise r², AGs vs train; near 0: LD structure lost",
    );
    let worst = lw.synthetic.min;
    let worst_ref = lw.holdout.map(|x| x.min);
    let (status, threshold) = match worst_ref.filter(|v| v.is_finite()) {
        Some(rf) => (
            at_least(worst, rf - 0.25, f64::NEG_INFINITY),
            format!("pass ≥ holdout − 0.25 ({:.3}), warn below", rf - 0.25),
        ),
        None => (
            at_least(worst, 0.6, f64::NEG_INFINITY),
            "pass ≥ 0.60, warn below".into(),
        ),
    };
    add(
        "ld_r2_correlation_min",
        worst,
        worst_ref,
        status,
        threshold,
        "the worst LD window along the chromosome; low where the model loses LD locally (e.g. across its segment joins)",
    );

    let n = r.distances.n_sites.max(1) as f64;
    let w = r.distances.wasserstein_within / n;
    let w_ref = r.distances.wasserstein_within_holdout.map(|v| v / n);
    let (status, threshold) = match w_ref {
        Some(rf) => (
            at_most(w, (2.0 * rf).max(0.005), (4.0 * rf).max(0.02)),
            format!(
                "pass ≤ max(2 × holdout, 0.005) = {:.4}, warn ≤ max(4 × holdout, 0.02)",
                (2.0 * rf).max(0.005)
            ),
        ),
        None => (at_most(w, 0.01, 0.03), "pass ≤ 0.01, warn ≤ 0.03".into()),
    };
    add(
        "pairwise_distance_wasserstein",
        w,
        w_ref,
        status,
        threshold,
        "Wasserstein distance between within-AG and within-train Hamming distance distributions, per site",
    );

    let worst_pc = |v: &[f64]| v.iter().take(2).copied().fold(0.0, f64::max);
    let pc = worst_pc(&r.pca.wasserstein_synthetic);
    let pc_ref = r.pca.wasserstein_holdout.as_deref().map(worst_pc);
    // One holdout is itself one noisy draw (two halves of real unseen data differ by ~0.1 sd
    // at 250 haplotypes), so the margin is generous; generators without population
    // structure land far outside it.
    let (status, threshold) = match pc_ref {
        Some(rf) => (
            at_most(pc, (2.5 * rf).max(0.2), (5.0 * rf).max(0.4)),
            format!(
                "pass ≤ max(2.5 × holdout, 0.20) = {:.3}, warn ≤ max(5 × holdout, 0.40)",
                (2.5 * rf).max(0.2)
            ),
        ),
        None => (at_most(pc, 0.2, 0.4), "pass ≤ 0.20, warn ≤ 0.40".into()),
    };
    add(
        "pca_wasserstein_pc1_pc2",
        pc,
        pc_ref,
        status,
        threshold,
        "largest Wasserstein distance of AG vs train coordinates on PC1/PC2, in train standard deviations",
    );

    let tr = r.triplets.synthetic.pearson_r;
    let tr_ref = r.triplets.holdout.as_ref().map(|x| x.pearson_r);
    let (status, threshold) = match tr_ref.filter(|v| v.is_finite()) {
        Some(rf) => (
            at_least(tr, rf - 0.1, rf - 0.25),
            format!(
                "pass ≥ holdout − 0.10 ({:.3}), warn ≥ holdout − 0.25",
                rf - 0.1
            ),
        ),
        None => (at_least(tr, 0.7, 0.5), "pass ≥ 0.70, warn ≥ 0.50".into()),
    };
    add(
        "triplet_correlation_r",
        tr,
        tr_ref,
        status,
        threshold,
        "Pearson r of connected 3-point correlations, AGs vs train",
    );

    let c = &r.privacy.exact_copies;
    add(
        "exact_copy_share",
        c.synthetic_share,
        Some(c.base_share),
        at_most(c.synthetic_share, c.base_share + 0.01, c.base_share + 0.05),
        format!(
            "pass ≤ base rate + 0.01 ({:.3}), warn ≤ base rate + 0.05",
            c.base_share + 0.01
        ),
        "share of AGs identical to a training haplotype, vs the real base rate",
    );

    // The bounds selection and the refusal to write AGs apply (genosynth_core::PrivacyBounds).
    let bounds = PrivacyBounds::default();
    if let Some(auc) = r.privacy.membership_auc {
        add(
            "membership_auc",
            auc,
            None,
            at_most(auc, bounds.max_membership_auc, 0.6),
            format!("pass ≤ {}, warn ≤ 0.60", bounds.max_membership_auc),
            "ROC AUC of telling train from holdout by distance to the nearest AG; 0.5 = no leak",
        );
    }
    if let Some(loss) = r.privacy.privacy_loss {
        add(
            "privacy_loss",
            loss,
            None,
            at_most(loss, bounds.max_privacy_loss, 0.1),
            format!(
                "pass ≤ {} (the bound checkpoint selection applies), warn ≤ 0.10",
                bounds.max_privacy_loss
            ),
            "AATS(holdout, AGs) − AATS(train, AGs); > 0: AGs resemble training data more than unseen data",
        );
    }
    if let Some(l) = &r.privacy.likelihood_attack {
        let max = bounds.max_likelihood_auc;
        add(
            "likelihood_attack_auc",
            l.auc,
            None,
            at_most(l.auc, max, max),
            format!("pass ≤ {max}, fail above (the bound checkpoint selection applies)"),
            "ROC AUC of telling train from holdout people by the model's own likelihood (or free energy) of them; 0.5 = no leak, near 1: the model memorised its training people",
        );
        if let Some(tpr) = l.tpr_at_1pct_fpr {
            let max = bounds.max_likelihood_tpr;
            add(
                "likelihood_attack_tpr_at_1pct_fpr",
                tpr,
                None,
                at_most(tpr, max, max),
                format!("pass ≤ {max}, fail above (0.01 = chance)"),
                "share of training people the likelihood attack exposes while accusing at most 1% of the holdout",
            );
        }
    }
    if let Some(risk) = &r.privacy_risk {
        add(
            "accepted_privacy_risk",
            risk.failed.len() as f64,
            None,
            Status::Fail,
            "fail whenever set: written with --accept-privacy-risk".into(),
            "privacy bounds the model missed on its validation people when its AGs were written anyway",
        );
    }
    if let Some(loss) = r.segments.privacy_loss {
        let [pass, warn] = SEGMENT_PRIVACY_LOSS_BOUNDS;
        add(
            "segment_privacy_loss",
            loss,
            None,
            at_most(loss, pass, warn),
            format!("pass ≤ {pass:.2}, warn ≤ {warn:.2}"),
            "share of AGs whose longest segment shared with training people is longer than with as many unseen people, − 0.5; > 0: AGs carry training people's segments",
        );
    }
    if let Some(d) = &r.detection {
        let [pass, warn] = DETECTION_AUC_BOUNDS;
        add(
            "detection_auc",
            d.auc,
            None,
            at_most(d.auc, pass, warn),
            format!("pass ≤ {pass:.2}, warn ≤ {warn:.2}"),
            "cross-validated ROC AUC of the better of two classifiers (logistic regression, nearest neighbours) telling AGs from holdout people they were not trained on; 0.5 = indistinguishable, 1 = every AG detected",
        );
    }
    if let Some((value, reference, status, threshold)) = r.kinship.as_ref().and_then(kinship) {
        add(
            "kinship_close_relatives",
            value,
            reference,
            status,
            threshold,
            "AG × training pairs at duplicate or first degree (KING-robust), against the count expected at the rate the same AGs show with holdout people; in excess: AGs carry training people's haplotypes whole",
        );
    }
    certify(&mut checks, r);
    Verdict {
        overall: checks.iter().map(|c| c.status).max().unwrap_or_default(),
        checks,
    }
}

/// Below this one-sided p-value, AG × train relatives exceed the AG × holdout rate.
const KINSHIP_P: f64 = 1e-3;

/// The kinship check: duplicates of training people beyond the holdout rate fail, first-degree
/// relatives beyond it warn (805 SNPs place mosaic AGs near 0.18 by chance, see
/// docs/privacy.md); without a holdout, any duplicate of a training person warns.
fn kinship(k: &KinshipStats) -> Option<(f64, Option<f64>, Status, String)> {
    let train = &k.synthetic_train;
    let close = (train.degree_counts[0] + train.degree_counts[1]) as f64;
    let Some(holdout) = &k.synthetic_holdout else {
        return (train.degree_counts[0] > 0).then(|| {
            (
                close,
                None,
                Status::Warn,
                format!(
                    "{} AG × training pairs are duplicates; no holdout to compare with (pass: no duplicate)",
                    train.degree_counts[0]
                ),
            )
        });
    };
    let dup = relative_excess(train, holdout, 0)?;
    let near = relative_excess(train, holdout, 1)?;
    let status = if dup.p_value < KINSHIP_P {
        Status::Fail
    } else if near.p_value < KINSHIP_P {
        Status::Warn
    } else {
        Status::Pass
    };
    Some((
        close,
        Some(near.expected),
        status,
        format!(
            "fail when duplicates, warn when duplicate or first-degree pairs exceed the AG × holdout rate (one-sided exact p < {KINSHIP_P}; here {} duplicate pairs, p = {:.2e}; {} close pairs, p = {:.2e})",
            dup.train_pairs, dup.p_value, near.train_pairs, near.p_value
        ),
    ))
}

/// Attaches each interval to its check, with the pass bounds it must clear to be certified.
fn certify(checks: &mut [Check], r: &Report) {
    let u = &r.uncertainty;
    let people = u
        .holdout_people
        .unwrap_or_else(|| r.inputs.train_haplotypes.div_ceil(2));
    let band = [0.4, 0.6];
    let bounds = PrivacyBounds::default();
    let (membership, loss) = ([bounds.max_membership_auc], [bounds.max_privacy_loss]);
    let detection = [DETECTION_AUC_BOUNDS[0]];
    let segment = [SEGMENT_PRIVACY_LOSS_BOUNDS[0]];
    let (likelihood_auc, likelihood_tpr) =
        ([bounds.max_likelihood_auc], [bounds.max_likelihood_tpr]);
    let attack = r.privacy.likelihood_attack.as_ref();
    type WithBounds<'a> = (&'a str, Option<[f64; 2]>, &'a [f64]);
    let with: [WithBounds<'_>; 8] = [
        ("aa_truth", Some(u.aa_truth), &band),
        ("aa_syn", Some(u.aa_syn), &band),
        ("membership_auc", u.membership_auc, &membership),
        ("privacy_loss", u.privacy_loss, &loss),
        ("segment_privacy_loss", u.segment_privacy_loss, &segment),
        (
            "detection_auc",
            r.detection.as_ref().map(|d| d.ci95),
            &detection,
        ),
        (
            "likelihood_attack_auc",
            attack.and_then(|a| a.auc_ci95),
            &likelihood_auc,
        ),
        (
            "likelihood_attack_tpr_at_1pct_fpr",
            attack.and_then(|a| a.tpr_at_1pct_fpr_ci95),
            &likelihood_tpr,
        ),
    ];
    for (name, ci, bounds) in with {
        let (Some(c), Some([lo, hi])) = (checks.iter_mut().find(|c| c.name == name), ci) else {
            continue;
        };
        c.ci95 = Some([lo, hi]);
        let straddled: Vec<f64> = bounds
            .iter()
            .copied()
            .filter(|&b| lo <= b && b < hi)
            .collect();
        c.certified = Some(straddled.is_empty() && lo.is_finite() && hi.is_finite());
        // The likelihood attack rests on the people the model scored, not the holdout.
        let people = match (name.starts_with("likelihood_attack"), attack) {
            (true, Some(a)) => a.non_members,
            _ => people,
        };
        c.people_needed = straddled
            .iter()
            .filter_map(|&b| crate::people_needed(people, (hi - lo) / 2.0, (c.value - b).abs()))
            .max();
    }
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
