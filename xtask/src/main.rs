//! Project automation: `cargo xtask <command>`.
//!
//! Each subcommand lives in its own module; `main` only moves to the workspace root and
//! dispatches (rust-analyzer's xtask layout).

mod arch_check;
mod bench;
mod ci;
mod cuda_check;
mod dp_utility;
mod frontier;
mod gpu_bundle;
mod gpu_report;
mod harness;
mod python_check;
mod report_check;
mod reproduce;
mod seed_sweep;
mod small_strata;
mod workflow_check;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(err) = std::env::set_current_dir(workspace_root()) {
        eprintln!("error: cannot enter the workspace root: {err}");
        return ExitCode::FAILURE;
    }
    let result = dispatch(&args);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the xtask `args` name (help for none, `-h`, `--help` or `help`).
fn dispatch(args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("arch-check") => arch_check::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("ci") => ci::run(&args[1..]),
        Some("cuda-check") => cuda_check::run(&args[1..]),
        Some("dp-utility") => dp_utility::run(&args[1..]),
        Some("gpu-bundle") => gpu_bundle::run(&args[1..]),
        Some("python-check") => python_check::run(&args[1..]),
        Some("reproduce") => reproduce::run(&args[1..]),
        Some("report-check") => report_check::run(&args[1..]),
        Some("seed-sweep") => seed_sweep::run(&args[1..]),
        Some("small-strata") => small_strata::run(&args[1..]),
        Some("workflow-check") => workflow_check::run(&args[1..]),
        None | Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!(
            "unknown xtask command {other:?}\n\n{USAGE}"
        )),
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  arch-check      docs/architecture.md's invariants: which crates depend on noodles, candle and
                  anyhow, and no candle in genosynth-models' public API (CI runs it)
  bench           genosynth vs bcftools, Keras/PyTorch, numpy/scikit-allel, plink2 -> docs/benchmarks.md
                  (`cargo xtask bench --help`; slow, never in CI)
  ci              format, clippy, tests, rustdoc (what .ci/run runs after installing tools)
  reproduce       the 2021 paper end to end vs holdout and independent-sites baselines
                  -> docs/reproduction.md (--quick < 15 min), docs/reproduction-paper.md (paper
                  length; --models/--datasets run a part); --smoke is the CI guard;
                  --frontier: every model under checkpoint selection on held-out people and the
                  fidelity-privacy frontier -> docs/reproduction-frontier.md
  dp-utility      RBM and CRBM utility and membership attacks at DP-SGD budgets eps 1, 3, 8 and
                  without DP -> docs/privacy.md (about an hour on 2 cores; never in CI)
  python-check    build the Python wheel (maturin), install it into a cached venv, run its pytest
                  suite and docs/python.md (CI runs it)
  report-check    render the eval HTML report in headless chromium: every figure drawn, no URL
  small-strata    models of 40-320 people (PCA clusters of the 805-SNP set; --simulated: the
                  simulation's populations), with and without a reference of other people:
                  likelihood attack, privacy loss, fidelity on unseen people -> docs/privacy.md
                  (--write; a few CPU seconds a run, 20-60 with --simulated)
  seed-sweep      run tests that train a model once per training seed (and thread count) and
                  tabulate pass/fail and their figures: a threshold must hold on any CPU
                  (`cargo xtask seed-sweep --help`; CI runs a slice)
  workflow-check  the Snakemake workflow on a tiny msprime simulation: Python tests, a local run,
                  a Kubernetes-profile dry run and a real single-node SLURM run (root; CI runs it)
  cuda-check      build the `cuda` feature (binary + tests, dev profile), no GPU needed
  gpu-bundle      release CUDA binaries + run.sh + inputs in gpu-bundle/ for a GPU machine without
                  Rust (--dry-run: a dev build, then run.sh --cpu on tiny inputs, as CI does)
";

/// The workspace root (the parent of `xtask/`).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}
