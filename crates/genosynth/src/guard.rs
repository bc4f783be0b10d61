//! The generation guard: no AG is written nearer to a training haplotype than a minimum
//! Hamming distance; nearer ones are redrawn.
//!
//! `auto` takes a low quantile of the training set's own leave-one-out nearest-neighbour
//! distances: an AG closer to a donor than all but [`AUTO_QUANTILE`] of real people are to
//! their nearest relative in the data is treated as a near copy. At least 1, so exact copies
//! are always redrawn.

use genosynth_core::HaplotypeMatrix;
use genosynth_eval::distance::{RowSet, scan_between, scan_within};
use genosynth_models::{Checkpoint, GenerateOptions, Generator};

use crate::{Error, Result};

/// Quantile of the training leave-one-out nearest-neighbour distances that `auto` uses.
pub const AUTO_QUANTILE: f64 = 0.01;
/// Redraw rounds before giving up.
pub const MAX_ROUNDS: usize = 20;

/// The minimum distance asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinDistance {
    /// From the training data ([`auto_threshold`]).
    Auto,
    /// This many sites.
    Sites(u32),
}

impl std::str::FromStr for MinDistance {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(MinDistance::Auto),
            n => n
                .parse()
                .map(MinDistance::Sites)
                .map_err(|_| format!("{s:?}: expected auto or a number of sites")),
        }
    }
}

/// What the guard did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardReport {
    /// Minimum Hamming distance (sites) every written AG keeps from every training haplotype.
    pub threshold: u32,
    /// Whether the threshold came from the training data.
    pub auto: bool,
    /// AGs redrawn because they were nearer.
    pub redrawn: usize,
    /// Rounds of redrawing (0 when none was needed).
    pub rounds: usize,
}

impl GuardReport {
    /// The `##genosynthGuard=` header value:
    /// `<ID=guard,min_distance=12,auto=true,redrawn=3,rounds=1>` (a structured VCF header value
    /// needs an `ID`, or VCF/BCF readers such as noodles refuse the header).
    pub fn header_value(&self) -> String {
        format!(
            "<ID=guard,min_distance={},auto={},redrawn={},rounds={}>",
            self.threshold, self.auto, self.redrawn, self.rounds
        )
    }
}

/// The `auto` threshold of `train`: the [`AUTO_QUANTILE`] quantile of its haplotypes'
/// distances to their nearest other haplotype, at least 1.
pub fn auto_threshold(train: &HaplotypeMatrix) -> u32 {
    let scan = scan_within(RowSet::all(train));
    let mut d: Vec<u32> = scan
        .first
        .iter()
        .map(|n| n.distance)
        .filter(|&d| d != u32::MAX)
        .collect();
    if d.is_empty() {
        return 1;
    }
    d.sort_unstable();
    let k = ((d.len() - 1) as f64 * AUTO_QUANTILE).floor() as usize;
    d[k].max(1)
}

/// Generates `options.n_haplotypes` AGs (with `labels` for a conditional model), each at least
/// the minimum distance from every haplotype of `train`; nearer ones are redrawn with seeds
/// derived from `options.seed`, for at most [`MAX_ROUNDS`] rounds.
pub fn generate_guarded(
    checkpoint: &Checkpoint,
    options: &GenerateOptions,
    labels: Option<&[usize]>,
    train: &HaplotypeMatrix,
    min_distance: MinDistance,
) -> Result<(HaplotypeMatrix, GuardReport)> {
    let guard = ResolvedGuard::new(checkpoint, train, min_distance)?;
    let generator = Generator::new(checkpoint, options.device, options.gibbs_steps)?;
    guard.draw(&generator, (0, options.n_haplotypes), options.seed, labels)
}

/// A [`crate::Guard`] checked against the model, its `auto` threshold resolved: fixed once for
/// many draws.
pub(crate) struct ResolvedGuard<'t> {
    train: &'t HaplotypeMatrix,
    threshold: u32,
    auto: bool,
}

impl<'t> ResolvedGuard<'t> {
    /// Checks that `train` has the model's sites and fixes the threshold.
    pub(crate) fn new(
        checkpoint: &Checkpoint,
        train: &'t HaplotypeMatrix,
        min_distance: MinDistance,
    ) -> Result<Self> {
        if train.sites() != &checkpoint.sites() {
            return Err(Error::InvalidOption {
                name: "min-distance",
                reason: "the training haplotypes given do not have the model's sites; pass the file the model was trained on".into(),
            });
        }
        let (threshold, auto) = match min_distance {
            MinDistance::Auto => (auto_threshold(train), true),
            MinDistance::Sites(n) => (n, false),
        };
        Ok(Self {
            train,
            threshold,
            auto,
        })
    }

