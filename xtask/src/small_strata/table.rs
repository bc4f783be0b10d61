//! `small-strata`'s tables: one row per measured setting, the means per size and setting, and
//! what a user gets; written into docs/privacy.md between a mode's markers.

use std::fmt::Write as _;

use super::{Measured, Setting, outcomes};
use crate::harness::{cell, markdown_table};

const DOC: &str = "docs/privacy.md";

pub(super) fn row(m: &Measured) -> Vec<String> {
    let f = &m.figures;
    let model = match (m.setting, m.weight) {
        (Setting::Alone, _) => "own people only".to_string(),
        (Setting::Shared, _) => "shared mixture, a component per group".to_string(),
        (Setting::Auto, Some(w)) => format!("reference, auto: w = {w}"),
        (_, w) => format!("reference, w = {}", cell(w, 1)),
    };
    vec![
        format!("{} of {}", m.stratum.n, m.stratum.group_people),
        m.stratum.group.clone(),
        m.stratum.seed.to_string(),
        if m.variant.is_empty() {
            model
        } else {
            format!("{model}, `{}`", m.variant)
        },
        format!("{} / {}", m.members, m.non_members),
        cell(m.validation_auc, 2),
        match (m.refused, m.folds_missed) {
            (r, None) => if r { "yes" } else { "no" }.to_string(),
            (r, Some(f)) => format!(
                "{} (folds: {})",
                if r { "yes" } else { "no" },
                if f { "miss" } else { "within" }
            ),
        },
        cell(m.likelihood_auc, 2),
        cell(f.likelihood_tpr_1pct, 2),
        cell(f.loss, 3),
        cell(f.auc, 2),
        cell(f.ld, 2),
        cell(m.af, 3),
        cell(f.pca, 2),
    ]
}

/// Whether a measured model is refused, by one way of judging it.
type Judge<'a> = &'a dyn Fn(&Measured) -> bool;

/// The weight column of the means: `auto`, `4`, with the extra synth arguments if any.
fn setting_label(m: &Measured) -> String {
    if m.variant.is_empty() {
        m.setting.name()
    } else {
        format!("{}, `{}`", m.setting.name(), m.variant)
    }
}

/// The table, then per size and weight the mean likelihood-attack AUC and privacy loss;
/// `group` names what a stratum is drawn from (`cluster`, `population`).
pub(super) fn document(rows: &[Measured], group: &str) -> String {
    let people = format!("people (of {group})");
    let header = [
        people.as_str(),
        group,
        "seed",
        "model",
        "members / test people",
        "validation likelihood AUC",
        "refused",
        "likelihood AUC",
        "TPR@1%",
        "privacy loss",
        "membership AUC",
        "LD r² corr.",
        "AF r",
        "PCA W",
    ];
    let mut t = markdown_table(&header, &rows.iter().map(row).collect::<Vec<_>>());
    let mut keys: Vec<(usize, String)> = rows
        .iter()
        .map(|m| (m.stratum.n, setting_label(m)))
        .collect();
    keys.sort();
    keys.dedup();
    let _ = writeln!(t, "\nMeans over strata and seeds:\n");
    let mut means = Vec::new();
    for (n, w) in keys {
        let of: Vec<&Measured> = rows
            .iter()
            .filter(|m| m.stratum.n == n && setting_label(m) == w)
            .collect();
        let mean = |f: &dyn Fn(&Measured) -> Option<f64>| {
            let v: Vec<f64> = of.iter().filter_map(|m| f(m)).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        means.push(vec![
            n.to_string(),
            w,
            of.iter()
                .filter_map(|m| m.weight)
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            cell(mean(&|m| m.validation_auc), 3),
            cell(mean(&|m| m.likelihood_auc), 3),
            cell(mean(&|m| m.figures.loss), 3),
            cell(mean(&|m| m.figures.auc), 3),
            cell(mean(&|m| m.figures.ld), 2),
            cell(mean(&|m| m.af), 3),
            cell(mean(&|m| m.figures.pca), 2),
        ]);
    }
    let mut outcome_rows = Vec::new();
    let mut keys: Vec<(usize, String)> = rows
        .iter()
        .filter(|m| m.setting != Setting::Alone)
        .map(|m| (m.stratum.n, setting_label(m)))
        .collect();
    keys.sort();
    keys.dedup();
    for (n, w) in &keys {
        let of: Vec<&Measured> = rows
            .iter()
            .filter(|m| m.stratum.n == *n && setting_label(m) == *w)
            .collect();
        let on_validation = |m: &Measured| m.refused;
        let on_folds = |m: &Measured| m.folds_missed.unwrap_or(m.refused);
        let judges: [(&str, Judge<'_>); 2] = [
            ("validation people", &on_validation),
            ("mean of folds", &on_folds),
        ];
        for (judge, refused) in judges {
            if judge == "mean of folds" && of.iter().all(|m| m.folds_missed.is_none()) {
                continue;
            }
            let [written, good, leaking, refused_good] = outcomes::outcomes(&of, refused);
            outcome_rows.push(vec![
                n.to_string(),
                w.clone(),
                judge.to_string(),
                of.len().to_string(),
                written,
                good,
                leaking,
                refused_good,
            ]);
        }
    }
    means_outcomes(&mut t, &means, &outcome_rows);
    t
}

/// The means table, then what a user gets per setting and refusal.
fn means_outcomes(t: &mut String, means: &[Vec<String>], outcome_rows: &[Vec<String>]) {
    t.push_str(&markdown_table(
        &[
            "people",
            "reference weight",
            "weight per run",
            "validation likelihood AUC",
            "likelihood AUC",
            "privacy loss",
            "membership AUC",
            "LD r² corr.",
            "AF r",
            "PCA W",
        ],
        means,
    ));
    let _ = writeln!(
        t,
        "\nWhat a user gets (written: not refused; both bounds: likelihood AUC ≤ 0.60 and privacy loss ≤ 0.03 on the test people):\n"
    );
    t.push_str(&markdown_table(
        &[
            "people",
            "reference weight",
            "refusal judged on",
            "runs",
            "written",
            "written, within both",
            "written, leaking",
            "refused yet within both",
        ],
        outcome_rows,
    ));
}

/// Puts `table` into docs/privacy.md between the markers named `name` (`small-strata`,
/// `small-strata-simulated`).
pub(super) fn write_doc(name: &str, table: &str) -> anyhow::Result<()> {
    let (begin, end) = (
        format!("<!-- {name}:begin -->"),
        format!("<!-- {name}:end -->"),
    );
    crate::harness::splice_between(DOC, &begin, &end, table)
}
