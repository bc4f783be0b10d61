//! What a training run takes besides the data and the config ([`TrainOptions`], with the
//! optional [`Validation`]) and what it reports ([`EpochReport`] per epoch, [`TrainSummary`]).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use genosynth_core::HaplotypeMatrix;

use crate::dp_sgd::PrivacyRecord;
use crate::labels::HaplotypeLabels;
use crate::selection::{SelectionState, ValidationScores};

/// Selection on held-out people while training (see [`crate::SelectionRule`]).
///
/// Every `every` epochs (and after the last one) the loop generates `n_samples` AGs from the
/// current weights, hands them to `score` (which compares them with the training and the
/// validation haplotypes), records the figures in `history.jsonl` and keeps the best weights as
/// `best.safetensors`. After `patience` validations without a better checkpoint, training
/// stops early (0: never).
pub struct Validation<'a> {
    /// Epochs between validations.
    pub every: usize,
    /// Validations without improvement before stopping (0 = train all epochs).
    pub patience: usize,
    /// AGs generated per validation.
    pub n_samples: usize,
    /// Selection state of a new run (a resumed run continues its checkpoint's, with this
    /// state's rule).
    pub state: SelectionState,
    /// Validation haplotypes, for the held-out log-likelihood of models that have one.
    pub heldout: Option<&'a HaplotypeMatrix>,
    /// Scores a set of AGs (the held-out log-likelihood and the likelihood attack are filled
    /// in by the loop).
    pub score: &'a mut dyn FnMut(&HaplotypeMatrix) -> std::result::Result<ValidationScores, String>,
    /// Judges the likelihood attack for models with a likelihood or free energy: given the
    /// model's score of every training and every `heldout` haplotype (in the matrices' row
    /// order), its AUC and, where resolvable, its TPR at 1% FPR. A haplotype outside the
    /// attack (another label's, for a labelled mixture: [`TrainOptions::heldout_labels`])
    /// scores NaN, and a person with a NaN haplotype is no part of it. `None`: not judged.
    pub attack: Option<&'a mut AttackScorer<'a>>,
}

/// See [`Validation::attack`]: (training scores, validation scores) → (AUC, TPR at 1% FPR).
pub type AttackScorer<'a> = dyn FnMut(&[f64], &[f64]) -> (f64, Option<f64>) + 'a;

/// What happened in one epoch, passed to the observer.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// 1-based number of the epoch just finished.
    pub epoch: usize,
    /// The epoch training stops at.
    pub epochs: usize,
    /// Wall-clock seconds of this epoch.
    pub seconds: f64,
    /// Named figures of the epoch: GAN `d_loss_real`, `d_loss_fake`, `g_loss`; RBM
    /// `reconstruction_error`.
    pub losses: Vec<(&'static str, f64)>,
    /// Whether a checkpoint was written after this epoch.
    pub saved: bool,
    /// Validation figures, when this epoch was validated.
    pub validation: Option<ValidationScores>,
    /// Whether this epoch became the selected checkpoint.
    pub selected: bool,
}

impl EpochReport {
    /// The `history.jsonl` line.
    pub fn to_json(&self) -> String {
        let mut obj = serde_json::Map::new();
        obj.insert("epoch".into(), self.epoch.into());
        obj.insert("seconds".into(), round6(self.seconds).into());
        for (name, v) in &self.losses {
            obj.insert((*name).into(), (*v).into());
        }
        if let Some(v) = &self.validation {
            obj.insert("validation".into(), v.to_json());
            obj.insert("selected".into(), self.selected.into());
        }
        serde_json::Value::Object(obj).to_string()
    }

