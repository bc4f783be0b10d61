//! A bench's result: a titled markdown section with one table and notes, plus number formatting.

use super::measure::Measurement;

/// One section of docs/benchmarks.md.
#[derive(Debug, Clone, Default)]
pub(crate) struct Section {
    pub(crate) title: String,
    /// Paragraphs before the table: what is compared, on which input, with which commands.
    pub(crate) intro: Vec<String>,
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
    /// Bullet points after the table: skipped rows and why, caveats, targets.
    pub(crate) notes: Vec<String>,
}

impl Section {
    pub(crate) fn new(title: &str, header: &[&str]) -> Self {
        Self {
            title: title.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            ..Self::default()
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// A row that could not be measured: its label, then the reason across the other columns.
    pub(crate) fn skipped(&mut self, label: &str, reason: &str) {
        eprintln!("bench: skipped {label}: {reason}");
        let mut cells = vec![label.to_string(), format!("skipped: {}", one_line(reason))];
        cells.resize(self.header.len(), "—".into());
        self.rows.push(cells);
    }

    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// The markdown body (without the start/end markers).
    pub(crate) fn to_markdown(&self) -> String {
        let mut s = format!("## {}\n\n", self.title);
        for p in &self.intro {
            s.push_str(p);
            s.push_str("\n\n");
        }
        if !self.rows.is_empty() {
            s.push_str(&format!("| {} |\n", self.header.join(" | ")));
            s.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
            for r in &self.rows {
                s.push_str(&format!("| {} |\n", r.join(" | ")));
            }
            s.push('\n');
        }
        for n in &self.notes {
            s.push_str(&format!("- {n}\n"));
        }
        if !self.notes.is_empty() {
            s.push('\n');
        }
        s
    }
}

/// The telling part of an error for a table cell: the program's own `error:` line when it
/// printed one (not the whole command line and usage text), else the first line.
fn one_line(text: &str) -> String {
    let text = text
        .lines()
        .find(|l| l.trim_start().to_lowercase().starts_with("error"))
        .or_else(|| text.lines().next())
        .unwrap_or_default();
    let flat = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "/");
    if flat.chars().count() > 300 {
        format!("{}…", flat.chars().take(300).collect::<String>())
    } else {
        flat
    }
}

/// Seconds with three significant figures.
pub(crate) fn secs(s: f64) -> String {
    if s >= 100.0 {
        format!("{s:.0} s")
    } else if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.0} ms", s * 1000.0)
    }
}

/// Bytes in MiB/GiB.
pub(crate) fn bytes(b: u64) -> String {
    let mib = b as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.2} GiB", mib / 1024.0)
    } else {
        format!("{mib:.1} MiB")
    }
}

/// `reference / ours` as "N.N×" (how many times faster we are; below 1 we are slower).
pub(crate) fn speedup(reference_s: f64, ours_s: f64) -> String {
    if ours_s <= 0.0 || !reference_s.is_finite() {
        return "—".into();
    }
    let r = reference_s / ours_s;
    if r >= 10.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.2}×")
    }
}

/// Wall time and peak memory of one measurement, "1.23 s, 45.6 MiB".
pub(crate) fn wall_and_rss(m: &Measurement) -> String {
    format!("{}, {}", secs(m.wall_s), bytes(m.max_rss))
}

/// A float with `digits` decimals, or "—" for NaN.
pub(crate) fn num(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "—".into()
    }
}
