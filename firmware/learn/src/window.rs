//! Sensor windows and their features: a window of [`WINDOW`] three-axis samples in
//! milli-g becomes a fixed-size [`Features`] vector (per-axis mean and standard
//! deviation, in g), after a quality check that refuses windows a working
//! accelerometer cannot produce ([`WindowFault`]).
//!
//! Every step is deterministic: features are computed from exact integer sums and one
//! correctly rounded square root, so the host and a Cortex-M (with or without FPU)
//! produce the same bits.

use crate::features::{FeatureSet, Quality};
use crate::sensor::Scale;

/// Samples per second the firmware reads from the accelerometer.
pub const SAMPLE_RATE_HZ: u32 = 50;
/// Samples in one window (0.64 s at [`SAMPLE_RATE_HZ`]).
pub const WINDOW: usize = 32;
/// Length of a feature vector: mean and standard deviation of each axis.
pub const FEATURES: usize = 6;
/// Largest sample, in milli-g, of the LSM303AGR at ±4 g and 12 bits (2 mg per digit);
/// the smallest is `-FULL_SCALE_MG - 2` (−4096).
pub const FULL_SCALE_MG: i16 = 4094;

/// One accelerometer reading: x, y, z in milli-g.
pub type Sample = [i16; 3];
/// A window of consecutive samples.
pub type Window = [Sample; WINDOW];
/// The feature vector of one window.
pub type Features = [f32; FEATURES];

/// Per-axis mean and standard deviation of a window, in g:
/// `[mean_x, mean_y, mean_z, std_x, std_y, std_z]`.
///
/// Sums are exact integers; the only rounding is one conversion to `f32`, one division
/// and one `sqrtf` per value, all correctly rounded, so every target gives the same bits.
/// Every value is finite for every window: `|Σx| ≤ 2²⁰` and `n²·variance < 2⁴⁰`, far
/// inside `f32`'s range. [`checked_features`] adds the quality check.
///
/// # Examples
/// ```
/// use nn_learn::window::{features, WINDOW};
/// let window = [[0, 0, 1000]; WINDOW];
/// assert_eq!(features(&window), [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
/// ```
pub fn features(window: &Window) -> Features {
    // The gesture demo is one configuration of the generic features: 3 axes, 32 samples,
    // mean and standard deviation, counts in milli-g. The set and the width agree, so the
    // generic function cannot refuse; its arithmetic is exactly the above.
    crate::features::features(&widen(window), Scale::MILLI_G_AS_G, FeatureSet::GESTURE).unwrap_or([f32::NAN; FEATURES])
}

/// The window as the generic code's `i32` counts.
fn widen(window: &Window) -> [[i32; 3]; WINDOW] {
    window.map(|s| s.map(i32::from))
}

/// The gesture demo's quality check: the LSM303AGR's rails at ±4 g, [`SATURATED_MIN`]
/// samples at a rail, and stuck windows refused.
pub const QUALITY: Quality = Quality {
    rail_low: -(FULL_SCALE_MG as i32) - 2,
    rail_high: FULL_SCALE_MG as i32,
    saturated_min: SATURATED_MIN,
    refuse_stuck: true,
};

/// Samples of a window that may sit at a full-scale rail before the window is
/// [`WindowFault::Saturated`]: half of the window.
///
/// A hard shake may clip its peaks at ±4 g for a few samples per cycle, and such a window
/// still says "shake" through its spread; a window that spends half its time or more at
/// the rail says only what the rail is (a shock, a sensor reporting its limit, a wrong
/// full scale), not how the board moved. The gesture simulator never comes near the rail
/// (its strongest shake stays under 2.5 g).
pub const SATURATED_MIN: usize = WINDOW / 2;

/// Why a window is unfit to train on or to classify (the generic
/// [`crate::features::WindowFault`]).
pub use crate::features::WindowFault;

/// Checks that `window` looks like a working accelerometer: not [stuck](WindowFault::Stuck),
/// not [saturated](WindowFault::Saturated).
///
/// # Examples
/// ```
/// use nn_learn::window::{check_window, WindowFault, WINDOW};
/// let mut window = [[0, 0, 1000]; WINDOW];
/// assert_eq!(check_window(&window), Err(WindowFault::Stuck));
/// window[5][0] = 2; // one step of noise is enough
/// assert_eq!(check_window(&window), Ok(()));
/// ```
pub fn check_window(window: &Window) -> Result<(), WindowFault> {
    crate::features::check(&widen(window), &QUALITY)
}

