//! The checkpoint directory: `model.safetensors`, `optimizer.safetensors`, `model.json`,
//! `history.jsonl` and, when training selects on validation people, `best.safetensors`; written
//! atomically (a sibling temp directory renamed into place).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use genosynth_core::Sites;

use crate::config::ModelKind;
use crate::labels::HaplotypeLabels;
use crate::meta::{FORMAT_VERSION, GENOSYNTH_VERSION, ModelMeta};
use crate::tensors::NamedTensors;
use crate::{Error, Result};

/// File names inside a checkpoint directory.
pub const MODEL_FILE: &str = "model.safetensors";
/// Optimizer state (Adam moments, RBM offsets and chains).
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";
/// Metadata.
pub const META_FILE: &str = "model.json";
/// One JSON line per epoch.
pub const HISTORY_FILE: &str = "history.jsonl";
/// Weights of the checkpoint selected on validation people (see [`crate::SelectionRule`]).
pub const BEST_FILE: &str = "best.safetensors";

/// A loaded checkpoint: metadata, weights (on the CPU) and history.
#[derive(Debug)]
pub struct Checkpoint {
    /// The directory it was read from.
    pub dir: PathBuf,
    /// `model.json`.
    pub meta: ModelMeta,
    pub(crate) weights: HashMap<String, Tensor>,
    /// `history.jsonl`, one JSON object per epoch.
    pub history: Vec<String>,
    /// The epoch whose weights were loaded: the last one, or the selected one
    /// ([`Checkpoint::load_selected`]).
    pub epoch: usize,
}

impl Checkpoint {
    /// Reads and checks a checkpoint directory (not the optimizer state: see [`crate::train`]).
    pub fn load(dir: &Path) -> Result<Self> {
        let meta = read_meta(dir)?;
        let weights = read_tensors(dir, MODEL_FILE)?;
        // Building the model checks every name and shape now rather than at first use.
        crate::model::check_weights(&meta, &weights).map_err(|r| Error::checkpoint(dir, r))?;
        let history = match fs::read_to_string(dir.join(HISTORY_FILE)) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(dir.join(HISTORY_FILE), e)),
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            epoch: meta.epochs_done,
            meta,
            weights,
            history,
        })
    }

    /// Like [`Checkpoint::load`], but with the weights of the checkpoint selected on validation
    /// people when training kept one (`best.safetensors`); otherwise the last weights.
    pub fn load_selected(dir: &Path) -> Result<Self> {
        let mut ck = Self::load(dir)?;
        if let Some(epoch) = ck.meta.selection.as_ref().and_then(|s| s.best_epoch) {
            let weights = read_tensors(dir, BEST_FILE)?;
            crate::model::check_weights(&ck.meta, &weights)
                .map_err(|r| Error::checkpoint(dir, format!("{BEST_FILE}: {r}")))?;
            ck.weights = weights;
            ck.epoch = epoch;
        }
        Ok(ck)
    }

    /// The selected checkpoint's weights, when training kept one (to carry on selecting).
    pub(crate) fn best_weights(&self) -> Result<Option<HashMap<String, Tensor>>> {
        match self.meta.selection.as_ref().and_then(|s| s.best_epoch) {
            Some(_) => read_tensors(&self.dir, BEST_FILE).map(Some),
            None => Ok(None),
        }
    }

    /// GAN or RBM.
    pub fn kind(&self) -> ModelKind {
        self.meta.model.kind()
    }

    /// The training sites.
    pub fn sites(&self) -> Sites {
        Sites::from(self.meta.sites.clone())
    }

    pub(crate) fn optimizer(&self) -> Result<HashMap<String, Tensor>> {
        read_tensors(&self.dir, OPTIMIZER_FILE)
    }
}

/// The population labels a checkpoint was trained with (`None`: unconditional model).
pub fn checkpoint_labels(checkpoint: &Checkpoint) -> Option<&HaplotypeLabels> {
    checkpoint.meta.labels.as_ref()
}

/// Whether `dir` looks like a checkpoint (has `model.json`).
pub fn is_checkpoint(dir: &Path) -> bool {
    dir.join(META_FILE).is_file()
}

