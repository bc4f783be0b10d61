//! How strongly an HCLT of a small training set leans on other people (`--reference`): a fixed
//! weight, or `auto`: a floor set by the size of the training set, then up a short ladder until
//! the selected checkpoint meets the privacy bounds on the validation people. The weight a set
//! needs depends on its size and on how far its people are from the reference (docs/privacy.md
//! measures 40–300 people); a few dozen validation people alone are too few to choose it (a
//! ladder from 0.5 on 16 of them kept 0.5 for a set that leaked on test people), hence the
//! floor, which also grows with the number of sites (the likelihood attack sums evidence over
//! sites).

use std::fmt;
use std::str::FromStr;

use genosynth_models::{ModelParams, TrainConfig};

/// The prior's weight towards the reference model (`HcltParams::reference_weight`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ReferenceWeight {
    /// The smallest of [`REFERENCE_WEIGHT_LADDER`] whose selected checkpoint meets the privacy
    /// bounds on the validation people, from the floor of the training set's size
    /// ([`REFERENCE_PRIOR_HAPLOTYPES`]) up; without validation people, the floor.
    #[default]
    Auto,
    /// This weight (≥ 0).
    Fixed(f32),
}

/// The weights `auto` tries, smallest first: each doubles the prior, and every training
/// haplotype's pull on the model falls by `1 + W` (docs/privacy.md: W = 1 held the bounds
/// from about 80 people of the 805-SNP set, 40 people needed about 4). It stops at 8: on the
/// simulated chromosomes fixed weights of 16–1,024 lowered the attack only slowly and left
/// strata leaking at every one of them, through the alleles the reference people lack
/// (docs/privacy.md, "Weights beyond the ladder").
pub const REFERENCE_WEIGHT_LADDER: [f32; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];

/// `auto`'s floor: the prior is worth at least this many haplotypes (`W × n ≥ 256`), so `auto`
/// starts at the largest rung at or below `256 / n` for `n` training haplotypes. Measured on
/// the 805-SNP set's clusters (docs/privacy.md): W × n = 64 (40 people at W = 1) left the
/// likelihood attack at 0.70 on test people, 128 (80 people at W = 1) at 0.59, and 256 or
/// more at 0.48–0.59 at every size.
pub const REFERENCE_PRIOR_HAPLOTYPES: f32 = 256.0;

/// `auto`'s floor also grows with the sites: the prior is worth at least one haplotype per
/// this many sites (`W × n ≥ sites / 28`), since a membership attack sums a person's evidence
/// over sites and its power grows with sites per training haplotype (Homer et al. 2008;
/// Sankararaman et al. 2009). Below 7,168 sites the haplotype floor above rules. Measured on
/// simulated chromosomes of 0.7–20 Mb (docs/scale.md): no rung this skips met the bounds.
pub const SITES_PER_PRIOR_HAPLOTYPE: f32 = 28.0;

/// `--private-allele-min-count`'s default with reference people: an alternate allele that no
/// reference person carries and fewer than 5 of the input's haplotypes carry is not learned.
/// Measured on simulated strata of 40–160 people (docs/privacy.md, "Weights beyond the
/// ladder"): masking those alleles took the likelihood attack within 0.60 on every fresh
/// stratum, which no reference weight up to 1,024 did, at the cost of the population's own
/// rarest alleles (9–27% of the sites carry such an allele).
pub const DEFAULT_PRIVATE_ALLELE_MIN_COUNT: usize = 5;

impl ReferenceWeight {
    /// The weights to train with in turn for `n_haplotypes` training haplotypes at `n_sites`
    /// sites: with `validated`, the ladder from the floor up; without, the floor alone.
    pub fn ladder(self, validated: bool, n_haplotypes: usize, n_sites: usize) -> Vec<f32> {
        let worth = REFERENCE_PRIOR_HAPLOTYPES.max(n_sites as f32 / SITES_PER_PRIOR_HAPLOTYPE);
        let floor = worth / n_haplotypes.max(1) as f32;
        let start = REFERENCE_WEIGHT_LADDER
            .iter()
            .rposition(|&w| w <= floor)
            .unwrap_or(0);
        match self {
            Self::Fixed(w) => vec![w],
            Self::Auto if validated => REFERENCE_WEIGHT_LADDER[start..].to_vec(),
            Self::Auto => vec![REFERENCE_WEIGHT_LADDER[start]],
        }
    }
}

impl fmt::Display for ReferenceWeight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Fixed(w) => write!(f, "{w}"),
        }
    }
}

