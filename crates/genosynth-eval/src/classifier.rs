//! The two learners of the classifier two-sample test ([`crate::detection`]), as scikit-learn
//! fits them inside `make_pipeline(StandardScaler(), ...)`: L2-regularised logistic regression
//! (`LogisticRegression(C=…)`, solved by L-BFGS to a tight gradient; each fold standardises
//! with its own training rows' mean and standard deviation) and k nearest neighbours
//! (`KNeighborsClassifier(n_neighbors=k)`, Euclidean on the features as they are). Features
//! are a dense row-major matrix.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A learner and its one setting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Learner {
    /// L2-regularised logistic regression; `c` is scikit-learn's `C` (inverse penalty).
    Logistic {
        /// Inverse regularisation strength.
        c: f64,
    },
    /// k nearest neighbours, Euclidean on the unscaled features; the score is the share of AGs among the `k` nearest
    /// training rows (ties at the k-th distance count by their share, the expectation over
    /// any order of the tied rows).
    Neighbours {
        /// Neighbours.
        k: usize,
    },
}

impl Learner {
    /// Short name in the report (`logistic_regression`, `nearest_neighbours`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Logistic { .. } => "logistic_regression",
            Self::Neighbours { .. } => "nearest_neighbours",
        }
    }
}

/// Dense features: `rows × cols`, row-major.
#[derive(Debug, Clone)]
pub struct Features {
    /// Values.
    pub values: Vec<f64>,
    /// Columns per row.
    pub cols: usize,
}

impl Features {
    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    fn rows(&self) -> usize {
        self.values.len() / self.cols.max(1)
    }
}

/// Out-of-fold scores: each row scored by `learner` fitted on the rows of the other folds
/// (`folds[i]` in `0..n_folds`); `labels[i]` is true for the positive class (AGs). Higher scores
/// say "positive".
pub fn cross_validated_scores(
    x: &Features,
    labels: &[bool],
    folds: &[usize],
    learner: Learner,
) -> Vec<f64> {
    let n_folds = folds.iter().max().map_or(0, |f| f + 1);
    let per_fold: Vec<(Vec<usize>, Vec<f64>)> = (0..n_folds)
        .into_par_iter()
        .map(|fold| {
            let (test, fit): (Vec<usize>, Vec<usize>) =
                (0..x.rows()).partition(|&i| folds[i] == fold);
            let fit_y: Vec<bool> = fit.iter().map(|&i| labels[i]).collect();
            let scores = match learner {
                Learner::Logistic { c } => {
                    let scaler = Scaler::fit(x, &fit);
                    let w = fit_logistic(&scaler.apply(x, &fit), &fit_y, c);
                    let test_x = scaler.apply(x, &test);
                    (0..test.len()).map(|r| w.decision(test_x.row(r))).collect()
                }
                Learner::Neighbours { k } => {
                    // On the features as they are: standardising would weigh a rare site's
                    // dosage as much as a common one's and drown haplotype sharing in noise.
                    let raw = Scaler::identity(x.cols);
                    neighbour_scores(&raw.apply(x, &fit), &fit_y, &raw.apply(x, &test), k)
                }
            };
            (test, scores)
        })
        .collect();
    let mut out = vec![f64::NAN; x.rows()];
    for (test, scores) in per_fold {
        for (i, s) in test.into_iter().zip(scores) {
            out[i] = s;
        }
    }
    out
}

/// Column means and standard deviations (ddof 0; 1 where a column is constant, as
/// `StandardScaler`).
struct Scaler {
    mean: Vec<f64>,
    sd: Vec<f64>,
}

impl Scaler {
    fn identity(cols: usize) -> Self {
        Self {
            mean: vec![0.0; cols],
            sd: vec![1.0; cols],
        }
    }

    fn fit(x: &Features, rows: &[usize]) -> Self {
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0; x.cols];
        for &r in rows {
            mean.iter_mut().zip(x.row(r)).for_each(|(m, v)| *m += v);
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; x.cols];
        for &r in rows {
            for ((s, v), m) in var.iter_mut().zip(x.row(r)).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        let sd = var
            .into_iter()
            .map(|v| {
                let sd = (v / n).sqrt();
                if sd > 1e-12 { sd } else { 1.0 }
            })
            .collect();
        Self { mean, sd }
    }

    fn apply(&self, x: &Features, rows: &[usize]) -> Features {
        let mut values = Vec::with_capacity(rows.len() * x.cols);
        for &r in rows {
            values.extend(
                x.row(r)
                    .iter()
                    .zip(&self.mean)
                    .zip(&self.sd)
                    .map(|((v, m), s)| (v - m) / s),
            );
        }
        Features {
            values,
            cols: x.cols,
        }
    }
}

/// A fitted logistic regression.
struct Logistic {
    weights: Vec<f64>,
    intercept: f64,
}

