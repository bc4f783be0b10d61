//! What a training run checks before its first epoch: that a checkpoint it resumes is of
//! this data (and this window), that labels fit the model, that reference people can serve.

use std::path::Path;

use genosynth_core::HaplotypeMatrix;

use crate::checkpoint::Checkpoint;
use crate::config::ModelParams;
use crate::crbm::chain::CrbmWindowPart;
use crate::labels::HaplotypeLabels;
use crate::private_alleles::PrivateAlleles;
use crate::training_data::TrainingData;
use crate::{Error, Result};

/// Checks that `ck`, loaded from `out_dir`, can be continued on `matrix`: the same window of
/// the same chain (or a whole model), the same training data and the same reference people.
pub(crate) fn check_resume(
    ck: &Checkpoint,
    out_dir: &Path,
    training: &TrainingData,
    matrix: &HaplotypeMatrix,
    part: Option<&CrbmWindowPart>,
    reference: Option<&HaplotypeMatrix>,
) -> Result<()> {
    // A window's sites differ from every other window's: say which window it is first.
    let place = |p: &CrbmWindowPart| (p.window, p.windows);
    if ck.meta.window_part.as_ref().map(place) != part.map(place) {
        return Err(Error::ResumeMismatch {
            dir: out_dir.to_path_buf(),
            reason: match &ck.meta.window_part {
                Some(p) => format!(
                    "holds window {} of a {}-window chain, not this window",
                    p.window.index, p.windows
                ),
                None => "holds a whole model, not this window of a chain".to_string(),
            },
        });
    }
    if ck.meta.training != *training || ck.meta.sites.as_slice() != matrix.sites().as_slice() {
        return Err(Error::ResumeMismatch {
            dir: out_dir.to_path_buf(),
            reason: format!(
                "trained on {} haplotypes × {} sites (hash {}), this input has {} × {} (hash {})",
                ck.meta.training.n_haplotypes,
                ck.meta.training.n_sites,
                &ck.meta.training.matrix_blake3[..16.min(ck.meta.training.matrix_blake3.len())],
                training.n_haplotypes,
                training.n_sites,
                &training.matrix_blake3[..16]
            ),
        });
    }
    crate::training_data::check_resumed_reference(out_dir, ck.meta.reference.as_ref(), reference)?;
    if ck.meta.window_part.as_ref() != part {
        return Err(Error::ResumeMismatch {
            dir: out_dir.to_path_buf(),
            reason: "this window was trained within a chain over other data (sites, samples \
                     or genotypes elsewhere on the chromosome differ)"
                .to_string(),
        });
    }
    Ok(())
}

/// Labels make a conditional model: the WGAN and the CRBM take them as inputs; an HCLT
/// mixture gives each label one component (started from its people, sampled for its AGs).
pub(crate) fn check_labels(model: &ModelParams, labels: Option<&HaplotypeLabels>) -> Result<()> {
    match (model, labels) {
        (ModelParams::Wgan(_) | ModelParams::Crbm(_), _) | (_, None) => Ok(()),
        (ModelParams::Hclt(p), Some(l)) if p.components == l.names.len() => Ok(()),
        (ModelParams::Hclt(p), Some(l)) => Err(Error::config(
            "hclt-components",
            format!(
                "{} components for {} population labels: a labelled hclt has one component per label",
                p.components,
                l.names.len()
            ),
        )),
        (other, Some(_)) => Err(Error::config(
            "labels",
            format!(
                "model {} is not conditional; only the WGAN, the CRBM and the HCLT take population labels",
                other.kind()
            ),
        )),
    }
}

/// Checks that the reference people can serve: an HCLT without DP, the same sites as the
/// training data, and no training or validation person among them (the likelihood attack on
/// the validation people would read nothing).
pub(crate) fn check_reference(
    matrix: &HaplotypeMatrix,
    heldout: Option<&HaplotypeMatrix>,
    reference: &HaplotypeMatrix,
    model: &ModelParams,
    dp: bool,
) -> Result<()> {
    if !matches!(model, ModelParams::Hclt(_)) {
        return Err(Error::config(
            "reference",
            format!(
                "only the hclt borrows from reference people (model: {})",
                model.kind()
            ),
        ));
    }
    if dp {
        return Err(Error::config(
            "reference",
            "DP-SGD training takes no reference people (the hclt does not train with DP-SGD)",
        ));
    }
    if reference.sites() != matrix.sites() {
        return Err(Error::Data(format!(
            "the reference people have {} sites, the training data {}; they must be the same \
             sites in the same order (bcftools isec or genosynth's --region can align them)",
            reference.n_sites(),
            matrix.n_sites()
        )));
    }
    let names: std::collections::HashSet<&str> = matrix
        .samples()
        .iter()
        .chain(heldout.map_or(&[][..], |h| h.samples()))
        .map(|s| s.name.as_str())
        .collect();
    if let Some(both) = reference
        .samples()
        .iter()
        .find(|s| names.contains(s.name.as_str()))
    {
        return Err(Error::Data(format!(
            "sample {} is both a training (or validation) person and a reference person; the \
             reference must hold other people only (drop them from it, e.g. bcftools view -S ^)",
            both.name
        )));
    }
    if reference.n_haplotypes() == 0 {
        return Err(Error::Data("the reference holds no haplotypes".to_string()));
    }
    Ok(())
}

/// Checks that a resumed run masks the private alleles its checkpoint was trained without
/// (`given`: this run's mask, `None` when it masks none): another count trains on other data.
pub(crate) fn check_resumed_mask(
    ck: &Checkpoint,
    out_dir: &Path,
    given: Option<&PrivateAlleles>,
) -> Result<()> {
    let count = |p: Option<&PrivateAlleles>| p.map_or(0, |p| p.min_count);
    let (recorded, asked) = (count(ck.meta.private_alleles.as_ref()), count(given));
    if recorded == asked {
        return Ok(());
    }
    Err(Error::ResumeMismatch {
        dir: out_dir.to_path_buf(),
        reason: format!(
            "trained with --private-allele-min-count {recorded} (model.json; 0: no alleles \
             masked), resumed with {asked}; resume with --private-allele-min-count {recorded} \
             (and the same --reference), or train again into a new directory"
        ),
    })
}
