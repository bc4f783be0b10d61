//! The privacy sections: AATS and its halves, membership and likelihood attacks, DP, exact
//! copies, distance to closest record, and per-population figures.

use super::plots::{AG_TO_HOLDOUT, HOLDOUT, SYNTHETIC, Series, lines, scatter};
use super::{Page, esc, hist_points, num, opt};
use crate::privacy::{Aats, DistanceSummary};
use crate::report::Report;

/// AATS with its halves, nearest-neighbour medians and the privacy figures table.
pub(super) fn privacy(p: &mut Page, r: &Report) {
    p.section("Privacy");
    let pr = &r.privacy;
    let mut rows = vec![aats_row("train vs AGs", &pr.aats_train)];
    if let Some(a) = &pr.aats_holdout {
        rows.push(aats_row("holdout vs AGs", a));
    }
    if let Some(a) = &pr.aats_holdout_vs_train {
        rows.push(aats_row("train vs holdout (reference)", a));
    }
    p.table(
        &[
            "real vs other",
            "AA_truth",
            "AA_syn",
            "AATS",
            "AATS (ties ½)",
            "tie rate",
            "size × repeats",
        ],
        &rows,
    );
    p.note("AATS 0.5 is ideal; > 0.5 under-fits (AGs unlike real data); < 0.5 copies (AGs sit on real haplotypes). Judge AA_truth and AA_syn separately: both should be near 0.5, and together they tell copies (both low), collapse (both high) and noise (AA_truth high, AA_syn low) apart.");
    let m = &pr.aats_train.nearest_median;
    p.table(
        &[
            "median nearest-neighbour distance (sites)",
            "real → real",
            "real → AG",
            "AG → real",
            "AG → AG",
        ],
        &[vec![
            "train vs AGs".into(),
            num(m.real_to_real),
            num(m.real_to_synthetic),
            num(m.synthetic_to_real),
            num(m.synthetic_to_synthetic),
        ]],
    );
    p.note(&format!(
        "Reading (train vs AGs): {}.",
        crate::privacy::aats_reading(pr.aats_train.aa_truth.mean, pr.aats_train.aa_syn.mean)
    ));
    p.table(
        &["figure", "value"],
        &[
            vec![
                "privacy loss = AATS(holdout) − AATS(train)".into(),
                opt(pr.privacy_loss),
            ],
            vec![
                "membership-inference ROC AUC".into(),
                opt(pr.membership_auc),
            ],
            vec![
                "membership TPR at 1% / 0.1% FPR (no leak: 0.01 / 0.001)".into(),
                match pr.membership_non_members {
                    Some(n) => format!(
                        "{}{} / {}",
                        crate::tpr_text(pr.membership_tpr_at_1pct_fpr, n, 0.01),
                        interval_text(r.uncertainty.membership_tpr_at_1pct_fpr),
                        crate::tpr_text(pr.membership_tpr_at_0_1pct_fpr, n, 0.001)
                    ),
                    None => "–".into(),
                },
            ],
            match &pr.likelihood_attack {
                Some(l) => vec![
                    format!(
                        "likelihood attack ({}, {} vs {} people): AUC, TPR at 1% / 0.1% FPR",
                        esc(&l.score),
                        l.members,
                        l.non_members
                    ),
                    format!(
                        "{}{}, {}{} / {}",
                        num(l.auc),
                        interval_text(l.auc_ci95),
                        crate::tpr_text(l.tpr_at_1pct_fpr, l.non_members, 0.01),
                        interval_text(l.tpr_at_1pct_fpr_ci95),
                        crate::tpr_text(l.tpr_at_0_1pct_fpr, l.non_members, 0.001)
                    ),
                ],
                None => vec![
                    "likelihood attack".into(),
                    "– (needs eval --model with a likelihood or free energy, and --holdout)"
                        .into(),
                ],
            },
            vec![
                "differential privacy of the model".into(),
                match &r.differential_privacy {
                    Some(d) => format!(
                        "{} per {}: ε = {} at δ = {:e} ({} steps, noise multiplier {}, sampling rate {}, clip {})",
                        esc(&d.mechanism),
                        esc(&d.unit),
                        num(d.epsilon),
                        d.delta,
                        d.steps,
                        num(d.noise_multiplier),
                        num(d.sampling_rate),
                        num(d.clip)
                    ),
                    None => "none recorded (an empirical check only)".into(),
                },
            ],
            vec![
                "AGs identical to a training haplotype".into(),
                format!(
                    "{} ({:.2}%)",
                    pr.exact_copies.synthetic_copies,
                    100.0 * pr.exact_copies.synthetic_share
                ),
            ],
            vec![
                "real base rate of identical haplotypes".into(),
                format!("{:.2}%", 100.0 * pr.exact_copies.base_share),
            ],
            vec![
                "median DCR(train) / median DCR(holdout)".into(),
                opt(pr.dcr.median_ratio),
            ],
            vec![
                format!(
                    "AGs closer than the 1st percentile of {}",
                    pr.dcr.reference_kind
                ),
                format!("{:.2}%", 100.0 * pr.dcr.share_below_reference_p1),
            ],
            vec![
                format!(
                    "AGs closer than the 5th percentile of {}",
                    pr.dcr.reference_kind
                ),
                format!("{:.2}%", 100.0 * pr.dcr.share_below_reference_p5),
            ],
            vec![
                "median NNDR (nearest / second-nearest training distance)".into(),
                num(pr.dcr.nndr_median),
            ],
        ],
    );
}

