//! The privacy bounds that checkpoint selection, the refusal to write the AGs of a model
//! outside them, and the verdict of an evaluation all apply: one place, so the three never
//! disagree. They live here, below genosynth-models (selection) and genosynth-eval (verdict),
//! because neither crate sees the other.

use serde::{Deserialize, Serialize};

/// The false-positive rate at which membership attacks are judged (Carlini et al. 2022).
pub const ATTACK_FPR: f64 = 0.01;

/// What a model must hold on people it never saw before its AGs are written.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrivacyBounds {
    /// Largest privacy loss, AATS(validation) − AATS(train) (0.03).
    pub max_privacy_loss: f64,
    /// Largest ROC AUC of the distance attack (nearest AG) (0.55).
    pub max_membership_auc: f64,
    /// Largest ROC AUC of the likelihood attack (the model's own likelihood or free energy of
    /// each person), for models that have one (0.60: on the 805-SNP example the default HCLT
    /// on 1,002 people scores 0.52–0.54, one fitted to 80 people 0.96–0.99).
    pub max_likelihood_auc: f64,
    /// Largest true-positive rate of the likelihood attack at [`ATTACK_FPR`], judged only
    /// where it is resolvable ([`resolvable`]) (0.05: five times chance).
    pub max_likelihood_tpr: f64,
}

impl Default for PrivacyBounds {
    fn default() -> Self {
        Self {
            max_privacy_loss: 0.03,
            max_membership_auc: 0.55,
            max_likelihood_auc: 0.60,
            max_likelihood_tpr: 0.05,
        }
    }
}

/// Whether a true-positive rate at false-positive rate `fpr` can be read from `non_members`
/// scored non-members: below 1/n, the only reachable rate is "no false positive at all".
pub fn resolvable(non_members: usize, fpr: f64) -> bool {
    non_members > 0 && non_members as f64 * fpr >= 1.0 - 1e-9
}

/// Non-members an attack needs to resolve a false-positive rate of `fpr` (100 at 1%).
pub fn non_members_needed(fpr: f64) -> usize {
    (1.0 / fpr - 1e-9).ceil() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_percent_needs_a_hundred_non_members() {
        assert_eq!(non_members_needed(0.01), 100);
        assert_eq!(non_members_needed(0.001), 1000);
        assert!(resolvable(100, 0.01));
        assert!(!resolvable(99, 0.01));
        assert!(!resolvable(32, 0.001));
        assert!(!resolvable(0, 0.5));
    }
}
