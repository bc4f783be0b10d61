//! `cargo xtask arch-check`: the architecture invariants of docs/architecture.md that stable
//! Rust can check.
//!
//! 1. Dependencies (`cargo metadata`): only genosynth-vcf depends on noodles, only
//!    genosynth-models on candle, anyhow only the binary, xtask and the Python package;
//!    genosynth-core and genosynth-eval reach neither candle nor noodles, even transitively.
//! 2. No public item of genosynth-models mentions candle: its rustdoc (public items only) is
//!    built after candle's own, so every candle type in a public signature, field, trait impl
//!    or re-export becomes a link into `candle_core`/`candle_nn`; any such link is a leak.
//! 3. Inside genosynth-models, files import one way (shared types below models below the
//!    training and generation drivers): a cycle among its files fails, named file by file
//!    ([`module_graph`]).

mod module_graph;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail, ensure};
use serde_json::Value;

use crate::harness::run_visible;

/// Direct normal or build dependencies a workspace crate may have, by name prefix.
const ONLY_IN: &[(&str, &[&str])] = &[
    ("noodles", &["genosynth-vcf"]),
    ("candle", &["genosynth-models"]),
    ("anyhow", &["genosynth-cli", "genosynth-py", "xtask"]),
];

/// Crates that must reach neither candle nor noodles through any normal dependency.
const PURE: &[&str] = &["genosynth-core", "genosynth-eval"];

/// Dependency prefixes [`PURE`] crates must not reach.
const HEAVY: &[&str] = &["candle", "noodles"];

/// Crates whose files must import one way, by source folder.
const LAYERED: &[(&str, &str)] = &[("genosynth-models", "crates/genosynth-models/src")];

/// Folders of [`LAYERED`] crates checked as one node: their files may import each other in a
/// cycle, but nothing outside may close a cycle through them. None today: hclt/ imports one
/// way since the reference model moved out of prior.rs into reference.rs.
pub(crate) const LAYERED_UNITS: &[&str] = &[];

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    match args {
        [] => {}
        [flag] if flag == "-h" || flag == "--help" => {
            println!(
                "usage: cargo xtask arch-check\n\nchecks docs/architecture.md's invariants: which crates may depend on noodles, candle\nand anyhow (cargo metadata), that the files of genosynth-models import one way (no\ncycle), and that no public item of genosynth-models mentions candle (its rustdoc, built\nafter candle's, holds no link into candle)"
            );
            return Ok(());
        }
        [other, ..] => bail!("xtask arch-check takes no arguments (got {other:?})"),
    }
    let metadata = cargo_metadata()?;
    let mut problems = dependency_problems(&metadata)?;
    for (name, src) in LAYERED {
        let sources = module_graph::read_sources(Path::new(src))?;
        problems.extend(module_graph::import_cycles(name, &sources, LAYERED_UNITS));
    }
    problems.extend(candle_in_models_api()?);
    if problems.is_empty() {
        eprintln!("arch-check: every architecture invariant holds");
        Ok(())
    } else {
        bail!(
            "architecture invariants broken (docs/architecture.md):\n  {}",
            problems.join("\n  ")
        )
    }
}

fn cargo_metadata() -> anyhow::Result<Value> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .context("cannot run cargo metadata")?;
    ensure!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Every broken dependency rule of the workspace `metadata`.
fn dependency_problems(metadata: &Value) -> anyhow::Result<Vec<String>> {
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .context("cargo metadata: no workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata: no packages")?;
    let mut problems = Vec::new();
    for package in packages {
        let id = package["id"].as_str().unwrap_or_default();
        if !members.contains(id) {
            continue;
        }
        let name = package["name"].as_str().unwrap_or_default();
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            // Dev-dependencies build tests only, never the crate.
            if dep["kind"].as_str() == Some("dev") {
                continue;
            }
            let dep_name = dep["name"].as_str().unwrap_or_default();
            for (prefix, allowed) in ONLY_IN {
                if dep_name.starts_with(prefix) && !allowed.contains(&name) {
                    problems.push(format!(
                        "{name} depends on {dep_name}: only {} may depend on {prefix}",
                        allowed.join(", ")
                    ));
                }
            }
        }
    }
    problems.extend(pure_crate_problems(metadata, packages)?);
    Ok(problems)
}

