#!/usr/bin/env python3
"""Simulate phased chromosomes of three human populations for the workflow's tests and docs.

msprime under the three-population out-of-Africa model of Gutenkunst et al. (2009, PLoS
Genetics 5:e1000695; YRI, CEU, CHB), written out as one bgzipped, tabix-indexed, phased VCF per
chromosome (`chr{c}.vcf.gz`, biallelic sites only) and a 1000 Genomes-style panel
(`sample pop super_pop gender`). The same people (names, populations) are in every chromosome,
as in a real cohort; each chromosome is an independent ancestry simulation seeded from --seed.

Example (the docs' data set: 2 chromosomes of 3 Mb, 100 people per population):
    python workflow/scripts/simulate.py --chromosomes 2 --length-mb 3 --per-population 100 \
        --seed 1 -o sim/
"""

import argparse
import math
import os
import random
import shutil
import subprocess
import sys

import msprime

# Gutenkunst et al. (2009), Table 1 (the parameters stdpopsim's OutOfAfrica_3G09 uses).
GENERATION_YEARS = 25
N_ANCESTRAL = 7300
N_AFRICA = 12300
N_BOTTLENECK = 2100
N_EUROPE_FOUNDERS = 1000
N_ASIA_FOUNDERS = 510
GROWTH_EUROPE = 0.004
GROWTH_ASIA = 0.0055
T_AFRICA_EXPANSION = 220e3 / GENERATION_YEARS
T_OUT_OF_AFRICA = 140e3 / GENERATION_YEARS
T_EUROPE_ASIA = 21.2e3 / GENERATION_YEARS
MIGRATION_AFRICA_BOTTLENECK = 25e-5
MIGRATION_AFRICA_EUROPE = 3e-5
MIGRATION_AFRICA_ASIA = 1.9e-5
MIGRATION_EUROPE_ASIA = 9.6e-5
MUTATION_RATE = 2.35e-8
RECOMBINATION_RATE = 1e-8

# Sampled populations and the 1000 Genomes super-population each belongs to.
POPULATIONS = (("YRI", "AFR"), ("CEU", "EUR"), ("CHB", "EAS"))


def out_of_africa() -> msprime.Demography:
    """The three-population out-of-Africa demography, present-day sizes from exponential growth."""
    demography = msprime.Demography()
    n_europe = N_EUROPE_FOUNDERS * math.exp(GROWTH_EUROPE * T_EUROPE_ASIA)
    n_asia = N_ASIA_FOUNDERS * math.exp(GROWTH_ASIA * T_EUROPE_ASIA)
    # YRI is the split's ancestral population and is sampled, so it is active from the present.
    demography.add_population(name="YRI", initial_size=N_AFRICA, initially_active=True)
    demography.add_population(name="CEU", initial_size=n_europe, growth_rate=GROWTH_EUROPE)
    demography.add_population(name="CHB", initial_size=n_asia, growth_rate=GROWTH_ASIA)
    demography.add_population(name="OOA", initial_size=N_BOTTLENECK)
    demography.set_symmetric_migration_rate(["YRI", "CEU"], MIGRATION_AFRICA_EUROPE)
    demography.set_symmetric_migration_rate(["YRI", "CHB"], MIGRATION_AFRICA_ASIA)
    demography.set_symmetric_migration_rate(["CEU", "CHB"], MIGRATION_EUROPE_ASIA)
    demography.add_population_split(time=T_EUROPE_ASIA, derived=["CEU", "CHB"], ancestral="OOA")
    demography.add_symmetric_migration_rate_change(
        time=T_EUROPE_ASIA, populations=["YRI", "OOA"], rate=MIGRATION_AFRICA_BOTTLENECK
    )
    demography.add_population_split(time=T_OUT_OF_AFRICA, derived=["OOA"], ancestral="YRI")
    demography.add_population_parameters_change(
        time=T_AFRICA_EXPANSION, initial_size=N_ANCESTRAL, population="YRI"
    )
    demography.sort_events()
    return demography


