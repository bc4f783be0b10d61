# Training: one model per chromosome and stratum (hclt), or the window plan (checkpoint) and
# one training job per window (crbm, wgan, gan, rbm).


# A refused training's log, copied out of the job's own log (which the next run of the job
# overwrites, and a rerun with accept_privacy_risk: true would leave without the bound missed).
def refusal_log(wildcards):
    return f"{wildcards.root}/logs/train/{wildcards.chrom}.refused.log"


# The refused model, kept for inspection beside its log: Snakemake deletes a failed job's
# outputs, the model directory among them.
def refused_model(wildcards):
    return f"{wildcards.root}/logs/train/{wildcards.chrom}.refused.model"


# A refused training (exit 3: no validated checkpoint met the privacy bounds) says which run,
# stratum and chromosome, and what to do, above Snakemake's own error.
def refusal_message(wildcards):
    label = stratum(wildcards.root)
    what = f"stratum {label}" if label else ("the baseline run" if wildcards.root != OUT else "the run")
    return (
        f"error: privacy refusal: {what}, chromosome {wildcards.chrom}: no validated checkpoint of"
        f" the {MODEL} model met the privacy bounds (genosynth train exit code 3; the bound it missed"
        f" is in {refusal_log(wildcards)} and the refused model in {refused_model(wildcards)}, kept"
        " across reruns). Model more people (a coarser"
        " label_column or conditioning on a shared model), a larger reference_weight than auto's"
        f" 8 (hclt strata), {private_allele_advice(wildcards)}fewer states or stronger priors"
        " (train_args), or set accept_privacy_risk: true to write its AGs anyway (recorded in their"
        " header and reports)."
    )


# What private_allele_min_count could still do for a refused model that borrows from a
# reference: the alleles the other strata lack carry most of a stratum's leak (docs/privacy.md).
def private_allele_advice(wildcards):
    if not reference_data(wildcards):
        return ""
    if PRIVATE_ALLELE_MIN_COUNT == 0:
        return (
            "private_allele_min_count: 5 (0 now learns every allele the other strata lack, which"
            " the likelihood attack reads), "
        )
    return (
        f"a larger private_allele_min_count than {PRIVATE_ALLELE_MIN_COUNT} (fewer of the"
        " population's rare alleles in the AGs), "
    )


if not WINDOWED:

    # One model per chromosome (and stratum): no windows, no stitching.
    rule train_model:
        input:
            data=train_data,
            reference=reference_data,
            panel=lambda wc: PANEL if label_units(wc.root) else [],
        output:
            directory("{root}/models/{chrom}"),
        params:
            refusal=refusal_message,
            refusal_log=refusal_log,
            refused_model=refused_model,
            # One mixture component per label, started from its people.
            panel=lambda wc: f"--panel {PANEL} {LABEL_FLAG}" if label_units(wc.root) else "",
            reference=lambda wc, input: (
                f"--reference {input.reference} --reference-weight {REFERENCE_WEIGHT}"
                f" --reference-frequency-weight {REFERENCE_FREQUENCY_WEIGHT}"
                f" --private-allele-min-count {PRIVATE_ALLELE_MIN_COUNT}"
                if input.reference
                else ""
            ),
        threads: int(config.get("train_threads", 2))
        resources:
            mem_mb=int(config.get("train_mem_mb", 6000)),
            **GPU_RESOURCES,
        log:
            "{root}/logs/train/{chrom}.log",
        benchmark:
            "{root}/benchmarks/train/{chrom}.tsv"
        shell:
            "{G} train {input.data} --threads {threads} --model {MODEL} --epochs {EPOCHS}"
            " {SELECTION} {params.panel} {params.reference} {ACCEPT_FLAG} --save-every 0 --seed {SEED} {DEVICE} {config[train_args]}"
            " -o {output} 2> {log} || {{ rc=$?; if [ $rc -eq 3 ]; then cp {log} {params.refusal_log:q};"
            " rm -rf {params.refused_model:q}; cp -R {output:q} {params.refused_model:q};"
            " echo {params.refusal:q} >&2; fi; exit $rc; }}"


checkpoint plan:
    input:
        f"{OUT}/data/{{chrom}}.train.vcf.gz",
    output:
        f"{OUT}/plan/{{chrom}}.json",
    log:
        f"{OUT}/logs/plan/{{chrom}}.log",
    shell:
        "{G} plan {input} --threads {threads} --window-sites {config[window_sites]} --model {MODEL}"
        " -r {wildcards.chrom} -o {output} 2> {log}"


# One job per window: the unit a cluster schedules.
rule train_window:
    input:
        data=train_data,
        plan=f"{OUT}/plan/{{chrom}}.json",
        panel=lambda wc: PANEL if label_units(wc.root) else [],
    output:
        directory("{root}/windows/{chrom}/{k}"),
    params:
        panel=lambda wc: f"--panel {PANEL} {LABEL_FLAG}" if label_units(wc.root) else "",
    threads: int(config.get("train_threads", 2))
    resources:
        mem_mb=int(config.get("train_mem_mb", 6000)),
        **GPU_RESOURCES,
    log:
        "{root}/logs/train/{chrom}/{k}.log",
    benchmark:
        "{root}/benchmarks/train/{chrom}/{k}.tsv"
    shell:
        "{G} train {input.data} --threads {threads} --model {MODEL}"
        " --window-sites {config[window_sites]} --window-index {wildcards.k} {params.panel}"
        " --epochs {config[epochs]} --seed {SEED} {DEVICE} {config[train_args]}"
        " -o {output} 2> {log}"
