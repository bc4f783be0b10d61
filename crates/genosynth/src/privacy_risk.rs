//! No silent leaks: a model none of whose validated checkpoints met the privacy bounds
//! ([`genosynth_core::PrivacyBounds`]) writes no AGs unless the risk is accepted explicitly,
//! and then the missed bounds travel with the AGs (`##genosynthPrivacyRisk` header, report).

use genosynth_eval::PrivacyRisk;
use genosynth_models::{Checkpoint, SelectionState};

use crate::{Error, Result};

/// The bounds the selected checkpoint of `selection` misses, as a risk record; `None` when it
/// meets them or nothing was validated.
pub fn risk_of(selection: &SelectionState) -> Option<PrivacyRisk> {
    let best = selection.best.as_ref()?;
    let misses = selection.rule.misses(best);
    (!misses.is_empty()).then(|| PrivacyRisk {
        accepted: true,
        selected_epoch: selection.best_epoch,
        failed: misses.iter().map(ToString::to_string).collect(),
    })
}

/// The risk of sampling `checkpoint`: its selection's missed bounds (`None` for a model
/// trained without selection, or within the bounds).
pub fn privacy_risk(checkpoint: &Checkpoint) -> Option<PrivacyRisk> {
    checkpoint.meta.selection.as_ref().and_then(risk_of)
}

/// Refuses ([`Error::PrivacyBounds`]) a model whose selection missed the privacy bounds,
/// unless `accept` (then the risk is returned, to record with the AGs).
///
/// # Errors
/// [`Error::PrivacyBounds`], saying which bounds failed, by how much, and what to try.
pub fn check_privacy(
    selection: Option<&SelectionState>,
    accept: bool,
) -> Result<Option<PrivacyRisk>> {
    let Some(state) = selection else {
        return Ok(None);
    };
    match risk_of(state) {
        None => Ok(None),
        Some(risk) if accept => Ok(Some(risk)),
        Some(risk) => Err(Error::PrivacyBounds {
            epoch: risk.selected_epoch,
            validation_people: state.validation_samples.len(),
            failed: risk.failed.join("; "),
        }),
    }
}

/// The `##genosynthPrivacyRisk=` header value:
/// `<ID=privacy_risk,accepted=true,epoch=40,failed="likelihood-attack AUC 0.960 > 0.6 (by 0.360)">`.
pub fn risk_header(risk: &PrivacyRisk) -> String {
    // Inside a quoted header string a double quote would end it early.
    let failed = risk.failed.join("; ").replace('"', "'");
    format!(
        "<ID=privacy_risk,accepted={},epoch={},failed=\"{failed}\">",
        risk.accepted,
        risk.selected_epoch
            .map_or_else(|| ".".to_string(), |e| e.to_string()),
    )
}

/// The risk recorded by [`risk_header`]; `None` when it does not parse.
pub fn risk_from_header(value: &str) -> Option<PrivacyRisk> {
    let inner = crate::header_value::inner(value)?;
    let (head, failed) = inner.split_once(",failed=")?;
    let field = |name: &str| crate::header_value::field(head, name);
    let failed = failed.strip_prefix('"')?.strip_suffix('"')?;
    Some(PrivacyRisk {
        accepted: field("accepted")?.parse().ok()?,
        selected_epoch: match field("epoch")? {
            "." => None,
            e => Some(e.parse().ok()?),
        },
        failed: failed.split("; ").map(str::to_string).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_models::{SelectionRule, ValidationScores};

    fn state(likelihood_auc: Option<f64>) -> SelectionState {
        let mut s = SelectionState::new(SelectionRule::default(), vec!["P1".into(), "P2".into()]);
        s.record(
            40,
            &ValidationScores {
                aa_truth: 0.5,
                aa_syn: 0.5,
                privacy_loss: 0.01,
                membership_auc: 0.52,
                ld_r2: 0.9,
                pca_w: 0.1,
                pairwise_w: 1.0,
                heldout_log_likelihood: None,
                likelihood_auc,
                likelihood_tpr: None,
                likelihood_population: None,
            },
        );
        s
    }

    #[test]
    fn a_leaking_model_is_refused_unless_the_risk_is_accepted() {
        assert_eq!(
            check_privacy(Some(&state(Some(0.55))), false).unwrap(),
            None
        );
        assert_eq!(check_privacy(None, false).unwrap(), None);
        let leaky = state(Some(0.96));
        let err = check_privacy(Some(&leaky), false).unwrap_err().to_string();
        assert!(
            err.contains("likelihood-attack AUC 0.960 > 0.6 (by 0.360)"),
            "{err}"
        );
        assert!(err.contains("epoch 40"), "{err}");
        assert!(err.contains("--accept-privacy-risk"), "{err}");
        assert!(err.contains("more people"), "{err}");
        let risk = check_privacy(Some(&leaky), true).unwrap().unwrap();
        assert_eq!(risk.selected_epoch, Some(40));
        assert_eq!(risk_from_header(&risk_header(&risk)), Some(risk));
        assert_eq!(risk_from_header("<ID=privacy_risk,accepted=x>"), None);
    }
}
