//! Shared helpers for the whole-system tests: an independent float64 reference.
//!
//! The reference MLP here is written from scratch and calls none of nn-core's math. It
//! shares only what a reference must share to be comparable: the *names* of the
//! activations and losses ([`Act`], [`Cost`], mapped from nn-core's enums) and the
//! documented flat parameter order (per layer: weights row by row, row `j` feeding output
//! neuron `j`, then biases).
//!
//! Where nn-core computes a derivative from a layer's output `a`, the reference computes
//! it from the pre-activation `z`; where nn-core computes BCE as
//! `max(z, 0) − z t + ln(1 + e^{−|z|})`, the reference uses `t·softplus(−z) +
//! (1 − t)·softplus(z)`; softmax goes through its full Jacobian. Same mathematics,
//! different arithmetic, so a shared mistake is unlikely.

use nn_core::{Activation, Biases, LayerSpec, Loss, Model};

/// The unit roundoff of `f32` (half an ulp of 1): every correctly rounded `f32` operation
/// has relative error at most this.
pub const U32: f64 = f32::EPSILON as f64 / 2.0;

/// The negative slope of leaky relu, as the activation is defined (0.01), not as any
/// implementation rounds it.
pub const LEAKY_SLOPE: f64 = 0.01;

/// An activation, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// `z`.
    Identity,
    /// `1 / (1 + e^{−z})`.
    Sigmoid,
    /// `tanh z`.
    Tanh,
    /// `max(z, 0)`, with derivative 0 at 0.
    Relu,
    /// `z` for `z > 0`, else `0.01 z`.
    LeakyRelu,
    /// `e^{z_i} / Σ e^{z_j}` over the layer.
    Softmax,
    /// `1` for `z ≥ 0`, else `0`; derivative 0.
    Step,
}

impl From<Activation> for Act {
    fn from(a: Activation) -> Self {
        match a {
            Activation::Identity => Act::Identity,
            Activation::Sigmoid => Act::Sigmoid,
            Activation::Tanh => Act::Tanh,
            Activation::Relu => Act::Relu,
            Activation::LeakyRelu => Act::LeakyRelu,
            Activation::Softmax => Act::Softmax,
            Activation::Step => Act::Step,
        }
    }
}

impl Act {
    /// Whether the activation has a kink or a jump at `z = 0` (so that finite
    /// differences and f32/f64 comparisons are unreliable near it).
    pub fn has_kink(self) -> bool {
        matches!(self, Act::Relu | Act::LeakyRelu | Act::Step)
    }
}

/// A per-sample loss, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// `(1/K) Σ (o − t)²`.
    Mse,
    /// `Σ (o − t)²`.
    Sse,
    /// `½ Σ (o − t)²`.
    HalfSse,
    /// `(1/K) Σ −(t ln σ(z) + (1 − t) ln(1 − σ(z)))`.
    Bce,
    /// `−Σ t ln softmax(z)`.
    SoftmaxCe,
}

impl From<Loss> for Cost {
    fn from(l: Loss) -> Self {
        match l {
            Loss::Mse => Cost::Mse,
            Loss::Sse => Cost::Sse,
            Loss::HalfSse => Cost::HalfSse,
            Loss::Bce => Cost::Bce,
            Loss::SoftmaxCe => Cost::SoftmaxCe,
        }
    }
}

