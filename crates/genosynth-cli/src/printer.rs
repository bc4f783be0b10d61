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
            eprintln!("{}", self.fit(msg.as_ref()));
        }
    }

    /// Extra detail shown with `-v`.
    pub(crate) fn debug(&self, msg: impl AsRef<str>) {
        if !self.quiet && self.verbose > 0 {
            eprintln!("{}", self.fit(msg.as_ref()));
        }
    }

    /// A warning on stderr (shown even with `--quiet`: it may change how results are read).
    pub(crate) fn warn(&self, msg: impl AsRef<str>) {
        eprintln!("{}", self.fit(&format!("warning: {}", msg.as_ref())));
    }

    /// On a terminal, `msg` wrapped at spaces to its width (continuation lines indented), so
    /// a status line never runs past the edge; logs get it as one line.
    fn fit(&self, msg: &str) -> String {
        if self.terminal {
            wrap(msg, usize::from(terminal_width()))
        } else {
            msg.to_string()
        }
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
    /// Where this run started (a resumed run starts past 0): rate and ETA appear only once the
    /// position has moved past it.
    start: u64,
    /// The bar's current style, redrawn only when the terminal width or the first step changes it.
    shape: Option<Shape>,
    started: Instant,
    last_line: Instant,
    /// Position and message of the last plain line, so `finish` does not repeat it.
    last_printed: Option<(u64, String)>,
    message: String,
}

/// How much of the bar a terminal of a given width gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    /// Columns of the `[===>   ]` bar, 0 for none.
    bar: usize,
    /// Whether the ETA is shown (not before the first step: it would read `0s`).
    eta: bool,
}

impl Shape {
    /// Terminals narrower than this drop the bar and the ETA and keep the counts and message.
    const NARROW: u16 = 60;

    fn new(width: u16, stepped: bool) -> Self {
        let bar = match width {
            w if w < Self::NARROW => 0,
            w if w < 100 => 12,
            _ => 24,
        };
        Self {
            bar,
            eta: stepped && bar > 0,
        }
    }

    /// One template for every bar: `what [===>   ] pos/len unit ETA 12s  message`, where
    /// only the message stretches or is cut to the terminal's width.
    fn style(self, known_length: bool, unit: &str) -> ProgressStyle {
        let mut template = String::from("{prefix}");
        if known_length {
            if self.bar > 0 {
                template.push_str(&format!(" [{{bar:{}}}]", self.bar));
            }
            template.push_str(" {pos}/{len} ");
        } else {
            template.push_str(" {spinner} {pos} ");
        }
        template.push_str(unit);
        if self.eta && known_length {
            template.push_str(" ETA {eta}");
        }
        template.push_str("  {wide_msg}");
        ProgressStyle::with_template(&template)
            .expect("valid template")
            .progress_chars("=> ")
    }
}

/// `text` broken at spaces into lines of at most `width` columns, each after the first
/// indented by two spaces; a word longer than a line (a long path) is cut across lines.
fn wrap(text: &str, width: usize) -> String {
    const INDENT: &str = "  ";
    let width = width.max(INDENT.len() + 8);
    let mut out = String::new();
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        // Columns used on the current output line, and whether it holds a word yet.
        let mut column = 0;
        let mut has_word = false;
        for word in line.split(' ') {
            let len = console::measure_text_width(word);
            if has_word && column + 1 + len > width {
                out.push('\n');
                out.push_str(INDENT);
                column = INDENT.len();
            } else if has_word {
                out.push(' ');
                column += 1;
            }
            for c in word.chars() {
                let w = console::measure_text_width(c.encode_utf8(&mut [0; 4]));
                if column + w > width {
                    out.push('\n');
                    out.push_str(INDENT);
                    column = INDENT.len();
                }
                out.push(c);
                column += w;
            }
            has_word = true;
        }
    }
    out
}

