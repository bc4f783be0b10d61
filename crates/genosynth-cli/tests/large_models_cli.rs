//! End-to-end tests of the large-scale models: `genosynth train --model wgan|crbm`,
//! `--panel` and `generate --population`.

use std::path::Path;

mod common;

use common::{example_vcf as example, genosynth, report_json, run_ok as run};

fn model_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap()
}

/// Sample names of the bundled example (from its header), via `genosynth` itself.
fn example_samples() -> Vec<String> {
    let text = String::from_utf8(
        run(genosynth()
            .arg("convert")
            .arg(example())
            .args(["-O", "v", "-o", "-"]))
        .stdout,
    )
    .unwrap();
    let header = text
        .lines()
        .find(|l| l.starts_with("#CHROM"))
        .expect("header line");
    header.split('\t').skip(9).map(str::to_string).collect()
}

#[test]
fn crbm_and_wgan_train_resume_and_generate_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    for (model, flags) in [
        (
            "crbm",
            vec![
                "--window",
                "200",
                "--crbm-hidden-units",
                "16",
                "--gibbs-steps",
                "2",
            ],
        ),
        (
            "wgan",
            vec![
                "--channel-multiplier",
                "0.5",
                "--wgan-batch-size",
                "48",
                "--n-critic",
                "2",
            ],
        ),
    ] {
        let out = dir.path().join(model);
        run(genosynth()
            .arg("train")
            .arg(example())
            .args(["--model", model, "--epochs", "1", "--device", "cpu", "-q"])
            .args(&flags)
            .arg("-o")
            .arg(&out));
        run(genosynth()
            .arg("train")
            .arg(example())
            .args([
                "--model", model, "--epochs", "2", "--device", "cpu", "-q", "--resume", "-o",
            ])
            .arg(&out));
        let meta = model_json(&out);
        assert_eq!(meta["model"]["kind"], model);
        assert_eq!(meta["epochs_done"], 2);
        assert!(
            std::fs::read_to_string(out.join("history.jsonl"))
                .unwrap()
                .lines()
                .count()
                == 2
        );
        let ags = dir.path().join(format!("{model}.vcf"));
        run(genosynth()
            .arg("generate")
            .arg(&out)
            .args(["-n", "10", "-O", "v", "-o"])
            .arg(&ags));
        let text = std::fs::read_to_string(&ags).unwrap();
        let records = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(records, 805, "{model}: AGs have the checkpoint's 805 sites");
    }
}

#[test]
fn panel_labels_and_population_counts() {
    let dir = tempfile::tempdir().unwrap();
    let samples = example_samples();
    // Two made-up groups: the first 200 samples are "SMALL", the rest "BIG".
    let mut panel = String::from("sample\tpop\tsuper_pop\tgender\n");
    for (i, s) in samples.iter().enumerate() {
        let pop = if i < 200 { "SMALL" } else { "BIG" };
        panel.push_str(&format!("{s}\t{pop}\tALL\tunknown\n"));
    }
    let panel_path = dir.path().join("example.panel");
    std::fs::write(&panel_path, panel).unwrap();
    let model = dir.path().join("crbm");
    run(genosynth()
        .arg("train")
        .arg(example())
        .args(["--model", "crbm", "--epochs", "1", "--device", "cpu", "-q"])
        .args([
            "--window",
            "200",
            "--crbm-hidden-units",
            "8",
            "--gibbs-steps",
            "2",
            "--label-column",
            "pop",
            "--panel",
        ])
        .arg(&panel_path)
        .arg("-o")
        .arg(&model));
    let meta = model_json(&model);
    assert_eq!(
        meta["model"]["labels"]["names"],
        serde_json::json!(["BIG", "SMALL"])
    );

    let ags = dir.path().join("ags.vcf");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args(["--population", "SMALL=6,BIG=4", "-O", "v", "-o"])
        .arg(&ags));
    let text = std::fs::read_to_string(&ags).unwrap();
    let header = text.lines().find(|l| l.starts_with("#CHROM")).unwrap();
    assert_eq!(
        header.split('\t').count() - 9,
        5,
        "10 haplotypes as 5 diploid AGs"
    );
    // The labels of the AGs are written beside them, in the panel layout.
    let ag_panel = std::fs::read_to_string(dir.path().join("ags.vcf.panel")).unwrap();
    assert_eq!(
        ag_panel.lines().filter(|l| l.contains("\tSMALL")).count(),
        3,
        "{ag_panel}"
    );
    assert_eq!(
        ag_panel.lines().filter(|l| l.contains("\tBIG")).count(),
        2,
        "{ag_panel}"
    );

    // `eval` picks the AGs' labels up from beside them and compares each population's AGs
    // with that population's real haplotypes.
    let eval = |report: &Path| {
        let mut cmd = genosynth();
        cmd.arg("eval")
            .arg("--train")
            .arg(example())
            .arg("--synthetic")
            .arg(&ags)
            .arg("-o")
            .arg(report);
        cmd
    };
    let report = dir.path().join("report");
    let out = eval(&report)
        .arg("--panel")
        .arg(&panel_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = report_json(&report);
    let pops = json["populations"].as_array().unwrap();
    let field = |k: &str| pops.iter().map(|p| p[k].clone()).collect::<Vec<_>>();
    assert_eq!(
        field("population"),
        [serde_json::json!("BIG"), serde_json::json!("SMALL")]
    );
    assert_eq!(
        field("synthetic_haplotypes"),
        [serde_json::json!(4), serde_json::json!(6)]
    );
    let big = 2 * (samples.len() - 200);
    assert_eq!(
        field("train_haplotypes"),
        [serde_json::json!(big), serde_json::json!(400)]
    );
    for p in pops {
        assert!(p["af_r"].as_f64().unwrap().is_finite(), "{p}");
        assert!(p["fst_other_populations"].as_f64().is_some(), "{p}");
    }
    // Ancestry: one assignment per diploid AG, to a real population, with the AG's own label.
    let ancestry = &json["ancestry"];
    let assigned = ancestry["samples"].as_array().unwrap();
    assert_eq!(assigned.len(), 5, "{ancestry}");
    for a in assigned {
        assert!(
            ["BIG", "SMALL"].contains(&a["population"].as_str().unwrap()),
            "{a}"
        );
        assert!(
            ["BIG", "SMALL"].contains(&a["label"].as_str().unwrap()),
            "{a}"
        );
        assert!(a["distance"].as_f64().unwrap() >= 0.0);
    }
    let shares: f64 = ancestry["populations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["synthetic_share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9, "{ancestry}");
    let agreement = ancestry["label_agreement"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&agreement));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("SMALL") && l.contains("400")),
        "{stdout}"
    );
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("Per population"));
    // The PCA plot colours the AGs by their label, like the training haplotypes.
    assert!(
        html.contains("AGs SMALL") && html.contains("train SMALL"),
        "PCA legend"
    );
    // Without the real panel there is nothing to compare the AGs' labels with.
    let out = eval(&dir.path().join("report2"))
        .arg("--synthetic-panel")
        .arg(dir.path().join("ags.vcf.panel"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--panel"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A label the model does not know is a clear error.
    let out = genosynth()
        .arg("generate")
        .arg(&model)
        .args(["--population", "EUR=2", "-o"])
        .arg(dir.path().join("x.vcf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("EUR") && stderr.contains("BIG,SMALL"),
        "{stderr}"
    );
}
