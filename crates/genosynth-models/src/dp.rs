//! Privacy accounting for DP-SGD: Rényi differential privacy (RDP, Mironov 2017) of the
//! Poisson-subsampled Gaussian mechanism (Mironov, Talwar and Zhang 2019), composed over
//! training steps and converted to (ε, δ).
//!
//! One step releases a sum of per-example gradients clipped to norm C plus Gaussian noise of
//! standard deviation σ·C, over a batch that includes each example independently with
//! probability q. Its RDP at an integer order α is
//! `log(Σₖ C(α,k) (1−q)^(α−k) qᵏ exp((k²−k)/(2σ²))) / (α−1)`; steps add up; and (ε, δ)
//! follows from the best order by Proposition 12 of Canonne, Kamath and Steinke (2020),
//! `ε = rdp + log(1 − 1/α) − log(δ·α)/(α − 1)`. The orders are integers only: fractional ones
//! can give a slightly smaller ε, so ours is never below what a reference accountant finds
//! over the same orders and is a valid, marginally conservative bound. Google's
//! `dp-accounting` checks the figures (tests/dp_accountant.rs).

use crate::Error;

/// The Rényi orders the accountant optimises over: 2–64, then powers of two to 1,024
/// (as `dp-accounting`'s defaults without the fractional ones).
pub fn rdp_orders() -> Vec<u32> {
    (2..=64).chain([128, 256, 512, 1024]).collect()
}

/// An (ε, δ) guarantee and the Rényi order that gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epsilon {
    /// ε at the requested δ.
    pub epsilon: f64,
    /// The best order.
    pub order: u32,
}

/// RDP at integer `order` of one step of the Gaussian mechanism with noise multiplier
/// `sigma`, each example sampled with probability `q`.
pub fn rdp_step(q: f64, sigma: f64, order: u32) -> f64 {
    if q == 0.0 {
        return 0.0;
    }
    if sigma == 0.0 {
        return f64::INFINITY;
    }
    let alpha = f64::from(order);
    if q == 1.0 {
        return alpha / (2.0 * sigma * sigma);
    }
    let (log_q, log_1mq) = (q.ln(), (-q).ln_1p());
    let mut log_a = f64::NEG_INFINITY;
    let mut log_comb = 0.0; // log C(α, k), built up term by term
    for k in 0..=order {
        if k > 0 {
            log_comb += (f64::from(order - k + 1)).ln() - f64::from(k).ln();
        }
        let kf = f64::from(k);
        let term =
            log_comb + kf * log_q + (alpha - kf) * log_1mq + (kf * kf - kf) / (2.0 * sigma * sigma);
        log_a = log_add(log_a, term);
    }
    log_a / (alpha - 1.0)
}

fn log_add(a: f64, b: f64) -> f64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// ε after `steps` steps at noise multiplier `sigma` and sampling rate `q`, for `delta`.
pub fn epsilon(sigma: f64, q: f64, steps: u64, delta: f64) -> Result<Epsilon, Error> {
    check_common(q, delta)?;
    if !(sigma >= 0.0 && sigma.is_finite()) {
        return Err(invalid("noise multiplier", format!("{sigma} is not ≥ 0")));
    }
    let mut best = Epsilon {
        epsilon: f64::INFINITY,
        order: 0,
    };
    for order in rdp_orders() {
        let rdp = steps as f64 * rdp_step(q, sigma, order);
        let eps = epsilon_from_rdp(rdp, order, delta);
        if eps < best.epsilon {
            best = Epsilon {
                epsilon: eps,
                order,
            };
        }
    }
    Ok(best)
}

