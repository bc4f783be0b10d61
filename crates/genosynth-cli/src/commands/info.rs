//! `genosynth info`: what a VCF/BCF/.hapt file holds.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_vcf::{FileInfo, inspect};

use crate::Context;
use crate::commands::io_args::SelectArgs;

/// The example bundled in the source repository.
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/805_SNP_1000G_real.train.vcf.gz"
);

/// Summarise a VCF/BCF/.hapt/.pgen/.bgen file: sites, samples, ploidy, phasing, allele spectrum.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The file (`-` = stdin).
    #[arg(required_unless_present = "example")]
    file: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Use the bundled example (805 SNPs, 1,252 samples of the 1000 Genomes Project).
    #[arg(long, conflicts_with = "file")]
    example: bool,
    #[command(flatten)]
    select: SelectArgs,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let path = match (&args.file, args.example) {
        (_, true) => {
            let path = PathBuf::from(EXAMPLE);
            anyhow::ensure!(
                path.exists(),
                "the bundled example is not at {EXAMPLE} (it ships in the source repository's examples/ folder); pass a file instead"
            );
            path
        }
        (Some(path), false) => path.clone(),
        (None, false) => anyhow::bail!("give a FILE or --example"),
    };
    let options = args.select.read_options(ctx.stop.clone())?;
    let info = match inspect(&path, &options) {
        Err(e) if e.is_interrupted() => {
            ctx.printer.warn("interrupted");
            return Ok(ExitCode::from(130));
        }
        other => other?,
    };
    if args.json {
        let mut json = serde_json::to_value(&info).context("cannot encode JSON")?;
        json["file"] = serde_json::Value::String(path.display().to_string());
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!("{}", text(&path.display().to_string(), &info));
    }
    Ok(ExitCode::SUCCESS)
}

fn text(name: &str, i: &FileInfo) -> String {
    let mut out = format!(
        "file                  {name}\nformat                {}\n",
        i.format
    );
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<22}{v}\n"));
    line("records", i.records.to_string());
    line(
        "sites",
        format!(
            "{} biallelic ({} with --multiallelic split)",
            i.sites, i.sites_if_split
        ),
    );
    line("samples", i.samples.to_string());
    line("haplotypes", i.haplotypes.to_string());
    line(
        "ploidy",
        format!(
            "{} diploid, {} haploid samples",
            i.diploid_samples, i.haploid_samples
        ),
    );
    line("phased fraction", format!("{:.4}", i.phased_fraction));
    line("multiallelic records", i.multiallelic_records.to_string());
    line("SNP records", i.snp_records.to_string());
    line("indel/other records", i.non_snp_records.to_string());
    line("missing genotypes", i.missing_genotypes.to_string());
    line("unphased het GTs", i.unphased_heterozygous.to_string());
    if i.ploidy_changes > 0 {
        line("ploidy changes", i.ploidy_changes.to_string());
    }
    if i.unsorted_records > 0 || i.duplicate_records > 0 {
        line(
            "order problems",
            format!(
                "{} unsorted, {} duplicate records",
                i.unsorted_records, i.duplicate_records
            ),
        );
    }
    let m = &i.maf;
    line(
        "MAF spectrum",
        format!(
            "monomorphic {}, singletons {}, <1% {}, 1-5% {}, >=5% {}; mean MAF {:.4}",
            m.monomorphic,
            m.singletons,
            m.below_1pct,
            m.from_1_to_5pct,
            m.at_least_5pct,
            m.mean_maf
        ),
    );
    for c in &i.chromosomes {
        line(
            "chromosome",
            format!("{}: {} records, {}-{}", c.name, c.records, c.first, c.last),
        );
    }
    out
}
