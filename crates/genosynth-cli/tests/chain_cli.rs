//! End-to-end tests of one job per window: `split --train-list`, `plan`, `train --window-sites
//! W --window-index K`, `stitch`, and AGs that keep their names and labels across chromosomes.

mod common;

use std::path::{Path, PathBuf};

use common::{
    bcftools_clean, bcftools_gts, example_vcf, genosynth, genosynth_ok, has_bcftools, json, sh,
};

fn fails(args: &[&str]) -> String {
    let out = genosynth().args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn split_lists_name_the_people_of_the_genotype_split() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let ex = example_vcf();
    genosynth_ok(&[
        "split",
        p(&ex),
        "--seed",
        "3",
        "--train-fraction",
        "0.7",
        "-q",
        "--train-list",
        p(&d("train.txt")),
        "--holdout-list",
        p(&d("holdout.txt")),
        "-o",
        p(&d("train.vcf")),
        "--holdout-out",
        p(&d("holdout.vcf")),
    ]);
    genosynth_ok(&[
        "split",
        p(&ex),
        "--seed",
        "3",
        "--train-fraction",
        "0.7",
        "-q",
        "--train-list",
        p(&d("train2.txt")),
        "--holdout-list",
        p(&d("holdout2.txt")),
    ]);
    let read = |n: &str| std::fs::read_to_string(d(n)).unwrap();
    let names = |vcf: &str| -> String {
        let header = read(vcf)
            .lines()
            .find(|l| l.starts_with("#CHROM"))
            .unwrap()
            .to_string();
        header
            .split('\t')
            .skip(9)
            .map(|s| format!("{s}\n"))
            .collect()
    };
    assert_eq!(read("train.txt"), names("train.vcf"));
    assert_eq!(read("holdout.txt"), names("holdout.vcf"));
    assert_eq!(
        read("train.txt"),
        read("train2.txt"),
        "lists alone: the same split"
    );
    assert_eq!(read("holdout.txt"), read("holdout2.txt"));
    let (train, holdout) = (
        read("train.txt").lines().count(),
        read("holdout.txt").lines().count(),
    );
    assert_eq!(train + holdout, 1252);
    assert_eq!(train, 876, "70% of 1252 people");

    // A list selects the same people when reading (-S).
    genosynth_ok(&[
        "convert",
        p(&ex),
        "-S",
        p(&d("holdout.txt")),
        "-q",
        "-o",
        p(&d("again.vcf")),
    ]);
    assert_eq!(names("again.vcf"), read("holdout.txt"));

    let err = fails(&["split", p(&ex), "--seed", "3"]);
    assert!(err.contains("nothing to write"), "{err}");
    let err = fails(&[
        "split",
        p(&ex),
        "--seed",
        "3",
        "--train-list",
        p(&d("x.txt")),
    ]);
    assert!(err.contains("--holdout-list"), "{err}");
}

