//! The machine and versions a benchmark ran on, recorded beside every figure.

use std::path::Path;
use std::process::Command;

/// What a reader needs to compare our figures with theirs.
#[derive(Debug, Clone)]
pub(crate) struct Environment {
    pub(crate) cpu_model: String,
    pub(crate) cores: usize,
    pub(crate) memory_gib: f64,
    pub(crate) threads: usize,
    pub(crate) genosynth: String,
    pub(crate) rustc: String,
    pub(crate) bcftools: String,
    pub(crate) commit: String,
    pub(crate) date: String,
    /// 1-minute load average when the bench started: other work on the machine skews timings.
    pub(crate) load: String,
}

impl Environment {
    /// Reads `/proc/cpuinfo`, `/proc/meminfo` and the tools' `--version` lines.
    pub(crate) fn detect(genosynth: &Path, threads: usize) -> anyhow::Result<Self> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_string())
            .unwrap_or_else(|| "unknown CPU".into());
        let flags = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("flags"))
            .unwrap_or_default();
        let simd = ["avx512f", "avx2", "fma"]
            .into_iter()
            .filter(|f| flags.split_whitespace().any(|x| x == *f))
            .collect::<Vec<_>>()
            .join("+");
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        Ok(Self {
            cpu_model: if simd.is_empty() {
                cpu_model
            } else {
                format!("{cpu_model} ({simd})")
            },
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory_gib: mem_kib / (1024.0 * 1024.0),
            threads,
            genosynth: first_line(Command::new(genosynth).arg("--version")),
            rustc: first_line(Command::new("rustc").arg("--version")),
            bcftools: first_line(Command::new("bcftools").arg("--version")),
            commit: commit(),
            date: first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])),
            load: format!("{:.2}", load_average()),
        })
    }

    /// One line for the log and the document.
    pub(crate) fn one_line(&self) -> String {
        format!(
            "{} cores of {}, {:.0} GiB, {} threads, load {} at start; {}, {}, {}; commit {}; {}",
            self.cores,
            self.cpu_model,
            self.memory_gib,
            self.threads,
            self.load,
            self.genosynth,
            self.rustc,
            self.bcftools,
            self.commit,
            self.date
        )
    }
}

/// The 1-minute load average (`/proc/loadavg`), NaN when unreadable.
pub(crate) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("{} (unavailable)", cmd.get_program().to_string_lossy()))
}

/// The commit measured, marked `+dirty` when tracked files differ from it.
fn commit() -> String {
    let head = first_line(Command::new("git").args(["rev-parse", "--short=10", "HEAD"]));
    let dirty = Command::new("git")
        .args([
            "diff",
            "--quiet",
            "HEAD",
            "--",
            "crates",
            "Cargo.toml",
            "Cargo.lock",
        ])
        .status()
        .is_ok_and(|s| !s.success());
    if dirty { format!("{head}+dirty") } else { head }
}
