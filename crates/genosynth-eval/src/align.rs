//! Matching sites across inputs by CHROM/POS/REF/ALT, checking ploidy models, and the
//! optional seeded subsampling of haplotypes.

use std::collections::{HashMap, HashSet};

use genosynth_core::{HaplotypeMatrix, Ploidy, Site, SiteKey};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::Error;

/// How many sites of each input were used, and which were left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteMatch {
    /// Sites present in every input (the ones evaluated), in train order.
    pub common: usize,
    /// Train sites missing from another input.
    pub train_only: usize,
    /// Synthetic sites missing from train.
    pub synthetic_only: usize,
    /// Holdout sites missing from train (with a holdout).
    pub holdout_only: Option<usize>,
    /// Up to 10 left-out sites, `CHROM:POS REF>ALT (input)`, for the report.
    pub examples_left_out: Vec<String>,
}

fn ploidy_model(m: &HaplotypeMatrix) -> String {
    let mut kinds: Vec<Ploidy> = m.samples().iter().map(|s| s.ploidy).collect();
    kinds.sort_by_key(|p| p.copies());
    kinds.dedup();
    match kinds.as_slice() {
        [Ploidy::Haploid] => "haploid".into(),
        [Ploidy::Diploid] => "diploid".into(),
        [] => "empty".into(),
        _ => "mixed".into(),
    }
}

fn index<'a>(
    set: &'static str,
    m: &'a HaplotypeMatrix,
) -> Result<HashMap<SiteKey<'a>, usize>, Error> {
    let mut map = HashMap::with_capacity(m.n_sites());
    for (i, s) in m.sites().iter().enumerate() {
        if map.insert(s.key(), i).is_some() {
            return Err(Error::DuplicateSite {
                set,
                site: s.to_string(),
            });
        }
    }
    Ok(map)
}

/// Restricts all inputs to the sites they share, in train order.
pub(crate) fn align(
    train: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    holdout: Option<&HaplotypeMatrix>,
) -> Result<
    (
        HaplotypeMatrix,
        HaplotypeMatrix,
        Option<HaplotypeMatrix>,
        SiteMatch,
    ),
    Error,
> {
    let mut others = vec![("synthetic", synthetic)];
    others.extend(holdout.map(|h| ("holdout", h)));
    let tp = ploidy_model(train);
    for (name, m) in &others {
        let p = ploidy_model(m);
        if p != tp {
            return Err(Error::PloidyMismatch {
                train: tp,
                other: name,
                other_ploidy: p,
            });
        }
    }
    index("train", train)?;
    let maps = others
        .iter()
        .map(|(name, m)| index(name, m))
        .collect::<Result<Vec<_>, _>>()?;
    let keep: Vec<usize> = (0..train.n_sites())
        .filter(|&i| {
            maps.iter()
                .all(|map| map.contains_key(&train.sites()[i].key()))
        })
        .collect();
    for ((name, m), map) in others.iter().zip(&maps) {
        if !train.sites().iter().any(|s| map.contains_key(&s.key())) {
            return Err(Error::NoCommonSites {
                train: train.n_sites(),
                other: name,
                other_sites: m.n_sites(),
            });
        }
    }
    if keep.is_empty() {
        return Err(Error::NoCommonSites {
            train: train.n_sites(),
            other: "synthetic and holdout together",
            other_sites: synthetic.n_sites(),
        });
    }
    let train_keys: HashSet<SiteKey<'_>> = train.sites().iter().map(Site::key).collect();
    let mut examples = Vec::new();
    let kept: HashSet<usize> = keep.iter().copied().collect();
    for (i, s) in train.sites().iter().enumerate() {
        if !kept.contains(&i) && examples.len() < 10 {
            examples.push(format!("{s} (train)"));
        }
    }
    let mut only = Vec::new();
    for (name, m) in &others {
        let extra: Vec<&Site> = m
            .sites()
            .iter()
            .filter(|s| !train_keys.contains(&s.key()))
            .collect();
        for s in extra.iter().take(10usize.saturating_sub(examples.len())) {
            examples.push(format!("{s} ({name})"));
        }
        only.push(extra.len());
    }
    let select = |m: &HaplotypeMatrix, map: &HashMap<SiteKey<'_>, usize>| {
        let idx: Vec<usize> = keep.iter().map(|&i| map[&train.sites()[i].key()]).collect();
        m.select_sites(&idx).expect("indices come from the matrix")
    };
    let t = train
        .select_sites(&keep)
        .expect("indices come from the matrix");
    let s = select(synthetic, &maps[0]);
    let h = holdout.map(|h| select(h, &maps[1]));
    let report = SiteMatch {
        common: keep.len(),
        train_only: train.n_sites() - keep.len(),
        synthetic_only: only[0],
        holdout_only: only.get(1).copied(),
        examples_left_out: examples,
    };
    Ok((t, s, h, report))
}

/// At most `max_haplotypes` haplotypes of `m`, keeping whole samples (both copies of a
/// person), chosen at random with `seed`; `m` itself when already small enough.
pub(crate) fn subsample(m: HaplotypeMatrix, max_haplotypes: usize, seed: u64) -> HaplotypeMatrix {
    if m.n_haplotypes() <= max_haplotypes {
        return m;
    }
    let mut order: Vec<usize> = (0..m.samples().len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut taken = Vec::new();
    let mut haps = 0;
    for i in order {
        let c = m.samples()[i].ploidy.copies();
        if haps + c <= max_haplotypes {
            taken.push(i);
            haps += c;
        }
    }
    taken.sort_unstable();
    m.select_samples(&taken)
        .expect("indices come from the matrix")
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Sample, Sites};

    fn m(positions: &[u64], n: usize, ploidy: Ploidy) -> HaplotypeMatrix {
        let sites: Sites = positions
            .iter()
            .map(|&p| Site::new("1", p, "A", "G"))
            .collect();
        HaplotypeMatrix::zeros(sites, Sample::numbered("s", n, ploidy))
    }

    #[test]
    fn keeps_common_sites_and_reports_the_rest() {
        let t = m(&[1, 2, 3, 4], 2, Ploidy::Diploid);
        let s = m(&[4, 2, 9], 3, Ploidy::Diploid);
        let (t2, s2, _, r) = align(&t, &s, None).unwrap();
        assert_eq!(t2.sites(), s2.sites());
        assert_eq!(
            t2.sites().iter().map(|s| s.pos).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert_eq!((r.common, r.train_only, r.synthetic_only), (2, 2, 1));
    }

    #[test]
    fn rejects_disjoint_sites_and_ploidy_mismatch() {
        let t = m(&[1, 2], 2, Ploidy::Diploid);
        let err = align(&t, &m(&[5], 2, Ploidy::Diploid), None).unwrap_err();
        assert!(err.to_string().starts_with("no common site"));
        let err = align(&t, &m(&[1], 4, Ploidy::Haploid), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "different ploidy models: train is diploid, synthetic is haploid"
        );
    }

    #[test]
    fn subsample_keeps_whole_samples() {
        let t = m(&[1], 10, Ploidy::Diploid);
        let s = subsample(t, 7, 1);
        assert_eq!(s.n_haplotypes(), 6);
    }
}
