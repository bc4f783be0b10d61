//! Input flags shared by every command that reads haplotypes (`#[command(flatten)]`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use genosynth_vcf::{MissingPolicy, MultiallelicPolicy, ReadOptions, Region, SampleSelection};

/// Which part of a file to read: regions, samples, and where `.hapt` sites come from.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SelectArgs {
    /// Regions, comma-separated: chr1, chr1:100-200 (1-based, inclusive). Uses the index when
    /// there is one (.tbi/.csi; X.bgen.bgi for BGEN), otherwise filters while reading.
    #[arg(
        short = 'r',
        long = "regions",
        value_delimiter = ',',
        value_name = "REGION"
    )]
    pub(crate) regions: Vec<Region>,
    /// Regions file: `CHROM[<tab>START[<tab>END]]` per line (1-based; a .bed file is 0-based).
    #[arg(short = 'R', long = "regions-file", value_name = "FILE")]
    pub(crate) regions_file: Option<PathBuf>,
    /// Samples, comma-separated; prefix with ^ to exclude (like bcftools -s).
    #[arg(
        short = 's',
        long = "samples",
        value_name = "LIST",
        conflicts_with = "samples_file"
    )]
    pub(crate) samples: Option<String>,
    /// File of samples, one per line; prefix the path with ^ to exclude them.
    #[arg(short = 'S', long = "samples-file", value_name = "FILE")]
    pub(crate) samples_file: Option<String>,
    /// For .hapt input: the sites (a VCF/BCF with the same sites, or a CHROM POS ID REF ALT
    /// table). Default: X.sites, X.vcf.gz, X.vcf or X.bcf beside X.hapt.
    #[arg(long, value_name = "FILE")]
    pub(crate) sites: Option<PathBuf>,
    /// Input format: vcf, bcf, hapt, pgen (PLINK 2: X.pgen + X.pvar + X.psam) or bgen (v1.2,
    /// X.sample or embedded IDs). Default: from the extension, then the content.
    #[arg(long = "input-format", value_name = "FORMAT", value_parser = parse_input_format)]
    pub(crate) input_format: Option<genosynth_vcf::InputFormat>,
}

fn parse_input_format(name: &str) -> Result<genosynth_vcf::InputFormat, String> {
    genosynth_vcf::InputFormat::from_name(name)
        .ok_or_else(|| format!("{name:?}: expected vcf, bcf, hapt, pgen or bgen"))
}

/// What to do with records genosynth cannot use as they are.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PolicyArgs {
    /// Records with several ALT alleles: stop with an error, split them into one biallelic
    /// site per ALT (like bcftools norm -m-), or drop them.
    #[arg(long, value_enum, default_value_t = Multiallelic::Error, value_name = "POLICY")]
    pub(crate) multiallelic: Multiallelic,
    /// Keep only SNPs (indels and other biallelic variants are kept by default).
    #[arg(long)]
    pub(crate) snps_only: bool,
    /// Missing genotypes: stop with an error, or fill with the site's major allele.
    #[arg(long, value_enum, default_value_t = Missing::Error, value_name = "POLICY")]
    pub(crate) missing: Missing,
}

/// `--multiallelic` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Multiallelic {
    Error,
    Split,
    Drop,
}

/// `--missing` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Missing {
    Error,
    Major,
}

/// Every input flag: selection and policies.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct InputArgs {
    #[command(flatten)]
    pub(crate) select: SelectArgs,
    #[command(flatten)]
    pub(crate) policy: PolicyArgs,
}

impl InputArgs {
    /// The library options these flags ask for.
    pub(crate) fn read_options(&self, stop: Arc<AtomicBool>) -> anyhow::Result<ReadOptions> {
        let mut options = self.select.read_options(stop)?;
        options.multiallelic = match self.policy.multiallelic {
            Multiallelic::Error => MultiallelicPolicy::Error,
            Multiallelic::Split => MultiallelicPolicy::Split,
            Multiallelic::Drop => MultiallelicPolicy::Drop,
        };
        options.missing = match self.policy.missing {
            Missing::Error => MissingPolicy::Error,
            Missing::Major => MissingPolicy::Major,
        };
        options.snps_only = self.policy.snps_only;
        Ok(options)
    }
}

