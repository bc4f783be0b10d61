//! `cargo xtask cuda-check`: proves the `cuda` feature builds on a machine without a GPU or a
//! CUDA toolkit.
//!
//! It sources `../shared/tools/cuda-build-env.sh` (nvcc from PyPI wheels and link-time stub
//! libraries, cached in `~/.cache/genosynth-cuda`) in bash, then builds the binary and the test
//! executables with `--features cuda` into `target/cuda` (kept apart from the normal target
//! dir, whose candle build has no CUDA). The first run compiles candle's kernels (~6 minutes on
//! 2 cores). `--no-tests` builds only the binary. Running the CUDA tests needs a GPU:
//! `cargo test -p genosynth-models --features cuda` there.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

const ENV_SCRIPT: &str = "../shared/tools/cuda-build-env.sh";

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let tests = match args {
        [] => true,
        [flag] if flag == "--no-tests" => false,
        other => bail!("usage: cargo xtask cuda-check [--no-tests] (got {other:?})"),
    };
    if !std::path::Path::new(ENV_SCRIPT).is_file() {
        bail!("{ENV_SCRIPT} is missing: the CUDA build environment comes from the shared tools");
    }
    let mut script = format!(
        "set -euo pipefail\n\
         cargo fetch --locked || cargo fetch\n\
         source {ENV_SCRIPT}\n\
         export CARGO_TARGET_DIR=\"${{CUDA_CHECK_TARGET_DIR:-target/cuda}}\"\n\
         cargo build -p genosynth-cli --features cuda\n"
    );
    if tests {
        script.push_str(
            "cargo test -p genosynth-models -p genosynth-cli --features genosynth-cli/cuda,genosynth-models/cuda --no-run\n",
        );
    }
    let started = Instant::now();
    eprintln!("cuda-check: building the cuda feature (the first build takes several minutes)");
    let status = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .status()
        .context("cannot run bash")?;
    if !status.success() {
        bail!("cuda-check failed ({status})");
    }
    eprintln!(
        "cuda-check: the cuda feature builds ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
