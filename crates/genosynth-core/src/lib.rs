//! Typed phased haplotype data for genosynth.
//!
//! This crate owns the in-memory representation every other genosynth crate works on. It does
//! no file I/O (see `genosynth-vcf`) and knows nothing of neural networks (see `genosynth-models`).
//!
//! - [`Site`] / [`Sites`]: the variant sites (chromosome, 1-based position, id, REF, ALT).
//! - [`Sample`] / [`Ploidy`]: who the haplotypes belong to
//!   ([`HaplotypeMatrix::with_ploidy`] regroups them).
//! - [`HaplotypeMatrix`]: haplotypes × sites, bit-packed one row per haplotype, so the Hamming
//!   distance of two haplotypes is an XOR and a popcount per 64 sites.
//! - [`Panel`]: population labels in the 1000 Genomes `.panel` layout.
//! - [`GeneticMap`]: centimorgan positions (PLINK or HapMap map layout), interpolated per site.
//! - [`PrivacyBounds`]: the privacy bounds selection, the refusal to write AGs and the
//!   verdict share.
//! - [`split_by_individual`]: a seeded train/holdout split that keeps both haplotypes of a
//!   person on the same side.
//!
//! ```
//! use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
//!
//! let sites = Sites::from(vec![
//!     Site::new("1", 100, "A", "G"),
//!     Site::new("1", 200, "C", "T"),
//! ]);
//! let samples = vec![Sample::new("HG00096", Ploidy::Diploid)];
//! // Two haplotypes (the two copies of HG00096) over two sites, row-major.
//! let m = HaplotypeMatrix::from_dense_u8(&[0, 1, 1, 1], sites, samples)?;
//! assert_eq!(m.allele_counts(), vec![1, 2]);
//! assert_eq!(m.hamming(0, 1), 1);
//! # Ok::<(), genosynth_core::Error>(())
//! ```

mod bounds;
mod builder;
mod error;
mod genetic_map;
mod matrix;
mod panel;
mod ploidy;
mod sample;
mod site;
mod split;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use bounds::{ATTACK_FPR, PrivacyBounds, non_members_needed, resolvable};
pub use builder::HaplotypeMatrixBuilder;
pub use error::{Axis, Error};
pub use genetic_map::GeneticMap;
pub use matrix::{HaplotypeMatrix, hamming_words, read_bits};
pub use panel::{Panel, PanelEntry};
pub use sample::{HaplotypeId, Ploidy, Sample};
pub use site::{Site, SiteKey, Sites};
pub use split::{Split, split_by_individual, split_indices};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
