//! `cargo xtask gpu-bundle`: everything a GPU machine without Rust or network needs to run
//! genosynth's CUDA build, in one folder (`gpu-bundle/`, git-ignored, at most 60 MiB).
//!
//! It builds the release binary and the test executables with `--features cuda` (through
//! `cuda_check::build`, so the CUDA build environment is shared), strips them,
//! xz-compresses them, and packs them with `run.sh`, the measurement driver and PyTorch references (`xtask/gpu/`,
//! `xtask/bench/`), the 805-SNP and AGBL4 inputs, the CUDA link stubs (for `run.sh --cpu` on
//! machines without CUDA) and `MANIFEST.json` (commit, profile, the CPU figures to compare against).
//! `--dry-run` (what CI runs) builds the same binaries in the dev profile instead, in the
//! workspace's target dir where the tests left every crate the feature does not change, packs
//! them under the same size limit and runs `run.sh --cpu` on tiny inputs, so the bundle never
//! rots; a release build of every dependency would cost a cold CI about 10 more minutes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail, ensure};

use crate::cuda_check::{self, Profile, Tests};

const DEFAULT_OUT: &str = "gpu-bundle";
const MAX_BYTES: u64 = 60 << 20;
const AGBL4: &str = "../shared/data/1000g/AGBL4.train.vcf.gz";
const EXAMPLE: &str = "examples/805_SNP_1000G_real.train.vcf.gz";
/// Stub file (as cuda-build-env.sh writes it) → the soname the binaries ask for.
const STUBS: &[(&str, &str)] = &[
    ("libcuda.so", "libcuda.so.1"),
    ("libcublas.so", "libcublas.so.13"),
    ("libcublasLt.so", "libcublasLt.so.13"),
    ("libcurand.so", "libcurand.so.10"),
    ("libnvrtc.so", "libnvrtc.so.13"),
];
/// Test executables that hold CUDA tests (the others only repeat CPU tests).
const CUDA_TEST_CRATES: &[&str] = &["genosynth_models"];

const USAGE: &str = "usage: cargo xtask gpu-bundle [--out DIR] [--dry-run]
       cargo xtask gpu-bundle --report RESULTS.json...

  --out DIR    where to write the bundle (default gpu-bundle/, git-ignored)
  --dry-run    build in the dev profile (not for measuring), then run DIR/run.sh --cpu on tiny
               inputs (what CI checks)
  --report     write the GPU section of docs/benchmarks.md from run.sh's results (a later
               file's steps replace an earlier one's)

On the GPU machine: DIR/run.sh OUT_DIR (about 8 minutes; writes results.json and run.log).";

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut out = PathBuf::from(DEFAULT_OUT);
    let mut dry_run = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => out = it.next().context("--out needs a directory")?.into(),
            "--dry-run" => dry_run = true,
            "--report" => return crate::gpu_report::write(&it.cloned().collect::<Vec<_>>()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    let started = Instant::now();
    let messages =
        std::env::temp_dir().join(format!("genosynth-gpu-bundle-{}.json", std::process::id()));
    // The dry run proves the feature builds and the bundle works; its timings mean nothing.
    let profile = if dry_run {
        Profile::Dev
    } else {
        Profile::Release
    };
    eprintln!(
        "gpu-bundle: building the {} binary and tests with --features cuda",
        profile.name()
    );
    cuda_check::build(profile, Some(Tests::Units), Some(&messages))?;
    let tests = test_executables(&messages)?;
    let _ = fs::remove_file(&messages);
    pack(&out, &tests, profile, dry_run)?;
    let size = folder_size(&out)?;
    ensure!(
        size <= MAX_BYTES,
        "{} is {:.1} MiB, over the {} MiB the device machine accepts",
        out.display(),
        mib(size),
        MAX_BYTES >> 20
    );
    eprintln!(
        "gpu-bundle: {} ({:.1} MiB) ready in {:.0} s; on the GPU machine run {}/run.sh OUT_DIR",
        out.display(),
        mib(size),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    if dry_run {
        let results =
            std::env::temp_dir().join(format!("genosynth-gpu-dry-run-{}", std::process::id()));
        eprintln!(
            "gpu-bundle: dry run: {}/run.sh --cpu {}",
            out.display(),
            results.display()
        );
        let status = Command::new(out.join("run.sh"))
            .arg("--cpu")
            .arg(&results)
            .status()
            .context("cannot start run.sh")?;
        let summary = fs::read_to_string(results.join("results.json")).unwrap_or_default();
        let _ = fs::remove_dir_all(&results);
        ensure!(
            status.success(),
            "the bundle's CPU dry run failed ({status}); results: {summary}"
        );
    }
    Ok(())
}

/// Paths of the CUDA test executables from cargo's JSON messages.
fn test_executables(messages: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let text = fs::read_to_string(messages)
        .with_context(|| format!("cannot read {}", messages.display()))?;
    let mut found = Vec::new();
    for line in text.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_test = msg["profile"]["test"].as_bool() == Some(true);
        let name = msg["target"]["name"].as_str().unwrap_or_default();
        let lib = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|v| v == "lib"));
        if let (true, true, Some(exe)) = (is_test, lib, msg["executable"].as_str())
            && CUDA_TEST_CRATES.contains(&name)
        {
            found.push(PathBuf::from(exe));
        }
    }
    ensure!(
        !found.is_empty(),
        "cargo built no test executable of {CUDA_TEST_CRATES:?}"
    );
    Ok(found)
}

