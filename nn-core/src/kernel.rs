//! The kernels: one forward pass, one backward pass and one update, written once over
//! slices and used by compile-time and runtime-shaped networks alike.
//!
//! # Scratch layout
//! A pass needs [`scratch_len`] floats: the outputs `a` of every layer (in layer order),
//! then the deltas `∂L/∂z` of every layer (same layout), then the output layer's
//! pre-activations `z` (for the losses computed from `z`).

use crate::math::{all_finite, dot, each_finite, sigmoid_in_place, sum_map, FiniteCheck};
use crate::{Activation, Error, Loss, Model, ModelMut};

/// Runs `$body` for `$l` in `0..$depth`, with the first four iterations written out
/// under `if` guards. For a compile-time network (a tuple of at most four layers) the
/// depth is a constant, the guards fold away and every layer's shapes become constants
/// in its copy of the body, so its loops are unrolled and vectorised for that shape;
/// a runtime-shaped network takes the same path with run-time shapes.
macro_rules! for_each_layer_index {
    ($depth:expr, |$l:ident| $body:block) => {{
        let depth: usize = $depth;
        if depth > 0 {
            let $l = 0usize;
            $body
        }
        if depth > 1 {
            let $l = 1usize;
            $body
        }
        if depth > 2 {
            let $l = 2usize;
            $body
        }
        if depth > 3 {
            let $l = 3usize;
            $body
        }
        for $l in 4..depth {
            $body
        }
    }};
}

/// Same as [`for_each_layer_index`], from the last layer down to layer `$stop`.
macro_rules! for_each_layer_index_rev {
    ($depth:expr, $stop:expr, |$l:ident| $body:block) => {{
        let depth: usize = $depth;
        let stop: usize = $stop;
        for $l in (stop.max(4)..depth).rev() {
            $body
        }
        if depth > 3 && stop <= 3 {
            let $l = 3usize;
            $body
        }
        if depth > 2 && stop <= 2 {
            let $l = 2usize;
            $body
        }
        if depth > 1 && stop <= 1 {
            let $l = 1usize;
            $body
        }
        if depth > 0 && stop == 0 {
            let $l = 0usize;
            $body
        }
    }};
}

/// Scratch floats [`forward`], [`gradient`] and [`sgd_step`] need for `model`.
pub fn scratch_len<M: Model + ?Sized>(model: &M) -> usize {
    let widths: usize = (0..model.depth()).map(|l| model.spec(l).outputs).sum();
    2 * widths + model.outputs()
}

/// Checks that the model's layers chain and its slices have their stated lengths, and
/// returns `Σ outputs` (the size of one scratch region).
#[inline]
fn check_model<M: Model + ?Sized>(model: &M) -> Result<usize, Error> {
    let depth = model.depth();
    if depth == 0 {
        return Err(Error::Shape);
    }
    let mut width = model.spec(0).inputs;
    let mut total = 0;
    for l in 0..depth {
        let s = model.spec(l);
        if s.inputs == 0
            || s.outputs == 0
            || s.inputs != width
            || model.weights(l).len() != s.inputs * s.outputs
            || model.biases(l).len() != s.outputs
        {
            return Err(Error::Shape);
        }
        width = s.outputs;
        total += s.outputs;
    }
    Ok(total)
}

