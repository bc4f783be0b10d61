//! Genetic maps: centimorgan (cM) positions along each chromosome, interpolated linearly
//! between the map's points, so shared segments can be measured in recombination distance.

use std::collections::HashMap;

use crate::{Error, Result, Sites};

/// Map positions per chromosome: `(bp, cM)` points in increasing position.
///
/// Read from either layout genetic maps ship in (whitespace-separated, `#` comments):
/// - PLINK `.map` (also Beagle's maps): `CHROM ID cM POS`, no header;
/// - HapMap / 1000 Genomes / Eagle / SHAPEIT: `CHROM POS RATE cM` (rate in cM/Mb, unused),
///   after a header line (`Chromosome Position(bp) Rate(cM/Mb) Map(cM)`).
///
/// A first line whose last column is not a number is the HapMap header; without one the file
/// is read as PLINK. Positions and cM must not decrease along a chromosome.
///
/// ```
/// use genosynth_core::GeneticMap;
/// let map = GeneticMap::parse("chr pos rate cm\n1 1000 1.0 0.0\n1 3000 1.0 0.5\n")?;
/// assert_eq!(map.cm("1", 2000), Some(0.25));
/// assert_eq!(map.cm("1", 5000), Some(0.5), "beyond the last point: its cM");
/// assert_eq!(map.cm("2", 2000), None);
/// # Ok::<(), genosynth_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneticMap {
    chroms: HashMap<String, Vec<(u64, f64)>>,
}

fn bad(line: usize, message: impl Into<String>) -> Error {
    Error::GeneticMap {
        line: Some(line),
        message: message.into(),
    }
}

impl GeneticMap {
    /// Parses map text in either layout (see [`GeneticMap`]).
    ///
    /// # Errors
    /// A line with too few columns, a position or cM that is not a number, a position or cM
    /// that decreases along a chromosome, or no point at all; the error names the line.
    pub fn parse(text: &str) -> Result<Self> {
        let mut map = Self::default();
        let mut hapmap = false;
        let mut first = true;
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 4 {
                return Err(bad(
                    line_no,
                    format!(
                        "expected 4 columns (PLINK: CHROM ID cM POS; HapMap: CHROM POS RATE cM), found {}",
                        cols.len()
                    ),
                ));
            }
            if std::mem::take(&mut first) && cols[3].parse::<f64>().is_err() {
                hapmap = true;
                continue;
            }
            let (pos, cm) = if hapmap {
                (cols[1], cols[3])
            } else {
                (cols[3], cols[2])
            };
            let pos: u64 = pos
                .parse()
                .map_err(|_| bad(line_no, format!("position {pos:?} is not a whole number")))?;
            let cm: f64 = cm
                .parse()
                .ok()
                .filter(|c: &f64| c.is_finite())
                .ok_or_else(|| bad(line_no, format!("cM {cm:?} is not a number")))?;
            let points = map.chroms.entry(cols[0].to_string()).or_default();
            if let Some(&(p, c)) = points.last()
                && (pos < p || cm < c)
            {
                return Err(bad(
                    line_no,
                    format!(
                        "chromosome {} goes back from {p} bp, {c} cM to {pos} bp, {cm} cM; sort the map by position",
                        cols[0]
                    ),
                ));
            }
            points.push((pos, cm));
        }
        if map.chroms.is_empty() {
            return Err(Error::GeneticMap {
                line: None,
                message: "the map has no points".into(),
            });
        }
        Ok(map)
    }

    /// The cM position of `pos` on `chrom`, linear between the map's points and that of the
    /// nearest end outside them; `None` when the map lacks the chromosome.
    pub fn cm(&self, chrom: &str, pos: u64) -> Option<f64> {
        let points = self.chroms.get(chrom)?;
        let after = points.partition_point(|&(p, _)| p <= pos);
        Some(
            match (after.checked_sub(1).map(|i| points[i]), points.get(after)) {
                (Some((p0, c0)), Some(&(p1, c1))) => {
                    c0 + (c1 - c0) * (pos - p0) as f64 / (p1 - p0) as f64
                }
                (Some((_, c)), None) | (None, Some(&(_, c))) => c,
                (None, None) => return None,
            },
        )
    }

    /// The cM position of every site (`NaN` on a chromosome the map lacks).
    pub fn site_cm(&self, sites: &Sites) -> Vec<f64> {
        sites
            .iter()
            .map(|s| self.cm(&s.chrom, s.pos).unwrap_or(f64::NAN))
            .collect()
    }

    /// The chromosomes the map covers.
    pub fn chromosomes(&self) -> impl Iterator<Item = &str> {
        self.chroms.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Site;

    #[test]
    fn both_layouts_give_the_same_map() {
        let plink = "1 rs1 0.0 1000\n1 rs2 0.5 3000\n1 . 2.5 7000\n2 rs9 10 500\n";
        let hapmap = "Chromosome\tPosition(bp)\tRate(cM/Mb)\tMap(cM)\n# a comment\n1 1000 250 0.0\n1 3000 500 0.5\n1 7000 0 2.5\n2 500 0 10\n";
        let (a, b) = (
            GeneticMap::parse(plink).unwrap(),
            GeneticMap::parse(hapmap).unwrap(),
        );
        assert_eq!(a, b);
        assert_eq!(a.cm("1", 1000), Some(0.0));
        assert_eq!(a.cm("1", 5000), Some(1.5));
        assert_eq!(a.cm("1", 10), Some(0.0));
        assert_eq!(a.cm("2", 9999), Some(10.0));
        let sites: Sites = [Site::new("1", 2000, "A", "G"), Site::new("3", 1, "A", "G")]
            .into_iter()
            .collect();
        let cm = a.site_cm(&sites);
        assert_eq!(cm[0], 0.25);
        assert!(cm[1].is_nan());
        let mut chroms: Vec<&str> = a.chromosomes().collect();
        chroms.sort_unstable();
        assert_eq!(chroms, ["1", "2"]);
    }

    #[test]
    fn bad_maps_name_the_line() {
        let err = |text: &str| GeneticMap::parse(text).unwrap_err().to_string();
        assert!(err("1 a 0.0 100\n1 b 0.0\n").contains("line 2: expected 4 columns"));
        assert!(err("1 a x 100\n").contains("line 1: cM \"x\""));
        assert!(err("1 a 0.0 100\n1 b 1.0 x\n").contains("line 2: position \"x\""));
        assert!(err("1 a 1.0 100\n1 b 0.5 200\n").contains("line 2: chromosome 1 goes back"));
        assert!(err("1 a 0.0 300\n1 b 1.0 200\n").contains("sort the map"));
        assert!(err("# nothing\n").contains("no points"));
    }
}
