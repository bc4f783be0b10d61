//! The evaluation's AATS computations planned before its all-pairs passes: every subsampled
//! repeat becomes a run of the passes over the whole sets (a bit per row), so the passes find
//! each repeat's nearest distances at once instead of scanning the subsets again, and a repeat
//! that uses whole sets reads the passes' own neighbours.

use genosynth_core::HaplotypeMatrix;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::aats::{Aats, AatsOnce, aats_from_distances};
use crate::distance::{PairScan, RowSet, Run, scan_between_runs, scan_within_runs};

/// One AATS repeat: the rows of the real and of the synthetic set it uses (`None`: all).
#[derive(Debug, Clone)]
pub(crate) struct Draw {
    pub(crate) real: Option<Vec<usize>>,
    pub(crate) synthetic: Option<Vec<usize>>,
}

/// The repeats of AATS at `size` haplotypes per side: each set larger than `size` subsampled
/// (seeded, without replacement, sorted) `repeats` times, or one repeat when both already have
/// `size`.
pub(crate) fn draws(nr: usize, ns: usize, size: usize, repeats: usize, seed: u64) -> Vec<Draw> {
    let size = size.min(nr).min(ns);
    let runs = if nr == size && ns == size {
        1
    } else {
        repeats.max(1)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..runs)
        .map(|_| {
            // A set already of `size` is used whole (and draws nothing from `rng`).
            let mut pick = |n: usize| -> Option<Vec<usize>> {
                if n == size {
                    return None;
                }
                let mut v = rand::seq::index::sample(&mut rng, n, size).into_vec();
                v.sort_unstable();
                Some(v)
            };
            let real = pick(nr);
            let synthetic = pick(ns);
            Draw { real, synthetic }
        })
        .collect()
}

/// Rows of `subset` (all when `None`) in order.
fn restrict(values: impl Fn(usize) -> u32, n: usize, subset: Option<&[usize]>) -> Vec<u32> {
    match subset {
        Some(rows) => rows.iter().map(|&r| values(r)).collect(),
        None => (0..n).map(values).collect(),
    }
}

/// A within-set pass and the subsets it tracks.
#[derive(Default)]
pub(crate) struct Within {
    subsets: Vec<Vec<usize>>,
}

impl Within {
    /// Index of `subset` among the runs (`None` for the whole set: the pass's own figures).
    fn add(&mut self, subset: Option<&Vec<usize>>) -> Option<usize> {
        subset.map(|s| {
            self.subsets.push(s.clone());
            self.subsets.len() - 1
        })
    }

    pub(crate) fn scan(&self, set: &HaplotypeMatrix) -> PairScan {
        let runs: Vec<Option<&[usize]>> = self.subsets.iter().map(|s| Some(&s[..])).collect();
        scan_within_runs(RowSet::all(set), &runs)
    }
}

/// The rows of each set one between-sets run uses (`None`: all).
type OwnedRun = (Option<Vec<usize>>, Option<Vec<usize>>);

/// A between-sets pass and the pairs of subsets it tracks.
#[derive(Default)]
pub(crate) struct Between {
    runs: Vec<OwnedRun>,
}

impl Between {
    fn add(&mut self, first: Option<&Vec<usize>>, second: Option<&Vec<usize>>) -> Option<usize> {
        if first.is_none() && second.is_none() {
            return None;
        }
        self.runs.push((first.cloned(), second.cloned()));
        Some(self.runs.len() - 1)
    }

    pub(crate) fn scan(&self, a: &HaplotypeMatrix, b: &HaplotypeMatrix) -> PairScan {
        let runs: Vec<Run<'_>> = self
            .runs
            .iter()
            .map(|(x, y)| (x.as_deref(), y.as_deref()))
            .collect();
        scan_between_runs(RowSet::all(a), RowSet::all(b), &runs)
    }
}

