//! Helpers shared by the end-to-end tests of the `genosynth` binary.
// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A command running the `genosynth` binary under test.
pub(crate) fn genosynth() -> Command {
    Command::new(env!("CARGO_BIN_EXE_genosynth"))
}

/// The workspace root.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the bundled test data (`crates/genosynth-cli/tests/data/...`).
pub(crate) fn test_data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// The bundled example (always present).
pub(crate) fn example_vcf() -> PathBuf {
    repo_root().join("examples/805_SNP_1000G_real.train.vcf.gz")
}

/// A file under `../shared/data/1000g/`, or `None` (with a printed SKIP) when absent; with
/// `GENOSYNTH_REQUIRE_SHARED=1` an absent file fails the test instead.
pub(crate) fn shared_data(name: &str) -> Option<PathBuf> {
    let path = repo_root().join("../shared/data/1000g").join(name);
    if path.exists() {
        Some(path)
    } else if std::env::var("GENOSYNTH_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!(
            "{} is absent and GENOSYNTH_REQUIRE_SHARED=1 (real data lives in ../shared/data/1000g)",
            path.display()
        );
    } else {
        eprintln!(
            "SKIP: {} is absent (real data lives in ../shared/data/1000g)",
            path.display()
        );
        None
    }
}

/// Whether `tool --version` runs and succeeds.
fn answers(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether bcftools is installed (prints a SKIP line when not).
pub(crate) fn has_bcftools() -> bool {
    let ok = answers("bcftools");
    if !ok {
        eprintln!("SKIP: bcftools is not installed (.ci/run installs it)");
    }
    ok
}

/// Whether plink2 is installed (prints a SKIP line when not); with
/// `GENOSYNTH_REQUIRE_PLINK2=1` (set by `.ci/run`) a missing plink2 fails the test instead.
pub(crate) fn has_plink2() -> bool {
    let ok = answers("plink2");
    if !ok {
        assert!(
            std::env::var("GENOSYNTH_REQUIRE_PLINK2").as_deref() != Ok("1"),
            "plink2 is not installed and GENOSYNTH_REQUIRE_PLINK2=1 (apt-get install plink2)"
        );
        eprintln!("SKIP: plink2 is not installed (.ci/run installs it)");
    }
    ok
}

/// Runs a command, asserting success; returns its output.
pub(crate) fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Splits the bundled example by person (`genosynth split --train-fraction FRACTION --seed
/// SEED`) into `train` and `holdout`, asserting success.
pub(crate) fn split_example(fraction: &str, seed: &str, train: &Path, holdout: &Path) {
    run_ok(
        genosynth()
            .arg("split")
            .arg(example_vcf())
            .args(["--train-fraction", fraction, "--seed", seed, "-o"])
            .arg(train)
            .arg("--holdout-out")
            .arg(holdout),
    );
}

/// Runs `genosynth ARGS`, asserting success.
pub(crate) fn genosynth_ok(args: &[&str]) -> Output {
    run_ok(genosynth().args(args))
}

/// Runs bcftools, asserting success AND an empty stderr (no warnings); returns stdout.
pub(crate) fn bcftools_clean(args: &[&str]) -> String {
    let out = run_ok(Command::new("bcftools").args(args));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.trim().is_empty(),
        "bcftools {args:?} warned:\n{stderr}"
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// All genotypes of a file as bcftools prints them (one line per record), checking that
/// bcftools reads it without a warning.
pub(crate) fn bcftools_gts(path: &Path) -> String {
    let p = path.to_str().expect("utf-8 path");
    bcftools_clean(&["query", "-f", "%CHROM:%POS:%REF:%ALT[\t%GT]\n", p])
}

/// A shell pipeline's stdout (`sh -c`), asserting success.
pub(crate) fn sh(script: &str) -> String {
    let out = run_ok(Command::new("sh").args(["-c", script]));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Files in a directory (names), sorted.
pub(crate) fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A JSON file read whole (`model.json`, `report.json`, …).
pub(crate) fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The `report.json` of an `eval` or `synth` report directory.
pub(crate) fn report_json(dir: &Path) -> serde_json::Value {
    json(&dir.join("report.json"))
}
