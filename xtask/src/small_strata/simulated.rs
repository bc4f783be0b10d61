//! `small-strata --simulated`: strata of the simulation's populations. Per size n and seed,
//! one chromosome of `workflow/scripts/simulate.py` (msprime, the out-of-Africa model of YRI,
//! CEU and CHB; seeded with it) with n + `--test` people per population; a stratum is n
//! people of one population (seeded), its test people the other `--test` of that population,
//! its reference the other two populations' people. Training, judging and the table are the
//! cluster path's (`measure_drawn`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Drawn, Measured, Options, Stratum, measure_drawn};
use crate::harness::run_quiet;

/// simulate.py's populations, in its order.
const POPULATIONS: [&str; 3] = ["YRI", "CEU", "CHB"];

/// Which populations strata are drawn from.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Populations {
    Listed(Vec<String>),
    /// One per seed, drawn with it.
    Draw,
}

/// How the populations are simulated and drawn from.
#[derive(Debug, Clone)]
pub(super) struct Simulation {
    populations: Populations,
    length_mb: f64,
    test: usize,
    python: String,
}

impl Default for Simulation {
    fn default() -> Self {
        Self {
            populations: Populations::Listed(POPULATIONS.map(str::to_string).to_vec()),
            length_mb: 0.7,
            test: 60,
            python: "python3".to_string(),
        }
    }
}

impl Simulation {
    /// Sets one of the mode's flags from its value.
    pub(super) fn set(&mut self, flag: &str, v: &str) -> anyhow::Result<()> {
        match flag {
            "--populations" if v == "draw" => self.populations = Populations::Draw,
            "--populations" => {
                let listed: Vec<String> = v.split(',').map(|p| p.trim().to_string()).collect();
                for p in &listed {
                    ensure!(
                        POPULATIONS.contains(&p.as_str()),
                        "--populations: {p} is not one of simulate.py's {POPULATIONS:?} (or draw)"
                    );
                }
                self.populations = Populations::Listed(listed);
            }
            "--length-mb" => {
                self.length_mb = v
                    .parse()
                    .ok()
                    .filter(|l: &f64| *l > 0.0 && l.is_finite())
                    .with_context(|| format!("--length-mb: {v} is not a positive length"))?;
            }
            "--test" => {
                self.test = v
                    .parse()
                    .ok()
                    .filter(|t| *t > 0)
                    .with_context(|| format!("--test: {v} is not a number of people > 0"))?;
            }
            "--python" => self.python = v.to_string(),
            _ => bail!("{flag} is not a --simulated flag"),
        }
        Ok(())
    }

    /// The populations whose strata are measured at `seed`.
    fn chosen(&self, seed: u64) -> Vec<String> {
        match &self.populations {
            Populations::Listed(l) => l.clone(),
            Populations::Draw => vec![drawn_population(seed).to_string()],
        }
    }
}

/// One seed's simulated chromosome: its VCF, its people's names and populations.
struct Simulated {
    seed: u64,
    vcf: PathBuf,
    dir: PathBuf,
    names: Vec<String>,
    populations: Vec<String>,
}

/// Every size's strata of the chosen populations, on every seed's simulation and setting.
pub(super) fn measure_all(
    genosynth: &Path,
    o: &Options,
    sim: &Simulation,
) -> anyhow::Result<Vec<Measured>> {
    let mut rows = Vec::new();
    for &size in &o.sizes {
        // One simulation per size and seed: every size keeps `--test` test people, and a
        // table of several sizes reuses each size's runs.
        let per_population = size + sim.test;
        let mut simulations = Vec::new();
        for &seed in &o.seeds {
            let dir = o
                .out
                .join(format!("sim-l{}-p{per_population}-s{seed}", sim.length_mb));
            simulations.push(simulate(sim, per_population, seed, &dir)?);
        }
        for population in POPULATIONS {
            for s in &simulations {
                if !sim.chosen(s.seed).iter().any(|p| p == population) {
                    continue;
                }
                let drawn = draw(&s.populations, population, size, s.seed)?;
                let stratum = Stratum {
                    group: population.to_string(),
                    group_people: drawn.train.len() + drawn.test.len(),
                    n: size,
                    seed: s.seed,
                };
                let dir = s.dir.join(format!("{population}-n{size}"));
                let input = (s.vcf.as_path(), s.names.as_slice());
                rows.extend(measure_drawn(genosynth, o, input, &drawn, &dir, &stratum)?);
            }
        }
    }
    Ok(rows)
}

/// Simulates one chromosome into `dir` (once) and reads who is in which population.
fn simulate(
    sim: &Simulation,
    per_population: usize,
    seed: u64,
    dir: &Path,
) -> anyhow::Result<Simulated> {
    let (vcf, panel) = (dir.join("chr1.vcf.gz"), dir.join("panel.txt"));
    // simulate.py writes the panel last: with it, the chromosome is complete.
    if !panel.exists() {
        eprintln!("small-strata: simulating {per_population} people per population, seed {seed}");
        run_quiet(
            Command::new(&sim.python)
                .arg("workflow/scripts/simulate.py")
                .args([
                    "--chromosomes",
                    "1",
                    "--length-mb",
                    &sim.length_mb.to_string(),
                ])
                .args(["--per-population", &per_population.to_string()])
                .args(["--seed", &seed.to_string(), "-o"])
                .arg(dir),
        )
        .with_context(|| {
            format!(
                "simulating needs a Python with msprime (--python; {} was tried) and bgzip, \
                 tabix on PATH",
                sim.python
            )
        })?;
    }
    let matrix = genosynth_vcf::read(&vcf, &genosynth_vcf::ReadOptions::default())
        .with_context(|| format!("cannot read {}", vcf.display()))?
        .matrix;
    let names: Vec<String> = matrix.samples().iter().map(|s| s.name.clone()).collect();
    eprintln!(
        "small-strata: {}: {} sites, {} people",
        vcf.display(),
        matrix.n_sites(),
        names.len()
    );
    let populations = panel_populations(&panel, &names)?;
    Ok(Simulated {
        seed,
        vcf,
        dir: dir.to_path_buf(),
        names,
        populations,
    })
}

