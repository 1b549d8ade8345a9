//! Anomaly detection on the device: an autoencoder learns what *normal* windows look like
//! and every later window is scored by how badly it reconstructs them.
//!
//! 1. While the user says "this is normal", feature vectors go into [`NormalWindows`]
//!    (a ring of fixed capacity: once full, the oldest is dropped).
//! 2. [`Detector::fit`] splits them deterministically ([`HOLD_OUT_EVERY`]), learns the
//!    per-feature standardisation from the training part (nn-core's
//!    [`InputScaling`], with its zero-variance guard), trains the autoencoder
//!    (features → bottleneck → features, identity output, [`Loss::Mse`]) to reproduce its
//!    scaled input, and calibrates the alarm threshold on the held-out part by the
//!    [`ThresholdRule`].
//! 3. [`Detector::observe`] scores a window (the mean squared reconstruction error of its
//!    scaled features) and drives an [`Alarm`] with hysteresis, so one odd window neither
//!    raises nor clears it.
//! 4. [`Detector::adapt`] may follow slow drift: one plain SGD step on a window whose
//!    score is below [`ThresholdRule::adapt_below`] × the threshold, never on a window
//!    near or above it. An anomaly therefore cannot be learned away by repetition: it is
//!    never trained on while it scores as an anomaly, and the threshold never moves.
//!
//! Everything is `f32` with one rounding per operation in a fixed order, so the host and
//! a Cortex-M4F or M0 compute the same bits.

use core::fmt;

use crate::classifier::{fit_scaling, LearnError};
use nn_core::data::{Dataset, Order};
use nn_core::init::{Init, Rng};
use nn_core::scaling::InputScaling;
use nn_core::train::work_len;
use nn_core::{forward, sgd_step, Biases, Error, Loss, Network, Optimizer, Schedule, SgdConfig, TrainConfig, Trainer};

/// Every `HOLD_OUT_EVERY`-th normal window (the 4th, 8th, … in collection order) is held
/// out of training and calibrates the threshold instead: a quarter of the data, spread
/// over the whole collection so that slow changes during it are in both parts.
pub const HOLD_OUT_EVERY: usize = 4;

/// Fewest held-out windows a threshold is calibrated on (so at least
/// `HOLD_OUT_EVERY × MIN_HELD_OUT` normal windows are needed).
pub const MIN_HELD_OUT: usize = 4;

/// Feature vectors of windows the user marked as normal, in a ring of capacity `N`.
///
/// # Examples
/// ```
/// use nn_learn::anomaly::NormalWindows;
/// let mut normal: NormalWindows<2, 3> = NormalWindows::new();
/// for i in 0..5 {
///     normal.push([i as f32, 0.0]);
/// }
/// // The ring keeps the newest three, oldest first.
/// assert_eq!(normal.as_slice().map(|w| w[0]), [2.0, 3.0, 4.0]);
/// ```
#[derive(Debug, Clone)]
pub struct NormalWindows<const F: usize, const N: usize> {
    windows: [[f32; F]; N],
    len: usize,
    next: usize,
}

impl<const F: usize, const N: usize> Default for NormalWindows<F, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const F: usize, const N: usize> NormalWindows<F, N> {
    /// An empty ring.
    pub const fn new() -> Self {
        NormalWindows { windows: [[0.0; F]; N], len: 0, next: 0 }
    }

    /// Adds a window's features; when full, the oldest window is dropped.
    pub fn push(&mut self, features: [f32; F]) {
        if let Some(slot) = self.windows.get_mut(self.next) {
            *slot = features;
            self.next = if self.next + 1 == N { 0 } else { self.next + 1 };
            self.len = (self.len + 1).min(N);
        }
    }

    /// Windows held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no window is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every window.
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }

    /// The `i`-th window, oldest first.
    pub fn get(&self, i: usize) -> Option<&[f32; F]> {
        if i >= self.len {
            return None;
        }
        // The oldest sits at `next` once the ring has wrapped, at 0 before.
        let start = if self.len == N { self.next } else { 0 };
        self.windows.get((start + i) % N.max(1))
    }

    /// The windows oldest first, as one slice: rotates the ring's storage in place.
    fn oldest_first(&mut self) -> &mut [[f32; F]] {
        if self.len == N {
            self.windows.rotate_left(self.next);
            self.next = 0;
        }
        let len = self.len;
        self.windows.get_mut(..len).unwrap_or_default()
    }

    /// The windows oldest first, copied out (for tests and small `N`).
    pub fn as_slice<const M: usize>(&self) -> [[f32; F]; M] {
        let mut out = [[0.0; F]; M];
        for (i, o) in out.iter_mut().enumerate() {
            if let Some(w) = self.get(i) {
                *o = *w;
            }
        }
        out
    }
}

