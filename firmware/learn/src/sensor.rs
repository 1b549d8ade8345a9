//! The accelerometer side of on-device learning, independent of any board.
//!
//! - [`features`]: a window of [`WINDOW`] three-axis samples in milli-g becomes a
//!   fixed-size [`Features`] vector (per-axis mean and standard deviation, in g).
//! - [`ExampleBuffer`]: labelled feature vectors in a fixed-capacity buffer (heapless).
//! - [`GestureSim`]: a seeded, noisy simulator of the three [`Gesture`]s, used by the
//!   QEMU firmware (behind a simulated LSM303AGR) and by host tests.
//! - [`GestureNet`], [`Recipe`] and [`train`]: the classifier the device trains on its
//!   buffer, and every hyperparameter that fixes the result bit for bit.
//! - [`Demo`]: the scripted session the QEMU firmware runs (which gesture each window
//!   is, seeds, sizes), and [`Demo::reference`], the same session computed directly on
//!   the host, which `nn verify-device` compares with the device's parameters.
//!
//! Every step is deterministic: features are computed from exact integer sums and one
//! correctly rounded square root, and the simulator uses `nn_core::init::Rng` and
//! `libm`, so the host and a Cortex-M (with or without FPU) produce the same bits.

use core::fmt;

use nn_core::activation::{Softmax, Tanh};
use nn_core::data::{Dataset, Order};
use nn_core::init::{Init, Rng};
use nn_core::train::{argmax, work_len, EpochReport};
use nn_core::{forward, Biases, Dense, Error, Loss, Network, Optimizer, Schedule, TrainConfig, Trainer};

/// Samples per second the firmware reads from the accelerometer.
pub const SAMPLE_RATE_HZ: u32 = 50;
/// Samples in one window (0.64 s at [`SAMPLE_RATE_HZ`]).
pub const WINDOW: usize = 32;
/// Length of a feature vector: mean and standard deviation of each axis.
pub const FEATURES: usize = 6;
/// Number of gesture classes.
pub const CLASSES: usize = 3;
/// Largest sample, in milli-g, of the LSM303AGR at ±4 g and 12 bits (2 mg per digit);
/// the smallest is `-FULL_SCALE_MG - 2` (−4096).
pub const FULL_SCALE_MG: i16 = 4094;

/// One accelerometer reading: x, y, z in milli-g.
pub type Sample = [i16; 3];
/// A window of consecutive samples.
pub type Window = [Sample; WINDOW];
/// The feature vector of one window.
pub type Features = [f32; FEATURES];

/// What the user does with the board while a window is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Gesture {
    /// Lying or held still, roughly flat.
    Still = 0,
    /// Shaken back and forth a few times a second.
    Shake = 1,
    /// Held tilted, turning slowly.
    Tilt = 2,
}

impl Gesture {
    /// All gestures, in class-index order.
    pub const ALL: [Gesture; CLASSES] = [Gesture::Still, Gesture::Shake, Gesture::Tilt];

    /// The class index (the position of the one-hot target and of the network output).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The gesture of class index `index`, if there is one.
    pub const fn from_index(index: usize) -> Option<Gesture> {
        match index {
            0 => Some(Gesture::Still),
            1 => Some(Gesture::Shake),
            2 => Some(Gesture::Tilt),
            _ => None,
        }
    }

    /// Lower-case name, as printed in logs.
    pub const fn name(self) -> &'static str {
        match self {
            Gesture::Still => "still",
            Gesture::Shake => "shake",
            Gesture::Tilt => "tilt",
        }
    }

    /// The one-hot target vector of this class.
    pub fn one_hot(self) -> [f32; CLASSES] {
        let mut t = [0.0; CLASSES];
        if let Some(slot) = t.get_mut(self.index()) {
            *slot = 1.0;
        }
        t
    }
}

impl fmt::Display for Gesture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
/// use nn_learn::sensor::{features, WINDOW};
/// let window = [[0, 0, 1000]; WINDOW];
/// assert_eq!(features(&window), [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
/// ```
pub fn features(window: &Window) -> Features {
    let mut out = [0.0; FEATURES];
    let n = WINDOW as i64;
    for axis in 0..3 {
        let (sum, sum_sq) = window.iter().fold((0i64, 0i64), |(s, q), sample| {
            let v = i64::from(sample[axis]);
            (s + v, q + v * v)
        });
        // n² · variance, exact: n·Σx² − (Σx)² ≥ 0 by Cauchy–Schwarz.
        let n2_var = n * sum_sq - sum * sum;
        let scale = (WINDOW as f32) * 1000.0;
        out[axis] = sum as f32 / scale;
        out[3 + axis] = libm::sqrtf(n2_var as f32) / scale;
    }
    out
}

