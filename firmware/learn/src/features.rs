//! Features of a window of any sensor: a [`FeatureSet`] chosen at compile time (a bit
//! set, `const`), computed from a window of `LEN` samples of `AXES` axes, raw integer
//! counts ([`features`]) or `f32` ([`features_f32`]), and the window quality check
//! ([`check`], [`Quality`]) that keeps stuck and saturated windows out of training.
//!
//! # Layout
//!
//! Feature kinds in the order of [`FeatureSet::KINDS`] (mean, std, min, max, mean absolute
//! difference, RMS, mean crossings), each for every axis in turn, then, when
//! [`FeatureSet::MAGNITUDE`] is in the set, the same kinds of the magnitude
//! `√(Σ axis²)` of each sample. [`FeatureSet::len`] is a `const fn`, so a network's input
//! width is written `const F: usize = MY_SET.len(AXES);`. The gesture demo's set,
//! [`FeatureSet::GESTURE`], gives `[mean_x, mean_y, mean_z, std_x, std_y, std_z]`.
//!
//! # Same bits on every target
//!
//! For integer counts every per-axis sum is exact (`i64`, and `i128` for sums of
//! squares), and each feature is then one conversion to `f32` and at most one division
//! and one `sqrtf` (libm's, correctly rounded): no operation depends on the target, so
//! the host, a Cortex-M4F and a Cortex-M0 (soft float) give the same bits. The magnitude
//! of a sample is `sqrtf` of its exact integer sum of squares; its features, like those of
//! `f32` samples, are `f32` sums in sample order, one rounding per operation (Rust never
//! fuses a multiply and an add on its own).
//!
//! | kind | value (`n = LEN`, `c` = counts per unit) | rounding |
//! |---|---|---|
//! | mean | `Σx / (n·c)` | conversion, division |
//! | std (population) | `√(n·Σx² − (Σx)²) / (n·c)` | conversion, sqrt, division |
//! | min, max | `x / c` | conversion, division |
//! | mean absolute difference | `Σ|xᵢ₊₁ − xᵢ| / ((n − 1)·c)`, 0 for `n = 1` | conversion, division |
//! | RMS | `√(n·Σx²) / (n·c)` | conversion, sqrt, division |
//! | mean crossings | sign changes of `n·xᵢ − Σx` over `n − 1` steps (a rate, no unit) | division |
//!
//! # Cost
//!
//! Per axis and sample: mean is one add; std and RMS share one 64×64→128-bit square and
//! a 128-bit add; min/max two compares; the mean absolute difference a subtract, an
//! absolute value and an add; mean crossings a 128-bit multiply-subtract and a compare,
//! in a second pass. Per feature value: one `f32` division (14 cycles on a Cortex-M4F, a
//! soft-float call on an M0) and one `sqrtf` for std and RMS. The magnitude adds one
//! `sqrtf` per sample and a pass of `f32` sums. Only the kinds in the set are computed.
//! Flash and instruction figures per kind are measured with `firmware/bench` (see
//! `docs/firmware.md`); they are not in this crate's tests, which check values.

use core::fmt;

use crate::sensor::Scale;

/// Which features to compute: a bit set of the [`KINDS`](Self::KINDS) plus
/// [`MAGNITUDE`](Self::MAGNITUDE), `const`-constructible.
///
/// ```
/// use nn_learn::features::FeatureSet;
/// const SET: FeatureSet = FeatureSet::MEAN.with(FeatureSet::STD).with(FeatureSet::MAGNITUDE);
/// const F: usize = SET.len(3); // (3 axes + magnitude) × 2 kinds
/// assert_eq!(F, 8);
/// assert_eq!(FeatureSet::GESTURE.len(3), 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FeatureSet(u8);