/// Each of `names`' population from simulate.py's panel (`sample pop super_pop gender`).
fn panel_populations(panel: &Path, names: &[String]) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(panel)
        .with_context(|| format!("cannot read {}", panel.display()))?;
    let mut of: HashMap<&str, &str> = HashMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let mut fields = line.split('\t');
        let (Some(sample), Some(pop)) = (fields.next(), fields.next()) else {
            bail!(
                "{}:{}: expected `sample<TAB>pop<TAB>super_pop<TAB>gender`, found {line:?}",
                panel.display(),
                i + 1
            );
        };
        of.insert(sample, pop);
    }
    names
        .iter()
        .map(|n| {
            of.get(n.as_str()).map(|p| p.to_string()).with_context(|| {
                format!(
                    "{}: no population for {n}; simulate again (delete its folder)",
                    panel.display()
                )
            })
        })
        .collect()
}

/// The population drawn for `seed` under `--populations draw`.
fn drawn_population(seed: u64) -> &'static str {
    POPULATIONS[ChaCha8Rng::seed_from_u64(seed).random_range(0..POPULATIONS.len())]
}

/// `n` people of `population` (seeded; the first n of one shuffle, so a smaller stratum is
/// part of a larger one), the rest of that population as the test people, everyone else as
/// the reference.
fn draw(populations: &[String], population: &str, n: usize, seed: u64) -> anyhow::Result<Drawn> {
    let index = POPULATIONS
        .iter()
        .position(|p| *p == population)
        .with_context(|| format!("{population} is not one of {POPULATIONS:?}"))?;
    let mut own: Vec<usize> = (0..populations.len())
        .filter(|&p| populations[p] == population)
        .collect();
    ensure!(
        n > 0 && own.len() > n,
        "{population} has {} people: too few for a stratum of {n} and its test people",
        own.len()
    );
    own.shuffle(&mut ChaCha8Rng::seed_from_u64(
        seed ^ ((index as u64) << 32),
    ));
    let test = own.split_off(n);
    let reference: Vec<usize> = (0..populations.len())
        .filter(|&p| populations[p] != population)
        .collect();
    Ok(Drawn {
        train: own,
        test,
        reference_groups: reference.iter().map(|&p| populations[p].clone()).collect(),
        reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// simulate.py's layout: 30 people per population, population by population.
    fn people() -> Vec<String> {
        POPULATIONS
            .iter()
            .flat_map(|p| std::iter::repeat_n(p.to_string(), 30))
            .collect()
    }

    #[test]
    fn strata_test_and_reference_people_are_disjoint_and_where_they_belong() {
        let pops = people();
        for seed in 1..=5 {
            for population in POPULATIONS {
                let d = draw(&pops, population, 12, seed).unwrap();
                assert_eq!((d.train.len(), d.test.len()), (12, 18));
                assert_eq!(d.reference.len(), 60);
                let mut all: Vec<usize> = [&d.train, &d.test, &d.reference]
                    .into_iter()
                    .flatten()
                    .copied()
                    .collect();
                all.sort_unstable();
                assert_eq!(all, (0..90).collect::<Vec<_>>(), "{d:?}");
                assert!(
                    d.train
                        .iter()
                        .chain(&d.test)
                        .all(|&p| pops[p] == population)
                );
                assert!(d.reference.iter().all(|&p| pops[p] != population));
                // The shared model's panel names each reference person's own population.
                let groups: Vec<&str> = d.reference.iter().map(|&p| pops[p].as_str()).collect();
                assert_eq!(d.reference_groups, groups);
                // A smaller stratum of the same seed is part of the larger one.
                let small = draw(&pops, population, 6, seed).unwrap();
                assert_eq!(small.train, d.train[..6]);
            }
        }
        assert_ne!(
            draw(&pops, "CEU", 12, 1).unwrap().train,
            draw(&pops, "CEU", 12, 2).unwrap().train
        );
        assert!(draw(&pops, "CEU", 30, 1).is_err());
        assert!(draw(&pops, "GBR", 5, 1).is_err());
    }

    #[test]
    fn populations_are_listed_or_drawn_per_seed() {
        let mut sim = Simulation::default();
        assert_eq!(sim.chosen(1), POPULATIONS.map(str::to_string).to_vec());
        sim.set("--populations", "draw").unwrap();
        for seed in 0..20 {
            assert_eq!(sim.chosen(seed), vec![drawn_population(seed).to_string()]);
        }
        let drawn: std::collections::HashSet<&str> = (0..20).map(drawn_population).collect();
        assert_eq!(drawn.len(), 3, "{drawn:?}");
        assert!(sim.set("--populations", "YRI,GBR").is_err());
        assert!(sim.set("--length-mb", "0").is_err());
        assert!(sim.set("--test", "0").is_err());
    }
}
