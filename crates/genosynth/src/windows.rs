//! Windows of one chromosome for training one job per window (a workflow engine schedules
//! them): the CRBM's half-overlapping chain windows, or for every other model consecutive
//! segments trained as separate models.

use genosynth_core::HaplotypeMatrix;
use genosynth_models::{ChainWindow, Checkpoint, ModelKind, ModelParams, crbm_windows};

use crate::{Error, Result};

/// One window of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedWindow {
    /// Where it sits: 0-based site indices `start..end` and the leading sites shared with the
    /// previous window (`clamp`, 0 for segments).
    pub window: ChainWindow,
    /// Position of its first site.
    pub first_pos: u64,
    /// Position of its last site.
    pub last_pos: u64,
    /// Position of its first own site (after the `clamp` sites it shares): where it joins the
    /// previous window.
    pub join_pos: u64,
}

/// The windows of one chromosome for one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowPlan {
    /// The input the sites were read from, as named by the caller.
    pub input: String,
    /// The chromosome.
    pub chrom: String,
    /// Sites on it (after the read policies).
    pub n_sites: usize,
    /// The model the windows are for.
    pub model: ModelKind,
    /// Sites per window.
    pub window_sites: usize,
    /// The windows, in site order.
    pub windows: Vec<PlannedWindow>,
}

impl WindowPlan {
    /// The plan as JSON: `{"input", "chrom", "n_sites", "model", "window_sites", "windows":
    /// [{"index", "start", "end", "clamp", "first_pos", "last_pos", "join_pos"}]}`.
    pub fn to_json(&self) -> String {
        let windows: Vec<serde_json::Value> = self
            .windows
            .iter()
            .map(|w| {
                serde_json::json!({
                    "index": w.window.index,
                    "start": w.window.start,
                    "end": w.window.end,
                    "clamp": w.window.clamp,
                    "first_pos": w.first_pos,
                    "last_pos": w.last_pos,
                    "join_pos": w.join_pos,
                })
            })
            .collect();
        let value = serde_json::json!({
            "input": self.input,
            "chrom": self.chrom,
            "n_sites": self.n_sites,
            "model": self.model.name(),
            "window_sites": self.window_sites,
            "windows": windows,
        });
        serde_json::to_string_pretty(&value).expect("plan serialises") + "\n"
    }

    /// One line for people: `chromosome 1: 805 sites, crbm, 3 windows of 400 sites`.
    pub fn summary(&self) -> String {
        let kind = if self.model == ModelKind::Crbm {
            "half-overlapping chain windows"
        } else {
            "segments, one model each"
        };
        format!(
            "chromosome {} of {}: {} sites (positions {}-{}), {}: {} {kind} of {} sites",
            self.chrom,
            self.input,
            self.n_sites,
            self.windows.first().map_or(0, |w| w.first_pos),
            self.windows.last().map_or(0, |w| w.last_pos),
            self.model,
            self.windows.len(),
            self.window_sites
        )
    }

    /// Window `index`, or an error naming how many there are.
    pub fn window(&self, index: usize) -> Result<&PlannedWindow> {
        self.windows.get(index).ok_or_else(|| Error::InvalidOption {
            name: "window-index",
            reason: format!(
                "{index} is past the last window: {}-site windows over chromosome {}'s {} sites \
                 in {} make {} windows (0 to {})",
                self.window_sites,
                self.chrom,
                self.n_sites,
                self.input,
                self.windows.len(),
                self.windows.len().saturating_sub(1)
            ),
        })
    }
}

/// Consecutive non-overlapping segments of `window_sites` sites (the last one shorter).
pub fn segments(n_sites: usize, window_sites: usize) -> Vec<ChainWindow> {
    let step = window_sites.max(1);
    (0..n_sites)
        .step_by(step)
        .enumerate()
        .map(|(index, start)| ChainWindow {
            index,
            start,
            end: (start + step).min(n_sites),
            clamp: 0,
        })
        .collect()
}

