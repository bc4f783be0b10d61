//! Joins CRBM window checkpoints trained one by one ([`super::parts`]) into the chain
//! checkpoint that training the whole chain in one run writes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::Tensor;
use genosynth_core::Site;

use super::chain::{CrbmWindowPart, crbm_windows};
use crate::checkpoint::{self, Checkpoint, Snapshot};
use crate::config::ModelParams;
use crate::meta::{FORMAT_VERSION, GENOSYNTH_VERSION, ModelMeta};
use crate::{Error, Result};

/// What [`stitch_crbm_windows`] assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StitchSummary {
    /// Windows joined.
    pub windows: usize,
    /// Sites of the chain.
    pub n_sites: usize,
    /// Epochs every window was trained for.
    pub epochs: usize,
}

/// Assembles the window checkpoints `parts` (one per window of one chain, in any order) into
/// one CRBM checkpoint in `out`, written atomically, that generates like a chain trained in
/// one run (and resumes like one).
///
/// Refuses, naming the directories: a directory that is not a CRBM window checkpoint, windows
/// of different chains (hyperparameters, labels, seed, epochs, window size or training data
/// differ), a window given twice, and missing windows. `out` may be an existing checkpoint
/// (replaced) but no other non-empty directory.
pub fn stitch_crbm_windows(parts: &[PathBuf], out: &Path) -> Result<StitchSummary> {
    let stitch = |reason: String| Error::Stitch(reason);
    if parts.is_empty() {
        return Err(stitch("no window checkpoints given".into()));
    }
    let loaded = parts
        .iter()
        .map(|dir| {
            let ck = Checkpoint::load(dir)?;
            let part = ck.meta.window_part.clone().ok_or_else(|| {
                stitch(format!(
                    "{} is a whole {} model, not a CRBM window checkpoint (train windows with \
                     `genosynth train --model crbm --window-sites W --window-index K`)",
                    dir.display(),
                    ck.kind()
                ))
            })?;
            Ok((ck, part))
        })
        .collect::<Result<Vec<(Checkpoint, CrbmWindowPart)>>>()?;
    let (first, first_part) = &loaded[0];
    let ModelParams::Crbm(config) = &first.meta.model else {
        return Err(stitch(format!(
            "{} is not a CRBM model",
            first.dir.display()
        )));
    };
    for (ck, part) in &loaded[1..] {
        same_chain(first, first_part, ck, part)?;
    }
    let n_windows = first_part.windows;
    let mut by_index: Vec<Option<&(Checkpoint, CrbmWindowPart)>> = vec![None; n_windows];
    for entry in &loaded {
        let index = entry.1.window.index;
        if index >= n_windows {
            return Err(stitch(format!(
                "{}: window {index} of a {n_windows}-window chain does not exist",
                entry.0.dir.display()
            )));
        }
        if let Some(other) = by_index[index] {
            return Err(stitch(format!(
                "window {index} is given twice: {} and {}",
                other.0.dir.display(),
                entry.0.dir.display()
            )));
        }
        by_index[index] = Some(entry);
    }
    let missing: Vec<String> = (0..n_windows)
        .filter(|&i| by_index[i].is_none())
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(stitch(format!(
            "window{} {} of the chain's {n_windows} (0 to {}) {} missing",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            n_windows - 1,
            if missing.len() == 1 { "is" } else { "are" }
        )));
    }
    let chain = &first_part.chain;
    let expected = crbm_windows(chain.n_sites, config.window);
    let mut sites: Vec<Option<Site>> = vec![None; chain.n_sites];
    let mut weights: Vec<(String, Tensor)> = Vec::new();
    let mut histories = Vec::with_capacity(n_windows);
    for (ck, part) in by_index.into_iter().flatten() {
        if expected.get(part.window.index) != Some(&part.window) {
            return Err(stitch(format!(
                "{}: window {} spans sites {}..{}, but the chain's window there spans {:?}",
                ck.dir.display(),
                part.window.index,
                part.window.start,
                part.window.end,
                expected.get(part.window.index)
            )));
        }
        for (offset, site) in ck.meta.sites.iter().enumerate() {
            let slot = &mut sites[part.window.start + offset];
            match slot {
                Some(s) if s != site => {
                    return Err(stitch(format!(
                        "{}: site {} is {}:{} here but {}:{} in the previous window",
                        ck.dir.display(),
                        part.window.start + offset,
                        site.chrom,
                        site.pos,
                        s.chrom,
                        s.pos
                    )));
                }
                _ => *slot = Some(site.clone()),
            }
        }
        let mut names: Vec<&String> = ck.weights.keys().collect();
        names.sort();
        weights.extend(
            names
                .into_iter()
                .map(|n| (n.clone(), ck.weights[n].clone())),
        );
        histories.push(&ck.history);
    }
    let sites: Vec<Site> = sites
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| stitch("the windows leave sites uncovered".into()))?;
    let history = merge_histories(&histories, first.meta.epochs_done)?;
    if out.exists() && !checkpoint::is_checkpoint(out) && !is_empty_dir(out) {
        return Err(stitch(format!(
            "{} exists and is not a model directory; choose a new output",
            out.display()
        )));
    }
    if parts.iter().any(|p| same_path(p, out)) {
        return Err(stitch(format!(
            "{} is one of the windows; choose a new output",
            out.display()
        )));
    }
    let meta = ModelMeta {
        format_version: FORMAT_VERSION,
        genosynth_version: GENOSYNTH_VERSION.to_string(),
        model: first.meta.model.clone(),
        labels: first.meta.labels.clone(),
        epochs_done: first.meta.epochs_done,
        seed: first.meta.seed,
        rng: first.meta.rng.clone(),
        adam_steps: None,
        device: first.meta.device.clone(),
        training: chain.clone(),
        sites,
        selection: None,
        privacy: None,
        window_part: None,
        reference: None,
        private_alleles: None,
    };
    checkpoint::save(
        out,
        &Snapshot {
            meta: &meta,
            weights,
            optimizer: Vec::new(),
            history: &history,
            best: None,
        },
    )?;
    Ok(StitchSummary {
        windows: n_windows,
        n_sites: chain.n_sites,
        epochs: meta.epochs_done,
    })
}