/// How the alarm threshold is calibrated and how the alarm and the drift adaptation
/// behave. The threshold is
///
/// `threshold = max(mean + k_sigma · sd, floor)`
///
/// over the reconstruction errors of the held-out normal windows (`sd` the population
/// standard deviation). The floor keeps the threshold positive when the autoencoder
/// reproduces every held-out window exactly (a constant signal: mean = sd = 0), so a
/// silent sensor still has a finite, positive threshold and the first different window
/// raises the alarm.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ThresholdRule {
    /// Standard deviations above the mean held-out error (finite, ≥ 0).
    pub k_sigma: f32,
    /// Smallest threshold (finite, > 0), in squared standardised units.
    pub floor: f32,
    /// Consecutive windows above the threshold that raise the alarm (≥ 1).
    pub raise_after: u8,
    /// Consecutive windows at or below the threshold that clear it (≥ 1).
    pub clear_after: u8,
    /// Fraction of the threshold below which [`Detector::adapt`] trains on a window
    /// (in [0, 1); 0 turns adaptation off).
    pub adapt_below: f32,
}

impl ThresholdRule {
    /// Four standard deviations, a floor of 0.01, raised after 3 windows and cleared after
    /// 3, adapting on windows that score below half the threshold. Chosen on the
    /// simulated machine of `sim::vibration` (with 64 normal windows: 3σ flagged 7 % of
    /// normal windows and raised 6 false alarms in 800 windows, 4σ 3.5 % and none, with
    /// every anomaly still detected); real recordings are reported in `docs/learning.md`.
    pub const DEFAULT: ThresholdRule =
        ThresholdRule { k_sigma: 4.0, floor: 0.01, raise_after: 3, clear_after: 3, adapt_below: 0.5 };

    /// Checks every field against the ranges above.
    pub fn validate(&self) -> Result<(), AnomalyError> {
        let bad = |what| Err(AnomalyError::Rule(what));
        if !(self.k_sigma.is_finite() && self.k_sigma >= 0.0) {
            return bad(RuleField::KSigma);
        }
        if !(self.floor.is_finite() && self.floor > 0.0) {
            return bad(RuleField::Floor);
        }
        if self.raise_after == 0 {
            return bad(RuleField::RaiseAfter);
        }
        if self.clear_after == 0 {
            return bad(RuleField::ClearAfter);
        }
        if !(self.adapt_below >= 0.0 && self.adapt_below < 1.0) {
            return bad(RuleField::AdaptBelow);
        }
        Ok(())
    }
}

impl Default for ThresholdRule {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The field of a [`ThresholdRule`] that is out of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RuleField {
    /// `k_sigma` is negative or not finite.
    KSigma,
    /// `floor` is not finite and positive.
    Floor,
    /// `raise_after` is 0.
    RaiseAfter,
    /// `clear_after` is 0.
    ClearAfter,
    /// `adapt_below` is outside [0, 1).
    AdaptBelow,
}

/// Why a detector could not be fitted or used.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AnomalyError {
    /// Fewer normal windows than calibration needs.
    TooFewNormal {
        /// Windows needed.
        needed: usize,
        /// Windows held.
        found: usize,
    },
    /// A field of the [`ThresholdRule`] is out of range.
    Rule(RuleField),
    /// A feature vector holds a NaN or an infinity.
    NonFiniteFeatures,
    /// The autoencoder's input and output widths differ from the feature count.
    Shape {
        /// The feature count `F`.
        features: usize,
        /// The network's input width.
        inputs: usize,
        /// The network's output width.
        outputs: usize,
    },
    /// nn-core refused (a non-finite step, a bad configuration).
    Core(Error),
}

impl From<Error> for AnomalyError {
    fn from(e: Error) -> Self {
        AnomalyError::Core(e)
    }
}

