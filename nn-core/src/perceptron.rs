//! The documents' single units: the linear unit `y = w·x + b` trained by gradient
//! descent, and the classic threshold perceptron with its learning rule.

use crate::activation::{Identity, Step};
use crate::error::{Error, Hyperparameter};
use crate::math::dot;
use crate::model::Dense;

/// The linear unit `y = w·x + b`: a one-layer network, trained like any other (with
/// [`crate::sgd_step`] and [`crate::Loss::Sse`] for the documents' `(ŷ − y)²`).
pub type LinearUnit<const N: usize> = (Dense<N, 1, Identity>,);

/// The threshold perceptron `y = step(w·x + b)`.
pub type Perceptron<const N: usize> = (Dense<N, 1, Step>,);

/// Rosenblatt's rule for one sample: `y = step(w·x + b)`, then `w += η (t − y) x` and
/// `b += η (t − y)`. Returns `t − y` (zero when the sample was already right).
///
/// ```
/// use nn_core::perceptron::{perceptron_rule, Perceptron};
/// let mut p: Perceptron<2> = Default::default();
/// let and = [([0.0, 0.0], 0.0), ([0.0, 1.0], 0.0), ([1.0, 0.0], 0.0), ([1.0, 1.0], 1.0)];
/// for _ in 0..10 {
///     for (x, t) in &and {
///         perceptron_rule(&mut p.0.weights[0], &mut p.0.biases[0], x, *t, 0.1).unwrap();
///     }
/// }
/// for (x, t) in &and {
///     assert_eq!(perceptron_rule(&mut p.0.weights[0], &mut p.0.biases[0], x, *t, 0.1), Ok(0.0));
/// }
/// ```
pub fn perceptron_rule(weights: &mut [f32], bias: &mut f32, x: &[f32], target: f32, lr: f32) -> Result<f32, Error> {
    if x.len() != weights.len() {
        return Err(Error::InputLength { expected: weights.len(), found: x.len() });
    }
    if !(lr > 0.0 && lr.is_finite()) {
        return Err(Error::Hyperparameter(Hyperparameter::LearningRate));
    }
    let y = if dot(weights, x) + *bias >= 0.0 { 1.0 } else { 0.0 };
    let error = target - y;
    if !error.is_finite() {
        return Err(Error::NonFinite);
    }
    if error != 0.0 {
        weights.iter_mut().zip(x).for_each(|(w, &xi)| *w += lr * error * xi);
        *bias += lr * error;
    }
    Ok(error)
}