    /// `d_loss_real=0.693 d_loss_fake=0.690 g_loss=0.702` for progress lines.
    pub fn losses_text(&self) -> String {
        self.losses
            .iter()
            .map(|(n, v)| format!("{n}={v:.4}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// How a training run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// Epochs done in total (including those before a resume).
    pub epochs_done: usize,
    /// Epochs this call ran.
    pub epochs_run: usize,
    /// Whether the stop flag ended training early (the checkpoint is saved).
    pub stopped: bool,
    /// The device used, e.g. `cpu (2 threads)`.
    pub device: String,
    /// Mean seconds per epoch of this call (0 when none ran).
    pub seconds_per_epoch: f64,
    /// The last epoch's figures.
    pub last: Option<EpochReport>,
    /// Whether validation stopped training before `epochs` (no improvement for `patience`).
    pub early_stopped: bool,
    /// Selection state at the end, when training validated.
    pub selection: Option<SelectionState>,
    /// Whether DP-SGD stopped training before `epochs` because one more epoch would exceed
    /// the privacy budget.
    pub budget_spent: bool,
    /// The DP-SGD guarantee at the end, when training was private.
    pub privacy: Option<PrivacyRecord>,
    /// The input's private alleles the model did not learn, when some were masked
    /// ([`TrainOptions::private_allele_min_count`]).
    pub private_alleles: Option<crate::PrivateAlleles>,
}

/// How [`train`](crate::train()) runs, besides the data and the hyperparameters: where the checkpoint goes,
/// whether to resume it, the population labels of a conditional model, who hears of each
/// epoch, what stops training early, and selection on held-out people.
///
/// ```
/// # use std::path::Path;
/// # use std::sync::atomic::AtomicBool;
/// use genosynth_models::TrainOptions;
/// let stop = AtomicBool::new(false);
/// let options = TrainOptions { resume: true, stop: Some(&stop), ..TrainOptions::new(Path::new("model")) };
/// ```
pub struct TrainOptions<'a> {
    /// The checkpoint directory.
    pub model_dir: &'a Path,
    /// Continue the checkpoint in `model_dir` instead of starting a new one.
    pub resume: bool,
    /// Population label of every training haplotype: trains a conditional WGAN or CRBM
    /// (ignored on resume, which keeps the checkpoint's).
    pub labels: Option<&'a HaplotypeLabels>,
    /// Population label of every validation haplotype (`validation`'s `heldout`), with
    /// `labels`: the likelihood attack on a labelled HCLT mixture then runs label by label,
    /// each label's training people against its validation people, scored by the whole
    /// mixture and by the label's component alone (the distribution its AGs come from), the
    /// stronger counting and the worst label judging; without, one attack pools everyone.
    pub heldout_labels: Option<&'a HaplotypeLabels>,
    /// Called after every epoch.
    pub observer: Option<&'a mut dyn FnMut(&EpochReport)>,
    /// When it becomes true, the current epoch finishes, the checkpoint is saved and
    /// training returns with [`TrainSummary::stopped`] set.
    pub stop: Option<&'a AtomicBool>,
    /// Selection on held-out people (the training data must not contain them).
    pub validation: Option<Validation<'a>>,
    /// Other people's haplotypes at the same sites (none of them in the training data or the
    /// validation people) for a small training set to borrow strength from: the HCLT shrinks
    /// towards a model of them (`HcltParams::reference_weight`).
    /// Only the HCLT takes one.
    pub reference: Option<&'a HaplotypeMatrix>,
    /// Keeps the model of the `reference` people between runs on the same training and
    /// reference people (a ladder of reference weights): the first run trains it, the next
    /// reuse it.
    pub reference_cache: Option<&'a crate::ReferenceCache>,
    /// With `reference`: a site whose alternate allele no reference haplotype carries and
    /// fewer than this many of the input's haplotypes carry, none included (training and
    /// validation people, so the set does not depend on the split), is kept in the site set
    /// but not modelled ([`crate::private_allele_sites`]): the data the model trains on has
    /// the reference allele there, its likelihood leaves the site out and the AGs carry the
    /// reference allele. 0: off.
    pub private_allele_min_count: usize,
}

impl<'a> TrainOptions<'a> {
    /// A new run in `model_dir`: no resume, no labels, no observer, no stop flag, no
    /// selection.
    pub fn new(model_dir: &'a Path) -> Self {
        Self {
            model_dir,
            resume: false,
            labels: None,
            heldout_labels: None,
            observer: None,
            stop: None,
            validation: None,
            reference: None,
            reference_cache: None,
            private_allele_min_count: 0,
        }
    }

    /// These options with `observer` called after every epoch (it may live shorter than
    /// them: a caller can add its own observer to options it was given).
    pub fn with_observer<'b>(self, observer: &'b mut dyn FnMut(&EpochReport)) -> TrainOptions<'b>
    where
        'a: 'b,
    {
        TrainOptions {
            observer: Some(observer),
            ..self.reborrow()
        }
    }

    /// These options with a stop flag.
    pub fn with_stop<'b>(self, stop: &'b AtomicBool) -> TrainOptions<'b>
    where
        'a: 'b,
    {
        TrainOptions {
            stop: Some(stop),
            ..self.reborrow()
        }
    }

    /// These options with selection on held-out people.
    pub fn with_validation<'b>(self, validation: Validation<'b>) -> TrainOptions<'b>
    where
        'a: 'b,
    {
        TrainOptions {
            validation: Some(validation),
            ..self.reborrow()
        }
    }

    /// The same options for a shorter lifetime (`&mut dyn` fields do not shorten by
    /// themselves).
    fn reborrow<'b>(self) -> TrainOptions<'b>
    where
        'a: 'b,
    {
        TrainOptions {
            model_dir: self.model_dir,
            resume: self.resume,
            labels: self.labels,
            heldout_labels: self.heldout_labels,
            observer: self
                .observer
                .map(|o| -> &'b mut dyn FnMut(&EpochReport) { o }),
            stop: self.stop,
            validation: self.validation.map(|v| Validation {
                every: v.every,
                patience: v.patience,
                n_samples: v.n_samples,
                state: v.state,
                heldout: v.heldout,
                score: v.score,
                attack: v.attack.map(|a| -> &'b mut AttackScorer<'b> { a }),
            }),
            reference: self.reference,
            reference_cache: self.reference_cache,
            private_allele_min_count: self.private_allele_min_count,
        }
    }
}
