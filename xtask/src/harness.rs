//! What the pipeline xtasks (reproduce, its frontier, dp-utility) share: finding the data,
//! running the genosynth binary, evaluating a set of AGs and reading its report.json as the
//! typed [`genosynth_eval::Report`] (a renamed field fails to compile here, instead of
//! printing "–"), and writing markdown tables.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, ensure};
use genosynth_eval::Report;
use serde_json::Value;

/// Seed of every split, training, generation and evaluation the pipeline xtasks run.
pub(crate) const SEED: u64 = 42;
/// LD r² correlation is computed over this many leading sites, as `genosynth synth` reports it.
pub(crate) const LD_SITES: usize = 400;
/// Where the real data sets live when the machine has them (`../shared` of the workspace).
pub(crate) const SHARED_1000G: &str = "../shared/data/1000g";

/// The 805-SNP 1000 Genomes set: the full one in `../shared` when present, else the bundled
/// example (the same file).
pub(crate) fn snp805_path() -> PathBuf {
    let shared = Path::new(SHARED_1000G).join("805_SNP_1000G_real.train.vcf.gz");
    if shared.exists() {
        shared
    } else {
        PathBuf::from("examples/805_SNP_1000G_real.train.vcf.gz")
    }
}

/// Runs `cmd` with its output captured; on failure the error carries its stderr.
pub(crate) fn run_quiet(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    ensure!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Runs `cmd` with its output on the terminal (long steps show their progress).
pub(crate) fn run_visible(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    ensure!(status.success(), "{cmd:?} failed ({status})");
    Ok(())
}

/// The CLI's smallest integration test: building it builds the binary as `cargo test
/// --workspace` does.
pub(crate) const BIN_TEST: &str = "help_cli";

/// Builds the dev-profile binary as `cargo test --workspace` builds it and returns its path.
/// `cargo test --workspace --no-run --test BIN_TEST` resolves features as the test step does
/// (dev-dependencies, every member), so after it nothing compiles; a plain `cargo build -p
/// genosynth-cli` resolves them without those and rebuilds most of the dependency graph.
pub(crate) fn build_dev_genosynth(features: Option<&str>) -> anyhow::Result<PathBuf> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["test", "--workspace", "--no-run", "--test", BIN_TEST]);
    if let Some(f) = features {
        cmd.args(["--features", &format!("genosynth-cli/{f}")]);
    }
    run_visible(&mut cmd)?;
    let bin = crate::bench::cargo_target_dir()
        .join("debug")
        .join("genosynth");
    ensure!(
        bin.exists(),
        "cargo build succeeded but {} is missing",
        bin.display()
    );
    Ok(std::path::absolute(&bin)?)
}

/// A lower-case file-name form of `s`: ASCII letters and digits, runs of anything else as `-`.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// `genosynth split` of `input` 80/20 by individual (seed [`SEED`]) into `train` and `holdout`.
pub(crate) fn split_80_20(
    genosynth: &Path,
    input: &Path,
    input_flags: &[&str],
    train: &Path,
    holdout: &Path,
) -> anyhow::Result<()> {
    let mut split = Command::new(genosynth);
    split
        .arg("split")
        .arg(input)
        .args(input_flags)
        .args(["--train-fraction", "0.8", "--seed", &SEED.to_string(), "-o"])
        .arg(train)
        .arg("--holdout-out")
        .arg(holdout);
    run_quiet(&mut split)
}

/// Training time as the sum of the epochs' own times in `history.jsonl`: unlike wall time, it
/// stays meaningful for a run resumed over several sittings.
pub(crate) fn summed_epoch_seconds(model_dir: &Path) -> anyhow::Result<f64> {
    let path = model_dir.join("history.jsonl");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|v| v.get("seconds")?.as_f64())
                .with_context(|| format!("{}:{}: no \"seconds\" field", path.display(), i + 1))
        })
        .sum()
}

/// One evaluated set of haplotypes (a model's AGs or a baseline).
pub(crate) struct Row {
    pub(crate) label: String,
    pub(crate) report: Report,
    pub(crate) train_s: Option<f64>,
    /// The report's HTML page (its figures are copied into the documents).
    pub(crate) html: PathBuf,
}

