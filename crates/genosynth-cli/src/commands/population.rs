//! Population labels on the command line: `train --panel` makes a conditional WGAN or CRBM
//! (or an HCLT mixture with a component per label),
//! `generate --population EUR=500,AFR=500` draws AGs per label and writes their panel.

use anyhow::{Context as _, anyhow, bail};
use genosynth::parse_population_counts;
use genosynth_core::{HaplotypeMatrix, Panel};
use genosynth_models::conditional::{
    HaplotypeLabels, LabelLevel, checkpoint_labels, expand_counts,
};
use genosynth_models::{Checkpoint, ModelParams};

/// `--label-column` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LabelColumn {
    /// Population code (second panel column: GBR, YRI, ...).
    Pop,
    /// Super-population code (third panel column: EUR, AFR, ...).
    SuperPop,
}

/// The labels of `panel` that make a WGAN, CRBM or HCLT conditional (the HCLT: one mixture
/// component per label, which `generate --population` samples). Other models refuse a panel
/// unless it only stratified the validation split (`stratified`: no labels).
pub(crate) fn panel_labels(
    model: &ModelParams,
    panel: Option<&Panel>,
    column: LabelColumn,
    matrix: &HaplotypeMatrix,
    stratified: bool,
) -> anyhow::Result<Option<HaplotypeLabels>> {
    let Some(panel) = panel else {
        return Ok(None);
    };
    let level = match column {
        LabelColumn::Pop => LabelLevel::Population,
        LabelColumn::SuperPop => LabelLevel::SuperPopulation,
    };
    Ok(match model {
        ModelParams::Wgan(_) | ModelParams::Crbm(_) | ModelParams::Hclt(_) => {
            Some(HaplotypeLabels::from_panel(matrix, panel, level).context("--panel")?)
        }
        _ if stratified => None,
        other => bail!(
            "--panel: model {} is not conditional; use --model wgan or --model crbm (or --validation-fraction, which the panel stratifies)",
            other.kind()
        ),
    })
}

/// What `generate` draws: the number of haplotypes and, with `--population`, each one's label.
pub(crate) fn generation_plan(
    checkpoint: &Checkpoint,
    n: Option<usize>,
    population: Option<&str>,
    ploidy: u8,
) -> anyhow::Result<(usize, Option<Vec<usize>>)> {
    let Some(spec) = population else {
        let n = n.context("-n is required without --population")?;
        return Ok((n, None));
    };
    let Some(labels) = checkpoint_labels(checkpoint) else {
        bail!(
            "--population: {} was trained without --panel",
            checkpoint.dir.display()
        );
    };
    let counts = parse_population_counts(spec, &labels.names).map_err(|e| anyhow!("--{e}"))?;
    if ploidy == 2
        && let Some(&(label, count)) = counts.iter().find(|(_, c)| c % 2 == 1)
    {
        bail!(
            "--population {}={count}: an odd number of haplotypes cannot pair into diploid \
             samples (use --ploidy 1)",
            labels.names[label]
        );
    }
    let wanted = expand_counts(&counts);
    if let Some(n) = n
        && n != wanted.len()
    {
        bail!(
            "-n {n} disagrees with --population, which asks for {} haplotypes",
            wanted.len()
        );
    }
    Ok((wanted.len(), Some(wanted)))
}
