//! `train --resume` continues a checkpoint with the hyperparameters and seed in its model.json.
//! A flag on the resuming command that asks for other values would be ignored; this refuses
//! it instead, naming what differs, so that a changed setting is never silently dropped.

use clap::Parser;
use genosynth_models::{ModelMeta, ModelParams};

use crate::commands::train::{HyperArgs, RunArgs};

/// The command-line defaults, to tell the values a command asks for from those it left alone.
#[derive(Parser)]
struct Defaults {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    hyper: HyperArgs,
}

/// The settings the command changed from their defaults and that differ from the checkpoint's,
/// each as `name asked (model.json: recorded)`; empty when the command asks for nothing else.
/// `asked` is the model the command's flags make (`--model` and its group).
pub(crate) fn conflicts(run: &RunArgs, asked: &ModelParams, meta: &ModelMeta) -> Vec<String> {
    let defaults = Defaults::try_parse_from(["genosynth"])
        .expect("every flag of `train` has a default or is optional");
    let mut out = Vec::new();
    let (kind, recorded_kind) = (asked.kind(), meta.model.kind());
    if run.model != defaults.run.model && kind != recorded_kind {
        out.push(format!(
            "--model {} (model.json: {})",
            kind.name(),
            recorded_kind.name()
        ));
    }
    if run.seed != defaults.run.seed && run.seed != meta.seed {
        out.push(format!("--seed {} (model.json: {})", run.seed, meta.seed));
    }
    // Within the checkpoint's own model only: another model's flags do not touch it.
    if kind == recorded_kind {
        out.extend(differences(
            asked,
            &defaults.hyper.params(kind),
            &meta.model,
        ));
    }
    out
}

/// The fields of `asked` that differ from `default` (the command set them) and from `recorded`.
fn differences(asked: &ModelParams, default: &ModelParams, recorded: &ModelParams) -> Vec<String> {
    let fields = |p: &ModelParams| match serde_json::to_value(p) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let (asked, default, recorded) = (fields(asked), fields(default), fields(recorded));
    asked
        .iter()
        .filter(|(name, value)| default.get(*name) != Some(value))
        .filter_map(|(name, value)| {
            let was = recorded.get(name)?;
            (was != value).then(|| format!("{name} {} (model.json: {})", show(value), show(was)))
        })
        .collect()
}

/// A value as model.json writes it: hyperparameters are f32, whose f64 widening would print
/// 0.95 as 0.949999988079071.
fn show(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(x) if !v.is_u64() && !v.is_i64() => (x as f32).to_string(),
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_models::HcltParams;

    #[test]
    fn only_fields_the_command_changed_and_the_checkpoint_lacks_count() {
        let default = ModelParams::Hclt(HcltParams::default());
        let recorded = ModelParams::Hclt(HcltParams {
            states: 4,
            emission_prior: 2.0,
            ..HcltParams::default()
        });
        // Left at the default: the checkpoint's 4 states are used, nothing was asked.
        assert!(differences(&default, &default, &recorded).is_empty());
        // Asked for what the checkpoint has: nothing lost.
        let same = ModelParams::Hclt(HcltParams {
            states: 4,
            ..HcltParams::default()
        });
        assert!(differences(&same, &default, &recorded).is_empty());
        // Asked for something else: named with both values.
        let other = ModelParams::Hclt(HcltParams {
            states: 16,
            temperature: 0.8,
            ..HcltParams::default()
        });
        let found = differences(&other, &default, &recorded);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("states 16 (model.json: 4)"),
            "{found:?}"
        );
        assert_eq!(found[1], "temperature 0.8 (model.json: 0.95)", "{found:?}");
    }
}