/// [`features`] of a window that passes [`check_window`], every value checked finite:
/// the only way the firmware turns a window into something it learns from or predicts on.
///
/// # Examples
/// ```
/// use nn_learn::window::{checked_features, WindowFault, WINDOW};
/// assert_eq!(checked_features(&[[40, 0, 980]; WINDOW]), Err(WindowFault::Stuck));
/// let mut shaky = [[0, 0, 1000]; WINDOW];
/// shaky.iter_mut().step_by(2).for_each(|s| s[0] = 4094);
/// assert_eq!(checked_features(&shaky), Err(WindowFault::Saturated));
/// ```
pub fn checked_features(window: &Window) -> Result<Features, WindowFault> {
    check_window(window)?;
    let f = features(window);
    if f.iter().all(|v| v.is_finite()) {
        Ok(f)
    } else {
        Err(WindowFault::NonFinite)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    #[test]
    fn features_of_constant_window() {
        let w = [[100, -250, 980]; WINDOW];
        let f = features(&w);
        assert_eq!(f, [0.1, -0.25, 0.98, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn features_of_alternating_window() {
        // x alternates ±500 mg: mean 0, standard deviation exactly 0.5 g.
        let mut w = [[0, 0, 1000]; WINDOW];
        for (i, s) in w.iter_mut().enumerate() {
            s[0] = if i % 2 == 0 { 500 } else { -500 };
        }
        let f = features(&w);
        assert_eq!(f[0], 0.0);
        assert_eq!(f[3], 0.5);
        assert_eq!(f[2], 1.0);
        assert_eq!(f[5], 0.0);
    }

    /// (window, expected check) pairs at the thresholds.
    fn threshold_cases() -> [(Window, Result<(), WindowFault>); 7] {
        let flat = [[10, -20, 1000]; WINDOW];
        let mut one_step = flat;
        one_step[WINDOW - 1][2] = 1002;
        let railed = |n: usize, value: i16| {
            let mut w = one_step;
            w.iter_mut().take(n).for_each(|s| s[1] = value);
            w
        };
        [
            (flat, Err(WindowFault::Stuck)),
            (one_step, Ok(())),
            (railed(SATURATED_MIN - 1, FULL_SCALE_MG), Ok(())),
            (railed(SATURATED_MIN, FULL_SCALE_MG), Err(WindowFault::Saturated)),
            (railed(SATURATED_MIN, -FULL_SCALE_MG - 2), Err(WindowFault::Saturated)),
            (railed(SATURATED_MIN, FULL_SCALE_MG - 2), Ok(())),
            // Beyond the rail (a wrong full scale) counts as at the rail.
            (railed(WINDOW - 1, i16::MAX), Err(WindowFault::Saturated)),
        ]
    }

    #[test]
    fn window_check_thresholds() {
        for (i, (w, expected)) in threshold_cases().iter().enumerate() {
            assert_eq!(check_window(w), *expected, "case {i}");
            assert_eq!(checked_features(w).map(|_| ()), *expected, "case {i}");
        }
        // Pinned to the rail is reported as saturated.
        assert_eq!(check_window(&[[FULL_SCALE_MG; 3]; WINDOW]), Err(WindowFault::Saturated));
    }

    #[test]
    fn features_are_finite_at_the_extremes() {
        let mut alternating = [[i16::MIN; 3]; WINDOW];
        alternating.iter_mut().step_by(2).for_each(|s| *s = [i16::MAX; 3]);
        for w in [[[i16::MIN; 3]; WINDOW], [[i16::MAX; 3]; WINDOW], alternating] {
            assert!(features(&w).iter().all(|v| v.is_finite()), "{:?}", features(&w));
        }
        let f = features(&alternating);
        assert_eq!(f[3], 32.7675); // (32767 + 32768) / 2 milli-g, in g
    }

    proptest::proptest! {
        #[test]
        fn features_are_always_finite(w in proptest::array::uniform32(proptest::array::uniform3(proptest::num::i16::ANY))) {
            proptest::prop_assert!(features(&w).iter().all(|v| v.is_finite()));
            if let Ok(f) = checked_features(&w) {
                proptest::prop_assert_eq!(f, features(&w));
            }
        }
    }
}