impl FeatureSet {
    /// No feature.
    pub const EMPTY: FeatureSet = FeatureSet(0);
    /// Per-axis mean.
    pub const MEAN: FeatureSet = FeatureSet(1);
    /// Per-axis population standard deviation.
    pub const STD: FeatureSet = FeatureSet(1 << 1);
    /// Per-axis minimum.
    pub const MIN: FeatureSet = FeatureSet(1 << 2);
    /// Per-axis maximum.
    pub const MAX: FeatureSet = FeatureSet(1 << 3);
    /// Per-axis mean absolute difference of consecutive samples.
    pub const MEAN_ABS_DIFF: FeatureSet = FeatureSet(1 << 4);
    /// Per-axis root mean square.
    pub const RMS: FeatureSet = FeatureSet(1 << 5);
    /// Per-axis rate of crossings of the window's mean.
    pub const MEAN_CROSSINGS: FeatureSet = FeatureSet(1 << 6);
    /// Also compute the set's kinds for the magnitude across axes.
    pub const MAGNITUDE: FeatureSet = FeatureSet(1 << 7);

    /// The kinds in layout order.
    pub const KINDS: [FeatureSet; 7] =
        [Self::MEAN, Self::STD, Self::MIN, Self::MAX, Self::MEAN_ABS_DIFF, Self::RMS, Self::MEAN_CROSSINGS];
    /// The gesture demo's features: per-axis mean and standard deviation.
    pub const GESTURE: FeatureSet = Self::MEAN.with(Self::STD);
    /// The replay default for an unknown recording: mean, std, min, max and mean
    /// absolute difference, per axis and of the magnitude.
    pub const GENERAL: FeatureSet =
        Self::GESTURE.with(Self::MIN).with(Self::MAX).with(Self::MEAN_ABS_DIFF).with(Self::MAGNITUDE);

    /// This set and `other`.
    pub const fn with(self, other: FeatureSet) -> FeatureSet {
        FeatureSet(self.0 | other.0)
    }

    /// Whether every bit of `other` is in this set.
    pub const fn contains(self, other: FeatureSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// Number of kinds (magnitude not counted).
    pub const fn kinds(self) -> usize {
        (self.0 & 0x7f).count_ones() as usize
    }

    /// Channels the kinds are computed for: the axes, plus one for the magnitude.
    pub const fn channels(self, axes: usize) -> usize {
        axes + if self.contains(Self::MAGNITUDE) { 1 } else { 0 }
    }

    /// Length of the feature vector for `axes` axes.
    pub const fn len(self, axes: usize) -> usize {
        self.kinds() * self.channels(axes)
    }

    /// True when no kind is selected.
    pub const fn is_empty(self) -> bool {
        self.kinds() == 0
    }
}

/// Why a window gives no features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum WindowFault {
    /// Every sample is identical on all three axes: the output registers stopped
    /// updating. A powered accelerometer is never that quiet: its noise at rest is a few
    /// milli-g, more than the 2 mg step, so 96 identical readings do not happen.
    Stuck,
    /// Too many samples have an axis at (or beyond) a full-scale rail
    /// ([`Quality::saturated_min`]).
    Saturated,
    /// A feature came out non-finite. For integer counts this cannot happen (the sums
    /// are exact and bounded); the check makes the guarantee not depend on that argument.
    NonFinite,
    /// The feature vector's length is not the set's length for these axes.
    Width {
        /// `set.len(AXES)`.
        expected: usize,
        /// The length asked for.
        found: usize,
    },
    /// The [`Scale`] is not positive and finite, or the window is empty.
    Scale,
}

impl fmt::Display for WindowFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowFault::Stuck => f.write_str("stuck (every sample identical)"),
            WindowFault::Saturated => f.write_str("saturated (half the window at full scale)"),
            WindowFault::NonFinite => f.write_str("non-finite features"),
            WindowFault::Width { expected, found } => {
                write!(f, "the feature set has {expected} values, the vector {found}")
            }
            WindowFault::Scale => f.write_str("the scale is not positive and finite, or the window is empty"),
        }
    }
}

impl core::error::Error for WindowFault {}

