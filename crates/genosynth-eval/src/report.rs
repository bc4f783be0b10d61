//! The serialisable report: what `report.json` holds, section by section.

use serde::{Deserialize, Serialize};

use crate::af::AlleleFrequencyStats;
use crate::align::SiteMatch;
use crate::ancestry::AncestryStats;
use crate::detection::DetectionStats;
use crate::haplotype_freq::WindowHaplotypeStats;
use crate::kinship::KinshipStats;
use crate::ld::{LdDecay, LdWindow};
use crate::ld_along::LdWindows;
use crate::populations::PopulationStats;
use crate::privacy::PrivacyStats;
use crate::provenance::{DpGuarantee, GuardInfo, MaskedAlleles, PrivacyRisk, Trajectory};
use crate::segments::SegmentStats;
use crate::triplets::TripletStats;
use crate::uncertainty::Intervals;
use crate::verdict::Verdict;

/// Version of the `report.json` layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 2;

/// Tunable settings; [`Settings::default`] is what the CLI uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Seed of every random choice (subsamples, triplets, Lanczos start).
    pub seed: u64,
    /// Each input is subsampled (whole samples, seeded) to at most this many haplotypes.
    pub max_haplotypes: Option<usize>,
    /// AATS repeats when set sizes differ.
    pub aats_repeats: usize,
    /// Sites in the r² heatmap window, in each window along the chromosome, and the largest
    /// site distance of LD decay by sites.
    pub ld_window: usize,
    /// LD windows spread evenly along the chromosomes ([`Report::ld_windows`]).
    #[serde(default = "default_ld_windows")]
    pub ld_windows: usize,
    /// Where the AGs' model joins its segments or windows (`(CHROM, POS)`): one more LD window
    /// is centred on each.
    #[serde(default)]
    pub model_boundaries: Vec<(String, u64)>,
    /// Random site triplets for 3-point correlations.
    pub n_triplets: usize,
    /// Largest span of a triplet, in sites.
    pub triplet_window: usize,
    /// Window sizes (sites) of window haplotype frequencies.
    pub haplotype_windows: Vec<usize>,
    /// Principal components computed.
    pub pca_components: usize,
    /// Run the classifier two-sample test ([`Report::detection`]) when a holdout is given;
    /// checkpoint selection, which does not use it, leaves it out.
    #[serde(default = "default_detection")]
    pub detection: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            seed: 42,
            max_haplotypes: None,
            aats_repeats: 10,
            ld_window: 100,
            ld_windows: default_ld_windows(),
            model_boundaries: Vec::new(),
            n_triplets: 2000,
            triplet_window: 20,
            haplotype_windows: vec![5, 10, 20],
            pca_components: 6,
            detection: true,
        }
    }
}

fn default_ld_windows() -> usize {
    20
}

fn default_detection() -> bool {
    true
}

/// A statistic of the AGs against train, and the same statistic of the holdout against train
/// (what a perfect generator would score) when a holdout is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compared<T> {
    /// AGs vs train.
    pub synthetic: T,
    /// Holdout vs train.
    pub holdout: Option<T>,
}

/// Sizes of the inputs after matching and subsampling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// Training haplotypes evaluated.
    pub train_haplotypes: usize,
    /// AG haplotypes evaluated.
    pub synthetic_haplotypes: usize,
    /// Holdout haplotypes evaluated.
    pub holdout_haplotypes: Option<usize>,
    /// Site matching.
    pub sites: SiteMatch,
}

/// Site frequency spectra.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SfsStats {
    /// MAF bins over (0, 0.5]; entry 0 of each spectrum is the monomorphic share.
    pub bins: usize,
    /// Train spectrum.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub train: Vec<f64>,
    /// AG spectrum.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub synthetic: Vec<f64>,
    /// Holdout spectrum.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub holdout: Option<Vec<f64>>,
}

/// Linkage disequilibrium.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LdStats {
    /// r² in the first window (train upper triangle, compared lower triangle in the plot).
    pub window: Compared<LdWindow>,
    /// LD decay of train.
    pub decay_train: LdDecay,
    /// LD decay of the AGs.
    pub decay_synthetic: LdDecay,
    /// LD decay of the holdout.
    pub decay_holdout: Option<LdDecay>,
}

