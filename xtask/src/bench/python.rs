//! The Python references' virtual environment, made and filled by the bench itself.
//!
//! One venv in `~/.cache/genosynth-bench/venv` (reused between runs; pip is quick when the pinned
//! requirements are already there). A failed install is not an error of the bench: the rows that
//! need it are skipped with the reason.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use super::measure::{describe, output};

/// A ready interpreter with the requirements of one bench installed.
pub(crate) struct Python {
    pub(crate) interpreter: PathBuf,
}

/// Scripts live beside the requirement files.
pub(crate) fn script(name: &str) -> PathBuf {
    std::path::absolute(PathBuf::from("xtask/bench").join(name)).expect("cwd is readable")
}

/// Makes the venv if needed and installs `xtask/bench/<requirements>` into it.
pub(crate) fn ensure(requirements: &str) -> anyhow::Result<Python> {
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let root = PathBuf::from(home).join(".cache/genosynth-bench");
    let venv = root.join("venv");
    let interpreter = venv.join("bin/python");
    if !interpreter.exists() {
        std::fs::create_dir_all(&root)?;
        let base = ["python3", "python"]
            .into_iter()
            .find(|p| {
                Command::new(p)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .context("no python3 on PATH")?;
        eprintln!("bench: creating {}", venv.display());
        output(Command::new(base).args(["-m", "venv"]).arg(&venv))?;
    }
    let reqs = PathBuf::from("xtask/bench").join(requirements);
    eprintln!(
        "bench: pip install -r {} (first time: minutes)",
        reqs.display()
    );
    let mut pip = Command::new(&interpreter);
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
    ])
    .arg(&reqs)
    .stdout(Stdio::null());
    let out = pip
        .output()
        .with_context(|| format!("cannot run {}", describe(&pip)))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        bail!(
            "pip install -r {} failed: {}",
            reqs.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        );
    }
    Ok(Python { interpreter })
}

impl Python {
    /// `python xtask/bench/<script> args...`, run from `xtask/bench` so the scripts share `haplo.py`.
    pub(crate) fn command(&self, script_name: &str) -> Command {
        let mut cmd = Command::new(&self.interpreter);
        cmd.arg(script(script_name)).env("PYTHONPATH", script(""));
        cmd.env("TF_CPP_MIN_LOG_LEVEL", "2");
        // OpenMP's default spin-waiting slows torch several-fold whenever anything else runs on
        // the cores (figures in docs/measured-choices.md); sleeping idle threads cost nothing.
        cmd.env("OMP_WAIT_POLICY", "PASSIVE");
        cmd
    }

    /// The version line of one installed module (`numpy`, `torch`, ...).
    pub(crate) fn version_of(&self, module: &str) -> String {
        let code = format!("import {module} as m; print(m.__version__)");
        output(Command::new(&self.interpreter).args(["-c", &code]))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|_| "?".into())
    }
}
