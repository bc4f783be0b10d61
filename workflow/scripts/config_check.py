"""Checks the workflow's config before any job runs (the Snakefile calls `check` at parse time).

Every problem found is reported at once, each naming the key, the file and how to fix it, so a
bad config costs seconds, not a failed cluster job hours later.
"""

import os
import shutil
import subprocess

MODELS = ("crbm", "wgan", "gan", "rbm", "hclt")
POLICIES = {"multiallelic": ("error", "split", "drop"), "missing": ("error", "major")}
LABEL_COLUMNS = {"super_pop": "super-pop", "pop": "pop"}
CONDITIONING = ("stratified", "labels")
# Models that take labels (`conditioning: labels`): as inputs (crbm, wgan), or as one mixture
# component per label (hclt).
LABEL_MODELS = ("crbm", "wgan", "hclt")
# Epochs when the config leaves `epochs` empty: hclt's are EM iterations, as `genosynth synth`'s
# default (the checkpoint is chosen among 16 validations); the others' what the workflow's
# window measurements used (docs/scale.md).
DEFAULT_EPOCHS = {"hclt": 60, "crbm": 30, "wgan": 30, "gan": 2000, "rbm": 80}


BOOLEANS = ("snps_only", "baseline", "accept_privacy_risk", "stratum_reference")
# Extra command-line flags: `--config train_args=""` arrives as None, which the shell would
# get as the word "None".
FLAGS = ("train_args",)


def normalise_booleans(config: dict) -> None:
    """`--config baseline=false` arrives as the string "false": make such values booleans; an
    empty flags value (None) means no extra flags."""
    for key in BOOLEANS:
        value = config.get(key)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            config[key] = value.lower() == "true"
    for key in FLAGS:
        if key in config and config[key] is None:
            config[key] = ""


class ConfigError(Exception):
    """The config cannot run; the message lists every problem found."""


def index_site_counts(vcf: str) -> dict[str, int]:
    """Records per contig from the VCF's .tbi/.csi index (`bcftools index -s`), without reading it."""
    out = subprocess.run(["bcftools", "index", "-s", vcf], capture_output=True, text=True)
    if out.returncode != 0:
        raise ConfigError(f"vcf {vcf}: cannot read its index: {out.stderr.strip()}")
    counts = {}
    for line in out.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[2].isdigit():
            counts[fields[0]] = int(fields[2])
    return counts


def samples_of(vcf: str) -> list[str]:
    """The VCF header's sample names."""
    out = subprocess.run(["bcftools", "query", "-l", vcf], capture_output=True, text=True)
    if out.returncode != 0:
        raise ConfigError(f"vcf {vcf}: cannot read its header: {out.stderr.strip()}")
    return out.stdout.split()


def panel_labels(panel: str, column: str) -> dict[str, str]:
    """sample -> label from a 1000 Genomes panel (header `sample pop super_pop gender`)."""
    with open(panel) as f:
        header = f.readline().split()
        if header[:3] != ["sample", "pop", "super_pop"]:
            raise ConfigError(
                f"panel {panel}: header must start with `sample pop super_pop` (got {' '.join(header)})"
            )
        index = header.index(column)
        return {row[0]: row[index] for row in (line.split() for line in f) if row}


def _fraction(config, key, problems):
    value = config.get(key)
    if not isinstance(value, (int, float)) or not 0 < value < 1:
        problems.append(f"{key}: must be a number strictly between 0 and 1 (got {value!r})")


def _positive_int(config, key, problems):
    value = config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.append(f"{key}: must be a positive integer (got {value!r})")