#[test]
fn plan_lists_chain_windows_and_segments_of_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let ex = example_vcf();
    let plan = dir.path().join("plan.json");
    genosynth_ok(&[
        "plan",
        p(&ex),
        "--window-sites",
        "200",
        "--model",
        "crbm",
        "-q",
        "-o",
        p(&plan),
    ]);
    let j = json(&plan);
    assert_eq!(j["input"], p(&ex));
    assert_eq!(
        (j["chrom"].as_str(), j["n_sites"].as_u64()),
        (Some("1"), Some(805))
    );
    assert_eq!(
        (j["model"].as_str(), j["window_sites"].as_u64()),
        (Some("crbm"), Some(200))
    );
    let windows = j["windows"].as_array().unwrap();
    let spans: Vec<[u64; 5]> = windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            assert_eq!(w["index"], i);
            let f = |k: &str| w[k].as_u64().unwrap();
            [
                f("start"),
                f("end"),
                f("clamp"),
                f("first_pos"),
                f("last_pos"),
            ]
        })
        .collect();
    // Half-overlapping windows; the last one moved back to end at the last site.
    assert_eq!(
        spans,
        vec![
            [0, 200, 0, 1, 200],
            [100, 300, 100, 101, 300],
            [200, 400, 100, 201, 400],
            [300, 500, 100, 301, 500],
            [400, 600, 100, 401, 600],
            [500, 700, 100, 501, 700],
            [600, 800, 100, 601, 800],
            [605, 805, 195, 606, 805],
        ]
    );

    genosynth_ok(&[
        "plan",
        p(&ex),
        "--window-sites",
        "300",
        "--model",
        "wgan",
        "-r",
        "1:101-805",
        "-q",
        "-o",
        p(&plan),
    ]);
    let j = json(&plan);
    let bounds: Vec<(u64, u64, u64)> = j["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["start"].as_u64().unwrap(),
                w["end"].as_u64().unwrap(),
                w["clamp"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(bounds, vec![(0, 300, 0), (300, 600, 0), (600, 705, 0)]);
    assert_eq!(j["windows"][0]["first_pos"], 101);

    let none = dir.path().join("none.json");
    let err = fails(&["plan", p(&ex), "--window-sites", "5000", "-o", p(&none)]);
    assert!(
        err.contains(&format!(
            "5000 is larger than chromosome 1's 805 sites in {}",
            p(&ex)
        )),
        "{err}"
    );
    let err = fails(&[
        "plan",
        p(&ex),
        "--window-sites",
        "100",
        "-r",
        "3",
        "-o",
        p(&none),
    ]);
    assert!(
        err.contains(&format!("chromosome 3 is not in {}; it has 1", p(&ex))),
        "{err}"
    );
    let err = fails(&["plan", p(&ex), "--window-sites", "1", "-o", p(&none)]);
    assert!(err.contains("at least 2 sites"), "{err}");
    assert!(!none.exists(), "a refused plan writes nothing");
    let err = fails(&[
        "train",
        p(&ex),
        "--model",
        "crbm",
        "--window-sites",
        "200",
        "--window-index",
        "8",
        "-o",
        p(&none),
    ]);
    assert!(err.contains("8 windows (0 to 7)"), "{err}");
}

/// The flags of a small, quick CRBM.
const CRBM: [&str; 14] = [
    "--model",
    "crbm",
    "--crbm-hidden-units",
    "8",
    "--gibbs-steps",
    "2",
    "--epochs",
    "2",
    "--seed",
    "5",
    "--device",
    "cpu",
    "-q",
    "-r",
];

#[test]
fn windows_trained_apart_and_stitched_generate_like_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let ex = example_vcf();
    let region = "1:1-100";
    genosynth_ok(
        &[
            &["train", p(&ex)][..],
            &CRBM,
            &[region, "--window", "40", "-o", p(&d("whole"))],
        ]
        .concat(),
    );
    genosynth_ok(&[
        "plan",
        p(&ex),
        "-r",
        region,
        "--window-sites",
        "40",
        "-q",
        "-o",
        p(&d("plan.json")),
    ]);
    let n = json(&d("plan.json"))["windows"].as_array().unwrap().len();
    assert_eq!(n, 4);
    let parts: Vec<PathBuf> = (0..n).map(|k| d(&format!("part_{k}"))).collect();
    for (k, part) in parts.iter().enumerate() {
        let k = k.to_string();
        genosynth_ok(
            &[
                &["train", p(&ex)][..],
                &CRBM,
                &[
                    region,
                    "--window-sites",
                    "40",
                    "--window-index",
                    &k,
                    "-o",
                    p(part),
                ],
            ]
            .concat(),
        );
    }
    let part = json(&parts[2].join("model.json"));
    assert_eq!(part["window_part"]["window"]["index"], 2);
    assert_eq!(part["window_part"]["windows"], 4);

    // A window alone does not generate.
    let err = fails(&["generate", p(&parts[0]), "-n", "4", "-o", p(&d("x.vcf"))]);
    assert!(err.contains("genosynth stitch"), "{err}");

    let mut stitch: Vec<&str> = vec!["stitch", "-q"];
    stitch.extend(parts.iter().rev().map(|x| p(x)));
    let stitched = d("stitched");
    stitch.extend(["-o", p(&stitched)]);
    genosynth_ok(&stitch);
    assert_eq!(
        std::fs::read(d("whole/model.safetensors")).unwrap(),
        std::fs::read(d("stitched/model.safetensors")).unwrap(),
        "the stitched chain has the whole chain's weights"
    );
    for model in ["whole", "stitched"] {
        genosynth_ok(&[
            "generate",
            p(&d(model)),
            "-n",
            "10",
            "--seed",
            "9",
            "-q",
            "-o",
            p(&d(&format!("{model}.vcf.gz"))),
        ]);
    }
    if has_bcftools() {
        let gts = bcftools_gts(&d("stitched.vcf.gz"));
        assert_eq!(gts, bcftools_gts(&d("whole.vcf.gz")));
        assert_eq!(gts.lines().count(), 100);
        assert!(
            gts.lines()
                .all(|l| l.split('\t').skip(1).all(|g| g.contains('|')))
        );
        let samples = bcftools_clean(&["query", "-l", p(&d("stitched.vcf.gz"))]);
        assert_eq!(samples.lines().next(), Some("AG_000001"));
    }

    let err = fails(&[
        "stitch",
        p(&parts[0]),
        p(&parts[1]),
        p(&parts[3]),
        "-o",
        p(&d("bad")),
    ]);
    assert!(
        err.contains("window 2 of the chain's 4 (0 to 3) is missing"),
        "{err}"
    );
    let err = fails(&["stitch", p(&parts[0]), p(&d("whole")), "-o", p(&d("bad"))]);
    assert!(err.contains("not a CRBM window checkpoint"), "{err}");
    assert!(!d("bad").exists());
}