/// [`PURE`] crates that reach a [`HEAVY`] crate through normal dependencies.
fn pure_crate_problems(metadata: &Value, packages: &[Value]) -> anyhow::Result<Vec<String>> {
    let name_of: HashMap<&str, &str> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let mut normal_deps: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .context("cargo metadata: no resolve graph")?
    {
        let id = node["id"].as_str().unwrap_or_default();
        let deps = node["deps"].as_array().into_iter().flatten().filter(|d| {
            d["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null())
        });
        normal_deps.insert(id, deps.filter_map(|d| d["pkg"].as_str()).collect());
    }
    let mut problems = Vec::new();
    for pure in PURE {
        let start = name_of
            .iter()
            .find(|(_, n)| *n == pure)
            .map(|(id, _)| *id)
            .with_context(|| format!("{pure} is not in the workspace"))?;
        let (mut seen, mut stack) = (BTreeSet::new(), vec![start]);
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let name = name_of.get(id).copied().unwrap_or(id);
            if HEAVY.iter().any(|h| name.starts_with(h)) {
                problems.push(format!("{pure} reaches {name} through its dependencies"));
            }
            stack.extend(normal_deps.get(id).into_iter().flatten());
        }
    }
    Ok(problems)
}

/// Public items of genosynth-models that mention candle, from its rustdoc.
fn candle_in_models_api() -> anyhow::Result<Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Candle's own docs first: rustdoc links a type into another crate only when that crate's
    // docs sit beside it. The models crate is named too, so both runs resolve candle's features
    // alike and share the dependencies' build.
    run_visible(Command::new(&cargo).args([
        "doc",
        "--no-deps",
        "--package",
        "candle-core",
        "--package",
        "candle-nn",
        "--package",
        "genosynth-models",
    ]))?;
    // A flag of this run's own makes cargo re-document the crate now that candle's docs exist.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    run_visible(
        Command::new(&cargo)
            .args(["doc", "--no-deps", "--package", "genosynth-models"])
            .env(
                "RUSTDOCFLAGS",
                format!("--cfg genosynth_arch_check_{stamp}"),
            ),
    )?;
    let docs = crate::bench::cargo_target_dir()
        .join("doc")
        .join("genosynth_models");
    ensure!(
        docs.join("index.html").exists(),
        "cargo doc wrote no {}",
        docs.join("index.html").display()
    );
    let mut leaks = Vec::new();
    scan_for_candle(&docs, &docs, &mut leaks)?;
    Ok(leaks)
}

/// Appends `page: link` for every link into candle in the HTML pages under `dir`.
fn scan_for_candle(root: &Path, dir: &Path, leaks: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            scan_for_candle(root, &path, leaks)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&path)?;
            let page = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let found: BTreeSet<&str> = candle_links(&html).collect();
            for link in found {
                leaks.push(format!(
                    "genosynth-models' public API mentions candle: {page}: {link}"
                ));
            }
        }
    }
    Ok(())
}

/// The `href` and `title` attribute values in `html` that point into candle.
fn candle_links(html: &str) -> impl Iterator<Item = &str> {
    ["href=\"", "title=\""].into_iter().flat_map(move |attr| {
        html.match_indices(attr).filter_map(move |(i, _)| {
            let rest = &html[i + attr.len()..];
            let value = &rest[..rest.find('"')?];
            (value.contains("candle_core") || value.contains("candle_nn")).then_some(value)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candle_links_are_found_in_fields_and_signatures_but_not_in_prose() {
        let html = r#"<p>Callers never see candle types.</p>
            <code>t: <a class="struct" href="../candle_core/tensor/struct.Tensor.html" title="struct candle_core::tensor::Tensor">Tensor</a></code>
            <a href="../genosynth_models/struct.Rbm.html" title="struct genosynth_models::Rbm">Rbm</a>"#;
        let found: Vec<&str> = candle_links(html).collect();
        assert_eq!(
            found,
            [
                "../candle_core/tensor/struct.Tensor.html",
                "struct candle_core::tensor::Tensor"
            ]
        );
    }

    #[test]
    fn dependency_rules_name_the_offender() {
        let metadata = serde_json::json!({
            "workspace_members": ["core", "eval", "vcf"],
            "packages": [
                {"id": "core", "name": "genosynth-core", "dependencies": []},
                {"id": "eval", "name": "genosynth-eval", "dependencies": [
                    {"name": "anyhow", "kind": null},
                    {"name": "proptest", "kind": "dev"}
                ]},
                {"id": "vcf", "name": "genosynth-vcf", "dependencies": [
                    {"name": "noodles-vcf", "kind": null}
                ]},
                {"id": "nv", "name": "noodles-vcf", "dependencies": []}
            ],
            "resolve": {"nodes": [
                {"id": "core", "deps": []},
                {"id": "eval", "deps": [{"pkg": "vcf", "dep_kinds": [{"kind": null}]}]},
                {"id": "vcf", "deps": [{"pkg": "nv", "dep_kinds": [{"kind": null}]}]},
                {"id": "nv", "deps": []}
            ]}
        });
        let problems = dependency_problems(&metadata).unwrap();
        assert_eq!(
            problems,
            [
                "genosynth-eval depends on anyhow: only genosynth-cli, genosynth-py, xtask may depend on anyhow",
                "genosynth-eval reaches noodles-vcf through its dependencies",
            ]
        );
    }
}
