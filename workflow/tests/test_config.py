"""Bad configs fail at parse time with clear messages, before any job (snakemake -n).

Needs the simulation of `cargo xtask workflow-check` ($WORKFLOW_TEST_SIM: chr1.vcf.gz,
chr2.vcf.gz, panel.txt), or simulates the same one itself.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SNAKEFILE = os.path.join(os.path.dirname(HERE), "Snakefile")
SIMULATE = os.path.join(os.path.dirname(HERE), "scripts", "simulate.py")


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    given = os.environ.get("WORKFLOW_TEST_SIM")
    if given:
        return given
    out = tmp_path_factory.mktemp("sim")
    # xtask/src/workflow_check.rs's simulation: 10 people per population leave a stratum 8
    # training people, whose models the privacy tests need refused (5 left 4, too few to
    # validate on, and train stopped on that instead).
    subprocess.run(
        [sys.executable, SIMULATE, "--chromosomes", "2", "--length-mb", "0.2",
         "--per-population", "10", "--seed", "3", "-o", str(out)],
        check=True,
    )
    return str(out)


def dry_run(tmp_path, *config):
    """`snakemake -n` with the test config and `config` overrides; (exit code, output)."""
    out = subprocess.run(
        ["snakemake", "-s", SNAKEFILE, "-n", "-p", "--cores", "1",
         "--configfile", os.path.join(HERE, "config.yaml"), "--config", *config],
        capture_output=True, text=True, cwd=tmp_path,
    )
    return out.returncode, out.stdout + out.stderr


def good(sim):
    return [
        f"vcf={sim}/{{chrom}}.vcf.gz", f"panel={sim}/panel.txt", "outdir=out", "window_sites=50", "model=crbm"
    ]


def planned(text, rule):
    return any(line.split()[:1] == [rule] for line in text.splitlines())


def test_a_good_config_plans_every_step_up_to_the_windows(sim, tmp_path):
    code, text = dry_run(tmp_path, *good(sim))
    assert code == 0, text
    for rule in ("split", "subset", "labels", "plan", "summary", "privacy_gate"):
        assert planned(text, rule), rule
    assert not (tmp_path / "out").exists(), "a dry run must not write outputs"


def test_hclt_trains_one_model_per_chromosome_without_windows(sim, tmp_path):
    code, text = dry_run(tmp_path, *good(sim), "model=hclt", "baseline=true", "accept_privacy_risk=false")
    assert code == 0, text
    # The baseline's models do not wait for the labels checkpoint: one per chromosome.
    assert planned(text, "train_model") and "out/baseline/models/chr1" in text, text
    assert not planned(text, "plan") and not planned(text, "train_window"), text
    assert "--validation-fraction 0.2" in text and "--accept-privacy-risk" not in text, text
    code, text = dry_run(tmp_path, *good(sim), "model=hclt", "baseline=true", "accept_privacy_risk=true")
    assert code == 0 and "--accept-privacy-risk" in text, text


def test_patience_reaches_every_hclt_training_and_needs_validation_people(sim, tmp_path):
    code, text = dry_run(tmp_path, *good(sim), "model=hclt", "baseline=true", "patience=5")
    assert code == 0, text
    trainings = [line for line in text.splitlines() if " train " in line and "--model hclt" in line]
    assert len(trainings) >= 2 and all("--patience 5 " in line for line in trainings), trainings
    # Without validation people there is nothing to stop on: no --patience at all.
    code, text = dry_run(tmp_path, *good(sim), "model=hclt", "patience=5", "validation_fraction=0")
    assert code == 0 and "--model hclt" in text and "--patience" not in text, text


@pytest.mark.parametrize(
    "override, message",
    [
        ("vcf={sim}/chr1.vcf.gz", "has no {chrom} placeholder"),
        ("chromosomes=[chr1,chr7]", "chr7.vcf.gz does not exist"),
        ("window_sites=100000000", "is larger than chromosome chr1"),
        ("model=vae", "unknown model 'vae'"),
        ("train_fraction=1.5", "train_fraction: must be a number strictly between 0 and 1"),
        ("multiallelic=keep", "multiallelic: must be one of error, split, drop"),
        ("n_ags=0", "n_ags: must be a positive integer"),
        ("baseline=maybe", "baseline: must be true or false"),
        ("conditioning=both", "conditioning: must be stratified (a model per label) or labels"),
        ("validation_fraction=1", "validation_fraction: must be a share in [0, 1)"),
        ("accept_privacy_risk=maybe", "accept_privacy_risk: must be true or false"),
        ("epochs=0", "epochs: must be a positive integer"),
        ("reference_weight=heavy", "reference_weight: must be auto or a number >= 0"),
        ("reference_weight=-1", "reference_weight: must be auto or a number >= 0"),
        ("stratum_reference=maybe", "stratum_reference: must be true or false"),
        ("patience=-1", "patience: must be a non-negative integer"),
        ("patience=soon", "patience: must be a non-negative integer"),
        ("private_allele_min_count=-1", "private_allele_min_count: must be a non-negative integer"),
        ("private_allele_min_count=2.5", "private_allele_min_count: must be a non-negative integer"),
        ("private_allele_min_count=many", "private_allele_min_count: must be a non-negative integer"),
        ("reference_frequency_weight=own", "reference_frequency_weight: must be borrow or a number >= 0"),
        ("reference_frequency_weight=-1", "reference_frequency_weight: must be borrow or a number >= 0"),
    ],
)
def test_a_bad_config_fails_before_any_job_with_a_clear_message(sim, tmp_path, override, message):
    config = [c for c in good(sim) if c.split("=")[0] != override.split("=")[0]]
    code, text = dry_run(tmp_path, *config, override.format(sim=sim))
    assert code != 0
    assert "invalid workflow config" in text
    assert message in text, text
    assert "Building DAG of jobs" not in text, "the config must fail before the DAG is built"


def test_a_chromosome_absent_from_its_vcf_is_named_with_what_the_index_lists(sim, tmp_path):
    # chrX.vcf.gz exists but holds chr1: the index shows the chromosome is absent.
    data = tmp_path / "data"
    data.mkdir()
    for suffix in ("", ".tbi"):
        shutil.copy(f"{sim}/chr1.vcf.gz{suffix}", data / f"chr1.vcf.gz{suffix}")
        shutil.copy(f"{sim}/chr1.vcf.gz{suffix}", data / f"chrX.vcf.gz{suffix}")
    code, text = dry_run(
        tmp_path, f"vcf={data}/{{chrom}}.vcf.gz", "chromosomes=[chr1,chrX]",
        f"panel={sim}/panel.txt", "outdir=out", "window_sites=50",
    )
    assert code != 0
    assert "chromosome chrX: absent from" in text and "its index lists: chr1" in text, text


def test_population_counts_must_name_panel_labels_and_add_up(sim, tmp_path):
    code, text = dry_run(tmp_path, *good(sim), "population_counts={AFR: 10, XYZ: 20}")
    assert code != 0 and "labels not in the panel: XYZ" in text, text
    code, text = dry_run(tmp_path, *good(sim), "population_counts={AFR: 10, EUR: 5}")
    assert code != 0 and "adds up to 15 people, but n_ags is 30" in text, text


def test_label_units_need_a_model_that_takes_labels(sim, tmp_path):
    code, text = dry_run(tmp_path, *good(sim), "conditioning=labels", "model=rbm")
    assert code != 0 and "conditioning: labels needs a model that takes labels" in text, text


def test_baseline_false_on_the_command_line_turns_the_baseline_off(sim, tmp_path):
    code, text = dry_run(tmp_path, *good(sim), "baseline=false")
    assert code == 0, text
    assert "out/baseline" not in text
    code, text = dry_run(tmp_path, *good(sim), "baseline=true")
    assert code == 0 and "out/baseline/" in text, text


def test_empty_train_args_mean_no_extra_flags():
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))
    import config_check

    config = {"train_args": None, "baseline": "false"}
    config_check.normalise_booleans(config)
    assert config == {"train_args": "", "baseline": False}
    config = {"train_args": "--hclt-states 6"}
    config_check.normalise_booleans(config)
    assert config["train_args"] == "--hclt-states 6"


def trainings(tmp_path, sim, *config):
    """The `genosynth train` commands of a stratified hclt run, baseline included: the data
    rules and the labels checkpoint run for real (genosynth split/convert, seconds), so that the
    dry run can plan the strata's models; {model directory: its command}."""
    args = [*good(sim), "model=hclt", "baseline=true", *config]
    base = ["snakemake", "-s", SNAKEFILE, "--cores", "1",
            "--configfile", os.path.join(HERE, "config.yaml"), "--config", *args]
    first = subprocess.run([*base, "--until", "labels"], capture_output=True, text=True, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    code, text = dry_run(tmp_path, *args)
    assert code == 0, text
    commands = {}
    for line in text.splitlines():
        if " train " in line and "--model hclt" in line:
            commands[re.search(r" -o (\S+)", line).group(1)] = line
    return commands


def test_private_allele_min_count_reaches_every_training_with_a_reference(sim, tmp_path):
    commands = trainings(tmp_path, sim)
    strata = {out: line for out, line in commands.items() if "/strata/" in out}
    assert len(strata) >= 4 and any("/baseline/" in out for out in commands), sorted(commands)
    for out, line in strata.items():
        assert "--reference " in line and "--private-allele-min-count 5 " in line, line
        # A refused stratum is told the threshold is one more thing to try.
        assert "a larger private_allele_min_count than 5" in line, line
    # The baseline's unconditioned model has no reference: nothing to mask against.
    for out, line in commands.items():
        if "/baseline/" in out:
            assert "--reference" not in line and "private-allele" not in line, line
            assert "private_allele_min_count" not in line, line


def test_each_stratum_keeps_its_own_frequencies_unless_told_to_borrow(sim, tmp_path):
    # 0 must reach genosynth: its own default is borrow, which loses a small stratum's ancestry.
    commands = trainings(tmp_path, sim)
    strata = [line for out, line in commands.items() if "/strata/" in out]
    assert strata and all("--reference-frequency-weight 0 " in line for line in strata), strata
    assert not any("--reference-frequency-weight" in line
                   for out, line in commands.items() if "/baseline/" in out), commands
    commands = trainings(tmp_path, sim, "reference_frequency_weight=borrow")
    strata = [line for out, line in commands.items() if "/strata/" in out]
    assert strata and all("--reference-frequency-weight borrow " in line for line in strata), strata


def test_private_allele_min_count_zero_is_passed_and_each_stratum_alone_gets_none(sim, tmp_path):
    # 0 must reach genosynth: its own default with --reference is not 0.
    commands = trainings(tmp_path, sim, "private_allele_min_count=0")
    strata = [line for out, line in commands.items() if "/strata/" in out]
    assert strata and all("--private-allele-min-count 0 " in line for line in strata), strata
    assert all("private_allele_min_count: 5 (0 now" in line for line in strata), strata
    commands = trainings(tmp_path, sim, "stratum_reference=false")
    assert commands and not any("private-allele" in line or "private_allele" in line
                                for line in commands.values()), commands

