//! The kernels: one forward pass, one backward pass and one update, written once over
//! slices and used by compile-time and runtime-shaped networks alike.
//!
//! # Scratch layout
//! A pass needs [`scratch_len`] floats: the outputs `a` of every layer (in layer order),
//! then the deltas `∂L/∂z` of every layer (same layout), then the output layer's
//! pre-activations `z` (for the losses computed from `z`).

use crate::math::{all_finite, dot};
use crate::{Error, Loss, Model, ModelMut};

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

/// `out = W·x + b` for one dense layer (`W` row-major, one row per output).
#[inline]
pub fn dense_forward(weights: &[f32], biases: &[f32], input: &[f32], out: &mut [f32]) {
    if input.is_empty() {
        return;
    }
    for ((row, &b), o) in weights.chunks_exact(input.len()).zip(biases).zip(out.iter_mut()) {
        *o = dot(row, input) + b;
    }
}

/// `out = Wᵀ·delta`, summed over the rows of `W` in order (so a vector path over `out`
/// reproduces it exactly).
#[inline]
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
#[inline]
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
#[inline]
pub fn sgd_outer(weights: &mut [f32], biases: &mut [f32], delta: &[f32], input: &[f32], lr: f32, biases_too: bool) {
    if input.is_empty() {
        return;
    }
    for ((row, b), &d) in weights.chunks_exact_mut(input.len()).zip(biases.iter_mut()).zip(delta) {
        for (w, &x) in row.iter_mut().zip(input) {
            *w -= lr * (d * x);
        }
        if biases_too {
            *b -= lr * d;
        }
    }
}

/// Runs the forward pass into `scratch` and returns `Σ outputs` of the layers.
fn run_forward<M: Model + ?Sized>(model: &M, input: &[f32], scratch: &mut [f32]) -> Result<usize, Error> {
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
    for l in 0..=last {
        let spec = model.spec(l);
        let (below, here) = acts.split_at_mut(start);
        let out = &mut here[..spec.outputs];
        let x = if l == 0 { input } else { &below[start - spec.inputs..] };
        dense_forward(model.weights(l), model.biases(l), x, out);
        if l == last {
            zout.copy_from_slice(out);
        }
        spec.activation.forward(out);
        start += spec.outputs;
    }
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
    let widths = run_forward(model, input, scratch)?;
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
    let widths = run_forward(model, input, scratch)?;
    let n = model.outputs();
    let out = &scratch[widths - n..widths];
    let z = &scratch[2 * widths..2 * widths + n];
    Ok(loss.value(z, out, target))
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
    let widths = run_forward(model, input, scratch)?;
    let n = model.outputs();
    let (acts, rest) = scratch.split_at_mut(widths);
    let (deltas, zout) = rest.split_at_mut(widths);
    let deltas = &mut deltas[..];
    let value = loss.value(&zout[..n], &acts[widths - n..], target);
    if !value.is_finite() {
        return Err(Error::NonFinite);
    }
    let last = model.depth() - 1;
    loss.delta(model.output_activation(), &acts[widths - n..], target, &mut deltas[widths - n..]);
    let mut end = widths;
    for l in (1..=last).rev() {
        let spec = model.spec(l);
        let start = end - spec.outputs;
        let (below, here) = deltas.split_at_mut(start);
        let prev = &mut below[start - spec.inputs..];
        transpose_product(model.weights(l), &here[..spec.outputs], prev);
        model.spec(l - 1).activation.backward(&acts[start - spec.inputs..start], prev);
        end = start;
    }
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
    let (acts, deltas) = scratch.split_at(widths);
    let mut start = 0;
    for l in 0..model.depth() {
        let spec = model.spec(l);
        let x = if l == 0 { input } else { &acts[start - spec.inputs..start] };
        f(l, x, &deltas[start..start + spec.outputs]);
        start += spec.outputs;
    }
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
    let (acts, deltas) = scratch.split_at(widths);
    let mut start = 0;
    let mut finite = true;
    for l in 0..model.depth() {
        let spec = model.spec(l);
        let x = if l == 0 { input } else { &acts[start - spec.inputs..start] };
        let delta = &deltas[start..start + spec.outputs];
        let (w, b) = model.layer_mut(l);
        sgd_outer(w, b, delta, x, lr, update_biases);
        finite &= all_finite(model.weights(l)) && all_finite(model.biases(l));
        start += spec.outputs;
    }
    if !finite {
        return Err(Error::NonFinite);
    }
    Ok(value)
}
