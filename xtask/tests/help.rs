//! `cargo xtask --help` and every command's `--help` print usage and exit 0, without doing
//! the (slow) work.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8 usage")
}

#[test]
fn every_command_answers_help() {
    for flag in ["--help", "-h"] {
        assert!(help(&[flag]).contains("usage: cargo xtask <command>"));
    }
    for command in [
        "arch-check",
        "bench",
        "ci",
        "cuda-check",
        "dp-utility",
        "python-check",
        "gpu-bundle",
        "reproduce",
        "report-check",
    ] {
        let usage = help(&[command, "--help"]);
        assert!(usage.contains(command), "{command}: {usage}");
    }
    assert!(help(&["reproduce", "--frontier", "-h"]).contains("reproduce --frontier"));
}

#[test]
fn an_unknown_command_fails_and_lists_the_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("frobnicate")
        .output()
        .expect("xtask runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown xtask command \"frobnicate\""),
        "{err}"
    );
    assert!(err.contains("gpu-bundle"), "{err}");
}
