//! `cargo xtask small-strata`: do models of a few dozen people stay private? The people of the
//! 805-SNP set are clustered (k-means, k = 5, on their mean haplotype scores on the first four
//! principal components); a stratum is n people drawn from one cluster (seeded), its test
//! people are the rest of that cluster (never seen, never used for a choice), and the other
//! clusters' people are the reference a model may borrow from. Each setting runs `genosynth
//! synth` on the stratum (a fifth held out to choose the checkpoint), then `genosynth eval
//! --model` against the test people: likelihood attack, privacy loss, distance membership
//! AUC and fidelity. With `--write`, the table goes into docs/privacy.md between markers.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use genosynth_core::HaplotypeMatrix;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::frontier::targets::Figures;
use crate::harness::{cell, evaluate_with, markdown_table, run_quiet, snp805_path};

mod outcomes;

const DOC: &str = "docs/privacy.md";
const BEGIN: &str = "<!-- small-strata:begin -->";
const END: &str = "<!-- small-strata:end -->";
/// Clusters of the people, and test people kept per stratum at least.
const CLUSTERS: usize = 5;
const MIN_TEST: usize = 40;
/// Seed of the clustering: it describes the data, nothing is tuned on it.
const CLUSTER_SEED: u64 = 42;

const USAGE: &str = "usage: cargo xtask small-strata [--sizes N,..] [--seeds S,..] [--weights W,..] [--out DIR] [--write]

Strata of the 805-SNP set's PCA clusters, `synth` with and without a reference of the other
clusters' people, judged on each cluster's people the model never saw.
  --sizes N,..    stratum sizes in people (default 40,80,160,320; a size is capped at its
                  cluster's people minus 40, which stay for the test)
  --seeds S,..    seeds of the draw and of synth (default 1,2,3)
  --weights W,..  --reference-weight values (a number or auto); 0 = no reference, the
                  per-stratum model (default 0,auto)
  --strata N      clusters per size, smallest first among those with room (default 2)
  --synth-args A  more `synth` arguments for every setting, space-separated (e.g.
                  \"--temperature 1\"); runs go to their own directories and the model
                  column names them
  --out DIR       working directory (default target/small-strata)
  --write         put the table into docs/privacy.md between its markers";

/// How a stratum's model is trained: alone, or with the reference at a weight (`synth
/// --reference-weight`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Setting {
    Alone,
    Weight(f64),
    Auto,
}

impl std::str::FromStr for Setting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            _ => match s.parse::<f64>() {
                Ok(0.0) => Ok(Self::Alone),
                Ok(w) if w > 0.0 && w.is_finite() => Ok(Self::Weight(w)),
                _ => Err(format!("{s} is neither auto nor a weight >= 0")),
            },
        }
    }
}

impl Setting {
    /// Its directory and the weight column: `0`, `4`, `auto`.
    fn name(self) -> String {
        match self {
            Self::Alone => "0".to_string(),
            Self::Weight(w) => w.to_string(),
            Self::Auto => "auto".to_string(),
        }
    }
}

struct Options {
    sizes: Vec<usize>,
    seeds: Vec<u64>,
    weights: Vec<Setting>,
    strata: usize,
    /// More `synth` arguments for every run.
    synth_args: Vec<String>,
    out: PathBuf,
    write: bool,
}

fn list<T: std::str::FromStr>(flag: &str, v: Option<&String>) -> anyhow::Result<Vec<T>> {
    let v = v.with_context(|| format!("{flag} needs a value"))?;
    v.split(',')
        .map(|x| {
            x.trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{flag}: {x} is not a number"))
        })
        .collect()
}

