//! The targets the shareable-AGs work set (issue 14), checked on the test people for each
//! chosen checkpoint and on the validation people for every checkpoint: which bound binds.

use std::fmt::Write as _;

use genosynth_eval::Report;
use serde_json::Value;

use super::{Trajectory, aa_distance};
use crate::harness::{Row, finite};

/// Bounds the AGs must meet, on people the model never saw.
pub(super) struct Targets {
    pub(super) ld_min: f64,
    pub(super) aa: (f64, f64),
    pub(super) loss_max: f64,
    pub(super) auc_max: Option<f64>,
    pub(super) pca_max: Option<f64>,
    pub(super) no_copies: bool,
}

pub(super) const TARGETS_805: Targets = Targets {
    ld_min: 0.93,
    aa: (0.40, 0.65),
    loss_max: 0.03,
    auc_max: Some(0.55),
    pca_max: Some(0.15),
    no_copies: true,
};

pub(super) const TARGETS_AGBL4: Targets = Targets {
    ld_min: 0.90,
    aa: (0.35, 0.70),
    loss_max: 0.03,
    auc_max: None,
    pca_max: None,
    no_copies: false,
};

/// One set of figures; `None` where the set does not measure it (the real test people have
/// no privacy loss, validations count no copies).
#[derive(Default)]
pub(crate) struct Figures {
    pub(crate) ld: Option<f64>,
    pub(crate) aa_truth: Option<f64>,
    pub(crate) aa_syn: Option<f64>,
    pub(crate) loss: Option<f64>,
    pub(crate) auc: Option<f64>,
    pub(crate) pca: Option<f64>,
    pub(crate) copies: Option<f64>,
    /// Distance attack's true-positive rate at 1% false positives.
    pub(crate) tpr_1pct: Option<f64>,
    /// Likelihood attack's true-positive rate at 1% false positives (models with one).
    pub(crate) likelihood_tpr_1pct: Option<f64>,
    /// ε spent by DP-SGD training (models trained privately).
    pub(crate) epsilon: Option<f64>,
}

impl Figures {
    /// The figures of one report: the one place the frontier reads its layout.
    pub(crate) fn from_report(r: &Report) -> Self {
        let p = &r.privacy;
        Figures {
            ld: finite(r.ld.window.synthetic.pearson_r),
            aa_truth: finite(p.aats_train.aa_truth.mean),
            aa_syn: finite(p.aats_train.aa_syn.mean),
            loss: p.privacy_loss.and_then(finite),
            auc: p.membership_auc.and_then(finite),
            pca: pca_w(r),
            copies: Some(p.exact_copies.synthetic_copies as f64),
            tpr_1pct: p.membership_tpr_at_1pct_fpr.and_then(finite),
            likelihood_tpr_1pct: p
                .likelihood_attack
                .as_ref()
                .and_then(|l| l.tpr_at_1pct_fpr.and_then(finite)),
            epsilon: r
                .differential_privacy
                .as_ref()
                .and_then(|d| finite(d.epsilon)),
        }
    }

    fn from_validation(v: &Value) -> Self {
        let num = |k: &str| v.get(k).and_then(Value::as_f64);
        Figures {
            ld: num("ld_r2"),
            aa_truth: num("aa_truth"),
            aa_syn: num("aa_syn"),
            loss: num("privacy_loss"),
            auc: num("membership_auc"),
            pca: num("pca_w"),
            ..Figures::default()
        }
    }
}

/// Largest PCA Wasserstein distance over PC1 and PC2 (training sd).
fn pca_w(r: &Report) -> Option<f64> {
    let w = &r.pca.wasserstein_synthetic;
    (!w.is_empty()).then(|| {
        w.iter()
            .take(2)
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::NAN, f64::max)
    })
}

impl Targets {
    fn describe(&self) -> String {
        let mut s = format!(
            "LD r² correlation ≥ {:.2}, AA_truth and AA_syn each within {:.2}–{:.2}, privacy loss ≤ {:.2}",
            self.ld_min, self.aa.0, self.aa.1, self.loss_max
        );
        if let Some(a) = self.auc_max {
            let _ = write!(s, ", membership AUC ≤ {a:.2}");
        }
        if let Some(p) = self.pca_max {
            let _ = write!(s, ", PCA W ≤ {p:.2} sd");
        }
        if self.no_copies {
            s.push_str(", no exact copies");
        }
        s
    }

