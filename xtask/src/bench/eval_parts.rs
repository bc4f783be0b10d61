//! `bench eval`'s chromosome-scale rows (issue 26's targets): PBWT shared segments, KING
//! kinship and the classifier two-sample test, each alone at 10⁴ haplotypes per set × 10⁵
//! sites, ≤ 60 s on 2 cores with memory linear in the input. They run genosynth-eval's
//! `eval_scale` example (release), which generates the sets in memory: founders' mosaics with
//! mutations, one population, so every statistic has shared segments and relatives to find.

use std::process::Command;

use anyhow::{Context, bail};

use super::Bench;
use super::measure::median_of;
use super::table::{Section, bytes, secs, wall_and_rss};

const HAPLOTYPES: usize = 10_000;
const SITES: usize = 100_000;

/// Builds the example in release and returns its path.
pub(super) fn build_example() -> anyhow::Result<std::path::PathBuf> {
    eprintln!("bench: building genosynth-eval's eval_scale example (release)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "-p",
            "genosynth-eval",
            "--example",
            "eval_scale",
        ])
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build --release --example eval_scale failed ({status})");
    }
    let bin = super::cargo_target_dir()
        .join("release")
        .join("examples")
        .join("eval_scale");
    if !bin.exists() {
        bail!("cargo build succeeded but {} is missing", bin.display());
    }
    Ok(bin)
}

/// One row per part: wall time and peak memory of the whole process (generating the three
/// sets included).
pub(crate) fn run(bench: &Bench, section: &mut Section) {
    let label = format!("{HAPLOTYPES} × {HAPLOTYPES} × {SITES} (+ holdout)");
    let bin = match build_example() {
        Ok(bin) => bin,
        Err(e) => return section.skipped(&label, &format!("{e:#}")),
    };
    let parts = [
        (
            "segments",
            "PBWT shared segments (AG→train, AG→holdout, holdout→train)",
        ),
        (
            "kinship",
            "KING-robust kinship (AG×train, AG×holdout, holdout×train)",
        ),
        ("detection", "classifier two-sample test (PCA fit included)"),
    ];
    for (part, what) in parts {
        eprintln!("bench:   eval_scale --part {part}");
        let mut cmd = Command::new(&bin);
        cmd.args([HAPLOTYPES, HAPLOTYPES, SITES].map(|n| n.to_string()))
            .args(["--part", part])
            .env("RAYON_NUM_THREADS", bench.opts.threads.to_string());
        match median_of(&cmd, 1) {
            Ok(m) => section.row(vec![
                label.clone(),
                what.into(),
                wall_and_rss(&m),
                "no reference at this size".into(),
                if m.wall_s <= 60.0 {
                    "within 60 s".into()
                } else {
                    format!("over 60 s by {}", secs(m.wall_s - 60.0))
                },
            ]),
            Err(e) => section.row(vec![
                label.clone(),
                what.into(),
                format!("failed: {e:#}"),
                "—".into(),
                "—".into(),
            ]),
        }
    }
    let packed = 3 * HAPLOTYPES as u64 * SITES as u64 / 8;
    section.note(format!(
        "Chromosome-scale rows (issue 26): each part alone on generated sets of {HAPLOTYPES} \
         haplotypes (train, AGs, holdout) × {SITES} sites, {} of packed haplotypes, in \
         `cargo run --release -p genosynth-eval --example eval_scale -- {HAPLOTYPES} \
         {HAPLOTYPES} {SITES} --part P`; whole-process wall time and peak memory, generating \
         the sets included. Target: ≤ 60 s each on 2 cores, memory linear in the input.",
        bytes(packed)
    ));
}