/// Samples of a window that may sit at a full-scale rail before the window is
/// [`WindowFault::Saturated`]: half of the window.
///
/// A hard shake may clip its peaks at ±4 g for a few samples per cycle, and such a window
/// still says "shake" through its spread; a window that spends half its time or more at
/// the rail says only what the rail is (a shock, a sensor reporting its limit, a wrong
/// full scale), not how the board moved. The gesture simulator never comes near the rail
/// (its strongest shake stays under 2.5 g).
pub const SATURATED_MIN: usize = WINDOW / 2;

/// Why a window is unfit to train on or to classify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum WindowFault {
    /// Every sample is identical on all three axes: the output registers stopped
    /// updating. A powered accelerometer is never that quiet: its noise at rest is a few
    /// milli-g, more than the 2 mg step, so 96 identical readings do not happen.
    Stuck,
    /// At least [`SATURATED_MIN`] samples have an axis at (or beyond) a full-scale rail,
    /// `FULL_SCALE_MG` or `-FULL_SCALE_MG - 2`.
    Saturated,
    /// A feature came out non-finite. This cannot happen for `i16` samples (the sums are
    /// exact and bounded, see [`features`]); the check makes the guarantee not depend on
    /// that argument.
    NonFinite,
}

impl fmt::Display for WindowFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WindowFault::Stuck => "stuck (every sample identical)",
            WindowFault::Saturated => "saturated (half the window at full scale)",
            WindowFault::NonFinite => "non-finite features",
        })
    }
}

impl core::error::Error for WindowFault {}

/// Checks that `window` looks like a working accelerometer: not [stuck](WindowFault::Stuck),
/// not [saturated](WindowFault::Saturated).
///
/// # Examples
/// ```
/// use nn_learn::sensor::{check_window, WindowFault, WINDOW};
/// let mut window = [[0, 0, 1000]; WINDOW];
/// assert_eq!(check_window(&window), Err(WindowFault::Stuck));
/// window[5][0] = 2; // one step of noise is enough
/// assert_eq!(check_window(&window), Ok(()));
/// ```
pub fn check_window(window: &Window) -> Result<(), WindowFault> {
    let at_rail = |v: i16| v >= FULL_SCALE_MG || v <= -FULL_SCALE_MG - 2;
    // Saturation first: a window pinned to a rail is also constant, and "saturated"
    // says more about it.
    let railed = window.iter().filter(|s| s.iter().any(|&v| at_rail(v))).count();
    if railed >= SATURATED_MIN {
        return Err(WindowFault::Saturated);
    }
    let first = window[0];
    if window.iter().all(|s| *s == first) {
        return Err(WindowFault::Stuck);
    }
    Ok(())
}

/// [`features`] of a window that passes [`check_window`], every value checked finite:
/// the only way the firmware turns a window into something it learns from or predicts on.
///
/// # Examples
/// ```
/// use nn_learn::sensor::{checked_features, WindowFault, WINDOW};
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

/// One labelled training example.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Example {
    /// The window's features.
    pub features: Features,
    /// What the user was doing.
    pub label: Gesture,
}

/// The buffer is full and [`ExampleBuffer::push`] was asked not to overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BufferFull;

impl fmt::Display for BufferFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the example buffer is full")
    }
}

impl core::error::Error for BufferFull {}

/// Labelled examples in a buffer of fixed capacity `N`, with no heap, oldest first.
///
/// Once full, [`push_overwriting`](Self::push_overwriting) drops the oldest example, so
/// a device that keeps collecting keeps its most recent `N` windows;
/// [`push_capped`](Self::push_capped) keeps the classes balanced by dropping the oldest
/// example *of the same class* once that class has its share.
///
/// # Examples
/// ```
/// use nn_learn::sensor::{Example, ExampleBuffer, Gesture};
/// let mut buf: ExampleBuffer<2> = ExampleBuffer::new();
/// let ex = |label| Example { features: [0.0; 6], label };
/// buf.push(ex(Gesture::Still)).unwrap();
/// buf.push(ex(Gesture::Shake)).unwrap();
/// assert!(buf.push(ex(Gesture::Tilt)).is_err());
/// assert_eq!(buf.push_overwriting(ex(Gesture::Tilt)), Some(ex(Gesture::Still)));
/// assert_eq!(buf.count(Gesture::Tilt), 1);
/// ```
#[derive(Debug, Clone)]
pub struct ExampleBuffer<const N: usize> {
    examples: heapless::Vec<Example, N>,
}

