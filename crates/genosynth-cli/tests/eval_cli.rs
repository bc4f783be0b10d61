//! End-to-end tests of `genosynth eval` on the bundled 1000 Genomes example: a perfect
//! generator (unseen real haplotypes) passes, a copier and an independent-sites generator fail
//! on the checks that expose them, bad inputs give clear errors, and the HTML report is
//! self-contained.

mod common;

use std::path::{Path, PathBuf};

use common::{example_vcf, genosynth, genosynth_ok};
use genosynth_core::HaplotypeMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// train (80% of individuals) and two halves of the holdout, written once per test.
struct Sets {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sets {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let p = |n: &str| root.join(n).to_str().unwrap().to_string();
        genosynth_ok(&[
            "split",
            example_vcf().to_str().unwrap(),
            "--seed",
            "1",
            "-o",
            &p("train.vcf.gz"),
            "--holdout-out",
            &p("holdout.vcf.gz"),
        ]);
        genosynth_ok(&[
            "split",
            &p("holdout.vcf.gz"),
            "--seed",
            "2",
            "--train-fraction",
            "0.5",
            "-o",
            &p("unseen.vcf.gz"),
            "--holdout-out",
            &p("holdout2.vcf.gz"),
        ]);
        Self { _dir: dir, root }
    }

    fn path(&self, name: &str) -> String {
        self.root.join(name).to_str().unwrap().to_string()
    }

    fn eval(&self, synthetic: &str, holdout: Option<&str>, out: &str) -> (Value, String, String) {
        self.eval_with(synthetic, holdout, out, &["--max-haplotypes", "600"])
    }

