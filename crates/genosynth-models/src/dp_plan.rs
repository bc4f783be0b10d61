//! Plans DP-SGD for a model and its data: checks the budget, picks the sampling rate from the
//! model's batch size and the noise that keeps the planned epochs within ε, and starts the
//! `privacy` record that training carries on ([`crate::dp_sgd`] is the mechanism itself).

use genosynth_core::HaplotypeMatrix;

use crate::config::ModelParams;
use crate::crbm::window_spans;
use crate::dp;
use crate::dp_sgd::{DpConfig, DpSgd, PrivacyRecord};
use crate::{Error, Result};

impl DpConfig {
    /// The default clipping norm. The RBM takes plain SGD steps, so C sets their size: 100
    /// is below the typical per-individual norm of the default RBM on 805 sites once its
    /// hidden units have differentiated (≈ 140), clipping most individuals a little. The GAN's
    /// Adam divides out the gradient scale, so its C only sets the noise's scale relative
    /// to the signal, and 1 (every individual clipped, a normalised gradient) is the usual
    /// choice (docs/privacy.md).
    pub fn default_clip(model: &ModelParams) -> f64 {
        match model {
            ModelParams::Gan(_) => 1.0,
            _ => 100.0,
        }
    }
}

const ACCOUNTANT: &str = "RDP of the Poisson-subsampled Gaussian, integer orders 2-1024";

impl DpSgd {
    /// Checks the settings against the model and the data and plans the noise: for a new run
    /// from `config` over `epochs`, for a resumed one from its `previous` record.
    pub(crate) fn plan(
        config: Option<&DpConfig>,
        previous: Option<&PrivacyRecord>,
        model: &ModelParams,
        matrix: &HaplotypeMatrix,
        epochs: usize,
    ) -> Result<Option<Self>> {
        let record = match (previous, config) {
            (Some(p), _) => p.clone(),
            (None, None) => return Ok(None),
            (None, Some(c)) => new_record(
                c,
                model,
                matrix.samples().len(),
                matrix.n_haplotypes(),
                matrix.n_sites(),
                epochs,
            )?,
        };
        Ok(Some(Self::new(record, matrix)))
    }
}