/// Plans the windows of `matrix` (one chromosome, read from `input`) for `model`: the CRBM's
/// chain windows, or segments for other models.
///
/// # Errors
/// A matrix without sites or on several chromosomes, fewer than 2 sites per window, or a
/// window larger than the chromosome.
pub fn plan_windows(
    matrix: &HaplotypeMatrix,
    input: &str,
    model: ModelKind,
    window_sites: usize,
) -> Result<WindowPlan> {
    let invalid = |reason: String| Error::InvalidOption {
        name: "window-sites",
        reason,
    };
    let chromosomes = matrix.sites().chromosomes();
    let chrom = match chromosomes.as_slice() {
        [] => {
            return Err(Error::InvalidOption {
                name: "input",
                reason: format!("{input} has no sites to plan windows over"),
            });
        }
        [one] => one.to_string(),
        many => {
            return Err(Error::InvalidOption {
                name: "input",
                reason: format!(
                    "{input} has sites on {} chromosomes ({}); plan one chromosome at a time \
                     (-r CHROM)",
                    many.len(),
                    many.join(", ")
                ),
            });
        }
    };
    let n_sites = matrix.n_sites();
    if window_sites < 2 {
        return Err(invalid(format!(
            "{window_sites}: a window needs at least 2 sites"
        )));
    }
    if window_sites > n_sites {
        return Err(invalid(format!(
            "{window_sites} is larger than chromosome {chrom}'s {} sites in {input}; use at \
             most {n_sites}",
            thousands(n_sites)
        )));
    }
    let spans = match model {
        ModelKind::Crbm => crbm_windows(n_sites, window_sites),
        _ => segments(n_sites, window_sites),
    };
    let sites = matrix.sites().as_slice();
    let windows = spans
        .into_iter()
        .map(|window| PlannedWindow {
            window,
            first_pos: sites[window.start].pos,
            last_pos: sites[window.end - 1].pos,
            join_pos: sites[(window.start + window.clamp).min(window.end - 1)].pos,
        })
        .collect();
    Ok(WindowPlan {
        input: input.to_string(),
        chrom,
        n_sites,
        model,
        window_sites,
        windows,
    })
}

/// Where a plan's windows join (`(CHROM, POS)` of each window's first own site, the first
/// window left out), from its JSON ([`WindowPlan::to_json`]) read from `path`: `eval` centres
/// one more LD window on each.
///
/// # Errors
/// The text is not a window plan.
pub fn plan_boundaries(json: &str, path: &str) -> Result<Vec<(String, u64)>> {
    let bad = |reason: String| Error::InvalidOption {
        name: "plan",
        reason: format!("{path}: {reason}; expected the JSON that `genosynth plan` writes"),
    };
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| bad(format!("not JSON ({e})")))?;
    let chrom = v["chrom"]
        .as_str()
        .ok_or_else(|| bad("no \"chrom\"".into()))?;
    let windows = v["windows"]
        .as_array()
        .ok_or_else(|| bad("no \"windows\" list".into()))?;
    windows
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, w)| {
            // Plans written before `join_pos` were segments or chain windows whose own sites
            // begin where the previous window ends; segments join at their first site.
            let pos = w["join_pos"]
                .as_u64()
                .or_else(|| (w["clamp"].as_u64() == Some(0)).then(|| w["first_pos"].as_u64())?)
                .ok_or_else(|| bad(format!("window {i} has no \"join_pos\"")))?;
            Ok((chrom.to_string(), pos))
        })
        .collect()
}

/// Where a CRBM chain's windows join (`(CHROM, POS)` of each window's first own site); empty
/// for models trained whole.
pub fn checkpoint_boundaries(checkpoint: &Checkpoint) -> Vec<(String, u64)> {
    let ModelParams::Crbm(p) = &checkpoint.meta.model else {
        return Vec::new();
    };
    let sites = &checkpoint.meta.sites;
    if checkpoint.meta.window_part.is_some() || sites.len() <= p.window {
        return Vec::new();
    }
    crbm_windows(sites.len(), p.window)
        .iter()
        .skip(1)
        .filter_map(|w| sites.get(w.start + w.clamp))
        .map(|s| (s.chrom.clone(), s.pos))
        .collect()
}

