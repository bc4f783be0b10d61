//! What `--help` tells a new user: what genosynth is, the main path, and which model to train.

mod common;

use common::genosynth;

fn help(args: &[&str]) -> String {
    let out = genosynth().args(args).output().expect("genosynth runs");
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn top_level_help_says_what_genosynth_does_and_shows_the_main_path() {
    let text = help(&["--help"]);
    let about = text.lines().next().unwrap();
    assert!(about.contains("artificial"), "{about}");
    assert!(!text.contains("command-line tool"), "{text}");
    // The example runs split, then synth, then eval, with the holdout going to eval.
    let example = &text[text.find("Example").expect("an example block")..];
    let at = |what: &str| {
        example
            .find(what)
            .unwrap_or_else(|| panic!("{what} in {example}"))
    };
    assert!(at("genosynth split") < at("genosynth synth"));
    assert!(at("genosynth synth") < at("genosynth eval"));
    assert!(example.contains("--holdout holdout.vcf.gz"));
}

#[test]
fn train_help_names_every_model_and_groups_options_per_model() {
    let text = help(&["train", "--help"]);
    let which = &text[text.find("Which model").expect("which model")..];
    for model in ["hclt", "rbm", "gan", "wgan", "crbm"] {
        assert!(
            which
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{model} "))),
            "{model} in:\n{which}"
        );
    }
    // Shared options first, then one heading per model, in this order.
    let headings = [
        "\nOptions:",
        "\nInput:",
        "\nGAN (--model gan):",
        "\nRBM (--model rbm):",
        "\nWGAN (--model wgan):",
        "\nCRBM (--model crbm):",
        "\nHCLT (--model hclt):",
    ];
    let positions: Vec<usize> = headings
        .iter()
        .map(|h| text.find(h).unwrap_or_else(|| panic!("{h:?} in:\n{text}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    // Each model's hyperparameters sit under its own heading (up to the next one listed).
    let section = |i: usize| &text[positions[i]..*positions.get(i + 1).unwrap_or(&text.len())];
    assert!(section(2).contains("--latent-size"));
    assert!(section(6).contains("--hclt-states"));
    assert!(!section(0).contains("--latent-size"));
}
