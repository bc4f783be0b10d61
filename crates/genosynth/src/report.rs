//! What the evaluation report learns from the model directory and the guard: the selection
//! trajectory, the guard, the DP-SGD guarantee and the likelihood membership attack.

use genosynth_core::HaplotypeMatrix;
use genosynth_eval::{
    DpGuarantee, GuardInfo, PrivacyRisk, ScoreAttack, Trajectory, TrajectoryPoint,
};
use genosynth_models::{Checkpoint, PrivacyRecord, ValidationScores};

use crate::GuardReport;

/// The validation trajectory of a checkpoint trained with selection (`None` without).
pub fn trajectory(checkpoint: &Checkpoint) -> Option<Trajectory> {
    let selection = checkpoint.meta.selection.as_ref()?;
    let points = checkpoint
        .history
        .iter()
        .filter_map(|line| {
            let mut value: serde_json::Value = serde_json::from_str(line).ok()?;
            let epoch = value.get("epoch")?.as_u64()? as usize;
            let scores: ValidationScores =
                serde_json::from_value(value.get_mut("validation")?.take()).ok()?;
            Some(point(epoch, &scores))
        })
        .collect();
    Some(Trajectory {
        rule: selection.rule.describe(),
        selected_epoch: selection.best_epoch,
        points,
    })
}

fn point(epoch: usize, s: &ValidationScores) -> TrajectoryPoint {
    TrajectoryPoint {
        epoch,
        aa_truth: s.aa_truth,
        aa_syn: s.aa_syn,
        privacy_loss: s.privacy_loss,
        membership_auc: s.membership_auc,
        ld_r2: s.ld_r2,
        pca_w: s.pca_w,
        pairwise_w: s.pairwise_w,
        heldout_log_likelihood: s.heldout_log_likelihood,
    }
}

/// The report's view of what the guard did.
pub fn guard_info(g: &GuardReport) -> GuardInfo {
    GuardInfo {
        min_distance: g.threshold,
        auto: g.auto,
        redrawn: g.redrawn,
        rounds: g.rounds,
    }
}

/// The guard recorded in an AG file's `##genosynthGuard=` header value
/// (`<ID=guard,min_distance=12,auto=true,redrawn=3,rounds=1>`); `None` when it does not parse.
pub fn guard_from_header(value: &str) -> Option<GuardInfo> {
    let inner = crate::header_value::inner(value)?;
    let field = |name: &str| crate::header_value::field(inner, name);
    Some(GuardInfo {
        min_distance: field("min_distance")?.parse().ok()?,
        auto: field("auto")?.parse().ok()?,
        redrawn: field("redrawn")?.parse().ok()?,
        rounds: field("rounds")?.parse().ok()?,
    })
}

/// Where AGs came from, as their report records it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// The checkpoint's selection trajectory.
    pub selection: Option<Trajectory>,
    /// The generation guard, from the AGs' `##genosynthGuard` header.
    pub guard: Option<GuardInfo>,
    /// The DP-SGD guarantee: the checkpoint's, or else the AGs' `##genosynthDp` header's.
    pub differential_privacy: Option<DpGuarantee>,
    /// The privacy bounds the model missed when its AGs were written anyway: the AGs'
    /// `##genosynthPrivacyRisk` header's, or else the checkpoint's.
    pub privacy_risk: Option<PrivacyRisk>,
    /// The private alleles the model did not learn: the checkpoint's record, or else the AGs'
    /// `##genosynthPrivateAlleles` header's.
    pub private_alleles: Option<genosynth_eval::MaskedAlleles>,
}

