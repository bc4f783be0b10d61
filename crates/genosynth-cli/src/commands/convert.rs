//! `genosynth convert`: between VCF, BGZF VCF, BCF and .hapt, or to phased PLINK 2, with
//! region, sample and site policies.

use std::path::PathBuf;
use std::process::ExitCode;

use genosynth_core::{HaplotypeMatrix, Ploidy};

use crate::Context;
use crate::commands::io_args::{InputArgs, checked_output_format, write_options};

/// Convert between VCF, BGZF VCF, BCF and .hapt, or to phased PLINK 2 (.pgen/.pvar/.psam).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input VCF, VCF.gz, BCF, .hapt, .pgen or .bgen (`-` = stdin, VCF/BCF only); the format comes from the extension, then the content.
    input: PathBuf,
    /// Output file (`-` = stdout); PLINK 2 output `X.pgen` also writes `X.pvar` and `X.psam`.
    #[arg(short = 'o', long = "output", default_value = "-", value_name = "FILE")]
    output: PathBuf,
    /// Output type: v VCF, z BGZF VCF, b BCF, u uncompressed BCF, h .hapt, p PLINK 2 with phase
    /// (default: from the extension; VCF on stdout).
    #[arg(short = 'O', long = "output-type", value_name = "TYPE")]
    output_type: Option<String>,
    /// Also write an index: .tbi for VCF.gz, .csi for BCF.
    #[arg(long)]
    write_index: bool,
    /// Samples' ploidy in the output: 1 writes each haplotype as its own haploid sample
    /// (NAME_A, NAME_B); 2 pairs haploid haplotypes into diploid samples in order (for .hapt
    /// input: 1 reads one haploid sample per line).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2), value_name = "1|2")]
    ploidy: Option<u8>,
    #[command(flatten)]
    input_args: InputArgs,
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let format = checked_output_format(args.output_type.as_deref(), &args.output)?;
    let mut options = args.input_args.read_options(ctx.stop.clone())?;
    options.hapt_haploid = args.ploidy == Some(1);
    let haplotypes = match genosynth_vcf::read(&args.input, &options) {
        Err(e) if e.is_interrupted() => return Ok(interrupted(ctx)),
        other => other?,
    };
    ctx.printer.info(format!(
        "read {}: {}",
        args.input.display(),
        haplotypes.report.summary()
    ));
    if !options.regions.is_empty() {
        ctx.printer.debug(if haplotypes.report.used_index {
            "regions: read through the index (.tbi/.csi, or .bgi for BGEN)"
        } else {
            "regions: no index, filtered while streaming the whole file"
        });
    }
    let matrix = match args.ploidy {
        Some(p) => set_ploidy(haplotypes.matrix, p)?,
        None => haplotypes.matrix,
    };
    let write = write_options(ctx, format, args.write_index, haplotypes.report.contigs);
    match genosynth_vcf::write(&args.output, &matrix, &write) {
        Err(e) if e.is_interrupted() => return Ok(interrupted(ctx)),
        other => other?,
    }
    if args.output.as_os_str() != "-" {
        ctx.printer.info(format!(
            "wrote {} ({} samples, {} sites)",
            args.output.display(),
            matrix.samples().len(),
            matrix.n_sites()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn interrupted(ctx: &Context) -> ExitCode {
    ctx.printer.warn("interrupted: no output written");
    ExitCode::from(130)
}

/// Re-groups haplotypes into samples of `--ploidy` (see `HaplotypeMatrix::with_ploidy`).
fn set_ploidy(matrix: HaplotypeMatrix, ploidy: u8) -> anyhow::Result<HaplotypeMatrix> {
    let target = if ploidy == 1 {
        Ploidy::Haploid
    } else {
        Ploidy::Diploid
    };
    matrix.with_ploidy(target).map_err(|e| match e {
        genosynth_core::Error::OddHaplotypes(_) => {
            anyhow::anyhow!("--ploidy {ploidy}: {e} (use --ploidy 1)")
        }
        e => anyhow::Error::new(e).context(format!("--ploidy {ploidy}")),
    })
}
