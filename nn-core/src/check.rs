//! The checks that prove the gradients right: numeric gradients by forward and central
//! differences, Hessians, the second-order Taylor prediction and a Newton step. All work
//! in caller-provided fixed-size buffers, so they run on the device too.
//!
//! # What a gradient check can and cannot see
//! A difference quotient is only a derivative where the loss is smooth between the two
//! points it evaluates. Relu, leaky relu and step have a kink at `z = 0`: when a
//! parameter's step moves some sample's pre-activation across zero, the quotient mixes
//! two slopes and says nothing about backprop. [`gradient_check`] finds those parameters
//! (it compares which side of the kink every such unit is on at both points) and leaves
//! them out of its figures.
//!
//! Its other limit is rounding. Each evaluated mean loss carries a rounding error of
//! about `λ(√n + √m + 4)·u·|L|` (`n` samples summed, `m` the longest sum inside a
//! forward pass, `u = 2⁻²⁴`, `λ = 4`: Higham and Mary's probabilistic bound for sums of
//! that length, exceeded with probability below `2e^{−λ²/2} ≈ 7·10⁻⁴`, plus a few
//! operations of the activation and the loss). A difference of two such losses divided
//! by its span (`2ε` central, `ε` forward) is off by up to
//! `λ(√n + √m + 4)·u·(|L₊| + |L₋|) / span`: [`Agreement::rounding`], the absolute
//! tolerance no numeric derivative can beat.

use crate::activation::Activation;
use crate::data::Dataset;
use crate::error::{Error, Hyperparameter};
use crate::kernel::sample_loss;
use crate::loss::Loss;
use crate::math;
use crate::model::{Model, ModelMut};
use crate::train::{dataset_gradient, evaluate};

/// How a numeric derivative is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Difference {
    /// `(f(θ + ε) − f(θ)) / ε`: document 003's `update_weights`; error `O(ε)`.
    Forward,
    /// `(f(θ + ε) − f(θ − ε)) / 2ε`; error `O(ε²)`.
    Central,
}

/// How the numeric derivatives of a network's mean loss over a data set are taken.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Differences {
    /// The per-sample loss; the objective is its mean over the data set.
    pub loss: Loss,
    /// Forward or central differences.
    pub method: Difference,
    /// The step `ε`, positive and finite.
    pub epsilon: f32,
}

impl Differences {
    /// Central differences of step `epsilon` on `loss`.
    pub const fn central(loss: Loss, epsilon: f32) -> Self {
        Differences { loss, method: Difference::Central, epsilon }
    }

    /// Forward differences of step `epsilon` on `loss`.
    pub const fn forward(loss: Loss, epsilon: f32) -> Self {
        Differences { loss, method: Difference::Forward, epsilon }
    }

    /// `f′ ≈ (f(θ + ε) − f(low)) / span`: the point below `θ` and the span for this method.
    fn below(self, theta: f32) -> (f32, f32) {
        match self.method {
            Difference::Forward => (theta, self.epsilon),
            Difference::Central => (theta - self.epsilon, 2.0 * self.epsilon),
        }
    }
}

/// How far backprop and the numeric gradient disagree, over the parameters whose
/// difference step crosses no kink.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Agreement {
    /// The mean loss at the unperturbed parameters.
    pub loss: f32,
    /// Largest `|analytic − numeric|`.
    pub max_abs: f32,
    /// Largest `|analytic − numeric| / max(|analytic|, |numeric|)` (0 where both are 0).
    pub max_rel: f32,
    /// Flat index of the parameter with the largest absolute difference.
    pub worst: usize,
    /// Parameters whose difference step crosses a kink (left out of the figures above).
    pub crossed: usize,
    /// The rounding bound of a numeric derivative here (see the [module](self) docs):
    /// no smaller absolute difference means anything.
    pub rounding: f32,
}