/// What a working sensor cannot produce: a window pinned to its rails, or one that does
/// not change at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Quality {
    /// The lowest count the sensor reports (its negative rail).
    pub rail_low: i32,
    /// The highest count the sensor reports (its positive rail).
    pub rail_high: i32,
    /// Samples with an axis at a rail that make the window [`WindowFault::Saturated`].
    pub saturated_min: usize,
    /// Refuse windows whose samples are all identical ([`WindowFault::Stuck`]).
    pub refuse_stuck: bool,
}

impl Quality {
    /// No check at all (for recordings that were checked when they were made).
    pub const NONE: Quality =
        Quality { rail_low: i32::MIN, rail_high: i32::MAX, saturated_min: usize::MAX, refuse_stuck: false };

    /// Refuse stuck windows and windows with half or more of `len` samples at a rail.
    pub const fn rails(rail_low: i32, rail_high: i32, len: usize) -> Quality {
        Quality { rail_low, rail_high, saturated_min: len / 2, refuse_stuck: true }
    }
}

/// Checks a window against `quality`: saturation first (a window pinned to a rail is also
/// constant, and "saturated" says more about it), then stuck.
///
/// ```
/// use nn_learn::features::{check, Quality, WindowFault};
/// let q = Quality::rails(-100, 100, 4);
/// assert_eq!(check(&[[5, 1]; 4], &q), Err(WindowFault::Stuck));
/// assert_eq!(check(&[[100, 1], [100, 2], [0, 1], [0, 1]], &q), Err(WindowFault::Saturated));
/// assert_eq!(check(&[[99, 1], [100, 2], [0, 1], [0, 1]], &q), Ok(()));
/// ```
pub fn check<const AXES: usize>(window: &[[i32; AXES]], quality: &Quality) -> Result<(), WindowFault> {
    let at_rail = |v: i32| v >= quality.rail_high || v <= quality.rail_low;
    let railed = window.iter().filter(|s| s.iter().any(|&v| at_rail(v))).count();
    if railed >= quality.saturated_min {
        return Err(WindowFault::Saturated);
    }
    if quality.refuse_stuck {
        if let Some(first) = window.first() {
            if window.iter().all(|s| s == first) {
                return Err(WindowFault::Stuck);
            }
        }
    }
    Ok(())
}

/// Exact integer statistics of one axis of a window.
#[derive(Debug, Clone, Copy)]
struct IntStats {
    sum: i64,
    sum_sq: i128,
    min: i32,
    max: i32,
    abs_diff: i64,
    crossings: u32,
}

fn int_stats<const AXES: usize>(window: &[[i32; AXES]], axis: usize, need_crossings: bool) -> IntStats {
    let value = |s: &[i32; AXES]| s.get(axis).copied().unwrap_or(0);
    let mut st = IntStats { sum: 0, sum_sq: 0, min: i32::MAX, max: i32::MIN, abs_diff: 0, crossings: 0 };
    let mut previous: Option<i32> = None;
    for s in window {
        let v = value(s);
        st.sum += i64::from(v);
        st.sum_sq += i128::from(i64::from(v) * i64::from(v));
        st.min = st.min.min(v);
        st.max = st.max.max(v);
        if let Some(p) = previous {
            st.abs_diff += (i64::from(v) - i64::from(p)).abs();
        }
        previous = Some(v);
    }
    if need_crossings {
        // Above the mean ⇔ n·x > Σx, exact; a sample at the mean counts as below.
        let n = window.len() as i128;
        let above = |v: i32| n * i128::from(v) > i128::from(st.sum);
        let mut side: Option<bool> = None;
        for s in window {
            let a = above(value(s));
            if side.is_some_and(|b| b != a) {
                st.crossings += 1;
            }
            side = Some(a);
        }
    }
    st
}

