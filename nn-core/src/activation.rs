//! Activation functions, as a runtime enum and as zero-sized marker types for the
//! compile-time layers, with one forward and one backward kernel over slices.

use crate::math;

/// Slope of [`Activation::LeakyRelu`] for negative inputs.
pub const LEAKY_SLOPE: f32 = 0.01;

/// An activation function applied to a layer's pre-activations `z`.
///
/// Every derivative is computed from the activation's output `a`, so a backward pass
/// needs no copy of `z`: sigmoid `a(1 − a)`, tanh `1 − a²`, relu `1` where `a > 0`
/// (so relu'(0) = 0), leaky relu `1` where `a > 0` else [`LEAKY_SLOPE`], identity `1`,
/// step `0` (a threshold unit is trained by the perceptron rule, not by gradients).
/// Softmax is applied to the whole layer; its backward pass is the Jacobian-vector
/// product `a ⊙ (g − a·g)`, so it may sit anywhere, though it is meant for the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[repr(u8)]
pub enum Activation {
    /// `a = z`.
    Identity = 0,
    /// `a = 1 / (1 + e^{−z})`.
    Sigmoid = 1,
    /// `a = tanh z`.
    Tanh = 2,
    /// `a = max(z, 0)`.
    Relu = 3,
    /// `a = z` for `z > 0`, else `0.01 z`.
    LeakyRelu = 4,
    /// `a_i = e^{z_i} / Σ_j e^{z_j}`, computed from `z − max z`.
    Softmax = 5,
    /// `a = 1` for `z ≥ 0`, else `0` (the classic perceptron's threshold).
    Step = 6,
}

impl Activation {
    /// Every activation, in codec order.
    pub const ALL: [Activation; 7] = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Softmax,
        Activation::Step,
    ];

    /// The snake_case name used by the model files and the CLI.
    pub const fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Softmax => "softmax",
            Activation::Step => "step",
        }
    }

    /// Looks an activation up by its [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The activation with codec tag `tag`.
    pub(crate) fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.get(usize::from(tag)).copied()
    }

    /// Applies the activation in place: `z` in, `a` out.
    #[inline]
    pub fn forward(self, values: &mut [f32]) {
        match self {
            Activation::Identity => {}
            // Vectorised on the host, the same bits as `1 / (1 + e^{−z})` value by value.
            Activation::Sigmoid => math::sigmoid_in_place(values),
            Activation::Tanh => values.iter_mut().for_each(|v| *v = math::tanh(*v)),
            Activation::Relu => values.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 }),
            Activation::LeakyRelu => values.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { LEAKY_SLOPE * *v }),
            Activation::Softmax => softmax(values),
            Activation::Step => values.iter_mut().for_each(|v| *v = if *v >= 0.0 { 1.0 } else { 0.0 }),
        }
    }

    /// Turns `∂L/∂a` into `∂L/∂z` in place, given the layer's outputs `a`.
    #[inline]
    pub fn backward(self, a: &[f32], grad: &mut [f32]) {
        let each = |f: fn(f32) -> f32, grad: &mut [f32]| {
            grad.iter_mut().zip(a).for_each(|(g, &a)| *g *= f(a));
        };
        match self {
            Activation::Identity => {}
            Activation::Sigmoid => each(|a| a * (1.0 - a), grad),
            Activation::Tanh => each(|a| 1.0 - a * a, grad),
            Activation::Relu => each(|a| if a > 0.0 { 1.0 } else { 0.0 }, grad),
            Activation::LeakyRelu => each(|a| if a > 0.0 { 1.0 } else { LEAKY_SLOPE }, grad),
            Activation::Step => each(|_| 0.0, grad),
            Activation::Softmax => {
                let inner = math::dot(a, grad);
                grad.iter_mut().zip(a).for_each(|(g, &a)| *g = a * (*g - inner));
            }
        }
    }
}

/// Softmax in place, stable for any finite input: `e^{z − max z}` normalised.
fn softmax(values: &mut [f32]) {
    let max = math::largest(values);
    let mut total = -0.0f32;
    for v in values.iter_mut() {
        *v = math::exp(*v - max);
        total += *v;
    }
    values.iter_mut().for_each(|v| *v /= total);
}

/// Compile-time activation markers for [`crate::Dense`].
pub trait ActivationFn: Copy + Default + 'static {
    /// The runtime activation this marker stands for.
    const KIND: Activation;
    /// The marker value (usable in `const fn`s, unlike `Default::default`).
    const MARKER: Self;
}

/// One zero-sized marker per activation, named as its [`Activation`] variant.
macro_rules! marker {
    ($($name:ident),*) => {$(
        #[doc = concat!("Marker for [`Activation::", stringify!($name), "`].")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;
        impl ActivationFn for $name {
            const KIND: Activation = Activation::$name;
            const MARKER: Self = $name;
        }
    )*};
}

marker!(Identity, Sigmoid, Tanh, Relu, LeakyRelu, Softmax, Step);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(Activation::from_name(a.name()), Some(a));
            assert_eq!(Activation::from_tag(a as u8), Some(a));
        }
        assert_eq!(Activation::from_name("gelu"), None);
        assert_eq!(Activation::from_tag(7), None);
    }

    #[test]
    fn relu_derivative_at_zero_is_zero() {
        let mut g = [1.0f32; 3];
        Activation::Relu.backward(&[0.0, 2.0, 0.0], &mut g);
        assert_eq!(g, [0.0, 1.0, 0.0]);
    }

    #[test]
    fn softmax_is_stable_and_normalised() {
        let mut v = [1000.0f32, 1000.0, -1000.0];
        softmax(&mut v);
        assert_eq!(v, [0.5, 0.5, 0.0]);
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        let mut v = [-200.0f32, 200.0, 0.0];
        Activation::Sigmoid.forward(&mut v);
        assert_eq!(v, [0.0, 1.0, 0.5]);
    }
}