impl Agreement {
    /// Compares two gradients elementwise, skipping the parameters marked in `crossed`.
    pub(crate) fn of(loss: f32, analytic: &[f32], numeric: &[f32], crossed: &[bool]) -> Self {
        let mut a = Agreement { loss, max_abs: 0.0, max_rel: 0.0, worst: 0, crossed: 0, rounding: 0.0 };
        for (k, ((&x, &y), &kink)) in analytic.iter().zip(numeric).zip(crossed).enumerate() {
            if kink {
                a.crossed += 1;
                continue;
            }
            let diff = (x - y).abs();
            let scale = x.abs().max(y.abs());
            let rel = if scale > 0.0 { diff / scale } else { 0.0 };
            if diff > a.max_abs || diff.is_nan() {
                a.max_abs = diff;
                a.worst = k;
            }
            if rel > a.max_rel || rel.is_nan() {
                a.max_rel = rel;
            }
        }
        a
    }
}

/// True when every `|a − n| ≤ atol + rtol·max(|a|, |n|)`.
pub fn agrees(analytic: &[f32], numeric: &[f32], atol: f32, rtol: f32) -> bool {
    analytic.len() == numeric.len()
        && analytic.iter().zip(numeric).all(|(&a, &n)| tolerance_ratio(a, n, atol, rtol) <= 1.0)
}

/// `|a − n| / (atol + rtol·max(|a|, |n|))`: at most 1 where the two agree (0 when they
/// are equal, even with no tolerance; NaN when either is).
pub fn tolerance_ratio(a: f32, n: f32, atol: f32, rtol: f32) -> f32 {
    let diff = (a - n).abs();
    if diff == 0.0 {
        return 0.0;
    }
    diff / (atol + rtol * a.abs().max(n.abs()))
}

/// The relative rounding error `λ(√n + √m + 4)·u` of a mean loss over `samples` samples
/// whose longest inner sum has `terms` terms (see the [module](self) docs).
pub fn loss_rounding(samples: usize, terms: usize) -> f32 {
    const LAMBDA: f32 = 4.0;
    const UNIT_ROUNDOFF: f32 = f32::EPSILON / 2.0;
    LAMBDA * (math::sqrt(samples as f32) + math::sqrt(terms as f32) + 4.0) * UNIT_ROUNDOFF
}

/// Whether an activation has a kink (a point where its slope jumps) at `z = 0`.
fn has_kink(activation: Activation) -> bool {
    matches!(activation, Activation::Relu | Activation::LeakyRelu | Activation::Step)
}

/// Whether some unit of a kinked layer is on different sides of its kink in the two
/// forward passes whose layer outputs (the kernel's scratch layout) are `a` and `b`.
/// Relu, leaky relu and step all output a positive value exactly when `z > 0` (step
/// also at `z = 0`, where it outputs 1).
fn kink_between<M: Model + ?Sized>(model: &M, a: &[f32], b: &[f32]) -> bool {
    let mut start = 0;
    for layer in 0..model.depth() {
        let spec = model.spec(layer);
        let end = start + spec.outputs;
        if has_kink(spec.activation) {
            let (Some(x), Some(y)) = (a.get(start..end), b.get(start..end)) else { return false };
            if x.iter().zip(y).any(|(&x, &y)| (x > 0.0) != (y > 0.0)) {
                return true;
            }
        }
        start = end;
    }
    false
}

fn check_step(eps: f32) -> Result<(), Error> {
    if eps > 0.0 && eps.is_finite() {
        Ok(())
    } else {
        Err(Error::Hyperparameter(Hyperparameter::DifferenceStep))
    }
}

/// Sets parameter `k` of `model` to `value`, runs `f`, and puts `theta` back bit for bit.
fn perturbed<M: ModelMut + ?Sized, T>(
    model: &mut M,
    (k, theta, value): (usize, f32, f32),
    f: impl FnOnce(&mut M) -> T,
) -> T {
    if let Some(p) = model.param_mut(k) {
        *p = value;
    }
    let result = f(model);
    if let Some(p) = model.param_mut(k) {
        *p = theta;
    }
    result
}

/// Parameter `k`, which the callers' loops keep below the parameter count.
fn param<M: ModelMut + ?Sized>(model: &M, k: usize) -> Result<f32, Error> {
    model.param(k).ok_or(Error::ParamCount { expected: k + 1, found: model.param_count() })
}