fn pack(out: &Path, tests: &[PathBuf], profile: Profile, dry_run: bool) -> anyhow::Result<()> {
    if out.exists() {
        fs::remove_dir_all(out)
            .with_context(|| format!("cannot remove the old {}", out.display()))?;
    }
    for dir in ["bin/tests", "lib/stubs", "py", "data"] {
        fs::create_dir_all(out.join(dir))?;
    }
    let built = cuda_check::target_dir(profile).join(profile.folder());
    copy_stripped(&built.join("genosynth"), &out.join("bin/genosynth"))?;
    for exe in tests {
        let name = exe
            .file_name()
            .context("test executable without a name")?
            .to_string_lossy();
        // `genosynth_models-0123abcd` → `genosynth_models`: run.sh needs no hashes.
        let short = name
            .rsplit_once('-')
            .map_or(name.as_ref(), |(stem, _)| stem);
        copy_stripped(exe, &out.join("bin/tests").join(short))?;
    }
    let stubs = cuda_home().join("stubs");
    for (file, soname) in STUBS {
        copy(&stubs.join(file), &out.join("lib/stubs").join(soname))?;
    }
    // The binaries also need the CUDA runtime; the nvcc wheels carry the real one (0.7 MiB).
    let cudart = cuda_home().join("venv/lib");
    let cudart = fs::read_dir(&cudart)
        .with_context(|| format!("cannot read {}", cudart.display()))?
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .join("site-packages/nvidia/cu13/lib/libcudart.so.13")
        })
        .find(|p| p.is_file())
        .context("libcudart.so.13 not found in the CUDA build environment's venv")?;
    copy(&cudart, &out.join("lib/stubs/libcudart.so.13"))?;
    for script in [
        "xtask/gpu/run_bundle.py",
        "xtask/gpu/simulate.py",
        "xtask/bench/haplo.py",
    ] {
        copy(Path::new(script), &out.join("py").join(file_name(script)))?;
    }
    for script in ["xtask/bench/rbm_torch.py", "xtask/bench/gan_torch.py"] {
        copy(Path::new(script), &out.join("py").join(file_name(script)))?;
    }
    copy(Path::new("xtask/gpu/run.sh"), &out.join("run.sh"))?;
    copy(
        Path::new(EXAMPLE),
        &out.join("data").join(file_name(EXAMPLE)),
    )?;
    if Path::new(AGBL4).is_file() {
        copy(Path::new(AGBL4), &out.join("data").join(file_name(AGBL4)))?;
    } else if !dry_run {
        bail!(
            "{AGBL4} is missing: the GPU run times the WGAN on it (the dry run does not need it)"
        );
    }
    let manifest = manifest(profile)?;
    fs::write(
        out.join("MANIFEST.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    Ok(())
}

/// What the GPU figures are compared with: commit, build profile (a dev build is a dry run's,
/// not one to time), and the CPU s/epoch of docs/benchmarks.md.
fn manifest(profile: Profile) -> anyhow::Result<serde_json::Value> {
    let commit = git(&["rev-parse", "--short=10", "HEAD"])?;
    let dirty = !git(&["status", "--porcelain", "--untracked-files=no"])?.is_empty();
    let benchmarks =
        fs::read_to_string("docs/benchmarks.md").context("cannot read docs/benchmarks.md")?;
    Ok(serde_json::json!({
        "commit": format!("{commit}{}", if dirty { "+dirty" } else { "" }),
        "profile": profile.name(),
        "built_unix_seconds": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs(),
        "cpu_reference": {
            "gan": cpu_seconds_per_epoch(&benchmarks, "GAN")?,
            "rbm": cpu_seconds_per_epoch(&benchmarks, "RBM")?,
            "source": "docs/benchmarks.md, bench:train, genosynth (candle, cpu), 2 threads",
        },
        // Issue 17's target for the authors' 65,535-site run: their 1000 Genomes haplotypes.
        "wgan_projection": { "haplotypes": 5008, "epochs": 3501, "target_hours": 2.0 },
    }))
}

/// The `s/epoch` cell of the `| MODEL | genosynth (candle, cpu) |` row of bench:train.
fn cpu_seconds_per_epoch(doc: &str, model: &str) -> anyhow::Result<f64> {
    let prefix = format!("| {model} | genosynth (candle, cpu) |");
    let row = doc
        .lines()
        .find(|l| l.starts_with(&prefix))
        .with_context(|| format!("docs/benchmarks.md has no row {prefix:?}"))?;
    let cell = row.split('|').nth(4).context("short row")?.trim();
    let (value, unit) = cell.split_once(' ').context("no unit")?;
    let value: f64 = value
        .parse()
        .with_context(|| format!("bad number {cell:?}"))?;
    Ok(match unit {
        "ms" => value / 1000.0,
        "s" => value,
        other => bail!("unexpected unit {other:?} in {cell:?}"),
    })
}

fn cuda_home() -> PathBuf {
    std::env::var_os("GENOSYNTH_CUDA_HOME").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/genosynth-cuda")
        },
        PathBuf::from,
    )
}