impl<const N: usize> Default for ExampleBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> ExampleBuffer<N> {
    /// An empty buffer (`const`, so it can live in a `static`).
    pub const fn new() -> Self {
        ExampleBuffer { examples: heapless::Vec::new() }
    }

    /// Appends `example`, or returns [`BufferFull`] without changing anything.
    pub fn push(&mut self, example: Example) -> Result<(), BufferFull> {
        self.examples.push(example).map_err(|_| BufferFull)
    }

    /// Appends `example`; when full, first drops the oldest example and returns it.
    pub fn push_overwriting(&mut self, example: Example) -> Option<Example> {
        let dropped = if self.examples.is_full() { self.remove(0) } else { None };
        // Cannot fail: there is room now (a zero-capacity buffer keeps nothing).
        self.examples.push(example).ok();
        dropped
    }

    /// Appends `example`; when its class already has `cap` examples, or the buffer is
    /// full, first drops the oldest example of that class (or, failing that, the oldest
    /// of all) and returns it.
    ///
    /// ```
    /// use nn_learn::sensor::{Example, ExampleBuffer, Gesture};
    /// let ex = |label, v| Example { features: [v; 6], label };
    /// let mut buf: ExampleBuffer<8> = ExampleBuffer::new();
    /// buf.push_capped(ex(Gesture::Still, 1.0), 2);
    /// buf.push_capped(ex(Gesture::Shake, 2.0), 2);
    /// buf.push_capped(ex(Gesture::Still, 3.0), 2);
    /// assert_eq!(buf.push_capped(ex(Gesture::Still, 4.0), 2), Some(ex(Gesture::Still, 1.0)));
    /// assert_eq!((buf.count(Gesture::Still), buf.count(Gesture::Shake)), (2, 1));
    /// ```
    pub fn push_capped(&mut self, example: Example, cap: usize) -> Option<Example> {
        let dropped = if self.count(example.label) >= cap || self.examples.is_full() {
            match self.examples.iter().position(|e| e.label == example.label) {
                Some(i) => self.remove(i),
                None => self.remove(0),
            }
        } else {
            None
        };
        self.examples.push(example).ok();
        dropped
    }

    fn remove(&mut self, index: usize) -> Option<Example> {
        (index < self.examples.len()).then(|| self.examples.remove(index))
    }

    /// The examples, oldest first.
    pub fn as_slice(&self) -> &[Example] {
        &self.examples
    }

    /// Number of examples held.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// True when no example is held.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// True when `len() == N`.
    pub fn is_full(&self) -> bool {
        self.examples.is_full()
    }

    /// The fixed capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Number of examples labelled `label`.
    pub fn count(&self, label: Gesture) -> usize {
        self.examples.iter().filter(|e| e.label == label).count()
    }

    /// Drops every example.
    pub fn clear(&mut self) {
        self.examples.clear();
    }
}

/// 1 g in milli-g.
const G_MG: f32 = 1000.0;
const TWO_PI: f32 = core::f32::consts::TAU;
const DEG: f32 = core::f32::consts::PI / 180.0;

/// How one window of a gesture moves: drawn at random when the window starts.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Motion {
    gesture: Gesture,
    /// Tilt from vertical at the start and end of the window, radians.
    tilt_from: f32,
    tilt_to: f32,
    /// Direction of the tilt in the x–y plane, radians.
    azimuth: f32,
    /// Shake: amplitude (milli-g), frequency (cycles per sample), phase, direction.
    shake_mg: f32,
    shake_freq: f32,
    shake_phase: f32,
    shake_azimuth: f32,
    /// Slow hand tremor: amplitude (milli-g) and frequency (cycles per sample).
    tremor_mg: f32,
    tremor_freq: f32,
    /// White sensor and hand noise, milli-g (standard deviation).
    noise_mg: f32,
}

/// A seeded simulator of the three gestures, as an LSM303AGR at ±4 g in
/// high-resolution mode would report them (milli-g, multiples of 2, clamped to
/// ±[`FULL_SCALE_MG`]).
///
/// Classes overlap on purpose: "still" may be tilted up to 25°, "tilt" starts from 15°,
/// a weak shake is hardly stronger than a shaky hand, so a classifier has to learn the
/// boundary from data and does not reach 100 %.
///
/// # Examples
/// ```
/// use nn_learn::sensor::{GestureSim, Gesture};
/// let mut a = GestureSim::new(7);
/// let mut b = GestureSim::new(7);
/// assert_eq!(a.window(Gesture::Shake), b.window(Gesture::Shake));
/// ```
#[derive(Debug, Clone)]
pub struct GestureSim {
    rng: Rng,
    motion: Motion,
    /// Samples produced since the window started.
    t: u32,
}