/// Keeps the compiler from vectorising a loop over a matrix's rows *across* rows (which,
/// for a row-major matrix, means gathering strided elements): a loop holding a fence is
/// not vectorised, so the work within each row, contiguous, is vectorised instead. A
/// single-thread fence emits no instruction; it only orders the row's memory accesses.
#[inline(always)]
fn along_the_row() {
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// `out = W·x + b` for one dense layer (`W` row-major, one row per output).
#[inline(always)]
pub fn dense_forward(weights: &[f32], biases: &[f32], input: &[f32], out: &mut [f32]) {
    if input.is_empty() {
        return;
    }
    for ((row, &b), o) in weights.chunks_exact(input.len()).zip(biases).zip(out.iter_mut()) {
        *o = dot(row, input) + b;
        along_the_row();
    }
}

/// `out = Wᵀ·delta`, summed over the rows of `W` in order (so a vector path over `out`
/// reproduces it exactly).
#[inline(always)]
pub fn transpose_product(weights: &[f32], delta: &[f32], out: &mut [f32]) {
    if out.is_empty() {
        return;
    }
    out.fill(-0.0);
    for (row, &d) in weights.chunks_exact(out.len()).zip(delta) {
        for (o, &w) in out.iter_mut().zip(row) {
            *o += w * d;
        }
    }
}

/// `G += delta ⊗ x`, `g_b += delta`: one sample's gradient added to a layer's.
#[inline(always)]
pub fn accumulate_outer(grad_w: &mut [f32], grad_b: &mut [f32], delta: &[f32], input: &[f32]) {
    if input.is_empty() {
        return;
    }
    for ((row, gb), &d) in grad_w.chunks_exact_mut(input.len()).zip(grad_b.iter_mut()).zip(delta) {
        for (g, &x) in row.iter_mut().zip(input) {
            *g += d * x;
        }
        *gb += d;
    }
}

/// `W −= lr·(delta ⊗ x)`, `b −= lr·delta`: the plain SGD update of one layer, with the
/// same rounding as accumulating the gradient and then applying [`crate::Optimizer::Sgd`].
/// Returns whether every parameter it wrote is finite (the check is folded into the
/// update loop, so it costs no second pass over the parameters).
#[inline(always)]
pub fn sgd_outer(
    weights: &mut [f32],
    biases: &mut [f32],
    delta: &[f32],
    input: &[f32],
    lr: f32,
    biases_too: bool,
) -> bool {
    let mut check = FiniteCheck::new();
    sgd_outer_noting(weights, biases, delta, input, lr, biases_too, &mut check);
    // A failed quick check is confirmed value by value (see `FiniteCheck`).
    check.passed() || (each_finite(weights) && (!biases_too || each_finite(biases)))
}

/// [`sgd_outer`], noting every value it writes in `check`.
#[inline(always)]
fn sgd_outer_noting(
    weights: &mut [f32],
    biases: &mut [f32],
    delta: &[f32],
    input: &[f32],
    lr: f32,
    biases_too: bool,
    check: &mut FiniteCheck,
) {
    if input.is_empty() {
        return;
    }
    for (row, &d) in weights.chunks_exact_mut(input.len()).zip(delta) {
        for (w, &x) in row.iter_mut().zip(input) {
            let new = *w - lr * (d * x);
            check.note(new);
            *w = new;
        }
        along_the_row();
    }
    if biases_too {
        // Contiguous, so this loop is vectorised on its own.
        for (b, &d) in biases.iter_mut().zip(delta) {
            let new = *b - lr * d;
            check.note(new);
            *b = new;
        }
    }
}

/// Applies a layer's activation in place; the sigmoid goes through
/// [`sigmoid_in_place`] (the same bits as [`Activation::forward`], vectorised on the host).
#[inline(always)]
fn activate(activation: Activation, values: &mut [f32]) {
    match activation {
        Activation::Sigmoid => sigmoid_in_place(values),
        other => other.forward(values),
    }
}

/// Runs the forward pass into `scratch` and returns `Σ outputs` of the layers. The output
/// layer's pre-activations are kept only with `keep_z` (the losses computed from `z`).
/// Always inlined: in each caller the shapes, activations and `keep_z` are constants.
#[inline(always)]
fn run_forward<M: Model + ?Sized>(model: &M, input: &[f32], scratch: &mut [f32], keep_z: bool) -> Result<usize, Error> {
    let widths = check_model(model)?;
    let needed = 2 * widths + model.outputs();
    if scratch.len() < needed {
        return Err(Error::BufferTooSmall { needed, found: scratch.len() });
    }
    if input.len() != model.inputs() {
        return Err(Error::InputLength { expected: model.inputs(), found: input.len() });
    }
    let (acts, rest) = scratch.split_at_mut(widths);
    let zout = &mut rest[widths..needed - widths];
    let last = model.depth() - 1;
    let mut start = 0;
    for_each_layer_index!(model.depth(), |l| {
        let spec = model.spec(l);
        let (below, here) = acts.split_at_mut(start);
        let out = &mut here[..spec.outputs];
        let x = if l == 0 { input } else { &below[start - spec.inputs..] };
        dense_forward(model.weights(l), model.biases(l), x, out);
        if keep_z && l == last {
            zout.copy_from_slice(out);
        }
        activate(spec.activation, out);
        start += spec.outputs;
    });
    Ok(widths)
}

/// The network's outputs for `input`, computed in `scratch` (at least [`scratch_len`]
/// floats) and returned as a view into it.
///
/// ```
/// use nn_core::{activation::Identity, forward, Dense, Network};
/// type Line = (Dense<1, 1, Identity>,);
/// let net: Line = (Dense::new([[2.0]], [-3.0]),);
/// let mut scratch = [0.0; Line::SCRATCH];
/// assert_eq!(forward(&net, &[5.0], &mut scratch).unwrap(), &[7.0]);
/// ```
pub fn forward<'s, M: Model + ?Sized>(model: &M, input: &[f32], scratch: &'s mut [f32]) -> Result<&'s [f32], Error> {
    let widths = run_forward(model, input, scratch, false)?;
    Ok(&scratch[widths - model.outputs()..widths])
}