/// Copies an executable to `to` + `.xz`, stripped and xz-compressed: candle's embedded PTX
/// makes each one ~55 MiB, and text compresses about ninefold; run.sh unpacks them.
fn copy_stripped(from: &Path, to: &Path) -> anyhow::Result<()> {
    copy(from, to)?;
    let status = Command::new("strip").arg(to).status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!(
            "gpu-bundle: warning: could not strip {} (kept with symbols)",
            to.display()
        );
    }
    let status = Command::new("xz")
        .args(["-T0", "-6", "-f"])
        .arg(to)
        .status()
        .context("cannot run xz (Debian package xz-utils)")?;
    ensure!(status.success(), "xz failed on {} ({status})", to.display());
    Ok(())
}

fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn git(args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .context("cannot run git")?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn folder_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            folder_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_seconds_per_epoch_from_the_train_table() {
        let doc = "| GAN | genosynth (candle, cpu) | 20 | 628 ms | 677 ms | 1.44× |\n\
                   | RBM | genosynth (candle, cpu) | 80 | 1.31 s | 1.42 s | 2.16× |\n";
        assert!((cpu_seconds_per_epoch(doc, "GAN").unwrap() - 0.628).abs() < 1e-12);
        assert!((cpu_seconds_per_epoch(doc, "RBM").unwrap() - 1.31).abs() < 1e-12);
        assert!(cpu_seconds_per_epoch(doc, "WGAN").is_err());
    }
}
