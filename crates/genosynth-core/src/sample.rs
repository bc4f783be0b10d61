use serde::{Deserialize, Serialize};

/// How many haplotypes a sample carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ploidy {
    /// One haplotype (chrX in males, chrY, MT, haploid data sets).
    Haploid,
    /// Two haplotypes (phased diploid).
    Diploid,
}

impl Ploidy {
    /// Number of haplotypes: 1 or 2.
    pub fn copies(self) -> usize {
        match self {
            Ploidy::Haploid => 1,
            Ploidy::Diploid => 2,
        }
    }

    /// The ploidy with this many copies, if it is 1 or 2.
    pub fn from_copies(copies: usize) -> Option<Self> {
        match copies {
            1 => Some(Ploidy::Haploid),
            2 => Some(Ploidy::Diploid),
            _ => None,
        }
    }
}

/// A sample (an individual) and its ploidy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sample {
    /// Sample name as in the VCF header.
    pub name: String,
    /// Number of haplotypes it contributes.
    pub ploidy: Ploidy,
}

impl Sample {
    /// A sample with a name and ploidy.
    pub fn new(name: impl Into<String>, ploidy: Ploidy) -> Self {
        Self {
            name: name.into(),
            ploidy,
        }
    }

    /// `count` diploid samples named `{prefix}000001`, `{prefix}000002`, ... (generated genomes
    /// are named `AG_000001`, ...).
    pub fn numbered(prefix: &str, count: usize, ploidy: Ploidy) -> Vec<Sample> {
        (1..=count)
            .map(|i| Sample::new(format!("{prefix}{i:06}"), ploidy))
            .collect()
    }
}

/// Which sample and which copy a haplotype row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HaplotypeId {
    /// Index of the sample in the matrix's sample list.
    pub sample: u32,
    /// 0 for the first (or only) copy, 1 for the second.
    pub copy: u8,
}
