//! Flags of checkpoint selection on held-out people and of the generation guard, shared by
//! `train`, `generate` and `synth`.

use std::path::PathBuf;

use genosynth::{MinDistance, Selection};
use genosynth_models::{EpochReport, SelectionRule};

/// Hold people out of training and choose the checkpoint on them.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SelectionArgs {
    /// Share of individuals held out of training (stratified by --panel) to choose the
    /// checkpoint on and to judge privacy by; 0 turns selection off [train: 0; synth: 0.2].
    #[arg(long, value_name = "F", help_heading = "Selection on held-out people")]
    pub(crate) validation_fraction: Option<f64>,
    /// Validate every N epochs: generate AGs and score them against training and validation
    /// people [default: 10; synth: a sixteenth of the epochs].
    #[arg(long, value_name = "N", help_heading = "Selection on held-out people")]
    pub(crate) validate_every: Option<usize>,
    /// Stop after N validations without a better checkpoint (0: train every epoch).
    #[arg(
        long,
        default_value_t = 0,
        value_name = "N",
        help_heading = "Selection on held-out people"
    )]
    pub(crate) patience: usize,
    /// Largest privacy loss (AATS(validation) − AATS(train)) a checkpoint may have to be
    /// preferred.
    #[arg(long, default_value_t = SelectionRule::default().max_privacy_loss, value_name = "L", help_heading = "Selection on held-out people")]
    pub(crate) max_privacy_loss: f64,
    /// Largest membership-inference AUC a checkpoint may have to be preferred.
    #[arg(long, default_value_t = SelectionRule::default().max_membership_auc, value_name = "A", help_heading = "Selection on held-out people")]
    pub(crate) max_membership_auc: f64,
    /// Largest likelihood-attack AUC (the model's own likelihood or free energy of training
    /// against validation people; hclt, rbm) a checkpoint may have to be preferred.
    #[arg(long, default_value_t = SelectionRule::default().max_likelihood_auc, value_name = "A", help_heading = "Selection on held-out people")]
    pub(crate) max_likelihood_auc: f64,
    /// Largest likelihood-attack true-positive rate at 1% false positives (judged with at
    /// least 100 validation people, who resolve 1%).
    #[arg(long, default_value_t = SelectionRule::default().max_likelihood_tpr, value_name = "R", help_heading = "Selection on held-out people")]
    pub(crate) max_likelihood_tpr: f64,
    /// Write the AGs (synth) or finish training with exit code 0 (train) even when no
    /// validated checkpoint met the privacy bounds; the missed bounds go into the AGs' header
    /// and the report. Without it such a run stops with exit code 3 and writes no AGs.
    #[arg(long, help_heading = "Selection on held-out people")]
    pub(crate) accept_privacy_risk: bool,
}

impl SelectionArgs {
    /// The validation fraction, `default` when not given; `None` when selection is off.
    pub(crate) fn fraction(&self, default: f64) -> anyhow::Result<Option<f64>> {
        let f = self.validation_fraction.unwrap_or(default);
        anyhow::ensure!(
            (0.0..1.0).contains(&f),
            "--validation-fraction {f}: expected a share in [0, 1) (0 turns selection off)"
        );
        Ok((f > 0.0).then_some(f))
    }

    /// How to validate a run of `epochs` epochs (`default_every` when --validate-every is not
    /// given).
    pub(crate) fn selection(&self, default_every: usize) -> anyhow::Result<Selection> {
        let every = self.validate_every.unwrap_or(default_every);
        anyhow::ensure!(every > 0, "--validate-every must be at least 1");
        Ok(Selection {
            every,
            patience: self.patience,
            rule: SelectionRule {
                max_privacy_loss: self.max_privacy_loss,
                max_membership_auc: self.max_membership_auc,
                max_likelihood_auc: self.max_likelihood_auc,
                max_likelihood_tpr: self.max_likelihood_tpr,
                ..SelectionRule::default()
            },
            // `synth` sets its own --min-distance, `train` its SelectionGuardArgs.
            guard: MinDistance::Sites(0),
        })
    }
}

/// `train`'s guard for selection: the one its AGs will be drawn under.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SelectionGuardArgs {
    /// With --validation-fraction, each validation scores only the AGs that `generate
    /// --min-distance` with this value (and --train, the same input) would let out, as `synth`
    /// selects under its own guard; auto is `synth`'s default and the workflow's. 0 scores
    /// every AG (for AGs drawn without a guard).
    #[arg(
        long,
        default_value = "auto",
        value_name = "auto|N",
        help_heading = "Selection on held-out people"
    )]
    pub(crate) min_distance: MinDistance,
}

impl SelectionGuardArgs {
    /// `selection` scoring what this guard lets out.
    pub(crate) fn apply(&self, selection: Selection) -> Selection {
        Selection {
            guard: self.min_distance,
            ..selection
        }
    }
}

/// Keep AGs away from the training haplotypes.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct GuardArgs {
    /// Redraw every AG nearer than this many sites (Hamming) to a training haplotype; auto:
    /// the 1st percentile of the training haplotypes' distances to their nearest neighbour
    /// (at least 1, so exact copies never pass); 0 turns the guard off. Needs --train.
    #[arg(
        long,
        value_name = "auto|N",
        requires = "train",
        help_heading = "Generation guard"
    )]
    pub(crate) min_distance: Option<MinDistance>,
    /// The file the model was trained from (its validation people, recorded in the model, are
    /// left out), for --min-distance.
    #[arg(long, value_name = "FILE", help_heading = "Generation guard")]
    pub(crate) train: Option<PathBuf>,
}

/// `AA 0.72/0.30 loss 0.012 AUC 0.52 LD 0.905 *` for progress lines (`*`: selected).
pub(crate) fn validation_text(r: &EpochReport) -> String {
    match &r.validation {
        Some(v) => format!(
            " | validation AA {:.2}/{:.2} loss {:.3} AUC {:.2}{} LD {:.3}{}",
            v.aa_truth,
            v.aa_syn,
            v.privacy_loss,
            v.membership_auc,
            v.likelihood_auc
                .map_or_else(String::new, |a| match &v.likelihood_population {
                    Some(p) => format!(" likelihood AUC {a:.2} ({p})"),
                    None => format!(" likelihood AUC {a:.2}"),
                }),
            v.ld_r2,
            if r.selected { " *" } else { "" }
        ),
        None => String::new(),
    }
}
