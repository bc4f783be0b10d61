//! One place decides how progress and diagnostics are shown (uv's printer pattern).
//!
//! Data goes to stdout or files; progress, summaries and diagnostics to stderr. On a terminal
//! long steps get an indicatif bar; when stderr is not a terminal (logs, CI, Snakemake) they
//! print a plain line every so often instead; `--quiet` shows neither.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How to show progress and messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer {
    quiet: bool,
    verbose: u8,
    terminal: bool,
}

impl Printer {
    pub(crate) fn new(quiet: bool, verbose: u8) -> Self {
        Self {
            quiet,
            verbose,
            terminal: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    /// A status line on stderr (hidden with `--quiet`).
    pub(crate) fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// Extra detail shown with `-v`.
    pub(crate) fn debug(&self, msg: impl AsRef<str>) {
        if !self.quiet && self.verbose > 0 {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A warning on stderr (shown even with `--quiet`: it may change how results are read).
    pub(crate) fn warn(&self, msg: impl AsRef<str>) {
        eprintln!("warning: {}", msg.as_ref());
    }

    /// Progress over `len` steps of `unit` (e.g. "records", "epochs").
    pub(crate) fn progress(&self, len: Option<u64>, what: &str, unit: &str) -> Progress {
        Progress::new(*self, len, what, unit)
    }
}

/// A progress display: an indicatif bar on a terminal, periodic plain lines otherwise.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    what: String,
    unit: String,
    len: Option<u64>,
    pos: u64,
    started: Instant,
    last_line: Instant,
    /// Position and message of the last plain line, so `finish` does not repeat it.
    last_printed: Option<(u64, String)>,
    message: String,
}

impl Progress {
    fn new(printer: Printer, len: Option<u64>, what: &str, unit: &str) -> Self {
        let bar = (!printer.quiet && printer.terminal).then(|| {
            let bar = match len {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::new_spinner(),
            };
            let template = if len.is_some() {
                "{prefix} [{bar:30}] {pos}/{len} {unit} ({per_sec}, ETA {eta}) {msg}"
            } else {
                "{prefix} {spinner} {pos} {unit} ({per_sec}) {msg}"
            };
            let style = ProgressStyle::with_template(&template.replace("{unit}", unit))
                .expect("valid template")
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(what.to_string());
            bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Self {
            bar,
            plain: !printer.quiet && !printer.terminal,
            what: what.to_string(),
            unit: unit.to_string(),
            len,
            pos: 0,
            started: Instant::now(),
            last_line: Instant::now(),
            last_printed: None,
            message: String::new(),
        }
    }

    /// Continues from `pos` (a resumed run), so the rate and the ETA count only what follows
    /// instead of reading the jump to `pos` as work done in no time.
    pub(crate) fn resume_at(&mut self, pos: u64) {
        self.pos = pos;
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            bar.reset_eta();
            bar.reset_elapsed();
        }
    }

    /// Sets the position and the trailing message (losses, rates...).
    pub(crate) fn update(&mut self, pos: u64, message: impl Into<String>) {
        self.pos = pos;
        self.message = message.into();
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            bar.set_message(self.message.clone());
        } else if self.plain && self.last_line.elapsed() >= Duration::from_secs(10) {
            self.last_line = Instant::now();
            self.print_plain();
        }
    }

    fn print_plain(&mut self) {
        let current = (self.pos, self.message.clone());
        if self.last_printed.as_ref() == Some(&current) {
            return;
        }
        self.last_printed = Some(current);
        let of = self.len.map(|n| format!("/{n}")).unwrap_or_default();
        eprintln!(
            "{}: {}{of} {} ({:.1}s) {}",
            self.what,
            self.pos,
            self.unit,
            self.started.elapsed().as_secs_f64(),
            self.message
        );
    }

    /// Ends the display, leaving a final line.
    pub(crate) fn finish(mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.plain || self.bar.is_some() {
            self.print_plain();
        }
    }
}
