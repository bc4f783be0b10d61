//! End-to-end tests of checkpoint selection on held-out people and of the generation guard:
//! `train --validation-fraction`, `generate --min-distance/--train/--last`, and `synth`'s
//! defaults, on the bundled 805-SNP example.

use std::path::{Path, PathBuf};

mod common;

use common::{example_vcf as example, genosynth, json, run_ok as run, split_example};

/// A small RBM trained with a fifth of the people held out, validated every 2 epochs.
fn train_selected(dir: &Path, epochs: &str, extra: &[&str]) -> (PathBuf, String) {
    let model = dir.join("rbm");
    let out = run(genosynth()
        .arg("train")
        .arg(example())
        .args([
            "--model",
            "rbm",
            "--hidden-units",
            "32",
            "--gibbs-steps",
            "5",
        ])
        .args(["--init-std", "0.1", "--epochs", epochs, "--device", "cpu"])
        .args([
            "--validation-fraction",
            "0.2",
            "--validate-every",
            "2",
            "-o",
        ])
        .arg(&model)
        .args(extra));
    (model, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn validated_epochs(model: &Path) -> Vec<u64> {
    std::fs::read_to_string(model.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("validation").is_some())
        .map(|v| v["epoch"].as_u64().unwrap())
        .collect()
}

#[test]
fn train_holds_people_out_selects_and_resume_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let (model, stderr) = train_selected(dir.path(), "4", &[]);
    assert!(
        stderr.contains("holding out 250 of 1252 people (500 haplotypes)"),
        "{stderr}"
    );
    assert!(stderr.contains("selected epoch "), "{stderr}");
    let meta = json(&model.join("model.json"));
    let held_out = meta["selection"]["validation_samples"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(held_out.len(), 250);
    assert_eq!(
        meta["training"]["n_haplotypes"], 2004,
        "the held-out people are not trained on"
    );
    assert_eq!(validated_epochs(&model), [2, 4]);
    assert!(model.join("best.safetensors").is_file());

    // Resumed without the flag: the recorded people stay out and selection goes on.
    run(genosynth()
        .arg("train")
        .arg(example())
        .args([
            "--model", "rbm", "--epochs", "6", "--device", "cpu", "--resume", "-o",
        ])
        .arg(&model));
    let meta = json(&model.join("model.json"));
    assert_eq!(
        meta["selection"]["validation_samples"].as_array().unwrap(),
        &held_out
    );
    assert_eq!(validated_epochs(&model), [2, 4, 6]);
}

#[test]
fn generate_samples_the_chosen_checkpoint_and_guards_against_training_haplotypes() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = train_selected(dir.path(), "6", &[]);
    let best = json(&model.join("model.json"))["selection"]["best_epoch"]
        .as_u64()
        .unwrap();
    let header = |vcf: &Path| -> Vec<String> {
        std::fs::read_to_string(vcf)
            .unwrap()
            .lines()
            .take_while(|l| l.starts_with("##"))
            .map(String::from)
            .collect()
    };

    let ags = dir.path().join("ags.vcf");
    let out = run(genosynth()
        .arg("generate")
        .arg(&model)
        .args([
            "-n",
            "200",
            "--device",
            "cpu",
            "--min-distance",
            "auto",
            "--train",
        ])
        .arg(example())
        .arg("-o")
        .arg(&ags));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("guard: every AG is at least "), "{stderr}");
    let h = header(&ags);
    let model_line = h
        .iter()
        .find(|l| l.starts_with("##genosynthModel="))
        .unwrap();
    assert!(
        model_line.contains(&format!("epochs={best}")),
        "{model_line}"
    );
    assert!(
        h.iter().any(
            |l| l.starts_with("##genosynthGuard=<ID=guard,min_distance=")
                && l.contains("auto=true")
        ),
        "{h:?}"
    );

    let last = dir.path().join("last.vcf");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "20", "--device", "cpu", "--last", "-o"])
        .arg(&last));
    let h = header(&last);
    assert!(
        h.iter()
            .any(|l| l.starts_with("##genosynthModel=<ID=model,kind=rbm,epochs=6,")),
        "{h:?}"
    );
    assert!(
        !h.iter().any(|l| l.starts_with("##genosynthGuard")),
        "no guard asked for"
    );

    // The guard needs the training file, and the right one.
    let out = genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "20", "--min-distance", "3", "-o"])
        .arg(dir.path().join("x.vcf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--train"));
    let other = dir.path().join("other.vcf.gz");
    split_example("0.5", "3", &other, &dir.path().join("rest.vcf.gz"));
    let out = genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "20", "--min-distance", "3", "--train"])
        .arg(&other)
        .arg("-o")
        .arg(dir.path().join("y.vcf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("differ from the model's"), "{stderr}");
    assert!(!dir.path().join("y.vcf").exists(), "no partial output");
}

#[test]
fn synth_judges_privacy_on_its_validation_people_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let ags = dir.path().join("ags.vcf.gz");
    let report = dir.path().join("report");
    let out = run(genosynth()
        .arg("synth")
        .arg(example())
        .args([
            "--epochs",
            "4",
            "--hidden-units",
            "32",
            "--gibbs-steps",
            "5",
            "--device",
            "cpu",
        ])
        .arg("--report")
        .arg(&report)
        .arg("-o")
        .arg(&ags));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("holdout 500"), "{stdout}");
    assert!(stdout.contains("privacy_loss"), "{stdout}");
    assert!(stdout.contains("membership_auc"), "{stdout}");
    assert!(stdout.contains("checkpoint: epoch "), "{stdout}");
    assert!(stdout.contains("guard: every AG at least "), "{stdout}");
    let r = json(&report.join("report.json"));
    assert_eq!(r["inputs"]["train_haplotypes"], 2004);
    assert_eq!(r["inputs"]["holdout_haplotypes"], 500);
    assert_eq!(
        r["selection"]["points"].as_array().unwrap().len(),
        4,
        "every epoch of 4"
    );
    assert!(r["guard"]["min_distance"].as_u64().unwrap() >= 1);
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("Checkpoint selection and generation guard"));
}

