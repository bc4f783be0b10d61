use super::*;

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

#[test]
fn a_cycle_through_three_files_is_named_in_import_order() {
    let crate_files = files(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use a::Top;\n"),
        ("a.rs", "use crate::b::Middle;\npub struct Top(Middle);\n"),
        ("b.rs", "pub struct Middle(crate::c::Bottom);\n"),
        // The cycle closes through a re-export at the crate root: `crate::Top` is a.rs's.
        (
            "c.rs",
            "use crate::Top;\npub struct Bottom;\nfn f(_: &Top) {}\n",
        ),
    ]);
    let problems = import_cycles("demo", &crate_files, &[]);
    assert_eq!(
        problems,
        [
            "demo: files import each other in a cycle: a.rs → b.rs → c.rs → a.rs (move the shared \
          item down into a file that neither imports)"
        ]
    );
}

#[test]
fn one_way_imports_tests_and_re_exports_pass() {
    let crate_files = files(&[
        (
            "lib.rs",
            "mod types;\nmod model;\npub use model::Model;\npub use types::Kind;\n",
        ),
        (
            "types.rs",
            "pub enum Kind { A }\n#[cfg(test)]\nmod tests {\n    use crate::model::Model;\n}\n",
        ),
        (
            "model/mod.rs",
            "mod part;\n#[cfg(test)]\nmod tests;\npub(crate) use part::Part;\npub struct Model(crate::types::Kind);\n",
        ),
        // A child naming its parent's item is fine while the parent only re-exports the child.
        (
            "model/part.rs",
            "use super::Model;\npub(crate) struct Part(Model);\n",
        ),
        (
            "model/tests.rs",
            "use crate::Model;\nuse super::part::Part;\n",
        ),
    ]);
    assert!(import_cycles("demo", &crate_files, &[]).is_empty());
}

#[test]
fn a_parent_that_uses_its_child_while_the_child_uses_it_is_a_cycle_unless_a_unit() {
    let crate_files = files(&[
        ("lib.rs", "mod tree;\n"),
        (
            "tree/mod.rs",
            "mod em;\npub(crate) struct Tree;\nfn fit(t: &Tree) { em::step(t) }\n",
        ),
        (
            "tree/em.rs",
            "// super::nothing in a comment\nuse super::Tree;\npub(crate) fn step(_: &Tree) { let _ = \"super::x\"; }\n",
        ),
    ]);
    let problems = import_cycles("demo", &crate_files, &[]);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("tree/em.rs → tree/mod.rs → tree/em.rs"),
        "{problems:?}"
    );
    assert!(import_cycles("demo", &crate_files, &["tree"]).is_empty());
}

#[test]
fn use_trees_expand_to_every_name() {
    let got = use_tree("crate::{a::{self, B as C}, d::*, e}");
    let want: Vec<(String, Vec<String>)> = [
        ("a", vec!["crate", "a"]),
        ("C", vec!["crate", "a", "B"]),
        ("*", vec!["crate", "d"]),
        ("e", vec!["crate", "e"]),
    ]
    .into_iter()
    .map(|(n, p)| (n.to_string(), p.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn serde_paths_in_strings_count_and_characters_do_not_confuse_braces() {
    let crate_files = files(&[
        ("lib.rs", "mod meta;\nmod json;\n"),
        (
            "meta.rs",
            "#[serde(from = \"crate::json::Json\")]\npub struct Meta;\nfn f() -> char { '{' }\n",
        ),
        ("json.rs", "pub struct Json(crate::meta::Meta);\n"),
    ]);
    let problems = import_cycles("demo", &crate_files, &[]);
    assert_eq!(problems.len(), 1, "{problems:?}");
}

/// The models crate of this workspace keeps its layering (the check arch-check runs).
#[test]
fn the_models_crate_has_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/genosynth-models/src");
    let sources = read_sources(&src).unwrap();
    assert!(sources.len() > 20);
    let problems = import_cycles(
        "genosynth-models",
        &sources,
        crate::arch_check::LAYERED_UNITS,
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
