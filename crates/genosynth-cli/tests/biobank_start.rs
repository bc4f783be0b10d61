//! The user guide's biobank start (docs/user-guide.md, "A biobank start"), run as written on
//! the bundled `examples/805_SNP_1000G_real.bgen` (the example as UK Biobank would ship it):
//! a cohort from the `.sample` file, a split by person, `synth` of a region from the training
//! people, and `eval` on the held-out people, every step reading the `.bgen` directly; then
//! `eval` reads the same sides as `.pgen` (`convert -O p`) and judges them the same.

mod common;

use std::path::Path;

use common::{genosynth_ok, repo_root, report_json};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_user_guides_biobank_start_runs_on_the_bundled_bgen() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let bgen = repo_root().join("examples/805_SNP_1000G_real.bgen");
    let bgen = s(&bgen);

    // 1. The cohort: the first 1,000 people of the .sample file (ID_2, after two header lines).
    let sample =
        std::fs::read_to_string(repo_root().join("examples/805_SNP_1000G_real.sample")).unwrap();
    let cohort: Vec<&str> = sample
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .take(1000)
        .collect();
    std::fs::write(p("cohort.txt"), cohort.join("\n") + "\n").unwrap();

    // 2. Split by person: names only.
    let out = genosynth_ok(&[
        "split",
        bgen,
        "-S",
        s(&p("cohort.txt")),
        "--seed",
        "7",
        "--train-list",
        s(&p("train.txt")),
        "--holdout-list",
        s(&p("holdout.txt")),
    ]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("1000 samples, 2000 haplotypes, 805 sites"),
        "{said}"
    );
    let (train, holdout) = (lines(&p("train.txt")), lines(&p("holdout.txt")));
    assert_eq!((train.len(), holdout.len()), (800, 200));
    assert!(train.iter().all(|t| !holdout.contains(t)));

    // 3. AGs of the region from the training people.
    genosynth_ok(&[
        "synth",
        bgen,
        "-r",
        "1:1-600",
        "-S",
        s(&p("train.txt")),
        "--seed",
        "7",
        "--model-dir",
        s(&p("model")),
        "-o",
        s(&p("ags.vcf.gz")),
        "-q",
    ]);

    // 4. Judged on the held-out people: each side written once, as BCF and as PLINK 2.
    let mut reports = Vec::new();
    for (ext, format) in [("bcf", None), ("pgen", Some("p"))] {
        for side in ["train", "holdout"] {
            let mut args = vec![
                "convert".to_string(),
                bgen.to_string(),
                "-r".into(),
                "1:1-600".into(),
                "-S".into(),
                s(&p(&format!("{side}.txt"))).into(),
                "-o".into(),
                s(&p(&format!("{side}.{ext}"))).into(),
                "-q".into(),
            ];
            if let Some(f) = format {
                args.extend(["-O".into(), f.into()]);
            }
            genosynth_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let report = p(&format!("report_{ext}"));
        genosynth_ok(&[
            "eval",
            "--train",
            s(&p(&format!("train.{ext}"))),
            "--holdout",
            s(&p(&format!("holdout.{ext}"))),
            "--synthetic",
            s(&p("ags.vcf.gz")),
            "--model",
            s(&p("model")),
            "-o",
            s(&report),
        ]);
        let json = report_json(&report);
        reports.push(json);
    }
    for r in &reports {
        assert_eq!(r["inputs"]["sites"]["common"], 600);
        assert_eq!(r["inputs"]["holdout_haplotypes"], 400);
        assert!(
            r["privacy"]["likelihood_attack"].is_object(),
            "--model judged"
        );
        assert!(r["segments"]["privacy_loss"].is_number());
        assert!(r["detection"]["auc"].is_number());
    }
    // The same people read from BCF and PLINK 2 give the same report.
    assert_eq!(reports[0]["verdict"], reports[1]["verdict"]);
    assert_eq!(reports[0]["segments"], reports[1]["segments"]);
}
