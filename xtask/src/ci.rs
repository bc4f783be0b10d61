//! `cargo xtask ci`: every check CI runs, in order, each step timed.
//!
//! `.ci/run` installs the external tools (bcftools, tabix, chromium, the Python reference) and
//! calls this;
//! developers run it locally before pushing. The README's test command (`cargo test --workspace`)
//! is one of the steps.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// One CI step: a name and the command it runs.
struct Step {
    name: &'static str,
    program: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const STEPS: &[Step] = &[
    Step {
        name: "format",
        program: "cargo",
        args: &["fmt", "--all", "--check"],
        env: &[],
    },
    Step {
        name: "clippy",
        program: "cargo",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
    Step {
        name: "tests (the README's test command)",
        program: "cargo",
        args: &["test", "--workspace"],
        env: &[],
    },
    Step {
        name: "genosynth-eval without its html feature (the statistics alone, no plotters)",
        program: "cargo",
        args: &[
            "check",
            "--package",
            "genosynth-eval",
            "--no-default-features",
        ],
        env: &[],
    },
    Step {
        name: "rustdoc",
        program: "cargo",
        args: &["doc", "--workspace", "--no-deps"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
];

/// Steps that are xtask commands themselves, run after the cargo steps.
const XTASKS: &[(&str, &[&str])] = &[
    (
        "architecture invariants (dependencies, no candle in the models' public API)",
        &["arch-check"],
    ),
    (
        "docs/benchmarks.md is complete and current (no bench is run)",
        &["bench", "--check"],
    ),
    (
        "HTML report renders in headless Chromium",
        &["report-check"],
    ),
    (
        "seed sweep slice: the HCLT, its reference prior and the private CRBM learning tests at two other seeds, one thread",
        &[
            "seed-sweep",
            "--seeds",
            "4,7",
            "--threads",
            "1",
            "genosynth-models/lib/hclt::tests::em_learns_block_frequencies_and_linkage",
            "genosynth-models/lib/hclt::prior_tests::own_people_keep_one_part_in_one_plus_the_weight",
            "genosynth-models/dp_training/private_crbm_learns_the_blocks_and_counts_every_window",
        ],
    ),
    (
        "reproduction smoke test: models beat the independent-sites floor on LD",
        &["reproduce", "--smoke"],
    ),
    (
        "Python package: wheel built, installed in a venv, pytest (and docs/python.md)",
        &["python-check"],
    ),
    (
        "Snakemake workflow: local run, Kubernetes dry run, single-node SLURM run",
        &["workflow-check"],
    ),
    // Last: the CUDA build leaves some shared crates built in a way the dev binary's next
    // build compiles back (measured 240 CPU s), so nothing after it builds the binary.
    (
        "GPU bundle builds (CUDA feature, no GPU needed) and its CPU dry run passes",
        &["gpu-bundle", "--dry-run"],
    ),
];

/// Runs every step; stops at the first failure.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    if matches!(args, [flag] if flag == "-h" || flag == "--help") {
        println!(
            "usage: cargo xtask ci\n\nformat, clippy -D warnings, the README's test command, rustdoc -D warnings and the checks .ci/run lists, in order; stops at the first failure"
        );
        return Ok(());
    }
    if let Some(extra) = args.first() {
        bail!("xtask ci takes no arguments (got {extra:?})");
    }
    let started = Instant::now();
    for step in STEPS {
        let t = Instant::now();
        eprintln!(
            "==> {}: {} {}",
            step.name,
            step.program,
            step.args.join(" ")
        );
        let status = Command::new(step.program)
            .args(step.args)
            .envs(step.env.iter().copied())
            .status()
            .with_context(|| format!("cannot start {}", step.program))?;
        eprintln!("<== {} ({:.0} s)", step.name, t.elapsed().as_secs_f64());
        if !status.success() {
            bail!("CI step {:?} failed ({status})", step.name);
        }
    }
    for (name, args) in XTASKS {
        let t = Instant::now();
        eprintln!("==> {name}: cargo xtask {}", args.join(" "));
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let result = match args[0].as_str() {
            "arch-check" => crate::arch_check::run(&args[1..]),
            "bench" => crate::bench::run(&args[1..]),
            "report-check" => crate::report_check::run(&args[1..]),
            "gpu-bundle" => crate::gpu_bundle::run(&args[1..]),
            "reproduce" => crate::reproduce::run(&args[1..]),
            "seed-sweep" => crate::seed_sweep::run(&args[1..]),
            "python-check" => crate::python_check::run(&args[1..]),
            "workflow-check" => crate::workflow_check::run(&args[1..]),
            other => unreachable!("unknown CI xtask {other}"),
        };
        eprintln!("<== {name} ({:.0} s)", t.elapsed().as_secs_f64());
        result.with_context(|| format!("CI step {name:?} failed"))?;
    }
    eprintln!(
        "all CI steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
