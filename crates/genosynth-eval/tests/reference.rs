//! genosynth-eval against the Python reference (numpy, scipy, scikit-learn, scikit-allel):
//! tests/reference/reference.py computed fixtures/expected.json from the fixtures; this test
//! recomputes every value in Rust and compares to 1e-6 (PCA up to each component's sign).
//! When python3 has the pinned packages (tests/reference/requirements.txt) it also re-runs the
//! script and checks the committed expected values are what the reference computes today.

use std::path::PathBuf;
use std::process::Command;

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_eval::distance::{Nearest, RowSet, scan_between, scan_within};
use genosynth_eval::privacy::{aats, membership_auc, membership_tpr_at_fpr};
use genosynth_eval::stats::wasserstein_counts;
use genosynth_eval::{
    FOLDS, Features, LEARNERS, Learner, allele_frequency_stats, cross_validated_scores, fit_pca,
    hudson_fst, ld_r2_correlation, ld_window, roc_auc,
};
use serde_json::Value;

const TOL: f64 = 1e-6;

fn reference_dir() -> PathBuf {
    // The Python reference is the workspace's (genosynth-models' DP accountant shares it).
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference")
}

fn fixture(name: &str) -> HaplotypeMatrix {
    let path = reference_dir().join("fixtures").join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).expect("fixture present");
    let rows: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let n_sites = rows[0].len();
    let values: Vec<u8> = rows
        .iter()
        .flat_map(|r| r.bytes().map(|b| b - b'0'))
        .collect();
    let sites: Sites = (1..=n_sites as u64)
        .map(|p| Site::new("1", p, "A", "G"))
        .collect();
    HaplotypeMatrix::from_dense_u8(
        &values,
        sites,
        Sample::numbered(name, rows.len(), Ploidy::Haploid),
    )
    .expect("0/1 fixture")
}

fn expected() -> Value {
    let path = reference_dir().join("fixtures/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json")
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(f).collect()
}

fn close(name: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL || (got.is_nan() && want.is_nan()),
        "{name}: genosynth {got} vs reference {want}"
    );
}

fn close_all(name: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        close(&format!("{name}[{i}]"), *g, *w);
    }
}

fn distances(n: &[Nearest]) -> Vec<u32> {
    n.iter().map(|x| x.distance).collect()
}

#[test]
fn statistics_match_the_python_reference() {
    let (train, holdout, syn) = (fixture("train"), fixture("holdout"), fixture("synthetic"));
    let e = expected();

    let af = allele_frequency_stats(&train, &syn);
    close_all("af_train", &af.reference, &floats(&e["af_train"]));
    close_all("af_synthetic", &af.compared, &floats(&e["af_synthetic"]));
    close("af_pearson", af.pearson_r, f(&e["af_pearson"]));

    let n = train.n_sites();
    let ld = ld_window(&train, &syn, n);
    close_all("r2_train", &ld.reference_r2, &floats(&e["r2_train"]));
    close("ld_r2_pearson", ld.pearson_r, f(&e["ld_r2_pearson"]));
    close(
        "ld_r2_correlation",
        ld_r2_correlation(&train, &syn, n),
        f(&e["ld_r2_pearson"]),
    );

    let model = fit_pca(&train, 4, 1);
    assert_eq!(
        model.sites.len() as u64,
        e["pca_sites_used"].as_u64().unwrap()
    );
    close_all(
        "pca_explained_variance_ratio",
        &model.explained_variance_ratio,
        &floats(&e["pca_explained_variance_ratio"]),
    );
    for (set, m) in [("train", &train), ("synthetic", &syn)] {
        let got = model.transform(m);
        let want: Vec<Vec<f64>> = e[format!("pca_coords_{set}")]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        for k in 0..4 {
            let g: Vec<f64> = got.iter().map(|r| r[k]).collect();
            let w: Vec<f64> = want.iter().map(|r| r[k]).collect();
            // Singular vectors are defined up to sign; align on the reference's sign.
            let dot: f64 = g.iter().zip(&w).map(|(a, b)| a * b).sum();
            let g: Vec<f64> = g.iter().map(|v| v * dot.signum()).collect();
            close_all(&format!("pca_coords_{set} PC{}", k + 1), &g, &w);
        }
    }

    close(
        "hudson_fst_train_synthetic",
        hudson_fst(&train, &syn),
        f(&e["hudson_fst_train_synthetic"]),
    );
    close(
        "hudson_fst_train_holdout",
        hudson_fst(&train, &holdout),
        f(&e["hudson_fst_train_holdout"]),
    );

    let a = aats(&train, &syn, 1, 0, None);
    let ea = &e["aats_train_synthetic"];
    close("aa_truth", a.aa_truth.mean, f(&ea["aa_truth"]));
    close("aa_syn", a.aa_syn.mean, f(&ea["aa_syn"]));
    close("aats", a.aats.mean, f(&ea["aats"]));
    let m = a.nearest_median;
    for (i, (name, ours)) in [
        ("median d_TT", m.real_to_real),
        ("median d_TS", m.real_to_synthetic),
        ("median d_ST", m.synthetic_to_real),
        ("median d_SS", m.synthetic_to_synthetic),
    ]
    .into_iter()
    .enumerate()
    {
        close(name, ours, f(&ea["nearest_median"][i]));
    }

    let ts = scan_between(RowSet::all(&train), RowSet::all(&syn));
    let hs = scan_between(RowSet::all(&holdout), RowSet::all(&syn));
    close(
        "membership_auc",
        membership_auc(&distances(&ts.first), &distances(&hs.first)),
        f(&e["membership_auc"]),
    );
    for fpr in ["0.01", "0.1"] {
        close(
            "membership TPR at low FPR",
            membership_tpr_at_fpr(
                &distances(&ts.first),
                &distances(&hs.first),
                fpr.parse().unwrap(),
            ),
            f(&e["membership_tpr_at_fpr"][fpr]),
        );
    }
    let dcr: Vec<f64> = ts.second.iter().map(|n| n.distance as f64).collect();
    close_all("dcr_train", &dcr, &floats(&e["dcr_train"]));
    assert_eq!(
        dcr.iter().filter(|&&d| d == 0.0).count() as u64,
        e["exact_copies"].as_u64().unwrap()
    );
    let w = wasserstein_counts(
        &scan_within(RowSet::all(&train)).histogram,
        &scan_within(RowSet::all(&syn)).histogram,
    );
    close("wasserstein_within", w, f(&e["wasserstein_within"]));
}

