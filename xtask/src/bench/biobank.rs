//! `bench biobank`: biobank-sized inputs (10⁵ simulated people, 10⁴ sites) as `.pgen` and
//! `.bgen`, read, counted, trained on and evaluated, beside plink2 where it computes the same.
//!
//! The data come from `xtask/bench/biobank_sim.py` (msprime, the workflow's three-population
//! out-of-Africa model, the first `SITES` biallelic sites) in the bench venv, converted by
//! genosynth (`.pgen`) and plink2 (`.bgen`, 8 bits, REF first, as UK Biobank ships). Everything
//! is cached in the work directory: the simulation of 10⁵ people takes minutes.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::ensure;

use super::Bench;
use super::measure::{describe, measure, median_of, output, why};
use super::python;
use super::table::{Section, bytes, secs, speedup, wall_and_rss};

/// Sites kept from the simulated chromosome.
const SITES: usize = 10_000;

/// The simulated cohort in both biobank formats.
struct Cohort {
    pgen: PathBuf,
    bgen: PathBuf,
    people: usize,
    sites: usize,
}

impl Cohort {
    /// Bytes of the bit-packed haplotypes × sites matrix genosynth reads them into.
    fn packed_bytes(&self) -> u64 {
        (2 * self.people * self.sites).div_ceil(8) as u64
    }
}

pub(crate) fn run(bench: &Bench) -> anyhow::Result<Section> {
    let people = bench.opts.biobank_people;
    let mut section = Section::new(
        "Biobank scale: 10⁵ people from .pgen and .bgen",
        &["step", "input", "genosynth", "plink2", "plink2 / genosynth"],
    );
    let cohort = match prepare(bench, people) {
        Ok(c) => c,
        Err(e) => {
            section.skipped("simulated cohort", &format!("{e:#}"));
            return Ok(section);
        }
    };
    section.intro.push(format!(
        "{} simulated people ({} haplotypes) × {} sites (msprime, `xtask/bench/biobank_sim.py`: \
         the workflow's out-of-Africa model, seed 1, a chromosome's first {} biallelic sites), as `.pgen` \
         (written by `genosynth convert -O p`) and `.bgen` (plink2 `--export bgen-1.2 bits=8 \
         ref-first`). The packed matrix is {}. Read: `genosynth split X --train-list A \
         --holdout-list B` reads every genotype into the packed matrix and writes two name lists; \
         frequencies: `genosynth info X`; plink2 loads the same file with `--freq`. Median of {} \
         runs, {} threads on both sides.",
        cohort.people,
        2 * cohort.people,
        cohort.sites,
        SITES,
        bytes(cohort.packed_bytes()),
        bench.opts.repeat,
        bench.opts.threads
    ));
    if let Ok(v) = output(Command::new("plink2").arg("--version")) {
        section.intro.push(format!("plink2: {}.", v.trim()));
    }
    for (label, path) in [("`.pgen`", &cohort.pgen), ("`.bgen`", &cohort.bgen)] {
        let lists = bench.work_path("biobank-lists")?;
        let mut read = bench.genosynth();
        read.arg("split")
            .arg(path)
            .args(["--seed", "1", "--train-list"])
            .arg(lists.with_extension("train"))
            .arg("--holdout-list")
            .arg(lists.with_extension("holdout"));
        let mut info = bench.genosynth();
        info.arg("info").arg(path);
        let freq = plink2_freq(bench, path)?;
        for (step, ours) in [
            ("read into the packed matrix", read),
            ("allele frequencies", info),
        ] {
            match (
                median_of(&ours, bench.opts.repeat),
                median_of(&freq, bench.opts.repeat),
            ) {
                (Ok(o), Ok(t)) => {
                    section.row(vec![
                        step.into(),
                        label.into(),
                        wall_and_rss(&o),
                        wall_and_rss(&t),
                        speedup(t.wall_s, o.wall_s),
                    ]);
                    if step.starts_with("read") {
                        section.note(format!(
                            "{label} read: peak memory {:.2}× the packed matrix (target ≤ 1.5×), \
                             {} plink2's load time (target ≥ 1×).",
                            o.max_rss as f64 / cohort.packed_bytes() as f64,
                            speedup(t.wall_s, o.wall_s)
                        ));
                    }
                }
                (o, t) => section.skipped(&format!("{step}, {label}"), &why(o, t)),
            }
        }
    }
    hclt_iteration(bench, &cohort, &mut section)?;
    super::chromosome::rows(bench, &mut section)?;
    eval_at_scale(bench, &cohort, &mut section)?;
    nearest_at_scale(bench, &mut section);
    Ok(section)
}