/// The logistic function, accurate for both signs of `z` (no `1 − tiny` cancellation).
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)`, without overflow.
pub fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// `ln softmax(z)`.
pub fn log_softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lse = m + z.iter().map(|&v| (v - m).exp()).sum::<f64>().ln();
    z.iter().map(|&v| v - lse).collect()
}

/// `softmax(z)`.
pub fn softmax(z: &[f64]) -> Vec<f64> {
    log_softmax(z).into_iter().map(f64::exp).collect()
}

/// One dense layer in f64.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Inputs.
    pub inputs: usize,
    /// Neurons.
    pub outputs: usize,
    /// Activation.
    pub act: Act,
    /// `outputs` rows of `inputs` weights.
    pub weights: Vec<f64>,
    /// One bias per neuron.
    pub biases: Vec<f64>,
}

impl Layer {
    /// Weight into neuron `j` from input `i`.
    pub fn w(&self, j: usize, i: usize) -> f64 {
        self.weights[j * self.inputs + i]
    }

    fn activate(&self, z: &[f64]) -> Vec<f64> {
        match self.act {
            Act::Identity => z.to_vec(),
            Act::Sigmoid => z.iter().map(|&v| sigmoid(v)).collect(),
            Act::Tanh => z.iter().map(|&v| v.tanh()).collect(),
            Act::Relu => z.iter().map(|&v| if v > 0.0 { v } else { 0.0 }).collect(),
            Act::LeakyRelu => z.iter().map(|&v| if v > 0.0 { v } else { LEAKY_SLOPE * v }).collect(),
            Act::Softmax => softmax(z),
            Act::Step => z.iter().map(|&v| if v >= 0.0 { 1.0 } else { 0.0 }).collect(),
        }
    }

    /// `∂L/∂z` from `∂L/∂a`, through the activation's Jacobian at `z`.
    fn back(&self, z: &[f64], a: &[f64], da: &[f64]) -> Vec<f64> {
        let each = |f: &dyn Fn(f64) -> f64| z.iter().zip(da).map(|(&z, &g)| g * f(z)).collect();
        match self.act {
            Act::Identity => da.to_vec(),
            Act::Sigmoid => each(&|z| sigmoid(z) * sigmoid(-z)),
            Act::Tanh => each(&|z| 1.0 / (z.cosh() * z.cosh())),
            Act::Relu => each(&|z| if z > 0.0 { 1.0 } else { 0.0 }),
            Act::LeakyRelu => each(&|z| if z > 0.0 { 1.0 } else { LEAKY_SLOPE }),
            Act::Step => each(&|_| 0.0),
            // J[i][k] = a_i (δ_ik − a_k); (Jᵀ g)_k = Σ_i g_i a_i (δ_ik − a_k).
            Act::Softmax => (0..a.len())
                .map(|k| (0..a.len()).map(|i| da[i] * a[i] * (if i == k { 1.0 } else { 0.0 } - a[k])).sum())
                .collect(),
        }
    }
}

/// Every intermediate of one forward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The input of each layer (`inputs[0]` is the sample).
    pub inputs: Vec<Vec<f64>>,
    /// Pre-activations of each layer.
    pub z: Vec<Vec<f64>>,
    /// Outputs of each layer.
    pub a: Vec<Vec<f64>>,
}

impl Trace {
    /// The network's output.
    pub fn output(&self) -> &[f64] {
        self.a.last().map_or(&[], Vec::as_slice)
    }
}

/// A multi-layer perceptron in f64.
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    /// The layers, input first.
    pub layers: Vec<Layer>,
}

/// One `(input, target)` sample in f64.
pub type Sample = (Vec<f64>, Vec<f64>);

impl Net {
    /// A network of `shape` (`(inputs, outputs, activation)` per layer) over `params` in
    /// the documented flat order.
    pub fn from_flat(shape: &[(usize, usize, Act)], params: &[f64]) -> Net {
        let mut at = 0;
        let mut layers = Vec::new();
        for &(inputs, outputs, act) in shape {
            let weights = params[at..at + inputs * outputs].to_vec();
            at += inputs * outputs;
            let biases = params[at..at + outputs].to_vec();
            at += outputs;
            layers.push(Layer { inputs, outputs, act, weights, biases });
        }
        assert_eq!(at, params.len(), "parameter count does not match the shape");
        Net { layers }
    }

    /// The same network as an nn-core model, its `f32` parameters widened exactly.
    pub fn from_model<M: Model + ?Sized>(model: &M) -> Net {
        let shape: Vec<_> = (0..model.depth()).map(|l| shape_of(model.spec(l))).collect();
        let mut flat = vec![0.0f32; model.param_count()];
        model.copy_params_to(&mut flat).expect("param count");
        Net::from_flat(&shape, &widen(&flat))
    }

    /// The flat parameter run.
    pub fn flat(&self) -> Vec<f64> {
        self.layers.iter().flat_map(|l| l.weights.iter().chain(&l.biases).copied()).collect()
    }

    /// Replaces the flat parameter run.
    pub fn set_flat(&mut self, params: &[f64]) {
        let shape: Vec<_> = self.layers.iter().map(|l| (l.inputs, l.outputs, l.act)).collect();
        *self = Net::from_flat(&shape, params);
    }

    /// Total parameters.
    pub fn param_count(&self) -> usize {
        self.layers.iter().map(|l| l.outputs * (l.inputs + 1)).sum()
    }

    /// The forward pass with every intermediate.
    pub fn trace(&self, x: &[f64]) -> Trace {
        let mut t = Trace { inputs: Vec::new(), z: Vec::new(), a: Vec::new() };
        let mut input = x.to_vec();
        for l in &self.layers {
            assert_eq!(input.len(), l.inputs, "input width");
            let z: Vec<f64> = (0..l.outputs)
                .map(|j| (0..l.inputs).map(|i| l.w(j, i) * input[i]).sum::<f64>() + l.biases[j])
                .collect();
            let a = l.activate(&z);
            t.inputs.push(input);
            t.z.push(z);
            input = a.clone();
            t.a.push(a);
        }
        t
    }

    /// The network's output.
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.trace(x).output().to_vec()
    }

    /// The loss of one sample.
    pub fn loss(&self, x: &[f64], t: &[f64], cost: Cost) -> f64 {
        let tr = self.trace(x);
        loss_of(tr.z.last().expect("a layer"), tr.output(), t, cost)
    }

    /// The loss of one sample and its gradient in the flat order, by backpropagation.
    pub fn gradient(&self, x: &[f64], t: &[f64], cost: Cost) -> (f64, Vec<f64>) {
        let tr = self.trace(x);
        let last = self.layers.len() - 1;
        let zl = &tr.z[last];
        let o = tr.output();
        let value = loss_of(zl, o, t, cost);
        let k = o.len() as f64;
        // ∂L/∂z of the output layer.
        let mut delta = match cost {
            Cost::Bce => zl.iter().zip(t).map(|(&z, &t)| (sigmoid(z) - t) / k).collect(),
            Cost::SoftmaxCe => {
                let p = softmax(zl);
                let total: f64 = t.iter().sum();
                p.iter().zip(t).map(|(&p, &t)| p * total - t).collect()
            }
            _ => {
                let scale = match cost {
                    Cost::Mse => 2.0 / k,
                    Cost::Sse => 2.0,
                    _ => 1.0,
                };
                let da: Vec<f64> = o.iter().zip(t).map(|(&o, &t)| scale * (o - t)).collect();
                self.layers[last].back(zl, o, &da)
            }
        };
        let mut per_layer = vec![Vec::new(); self.layers.len()];
        for l in (0..=last).rev() {
            let layer = &self.layers[l];
            let x = &tr.inputs[l];
            let mut g = Vec::with_capacity(layer.outputs * (layer.inputs + 1));
            for &d in &delta {
                g.extend(x.iter().map(|&xi| d * xi));
            }
            g.extend(delta.iter().copied());
            per_layer[l] = g;
            if l > 0 {
                let below = &self.layers[l - 1];
                let da: Vec<f64> =
                    (0..layer.inputs).map(|i| (0..layer.outputs).map(|j| layer.w(j, i) * delta[j]).sum()).collect();
                delta = below.back(&tr.z[l - 1], &tr.a[l - 1], &da);
            }
        }
        (value, per_layer.concat())
    }

    /// The mean loss over `data`.
    pub fn mean_loss(&self, data: &[Sample], cost: Cost) -> f64 {
        data.iter().map(|(x, t)| self.loss(x, t, cost)).sum::<f64>() / data.len() as f64
    }

    /// The mean loss over `data` and its gradient.
    pub fn mean_gradient(&self, data: &[Sample], cost: Cost) -> (f64, Vec<f64>) {
        let mut total = 0.0;
        let mut grad = vec![0.0; self.param_count()];
        for (x, t) in data {
            let (v, g) = self.gradient(x, t, cost);
            total += v;
            grad.iter_mut().zip(g).for_each(|(a, b)| *a += b);
        }
        let n = data.len() as f64;
        grad.iter_mut().for_each(|g| *g /= n);
        (total / n, grad)
    }

    /// One step of plain gradient descent on one sample (`θ −= lr·∂L/∂θ`, biases left
    /// alone unless `biases`); returns the loss before the step.
    pub fn sgd_step(&mut self, x: &[f64], t: &[f64], cost: Cost, lr: f64, biases: bool) -> f64 {
        let (value, g) = self.gradient(x, t, cost);
        let mut at = 0;
        for l in &mut self.layers {
            for w in &mut l.weights {
                *w -= lr * g[at];
                at += 1;
            }
            for b in &mut l.biases {
                if biases {
                    *b -= lr * g[at];
                }
                at += 1;
            }
        }
        value
    }

    /// The gradient of the mean loss by central differences of step `h` in f64.
    pub fn central_difference(&self, data: &[Sample], cost: Cost, h: f64) -> Vec<f64> {
        let base = self.flat();
        let mut probe = self.clone();
        (0..base.len())
            .map(|k| {
                let mut p = base.clone();
                p[k] = base[k] + h;
                probe.set_flat(&p);
                let plus = probe.mean_loss(data, cost);
                p[k] = base[k] - h;
                probe.set_flat(&p);
                let minus = probe.mean_loss(data, cost);
                (plus - minus) / (2.0 * h)
            })
            .collect()
    }

    /// The rounding scale of every pre-activation: `Σ|w||a| + |b|` per neuron, with the
    /// `a` of the layer below replaced by its own scale where it passes values through
    /// (an `f32` computation of `z` is off by at most a small multiple of `u` times this).
    pub fn z_scales(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut below: Vec<f64> = x.iter().map(|v| v.abs()).collect();
        let mut out = Vec::new();
        for layer in &self.layers {
            let s: Vec<f64> = (0..layer.outputs)
                .map(|j| (0..layer.inputs).map(|i| layer.w(j, i).abs() * below[i]).sum::<f64>() + layer.biases[j].abs())
                .collect();
            // Outputs bounded by 1 (sigmoid, softmax, step) carry an error relative to 1;
            // the others (identity, tanh ≤ |z|, relu, leaky relu) relative to their scale.
            below = match layer.act {
                Act::Sigmoid | Act::Softmax | Act::Step => vec![1.0; layer.outputs],
                Act::Tanh => s.iter().map(|v| v.min(1.0)).collect(),
                _ => s.clone(),
            };
            out.push(s);
        }
        out
    }

    /// The rounding scale of each component of the gradient of one sample: the backward
    /// pass run on magnitudes, with every activation derivative replaced by its bound
    /// (1; softmax's Jacobian-vector product by twice the sum), and every value by its
    /// rounding scale. An `f32` backprop is off by at most a modest multiple of `u` times
    /// this, whatever cancellation happens in the exact values.
    pub fn gradient_scale(&self, x: &[f64], t: &[f64], cost: Cost) -> Vec<f64> {
        let zs = self.z_scales(x);
        let last = self.layers.len() - 1;
        let k = t.len() as f64;
        let out_scale: Vec<f64> = match self.layers[last].act {
            Act::Sigmoid | Act::Softmax | Act::Step => vec![1.0; t.len()],
            _ => zs[last].clone(),
        };
        let mut m: Vec<f64> = match cost {
            Cost::Bce => t.iter().map(|t| (1.0 + t.abs()) / k).collect(),
            Cost::SoftmaxCe => {
                let total: f64 = t.iter().map(|v| v.abs()).sum();
                t.iter().map(|t| total + t.abs()).collect()
            }
            _ => {
                let scale = match cost {
                    Cost::Mse => 2.0 / k,
                    Cost::Sse => 2.0,
                    _ => 1.0,
                };
                let da: Vec<f64> = out_scale.iter().zip(t).map(|(o, t)| scale * (o + t.abs())).collect();
                bound_back(self.layers[last].act, &da)
            }
        };
        let mut per_layer = vec![Vec::new(); self.layers.len()];
        for l in (0..=last).rev() {
            let layer = &self.layers[l];
            let inputs: Vec<f64> = if l == 0 {
                x.iter().map(|v| v.abs()).collect()
            } else {
                match self.layers[l - 1].act {
                    Act::Sigmoid | Act::Softmax | Act::Step => vec![1.0; layer.inputs],
                    Act::Tanh => zs[l - 1].iter().map(|v| v.min(1.0)).collect(),
                    _ => zs[l - 1].clone(),
                }
            };
            let mut g = Vec::with_capacity(layer.outputs * (layer.inputs + 1));
            for &d in &m {
                g.extend(inputs.iter().map(|&xi| d * xi));
            }
            g.extend(m.iter().copied());
            per_layer[l] = g;
            if l > 0 {
                let da: Vec<f64> =
                    (0..layer.inputs).map(|i| (0..layer.outputs).map(|j| layer.w(j, i).abs() * m[j]).sum()).collect();
                m = bound_back(self.layers[l - 1].act, &da);
            }
        }
        per_layer.concat()
    }

    /// The rounding scale of one sample's loss: the loss formula evaluated on magnitudes.
    pub fn loss_scale(&self, x: &[f64], t: &[f64], cost: Cost) -> f64 {
        let zs = self.z_scales(x);
        let last = self.layers.len() - 1;
        let k = t.len() as f64;
        let o: Vec<f64> = match self.layers[last].act {
            Act::Sigmoid | Act::Softmax | Act::Step => vec![1.0; t.len()],
            _ => zs[last].clone(),
        };
        let sq: f64 = o.iter().zip(t).map(|(o, t)| (o + t.abs()).powi(2)).sum();
        match cost {
            Cost::Mse => sq / k,
            Cost::Sse => sq,
            Cost::HalfSse => 0.5 * sq,
            Cost::Bce => zs[last].iter().zip(t).map(|(z, t)| 2.0 * z * (1.0 + t.abs()) + 1.0).sum::<f64>() / k,
            Cost::SoftmaxCe => {
                let zmax = zs[last].iter().fold(0.0f64, |m, v| m.max(*v));
                t.iter().map(|t| t.abs() * (3.0 * zmax + k.ln() + 1.0)).sum()
            }
        }
    }

    /// The smallest `|z|` over the layers whose activation has a kink (infinity if none).
    pub fn closest_kink(&self, x: &[f64]) -> f64 {
        let tr = self.trace(x);
        self.layers
            .iter()
            .zip(&tr.z)
            .filter(|(l, _)| l.act.has_kink())
            .flat_map(|(_, z)| z.iter().map(|v| v.abs()))
            .fold(f64::INFINITY, f64::min)
    }

    /// The smallest `|z| / scale` over the layers whose activation has a kink (infinity if
    /// none), with the scale of [`Net::z_scales`]: how far, relative to its own rounding,
    /// each kinked pre-activation is from its kink.
    pub fn kink_margin(&self, x: &[f64]) -> f64 {
        let tr = self.trace(x);
        let scales = self.z_scales(x);
        let mut margin = f64::INFINITY;
        for ((l, z), s) in self.layers.iter().zip(&tr.z).zip(&scales) {
            if l.act.has_kink() {
                for (z, s) in z.iter().zip(s) {
                    margin = margin.min(if *s > 0.0 { z.abs() / s } else { f64::INFINITY });
                }
            }
        }
        margin
    }

    /// The sign pattern of every kinked pre-activation (`z > 0`, `z ≥ 0` for step) for
    /// input `x`: two parameter points with the same pattern lie on the same smooth piece.
    pub fn kink_pattern(&self, x: &[f64]) -> Vec<bool> {
        let tr = self.trace(x);
        let mut out = Vec::new();
        for (l, z) in self.layers.iter().zip(&tr.z) {
            match l.act {
                Act::Relu | Act::LeakyRelu => out.extend(z.iter().map(|&v| v > 0.0)),
                Act::Step => out.extend(z.iter().map(|&v| v >= 0.0)),
                _ => {}
            }
        }
        out
    }
}

/// The magnitude bound of a backward step through `act`: each derivative by 1,
/// softmax's `a ⊙ (g − a·g)` by `2Σ|g|`.
fn bound_back(act: Act, da: &[f64]) -> Vec<f64> {
    match act {
        Act::Softmax => {
            let total: f64 = da.iter().sum();
            vec![2.0 * total; da.len()]
        }
        _ => da.to_vec(),
    }
}

/// The loss of one sample from the output layer's `z`, its outputs `o` and targets `t`.
pub fn loss_of(z: &[f64], o: &[f64], t: &[f64], cost: Cost) -> f64 {
    let k = o.len() as f64;
    let sq: f64 = o.iter().zip(t).map(|(o, t)| (o - t) * (o - t)).sum();
    match cost {
        Cost::Mse => sq / k,
        Cost::Sse => sq,
        Cost::HalfSse => 0.5 * sq,
        Cost::Bce => z.iter().zip(t).map(|(&z, &t)| t * softplus(-z) + (1.0 - t) * softplus(z)).sum::<f64>() / k,
        Cost::SoftmaxCe => log_softmax(z).iter().zip(t).map(|(&lp, &t)| -t * lp).sum(),
    }
}

/// A layer spec as `(inputs, outputs, activation)`.
pub fn shape_of(spec: LayerSpec) -> (usize, usize, Act) {
    (spec.inputs, spec.outputs, spec.activation.into())
}

/// [`Biases::Train`] for `true`, [`Biases::Frozen`] for `false` (proptest draws bools).
pub fn train_biases(train: bool) -> Biases {
    if train {
        Biases::Train
    } else {
        Biases::Frozen
    }
}

/// `f32` values widened (exactly) to `f64`.
pub fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// `|actual − expected| ≤ atol + rtol·|expected|`.
pub fn close(actual: f64, expected: f64, rtol: f64, atol: f64) -> bool {
    (actual - expected).abs() <= atol + rtol * expected.abs()
}

/// Panics unless `|actual − expected| ≤ atol + rtol·|expected|`, naming the quantity.
#[track_caller]
pub fn assert_close(what: &str, actual: f64, expected: f64, rtol: f64, atol: f64) {
    assert!(
        close(actual, expected, rtol, atol),
        "{what}: got {actual:e}, reference {expected:e} (|diff| {:e} > atol {atol:e} + rtol {rtol:e}·|ref|)",
        (actual - expected).abs()
    );
}

/// [`assert_close`] elementwise over two slices of the same length.
#[track_caller]
pub fn assert_all_close(what: &str, actual: &[f64], expected: &[f64], rtol: f64, atol: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (k, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        assert_close(&format!("{what}[{k}]"), a, e, rtol, atol);
    }
}

/// The largest eigenvalue of a symmetric positive semi-definite `n × n` matrix
/// (row-major), by power iteration, rounded up by a relative `1e-9`.
pub fn largest_eigenvalue(a: &[f64], n: usize) -> f64 {
    let mut v = vec![1.0; n];
    let mut lambda = 0.0;
    for _ in 0..10_000 {
        let w: Vec<f64> = (0..n).map(|i| (0..n).map(|j| a[i * n + j] * v[j]).sum()).collect();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        let next = norm / v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v = w.iter().map(|x| x / norm).collect();
        if (next - lambda).abs() <= 1e-13 * next {
            lambda = next;
            break;
        }
        lambda = next;
    }
    lambda * (1.0 + 1e-9)
}

/// Every eigenvalue of a symmetric `n × n` matrix (row-major), ascending, by cyclic
/// Jacobi rotations in f64 until the off-diagonal mass is below `1e-30` of the total.
pub fn symmetric_eigenvalues(a: &[f64], n: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    let total: f64 = m.iter().map(|v| v * v).sum();
    for _ in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j].powi(2))
            .sum();
        if off <= 1e-30 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes m[p][q] (Golub & Van Loan, the symmetric Schur step).
                let tau = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt());
                let t = if tau == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
            }
        }
    }
    let mut eig: Vec<f64> = (0..n).map(|i| m[i * n + i]).collect();
    eig.sort_by(f64::total_cmp);
    eig
}

/// CRC-32 (ISO-HDLC, the zlib one: reflected polynomial 0xEDB88320, initial and final
/// value 0xFFFFFFFF), bit by bit.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn reference_gradient_matches_its_own_central_differences() {
        // Every activation and loss pairing, on a point away from every kink.
        let hidden = [Act::Identity, Act::Sigmoid, Act::Tanh, Act::Relu, Act::LeakyRelu, Act::Softmax];
        let outs = [
            (Act::Identity, Cost::Mse),
            (Act::Tanh, Cost::Sse),
            (Act::Softmax, Cost::HalfSse),
            (Act::Sigmoid, Cost::Bce),
            (Act::Softmax, Cost::SoftmaxCe),
        ];
        for h in hidden {
            for (o, c) in outs {
                let shape = [(2, 3, h), (3, 2, o)];
                let params: Vec<f64> = (0..17).map(|i| ((i * 37 % 17) as f64 - 8.0) / 9.0).collect();
                let net = Net::from_flat(&shape, &params);
                let data = vec![(vec![0.3, -0.7], vec![0.2, 0.8]), (vec![-1.1, 0.4], vec![1.0, 0.0])];
                let (_, g) = net.mean_gradient(&data, c);
                let n = net.central_difference(&data, c, 1e-6);
                assert_all_close(&format!("{h:?}/{o:?}/{c:?}"), &g, &n, 1e-6, 1e-8);
            }
        }
    }

    #[test]
    fn eigenvalues_of_known_matrices() {
        let e = symmetric_eigenvalues(&[2.0, 1.0, 1.0, 4.0], 2);
        assert_all_close("eig", &e, &[3.0 - 2f64.sqrt(), 3.0 + 2f64.sqrt()], 1e-14, 0.0);
        // [[2, −1, 0], [−1, 2, −1], [0, −1, 2]]: 2 − √2, 2, 2 + √2.
        let e = symmetric_eigenvalues(&[2.0, -1.0, 0.0, -1.0, 2.0, -1.0, 0.0, -1.0, 2.0], 3);
        assert_all_close("eig", &e, &[2.0 - 2f64.sqrt(), 2.0, 2.0 + 2f64.sqrt()], 1e-14, 1e-15);
        // Diagonal with a negative entry.
        assert_eq!(symmetric_eigenvalues(&[3.0, 0.0, 0.0, -1.0], 2), [-1.0, 3.0]);
    }

    #[test]
    fn largest_eigenvalue_of_a_known_matrix() {
        // [[2, 1], [1, 4]]: 3 ± √2.
        let l = largest_eigenvalue(&[2.0, 1.0, 1.0, 4.0], 2);
        assert_close("λmax", l, 3.0 + 2f64.sqrt(), 1e-8, 0.0);
    }
}
