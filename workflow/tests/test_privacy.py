"""A model that memorises its training people stops the workflow, naming the stratum and the
chromosome: refused at training (`genosynth train` exit 3, selection on validation people), or
at the privacy gate when its eval on the stratum's own held-out people fails a privacy check;
`accept_privacy_risk: true` keeps the AGs and records it. By default each stratum's hclt
borrows from the other strata's training people (`--reference`), never from a held-out person.

Real runs on the simulation of `cargo xtask workflow-check` ($WORKFLOW_TEST_SIM) or a small one:
8 training people per stratum and an HCLT with 16 states and weak priors, each stratum alone
(`stratum_reference=false`), memorise them (the setting `genosynth synth` refuses in
crates/genosynth-cli/tests/privacy_cli.rs).
"""

import json
import os
import re
import subprocess

from test_config import HERE, SNAKEFILE, sim  # noqa: F401 (the fixture)

OVERFIT = "train_args=--hclt-states 16 --emission-prior 0.01 --transition-prior 0.01"
ALONE = "stratum_reference=false"


def run(tmp_path, sim, *config, overfit=(OVERFIT, ALONE)):
    out = subprocess.run(
        ["snakemake", "-s", SNAKEFILE, "--cores", "2",
         "--configfile", os.path.join(HERE, "config.yaml"),
         "--config", f"vcf={sim}/{{chrom}}.vcf.gz", f"panel={sim}/panel.txt", "outdir=out",
         "chromosomes=[chr1]", "baseline=false", "epochs=20", *overfit, *config],
        capture_output=True, text=True, cwd=tmp_path,
    )
    return out.returncode, out.stdout + out.stderr


def test_a_memorising_stratum_is_refused_at_training_with_its_name(sim, tmp_path):
    code, text = run(tmp_path, sim, "accept_privacy_risk=false")
    assert code != 0, text
    # At a line's start: Snakemake also prints the rule's command, which holds the message.
    refused = re.search(r"^error: privacy refusal: stratum (\w+), chromosome chr1: no validated"
                        r" checkpoint.* the bound it missed is in (\S+) and the refused model in"
                        r" (\S+), kept across reruns", text, re.M)
    assert refused, text
    assert "set accept_privacy_risk: true" in text, text
    assert not (tmp_path / "out" / "summary.json").exists()

    # The refusal's log names the bound, and the refused model, which Snakemake deleted from
    # the job's outputs, is kept beside it; both survive the next run of the job, which
    # overwrites the job's own log (here: the same stratum's model, the risk accepted).
    label, kept, model = refused.groups()
    kept, model = tmp_path / kept, tmp_path / model
    assert "no validated checkpoint met the privacy bounds" in kept.read_text(), kept
    refusal = kept.read_text()
    assert not (tmp_path / "out" / "strata" / label / "models" / "chr1").exists()
    meta = json.loads((model / "model.json").read_text())
    assert meta["model"]["kind"] == "hclt" and meta["selection"]["best_epoch"], meta
    assert (model / "best.safetensors").is_file(), sorted(p.name for p in model.iterdir())
    trained = (model / "model.safetensors").read_bytes()
    code, text = run(tmp_path, sim, "accept_privacy_risk=true", "--",
                     f"out/strata/{label}/models/chr1")
    assert code == 0, text
    log = (tmp_path / "out" / "strata" / label / "logs" / "train" / "chr1.log").read_text()
    assert "no validated checkpoint met the privacy bounds" not in log, log
    assert kept.read_text() == refusal
    assert (model / "model.safetensors").read_bytes() == trained


def test_a_leaking_stratum_fails_the_gate_unless_the_risk_is_accepted(sim, tmp_path):
    # No selection on validation people: only the eval on held-out people can stop it.
    code, text = run(tmp_path, sim, "validation_fraction=0", "accept_privacy_risk=false")
    assert code != 0, text
    assert "privacy gate:" in text, text
    leaks = re.findall(r"stratum (\w+), chr1: (\w+) ", text)
    assert any(check == "likelihood_attack_auc" for _, check in leaks), text
    assert not (tmp_path / "out" / "privacy.json").exists()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    for label, chroms in summary["runs"]["main"]["strata"].items():
        attack = chroms["chr1"]["likelihood_attack"]
        assert attack["non_members"] > 0 and attack["members"] > 0, (label, attack)

    code, text = run(tmp_path, sim, "validation_fraction=0", "accept_privacy_risk=true")
    assert code == 0, text
    gate = json.loads((tmp_path / "out" / "privacy.json").read_text())
    assert gate["accept_privacy_risk"] is True and not gate["passed"] and gate["leaks"], gate


def samples(vcf):
    return set(subprocess.run(["bcftools", "query", "-l", vcf], capture_output=True, text=True,
                              check=True).stdout.split())


def lines(path):
    return set(path.read_text().split())


def test_each_stratum_borrows_from_the_other_strata_training_people_only(sim, tmp_path):
    code, text = run(tmp_path, sim, "accept_privacy_risk=true", overfit=())
    assert code == 0, text
    out = tmp_path / "out"
    train, holdout = lines(out / "split" / "train.txt"), lines(out / "split" / "holdout.txt")
    labels = sorted(p.name.removesuffix(".txt") for p in (out / "split" / "strata").glob("*.txt")
                    if not p.name.endswith(".holdout.txt"))
    assert len(labels) >= 2, labels
    for label in labels:
        own = lines(out / "split" / "strata" / f"{label}.txt")
        reference = samples(str(out / "strata" / label / "data" / "chr1.reference.vcf.gz"))
        assert reference and reference == train - own, (label, reference ^ (train - own))
        assert not reference & holdout, label
        log = (out / "strata" / label / "logs" / "train" / "chr1.log").read_text()
        assert "reference weight" in log, log
        model = json.loads((out / "strata" / label / "models" / "chr1" / "model.json").read_text())
        assert model["model"]["reference_weight"] in (0.5, 1, 2, 4, 8), model["model"]
        # private_allele_min_count (default 5) reached genosynth: the alleles the other strata
        # lack and fewer than 5 of this stratum's haplotypes carry were not learned.
        masked = model["private_alleles"]
        assert masked["min_count"] == 5 and masked["sites"] > 0 and masked["alleles"] > 0, masked
        assert "private alleles not learned" in log, log
    # ... and the summary shows it per stratum, from each model's report.
    summary = json.loads((out / "summary.json").read_text())
    for label, chroms in summary["runs"]["main"]["strata"].items():
        masked = chroms["chr1"]["private_alleles"]
        assert masked and masked["min_count"] == 5 and masked["sites"] > 0, (label, masked)
    assert "private alleles not learned" in (out / "summary.html").read_text()