/// The classifier two-sample test's learners against scikit-learn's on the same features and
/// folds: AGs (the synthetic fixture) against the holdout, dosages at the sites polymorphic in
/// the two sets, then the train-fitted PCs.
#[test]
fn classifiers_match_scikit_learn() {
    let (train, holdout, syn) = (fixture("train"), fixture("holdout"), fixture("synthetic"));
    let e = &expected()["detection"];
    let model = fit_pca(&train, 4, 1);
    let sets = [&syn, &holdout];
    let poly: Vec<usize> = (0..syn.n_sites())
        .filter(|&s| {
            let alt = sets
                .iter()
                .map(|m| m.column(s).filter(|&a| a).count())
                .sum::<usize>();
            alt > 0 && alt < syn.n_haplotypes() + holdout.n_haplotypes()
        })
        .collect();
    assert_eq!(poly.len() as u64, e["site_features"].as_u64().unwrap());
    let mut values = Vec::new();
    let (mut labels, mut folds) = (Vec::new(), Vec::new());
    for (m, positive) in [(&syn, true), (&holdout, false)] {
        for (h, pcs) in model.transform(m).iter().enumerate() {
            values.extend(poly.iter().map(|&s| f64::from(u8::from(m.get(h, s)))));
            values.extend(pcs);
            labels.push(positive);
            folds.push(h % FOLDS);
        }
    }
    let x = Features {
        values,
        cols: poly.len() + 4,
    };
    let n_syn = syn.n_haplotypes();
    for learner in LEARNERS {
        let scores = cross_validated_scores(&x, &labels, &folds, learner);
        let auc = roc_auc(&scores[..n_syn], &scores[n_syn..]);
        match learner {
            Learner::Logistic { .. } => {
                // Both solvers stop at a small gradient, not at the exact optimum.
                for (i, (got, want)) in scores.iter().zip(floats(&e["logistic_scores"])).enumerate()
                {
                    assert!(
                        (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                        "logistic score {i}: genosynth {got} vs scikit-learn {want}"
                    );
                }
                close("logistic_auc", auc, f(&e["logistic_auc"]));
            }
            Learner::Neighbours { .. } => {
                close_all(
                    "neighbour scores",
                    &scores,
                    &floats(&e["neighbours_scores"]),
                );
                close("neighbours_auc", auc, f(&e["neighbours_auc"]));
                // scikit-learn breaks ties at the k-th distance by index, not by share.
                let sk = f(&e["neighbours_auc_sklearn"]);
                assert!((auc - sk).abs() <= 0.02, "{auc} vs scikit-learn {sk}");
            }
        }
    }
}

/// Re-runs the reference script when the pinned packages are installed, so a stale
/// expected.json cannot hide a change in the reference.
#[test]
fn committed_expected_values_are_what_the_reference_computes() {
    let probe = Command::new("python3")
        .args(["-c", "import numpy, scipy, sklearn, allel"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "SKIP: python3 with numpy/scipy/scikit-learn/scikit-allel is absent \
             (python3 -m pip install -r tests/reference/requirements.txt)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("expected.json");
    let status = Command::new("python3")
        .arg(reference_dir().join("reference.py"))
        .arg("--out")
        .arg(&out)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "reference.py failed");
    let fresh: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    compare_json("", &fresh, &expected());
}

fn compare_json(path: &str, a: &Value, b: &Value) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                if k == "versions" {
                    continue;
                }
                compare_json(&format!("{path}.{k}"), v, &y[k]);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                compare_json(&format!("{path}[{i}]"), v, w);
            }
        }
        (Value::Number(_), Value::Number(_)) => {
            let (x, y) = (f(a), f(b));
            // PCA signs may differ between LAPACK builds; the logistic fit stops at a tolerance.
            let tol = if path.contains("detection") {
                1e-6
            } else {
                1e-9
            };
            assert!(
                (x - y).abs() <= tol || (path.contains("pca_coords") && (x + y).abs() <= 1e-9),
                "{path}: fresh {x} vs committed {y}"
            );
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}
