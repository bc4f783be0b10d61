//! One self-contained HTML file: inline CSS and inline SVG figures, no script, no font, no URL.
//!
//! [`render_html`] writes the page section by section, one function each: the inputs and the
//! verdict here, the fidelity sections in `fidelity`, privacy in `privacy`, checkpoint
//! selection in `selection`; `plots` draws the figures in the colours they all share.

use std::fmt::Write;

use crate::report::Report;
use crate::verdict::Status;
use plots::{HOLDOUT, SYNTHETIC, TRAIN};

mod detection;
mod fidelity;
mod plots;
mod privacy;
mod selection;
#[cfg(test)]
mod tests;

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

pub(super) fn opt(x: Option<f64>) -> String {
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

pub(super) fn status_cell(s: Status) -> String {
    match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
    .into()
}

pub(super) fn hist_points(h: &[u64], x_scale: f64) -> Vec<(f64, f64)> {
    let total: u64 = h.iter().sum();
    h.iter()
        .enumerate()
        .map(|(d, &c)| (d as f64 * x_scale, c as f64 / total.max(1) as f64))
        .collect()
}

/// Pairs `(a[i], b[i])`: a statistic of train against the same of the compared set.
fn pairs(a: &[f64], b: &[f64]) -> Vec<(f64, f64)> {
    a.iter().copied().zip(b.iter().copied()).collect()
}

/// `#rrggbb` of a figure colour, for the HTML legend.
fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Renders the report as one self-contained HTML page.
pub fn render_html(r: &Report) -> String {
    let mut p = Page {
        html: String::new(),
        figures: 0,
    };
    inputs(&mut p, r);
    verdict(&mut p, r);
    fidelity::allele_frequencies(&mut p, r);
    fidelity::linkage(&mut p, r);
    fidelity::distances(&mut p, r);
    fidelity::principal_components(&mut p, r);
    fidelity::higher_order(&mut p, r);
    detection::distinguishability(&mut p, r);
    privacy::privacy(&mut p, r);
    privacy::closest_records(&mut p, r);
    privacy::shared_segments(&mut p, r);
    privacy::kinship(&mut p, r);
    privacy::per_population(&mut p, r);
    selection::selection_and_guard(&mut p, r);
    let _ = write!(
        p.html,
        "<p class=\"note\">{} figures.</p></body></html>",
        p.figures
    );
    p.html
}

/// The page's head, the colour legend and the inputs' sizes.
fn inputs(p: &mut Page, r: &Report) {
    let _ = write!(
        p.html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>genosynth evaluation</title><style>{STYLE}</style></head><body><h1>genosynth evaluation report</h1>"
    );
    let _ = write!(
        p.html,
        "<p class=\"legend\">Colours:<span style=\"background:{}\"></span>train (real)<span style=\"background:{}\"></span>artificial genomes (AGs)<span style=\"background:{}\"></span>holdout (real, unseen: what a perfect generator scores)</p>",
        hex(TRAIN),
        hex(SYNTHETIC),
        hex(HOLDOUT)
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
}

/// The verdict: every check with its value, reference, status and threshold.
fn verdict(p: &mut Page, r: &Report) {
    p.section(&format!(
        "Verdict: {}",
        status_cell(r.verdict.overall).to_uppercase()
    ));
    p.note("Intervals: 95% bootstrap over people (200 replicates, people drawn with replacement; each haplotype's nearest-neighbour distances and segments kept). A figure whose interval straddles its pass bound is not certified at this sample size whatever its status.");
    p.note("Each figure is judged on its own: an average such as AATS can look fine while AA_truth and AA_syn both fail. With a holdout, thresholds are set relative to what real unseen data scores.");
    p.html.push_str("<table><tr><th>check</th><th>AGs</th><th>95% interval</th><th>holdout reference</th><th>status</th><th>threshold</th><th>meaning</th></tr>");
    for c in &r.verdict.checks {
        let st = status_cell(c.status);
        let ci = c.ci95.map_or("—".into(), |[lo, hi]| {
            format!("{} – {}", num(lo), num(hi))
        });
        let status = match (c.certified, c.people_needed) {
            (Some(false), Some(n)) => {
                format!("{st}, not certified at this sample size (about {n} people would)")
            }
            (Some(false), None) => format!("{st}, not certified at this sample size"),
            _ => st.to_string(),
        };
        let _ = write!(
            p.html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{st}\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.name),
            num(c.value),
            ci,
            opt(c.reference),
            esc(&status),
            esc(&c.threshold),
            esc(&c.meaning)
        );
    }
    p.html.push_str("</table>");
    detection::interval_figures(p, r);
}