/// The numeric gradient of the mean loss over `data` with respect to every parameter,
/// written to `out` in the flat order; returns the unperturbed mean loss. Each parameter
/// is restored bit for bit after it is perturbed.
///
/// ```
/// use nn_core::check::{numeric_gradient, Differences};
/// use nn_core::{activation::Identity, Dense, Loss, Network};
/// type Line = (Dense<1, 1, Identity>,);
/// let mut net: Line = (Dense::new([[1.0]], [0.0]),);
/// let data = [([1.0], [0.0])]; // L = (w + b)², ∂L/∂w = ∂L/∂b = 2
/// let (mut scratch, mut g) = ([0.0; Line::SCRATCH], [0.0; Line::PARAMS]);
/// numeric_gradient(&mut net, &data, Differences::central(Loss::Sse, 1.0 / 64.0), &mut scratch, &mut g).unwrap();
/// assert_eq!(g, [2.0, 2.0]);
/// ```
pub fn numeric_gradient(
    model: &mut (impl ModelMut + ?Sized),
    data: &(impl Dataset + ?Sized),
    how: Differences,
    scratch: &mut [f32],
    out: &mut [f32],
) -> Result<f32, Error> {
    differences(model, data, how, (scratch, &mut []), out, &mut []).map(|(base, _)| base)
}

/// The one loop behind [`numeric_gradient`] and [`gradient_check`]: per parameter and
/// per sample, the loss at `θ + ε` (in `here`) and at the point below (in `there` when
/// kinks are tracked, that is when `crossed` is not empty). The per-side sums run over
/// the samples in order, as [`evaluate`] does, so the losses are the same bits. Returns
/// the unperturbed loss and the largest `|L₊| + |L₋|`.
fn differences<M: ModelMut + ?Sized, D: Dataset + ?Sized>(
    model: &mut M,
    data: &D,
    how: Differences,
    (here, there): (&mut [f32], &mut [f32]),
    out: &mut [f32],
    crossed: &mut [bool],
) -> Result<(f32, f32), Error> {
    check_step(how.epsilon)?;
    let expected = model.param_count();
    if out.len() != expected {
        return Err(Error::ParamCount { expected, found: out.len() });
    }
    let track = !crossed.is_empty();
    if track && crossed.len() != expected {
        return Err(Error::ParamCount { expected, found: crossed.len() });
    }
    let base = evaluate(model, data, how.loss, here)?;
    let widths: usize = (0..model.depth()).map(|l| model.spec(l).outputs).sum();
    let needed = model.scratch_len();
    if track && there.len() < needed {
        return Err(Error::BufferTooSmall { needed: 2 * needed, found: here.len() + there.len() });
    }
    let n = data.len();
    let mut largest = 0.0f32;
    for (k, slot) in out.iter_mut().enumerate() {
        let theta = param(model, k)?;
        let (low, span) = how.below(theta);
        let evaluate_low = track || how.method == Difference::Central;
        let mut kink = false;
        let mut sums = |m: &mut M| -> Result<(f32, f32), Error> {
            let (mut plus, mut minus) = (0.0f32, 0.0f32);
            for i in 0..n {
                let sample = data.sample(i).ok_or(Error::SampleIndex { index: i, len: n })?;
                set_param(m, k, theta + how.epsilon);
                plus += sample_loss(m, sample, how.loss, here)?;
                if evaluate_low {
                    set_param(m, k, low);
                    let below: &mut [f32] = if track { there } else { here };
                    minus += sample_loss(m, sample, how.loss, below)?;
                }
                if track && !kink {
                    kink = kink_between(m, &here[..widths], &there[..widths]);
                }
            }
            Ok((plus, minus))
        };
        let result = sums(model);
        set_param(model, k, theta);
        let (plus, minus) = result?;
        let plus = plus / n as f32;
        let minus = if evaluate_low { minus / n as f32 } else { base };
        *slot = (plus - minus) / span;
        largest = largest.max(plus.abs() + minus.abs());
        if let Some(c) = crossed.get_mut(k) {
            *c = kink;
        }
    }
    Ok((base, largest))
}

fn set_param<M: ModelMut + ?Sized>(model: &mut M, k: usize, value: f32) {
    if let Some(p) = model.param_mut(k) {
        *p = value;
    }
}

