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

/// One compared operation: `format` None reads only (`genosynth info` vs `bcftools view -Ou -o
/// /dev/null`); otherwise both convert into that `-O` type.
struct Operation {
    label: &'static str,
    format: Option<&'static str>,
    ext: &'static str,
}

const OPERATIONS: [Operation; 4] = [
    Operation {
        label: "read (info / view -Ou to /dev/null)",
        format: None,
        ext: "none",
    },
    Operation {
        label: "read → matrix → -O u",
        format: Some("u"),
        ext: "u.bcf",
    },
    Operation {
        label: "write BCF (-O b)",
        format: Some("b"),
        ext: "b.bcf",
    },
    Operation {
        label: "write VCF.gz (-O z)",
        format: Some("z"),
        ext: "vcf.gz",
    },
];

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
            .args(["view", "-m2", "-M2", "-Oz", "-o"])
            .arg(&base)
            .arg(&agbl4),
    )?;
    output(
        Command::new("bcftools")
            .args(["index", "-f", "-t"])
            .arg(&base),
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
         {} threads (`--threads` on both sides). \"read\" is `genosynth info` (streams every record, \
         checks it and counts alleles) vs `bcftools view -Ou -o /dev/null`; the other rows are \
         `genosynth convert IN -O u|b|z -o OUT` (reads the whole bit-packed matrix, then writes) vs \
         `bcftools view -O u|b|z` (streams). \"packed matrix\" is haplotypes × sites / 8 bytes.",
        bench.opts.repeat, bench.opts.threads
    ));
    for input in &inputs {
        for op in OPERATIONS {
            let ours_out = bench.work_path(&format!("ours.{}", op.ext))?;
            let theirs_out = bench.work_path(&format!("bcftools.{}", op.ext))?;
            let threads = bench.opts.threads.to_string();
            let mut ours = bench.genosynth();
            let mut theirs = Command::new("bcftools");
            theirs.args(["view", "--threads", &threads]);
            match op.format {
                // Reading alone: genosynth's streaming summary vs bcftools decoding to nowhere.
                None => {
                    ours.arg("info").arg(&input.path);
                    theirs.args(["-O", "u", "-o", "/dev/null"]).arg(&input.path);
                }
                Some(fmt) => {
                    ours.arg("convert")
                        .arg(&input.path)
                        .args(["-O", fmt, "-o"])
                        .arg(&ours_out);
                    theirs
                        .args(["-O", fmt, "-o"])
                        .arg(&theirs_out)
                        .arg(&input.path);
                }
            }
            let label = format!("{}, {}", input.label, op.label);
            match measure_pair(bench, &ours, &theirs) {
                Ok((o, t)) => {
                    if op.format.is_some() {
                        check_output(&ours_out, input.records)
                            .with_context(|| format!("genosynth output of {}", describe(&ours)))?;
                    }
                    let packed = input.haplotypes * input.records / 8;
                    section.row(vec![
                        input.label.clone(),
                        op.label.to_string(),
                        wall_and_rss(&o),
                        wall_and_rss(&t),
                        speedup(t.wall_s, o.wall_s),
                        bytes(o.max_rss),
                        bytes(packed),
                        format!("{:.2}", o.max_rss as f64 / packed as f64),
                    ]);
                }
                Err(err) => section.skipped(&label, &format!("{err:#}")),
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