/// Checks window `b` belongs to the same chain as window `a`.
fn same_chain(
    a: &Checkpoint,
    pa: &CrbmWindowPart,
    b: &Checkpoint,
    pb: &CrbmWindowPart,
) -> Result<()> {
    let differ = |what: &str| {
        Err(Error::Stitch(format!(
            "{} and {} are windows of different chains: {what} differ{}",
            a.dir.display(),
            b.dir.display(),
            if what.ends_with('s') { "" } else { "s" }
        )))
    };
    let labels = |ck: &Checkpoint| ck.meta.labels.clone();
    if labels(a) != labels(b) {
        return differ("the population labels (--panel)");
    }
    if a.meta.model != b.meta.model {
        return differ("the hyperparameters");
    }
    if a.meta.seed != b.meta.seed {
        return differ("the seed");
    }
    if a.meta.epochs_done != b.meta.epochs_done {
        return Err(Error::Stitch(format!(
            "{} has {} epochs but {} has {}; train every window to the same --epochs (--resume continues one)",
            a.dir.display(),
            a.meta.epochs_done,
            b.dir.display(),
            b.meta.epochs_done
        )));
    }
    if pa.windows != pb.windows || pa.chain != pb.chain {
        return differ("the training data (sites, samples or genotypes)");
    }
    Ok(())
}

/// One history line per epoch for the chain: the mean of the windows' reconstruction errors
/// (summed in window order, as the whole-chain trainer does) and their summed seconds.
fn merge_histories(histories: &[&Vec<String>], epochs: usize) -> Result<Vec<String>> {
    let parse = |line: &String| -> Result<HashMap<String, serde_json::Value>> {
        serde_json::from_str(line)
            .map_err(|e| Error::Stitch(format!("history.jsonl line {line:?}: {e}")))
    };
    let mut out = Vec::with_capacity(epochs);
    for epoch in 0..epochs {
        let mut seconds = 0.0;
        let mut errors = Vec::with_capacity(histories.len());
        for h in histories {
            let Some(line) = h.get(epoch) else {
                return Ok(Vec::new()); // a window without a full history: keep none
            };
            let obj = parse(line)?;
            let number = |k: &str| obj.get(k).and_then(serde_json::Value::as_f64);
            seconds += number("seconds").unwrap_or(0.0);
            errors.extend(number("reconstruction_error"));
        }
        let mut line = serde_json::Map::new();
        line.insert("epoch".into(), (epoch + 1).into());
        line.insert("seconds".into(), ((seconds * 1e6).round() / 1e6).into());
        if errors.len() == histories.len() {
            let mean = errors.iter().sum::<f64>() / errors.len().max(1) as f64;
            line.insert("reconstruction_error".into(), mean.into());
        }
        out.push(serde_json::Value::Object(line).to_string());
    }
    Ok(out)
}

fn is_empty_dir(p: &Path) -> bool {
    std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none())
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