/// One repeat's nearest distances within its subsets, by position in them, and the rows of
/// the whole sets they hold (`None`: all), so a bootstrap can weigh them by person.
#[derive(Debug, Clone)]
pub(crate) struct Repeat {
    pub(crate) draw: Draw,
    /// Per real haplotype: nearest other real one, nearest synthetic one.
    pub(crate) d_rr: Vec<u32>,
    pub(crate) d_rs: Vec<u32>,
    /// Per synthetic haplotype: nearest other synthetic one, nearest real one.
    pub(crate) d_ss: Vec<u32>,
    pub(crate) d_sr: Vec<u32>,
}

/// AATS at `size` haplotypes a side averaged over `repeats`.
pub(crate) fn aats_of(size: usize, repeats: &[Repeat]) -> Aats {
    let runs: Vec<AatsOnce> = repeats
        .iter()
        .map(|r| aats_from_distances(&r.d_rr, &r.d_ss, &r.d_rs, &r.d_sr))
        .collect();
    Aats::from_runs(size, &runs)
}

/// Where one repeat's four distance vectors come from.
#[derive(Debug, Clone)]
struct RepeatSource {
    draw: Draw,
    real_run: Option<usize>,
    synthetic_run: Option<usize>,
    between_run: Option<usize>,
}

/// One AATS computation (real against synthetic): its repeats' runs in the passes, and
/// whether the between pass has the real set second.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    size: usize,
    repeats: Vec<RepeatSource>,
    swapped: bool,
}

impl Planned {
    /// Registers `draws` with the within passes of the real and synthetic sets and their
    /// between pass (`swapped`: that pass has the synthetic set first).
    pub(crate) fn new(
        draws: Vec<Draw>,
        size: usize,
        real: &mut Within,
        synthetic: &mut Within,
        between: &mut Between,
        swapped: bool,
    ) -> Self {
        let repeats = draws
            .into_iter()
            .map(|draw| {
                let (r, s) = (draw.real.as_ref(), draw.synthetic.as_ref());
                RepeatSource {
                    real_run: real.add(r),
                    synthetic_run: synthetic.add(s),
                    between_run: if swapped {
                        between.add(s, r)
                    } else {
                        between.add(r, s)
                    },
                    draw,
                }
            })
            .collect();
        Self {
            size,
            repeats,
            swapped,
        }
    }

    /// AATS from the finished passes.
    pub(crate) fn aats(&self, real: &PairScan, synthetic: &PairScan, between: &PairScan) -> Aats {
        aats_of(self.size, &self.repeats(real, synthetic, between))
    }

    /// Each repeat's distances from the finished passes.
    pub(crate) fn repeats(
        &self,
        real: &PairScan,
        synthetic: &PairScan,
        between: &PairScan,
    ) -> Vec<Repeat> {
        self.repeats
            .iter()
            .map(|rep| {
                let (rs, ss) = (rep.draw.real.as_deref(), rep.draw.synthetic.as_deref());
                let within = |scan: &PairScan, run: Option<usize>, subset: Option<&[usize]>| {
                    let n = scan.first.len();
                    match run {
                        Some(k) => restrict(|i| scan.runs[k].first[i], n, subset),
                        None => restrict(|i| scan.first[i].distance, n, subset),
                    }
                };
                let d_rr = within(real, rep.real_run, rs);
                let d_ss = within(synthetic, rep.synthetic_run, ss);
                // The real set's side of the between pass, and the synthetic set's.
                let (nr, ns) = (real.first.len(), synthetic.first.len());
                let side = |real_side: bool| -> Vec<u32> {
                    let first_side = real_side != self.swapped;
                    let (n, subset) = if real_side { (nr, rs) } else { (ns, ss) };
                    match (rep.between_run, first_side) {
                        (Some(k), true) => restrict(|i| between.runs[k].first[i], n, subset),
                        (Some(k), false) => restrict(|i| between.runs[k].second[i], n, subset),
                        (None, true) => restrict(|i| between.first[i].distance, n, subset),
                        (None, false) => restrict(|i| between.second[i].distance, n, subset),
                    }
                };
                Repeat {
                    draw: rep.draw.clone(),
                    d_rr,
                    d_rs: side(true),
                    d_ss,
                    d_sr: side(false),
                }
            })
            .collect()
    }

    /// Haplotypes a side in each repeat.
    pub(crate) fn size(&self) -> usize {
        self.size
    }
}