/// The terminal's width in columns, when stderr is one.
fn terminal_width() -> u16 {
    console::Term::stderr()
        .size_checked()
        .map_or(80, |(_, columns)| columns)
}

/// `4.2s`, `3m 07s`, `2h 05m`: how long a finished step took.
fn duration_text(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    match seconds {
        s if s < 60.0 => format!("{s:.1}s"),
        _ if whole < 3600 => format!("{}m {:02}s", whole / 60, whole % 60),
        _ => format!("{}h {:02}m", whole / 3600, whole % 3600 / 60),
    }
}

impl Progress {
    fn new(printer: Printer, len: Option<u64>, what: &str, unit: &str) -> Self {
        let bar = (!printer.quiet && printer.terminal).then(|| {
            let bar = match len {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::hidden()),
                None => ProgressBar::hidden(),
            };
            bar.set_prefix(what.to_string());
            bar
        });
        let mut progress = Self {
            bar,
            plain: !printer.quiet && !printer.terminal,
            what: what.to_string(),
            unit: unit.to_string(),
            len,
            pos: 0,
            start: 0,
            shape: None,
            started: Instant::now(),
            last_line: Instant::now(),
            last_printed: None,
            message: String::new(),
        };
        // The style is set before the bar is shown, so its first frame is already the right
        // width (no frame of a default style left behind).
        progress.restyle();
        if let Some(bar) = &progress.bar {
            bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        progress
    }

    /// Picks the style for the terminal's current width (it may have been resized).
    fn restyle(&mut self) {
        let Some(bar) = &self.bar else { return };
        let shape = Shape::new(terminal_width(), self.pos > self.start);
        if self.shape != Some(shape) {
            bar.set_style(shape.style(self.len.is_some(), &self.unit));
            self.shape = Some(shape);
        }
    }

    /// Continues from `pos` (a resumed run), so the rate and the ETA count only what follows
    /// instead of reading the jump to `pos` as work done in no time.
    pub(crate) fn resume_at(&mut self, pos: u64) {
        self.pos = pos;
        self.start = pos;
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            bar.reset_eta();
            bar.reset_elapsed();
        }
    }

    /// Runs `f` (which prints) with the bar hidden, so its lines do not tear the bar.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Sets the position and the trailing message (losses, rates...).
    pub(crate) fn update(&mut self, pos: u64, message: impl Into<String>) {
        self.pos = pos;
        self.message = message.into();
        if self.bar.is_some() {
            self.restyle();
        }
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

    /// Ends the display. On a terminal the bar gives way to one short line, `train: 30/30
    /// epochs in 49.5s`; elsewhere the last plain line is printed.
    pub(crate) fn finish(mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            let of = self.len.map(|n| format!("/{n}")).unwrap_or_default();
            eprintln!(
                "{}: {}{of} {} in {}",
                self.what,
                self.pos,
                self.unit,
                duration_text(self.started.elapsed().as_secs_f64())
            );
        } else if self.plain {
            self.print_plain();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let text = "holding out 250 of 1252 people (500 haplotypes) for validation: never trained on, used to choose the checkpoint";
        for width in [20, 40, 80] {
            let wrapped = wrap(text, width);
            assert!(
                wrapped.lines().all(|l| l.chars().count() <= width),
                "{wrapped}"
            );
            let words: Vec<&str> = wrapped.split_whitespace().collect();
            assert_eq!(words, text.split_whitespace().collect::<Vec<_>>());
            assert!(wrapped.lines().skip(1).all(|l| l.starts_with("  ")));
        }
        assert_eq!(wrap("short line", 80), "short line");
        // A word longer than a line is cut across lines.
        assert_eq!(
            wrap("read /a/very/long/path: ok", 12),
            "read\n  /a/very/lo\n  ng/path:\n  ok"
        );
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration_text(4.24), "4.2s");
        assert_eq!(duration_text(187.0), "3m 07s");
        assert_eq!(duration_text(7500.0), "2h 05m");
    }
}
