# Generation: each run's AGs per chromosome (one model, or segments concatenated), a stratified
# run's strata merged, and an hclt with labels' AGs cut per label to be judged as strata.


def population_flag(wildcards, input):
    """What to draw: `--population` counts (label units), a stratum's haplotypes under its own
    sample names, or `-n` for an unconditioned run. Counts are read from the job's own input
    path, which storage plugins may have mapped."""
    if label_units(wildcards.root):
        return f"--population $(cat {input.labels})"
    label = stratum(wildcards.root)
    if label is not None:
        return f"-n $(cat {input.labels}/{label}.haplotypes) --sample-prefix AG_{label}_"
    return f"-n {2 * int(config['n_ags'])}"


def labels_input(wildcards):
    if label_units(wildcards.root):
        return f"{OUT}/labels.population"
    return f"{OUT}/split/strata" if stratum(wildcards.root) is not None else []


GENERATE = (
    "{G} generate {input.model} --threads {threads} {params.population} {params.guard} --seed {SEED}"
    " {DEVICE} -o {output.vcf} --write-index 2> {log}"
)


def guard_flags(wildcards, input):
    """hclt: redraw AGs nearer to a training haplotype than the training people are to each
    other, as `genosynth synth` does (`--min-distance auto` against the model's training file);
    a model that missed the privacy bounds draws only when the config accepts the risk."""
    return "" if WINDOWED else f"--min-distance auto --train {input.train} {ACCEPT_FLAG}"
CONCAT = (
    "bcftools concat -Oz -o {output.vcf} $(for d in {input.segments}; do echo $d/ags.vcf.gz; done)"
    " 2> {log} && bcftools index -t {output.vcf}"
)


if MODEL == "crbm":

    rule stitch:
        input:
            lambda wc: [f"{wc.root}/windows/{wc.chrom}/{k}" for k in window_indices(wc)],
        output:
            directory("{root}/models/{chrom}"),
        log:
            "{root}/logs/stitch/{chrom}.log",
        benchmark:
            "{root}/benchmarks/stitch/{chrom}.tsv"
        shell:
            "{G} stitch {input} --threads {threads} -o {output} 2> {log}"


if MODEL in ("crbm", "hclt"):

    # One model per chromosome (stitched crbm windows, or hclt).
    rule generate:
        input:
            model="{root}/models/{chrom}",
            labels=labels_input,
            train=lambda wc: [] if WINDOWED else train_data(wc),
        output:
            vcf="{root}/ags/{chrom}.vcf.gz",
            tbi="{root}/ags/{chrom}.vcf.gz.tbi",
        wildcard_constraints:
            root=DRAWN_ROOT,
        threads: 2
        params:
            population=population_flag,
            guard=guard_flags,
        log:
            "{root}/logs/generate/{chrom}.log",
        benchmark:
            "{root}/benchmarks/generate/{chrom}.tsv"
        shell:
            GENERATE

    if CONDITIONING == "labels":

        # The main run with label units: the AGs' labels come out as OUT.panel.
        rule generate_labelled:
            input:
                model=f"{OUT}/models/{{chrom}}",
                labels=f"{OUT}/labels.population",
                train=[] if WINDOWED else f"{OUT}/data/{{chrom}}.train.vcf.gz",
            output:
                vcf=f"{OUT}/ags/{{chrom}}.vcf.gz",
                tbi=f"{OUT}/ags/{{chrom}}.vcf.gz.tbi",
                panel=f"{OUT}/ags/{{chrom}}.vcf.gz.panel",
            threads: 2
            params:
                population=lambda wc, input: f"--population $(cat {input.labels})",
                guard=guard_flags,
            log:
                f"{OUT}/logs/generate/{{chrom}}.log",
            benchmark:
                f"{OUT}/benchmarks/generate/{{chrom}}.tsv"
            shell:
                GENERATE

