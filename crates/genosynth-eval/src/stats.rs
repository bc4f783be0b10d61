//! Small numeric helpers shared by the statistics modules.

/// Pearson correlation of paired values, skipping pairs where either side is not finite.
///
/// Returns `NaN` when fewer than two pairs remain or either side has zero variance (the
/// correlation is undefined there, and a report must not pretend otherwise).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let pairs = || {
        x.iter()
            .zip(y)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
    };
    let n = pairs().count();
    if n < 2 {
        return f64::NAN;
    }
    let mx = pairs().map(|(a, _)| a).sum::<f64>() / n as f64;
    let my = pairs().map(|(_, b)| b).sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs() {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// Root mean squared difference of paired values (finite pairs only); `NaN` when none.
pub fn rmse(x: &[f64], y: &[f64]) -> f64 {
    let d: Vec<f64> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (a - b) * (a - b))
        .collect();
    if d.is_empty() {
        return f64::NAN;
    }
    (d.iter().sum::<f64>() / d.len() as f64).sqrt()
}

/// Arithmetic mean; `NaN` for an empty slice.
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        f64::NAN
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// Sample standard deviation (n − 1); 0 for fewer than two values.
pub fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// The `q` quantile (0..=1) with linear interpolation between order statistics, as numpy's
/// default; `NaN` for an empty slice.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// 1-Wasserstein (earth mover's) distance between two empirical samples.
///
/// Equals scipy's `wasserstein_distance(a, b)`: the area between the two empirical CDFs.
pub fn wasserstein(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let mut all: Vec<f64> = a.iter().chain(&b).copied().collect();
    all.sort_by(f64::total_cmp);
    let (mut ia, mut ib, mut total) = (0usize, 0usize, 0.0);
    for w in all.windows(2) {
        while ia < a.len() && a[ia] <= w[0] {
            ia += 1;
        }
        while ib < b.len() && b[ib] <= w[0] {
            ib += 1;
        }
        let fa = ia as f64 / a.len() as f64;
        let fb = ib as f64 / b.len() as f64;
        total += (fa - fb).abs() * (w[1] - w[0]);
    }
    total
}

/// 1-Wasserstein distance between two distributions given as counts over the integers
/// `0..len` (e.g. Hamming distance histograms), in the same units as the integers.
pub fn wasserstein_counts(a: &[u64], b: &[u64]) -> f64 {
    let na: u64 = a.iter().sum();
    let nb: u64 = b.iter().sum();
    if na == 0 || nb == 0 {
        return f64::NAN;
    }
    let len = a.len().max(b.len());
    let (mut ca, mut cb, mut total) = (0u64, 0u64, 0.0);
    for k in 0..len.saturating_sub(1) {
        ca += a.get(k).copied().unwrap_or(0);
        cb += b.get(k).copied().unwrap_or(0);
        total += (ca as f64 / na as f64 - cb as f64 / nb as f64).abs();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_of_a_line_is_one_and_undefined_for_constants() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]) - 0.997_95).abs() < 1e-4);
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    }

    #[test]
    fn wasserstein_of_shifted_samples_is_the_shift() {
        assert!((wasserstein(&[0.0, 1.0, 2.0], &[1.0, 2.0, 3.0]) - 1.0).abs() < 1e-12);
        assert!((wasserstein_counts(&[1, 1, 1, 0], &[0, 1, 1, 1]) - 1.0).abs() < 1e-12);
        // Same as the sample version on the expanded values.
        let w = wasserstein_counts(&[2, 0, 1], &[0, 3, 1]);
        let v = wasserstein(&[0.0, 0.0, 2.0], &[1.0, 1.0, 1.0, 2.0]);
        assert!((w - v).abs() < 1e-12);
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
    }
}
