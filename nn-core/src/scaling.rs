//! Input scaling: the stage in front of a network's first layer that standardises each
//! input, `x'ᵢ = (xᵢ − meanᵢ) / scaleᵢ`.
//!
//! # One rounding per input, after the subtraction
//! The stage divides by the stored scale rather than multiplying by a stored reciprocal:
//! `(x − m) / s` rounds the difference once and the quotient once, each correctly (IEEE
//! 754), and the stored `scale` is exactly the value the model file holds. A stored
//! reciprocal `r = 1/s` would add a rounding of its own (`fl(1/s)` is not `1/s`), so
//! `(x − m)·r` can differ from `(x − m)/s` in the last bit. The division costs one
//! `vdiv.f32` per input on a Cortex-M4F (a software routine on an M0): small beside the
//! first layer's `inputs × outputs` multiply-adds. scikit-learn's `StandardScaler`
//! transforms with the same two operations.
//!
//! # Zero variance
//! An input that does not vary in the training data has a standard deviation of 0;
//! [`guarded_scale`] makes its scale 1 (as scikit-learn does), so the stage subtracts the
//! mean and divides by nothing, never by 0, and no NaN appears.
//!
//! ```
//! use nn_core::scaling::InputScaling;
//! let scaling = InputScaling::new([5.0, 0.0], [2.0, 1.0]).unwrap();
//! let mut out = [0.0; 2];
//! scaling.apply(&[9.0, -3.0], &mut out);
//! assert_eq!(out, [2.0, -3.0]);
//! assert!(InputScaling::new([0.0], [0.0]).is_err());
//! ```

use crate::error::{Error, Part};

/// Per-input `mean` and `scale` over any storage: arrays on the device
/// (`InputScaling<[f32; N]>`), a `Vec` on the host, or borrowed slices (the view every
/// kernel sees, [`InputScaling::view`]).
///
/// Every mean is finite, every scale finite and positive, and both have the same length:
/// [`InputScaling::new`] checks it and no other constructor exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputScaling<P> {
    mean: P,
    scale: P,
}

impl<P: AsRef<[f32]>> InputScaling<P> {
    /// The stage `(x − mean) / scale`, checked: [`Error::Shape`] (part
    /// [`Part::Scaling`]) when the lengths differ, [`Error::Scaling`] naming the first
    /// input whose mean is not finite or whose scale is not finite and positive.
    pub fn new(mean: P, scale: P) -> Result<Self, Error> {
        let (m, s) = (mean.as_ref(), scale.as_ref());
        if m.len() != s.len() {
            return Err(Error::Shape { layer: 0, part: Part::Scaling, expected: m.len(), found: s.len() });
        }
        if let Some(input) = m.iter().zip(s).position(|(&m, &s)| !(m.is_finite() && s.is_finite() && s > 0.0)) {
            return Err(Error::Scaling { input });
        }
        Ok(InputScaling { mean, scale })
    }

    /// Number of inputs the stage scales.
    pub fn len(&self) -> usize {
        self.mean.as_ref().len()
    }

    /// Whether the stage scales no input.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The means subtracted.
    pub fn mean(&self) -> &[f32] {
        self.mean.as_ref()
    }

    /// The scales divided by.
    pub fn scale(&self) -> &[f32] {
        self.scale.as_ref()
    }

    /// The same stage over borrowed slices.
    pub fn view(&self) -> InputScaling<&[f32]> {
        InputScaling { mean: self.mean.as_ref(), scale: self.scale.as_ref() }
    }

    /// `out[i] = (input[i] − mean[i]) / scale[i]` for every `i` that all three have
    /// (the kernels pass slices of the stage's length).
    #[inline]
    pub fn apply(&self, input: &[f32], out: &mut [f32]) {
        let stage = self.mean.as_ref().iter().zip(self.scale.as_ref());
        for (o, (&x, (&m, &s))) in out.iter_mut().zip(input.iter().zip(stage)) {
            *o = (x - m) / s;
        }
    }
}

impl<const N: usize> InputScaling<[f32; N]> {
    /// The stage that changes nothing: mean 0, scale 1 (`(x − 0) / 1 = x` exactly).
    pub const IDENTITY: Self = InputScaling { mean: [0.0; N], scale: [1.0; N] };
}

impl<const N: usize> Default for InputScaling<[f32; N]> {
    fn default() -> Self {
        Self::IDENTITY
    }
}

/// The scale of an input whose training values have standard deviation `sd`: `sd`
/// itself, or 1 when `sd` is not a positive normal number (a constant input's 0, a
/// subnormal whose division would overflow, a NaN from an empty column), so the stage
/// never divides by 0.
///
/// ```
/// use nn_core::scaling::guarded_scale;
/// assert_eq!(guarded_scale(2.5), 2.5);
/// assert_eq!(guarded_scale(0.0), 1.0);
/// assert_eq!(guarded_scale(f32::MIN_POSITIVE / 2.0), 1.0);
/// assert_eq!(guarded_scale(f32::NAN), 1.0);
/// ```
pub fn guarded_scale(sd: f32) -> f32 {
    if sd.is_normal() && sd > 0.0 && sd.is_finite() {
        sd
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_subtracts_then_divides_with_one_rounding_each() {
        let s = InputScaling::new([0.1f32, -3.0, 0.0], [3.0f32, 0.7, 1.0]).unwrap();
        let x = [1.0f32, 2.5, -4.25];
        let mut out = [0.0; 3];
        s.apply(&x, &mut out);
        for i in 0..3 {
            // The float64 reference of the same two operations, rounded once at the end
            // of each, is the same number.
            let diff = (f64::from(x[i]) - f64::from(s.mean()[i])) as f32;
            assert_eq!(out[i], (f64::from(diff) / f64::from(s.scale()[i])) as f32, "input {i}");
        }
        // A stored reciprocal would not always give these bits: 1/3 rounds.
        let third = InputScaling::new([0.0f32], [3.0f32]).unwrap();
        let mut y = [0.0];
        third.apply(&[7.0], &mut y);
        assert_eq!(y[0], (7.0f64 / 3.0) as f32);
        assert_ne!(y[0], 7.0f32 * (1.0 / 3.0f32));
    }

    #[test]
    fn the_identity_changes_nothing() {
        let x = [1.5f32, -0.0, f32::MAX];
        let mut out = [9.0; 3];
        InputScaling::<[f32; 3]>::IDENTITY.apply(&x, &mut out);
        assert_eq!(out.map(f32::to_bits), x.map(f32::to_bits));
    }

    #[test]
    fn bad_stages_are_refused() {
        assert_eq!(
            InputScaling::new(&[0.0f32, 1.0][..], &[1.0f32][..]),
            Err(Error::Shape { layer: 0, part: Part::Scaling, expected: 2, found: 1 })
        );
        for (mean, scale) in [(f32::NAN, 1.0), (f32::INFINITY, 1.0), (0.0, 0.0), (0.0, -1.0), (0.0, f32::INFINITY)] {
            assert_eq!(InputScaling::new([0.0, mean], [1.0, scale]), Err(Error::Scaling { input: 1 }));
        }
    }
}
