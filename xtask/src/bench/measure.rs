//! Time and peak memory of a child process, through GNU time (`/usr/bin/time -f`).
//!
//! GNU time reports the child's `getrusage` figures (wall, user, system, maximum resident set),
//! which std cannot give without libc; the bench installs the Debian `time` package when absent.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// One finished run of a command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measurement {
    /// Wall-clock seconds.
    pub(crate) wall_s: f64,
    /// User + system CPU seconds (above `wall_s` when threads overlap).
    pub(crate) cpu_s: f64,
    /// Peak resident memory in bytes.
    pub(crate) max_rss: u64,
}

const GNU_TIME: &str = "/usr/bin/time";

/// Installs GNU time with apt-get when it is absent.
pub(crate) fn ensure_gnu_time() -> anyhow::Result<()> {
    if Path::new(GNU_TIME).exists() {
        return Ok(());
    }
    eprintln!("bench: installing GNU time (apt-get install time)");
    let ok = Command::new("apt-get")
        .args(["install", "-y", "-q", "time"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok || !Path::new(GNU_TIME).exists() {
        bail!("{GNU_TIME} is missing and apt-get install time failed: install GNU time");
    }
    Ok(())
}

/// Runs `cmd` once under GNU time; its stdout is discarded, a failure is an error with stderr.
pub(crate) fn measure(cmd: &Command) -> anyhow::Result<Measurement> {
    ensure_gnu_time()?;
    let report = tempfile_path("time")?;
    let mut timed = Command::new(GNU_TIME);
    timed
        .arg("-f")
        .arg("%e %U %S %M")
        .arg("-o")
        .arg(&report)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let out = timed
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {}", describe(cmd)))?;
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        bail!(
            "{} failed ({}):\n{}",
            describe(cmd),
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    parse_time_report(&text).with_context(|| format!("unreadable GNU time report {text:?}"))
}

/// Runs `cmd` `repeat` times and keeps the run with the median wall time.
pub(crate) fn median_of(cmd: &Command, repeat: usize) -> anyhow::Result<Measurement> {
    let mut runs = (0..repeat.max(1))
        .map(|_| measure(cmd))
        .collect::<anyhow::Result<Vec<_>>>()?;
    runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    Ok(runs[runs.len() / 2])
}

fn parse_time_report(text: &str) -> Option<Measurement> {
    // GNU time writes "Command exited with non-zero status" first on failure; take the last line.
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let f: Vec<&str> = line.split_whitespace().collect();
    let [wall, user, sys, rss_kib] = f.as_slice() else {
        return None;
    };
    Some(Measurement {
        wall_s: wall.parse().ok()?,
        cpu_s: user.parse::<f64>().ok()? + sys.parse::<f64>().ok()?,
        max_rss: rss_kib.parse::<u64>().ok()? * 1024,
    })
}

/// The reasons two measurements failed, joined.
pub(crate) fn why(a: anyhow::Result<Measurement>, b: anyhow::Result<Measurement>) -> String {
    [a.err(), b.err()]
        .into_iter()
        .flatten()
        .map(|e| format!("{e:#}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The command line as a user would type it (for error messages and the document).
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs a command to completion, requiring success, and returns its stdout.
pub(crate) fn output(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {}", describe(cmd)))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tempfile_path(what: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir();
    let unique = format!(
        "genosynth-bench-{what}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
    );
    Ok(dir.join(unique))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gnu_time_reports() {
        let m = parse_time_report("1.50 2.25 0.25 20480\n").unwrap();
        assert_eq!(m.wall_s, 1.5);
        assert_eq!(m.cpu_s, 2.5);
        assert_eq!(m.max_rss, 20480 * 1024);
        let failed = "Command exited with non-zero status 1\n0.01 0.00 0.00 3000\n";
        assert_eq!(parse_time_report(failed).unwrap().max_rss, 3000 * 1024);
        assert!(parse_time_report("garbage").is_none());
    }
}
