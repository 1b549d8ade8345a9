//! The kernels: one forward pass, one backward pass and one update, written once over
//! slices and used by compile-time and runtime-shaped networks alike.
//!
//! # Scratch layout
//! A pass needs [`Model::scratch_len`] floats: the outputs `a` of every layer (in layer
//! order), then the deltas `∂L/∂z` of every layer (same layout), then the output layer's
//! pre-activations `z` (for the losses computed from `z`).

use crate::error::{Error, Part};
use crate::loss::{self, Loss};
use crate::math::{all_finite, dot, each_finite, FiniteCheck};
use crate::model::{check_layer, check_layer_count, LayerSpec, Model, ModelMut};
use crate::optim::{descend, Biases};

/// Runs `$body` for `$l` in `0..$depth`, with the first four iterations written out
/// under `if` guards. For a compile-time network (a tuple of at most four layers) the
/// depth is a constant, the guards fold away and every layer's shapes become constants
/// in its copy of the body, so its loops are unrolled and vectorised for that shape;
/// a runtime-shaped network takes the same path with run-time shapes.
macro_rules! for_each_layer_index {
    ($depth:expr, |$l:ident| $body:block) => {{
        let depth: usize = $depth;
        unrolled!(depth, |$l| $body, 0 1 2 3);
        for $l in 4..depth {
            $body
        }
    }};
}

/// Same as [`for_each_layer_index`], from the last layer down to layer 1 (the layers
/// whose delta backpropagates to a layer below).
macro_rules! for_each_layer_index_down_to_1 {
    ($depth:expr, |$l:ident| $body:block) => {{
        let depth: usize = $depth;
        for $l in (4..depth).rev() {
            $body
        }
        unrolled!(depth, |$l| $body, 3 2 1);
    }};
}

/// `$body` with `$l` = each listed index below `$depth`, in the order listed.
macro_rules! unrolled {
    ($depth:ident, |$l:ident| $body:block, $($i:literal)*) => {$(
        if $depth > $i {
            let $l: usize = $i;
            $body
        }
    )*};
}