fn parse(args: &[String]) -> anyhow::Result<Option<Options>> {
    let mut o = Options {
        sizes: vec![40, 80, 160, 320],
        seeds: vec![1, 2, 3],
        weights: vec![Setting::Alone, Setting::Auto],
        strata: 2,
        synth_args: Vec::new(),
        out: crate::bench::cargo_target_dir().join("small-strata"),
        write: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "--sizes" => o.sizes = list(arg, it.next())?,
            "--seeds" => o.seeds = list(arg, it.next())?,
            "--weights" => {
                let v = it.next().context("--weights needs a value")?;
                o.weights = v
                    .split(',')
                    .map(|w| {
                        w.trim()
                            .parse()
                            .map_err(|e: String| anyhow::anyhow!("--weights: {e}"))
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            "--strata" => o.strata = list::<usize>(arg, it.next())?[0],
            "--synth-args" => {
                let v = it.next().context("--synth-args needs a value")?;
                o.synth_args = v.split_whitespace().map(str::to_string).collect();
            }
            "--out" => o.out = PathBuf::from(it.next().context("--out needs a directory")?),
            "--write" => o.write = true,
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    Ok(Some(o))
}

/// One stratum: its cluster, its people and the people it is judged on.
struct Stratum {
    cluster: usize,
    cluster_people: usize,
    n: usize,
    seed: u64,
}

/// One measured setting.
struct Measured {
    stratum: Stratum,
    setting: Setting,
    /// The extra `synth` arguments it ran with (`--synth-args`), joined.
    variant: String,
    /// The reference weight the model was trained with (`auto`: the one it chose).
    weight: Option<f64>,
    figures: Figures,
    /// The selected checkpoint's likelihood-attack AUC on synth's validation people: what a
    /// choice of setting may look at (the test people's figures may not).
    validation_auc: Option<f64>,
    likelihood_auc: Option<f64>,
    /// Whether `synth` refuses the model without `--accept-privacy-risk`: its selected
    /// checkpoint misses a bound on its validation people.
    refused: bool,
    /// With `--weight-folds`: whether the kept rung's mean of folds missed a bound (what a
    /// refusal on the folds' figures would do).
    folds_missed: Option<bool>,
    af: Option<f64>,
    members: usize,
    non_members: usize,
}

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let Some(o) = parse(args)? else {
        return Ok(());
    };
    let genosynth = crate::harness::build_dev_genosynth(None)?;
    std::fs::create_dir_all(&o.out)?;
    let input = snp805_path();
    let matrix = genosynth_vcf::read(&input, &genosynth_vcf::ReadOptions::default())
        .with_context(|| format!("cannot read {}", input.display()))?
        .matrix;
    let names: Vec<String> = matrix.samples().iter().map(|s| s.name.clone()).collect();
    let labels = cluster_people(&matrix)?;
    let mut by_cluster: Vec<Vec<usize>> = vec![Vec::new(); CLUSTERS];
    for (person, &c) in labels.iter().enumerate() {
        by_cluster[c].push(person);
    }
    // Who is in which cluster, for runs by hand on whole clusters (docs/privacy.md).
    let listing: String = names
        .iter()
        .zip(&labels)
        .map(|(name, c)| format!("{name}\t{c}\n"))
        .collect();
    std::fs::write(o.out.join("clusters.tsv"), listing)?;
    let mut order: Vec<usize> = (0..CLUSTERS).collect();
    order.sort_by_key(|&c| by_cluster[c].len());
    eprintln!(
        "small-strata: clusters of {:?} people",
        order
            .iter()
            .map(|&c| by_cluster[c].len())
            .collect::<Vec<_>>()
    );
    let mut rows = Vec::new();
    for &size in &o.sizes {
        for cluster in strata_for(size, &order, &by_cluster, o.strata) {
            let people = &by_cluster[cluster];
            let n = size.min(people.len() - MIN_TEST);
            for &seed in &o.seeds {
                let mut drawn = people.clone();
                drawn.shuffle(&mut ChaCha8Rng::seed_from_u64(
                    seed ^ ((cluster as u64) << 32),
                ));
                let (train, test) = drawn.split_at(n);
                let reference: Vec<usize> =
                    (0..names.len()).filter(|p| labels[*p] != cluster).collect();
                let dir = o.out.join(format!("c{cluster}-n{n}-s{seed}"));
                std::fs::create_dir_all(&dir)?;
                for (what, who) in [("train", train), ("test", test), ("reference", &reference)] {
                    subset(&genosynth, &input, &names, who, &dir, what)?;
                }
                for &setting in &o.weights {
                    let stratum = Stratum {
                        cluster,
                        cluster_people: people.len(),
                        n,
                        seed,
                    };
                    let m = measure(&genosynth, &dir, stratum, setting, &o.synth_args)?;
                    eprintln!("small-strata: {}", row(&m).join(" | "));
                    rows.push(m);
                }
            }
        }
    }
    let table = document(&rows);
    println!("{table}");
    if o.write {
        write_doc(&table)?;
    }
    Ok(())
}

/// Up to `strata` clusters, smallest first, with room for `size` people and the test people;
/// the largest when none has.
fn strata_for(size: usize, order: &[usize], by: &[Vec<usize>], strata: usize) -> Vec<usize> {
    let fit: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&c| by[c].len() >= size + MIN_TEST)
        .take(strata)
        .collect();
    if fit.is_empty() {
        order.last().copied().into_iter().collect()
    } else {
        fit
    }
}

/// Writes the people `who` of `input` to `dir/what.vcf.gz` with `genosynth convert`.
fn subset(
    genosynth: &Path,
    input: &Path,
    names: &[String],
    who: &[usize],
    dir: &Path,
    what: &str,
) -> anyhow::Result<()> {
    let out = dir.join(format!("{what}.vcf.gz"));
    if out.exists() {
        return Ok(());
    }
    let list = dir.join(format!("{what}.txt"));
    let text: String = who.iter().map(|&p| format!("{}\n", names[p])).collect();
    std::fs::write(&list, text)?;
    run_quiet(
        Command::new(genosynth)
            .arg("convert")
            .arg(input)
            .arg("-S")
            .arg(&list)
            .arg("-o")
            .arg(&out),
    )
}

/// `synth` on the stratum (with the reference when `weight > 0`), then `eval --model`
/// against its test people.
fn measure(
    genosynth: &Path,
    dir: &Path,
    stratum: Stratum,
    setting: Setting,
    synth_args: &[String],
) -> anyhow::Result<Measured> {
    let variant = synth_args.join(" ");
    let label = if variant.is_empty() {
        format!("w{}", setting.name())
    } else {
        format!("w{}-{}", setting.name(), crate::harness::slug(&variant))
    };
    let run = dir.join(&label);
    let (train, ags, model) = (
        dir.join("train.vcf.gz"),
        run.join("ags.vcf.gz"),
        run.join("model"),
    );
    if !ags.exists() {
        let _ = std::fs::remove_dir_all(&run);
        std::fs::create_dir_all(&run)?;
        let mut synth = Command::new(genosynth);
        synth
            .arg("synth")
            .arg(&train)
            .arg("-o")
            .arg(&ags)
            .args(["--seed", &stratum.seed.to_string(), "--accept-privacy-risk"])
            .arg("--model-dir")
            .arg(&model)
            .args(synth_args);
        if setting != Setting::Alone {
            synth
                .arg("--reference")
                .arg(dir.join("reference.vcf.gz"))
                .args(["--reference-weight", &setting.name()]);
        }
        run_quiet(&mut synth)?;
    }
    // The members are the people trained on: synth held a fifth of the stratum out.
    let fit = run.join("fit.vcf.gz");
    if !fit.exists() {
        let held_out = validation_people(&model)?;
        let list = run.join("fit.txt");
        let text = std::fs::read_to_string(dir.join("train.txt"))?;
        let kept: String = text
            .lines()
            .filter(|name| !held_out.iter().any(|h| h == name))
            .map(|name| format!("{name}\n"))
            .collect();
        std::fs::write(&list, kept)?;
        run_quiet(
            Command::new(genosynth)
                .arg("convert")
                .arg(&train)
                .arg("-S")
                .arg(&list)
                .arg("-o")
                .arg(&fit),
        )?;
    }
    let extra = vec!["--model".to_string(), model.display().to_string()];
    let test = dir.join("test.vcf.gz");
    let r = evaluate_with(
        genosynth,
        &run,
        &label,
        &fit,
        &ags,
        Some(&test),
        None,
        &extra,
    )?
    .report;
    let attack = r.privacy.likelihood_attack.as_ref();
    ensure!(
        attack.is_some(),
        "{}: no likelihood attack in the report",
        run.display()
    );
    Ok(Measured {
        figures: Figures::from_report(&r),
        validation_auc: selected_validation_auc(&model)?,
        refused: outcomes::refused_on_validation(&model)?,
        folds_missed: outcomes::folds_missed(&model)?,
        likelihood_auc: attack.map(|a| a.auc),
        af: Some(r.allele_frequencies.synthetic.pearson_r),
        members: attack.map_or(0, |a| a.members),
        non_members: attack.map_or(0, |a| a.non_members),
        weight: (setting != Setting::Alone)
            .then(|| trained_weight(&model))
            .transpose()?,
        stratum,
        setting,
        variant,
    })
}

/// The HCLT's reference weight in `model`'s model.json (what `auto` chose).
fn trained_weight(model: &Path) -> anyhow::Result<f64> {
    let path = model.join("model.json");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    )?;
    meta.get("model")
        .and_then(|m| m.get("reference_weight"))
        .and_then(serde_json::Value::as_f64)
        .with_context(|| format!("{}: no model.reference_weight", path.display()))
}

/// The people `synth` held out of the stratum to choose the checkpoint on (model.json).
fn validation_people(model: &Path) -> anyhow::Result<Vec<String>> {
    let path = model.join("model.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let meta: serde_json::Value = serde_json::from_str(&text)?;
    let names = meta
        .get("selection")
        .and_then(|s| s.get("validation_samples"))
        .and_then(serde_json::Value::as_array)
        .with_context(|| format!("{}: no selection.validation_samples", path.display()))?;
    Ok(names
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect())
}

/// The likelihood-attack AUC of the selected checkpoint in `model`'s history.jsonl.
fn selected_validation_auc(model: &Path) -> anyhow::Result<Option<f64>> {
    let path = model.join("history.jsonl");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v.get("selected").and_then(serde_json::Value::as_bool) == Some(true))
        .and_then(|v| v.get("validation")?.get("likelihood_auc")?.as_f64()))
}

