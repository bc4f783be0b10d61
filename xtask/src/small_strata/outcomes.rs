//! What a user gets from a `small-strata` setting: whether `synth` refuses each model (on its
//! validation people, or with `--weight-folds` on the folds' means), and how many written
//! models hold item 4's bounds on the test people.

use std::path::Path;

use anyhow::Context;

use super::Measured;

/// Whether the selected checkpoint in `model`'s model.json misses a privacy bound on the
/// validation people, as `synth`'s refusal judges it (`PrivacyBounds`; the TPR only where
/// recorded, i.e. resolvable).
pub(super) fn refused_on_validation(model: &Path) -> anyhow::Result<bool> {
    let path = model.join("model.json");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    )?;
    let Some(best) = meta.get("selection").and_then(|s| s.get("best")) else {
        return Ok(false);
    };
    let b = genosynth_core::PrivacyBounds::default();
    let over = |name: &str, max: f64, required: bool| match best.get(name) {
        Some(serde_json::Value::Number(v)) => v.as_f64().is_none_or(|v| v.is_nan() || v > max),
        // NaN is written as null; a required figure that is missing fails its bound.
        _ => required,
    };
    Ok(over("privacy_loss", b.max_privacy_loss, true)
        || over("membership_auc", b.max_membership_auc, true)
        || over("likelihood_auc", b.max_likelihood_auc, false)
        || over("likelihood_tpr", b.max_likelihood_tpr, false))
}

/// With weight folds, whether the kept rung (the last in `reference_weight.json`) missed a
/// bound on the mean of its folds; `None` without folds.
pub(super) fn folds_missed(model: &Path) -> anyhow::Result<Option<bool>> {
    let path = model.join("reference_weight.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let rungs: serde_json::Value = serde_json::from_str(&text)?;
    let last = rungs
        .as_array()
        .and_then(|r| r.last())
        .with_context(|| format!("{}: no rung", path.display()))?;
    if last.get("folds").and_then(serde_json::Value::as_u64) == Some(1) {
        return Ok(None);
    }
    Ok(last
        .get("missed")
        .and_then(serde_json::Value::as_array)
        .map(|m| !m.is_empty()))
}

/// Item 4's bounds on the test people: likelihood-attack AUC ≤ 0.60 and privacy loss ≤ 0.03.
fn within_both(m: &Measured) -> bool {
    let b = genosynth_core::PrivacyBounds::default();
    m.likelihood_auc.is_some_and(|a| a <= b.max_likelihood_auc)
        && m.figures.loss.is_some_and(|l| l <= b.max_privacy_loss)
}

/// What a user gets per setting: runs, written (not refused by `refused`), written and within
/// both bounds on the test people, written but outside them, refused yet within both.
pub(super) fn outcomes(of: &[&Measured], refused: &dyn Fn(&Measured) -> bool) -> [String; 4] {
    let written: Vec<&&Measured> = of.iter().filter(|m| !refused(m)).collect();
    let good = written.iter().filter(|m| within_both(m)).count();
    let refused_good = of.iter().filter(|m| refused(m) && within_both(m)).count();
    [
        written.len().to_string(),
        good.to_string(),
        (written.len() - good).to_string(),
        format!("{refused_good} of {}", of.len() - written.len()),
    ]
}