/// Reads a report.json written by `genosynth eval` into the typed report.
pub(crate) fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a report of this genosynth-eval (schema {})",
            path.display(),
            genosynth_eval::SCHEMA_VERSION
        )
    })
}

/// Runs `genosynth eval` (with `extra` arguments) and loads its report.json.
#[allow(
    clippy::too_many_arguments,
    reason = "one eval command line, spelled out"
)]
pub(crate) fn evaluate_with(
    genosynth: &Path,
    dir: &Path,
    label: &str,
    train: &Path,
    synthetic: &Path,
    holdout: Option<&Path>,
    train_s: Option<f64>,
    extra: &[String],
) -> anyhow::Result<Row> {
    eprintln!("reproduce: eval {label}");
    let report_dir = dir.join(format!("report-{}", slug(label)));
    let mut cmd = Command::new(genosynth);
    cmd.arg("eval")
        .arg("--train")
        .arg(train)
        .arg("--synthetic")
        .arg(synthetic)
        .args([
            "--seed",
            &SEED.to_string(),
            "--ld-window",
            &LD_SITES.to_string(),
            "-o",
        ])
        .arg(&report_dir);
    if let Some(h) = holdout {
        cmd.arg("--holdout").arg(h);
    }
    cmd.args(extra);
    run_quiet(&mut cmd)?;
    Ok(Row {
        label: label.to_string(),
        report: read_report(&report_dir.join("report.json"))?,
        train_s,
        html: report_dir.join("report.html"),
    })
}

/// A finite figure, or `None` for the NaN a statistic is when it is undefined (report.json
/// writes it as `null`; tables show "–").
pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// `x` with `decimals` decimals, or "–" when absent.
pub(crate) fn cell(x: Option<f64>, decimals: usize) -> String {
    x.map_or("–".to_string(), |v| format!("{v:.decimals$}"))
}

/// A markdown table: the header, its rule and one line per row.
pub(crate) fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "| {} |", header.join(" | "));
    let _ = writeln!(t, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(t, "| {} |", row.join(" | "));
    }
    t
}

/// Replaces the text between the `begin` and `end` markers of the document `doc` with `body`
/// (the markers stay), for the xtasks that keep one generated table in a hand-written page.
pub(crate) fn splice_between(doc: &str, begin: &str, end: &str, body: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(doc).with_context(|| format!("cannot read {doc}"))?;
    let (Some(a), Some(b)) = (text.find(begin), text.find(end)) else {
        anyhow::bail!("{doc} has no {begin} … {end} markers");
    };
    let new = format!("{}{begin}\n{body}{}", &text[..a], &text[b..]);
    std::fs::write(doc, new).with_context(|| format!("cannot write {doc}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_tables_have_a_rule_and_one_line_per_row() {
        let t = markdown_table(
            &["set", "AF r"],
            &[
                vec!["GAN".into(), cell(Some(0.98765), 3)],
                vec!["floor".into(), cell(None, 3)],
            ],
        );
        assert_eq!(
            t,
            "| set | AF r |\n|---|---|\n| GAN | 0.988 |\n| floor | – |\n"
        );
    }

    #[test]
    fn train_time_sums_the_history_across_a_resume() {
        let dir = std::env::temp_dir().join(format!("genosynth-xtask-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Two sittings: epochs 1-2, then a resumed epoch 3 (history.jsonl is appended to).
        std::fs::write(
            dir.join("history.jsonl"),
            "{\"epoch\":1,\"g_loss\":1.0,\"seconds\":0.5}\n\
             {\"epoch\":2,\"g_loss\":0.9,\"seconds\":0.25}\n\
             {\"epoch\":3,\"g_loss\":0.8,\"seconds\":1.25}\n",
        )
        .unwrap();
        assert_eq!(summed_epoch_seconds(&dir).unwrap(), 2.0);
        std::fs::write(dir.join("history.jsonl"), "{\"epoch\":1}\n").unwrap();
        let err = summed_epoch_seconds(&dir).unwrap_err().to_string();
        assert!(
            err.ends_with("history.jsonl:1: no \"seconds\" field"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
