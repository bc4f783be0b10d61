//! The training seed of the tests that train a model and assert a quality figure (test-only).
//!
//! `cargo xtask seed-sweep` runs such a test once per seed with `GENOSYNTH_TEST_SEED` set: a
//! different seed (or CPU, or thread count) changes a training run's floating-point sums, so a
//! threshold must hold across seeds, not for one. The integration tests' `common` modules carry
//! the same two functions.

/// `default` when `GENOSYNTH_TEST_SEED` is unset (or 0), else `default + 1000 × that seed`: the
/// call sites of one test keep distinct streams, and seed 0 is the test's own run.
pub(crate) fn test_seed(default: u64) -> u64 {
    match std::env::var("GENOSYNTH_TEST_SEED") {
        Err(_) => default,
        Ok(s) => {
            let s: u64 = s.trim().parse().unwrap_or_else(|_| {
                panic!("GENOSYNTH_TEST_SEED={s:?} is not a non-negative integer")
            });
            default.wrapping_add(s.wrapping_mul(1000))
        }
    }
}

/// Prints a quality figure as `figure: NAME = VALUE`, the line `cargo xtask seed-sweep` tabulates.
pub(crate) fn figure(name: &str, value: f64) {
    eprintln!("figure: {name} = {value:.4}");
}
