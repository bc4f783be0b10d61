//! The fidelity sections: allele frequencies, LD, pairwise distances, PCA and higher-order
//! structure, each against train and, with a holdout, what real unseen data scores.

use super::plots::{
    HOLDOUT, PALETTE, SYNTHETIC, Series, TRAIN, TRAIN_TO_AG, ld_heatmap, lines, lines_marked,
    scatter,
};
use super::{MAX_HEATMAP_SITES, Page, hist_points, num, opt, pairs};
use crate::report::Report;

/// Allele frequencies per site and the folded site frequency spectrum.
pub(super) fn allele_frequencies(p: &mut Page, r: &Report) {
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
}

/// Linkage disequilibrium: r² heatmaps and LD decay by sites and by base pairs.
pub(super) fn linkage(p: &mut Page, r: &Report) {
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
    along_the_chromosome(p, r);
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
        "mean r² in doubling base-pair distance bins up to 1 Mb (up to 8 evenly spaced pairs per site and bin)",
    );
}

/// r² agreement per LD window along the chromosome, model boundaries marked.
fn along_the_chromosome(p: &mut Page, r: &Report) {
    let lw = &r.ld_windows;
    let mid = |w: &crate::LdAlongWindow| (w.first_site + w.n_sites / 2) as f64;
    let even: Vec<&crate::LdAlongWindow> =
        lw.windows.iter().filter(|w| w.boundary.is_none()).collect();
    let mut series = vec![Series::new(
        "AGs",
        SYNTHETIC,
        even.iter()
            .map(|w| (mid(w), w.synthetic_r))
            .filter(|p| p.1.is_finite())
            .collect(),
    )];
    if lw.holdout.is_some() {
        series.push(Series::new(
            "holdout",
            HOLDOUT,
            even.iter()
                .filter_map(|w| w.holdout_r.map(|h| (mid(w), h)))
                .filter(|p| p.1.is_finite())
                .collect(),
        ));
    }
    let at: Vec<(f64, f64)> = lw
        .windows
        .iter()
        .filter(|w| w.boundary.is_some())
        .map(|w| (mid(w), w.synthetic_r))
        .filter(|p| p.1.is_finite())
        .collect();
    // Each boundary window is centred on its boundary: its centre marks where the model joins.
    let marks: Vec<f64> = lw
        .windows
        .iter()
        .filter(|w| w.boundary.is_some())
        .map(mid)
        .collect();
    if !at.is_empty() {
        series.push(Series::new("AGs, windows on model boundaries", TRAIN, at));
    }
    p.figure(
        lines_marked(
            &format!("Pearson r of r², windows of {} sites", lw.window_sites),
            "window centre (site index)",
            "r vs train",
            &series,
            ("model boundary", &marks),
        ),
        "LD along the chromosome",
        "the r² agreement with train of each LD window spread along the chromosome (and of windows centred on the model's boundaries); AGs dipping where the holdout does not lose LD there",
    );
    let spread = |s: Option<crate::LdSpread>| {
        s.map_or(["—".to_string(), "—".to_string()], |s| {
            [num(s.median), num(s.min)]
        })
    };
    let mut rows = Vec::new();
    for (name, s) in [
        ("AGs vs train", Some(lw.synthetic)),
        ("holdout vs train", lw.holdout),
        (
            "AGs, windows on model boundaries",
            lw.synthetic_at_boundaries,
        ),
    ] {
        if s.is_some() {
            let [m, lo] = spread(s);
            rows.push(vec![name.to_string(), m, lo]);
        }
    }
    p.table(&["comparison", "median window r", "worst window r"], &rows);
}

/// Pairwise Hamming distance distributions.
pub(super) fn distances(p: &mut Page, r: &Report) {
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
            TRAIN_TO_AG,
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
}

/// Principal components fitted on train, with AGs and holdout projected.
pub(super) fn principal_components(p: &mut Page, r: &Report) {
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
}

/// 3-point correlations, window haplotype frequencies and Hudson Fst.
pub(super) fn higher_order(p: &mut Page, r: &Report) {
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
}