/// One feature kind of integer statistics of `n` samples, `c` counts per unit.
fn int_feature(kind: FeatureSet, st: &IntStats, n: usize, c: f32) -> f32 {
    let nf = n as f32;
    let steps = n.saturating_sub(1) as f32;
    match kind {
        k if k == FeatureSet::MEAN => st.sum as f32 / (nf * c),
        k if k == FeatureSet::STD => {
            // n² · variance, exact: n·Σx² − (Σx)² ≥ 0 by Cauchy–Schwarz.
            let sum = i128::from(st.sum);
            let n2_var = n as i128 * st.sum_sq - sum * sum;
            libm::sqrtf(n2_var as f32) / (nf * c)
        }
        k if k == FeatureSet::MIN => st.min as f32 / c,
        k if k == FeatureSet::MAX => st.max as f32 / c,
        k if k == FeatureSet::MEAN_ABS_DIFF && n > 1 => st.abs_diff as f32 / (steps * c),
        k if k == FeatureSet::RMS => libm::sqrtf((n as i128 * st.sum_sq) as f32) / (nf * c),
        k if k == FeatureSet::MEAN_CROSSINGS && n > 1 => st.crossings as f32 / steps,
        _ => 0.0,
    }
}

/// `f32` statistics of one channel, sums in sample order. `values` is walked as often as
/// the kind needs (twice for the spread and the crossings: once for the mean), so a
/// derived channel such as the magnitude needs no buffer of its own.
fn float_feature(kind: FeatureSet, values: impl Iterator<Item = f32> + Clone) -> f32 {
    let n = values.clone().count();
    if n == 0 {
        return 0.0;
    }
    let nf = n as f32;
    let steps = n.saturating_sub(1) as f32;
    let mean = values.clone().fold(0.0f32, |a, v| a + v) / nf;
    let pairs = values.clone().zip(values.clone().skip(1));
    match kind {
        k if k == FeatureSet::MEAN => mean,
        k if k == FeatureSet::STD => {
            let sq = values.fold(0.0f32, |a, v| {
                let d = v - mean;
                a + d * d
            });
            libm::sqrtf(sq / nf)
        }
        k if k == FeatureSet::MIN => values.fold(f32::INFINITY, |a, v| a.min(v)),
        k if k == FeatureSet::MAX => values.fold(f32::NEG_INFINITY, |a, v| a.max(v)),
        k if k == FeatureSet::MEAN_ABS_DIFF && n > 1 => pairs.fold(0.0f32, |a, (x, y)| a + (y - x).abs()) / steps,
        k if k == FeatureSet::RMS => libm::sqrtf(values.fold(0.0f32, |a, v| a + v * v) / nf),
        k if k == FeatureSet::MEAN_CROSSINGS && n > 1 => {
            pairs.filter(|&(x, y)| (x > mean) != (y > mean)).count() as f32 / steps
        }
        _ => 0.0,
    }
}

/// Writes the set's features of the channels into `out` in layout order: `channel(i)`
/// computes kind `kind` of channel `i`.
fn fill<const F: usize>(
    set: FeatureSet,
    axes: usize,
    mut channel: impl FnMut(FeatureSet, usize) -> f32,
) -> Result<[f32; F], WindowFault> {
    if set.len(axes) != F {
        return Err(WindowFault::Width { expected: set.len(axes), found: F });
    }
    let channels = set.channels(axes);
    let mut out = [0.0f32; F];
    let mut slots = out.iter_mut();
    for kind in FeatureSet::KINDS.into_iter().filter(|&k| set.contains(k)) {
        for c in 0..channels {
            if let Some(slot) = slots.next() {
                *slot = channel(kind, c);
            }
        }
    }
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(WindowFault::NonFinite)
    }
}

