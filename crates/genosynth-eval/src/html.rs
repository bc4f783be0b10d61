//! One self-contained HTML file: inline CSS and inline SVG figures, no script, no font, no URL.

use std::fmt::Write;

use crate::plots::{HOLDOUT, PALETTE, SYNTHETIC, Series, TRAIN, ld_heatmap, lines, scatter};
use crate::privacy::{Aats, DistanceSummary};
use crate::report::Report;
use crate::verdict::Status;

/// Most sites drawn in the r² heatmap (each pair is one SVG rectangle).
const MAX_HEATMAP_SITES: usize = 80;

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn num(x: f64) -> String {
    if x.is_finite() {
        if x != 0.0 && x.abs() < 1e-3 {
            format!("{x:.2e}")
        } else {
            format!("{x:.4}")
        }
    } else {
        "n/a".into()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or("—".into(), num)
}

pub(crate) struct Page {
    pub(crate) html: String,
    pub(crate) figures: usize,
}

impl Page {
    pub(crate) fn section(&mut self, title: &str) {
        let _ = write!(self.html, "<h2>{}</h2>", esc(title));
    }

    pub(crate) fn figure(&mut self, svg: Result<String, String>, title: &str, meaning: &str) {
        self.figures += 1;
        let body =
            svg.unwrap_or_else(|e| format!("<p class=\"error\">figure failed: {}</p>", esc(&e)));
        let _ = write!(
            self.html,
            "<figure class=\"plot\" data-figure=\"{}\">{body}<figcaption><b>{}</b> — {}</figcaption></figure>",
            self.figures,
            esc(title),
            esc(meaning)
        );
    }

    pub(crate) fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        self.html.push_str("<table><tr>");
        for h in header {
            let _ = write!(self.html, "<th>{}</th>", esc(h));
        }
        self.html.push_str("</tr>");
        for r in rows {
            self.html.push_str("<tr>");
            for c in r {
                let _ = write!(self.html, "<td>{}</td>", esc(c));
            }
            self.html.push_str("</tr>");
        }
        self.html.push_str("</table>");
    }

    pub(crate) fn note(&mut self, text: &str) {
        let _ = write!(self.html, "<p class=\"note\">{}</p>", esc(text));
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:1.6em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}\
th{background:#f3f3f3}.pass{background:#d8f3d8}.warn{background:#fff1c2}.fail{background:#f8d0d0}\
figure.plot{display:inline-block;vertical-align:top;margin:.5em;max-width:580px}\
figcaption{font-size:.9em;color:#444}.note{color:#555;font-size:.9em}.error{color:#a00}\
.legend span{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;vertical-align:middle}";

fn status_cell(s: Status) -> String {
    match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
    .into()
}

fn hist_points(h: &[u64], x_scale: f64) -> Vec<(f64, f64)> {
    let total: u64 = h.iter().sum();
    h.iter()
        .enumerate()
        .map(|(d, &c)| (d as f64 * x_scale, c as f64 / total.max(1) as f64))
        .collect()
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

/// Renders the report as one self-contained HTML page.
pub fn render_html(r: &Report) -> String {
    let mut p = Page {
        html: String::new(),
        figures: 0,
    };
    let _ = write!(
        p.html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>genosynth evaluation</title><style>{STYLE}</style></head><body><h1>genosynth evaluation report</h1>"
    );
    let _ = write!(
        p.html,
        "<p class=\"legend\">Colours:<span style=\"background:#1f77b4\"></span>train (real)<span style=\"background:#d62728\"></span>artificial genomes (AGs)<span style=\"background:#2ca02c\"></span>holdout (real, unseen: what a perfect generator scores)</p>"
    );
    let s = &r.inputs.sites;
    p.table(
        &["input", "haplotypes", "sites only in this input"],
        &[
            vec![
                "train".into(),
                r.inputs.train_haplotypes.to_string(),
                s.train_only.to_string(),
            ],
            vec![
                "synthetic".into(),
                r.inputs.synthetic_haplotypes.to_string(),
                s.synthetic_only.to_string(),
            ],
            vec![
                "holdout".into(),
                r.inputs
                    .holdout_haplotypes
                    .map_or("—".into(), |n| n.to_string()),
                s.holdout_only.map_or("—".into(), |n| n.to_string()),
            ],
        ],
    );
    p.note(&format!(
        "{} common sites evaluated (matched by CHROM/POS/REF/ALT). Left out, e.g.: {}. Seed {}; schema version {}; genosynth {}.",
        s.common,
        if s.examples_left_out.is_empty() { "none".to_string() } else { s.examples_left_out.join(", ") },
        r.settings.seed,
        r.schema_version,
        r.genosynth_version
    ));

    p.section(&format!(
        "Verdict: {}",
        status_cell(r.verdict.overall).to_uppercase()
    ));
    p.note("Each figure is judged on its own: an average such as AATS can look fine while AA_truth and AA_syn both fail. With a holdout, thresholds are set relative to what real unseen data scores.");
    p.html.push_str("<table><tr><th>check</th><th>AGs</th><th>holdout reference</th><th>status</th><th>threshold</th><th>meaning</th></tr>");
    for c in &r.verdict.checks {
        let st = status_cell(c.status);
        let _ = write!(
            p.html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{st}\">{st}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.name),
            num(c.value),
            opt(c.reference),
            esc(&c.threshold),
            esc(&c.meaning)
        );
    }
    p.html.push_str("</table>");

    // Allele frequencies.
    p.section("Allele frequencies");
    let af = &r.allele_frequencies;
    let mut rows = vec![vec![
        "AGs vs train".into(),
        num(af.synthetic.pearson_r),
        num(af.synthetic.rmse),
        num(af.synthetic.max_abs_diff),
    ]];
    if let Some(h) = &af.holdout {
        rows.push(vec![
            "holdout vs train".into(),
            num(h.pearson_r),
            num(h.rmse),
            num(h.max_abs_diff),
        ]);
    }
    p.table(&["comparison", "Pearson r", "RMSE", "max |Δ|"], &rows);
    let pairs = |a: &[f64], b: &[f64]| a.iter().copied().zip(b.iter().copied()).collect::<Vec<_>>();
    let mut series = vec![Series::new(
        "AGs",
        SYNTHETIC,
        pairs(&af.synthetic.reference, &af.synthetic.compared),
    )];
    if let Some(h) = &af.holdout {
        series.push(Series::new(
            "holdout",
            HOLDOUT,
            pairs(&h.reference, &h.compared),
        ));
    }
    p.figure(
        scatter("Allele frequency per site", "train ALT frequency", "ALT frequency", &series, true),
        "Allele frequencies",
        "each point is a site; on the diagonal = same frequency as train; the holdout shows the spread expected from sampling alone",
    );
    let bins = r.sfs.bins as f64;
    let sfs_pts = |v: &[f64]| {
        v.iter()
            .enumerate()
            .skip(1)
            .map(|(i, &x)| ((i as f64 - 0.5) * 0.5 / bins, x))
            .collect::<Vec<_>>()
    };
    let mut series = vec![
        Series::new("train", TRAIN, sfs_pts(&r.sfs.train)),
        Series::new("AGs", SYNTHETIC, sfs_pts(&r.sfs.synthetic)),
    ];
    if let Some(h) = &r.sfs.holdout {
        series.push(Series::new("holdout", HOLDOUT, sfs_pts(h)));
    }
    p.figure(
        lines("Folded site frequency spectrum", "minor allele frequency (bin centre)", "share of sites", &series),
        "Site frequency spectrum",
        "share of sites per minor-allele-frequency bin; AGs that lose rare variants fall short at the left",
    );

    // LD.
    p.section("Linkage disequilibrium");
    let w = &r.ld.window.synthetic;
    let k = w.n_sites.min(MAX_HEATMAP_SITES);
    let trim = |v: &[f64]| -> Vec<f64> {
        let mut out = Vec::new();
        let mut idx = 0;
        for i in 0..w.n_sites {
            for j in i + 1..w.n_sites {
                if i < k && j < k {
                    out.push(v[idx]);
                }
                idx += 1;
            }
        }
        out
    };
    p.figure(
        ld_heatmap(&format!("r², first {k} sites: train above, AGs below"), k, &trim(&w.reference_r2), &trim(&w.compared_r2)),
        "LD heatmap (train / AGs)",
        "pairwise r²: the two triangles should mirror each other; a pale lower triangle means the AGs lost LD blocks",
    );
    if let Some(h) = &r.ld.window.holdout {
        p.figure(
            ld_heatmap(
                &format!("r², first {k} sites: train above, holdout below"),
                k,
                &trim(&h.reference_r2),
                &trim(&h.compared_r2),
            ),
            "LD heatmap (train / holdout)",
            "the same for real unseen data: the level of agreement a perfect generator reaches",
        );
    }
    let mut rows = vec![vec!["AGs vs train".into(), num(w.pearson_r)]];
    if let Some(h) = &r.ld.window.holdout {
        rows.push(vec!["holdout vs train".into(), num(h.pearson_r)]);
    }
    p.table(
        &[
            "comparison",
            &format!("Pearson r of r² (first {} sites)", w.n_sites),
        ],
        &rows,
    );
    let by_sites = |v: &[f64]| {
        v.iter()
            .enumerate()
            .map(|(i, &x)| ((i + 1) as f64, x))
            .collect::<Vec<_>>()
    };
    let mut series = vec![
        Series::new("train", TRAIN, by_sites(&r.ld.decay_train.by_sites)),
        Series::new("AGs", SYNTHETIC, by_sites(&r.ld.decay_synthetic.by_sites)),
    ];
    if let Some(h) = &r.ld.decay_holdout {
        series.push(Series::new("holdout", HOLDOUT, by_sites(&h.by_sites)));
    }
    p.figure(
        lines("LD decay by site distance", "distance (sites)", "mean r²", &series),
        "LD decay (sites)",
        "mean r² of site pairs by how many sites apart they are; AGs below train lose short-range LD",
    );
    let by_bp = |d: &crate::LdDecay| {
        d.bp_bin_starts
            .iter()
            .zip(&d.by_bp)
            .map(|(&s, &x)| ((s as f64).log2(), x))
            .collect::<Vec<_>>()
    };
    let mut series = vec![
        Series::new("train", TRAIN, by_bp(&r.ld.decay_train)),
        Series::new("AGs", SYNTHETIC, by_bp(&r.ld.decay_synthetic)),
    ];
    if let Some(h) = &r.ld.decay_holdout {
        series.push(Series::new("holdout", HOLDOUT, by_bp(h)));
    }
    p.figure(
        lines(
            "LD decay by base-pair distance",
            "log2(distance in bp), bin start",
            "mean r²",
            &series,
        ),
        "LD decay (bp)",
        "mean r² in doubling base-pair distance bins, for pairs within the LD window",
    );

    // Distances.
    p.section("Pairwise haplotype distances");
    let d = &r.distances;
    let mut series = vec![
        Series::new("within train", TRAIN, hist_points(&d.within_train, 1.0)),
        Series::new(
            "within AGs",
            SYNTHETIC,
            hist_points(&d.within_synthetic, 1.0),
        ),
        Series::new(
            "train–AG",
            RGBColorExt::PURPLE,
            hist_points(&d.train_synthetic, 1.0),
        ),
    ];
    if let Some(h) = &d.within_holdout {
        series.push(Series::new("within holdout", HOLDOUT, hist_points(h, 1.0)));
    }
    p.figure(
        lines("Hamming distance distributions", "distance (sites)", "share of pairs", &series),
        "Pairwise distances",
        "distributions of Hamming distances between haplotypes; within-AG should overlay within-train; a narrower AG curve means too little diversity",
    );
    p.table(
        &["figure", "value"],
        &[
            vec!["mean distance within train".into(), num(d.means[0])],
            vec!["mean distance within AGs".into(), num(d.means[1])],
            vec!["mean distance train–AG".into(), num(d.means[2])],
            vec![
                "Wasserstein(within AGs, within train), sites".into(),
                num(d.wasserstein_within),
            ],
            vec![
                "Wasserstein(within holdout, within train), sites".into(),
                opt(d.wasserstein_within_holdout),
            ],
        ],
    );

    // PCA.
    p.section("Principal components (fitted on train)");
    let pca = &r.pca;
    let n_pc = pca.explained_variance_ratio.len();
    for a in (0..n_pc.saturating_sub(1)).step_by(2) {
        let pts = |c: &[Vec<f64>]| c.iter().map(|r| (r[a], r[a + 1])).collect::<Vec<_>>();
        let mut series = Vec::new();
        // One colour per population name across train and AGs; AGs are rings.
        let mut names: Vec<&String> = pca
            .populations_train
            .iter()
            .chain(&pca.populations_synthetic)
            .flatten()
            .collect();
        names.sort();
        names.dedup();
        let by_population = |coords: &[Vec<f64>], pops: &[String], label: &str| {
            names
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    let v: Vec<(f64, f64)> = coords
                        .iter()
                        .zip(pops)
                        .filter(|(_, p)| p == name)
                        .map(|(r, _)| (r[a], r[a + 1]))
                        .collect();
                    (!v.is_empty()).then(|| {
                        Series::new(format!("{label} {name}"), PALETTE[i % PALETTE.len()], v)
                    })
                })
                .collect::<Vec<_>>()
        };
        match &pca.populations_train {
            Some(pops) => series.extend(by_population(&pca.coords_train, pops, "train")),
            None => series.push(Series::new("train", TRAIN, pts(&pca.coords_train))),
        }
        match &pca.populations_synthetic {
            Some(pops) => series.extend(
                by_population(&pca.coords_synthetic, pops, "AGs")
                    .into_iter()
                    .map(Series::hollow),
            ),
            None => series.push(Series::new("AGs", SYNTHETIC, pts(&pca.coords_synthetic))),
        }
        if let Some(h) = &pca.coords_holdout {
            series.push(Series::new("holdout", HOLDOUT, pts(h)));
        }
        let xl = format!(
            "PC{} ({:.1}%)",
            a + 1,
            100.0 * pca.explained_variance_ratio[a]
        );
        let yl = format!(
            "PC{} ({:.1}%)",
            a + 2,
            100.0 * pca.explained_variance_ratio[a + 1]
        );
        p.figure(
            scatter(&format!("PC{}–PC{}", a + 1, a + 2), &xl, &yl, &series, false),
            &format!("PCA PC{}–PC{}", a + 1, a + 2),
            "train haplotypes define the axes (Patterson scaling as scikit-allel), AGs are projected (with population labels, as rings in their label's colour); AGs should cover the same clusters, not sit between them",
        );
    }
    let rows: Vec<Vec<String>> = (0..n_pc)
        .map(|k| {
            vec![
                format!("PC{}", k + 1),
                num(pca.explained_variance_ratio[k]),
                num(pca.wasserstein_synthetic[k]),
                pca.wasserstein_holdout
                    .as_ref()
                    .map_or("—".into(), |v| num(v[k])),
            ]
        })
        .collect();
    p.table(
        &[
            "component",
            "variance share",
            "Wasserstein AGs (train sd)",
            "Wasserstein holdout (train sd)",
        ],
        &rows,
    );

    // Triplets and haplotype frequencies.
    p.section("Higher-order structure");
    let t = &r.triplets;
    let mut series = vec![Series::new(
        "AGs",
        SYNTHETIC,
        pairs(&t.synthetic.reference, &t.synthetic.compared),
    )];
    if let Some(h) = &t.holdout {
        series.push(Series::new(
            "holdout",
            HOLDOUT,
            pairs(&h.reference, &h.compared),
        ));
    }
    p.figure(
        scatter("3-point connected correlations", "train", "AGs / holdout", &series, true),
        "3-point correlations",
        &format!(
            "{} random site triplets within {} sites; points on the diagonal reproduce structure beyond pairwise LD (r = {}, holdout {})",
            t.synthetic.n_triplets,
            t.synthetic.window,
            num(t.synthetic.pearson_r),
            opt(t.holdout.as_ref().map(|h| h.pearson_r))
        ),
    );
    for (i, w) in r.haplotype_frequencies.synthetic.iter().enumerate() {
        let mut series = vec![Series::new("AGs", SYNTHETIC, w.points.clone())];
        let href = r
            .haplotype_frequencies
            .holdout
            .as_ref()
            .and_then(|v| v.get(i));
        if let Some(h) = href {
            series.push(Series::new("holdout", HOLDOUT, h.points.clone()));
        }
        p.figure(
            scatter(&format!("Haplotype frequencies, {}-site windows", w.window), "train frequency", "frequency", &series, true),
            &format!("{}-site window haplotypes", w.window),
            &format!(
                "each point is one haplotype in one window (r = {}); {:.1}% of AG window-haplotypes never occur in train (holdout: {})",
                num(w.pearson_r),
                100.0 * w.unseen_share,
                href.map_or("—".into(), |h| format!("{:.1}%", 100.0 * h.unseen_share))
            ),
        );
    }
    let mut rows = vec![vec!["train vs AGs".into(), num(r.fst.train_synthetic)]];
    if let Some(h) = r.fst.train_holdout {
        rows.push(vec!["train vs holdout".into(), num(h)]);
    }
    for (pop, n, f) in &r.fst.per_population {
        rows.push(vec![
            format!("train {pop} ({n} haplotypes) vs AGs"),
            num(*f),
        ]);
    }
    p.table(&["Hudson Fst", "value"], &rows);
    p.note("Fst near 0: AGs and real data are one population; larger values mean the AGs drift away in frequency.");

    // Privacy.
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
                match (
                    pr.membership_tpr_at_1pct_fpr,
                    pr.membership_tpr_at_0_1pct_fpr,
                ) {
                    (Some(a), Some(b)) => format!("{} / {}", num(a), num(b)),
                    _ => "–".into(),
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
                        "{}, {} / {}",
                        num(l.auc),
                        num(l.tpr_at_1pct_fpr),
                        num(l.tpr_at_0_1pct_fpr)
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
            RGBColorExt::ORANGE,
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
    if !r.populations.is_empty() {
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
    crate::html_selection::selection_and_guard(&mut p, r);
    let _ = write!(
        p.html,
        "<p class=\"note\">{} figures.</p></body></html>",
        p.figures
    );
    p.html
}

/// Two extra colours that are not part of the train / AG / holdout scheme.
struct RGBColorExt;

impl RGBColorExt {
    const PURPLE: plotters::style::RGBColor = plotters::style::RGBColor(148, 103, 189);
    const ORANGE: plotters::style::RGBColor = plotters::style::RGBColor(255, 127, 14);
}
