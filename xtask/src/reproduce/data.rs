//! Which data sets a reproduction runs: the 805-SNP set always (bundled as the example), AGBL4
//! when `../shared` has it.

use std::path::{Path, PathBuf};

use anyhow::ensure;

use crate::harness::{SHARED_1000G, snp805_path};

#[derive(Debug, Clone)]
pub(super) struct Dataset {
    pub(super) name: &'static str,
    pub(super) path: PathBuf,
    /// Extra input flags (`--multiallelic split` for AGBL4).
    pub(super) input_flags: &'static [&'static str],
}

/// Data sets in document order.
pub(super) const DATASET_ORDER: [&str; 2] = ["1000G 805 SNPs", "AGBL4 (chr1, multiallelics split)"];

/// The data sets `wanted` names (`805`, `agbl4`), or by default the 805-SNP set and, when
/// `agbl4_by_default`, AGBL4. AGBL4 is left out with a note when `../shared` lacks it.
pub(super) fn discover(
    wanted: Option<&[String]>,
    agbl4_by_default: bool,
) -> anyhow::Result<Vec<Dataset>> {
    let wants = |name: &str, default: bool| wanted.map_or(default, |w| w.iter().any(|d| d == name));
    let mut datasets = Vec::new();
    if wants("805", true) {
        datasets.push(Dataset {
            name: DATASET_ORDER[0],
            path: snp805_path(),
            input_flags: &[],
        });
    }
    let agbl4 = Path::new(SHARED_1000G).join("AGBL4.train.vcf.gz");
    if wants("agbl4", agbl4_by_default) {
        if agbl4.exists() {
            datasets.push(Dataset {
                name: DATASET_ORDER[1],
                path: agbl4,
                input_flags: &["--multiallelic", "split"],
            });
        } else {
            eprintln!("reproduce: {} absent, skipping AGBL4", agbl4.display());
        }
    }
    ensure!(!datasets.is_empty(), "no data set to reproduce");
    Ok(datasets)
}