/// The features in `set` of a window of raw counts, in `scale`'s unit (see the module
/// docs for the layout and the arithmetic). `F` must be `set.len(AXES)`
/// ([`WindowFault::Width`] otherwise). No quality check: see [`check`].
///
/// ```
/// use nn_learn::features::{features, FeatureSet};
/// use nn_learn::sensor::{Scale, Unit};
/// let window = [[500, 10], [-500, 10], [500, 10], [-500, 10]];
/// let set = FeatureSet::MEAN.with(FeatureSet::STD).with(FeatureSet::MEAN_CROSSINGS);
/// let f: [f32; 6] = features(&window, Scale { counts_per_unit: 1000.0, unit: Unit::G }, set)?;
/// assert_eq!(f, [0.0, 0.01, 0.5, 0.0, 1.0, 0.0]);
/// # Ok::<(), nn_learn::features::WindowFault>(())
/// ```
pub fn features<const AXES: usize, const F: usize>(
    window: &[[i32; AXES]],
    scale: Scale,
    set: FeatureSet,
) -> Result<[f32; F], WindowFault> {
    if !scale.is_valid() || window.is_empty() {
        return Err(WindowFault::Scale);
    }
    let c = scale.counts_per_unit;
    let need_crossings = set.contains(FeatureSet::MEAN_CROSSINGS);
    let stats: [IntStats; AXES] = core::array::from_fn(|axis| int_stats(window, axis, need_crossings));
    // The magnitude of each sample, computed where it is used (no buffer of the window's length).
    let magnitude = window.iter().map(|s| {
        let sq: i128 = s.iter().map(|&v| i128::from(i64::from(v) * i64::from(v))).sum();
        libm::sqrtf(sq as f32) / c
    });
    fill(set, AXES, |kind, channel| match stats.get(channel) {
        Some(st) => int_feature(kind, st, window.len(), c),
        None => float_feature(kind, magnitude.clone()),
    })
}