#[test]
fn ags_keep_their_names_and_labels_on_every_chromosome() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let ex = example_vcf();
    // The example as chromosome 2, and a panel of two made-up groups.
    sh(&format!(
        "gzip -dc {} | sed -e 's/^1\t/2\t/' -e 's/ID=1,/ID=2,/' > {}",
        p(&ex),
        p(&d("chr2.vcf"))
    ));
    let header = sh(&format!("gzip -dc {} | grep '^#CHROM'", p(&ex)));
    let mut panel = String::from("sample\tpop\tsuper_pop\tgender\n");
    for (i, s) in header.trim().split('\t').skip(9).enumerate() {
        panel.push_str(&format!(
            "{s}\tX\t{}\tunknown\n",
            if i % 3 == 0 { "AFR" } else { "EUR" }
        ));
    }
    std::fs::write(d("panel"), panel).unwrap();
    let common = ["--epochs", "1", "--device", "cpu", "-q", "--seed", "2"];
    genosynth_ok(
        &[
            &[
                "train",
                p(&ex),
                "-r",
                "1:1-60",
                "--panel",
                p(&d("panel")),
                "--model",
                "crbm",
                "--window",
                "30",
                "--crbm-hidden-units",
                "8",
                "--gibbs-steps",
                "2",
                "-o",
                p(&d("chr1")),
            ][..],
            &common,
        ]
        .concat(),
    );
    genosynth_ok(
        &[
            &[
                "train",
                p(&d("chr2.vcf")),
                "-r",
                "2:1-63",
                "--panel",
                p(&d("panel")),
                "--model",
                "wgan",
                "--channel-multiplier",
                "0.5",
                "--wgan-batch-size",
                "48",
                "--n-critic",
                "1",
                "-o",
                p(&d("chr2")),
            ][..],
            &common,
        ]
        .concat(),
    );
    for chrom in ["chr1", "chr2"] {
        genosynth_ok(&[
            "generate",
            p(&d(chrom)),
            "--population",
            "EUR=6,AFR=4",
            "--seed",
            "3",
            "-q",
            "-O",
            "v",
            "-o",
            p(&d(&format!("{chrom}.vcf"))),
        ]);
    }
    let read = |n: &str| std::fs::read_to_string(d(n)).unwrap();
    let names = |vcf: &str| {
        read(vcf)
            .lines()
            .find(|l| l.starts_with("#CHROM"))
            .unwrap()
            .split('\t')
            .skip(9)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(names("chr1.vcf"), names("chr2.vcf"));
    assert_eq!(
        names("chr1.vcf"),
        (1..=5).map(|i| format!("AG_{i:06}")).collect::<Vec<_>>()
    );
    assert_eq!(read("chr1.vcf.panel"), read("chr2.vcf.panel"));
    assert_eq!(
        read("chr1.vcf.panel"),
        "sample\tpop\nAG_000001\tEUR\nAG_000002\tEUR\nAG_000003\tEUR\nAG_000004\tAFR\nAG_000005\tAFR\n"
    );
    let err = fails(&[
        "generate",
        p(&d("chr1")),
        "--population",
        "EUR=5,AFR=4",
        "-o",
        p(&d("odd.vcf")),
    ]);
    assert!(
        err.contains("EUR=5: an odd number of haplotypes cannot pair into diploid samples"),
        "{err}"
    );
}