/// `plink2 --pfile X --freq` or `plink2 --bgen X.bgen ref-first --sample X.sample --freq`.
fn plink2_freq(bench: &Bench, path: &Path) -> anyhow::Result<Command> {
    let mut cmd = Command::new("plink2");
    let stem = path.with_extension("");
    if path.extension().is_some_and(|e| e == "pgen") {
        cmd.arg("--pfile").arg(&stem);
    } else {
        cmd.arg("--bgen")
            .arg(path)
            .arg("ref-first")
            .arg("--sample")
            .arg(stem.with_extension("sample"));
    }
    cmd.args([
        "--freq",
        "--threads",
        &bench.opts.threads.to_string(),
        "--out",
    ])
    .arg(bench.work_path("biobank-plink2")?);
    Ok(cmd)
}

/// One EM iteration of the HCLT (with its Chow–Liu tree) on the whole cohort.
fn hclt_iteration(bench: &Bench, cohort: &Cohort, section: &mut Section) -> anyhow::Result<()> {
    let dir = bench.work_path("biobank-hclt")?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut train = bench.genosynth();
    train
        .arg("train")
        .arg(&cohort.pgen)
        .args([
            "--model", "hclt", "--epochs", "1", "--seed", "1", "--device", "cpu", "-o",
        ])
        .arg(&dir);
    match measure(&train) {
        Ok(m) => {
            let em = epoch_seconds(&dir.join("history.jsonl")).map_or("?".into(), secs);
            section.row(vec![
                "HCLT: tree + 1 EM iteration (`train --model hclt --epochs 1`)".into(),
                "`.pgen`".into(),
                format!("{}; the EM iteration {em}", wall_and_rss(&m)),
                "—".into(),
                "—".into(),
            ]);
            section.note(format!(
                "HCLT at the default states (8): the iteration's time is history.jsonl's `seconds`; \
                 the rest of the wall time is reading and the banded Chow–Liu tree (the EM reads \
                 the haplotypes packed, a bit per allele). Target for chromosome scale (issue 25): ≤ 60 s and ≤ 4 GiB per \
                 iteration at 10⁵ sites × 10⁴ haplotypes; command: `{}`.",
                describe(&train)
            ));
        }
        Err(e) => section.skipped("HCLT: tree + 1 EM iteration", &format!("{e:#}")),
    }
    Ok(())
}

/// `seconds` of the first line of a model's history.jsonl.
pub(super) fn epoch_seconds(history: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(history).ok()?;
    let first: serde_json::Value = serde_json::from_str(text.lines().next()?).ok()?;
    first.get("seconds")?.as_f64()
}

/// Haplotypes per set in the `eval` rows (`--max-haplotypes`): all-pairs statistics grow with
/// their square, so two sizes give the trend toward 10⁵.
const EVAL_HAPLOTYPES: [usize; 2] = [10_000, 20_000];

/// `eval` on the cohort split by person into train, "AGs" (real people standing in for AGs: the
/// cost does not depend on where the haplotypes came from) and holdout, subsampled to each of
/// `EVAL_HAPLOTYPES`.
fn eval_at_scale(bench: &Bench, cohort: &Cohort, section: &mut Section) -> anyhow::Result<()> {
    let part = |name: &str| bench.work_path(&format!("biobank-{name}.bcf"));
    let (rest, holdout, train, ags) = (
        part("rest")?,
        part("holdout")?,
        part("train")?,
        part("ags")?,
    );
    if !ags.exists() {
        let split = |input: &Path, fraction: &str, a: &Path, b: &Path| {
            let mut cmd = bench.genosynth();
            cmd.arg("split")
                .arg(input)
                .args(["--seed", "1", "--train-fraction", fraction, "-O", "b", "-o"])
                .arg(a)
                .arg("--holdout-out")
                .arg(b);
            output(&mut cmd)
        };
        split(&cohort.pgen, "0.8", &rest, &holdout)?;
        split(&rest, "0.5", &train, &ags)?;
    }
    let mut previous: Option<(usize, f64)> = None;
    for n in EVAL_HAPLOTYPES {
        let out = bench.work_path(&format!("biobank-report-{n}"))?;
        let mut eval = bench.genosynth();
        eval.arg("eval")
            .arg("--train")
            .arg(&train)
            .arg("--synthetic")
            .arg(&ags)
            .arg("--holdout")
            .arg(&holdout)
            .args(["--max-haplotypes", &n.to_string(), "-o"])
            .arg(&out);
        match measure(&eval) {
            Ok(m) => {
                section.row(vec![
                    format!("`eval --max-haplotypes {n}`, every statistic"),
                    format!("train, AGs and holdout of {n} haplotypes each (`.bcf`)"),
                    wall_and_rss(&m),
                    "—".into(),
                    "—".into(),
                ]);
                if let Some((n0, t0)) = previous {
                    let exponent = (m.wall_s / t0).ln() / (n as f64 / n0 as f64).ln();
                    let projected = m.wall_s * (100_000.0 / n as f64).powf(exponent);
                    section.note(format!(
                        "`eval` time grows like haplotypes^{exponent:.2} between {n0} and {n} \
                         haplotypes per set; at that rate 10⁵ × 10⁵ would take about {} \
                         (target ≤ 3 minutes for AATS, DCR and membership).",
                        secs(projected)
                    ));
                }
                previous = Some((n, m.wall_s));
            }
            Err(e) => section.skipped(&format!("`eval --max-haplotypes {n}`"), &format!("{e:#}")),
        }
    }
    Ok(())
}

