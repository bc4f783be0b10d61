//! `bench eval`: the full `genosynth eval` vs the same statistics in numpy / scikit-allel, AATS +
//! DCR alone, and the 20,000 x 20,000 haplotypes x 10,000 sites scale run (issue 5's targets:
//! ≥ 50x faster, AATS + DCR under 0.5 s, the scale run within 2 cores and 24 GiB).

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::Bench;
use super::data::{MosaicSpec, read_haplotypes, write_mosaic_vcf};
use super::measure::{Measurement, median_of};
use super::python;
use super::table::{Section, bytes, secs, speedup, wall_and_rss};

pub(crate) fn run(bench: &Bench) -> anyhow::Result<Section> {
    let mut section = Section::new(
        "Evaluation: `genosynth eval` vs numpy / scikit-allel",
        &[
            "data",
            "what",
            "genosynth",
            "numpy / scikit-allel",
            "reference / genosynth",
        ],
    );
    let data = std::path::absolute(bench.snp805())?;
    let real = read_haplotypes(&data)?;
    let ags = bench.work_path("eval.ags.vcf.gz")?;
    let spec = MosaicSpec {
        n_haplotypes: real.n_haplotypes,
        n_sites: real.sites.len(),
        switch: 0.02,
        mutation: 0.002,
        seed: 7,
    };
    write_mosaic_vcf(&real, &spec, "AG", &ags, bench.opts.threads)?;
    section.intro.push(format!(
        "Train: the 805-SNP set ({} haplotypes); synthetic: {} mosaic AGs the bench writes \
         (each copies training haplotypes, switching source with probability {} per site and \
         flipping alleles with probability {}: realistic LD, so every statistic has work to do). \
         genosynth: `genosynth eval --train T --synthetic S -o DIR` (report.json + report.html). \
         Reference: `xtask/bench/eval_reference.py`, the same statistics in numpy/scipy/\
         scikit-allel/scikit-learn with BLAS all-pairs distances. Whole-process wall time and peak \
         memory on both sides (reading the VCFs and writing the outputs included), the run with \
         the median time of {}, {} threads.",
        real.n_haplotypes,
        spec.n_haplotypes,
        spec.switch,
        spec.mutation,
        bench.opts.repeat,
        bench.opts.threads
    ));

    let label = format!("{0} × {0} × {1}", real.n_haplotypes, real.sites.len());
    let ours = eval_ours(bench, &data, &ags, "eval-report");
    let python = python::ensure("requirements-eval.txt");
    let reference = python
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .and_then(|py| {
            let out = bench.work_path("eval_reference.json")?;
            let mut cmd = py.command("eval_reference.py");
            cmd.arg("--train").arg(&data).arg("--synthetic").arg(&ags);
            cmd.args(["--threads", &bench.opts.threads.to_string(), "--out"])
                .arg(&out);
            // Same LD window and triplet count as genosynth used, so both do the same work.
            if let Ok((_, report)) = &ours {
                for (flag, ptr) in [
                    ("--ld-window", "/settings/ld_window"),
                    ("--triplets", "/settings/n_triplets"),
                    ("--triplet-window", "/settings/triplet_window"),
                ] {
                    if let Some(v) = report.pointer(ptr).and_then(Value::as_u64) {
                        cmd.args([flag, &v.to_string()]);
                    }
                }
            }
            eprintln!("bench:   eval_reference.py");
            let m = median_of(&cmd, bench.opts.repeat)?;
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
            let privacy_s = v
                .pointer("/seconds/privacy")
                .and_then(Value::as_f64)
                .unwrap_or(f64::NAN);
            Ok((m, privacy_s, v))
        });
    match (&ours, &reference) {
        (Ok((o, _)), Ok((r, _, _))) => section.row(vec![
            label.clone(),
            "full evaluation".into(),
            wall_and_rss(o),
            wall_and_rss(r),
            speedup(r.wall_s, o.wall_s),
        ]),
        (Ok((o, _)), Err(e)) => section.row(vec![
            label.clone(),
            "full evaluation".into(),
            wall_and_rss(o),
            format!("skipped: {e:#}"),
            "—".into(),
        ]),
        (Err(e), Ok((r, _, _))) => section.row(vec![
            label.clone(),
            "full evaluation".into(),
            format!("failed: {e:#}"),
            wall_and_rss(r),
            "—".into(),
        ]),
        (Err(e), Err(_)) => section.skipped(&label, &format!("{e:#}")),
    }
    // AATS + DCR alone: the reference times its privacy block; genosynth reports section
    // timings in report.json when it has them.
    let ours_privacy = ours
        .as_ref()
        .ok()
        .and_then(|(_, report)| privacy_seconds(report))
        .or_else(|| match kernel_estimate() {
            Ok(s) => {
                section.note(
                    "genosynth's AATS + DCR time is the criterion bench \
                     `cargo bench -p genosynth-eval --bench distance` (2,504 × 2,504 × 805, random \
                     rows): two within-set scans (d_TT, d_SS) plus one between-set scan (d_TS, \
                     d_ST, DCR, NNDR), the passes AATS + DCR make; report.json carries no timings.",
                );
                Some(s)
            }
            Err(e) => {
                section.note(format!("AATS + DCR kernel bench unavailable: {e:#}"));
                None
            }
        });
    let ref_privacy = reference.as_ref().ok().map(|(_, s, _)| *s);
    if ours_privacy.is_some() || ref_privacy.is_some() {
        section.row(vec![
            label.clone(),
            "AATS + DCR (+ NNDR, exact copies)".into(),
            ours_privacy.map_or("not reported by report.json".into(), secs),
            ref_privacy.map_or("—".into(), secs),
            match (ref_privacy, ours_privacy) {
                (Some(r), Some(o)) => speedup(r, o),
                _ => "—".into(),
            },
        ]);
    }
    if let (Ok((_, report)), Ok((_, _, v))) = (&ours, &reference) {
        section.note(agreement(report, v));
    }
    if let Ok(py) = &python {
        section.note(format!(
            "Versions: numpy {}, scipy {}, scikit-allel {}, scikit-learn {}.",
            py.version_of("numpy"),
            py.version_of("scipy"),
            py.version_of("allel"),
            py.version_of("sklearn")
        ));
    }

    if bench.opts.scale {
        scale(bench, &real, &mut section)?;
        super::eval_parts::run(bench, &mut section);
    } else {
        section.note("Scale run skipped (--no-scale).");
    }
    section.note("Targets (issue 5): reference / genosynth ≥ 50 for the full evaluation; AATS + DCR < 0.5 s; the scale run within 2 cores and 24 GiB.");
    Ok(section)
}