/// The loss of one sample, from a forward pass in `scratch`.
pub fn sample_loss<M: Model + ?Sized>(
    model: &M,
    input: &[f32],
    target: &[f32],
    loss: Loss,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    check_loss(model, target, loss)?;
    let widths = run_forward(model, input, scratch, true)?;
    let n = model.outputs();
    let out = &scratch[widths - n..widths];
    let z = &scratch[2 * widths..2 * widths + n];
    Ok(loss.value(z, out, target))
}

/// [`Loss::value`], with [`Loss::HalfSse`] (the classic backprop loss) written out here
/// so that it is inlined into the training step: the same expression, through the same
/// [`sum_map`], so the same bits (tested).
#[inline(always)]
fn loss_value(loss: Loss, z: &[f32], o: &[f32], t: &[f32]) -> f32 {
    match loss {
        Loss::HalfSse => {
            let n = o.len().min(t.len()).min(z.len());
            let at = |s: &[f32], i: usize| s.get(i).copied().unwrap_or(0.0);
            0.5 * sum_map(n, |i| {
                let d = at(o, i) - at(t, i);
                d * d
            })
        }
        other => other.value(z, o, t),
    }
}

fn check_loss<M: Model + ?Sized>(model: &M, target: &[f32], loss: Loss) -> Result<(), Error> {
    let activation = model.output_activation();
    if !loss.accepts(activation) {
        return Err(Error::LossActivation { loss, activation });
    }
    if target.len() != model.outputs() {
        return Err(Error::TargetLength { expected: model.outputs(), found: target.len() });
    }
    Ok(())
}

// The unrolled layer loop leaves the last `end = start` unread.
#[allow(unused_assignments)]
/// Forward and backward pass: leaves every layer's outputs and deltas in `scratch` and
/// returns the sample's loss. Fails with [`Error::NonFinite`] if the loss or any delta is
/// not finite.
fn backprop<M: Model + ?Sized>(
    model: &M,
    input: &[f32],
    target: &[f32],
    loss: Loss,
    scratch: &mut [f32],
) -> Result<(usize, f32), Error> {
    check_loss(model, target, loss)?;
    let widths = run_forward(model, input, scratch, !matches!(loss, Loss::Mse | Loss::Sse | Loss::HalfSse))?;
    let n = model.outputs();
    let (acts, rest) = scratch.split_at_mut(widths);
    let (deltas, zout) = rest.split_at_mut(widths);
    let deltas = &mut deltas[..];
    let value = loss_value(loss, &zout[..n], &acts[widths - n..], target);
    if !value.is_finite() {
        return Err(Error::NonFinite);
    }
    let last = model.depth() - 1;
    loss.delta(model.output_activation(), &acts[widths - n..], target, &mut deltas[widths - n..]);
    let mut end = widths;
    for_each_layer_index_rev!(last + 1, 1, |l| {
        let spec = model.spec(l);
        let start = end - spec.outputs;
        let (below, here) = deltas.split_at_mut(start);
        let prev = &mut below[start - spec.inputs..];
        transpose_product(model.weights(l), &here[..spec.outputs], prev);
        model.spec(l - 1).activation.backward(&acts[start - spec.inputs..start], prev);
        end = start;
    });
    if !all_finite(deltas) {
        return Err(Error::NonFinite);
    }
    Ok((widths, value))
}

/// Visits each layer with its input and its delta after [`backprop`].
fn for_each_layer<M: Model + ?Sized>(
    model: &M,
    input: &[f32],
    scratch: &[f32],
    widths: usize,
    mut f: impl FnMut(usize, &[f32], &[f32]),
) {
    // `backprop` sized every range below; `get` says so without a panic path.
    let Some((acts, deltas)) = scratch.split_at_checked(widths) else { return };
    let mut start = 0usize;
    for_each_layer_index!(model.depth(), |l| {
        let spec = model.spec(l);
        let x = if l == 0 { Some(input) } else { start.checked_sub(spec.inputs).and_then(|a| acts.get(a..start)) };
        let (Some(x), Some(delta)) = (x, deltas.get(start..start + spec.outputs)) else { return };
        f(l, x, delta);
        start += spec.outputs;
    });
}