/// Distance to closest record: summary table and distributions.
pub(super) fn closest_records(p: &mut Page, r: &Report) {
    let pr = &r.privacy;
    let mut rows = vec![dist_row("AG → nearest train (DCR)", &pr.dcr.to_train)];
    if let Some(h) = &pr.dcr.to_holdout {
        rows.push(dist_row("AG → nearest holdout", h));
    }
    rows.push(dist_row(
        &format!("reference: {}", pr.dcr.reference_kind),
        &pr.dcr.reference,
    ));
    p.table(
        &[
            "distance to closest record",
            "n",
            "mean",
            "median",
            "1st pct",
            "5th pct",
        ],
        &rows,
    );
    let mut series = vec![Series::new(
        "AG → train",
        SYNTHETIC,
        hist_points(&pr.dcr.to_train.histogram, 1.0),
    )];
    if let Some(h) = &pr.dcr.to_holdout {
        series.push(Series::new(
            "AG → holdout",
            AG_TO_HOLDOUT,
            hist_points(&h.histogram, 1.0),
        ));
    }
    series.push(Series::new(
        format!("real reference ({})", pr.dcr.reference_kind),
        HOLDOUT,
        hist_points(&pr.dcr.reference.histogram, 1.0),
    ));
    p.figure(
        lines("Distance to closest record", "Hamming distance to the nearest haplotype", "share", &series),
        "Distance to closest record",
        "AG → train should look like AG → holdout and like real unseen data; mass at 0 means copies of training haplotypes",
    );
}

/// Each population's AGs against its own real haplotypes (with both panels).
pub(super) fn per_population(p: &mut Page, r: &Report) {
    if r.populations.is_empty() {
        return;
    }
    p.section("Per population");
    let rows: Vec<Vec<String>> = r
        .populations
        .iter()
        .map(|x| {
            vec![
                x.population.clone(),
                format!(
                    "{} / {} / {}",
                    x.train_haplotypes,
                    x.synthetic_haplotypes,
                    x.holdout_haplotypes.map_or("–".into(), |n| n.to_string())
                ),
                num(x.af_r),
                num(x.fst),
                opt(x.fst_other_populations),
                num(x.aats),
                opt(x.privacy_loss),
                opt(x.membership_auc),
                x.exact_copies.to_string(),
            ]
        })
        .collect();
    p.table(
        &[
            "population",
            "haplotypes train / AGs / holdout",
            "AF r",
            "Fst vs own train",
            "Fst vs other populations",
            "AATS",
            "privacy loss",
            "membership AUC",
            "exact copies",
        ],
        &rows,
    );
    p.note("Each population's AGs against its own real haplotypes: Fst vs own train should be near 0 and well below Fst vs the other populations, or the label did not steer generation. A small population generated in large numbers needs its own privacy figures near 0 loss and AUC 0.5.");
}

fn aats_row(name: &str, a: &Aats) -> Vec<String> {
    let ms = |m: crate::privacy::MeanSd| format!("{} ± {}", num(m.mean), num(m.sd));
    vec![
        name.into(),
        ms(a.aa_truth),
        ms(a.aa_syn),
        ms(a.aats),
        ms(a.aats_ties_half),
        ms(a.tie_rate),
        format!("{} × {}", a.set_size, a.repeats),
    ]
}

fn dist_row(name: &str, d: &DistanceSummary) -> Vec<String> {
    vec![
        name.into(),
        d.n.to_string(),
        num(d.mean),
        num(d.median),
        num(d.p1),
        num(d.p5),
    ]
}