    fn eval_with(
        &self,
        synthetic: &str,
        holdout: Option<&str>,
        out: &str,
        extra: &[&str],
    ) -> (Value, String, String) {
        let mut args = vec![
            "eval".to_string(),
            "--train".into(),
            self.path("train.vcf.gz"),
            "--synthetic".into(),
            synthetic.to_string(),
            "-o".into(),
            self.path(out),
            "--seed".into(),
            "3".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        if let Some(h) = holdout {
            args.extend(["--holdout".into(), h.to_string()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = genosynth_ok(&refs);
        let dir = self.root.join(out);
        let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        (
            serde_json::from_str(&json).unwrap(),
            html,
            String::from_utf8(output.stdout).unwrap(),
        )
    }
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["verdict"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn read(path: &str) -> HaplotypeMatrix {
    genosynth_vcf::read(Path::new(path), &Default::default())
        .unwrap()
        .matrix
}

#[test]
fn unseen_real_haplotypes_pass_and_the_report_is_self_contained() {
    let sets = Sets::new();
    let (report, html, stdout) = sets.eval(
        &sets.path("unseen.vcf.gz"),
        Some(&sets.path("holdout2.vcf.gz")),
        "perfect",
    );
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["inputs"]["sites"]["common"], 805);
    assert_eq!(report["verdict"]["overall"], "pass", "{stdout}");
    let aats = report["privacy"]["aats_train"]["aats"]["mean"]
        .as_f64()
        .unwrap();
    assert!((aats - 0.5).abs() < 0.1, "AATS {aats}");
    let auc = report["privacy"]["membership_auc"].as_f64().unwrap();
    assert!((auc - 0.5).abs() < 0.1, "membership AUC {auc}");
    assert!(stdout.contains("verdict: pass"));
    // The membership attack's TPR at 1% FPR with its 95% interval over people.
    let line = stdout
        .lines()
        .find(|l| l.starts_with("membership attack (distance to the nearest AG"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let ci = report["uncertainty"]["membership_tpr_at_1pct_fpr"]
        .as_array()
        .unwrap();
    assert!(
        line.contains(&format!("({:.3}–{:.3}) at 1% FPR", f(&ci[0]), f(&ci[1]))),
        "{line}"
    );
    // report.json stays small: the plots' matrices go into the HTML only (≤ 1 MB on the
    // 805-SNP example; it was 12.4 MB with the LD window's matrices).
    let bytes = std::fs::metadata(sets.root.join("perfect/report.json"))
        .unwrap()
        .len();
    assert!(bytes <= 1_000_000, "report.json is {bytes} bytes");

    // One self-contained page: figures inline, nothing fetched.
    let figures = html.matches("<figure class=\"plot\"").count();
    assert!(figures >= 12, "{figures} figures");
    assert_eq!(html.matches("<svg").count(), figures);
    assert!(!html.contains("figure failed"));
    for forbidden in ["http:", "https:", "<script", "<link", "@import", "url("] {
        assert!(!html.contains(forbidden), "report contains {forbidden:?}");
    }
}

#[test]
fn copying_training_haplotypes_fails_privacy() {
    let sets = Sets::new();
    // No subsampling: the AGs are exactly the training haplotypes.
    let (report, _, stdout) = sets.eval_with(&sets.path("train.vcf.gz"), None, "copy", &[]);
    let a = &report["privacy"]["aats_train"];
    assert_eq!(a["nearest_median"]["synthetic_to_real"], 0.0);
    assert!(
        stdout.contains("AATS halves: AGs sit on real haplotypes"),
        "{stdout}"
    );
    // Every AG sits on a training haplotype: the worst leak scores AATS 0.
    assert_eq!(a["aa_syn"]["mean"].as_f64().unwrap(), 0.0);
    assert!(a["aats"]["mean"].as_f64().unwrap() < 0.05);
    assert_eq!(check(&report, "exact_copy_share")["status"], "fail");
    assert_eq!(check(&report, "aa_syn")["status"], "fail");
    assert_eq!(report["verdict"]["overall"], "fail");
}

#[test]
fn independent_sites_cannot_fool_the_verdict() {
    // AGs drawn site by site at the training frequencies: perfect allele frequencies, no LD.
    let sets = Sets::new();
    let train = read(&sets.path("train.vcf.gz"));
    let freqs = train.allele_frequencies();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 600;
    let values: Vec<u8> = (0..n * freqs.len())
        .map(|i| rng.random_bool(freqs[i % freqs.len()]) as u8)
        .collect();
    let samples = genosynth_core::Sample::numbered("AG_", n / 2, genosynth_core::Ploidy::Diploid);
    let ags = HaplotypeMatrix::from_dense_u8(&values, train.sites().clone(), samples).unwrap();
    let path = sets.path("independent.vcf.gz");
    genosynth_vcf::write(Path::new(&path), &ags, &Default::default()).unwrap();

    let (report, html, stdout) =
        sets.eval(&path, Some(&sets.path("holdout2.vcf.gz")), "independent");
    // Far from real haplotypes, farther still from each other: noise, not copies.
    let m = &report["privacy"]["aats_train"]["nearest_median"];
    let m = |k: &str| m[k].as_f64().unwrap();
    assert!(m("real_to_synthetic") > m("real_to_real"));
    assert!(m("synthetic_to_synthetic") > m("synthetic_to_real"));
    let reading = "AGs lie away from real haplotypes and farther still from each other";
    assert!(stdout.contains(reading), "{stdout}");
    assert!(html.contains(reading));
    assert_eq!(check(&report, "allele_frequency_r")["status"], "pass");
    let truth = check(&report, "aa_truth");
    assert!(truth["value"].as_f64().unwrap() > 0.9, "{truth}");
    assert_eq!(truth["status"], "fail");
    assert_eq!(check(&report, "ld_r2_correlation")["status"], "fail");
    let pca = check(&report, "pca_wasserstein_pc1_pc2");
    assert_ne!(pca["status"], "pass", "{pca}");
    assert_eq!(report["verdict"]["overall"], "fail");
}

#[test]
fn bad_inputs_are_clear_errors_and_write_nothing() {
    let sets = Sets::new();
    let train = read(&sets.path("train.vcf.gz"));
    // Same genotypes on other positions: nothing to compare.
    let shifted: genosynth_core::Sites = train
        .sites()
        .iter()
        .map(|s| {
            genosynth_core::Site::new(
                s.chrom.clone(),
                s.pos + 100_000,
                &*s.reference,
                &*s.alternate,
            )
        })
        .collect();
    let moved = train.clone().with_sites(shifted).unwrap();
    let moved_path = sets.path("moved.vcf.gz");
    genosynth_vcf::write(Path::new(&moved_path), &moved, &Default::default()).unwrap();
    let out = genosynth()
        .args([
            "eval",
            "--train",
            &sets.path("train.vcf.gz"),
            "--synthetic",
            &moved_path,
        ])
        .args(["-o", &sets.path("never")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no common site"), "{stderr}");
    assert!(!sets.root.join("never").exists());

    let out = genosynth()
        .args(["eval", "--train", &sets.path("train.vcf.gz"), "--synthetic"])
        .arg(sets.root.join("missing.vcf.gz"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.vcf.gz"));
}

#[test]
fn agbl4_unseen_haplotypes_with_split_multiallelics_and_indels_do_not_fail() {
    let Some(agbl4) = common::shared_data("AGBL4.train.vcf.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let split = ["--multiallelic", "split"];
    let mut args = vec!["split", agbl4.to_str().unwrap(), "--seed", "4"];
    args.extend(split);
    let (train, rest) = (p("train.bcf"), p("rest.bcf"));
    args.extend(["-o", &train, "--holdout-out", &rest]);
    genosynth_ok(&args);
    let (ags, reference) = (p("ags.bcf"), p("reference.bcf"));
    genosynth_ok(&[
        "split",
        &rest,
        "--seed",
        "5",
        "--train-fraction",
        "0.5",
        "-o",
        &ags,
        "--holdout-out",
        &reference,
    ]);
    let out = p("report");
    genosynth_ok(&[
        "eval",
        "--train",
        &train,
        "--synthetic",
        &ags,
        "--holdout",
        &reference,
        "-o",
        &out,
        "--max-haplotypes",
        "400",
    ]);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report/report.json")).unwrap(),
    )
    .unwrap();
    // 4,531 records, 60 multiallelic split into one site per ALT: every site matches by
    // CHROM/POS/REF/ALT, indels included.
    assert_eq!(report["inputs"]["sites"]["common"], 4594);
    assert_eq!(report["inputs"]["sites"]["synthetic_only"], 0);
    assert_ne!(
        report["verdict"]["overall"], "fail",
        "{}",
        report["verdict"]
    );
}

/// `eval --plan`: one more LD window centred on each join of the plan's segments, reported
/// beside the evenly spread ones and marked in the HTML plot; a file that is not a plan is a
/// clear error.
#[test]
fn a_window_plan_centres_ld_windows_on_its_joins() {
    let sets = Sets::new();
    let plan = sets.path("plan.json");
    genosynth_ok(&[
        "plan",
        &sets.path("train.vcf.gz"),
        "--window-sites",
        "300",
        "--model",
        "wgan",
        "-q",
        "-o",
        &plan,
    ]);
    let plan_json: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let joins: Vec<u64> = plan_json["windows"].as_array().unwrap()[1..]
        .iter()
        .map(|w| w["join_pos"].as_u64().unwrap())
        .collect();
    assert_eq!(joins.len(), 2);
    let (report, html, _) = sets.eval_with(
        &sets.path("unseen.vcf.gz"),
        Some(&sets.path("holdout2.vcf.gz")),
        "planned",
        &["--max-haplotypes", "600", "--plan", &plan],
    );
    let lw = &report["ld_windows"];
    let at: Vec<&Value> = lw["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| !w["boundary"].is_null())
        .collect();
    let centred: Vec<u64> = at.iter().map(|w| w["boundary"].as_u64().unwrap()).collect();
    assert_eq!(centred, joins);
    for w in &at {
        let b = w["boundary"].as_u64().unwrap();
        assert!(
            w["from"].as_u64().unwrap() < b && b < w["to"].as_u64().unwrap(),
            "{w}"
        );
    }
    assert!(lw["synthetic_at_boundaries"]["median"].is_f64(), "{lw}");
    assert!(html.contains("windows on model boundaries"));
    // The LD-along-the-chromosome plot draws each join as a dashed line named in its legend.
    assert!(
        html.contains(">\nmodel boundary\n</text>"),
        "no boundary marks in the LD plot"
    );

    let not_a_plan = sets.path("not-a-plan.json");
    std::fs::write(&not_a_plan, "{\"chrom\": \"1\"}").unwrap();
    let err = genosynth()
        .args(["eval", "--train", &sets.path("train.vcf.gz"), "--synthetic"])
        .args([&sets.path("unseen.vcf.gz"), "--plan", &not_a_plan])
        .args(["-o", &sets.path("bad-plan")])
        .output()
        .unwrap();
    assert!(!err.status.success());
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(stderr.contains("genosynth plan"), "{stderr}");
    assert!(!std::path::Path::new(&sets.path("bad-plan")).exists());
}

/// `--genetic-map` adds each segment distribution's length in cM (from a HapMap-layout map
/// here); a map without the evaluated chromosome stops eval before it writes anything.
#[test]
fn a_genetic_map_adds_centimorgans_and_one_without_the_chromosome_is_refused() {
    let sets = Sets::new();
    // 1 cM per 100 sites (positions 1..=805 in the example).
    let mut text = String::from("Chromosome\tPosition(bp)\tRate(cM/Mb)\tMap(cM)\n");
    for pos in (1..=805u64).step_by(50) {
        text.push_str(&format!("1\t{pos}\t10000\t{}\n", (pos - 1) as f64 / 100.0));
    }
    let map = sets.root.join("map.txt");
    std::fs::write(&map, text).unwrap();
    let map = map.to_str().unwrap();
    let (report, html, _) = sets.eval_with(
        &sets.path("unseen.vcf.gz"),
        Some(&sets.path("holdout2.vcf.gz")),
        "mapped",
        &["--max-haplotypes", "600", "--genetic-map", map],
    );
    let segments = &report["segments"];
    for side in [
        "synthetic_to_train",
        "synthetic_to_holdout",
        "holdout_to_train",
    ] {
        let cm = &segments[side]["cm"];
        let sites = &segments[side]["sites"];
        // A segment of n sites spans n − 1 sites' worth of cM, at most (n − 1) / 100.
        let (max_cm, max_sites) = (f(&cm["max"]), f(&sites["max"]));
        assert!(
            max_cm > 0.0 && max_cm <= (max_sites - 1.0) / 100.0 + 1e-9,
            "{side}: {cm}"
        );
    }
    assert!(html.contains("max (cM)"));

    let elsewhere = sets.root.join("chr2.map");
    std::fs::write(&elsewhere, "2 . 0.0 100\n2 . 1.0 900\n").unwrap();
    let out = genosynth()
        .args(["eval", "--train", &sets.path("train.vcf.gz"), "--synthetic"])
        .args([&sets.path("unseen.vcf.gz"), "--genetic-map"])
        .arg(&elsewhere)
        .args(["-o", &sets.path("refused")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("genetic_map: has no chromosome 1 (it maps 2)"),
        "{stderr}"
    );
    assert!(!sets.root.join("refused").exists());
}
