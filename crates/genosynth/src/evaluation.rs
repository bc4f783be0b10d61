//! Evaluating AGs with progress, adding what the report learns besides the haplotypes, and
//! writing `report.json` and `report.html`.

use std::path::Path;
use std::sync::atomic::Ordering;

use genosynth_eval::{
    DpGuarantee, EvalInput, GuardInfo, PrivacyRisk, Report, ScoreAttack, Trajectory,
};

use crate::progress::{Event, Progress};
use crate::{Error, Result};

/// What the report learns besides the haplotypes: how the checkpoint was chosen, what the
/// generation guard did, the DP-SGD guarantee, the likelihood attack.
#[derive(Debug, Default, Clone)]
pub struct Annotations {
    /// The checkpoint-selection trajectory.
    pub selection: Option<Trajectory>,
    /// The generation guard.
    pub guard: Option<GuardInfo>,
    /// The DP-SGD guarantee of the model.
    pub differential_privacy: Option<DpGuarantee>,
    /// Members against held-out people, scored by the model.
    pub likelihood_attack: Option<ScoreAttack>,
    /// The privacy bounds the model missed, when its AGs were written anyway.
    pub privacy_risk: Option<PrivacyRisk>,
    /// The private alleles the model did not learn (`--private-allele-min-count`).
    pub private_alleles: Option<genosynth_eval::MaskedAlleles>,
}

/// Runs every statistic of genosynth-eval on `input`, reporting each step, and adds
/// `annotations` to the report.
///
/// # Errors
/// The evaluation fails ([`Error::Eval`]), or the stop flag of `input` is set
/// ([`Error::is_interrupted`]).
pub fn evaluate(
    input: &EvalInput<'_>,
    annotations: Annotations,
    progress: &mut dyn Progress,
) -> Result<Report> {
    progress.event(Event::EvalStarted {
        steps: genosynth_eval::progress_steps(input),
    });
    let mut step = 0;
    let result = genosynth_eval::evaluate_with_progress(input, &mut |name| {
        progress.event(Event::EvalStep { step, name });
        step += 1;
    });
    progress.event(Event::EvalFinished { steps: step });
    let mut report = result?;
    report.selection = annotations.selection;
    report.guard = annotations.guard;
    report.differential_privacy = annotations.differential_privacy;
    report.privacy.likelihood_attack = annotations.likelihood_attack;
    report.privacy_risk = annotations.privacy_risk;
    report.private_alleles = annotations.private_alleles;
    // The verdict judges the likelihood attack and the accepted risk too.
    report.verdict = genosynth_eval::verdict(&report);
    if input.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
        return Err(Error::Interrupted);
    }
    Ok(report)
}

/// Writes `report.json` and the self-contained `report.html` into `dir` (created if needed),
/// each atomically ([`genosynth_vcf::write_atomic`]).
///
/// # Errors
/// The directory cannot be created or a file written.
pub fn write_report(dir: &Path, report: &Report) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Directory {
        what: "report directory",
        path: dir.display().to_string(),
        source,
    })?;
    // Serialising and drawing the plots are independent; do them side by side.
    let (json, html) = std::thread::scope(|scope| {
        let json = scope.spawn(|| serde_json::to_string_pretty(report));
        let html = genosynth_eval::render_html(report);
        let json = json
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (json, html)
    });
    let json = json.expect("a report serialises: plain numbers, strings and lists");
    genosynth_vcf::write_atomic(&dir.join("report.json"), json.as_bytes())?;
    genosynth_vcf::write_atomic(&dir.join("report.html"), html.as_bytes())?;
    Ok(())
}
