//! Fidelity and privacy evaluation of artificial genomes (AGs) against real haplotypes.
//!
//! Pure computation on [`genosynth_core::HaplotypeMatrix`]: no file formats, no GPU. Distances
//! between haplotypes are XOR + popcount on the bit-packed rows, streamed nearest-neighbour
//! style so memory stays linear in the number of haplotypes.
//!
//! Quick checks used while training (see also the full report in later modules):
//!
//! ```
//! use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
//! use genosynth_eval::{allele_frequency_correlation, ld_r2_correlation};
//!
//! let sites: Sites = (1..=4).map(|p| Site::new("1", p, "A", "G")).collect();
//! let haps = |n| Sample::numbered("h", n, Ploidy::Haploid);
//! let real = HaplotypeMatrix::from_dense_u8(
//!     &[1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0],
//!     sites.clone(),
//!     haps(4),
//! )?;
//! let ags = HaplotypeMatrix::from_dense_u8(
//!     &[1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1],
//!     sites,
//!     haps(4),
//! )?;
//! let af_r = allele_frequency_correlation(&real, &ags);
//! let ld_r = ld_r2_correlation(&real, &ags, 100);
//! assert!(af_r > 0.9 && ld_r.is_finite());
//! # Ok::<(), genosynth_core::Error>(())
//! ```

//!
//! The full evaluation behind `genosynth eval` ([`evaluate`]) matches sites by
//! CHROM/POS/REF/ALT, computes every statistic for the AGs and, when given, for a holdout of
//! real unseen haplotypes (the "perfect generator" reference), judges them in a [`Verdict`],
//! and renders one self-contained HTML page (`render_html`, with the default `html` feature;
//! without it the statistics build without plotters):
//!
//! ```
//! # use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
//! use genosynth_eval::{EvalInput, Settings, evaluate};
//! # let sites: Sites = (1..=30u64).map(|p| Site::new("1", p, "A", "G")).collect();
//! # let m = |n: usize, k: u64| {
//! #     let v: Vec<u8> = (0..n * 30).map(|i| ((i as u64 * 2_654_435_761 + k) >> 9) as u8 & 1).collect();
//! #     HaplotypeMatrix::from_dense_u8(&v, sites.clone(), Sample::numbered("s", n, Ploidy::Haploid))
//! # };
//! let (train, ags) = (m(20, 1)?, m(20, 2)?);
//! let report = evaluate(&EvalInput {
//!     train: &train,
//!     synthetic: &ags,
//!     holdout: None,
//!     panel: None,
//!     synthetic_panel: None,
//!     genetic_map: None,
//!     settings: Settings { seed: 7, ..Settings::default() },
//!     stop: None,
//! })
//! .expect("same sites, enough haplotypes");
//! println!("AATS {:.3}, verdict {:?}", report.privacy.aats_train.aats.mean, report.verdict.overall);
//! # #[cfg(feature = "html")]
//! assert!(genosynth_eval::render_html(&report).starts_with("<!DOCTYPE html>"));
//! # Ok::<(), genosynth_core::Error>(())
//! ```

#![deny(missing_docs)]

mod aats;
mod aats_plan;
mod af;
mod align;
mod ancestry;
pub mod attack;
mod classifier;
mod columns;
mod detection;
pub mod distance;
mod error;
mod evaluate;
mod fst;
mod haplotype_freq;
#[cfg(feature = "html")]
mod html;
mod kinship;
mod kinship_counts;
mod ld;
mod ld_along;
mod linalg;
mod nan;
mod pbwt;
mod pca;
mod populations;
pub mod privacy;
mod provenance;
mod report;
mod segments;
mod selection;
pub mod stats;
mod triplets;
mod uncertainty;
mod verdict;

pub use af::{
    AlleleFrequencyStats, allele_frequency_correlation, allele_frequency_stats, folded_sfs,
};
pub use align::SiteMatch;
pub use ancestry::{AncestryAssignment, AncestryShare, AncestryStats, assign_ancestry};
pub use attack::{ScoreAttack, score_attack, score_attack_with_intervals, tpr_text};
pub use classifier::{Features, Learner, cross_validated_scores};
pub use detection::{
    DetectionStats, FOLDS, LEARNERS, LearnerAuc, MAX_HAPLOTYPES_PER_CLASS, MAX_SITE_FEATURES,
    detection_stats, roc_auc,
};
pub use error::Error;
pub use evaluate::{EvalInput, evaluate, evaluate_with_progress, progress_steps};
pub use fst::hudson_fst;
pub use haplotype_freq::{WindowHaplotypeStats, window_haplotype_frequencies};
#[cfg(feature = "html")]
pub use html::render_html;
pub use kinship::{
    DEGREE_BOUNDS, KinshipComparison, KinshipPoint, KinshipStats, RelativeExcess, king_robust,
    kinship_matrix, kinship_stats, relative_excess,
};
pub use ld::{LdDecay, LdWindow, ld_decay, ld_r2_correlation, ld_window};
pub use ld_along::{LdAlongWindow, LdSpread, LdWindows, ld_windows};
pub use pca::{PcaModel, fit_pca};
pub use populations::PopulationStats;
pub use provenance::{
    DpGuarantee, GuardInfo, MaskedAlleles, PrivacyRisk, Trajectory, TrajectoryPoint,
};
pub use report::{
    Compared, DistanceStats, FstStats, Inputs, LdStats, PcaStats, Report, SCHEMA_VERSION, Settings,
    SfsStats,
};
pub use segments::{
    LengthSummary, LongSegment, SegmentDistribution, SegmentStats, segment_privacy_loss,
    segment_stats,
};
pub use selection::{SelectionFigures, selection_figures};
pub use triplets::{TripletStats, triplet_correlations};
pub use uncertainty::{Intervals, REPLICATES, people_needed};
pub use verdict::{
    Check, DETECTION_AUC_BOUNDS, SEGMENT_PRIVACY_LOSS_BOUNDS, Status, Verdict, verdict,
};
