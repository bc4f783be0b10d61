//! `bench plink`: plink2 `--freq` / `--r2-phased` beside genosynth where both compute the same
//! statistic. plink2 comes from Debian (`apt-get install plink2`); rows are skipped with the
//! reason when it cannot be installed or lacks a flag (Debian bookworm ships 2.00a3.5, which has
//! `--freq` but no `--r2-phased`).

use std::path::Path;
use std::process::{Command, Stdio};

use super::Bench;
use super::measure::{describe, median_of, output, why};
use super::table::{Section, speedup, wall_and_rss};

pub(crate) fn run(bench: &Bench) -> anyhow::Result<Section> {
    let mut section = Section::new(
        "plink2 rows: allele frequencies and r²",
        &[
            "input",
            "statistic",
            "genosynth",
            "plink2",
            "plink2 / genosynth",
        ],
    );
    let version = match ensure_plink2() {
        Ok(v) => v,
        Err(e) => {
            section.skipped("plink2", &format!("{e:#}"));
            return Ok(section);
        }
    };
    section.intro.push(format!(
        "{version}, reading the VCF directly (`--vcf F --freq`), vs `genosynth info F`, which streams \
         every record, validates it and counts alleles per site for the MAF spectrum (no matrix \
         kept); plink2 first converts the VCF to its own binary format. Median of {} runs, {} threads on both sides.",
        bench.opts.repeat, bench.opts.threads
    ));
    let mut inputs = vec![(
        "805-SNP set".to_string(),
        std::path::absolute(bench.snp805())?,
    )];
    let scaled = bench.opts.work.join("agbl4.x40.vcf.gz");
    if scaled.exists() {
        inputs.push((
            "AGBL4 samples x40 (from `bench io`)".into(),
            std::path::absolute(scaled)?,
        ));
    } else {
        section
            .note("The AGBL4 x40 row needs `cargo xtask bench io` first (it writes that input).");
    }
    let prefix = bench.work_path("plink2")?;
    for (label, path) in &inputs {
        let mut ours = bench.genosynth();
        ours.arg("info").arg(path);
        let mut theirs = plink2(bench, path, &prefix);
        theirs.arg("--freq");
        match (
            median_of(&ours, bench.opts.repeat),
            median_of(&theirs, bench.opts.repeat),
        ) {
            (Ok(o), Ok(t)) => section.row(vec![
                label.clone(),
                "allele frequencies".into(),
                wall_and_rss(&o),
                wall_and_rss(&t),
                speedup(t.wall_s, o.wall_s),
            ]),
            (o, t) => section.skipped(&format!("{label}, allele frequencies"), &why(o, t)),
        }
    }
    // r² between phased haplotypes: the statistic genosynth eval's LD figures use.
    let snp805 = &inputs[0].1;
    let mut r2 = plink2(bench, snp805, &prefix);
    r2.args([
        "--r2-phased",
        "--ld-window-kb",
        "1000000",
        "--ld-window-r2",
        "0",
    ]);
    match median_of(&r2, 1) {
        Ok(t) => section.row(vec![
            inputs[0].0.clone(),
            "r² (phased, all pairs)".into(),
            "part of `genosynth eval` (see the eval section)".into(),
            wall_and_rss(&t),
            "—".into(),
        ]),
        Err(e) => section.skipped("r² (plink2 --r2-phased)", &format!("{version}: {e:#}")),
    }
    Ok(section)
}

fn plink2(bench: &Bench, vcf: &Path, prefix: &Path) -> Command {
    let mut cmd = Command::new("plink2");
    cmd.arg("--vcf")
        .arg(vcf)
        .args([
            "--threads",
            &bench.opts.threads.to_string(),
            "--allow-extra-chr",
            "--out",
        ])
        .arg(prefix);
    cmd
}

/// plink2's version line, installing the Debian package when it is absent.
fn ensure_plink2() -> anyhow::Result<String> {
    let version = || output(Command::new("plink2").arg("--version")).map(|v| v.trim().to_string());
    if let Ok(v) = version() {
        return Ok(v);
    }
    eprintln!("bench: installing plink2 (apt-get install plink2)");
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-q", "plink2"])
        .stdout(Stdio::null());
    let ok = install.status().is_ok_and(|s| s.success());
    anyhow::ensure!(
        ok,
        "{} failed: plink2 is not installable here",
        describe(&install)
    );
    version()
}
