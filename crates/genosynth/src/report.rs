//! What the evaluation report learns from the model directory and the guard.

use genosynth_eval::{GuardInfo, Trajectory, TrajectoryPoint};
use genosynth_models::{Checkpoint, ValidationScores};

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
    let inner = value.strip_prefix('<')?.strip_suffix('>')?;
    let field = |name: &str| {
        inner
            .split(',')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    Some(GuardInfo {
        min_distance: field("min_distance")?.parse().ok()?,
        auto: field("auto")?.parse().ok()?,
        redrawn: field("redrawn")?.parse().ok()?,
        rounds: field("rounds")?.parse().ok()?,
    })
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
}