/// Checks that the model's layers chain and its slices have their stated lengths, and
/// returns `Σ outputs` (the size of one scratch region).
#[inline]
fn check_model<M: Model + ?Sized>(model: &M) -> Result<usize, Error> {
    let depth = model.depth();
    check_layer_count(depth)?;
    let mut width = model.spec(0).inputs;
    let mut total = 0;
    for layer in 0..depth {
        let s = model.spec(layer);
        check_layer(layer, s, width)?;
        let runs = [
            (Part::Weights, model.weights(layer).len(), s.inputs * s.outputs),
            (Part::Biases, model.biases(layer).len(), s.outputs),
        ];
        for (part, found, expected) in runs {
            if found != expected {
                return Err(Error::Shape { layer, part, expected, found });
            }
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
fn dense_forward(weights: &[f32], biases: &[f32], input: &[f32], out: &mut [f32]) {
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
fn transpose_product(weights: &[f32], delta: &[f32], out: &mut [f32]) {
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
fn accumulate_outer(grad_w: &mut [f32], grad_b: &mut [f32], delta: &[f32], input: &[f32]) {
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

/// `W −= lr·(delta ⊗ x)`, and `b −= lr·delta` unless the biases are frozen: the plain
/// SGD update of one layer, through the same [`descend`] as [`crate::Optimizer::Sgd`]
/// after a one-sample gradient (so the same bits). Every value it writes is noted in
/// `check`, folded into the update loop so it costs no second pass.
#[inline(always)]
fn sgd_outer(
    (weights, biases): (&mut [f32], &mut [f32]),
    delta: &[f32],
    input: &[f32],
    learning_rate: f32,
    train: Biases,
    check: &mut FiniteCheck,
) {
    if input.is_empty() {
        return;
    }
    for (row, &d) in weights.chunks_exact_mut(input.len()).zip(delta) {
        for (w, &x) in row.iter_mut().zip(input) {
            let new = descend(*w, learning_rate, d * x);
            check.note(new);
            *w = new;
        }
        along_the_row();
    }
    if train == Biases::Train {
        // Contiguous, so this loop is vectorised on its own.
        for (b, &d) in biases.iter_mut().zip(delta) {
            let new = descend(*b, learning_rate, d);
            check.note(new);
            *b = new;
        }
    }
}

/// Runs the forward pass into `scratch` and returns `Σ outputs` of the layers. The output
/// layer's pre-activations are kept only with `keep_z` (the losses computed from `z`).
/// Always inlined: in each caller the shapes, activations and `keep_z` are constants.
#[inline(always)]
fn run_forward<M: Model + ?Sized>(model: &M, input: &[f32], scratch: &mut [f32], keep_z: bool) -> Result<usize, Error> {
    let widths = check_model(model)?;
    let end = 2 * widths + model.outputs();
    let scaling = model.input_scaling();
    let needed = end + scaling.map_or(0, |s| s.len());
    if scratch.len() < needed {
        return Err(Error::BufferTooSmall { needed, found: scratch.len() });
    }
    if input.len() != model.inputs() {
        return Err(Error::InputLength { expected: model.inputs(), found: input.len() });
    }
    let (acts, rest) = scratch.split_at_mut(widths);
    let (rest, scaled) = rest.split_at_mut(end - widths);
    let zout = &mut rest[widths..];
    // The scaled input (after the output pre-activations) is layer 0's input; without a
    // stage, `scaling` is a constant `None` for a tuple network and this is `input`.
    let input = match scaling {
        None => input,
        Some(stage) => {
            if stage.len() != input.len() {
                return Err(Error::Shape { layer: 0, part: Part::Scaling, expected: input.len(), found: stage.len() });
            }
            let scaled = &mut scaled[..input.len()];
            stage.apply(input, scaled);
            &*scaled
        }
    };
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
        spec.activation.forward(out);
        start += spec.outputs;
    });
    Ok(widths)
}

/// The network's outputs for `input`, computed in `scratch` (at least
/// [`Model::scratch_len`] floats) and returned as a view into it.
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

/// The loss of one sample `(input, target)`, from a forward pass in `scratch`.
pub fn sample_loss<M: Model + ?Sized>(
    model: &M,
    (input, target): (&[f32], &[f32]),
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

/// [`Loss::value`], with [`Loss::HalfSse`] (the classic backprop loss) inlined into the
/// training step: the same function [`Loss::value`] calls.
#[inline(always)]
fn loss_value(loss: Loss, z: &[f32], o: &[f32], t: &[f32]) -> f32 {
    match loss {
        Loss::HalfSse => loss::half_sse(z, o, t),
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
    for_each_layer_index_down_to_1!(last + 1, |l| {
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

/// The activations and the deltas (with the output pre-activations) in `scratch` after
/// [`backprop`]; `split_at_checked` says without a panic path that `backprop` sized it.
#[inline(always)]
fn after_backprop(scratch: &[f32], widths: usize) -> Result<(&[f32], &[f32]), Error> {
    scratch.split_at_checked(widths).ok_or(Error::BufferTooSmall { needed: widths, found: scratch.len() })
}

/// Layer 0's input after [`backprop`]: `input`, or its scaled copy that the forward pass
/// left in `scratch` behind the output pre-activations when the model has a stage.
#[inline(always)]
fn first_input<'a, M: Model + ?Sized>(
    model: &M,
    input: &'a [f32],
    scratch: &'a [f32],
    widths: usize,
) -> Result<&'a [f32], Error> {
    if model.input_scaling().is_none() {
        return Ok(input);
    }
    let start = 2 * widths + model.outputs();
    let end = start + input.len();
    // `run_forward` sized and filled this range; `get` says so without a panic path.
    scratch.get(start..end).ok_or(Error::BufferTooSmall { needed: end, found: scratch.len() })
}

/// Layer `l`'s input and delta after [`backprop`], where `start` is where its outputs
/// begin in `acts` and `deltas` (the outputs of the layers below come first).
#[inline(always)]
fn layer_slices<'a>(
    l: usize,
    spec: LayerSpec,
    start: usize,
    input: &'a [f32],
    (acts, deltas): (&'a [f32], &'a [f32]),
) -> Result<(&'a [f32], &'a [f32]), Error> {
    // `backprop` sized every range; `get` says so without a panic path.
    let x = if l == 0 { Some(input) } else { start.checked_sub(spec.inputs).and_then(|a| acts.get(a..start)) };
    let end = start + spec.outputs;
    x.zip(deltas.get(start..end)).ok_or(Error::BufferTooSmall { needed: end, found: deltas.len() })
}

/// One sample's forward and backward pass: adds `∂L/∂θ` to `grads` (the flat parameter
/// order, [`Model::param_count`] long) and returns the sample's loss.
///
/// On error nothing has been added to `grads`.
///
/// ```
/// use nn_core::{activation::Identity, gradient, Dense, Loss, Network};
/// type Line = (Dense<1, 1, Identity>,);
/// let net: Line = (Dense::new([[1.0]], [1.0]),);
/// let (mut scratch, mut grads) = ([0.0; Line::SCRATCH], [0.0; Line::PARAMS]);
/// // ŷ = 3 for (x, y) = (2, 1): L = (ŷ − y)² = 4, ∂L/∂w = 2(ŷ − y)x = 8, ∂L/∂b = 4.
/// let loss = gradient(&net, (&[2.0], &[1.0]), Loss::Sse, &mut scratch, &mut grads).unwrap();
/// assert_eq!((loss, grads), (4.0, [8.0, 4.0]));
/// ```
pub fn gradient<M: Model + ?Sized>(
    model: &M,
    (input, target): (&[f32], &[f32]),
    loss: Loss,
    scratch: &mut [f32],
    grads: &mut [f32],
) -> Result<f32, Error> {
    let expected = model.param_count();
    if grads.len() != expected {
        return Err(Error::ParamCount { expected, found: grads.len() });
    }
    let (widths, value) = backprop(model, input, target, loss, scratch)?;
    let mut rest = &mut *grads;
    let input = first_input(model, input, scratch, widths)?;
    let scratch = after_backprop(scratch, widths)?;
    let mut start = 0usize;
    for_each_layer_index!(model.depth(), |l| {
        let spec = model.spec(l);
        let (x, delta) = layer_slices(l, spec, start, input, scratch)?;
        let (gw, tail) = core::mem::take(&mut rest).split_at_mut(spec.inputs * spec.outputs);
        let (gb, tail) = tail.split_at_mut(spec.outputs);
        accumulate_outer(gw, gb, delta, x);
        rest = tail;
        start += spec.outputs;
    });
    Ok(value)
}

/// How [`sgd_step`] steps: the loss, the learning rate and whether the biases train.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SgdConfig {
    /// The per-sample loss.
    pub loss: Loss,
    /// The learning rate `η`.
    pub learning_rate: f32,
    /// Whether the biases are updated.
    pub biases: Biases,
}

impl SgdConfig {
    /// Steps of `learning_rate` on `loss`, biases included.
    pub const fn new(loss: Loss, learning_rate: f32) -> Self {
        SgdConfig { loss, learning_rate, biases: Biases::Train }
    }

    /// The same steps with the biases left as they are.
    pub const fn frozen_biases(self) -> Self {
        SgdConfig { biases: Biases::Frozen, ..self }
    }
}

/// One per-sample step of plain SGD, fused (no gradient buffer): forward, backward, then
/// `θ −= η·∂L/∂θ`. Returns the sample's loss before the update.
///
/// Nothing is changed when the loss or a delta is not finite ([`Error::NonFinite`]). An
/// update that overflows a parameter is reported as [`Error::NonFinite`] after the fact,
/// with the parameters written; [`crate::Trainer`] never writes such a step.
///
/// ```
/// use nn_core::{activation::Identity, sgd_step, Dense, Loss, Network, SgdConfig};
/// type Line = (Dense<1, 1, Identity>,);
/// let mut net: Line = (Dense::new([[1.0]], [1.0]),);
/// let mut scratch = [0.0; Line::SCRATCH];
/// // Document 001's first step: ŷ = 3 for (x, y) = (2, 1), loss 4, then w = 0.2, b = 0.6.
/// let loss = sgd_step(&mut net, (&[2.0], &[1.0]), SgdConfig::new(Loss::Sse, 0.1), &mut scratch).unwrap();
/// assert_eq!(loss, 4.0);
/// assert_eq!((net.0.weights[0][0], net.0.biases[0]), (1.0 - 0.1 * 8.0, 1.0 - 0.1 * 4.0));
/// ```
pub fn sgd_step<M: ModelMut + ?Sized>(
    model: &mut M,
    (input, target): (&[f32], &[f32]),
    config: SgdConfig,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    let (widths, value) = backprop(model, input, target, config.loss, scratch)?;
    if !sgd_update(model, input, scratch, widths, config)? {
        // A failed quick check is confirmed value by value (see `FiniteCheck`).
        if !(0..model.depth()).all(|l| each_finite(model.weights(l)) && each_finite(model.biases(l))) {
            return Err(Error::NonFinite);
        }
    }
    Ok(value)
}

/// [`sgd_step`] for the [`crate::Trainer`], which must change nothing on a refused step:
/// each layer is copied to `kept` (the flat parameter order, [`Model::param_count`] long)
/// before [`sgd_outer`] updates it, and when a new value is not finite the old ones are
/// put back from it, bit for bit, and the step returns [`Error::NonFinite`].
#[inline(always)]
pub(crate) fn sgd_step_restorable<M: ModelMut + ?Sized>(
    model: &mut M,
    (input, target): (&[f32], &[f32]),
    config: SgdConfig,
    scratch: &mut [f32],
    kept: &mut [f32],
) -> Result<f32, Error> {
    let expected = model.param_count();
    if kept.len() != expected {
        return Err(Error::ParamCount { expected, found: kept.len() });
    }
    let (widths, value) = backprop(model, input, target, config.loss, scratch)?;
    let first = first_input(model, input, scratch, widths)?;
    let split = after_backprop(scratch, widths)?;
    let mut start = 0usize;
    let mut rest = &mut *kept;
    let mut check = FiniteCheck::new();
    for_each_layer_index!(model.depth(), |l| {
        let spec = model.spec(l);
        let (x, delta) = layer_slices(l, spec, start, first, split)?;
        let (kw, tail) = core::mem::take(&mut rest).split_at_mut(spec.inputs * spec.outputs);
        let (kb, tail) = tail.split_at_mut(spec.outputs);
        let (weights, biases) = model.layer_mut(l);
        // The layer as it was, then the update of `sgd_step` itself.
        // `split_at_mut` above sized `kw` and `kb` from the spec that `backprop` checked
        // the layer against; `get_mut` says so without a panic path.
        if let (Some(kw), Some(kb)) = (kw.get_mut(..weights.len()), kb.get_mut(..biases.len())) {
            kw.copy_from_slice(weights);
            kb.copy_from_slice(biases);
        }
        sgd_outer((weights, biases), delta, x, config.learning_rate, config.biases, &mut check);
        rest = tail;
        start += spec.outputs;
    });
    // A failed quick check is confirmed value by value (see `FiniteCheck`).
    if !check.passed() && !(0..model.depth()).all(|l| each_finite(model.weights(l)) && each_finite(model.biases(l))) {
        model.load_params(kept)?;
        return Err(Error::NonFinite);
    }
    Ok(value)
}

/// The largest `|v|` of `values`, or `+∞` if one is not finite (NaN included), from the
/// bits: for `f32` the magnitude's bit pattern orders like the magnitude.
#[inline(always)]
pub(crate) fn magnitude(values: &[f32]) -> f32 {
    let largest = values.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff));
    if largest >= f32::INFINITY.to_bits() {
        f32::INFINITY
    } else {
        f32::from_bits(largest)
    }
}

/// The update of [`sgd_step`] after [`backprop`]: `θ −= η·δ·x` layer by layer through
/// [`sgd_outer`]; returns whether the quick finiteness check of the new values passed.
#[inline(always)]
fn sgd_update<M: ModelMut + ?Sized>(
    model: &mut M,
    input: &[f32],
    scratch: &[f32],
    widths: usize,
    config: SgdConfig,
) -> Result<bool, Error> {
    let input = first_input(model, input, scratch, widths)?;
    let scratch = after_backprop(scratch, widths)?;
    let mut start = 0usize;
    // One check over every layer's new parameters, tested once.
    let mut check = FiniteCheck::new();
    for_each_layer_index!(model.depth(), |l| {
        let spec = model.spec(l);
        let (x, delta) = layer_slices(l, spec, start, input, scratch)?;
        sgd_outer(model.layer_mut(l), delta, x, config.learning_rate, config.biases, &mut check);
        start += spec.outputs;
    });
    Ok(check.passed())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::activation::{Activation, Sigmoid, Tanh};
    use crate::init::{Init, Rng};
    use crate::math::tests::{random_values, same};
    use crate::model::{Dense, Mlp, Network};
    use std::vec::Vec;

    /// [`sgd_outer`] on one layer; returns whether every value it wrote is finite.
    fn sgd_outer_finite(w: &mut [f32], b: &mut [f32], d: &[f32], x: &[f32], lr: f32, biases: Biases) -> bool {
        let mut check = FiniteCheck::new();
        sgd_outer((&mut *w, &mut *b), d, x, lr, biases, &mut check);
        check.passed() || (each_finite(w) && (biases == Biases::Frozen || each_finite(b)))
    }

    fn all_same(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| same(x, y))
    }

    /// Shapes with every tail length of the 8-lane dot and the 4-wide vector loops.
    const SHAPES: [(usize, usize); 12] =
        [(1, 1), (2, 4), (3, 5), (4, 1), (7, 3), (8, 16), (9, 2), (15, 7), (16, 32), (17, 9), (33, 8), (70, 3)];

    /// Runs `f(rng, inputs, outputs, specials)` four times over [`SHAPES`], every third
    /// time with special values (infinities, NaN, subnormals) among the random ones.
    fn each_shape(seed: u32, mut f: impl FnMut(&mut Rng, usize, usize, bool)) {
        let mut rng = Rng::new(seed);
        for (trial, &(n_in, n_out)) in SHAPES.iter().cycle().take(48).enumerate() {
            f(&mut rng, n_in, n_out, trial % 3 == 2);
        }
    }

    #[test]
    fn forward_rows_are_dots_and_the_transpose_sums_rows_in_order() {
        each_shape(5, |rng, n_in, n_out, specials| {
            let w = random_values(rng, n_in * n_out, specials);
            let (b, d) = (random_values(rng, n_out, specials), random_values(rng, n_out, specials));
            let x = random_values(rng, n_in, specials);
            let mut out = std::vec![0.0; n_out];
            dense_forward(&w, &b, &x, &mut out);
            let expect: Vec<f32> = (0..n_out).map(|j| dot(&w[j * n_in..(j + 1) * n_in], &x) + b[j]).collect();
            assert!(all_same(&out, &expect), "W·x + b, {n_in}x{n_out}");
            let mut back = random_values(rng, n_in, false);
            transpose_product(&w, &d, &mut back);
            let column = |i: usize| (0..n_out).fold(-0.0f32, |s, j| s + w[j * n_in + i] * d[j]);
            let expect: Vec<f32> = (0..n_in).map(column).collect();
            assert!(all_same(&back, &expect), "Wᵀ·d, {n_in}x{n_out}");
        });
    }

    #[test]
    fn updates_are_elementwise_and_report_non_finite_results() {
        each_shape(7, |rng, n_in, n_out, specials| {
            let w0 = random_values(rng, n_in * n_out, specials);
            let b0 = random_values(rng, n_out, specials);
            let d = random_values(rng, n_out, specials);
            let x = random_values(rng, n_in, specials);
            let lr = 0.37;
            for biases in [Biases::Train, Biases::Frozen] {
                let biases_too = biases == Biases::Train;
                let (mut w, mut b) = (w0.clone(), b0.clone());
                let finite = sgd_outer_finite(&mut w, &mut b, &d, &x, lr, biases);
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
        });
        // An overflow in a single weight is caught wherever it is.
        for at in 0..40 {
            let mut w = std::vec![1.0f32; 40];
            w[at] = f32::MAX;
            let mut b = [0.0f32];
            assert!(!sgd_outer_finite(&mut w, &mut b, &[-1.0], &[f32::MAX; 40], 1.0, Biases::Train));
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
            sgd_outer_finite(w, &mut rest[..s.outputs], &deltas[l], &acts[l], lr, Biases::Train);
        }
        value
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
            let step = SgdConfig::new(Loss::HalfSse, 0.3);
            let a = sgd_step(&mut net, (&x, &t), step, &mut scratch).unwrap();
            let b = sgd_step(&mut mlp, (&x, &t), step, &mut scratch2).unwrap();
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
            let a = sgd_step(&mut mlp, (&x, &t), SgdConfig::new(Loss::HalfSse, 0.2), &mut scratch).unwrap();
            let c = reference_step(&specs, &mut flat, &x, &t, 0.2);
            assert!(same(a, c));
            assert!(all_same(mlp.params(), &flat));
        }
    }

    /// A scaled model computes, bit for bit, what the bare network computes on inputs
    /// scaled beforehand: outputs, loss, gradient and SGD step, as a tuple and as an Mlp.
    #[test]
    fn a_scaled_model_is_its_network_on_scaled_inputs() {
        use crate::model::Scaled;
        use crate::scaling::InputScaling;
        type Net = (Dense<3, 5, Tanh>, Dense<5, 2, Sigmoid>);
        let mut net = Net::default();
        let mut rng = Rng::new(11);
        Init::Uniform { limit: 1.0 }.apply(&mut net, &mut rng);
        let stage = InputScaling::new([10.0, -2.0, 0.5], [4.0, 0.3, 1.0]).unwrap();
        let mut scaled = Scaled::new(net, stage).unwrap();
        let mut flat = std::vec![0.0; Net::PARAMS];
        net.copy_params_to(&mut flat).unwrap();
        let specs = [Dense::<3, 5, Tanh>::SPEC, Dense::<5, 2, Sigmoid>::SPEC];
        let mut mlp = Scaled::new(
            Mlp::new(specs, flat).unwrap(),
            InputScaling::new(std::vec![10.0, -2.0, 0.5], std::vec![4.0, 0.3, 1.0]).unwrap(),
        )
        .unwrap();
        assert_eq!(<Scaled<Net, [f32; 3]>>::SCRATCH, Net::SCRATCH + 3);
        assert_eq!(scaled.scratch_len(), <Scaled<Net, [f32; 3]>>::SCRATCH);
        assert_eq!(mlp.scratch_len(), Net::SCRATCH + 3);
        let (x, t) = ([13.0f32, -1.1, 2.0], [0.25f32, 1.0]);
        let mut xs = [0.0; 3];
        stage.apply(&x, &mut xs);
        assert_eq!(xs[0], 0.75);
        let mut s1 = [0.0; Net::SCRATCH + 3];
        let mut s2 = [0.0; Net::SCRATCH];
        let mut s3 = [0.0; Net::SCRATCH + 3];
        let y = forward(&scaled, &x, &mut s1).unwrap().to_vec();
        assert!(all_same(&y, forward(&net, &xs, &mut s2).unwrap()));
        assert!(all_same(&y, forward(&mlp, &x, &mut s3).unwrap()));
        assert_eq!(
            forward(&scaled, &x, &mut s2),
            Err(Error::BufferTooSmall { needed: Net::SCRATCH + 3, found: Net::SCRATCH })
        );
        let (mut g1, mut g2, mut g3) = ([0.0; Net::PARAMS], [0.0; Net::PARAMS], [0.0; Net::PARAMS]);
        let l1 = gradient(&scaled, (&x, &t), Loss::Bce, &mut s1, &mut g1).unwrap();
        let l2 = gradient(&net, (&xs, &t), Loss::Bce, &mut s2, &mut g2).unwrap();
        let l3 = gradient(&mlp, (&x, &t), Loss::Bce, &mut s3, &mut g3).unwrap();
        assert!(same(l1, l2) && same(l1, l3));
        assert!(all_same(&g1, &g2) && all_same(&g1, &g3));
        assert!(g1[..3].iter().any(|&g| g != 0.0), "layer 0's weights have a gradient");
        let step = SgdConfig::new(Loss::Bce, 0.3);
        sgd_step(&mut scaled, (&x, &t), step, &mut s1).unwrap();
        sgd_step(&mut net, (&xs, &t), step, &mut s2).unwrap();
        sgd_step(&mut mlp, (&x, &t), step, &mut s3).unwrap();
        let mut after = [0.0; Net::PARAMS];
        scaled.copy_params_to(&mut after).unwrap();
        assert!(all_same(&after, mlp.model().params()));
        net.copy_params_to(&mut g2).unwrap();
        assert!(all_same(&after, &g2));
        assert_eq!(scaled.scaling().scale(), &[4.0, 0.3, 1.0], "nothing trains the stage");
    }
}
