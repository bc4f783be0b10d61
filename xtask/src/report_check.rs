//! `cargo xtask report-check [REPORT.html]`: proves the HTML report of `genosynth eval` is one
//! self-contained page whose every figure renders in a real browser.
//!
//! Without an argument it first writes a report: the bundled example split into train and
//! holdout (`genosynth split`), the holdout's halves as AGs and reference, evaluated into
//! `target/report-check/`. Then it
//! 1. scans the HTML for anything that would fetch: `http:`/`https:` URLs, `src=`/`href=`,
//!    `url(`, `@import`, `<script`, `<link`, `<img`, `<iframe`;
//! 2. checks each `<figure class="plot">` holds one inline `<svg>` and none failed to draw;
//! 3. opens a copy of the page in headless Chromium (Debian `chromium`; `CHROMIUM=path` to
//!    override) with a probe script appended that measures every SVG's laid-out size and
//!    element count, reads the result from the dumped DOM, and requires each figure to be
//!    laid out with a non-zero size and drawn content;
//! 4. takes a full-page screenshot `report-check.png` beside the report.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};

const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const out = [];
  document.querySelectorAll('figure.plot').forEach((f) => {
    const svg = f.querySelector('svg');
    if (!svg) { out.push('missing'); return; }
    const r = svg.getBoundingClientRect();
    const drawn = svg.querySelectorAll('circle,rect,polyline,path,line,text').length;
    out.push(Math.round(r.width) + 'x' + Math.round(r.height) + ':' + drawn);
  });
  const p = document.createElement('pre');
  p.id = 'report-check-result';
  p.textContent = 'RESULT[' + out.join(';') + ']';
  document.body.appendChild(p);
});
</script>"#;

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let report = match args {
        [flag] if flag == "-h" || flag == "--help" => {
            println!(
                "usage: cargo xtask report-check [REPORT.html]\n\nrenders an eval HTML report (by default one made from the bundled example) in headless chromium and checks that every figure is drawn and nothing is fetched"
            );
            return Ok(());
        }
        [] => generate()?,
        [path] => PathBuf::from(path),
        _ => bail!("usage: cargo xtask report-check [REPORT.html]"),
    };
    let html = std::fs::read_to_string(&report)
        .with_context(|| format!("cannot read {}", report.display()))?;
    let figures = static_checks(&html)?;
    eprintln!(
        "report-check: {} is self-contained ({figures} figures, {} KiB)",
        report.display(),
        html.len() / 1024
    );
    let browser = chromium()?;
    let probe_page = report.with_file_name("report-check-probe.html");
    std::fs::write(
        &probe_page,
        html.replace("</body>", &format!("{PROBE}</body>")),
    )?;
    let url = format!("file://{}", std::fs::canonicalize(&probe_page)?.display());
    let dom = Command::new(&browser)
        .args(headless_args())
        .args(["--virtual-time-budget=10000", "--dump-dom", &url])
        .output()
        .with_context(|| format!("cannot run {browser}"))?;
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let result = dom_text
        // The last match: the probe's own source text also contains the marker.
        .rsplit("RESULT[")
        .next()
        .filter(|_| dom_text.matches("RESULT[").count() >= 2)
        .and_then(|r| r.split(']').next())
        .with_context(|| {
            format!(
                "chromium did not run the probe (exit {}): {}",
                dom.status,
                String::from_utf8_lossy(&dom.stderr)
            )
        })?;
    let sizes: Vec<&str> = result.split(';').filter(|s| !s.is_empty()).collect();
    ensure!(
        sizes.len() == figures,
        "chromium laid out {} of {figures} figures",
        sizes.len()
    );
    for (i, s) in sizes.iter().enumerate() {
        let parsed = s.split_once(':').and_then(|(wh, n)| {
            let (w, h) = wh.split_once('x')?;
            Some((
                w.parse::<u32>().ok()?,
                h.parse::<u32>().ok()?,
                n.parse::<u32>().ok()?,
            ))
        });
        match parsed {
            Some((w, h, n)) if w >= 100 && h >= 100 && n >= 10 => {}
            _ => bail!("figure {} did not render in chromium: {s}", i + 1),
        }
    }
    let shot = report.with_file_name("report-check.png");
    let out = Command::new(&browser)
        .args(headless_args())
        .args([
            "--window-size=1280,12000",
            &format!("--screenshot={}", shot.display()),
            &url,
        ])
        .output()
        .with_context(|| format!("cannot run {browser}"))?;
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    ensure!(
        size > 50_000,
        "no screenshot from chromium (exit {}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(&probe_page).ok();
    eprintln!(
        "report-check: chromium rendered all {figures} figures; screenshot {} ({} KiB)",
        shot.display(),
        size / 1024
    );
    Ok(())
}

/// Checks nothing is fetched and every figure holds an SVG; returns the figure count.
fn static_checks(html: &str) -> anyhow::Result<usize> {
    let lower = html.to_ascii_lowercase();
    for needle in [
        "http:", "https:", "src=", "href=", "url(", "@import", "<script", "<link", "<img",
        "<iframe", "ftp:",
    ] {
        if let Some(at) = lower.find(needle) {
            let context: String = html[at.saturating_sub(40)..(at + 40).min(html.len())].into();
            bail!("report contains {needle:?}, which a browser could fetch: ...{context}...");
        }
    }
    let figures = lower.matches("<figure class=\"plot\"").count();
    ensure!(figures > 0, "report has no figures");
    ensure!(
        lower.matches("<svg").count() == figures,
        "{figures} figures but {} inline SVGs",
        lower.matches("<svg").count()
    );
    ensure!(!html.contains("figure failed"), "a figure failed to draw");
    Ok(figures)
}

fn headless_args() -> [&'static str; 5] {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--disable-dev-shm-usage",
    ]
}

fn chromium() -> anyhow::Result<String> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Ok(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Ok(name.to_string());
        }
    }
    bail!("no chromium found: apt-get install -y chromium (or set CHROMIUM=/path/to/chrome)")
}

/// Writes a report of the bundled example and returns its HTML path.
fn generate() -> anyhow::Result<PathBuf> {
    let dir = Path::new("target/report-check");
    std::fs::create_dir_all(dir)?;
    let p = |n: &str| dir.join(n).display().to_string();
    // The binary the tests built (a `cargo run -p genosynth-cli` would rebuild the graph with
    // other features).
    let bin = crate::harness::build_dev_genosynth(None)?;
    let genosynth = |args: &[&str]| -> anyhow::Result<()> {
        let status = Command::new(&bin)
            .args(args)
            .status()
            .with_context(|| format!("cannot run {}", bin.display()))?;
        ensure!(status.success(), "genosynth {} failed", args.join(" "));
        Ok(())
    };
    let example = "examples/805_SNP_1000G_real.train.vcf.gz";
    genosynth(&[
        "split",
        example,
        "--seed",
        "1",
        "-o",
        &p("train.vcf.gz"),
        "--holdout-out",
        &p("holdout.vcf.gz"),
    ])?;
    genosynth(&[
        "split",
        &p("holdout.vcf.gz"),
        "--seed",
        "2",
        "--train-fraction",
        "0.5",
        "-o",
        &p("ags.vcf.gz"),
        "--holdout-out",
        &p("reference.vcf.gz"),
    ])?;
    genosynth(&[
        "eval",
        "--train",
        &p("train.vcf.gz"),
        "--synthetic",
        &p("ags.vcf.gz"),
        "--holdout",
        &p("reference.vcf.gz"),
        "-o",
        &p("report"),
        "--max-haplotypes",
        "1000",
    ])?;
    Ok(dir.join("report/report.html"))
}