impl Logistic {
    fn decision(&self, row: &[f64]) -> f64 {
        crate::linalg::dot(&self.weights, row) + self.intercept
    }
}

/// L-BFGS iterations at most, and the gradient (∞-norm, relative to the loss's scale) at which
/// the fit has converged: tight enough that scores rank as scikit-learn's to ~1e-6.
const MAX_ITERATIONS: usize = 2000;
const GRADIENT_TOLERANCE: f64 = 1e-8;
const MEMORY: usize = 10;

/// Minimises `½‖w‖² + C Σ log(1 + exp(−yᵢ(w·xᵢ + b)))`, the intercept unpenalised
/// (scikit-learn's objective for `penalty='l2'`).
fn fit_logistic(x: &Features, y: &[bool], c: f64) -> Logistic {
    let p = x.cols;
    let sign: Vec<f64> = y.iter().map(|&l| if l { 1.0 } else { -1.0 }).collect();
    // Value and gradient at θ = (w, b).
    let eval = |theta: &[f64], grad: &mut [f64]| -> f64 {
        let (w, b) = (&theta[..p], theta[p]);
        let mut loss = 0.5 * crate::linalg::dot(w, w);
        grad[..p].copy_from_slice(w);
        grad[p] = 0.0;
        for (i, &s) in sign.iter().enumerate() {
            let row = x.row(i);
            let m = s * (crate::linalg::dot(w, row) + b);
            // log(1 + e^−m) and its derivative −σ(−m), stable for large |m|.
            let (l, d) = if m > 0.0 {
                let e = (-m).exp();
                (e.ln_1p(), -e / (1.0 + e))
            } else {
                let e = m.exp();
                (-m + e.ln_1p(), -1.0 / (1.0 + e))
            };
            loss += c * l;
            let coef = c * d * s;
            grad[..p]
                .iter_mut()
                .zip(row)
                .for_each(|(g, v)| *g += coef * v);
            grad[p] += coef;
        }
        loss
    };
    let theta = lbfgs(p + 1, eval, GRADIENT_TOLERANCE * c * y.len().max(1) as f64);
    Logistic {
        intercept: theta[p],
        weights: theta[..p].to_vec(),
    }
}