#[test]
fn bad_selection_settings_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (fraction, expected) in [
        ("0.9995", "at least 2 are needed on each side"),
        ("1.5", "expected a share in [0, 1)"),
    ] {
        let out = genosynth()
            .arg("train")
            .arg(example())
            .args([
                "--model",
                "rbm",
                "--epochs",
                "1",
                "--validation-fraction",
                fraction,
                "-o",
            ])
            .arg(dir.path().join("m"))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{fraction}: {stderr}");
        assert!(!dir.path().join("m").exists(), "nothing written");
    }
}

/// genosynth reads the BCF and VCF.gz it writes (their `##genosynth…` header lines are valid
/// structured values), and `eval` reports the guard recorded there.
#[test]
fn generated_files_read_back_and_eval_reports_their_guard() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = train_selected(dir.path(), "2", &[]);
    for name in ["ags.bcf", "ags.vcf.gz"] {
        let ags = dir.path().join(name);
        run(genosynth()
            .arg("generate")
            .arg(&model)
            .args([
                "-n",
                "100",
                "--device",
                "cpu",
                "--min-distance",
                "2",
                "--train",
            ])
            .arg(example())
            .arg("-o")
            .arg(&ags));
        let report = dir.path().join(format!("report-{name}"));
        run(genosynth()
            .arg("eval")
            .arg("--train")
            .arg(example())
            .arg("--synthetic")
            .arg(&ags)
            .arg("-o")
            .arg(&report));
        let r = json(&report.join("report.json"));
        assert_eq!(r["guard"]["min_distance"], 2, "{name}");
        assert_eq!(r["guard"]["auto"], false, "{name}");
    }
}