/// What the model directory (when known) and the AG file's header metadata (`(key, value)`
/// pairs, as genosynth-vcf reads them) say about the AGs.
pub fn provenance(checkpoint: Option<&Checkpoint>, header: &[(String, String)]) -> Provenance {
    let meta = |key: &str| {
        header
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    Provenance {
        selection: checkpoint.and_then(trajectory),
        guard: meta("genosynthGuard").and_then(guard_from_header),
        differential_privacy: checkpoint
            .and_then(|ck| ck.meta.privacy.as_ref())
            .map(dp_guarantee)
            .or_else(|| meta("genosynthDp").and_then(dp_from_header)),
        privacy_risk: meta("genosynthPrivacyRisk")
            .and_then(crate::risk_from_header)
            .or_else(|| checkpoint.and_then(crate::privacy_risk)),
        private_alleles: checkpoint
            .and_then(masked_alleles)
            .or_else(|| meta("genosynthPrivateAlleles").and_then(private_alleles_from_header)),
    }
}

/// The report's view of a DP-SGD record (`model.json`'s `privacy`).
pub fn dp_guarantee(p: &PrivacyRecord) -> DpGuarantee {
    DpGuarantee {
        mechanism: p.mechanism.clone(),
        unit: p.unit.clone(),
        epsilon: p.epsilon,
        delta: p.delta,
        noise_multiplier: p.noise_multiplier,
        sampling_rate: p.sampling_rate,
        steps: p.steps,
        clip: p.clip,
    }
}

/// The `##genosynthPrivateAlleles=` header value of AGs from a model that did not learn its
/// input's private alleles (`--private-allele-min-count`):
/// `<ID=private_alleles,min_count=5,sites=1182,alleles=1240>` (sites kept but not modelled:
/// no reference person and fewer than `min_count` input haplotypes, none included, carry
/// their alternate allele; the AGs carry the reference allele there; `alleles`: how many
/// training alleles were set to the reference allele).
pub fn private_alleles_header(p: &genosynth_models::PrivateAlleles) -> String {
    format!(
        "<ID=private_alleles,min_count={},sites={},alleles={}>",
        p.min_count, p.sites, p.alleles
    )
}

/// The report's view of a checkpoint's masked private alleles (`model.json`'s
/// `private_alleles`).
pub fn masked_alleles(checkpoint: &Checkpoint) -> Option<genosynth_eval::MaskedAlleles> {
    checkpoint
        .meta
        .private_alleles
        .as_ref()
        .map(|p| genosynth_eval::MaskedAlleles {
            min_count: p.min_count,
            sites: p.sites,
            alleles: p.alleles,
        })
}

/// Parses a `##genosynthPrivateAlleles=` header value ([`private_alleles_header`]).
pub fn private_alleles_from_header(value: &str) -> Option<genosynth_eval::MaskedAlleles> {
    let inner = crate::header_value::inner(value)?;
    let field =
        |name: &str| -> Option<usize> { crate::header_value::field(inner, name)?.parse().ok() };
    Some(genosynth_eval::MaskedAlleles {
        min_count: field("min_count")?,
        sites: field("sites")?,
        alleles: field("alleles")?,
    })
}

/// The `##genosynthDp=` header value of AGs from a private model:
/// `<ID=dp,mechanism=dp-sgd,unit=individual,epsilon=2.97,delta=1e-5,...>`.
pub fn dp_header(p: &PrivacyRecord) -> String {
    format!(
        "<ID=dp,mechanism={},unit={},epsilon={},delta={:e},noise_multiplier={},sampling_rate={},steps={},clip={}>",
        p.mechanism,
        p.unit,
        p.epsilon,
        p.delta,
        p.noise_multiplier,
        p.sampling_rate,
        p.steps,
        p.clip
    )
}

/// The guarantee recorded by [`dp_header`]; `None` when it does not parse.
pub fn dp_from_header(value: &str) -> Option<DpGuarantee> {
    let inner = crate::header_value::inner(value)?;
    let field = |name: &str| crate::header_value::field(inner, name);
    Some(DpGuarantee {
        mechanism: field("mechanism")?.to_string(),
        unit: field("unit")?.to_string(),
        epsilon: field("epsilon")?.parse().ok()?,
        delta: field("delta")?.parse().ok()?,
        noise_multiplier: field("noise_multiplier")?.parse().ok()?,
        sampling_rate: field("sampling_rate")?.parse().ok()?,
        steps: field("steps")?.parse().ok()?,
        clip: field("clip")?.parse().ok()?,
    })
}

/// The likelihood membership attack: each training person (member) and each held-out person
/// (non-member) scored by the mean of the model's score of their haplotypes
/// ([`genosynth_models::haplotype_scores`]); `None` for models without a likelihood or free
/// energy. Its AUC and TPR at 1% FPR carry 95% bootstrap intervals over people drawn with
/// `seed`.
///
/// # Errors
/// Either set's sites differ from the model's.
pub fn likelihood_attack(
    checkpoint: &Checkpoint,
    members: &HaplotypeMatrix,
    non_members: &HaplotypeMatrix,
    seed: u64,
) -> crate::Result<Option<ScoreAttack>> {
    let Some((kind, member_scores)) = genosynth_models::haplotype_scores(checkpoint, members)?
    else {
        return Ok(None);
    };
    let (_, non_scores) = genosynth_models::haplotype_scores(checkpoint, non_members)?
        .expect("the same model scores both sets");
    Ok(Some(genosynth_eval::score_attack_with_intervals(
        kind.name(),
        &per_person(members, &member_scores),
        &per_person(non_members, &non_scores),
        seed,
    )))
}

/// Mean score of each sample's haplotypes.
pub(crate) fn per_person(m: &HaplotypeMatrix, scores: &[f64]) -> Vec<f64> {
    let mut sums = vec![(0.0, 0usize); m.samples().len()];
    for (id, s) in m.haplotype_ids().iter().zip(scores) {
        let e = &mut sums[id.sample as usize];
        e.0 += s;
        e.1 += 1;
    }
    sums.into_iter().map(|(s, n)| s / n.max(1) as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_header_round_trips() {
        let g = GuardReport {
            threshold: 12,
            auto: true,
            redrawn: 3,
            rounds: 1,
        };
        assert_eq!(guard_from_header(&g.header_value()), Some(guard_info(&g)));
        assert_eq!(guard_from_header("<ID=guard,min_distance=x>"), None);
    }

    #[test]
    fn the_private_alleles_header_round_trips() {
        let p = genosynth_models::PrivateAlleles {
            min_count: 5,
            sites: 624,
            alleles: 696,
        };
        let header = private_alleles_header(&p);
        assert_eq!(
            header,
            "<ID=private_alleles,min_count=5,sites=624,alleles=696>"
        );
        let read = private_alleles_from_header(&header).unwrap();
        assert_eq!((read.min_count, read.sites, read.alleles), (5, 624, 696));
        assert_eq!(
            private_alleles_from_header("<ID=private_alleles,min_count=5>"),
            None
        );
    }

    #[test]
    fn the_dp_header_round_trips() {
        let p = PrivacyRecord {
            mechanism: "dp-sgd".into(),
            unit: "individual".into(),
            noise_multiplier: 1.25,
            sampling_rate: 0.2495,
            steps: 500,
            steps_per_epoch: 5,
            clip: 100.0,
            delta: 1e-4,
            epsilon: 2.9871,
            epsilon_budget: 3.0,
            accountant: "rdp".into(),
        };
        assert_eq!(dp_from_header(&dp_header(&p)), Some(dp_guarantee(&p)));
        assert_eq!(dp_from_header("<ID=dp,epsilon=x>"), None);
    }
}