/// Pairwise Hamming distance distributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistanceStats {
    /// Sites compared (distances range over 0..=sites).
    pub n_sites: usize,
    /// Histogram of distances between two training haplotypes.
    pub within_train: Vec<u64>,
    /// Between two AGs.
    pub within_synthetic: Vec<u64>,
    /// Between a training haplotype and an AG.
    pub train_synthetic: Vec<u64>,
    /// Between two holdout haplotypes.
    pub within_holdout: Option<Vec<u64>>,
    /// Between a holdout and a training haplotype.
    pub holdout_train: Option<Vec<u64>>,
    /// Mean of each histogram, same order: train, synthetic, train–synthetic.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub means: [f64; 3],
    /// 1-Wasserstein distance (in sites) of within-AG vs within-train distances.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub wasserstein_within: f64,
    /// Same for within-holdout vs within-train: the reference.
    pub wasserstein_within_holdout: Option<f64>,
}

/// Principal components fitted on train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaStats {
    /// Sites used (polymorphic in train).
    pub n_sites_used: usize,
    /// Share of variance per component.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub explained_variance_ratio: Vec<f64>,
    /// Per PC: 1-Wasserstein distance of AG vs train coordinates, divided by the train
    /// coordinates' standard deviation.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub wasserstein_synthetic: Vec<f64>,
    /// Same for holdout vs train: the reference.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub wasserstein_holdout: Option<Vec<f64>>,
    /// Train coordinates (haplotypes × PCs); in memory for plots, not in report.json.
    #[serde(skip)]
    pub coords_train: Vec<Vec<f64>>,
    /// AG coordinates.
    #[serde(skip)]
    pub coords_synthetic: Vec<Vec<f64>>,
    /// Holdout coordinates.
    #[serde(skip)]
    pub coords_holdout: Option<Vec<Vec<f64>>>,
    /// Population of each train haplotype (with a panel; `unknown` when not listed).
    #[serde(skip)]
    pub populations_train: Option<Vec<String>>,
    /// Population label of each AG (with both panels; `unknown` when not listed).
    #[serde(skip)]
    pub populations_synthetic: Option<Vec<String>>,
}

/// Hudson Fst.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FstStats {
    /// Train vs AGs.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub train_synthetic: f64,
    /// Train vs holdout (reference).
    pub train_holdout: Option<f64>,
    /// Per population of the panel: (population, train haplotypes, Fst of that population's
    /// train haplotypes vs the AGs).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub per_population: Vec<(String, usize, f64)>,
}

/// The whole evaluation; serialised as `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Version of genosynth-eval that wrote it.
    pub genosynth_version: String,
    /// Settings used.
    pub settings: Settings,
    /// Input sizes and site matching.
    pub inputs: Inputs,
    /// Allele frequencies.
    pub allele_frequencies: Compared<AlleleFrequencyStats>,
    /// Site frequency spectra.
    pub sfs: SfsStats,
    /// Linkage disequilibrium.
    pub ld: LdStats,
    /// r² agreement in windows along the whole chromosome.
    pub ld_windows: LdWindows,
    /// Pairwise distances.
    pub distances: DistanceStats,
    /// PCA.
    pub pca: PcaStats,
    /// 3-point correlations.
    pub triplets: Compared<TripletStats>,
    /// Window haplotype frequencies.
    pub haplotype_frequencies: Compared<Vec<WindowHaplotypeStats>>,
    /// Fst.
    pub fst: FstStats,
    /// Privacy.
    pub privacy: PrivacyStats,
    /// Segments shared with training and holdout people.
    pub segments: SegmentStats,
    /// 95% bootstrap intervals over people of the privacy figures.
    pub uncertainty: Intervals,
    /// Classifier two-sample test: can classifiers tell AGs from holdout people (`null` without
    /// a holdout)?
    #[serde(default)]
    pub detection: Option<DetectionStats>,
    /// KING-robust kinship of AG samples with real people (`null` unless every sample is
    /// diploid).
    pub kinship: Option<KinshipStats>,
    /// Per population, its AGs against its own real haplotypes (empty without both panels).
    pub populations: Vec<PopulationStats>,
    /// With a real panel: each AG sample's nearest real population in the real PCA space.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ancestry: Option<AncestryStats>,
    /// Pass / warn / fail per check.
    pub verdict: Verdict,
    /// How the model's checkpoint was chosen, when the caller knows (`synth`, `eval --model`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Trajectory>,
    /// What the generation guard did, when the caller knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<GuardInfo>,
    /// The DP-SGD guarantee of the model behind the AGs, when the caller knows it (from the
    /// model directory or the AGs' header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differential_privacy: Option<DpGuarantee>,
    /// Set when the AGs were written although their model missed the privacy bounds on its
    /// validation people (`--accept-privacy-risk`); the verdict then fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_risk: Option<PrivacyRisk>,
    /// The private alleles the model did not learn, when the caller knows (from the model
    /// directory or the AGs' header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_alleles: Option<MaskedAlleles>,
}