/// Haplotypes per set, sites and holdout haplotypes of the exact nearest-neighbour row.
const NEAREST: [usize; 4] = [100_000, 100_000, 10_000, 20_000];

/// The evaluation's nearest-neighbour part alone (AATS, DCR, the membership attack: every
/// all-pairs pass, exact) at 10⁵ × 10⁵ haplotypes × 10⁴ sites plus a holdout, on generated
/// haplotypes (genosynth-eval's `eval_scale` example, release).
fn nearest_at_scale(bench: &Bench, section: &mut Section) {
    let [n_t, n_s, sites, n_h] = NEAREST;
    let step = "`eval`'s nearest neighbours, exact (AATS, DCR, membership)";
    let label = format!("generated: {n_t} × {n_s} haplotypes × {sites} sites, holdout {n_h}");
    let bin = match super::eval_parts::build_example() {
        Ok(bin) => bin,
        Err(e) => return section.skipped(step, &format!("{e:#}")),
    };
    let mut cmd = Command::new(&bin);
    cmd.args([n_t, n_s, sites].map(|n| n.to_string()))
        .args(["--privacy-only", "--holdout", &n_h.to_string()])
        .env("RAYON_NUM_THREADS", bench.opts.threads.to_string());
    match measure(&cmd) {
        Ok(m) => {
            section.row(vec![
                step.into(),
                label,
                format!("{}, CPU {}", wall_and_rss(&m), secs(m.cpu_s)),
                "—".into(),
                "—".into(),
            ]);
            section.note(format!(
                "Exact nearest neighbours: every all-pairs pass `evaluate` runs (within each set; \
                 train × AGs, holdout × AGs, holdout × train), the subsampled AATS repeats \
                 tracked inside them; target ≤ 3 minutes and ≤ 8 GiB on 2 cores. Command: `{}`.",
                describe(&cmd)
            ));
        }
        Err(e) => section.skipped(step, &format!("{e:#}")),
    }
}

/// Simulates (once) and converts the cohort; returns its files.
fn prepare(bench: &Bench, people: usize) -> anyhow::Result<Cohort> {
    let dir = bench.work_path(&format!("biobank-{people}"))?;
    std::fs::create_dir_all(&dir)?;
    let pgen = dir.join("cohort.pgen");
    let bgen = dir.join("cohort.bgen");
    let vcf = dir.join("cohort.vcf.gz");
    if !vcf.exists() {
        let py = python::ensure("requirements-biobank.txt")?;
        eprintln!("bench: simulating {people} people × {SITES} sites (msprime)");
        let mut sim = py.command("biobank_sim.py");
        sim.args([
            "--people",
            &people.to_string(),
            "--sites",
            &SITES.to_string(),
        ])
        .args(["--length-mb", "2", "--seed", "1", "-o"])
        .arg(&vcf);
        output(&mut sim)?;
    }
    if !bgen.exists() {
        let mut convert = bench.genosynth();
        convert.arg("convert").arg(&vcf).arg("-o").arg(&pgen);
        output(&mut convert)?;
        let mut export = Command::new("plink2");
        export
            .arg("--pfile")
            .arg(pgen.with_extension(""))
            .args(["--export", "bgen-1.2", "bits=8", "ref-first", "--out"])
            .arg(bgen.with_extension(""));
        output(&mut export)?;
    }
    let psam = std::fs::read_to_string(pgen.with_extension("psam"))?;
    let pvar = std::fs::read_to_string(pgen.with_extension("pvar"))?;
    let n_people = psam.lines().filter(|l| !l.starts_with('#')).count();
    let sites = pvar.lines().filter(|l| !l.starts_with('#')).count();
    ensure!(
        n_people > 0 && sites > 0,
        "empty cohort in {}",
        dir.display()
    );
    Ok(Cohort {
        pgen,
        bgen,
        people: n_people,
        sites,
    })
}
