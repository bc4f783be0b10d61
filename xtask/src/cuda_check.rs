//! `cargo xtask cuda-check`: proves the `cuda` feature builds on a machine without a GPU or a
//! CUDA toolkit.
//!
//! It sources `../shared/tools/cuda-build-env.sh` (nvcc from PyPI wheels and link-time stub
//! libraries, cached in `~/.cache/genosynth-cuda`) in bash, then builds the binary and the test
//! executables with `--features cuda` into `target/cuda` (kept apart from the normal target
//! dir, whose candle build has no CUDA). The first run compiles candle's kernels (~6 minutes on
//! 2 cores). `--no-tests` builds only the binary. Running the CUDA tests needs a GPU:
//! `cargo test -p genosynth-models --features cuda` there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

const ENV_SCRIPT: &str = "../shared/tools/cuda-build-env.sh";

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let tests = match args {
        [] => true,
        [flag] if flag == "--no-tests" => false,
        [flag] if flag == "-h" || flag == "--help" => {
            println!(
                "usage: cargo xtask cuda-check [--no-tests]\n\nbuilds the `cuda` feature (binary and, unless --no-tests, the tests) into target/cuda; no GPU needed"
            );
            return Ok(());
        }
        other => bail!("usage: cargo xtask cuda-check [--no-tests] (got {other:?})"),
    };
    let started = Instant::now();
    eprintln!("cuda-check: building the cuda feature (the first build takes several minutes)");
    build(Profile::Dev, tests.then_some(Tests::All), None)?;
    eprintln!(
        "cuda-check: the cuda feature builds ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Cargo profile of a CUDA build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    Dev,
    Release,
}

/// The target dir of CUDA builds: `$CUDA_CHECK_TARGET_DIR` or `target/cuda` (kept apart from
/// the normal target dir, whose candle build has no CUDA).
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CUDA_CHECK_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target/cuda"), PathBuf::from)
}

/// Which test executables a CUDA build makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tests {
    /// Every test of genosynth-models and genosynth-cli.
    All,
    /// The unit tests (where the CUDA tests live), not the CLI's integration tests.
    Units,
}

/// Builds the binary with `--features cuda` and the test executables of `tests`; cargo's JSON
/// messages of the test build go to `test_messages` when given (the GPU bundle finds the
/// executables there).
///
/// Both packages are always selected together: the CLI's dependencies turn on libc features
/// that reach candle-kernels' build script, so a test build of genosynth-models alone would
/// compile the CUDA kernels a second time (~6 minutes).
pub(crate) fn build(
    profile: Profile,
    tests: Option<Tests>,
    test_messages: Option<&Path>,
) -> anyhow::Result<()> {
    if !Path::new(ENV_SCRIPT).is_file() {
        bail!("{ENV_SCRIPT} is missing: the CUDA build environment comes from the shared tools");
    }
    let release = if profile == Profile::Release {
        " --release"
    } else {
        ""
    };
    let mut script = format!(
        "set -euo pipefail\n\
         cargo fetch --locked || cargo fetch\n\
         source {ENV_SCRIPT}\n\
         export CARGO_TARGET_DIR={target}\n\
         cargo build{release} -p genosynth-cli --features cuda\n",
        target = shell_quote(&target_dir().display().to_string()),
    );
    if let Some(tests) = tests {
        let targets = match tests {
            Tests::All => "",
            Tests::Units => " --lib --bins",
        };
        let messages = test_messages.map_or(String::new(), |p| {
            format!(
                " --message-format=json-render-diagnostics > {}",
                shell_quote(&p.display().to_string())
            )
        });
        script.push_str(&format!(
            "cargo test{release} -p genosynth-models -p genosynth-cli \\\n\
             --features genosynth-models/cuda,genosynth-cli/cuda{targets} --no-run{messages}\n",
        ));
    }
    let status = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .status()
        .context("cannot run bash")?;
    if !status.success() {
        bail!("the cuda build failed ({status})");
    }
    Ok(())
}

/// `s` in single quotes for bash.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
