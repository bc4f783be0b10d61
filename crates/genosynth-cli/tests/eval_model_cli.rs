//! `eval --model`'s likelihood attack scores the people the model was trained on: the training
//! file without the validation people who only chose its checkpoint, against the held-out
//! people; a file the model was not trained from leaves the attack out with a warning.

use std::path::Path;

mod common;

use common::{example_vcf as example, genosynth, json, run_ok as run};

#[test]
fn the_likelihood_attack_leaves_the_validation_people_out_of_the_members() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 40 people to train on, the other 1,212 never seen.
    let (forty, rest) = (d.join("forty.vcf.gz"), d.join("rest.vcf.gz"));
    run(genosynth()
        .arg("split")
        .arg(example())
        .args(["--train-fraction", "0.032", "--seed", "1", "-o"])
        .arg(&forty)
        .arg("--holdout-out")
        .arg(&rest));
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
