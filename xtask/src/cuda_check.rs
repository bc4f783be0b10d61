//! `cargo xtask cuda-check`: proves the `cuda` feature builds on a machine without a GPU or a
//! CUDA toolkit.
//!
//! It sources `../shared/tools/cuda-build-env.sh` (nvcc from PyPI wheels and link-time stub
//! libraries, cached in `~/.cache/genosynth-cuda`) in bash, then builds the binary and the test
//! executables with `--features cuda` in the dev profile into the workspace's own target dir:
//! the crates the feature does not touch are those `cargo test` built already (the feature is
//! part of each crate's hash, so the CUDA and CPU builds of candle sit side by side). The first
//! run compiles candle's kernels (~6 minutes on 2 cores). `--no-tests` builds only the binary.
//! Running the CUDA tests needs a GPU: `cargo test -p genosynth-models --features cuda` there.

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
                "usage: cargo xtask cuda-check [--no-tests]\n\nbuilds the `cuda` feature (binary and, unless --no-tests, the tests; dev profile, in target/); no GPU needed"
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

impl Profile {
    /// Cargo's name of the profile.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Release => "release",
        }
    }

    /// The folder of the target dir its binaries land in.
    pub(crate) fn folder(self) -> &'static str {
        match self {
            Self::Dev => "debug",
            Self::Release => "release",
        }
    }
}

/// The target dir of a CUDA build: the workspace's own for the dev profile (its dependencies
/// are the test step's, at opt-level 2); for release, `$CUDA_CHECK_TARGET_DIR` or `target/cuda`
/// (a release build shares nothing with the tests, and a GPU bundle is built rarely).
pub(crate) fn target_dir(profile: Profile) -> PathBuf {
    match profile {
        Profile::Dev => crate::bench::cargo_target_dir(),
        Profile::Release => std::env::var_os("CUDA_CHECK_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target/cuda"), PathBuf::from),
    }
}

/// Which test executables a CUDA build makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tests {
    /// Every test of genosynth-models and genosynth-cli (dev: of the workspace).
    All,
    /// The unit tests (where the CUDA tests live), not the CLI's integration tests (dev: of
    /// the workspace, with the one integration test that brings the binary).
    Units,
}

/// Builds the binary with `--features cuda` and the test executables of `tests`; cargo's JSON
/// messages of the test build go to `test_messages` when given (the GPU bundle finds the
/// executables there).
///
/// The dev build is one `cargo test --workspace --no-run`, whose features are resolved as the
/// test step's (dev-dependencies included): every crate that neither the feature nor our
/// code changes is then the tests' build. The binary comes with it as the dependency of the
/// CLI's smallest integration test ([`crate::harness::BIN_TEST`]). The release build selects
/// both packages in its test build: the CLI's dependencies turn on libc features that reach
/// candle-kernels' build script, so a test build of genosynth-models alone would compile the
/// CUDA kernels a second time (~6 minutes).
pub(crate) fn build(
    profile: Profile,
    tests: Option<Tests>,
    test_messages: Option<&Path>,
) -> anyhow::Result<()> {
    if !Path::new(ENV_SCRIPT).is_file() {
        bail!("{ENV_SCRIPT} is missing: the CUDA build environment comes from the shared tools");
    }
    let messages = test_messages.map_or(String::new(), |p| {
        format!(
            " --message-format=json-render-diagnostics > {}",
            shell_quote(&p.display().to_string())
        )
    });
    let mut script = format!(
        "set -euo pipefail\n\
         cargo fetch --locked || cargo fetch\n\
         {env}\
         export CARGO_TARGET_DIR={target}\n",
        env = source_env_script(ENV_SCRIPT),
        target = shell_quote(&target_dir(profile).display().to_string()),
    );
    let features = "--features genosynth-models/cuda,genosynth-cli/cuda";
    match profile {
        Profile::Dev => {
            let targets = match tests {
                Some(Tests::All) => String::new(),
                Some(Tests::Units) => format!(" --lib --bins --test {}", crate::harness::BIN_TEST),
                None => format!(" --test {}", crate::harness::BIN_TEST),
            };
            script.push_str(&format!(
                "cargo test --workspace --no-run {features}{targets}{messages}\n"
            ));
        }
        Profile::Release => {
            script.push_str("cargo build --release -p genosynth-cli --features cuda\n");
            if let Some(tests) = tests {
                let targets = match tests {
                    Tests::All => "",
                    Tests::Units => " --lib --bins",
                };
                script.push_str(&format!(
                    "cargo test --release -p genosynth-models -p genosynth-cli \\\n\
                     {features}{targets} --no-run{messages}\n",
                ));
            }
        }
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

/// Sources the CUDA build environment, then hands its link search paths (`-L DIR` appended to
/// `RUSTFLAGS`) to the linker through `LIBRARY_PATH` and restores `RUSTFLAGS`: cargo rebuilds
/// every crate when `RUSTFLAGS` changes, while only the final links need the stub libraries.
/// Any other flag the script adds stays in `RUSTFLAGS`.
fn source_env_script(script: &str) -> String {
    format!(
        "had_flags=${{RUSTFLAGS+x}}; flags_before=${{RUSTFLAGS-}}\n\
         source {script}\n\
         link_paths=; kept=\n\
         set -- ${{RUSTFLAGS#\"$flags_before\"}}\n\
         while [ $# -gt 0 ]; do\n\
         \x20 if [ \"$1\" = -L ] && [ $# -gt 1 ]; then link_paths=${{link_paths:+$link_paths:}}$2; shift 2\n\
         \x20 else kept=\"$kept $1\"; shift; fi\n\
         done\n\
         export LIBRARY_PATH=\"$link_paths${{LIBRARY_PATH:+:$LIBRARY_PATH}}\"\n\
         if [ -n \"$kept\" ]; then export RUSTFLAGS=\"$flags_before$kept\"\n\
         elif [ -n \"$had_flags\" ]; then export RUSTFLAGS=\"$flags_before\"\n\
         else unset RUSTFLAGS; fi\n"
    )
}

/// `s` in single quotes for bash.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment script's `-L` paths reach `LIBRARY_PATH`, and `RUSTFLAGS` is as before.
    #[test]
    fn link_paths_move_from_rustflags_to_library_path() {
        let dir = std::env::temp_dir().join(format!("cuda-check-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let env = dir.join("env.sh");
        std::fs::write(
            &env,
            "export RUSTFLAGS=\"${RUSTFLAGS:+$RUSTFLAGS }-L /cuda/stubs -L /cuda/lib\"\n",
        )
        .unwrap();
        let show = "echo \"$LIBRARY_PATH|${RUSTFLAGS-unset}\"";
        let run = |flags: Option<&str>| {
            let mut cmd = Command::new("bash");
            cmd.arg("-c")
                .arg(format!(
                    "set -euo pipefail\n{}{show}",
                    source_env_script(&shell_quote(&env.display().to_string()))
                ))
                .env("LIBRARY_PATH", "/usr/local/lib")
                .env_remove("RUSTFLAGS");
            if let Some(f) = flags {
                cmd.env("RUSTFLAGS", f);
            }
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        assert_eq!(run(None), "/cuda/stubs:/cuda/lib:/usr/local/lib|unset");
        assert_eq!(
            run(Some("-C debuginfo=1")),
            "/cuda/stubs:/cuda/lib:/usr/local/lib|-C debuginfo=1"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
