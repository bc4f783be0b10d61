//! The README's results tables, derived from `docs/reproduction-frontier.md`: the ceiling,
//! the floor and each model on the test people, in the columns a reader compares first.
//! `reproduce --frontier` rewrites them after the doc; a test keeps README and doc equal.

use std::fmt::Write as _;

use anyhow::{Context, bail};

pub(crate) const README: &str = "README.md";
const START: &str = "<!-- results: written by `cargo xtask reproduce --frontier` from docs/reproduction-frontier.md -->";
const END: &str = "<!-- /results -->";

/// One table per data set of the frontier doc `doc`, with a link to its section.
pub(crate) fn results_tables(doc: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut sections = 0;
    for section in doc.split("\n## ").skip(1) {
        let name = section.lines().next().unwrap_or_default().trim();
        let rows = first_table(section)
            .with_context(|| format!("{name}: no results table in the frontier doc"))?;
        let col = |header: &[String], label: &str| {
            header
                .iter()
                .position(|h| h == label)
                .with_context(|| format!("{name}: no column {label:?}"))
        };
        let header = &rows[0];
        let [set, ld, truth, syn, loss, auc, time] = [
            "set",
            "LD r² corr",
            "AA_truth",
            "AA_syn",
            "privacy loss",
            "membership AUC",
            "train time",
        ]
        .map(|label| col(header, label));
        let (set, ld, truth, syn, loss, auc, time) = (set?, ld?, truth?, syn?, loss?, auc?, time?);
        writeln!(
            out,
            "| [{name}](docs/reproduction-frontier.md#{}) | LD r² corr | AA_truth / AA_syn | privacy loss | membership AUC | train time |",
            anchor(name)
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for row in &rows[1..] {
            let halves = if row[truth] == "–" {
                "–".to_string()
            } else {
                format!("{} / {}", row[truth], row[syn])
            };
            writeln!(
                out,
                "| {} | {} | {halves} | {} | {} | {} |",
                row[set], row[ld], row[loss], row[auc], row[time]
            )?;
        }
        writeln!(out)?;
        sections += 1;
    }
    if sections == 0 {
        bail!("the frontier doc has no data set sections");
    }
    Ok(out.trim_end().to_string())
}

/// The cells of the first Markdown table in `text` (header first, separator dropped).
fn first_table(text: &str) -> Option<Vec<Vec<String>>> {
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("|---"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    (rows.len() > 1).then_some(rows)
}

/// GitHub's anchor of a heading: lower case, spaces to dashes, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// `readme` with the text between the results markers replaced by `tables`.
pub(crate) fn with_tables(readme: &str, tables: &str) -> anyhow::Result<String> {
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        bail!("{README} has no results markers ({START} … {END})");
    };
    let body_start = start + START.len();
    anyhow::ensure!(body_start <= end, "{README}: results markers out of order");
    Ok(format!(
        "{}\n{tables}\n{}",
        &readme[..body_start],
        &readme[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_tables_are_the_frontier_docs() {
        let root = crate::workspace_root();
        let doc = std::fs::read_to_string(root.join(super::super::DOC)).unwrap();
        let readme = std::fs::read_to_string(root.join(README)).unwrap();
        let expected = with_tables(&readme, &results_tables(&doc).unwrap()).unwrap();
        assert!(
            readme == expected,
            "README.md's results tables differ from docs/reproduction-frontier.md; run \
             `cargo xtask reproduce --frontier` or copy them:\n{}",
            results_tables(&doc).unwrap()
        );
    }

    #[test]
    fn tables_keep_each_rows_figures_and_link_the_section() {
        let doc = "# T\n\nintro\n\n## 1000G 805 SNPs\n\ntext\n\n\
                   | set | chosen epoch | LD r² corr | AA_truth | AA_syn | privacy loss | membership AUC | train time |\n\
                   |---|---|---|---|---|---|---|---|\n\
                   | test people (ceiling) | – | 0.939 | 0.454 | 0.478 | – | – | – |\n\
                   | HCLT (60 epochs) | 46 | 0.969 | 0.605 | 0.426 | 0.036 | 0.507 | 20 s |\n\n\
                   | set | misses |\n|---|---|\n| x | y |\n";
        let tables = results_tables(doc).unwrap();
        assert_eq!(
            tables,
            "| [1000G 805 SNPs](docs/reproduction-frontier.md#1000g-805-snps) | LD r² corr | AA_truth / AA_syn | privacy loss | membership AUC | train time |\n\
             |---|---|---|---|---|---|\n\
             | test people (ceiling) | 0.939 | 0.454 / 0.478 | – | – | – |\n\
             | HCLT (60 epochs) | 0.969 | 0.605 / 0.426 | 0.036 | 0.507 | 20 s |"
        );
        let readme = format!("a\n{START}\nold\n{END}\nb\n");
        assert_eq!(
            with_tables(&readme, "new").unwrap(),
            format!("a\n{START}\nnew\n{END}\nb\n")
        );
    }
}
