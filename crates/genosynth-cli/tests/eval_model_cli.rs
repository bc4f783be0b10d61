//! `eval --model`'s likelihood attack scores the people the model was trained on: the training
//! file without the validation people who only chose its checkpoint, against the held-out
//! people; a file the model was not trained from leaves the attack out with a warning.

use std::path::Path;

mod common;

use common::{genosynth, json, run_ok as run, split_example};

#[test]
fn the_likelihood_attack_leaves_the_validation_people_out_of_the_members() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 40 people to train on, the other 1,212 never seen.
    let (forty, rest) = (d.join("forty.vcf.gz"), d.join("rest.vcf.gz"));
    split_example("0.032", "1", &forty, &rest);
    // Many states and weak priors on 20 people (20 validate): a model that memorises.
    let model = d.join("model");
    run(genosynth()
        .arg("train")
        .arg(&forty)
        .args(["--model", "hclt", "--hclt-states", "16"])
        .args(["--emission-prior", "0.01", "--transition-prior", "0.01"])
        .args(["--epochs", "20", "--validate-every", "5"])
        .args(["--validation-fraction", "0.5", "--accept-privacy-risk"])
        .args(["--device", "cpu", "--seed", "3", "-o"])
        .arg(&model));
    let ags = d.join("ags.vcf.gz");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "40", "--seed", "3", "--accept-privacy-risk", "-o"])
        .arg(&ags));
    let eval = |train: &Path, out: &Path| {
        run(genosynth()
            .arg("eval")
            .arg("--train")
            .arg(train)
            .arg("--holdout")
            .arg(&rest)
            .arg("--synthetic")
            .arg(&ags)
            .arg("--model")
            .arg(&model)
            .arg("-o")
            .arg(out))
    };

    eval(&forty, &d.join("report"));
    let attack = json(&d.join("report/report.json"))["privacy"]["likelihood_attack"].clone();
    assert_eq!(attack["members"], 20, "{attack}");
    assert_eq!(attack["non_members"], 1212, "{attack}");
    assert!(attack["auc"].as_f64().unwrap() > 0.8, "{attack}");

    let other = eval(&rest, &d.join("other"));
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(stderr.contains("likelihood attack left out"), "{stderr}");
    let r = json(&d.join("other/report.json"));
    assert!(
        r["privacy"].get("likelihood_attack").is_none(),
        "{}",
        r["privacy"]
    );
}

/// The attack scores the weights the AGs were sampled from: `generate` samples the checkpoint
/// chosen on validation people, so `eval --model` attacks it, not the last weights (`--last`).
#[test]
fn the_likelihood_attack_scores_the_checkpoint_generate_samples() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (train, rest) = (d.join("train.vcf.gz"), d.join("rest.vcf.gz"));
    split_example("0.1", "2", &train, &rest);
    // Weak priors on about 100 people: later epochs memorise, so the rule keeps an early one.
    let model = d.join("model");
    run(genosynth()
        .arg("train")
        .arg(&train)
        .args(["--model", "hclt", "--hclt-states", "16"])
        .args(["--emission-prior", "0.01", "--transition-prior", "0.01"])
        .args(["--epochs", "24", "--validate-every", "3", "--patience", "0"])
        .args(["--validation-fraction", "0.2", "--accept-privacy-risk"])
        .args(["--device", "cpu", "--seed", "5", "-o"])
        .arg(&model));
    let meta = json(&model.join("model.json"));
    let best = meta["selection"]["best_epoch"].as_u64().unwrap();
    let last = meta["epochs_done"].as_u64().unwrap();
    assert!(
        best < last,
        "selection kept the last epoch ({best} of {last}): no contrast"
    );
    let ags = d.join("ags.vcf.gz");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "20", "--seed", "3", "--accept-privacy-risk", "-o"])
        .arg(&ags));
    let auc = |model: &Path, last: bool, out: &str| {
        let mut cmd = genosynth();
        cmd.arg("eval")
            .arg("--train")
            .arg(&train)
            .arg("--holdout")
            .arg(&rest)
            .arg("--synthetic")
            .arg(&ags)
            .arg("--model")
            .arg(model)
            .arg("-o")
            .arg(d.join(out));
        if last {
            cmd.arg("--last");
        }
        let output = run(&mut cmd);
        let report = json(&d.join(out).join("report.json"));
        let auc = report["privacy"]["likelihood_attack"]["auc"]
            .as_f64()
            .unwrap();
        (auc, String::from_utf8_lossy(&output.stderr).into_owned())
    };
    // The same directory with the chosen weights as its last ones: what default eval must read.
    let chosen = d.join("chosen");
    std::fs::create_dir(&chosen).unwrap();
    for entry in std::fs::read_dir(&model).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), chosen.join(entry.file_name())).unwrap();
    }
    std::fs::copy(
        model.join("best.safetensors"),
        chosen.join("model.safetensors"),
    )
    .unwrap();

    let (default, stderr) = auc(&model, false, "default");
    assert!(
        stderr.contains(&format!("epoch {best} of {last}, the checkpoint chosen")),
        "{stderr}"
    );
    let (selected, _) = auc(&chosen, true, "selected");
    let (at_last, _) = auc(&model, true, "last");
    assert_eq!(
        default, selected,
        "default eval must attack the selected checkpoint"
    );
    assert_ne!(
        default, at_last,
        "the last weights read the same: no contrast"
    );
}
