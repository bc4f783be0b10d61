//! `cargo xtask workflow-check`: the Snakemake workflow (workflow/) end to end on a tiny
//! msprime simulation: its Python tests (config validation, summary, the privacy refusal and
//! gate), local runs with `--cores 2` (`model: hclt` stratified; the hclt mixture with
//! `conditioning: labels`, each label's likelihood attack within its component, and an empty
//! `train_args`; crbm windows with `conditioning: labels`), a dry run of the Kubernetes profile and a real single-node SLURM
//! run of `model: hclt` (workflow/tests/slurm_test.sh, root only), each run's outputs checked
//! with bcftools and its summary's per-stratum likelihood attack.
//!
//! The venv (snakemake, its executor plugins, msprime, pytest; workflow/requirements.txt) lives in
//! `~/.cache/genosynth-ci/workflow-venv` and is rebuilt only when that file changes. The
//! genosynth binary is the dev build `cargo test --workspace` already made
//! (`harness::build_dev_genosynth`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail, ensure};

use crate::harness::run_visible;

const REQUIREMENTS: &str = "workflow/requirements.txt";
const USAGE: &str = "usage: cargo xtask workflow-check [--skip-slurm]

runs the Snakemake workflow's Python tests, a local run (--cores 2), a Kubernetes-profile dry run
and, as root, a real single-node SLURM run (workflow/tests/slurm_test.sh) on a tiny msprime
simulation; venv in ~/.cache/genosynth-ci/workflow-venv (or $GENOSYNTH_WORKFLOW_VENV).
--skip-slurm leaves the SLURM run out (refused when CI=true).";