fn row(m: &Measured) -> Vec<String> {
    let f = &m.figures;
    let model = match (m.setting, m.weight) {
        (Setting::Alone, _) => "own people only".to_string(),
        (Setting::Auto, Some(w)) => format!("reference, auto: w = {w}"),
        (_, w) => format!("reference, w = {}", cell(w, 1)),
    };
    vec![
        format!("{} of {}", m.stratum.n, m.stratum.cluster_people),
        m.stratum.cluster.to_string(),
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

/// The table, then per size and weight the mean likelihood-attack AUC and privacy loss.
fn document(rows: &[Measured]) -> String {
    let header = [
        "people (of cluster)",
        "cluster",
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

fn write_doc(table: &str) -> anyhow::Result<()> {
    crate::harness::splice_between(DOC, BEGIN, END, table)
}

/// Each person's cluster: k-means (k-means++ start, seeded) on the mean of their haplotypes'
/// scores on the first four principal components.
fn cluster_people(matrix: &HaplotypeMatrix) -> anyhow::Result<Vec<usize>> {
    let pca = genosynth_eval::fit_pca(matrix, 4, CLUSTER_SEED);
    let scores = pca.transform(matrix);
    let people = matrix.samples().len();
    ensure!(
        scores.len() == 2 * people,
        "the 805-SNP set should be diploid: {} haplotypes for {people} people",
        scores.len()
    );
    let points: Vec<Vec<f64>> = (0..people)
        .map(|p| {
            (0..scores[0].len())
                .map(|c| (scores[2 * p][c] + scores[2 * p + 1][c]) / 2.0)
                .collect()
        })
        .collect();
    Ok(kmeans(&points, CLUSTERS, CLUSTER_SEED))
}

fn distance2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Lloyd's k-means from a k-means++ start; returns each point's cluster.
pub(crate) fn kmeans(points: &[Vec<f64>], k: usize, seed: u64) -> Vec<usize> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut centres = vec![points[r.random_range(0..points.len())].clone()];
    while centres.len() < k {
        let d: Vec<f64> = points
            .iter()
            .map(|p| {
                centres
                    .iter()
                    .map(|c| distance2(p, c))
                    .fold(f64::MAX, f64::min)
            })
            .collect();
        let mut pick = r.random::<f64>() * d.iter().sum::<f64>();
        let next = d
            .iter()
            .position(|&x| {
                pick -= x;
                pick <= 0.0
            })
            .unwrap_or(points.len() - 1);
        centres.push(points[next].clone());
    }
    let mut labels = vec![0; points.len()];
    for _ in 0..300 {
        let next: Vec<usize> = points
            .iter()
            .map(|p| {
                (0..k)
                    .min_by(|&a, &b| {
                        distance2(p, &centres[a]).total_cmp(&distance2(p, &centres[b]))
                    })
                    .unwrap_or(0)
            })
            .collect();
        let done = next == labels;
        labels = next;
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&Vec<f64>> = points
                .iter()
                .zip(&labels)
                .filter(|(_, l)| **l == c)
                .map(|(p, _)| p)
                .collect();
            if members.is_empty() {
                continue;
            }
            for (d, v) in centre.iter_mut().enumerate() {
                *v = members.iter().map(|p| p[d]).sum::<f64>() / members.len() as f64;
            }
        }
        if done {
            break;
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmeans_separates_well_apart_groups() {
        let mut points = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)] {
            for i in 0..20 {
                let jitter = f64::from(i) * 0.01;
                points.push(vec![cx + jitter, cy - jitter]);
            }
        }
        let labels = kmeans(&points, 3, 7);
        for group in labels.chunks(20) {
            assert!(group.iter().all(|&l| l == group[0]), "{labels:?}");
        }
        let mut firsts: Vec<usize> = labels.chunks(20).map(|g| g[0]).collect();
        firsts.sort_unstable();
        assert_eq!(firsts, vec![0, 1, 2]);
    }
}
