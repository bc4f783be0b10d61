use serde::{Deserialize, Serialize};
use std::fmt;

/// One biallelic variant site.
///
/// Positions are 1-based as in VCF. A multiallelic record becomes several `Site`s (one per ALT)
/// when it is split on reading, so `alternate` is always a single allele.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Site {
    /// Chromosome name as written in the source (`1`, `chr1`, ...).
    pub chrom: String,
    /// 1-based position.
    pub pos: u64,
    /// Variant identifier (`rs123`), `None` for `.`.
    pub id: Option<String>,
    /// Reference allele.
    pub reference: String,
    /// Alternate allele.
    pub alternate: String,
}

impl Site {
    /// A site without an identifier.
    pub fn new(
        chrom: impl Into<String>,
        pos: u64,
        reference: impl Into<String>,
        alternate: impl Into<String>,
    ) -> Self {
        Self {
            chrom: chrom.into(),
            pos,
            id: None,
            reference: reference.into(),
            alternate: alternate.into(),
        }
    }

    /// The same site with an identifier.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Whether both alleles are single bases (a SNP rather than an indel or symbolic allele).
    pub fn is_snp(&self) -> bool {
        self.reference.len() == 1 && self.alternate.len() == 1 && !self.alternate.starts_with('<')
    }

    /// The key sites are matched by across files: CHROM, POS, REF, ALT.
    pub fn key(&self) -> SiteKey<'_> {
        SiteKey {
            chrom: &self.chrom,
            pos: self.pos,
            reference: &self.reference,
            alternate: &self.alternate,
        }
    }
}

impl fmt::Display for Site {
    /// `CHROM:POS REF>ALT`, the way error messages name a site.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} {}>{}",
            self.chrom, self.pos, self.reference, self.alternate
        )
    }
}

/// The identity of a site across files: CHROM, POS, REF, ALT (the id is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteKey<'a> {
    /// Chromosome.
    pub chrom: &'a str,
    /// 1-based position.
    pub pos: u64,
    /// Reference allele.
    pub reference: &'a str,
    /// Alternate allele.
    pub alternate: &'a str,
}

/// An ordered list of sites: the columns of a [`crate::HaplotypeMatrix`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sites(Vec<Site>);

impl Sites {
    /// No sites.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no sites.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The site at `index`, if any.
    pub fn get(&self, index: usize) -> Option<&Site> {
        self.0.get(index)
    }

    /// Iterates over the sites in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Site> {
        self.0.iter()
    }

    /// Appends a site.
    pub fn push(&mut self, site: Site) {
        self.0.push(site);
    }

    /// The sites as a slice.
    pub fn as_slice(&self) -> &[Site] {
        &self.0
    }

    /// The distinct chromosomes in order of first appearance.
    pub fn chromosomes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for site in &self.0 {
            if out.last() != Some(&site.chrom.as_str()) && !out.contains(&site.chrom.as_str()) {
                out.push(&site.chrom);
            }
        }
        out
    }

    /// The sites at the given indices, in the given order.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn select(&self, indices: &[usize]) -> Sites {
        Sites(indices.iter().map(|&i| self.0[i].clone()).collect())
    }
}

impl From<Vec<Site>> for Sites {
    fn from(sites: Vec<Site>) -> Self {
        Self(sites)
    }
}

impl From<Sites> for Vec<Site> {
    fn from(sites: Sites) -> Self {
        sites.0
    }
}

impl std::ops::Index<usize> for Sites {
    type Output = Site;
    fn index(&self, index: usize) -> &Site {
        &self.0[index]
    }
}

impl<'a> IntoIterator for &'a Sites {
    type Item = &'a Site;
    type IntoIter = std::slice::Iter<'a, Site>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Site> for Sites {
    fn from_iter<I: IntoIterator<Item = Site>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}
