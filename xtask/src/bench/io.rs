//! `bench io`: reading and writing VCF/BCF, genosynth vs bcftools, plus peak memory against the
//! bit-packed matrix size (issue 3's targets: read no slower than bcftools decoding the same file,
//! peak memory within 2x the packed matrix).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use super::Bench;
use super::data::replicate_samples;
use super::measure::{Measurement, describe, median_of, output};
use super::table::{Section, bytes, secs, speedup, wall_and_rss};

/// How many times the AGBL4 samples are repeated for the scaled input (2,504 x 40 = 100,160).
const SCALE_COPIES: usize = 40;

struct Input {
    label: String,
    path: PathBuf,
    haplotypes: u64,
    records: u64,
}

pub(crate) fn run(bench: &Bench) -> anyhow::Result<Section> {
    let mut section = Section::new(
        "I/O: VCF/BCF read and write (genosynth vs bcftools)",
        &[
            "input",
            "operation",
            "genosynth",
            "bcftools",
            "bcftools / genosynth",
            "genosynth peak RSS",
            "packed matrix",
            "RSS / packed",
        ],
    );
    let Some(agbl4) = bench.agbl4() else {
        section.skipped("AGBL4", "../shared/data/1000g/AGBL4.train.vcf.gz is absent");
        return Ok(section);
    };
    // Both sides read the same biallelic file: bcftools drops the 60 multiallelic records once,
    // so neither side spends time on a policy the other does not apply.
    let base = bench.work_path("agbl4.biallelic.vcf.gz")?;
    output(
        Command::new("bcftools")
            .args(["view", "-m2", "-M2", "-Oz", "--write-index=tbi", "-o"])
            .arg(&base)
            .arg(&agbl4),
    )?;
    let mut inputs = vec![describe_input("AGBL4 (biallelic)", &base)?];
    if bench.opts.scale {
        let scaled = bench.work_path("agbl4.x40.vcf.gz")?;
        if !scaled.exists() {
            eprintln!("bench: writing the scaled input (samples x{SCALE_COPIES})");
            replicate_samples(&base, SCALE_COPIES, &scaled, bench.opts.threads)?;
        }
        inputs.push(describe_input(
            &format!("AGBL4 samples x{SCALE_COPIES}"),
            &scaled,
        )?);
    }
    section.intro.push(format!(
        "Input: `AGBL4.train.vcf.gz` (chr1, 4,531 records) with its 60 multiallelic records dropped \
         by `bcftools view -m2 -M2` so both tools do the same work; the scaled input repeats its \
         samples {SCALE_COPIES} times (made by the bench). Each figure is the median of {} runs with \
         {} threads (`--threads` on both sides). \"read\" decodes every record and writes \
         uncompressed BCF (`-O u`) on both sides; \"packed matrix\" is haplotypes × sites / 8 bytes.",
        bench.opts.repeat, bench.opts.threads
    ));
    for input in &inputs {
        for (op, fmt, ext) in [
            ("read (→ -O u)", "u", "bcf"),
            ("write BCF (-O b)", "b", "bcf"),
            ("write VCF.gz (-O z)", "z", "vcf.gz"),
        ] {
            let ours_out = bench.work_path(&format!("ours.{fmt}.{ext}"))?;
            let theirs_out = bench.work_path(&format!("bcftools.{fmt}.{ext}"))?;
            let mut ours = bench.genosynth();
            ours.arg("convert")
                .arg(&input.path)
                .args(["-O", fmt, "-o"])
                .arg(&ours_out);
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
                .arg(&theirs_out)
                .arg(&input.path);
            let row_label = [input.label.clone(), op.to_string()];
            match measure_pair(bench, &ours, &theirs) {
                Ok((o, t)) => {
                    check_output(&ours_out, input.records)
                        .with_context(|| format!("genosynth output of {}", describe(&ours)))?;
                    let packed = input.haplotypes * input.records / 8;
                    section.row(vec![
                        row_label[0].clone(),
                        row_label[1].clone(),
                        wall_and_rss(&o),
                        wall_and_rss(&t),
                        speedup(t.wall_s, o.wall_s),
                        bytes(o.max_rss),
                        bytes(packed),
                        format!("{:.2}", o.max_rss as f64 / packed as f64),
                    ]);
                }
                Err(err) => section.skipped(&row_label.join(", "), &format!("{err:#}")),
            }
            let _ = std::fs::remove_file(&ours_out);
            let _ = std::fs::remove_file(&theirs_out);
        }
    }
    section.note(format!(
        "Sizes: {}.",
        inputs
            .iter()
            .map(|i| format!(
                "{}: {} haplotypes × {} sites, file {}",
                i.label,
                i.haplotypes,
                i.records,
                file_size(&i.path)
            ))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    section.note("Targets (issue 3): bcftools / genosynth ≥ 1 for read; RSS / packed ≤ 2 on the scaled input (the small input's RSS is dominated by the program itself).");
    Ok(section)
}

fn measure_pair(
    bench: &Bench,
    ours: &Command,
    theirs: &Command,
) -> anyhow::Result<(Measurement, Measurement)> {
    let o = median_of(ours, bench.opts.repeat)?;
    let t = median_of(theirs, bench.opts.repeat)?;
    eprintln!(
        "bench:   genosynth {} | bcftools {}",
        secs(o.wall_s),
        secs(t.wall_s)
    );
    Ok((o, t))
}

fn describe_input(label: &str, path: &Path) -> anyhow::Result<Input> {
    let samples = output(Command::new("bcftools").args(["query", "-l"]).arg(path))?
        .lines()
        .count() as u64;
    let records: u64 = output(Command::new("bcftools").args(["index", "-n"]).arg(path))?
        .trim()
        .parse()
        .context("bcftools index -n")?;
    Ok(Input {
        label: label.into(),
        path: path.to_path_buf(),
        haplotypes: 2 * samples,
        records,
    })
}

/// The written file must hold every record (a benchmark of a writer that drops data is worthless).
fn check_output(path: &Path, records: u64) -> anyhow::Result<()> {
    let n = output(
        Command::new("bcftools")
            .args(["view", "-G", "-H"])
            .arg(path),
    )?
    .lines()
    .count() as u64;
    anyhow::ensure!(
        n == records,
        "{} has {n} records, expected {records}",
        path.display()
    );
    Ok(())
}

fn file_size(path: &Path) -> String {
    std::fs::metadata(path).map_or_else(|_| "?".into(), |m| bytes(m.len()))
}