def check(config: dict) -> dict[str, int]:
    """Validates `config`; returns the indexed site count of each chromosome, or raises ConfigError."""
    problems = []
    for key in ("vcf", "chromosomes", "model", "window_sites", "n_ags", "outdir", "seed"):
        if config.get(key) in (None, "", []):
            problems.append(f"{key}: missing (set it in config.yaml or with --config {key}=...)")
    if problems:
        raise ConfigError("\n".join(problems))

    vcf = str(config["vcf"])
    if "{chrom}" not in vcf:
        problems.append(
            f"vcf: {vcf!r} has no {{chrom}} placeholder; name one file per chromosome, "
            "e.g. vcf=data/{chrom}.vcf.gz"
        )
    chromosomes = config["chromosomes"]
    if not isinstance(chromosomes, list) or not all(isinstance(c, (str, int)) for c in chromosomes):
        problems.append(f"chromosomes: must be a list such as [chr1, chr2] (got {chromosomes!r})")
    elif len(set(map(str, chromosomes))) != len(chromosomes):
        problems.append(f"chromosomes: listed twice: {chromosomes}")
    if config["model"] not in MODELS:
        problems.append(f"model: unknown model {config['model']!r}; choose one of {', '.join(MODELS)}")
    for key in ("window_sites", "n_ags"):
        _positive_int(config, key, problems)
    if config.get("epochs") is not None:
        _positive_int(config, "epochs", problems)
    validation = config.get("validation_fraction", 0.2)
    if isinstance(validation, bool) or not isinstance(validation, (int, float)) or not 0 <= validation < 1:
        problems.append(
            f"validation_fraction: must be a share in [0, 1) (0 turns selection on held-out people "
            f"off) (got {validation!r})"
        )
    patience = config.get("patience", 0)
    if not isinstance(patience, int) or isinstance(patience, bool) or patience < 0:
        problems.append(f"patience: must be a non-negative integer (0: every epoch) (got {patience!r})")
    min_count = config.get("private_allele_min_count", 5)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 0:
        problems.append(
            f"private_allele_min_count: must be a non-negative integer, a count of haplotypes "
            f"(0 learns every allele; 5 is the default) (got {min_count!r})"
        )
    weight = config.get("reference_weight", "auto")
    if weight != "auto" and (isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0):
        problems.append(f"reference_weight: must be auto or a number >= 0 (got {weight!r})")
    frequency = config.get("reference_frequency_weight", 0)
    if frequency != "borrow" and (
        isinstance(frequency, bool) or not isinstance(frequency, (int, float)) or not 0 <= frequency < float("inf")
    ):
        problems.append(
            f"reference_frequency_weight: must be borrow or a number >= 0 (0 keeps each "
            f"stratum's own allele frequencies) (got {frequency!r})"
        )
    if isinstance(config.get("window_sites"), int) and config["window_sites"] < 2:
        problems.append("window_sites: a window needs at least 2 sites")
    _fraction(config, "train_fraction", problems)
    if not isinstance(config["seed"], int) or config["seed"] < 0:
        problems.append(f"seed: must be a non-negative integer (got {config['seed']!r})")
    for key, allowed in POLICIES.items():
        if config.get(key) not in allowed:
            problems.append(f"{key}: must be one of {', '.join(allowed)} (got {config.get(key)!r})")
    normalise_booleans(config)
    for key in BOOLEANS:
        if not isinstance(config.get(key, False), bool):
            problems.append(f"{key}: must be true or false (got {config.get(key)!r})")
    conditioning = config.get("conditioning", "stratified")
    if conditioning not in CONDITIONING:
        problems.append(
            f"conditioning: must be stratified (a model per label) or labels (one model that takes "
            f"the labels) (got {conditioning!r})"
        )
    elif conditioning == "labels" and config["model"] in MODELS and config["model"] not in LABEL_MODELS:
        problems.append(
            f"conditioning: labels needs a model that takes labels ({', '.join(LABEL_MODELS)}), "
            f"not {config['model']}; use conditioning: stratified"
        )
    if config.get("label_column") not in LABEL_COLUMNS:
        problems.append(f"label_column: must be super_pop or pop (got {config.get('label_column')!r})")
    if shutil.which("bcftools") is None:
        problems.append("bcftools not found on PATH: the workflow reads indexes and concatenates with it")
    if problems:
        raise ConfigError("\n".join(problems))

    site_counts = {}
    first_samples = None
    for chrom in map(str, chromosomes):
        path = vcf.replace("{chrom}", chrom)
        if not os.path.isfile(path):
            problems.append(f"chromosome {chrom}: {path} does not exist")
            continue
        if not any(os.path.isfile(path + ext) for ext in (".tbi", ".csi")):
            problems.append(f"chromosome {chrom}: {path} has no .tbi/.csi index (bcftools index -t {path})")
            continue
        try:
            counts = index_site_counts(path)
            samples = samples_of(path)
        except ConfigError as err:
            problems.append(str(err))
            continue
        if chrom not in counts:
            listed = ", ".join(counts) or "none"
            problems.append(f"chromosome {chrom}: absent from {path} (its index lists: {listed})")
            continue
        site_counts[chrom] = counts[chrom]
        if config["model"] != "hclt" and counts[chrom] < config["window_sites"]:
            problems.append(
                f"window_sites: {config['window_sites']} is larger than chromosome {chrom} "
                f"({counts[chrom]} sites in {path}); lower window_sites"
            )
        if first_samples is None:
            first_samples = (path, samples)
        elif samples != first_samples[1]:
            problems.append(
                f"chromosome {chrom}: {path} does not list the same samples in the same order as "
                f"{first_samples[0]}; the held-out people must be the same on every chromosome"
            )

    panel = config.get("panel")
    counts = config.get("population_counts")
    if panel:
        if not os.path.isfile(panel):
            problems.append(f"panel: {panel} does not exist")
        else:
            try:
                labels = panel_labels(panel, config["label_column"])
            except (ConfigError, ValueError) as err:
                problems.append(f"panel: {err}")
                labels = {}
            if first_samples is not None and labels:
                unlabelled = [s for s in first_samples[1] if s not in labels]
                if unlabelled:
                    problems.append(
                        f"panel: {len(unlabelled)} samples of {first_samples[0]} are not in "
                        f"{panel} (first: {unlabelled[0]})"
                    )
            if counts and not (
                isinstance(counts, dict) and all(str(v).isdigit() and int(v) > 0 for v in counts.values())
            ):
                problems.append(
                    f"population_counts: must map labels to positive people counts, e.g. "
                    f"{{AFR: 100, EUR: 100}} (got {counts!r})"
                )
            elif counts:
                unknown = sorted(set(counts) - set(labels.values()))
                if unknown:
                    problems.append(f"population_counts: labels not in the panel: {', '.join(unknown)}")
                elif sum(int(v) for v in counts.values()) != config["n_ags"]:
                    problems.append(
                        f"population_counts: adds up to {sum(int(v) for v in counts.values())} people, "
                        f"but n_ags is {config['n_ags']}"
                    )
    elif counts:
        problems.append("population_counts: needs a panel (the labels come from it)")
    if problems:
        raise ConfigError("\n".join(problems))
    return site_counts