impl GestureSim {
    /// A simulator whose whole output is fixed by `seed`. It starts in a still window.
    pub fn new(seed: u32) -> Self {
        // The raw seed is the generator's state (not Rng::new's hash), as it always was.
        let mut rng = Rng::from_state(seed);
        let motion = Self::draw(&mut rng, Gesture::Still);
        GestureSim { rng, motion, t: 0 }
    }

    /// The gesture of the current window.
    pub fn gesture(&self) -> Gesture {
        self.motion.gesture
    }

    /// Starts a new window of `gesture` with freshly drawn motion parameters.
    pub fn start_window(&mut self, gesture: Gesture) {
        self.motion = Self::draw(&mut self.rng, gesture);
        self.t = 0;
    }

    /// Starts a window of `gesture` and returns its [`WINDOW`] samples.
    pub fn window(&mut self, gesture: Gesture) -> Window {
        self.start_window(gesture);
        let mut w = [[0; 3]; WINDOW];
        for s in w.iter_mut() {
            *s = self.sample();
        }
        w
    }

    /// The next sample of the current window.
    pub fn sample(&mut self) -> Sample {
        let m = self.motion;
        let t = self.t as f32;
        self.t = self.t.wrapping_add(1);
        let progress = t / WINDOW as f32;
        let tilt = m.tilt_from + (m.tilt_to - m.tilt_from) * progress;
        let (sin_t, cos_t) = (libm::sinf(tilt), libm::cosf(tilt));
        let mut a = [G_MG * sin_t * libm::cosf(m.azimuth), G_MG * sin_t * libm::sinf(m.azimuth), G_MG * cos_t];
        let shake = m.shake_mg * libm::sinf(TWO_PI * m.shake_freq * t + m.shake_phase);
        a[0] += shake * libm::cosf(m.shake_azimuth);
        a[1] += shake * libm::sinf(m.shake_azimuth);
        a[2] += 0.3 * shake;
        let tremor = m.tremor_mg * libm::sinf(TWO_PI * m.tremor_freq * t);
        for (axis, v) in a.iter_mut().enumerate() {
            // The tremor reaches each axis with a different weight.
            *v += tremor * (0.5 + 0.25 * axis as f32) + m.noise_mg * self.rng.gaussian();
        }
        a.map(quantise)
    }

    fn draw(rng: &mut Rng, gesture: Gesture) -> Motion {
        let azimuth = rng.range(0.0, TWO_PI);
        let noise_mg = rng.range(8.0, 45.0);
        let tremor_mg = rng.range(0.0, 60.0);
        let tremor_freq = rng.range(0.005, 0.03);
        let mut m = Motion {
            gesture,
            tilt_from: 0.0,
            tilt_to: 0.0,
            azimuth,
            shake_mg: 0.0,
            shake_freq: 0.0,
            shake_phase: 0.0,
            shake_azimuth: 0.0,
            tremor_mg,
            tremor_freq,
            noise_mg,
        };
        match gesture {
            Gesture::Still => {
                let tilt = rng.range(0.0, 25.0) * DEG;
                m.tilt_from = tilt;
                m.tilt_to = tilt + rng.range(-2.0, 2.0) * DEG;
            }
            Gesture::Shake => {
                let tilt = rng.range(0.0, 35.0) * DEG;
                m.tilt_from = tilt;
                m.tilt_to = tilt + rng.range(-8.0, 8.0) * DEG;
                m.shake_mg = rng.range(150.0, 1200.0);
                // 2.5–7 Hz at 50 Hz sampling.
                m.shake_freq = rng.range(0.05, 0.14);
                m.shake_phase = rng.range(0.0, TWO_PI);
                m.shake_azimuth = rng.range(0.0, TWO_PI);
            }
            Gesture::Tilt => {
                m.tilt_from = rng.range(15.0, 50.0) * DEG;
                m.tilt_to = m.tilt_from + rng.range(5.0, 40.0) * DEG;
            }
        }
        m
    }
}

/// Hidden units of [`GestureNet`].
pub const HIDDEN: usize = 10;

/// The classifier trained on the device: features → tanh hidden layer → softmax over
/// the [`CLASSES`] gestures.
pub type GestureNet = (Dense<FEATURES, HIDDEN, Tanh>, Dense<HIDDEN, CLASSES, Softmax>);

