# Evaluation: eval of every run's and stratum's AGs (with the likelihood attack of its model),
# the genome-wide summary, and the privacy gate.


def model_of(wildcards):
    """The one model behind a run's AGs on a chromosome, for eval's likelihood attack: hclt's
    and crbm's (stitched; it has no likelihood, eval records none). None for a stratified main
    run (each stratum is judged with its own model) or independent segments (wgan, gan, rbm).
    A label's stratum of an hclt with labels is judged with the shared model."""
    if MODEL not in ("hclt", "crbm") or (wildcards.root == OUT and CONDITIONING == "stratified"):
        return []
    if LABEL_STRATA and stratum(wildcards.root) is not None:
        return f"{OUT}/models/{wildcards.chrom}"
    return f"{wildcards.root}/models/{wildcards.chrom}"


def model_train_of(wildcards):
    """hclt with labels: the whole training file of the shared model a label's stratum is judged
    with; eval recovers the label's members from it for the likelihood attack."""
    if LABEL_STRATA and stratum(wildcards.root) is not None:
        return f"{OUT}/data/{wildcards.chrom}.train.vcf.gz"
    return []


def model_flags(wildcards, input):
    """eval's --model and, for a label of an hclt with labels, the file that recovers the
    label's members. The attack scores them with the whole mixture: on the docs measurement it
    read higher AUCs than the label's component alone (docs/scale.md), and the gate takes the
    stronger attack."""
    if not input.model:
        return ""
    flags = f"--model {input.model}"
    if input.model_train and input.holdout:
        flags += f" --model-train {input.model_train}"
    return flags


def strata_reports(wildcards):
    """Each stratum's eval report per chromosome (stratified conditioning, or hclt with labels;
    after `labels`)."""
    if CONDITIONING != "stratified" and not LABEL_STRATA:
        return []
    return [f"{STRATA}/{l}/reports/{c}/report.json" for l in strata_labels() for c in CHROMS]


# Every run's AGs on every chromosome, and each stratum's on its own training and held-out
# people; with the model (hclt, crbm) eval adds the likelihood attack on those people (hclt
# with labels: the shared model on each label's own people).
rule evaluate:
    input:
        train=train_data,
        holdout=holdout_data,
        ags="{root}/ags/{chrom}.vcf.gz",
        model=model_of,
        model_train=model_train_of,
        # Windowed models: eval centres one more LD window on each join of the plan's windows.
        plan=lambda wc: f"{OUT}/plan/{wc.chrom}.json" if WINDOWED else [],
        panel=lambda wc: PANEL if PANEL and stratum(wc.root) is None else [],
        ags_panel=lambda wc: (
            f"{OUT}/ags/{wc.chrom}.vcf.gz.panel" if wc.root == OUT and CONDITIONING != "none" else []
        ),
    output:
        json="{root}/reports/{chrom}/report.json",
        html="{root}/reports/{chrom}/report.html",
    threads: 2
    params:
        # With a panel, report.json's `ancestry` assigns every AG (and held-out person) to its
        # nearest real population; the AGs' own labels add how often that is their label.
        panels=lambda wc, input: (
            f"--panel {input.panel}" if input.panel else ""
        ) + (f" --synthetic-panel {input.ags_panel}" if input.ags_panel else ""),
        holdout=lambda wc, input: f"--holdout {input.holdout}" if input.holdout else "",
        model=model_flags,
        plan=lambda wc, input: f"--plan {input.plan}" if input.plan else "",
    log:
        "{root}/logs/eval/{chrom}.log",
    benchmark:
        "{root}/benchmarks/eval/{chrom}.tsv"
    shell:
        "{G} eval --threads {threads} --train {input.train} {params.holdout} --synthetic {input.ags}"
        " {params.model} {params.plan} {params.panels} --seed {SEED} -o $(dirname {output.json}) 2> {log}"


# Light jobs that read many small files: run beside Snakemake, not as cluster jobs.
localrules:
    all,
    labels,
    summary,
    privacy_gate,


rule summary:
    input:
        reports=expand("{root}/reports/{chrom}/report.json", root=ROOTS, chrom=CHROMS),
        strata_reports=strata_reports,
        plans=expand(f"{OUT}/plan/{{chrom}}.json", chrom=CHROMS) if WINDOWED else [],
        labels=f"{OUT}/labels.json" if PANEL else [],
        tbi=expand(f"{OUT}/ags/{{chrom}}.vcf.gz.tbi", chrom=CHROMS),
    output:
        json=f"{OUT}/summary.json",
        html=f"{OUT}/summary.html",
    run:
        import summarize

        summarize.write(OUT, CHROMS, dict(config), output.json, output.html)


# A run whose models leak (a privacy check of any report fails: likelihood attack, membership
# inference, privacy loss, exact copies) stops here, after the summary shows why, unless the
# config accepts the risk; privacy.json records the decision either way.
rule privacy_gate:
    input:
        f"{OUT}/summary.json",
    output:
        f"{OUT}/privacy.json",
    params:
        accept=ACCEPT_PRIVACY_RISK,
    run:
        import summarize

        problem = summarize.privacy_gate(input[0], output[0], params.accept)
        if problem:
            raise WorkflowError(problem)