/// Entry point.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut skip_slurm = false;
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--skip-slurm" => skip_slurm = true,
            other => bail!("unknown workflow-check argument {other:?}\n\n{USAGE}"),
        }
    }
    let in_ci = std::env::var_os("CI").is_some_and(|v| v == "true");
    ensure!(
        !(skip_slurm && in_ci),
        "--skip-slurm is refused in CI: the SLURM run must not be skipped there"
    );
    let venv = venv_dir()?;
    prepare_venv(&venv)?;
    let genosynth = crate::harness::build_dev_genosynth(None)?;
    let work = crate::bench::cargo_target_dir().join("workflow-check");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let work = std::path::absolute(&work)?;
    // snakemake, python3 (the venv's, with numpy) and genosynth come first on PATH.
    let path = format!(
        "{}:{}:{}",
        venv.join("bin").display(),
        genosynth.parent().expect("binary in a folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let root = std::env::current_dir()?;
    let env = Env { path, root };

    let sim = work.join("sim");
    // workflow/tests/test_config.py simulates the same when run without WORKFLOW_TEST_SIM.
    timed("simulate 2 chromosomes (msprime)", || {
        env.run(
            Command::new("python3")
                .arg("workflow/scripts/simulate.py")
                .args(["--chromosomes", "2", "--length-mb", "0.2"])
                .args(["--per-population", "10", "--seed", "3", "-o"])
                .arg(&sim),
        )
    })?;
    timed(
        "workflow Python tests (config validation, labels, summary)",
        || {
            env.run(
                Command::new("python3")
                    .args([
                        "-m",
                        "pytest",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        "workflow/tests",
                    ])
                    .env("WORKFLOW_TEST_SIM", &sim),
            )
        },
    )?;
    for (name, dir, extra) in [
        (
            "local run (--cores 2, hclt, stratified) and its outputs",
            "local",
            &[][..],
        ),
        (
            "local run (--cores 2, hclt mixture, labels, empty train_args) and its outputs",
            "local-hclt-labels",
            // `train_args=` must reach genosynth as no flags at all (not the word None).
            &["conditioning=labels", "baseline=false", "train_args="][..],
        ),
        (
            "local run (--cores 2, crbm windows, labels) and its outputs",
            "local-crbm",
            &["model=crbm", "conditioning=labels", "baseline=false"][..],
        ),
    ] {
        let local = work.join(dir);
        timed(name, || {
            std::fs::create_dir_all(&local)?;
            env.run(
                Command::new("snakemake")
                    .args(["-s", &env.file("workflow/Snakefile"), "--cores", "2"])
                    .args(["--configfile", &env.file("workflow/tests/config.yaml")])
                    .args(sim_config(&sim))
                    .args(extra)
                    .current_dir(&local),
            )?;
            env.run(
                Command::new("python3")
                    .arg(env.file("workflow/tests/check_outputs.py"))
                    .args(["out", "--chromosomes", "chr1", "chr2"])
                    .current_dir(&local),
            )
        })?;
    }
    timed("Kubernetes profile dry run (-n)", || {
        kubernetes_dry_run(&env, &sim, &work.join("kubernetes"))
    })?;
    if skip_slurm {
        eprintln!("workflow-check: SLURM run skipped (--skip-slurm)");
    } else {
        timed("single-node SLURM cluster run and its outputs", || {
            env.run(
                Command::new("bash")
                    .arg("workflow/tests/slurm_test.sh")
                    .arg(&sim)
                    .arg(&work),
            )
        })?;
    }
    Ok(())
}

/// PATH and the workspace root for every command of the check.
struct Env {
    path: String,
    root: PathBuf,
}

impl Env {
    fn run(&self, cmd: &mut Command) -> anyhow::Result<()> {
        run_visible(cmd.env("PATH", &self.path))
    }

    fn file(&self, relative: &str) -> String {
        self.root.join(relative).display().to_string()
    }
}

/// `--config` values pointing the workflow at the simulation.
fn sim_config(sim: &Path) -> Vec<String> {
    vec![
        "--config".into(),
        format!("vcf={}/{{chrom}}.vcf.gz", sim.display()),
        format!("panel={}/panel.txt", sim.display()),
        "outdir=out".into(),
    ]
}

/// Pods share no file system: the profile's storage prefix is the mounted volume. Here that
/// folder holds the inputs and the dry run starts in it, as on a host with the volume mounted.
fn kubernetes_dry_run(env: &Env, sim: &Path, dir: &Path) -> anyhow::Result<()> {
    let data = dir.join("sim");
    std::fs::create_dir_all(&data)?;
    for entry in std::fs::read_dir(sim)? {
        let entry = entry?;
        std::fs::copy(entry.path(), data.join(entry.file_name()))?;
    }
    let out = Command::new("snakemake")
        .args(["-s", &env.file("workflow/Snakefile"), "-n"])
        .args([
            "--workflow-profile",
            &env.file("workflow/profiles/kubernetes"),
        ])
        .arg("--default-storage-prefix")
        .arg(dir)
        .args(["--configfile", &env.file("workflow/tests/config.yaml")])
        .args(["--config", "vcf=sim/{chrom}.vcf.gz", "panel=sim/panel.txt"])
        .args(["outdir=out", "gpu=1"])
        .current_dir(dir)
        .env("PATH", &env.path)
        .output()
        .context("cannot run snakemake")?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.success(),
        "kubernetes dry run failed ({}):\n{text}",
        out.status
    );
    // The rules resolve up to the labels checkpoint: split, subset, labels, the baseline's
    // one model per chromosome (hclt) and the summary and gate are planned.
    for rule in [
        "split",
        "subset",
        "labels",
        "train_model",
        "summary",
        "privacy_gate",
    ] {
        ensure!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(rule)),
            "kubernetes dry run did not plan rule {rule}:\n{text}"
        );
    }
    eprintln!("workflow-check: kubernetes profile resolves every rule up to the labels checkpoint");
    Ok(())
}

fn timed(name: &str, step: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    let t = Instant::now();
    eprintln!("workflow-check: {name}");
    let result = step();
    eprintln!(
        "workflow-check: {name}: {} in {:.0} s",
        if result.is_ok() { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    result.with_context(|| format!("workflow-check step {name:?}"))
}

/// `$GENOSYNTH_WORKFLOW_VENV` or `~/.cache/genosynth-ci/workflow-venv`.
fn venv_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("GENOSYNTH_WORKFLOW_VENV") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    Ok(Path::new(&home).join(".cache/genosynth-ci/workflow-venv"))
}

/// Creates the venv and installs the pinned requirements, unless it has them already.
fn prepare_venv(venv: &Path) -> anyhow::Result<()> {
    let wanted =
        std::fs::read(REQUIREMENTS).with_context(|| format!("cannot read {REQUIREMENTS}"))?;
    let stamp = venv.join(".installed");
    let python = venv.join("bin/python");
    if python.is_file() && std::fs::read(&stamp).is_ok_and(|have| have == wanted) {
        return Ok(());
    }
    eprintln!(
        "workflow-check: installing {REQUIREMENTS} into {}",
        venv.display()
    );
    let _ = std::fs::remove_dir_all(venv);
    run_visible(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    run_visible(Command::new(&python).args(["-m", "pip", "install", "-q", "-r", REQUIREMENTS]))?;
    std::fs::write(&stamp, wanted).with_context(|| format!("cannot write {}", stamp.display()))
}