/// One-hot targets, one row per class, borrowed by the [`Dataset`] impl.
static ONE_HOT: [[f32; CLASSES]; CLASSES] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

impl<const N: usize> Dataset for ExampleBuffer<N> {
    fn len(&self) -> usize {
        self.examples.len()
    }

    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        let e = self.examples.get(index)?;
        Some((&e.features, ONE_HOT.get(e.label.index())?))
    }
}

/// One example as a data set of one sample: online training steps on the window just
/// read ([`Trainer::step`] with batch `[0]`).
impl Dataset for Example {
    fn len(&self) -> usize {
        1
    }

    fn sample(&self, index: usize) -> Option<(&[f32], &[f32])> {
        if index != 0 {
            return None;
        }
        Some((&self.features, ONE_HOT.get(self.label.index())?))
    }
}

/// Everything besides the data that fixes a trained [`GestureNet`] bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Recipe {
    /// Seed of the Xavier initialisation.
    pub init_seed: u32,
    /// Passes over the buffer.
    pub epochs: u32,
    /// Loss, optimiser, rate, batch size, shuffling seed.
    pub config: TrainConfig,
}

/// The optimiser of [`Recipe::DEFAULT`], fixed so that [`WORK`] is a constant.
pub const OPTIMIZER: Optimizer = Optimizer::Momentum { momentum: 0.9 };

/// Floats of trainer work space [`train`] keeps on the stack.
pub const WORK: usize = work_len(<GestureNet as Network>::PARAMS, OPTIMIZER);

impl Recipe {
    /// Softmax cross-entropy, per-sample SGD with momentum 0.9, shuffled every epoch,
    /// learning rate 0.02 decaying as 1 / (1 + 0.01 · epoch), 150 epochs.
    pub const DEFAULT: Recipe = Recipe {
        init_seed: 1,
        epochs: 150,
        config: TrainConfig {
            loss: Loss::SoftmaxCe,
            optimizer: OPTIMIZER,
            learning_rate: 0.02,
            schedule: Schedule::InverseTime { decay: 0.01 },
            weight_decay: 0.0,
            clip_norm: 0.0,
            batch_size: 1,
            shuffle: true,
            biases: Biases::Train,
            seed: 2,
        },
    };

    /// A freshly initialised network.
    pub fn initial_net(&self) -> GestureNet {
        let mut net = GestureNet::default();
        Init::Xavier.apply(&mut net, &mut Rng::new(self.init_seed));
        net
    }
}

/// Trains `net` on `data` for `recipe.epochs` epochs; `on_epoch(epoch, report)` runs
/// after each. Returns the last epoch's report. Work space (about
/// [`WORK`] + the buffer's capacity in `u32`s) lives on the stack.
pub fn train<const N: usize>(
    net: &mut GestureNet,
    data: &ExampleBuffer<N>,
    recipe: &Recipe,
    mut on_epoch: impl FnMut(u32, &EpochReport),
) -> Result<EpochReport, Error> {
    let needed = work_len(<GestureNet as Network>::PARAMS, recipe.config.optimizer);
    if needed > WORK {
        return Err(Error::BufferTooSmall { needed, found: WORK });
    }
    let mut work = [0.0f32; WORK];
    let mut scratch = [0.0f32; <GestureNet as Network>::SCRATCH];
    let mut order = Order::<N>::new(data.len())?;
    let mut trainer = Trainer::new(recipe.config, net, &mut work)?;
    let mut last = Err(Error::EmptyDataset);
    for epoch in 0..recipe.epochs {
        let report = trainer.epoch(net, data, order.as_mut_slice(), &mut scratch)?;
        on_epoch(epoch, &report);
        last = Ok(report);
    }
    last
}

/// The predicted gesture and the network's outputs (class probabilities).
pub fn predict(net: &GestureNet, features: &Features) -> Result<(Gesture, [f32; CLASSES]), Error> {
    let mut scratch = [0.0f32; <GestureNet as Network>::SCRATCH];
    let out = forward(net, features, &mut scratch)?;
    let mut p = [0.0f32; CLASSES];
    for (d, s) in p.iter_mut().zip(out) {
        *d = *s;
    }
    let g = argmax(&p).and_then(Gesture::from_index).ok_or(Error::NonFinite)?;
    Ok((g, p))
}

/// Held-out results: a confusion matrix, `confusion[truth][predicted]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Score {
    /// Windows of class `truth` predicted as class `predicted`.
    pub confusion: [[u32; CLASSES]; CLASSES],
}