def sample_names(per_population: int) -> list[tuple[str, str, str]]:
    """(sample, pop, super_pop) for every simulated person, population by population."""
    return [
        (f"{pop}{i + 1:05d}", pop, super_pop)
        for pop, super_pop in POPULATIONS
        for i in range(per_population)
    ]


def simulate_chromosome(args, chrom: str, seed: int, names: list[str], path: str) -> int:
    """Simulates one chromosome into `path` (bgzipped VCF + .tbi); returns its site count."""
    length = int(args.length_mb * 1e6)
    ts = msprime.sim_ancestry(
        samples={pop: args.per_population for pop, _ in POPULATIONS},
        demography=out_of_africa(),
        sequence_length=length,
        recombination_rate=RECOMBINATION_RATE,
        ploidy=2,
        random_seed=seed,
    )
    ts = msprime.sim_mutations(ts, rate=MUTATION_RATE, random_seed=seed)
    # Sites hit twice can carry three alleles or back mutations: keep the biallelic record only.
    multi_hit = [site.id for site in ts.sites() if len(site.mutations) != 1]
    ts = ts.delete_sites(multi_hit)
    # msprime's discrete genome starts at 0; VCF positions are 1-based.
    tmp = path + ".tmp.gz"
    with open(tmp, "wb") as out:
        bgzip = subprocess.Popen(["bgzip", "-c"], stdin=subprocess.PIPE, stdout=out, text=True)
        ts.write_vcf(
            bgzip.stdin,
            contig_id=chrom,
            individual_names=names,
            position_transform=lambda positions: [int(p) + 1 for p in positions],
        )
        bgzip.stdin.close()
        if bgzip.wait() != 0:
            sys.exit(f"error: bgzip failed writing {tmp}")
    subprocess.run(["tabix", "-f", "-p", "vcf", tmp], check=True)
    os.replace(tmp + ".tbi", path + ".tbi")
    os.replace(tmp, path)
    return ts.num_sites


def write_panel(path: str, people: list[tuple[str, str, str]], seed: int) -> None:
    """The 1000 Genomes panel layout; gender is drawn (seeded), as nothing here depends on it."""
    rng = random.Random(seed)
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        out.write("sample\tpop\tsuper_pop\tgender\n")
        for sample, pop, super_pop in people:
            out.write(f"{sample}\t{pop}\t{super_pop}\t{rng.choice(('male', 'female'))}\n")
    os.replace(tmp, path)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromosomes", type=int, default=2, help="number of chromosomes (chr1..chrN)")
    parser.add_argument("--length-mb", type=float, default=2.0, help="length of each chromosome in Mb")
    parser.add_argument("--per-population", type=int, default=100, help="diploid people per population")
    parser.add_argument("--seed", type=int, required=True, help="seed of every random draw")
    parser.add_argument("-o", "--outdir", required=True, help="output folder (created if needed)")
    args = parser.parse_args(argv)
    if args.chromosomes < 1 or args.per_population < 1 or args.length_mb <= 0:
        parser.error("--chromosomes and --per-population must be at least 1, --length-mb positive")
    if args.seed < 0:
        parser.error("--seed must be non-negative")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    for tool in ("bgzip", "tabix"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} not found on PATH (Debian: apt-get install tabix)")
    os.makedirs(args.outdir, exist_ok=True)
    people = sample_names(args.per_population)
    names = [sample for sample, _, _ in people]
    # One msprime seed per chromosome, drawn from --seed: chromosomes are independent draws.
    seeds = random.Random(args.seed)
    for c in range(1, args.chromosomes + 1):
        chrom = f"chr{c}"
        path = os.path.join(args.outdir, f"{chrom}.vcf.gz")
        sites = simulate_chromosome(args, chrom, seeds.randrange(1, 2**31), names, path)
        print(f"{path}: {sites} sites, {len(names)} people", file=sys.stderr)
    write_panel(os.path.join(args.outdir, "panel.txt"), people, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