impl SelectArgs {
    /// Options with the selection only (default, strict policies).
    pub(crate) fn read_options(&self, stop: Arc<AtomicBool>) -> anyhow::Result<ReadOptions> {
        let mut regions = self.regions.clone();
        if let Some(path) = &self.regions_file {
            regions.extend(genosynth_vcf::read_regions_file(path).context("--regions-file")?);
        }
        let samples = match (&self.samples, &self.samples_file) {
            (Some(list), _) => Some(SampleSelection::parse_list(list)),
            (None, Some(file)) => {
                let (exclude, file) = match file.strip_prefix('^') {
                    Some(f) => (true, f),
                    None => (false, file.as_str()),
                };
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read samples file {file}"))?;
                Some(SampleSelection::parse_file(&text, exclude))
            }
            (None, None) => None,
        };
        Ok(ReadOptions {
            regions,
            samples,
            sites_file: self.sites.clone(),
            input_format: self.input_format,
            threads: rayon::current_num_threads(),
            stop: Some(stop),
            ..Default::default()
        })
    }
}

/// Output flags of the commands that write AGs (`generate`, `synth`).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct OutputArgs {
    /// Output file (`-` = stdout); PLINK 2 output `X.pgen` also writes `X.pvar` and `X.psam`.
    #[arg(short = 'o', long = "output", default_value = "-", value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// Output type: v VCF, z BGZF VCF, b BCF, u uncompressed BCF, h .hapt, p PLINK 2 with phase
    /// (default: from the extension; VCF on stdout).
    #[arg(short = 'O', long = "output-type", value_name = "TYPE")]
    pub(crate) output_type: Option<String>,
    /// Also write an index: .tbi for VCF.gz, .csi for BCF.
    #[arg(long)]
    pub(crate) write_index: bool,
    /// 2 pairs consecutive haplotypes into diploid samples AG_000001...; 1 writes one haploid
    /// sample per haplotype.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2), value_name = "1|2")]
    pub(crate) ploidy: u8,
    /// RBM: Gibbs steps from random states (default: the training --gibbs-steps).
    #[arg(long = "sample-gibbs-steps", value_name = "K")]
    pub(crate) sample_gibbs_steps: Option<usize>,
}

impl OutputArgs {
    /// `--ploidy` as a ploidy.
    pub(crate) fn ploidy(&self) -> genosynth_core::Ploidy {
        if self.ploidy == 1 {
            genosynth_core::Ploidy::Haploid
        } else {
            genosynth_core::Ploidy::Diploid
        }
    }
}

/// `-O v|z|b|u|h|p`: bcftools output type letters, plus `h` for `.hapt` and `p` for PLINK 2.
pub(crate) fn output_format(
    letter: Option<&str>,
) -> anyhow::Result<Option<genosynth_vcf::OutputFormat>> {
    letter
        .map(|l| {
            genosynth_vcf::OutputFormat::from_letter(l).with_context(|| {
                format!("-O {l:?}: expected v (VCF), z (VCF.gz), b (BCF), u (uncompressed BCF), h (.hapt) or p (PLINK 2 .pgen)")
            })
        })
        .transpose()
}

/// `-O` checked against `-o` before any work: an output name that implies no format, or PLINK 2
/// output without an `X.pgen` name, fails now rather than after reading or training.
pub(crate) fn checked_output_format(
    letter: Option<&str>,
    output: &std::path::Path,
) -> anyhow::Result<Option<genosynth_vcf::OutputFormat>> {
    let format = output_format(letter)?;
    let probe = genosynth_vcf::WriteOptions {
        format,
        ..Default::default()
    };
    // The library's error names the file and hints at -O and the extensions.
    genosynth_vcf::output_format(output, &probe)?;
    Ok(format)
}

/// Write options for a command: format, index, the command line and the contigs read.
pub(crate) fn write_options(
    ctx: &crate::Context,
    format: Option<genosynth_vcf::OutputFormat>,
    write_index: bool,
    contigs: Vec<(String, Option<u64>)>,
) -> genosynth_vcf::WriteOptions {
    genosynth_vcf::WriteOptions {
        format,
        write_index,
        command_line: Some(ctx.command_line.clone()),
        threads: rayon::current_num_threads(),
        contig_lengths: contigs,
        stop: Some(ctx.stop.clone()),
        ..Default::default()
    }
}