/// Backprop against numeric differences over `data`, telling apart the parameters whose
/// difference step crosses a kink of relu, leaky relu or step.
///
/// `scratch` holds two [`Model::scratch_len`] runs (the two evaluation points' passes,
/// compared unit by unit); `grads` two runs of [`Model::param_count`] floats (backprop's
/// gradient, then the numeric one); `crossed` one flag per parameter, set where some
/// sample's pre-activation at a kinked unit is on different sides of zero at the two
/// points. The [`Agreement`] leaves those parameters out and carries the rounding bound.
///
/// ```
/// use nn_core::check::{gradient_check, Differences};
/// use nn_core::{activation::Relu, Dense, Loss, Network};
/// type Unit = (Dense<1, 1, Relu>,);
/// let mut net: Unit = (Dense::new([[1.0]], [0.0]),);
/// // z = w·x + b is 0.0005 for the first sample: a step of 0.001 in b crosses the kink.
/// let data = [([0.0005], [1.0]), ([2.0], [1.0])];
/// let mut scratch = [0.0; 2 * Unit::SCRATCH];
/// let (mut grads, mut crossed) = ([0.0; 2 * Unit::PARAMS], [false; Unit::PARAMS]);
/// let how = Differences::central(Loss::Sse, 1e-3);
/// let agreement = gradient_check(&mut net, &data, how, &mut scratch, &mut grads, &mut crossed).unwrap();
/// assert_eq!(crossed, [false, true]);
/// assert_eq!(agreement.crossed, 1);
/// ```
pub fn gradient_check(
    model: &mut (impl ModelMut + ?Sized),
    data: &(impl Dataset + ?Sized),
    how: Differences,
    scratch: &mut [f32],
    grads: &mut [f32],
    crossed: &mut [bool],
) -> Result<Agreement, Error> {
    let p = model.param_count();
    let needed = 2 * p;
    let found = grads.len();
    let (analytic, numeric) = grads.get_mut(..needed).ok_or(Error::BufferTooSmall { needed, found })?.split_at_mut(p);
    let len = model.scratch_len();
    let found = scratch.len();
    let (here, there) =
        scratch.get_mut(..2 * len).ok_or(Error::BufferTooSmall { needed: 2 * len, found })?.split_at_mut(len);
    let found = crossed.len();
    let crossed = crossed.get_mut(..p).ok_or(Error::ParamCount { expected: p, found })?;
    let value = dataset_gradient(model, data, how.loss, here, analytic)?;
    let (_, largest) = differences(model, data, how, (here, there), numeric, crossed)?;
    let (_, span) = how.below(0.0);
    let terms = (0..model.depth()).map(|l| model.spec(l).inputs + 1).chain([model.outputs()]).max().unwrap_or(1);
    let rounding = loss_rounding(data.len(), terms) * largest / span;
    Ok(Agreement { rounding, ..Agreement::of(value, analytic, numeric, crossed) })
}

/// The Hessian of the mean loss over `data` with respect to the parameters, by
/// differences of the backprop gradient, symmetrised. `out` holds `(P + 1) × P` floats:
/// the `P × P` Hessian, row-major, then one row of work space.
///
/// Returns an estimate of the Hessian's own error: the Frobenius norm of the
/// antisymmetric part `(H − Hᵀ)/2` of the differenced matrix, which the true Hessian
/// does not have, so it is all difference and rounding error. Taking the error in the
/// symmetric part to be of the same size, every eigenvalue of the result is within
/// about this much of the true one (Weyl: `|λᵢ(H + E) − λᵢ(H)| ≤ ‖E‖₂ ≤ ‖E‖_F`).
pub fn hessian(
    model: &mut (impl ModelMut + ?Sized),
    data: &(impl Dataset + ?Sized),
    how: Differences,
    scratch: &mut [f32],
    out: &mut [f32],
) -> Result<f32, Error> {
    check_step(how.epsilon)?;
    let p = model.param_count();
    let square = p.checked_mul(p).ok_or(Error::MatrixSize { rows: p, found: out.len() })?;
    let needed = square + p;
    let found = out.len();
    let out = out.get_mut(..needed).ok_or(Error::BufferTooSmall { needed, found })?;
    let (h, below) = out.split_at_mut(square);
    for (k, row) in h.chunks_exact_mut(p.max(1)).enumerate() {
        // Row k is ∂g/∂θ_k; the symmetrisation below makes rows and columns alike.
        let theta = param(model, k)?;
        let (low, span) = how.below(theta);
        let mut at = |value: f32, g: &mut [f32]| {
            perturbed(model, (k, theta, value), |m| dataset_gradient(m, data, how.loss, scratch, g))
        };
        at(theta + how.epsilon, row)?;
        at(low, below)?;
        row.iter_mut().zip(below.iter()).for_each(|(a, b)| *a = (*a - b) / span);
    }
    Ok(symmetrise(h, p))
}