    /// `n` AGs drawn with `seed`, the ones too near `train` redrawn. For a model that draws
    /// by row ([`Generator::draws_by_row`]), `seed` is the whole generation's and these are its
    /// haplotypes `first..first + n`, redrawn row by row, so a generation guarded in chunks
    /// equals one guarded at once; for other models `seed` is the chunk's own.
    pub(crate) fn draw(
        &self,
        generator: &Generator,
        (first, n): (usize, usize),
        seed: u64,
        labels: Option<&[usize]>,
    ) -> Result<(HaplotypeMatrix, GuardReport)> {
        let (train, threshold) = (self.train, self.threshold);
        let by_row = generator.draws_by_row();
        let rows: Vec<usize> = (first..first + n).collect();
        let drawn = if by_row {
            generator.sample_rows(seed, &rows, labels)?
        } else {
            generator.sample(n, seed, labels)?
        };
        // Redrawn rows are patched in the packed words: a chunk never exists unpacked.
        let wpr = drawn.words_per_row();
        let mut words = drawn.words().to_vec();
        let mut too_near = too_near(&drawn, train, threshold);
        let (mut redrawn, mut rounds) = (too_near.len(), 0);
        while !too_near.is_empty() && rounds < MAX_ROUNDS {
            rounds += 1;
            let retry_seed =
                seed.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(rounds as u64));
            let fresh = if by_row {
                let again: Vec<usize> = too_near.iter().map(|&i| rows[i]).collect();
                let again_labels: Option<Vec<usize>> =
                    labels.map(|l| too_near.iter().map(|&i| l[i]).collect());
                generator.sample_rows(retry_seed, &again, again_labels.as_deref())?
            } else {
                let sub_labels: Option<Vec<usize>> =
                    labels.map(|l| too_near.iter().map(|&i| l[i]).collect());
                generator.sample(too_near.len(), retry_seed, sub_labels.as_deref())?
            };
            let still = too_near_rows(&fresh, train, threshold);
            let mut next = Vec::new();
            for (k, &row) in too_near.iter().enumerate() {
                words[row * wpr..(row + 1) * wpr].copy_from_slice(fresh.row(k));
                if still[k] {
                    next.push(row);
                }
            }
            redrawn += next.len();
            too_near = next;
        }
        if !too_near.is_empty() {
            return Err(Error::GuardExhausted {
                n,
                left: too_near.len(),
                threshold,
                rounds,
            });
        }
        let matrix =
            HaplotypeMatrix::from_words(drawn.sites().clone(), drawn.samples().to_vec(), words)?;
        Ok((
            matrix,
            GuardReport {
                threshold,
                auto: self.auto,
                redrawn,
                rounds,
            },
        ))
    }
}

/// The threshold `min_distance` resolves to on `train` (`None`: the guard is off).
pub(crate) fn threshold_of(train: &HaplotypeMatrix, min_distance: MinDistance) -> Option<u32> {
    match min_distance {
        MinDistance::Sites(0) => None,
        MinDistance::Sites(n) => Some(n),
        MinDistance::Auto => Some(auto_threshold(train)),
    }
}

/// The AGs the guard would keep: those at least `threshold` sites from every row of `train`,
/// an even number of them (AGs are paired into people). The guard redraws each rejected AG
/// from the same model until it passes, so its AGs are the model's draws given that they
/// pass: these rows have that distribution too, fewer of them. Selection scores them, so the
/// checkpoint is judged on what the guard lets out. `None` when fewer than 2 pass.
pub(crate) fn kept_by_guard(
    ags: &HaplotypeMatrix,
    train: &HaplotypeMatrix,
    threshold: u32,
) -> Result<Option<HaplotypeMatrix>> {
    let near = too_near_rows(ags, train, threshold);
    let mut kept: Vec<usize> = (0..ags.n_haplotypes()).filter(|&i| !near[i]).collect();
    kept.truncate(kept.len() / 2 * 2);
    if kept.len() < 2 {
        return Ok(None);
    }
    if kept.len() == ags.n_haplotypes() {
        return Ok(Some(ags.clone()));
    }
    Ok(Some(ags.select_haplotypes(&kept)?))
}

/// Rows of `ags` nearer than `threshold` to a row of `train`.
fn too_near(ags: &HaplotypeMatrix, train: &HaplotypeMatrix, threshold: u32) -> Vec<usize> {
    too_near_rows(ags, train, threshold)
        .into_iter()
        .enumerate()
        .filter_map(|(i, near)| near.then_some(i))
        .collect()
}

fn too_near_rows(ags: &HaplotypeMatrix, train: &HaplotypeMatrix, threshold: u32) -> Vec<bool> {
    scan_between(RowSet::all(ags), RowSet::all(train))
        .first
        .iter()
        .map(|n| n.distance < threshold)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    fn haploid(rows: &[[u8; 6]]) -> HaplotypeMatrix {
        let sites: Sites = (1..=6).map(|p| Site::new("1", p, "A", "G")).collect();
        let alleles: Vec<u8> = rows.iter().flatten().copied().collect();
        let samples = Sample::numbered("H", rows.len(), Ploidy::Haploid);
        HaplotypeMatrix::from_dense_u8(&alleles, sites, samples).unwrap()
    }

    #[test]
    fn selection_keeps_exactly_the_ags_the_guard_lets_out_in_pairs() {
        let train = haploid(&[[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]]);
        // Distances to the nearer training row: 0, 3, 1, 2, 3 (the copy and the 1 go at 2).
        let ags = haploid(&[
            [0, 0, 0, 0, 0, 0],
            [1, 1, 1, 0, 0, 0],
            [1, 0, 0, 0, 0, 0],
            [1, 1, 0, 0, 0, 0],
            [0, 0, 0, 1, 1, 1],
        ]);
        let kept = kept_by_guard(&ags, &train, 2).unwrap().unwrap();
        // Rows 1, 3, 4 pass; an odd count loses its last row.
        assert_eq!(kept.n_haplotypes(), 2);
        assert_eq!(kept.row(0), ags.row(1));
        assert_eq!(kept.row(1), ags.row(3));
        let all = kept_by_guard(&ags, &train, 0).unwrap().unwrap();
        assert_eq!(all.n_haplotypes(), 4, "threshold 0 keeps every AG, paired");
        assert!(kept_by_guard(&ags, &train, 4).unwrap().is_none());
        assert_eq!(threshold_of(&train, MinDistance::Sites(0)), None);
        assert_eq!(threshold_of(&train, MinDistance::Sites(5)), Some(5));
        assert_eq!(threshold_of(&train, MinDistance::Auto), Some(6));
    }
}
