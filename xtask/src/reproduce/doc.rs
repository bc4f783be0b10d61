//! The markdown documents: a fixed header, then one section per data set with its table and
//! plots. A run replaces only its own data sets' sections and keeps the others.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use super::MODELS;
use super::args::{Mode, Options};
use super::data::DATASET_ORDER;
use super::floor::floor_failures;
use super::pipeline::DatasetResult;
use crate::bench::environment::Environment;
use crate::harness::{LD_SITES, SEED, cell, finite, markdown_table, slug};

/// The data set's markdown table, then whether every model beats the floor.
pub(super) fn table(result: &DatasetResult) -> String {
    let rows: Vec<Vec<String>> = result
        .rows
        .iter()
        .map(|r| {
            let aats = &r.report.privacy.aats_train;
            let privacy = &r.report.privacy;
            vec![
                r.label.clone(),
                cell(r.af_r(), 4),
                cell(r.ld_r2(), 3),
                cell(r.ld_decay_gap(), 4),
                cell(r.pairwise_w(), 2),
                cell(r.pca_w(), 3),
                cell(r.triplet_r(), 3),
                cell(finite(aats.aa_truth.mean), 3),
                cell(finite(aats.aa_syn.mean), 3),
                cell(finite(aats.aats.mean), 3),
                cell(privacy.privacy_loss.and_then(finite), 3),
                privacy.exact_copies.synthetic_copies.to_string(),
                cell(privacy.membership_auc.and_then(finite), 3),
                r.train_s.map_or("–".to_string(), |s| format!("{s:.0} s")),
            ]
        })
        .collect();
    let mut t = markdown_table(
        &[
            "set",
            "AF r",
            "LD r² corr",
            "LD decay gap",
            "pairwise-distance W",
            "PCA W (PC1–2)",
            "3-point r",
            "AA_truth",
            "AA_syn",
            "AATS",
            "privacy loss",
            "exact copies",
            "membership AUC",
            "train time",
        ],
        &rows,
    );
    let _ = floor_note(&mut t, result);
    t
}

fn floor_note(t: &mut String, r: &DatasetResult) -> std::fmt::Result {
    let failures = floor_failures(r, true);
    writeln!(t)?;
    if failures.is_empty() {
        writeln!(
            t,
            "Every model clearly beats the independent-sites floor on LD r² correlation (by > 0.05), \
             3-point correlations (by > 0.05) and PCA Wasserstein distance (by > 10%)."
        )
    } else {
        writeln!(
            t,
            "**The floor is not clearly beaten — the model is not working here:**"
        )?;
        for f in failures {
            writeln!(t, "- {f}")?;
        }
        Ok(())
    }
}

/// The mode's document: its fixed header, then one section per data set. Sections of data sets
/// this run did not touch are kept from the existing document (with their plots), so a run
/// too long for one sitting can be done in parts (`--datasets`, `--models`); each section
/// names the command, commit and machine that produced it.
pub(super) fn render_doc(
    opts: &Options,
    env: &Environment,
    results: &[DatasetResult],
    total_s: f64,
) -> anyhow::Result<String> {
    let doc = opts.mode.doc().context("this mode writes no document")?;
    let plots_name = Path::new(doc)
        .file_stem()
        .and_then(|s| s.to_str())
        .context("document name")?;
    let plots_dir = Path::new("docs").join(plots_name);
    std::fs::create_dir_all(&plots_dir)?;
    let replaced: Vec<&str> = results.iter().map(|r| r.dataset.name).collect();
    let mut sections = kept_sections(&std::fs::read_to_string(doc).unwrap_or_default(), &replaced);
    for r in results {
        let prefix = format!("{}-", slug(r.dataset.name));
        for entry in std::fs::read_dir(&plots_dir)? {
            let path = entry?.path();
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
            {
                std::fs::remove_file(&path)?;
            }
        }
        let section = render_section(opts, env, r, total_s, &plots_dir, plots_name)?;
        sections.push((r.dataset.name.to_string(), section));
    }
    sort_sections(&mut sections);

    let mut d = String::new();
    writeln!(
        d,
        "# Reproduction of Yelmen et al. 2021 (PLOS Genetics): {} run\n",
        opts.mode.name()
    )?;
    let other = match opts.mode {
        Mode::Paper => "The quick run is in [reproduction.md](reproduction.md).",
        _ => "The paper-length run is in [reproduction-paper.md](reproduction-paper.md).",
    };
    let (gan_epochs, rbm_epochs) = opts.mode.epochs();
    writeln!(
        d,
        "Written by `cargo xtask reproduce{}` (mode **{}**: GAN {gan_epochs} epochs, RBM \
         {rbm_epochs} epochs); each section names the command, commit and machine that produced \
         it. Do not edit by hand. {other}\n",
        opts.mode.flag(),
        opts.mode.name(),
    )?;
    writeln!(
        d,
        "Method: each data set is split 80/20 **by individual** (seed {SEED}); each model is \
         trained on the train part with the paper's hyperparameters and generates as many AGs as \
         training haplotypes, and every set is evaluated with `genosynth eval --ld-window {LD_SITES}` \
         against train (privacy also against the holdout). Baselines are evaluated the same way: the \
         real holdout (ceiling: a perfect generator) and independent sites (floor: each site \
         Bernoulli at its training frequency, right frequencies and no LD).\n"
    )?;
    writeln!(
        d,
        "Columns: AF r = Pearson r of allele frequencies; LD r² corr = Pearson r of pairwise r² over \
         the first {LD_SITES} sites; LD decay gap = mean |Δ mean r²| by site distance; pairwise-distance W \
         = 1-Wasserstein distance (sites) between within-set Hamming distance distributions; PCA W = \
         Wasserstein distance of PC1/PC2 coordinates in train SD units; 3-point r = Pearson r of \
         connected 3-point correlations; AATS (0.5 ideal) with AA_truth and AA_syn; privacy loss = \
         AATS(holdout) − AATS(train); exact copies of training haplotypes; membership AUC (0.5 = no \
         leak); train time = the sum of the epochs' own times in the model's `history.jsonl` (a run \
         resumed over several sittings counts only its epochs). The ceiling row compares the holdout with train, so it has no holdout-based privacy \
         figures.\n"
    )?;
    for (_, section) in sections {
        writeln!(d, "{section}")?;
    }
    Ok(d.trim_end().to_string() + "\n")
}