impl Score {
    /// Counts one prediction.
    pub fn record(&mut self, truth: Gesture, predicted: Gesture) {
        if let Some(cell) = self.confusion.get_mut(truth.index()).and_then(|r| r.get_mut(predicted.index())) {
            *cell = cell.saturating_add(1);
        }
    }

    /// Predictions counted.
    pub fn total(&self) -> u32 {
        self.confusion.iter().flatten().sum()
    }

    /// Correct predictions.
    pub fn correct(&self) -> u32 {
        (0..CLASSES).map(|i| self.confusion[i][i]).sum()
    }

    /// Fraction correct (0 when nothing was counted).
    pub fn accuracy(&self) -> f32 {
        match self.total() {
            0 => 0.0,
            t => self.correct() as f32 / t as f32,
        }
    }
}

/// The scripted session of the QEMU firmware: a stream of simulated windows from one
/// seed, the first [`train_windows`](Self::train_windows) labelled into the buffer, the
/// next [`test_windows`](Self::test_windows) held out. Window `i` is gesture
/// `i mod 3` ([`Demo::gesture`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Demo {
    /// Seed of the [`GestureSim`].
    pub data_seed: u32,
    /// Labelled windows collected for training.
    pub train_windows: usize,
    /// Windows held out for the accuracy figure.
    pub test_windows: usize,
    /// How the network is trained.
    pub recipe: Recipe,
}

/// Training buffer capacity the demo needs (and the firmware allocates).
pub const DEMO_BUFFER: usize = 120;

impl Demo {
    /// The session CI runs and `nn verify-device` checks: seed 2026, 120 training and
    /// 150 held-out windows, [`Recipe::DEFAULT`].
    pub const DEFAULT: Demo =
        Demo { data_seed: 2026, train_windows: DEMO_BUFFER, test_windows: 150, recipe: Recipe::DEFAULT };

    /// The gesture of window `i` of the session.
    pub const fn gesture(i: usize) -> Gesture {
        match Gesture::from_index(i % CLASSES) {
            Some(g) => g,
            None => Gesture::Still,
        }
    }

    /// Fills `buffer` with the training windows, each read by `read(gesture)` (which
    /// must start a window of that gesture and return its samples, and should skip
    /// windows that fail [`check_window`]: one that gets here ends the collection).
    pub fn collect<const N: usize, E>(
        &self,
        buffer: &mut ExampleBuffer<N>,
        mut read: impl FnMut(Gesture) -> Result<Window, E>,
    ) -> Result<(), DemoError<E>> {
        for i in 0..self.train_windows {
            let label = Self::gesture(i);
            let features = checked_features(&read(label).map_err(DemoError::Read)?).map_err(DemoError::Window)?;
            buffer.push(Example { features, label }).map_err(|_| DemoError::BufferFull)?;
        }
        Ok(())
    }

    /// Scores `net` on the held-out windows, read by `read(gesture)` after the training
    /// windows.
    pub fn evaluate<E>(
        &self,
        net: &GestureNet,
        mut read: impl FnMut(Gesture) -> Result<Window, E>,
    ) -> Result<Score, DemoError<E>> {
        let mut score = Score::default();
        for i in 0..self.test_windows {
            let truth = Self::gesture(self.train_windows + i);
            let window = read(truth).map_err(DemoError::Read)?;
            let features = checked_features(&window).map_err(DemoError::Window)?;
            let (predicted, _) = predict(net, &features).map_err(DemoError::Net)?;
            score.record(truth, predicted);
        }
        Ok(score)
    }

    /// The whole session computed on the host, without a sensor: the network the device
    /// must end up with, bit for bit, and its held-out score.
    pub fn reference(&self) -> Result<(GestureNet, Score), DemoError<core::convert::Infallible>> {
        let mut sim = GestureSim::new(self.data_seed);
        let mut buffer = ExampleBuffer::<DEMO_BUFFER>::new();
        self.collect(&mut buffer, |g| Ok(sim.window(g)))?;
        let mut net = self.recipe.initial_net();
        train(&mut net, &buffer, &self.recipe, |_, _| {}).map_err(DemoError::Net)?;
        let score = self.evaluate(&net, |g| Ok(sim.window(g)))?;
        Ok((net, score))
    }
}

/// Why a [`Demo`] step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DemoError<E> {
    /// Reading a window failed.
    Read(E),
    /// A window failed the quality check ([`checked_features`]).
    Window(WindowFault),
    /// More training windows than the buffer holds.
    BufferFull,
    /// Training or prediction failed.
    Net(Error),
}