/// `3120` → `3,120`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    fn matrix(n_sites: usize, chroms: &[&str]) -> HaplotypeMatrix {
        let sites: Sites = (0..n_sites)
            .map(|i| Site::new(chroms[i % chroms.len()], 100 + i as u64, "A", "G"))
            .collect();
        let values = vec![0u8; 4 * n_sites];
        HaplotypeMatrix::from_dense_u8(&values, sites, Sample::numbered("S", 2, Ploidy::Diploid))
            .unwrap()
    }

    /// Segments join at their first site, chain windows after their shared sites; the
    /// boundaries read back from the plan's JSON.
    #[test]
    fn plan_boundaries_are_the_joins() {
        let m = matrix(10, &["7"]);
        let seg = plan_windows(&m, "in.vcf", ModelKind::Wgan, 4).unwrap();
        let joins = plan_boundaries(&seg.to_json(), "plan.json").unwrap();
        assert_eq!(joins, vec![("7".to_string(), 104), ("7".to_string(), 108)]);
        let chain = plan_windows(&m, "in.vcf", ModelKind::Crbm, 4).unwrap();
        let want: Vec<(String, u64)> = chain.windows[1..]
            .iter()
            .map(|w| {
                (
                    "7".to_string(),
                    100 + (w.window.start + w.window.clamp) as u64,
                )
            })
            .collect();
        assert!(chain.windows[1].window.clamp > 0);
        assert_eq!(plan_boundaries(&chain.to_json(), "p").unwrap(), want);
        let err = plan_boundaries("{\"windows\": []}", "p.json").unwrap_err();
        assert!(err.to_string().contains("p.json"), "{err}");
    }

    #[test]
    fn segments_cover_the_sites_without_overlap() {
        let s = segments(10, 4);
        let bounds: Vec<(usize, usize)> = s.iter().map(|w| (w.start, w.end)).collect();
        assert_eq!(bounds, vec![(0, 4), (4, 8), (8, 10)]);
        assert!(s.iter().all(|w| w.clamp == 0));
        assert_eq!(segments(8, 4).len(), 2);
    }

    #[test]
    fn crbm_plans_chain_windows_and_others_segments() {
        let m = matrix(10, &["2"]);
        let plan = plan_windows(&m, "x.vcf", ModelKind::Crbm, 4).unwrap();
        let w: Vec<(usize, usize, usize)> = plan
            .windows
            .iter()
            .map(|p| (p.window.start, p.window.end, p.window.clamp))
            .collect();
        assert_eq!(w, vec![(0, 4, 0), (2, 6, 2), (4, 8, 2), (6, 10, 2)]);
        assert_eq!(
            (plan.windows[1].first_pos, plan.windows[1].last_pos),
            (102, 105)
        );
        let plan = plan_windows(&m, "x.vcf", ModelKind::Wgan, 4).unwrap();
        assert_eq!(plan.windows.len(), 3);
        assert_eq!(plan.windows[2].last_pos, 109);
        let json: serde_json::Value = serde_json::from_str(&plan.to_json()).unwrap();
        assert_eq!(json["chrom"], "2");
        assert_eq!(json["model"], "wgan");
        assert_eq!(json["windows"][2]["end"], 10);
    }

    #[test]
    fn bad_windows_are_refused_with_the_chromosome_and_file() {
        let m = matrix(3120, &["2"]);
        let err = plan_windows(&m, "X", ModelKind::Crbm, 5000).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid window-sites: 5000 is larger than chromosome 2's 3,120 sites in X; use at \
             most 3120"
        );
        assert!(plan_windows(&m, "X", ModelKind::Crbm, 1).is_err());
        let two = matrix(10, &["1", "2"]);
        let err = plan_windows(&two, "X", ModelKind::Crbm, 4).unwrap_err();
        assert!(err.to_string().contains("2 chromosomes (1, 2)"), "{err}");
        let plan = plan_windows(&m, "X", ModelKind::Rbm, 1000).unwrap();
        assert!(
            plan.window(4)
                .unwrap_err()
                .to_string()
                .contains("4 windows (0 to 3)")
        );
    }
}