/// `(title, text)` of every `## ` section of `doc` whose title is not in `replaced`.
fn kept_sections(doc: &str, replaced: &[&str]) -> Vec<(String, String)> {
    doc.split("\n## ")
        .skip(1)
        .filter_map(|s| {
            let title = s.lines().next()?.trim().to_string();
            (!replaced.contains(&title.as_str())).then(|| (title, format!("## {}\n", s.trim_end())))
        })
        .collect()
}

/// Known data sets in [`DATASET_ORDER`], others after them in their current order.
fn sort_sections(sections: &mut [(String, String)]) {
    sections.sort_by_key(|(title, _)| {
        DATASET_ORDER
            .iter()
            .position(|d| d == title)
            .unwrap_or(DATASET_ORDER.len())
    });
}

/// One data set's section: provenance, table and plots (written into `plots_dir`).
fn render_section(
    opts: &Options,
    env: &Environment,
    r: &DatasetResult,
    total_s: f64,
    plots_dir: &Path,
    plots_name: &str,
) -> anyhow::Result<String> {
    let trained: Vec<String> = opts
        .models
        .iter()
        .map(|m| format!("{} {} epochs", m.to_uppercase(), opts.mode.model_epochs(m)))
        .collect();
    let skipped: Vec<String> = MODELS
        .iter()
        .filter(|m| !opts.models.contains(m))
        .map(|m| m.to_uppercase())
        .collect();
    let mut d = String::new();
    writeln!(d, "## {}\n", r.dataset.name)?;
    writeln!(
        d,
        "Run: `cargo xtask reproduce{}{}` ({}; device `{}`; {:.0} min for {}).{}\n",
        opts.mode.flag(),
        opts.args
            .iter()
            .filter(|a| !matches!(a.as_str(), "--quick" | "--smoke"))
            .fold(String::new(), |acc, a| acc + " " + a),
        trained.join(", "),
        opts.device,
        total_s / 60.0,
        if opts.resume {
            "this last sitting, which resumed the checkpoints of earlier ones"
        } else {
            "the whole run"
        },
        if skipped.is_empty() {
            String::new()
        } else {
            format!(
                " **Not in this run:** {} (left out with `--models`).",
                skipped.join(", ")
            )
        }
    )?;
    writeln!(d, "Machine and build: {}\n", env.one_line())?;
    writeln!(
        d,
        "{} sites; {} training and {} holdout haplotypes; input `{}`.\n",
        r.n_sites,
        r.train_haplotypes,
        r.holdout_haplotypes,
        r.dataset.path.display()
    )?;
    d.push_str(&table(r));
    writeln!(d)?;
    for row in r.models() {
        // Names without epochs, so links (the README's picture) survive a change of mode.
        let model = slug(row.label.split(' ').next().unwrap_or(&row.label));
        for (figure, what) in [(1, "af"), (3, "ld"), (7, "pca")] {
            let name = format!("{}-{model}-{what}.svg", slug(r.dataset.name));
            let html = std::fs::read_to_string(&row.html)?;
            if let Some(svg) = extract_svg(&html, figure) {
                std::fs::write(plots_dir.join(&name), svg)?;
                writeln!(d, "![{} {what}]({plots_name}/{name})", row.label)?;
            }
        }
        writeln!(d)?;
    }
    Ok(d)
}

/// The inline SVG of `<figure data-figure="N">` in a genosynth HTML report.
fn extract_svg(html: &str, figure: usize) -> Option<&str> {
    let start = html.find(&format!("data-figure=\"{figure}\""))?;
    let svg_start = start + html[start..].find("<svg")?;
    let svg_end = svg_start + html[svg_start..].find("</svg>")? + "</svg>".len();
    Some(&html[svg_start..svg_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_run_replaces_only_its_own_sections() {
        let old = "# Title\n\nheader\n\n## AGBL4 (chr1, multiallelics split)\n\nold agbl4\n\n\
                   ## 1000G 805 SNPs\n\nold 805\n| a | b |\n\n## Something else\n\nkept\n";
        let mut sections = kept_sections(old, &["1000G 805 SNPs"]);
        assert_eq!(
            sections,
            vec![
                (
                    "AGBL4 (chr1, multiallelics split)".to_string(),
                    "## AGBL4 (chr1, multiallelics split)\n\nold agbl4\n".to_string()
                ),
                (
                    "Something else".to_string(),
                    "## Something else\n\nkept\n".to_string()
                ),
            ]
        );
        sections.push((
            "1000G 805 SNPs".to_string(),
            "## 1000G 805 SNPs\n\nnew\n".into(),
        ));
        sort_sections(&mut sections);
        let titles: Vec<&str> = sections.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            titles,
            [
                "1000G 805 SNPs",
                "AGBL4 (chr1, multiallelics split)",
                "Something else"
            ]
        );
        assert!(kept_sections("# Title only\n", &[]).is_empty());
    }
}
