//! The evaluation's summary table, printed by `eval` and `synth` after the report is written.

use std::io::Write;
use std::path::Path;

use genosynth_eval::{Report, Status};

use crate::Context;

/// Says where `report.json` and `report.html` went.
pub(crate) fn report_written(dir: &Path, ctx: &Context) {
    ctx.printer.info(format!(
        "wrote {} and {}",
        dir.join("report.json").display(),
        dir.join("report.html").display()
    ));
}

/// The figures of the verdict, the provenance lines and the AATS reading, as a table.
pub(crate) fn print_summary(r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let fmt = |x: f64| {
        if x.is_finite() {
            format!("{x:.4}")
        } else {
            "n/a".into()
        }
    };
    let word = |s: Status| match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    };
    writeln!(
        out,
        "train {} haplotypes, synthetic {}, holdout {}, {} common sites",
        r.inputs.train_haplotypes,
        r.inputs.synthetic_haplotypes,
        r.inputs
            .holdout_haplotypes
            .map_or("none".to_string(), |n| n.to_string()),
        r.inputs.sites.common
    )?;
    writeln!(
        out,
        "{:<32} {:>10} {:>17} {:>10}  status",
        "check", "AGs", "95% interval", "holdout"
    )?;
    for c in &r.verdict.checks {
        let uncertain = match (c.certified, c.people_needed) {
            (Some(false), Some(n)) => {
                format!(" (not certified at this sample size; about {n} people would)")
            }
            (Some(false), None) => " (not certified at this sample size)".into(),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:<32} {:>10} {:>17} {:>10}  {}{uncertain}",
            c.name,
            fmt(c.value),
            c.ci95
                .map_or("-".to_string(), |[lo, hi]| format!("{:.3}–{:.3}", lo, hi)),
            c.reference.map_or("-".to_string(), fmt),
            word(c.status)
        )?;
    }
    if let Some(t) = &r.selection
        && let Some(p) = t.points.iter().find(|p| Some(p.epoch) == t.selected_epoch)
    {
        writeln!(
            out,
            "checkpoint: epoch {} chosen among {} validated on held-out people (validation: AA {:.3}/{:.3}, privacy loss {:.3}, membership AUC {:.3}, LD {:.3})",
            p.epoch,
            t.points.len(),
            p.aa_truth,
            p.aa_syn,
            p.privacy_loss,
            p.membership_auc,
            p.ld_r2
        )?;
    }
    if let Some(p) = &r.private_alleles {
        writeln!(
            out,
            "private alleles not learned: {} alleles at {} sites (no reference person and fewer than {} input haplotypes carry them)",
            p.alleles, p.sites, p.min_count
        )?;
    }
    if let Some(d) = &r.differential_privacy {
        writeln!(
            out,
            "differential privacy: {} per {}, ε = {:.3} at δ = {:e}",
            d.mechanism, d.unit, d.epsilon, d.delta
        )?;
    }
    let ci =
        |c: Option<[f64; 2]>| c.map_or(String::new(), |[lo, hi]| format!(" ({lo:.3}–{hi:.3})"));
    if let Some(n) = r.privacy.membership_non_members {
        let u = &r.uncertainty;
        writeln!(
            out,
            "membership attack (distance to the nearest AG, {} vs {n} haplotypes): TPR {}{} at 1% FPR, {} at 0.1% FPR",
            r.inputs.train_haplotypes,
            genosynth_eval::tpr_text(r.privacy.membership_tpr_at_1pct_fpr, n, 0.01),
            ci(u.membership_tpr_at_1pct_fpr),
            genosynth_eval::tpr_text(r.privacy.membership_tpr_at_0_1pct_fpr, n, 0.001)
        )?;
    }
    if let Some(l) = &r.privacy.likelihood_attack {
        writeln!(
            out,
            "likelihood attack ({}, {} vs {} people): AUC {:.3}{}, TPR {}{} at 1% FPR, {} at 0.1% FPR",
            l.score,
            l.members,
            l.non_members,
            l.auc,
            ci(l.auc_ci95),
            genosynth_eval::tpr_text(l.tpr_at_1pct_fpr, l.non_members, 0.01),
            ci(l.tpr_at_1pct_fpr_ci95),
            genosynth_eval::tpr_text(l.tpr_at_0_1pct_fpr, l.non_members, 0.001)
        )?;
    }
    if let Some(g) = &r.guard {
        writeln!(
            out,
            "guard: every AG at least {} sites from every training haplotype{}; {} redrawn",
            g.min_distance,
            if g.auto { " (auto)" } else { "" },
            g.redrawn
        )?;
    }
    let a = &r.privacy.aats_train;
    let m = &a.nearest_median;
    writeln!(
        out,
        "AATS halves: {}\n  median nearest-neighbour distance (sites): real-real {:.1}, real-AG {:.1}, AG-real {:.1}, AG-AG {:.1}",
        genosynth_eval::privacy::aats_reading(a.aa_truth.mean, a.aa_syn.mean),
        m.real_to_real,
        m.real_to_synthetic,
        m.synthetic_to_real,
        m.synthetic_to_synthetic,
    )?;
    if !r.populations.is_empty() {
        writeln!(
            out,
            "{:<12} {:>7} {:>7} {:>8} {:>10} {:>10} {:>8} {:>12}",
            "population", "train", "AGs", "AF r", "Fst own", "Fst other", "AATS", "privacy loss"
        )?;
        for p in &r.populations {
            writeln!(
                out,
                "{:<12} {:>7} {:>7} {:>8} {:>10} {:>10} {:>8} {:>12}",
                p.population,
                p.train_haplotypes,
                p.synthetic_haplotypes,
                fmt(p.af_r),
                fmt(p.fst),
                p.fst_other_populations.map_or("-".to_string(), fmt),
                fmt(p.aats),
                p.privacy_loss.map_or("-".to_string(), fmt),
            )?;
        }
    }
    writeln!(out, "verdict: {}", word(r.verdict.overall))?;
    Ok(())
}