impl FromStr for ReferenceWeight {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        match s.parse::<f32>() {
            Ok(w) if w >= 0.0 && w.is_finite() => Ok(Self::Fixed(w)),
            _ => Err(format!(
                "'{s}' is neither 'auto' nor a weight >= 0 (e.g. 1 or 4)"
            )),
        }
    }
}

/// `config` with the HCLT's reference weight set to `weight` (other models unchanged).
pub(crate) fn with_weight(config: &TrainConfig, weight: f32) -> TrainConfig {
    let mut config = config.clone();
    if let ModelParams::Hclt(p) = &mut config.model {
        p.reference_weight = weight;
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_auto_and_weights_and_rejects_the_rest() {
        assert_eq!("auto".parse(), Ok(ReferenceWeight::Auto));
        assert_eq!("AUTO".parse(), Ok(ReferenceWeight::Auto));
        assert_eq!("1.5".parse(), Ok(ReferenceWeight::Fixed(1.5)));
        assert_eq!("0".parse(), Ok(ReferenceWeight::Fixed(0.0)));
        for bad in ["-1", "inf", "NaN", "four", ""] {
            let err = bad.parse::<ReferenceWeight>().unwrap_err();
            assert!(err.contains("neither 'auto'"), "{bad}: {err}");
        }
        assert_eq!(ReferenceWeight::Auto.to_string(), "auto");
        assert_eq!(ReferenceWeight::Fixed(2.0).to_string(), "2");
    }

    #[test]
    fn auto_starts_at_the_floor_of_the_size_and_climbs_only_with_validation_people() {
        let auto = ReferenceWeight::Auto;
        // 40 people of the 805-SNP set (32 trained on, 64 haplotypes): 256 / 64 = 4.
        assert_eq!(auto.ladder(true, 64, 805), vec![4.0, 8.0]);
        assert_eq!(auto.ladder(false, 64, 805), vec![4.0]);
        assert_eq!(auto.ladder(true, 128, 805), vec![2.0, 4.0, 8.0]);
        // 300 haplotypes: 0.85, the rung below is 0.5.
        assert_eq!(
            auto.ladder(true, 300, 805),
            REFERENCE_WEIGHT_LADDER.to_vec()
        );
        assert_eq!(auto.ladder(false, 10_000, 805), vec![0.5]);
        // Fewer than 32 haplotypes: the floor is above the ladder; its top.
        assert_eq!(auto.ladder(true, 20, 805), vec![8.0]);
    }

    #[test]
    fn the_floor_grows_with_sites_per_training_haplotype_above_7168_sites() {
        let auto = ReferenceWeight::Auto;
        // Up to 256 × 28 = 7,168 sites the haplotype floor alone rules (0.7 Mb simulation:
        // 7,084 sites, 128 haplotypes: 2, where a stratum kept 2).
        for sites in [0, 805, 4_594, 7_084, 7_168] {
            assert_eq!(
                auto.ladder(true, 128, sites),
                vec![2.0, 4.0, 8.0],
                "{sites}"
            );
            assert_eq!(
                auto.ladder(true, 428, sites),
                REFERENCE_WEIGHT_LADDER.to_vec()
            );
        }
        // 2 Mb, 96 people trained on: 22,022 / 28 / 192 = 4.1.
        assert_eq!(auto.ladder(true, 192, 22_022), vec![4.0, 8.0]);
        // 1 Mb, 214 people: 14,399 / 28 / 428 = 1.2.
        assert_eq!(auto.ladder(true, 428, 14_399), vec![1.0, 2.0, 4.0, 8.0]);
        // 20 Mb, 214 people: 285,557 / 28 / 428 = 23.8, above the ladder: its top alone.
        assert_eq!(auto.ladder(true, 428, 285_557), vec![8.0]);
        assert_eq!(auto.ladder(false, 428, 285_557), vec![8.0]);
        // The start never falls as sites grow, nor rises as haplotypes grow.
        let start = |n, m| auto.ladder(true, n, m)[0];
        for m in (0..400_000).step_by(997) {
            assert!(start(428, m + 997) >= start(428, m), "{m}");
            assert!(start(856, m) <= start(428, m), "{m}");
        }
    }

    #[test]
    fn a_fixed_weight_is_one_rung_whatever_the_size() {
        for (n, m) in [(64, 805), (428, 285_557), (1, 10_000_000), (100_000, 0)] {
            for w in [0.0, 0.5, 2.0, 8.0, 100.0] {
                assert_eq!(ReferenceWeight::Fixed(w).ladder(true, n, m), vec![w]);
                assert_eq!(ReferenceWeight::Fixed(w).ladder(false, n, m), vec![w]);
            }
        }
    }
}