/// The features in `set` of a window of `f32` samples (already in their unit): the same
/// layout as [`features`], with `f32` sums in sample order.
///
/// ```
/// use nn_learn::features::{features_f32, FeatureSet};
/// let window = [[3.0, 0.0], [0.0, 4.0]];
/// let f: [f32; 3] = features_f32(&window, FeatureSet::MAX.with(FeatureSet::MAGNITUDE))?;
/// assert_eq!(f, [3.0, 4.0, 4.0]); // max x, max y, max |(x, y)| = 3 then 4
/// # Ok::<(), nn_learn::features::WindowFault>(())
/// ```
pub fn features_f32<const AXES: usize, const F: usize>(
    window: &[[f32; AXES]],
    set: FeatureSet,
) -> Result<[f32; F], WindowFault> {
    if window.is_empty() {
        return Err(WindowFault::Scale);
    }
    fill(set, AXES, |kind, channel| {
        let values = window.iter().map(move |s| match s.get(channel) {
            Some(&x) => x,
            None => libm::sqrtf(s.iter().fold(0.0f32, |a, &x| a + x * x)),
        });
        float_feature(kind, values)
    })
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::sensor::Unit;

    const MG: Scale = Scale::MILLI_G_AS_G;

    /// A float64 reference of every kind for one channel of counts.
    fn reference(values: &[i64], c: f64) -> [f64; 7] {
        let n = values.len() as f64;
        let x: std::vec::Vec<f64> = values.iter().map(|&v| v as f64).collect();
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let mad = x.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (n - 1.0);
        let rms = (x.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
        let cross = x.windows(2).filter(|w| (w[0] > mean) != (w[1] > mean)).count() as f64 / (n - 1.0);
        let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        [mean / c, var.sqrt() / c, min / c, max / c, mad / c, rms / c, cross]
    }

    const ALL: FeatureSet = FeatureSet(0x7f);

    #[test]
    fn every_kind_matches_a_float64_reference() {
        // Two axes of hand-picked counts, 8 samples.
        let window: [[i32; 2]; 8] = [[12, -7], [-30, 5], [44, 5], [3, 90], [-8, -61], [17, 2], [0, 0], [25, -33]];
        let f: [f32; 14] =
            features(&window, Scale { counts_per_unit: 16.4, unit: Unit::DegreesPerSecond }, ALL).unwrap();
        for axis in 0..2 {
            let col: std::vec::Vec<i64> = window.iter().map(|s| i64::from(s[axis])).collect();
            let r = reference(&col, 16.4f32 as f64);
            for k in 0..7 {
                let got = f64::from(f[k * 2 + axis]);
                // At most three roundings of f32 (conversion, sqrt, division).
                assert!(
                    (got - r[k]).abs() <= 4.0 * f64::from(f32::EPSILON) * r[k].abs().max(1e-30),
                    "axis {axis} kind {k}: {got} vs {}",
                    r[k]
                );
            }
        }
        // By hand: axis 0's mean is 63 / 8; above (a) or not (b): a b a b b a b a, 6 changes.
        assert_eq!(f[12], 6.0 / 7.0);
    }

    #[test]
    fn the_gesture_set_gives_the_demo_layout_and_bits() {
        let mut w = [[0i32, 0, 1000]; 32];
        for (i, s) in w.iter_mut().enumerate() {
            s[0] = if i % 2 == 0 { 500 } else { -500 };
        }
        let f: [f32; 6] = features(&w, MG, FeatureSet::GESTURE).unwrap();
        assert_eq!(f, [0.0, 0.0, 1.0, 0.5, 0.0, 0.0]);
        assert_eq!(features::<3, 7>(&w, MG, FeatureSet::GESTURE), Err(WindowFault::Width { expected: 6, found: 7 }));
    }

    #[test]
    fn magnitude_features_follow_the_axes() {
        // |(3, 4)| = 5 and |(0, 0)| = 0, counts in mg -> g.
        let w = [[3000, 4000], [0, 0], [3000, 4000], [0, 0]];
        let set = FeatureSet::MEAN.with(FeatureSet::MAX).with(FeatureSet::MAGNITUDE);
        assert_eq!(set.len(2), 6);
        let f: [f32; 6] = features(&w, MG, set).unwrap();
        assert_eq!(f, [1.5, 2.0, 2.5, 3.0, 4.0, 5.0]);
        let wf = [[3.0f32, 4.0], [0.0, 0.0], [3.0, 4.0], [0.0, 0.0]];
        assert_eq!(features_f32::<2, 6>(&wf, set), Ok(f));
    }

    #[test]
    fn extremes_stay_finite_and_one_sample_windows_are_defined() {
        let mut w = [[i32::MIN; 6]; 64];
        w.iter_mut().step_by(2).for_each(|s| *s = [i32::MAX; 6]);
        let f: [f32; 49] = features(&w, Scale::unit(Unit::Other), ALL.with(FeatureSet::MAGNITUDE)).unwrap();
        assert!(f.iter().all(|v| v.is_finite()));
        let one: [f32; 7] = features(&[[5]], Scale::unit(Unit::Other), ALL).unwrap();
        assert_eq!(one, [5.0, 0.0, 5.0, 5.0, 0.0, 5.0, 0.0]);
        assert_eq!(
            features::<1, 1>(&[[5]], Scale { counts_per_unit: 0.0, unit: Unit::G }, FeatureSet::MEAN),
            Err(WindowFault::Scale)
        );
        assert_eq!(features_f32::<1, 1>(&[[f32::NAN], [1.0]], FeatureSet::MEAN), Err(WindowFault::NonFinite));
    }

    #[test]
    fn quality_thresholds() {
        let q = Quality::rails(-4096, 4094, 8);
        let mut w = [[0i32, 0, 1000]; 8];
        w[7][2] = 1002;
        assert_eq!(check(&w, &q), Ok(()));
        w.iter_mut().take(3).for_each(|s| s[1] = 4094);
        assert_eq!(check(&w, &q), Ok(()));
        w[3][1] = -4096;
        assert_eq!(check(&w, &q), Err(WindowFault::Saturated));
        assert_eq!(check(&[[7i32; 3]; 8], &q), Err(WindowFault::Stuck));
        assert_eq!(check(&[[7i32; 3]; 8], &Quality::NONE), Ok(()));
    }
}