else:

    # Independent segments (wgan, gan, rbm, hclt): each generates the same AG names and labels
    # with the same seed; bcftools concat joins them along the chromosome.
    rule generate_segment:
        input:
            model="{root}/windows/{chrom}/{k}",
            labels=labels_input,
        output:
            directory("{root}/segments/{chrom}/{k}"),
        params:
            population=population_flag,
        log:
            "{root}/logs/generate/{chrom}/{k}.log",
        benchmark:
            "{root}/benchmarks/generate/{chrom}/{k}.tsv"
        shell:
            "mkdir -p {output} && {G} generate {input.model} {params.population}"
            " --threads {threads} --seed {SEED} {DEVICE} -o {output}/ags.vcf.gz 2> {log}"

    rule concat:
        input:
            segments=segment_dirs,
        output:
            vcf="{root}/ags/{chrom}.vcf.gz",
            tbi="{root}/ags/{chrom}.vcf.gz.tbi",
        wildcard_constraints:
            root=DRAWN_ROOT,
        log:
            "{root}/logs/concat/{chrom}.log",
        benchmark:
            "{root}/benchmarks/concat/{chrom}.tsv"
        shell:
            CONCAT

    if CONDITIONING == "labels":

        # The main run with label units: every segment wrote the same labels; keep the first's.
        rule concat_labelled:
            input:
                segments=lambda wc: segment_dirs(wc, OUT),
            output:
                vcf=f"{OUT}/ags/{{chrom}}.vcf.gz",
                tbi=f"{OUT}/ags/{{chrom}}.vcf.gz.tbi",
                panel=f"{OUT}/ags/{{chrom}}.vcf.gz.panel",
            log:
                f"{OUT}/logs/concat/{{chrom}}.log",
            benchmark:
                f"{OUT}/benchmarks/concat/{{chrom}}.tsv"
            shell:
                CONCAT + " && cp {input.segments[0]}/ags.vcf.gz.panel {output.panel}"


if CONDITIONING == "stratified":

    # The strata's AGs side by side (same sites, distinct sample names), and their labels.
    rule merge_strata:
        input:
            ags=lambda wc: [f"{STRATA}/{l}/ags/{wc.chrom}.vcf.gz" for l in strata_labels()],
            tbi=lambda wc: [f"{STRATA}/{l}/ags/{wc.chrom}.vcf.gz.tbi" for l in strata_labels()],
        output:
            vcf=f"{OUT}/ags/{{chrom}}.vcf.gz",
            tbi=f"{OUT}/ags/{{chrom}}.vcf.gz.tbi",
            panel=f"{OUT}/ags/{{chrom}}.vcf.gz.panel",
        params:
            labels=lambda wc: " ".join(strata_labels()),
        log:
            f"{OUT}/logs/merge/{{chrom}}.log",
        benchmark:
            f"{OUT}/benchmarks/merge/{{chrom}}.tsv"
        shell:
            "bcftools merge -Oz -o {output.vcf} {input.ags} 2> {log}"
            " && bcftools index -t {output.vcf}"
            " && set -- {params.labels} && {{ printf 'sample\\tpop\\n';"
            " for f in {input.ags}; do bcftools query -l $f | sed \"s/$/\\t$1/\"; shift; done; }}"
            " > {output.panel}.tmp && mv {output.panel}.tmp {output.panel}"


if LABEL_STRATA:

    # hclt with labels: one label's AGs of the main run, to judge them (and the shared model)
    # on that label's own people as a stratum.
    rule label_ags:
        input:
            vcf=f"{OUT}/ags/{{chrom}}.vcf.gz",
            panel=f"{OUT}/ags/{{chrom}}.vcf.gz.panel",
        output:
            vcf=f"{STRATA}/{{label}}/ags/{{chrom}}.vcf.gz",
            tbi=f"{STRATA}/{{label}}/ags/{{chrom}}.vcf.gz.tbi",
        log:
            f"{STRATA}/{{label}}/logs/label_ags/{{chrom}}.log",
        shell:
            "awk -v l={wildcards.label} '$2 == l {{print $1}}' {input.panel} > {output.vcf}.samples"
            " && bcftools view -S {output.vcf}.samples -Oz -o {output.vcf} {input.vcf} 2> {log}"
            " && rm {output.vcf}.samples && bcftools index -t {output.vcf}"
