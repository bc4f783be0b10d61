//! A pruning pass over both sets sorted by their bits: rows that agree on their first sites
//! (related haplotypes) become neighbours, so a kernel step of 4 × 16 pairs tends to be all
//! near or all far, and a far one is abandoned whole. Results are reported in the callers'
//! order, ties broken on the callers' indices, so the order changes nothing but the work.

use super::{PairScan, RowSet, Run, scan_batches};

/// Positions of `set` sorted by their rows' words (ties by position).
fn order(set: RowSet<'_>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..set.len()).collect();
    order.sort_unstable_by(|&x, &y| set.row(x).cmp(set.row(y)).then(x.cmp(&y)));
    order
}

/// Where each position went: `inverse[order[p]] = p`.
fn inverse(order: &[usize]) -> Vec<usize> {
    let mut inverse = vec![0; order.len()];
    for (p, &x) in order.iter().enumerate() {
        inverse[x] = p;
    }
    inverse
}

/// `values` (in sorted order) back in the caller's order.
fn unsort<T: Copy>(values: &mut [T], order: &[usize]) {
    let sorted = values.to_vec();
    for (p, &x) in order.iter().enumerate() {
        values[x] = sorted[p];
    }
}

/// [`scan_batches`] with pruning between `a` and `b`, visiting both in sorted order.
pub(super) fn scan(a: RowSet<'_>, b: RowSet<'_>, runs: &[Run<'_>], avx512: bool) -> PairScan {
    let (order_a, order_b) = (order(a), order(b));
    let view = |set: RowSet<'_>, order: &[usize]| -> (Vec<usize>, Vec<u32>) {
        let rows = order.iter().map(|&p| set.matrix_row(p)).collect();
        let labels = order.iter().map(|&p| set.label(p)).collect();
        (rows, labels)
    };
    let (rows_a, labels_a) = view(a, &order_a);
    let (rows_b, labels_b) = view(b, &order_b);
    let sorted_a = RowSet {
        labels: Some(&labels_a),
        ..RowSet::subset(a.matrix, &rows_a)
    };
    let sorted_b = RowSet {
        labels: Some(&labels_b),
        ..RowSet::subset(b.matrix, &rows_b)
    };
    let (inverse_a, inverse_b) = (inverse(&order_a), inverse(&order_b));
    let moved = |subset: Option<&[usize]>, inverse: &[usize]| {
        subset.map(|s| s.iter().map(|&p| inverse[p]).collect::<Vec<_>>())
    };
    let subsets: Vec<_> = runs
        .iter()
        .map(|(x, y)| (moved(*x, &inverse_a), moved(*y, &inverse_b)))
        .collect();
    let sorted_runs: Vec<Run<'_>> = subsets
        .iter()
        .map(|(x, y)| (x.as_deref(), y.as_deref()))
        .collect();
    let mut scan = scan_batches(sorted_a, sorted_b, false, &sorted_runs, avx512, true);
    unsort(&mut scan.first, &order_a);
    unsort(&mut scan.second, &order_b);
    for run in &mut scan.runs {
        unsort(&mut run.first, &order_a);
        unsort(&mut run.second, &order_b);
    }
    scan
}
