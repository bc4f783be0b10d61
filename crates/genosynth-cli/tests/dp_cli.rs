//! End-to-end DP-SGD: `train --dp-*` prints ε and records it, `generate` carries it into the
//! AGs' header, `eval` reports it (from `--model` or from that header) beside the likelihood
//! attack, and settings that cannot hold fail before anything is written.

mod common;

use common::{example_vcf as example, genosynth, json, run_ok as run};
use genosynth_core::test_util::{figure, test_seed};

fn small_rbm() -> [&'static str; 10] {
    [
        "--model",
        "rbm",
        "--hidden-units",
        "16",
        "--gibbs-steps",
        "5",
        "--epochs",
        "3",
        "--device",
        "cpu",
    ]
}

#[test]
fn a_private_model_carries_its_guarantee_into_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (train, holdout) = (d.join("train.vcf.gz"), d.join("holdout.vcf.gz"));
    run(genosynth()
        .arg("split")
        .arg(example())
        .args(["--seed", "1", "-o"])
        .arg(&train)
        .arg("--holdout-out")
        .arg(&holdout));
    let model = d.join("m");
    let out = run(genosynth()
        .arg("train")
        .arg(&train)
        .args(small_rbm())
        .args(["--dp-epsilon", "4", "--dp-delta", "1e-4", "--seed"])
        .arg(test_seed(42).to_string()) // train's default seed
        .arg("-o")
        .arg(&model));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DP-SGD: ε = "), "{err}");
    let privacy = &json(&model.join("model.json"))["privacy"];
    let eps = privacy["epsilon"].as_f64().unwrap();
    assert!(eps > 3.9 && eps <= 4.0, "{privacy}");
    assert_eq!(privacy["unit"], "individual");
    let history = std::fs::read_to_string(model.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 3);
    assert!(history.lines().all(|l| l.contains("\"epsilon\"")));
    assert!(!history.contains("reconstruction_error"), "{history}");

    // Plain VCF, so the header can be read as text.
    let ags = d.join("ags.vcf");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "200", "--seed"])
        .arg(test_seed(3).to_string())
        .arg("-o")
        .arg(&ags));
    let header = std::fs::read_to_string(&ags).unwrap();
    assert!(
        header.contains("##genosynthDp=<ID=dp,mechanism=dp-sgd"),
        "{header}"
    );

    let with_model = d.join("report-model");
    run(genosynth()
        .arg("eval")
        .arg("--train")
        .arg(&train)
        .arg("--synthetic")
        .arg(&ags)
        .arg("--holdout")
        .arg(&holdout)
        .arg("--model")
        .arg(&model)
        .arg("-o")
        .arg(&with_model));
    let r = json(&with_model.join("report.json"));
    assert_eq!(r["differential_privacy"]["epsilon"].as_f64(), Some(eps));
    let attack = &r["privacy"]["likelihood_attack"];
    assert_eq!(attack["score"], "negative free energy");
    let auc = attack["auc"].as_f64().unwrap();
    figure("likelihood attack AUC", auc);
    // Three private epochs of a small RBM cannot tell its training people apart.
    assert!((auc - 0.5).abs() < 0.1, "{attack}");
    let html = std::fs::read_to_string(with_model.join("report.html")).unwrap();
    assert!(
        html.contains("likelihood attack (negative free energy"),
        "no attack row"
    );
    assert!(html.contains("dp-sgd per individual"), "no DP row");

    // Without --model the AGs' header still carries the guarantee.
    let from_header = d.join("report-header");
    run(genosynth()
        .arg("eval")
        .arg("--train")
        .arg(&train)
        .arg("--synthetic")
        .arg(&ags)
        .arg("-o")
        .arg(&from_header));
    let r = json(&from_header.join("report.json"));
    assert_eq!(r["differential_privacy"]["steps"], privacy["steps"]);
    assert!(r["privacy"].get("likelihood_attack").is_none());
}

#[test]
fn impossible_budgets_fail_before_training() {
    let tmp = tempfile::tempdir().unwrap();
    let fail = |extra: &[&str]| -> String {
        let model = tmp.path().join("never");
        let out = genosynth()
            .arg("train")
            .arg(example())
            .args(small_rbm())
            .args(extra)
            .arg("-o")
            .arg(&model)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{extra:?} succeeded");
        assert!(!model.exists(), "{extra:?} left {}", model.display());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = fail(&["--dp-epsilon", "0", "--dp-delta", "1e-4"]);
    assert!(e.contains("dp-epsilon") && e.contains("not > 0"), "{e}");
    // 1,252 people: δ must be below 1/1252.
    let e = fail(&["--dp-epsilon", "1", "--dp-delta", "0.001"]);
    assert!(e.contains("dp-delta") && e.contains("n = 1252"), "{e}");
    let e = fail(&[
        "--dp-epsilon",
        "1",
        "--dp-delta",
        "1e-4",
        "--dp-noise-multiplier",
        "0.2",
    ]);
    assert!(e.contains("before the first epoch"), "{e}");
    let e = fail(&["--dp-epsilon", "1"]);
    assert!(e.contains("--dp-delta"), "{e}");
    let e = fail(&[
        "--dp-epsilon",
        "1",
        "--dp-delta",
        "1e-4",
        "--validation-fraction",
        "0.2",
    ]);
    assert!(e.contains("selection"), "{e}");
}