/// [`Error::MatrixSize`] unless `len` is `n²`.
fn check_square(n: usize, len: usize) -> Result<(), Error> {
    if n.checked_mul(n) == Some(len) {
        Ok(())
    } else {
        Err(Error::MatrixSize { rows: n, found: len })
    }
}

/// Replaces `h` by `(h + hᵀ)/2`; returns `‖(h − hᵀ)/2‖_F`.
fn symmetrise(h: &mut [f32], n: usize) -> f32 {
    let mut squares = 0.0f32;
    for i in 0..n {
        for j in i + 1..n {
            let m = 0.5 * (h[i * n + j] + h[j * n + i]);
            let half = 0.5 * (h[i * n + j] - h[j * n + i]);
            squares += 2.0 * half * half;
            h[i * n + j] = m;
            h[j * n + i] = m;
        }
    }
    math::sqrt(squares)
}

/// The gradient of any objective `f` of a parameter slice, by central differences;
/// `theta` is restored bit for bit.
pub fn gradient_of(
    mut f: impl FnMut(&[f32]) -> f32,
    theta: &mut [f32],
    eps: f32,
    out: &mut [f32],
) -> Result<(), Error> {
    check_step(eps)?;
    if out.len() != theta.len() {
        return Err(Error::ParamCount { expected: theta.len(), found: out.len() });
    }
    for k in 0..theta.len() {
        let t = theta[k];
        theta[k] = t + eps;
        let plus = f(theta);
        theta[k] = t - eps;
        let minus = f(theta);
        theta[k] = t;
        out[k] = (plus - minus) / (2.0 * eps);
    }
    Ok(())
}

/// The Hessian of any objective `f` of a parameter slice, by second central differences
/// of `f` (`n × n`, row-major, symmetric); `theta` is restored bit for bit. For a
/// quadratic and an `eps` that keeps every evaluation exact (a power of two, say), the
/// result is exact.
pub fn hessian_of(mut f: impl FnMut(&[f32]) -> f32, theta: &mut [f32], eps: f32, out: &mut [f32]) -> Result<(), Error> {
    check_step(eps)?;
    let n = theta.len();
    check_square(n, out.len())?;
    for i in 0..n {
        for j in i..n {
            let (ti, tj) = (theta[i], theta[j]);
            let mut eval = |di: f32, dj: f32| {
                theta[i] = ti + di;
                theta[j] = if i == j { ti + di + dj } else { tj + dj };
                let v = f(theta);
                theta[i] = ti;
                theta[j] = tj;
                v
            };
            let value = (eval(eps, eps) - eval(eps, -eps) - eval(-eps, eps) + eval(-eps, -eps)) / (4.0 * eps * eps);
            out[i * n + j] = value;
            out[j * n + i] = value;
        }
    }
    Ok(())
}

/// The second-order Taylor prediction `f₀ + gᵀd + ½ dᵀHd` (`H` is `n × n`, row-major).
pub fn taylor(f0: f32, gradient: &[f32], hessian: &[f32], d: &[f32]) -> f32 {
    let n = d.len();
    let mut quad = 0.0f32;
    for (i, &di) in d.iter().enumerate() {
        quad += di * math::dot(hessian.get(i * n..(i + 1) * n).unwrap_or(&[]), d);
    }
    f0 + math::dot(gradient, d) + 0.5 * quad
}

