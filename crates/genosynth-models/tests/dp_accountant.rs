//! The RDP accountant against Google's dp-accounting (tests/reference/dp_reference.py wrote
//! tests/reference/fixtures/dp_expected.json): over the same orders ε agrees within 1% on a
//! grid of noise multipliers, sampling rates, step counts and δ; against dp-accounting's
//! default orders (with fractional ones) ours is never smaller by more than the one order
//! it adds (64) can give.

use std::path::PathBuf;
use std::process::Command;

use genosynth_models::dp;
use serde_json::Value;

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference")
}

fn expected(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("dp_expected.json")).expect("json")
}

fn check(e: &Value) {
    let orders: Vec<u32> = e["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(orders, dp::rdp_orders(), "the reference used other orders");
    let cases = e["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 180);
    for c in cases {
        let f = |k: &str| c[k].as_f64().unwrap();
        let (sigma, q, steps, delta) =
            (f("sigma"), f("q"), c["steps"].as_u64().unwrap(), f("delta"));
        let ours = dp::epsilon(sigma, q, steps, delta).unwrap().epsilon;
        let theirs = f("epsilon");
        assert!(
            (ours - theirs).abs() <= 0.01 * theirs.max(1e-9),
            "σ {sigma} q {q} steps {steps} δ {delta}: ours {ours}, dp-accounting {theirs}"
        );
        let default_orders = f("epsilon_default_orders");
        assert!(
            ours >= 0.97 * default_orders,
            "σ {sigma} q {q} steps {steps} δ {delta}: ours {ours} < dp-accounting's default {default_orders}"
        );
    }
}

#[test]
fn epsilon_agrees_with_dp_accounting() {
    check(&expected(
        &reference_dir().join("fixtures/dp_expected.json"),
    ));
}

/// Re-runs the reference when dp-accounting is installed, so a stale fixture cannot hide a
/// change in it.
#[test]
fn committed_fixture_is_what_dp_accounting_computes() {
    let probe = Command::new("python3")
        .args(["-c", "import dp_accounting"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "SKIP: python3 with dp-accounting is absent \
             (python3 -m pip install -r tests/reference/requirements.txt)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dp_expected.json");
    let status = Command::new("python3")
        .arg(reference_dir().join("dp_reference.py"))
        .arg("--out")
        .arg(&out)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "dp_reference.py failed");
    check(&expected(&out));
}