impl fmt::Display for AnomalyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnomalyError::TooFewNormal { needed, found } => {
                write!(f, "{found} normal windows collected, calibration needs at least {needed}")
            }
            AnomalyError::Rule(field) => {
                let what = match field {
                    RuleField::KSigma => "k_sigma must be finite and >= 0",
                    RuleField::Floor => "floor must be finite and > 0",
                    RuleField::RaiseAfter => "raise_after must be >= 1",
                    RuleField::ClearAfter => "clear_after must be >= 1",
                    RuleField::AdaptBelow => "adapt_below must be in [0, 1)",
                };
                write!(f, "impossible threshold rule: {what}")
            }
            AnomalyError::NonFiniteFeatures => f.write_str("a feature vector is not finite"),
            AnomalyError::Shape { features, inputs, outputs } => {
                write!(f, "the autoencoder maps {inputs} inputs to {outputs} outputs, the features have {features}")
            }
            AnomalyError::Core(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for AnomalyError {}

/// Everything besides the data that fixes a trained autoencoder bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AutoencoderRecipe {
    /// Seed of the Xavier initialisation.
    pub init_seed: u32,
    /// Passes over the training windows.
    pub epochs: u32,
    /// Learning rate of per-window Adam.
    pub learning_rate: f32,
    /// Shuffling seed.
    pub seed: u32,
    /// Learning rate of [`Detector::adapt`]'s plain SGD steps (0 turns them off).
    pub adapt_rate: f32,
}

impl AutoencoderRecipe {
    /// Xavier (seed 1), 60 epochs of per-window Adam at 0.01 (seed 2), adaptation at 0.001.
    pub const DEFAULT: AutoencoderRecipe =
        AutoencoderRecipe { init_seed: 1, epochs: 60, learning_rate: 0.01, seed: 2, adapt_rate: 0.001 };

    /// The trainer configuration: mean squared error, per-window Adam, shuffled.
    pub const fn config(&self) -> TrainConfig {
        TrainConfig {
            loss: Loss::Mse,
            optimizer: OPTIMIZER,
            learning_rate: self.learning_rate,
            schedule: Schedule::Constant,
            weight_decay: 0.0,
            clip_norm: 0.0,
            batch_size: 1,
            shuffle: true,
            biases: Biases::Train,
            seed: self.seed,
        }
    }
}

impl Default for AutoencoderRecipe {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The autoencoder's optimiser, fixed so that the work space is a constant.
pub const OPTIMIZER: Optimizer = Optimizer::ADAM;

/// The state of the alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Alarm {
    on: bool,
    run: u8,
}

impl Alarm {
    /// Whether the alarm is raised.
    pub const fn is_on(&self) -> bool {
        self.on
    }

    /// Feeds one window's verdict; returns the alarm after it. The alarm rises after
    /// `raise_after` anomalous windows in a row and clears after `clear_after` normal
    /// windows in a row; a window that agrees with the current state resets the run.
    pub fn update(&mut self, anomalous: bool, rule: &ThresholdRule) -> bool {
        if anomalous == self.on {
            self.run = 0;
        } else {
            self.run = self.run.saturating_add(1);
            let needed = if self.on { rule.clear_after } else { rule.raise_after };
            if self.run >= needed {
                self.on = anomalous;
                self.run = 0;
            }
        }
        self.on
    }
}

/// One scored window.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Verdict {
    /// Mean squared reconstruction error of the standardised features.
    pub score: f32,
    /// Whether this window alone is above the threshold.
    pub anomalous: bool,
    /// The alarm after this window.
    pub alarm: bool,
}

/// What calibration found, for logs and reports.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Calibration {
    /// Windows trained on.
    pub trained: usize,
    /// Held-out windows calibrated on.
    pub held_out: usize,
    /// Mean held-out reconstruction error.
    pub mean: f32,
    /// Population standard deviation of the held-out errors.
    pub sd: f32,
    /// The alarm threshold.
    pub threshold: f32,
    /// The last epoch's mean training loss.
    pub training_loss: f32,
}

/// A trained autoencoder `N` over `F` features with its standardisation, threshold and
/// alarm.
#[derive(Debug, Clone)]
pub struct Detector<N, const F: usize> {
    net: N,
    scaling: InputScaling<[f32; F]>,
    rule: ThresholdRule,
    calibration: Calibration,
    alarm: Alarm,
    adapt_rate: f32,
    adapted: u32,
}

