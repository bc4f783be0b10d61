//! The `shared` setting of `small-strata` (issue 25 item 6): one HCLT mixture over the stratum
//! and the reference people together, one component per group (the stratum's own group
//! among them), trained as `genosynth train --panel` selects (a fifth of every group held
//! out); the stratum's AGs are drawn from its group's component, as the workflow's
//! `conditioning: labels` draws a label's AGs.

use std::path::Path;
use std::process::Command;

use super::{Drawn, Stratum, subset};
use crate::harness::run_quiet;

/// EM iterations and validations of `synth`'s share preset (60, every 60 / 16).
const EPOCHS: &str = "60";
const VALIDATE_EVERY: &str = "3";

/// Writes `dir/pooled.vcf.gz` (the stratum's training people and the reference people) and
/// `dir/pooled.panel` (each person's group) once.
pub(super) fn write_pooled(
    genosynth: &Path,
    (input, names): (&Path, &[String]),
    drawn: &Drawn,
    dir: &Path,
    stratum: &Stratum,
) -> anyhow::Result<()> {
    let who: Vec<usize> = drawn
        .train
        .iter()
        .chain(&drawn.reference)
        .copied()
        .collect();
    subset(genosynth, input, names, &who, dir, "pooled")?;
    let panel = dir.join("pooled.panel");
    if !panel.exists() {
        let groups = std::iter::repeat_n(stratum.group.as_str(), drawn.train.len())
            .chain(drawn.reference_groups.iter().map(String::as_str));
        let text: String = std::iter::once("sample\tpop\tsuper_pop\tgender\n".to_string())
            .chain(
                who.iter()
                    .zip(groups)
                    .map(|(&p, g)| format!("{}\t{g}\t{g}\tunknown\n", names[p])),
            )
            .collect();
        std::fs::write(&panel, text)?;
    }
    Ok(())
}

/// Trains the shared mixture into `model` and draws the stratum's AGs (as many haplotypes as
/// it has, as `synth` does) from its group's component into `ags`, with `synth`'s guard.
pub(super) fn train_and_generate(
    genosynth: &Path,
    dir: &Path,
    stratum: &Stratum,
    extra: &[String],
    (model, ags): (&Path, &Path),
) -> anyhow::Result<()> {
    let pooled = dir.join("pooled.vcf.gz");
    let seed = stratum.seed.to_string();
    run_quiet(
        Command::new(genosynth)
            .arg("train")
            .arg(&pooled)
            .args(["--model", "hclt", "--panel"])
            .arg(dir.join("pooled.panel"))
            .args(["--epochs", EPOCHS, "--validation-fraction", "0.2"])
            .args(["--validate-every", VALIDATE_EVERY, "--save-every", "0"])
            .args(["--seed", &seed, "--accept-privacy-risk", "-o"])
            .arg(model)
            .args(extra),
    )?;
    run_quiet(
        Command::new(genosynth)
            .arg("generate")
            .arg(model)
            .arg("--population")
            .arg(format!("{}={}", stratum.group, 2 * stratum.n))
            .args(["--min-distance", "auto", "--train"])
            .arg(&pooled)
            .args(["--seed", &seed, "--accept-privacy-risk", "-o"])
            .arg(ags),
    )
}

/// `eval`'s arguments for the shared model: the likelihood attack within the stratum's
/// component, its members recovered from the pooled file.
pub(super) fn eval_args(dir: &Path, model: &Path, stratum: &Stratum) -> Vec<String> {
    vec![
        "--model".to_string(),
        model.display().to_string(),
        "--model-train".to_string(),
        dir.join("pooled.vcf.gz").display().to_string(),
        "--model-population".to_string(),
        stratum.group.clone(),
    ]
}
