//! Population labels on the command line: `train --panel` makes a conditional WGAN or CRBM,
//! `generate --population EUR=500,AFR=500` draws AGs per label and writes their panel.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use genosynth_core::{HaplotypeMatrix, Panel, Sample};
use genosynth_models::conditional::{
    HaplotypeLabels, LabelLevel, checkpoint_labels, expand_counts, parse_population_counts,
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

/// Reads a population panel.
pub(crate) fn read_panel(path: &Path) -> anyhow::Result<Panel> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading panel {}", path.display()))?;
    Panel::parse(&text).with_context(|| format!("panel {}", path.display()))
}

/// Adds the labels of `panel` to a WGAN or CRBM. Other models refuse a panel unless it only
/// stratified the validation split (`stratified`).
pub(crate) fn apply_panel(
    model: ModelParams,
    panel: Option<&Panel>,
    column: LabelColumn,
    matrix: &HaplotypeMatrix,
    stratified: bool,
) -> anyhow::Result<ModelParams> {
    let Some(panel) = panel else {
        return Ok(model);
    };
    let level = match column {
        LabelColumn::Pop => LabelLevel::Population,
        LabelColumn::SuperPop => LabelLevel::SuperPopulation,
    };
    let labels = || HaplotypeLabels::from_panel(matrix, panel, level).context("--panel");
    Ok(match model {
        ModelParams::Wgan(mut p) => {
            p.labels = Some(labels()?);
            ModelParams::Wgan(p)
        }
        ModelParams::Crbm(mut p) => {
            p.labels = Some(labels()?);
            ModelParams::Crbm(p)
        }
        other if stratified => other,
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
    let counts = parse_population_counts(spec, &labels.names)?;
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

/// Where the AGs' panel goes: beside the output, `OUT.panel` (none for stdout).
pub(crate) fn ag_panel_path(output: &Path) -> Option<PathBuf> {
    if output.as_os_str() == "-" {
        return None;
    }
    let mut name = output.as_os_str().to_owned();
    name.push(".panel");
    Some(PathBuf::from(name))
}

/// Writes `sample<TAB>pop` for every AG sample (its haplotypes share one label: the label of
/// its first haplotype, rows counted sample after sample).
pub(crate) fn write_ag_panel(
    path: &Path,
    samples: &[Sample],
    labels: &[usize],
    checkpoint: &Checkpoint,
) -> anyhow::Result<()> {
    let names = &checkpoint_labels(checkpoint)
        .context("model has no labels")?
        .names;
    let mut text = String::from("sample\tpop\n");
    let mut row = 0;
    for s in samples {
        text.push_str(&format!("{}\t{}\n", s.name, names[labels[row]]));
        row += s.ploidy.copies();
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
