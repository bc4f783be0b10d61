//! `bench generate`: AGs per second and output MB/s writing 100,000 AG haplotypes of an 805-SNP
//! model to BCF and VCF.gz, beside bcftools re-encoding the same records (a yardstick for the
//! writing part: bcftools only decodes and encodes, it samples nothing).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Bench;
use super::measure::{measure, output};
use super::table::{Section, bytes, wall_and_rss};

const GAN_HAPLOTYPES: usize = 100_000;
/// The RBM runs 50 Gibbs sweeps per AG (≈ 80 MFLOP each): fewer AGs keep the row short.
const RBM_HAPLOTYPES: usize = 10_000;

pub(crate) fn run(bench: &Bench) -> anyhow::Result<Section> {
    let mut section = Section::new(
        "Generation throughput: `genosynth generate` (805-SNP models)",
        &[
            "model",
            "output",
            "AG haplotypes",
            "genosynth",
            "AGs/s",
            "output size",
            "MB/s",
            "bcftools re-encode of the same file",
        ],
    );
    section.intro.push(format!(
        "`genosynth generate MODEL -n N -O b|z -o OUT --seed 1` from a model trained on the 805-SNP \
         set (the `bench train` checkpoint when present, else one trained for 1 epoch here: speed \
         does not depend on training length). AGs/s counts haplotypes; MB/s is output bytes per \
         wall second. The last column times `bcftools view -O b|z` re-encoding our output file, \
         {} threads on both sides.",
        bench.opts.threads
    ));
    for (model, n) in [("gan", GAN_HAPLOTYPES), ("rbm", RBM_HAPLOTYPES)] {
        let dir = match model_dir(bench, model) {
            Ok(d) => d,
            Err(e) => {
                section.skipped(&model.to_uppercase(), &format!("{e:#}"));
                continue;
            }
        };
        for (fmt, ext) in [("b", "bcf"), ("z", "vcf.gz")] {
            let out = bench.work_path(&format!("generate-{model}.{ext}"))?;
            let mut cmd = bench.genosynth();
            cmd.arg("generate")
                .arg(&dir)
                .args(["-n", &n.to_string(), "-O", fmt, "--seed", "1", "-o"])
                .arg(&out);
            eprintln!("bench:   genosynth generate {model} -n {n} -O {fmt}");
            match measure(&cmd) {
                Ok(m) => {
                    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
                    let records = output(
                        Command::new("bcftools")
                            .args(["view", "-G", "-H"])
                            .arg(&out),
                    )?
                    .lines()
                    .count();
                    let samples = output(Command::new("bcftools").args(["query", "-l"]).arg(&out))?
                        .lines()
                        .count();
                    anyhow::ensure!(
                        2 * samples == n,
                        "{} has {samples} samples, expected {}",
                        out.display(),
                        n / 2
                    );
                    let reencoded = bench.work_path(&format!("generate-{model}.bcftools.{ext}"))?;
                    let mut theirs = Command::new("bcftools");
                    theirs
                        .args([
                            "view",
                            "--threads",
                            &bench.opts.threads.to_string(),
                            "-O",
                            fmt,
                            "-o",
                        ])
                        .arg(&reencoded)
                        .arg(&out);
                    let t = measure(&theirs)
                        .map_or_else(|e| format!("failed: {e:#}"), |t| wall_and_rss(&t));
                    section.row(vec![
                        model.to_uppercase(),
                        format!("{} (-O {fmt}), {records} sites", ext.to_uppercase()),
                        n.to_string(),
                        wall_and_rss(&m),
                        format!("{:.0}", n as f64 / m.wall_s),
                        bytes(size),
                        format!("{:.1}", size as f64 / 1e6 / m.wall_s),
                        t,
                    ]);
                    let _ = std::fs::remove_file(&reencoded);
                }
                Err(e) => section.skipped(&format!("{model} -O {fmt}"), &format!("{e:#}")),
            }
            let _ = std::fs::remove_file(&out);
        }
    }
    section.note(format!(
        "Issue 6 asks for {GAN_HAPLOTYPES} AG haplotypes (the GAN rows); the RBM rows write \
         {RBM_HAPLOTYPES} because its 50 Gibbs sweeps per AG make sampling, not writing, the cost."
    ));
    Ok(section)
}

/// A checkpoint to sample from: the `bench train` one, or a 1-epoch one trained now.
fn model_dir(bench: &Bench, model: &str) -> anyhow::Result<PathBuf> {
    let trained = bench.work_path(&format!("train-{model}"))?;
    if has_model(&trained) {
        return Ok(trained);
    }
    let dir = bench.work_path(&format!("generate-model-{model}"))?;
    if !has_model(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        let mut cmd = bench.genosynth();
        cmd.arg("train")
            .arg(bench.snp805())
            .args(["--model", model, "--epochs", "1", "--seed", "1", "-o"])
            .arg(&dir);
        eprintln!("bench:   genosynth train --model {model} --epochs 1 (a model to sample from)");
        measure(&cmd)?;
    }
    Ok(dir)
}

fn has_model(dir: &Path) -> bool {
    dir.join("model.json").exists() && dir.join("model.safetensors").exists()
}
