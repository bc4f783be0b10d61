//! No silent leaks, end to end: a model that memorises 40 people is refused before any AG is
//! written (exit code 3, the failed bound named), `generate` refuses it too, and
//! `--accept-privacy-risk` writes the AGs with the risk in their header and report.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{bcftools_clean, genosynth, has_bcftools, report_json, split_example};

/// 40 people of the 805-SNP example (the rest go to a file the test ignores).
fn forty_people(dir: &Path) -> PathBuf {
    let small = dir.join("forty.vcf.gz");
    split_example("0.032", "1", &small, &dir.join("rest.vcf.gz"));
    small
}

/// `synth` of an HCLT with many states and weak priors on 20 of the 40 people (20 held out):
/// a model that memorises its training people.
fn overfitted_synth(input: &Path, out: &Path, extra: &[&str]) -> Output {
    genosynth()
        .arg("synth")
        .arg(input)
        .args(["--model", "hclt", "--hclt-states", "16"])
        .args(["--emission-prior", "0.01", "--transition-prior", "0.01"])
        .args(["--epochs", "20", "--validate-every", "5"])
        .args([
            "--validation-fraction",
            "0.5",
            "--device",
            "cpu",
            "--seed",
            "3",
        ])
        .args(extra)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_model_that_memorises_forty_people_writes_no_ags_unless_the_risk_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let input = forty_people(dir.path());
    let ags = dir.path().join("ags.vcf.gz");
    let report = dir.path().join("report");
    let model = dir.path().join("model");
    let refused = overfitted_synth(
        &input,
        &ags,
        &[
            "--report",
            report.to_str().unwrap(),
            "--model-dir",
            model.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(3), "{stderr}");
    assert!(
        stderr
            .contains("no validated checkpoint met the privacy bounds on the 20 validation people"),
        "{stderr}"
    );
    assert!(stderr.contains("likelihood-attack AUC"), "{stderr}");
    assert!(stderr.contains("--accept-privacy-risk"), "{stderr}");
    assert!(!ags.exists(), "no AGs written");
    assert!(!report.exists(), "no report written");

    // The model kept for inspection is refused by `generate` too.
    let generate = |extra: &[&str]| {
        genosynth()
            .arg("generate")
            .arg(&model)
            .args(["-n", "20", "--device", "cpu", "-o"])
            .arg(dir.path().join("generated.vcf"))
            .args(extra)
            .output()
            .unwrap()
    };
    let out = generate(&[]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(!dir.path().join("generated.vcf").exists());
    assert!(generate(&["--accept-privacy-risk"]).status.success());

    let accepted = overfitted_synth(
        &input,
        &ags,
        &[
            "--accept-privacy-risk",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&accepted.stderr);
    assert!(accepted.status.success(), "{stderr}");
    assert!(
        stderr.contains("--accept-privacy-risk: writing AGs"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&accepted.stdout);
    assert!(
        stdout.contains("likelihood attack (log-likelihood, 20 vs 20 people)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not resolvable (20 non-members; 1% needs 100)"),
        "{stdout}"
    );
    let r = report_json(&report);
    assert_eq!(r["privacy_risk"]["accepted"], true, "{}", r["privacy_risk"]);
    let failed = r["privacy_risk"]["failed"][0].as_str().unwrap();
    assert!(failed.contains(" > "), "{failed}");
    assert_eq!(r["verdict"]["overall"], "fail");
    assert!(
        r["privacy"]["likelihood_attack"]["tpr_at_1pct_fpr"].is_null(),
        "20 non-members cannot resolve 1%"
    );
    let checks = r["verdict"]["checks"].as_array().unwrap();
    assert!(checks.iter().any(|c| c["name"] == "accepted_privacy_risk"));
    if has_bcftools() {
        let header = bcftools_clean(&["view", "-h", ags.to_str().unwrap()]);
        assert!(
            header.contains("##genosynthPrivacyRisk=<ID=privacy_risk,accepted=true,epoch="),
            "{header}"
        );
    }
}

#[test]
fn weight_folds_without_a_reference_or_beyond_the_people_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = forty_people(dir.path());
    let ags = dir.path().join("ags.vcf.gz");
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // No reference: the folds have no ladder to judge.
    let alone = overfitted_synth(&input, &ags, &["--weight-folds", "2"]);
    assert_eq!(alone.status.code(), Some(1), "{}", stderr(&alone));
    assert!(
        stderr(&alone).contains("--reference, --reference-weight auto and validation people"),
        "{}",
        stderr(&alone)
    );
    // 20 trained on and 20 validation people allow one fold of 20, not two.
    let reference = dir.path().join("rest.vcf.gz");
    let many = overfitted_synth(
        &input,
        &ags,
        &[
            "--reference",
            reference.to_str().unwrap(),
            "--weight-folds",
            "2",
        ],
    );
    assert_eq!(many.status.code(), Some(1), "{}", stderr(&many));
    assert!(
        stderr(&many).contains("2 folds: with 20 validation people and 20 trained on"),
        "{}",
        stderr(&many)
    );
    assert!(!ags.exists(), "no AGs on a bad option");
}
