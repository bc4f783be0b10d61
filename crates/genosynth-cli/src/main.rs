//! `genosynth`: learn generative models from phased haplotypes and write artificial genomes.
//!
//! The binary only wires the library crates together: parse arguments, pick threads and
//! progress display, call the libraries, report errors.

mod commands;
mod printer;
mod reporter;

use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use clap::{Parser, Subcommand};

use crate::printer::Printer;

/// The command line: options every command takes, and one command.
#[derive(Debug, Parser)]
#[command(
    name = "genosynth",
    version,
    about = ABOUT,
    long_about = None,
    after_help = AFTER_HELP,
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// One sentence: what genosynth does.
const ABOUT: &str = "Learn generative models from phased human haplotypes and write artificial \
genomes (AGs) that carry a population's statistics but belong to no donor, judged for realism \
and privacy.";

/// The main path and the exit codes, shown after the command list (docs/user-guide.md lists
/// the codes too).
const AFTER_HELP: &str = "\
Example: hold people out, make AGs, judge them on the people the model never saw
  genosynth split real.vcf.gz --seed 1 -o train.vcf.gz --holdout-out holdout.vcf.gz
  genosynth synth train.vcf.gz -o ags.vcf.gz
  genosynth eval --train train.vcf.gz --synthetic ags.vcf.gz --holdout holdout.vcf.gz -o report/

`genosynth <COMMAND> --help` explains each command; `train --help` says which model to pick.

Exit codes:
  0    success
  1    error: bad input or options, a step failed (the message says which and how to fix it)
  2    usage error: unknown or malformed arguments
  3    privacy refusal: no validated checkpoint met the privacy bounds; no AGs written
       (--accept-privacy-risk writes them anyway and records the risk)
  130  interrupted (Ctrl-C): the checkpoint so far is saved, no partial output";

/// The exit code of a run refused for privacy ([`genosynth::Error::PrivacyBounds`]).
const EXIT_PRIVACY_REFUSAL: u8 = 3;

/// Options every subcommand accepts.
#[derive(Debug, clap::Args)]
struct GlobalArgs {
    /// Worker threads for computation and BGZF compression (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// Print only errors (no progress, no summaries on stderr).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More detail on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Summarise a VCF/BCF/.hapt file: sites, samples, ploidy, phasing, allele spectrum.
    Info(commands::info::Args),
    /// Convert between VCF, BGZF VCF, BCF and .hapt, or to phased PLINK 2, with region, sample
    /// and site policies.
    Convert(commands::convert::Args),
    /// Split samples into train and holdout sets by individual.
    Split(commands::split::Args),
    /// Evaluate artificial genomes against real haplotypes: fidelity, privacy, HTML report.
    Eval(commands::eval::Args),
    /// Train one of five models (gan, rbm, wgan, crbm, hclt) on phased haplotypes into a
    /// model directory.
    #[command(long_about = commands::train::WHICH_MODEL)]
    Train(commands::train::Args),
    /// Plan the training windows of one chromosome (JSON) for one job per window.
    Plan(commands::plan::Args),
    /// Join CRBM window checkpoints (`train --window-index`) into one chain model.
    Stitch(commands::stitch::Args),
    /// Sample artificial genomes from a trained model directory.
    Generate(commands::generate::Args),
    /// Train and generate in one go, then print the fidelity and privacy summary and verdict.
    Synth(commands::synth::Args),
}

/// What every command gets: how to report, and the Ctrl-C flag to poll.
pub(crate) struct Context {
    pub(crate) printer: Printer,
    /// Set by the first Ctrl-C: long jobs stop cleanly (save, remove temp files) and return.
    pub(crate) stop: Arc<AtomicBool>,
    /// The command line, recorded in output headers.
    pub(crate) command_line: String,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            if is_privacy_refusal(&err) {
                ExitCode::from(EXIT_PRIVACY_REFUSAL)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    if let Some(n) = cli.global.threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {n} threads: {e}"))?;
    }
    let stop = install_ctrlc()?;
    let ctx = Context {
        printer: Printer::new(cli.global.quiet, cli.global.verbose),
        stop,
        command_line: std::env::args().collect::<Vec<_>>().join(" "),
    };
    match cli.command {
        Command::Info(args) => commands::info::run(args, &ctx),
        Command::Convert(args) => commands::convert::run(args, &ctx),
        Command::Split(args) => commands::split::run(args, &ctx),
        Command::Eval(args) => commands::eval::run(args, &ctx),
        Command::Train(args) => commands::train::run(args, &ctx),
        Command::Plan(args) => commands::plan::run(args, &ctx),
        Command::Stitch(args) => commands::stitch::run(args, &ctx),
        Command::Generate(args) => commands::generate::run(args, &ctx),
        Command::Synth(args) => commands::synth::run(args, &ctx),
    }
}

/// First Ctrl-C sets the stop flag so the job can save and clean up; a second exits with 130.
fn install_ctrlc() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let presses = AtomicUsize::new(0);
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            flag.store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted: finishing cleanly (press Ctrl-C again to abort)");
        } else {
            std::process::exit(130);
        }
    })?;
    Ok(stop)
}

/// A closed stdout (`genosynth convert ... -o - | head`) is not an error worth reporting.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause.to_string().contains("Broken pipe")
    })
}

/// Whether a run stopped because its model missed the privacy bounds.
fn is_privacy_refusal(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<genosynth::Error>(),
            Some(genosynth::Error::PrivacyBounds { .. })
        )
    })
}
