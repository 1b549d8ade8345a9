//! Loss functions: the value for one sample, and `∂L/∂z` of the output layer.
//!
//! A batch's loss is the mean of its samples' losses, and its gradient the mean of
//! theirs (see [`crate::train`]).

use crate::activation::Activation;
use crate::math::{self, sum_map};

/// A per-sample loss over the output layer's outputs `o` and targets `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Loss {
    /// Mean over the outputs of `(o − t)²`.
    Mse,
    /// `Σ (o − t)²`.
    Sse,
    /// `½ Σ (o − t)²`: the documents' `E` and the usual backprop convention.
    HalfSse,
    /// Mean over the outputs of `−(t ln p + (1 − t) ln(1 − p))`, for a sigmoid output
    /// layer, computed from the pre-activation `z` as `max(z, 0) − z t + ln(1 + e^{−|z|})`.
    Bce,
    /// `−Σ t ln softmax(z)`, for a softmax output layer, computed as
    /// `Σ t (logsumexp(z) − z)`. Targets may be one-hot or any probabilities.
    SoftmaxCe,
}

impl Loss {
    /// Every loss.
    pub const ALL: [Loss; 5] = [Loss::Mse, Loss::Sse, Loss::HalfSse, Loss::Bce, Loss::SoftmaxCe];

    /// The snake_case name used by the CLI.
    pub const fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Sse => "sse",
            Loss::HalfSse => "half_sse",
            Loss::Bce => "bce",
            Loss::SoftmaxCe => "softmax_ce",
        }
    }

    /// Looks a loss up by its [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The output activation this loss is defined for, if it needs one.
    pub const fn required_activation(self) -> Option<Activation> {
        match self {
            Loss::Bce => Some(Activation::Sigmoid),
            Loss::SoftmaxCe => Some(Activation::Softmax),
            _ => None,
        }
    }

    /// Whether this loss can follow an output layer with `activation`.
    pub fn accepts(self, activation: Activation) -> bool {
        self.required_activation().is_none_or(|a| a == activation)
    }

    /// The loss of one sample, from the output layer's pre-activations `z`, its outputs
    /// `o` and the targets `t` (all the same length).
    pub fn value(self, z: &[f32], o: &[f32], t: &[f32]) -> f32 {
        let n = o.len().min(t.len()).min(z.len());
        match self {
            Loss::Mse => squared_error(n, o, t) / n as f32,
            Loss::Sse => squared_error(n, o, t),
            Loss::HalfSse => half_sse(z, o, t),
            Loss::Bce => {
                let term = |i: usize| {
                    let z = at(z, i);
                    let relu = if z > 0.0 { z } else { 0.0 };
                    relu - z * at(t, i) + math::ln_1p(math::exp(-z.abs()))
                };
                sum_map(n, term) / n as f32
            }
            Loss::SoftmaxCe => {
                let lse = log_sum_exp(z.get(..n).unwrap_or(z));
                sum_map(n, |i| at(t, i) * (lse - at(z, i)))
            }
        }
    }

    /// Writes `∂L/∂z` of the output layer into `delta`, for an output layer with
    /// `activation`, outputs `o` and targets `t`.
    ///
    /// The caller has checked [`accepts`](Self::accepts).
    pub fn delta(self, activation: Activation, o: &[f32], t: &[f32], delta: &mut [f32]) {
        let n = o.len();
        let diff = |scale: f32, delta: &mut [f32]| {
            for ((d, &o), &t) in delta.iter_mut().zip(o).zip(t) {
                *d = (o - t) * scale;
            }
        };
        match self {
            Loss::Mse => diff(2.0 / n as f32, delta),
            Loss::Sse => diff(2.0, delta),
            Loss::HalfSse => diff(1.0, delta),
            // σ'(z) cancels against the loss's 1/(p(1 − p)): ∂L/∂z = (p − t)/n.
            Loss::Bce => {
                diff(1.0 / n as f32, delta);
                return;
            }
            // ∂L/∂z_k = p_k Σ t − t_k, which is p − t for targets that sum to one.
            Loss::SoftmaxCe => {
                let total = sum_map(t.len().min(n), |i| t.get(i).copied().unwrap_or(0.0));
                for ((d, &p), &t) in delta.iter_mut().zip(o).zip(t) {
                    *d = p * total - t;
                }
                return;
            }
        }
        activation.backward(o, delta);
    }
}

/// `x[i]`, or 0 past the end: `get` rather than `[]` gives the same values for the
/// indices the losses use (`i < n`) and leaves no panic path for the optimiser to prove
/// away (firmware/nopanic checks that none is left).
#[inline(always)]
fn at(x: &[f32], i: usize) -> f32 {
    x.get(i).copied().unwrap_or(0.0)
}

/// `Σ (o − t)²` over the first `n` values, in [`sum_map`]'s order.
#[inline(always)]
fn squared_error(n: usize, o: &[f32], t: &[f32]) -> f32 {
    sum_map(n, |i| {
        let d = at(o, i) - at(t, i);
        d * d
    })
}

/// [`Loss::HalfSse`]'s value, `½ Σ (o − t)²`: also inlined into the training step.
#[inline(always)]
pub(crate) fn half_sse(z: &[f32], o: &[f32], t: &[f32]) -> f32 {
    0.5 * squared_error(o.len().min(t.len()).min(z.len()), o, t)
}

/// `ln Σ e^{z_i}`, computed as `max + ln Σ e^{z_i − max}`.
fn log_sum_exp(z: &[f32]) -> f32 {
    let max = math::largest(z);
    max + math::ln(sum_map(z.len(), |i| math::exp(z[i] - max)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let names = Loss::ALL.map(Loss::name);
        assert_eq!(names, ["mse", "sse", "half_sse", "bce", "softmax_ce"]);
        assert_eq!(names.map(Loss::from_name), Loss::ALL.map(Some));
        assert_eq!(Loss::from_name("hinge"), None);
    }

    #[test]
    fn bce_is_finite_far_from_zero() {
        // p = σ(±100) rounds to 0 or 1 in f32; the loss from z stays finite and exact.
        let v = Loss::Bce.value(&[100.0], &[1.0], &[0.0]);
        assert_eq!(v, 100.0);
        let v = Loss::Bce.value(&[-100.0], &[0.0], &[0.0]);
        assert!((0.0..1e-30).contains(&v));
    }

    #[test]
    fn softmax_ce_of_a_uniform_output() {
        let z = [0.0f32; 4];
        let v = Loss::SoftmaxCe.value(&z, &[0.25; 4], &[0.0, 1.0, 0.0, 0.0]);
        assert!((v - libm::logf(4.0)).abs() <= f32::EPSILON * 2.0);
    }

    #[test]
    fn losses_that_need_an_activation_say_so() {
        assert!(Loss::Bce.accepts(Activation::Sigmoid));
        assert!(!Loss::Bce.accepts(Activation::Softmax));
        assert!(!Loss::SoftmaxCe.accepts(Activation::Sigmoid));
        assert!(Loss::Mse.accepts(Activation::Step));
    }
}