/// The HCLT trains by EM on the example, its validations carry the held-out log-likelihood,
/// and its last EM state reproduces the example's allele frequencies and LD. (Which of the two
/// validated epochs is chosen depends on a privacy loss measured within ±0.02 of the bound, so
/// the fidelity check samples `--last`.)
#[test]
fn hclt_trains_with_selection_and_a_heldout_likelihood() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("hclt");
    run(genosynth()
        .arg("train")
        .arg(example())
        .args(["--model", "hclt", "--epochs", "6", "--device", "cpu"])
        // Mechanics, not privacy: a privacy loss near the bound must not stop the test.
        .arg("--accept-privacy-risk")
        .args([
            "--validation-fraction",
            "0.2",
            "--validate-every",
            "3",
            "-o",
        ])
        .arg(&model));
    let history = std::fs::read_to_string(model.join("history.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = history
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    let lls: Vec<f64> = lines
        .iter()
        .map(|l| l["log_likelihood"].as_f64().unwrap())
        .collect();
    assert!(
        lls[5] > lls[0],
        "EM raises the training likelihood: {lls:?}"
    );
    let heldout = lines[5]["validation"]["heldout_log_likelihood"]
        .as_f64()
        .unwrap();
    assert!(
        heldout < 0.0 && heldout > 2.0 * lls[5],
        "{heldout} vs {}",
        lls[5]
    );

    let ags = dir.path().join("ags.vcf.gz");
    let report = dir.path().join("report");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args([
            "-n",
            "2000",
            "--device",
            "cpu",
            "--last",
            "--accept-privacy-risk",
            "-o",
        ])
        .arg(&ags));
    run(genosynth()
        .arg("eval")
        .arg("--train")
        .arg(example())
        .arg("--synthetic")
        .arg(&ags)
        .arg("--model")
        .arg(&model)
        .args(["--ld-window", "400", "-o"])
        .arg(&report));
    let r = json(&report.join("report.json"));
    assert!(
        r["allele_frequencies"]["synthetic"]["pearson_r"]
            .as_f64()
            .unwrap()
            > 0.98
    );
    assert!(
        r["ld"]["window"]["synthetic"]["pearson_r"]
            .as_f64()
            .unwrap()
            > 0.85
    );
    assert_eq!(r["selection"]["points"].as_array().unwrap().len(), 2);
}

/// An HCLT of 3 EM iterations validated once, its selection under `--min-distance` (`extra`);
/// the validation's figures from history.jsonl, or the failed run's stderr.
fn hclt_validation(dir: &Path, name: &str, extra: &[&str]) -> Result<serde_json::Value, String> {
    let model = dir.join(name);
    let out = genosynth()
        .arg("train")
        .arg(example())
        .args(["--model", "hclt", "--epochs", "3", "--device", "cpu"])
        .args(["--seed", "3", "--accept-privacy-risk"])
        .args(["--validation-fraction", "0.2", "--validate-every", "3"])
        .args(extra)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let history = std::fs::read_to_string(model.join("history.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(history.lines().last().unwrap()).unwrap();
    Ok(last["validation"].clone())
}

/// `train` selects on the AGs the generation guard lets out, as `synth` does: by default under
/// `auto` (what `generate --min-distance auto`, synth and the workflow draw under); a guard
/// that drops some AGs changes the validation's figures, and one no AG passes stops training.
/// (After 3 EM iterations `auto`, the 1st percentile of the training people's own nearest
/// distances, drops no AG here, so the dropping is shown at about their median, 230 sites.)
#[test]
fn train_selection_scores_the_ags_the_guard_lets_out() {
    let dir = tempfile::tempdir().unwrap();
    let default = hclt_validation(dir.path(), "default", &[]).unwrap();
    let auto = hclt_validation(dir.path(), "auto", &["--min-distance", "auto"]).unwrap();
    let all = hclt_validation(dir.path(), "all", &["--min-distance", "0"]).unwrap();
    let median = hclt_validation(dir.path(), "median", &["--min-distance", "230"]).unwrap();
    assert!(default.is_object() && all.is_object(), "{default} {all}");
    assert_eq!(default, auto, "the default is auto");
    assert_ne!(
        median, all,
        "a guard at 230 sites dropped no AG: {median} vs {all}"
    );
    let err = hclt_validation(dir.path(), "far", &["--min-distance", "100000"]).unwrap_err();
    assert!(err.contains("lower --min-distance"), "{err}");
}