/// (ε at `delta`) from RDP `rdp` at `order` (Canonne, Kamath and Steinke 2020, Prop. 12).
fn epsilon_from_rdp(rdp: f64, order: u32, delta: f64) -> f64 {
    if !rdp.is_finite() {
        return f64::INFINITY;
    }
    if rdp <= 0.0 || delta * delta + (-rdp).exp_m1() > 0.0 {
        // The KL bound δ ≤ √(1 − e^(−rdp)) already holds: ε = 0.
        return 0.0;
    }
    let a = f64::from(order);
    (rdp + (-1.0 / a).ln_1p() - (delta * a).ln() / (a - 1.0)).max(0.0)
}

/// The smallest noise multiplier (to 0.1%) that keeps ε ≤ `target` after `steps` steps at
/// sampling rate `q`: what DP-SGD must add for a privacy budget.
pub fn noise_for_epsilon(target: f64, q: f64, steps: u64, delta: f64) -> Result<f64, Error> {
    check_common(q, delta)?;
    if !(target > 0.0 && target.is_finite()) {
        return Err(invalid(
            "epsilon",
            format!("{target} is not > 0 (a finite privacy budget)"),
        ));
    }
    let eps = |s: f64| epsilon(s, q, steps, delta).map(|e| e.epsilon);
    let mut hi = 1.0;
    while eps(hi)? > target {
        hi *= 2.0;
        if hi > 1e6 {
            return Err(invalid(
                "epsilon",
                format!("{target} cannot be reached over {steps} steps at sampling rate {q}"),
            ));
        }
    }
    let mut lo = 0.0;
    while hi - lo > 1e-3 * hi {
        let mid = 0.5 * (lo + hi);
        if eps(mid)? > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi)
}

fn check_common(q: f64, delta: f64) -> Result<(), Error> {
    if !(0.0..=1.0).contains(&q) {
        return Err(invalid("sampling rate", format!("{q} is not within 0–1")));
    }
    if !(delta > 0.0 && delta < 1.0) {
        return Err(invalid("delta", format!("{delta} is not within (0, 1)")));
    }
    Ok(())
}

fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidConfig { name, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_batch_is_the_gaussian_mechanism() {
        // q = 1: RDP α/(2σ²) exactly; the subsampled formula agrees as q → 1.
        assert_eq!(rdp_step(1.0, 2.0, 8), 1.0);
        assert!((rdp_step(1.0 - 1e-12, 2.0, 8) - 1.0).abs() < 1e-6);
        assert_eq!(rdp_step(0.0, 2.0, 8), 0.0);
        assert_eq!(rdp_step(0.5, 0.0, 8), f64::INFINITY);
    }

    #[test]
    fn epsilon_grows_with_steps_and_rate_and_shrinks_with_noise() {
        let e = |s: f64, q: f64, t: u64| epsilon(s, q, t, 1e-5).unwrap().epsilon;
        assert!(e(1.0, 0.01, 1000) < e(1.0, 0.01, 2000));
        assert!(e(1.0, 0.01, 1000) < e(1.0, 0.02, 1000));
        assert!(e(2.0, 0.01, 1000) < e(1.0, 0.01, 1000));
    }

    #[test]
    fn noise_for_epsilon_meets_the_budget_tightly() {
        let (q, steps, delta) = (256.0 / 60_000.0, 15 * 234, 1e-5);
        for target in [1.0, 3.0, 8.0] {
            let s = noise_for_epsilon(target, q, steps, delta).unwrap();
            let at = epsilon(s, q, steps, delta).unwrap().epsilon;
            assert!(
                at <= target && at > 0.98 * target,
                "{target}: σ {s} gives {at}"
            );
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let msg = |e: Error| e.to_string();
        assert!(msg(noise_for_epsilon(0.0, 0.1, 10, 1e-5).unwrap_err()).contains("epsilon"));
        assert!(msg(epsilon(1.0, 0.1, 10, 1.0).unwrap_err()).contains("delta"));
        assert!(msg(epsilon(1.0, 1.5, 10, 1e-5).unwrap_err()).contains("sampling rate"));
        assert!(msg(epsilon(-1.0, 0.1, 10, 1e-5).unwrap_err()).contains("noise multiplier"));
    }
}
