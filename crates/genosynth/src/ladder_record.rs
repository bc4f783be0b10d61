//! The records of a reference-weight ladder in the model directory: every rung judged
//! (`reference_weight.json`, the last row the weight kept), and a ladder stopped part way
//! (Ctrl-C): which rung it stopped in and what the rungs before it saw, so that `--resume`
//! continues the ladder from that rung instead of finishing one rung as if it were the choice.

use std::path::Path;

use genosynth_core::HaplotypeMatrix;
use serde_json::Value;

use crate::{Error, ReferenceWeight, Result};

/// The record's file in the model directory (removed when the ladder ends).
pub(crate) const FILE: &str = "reference_weight.interrupted.json";

/// A ladder stopped in the rung of `weight`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InterruptedLadder {
    /// The reference weight of the rung it stopped in.
    pub weight: f32,
    /// The stop came while that rung's model trained, so its checkpoint continues; false: it
    /// came while the rung's weight folds trained, after the model had ended (perhaps early,
    /// by patience), so the rung trains again from its start.
    pub resumable: bool,
    /// The rows of `reference_weight.json` of the rungs before it.
    pub rungs: Vec<Value>,
}

impl InterruptedLadder {
    /// The record in `dir`, if there is one.
    pub(crate) fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(bad(&path, e.to_string())),
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| bad(&path, e.to_string()))?;
        let weight = value["weight"].as_f64();
        let resumable = value["resumable"].as_bool();
        let rungs = value["rungs"].as_array();
        match (weight, resumable, rungs) {
            (Some(weight), Some(resumable), Some(rungs)) => Ok(Some(Self {
                weight: weight as f32,
                resumable,
                rungs: rungs.clone(),
            })),
            _ => Err(bad(
                &path,
                "expected {\"weight\": W, \"resumable\": true|false, \"rungs\": [...]}".to_string(),
            )),
        }
    }

    /// Writes the record into `dir`.
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        let value = serde_json::json!({
            "weight": self.weight,
            "resumable": self.resumable,
            "rungs": self.rungs,
        });
        let text = serde_json::to_string_pretty(&value).expect("plain JSON values serialize");
        genosynth_vcf::write_atomic(&dir.join(FILE), (text + "\n").as_bytes())?;
        Ok(())
    }

    /// Removes the record from `dir` (the ladder ended), if it is there.
    pub(crate) fn remove(dir: &Path) -> Result<()> {
        match std::fs::remove_file(dir.join(FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Directory {
                what: "record of an interrupted reference-weight ladder in",
                path: dir.display().to_string(),
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

/// Every rung tried, how it was judged and what it missed (what `auto` saw, for the user and
/// for measurements of the ladder); the last row is the weight kept.
pub(crate) const RUNGS_FILE: &str = "reference_weight.json";

/// Writes `rows` as `dir`'s [`RUNGS_FILE`].
pub(crate) fn write_rungs(dir: &Path, rows: &[Value]) -> Result<()> {
    let text = serde_json::to_string_pretty(rows).expect("plain JSON values serialize");
    genosynth_vcf::write_atomic(&dir.join(RUNGS_FILE), (text + "\n").as_bytes())?;
    Ok(())
}

/// The rows of `dir`'s [`RUNGS_FILE`] and the weight kept (the last row's), if it has one: a
/// finished ladder's model, trained with reference people at that weight.
pub(crate) fn read_rungs(dir: &Path) -> Result<Option<(Vec<Value>, f32)>> {
    let path = dir.join(RUNGS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(&path, e.to_string())),
    };
    let rows: Vec<Value> = serde_json::from_str(&text).map_err(|e| bad(&path, e.to_string()))?;
    match rows.last().and_then(|r| r["weight"].as_f64()) {
        Some(weight) => Ok(Some((rows, weight as f32))),
        None => Err(bad(
            &path,
            "expected [{\"weight\": W, ...}, ...], the last row the weight kept".to_string(),
        )),
    }
}

/// Refuses to resume the finished model in `dir`, trained with reference people at `weight`,
/// without them (`reference`) or at another fixed weight (`asked`).
pub(crate) fn check_resume(
    dir: &Path,
    weight: f32,
    reference: Option<&HaplotypeMatrix>,
    asked: ReferenceWeight,
) -> Result<()> {
    let what = match (reference, asked) {
        (None, _) => "resume it with the same --reference",
        (Some(_), ReferenceWeight::Fixed(w)) if w != weight => {
            "resume it with that --reference-weight (or auto, which keeps it)"
        }
        _ => return Ok(()),
    };
    Err(Error::InvalidOption {
        name: "resume",
        reason: format!(
            "{} was trained with reference people at reference weight {weight} ({RUNGS_FILE}): \
             {what}, or train again into a new directory",
            dir.display()
        ),
    })
}

fn bad(path: &Path, reason: String) -> Error {
    Error::InvalidOption {
        name: "resume",
        reason: format!(
            "{} records a reference-weight ladder but cannot be read ({reason}); train again \
             into a new directory without --resume",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_is_gone_once_removed() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(InterruptedLadder::read(dir.path()).unwrap(), None);
        let record = InterruptedLadder {
            weight: 4.0,
            resumable: true,
            rungs: vec![serde_json::json!({"weight": 2.0, "privacy_loss": 0.125})],
        };
        record.write(dir.path()).unwrap();
        assert_eq!(InterruptedLadder::read(dir.path()).unwrap(), Some(record));
        InterruptedLadder::remove(dir.path()).unwrap();
        InterruptedLadder::remove(dir.path()).unwrap();
        assert_eq!(InterruptedLadder::read(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(FILE), "{\"weight\": 4}").unwrap();
        let err = InterruptedLadder::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("without --resume"), "{err}");
    }
}
