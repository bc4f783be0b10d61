//! Flags of DP-SGD training (`train --dp-epsilon ...`) and what it prints of the guarantee.

use genosynth_models::{DpConfig, PrivacyRecord, TrainSummary};

use crate::Context;

/// Train with DP-SGD under an (ε, δ) budget.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DpArgs {
    /// Train with DP-SGD (rbm, crbm, gan) so the model is (ε, δ)-differentially private with respect
    /// to each training individual; training stops before the budget would be exceeded.
    #[arg(
        long,
        value_name = "E",
        requires = "dp_delta",
        help_heading = "Differential privacy"
    )]
    dp_epsilon: Option<f64>,
    /// δ of the guarantee; must be below 1 / (training individuals), e.g. 1e-5.
    #[arg(
        long,
        value_name = "D",
        requires = "dp_epsilon",
        help_heading = "Differential privacy"
    )]
    dp_delta: Option<f64>,
    /// Per-individual gradient norm bound [default: rbm and crbm 100, gan 1].
    #[arg(
        long,
        value_name = "C",
        requires = "dp_epsilon",
        help_heading = "Differential privacy"
    )]
    dp_clip: Option<f64>,
    /// Noise standard deviation over the clip [default: the smallest that keeps --epochs
    /// within --dp-epsilon].
    #[arg(
        long,
        value_name = "S",
        requires = "dp_epsilon",
        help_heading = "Differential privacy"
    )]
    dp_noise_multiplier: Option<f64>,
}

impl DpArgs {
    /// The DP-SGD settings, when --dp-epsilon was given.
    pub(crate) fn config(&self) -> Option<DpConfig> {
        Some(DpConfig {
            epsilon: self.dp_epsilon?,
            delta: self.dp_delta?,
            clip: self.dp_clip,
            noise_multiplier: self.dp_noise_multiplier,
        })
    }
}

/// Prints the guarantee a private run ended with.
pub(crate) fn print_privacy(summary: &TrainSummary, ctx: &Context) {
    let Some(p) = &summary.privacy else { return };
    ctx.printer.info(format!("DP-SGD: {}", describe(p)));
    if summary.budget_spent {
        ctx.printer.warn(format!(
            "stopped after epoch {}: one more epoch would exceed ε = {}",
            summary.epochs_done, p.epsilon_budget
        ));
    }
}

/// `ε = 2.97 (budget 3) at δ = 1e-5 after 800 steps: noise multiplier 1.1, ...`.
pub(crate) fn describe(p: &PrivacyRecord) -> String {
    format!(
        "ε = {:.3} (budget {}) at δ = {:e} per {} after {} steps: noise multiplier {:.3}, sampling rate {:.4}, clip {}",
        p.epsilon,
        p.epsilon_budget,
        p.delta,
        p.unit,
        p.steps,
        p.noise_multiplier,
        p.sampling_rate,
        p.clip
    )
}
