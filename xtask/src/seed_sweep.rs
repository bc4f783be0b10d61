//! `cargo xtask seed-sweep`: runs tests that train a model once per training seed (and thread
//! count) and tabulates pass/fail and the quality figures they print.
//!
//! A different CPU changes the order of gemm's sums, and so a training run, as another seed
//! does: a threshold that holds for one seed passes in CI and fails for users. Each test reads
//! its seed through `test_seed` (`GENOSYNTH_TEST_SEED`) and prints `figure: NAME = VALUE` lines.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail, ensure};

const HELP: &str = "usage: cargo xtask seed-sweep [--seeds SEEDS] [--threads N,...] [--out FILE] TEST...

Runs each TEST once per seed and thread count with GENOSYNTH_TEST_SEED and RAYON_NUM_THREADS
set, prints a table of pass/fail, seconds and the figures each run printed (`figure: NAME =
VALUE`), then min/median/max per figure; fails when any run failed.

TEST         PACKAGE/TARGET/PATH: TARGET is `lib` or an integration test's name, PATH the exact
             test path, e.g.
             genosynth-models/lib/wgan::tests::wgan_learns_frequencies_and_ld_beyond_the_independent_sites_floor
             genosynth-models/learning/rbm_learns_block_frequencies_and_linkage