/// Limited-memory BFGS from 0 with a backtracking (Armijo) line search, until the gradient's
/// ∞-norm is at most `tolerance`.
fn lbfgs(dim: usize, eval: impl Fn(&[f64], &mut [f64]) -> f64, tolerance: f64) -> Vec<f64> {
    let mut x = vec![0.0; dim];
    let mut g = vec![0.0; dim];
    let mut f = eval(&x, &mut g);
    let mut history: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::new();
    let (mut x_new, mut g_new) = (vec![0.0; dim], vec![0.0; dim]);
    for _ in 0..MAX_ITERATIONS {
        if g.iter().fold(0.0f64, |m, v| m.max(v.abs())) <= tolerance {
            break;
        }
        // Two-loop recursion: d = −H g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, yv, rho) in history.iter().rev() {
            let a = rho * crate::linalg::dot(s, &q);
            q.iter_mut().zip(yv).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = history.back().map_or_else(
            || 1.0 / g.iter().map(|v| v * v).sum::<f64>().sqrt().max(1.0),
            |(s, yv, _)| crate::linalg::dot(s, yv) / crate::linalg::dot(yv, yv),
        );
        q.iter_mut().for_each(|v| *v *= gamma);
        for ((s, yv, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let b = rho * crate::linalg::dot(yv, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let mut slope = -crate::linalg::dot(&g, &q);
        if slope >= 0.0 {
            // Not a descent direction (rounding): restart from steepest descent.
            history.clear();
            q.copy_from_slice(&g);
            slope = -crate::linalg::dot(&g, &g);
        }
        let mut step = 1.0;
        let mut f_new;
        loop {
            x_new
                .iter_mut()
                .zip(&x)
                .zip(&q)
                .for_each(|((n, xi), di)| *n = xi - step * di);
            f_new = eval(&x_new, &mut g_new);
            if f_new <= f + 1e-4 * step * slope || step < 1e-20 {
                break;
            }
            step *= 0.5;
        }
        if f_new >= f && step < 1e-20 {
            break;
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = crate::linalg::dot(&s, &yv);
        if sy > 1e-12 * crate::linalg::dot(&yv, &yv).sqrt() * crate::linalg::dot(&s, &s).sqrt() {
            if history.len() == MEMORY {
                history.pop_front();
            }
            history.push_back((s, yv, 1.0 / sy));
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        f = f_new;
    }
    x
}

/// For each test row, the share of positives among its `k` nearest fitting rows.
fn neighbour_scores(fit: &Features, labels: &[bool], test: &Features, k: usize) -> Vec<f64> {
    if labels.is_empty() {
        // One person per class, both in the one fold: nothing to learn from.
        return vec![0.5; test.rows()];
    }
    let k = k.min(labels.len());
    // Squared differences of 0/1 columns (the dosages) are a popcount of packed bits.
    let binary: Vec<bool> = (0..fit.cols)
        .map(|c| {
            let is_01 = |x: &Features| (0..x.rows()).all(|r| matches!(x.row(r)[c], 0.0 | 1.0));
            is_01(fit) && is_01(test)
        })
        .collect();
    let (fit, test) = (Packed::new(fit, &binary), Packed::new(test, &binary));
    (0..test.rows)
        .into_par_iter()
        .map(|t| {
            let mut d: Vec<(f64, bool)> = (0..fit.rows)
                .map(|i| (fit.squared_distance(i, &test, t), labels[i]))
                .collect();
            d.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
            let kth = d[k - 1].0;
            // Rows strictly nearer than the k-th, then the tied ones by their share.
            let (mut nearer, mut nearer_pos, mut tied, mut tied_pos) = (0usize, 0usize, 0, 0);
            for &(dist, pos) in &d {
                if dist < kth {
                    nearer += 1;
                    nearer_pos += usize::from(pos);
                } else if dist == kth {
                    tied += 1;
                    tied_pos += usize::from(pos);
                }
            }
            let from_ties = (k - nearer) as f64 * tied_pos as f64 / tied as f64;
            (nearer_pos as f64 + from_ties) / k as f64
        })
        .collect()
}

/// Rows as packed bits for the 0/1 columns and values for the others.
struct Packed {
    rows: usize,
    words: usize,
    bits: Vec<u64>,
    others: usize,
    values: Vec<f64>,
}

impl Packed {
    fn new(x: &Features, binary: &[bool]) -> Self {
        let n_binary = binary.iter().filter(|&&b| b).count();
        let words = n_binary.div_ceil(64);
        let others = x.cols - n_binary;
        let (mut bits, mut values) = (vec![0u64; x.rows() * words], Vec::new());
        for r in 0..x.rows() {
            let mut bit = 0;
            for (&v, &is_binary) in x.row(r).iter().zip(binary) {
                if is_binary {
                    if v == 1.0 {
                        bits[r * words + bit / 64] |= 1 << (bit % 64);
                    }
                    bit += 1;
                } else {
                    values.push(v);
                }
            }
        }
        Self {
            rows: x.rows(),
            words,
            bits,
            others,
            values,
        }
    }

    /// Squared Euclidean distance between row `i` and row `j` of `other`.
    fn squared_distance(&self, i: usize, other: &Packed, j: usize) -> f64 {
        let w = self.words;
        let differing = genosynth_core::hamming_words(
            &self.bits[i * w..(i + 1) * w],
            &other.bits[j * w..(j + 1) * w],
        );
        let o = self.others;
        let rest: f64 = self.values[i * o..(i + 1) * o]
            .iter()
            .zip(&other.values[j * o..(j + 1) * o])
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        f64::from(differing) + rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fit reaches the optimum: the gradient of the objective vanishes there, and a
    /// separable direction is learnt.
    #[test]
    fn logistic_fit_is_stationary_and_neighbours_count_ties_by_share() {
        let rows = 40;
        let mut v = Vec::new();
        let mut y = Vec::new();
        for i in 0..rows {
            let pos = i % 2 == 0;
            let t = i as f64 / rows as f64;
            v.extend([f64::from(u8::from(pos)) + (t * 7.0).sin(), (t * 13.0).cos()]);
            y.push(pos);
        }
        let x = Features { values: v, cols: 2 };
        let c = 0.5;
        let m = fit_logistic(&x, &y, c);
        // ∂/∂w = w + C Σ (σ(z) − y01) x; ∂/∂b = C Σ (σ(z) − y01).
        let mut grad = m.weights.clone();
        let mut gb = 0.0;
        for (i, &l) in y.iter().enumerate() {
            let z = m.decision(x.row(i));
            let r = 1.0 / (1.0 + (-z).exp()) - f64::from(u8::from(l));
            grad[0] += c * r * x.row(i)[0];
            grad[1] += c * r * x.row(i)[1];
            gb += c * r;
        }
        assert!(
            grad.iter().chain([&gb]).all(|g| g.abs() < 1e-6),
            "{grad:?} {gb}"
        );
        assert!(m.weights[0] > 1.0);

        // Distances 0, 1, 1, 1 from the test row: k = 2 takes the nearest and two thirds of one
        // tied positive.
        let fit = Features {
            values: vec![0.0, 1.0, -1.0, 1.0],
            cols: 1,
        };
        let test = Features {
            values: vec![0.0],
            cols: 1,
        };
        let s = neighbour_scores(&fit, &[false, true, true, false], &test, 2);
        assert!((s[0] - (2.0 / 3.0) / 2.0).abs() < 1e-12, "{s:?}");
    }
}