/// One Newton step `θ −= H⁻¹g`, solving `H x = g` by Gaussian elimination with partial
/// pivoting. `hessian` (`n × n`, row-major) and `gradient` are overwritten.
pub fn newton_step(theta: &mut [f32], gradient: &mut [f32], hessian: &mut [f32]) -> Result<(), Error> {
    let n = theta.len();
    if gradient.len() != n {
        return Err(Error::ParamCount { expected: n, found: gradient.len() });
    }
    check_square(n, hessian.len())?;
    solve(hessian, gradient, n)?;
    theta.iter_mut().zip(gradient.iter()).for_each(|(t, x)| *t -= x);
    Ok(())
}

/// Solves `A x = b` in place (`b` becomes `x`).
fn solve(a: &mut [f32], b: &mut [f32], n: usize) -> Result<(), Error> {
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&r, &s| a[r * n + col].abs().total_cmp(&a[s * n + col].abs())).ok_or(Error::Singular)?;
        if a[pivot * n + col] == 0.0 || !a[pivot * n + col].is_finite() {
            return Err(Error::Singular);
        }
        if pivot != col {
            for k in 0..n {
                a.swap(pivot * n + k, col * n + k);
            }
            b.swap(pivot, col);
        }
        for row in col + 1..n {
            let factor = a[row * n + col] / a[col * n + col];
            for k in col..n {
                a[row * n + k] -= factor * a[col * n + k];
            }
            b[row] -= factor * b[col];
        }
    }
    for row in (0..n).rev() {
        let mut acc = b[row];
        for k in row + 1..n {
            acc -= a[row * n + k] * b[k];
        }
        b[row] = acc / a[row * n + row];
    }
    if math::all_finite(b) {
        Ok(())
    } else {
        Err(Error::Singular)
    }
}

