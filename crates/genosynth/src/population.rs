//! How many AGs to draw per population label: `EUR=500,AFR=500` read against the labels a
//! conditional model was trained with.

/// Why a list of population counts cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PopulationCountError {
    /// An item is not `NAME=COUNT` with a whole number (or the list is empty).
    #[error("population item {item:?}: expected NAME=COUNT")]
    BadCount {
        /// The offending item.
        item: String,
    },
    /// A name is not one of the model's labels.
    #[error("population {name}: not a label of the model (labels: {known})")]
    UnknownLabel {
        /// The requested label.
        name: String,
        /// The model's labels, comma-separated.
        known: String,
    },
    /// A label is given twice.
    #[error("population {name}: given twice")]
    DuplicateLabel {
        /// The repeated label.
        name: String,
    },
}

/// Parses `EUR=500,AFR=500` against a model's label `names` into `(label index, count)` pairs
/// in the order given (expand them with `genosynth_models::conditional::expand_counts`).
pub fn parse_population_counts(
    spec: &str,
    names: &[String],
) -> Result<Vec<(usize, usize)>, PopulationCountError> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = || PopulationCountError::BadCount {
            item: item.to_string(),
        };
        let (name, count) = item.split_once('=').ok_or_else(bad)?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        let name = name.trim();
        let index = names.iter().position(|n| n == name).ok_or_else(|| {
            PopulationCountError::UnknownLabel {
                name: name.to_string(),
                known: names.join(","),
            }
        })?;
        if out.iter().any(|&(i, _)| i == index) {
            return Err(PopulationCountError::DuplicateLabel {
                name: name.to_string(),
            });
        }
        out.push((index, count));
    }
    if out.is_empty() {
        return Err(PopulationCountError::BadCount {
            item: spec.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_in_order_and_bad_lists_are_named() {
        let names = vec!["AFR".to_string(), "EUR".to_string()];
        let counts = parse_population_counts("EUR=3, AFR=2", &names).unwrap();
        assert_eq!(counts, vec![(1, 3), (0, 2)]);
        assert_eq!(
            parse_population_counts("EAS=1", &names)
                .unwrap_err()
                .to_string(),
            "population EAS: not a label of the model (labels: AFR,EUR)"
        );
        for bad in ["EUR=x", "EUR", ""] {
            assert!(matches!(
                parse_population_counts(bad, &names),
                Err(PopulationCountError::BadCount { .. })
            ));
        }
        assert_eq!(
            parse_population_counts("EUR=1,EUR=2", &names),
            Err(PopulationCountError::DuplicateLabel { name: "EUR".into() })
        );
    }
}