/// The training part of a fitted ring, standardised in place, as nn-core's data set
/// (target = input): with windows in collection order, training window `k` is window
/// `k + k / (HOLD_OUT_EVERY − 1)`, skipping every held-out one.
struct Reconstruct<'a, const F: usize> {
    windows: &'a [[f32; F]],
    len: usize,
}

const fn training_index(k: usize) -> usize {
    k + k / (HOLD_OUT_EVERY - 1)
}

const fn held_out_index(j: usize) -> usize {
    j * HOLD_OUT_EVERY + HOLD_OUT_EVERY - 1
}

impl<const F: usize> Dataset for Reconstruct<'_, F> {
    fn len(&self) -> usize {
        self.len
    }
    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        if index >= self.len {
            return None;
        }
        self.windows.get(training_index(index)).map(|w| (&w[..], &w[..]))
    }
}

/// Mean and population standard deviation of the `count` values `error(0..count)` (f32,
/// in order, computed twice rather than stored), and the threshold
/// `max(mean + k·sd, floor)` of `rule`; every result is finite.
fn calibrate(
    count: usize,
    rule: &ThresholdRule,
    mut error: impl FnMut(usize) -> Result<f32, Error>,
) -> Result<(f32, f32, f32), Error> {
    let n = count.max(1) as f32;
    let mut sum = 0.0f32;
    for j in 0..count {
        sum += error(j)?;
    }
    let mean = sum / n;
    let mut spread = 0.0f32;
    for j in 0..count {
        let d = error(j)? - mean;
        spread += d * d;
    }
    let sd = libm::sqrtf(spread / n);
    let t = mean + rule.k_sigma * sd;
    let t = if t.is_finite() && t > rule.floor { t } else { rule.floor };
    let finite = |v: f32| if v.is_finite() { v } else { f32::MAX };
    Ok((finite(mean), finite(sd), t))
}

/// Mean squared difference between `z` and `net`'s reconstruction of it.
fn reconstruction_error<N: Network>(net: &N, z: &[f32], scratch: &mut [f32]) -> Result<f32, Error> {
    let y = forward(net, z, scratch)?;
    let sum = y.iter().zip(z).fold(0.0f32, |s, (y, z)| s + (y - z) * (y - z));
    Ok(sum / z.len().max(1) as f32)
}

impl<N: Network, const F: usize> Detector<N, F> {
    /// Floats of trainer work space [`fit`](Self::fit) needs.
    pub const WORK: usize = work_len(N::PARAMS, OPTIMIZER);
    /// Floats of scratch every call needs ([`Network::SCRATCH`]).
    pub const SCRATCH: usize = N::SCRATCH;