/// Longest segments shared with training and holdout people.
pub(super) fn shared_segments(p: &mut Page, r: &Report) {
    p.section("Shared segments");
    let sg = &r.segments;
    // Share of haplotypes whose longest shared segment reaches each length.
    let survival = |lengths: &[u32]| -> Vec<(f64, f64)> {
        let mut v = lengths.to_vec();
        v.sort_unstable();
        let n = v.len().max(1) as f64;
        let mut out = Vec::new();
        for (i, &x) in v.iter().enumerate() {
            if i == 0 || v[i - 1] != x {
                out.push((f64::from(x), (v.len() - i) as f64 / n));
            }
        }
        out
    };
    let mut series = vec![Series::new(
        "AG → train",
        SYNTHETIC,
        survival(&sg.synthetic_to_train.lengths),
    )];
    if let Some(d) = &sg.synthetic_to_holdout {
        series.push(Series::new(
            "AG → holdout",
            AG_TO_HOLDOUT,
            survival(&d.lengths),
        ));
    }
    if let Some(d) = &sg.holdout_to_train {
        series.push(Series::new(
            "holdout → train",
            HOLDOUT,
            survival(&d.lengths),
        ));
    }
    p.figure(
        lines(
            "Longest shared segment per haplotype",
            "segment length (sites)",
            "share of haplotypes with a segment this long",
            &series,
        ),
        "Shared segment lengths",
        "each haplotype's longest run of sites identical to some haplotype of the other set; AG → train far right of holdout → train means AGs carry training people's segments",
    );
    let row = |name: &str, d: &crate::SegmentDistribution| {
        vec![
            name.to_string(),
            d.n.to_string(),
            num(d.sites.median),
            num(d.sites.p99),
            num(d.sites.max),
            num(d.bp.median),
            num(d.bp.max),
            d.cm.map_or("—".into(), |c| num(c.median)),
            d.cm.map_or("—".into(), |c| num(c.max)),
            num(d.whole_share),
        ]
    };
    let mut rows = vec![row("AG → train", &sg.synthetic_to_train)];
    if let Some(d) = &sg.synthetic_to_holdout {
        rows.push(row("AG → holdout", d));
    }
    if let Some(d) = &sg.holdout_to_train {
        rows.push(row("holdout → train (reference)", d));
    }
    p.table(
        &[
            "query → reference",
            "haplotypes",
            "median (sites)",
            "99th pct (sites)",
            "max (sites)",
            "median (bp)",
            "max (bp)",
            "median (cM)",
            "max (cM)",
            "identical throughout",
        ],
        &rows,
    );
    p.note(&format!(
        "Segment privacy loss = P(AG's longest training segment > its longest holdout segment) + ½ P(equal) − 0.5, training and holdout drawn to {} haplotypes each: {} (0 ideal, 0.5 every AG carries a longer training segment).",
        sg.matched_haplotypes.map_or("—".into(), |n| n.to_string()),
        opt(sg.privacy_loss)
    ));
    if !sg.longest.is_empty() {
        let rows: Vec<Vec<String>> = sg
            .longest
            .iter()
            .map(|l| {
                vec![
                    l.synthetic.clone(),
                    l.train.clone(),
                    l.sites.to_string(),
                    format!("{} – {}", l.from, l.to),
                    l.bp.to_string(),
                    l.cm.map_or("—".into(), num),
                ]
            })
            .collect();
        p.table(
            &[
                "AG haplotype",
                "training haplotype",
                "sites",
                "where",
                "bp",
                "cM",
            ],
            &rows,
        );
    }
}

/// KING-robust kinship of AG samples with real people, as KING plots it: kinship vs IBS0.
pub(super) fn kinship(p: &mut Page, r: &Report) {
    let Some(k) = &r.kinship else {
        return;
    };
    p.section("Kinship (KING-robust)");
    let points = |c: &crate::KinshipComparison| -> Vec<(f64, f64)> {
        c.points
            .iter()
            .filter(|q| q.kinship.is_finite())
            .map(|q| (q.ibs0, q.kinship))
            .collect()
    };
    let mut series = vec![Series::new(
        "AG × train",
        SYNTHETIC,
        points(&k.synthetic_train),
    )];
    if let Some(c) = &k.synthetic_holdout {
        series.push(Series::new("AG × holdout", AG_TO_HOLDOUT, points(c)).hollow());
    }
    if let Some(c) = &k.holdout_train {
        series.push(Series::new("holdout × train", HOLDOUT, points(c)).hollow());
    }
    p.figure(
        scatter(
            "KING-robust kinship vs IBS0",
            "share of sites with opposite homozygotes (IBS0)",
            "kinship",
            &series,
            false,
        ),
        "Kinship",
        "each point a pair of samples (related pairs all, the others thinned): duplicates sit at kinship 0.5 and IBS0 0, parent–child at 0.25 and IBS0 0; AG × train above holdout × train means AGs are relatives of training people",
    );
    let row = |name: &str, c: &crate::KinshipComparison| {
        vec![
            name.to_string(),
            c.pairs.to_string(),
            c.degree_counts[0].to_string(),
            c.degree_counts[1].to_string(),
            c.degree_counts[2].to_string(),
            c.degree_counts[3].to_string(),
            format!("{} / {}", c.queries_with_close_relative, c.queries),
            num(c.max),
        ]
    };
    let mut rows = vec![row("AG × train", &k.synthetic_train)];
    if let Some(c) = &k.synthetic_holdout {
        rows.push(row("AG × holdout", c));
    }
    if let Some(c) = &k.holdout_train {
        rows.push(row("holdout × train (reference)", c));
    }
    p.table(
        &[
            "pairs",
            "compared",
            "duplicate ≥ 0.354",
            "1st ≥ 0.177",
            "2nd ≥ 0.0884",
            "3rd ≥ 0.0442",
            "samples with a 1st-degree or closer relative",
            "max kinship",
        ],
        &rows,
    );
}

/// ` (95% interval 0.48–0.56)`, or nothing without an interval.
fn interval_text(ci: Option<[f64; 2]>) -> String {
    ci.map_or(String::new(), |[lo, hi]| {
        format!(" (95% interval {}–{})", num(lo), num(hi))
    })
}
