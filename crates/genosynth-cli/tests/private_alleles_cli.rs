//! `--private-allele-min-count` from the command line: an error without `--reference`, on by
//! default with one, recorded in model.json and the AGs' header, and off at 0.

use std::path::Path;
use std::process::Output;

mod common;

use common::{example_vcf as example, genosynth, json, split_example};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A quick `synth` of an HCLT on `input` with `extra` flags into `dir/NAME.vcf` (model kept in
/// `dir/NAME`).
fn synth(input: &Path, dir: &Path, name: &str, extra: &[&str]) -> Output {
    genosynth()
        .arg("synth")
        .arg(input)
        .args(["--model", "hclt", "--hclt-states", "4", "--epochs", "4"])
        .args(["--validate-every", "2", "--device", "cpu", "--seed", "3"])
        .args(["--accept-privacy-risk", "--model-dir"])
        .arg(dir.join(name))
        .args(extra)
        .arg("-o")
        .arg(dir.join(format!("{name}.vcf")))
        .output()
        .unwrap()
}

#[test]
fn without_a_reference_a_count_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["synth", "train"] {
        let out = genosynth()
            .arg(command)
            .arg(example())
            .args(["--model", "hclt", "--private-allele-min-count", "5", "-o"])
            .arg(dir.path().join(format!("{command}.vcf")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--private-allele-min-count 5")
                && stderr(&out).contains("needs --reference"),
            "{command}: {}",
            stderr(&out)
        );
    }
    assert!(
        !dir.path().join("synth.out").exists(),
        "no AGs on a bad option"
    );
}

#[test]
fn with_a_reference_the_mask_is_on_and_recorded_and_zero_turns_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("forty.vcf.gz");
    let rest = dir.path().join("rest.vcf.gz");
    split_example("0.032", "1", &small, &rest);
    let reference = ["--reference", rest.to_str().unwrap()];
    // 40 people against 1,212 others: a handful of their alleles no other person carries.
    let mut with_report = reference.to_vec();
    let report = dir.path().join("report");
    with_report.extend(["--report", report.to_str().unwrap()]);
    let on = synth(&small, dir.path(), "on", &with_report);
    assert!(on.status.success(), "{}", stderr(&on));
    assert!(
        stderr(&on).contains("private alleles not learned"),
        "{}",
        stderr(&on)
    );
    let record = &json(&dir.path().join("on/model.json"))["private_alleles"];
    assert_eq!(record["min_count"], 5, "{record}");
    assert_eq!(
        &json(&report.join("report.json"))["private_alleles"],
        record
    );
    assert!(
        String::from_utf8_lossy(&on.stdout).contains("private alleles not learned"),
        "the summary says so"
    );
    let sites = record["sites"].as_u64().unwrap();
    let header = std::fs::read_to_string(dir.path().join("on.vcf")).unwrap();
    let line = format!(
        "##genosynthPrivateAlleles=<ID=private_alleles,min_count=5,sites={sites},alleles={}>",
        record["alleles"]
    );
    assert!(
        header.lines().any(|l| l == line),
        "{line} not in the header"
    );
    let ags_sites = header.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(ags_sites, 805, "sites are kept");

    let mut off = reference.to_vec();
    off.extend(["--private-allele-min-count", "0"]);
    let out = synth(&small, dir.path(), "off", &off);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(json(&dir.path().join("off/model.json"))["private_alleles"].is_null());
    let header = std::fs::read_to_string(dir.path().join("off.vcf")).unwrap();
    assert!(!header.contains("genosynthPrivateAlleles"));
}