--seeds      A..=B, A..B or a comma list (default 1..=10; 0 is the test's own seed)
--threads    comma list of RAYON_NUM_THREADS values (default: unset, rayon's choice)
--out FILE   also write the table as markdown to FILE";

/// One test to sweep, as cargo selects it.
#[derive(Debug, Clone, PartialEq)]
struct TestSpec {
    package: String,
    /// `None` for the library's unit tests, else the integration test target.
    target: Option<String>,
    path: String,
}

/// What one run of one test gave.
#[derive(Debug)]
struct Outcome {
    seed: u64,
    threads: Option<usize>,
    passed: bool,
    seconds: f64,
    figures: Vec<(String, f64)>,
    /// The panic message of a failed run.
    failure: Option<String>,
}

/// Entry point of `cargo xtask seed-sweep`.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut seeds: Vec<u64> = (1..=10).collect();
    let mut threads: Vec<Option<usize>> = vec![None];
    let mut out: Option<PathBuf> = None;
    let mut tests = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(());
            }
            "--seeds" => seeds = parse_seeds(&value("--seeds")?)?,
            "--threads" => {
                threads = value("--threads")?
                    .split(',')
                    .map(|t| {
                        t.trim()
                            .parse::<usize>()
                            .ok()
                            .filter(|&n| n > 0)
                            .map(Some)
                            .with_context(|| format!("--threads: {t:?} is not a positive count"))
                    })
                    .collect::<anyhow::Result<_>>()?
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            flag if flag.starts_with('-') => bail!("unknown option {flag:?}\n\n{HELP}"),
            spec => tests.push(parse_spec(spec)?),
        }
    }
    ensure!(!tests.is_empty(), "name at least one TEST\n\n{HELP}");
    let markdown = sweep(&tests, &seeds, &threads)?;
    if let Some(path) = out {
        std::fs::write(&path, &markdown.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    ensure!(
        markdown.failures == 0,
        "{} of {} runs failed (table above)",
        markdown.failures,
        markdown.runs
    );
    Ok(())
}

/// The tables of a sweep and how many runs failed.
struct Tables {
    text: String,
    runs: usize,
    failures: usize,
}

/// Runs every test for every seed and thread count; prints each table as it completes.
fn sweep(tests: &[TestSpec], seeds: &[u64], threads: &[Option<usize>]) -> anyhow::Result<Tables> {
    let cpu = cpu_model();
    let mut tables = Tables {
        text: format!("CPU: {cpu}\n\n"),
        runs: 0,
        failures: 0,
    };
    for test in tests {
        build(test)?;
        let mut outcomes = Vec::new();
        for &t in threads {
            for &seed in seeds {
                let o = run_once(test, seed, t)?;
                eprintln!(
                    "{} seed {seed} threads {}: {} in {:.0} s {}",
                    test.path,
                    threads_label(t),
                    if o.passed { "pass" } else { "FAIL" },
                    o.seconds,
                    o.figures
                        .iter()
                        .map(|(n, v)| format!("{n} {v:.3}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                outcomes.push(o);
            }
        }
        let table = table(test, &outcomes);
        println!("{table}");
        tables.text.push_str(&table);
        tables.runs += outcomes.len();
        tables.failures += outcomes.iter().filter(|o| !o.passed).count();
    }
    Ok(tables)
}

/// `cargo test` arguments selecting `test`'s target.
fn cargo_test(test: &TestSpec) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["test", "--package", &test.package]);
    match &test.target {
        None => cmd.arg("--lib"),
        Some(t) => cmd.args(["--test", t]),
    };
    cmd
}

/// Builds the test target once, so that each run's seconds are the test's own.
fn build(test: &TestSpec) -> anyhow::Result<()> {
    let status = cargo_test(test)
        .arg("--no-run")
        .status()
        .context("cannot run cargo")?;
    ensure!(status.success(), "cannot build the tests of {test:?}");
    Ok(())
}

fn run_once(test: &TestSpec, seed: u64, threads: Option<usize>) -> anyhow::Result<Outcome> {
    let mut cmd = cargo_test(test);
    // Ignored tests too: a test set aside for failing across seeds stays checkable.
    cmd.args([
        "--quiet",
        "--",
        "--exact",
        &test.path,
        "--nocapture",
        "--include-ignored",
    ])
    .env("GENOSYNTH_TEST_SEED", seed.to_string());
    match threads {
        Some(t) => cmd.env("RAYON_NUM_THREADS", t.to_string()),
        None => cmd.env_remove("RAYON_NUM_THREADS"),
    };
    let started = Instant::now();
    let output = cmd.output().context("cannot run cargo test")?;
    let seconds = started.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(
        text.contains("1 passed") || text.contains("1 failed"),
        "{} matched no test (is the path exact?):\n{text}",
        test.path
    );
    Ok(Outcome {
        seed,
        threads,
        passed: output.status.success(),
        seconds,
        figures: parse_figures(&text),
        failure: (!output.status.success()).then(|| failure_message(&text)),
    })
}

/// The `figure: NAME = VALUE` lines of a test's output.
fn parse_figures(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("figure: ")?;
            let (name, value) = rest.rsplit_once(" = ")?;
            Some((name.trim().to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

/// The line after "panicked at": the assertion's message.
fn failure_message(text: &str) -> String {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.contains("panicked at") {
            return lines.next().unwrap_or(line).trim().to_string();
        }
    }
    "failed (no panic message)".into()
}

/// The markdown table of one test's runs, then min/median/max of each figure.
fn table(test: &TestSpec, outcomes: &[Outcome]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for o in outcomes {
        for (n, _) in &o.figures {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let mut s = format!(
        "### `{}`\n\n{passed} of {} runs passed\n\n| seed | threads | result | s |",
        test.path,
        outcomes.len()
    );
    for n in &names {
        write!(s, " {n} |").unwrap();
    }
    s.push_str("\n|---:|---:|---|---:|");
    s.push_str(&"---:|".repeat(names.len()));
    s.push('\n');
    for o in outcomes {
        let result = match &o.failure {
            None => "pass".to_string(),
            Some(m) => format!("FAIL: {}", m.replace('|', "/")),
        };
        write!(
            s,
            "| {} | {} | {result} | {:.0} |",
            o.seed,
            threads_label(o.threads),
            o.seconds
        )
        .unwrap();
        for n in &names {
            match o.figures.iter().find(|(f, _)| f == n) {
                Some((_, v)) => write!(s, " {v:.3} |").unwrap(),
                None => s.push_str(" – |"),
            }
        }
        s.push('\n');
    }
    if !names.is_empty() {
        s.push_str("\n| figure | min | median | max |\n|---|---:|---:|---:|\n");
        for n in &names {
            let mut v: Vec<f64> = outcomes
                .iter()
                .filter_map(|o| o.figures.iter().find(|(f, _)| f == n).map(|p| p.1))
                .collect();
            v.sort_by(f64::total_cmp);
            writeln!(
                s,
                "| {n} | {:.3} | {:.3} | {:.3} |",
                v[0],
                median(&v),
                v[v.len() - 1]
            )
            .unwrap();
        }
    }
    s.push('\n');
    s
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn threads_label(t: Option<usize>) -> String {
    t.map_or_else(|| "default".into(), |t| t.to_string())
}

/// `lscpu`'s model name (with the core count), or what `/proc/cpuinfo` says.
fn cpu_model() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':').map(|p| p.1))
        .map_or("unknown CPU".to_string(), |m| m.trim().to_string());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cpus} CPUs")
}

/// `PACKAGE/TARGET/PATH`.
fn parse_spec(spec: &str) -> anyhow::Result<TestSpec> {
    let mut parts = spec.splitn(3, '/');
    let (Some(package), Some(target), Some(path)) = (parts.next(), parts.next(), parts.next())
    else {
        bail!("test {spec:?} is not PACKAGE/TARGET/PATH (TARGET: lib or a test file's name)");
    };
    ensure!(
        !package.is_empty() && !target.is_empty() && !path.is_empty(),
        "test {spec:?} has an empty part"
    );
    Ok(TestSpec {
        package: package.into(),
        target: (target != "lib").then(|| target.to_string()),
        path: path.into(),
    })
}

/// `A..=B`, `A..B` or `A,B,C`.
fn parse_seeds(s: &str) -> anyhow::Result<Vec<u64>> {
    let num = |t: &str| {
        t.trim()
            .parse::<u64>()
            .with_context(|| format!("--seeds: {t:?} is not a seed"))
    };
    let seeds: Vec<u64> = if let Some((a, b)) = s.split_once("..=") {
        (num(a)?..=num(b)?).collect()
    } else if let Some((a, b)) = s.split_once("..") {
        (num(a)?..num(b)?).collect()
    } else {
        s.split(',').map(num).collect::<anyhow::Result<_>>()?
    };
    ensure!(!seeds.is_empty(), "--seeds {s:?} names no seed");
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_seeds_and_figures_parse() {
        assert_eq!(
            parse_spec("genosynth-models/lib/wgan::tests::x").unwrap(),
            TestSpec {
                package: "genosynth-models".into(),
                target: None,
                path: "wgan::tests::x".into()
            }
        );
        assert_eq!(
            parse_spec("genosynth-models/learning/rbm").unwrap().target,
            Some("learning".into())
        );
        assert!(parse_spec("genosynth-models/rbm").is_err());
        assert_eq!(parse_seeds("1..=3").unwrap(), [1, 2, 3]);
        assert_eq!(parse_seeds("1..3").unwrap(), [1, 2]);
        assert_eq!(parse_seeds("4,9").unwrap(), [4, 9]);
        assert!(parse_seeds("3..1").is_err());
        let text = "running 1 test\nfigure: AF r = 0.9412\nWGAN\nfigure: LD r = -0.1\n";
        assert_eq!(
            parse_figures(text),
            [("AF r".to_string(), 0.9412), ("LD r".to_string(), -0.1)]
        );
        let failed = "thread 't' panicked at src/x.rs:3:5:\nAF r 0.89\nnote: run with";
        assert_eq!(failure_message(failed), "AF r 0.89");
    }
}