/// Runs `genosynth eval` and returns its measurement and report.json.
fn eval_ours(
    bench: &Bench,
    train: &Path,
    synthetic: &Path,
    dir: &str,
) -> anyhow::Result<(Measurement, Value)> {
    let out = bench.work_path(dir)?;
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = bench.genosynth();
    cmd.arg("eval")
        .arg("--train")
        .arg(train)
        .arg("--synthetic")
        .arg(synthetic);
    cmd.args(["--seed", "1", "-o"]).arg(&out);
    eprintln!("bench:   genosynth eval ({dir})");
    let m = median_of(&cmd, bench.opts.repeat)?;
    let report = std::fs::read_to_string(out.join("report.json"))?;
    Ok((m, serde_json::from_str(&report)?))
}

/// Seconds genosynth spent on AATS + DCR, from a `timings`/`seconds` object in report.json.
fn privacy_seconds(report: &Value) -> Option<f64> {
    let timings = ["timings", "seconds", "timing"]
        .iter()
        .find_map(|k| report.get(*k))?;
    let obj = timings.as_object()?;
    let keys: Vec<&String> = obj
        .keys()
        .filter(|k| k.contains("privacy") || k.contains("aats") || k.contains("dcr"))
        .collect();
    if keys.is_empty() {
        return None;
    }
    Some(keys.iter().filter_map(|k| obj[k.as_str()].as_f64()).sum())
}