fn read_meta(dir: &Path) -> Result<ModelMeta> {
    let path = dir.join(META_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::checkpoint(
                dir,
                format!("{META_FILE} is missing (not a genosynth model directory)"),
            ));
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::checkpoint(dir, format!("{META_FILE} is not valid JSON: {e}")))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    let writer = value
        .get("genosynth_version")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown");
    if version != Some(FORMAT_VERSION as u64) || !same_release(writer, GENOSYNTH_VERSION) {
        return Err(Error::checkpoint(
            dir,
            format!(
                "written by genosynth {writer} (checkpoint format {}), this is genosynth {GENOSYNTH_VERSION} (format {FORMAT_VERSION}); retrain the model",
                version.map_or("unknown".to_string(), |v| v.to_string())
            ),
        ));
    }
    let meta: ModelMeta = serde_json::from_value(value)
        .map_err(|e| Error::checkpoint(dir, format!("{META_FILE}: {e}")))?;
    if meta.sites.len() != meta.training.n_sites {
        return Err(Error::checkpoint(
            dir,
            format!(
                "{META_FILE} lists {} sites for {} trained",
                meta.sites.len(),
                meta.training.n_sites
            ),
        ));
    }
    meta.model
        .validate()
        .map_err(|e| Error::checkpoint(dir, format!("{META_FILE}: {e}")))?;
    Ok(meta)
}

/// Checkpoints are compatible within a release series: same major and, before 1.0, same minor.
fn same_release(a: &str, b: &str) -> bool {
    let series = |v: &str| -> Option<(u64, u64)> {
        let mut it = v.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(if major == 0 { (0, minor) } else { (major, 0) })
    };
    series(a).is_some() && series(a) == series(b)
}

fn read_tensors(dir: &Path, file: &str) -> Result<HashMap<String, Tensor>> {
    let path = dir.join(file);
    if !path.is_file() {
        return Err(Error::checkpoint(dir, format!("{file} is missing")));
    }
    candle_core::safetensors::load(&path, &Device::Cpu)
        .map_err(|e| Error::checkpoint(dir, format!("{file} is unreadable: {e}")))
}

/// What one save writes.
pub(crate) struct Snapshot<'a> {
    pub(crate) meta: &'a ModelMeta,
    pub(crate) weights: NamedTensors,
    pub(crate) optimizer: NamedTensors,
    pub(crate) history: &'a [String],
    /// Weights of the selected checkpoint, written as `best.safetensors`.
    pub(crate) best: Option<&'a NamedTensors>,
}

/// Writes the four files into a temp directory beside `dir`, then swaps it into place, so a
/// crash leaves either the previous checkpoint or the new one, never a mix.
pub(crate) fn save(dir: &Path, snapshot: &Snapshot<'_>) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".to_string());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let written = write_files(&tmp, snapshot);
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
    }
    if let Err(e) = fs::rename(&tmp, dir) {
        let _ = fs::rename(&old, dir);
        return Err(Error::io(dir, e));
    }
    if old.exists() {
        fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    Ok(())
}

fn write_files(tmp: &Path, s: &Snapshot<'_>) -> Result<()> {
    let to_map = |named: &NamedTensors| -> Result<HashMap<String, Tensor>> {
        named
            .iter()
            .map(|(n, t)| Ok((n.clone(), t.to_device(&Device::Cpu)?)))
            .collect()
    };
    let model = tmp.join(MODEL_FILE);
    candle_core::safetensors::save(&to_map(&s.weights)?, &model)?;
    let opt = tmp.join(OPTIMIZER_FILE);
    candle_core::safetensors::save(&to_map(&s.optimizer)?, &opt)?;
    if let Some(best) = s.best {
        candle_core::safetensors::save(&to_map(best)?, tmp.join(BEST_FILE))?;
    }
    let json = serde_json::to_string_pretty(s.meta).expect("metadata serialises");
    let meta = tmp.join(META_FILE);
    fs::write(&meta, json + "\n").map_err(|e| Error::io(&meta, e))?;
    let mut history = s.history.join("\n");
    if !history.is_empty() {
        history.push('\n');
    }
    let hist = tmp.join(HISTORY_FILE);
    fs::write(&hist, history).map_err(|e| Error::io(&hist, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_series() {
        assert!(same_release("0.1.0", "0.1.7"));
        assert!(!same_release("0.2.0", "0.1.0"));
        assert!(same_release("1.2.0", "1.9.1"));
        assert!(!same_release("garbage", "0.1.0"));
    }
}
