//! The HCLT at chromosome scale (issue 25's speed targets): one EM iteration over 10⁵ sites ×
//! 10⁴ haplotypes at the default states, the banded tree, and the arithmetic rate achieved.
//!
//! The data come from `xtask/bench/biobank_sim.py` (5,000 simulated people, the first 10⁵
//! biallelic sites of a 25 Mb chromosome), cached in the work directory.

use super::Bench;
use super::biobank::epoch_seconds;
use super::measure::{describe, measure, output};
use super::python;
use super::table::{Section, bytes, secs};

const PEOPLE: usize = 5_000;
const SITES: usize = 100_000;
/// The default hidden states per site (`HcltParams::default().states`).
const STATES: f64 = 8.0;

/// One `train --model hclt --epochs 1` on the simulated chromosome, as rows of `section`.
pub(crate) fn rows(bench: &Bench, section: &mut Section) -> anyhow::Result<()> {
    let label = "HCLT at chromosome scale: tree + 1 EM iteration";
    let vcf = bench.work_path(&format!("chromosome-{PEOPLE}x{SITES}.vcf.gz"))?;
    if !vcf.exists() {
        eprintln!("bench: simulating {PEOPLE} people × {SITES} sites (msprime)");
        let simulated = python::ensure("requirements-biobank.txt").and_then(|py| {
            let mut sim = py.command("biobank_sim.py");
            sim.args([
                "--people",
                &PEOPLE.to_string(),
                "--sites",
                &SITES.to_string(),
            ])
            .args(["--length-mb", "25", "--seed", "1", "-o"])
            .arg(&vcf);
            output(&mut sim)
        });
        if let Err(e) = simulated {
            section.skipped(label, &format!("{e:#}"));
            return Ok(());
        }
    }
    let dir = bench.work_path("chromosome-hclt")?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut train = bench.genosynth();
    train
        .arg("train")
        .arg(&vcf)
        .args([
            "--model", "hclt", "--epochs", "1", "--seed", "1", "--device", "cpu", "-o",
        ])
        .arg(&dir);
    let m = match measure(&train) {
        Ok(m) => m,
        Err(e) => {
            section.skipped(label, &format!("{e:#}"));
            return Ok(());
        }
    };
    let haplotypes = 2 * PEOPLE;
    let em = epoch_seconds(&dir.join("history.jsonl"));
    // Per site and haplotype: three k × k products (u = Tᵀm, o = wT, the pair counts) at 2k²
    // FLOP each, and about 15k for the emissions, products and normalisations.
    let flop = (SITES * haplotypes) as f64 * (6.0 * STATES * STATES + 15.0 * STATES);
    let rate = em.map_or("?".into(), |s| format!("{:.1} GFLOP/s", flop / s / 1e9));
    section.row(vec![
        label.into(),
        format!("{SITES} sites × {haplotypes} haplotypes, `.vcf.gz`"),
        format!(
            "{} wall, {} CPU, peak RSS {}; the EM iteration {} ({rate})",
            secs(m.wall_s),
            secs(m.cpu_s),
            bytes(m.max_rss),
            em.map_or("?".into(), secs),
        ),
        "—".into(),
        "—".into(),
    ]);
    section.note(format!(
        "Chromosome-scale HCLT (issue 25 targets: the EM iteration ≤ 60 s, the tree ≤ 60 s, \
         ≤ 4 GiB, on 2 cores): the iteration's time is history.jsonl's `seconds`; the rest of \
         the wall time is reading the VCF and the banded tree. GFLOP/s counts {:.0} FLOP per \
         site and haplotype at 8 states (6k² + 15k), to compare with the cores' fp32 peak \
         (per AVX-512 core, 16 lanes × 2 FLOP per FMA × 1–2 FMA ports × the clock: \
         83–166 GFLOP/s at 2.6 GHz). Command: `{}`.",
        6.0 * STATES * STATES + 15.0 * STATES,
        describe(&train)
    ));
    Ok(())
}