/// One sample's forward and backward pass: adds `∂L/∂θ` to `grads` (the flat parameter
/// order, [`Model::param_count`] long) and returns the sample's loss.
///
/// On error nothing has been added to `grads`.
pub fn gradient<M: Model + ?Sized>(
    model: &M,
    input: &[f32],
    target: &[f32],
    loss: Loss,
    scratch: &mut [f32],
    grads: &mut [f32],
) -> Result<f32, Error> {
    let count = model.param_count();
    if grads.len() != count {
        return Err(Error::BufferTooSmall { needed: count, found: grads.len() });
    }
    let (widths, value) = backprop(model, input, target, loss, scratch)?;
    let mut rest = &mut *grads;
    for_each_layer(model, input, scratch, widths, |l, x, delta| {
        let spec = model.spec(l);
        let (gw, tail) = core::mem::take(&mut rest).split_at_mut(spec.inputs * spec.outputs);
        let (gb, tail) = tail.split_at_mut(spec.outputs);
        accumulate_outer(gw, gb, delta, x);
        rest = tail;
    });
    Ok(value)
}

/// One per-sample step of plain SGD, fused (no gradient buffer): forward, backward, then
/// `θ −= lr·∂L/∂θ`. Returns the sample's loss before the update. Biases are left as they
/// are when `update_biases` is false.
///
/// Nothing is changed when the loss or a delta is not finite ([`Error::NonFinite`]). An
/// update that overflows a parameter is reported as [`Error::NonFinite`] after the fact;
/// [`crate::Trainer`] restores the parameters in that case.
///
/// ```
/// use nn_core::{activation::Identity, sgd_step, Dense, Loss, Network};
/// type Line = (Dense<1, 1, Identity>,);
/// let mut net: Line = (Dense::new([[1.0]], [1.0]),);
/// let mut scratch = [0.0; Line::SCRATCH];
/// // Document 001's first step: ŷ = 3 for (x, y) = (2, 1), loss 4, then w = 0.2, b = 0.6.
/// let loss = sgd_step(&mut net, &[2.0], &[1.0], Loss::Sse, 0.1, true, &mut scratch).unwrap();
/// assert_eq!(loss, 4.0);
/// assert_eq!((net.0.weights[0][0], net.0.biases[0]), (1.0 - 0.1 * 8.0, 1.0 - 0.1 * 4.0));
/// ```
pub fn sgd_step<M: ModelMut + ?Sized>(
    model: &mut M,
    input: &[f32],
    target: &[f32],
    loss: Loss,
    lr: f32,
    update_biases: bool,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    let (widths, value) = backprop(model, input, target, loss, scratch)?;
    // `backprop` sized every range below; `get` says so without a panic path.
    let (acts, deltas) = scratch.split_at_checked(widths).ok_or(Error::Shape)?;
    let mut start = 0usize;
    // One check over every layer's new parameters, tested once.
    let mut check = FiniteCheck::new();
    for_each_layer_index!(model.depth(), |l| {
        let spec = model.spec(l);
        let x = if l == 0 { Some(input) } else { start.checked_sub(spec.inputs).and_then(|a| acts.get(a..start)) };
        let (Some(x), Some(delta)) = (x, deltas.get(start..start + spec.outputs)) else { return Err(Error::Shape) };
        let (w, b) = model.layer_mut(l);
        sgd_outer_noting(w, b, delta, x, lr, update_biases, &mut check);
        start += spec.outputs;
    });
    // A failed quick check is confirmed value by value (see `FiniteCheck`).
    if !check.passed() && !(0..model.depth()).all(|l| each_finite(model.weights(l)) && each_finite(model.biases(l))) {
        return Err(Error::NonFinite);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::activation::{Identity, Sigmoid, Tanh};
    use crate::init::{Init, Rng};
    use crate::math::tests::{random_values, same};
    use crate::{Dense, LayerSpec, Mlp, Network};
    use std::vec::Vec;

    fn all_same(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| same(x, y))
    }

    /// Shapes with every tail length of the 8-lane dot and the 4-wide vector loops.
    const SHAPES: [(usize, usize); 12] =
        [(1, 1), (2, 4), (3, 5), (4, 1), (7, 3), (8, 16), (9, 2), (15, 7), (16, 32), (17, 9), (33, 8), (70, 3)];

    #[test]
    fn dense_forward_is_a_dot_per_row() {
        let mut rng = Rng::new(5);
        for (trial, &(n_in, n_out)) in SHAPES.iter().cycle().take(48).enumerate() {
            let specials = trial % 3 == 2;
            let w = random_values(&mut rng, n_in * n_out, specials);
            let b = random_values(&mut rng, n_out, specials);
            let x = random_values(&mut rng, n_in, specials);
            let mut out = std::vec![0.0; n_out];
            dense_forward(&w, &b, &x, &mut out);
            let expect: Vec<f32> = (0..n_out).map(|j| dot(&w[j * n_in..(j + 1) * n_in], &x) + b[j]).collect();
            assert!(all_same(&out, &expect), "{n_in}x{n_out}");
        }
    }

    #[test]
    fn transpose_product_sums_rows_in_order() {
        let mut rng = Rng::new(6);
        for (trial, &(n_in, n_out)) in SHAPES.iter().cycle().take(48).enumerate() {
            let specials = trial % 3 == 2;
            let w = random_values(&mut rng, n_in * n_out, specials);
            let d = random_values(&mut rng, n_out, specials);
            let mut out = random_values(&mut rng, n_in, false);
            transpose_product(&w, &d, &mut out);
            let expect: Vec<f32> = (0..n_in)
                .map(|i| {
                    let mut s = -0.0f32;
                    for j in 0..n_out {
                        s += w[j * n_in + i] * d[j];
                    }
                    s
                })
                .collect();
            assert!(all_same(&out, &expect), "{n_in}x{n_out}");
        }
    }

    #[test]
    fn updates_are_elementwise_and_report_non_finite_results() {
        let mut rng = Rng::new(7);
        for (trial, &(n_in, n_out)) in SHAPES.iter().cycle().take(48).enumerate() {
            let specials = trial % 3 == 2;
            let w0 = random_values(&mut rng, n_in * n_out, specials);
            let b0 = random_values(&mut rng, n_out, specials);
            let d = random_values(&mut rng, n_out, specials);
            let x = random_values(&mut rng, n_in, specials);
            let lr = 0.37;
            for biases_too in [true, false] {
                let (mut w, mut b) = (w0.clone(), b0.clone());
                let finite = sgd_outer(&mut w, &mut b, &d, &x, lr, biases_too);
                let ew: Vec<f32> = (0..n_in * n_out).map(|k| w0[k] - lr * (d[k / n_in] * x[k % n_in])).collect();
                let eb: Vec<f32> = (0..n_out).map(|j| if biases_too { b0[j] - lr * d[j] } else { b0[j] }).collect();
                assert!(all_same(&w, &ew) && all_same(&b, &eb), "{n_in}x{n_out}");
                let expect_finite =
                    ew.iter().all(|v| v.is_finite()) && (!biases_too || eb.iter().all(|v| v.is_finite()));
                assert_eq!(finite, expect_finite, "{n_in}x{n_out} biases {biases_too}");
            }
            let (mut gw, mut gb) = (w0.clone(), b0.clone());
            accumulate_outer(&mut gw, &mut gb, &d, &x);
            let ew: Vec<f32> = (0..n_in * n_out).map(|k| w0[k] + d[k / n_in] * x[k % n_in]).collect();
            let eb: Vec<f32> = (0..n_out).map(|j| b0[j] + d[j]).collect();
            assert!(all_same(&gw, &ew) && all_same(&gb, &eb));
        }
        // An overflow in a single weight is caught wherever it is.
        for at in 0..40 {
            let mut w = std::vec![1.0f32; 40];
            w[at] = f32::MAX;
            let mut b = [0.0f32];
            assert!(!sgd_outer(&mut w, &mut b, &[-1.0], &[f32::MAX; 40], 1.0, true));
        }
    }

    /// Layer by layer with the slice kernels: the reference for any depth.
    fn reference_step(specs: &[LayerSpec], params: &mut [f32], x: &[f32], t: &[f32], lr: f32) -> f32 {
        let mut acts: Vec<Vec<f32>> = std::vec![x.to_vec()];
        let mut offsets = Vec::new();
        let mut off = 0;
        for s in specs {
            let (w, rest) = params[off..].split_at(s.inputs * s.outputs);
            let mut out = std::vec![0.0; s.outputs];
            dense_forward(w, &rest[..s.outputs], acts.last().unwrap(), &mut out);
            s.activation.forward(&mut out);
            acts.push(out);
            offsets.push(off);
            off += s.params();
        }
        let o = acts.last().unwrap();
        let value = Loss::HalfSse.value(o, o, t);
        let mut delta = std::vec![0.0; o.len()];
        Loss::HalfSse.delta(specs[specs.len() - 1].activation, o, t, &mut delta);
        let mut deltas = std::vec![Vec::new(); specs.len()];
        for l in (0..specs.len()).rev() {
            deltas[l] = delta.clone();
            if l > 0 {
                let s = specs[l];
                let mut prev = std::vec![0.0; s.inputs];
                transpose_product(&params[offsets[l]..offsets[l] + s.inputs * s.outputs], &delta, &mut prev);
                specs[l - 1].activation.backward(&acts[l], &mut prev);
                delta = prev;
            }
        }
        for (l, s) in specs.iter().enumerate() {
            let (w, rest) = params[offsets[l]..].split_at_mut(s.inputs * s.outputs);
            sgd_outer(w, &mut rest[..s.outputs], &deltas[l], &acts[l], lr, true);
        }
        value
    }

    #[test]
    fn the_inlined_half_sse_is_loss_value() {
        let mut rng = Rng::new(12);
        for n in 0..20 {
            let o = random_values(&mut rng, n, n % 3 == 2);
            let t = random_values(&mut rng, n, false);
            for loss in Loss::ALL {
                assert!(same(loss_value(loss, &o, &o, &t), loss.value(&o, &o, &t)), "{loss:?} n {n}");
            }
        }
    }

    #[test]
    fn compile_time_and_runtime_networks_step_alike() {
        type Net = (Dense<5, 9, Sigmoid>, Dense<9, 16, Tanh>, Dense<16, 3, Sigmoid>);
        let mut net = Net::default();
        Init::Uniform { limit: 0.8 }.apply(&mut net, &mut Rng::new(3));
        let mut flat = std::vec![0.0; Net::PARAMS];
        net.copy_params_to(&mut flat).unwrap();
        let specs = [net.spec(0), net.spec(1), net.spec(2)];
        let mut mlp = Mlp::new(specs, flat.clone()).unwrap();
        let mut rng = Rng::new(4);
        let mut scratch = [0.0; Net::SCRATCH];
        let mut scratch2 = std::vec![0.0; Net::SCRATCH];
        for _ in 0..50 {
            let x = random_values(&mut rng, 5, false);
            let t: Vec<f32> = (0..3).map(|_| rng.uniform()).collect();
            let a = sgd_step(&mut net, &x, &t, Loss::HalfSse, 0.3, true, &mut scratch).unwrap();
            let b = sgd_step(&mut mlp, &x, &t, Loss::HalfSse, 0.3, true, &mut scratch2).unwrap();
            let c = reference_step(&specs, &mut flat, &x, &t, 0.3);
            assert!(same(a, b) && same(a, c));
            let mut now = std::vec![0.0; Net::PARAMS];
            net.copy_params_to(&mut now).unwrap();
            assert!(all_same(&now, mlp.params()) && all_same(&now, &flat));
        }
    }

    #[test]
    fn deep_runtime_networks_take_the_loop_past_four_layers() {
        let act = [Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Identity];
        let specs: Vec<LayerSpec> = (0..7).map(|l| LayerSpec::new(3 + l % 3, 3 + (l + 1) % 3, act[l % 4])).collect();
        let specs: Vec<LayerSpec> = specs
            .iter()
            .enumerate()
            .map(|(l, s)| if l == 6 { LayerSpec::new(s.inputs, 2, Activation::Sigmoid) } else { *s })
            .collect();
        let count: usize = specs.iter().map(LayerSpec::params).sum();
        let mut rng = Rng::new(8);
        let params: Vec<f32> = (0..count).map(|_| rng.range(-0.7, 0.7)).collect();
        let mut flat = params.clone();
        let mut mlp = Mlp::new(specs.clone(), params).unwrap();
        let mut scratch = std::vec![0.0; mlp.scratch_len()];
        for _ in 0..20 {
            let x = random_values(&mut rng, 3, false);
            let t = [rng.uniform(), rng.uniform()];
            let a = sgd_step(&mut mlp, &x, &t, Loss::HalfSse, 0.2, true, &mut scratch).unwrap();
            let c = reference_step(&specs, &mut flat, &x, &t, 0.2);
            assert!(same(a, c));
            assert!(all_same(mlp.params(), &flat));
        }
        let _ = Identity;
    }
}
