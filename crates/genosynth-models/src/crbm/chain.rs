//! Where a window sits in the CRBM chain: the windows a plan lists, what a window checkpoint
//! records of its chain, and the random stream each window draws from in an epoch (the same
//! whether the chain trains in one run or window by window).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::window_spans;
use crate::training_data::TrainingData;

/// Where a window sits in a chain of windows, as a plan lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainWindow {
    /// 0-based window number.
    pub index: usize,
    /// First site (0-based index into the chain's sites).
    pub start: usize,
    /// One past the last site.
    pub end: usize,
    /// Leading sites shared with the previous window (conditioned on, not learnt).
    pub clamp: usize,
}

/// The CRBM chain's windows of `window_sites` sites over `n_sites` sites: half-overlapping,
/// the last one moved back to end at the last site (see the crate's CRBM).
pub fn crbm_windows(n_sites: usize, window_sites: usize) -> Vec<ChainWindow> {
    window_spans(n_sites, window_sites)
        .into_iter()
        .enumerate()
        .map(|(index, s)| ChainWindow {
            index,
            start: s.start,
            end: s.start + s.len,
            clamp: s.clamp,
        })
        .collect()
}

/// What a window checkpoint records (`model.json` `window_part`), so stitching can check that
/// its windows belong to one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrbmWindowPart {
    /// This window's place in the chain.
    pub window: ChainWindow,
    /// Number of windows in the chain.
    pub windows: usize,
    /// The chain's training data: every site of every training haplotype (size and hash).
    pub chain: TrainingData,
}

/// The random stream of window `index` in an epoch whose key is `epoch_key`.
pub(crate) fn window_rng(epoch_key: u64, index: usize) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(epoch_key);
    r.set_stream(index as u64);
    r
}