impl<E: fmt::Debug> fmt::Display for DemoError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Read(e) => write!(f, "reading a window failed: {e:?}"),
            DemoError::Window(e) => write!(f, "unusable window: {e}"),
            DemoError::BufferFull => f.write_str("the example buffer is full"),
            DemoError::Net(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for DemoError<E> {}

/// Rounds milli-g to the sensor's 2 mg step and clamps to its range.
fn quantise(mg: f32) -> i16 {
    let steps = libm::roundf(mg * 0.5);
    let mg = steps * 2.0;
    let max = f32::from(FULL_SCALE_MG);
    // The clamp makes the cast exact; NaN cannot occur (finite inputs only).
    mg.clamp(-max - 2.0, max) as i16
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

    #[test]
    fn features_match_float64_reference() {
        let mut sim = GestureSim::new(3);
        for g in Gesture::ALL {
            let w = sim.window(g);
            let f = features(&w);
            for axis in 0..3 {
                let xs = w.iter().map(|s| f64::from(s[axis]));
                let mean = xs.clone().sum::<f64>() / WINDOW as f64;
                let var = xs.map(|x| (x - mean) * (x - mean)).sum::<f64>() / WINDOW as f64;
                assert!((f64::from(f[axis]) - mean / 1000.0).abs() < 1e-6);
                assert!((f64::from(f[3 + axis]) - var.sqrt() / 1000.0).abs() < 1e-6);
            }
        }
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
    fn simulated_windows_pass_the_check() {
        let mut sim = GestureSim::new(17);
        for _ in 0..2000 {
            for g in Gesture::ALL {
                let w = sim.window(g);
                assert_eq!(checked_features(&w), Ok(features(&w)), "{g}");
            }
        }
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

    #[test]
    fn an_example_is_a_data_set_of_one() {
        let ex = Example { features: [0.5; FEATURES], label: Gesture::Tilt };
        assert_eq!(Dataset::len(&ex), 1);
        assert_eq!(ex.sample(0), Some((&ex.features[..], &[0.0, 0.0, 1.0][..])));
        assert_eq!(ex.sample(1), None);
    }

    #[test]
    fn samples_are_on_the_sensor_grid() {
        let mut sim = GestureSim::new(9);
        for _ in 0..50 {
            for g in Gesture::ALL {
                for s in sim.window(g) {
                    for v in s {
                        assert_eq!(v % 2, 0);
                        assert!((-FULL_SCALE_MG - 2..=FULL_SCALE_MG).contains(&v));
                    }
                }
            }
        }
    }

    #[test]
    fn simulator_is_deterministic_and_seed_dependent() {
        let mut a = GestureSim::new(1234);
        let mut b = GestureSim::new(1234);
        let mut c = GestureSim::new(1235);
        let (wa, wb, wc) = (a.window(Gesture::Tilt), b.window(Gesture::Tilt), c.window(Gesture::Tilt));
        assert_eq!(wa, wb);
        assert_ne!(wa, wc);
    }

    #[test]
    fn gestures_differ_on_average() {
        // Mean over many windows: still is near-vertical, tilt is not, shake moves most.
        let mut sim = GestureSim::new(5);
        let mut mean_z = [0.0f32; CLASSES];
        let mut mean_std = [0.0f32; CLASSES];
        let n = 200;
        for _ in 0..n {
            for g in Gesture::ALL {
                let f = features(&sim.window(g));
                mean_z[g.index()] += f[2] / n as f32;
                mean_std[g.index()] += (f[3] + f[4] + f[5]) / n as f32;
            }
        }
        assert!(mean_z[Gesture::Still.index()] > 0.95);
        assert!(mean_z[Gesture::Tilt.index()] < 0.8);
        assert!(mean_std[Gesture::Shake.index()] > 4.0 * mean_std[Gesture::Still.index()]);
    }

    #[test]
    fn buffer_overwrites_oldest_in_order() {
        let ex = |i: usize| Example { features: [i as f32; FEATURES], label: Gesture::Still };
        let mut buf: ExampleBuffer<3> = ExampleBuffer::new();
        for i in 0..3 {
            assert_eq!(buf.push_overwriting(ex(i)), None);
        }
        assert!(buf.is_full());
        assert_eq!(buf.push(ex(9)), Err(BufferFull));
        for i in 3..8 {
            assert_eq!(buf.push_overwriting(ex(i)), Some(ex(i - 3)));
        }
        let held: [f32; 3] = core::array::from_fn(|k| buf.as_slice()[k].features[0]);
        assert_eq!(held, [5.0, 6.0, 7.0]);
        buf.clear();
        assert!(buf.is_empty());
        assert_eq!(buf.capacity(), 3);
    }

    #[test]
    fn demo_reaches_the_accuracy_target() {
        let (net, score) = Demo::DEFAULT.reference().unwrap();
        std::println!("demo: accuracy {} confusion {:?}", score.accuracy(), score.confusion);
        assert_eq!(score.total(), Demo::DEFAULT.test_windows as u32);
        assert!(score.accuracy() >= 0.9, "accuracy {}", score.accuracy());
        // Deterministic: a second run gives the same parameters, bit for bit.
        let (again, _) = Demo::DEFAULT.reference().unwrap();
        let bits = |n: &GestureNet| {
            let mut p = [0.0f32; <GestureNet as Network>::PARAMS];
            nn_core::Model::copy_params_to(n, &mut p).unwrap();
            p.map(f32::to_bits)
        };
        assert_eq!(bits(&net), bits(&again));
    }

    /// The spread of held-out accuracy over other sessions (seeds 1–12), for
    /// docs/firmware.md: `cargo test -p nn-core --release --lib accuracy_across_seeds --
    /// --ignored --nocapture`.
    #[test]
    #[ignore]
    fn accuracy_across_seeds() {
        let mut accuracies = [0.0f32; 12];
        for (k, acc) in accuracies.iter_mut().enumerate() {
            let seed = k as u32 + 1;
            let mut demo = Demo::DEFAULT;
            demo.data_seed = seed;
            demo.recipe.init_seed = seed;
            demo.recipe.config.seed = seed.wrapping_add(1);
            *acc = demo.reference().unwrap().1.accuracy();
            std::println!("seed {seed}: accuracy {acc:.4}");
        }
        let min = accuracies.iter().copied().fold(1.0, f32::min);
        let mean = accuracies.iter().sum::<f32>() / accuracies.len() as f32;
        std::println!("seeds 1-12: min {min:.4} mean {mean:.4}");
        assert!(min >= 0.85);
    }

    #[test]
    fn untrained_net_is_near_chance() {
        let demo = Demo::DEFAULT;
        let mut sim = GestureSim::new(demo.data_seed);
        let net = demo.recipe.initial_net();
        let score = demo.evaluate(&net, |g| Ok::<_, ()>(sim.window(g))).unwrap();
        assert!(score.accuracy() < 0.7, "accuracy {}", score.accuracy());
    }

    #[test]
    fn score_counts() {
        let mut s = Score::default();
        s.record(Gesture::Still, Gesture::Still);
        s.record(Gesture::Shake, Gesture::Tilt);
        assert_eq!((s.correct(), s.total(), s.accuracy()), (1, 2, 0.5));
        assert_eq!(Score::default().accuracy(), 0.0);
    }

    #[test]
    fn capped_push_keeps_classes_balanced() {
        let ex = |label, v: f32| Example { features: [v; FEATURES], label };
        let mut buf: ExampleBuffer<6> = ExampleBuffer::new();
        for i in 0..10 {
            buf.push_capped(ex(Gesture::Still, i as f32), 2);
        }
        buf.push_capped(ex(Gesture::Shake, 20.0), 2);
        buf.push_capped(ex(Gesture::Tilt, 30.0), 2);
        assert_eq!(buf.count(Gesture::Still), 2);
        let stills: [f32; 2] = [buf.as_slice()[0].features[0], buf.as_slice()[1].features[0]];
        assert_eq!(stills, [8.0, 9.0]);
        // Full buffer, class under its cap: the oldest of that class still goes first,
        // and with none of that class, the oldest of all.
        let mut full: ExampleBuffer<2> = ExampleBuffer::new();
        full.push_capped(ex(Gesture::Still, 1.0), 5);
        full.push_capped(ex(Gesture::Shake, 2.0), 5);
        assert_eq!(full.push_capped(ex(Gesture::Tilt, 3.0), 5), Some(ex(Gesture::Still, 1.0)));
        assert_eq!(full.push_capped(ex(Gesture::Shake, 4.0), 5), Some(ex(Gesture::Shake, 2.0)));
        let mut empty: ExampleBuffer<0> = ExampleBuffer::new();
        assert_eq!(empty.push_overwriting(ex(Gesture::Still, 1.0)), None);
        assert!(empty.is_empty());
    }

    #[test]
    fn gesture_indices_round_trip() {
        for (i, g) in Gesture::ALL.iter().enumerate() {
            assert_eq!(g.index(), i);
            assert_eq!(Gesture::from_index(i), Some(*g));
            assert_eq!(g.one_hot()[i], 1.0);
        }
        assert_eq!(Gesture::from_index(CLASSES), None);
    }
}