    /// Trains an autoencoder on the windows of `normal` and calibrates its threshold (see
    /// the module docs). The ring is *consumed*: its windows are standardised in place to
    /// train on (no second copy of the data in RAM), and it is empty afterwards whether
    /// or not the fit succeeds. `work` needs [`Self::WORK`] floats, `scratch`
    /// [`Self::SCRATCH`].
    pub fn fit<const CAP: usize>(
        normal: &mut NormalWindows<F, CAP>,
        recipe: &AutoencoderRecipe,
        rule: ThresholdRule,
        work: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<Self, AnomalyError> {
        let fitted = Self::fit_in_place(normal, recipe, rule, work, scratch);
        normal.clear();
        fitted
    }

    fn fit_in_place<const CAP: usize>(
        normal: &mut NormalWindows<F, CAP>,
        recipe: &AutoencoderRecipe,
        rule: ThresholdRule,
        work: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<Self, AnomalyError> {
        rule.validate()?;
        if N::INPUTS != F || N::OUTPUTS != F {
            return Err(AnomalyError::Shape { features: F, inputs: N::INPUTS, outputs: N::OUTPUTS });
        }
        let needed = HOLD_OUT_EVERY * MIN_HELD_OUT;
        let len = normal.len();
        if len < needed {
            return Err(AnomalyError::TooFewNormal { needed, found: len });
        }
        let windows = normal.oldest_first();
        if !windows.iter().flatten().all(|v| v.is_finite()) {
            return Err(AnomalyError::NonFiniteFeatures);
        }
        let held_out = len / HOLD_OUT_EVERY;
        let trained = len - held_out;
        let rows = (0..trained).filter_map(|k| windows.get(training_index(k)).copied());
        let scaling = fit_scaling(rows).map_err(|e| match e {
            LearnError::Net(e) => AnomalyError::Core(e),
            _ => AnomalyError::NonFiniteFeatures,
        })?;
        for w in windows.iter_mut() {
            let raw = *w;
            scaling.apply(&raw, w);
        }
        let mut net = N::default();
        Init::Xavier.apply(&mut net, &mut Rng::new(recipe.init_seed));
        let found = work.len();
        let work = work.get_mut(..Self::WORK).ok_or(Error::BufferTooSmall { needed: Self::WORK, found })?;
        let data = Reconstruct { windows, len: trained };
        let mut order = Order::<CAP>::new(trained)?;
        let mut trainer = Trainer::new(recipe.config(), &net, work)?;
        let mut training_loss = f32::NAN;
        for _ in 0..recipe.epochs {
            training_loss = trainer.epoch(&mut net, &data, order.as_mut_slice(), scratch)?.loss;
        }
        let mut detector = Detector {
            net,
            scaling,
            rule,
            calibration: Calibration { trained, held_out, mean: 0.0, sd: 0.0, threshold: rule.floor, training_loss },
            alarm: Alarm::default(),
            adapt_rate: recipe.adapt_rate,
            adapted: 0,
        };
        // Two passes over the held-out errors (mean, then spread) instead of storing them.
        let (mean, sd, threshold) = calibrate(held_out, &rule, |j| {
            windows
                .get(held_out_index(j))
                .map_or(Err(Error::EmptyDataset), |z| reconstruction_error(&detector.net, z, scratch))
        })?;
        detector.calibration.mean = mean;
        detector.calibration.sd = sd;
        detector.calibration.threshold = threshold;
        Ok(detector)
    }

    /// The mean squared reconstruction error of `features`, standardised.
    pub fn score(&self, features: &[f32; F], scratch: &mut [f32]) -> Result<f32, AnomalyError> {
        let z = self.standardise(features)?;
        Ok(reconstruction_error(&self.net, &z, scratch)?)
    }

    /// Scores `features` and updates the alarm.
    pub fn observe(&mut self, features: &[f32; F], scratch: &mut [f32]) -> Result<Verdict, AnomalyError> {
        let score = self.score(features, scratch)?;
        // A score that is not a number is no evidence of normal.
        let anomalous = score.is_nan() || score > self.calibration.threshold;
        let alarm = self.alarm.update(anomalous, &self.rule);
        Ok(Verdict { score, anomalous, alarm })
    }

    /// A window the sensor check refused (stuck, saturated, missing samples) counts as
    /// anomalous: it drives the alarm like a window above the threshold. Returns the
    /// alarm after it.
    pub fn observe_fault(&mut self) -> bool {
        self.alarm.update(true, &self.rule)
    }

    /// FNV-1a (32 bit) over the bits of every parameter in nn-core's flat order, then of
    /// the scaling's means and scales: equal fingerprints mean bit-identical detectors
    /// (up to the threshold, which [`Calibration`] gives).
    pub fn fingerprint(&self) -> u32 {
        let params = (0..self.net.depth()).flat_map(|l| self.net.weights(l).iter().chain(self.net.biases(l)));
        let scaling = self.scaling.mean().iter().chain(self.scaling.scale());
        nn_core::codec::fingerprint(params.chain(scaling).copied())
    }

    /// Follows slow drift: one plain SGD step towards reconstructing `features` when its
    /// score is below `adapt_below × threshold`; returns whether it stepped. Windows at
    /// or above that level are never trained on, and the threshold does not change.
    pub fn adapt(&mut self, features: &[f32; F], scratch: &mut [f32]) -> Result<bool, AnomalyError> {
        let z = self.standardise(features)?;
        let score = reconstruction_error(&self.net, &z, scratch)?;
        if !(self.adapt_rate > 0.0 && score < self.rule.adapt_below * self.calibration.threshold) {
            return Ok(false);
        }
        // A refused (non-finite) step leaves the network as it was.
        let before = self.net.clone();
        if let Err(e) = sgd_step(&mut self.net, (&z, &z), SgdConfig::new(Loss::Mse, self.adapt_rate), scratch) {
            self.net = before;
            return Err(e.into());
        }
        self.adapted = self.adapted.saturating_add(1);
        Ok(true)
    }

    fn standardise(&self, features: &[f32; F]) -> Result<[f32; F], AnomalyError> {
        if !features.iter().all(|v| v.is_finite()) {
            return Err(AnomalyError::NonFiniteFeatures);
        }
        let mut z = [0.0f32; F];
        self.scaling.apply(features, &mut z);
        Ok(z)
    }

    /// The calibration the threshold came from.
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// The threshold rule.
    pub fn rule(&self) -> &ThresholdRule {
        &self.rule
    }

    /// The alarm's current state.
    pub fn alarm(&self) -> Alarm {
        self.alarm
    }

    /// The autoencoder.
    pub fn net(&self) -> &N {
        &self.net
    }

    /// The standardisation in front of it.
    pub fn scaling(&self) -> &InputScaling<[f32; F]> {
        &self.scaling
    }

    /// Adaptation steps taken.
    pub fn adapted(&self) -> u32 {
        self.adapted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::activation::{Identity, Tanh};
    use nn_core::{Dense, Model};

    type Ae = (Dense<4, 2, Tanh>, Dense<2, 4, Identity>);
    type Det = Detector<Ae, 4>;
    const WORK: usize = Det::WORK;
    const SCRATCH: usize = Det::SCRATCH;

    /// Normal: a point near the line (a, 2a, −a, 0.5) with a little noise.
    fn normal(rng: &mut Rng) -> [f32; 4] {
        let a = rng.range(-1.0, 1.0);
        let n = |rng: &mut Rng| rng.range(-0.02, 0.02);
        [a + n(rng), 2.0 * a + n(rng), -a + n(rng), 0.5 + n(rng)]
    }

    fn collected(count: usize) -> NormalWindows<4, 64> {
        let mut rng = Rng::new(11);
        let mut w = NormalWindows::new();
        (0..count).for_each(|_| w.push(normal(&mut rng)));
        w
    }

    fn fit(mut windows: NormalWindows<4, 64>, rule: ThresholdRule) -> Result<Det, AnomalyError> {
        let (mut work, mut scratch) = ([0.0; WORK], [0.0; SCRATCH]);
        Det::fit(&mut windows, &AutoencoderRecipe::DEFAULT, rule, &mut work, &mut scratch)
    }

    #[test]
    fn ring_keeps_the_newest_in_order() {
        let mut w: NormalWindows<1, 3> = NormalWindows::new();
        assert!(w.is_empty() && w.get(0).is_none());
        for i in 0..4 {
            w.push([i as f32]);
        }
        assert_eq!(w.len(), 3);
        assert_eq!(w.as_slice::<3>(), [[1.0], [2.0], [3.0]]);
        assert!(w.get(3).is_none());
        assert_eq!(w.oldest_first(), &[[1.0], [2.0], [3.0]]);
        w.push([4.0]);
        assert_eq!(w.as_slice::<3>(), [[2.0], [3.0], [4.0]]);
    }

    #[test]
    fn the_split_holds_out_every_fourth_window() {
        let train: [usize; 6] = core::array::from_fn(training_index);
        let held: [usize; 3] = core::array::from_fn(held_out_index);
        assert_eq!(train, [0, 1, 2, 4, 5, 6]);
        assert_eq!(held, [3, 7, 11]);
    }

    #[test]
    fn threshold_rule_is_mean_plus_k_sd_with_a_floor() {
        let rule = ThresholdRule { k_sigma: 2.0, floor: 0.1, ..ThresholdRule::DEFAULT };
        let of = |v: &[f32]| calibrate(v.len(), &rule, |j| Ok(v[j])).unwrap();
        // errors 1, 3: mean 2, population sd 1 → 2 + 2·1 = 4.
        assert_eq!(of(&[1.0, 3.0]), (2.0, 1.0, 4.0));
        // Zero error everywhere: the floor, never 0, NaN or infinity.
        assert_eq!(of(&[0.0; 5]), (0.0, 0.0, 0.1));
        // Overflowing errors: every result still finite.
        let (m, sd, t) = of(&[f32::MAX, f32::MAX]);
        assert!(m.is_finite() && sd.is_finite() && t.is_finite());
    }

    #[test]
    fn impossible_rules_are_refused() {
        let d = ThresholdRule::DEFAULT;
        let cases = [
            (ThresholdRule { k_sigma: -1.0, ..d }, RuleField::KSigma),
            (ThresholdRule { k_sigma: f32::NAN, ..d }, RuleField::KSigma),
            (ThresholdRule { floor: 0.0, ..d }, RuleField::Floor),
            (ThresholdRule { floor: f32::INFINITY, ..d }, RuleField::Floor),
            (ThresholdRule { raise_after: 0, ..d }, RuleField::RaiseAfter),
            (ThresholdRule { clear_after: 0, ..d }, RuleField::ClearAfter),
            (ThresholdRule { adapt_below: 1.0, ..d }, RuleField::AdaptBelow),
            (ThresholdRule { adapt_below: f32::NAN, ..d }, RuleField::AdaptBelow),
        ];
        for (rule, field) in cases {
            assert_eq!(fit(collected(40), rule).err(), Some(AnomalyError::Rule(field)), "{rule:?}");
        }
    }

    #[test]
    fn too_few_or_no_normal_windows_are_refused() {
        for count in [0, 1, HOLD_OUT_EVERY * MIN_HELD_OUT - 1] {
            let fitted = fit(collected(count), ThresholdRule::DEFAULT);
            assert_eq!(fitted.err(), Some(AnomalyError::TooFewNormal { needed: 16, found: count }));
        }
    }

    #[test]
    fn a_shape_that_does_not_fit_or_short_buffers_are_refused() {
        type Wrong = (Dense<4, 2, Tanh>, Dense<2, 3, Identity>);
        let (mut work, mut scratch) = ([0.0; 200], [0.0; 20]);
        let fitted = Detector::<Wrong, 4>::fit(
            &mut collected(40),
            &AutoencoderRecipe::DEFAULT,
            ThresholdRule::DEFAULT,
            &mut work,
            &mut scratch,
        );
        assert_eq!(fitted.err(), Some(AnomalyError::Shape { features: 4, inputs: 4, outputs: 3 }));
        let mut short = [0.0; WORK - 1];
        let fitted =
            Det::fit(&mut collected(40), &AutoencoderRecipe::DEFAULT, ThresholdRule::DEFAULT, &mut short, &mut scratch);
        assert_eq!(fitted.err(), Some(AnomalyError::Core(Error::BufferTooSmall { needed: WORK, found: WORK - 1 })));
    }

    #[test]
    fn hysteresis_needs_runs_to_raise_and_to_clear() {
        let rule = ThresholdRule { raise_after: 2, clear_after: 3, ..ThresholdRule::DEFAULT };
        let mut alarm = Alarm::default();
        let seq = [true, false, true, true, false, true, false, false, false];
        let expect = [false, false, false, true, true, true, true, true, false];
        for (i, (&a, &e)) in seq.iter().zip(&expect).enumerate() {
            assert_eq!(alarm.update(a, &rule), e, "window {i}");
        }
    }

    #[test]
    fn learns_normal_and_flags_what_is_off_the_line() {
        let mut det = fit(collected(64), ThresholdRule::DEFAULT).unwrap();
        let cal = *det.calibration();
        assert_eq!((cal.trained, cal.held_out), (48, 16));
        assert!(cal.threshold.is_finite() && cal.threshold >= ThresholdRule::DEFAULT.floor);
        let mut scratch = [0.0; SCRATCH];
        let mut rng = Rng::new(99);
        let above = (0..200).filter(|_| det.score(&normal(&mut rng), &mut scratch).unwrap() > cal.threshold).count();
        assert!(above <= 10, "{above} of 200 normal windows above the threshold");
        // Off the line in several ways: each scores far above the threshold.
        for odd in [[0.5, -1.0, -0.5, 0.5], [0.0, 0.0, 0.0, 3.0], [3.0, 6.0, -3.0, 0.5]] {
            let s = det.score(&odd, &mut scratch).unwrap();
            assert!(s > 5.0 * cal.threshold, "{odd:?}: score {s}, threshold {}", cal.threshold);
        }
        let odd = [0.5, -1.0, -0.5, 0.5];
        assert!(!det.observe(&odd, &mut scratch).unwrap().alarm);
        assert!(!det.observe(&odd, &mut scratch).unwrap().alarm);
        assert!(det.observe(&odd, &mut scratch).unwrap().alarm);
    }

    #[test]
    fn the_ring_is_consumed_by_a_fit_whether_or_not_it_succeeds() {
        let (mut work, mut scratch) = ([0.0; WORK], [0.0; SCRATCH]);
        for count in [10, 40] {
            let mut w = collected(count);
            let _ = Det::fit(&mut w, &AutoencoderRecipe::DEFAULT, ThresholdRule::DEFAULT, &mut work, &mut scratch);
            assert!(w.is_empty());
        }
    }

    #[test]
    fn a_constant_signal_gives_a_finite_positive_threshold_and_no_nan() {
        let mut w: NormalWindows<4, 64> = NormalWindows::new();
        (0..32).for_each(|_| w.push([1.0, 0.0, -1.0, 0.25]));
        let mut det = fit(w, ThresholdRule::DEFAULT).unwrap();
        let cal = *det.calibration();
        assert!(cal.threshold.is_finite() && cal.threshold > 0.0, "{cal:?}");
        assert!(cal.mean.is_finite() && cal.sd.is_finite() && cal.training_loss.is_finite());
        let mut scratch = [0.0; SCRATCH];
        let same = det.observe(&[1.0, 0.0, -1.0, 0.25], &mut scratch).unwrap();
        assert!(same.score.is_finite() && !same.anomalous);
        assert!(det.score(&[1.5, 0.0, -1.0, 0.25], &mut scratch).unwrap() > cal.threshold);
    }

    #[test]
    fn non_finite_features_are_refused_not_scored() {
        let mut det = fit(collected(32), ThresholdRule::DEFAULT).unwrap();
        let mut scratch = [0.0; SCRATCH];
        assert_eq!(det.observe(&[f32::NAN, 0.0, 0.0, 0.0], &mut scratch), Err(AnomalyError::NonFiniteFeatures));
        assert_eq!(det.adapt(&[0.0, f32::INFINITY, 0.0, 0.0], &mut scratch), Err(AnomalyError::NonFiniteFeatures));
        let mut w = collected(31);
        w.push([f32::INFINITY, 0.0, 0.0, 0.0]);
        assert_eq!(fit(w, ThresholdRule::DEFAULT).err(), Some(AnomalyError::NonFiniteFeatures));
    }

    #[test]
    fn an_anomaly_seen_again_and_again_is_never_learned_away() {
        let mut det = fit(collected(64), ThresholdRule::DEFAULT).unwrap();
        let cal = *det.calibration();
        let before = *det.net();
        let mut scratch = [0.0; SCRATCH];
        let odd = [0.5, -1.0, -0.5, 0.5];
        let first = det.score(&odd, &mut scratch).unwrap();
        for i in 0..10_000 {
            assert!(!det.adapt(&odd, &mut scratch).unwrap());
            let raised = i + 1 >= usize::from(ThresholdRule::DEFAULT.raise_after);
            assert_eq!(det.observe(&odd, &mut scratch).unwrap().alarm, raised, "window {i}");
        }
        assert_eq!(det.score(&odd, &mut scratch).unwrap(), first);
        assert_eq!(det.adapted(), 0);
        assert_eq!(*det.calibration(), cal);
        let unchanged = (0..det.net().depth())
            .all(|l| det.net().weights(l) == before.weights(l) && det.net().biases(l) == before.biases(l));
        assert!(unchanged, "an anomalous window changed the autoencoder");
    }

    #[test]
    fn windows_judged_normal_are_adapted_on() {
        let mut det = fit(collected(64), ThresholdRule::DEFAULT).unwrap();
        let before = *det.net();
        let mut scratch = [0.0; SCRATCH];
        let mut rng = Rng::new(5);
        let stepped = (0..500).filter(|_| det.adapt(&normal(&mut rng), &mut scratch).unwrap()).count() as u32;
        assert!(stepped > 400, "only {stepped} of 500 normal windows adapted on");
        assert_eq!(det.adapted(), stepped);
        assert_ne!(det.net().weights(0), before.weights(0));
    }
}
