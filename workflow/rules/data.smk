# Data: the one split of people into training and held-out, the per-chromosome train/holdout
# files, the AGs' labels (checkpoint), and with a panel each stratum's people and reference.


# The same people are held out on every chromosome: one split, as sample lists.
rule split:
    input:
        vcf=VCF.replace("{chrom}", CHROMS[0]),
        panel=PANEL or [],
    output:
        train=f"{OUT}/split/train.txt",
        holdout=f"{OUT}/split/holdout.txt",
    params:
        panel=f"--panel {PANEL}" if PANEL else "",
    log:
        f"{OUT}/logs/split.log",
    shell:
        "{G} split {input.vcf} --threads {threads} -r {CHROMS[0]} {READ_FLAGS} --seed {SEED}"
        " --train-fraction {config[train_fraction]} {params.panel}"
        " --train-list {output.train} --holdout-list {output.holdout} 2> {log}"


# Read policies are applied here once; every later step reads these files as they are.
rule subset:
    input:
        vcf=VCF,
        people=f"{OUT}/split/{{part}}.txt",
    output:
        vcf=f"{OUT}/data/{{chrom}}.{{part}}.vcf.gz",
        tbi=f"{OUT}/data/{{chrom}}.{{part}}.vcf.gz.tbi",
    log:
        f"{OUT}/logs/subset/{{chrom}}.{{part}}.log",
    benchmark:
        f"{OUT}/benchmarks/subset/{{chrom}}.{{part}}.tsv"
    shell:
        "{G} convert {input.vcf} --threads {threads} -r {wildcards.chrom} -S {input.people} {READ_FLAGS}"
        " -o {output.vcf} --write-index 2> {log}"


# The AGs' labels, drawn once for the whole genome; per label, its training people and its AGs'
# haplotype count (split/strata/{label}.txt and .haplotypes) for stratified conditioning.
checkpoint labels:
    input:
        panel=PANEL or [],
        train=f"{OUT}/split/train.txt",
        holdout=f"{OUT}/split/holdout.txt",
    output:
        json=f"{OUT}/labels.json",
        population=f"{OUT}/labels.population",
        strata=directory(f"{OUT}/split/strata"),
    params:
        counts=(
            f"--counts '{json.dumps(config['population_counts'])}'"
            if config.get("population_counts")
            else ""
        ),
        # Stratified: warn about each stratum too small to model alone.
        warn=f"--warn-below {MIN_STRATUM_PEOPLE}" if CONDITIONING == "stratified" else "",
    shell:
        "{PYTHON} {SCRIPTS}/draw_labels.py --panel {input.panel} --train-list {input.train}"
        " --holdout-list {input.holdout}"
        " --column {config[label_column]} --n-ags {config[n_ags]} --seed {SEED}"
        " {params.counts} {params.warn} -o {output.json} --population-out {output.population}"
        " --strata-dir {output.strata}"


# One label's training (or held-out) people on one chromosome (stratified conditioning): each
# stratum is trained on its own people and judged on its own held-out people.
rule subset_stratum:
    input:
        vcf=f"{OUT}/data/{{chrom}}.{{part}}.vcf.gz",
        strata=f"{OUT}/split/strata",
    output:
        vcf=f"{STRATA}/{{label}}/data/{{chrom}}.{{part}}.vcf.gz",
        tbi=f"{STRATA}/{{label}}/data/{{chrom}}.{{part}}.vcf.gz.tbi",
    params:
        people=lambda wc: f"{wc.label}.txt" if wc.part == "train" else f"{wc.label}.holdout.txt",
    log:
        f"{STRATA}/{{label}}/logs/subset/{{chrom}}.{{part}}.log",
    shell:
        "{G} convert {input.vcf} --threads {threads} -S {input.strata}/{params.people}"
        " -o {output.vcf} --write-index 2> {log}"


# A stratum's reference: the training people of every other label on one chromosome
# (`-S ^FILE` drops the stratum's own; held-out people are not in the training file).
rule stratum_reference:
    input:
        vcf=f"{OUT}/data/{{chrom}}.train.vcf.gz",
        strata=f"{OUT}/split/strata",
    output:
        vcf=f"{STRATA}/{{label}}/data/{{chrom}}.reference.vcf.gz",
        tbi=f"{STRATA}/{{label}}/data/{{chrom}}.reference.vcf.gz.tbi",
    log:
        f"{STRATA}/{{label}}/logs/subset/{{chrom}}.reference.log",
    shell:
        "{G} convert {input.vcf} --threads {threads} -S ^{input.strata}/{wildcards.label}.txt"
        " -o {output.vcf} --write-index 2> {log}"
