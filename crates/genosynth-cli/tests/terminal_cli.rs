//! What a person sees in a terminal: `genosynth` runs in a pseudo-terminal of a given width,
//! and a vt100 emulator replays every byte it draws. Every frame must fit the width (the
//! emulator never wraps a line) and each finished bar must leave exactly one line behind.
#![cfg(unix)]

mod common;

use std::fs::File;
use std::io::Read;
use std::num::NonZeroU16;
use std::process::{ExitStatus, Stdio};

use nix::pty::{Winsize, openpty};

use common::{genosynth, repo_root};

/// Rows of the emulated terminal: enough that a short run never scrolls out of view.
const ROWS: u16 = 60;

/// What the terminal showed.
struct Replay {
    /// The screen once the command has exited, one string per row (trailing blanks cut).
    screen: Vec<String>,
    /// The screen at the first moment a line ran past the right edge, if one ever did.
    overflow: Option<String>,
    /// Everything written, escape sequences included.
    raw: String,
}

/// Runs genosynth with `args` (in the repository root) with stderr and stdout on a
/// pseudo-terminal `columns` wide, and replays what it wrote.
fn run_in_terminal(columns: u16, args: &[&str]) -> (ExitStatus, Replay) {
    let size = Winsize {
        ws_row: ROWS,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(Some(&size), None).expect("openpty");
    let mut command = genosynth();
    command
        .args(args)
        .current_dir(repo_root())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .stdout(Stdio::from(pty.slave.try_clone().expect("dup pty")))
        .stderr(Stdio::from(pty.slave));
    let mut child = command.spawn().expect("genosynth runs");
    // Only the child may hold the terminal's other end, so reading ends when it exits.
    drop(command);
    let mut raw = Vec::new();
    let mut master = File::from(pty.master);
    let mut buf = [0u8; 4096];
    loop {
        match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // Linux reports EIO once the last writer of the terminal is gone.
            Err(e) if e.raw_os_error() == Some(nix::libc::EIO) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("reading the pseudo-terminal: {e}"),
        }
    }
    let status = child.wait().expect("genosynth exits");
    (status, replay(&raw, columns))
}

/// Feeds `raw` to a vt100 emulator one byte at a time, watching for a wrapped line (the
/// emulator clears the mark when the line is redrawn, so it must be caught as it happens).
fn replay(raw: &[u8], columns: u16) -> Replay {
    let mut parser = vt100::Parser::new(
        NonZeroU16::new(ROWS).unwrap(),
        NonZeroU16::new(columns).unwrap(),
        0,
    );
    let mut overflow = None;
    for byte in raw {
        parser.process(std::slice::from_ref(byte));
        if overflow.is_none() && (0..ROWS).any(|row| parser.screen().row_wrapped(row)) {
            overflow = Some(parser.screen().contents());
        }
    }
    let screen = parser
        .screen()
        .rows(0, columns)
        .map(|row| row.trim_end().to_string())
        .collect();
    Replay {
        screen,
        overflow,
        raw: String::from_utf8_lossy(raw).into_owned(),
    }
}

/// The screen's non-empty rows, for failure messages.
fn shown(screen: &[String]) -> String {
    screen
        .iter()
        .filter(|r| !r.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows that read `WHAT: N/N UNIT in TIME`, a finished bar's line.
fn finished(screen: &[String], what: &str, unit: &str) -> usize {
    screen
        .iter()
        .filter(|row| {
            row.strip_prefix(&format!("{what}: "))
                .and_then(|rest| rest.split_once(&format!(" {unit} in ")))
                .is_some_and(|(count, time)| {
                    count.split('/').all(|n| n.parse::<u64>().is_ok())
                        && time.ends_with('s')
                        && time.starts_with(|c: char| c.is_ascii_digit())
                })
        })
        .count()
}

/// What is left of a bar that was not cleared: its `[===>  ]`, a count of epochs, an ETA.
fn bar_debris(screen: &[String]) -> Vec<&String> {
    screen
        .iter()
        .filter(|row| row.contains("ETA") || row.contains("[=") || row.contains(" epochs  "))
        .collect()
}

fn train_args(dir: &std::path::Path) -> Vec<String> {
    [
        "train",
        "examples/805_SNP_1000G_real.train.vcf.gz",
        "--model",
        "hclt",
        "--epochs",
        "4",
        "--validation-fraction",
        "0.2",
        "--validate-every",
        "2",
        "--seed",
        "3",
        "-o",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([dir.join("model").display().to_string()])
    .collect()
}

#[test]
fn training_in_80_columns_fits_and_leaves_one_line_per_bar() {
    let dir = tempfile::tempdir().unwrap();
    let args = train_args(dir.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, replay) = run_in_terminal(80, &args);
    assert!(status.success(), "{}", shown(&replay.screen));
    // The bar was drawn, with its losses (cut at the edge where they do not fit).
    assert!(
        replay.raw.contains("train ["),
        "no bar drawn:\n{}",
        replay.raw
    );
    assert!(replay.raw.contains("log_likelihood="), "{}", replay.raw);
    if let Some(screen) = &replay.overflow {
        panic!("a line ran past 80 columns and wrapped:\n{screen}");
    }
    assert_eq!(
        finished(&replay.screen, "train", "epochs"),
        1,
        "one finished line for the training bar:\n{}",
        shown(&replay.screen)
    );
    assert!(
        bar_debris(&replay.screen).is_empty(),
        "bar frames left on the screen:\n{}",
        shown(&replay.screen)
    );
    // The status lines around the bar are all there, each once.
    let text = shown(&replay.screen);
    for line in [
        "read examples/",
        "holding out",
        "training hclt",
        "trained 4 epochs",
    ] {
        assert_eq!(text.matches(line).count(), 1, "{line:?} once in:\n{text}");
    }
}

#[test]
fn a_narrow_terminal_gets_the_short_bar() {
    let dir = tempfile::tempdir().unwrap();
    let args = train_args(dir.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, replay) = run_in_terminal(40, &args);
    assert!(status.success(), "{}", shown(&replay.screen));
    assert!(replay.raw.contains("train 1/4 epochs"), "{}", replay.raw);
    assert!(!replay.raw.contains("train ["), "{}", replay.raw);
    if let Some(screen) = &replay.overflow {
        panic!("a line ran past 40 columns and wrapped:\n{screen}");
    }
    assert_eq!(finished(&replay.screen, "train", "epochs"), 1);
    assert!(bar_debris(&replay.screen).is_empty());
}

#[test]
fn quiet_shows_nothing_in_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = train_args(dir.path());
    args.push("--quiet".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, replay) = run_in_terminal(80, &args);
    assert!(status.success(), "{}", shown(&replay.screen));
    assert_eq!(shown(&replay.screen), "", "--quiet printed something");
}