/// The smallest and largest eigenvalue of the symmetric `n × n` matrix `a` (row-major,
/// destroyed), by cyclic Jacobi rotations. The matrix is first scaled by its largest
/// entry, so the stopping rule (off-diagonal mass below ε² of the total) holds at every
/// magnitude, tiny or huge.
pub fn eigen_range(a: &mut [f32], n: usize) -> Result<(f32, f32), Error> {
    if n == 0 {
        return Err(Error::MatrixSize { rows: 0, found: a.len() });
    }
    check_square(n, a.len())?;
    let scale = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if !scale.is_finite() {
        return Err(Error::NonFinite);
    }
    if scale == 0.0 {
        return Ok((0.0, 0.0));
    }
    a.iter_mut().for_each(|v| *v /= scale);
    let total: f32 = a.iter().map(|v| v * v).sum();
    for _sweep in 0..64 {
        let mut off = 0.0f32;
        for i in 0..n {
            for j in i + 1..n {
                off += a[i * n + j] * a[i * n + j];
            }
        }
        if off <= f32::EPSILON * f32::EPSILON * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + math::sqrt(theta * theta + 1.0));
                let c = 1.0 / math::sqrt(t * t + 1.0);
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let diag = (0..n).map(|i| a[i * n + i] * scale);
    let lo = diag.clone().fold(f32::INFINITY, f32::min);
    let hi = diag.fold(f32::NEG_INFINITY, f32::max);
    if lo.is_finite() && hi.is_finite() {
        Ok((lo, hi))
    } else {
        Err(Error::NonFinite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Document 000's quadratic L(θ) = θ₁² + 2θ₂² + θ₁θ₂.
    fn quadratic(t: &[f32]) -> f32 {
        t[0] * t[0] + 2.0 * t[1] * t[1] + t[0] * t[1]
    }

    #[test]
    fn quadratic_hessian_and_newton_step_are_exact() {
        let mut theta = [3.0f32, -2.0];
        let mut h = [0.0f32; 4];
        hessian_of(quadratic, &mut theta, 0.5, &mut h).unwrap();
        assert_eq!(h, [2.0, 1.0, 1.0, 4.0]);
        let mut g = [0.0f32; 2];
        gradient_of(quadratic, &mut theta, 0.5, &mut g).unwrap();
        assert_eq!(g, [2.0 * 3.0 - 2.0, 4.0 * -2.0 + 3.0]);
        assert_eq!(theta, [3.0, -2.0]);
        newton_step(&mut theta, &mut g, &mut h).unwrap();
        assert_eq!(theta, [0.0, 0.0]);
    }

    #[test]
    fn taylor_is_exact_for_a_quadratic() {
        let h = [2.0f32, 1.0, 1.0, 4.0];
        // At θ' = 0: L = 0, g = 0, so L(d) = ½ dᵀHd.
        let d = [1.5f32, -0.5];
        assert_eq!(taylor(0.0, &[0.0, 0.0], &h, &d), quadratic(&d));
    }

    #[test]
    fn singular_matrices_are_reported() {
        let mut theta = [0.0f32; 2];
        let mut g = [1.0f32, 1.0];
        let mut h = [1.0f32, 2.0, 2.0, 4.0];
        assert_eq!(newton_step(&mut theta, &mut g, &mut h), Err(Error::Singular));
    }

    #[test]
    fn the_asymmetry_is_the_hessians_error_estimate() {
        let mut h = [2.0f32, 1.5, 0.5, 4.0];
        // (H − Hᵀ)/2 has ±0.5 off the diagonal: Frobenius norm √0.5.
        assert!((symmetrise(&mut h, 2) - 0.5f32.sqrt()).abs() < 1e-7);
        assert_eq!(h, [2.0, 1.0, 1.0, 4.0]);
    }

    #[test]
    fn the_rounding_bound_grows_with_the_sums() {
        let u = f32::EPSILON / 2.0;
        // λ(√n + √m + 4)·u with λ = 4.
        assert!((loss_rounding(16, 9) - 4.0 * (4.0 + 3.0 + 4.0) * u).abs() < 1e-12);
        assert!(loss_rounding(1000, 65) > loss_rounding(10, 65));
    }

    #[test]
    fn a_kink_crossing_is_flagged_and_left_out() {
        use crate::activation::Relu;
        use crate::model::{Dense, Network};
        type Unit = (Dense<1, 1, Relu>,);
        // z = x·w + b: 0.0005 for the first sample, so ±0.001 in b (and in w, whose
        // step moves z by 0.0005·0.001 only) — b crosses, w does not.
        let mut net: Unit = (Dense::new([[1.0]], [0.0]),);
        let data = [([0.0005f32], [1.0f32]), ([2.0], [1.0])];
        let mut scratch = [0.0; 2 * Unit::SCRATCH];
        let (mut grads, mut crossed) = ([0.0; 2 * Unit::PARAMS], [true; Unit::PARAMS]);
        let how = Differences::central(Loss::Sse, 1e-3);
        let a = gradient_check(&mut net, &data, how, &mut scratch, &mut grads, &mut crossed).unwrap();
        assert_eq!(crossed, [false, true]);
        assert_eq!((a.crossed, a.worst), (1, 0));
        // The numeric derivative of b is half the true one (one side of the kink is flat
        // for the first sample); the figures do not see it.
        assert!(a.max_rel < 1e-3, "{a:?}");
        // λ(√2 + √2 + 4)·u·(|L₊| + |L₋|)/2ε with both losses about 1.
        assert!((a.rounding - 4.0 * (2.0 * 2f32.sqrt() + 4.0) * f32::EPSILON / 2.0 * 2.0 / 2e-3).abs() < 1e-4);
        // numeric_gradient gives the same numbers without tracking the kinks.
        let mut plain = [0.0; Unit::PARAMS];
        let mut one = [0.0; Unit::SCRATCH];
        numeric_gradient(&mut net, &data, how, &mut one, &mut plain).unwrap();
        assert_eq!(plain.map(f32::to_bits), [grads[2].to_bits(), grads[3].to_bits()]);
        assert_eq!(net.0.biases, [0.0]);
    }

    #[test]
    fn eigenvalues_of_the_quadratics_hessian() {
        let mut h = [2.0f32, 1.0, 1.0, 4.0];
        let (lo, hi) = eigen_range(&mut h, 2).unwrap();
        // 3 ∓ √2
        assert!((lo - (3.0 - core::f32::consts::SQRT_2)).abs() < 1e-6);
        assert!((hi - (3.0 + core::f32::consts::SQRT_2)).abs() < 1e-6);
    }
}
