//! The distance-based membership-inference attack: members (training people) told from
//! non-members (holdout people) by how close their nearest AG lies.

/// ROC AUC of telling members (train) from non-members (holdout) by closeness to the nearest
/// AG: `P(d_member < d_nonmember) + ½ P(equal)`, as scikit-learn's `roc_auc_score` with score
/// `−distance`. 0.5 means the AGs do not reveal who was in the training set.
pub fn membership_auc(member_distances: &[u32], nonmember_distances: &[u32]) -> f64 {
    if member_distances.is_empty() || nonmember_distances.is_empty() {
        return f64::NAN;
    }
    let max = member_distances
        .iter()
        .chain(nonmember_distances)
        .copied()
        .max()
        .unwrap_or(0) as usize;
    let mut non = vec![0u64; max + 2];
    for &d in nonmember_distances {
        non[d as usize] += 1;
    }
    // greater[d] = non-members strictly farther than d.
    let mut greater = vec![0u64; max + 2];
    for d in (0..=max).rev() {
        greater[d] = greater[d + 1] + non[d + 1];
    }
    let wins: f64 = member_distances
        .iter()
        .map(|&d| greater[d as usize] as f64 + 0.5 * non[d as usize] as f64)
        .sum();
    wins / (member_distances.len() as f64 * nonmember_distances.len() as f64)
}

/// True-positive rate of the distance attack ("member" when an AG lies within distance t)
/// at the threshold that keeps the false-positive rate at or below `max_fpr`: the share of
/// members it exposes while wrongly accusing at most that share of non-members. A leak
/// confined to a few people shows here long before it moves the AUC. As scikit-learn's
/// `roc_curve(drop_intermediate=False)` read at the last point with FPR ≤ `max_fpr`. With n
/// non-members, rates below 1/n mean "no false positive at all".
pub fn membership_tpr_at_fpr(
    member_distances: &[u32],
    nonmember_distances: &[u32],
    max_fpr: f64,
) -> f64 {
    if member_distances.is_empty() || nonmember_distances.is_empty() {
        return f64::NAN;
    }
    let mut members = member_distances.to_vec();
    let mut non = nonmember_distances.to_vec();
    members.sort_unstable();
    non.sort_unstable();
    let (n_mem, n_non) = (members.len() as f64, non.len() as f64);
    // Thresholds at every distinct distance, ascending: rates only grow.
    let mut thresholds: Vec<u32> = members.iter().chain(&non).copied().collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let mut best = 0.0;
    for t in thresholds {
        let fp = non.partition_point(|&d| d <= t) as f64;
        if fp / n_non > max_fpr {
            break;
        }
        best = members.partition_point(|&d| d <= t) as f64 / n_mem;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_half() {
        assert_eq!(membership_auc(&[0, 0], &[5, 5]), 1.0);
        assert_eq!(membership_auc(&[5], &[0]), 0.0);
        assert_eq!(membership_auc(&[3, 3], &[3, 3]), 0.5);
        assert!((membership_auc(&[1, 4], &[2, 4]) - 0.625).abs() < 1e-12);
    }

    #[test]
    fn tpr_at_low_fpr_counts_members_exposed_before_the_first_false_accusation() {
        // 100 non-members at distances 10..110; members: 5 copies (0) and 95 like non-members.
        let non: Vec<u32> = (10..110).collect();
        let mut mem = vec![0u32; 5];
        mem.extend(15..110);
        // FPR ≤ 1%: threshold 10 (one non-member) exposes the 5 copies only.
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 0.01), 0.05);
        // FPR 0: threshold below 10, still the 5 copies.
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 0.001), 0.05);
        // FPR ≤ 10%: threshold 19 exposes the copies and 15..=19.
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 0.1), 0.10);
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 1.0), 1.0);
        // Members no closer than non-members: nothing below the first non-member.
        assert_eq!(membership_tpr_at_fpr(&non, &non, 0.001), 0.0);
        assert!(membership_tpr_at_fpr(&[], &non, 0.01).is_nan());
    }
}
