use std::collections::HashMap;
use std::io::BufRead;

use crate::{Error, Result};

/// One row of a population panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelEntry {
    /// Sample name.
    pub sample: String,
    /// Population code (`GBR`, `YRI`, ...).
    pub population: String,
    /// Super-population code (`EUR`, `AFR`, ...); empty when the panel has no such column.
    pub super_population: String,
}

/// Population labels: sample → population / super-population.
///
/// Read from the 1000 Genomes `.panel` layout: whitespace-separated columns
/// `sample pop super_pop gender`, an optional header line starting with `sample`, `#` comments.
/// Only the first two columns are required.
///
/// ```
/// use genosynth_core::Panel;
/// let panel = Panel::parse("sample\tpop\tsuper_pop\tgender\nHG00096\tGBR\tEUR\tmale\n")?;
/// assert_eq!(panel.population("HG00096"), Some("GBR"));
/// assert_eq!(panel.super_population("HG00096"), Some("EUR"));
/// # Ok::<(), genosynth_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Panel {
    entries: Vec<PanelEntry>,
    index: HashMap<String, usize>,
}

impl Panel {
    /// Parses panel text.
    pub fn parse(text: &str) -> Result<Self> {
        Self::from_reader(text.as_bytes())
    }

    /// Reads a panel from any buffered reader.
    pub fn from_reader(reader: impl BufRead) -> Result<Self> {
        let mut panel = Panel::default();
        for (i, line) in reader.lines().enumerate() {
            let line_no = i + 1;
            let line = line.map_err(|e| Error::Panel {
                line: line_no,
                message: e.to_string(),
            })?;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            if i == 0 && cols[0].eq_ignore_ascii_case("sample") {
                continue;
            }
            if cols.len() < 2 {
                return Err(Error::Panel {
                    line: line_no,
                    message: format!(
                        "expected at least 2 columns (sample pop [super_pop gender]), found {}",
                        cols.len()
                    ),
                });
            }
            let entry = PanelEntry {
                sample: cols[0].to_string(),
                population: cols[1].to_string(),
                super_population: cols.get(2).unwrap_or(&"").to_string(),
            };
            if panel.index.contains_key(&entry.sample) {
                return Err(Error::Panel {
                    line: line_no,
                    message: format!("sample {:?} is listed twice", entry.sample),
                });
            }
            panel
                .index
                .insert(entry.sample.clone(), panel.entries.len());
            panel.entries.push(entry);
        }
        Ok(panel)
    }

    /// Builds a panel from entries.
    pub fn from_entries(entries: Vec<PanelEntry>) -> Self {
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.sample.clone(), i))
            .collect();
        Self { entries, index }
    }

    /// The entry for a sample.
    pub fn get(&self, sample: &str) -> Option<&PanelEntry> {
        self.index.get(sample).map(|&i| &self.entries[i])
    }

    /// The population of a sample.
    pub fn population(&self, sample: &str) -> Option<&str> {
        self.get(sample).map(|e| e.population.as_str())
    }

    /// The super-population of a sample (`None` when unknown or the column is absent).
    pub fn super_population(&self, sample: &str) -> Option<&str> {
        self.get(sample)
            .map(|e| e.super_population.as_str())
            .filter(|s| !s.is_empty())
    }

    /// All entries in file order.
    pub fn entries(&self) -> &[PanelEntry] {
        &self.entries
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the panel is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The panel as text: a `sample<TAB>pop[<TAB>super_pop]` header, then one line per sample
    /// in order; the super-population column only when some sample has one. [`Panel::parse`]
    /// reads it back.
    pub fn to_text(&self) -> String {
        let with_super = self.entries.iter().any(|e| !e.super_population.is_empty());
        let mut text = String::from(if with_super {
            "sample\tpop\tsuper_pop\n"
        } else {
            "sample\tpop\n"
        });
        for e in &self.entries {
            text.push_str(&e.sample);
            text.push('\t');
            text.push_str(&e.population);
            if with_super {
                text.push('\t');
                text.push_str(&e.super_population);
            }
            text.push('\n');
        }
        text
    }

    /// Labels for `samples` in order (population codes), failing on the first sample missing
    /// from the panel.
    pub fn labels_for<'a>(
        &self,
        samples: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<String>> {
        samples
            .into_iter()
            .map(|s| {
                self.population(s)
                    .map(str::to_string)
                    .ok_or_else(|| Error::UnknownSample(s.to_string()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_1000g_layout_and_rejects_bad_lines() {
        let p = Panel::parse("sample pop super_pop gender\nA GBR EUR male\n\nB YRI AFR female\n")
            .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p.super_population("B"), Some("AFR"));
        let err = Panel::parse("A GBR EUR\nB\n").unwrap_err();
        assert!(matches!(err, Error::Panel { line: 2, .. }));
        let err = Panel::parse("A GBR\nA YRI\n").unwrap_err();
        assert!(err.to_string().contains("twice"));
    }

    #[test]
    fn text_reads_back() {
        let two = Panel::parse("A GBR\nB YRI\n").unwrap();
        assert_eq!(two.to_text(), "sample\tpop\nA\tGBR\nB\tYRI\n");
        let three = Panel::parse("A GBR EUR male\nB YRI AFR female\n").unwrap();
        assert_eq!(Panel::parse(&three.to_text()).unwrap(), three);
        assert_eq!(Panel::parse(&two.to_text()).unwrap(), two);
    }
}