fn new_record(
    c: &DpConfig,
    model: &ModelParams,
    individuals: usize,
    n_haplotypes: usize,
    n_sites: usize,
    epochs: usize,
) -> Result<PrivacyRecord> {
    // Each CRBM window is its own mechanism on the same people: an epoch composes all.
    let (batch, mechanisms) = match model {
        ModelParams::Rbm(p) => (p.batch_size, 1),
        ModelParams::Gan(p) => (p.batch_size, 1),
        ModelParams::Crbm(p) => (p.batch_size, window_spans(n_sites, p.window).len()),
        other => {
            return Err(Error::config(
                "dp",
                format!(
                    "DP-SGD is implemented for the rbm, crbm and gan models, not {} (its \
                     training is not a per-example gradient step)",
                    other.kind()
                ),
            ));
        }
    };
    if !(c.epsilon > 0.0 && c.epsilon.is_finite()) {
        return Err(Error::config(
            "dp-epsilon",
            format!("{} is not > 0 (a finite privacy budget)", c.epsilon),
        ));
    }
    let max_delta = 1.0 / individuals.max(1) as f64;
    if !(c.delta > 0.0 && c.delta < max_delta) {
        return Err(Error::config(
            "dp-delta",
            format!(
                "{} is not within (0, 1/n) for n = {individuals} training individuals: a δ of \
                 1/n or more allows releasing a whole person; use for example {:.0e}",
                c.delta,
                0.1 * max_delta
            ),
        ));
    }
    let clip = c.clip.unwrap_or_else(|| DpConfig::default_clip(model));
    if !(clip > 0.0 && clip.is_finite()) {
        return Err(Error::config("dp-clip", format!("{clip} is not > 0")));
    }
    let q = (batch as f64 / n_haplotypes as f64).min(1.0);
    let steps_per_epoch = (1.0 / q).ceil() as u64 * mechanisms as u64;
    let planned = steps_per_epoch * epochs as u64;
    let sigma = match c.noise_multiplier {
        Some(s) => {
            if !(s > 0.0 && s.is_finite()) {
                return Err(Error::config(
                    "dp-noise-multiplier",
                    format!("{s} is not > 0"),
                ));
            }
            let first = dp::epsilon(s, q, steps_per_epoch, c.delta)?.epsilon;
            if first > c.epsilon {
                return Err(Error::config(
                    "dp-epsilon",
                    format!(
                        "the budget {} is spent before the first epoch ends: one epoch \
                         ({steps_per_epoch} steps at sampling rate {q:.4}) with noise multiplier \
                         {s} costs ε = {first:.3}; raise the noise multiplier or the budget, or \
                         leave the noise multiplier out to have it chosen for {epochs} epochs",
                        c.epsilon
                    ),
                ));
            }
            s
        }
        None => dp::noise_for_epsilon(c.epsilon, q, planned.max(1), c.delta)?,
    };
    Ok(PrivacyRecord {
        mechanism: "dp-sgd".to_string(),
        unit: "individual".to_string(),
        noise_multiplier: sigma,
        sampling_rate: q,
        steps: 0,
        steps_per_epoch,
        clip,
        delta: c.delta,
        epsilon: 0.0,
        epsilon_budget: c.epsilon,
        accountant: ACCOUNTANT.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dp_sgd::DpConfig;
    use crate::gan::GanParams;
    use crate::rbm::RbmParams;
    use genosynth_core::{Ploidy, Sample, Site, Sites};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn matrix(individuals: usize) -> HaplotypeMatrix {
        let sites: Sites = (1..=4).map(|p| Site::new("1", p, "A", "G")).collect();
        let samples = Sample::numbered("S", individuals, Ploidy::Diploid);
        HaplotypeMatrix::zeros(sites, samples)
    }

    fn rbm(batch: usize) -> ModelParams {
        ModelParams::Rbm(RbmParams {
            batch_size: batch,
            ..RbmParams::default()
        })
    }

    fn config(epsilon: f64, delta: f64) -> DpConfig {
        DpConfig {
            epsilon,
            delta,
            clip: None,
            noise_multiplier: None,
        }
    }

    #[test]
    fn the_chosen_noise_spends_the_budget_over_the_planned_epochs() {
        let m = matrix(500);
        let dp = DpSgd::plan(Some(&config(3.0, 1e-4)), None, &rbm(100), &m, 20)
            .unwrap()
            .unwrap();
        let mut rec = dp.record.clone();
        assert_eq!(rec.sampling_rate, 0.1);
        assert_eq!(rec.steps_per_epoch, 10);
        for _ in 0..20 {
            assert!(rec.next_epoch_fits().unwrap());
            rec.record_epoch().unwrap();
        }
        assert!(rec.epsilon <= 3.0 && rec.epsilon > 2.9, "{}", rec.epsilon);
        assert!(!rec.next_epoch_fits().unwrap());
    }

    #[test]
    fn bad_budgets_are_refused_before_training() {
        let m = matrix(500);
        let err = |c: DpConfig, model: ModelParams| {
            DpSgd::plan(Some(&c), None, &model, &m, 10)
                .err()
                .expect("refused")
                .to_string()
        };
        assert!(err(config(0.0, 1e-4), rbm(100)).contains("dp-epsilon"));
        let e = err(config(1.0, 0.002), rbm(100));
        assert!(e.contains("dp-delta") && e.contains("n = 500"), "{e}");
        let fixed = DpConfig {
            noise_multiplier: Some(0.3),
            ..config(1.0, 1e-4)
        };
        let e = err(fixed, rbm(100));
        assert!(e.contains("before the first epoch"), "{e}");
        let hclt = ModelParams::defaults(crate::ModelKind::Hclt);
        assert!(err(config(1.0, 1e-4), hclt).contains("rbm, crbm and gan"));
        assert!(
            DpSgd::plan(
                Some(&config(8.0, 1e-4)),
                None,
                &ModelParams::Gan(GanParams::default()),
                &m,
                10
            )
            .is_ok()
        );
    }

    #[test]
    fn an_individual_is_clipped_as_a_whole() {
        let m = matrix(3);
        let c = DpConfig {
            clip: Some(1.0),
            ..config(1.0, 1e-3)
        };
        let dp = DpSgd::plan(Some(&c), None, &rbm(2), &m, 1)
            .unwrap()
            .unwrap();
        // Individual 0: rows 0, 1 (norms 0.25 + 0.25 fit); individual 2: rows 4, 5 (3 + 1).
        let s = dp.clip_scales(&[0, 1, 4, 5], &[0.25, 0.25, 3.0, 1.0]);
        assert_eq!(s, vec![1.0, 1.0, 0.25, 0.25]);
        let mut r = ChaCha8Rng::seed_from_u64(1);
        let batches: Vec<Vec<u32>> = (0..200).map(|_| dp.poisson_batch(&mut r)).collect();
        assert!(batches.iter().all(|b| b.len() % 2 == 0));
        let mean = batches.iter().map(Vec::len).sum::<usize>() as f64 / 200.0;
        // q = 2/6: one individual (two rows) expected per batch.
        assert!((mean - 2.0).abs() < 0.3, "{mean}");
    }
}