/// Runs the eval crate's criterion bench of the nearest-neighbour kernel and returns the seconds
/// of what AATS + DCR need: two within-set scans and one between-set scan.
fn kernel_estimate() -> anyhow::Result<f64> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("bench:   cargo bench -p genosynth-eval --bench distance");
    let status = std::process::Command::new(cargo)
        .args([
            "bench",
            "--package",
            "genosynth-eval",
            "--bench",
            "distance",
        ])
        .env("CARGO_TARGET_DIR", super::cargo_target_dir())
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(
        status.success(),
        "cargo bench -p genosynth-eval --bench distance failed ({status})"
    );
    let dir = super::cargo_target_dir().join("criterion/nearest_neighbours_2504x2504x805");
    let mean = |name: &str| -> anyhow::Result<f64> {
        let path = dir.join(name).join("new/estimates.json");
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        )?;
        v.pointer("/mean/point_estimate")
            .and_then(Value::as_f64)
            .map(|ns| ns * 1e-9)
            .with_context(|| format!("{}: no mean estimate", path.display()))
    };
    Ok(2.0 * mean("within")? + mean("between")?)
}

/// Headline figures of both sides side by side, so a speed-up of wrong numbers shows.
fn agreement(report: &Value, reference: &Value) -> String {
    const PAIRS: [(&str, &str, &str); 9] = [
        (
            "AF r",
            "/allele_frequencies/synthetic/pearson_r",
            "/fidelity/af_r",
        ),
        (
            "LD r² corr",
            "/ld/window/synthetic/pearson_r",
            "/fidelity/ld_r2_correlation",
        ),
        (
            "3-point r",
            "/triplets/synthetic/pearson_r",
            "/fidelity/three_point_r",
        ),
        ("Hudson Fst", "/fst/train_synthetic", "/fidelity/fst_hudson"),
        (
            "AATS",
            "/privacy/aats_train/aats/mean",
            "/privacy/aats_train/aats",
        ),
        (
            "AA_truth",
            "/privacy/aats_train/aa_truth/mean",
            "/privacy/aats_train/aa_truth",
        ),
        (
            "AA_syn",
            "/privacy/aats_train/aa_syn/mean",
            "/privacy/aats_train/aa_syn",
        ),
        (
            "DCR median",
            "/privacy/dcr/to_train/median",
            "/privacy/dcr_train_median",
        ),
        (
            "NNDR median",
            "/privacy/dcr/nndr_median",
            "/privacy/nndr_median",
        ),
    ];
    let show = |v: Option<f64>| v.map_or("?".into(), |x| format!("{x:.4}"));
    let parts: Vec<String> = PAIRS
        .iter()
        .map(|(label, ours, theirs)| {
            let o = report.pointer(ours).and_then(Value::as_f64);
            let r = reference.pointer(theirs).and_then(Value::as_f64);
            format!("{label} {} / {}", show(o), show(r))
        })
        .collect();
    format!(
        "Same answers (genosynth / reference; 3-point r differs by its random triplets): {}.",
        parts.join(", ")
    )
}

/// 20,000 x 20,000 haplotypes x 10,000 sites: genosynth only (the numpy reference needs several
/// 20,000² distance matrices and is not run at this size).
fn scale(
    bench: &Bench,
    real: &super::data::Haplotypes,
    section: &mut Section,
) -> anyhow::Result<()> {
    let (haps, sites) = (20_000, 10_000);
    let train = bench.work_path("scale.train.vcf.gz")?;
    let ags = bench.work_path("scale.ags.vcf.gz")?;
    for (path, seed, prefix) in [(&train, 11, "REAL"), (&ags, 12, "AG")] {
        if !path.exists() {
            eprintln!(
                "bench: writing {} ({haps} haplotypes x {sites} sites)",
                path.display()
            );
            let spec = MosaicSpec {
                n_haplotypes: haps,
                n_sites: sites,
                switch: 0.01,
                mutation: 0.001,
                seed,
            };
            write_mosaic_vcf(real, &spec, prefix, path, bench.opts.threads)?;
        }
    }
    let label = format!("{haps} × {haps} × {sites}");
    let packed = 2 * haps as u64 * sites as u64 / 8;
    match eval_ours(bench, &train, &ags, "scale-report") {
        Ok((m, _)) => {
            section.row(vec![
                label,
                "full evaluation".into(),
                wall_and_rss(&m),
                "not run (needs 20,000² distance matrices)".into(),
                "—".into(),
            ]);
            section.note(format!(
                "Scale run: {} wall, {} CPU, peak RSS {} for {} of packed haplotypes (train + synthetic).",
                secs(m.wall_s),
                secs(m.cpu_s),
                bytes(m.max_rss),
                bytes(packed)
            ));
        }
        Err(e) => section.skipped(&label, &format!("{e:#}")),
    }
    Ok(())
}
