//! `cargo xtask python-check`: builds the Python package's wheel, installs it into a venv and
//! runs its pytest suite (`crates/genosynth-py/tests`, which also runs docs/python.md).
//!
//! The venv (maturin, pytest, numpy, scikit-allel, msprime, pinned in the tests'
//! requirements.txt) lives in `~/.cache/genosynth-ci/py-venv` and is rebuilt only when that
//! file changes. The wheel is built with the dev profile, as the reproduction smoke test runs
//! the dev binary: dependencies and our numeric crates are optimised in dev builds, and a
//! release build of candle would double the step's time.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const CRATE: &str = "crates/genosynth-py";
const REQUIREMENTS: &str = "crates/genosynth-py/tests/requirements.txt";

/// Entry point.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    if matches!(args, [flag] if flag == "-h" || flag == "--help") {
        println!(
            "usage: cargo xtask python-check\n\nbuilds the genosynth wheel (maturin, dev profile), installs it into a cached venv\n(~/.cache/genosynth-ci/py-venv, or $GENOSYNTH_PY_VENV) and runs pytest on {CRATE}/tests"
        );
        return Ok(());
    }
    if let Some(extra) = args.first() {
        bail!("xtask python-check takes no arguments (got {extra:?})");
    }
    let venv = venv_dir()?;
    let python = venv.join("bin/python");
    prepare_venv(&venv, &python)?;

    let wheels = target_dir().join("wheels-python-check");
    // Only this build's wheel may be installed.
    let _ = std::fs::remove_dir_all(&wheels);
    run_cmd(
        Command::new(venv.join("bin/maturin"))
            .args(["build", "--profile", "dev", "--strip", "-m"])
            .arg(Path::new(CRATE).join("Cargo.toml"))
            .arg("-o")
            .arg(&wheels),
        "maturin build",
    )?;
    let wheel = std::fs::read_dir(&wheels)
        .with_context(|| format!("cannot list {}", wheels.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .with_context(|| format!("maturin wrote no wheel into {}", wheels.display()))?;
    run_cmd(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--force-reinstall",
                "--no-deps",
            ])
            .arg(&wheel),
        "pip install the wheel",
    )?;
    // From the crate folder, so that pytest finds its tests and conftest.py, and imports the
    // installed package.
    run_cmd(
        Command::new(&python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
            .current_dir(CRATE),
        "pytest",
    )
}

/// The venv folder: `$GENOSYNTH_PY_VENV` or `~/.cache/genosynth-ci/py-venv`.
fn venv_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("GENOSYNTH_PY_VENV") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    Ok(Path::new(&home).join(".cache/genosynth-ci/py-venv"))
}

/// The cargo target folder (`$CARGO_TARGET_DIR` or `target/`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

/// Creates the venv and installs the pinned requirements, unless it has them already.
fn prepare_venv(venv: &Path, python: &Path) -> anyhow::Result<()> {
    let wanted =
        std::fs::read(REQUIREMENTS).with_context(|| format!("cannot read {REQUIREMENTS}"))?;
    let stamp = venv.join(".installed");
    if python.is_file() && std::fs::read(&stamp).is_ok_and(|have| have == wanted) {
        return Ok(());
    }
    eprintln!(
        "python-check: installing {REQUIREMENTS} into {}",
        venv.display()
    );
    let _ = std::fs::remove_dir_all(venv);
    run_cmd(
        Command::new("python3").args(["-m", "venv"]).arg(venv),
        "python3 -m venv",
    )?;
    run_cmd(
        Command::new(python).args(["-m", "pip", "install", "-q", "-r", REQUIREMENTS]),
        "pip install -r requirements.txt",
    )?;
    std::fs::write(&stamp, wanted).with_context(|| format!("cannot write {}", stamp.display()))
}

/// Runs `cmd`, failing with `what` when it does not succeed.
fn run_cmd(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