    /// The bounds `f` misses, each as "what value vs bound".
    fn misses(&self, f: &Figures) -> Vec<String> {
        let mut out = Vec::new();
        let mut check =
            |name: &str, value: Option<f64>, ok: &dyn Fn(f64) -> bool, bound: String| {
                if let Some(v) = value.filter(|v| !ok(*v)) {
                    out.push(format!("{name} {v:.3} ({bound})"));
                }
            };
        let (lo, hi) = self.aa;
        let in_aa = |v: f64| (lo..=hi).contains(&v);
        check(
            "LD",
            f.ld,
            &|v| v >= self.ld_min,
            format!("≥ {:.2}", self.ld_min),
        );
        check("AA_truth", f.aa_truth, &in_aa, format!("{lo:.2}–{hi:.2}"));
        check("AA_syn", f.aa_syn, &in_aa, format!("{lo:.2}–{hi:.2}"));
        let loss_max = self.loss_max;
        check(
            "privacy loss",
            f.loss,
            &|v| v <= loss_max,
            format!("≤ {loss_max:.2}"),
        );
        if let Some(a) = self.auc_max {
            check("membership AUC", f.auc, &|v| v <= a, format!("≤ {a:.2}"));
        }
        if let Some(p) = self.pca_max {
            check("PCA W", f.pca, &|v| v <= p, format!("≤ {p:.2}"));
        }
        if self.no_copies {
            check("exact copies", f.copies, &|v| v == 0.0, "none".into());
        }
        out
    }
}

/// The targets table: per set, what its figures on the test people miss, and how many
/// validated checkpoints meet every target on the validation people (or which bounds the
/// nearest one misses).
pub(super) fn render(
    targets: &Targets,
    ceiling: &Row,
    rows: &[Row],
    trajectories: &[Trajectory],
) -> String {
    let mut s = format!(
        "Targets, on people the model never saw: {}.\n\n\
         | set | misses on the test people | validated checkpoints meeting every target (validation people) |\n\
         |---|---|---|\n",
        targets.describe()
    );
    let joined = |m: Vec<String>| {
        if m.is_empty() {
            "none".to_string()
        } else {
            m.join("; ")
        }
    };
    let ceiling_misses = targets.misses(&Figures::from_report(&ceiling.report));
    let _ = writeln!(s, "| {} | {} | – |", ceiling.label, joined(ceiling_misses));
    for (row, t) in rows.iter().zip(trajectories) {
        let test = targets.misses(&Figures::from_report(&row.report));
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            row.label,
            joined(test),
            frontier_cell(targets, t)
        );
    }
    s.push('\n');
    s
}

/// "k of n (epochs …)" when some checkpoints meet every target, else the bounds the nearest
/// checkpoint (fewest misses, then AA halves nearest 0.5, then highest LD) misses.
fn frontier_cell(targets: &Targets, t: &Trajectory) -> String {
    let scored: Vec<(usize, Vec<String>, f64, f64)> = t
        .points
        .iter()
        .map(|(epoch, v)| {
            let f = Figures::from_validation(v);
            let d = aa_distance(f.aa_truth.unwrap_or(1.0), f.aa_syn.unwrap_or(1.0));
            (
                *epoch,
                targets.misses(&f),
                d,
                f.ld.unwrap_or(f64::NEG_INFINITY),
            )
        })
        .collect();
    let meeting: Vec<usize> = scored
        .iter()
        .filter(|(_, m, _, _)| m.is_empty())
        .map(|(e, _, _, _)| *e)
        .collect();
    if !meeting.is_empty() {
        let shown: Vec<String> = meeting.iter().take(8).map(usize::to_string).collect();
        let more = if meeting.len() > 8 { ", …" } else { "" };
        return format!(
            "{} of {} (epochs {}{more})",
            meeting.len(),
            scored.len(),
            shown.join(", ")
        );
    }
    match scored.iter().min_by(|a, b| {
        (a.1.len().cmp(&b.1.len()))
            .then(a.2.total_cmp(&b.2))
            .then(b.3.total_cmp(&a.3))
    }) {
        Some((epoch, misses, _, _)) => format!(
            "0 of {}; nearest, epoch {epoch}, misses {}",
            scored.len(),
            misses.join("; ")
        ),
        None => "no validations".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misses_name_each_bound_a_figure_breaks_and_skip_unmeasured_ones() {
        let ok = Figures {
            ld: Some(0.95),
            aa_truth: Some(0.6),
            aa_syn: Some(0.45),
            loss: Some(0.03),
            auc: Some(0.5),
            pca: Some(0.1),
            copies: Some(0.0),
            ..Figures::default()
        };
        assert!(TARGETS_805.misses(&ok).is_empty());
        let noisy = Figures {
            aa_truth: Some(0.98),
            loss: Some(0.031),
            copies: Some(2.0),
            ..ok
        };
        assert_eq!(
            TARGETS_805.misses(&noisy),
            [
                "AA_truth 0.980 (0.40–0.65)",
                "privacy loss 0.031 (≤ 0.03)",
                "exact copies 2.000 (none)"
            ]
        );
        // AGBL4 has no AUC, PCA or copy targets; a validation measures no copies.
        let unmeasured = Figures {
            auc: Some(0.9),
            pca: Some(1.0),
            copies: None,
            ..Figures::default()
        };
        assert!(TARGETS_AGBL4.misses(&unmeasured).is_empty());
        assert!(TARGETS_805.misses(&Figures::default()).is_empty());
    }
}
