//! Replay: a labelled recording through the whole learner, exactly as the device runs it
//! (the same functions, the same bits on the host, a Cortex-M4F and an M0). `nn replay`
//! and the QEMU firmware's replay mode both call [`replay`].
//!
//! 1. **Windows.** Samples arrive in recording order as [`Record`]s. A window is `LEN`
//!    consecutive samples of one class and one session: a change of class or session
//!    drops the samples gathered so far, so no window ever spans two labels or two
//!    sessions. After a complete window the next one starts `hop` samples later (`hop =
//!    LEN` gives disjoint windows, `LEN / 2` half-overlapping ones).
//! 2. **Quality.** Each window passes [`ReplayConfig::quality`] (stuck, saturated) or is
//!    counted in [`ReplayReport::rejected`] and dropped: such windows never reach
//!    training, as on the device.
//! 3. **Features** of the set in [`ReplayConfig::features`], in the recording's
//!    [`Scale`].
//! 4. **Split.** Deterministic ([`Split`]): every `k`-th window of each class, or every
//!    window of one session, is held out for the report; the rest is training data.
//! 5. **Learning**: [`crate::classifier::learn`] with the recipe (scaling learned from
//!    the training windows; its own held-out part of those for early stopping).
//! 6. **Report**: the held-out confusion matrix (accuracy, per-class recall) and the
//!    trained model itself, so host and device can be compared parameter by parameter.
//!
//! A recording in `f32` (m/s², °/s) is replayed as counts of a finer unit: multiply by
//! 1000, round to `i32`, and give the scale `Scale { counts_per_unit: 1000.0, unit }`.

use core::fmt;

use nn_core::activation::{Softmax, Tanh};
use nn_core::{Dense, Network, Scaled};

use crate::classifier::{self, Confusion, Examples, Labelled, LearnError, Recipe, TrainReport};
use crate::features::{check, features, FeatureSet, Quality, WindowFault};
use crate::sensor::Scale;

/// One sample of a labelled recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Record<const AXES: usize> {
    /// The class index of the sample's label.
    pub class: u8,
    /// The session (or recording id) the sample belongs to.
    pub session: u32,
    /// The raw counts of every axis.
    pub sample: [i32; AXES],
}

/// Which windows are held out for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Split {
    /// Within each class, counting its windows from 0 in recording order, windows
    /// `k − 1, 2k − 1, …` are held out (`k ≥ 2`).
    EveryKth(u16),
    /// Every window of this session is held out (several sessions: tests on a session
    /// the learner never saw).
    Session(u32),
    /// Every window of every session whose id is at least this is held out (a separate
    /// test recording appended after the training one, with its sessions renumbered).
    SessionsFrom(u32),
}

/// Everything that fixes a replay besides the recording.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReplayConfig {
    /// The features of each window.
    pub features: FeatureSet,
    /// Samples in a window: `1..=LEN`, where `LEN` is [`replay`]'s window capacity (a
    /// device sets both to its window; the host replays any length up to its capacity).
    pub window: usize,
    /// How the recording's counts become its unit.
    pub scale: Scale,
    /// Samples from the start of one window to the start of the next (1..=LEN).
    pub hop: usize,
    /// The window quality check.
    pub quality: Quality,
    /// The held-out windows of the report.
    pub split: Split,
    /// How the classifier learns.
    pub recipe: Recipe,
}

impl ReplayConfig {
    /// The defaults for a recording nobody tuned for: [`FeatureSet::GENERAL`] (mean, std,
    /// min, max, mean absolute difference per axis and of the magnitude), windows
    /// overlapping by half (`hop`), no quality check (a recording was checked when it
    /// was made; set [`Quality::rails`] for raw sensor logs), every 4th window of each
    /// class held out, [`Recipe::ADAM`] (scaling learned, early stopping). Use with
    /// [`GeneralNet`].
    pub const fn general(scale: Scale, window: usize, hop: usize) -> ReplayConfig {
        ReplayConfig {
            features: FeatureSet::GENERAL,
            window,
            scale,
            hop,
            quality: Quality::NONE,
            split: Split::EveryKth(4),
            recipe: Recipe::ADAM,
        }
    }
}

/// The default network: `F` features → 16 tanh units → softmax over `C` classes.
pub type GeneralNet<const F: usize, const C: usize> = (Dense<F, 16, Tanh>, Dense<16, C, Softmax>);

/// What a replay found.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReplayReport<const C: usize> {
    /// Samples read.
    pub samples: u32,
    /// Complete windows (before the quality check).
    pub windows: u32,
    /// Windows refused by the quality check.
    pub rejected: u32,
    /// Training windows per class.
    pub train_windows: [u32; C],
    /// Held-out windows per class.
    pub test_windows: [u32; C],
    /// What training did.
    pub train: TrainReport,
    /// The held-out windows: `counts[truth][predicted]`.
    pub confusion: Confusion<C>,
}

impl<const C: usize> ReplayReport<C> {
    /// Held-out accuracy.
    pub fn accuracy(&self) -> f32 {
        self.confusion.accuracy()
    }

    /// Held-out recall per class.
    pub fn recall(&self) -> [Option<f32>; C] {
        self.confusion.recall()
    }
}

/// Why a replay failed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReplayError {
    /// Record `record` (counted from 0) has a class index not below the number of classes.
    UnknownClass {
        /// The record's position.
        record: u32,
        /// Its class index.
        class: u8,
        /// The number of classes.
        classes: usize,
    },
    /// The window length is not in `1..=LEN` (the capacity).
    Window {
        /// The window length asked for.
        window: usize,
        /// The capacity `LEN`.
        capacity: usize,
    },
    /// `hop` is not in `1..=window`.
    Hop {
        /// The hop given.
        hop: usize,
        /// The window length.
        len: usize,
    },
    /// The features cannot be computed (a feature set of another width, a bad scale).
    Features(WindowFault),
    /// More training or held-out windows than their buffers hold.
    BufferFull,
    /// Learning failed (a class with no training window, fewer than two classes…).
    Learn(LearnError),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::UnknownClass { record, class, classes } => {
                write!(f, "record {record}: class index {class} is not below the number of classes, {classes}")
            }
            ReplayError::Window { window, capacity } => {
                write!(f, "the window of {window} samples is not between 1 and the capacity {capacity}")
            }
            ReplayError::Hop { hop, len } => write!(f, "the hop {hop} is not between 1 and the window length {len}"),
            ReplayError::Features(e) => write!(f, "features: {e}"),
            ReplayError::BufferFull => f.write_str("more windows than the example buffers hold"),
            ReplayError::Learn(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for ReplayError {}

impl From<LearnError> for ReplayError {
    fn from(e: LearnError) -> Self {
        ReplayError::Learn(e)
    }
}

/// Replays `records` (see the module docs): windows, features, split, scaling, training,
/// held-out report. `train` and `test` are the example buffers (cleared first; the
/// caller owns them so that they can live in a `static`), `work` and `scratch` the
/// trainer's work space and the model's (`work_len(Net::PARAMS, optimizer)` and
/// `Scaled::<Net, [f32; F]>::SCRATCH` floats). Returns the trained model and the report.
pub fn replay<Net: Network, const AXES: usize, const LEN: usize, const F: usize, const C: usize, const N: usize>(
    records: impl IntoIterator<Item = Record<AXES>>,
    config: &ReplayConfig,
    train: &mut Examples<F, C, N>,
    test: &mut Examples<F, C, N>,
    work: &mut [f32],
    scratch: &mut [f32],
) -> Result<(Scaled<Net, [f32; F]>, ReplayReport<C>), ReplayError> {
    let len = config.window;
    if len == 0 || len > LEN {
        return Err(ReplayError::Window { window: len, capacity: LEN });
    }
    if config.hop == 0 || config.hop > len {
        return Err(ReplayError::Hop { hop: config.hop, len });
    }
    if config.features.len(AXES) != F {
        return Err(ReplayError::Features(WindowFault::Width { expected: config.features.len(AXES), found: F }));
    }
    train.clear();
    test.clear();
    let mut window = [[0i32; AXES]; LEN];
    let mut filled = 0usize;
    let mut current: Option<(u8, u32)> = None;
    let mut per_class = [0u32; C];
    let mut samples = 0u32;
    let mut windows = 0u32;
    let mut rejected = 0u32;
    for (index, record) in records.into_iter().enumerate() {
        samples = samples.saturating_add(1);
        if usize::from(record.class) >= C {
            return Err(ReplayError::UnknownClass { record: index as u32, class: record.class, classes: C });
        }
        let key = (record.class, record.session);
        if current != Some(key) {
            current = Some(key);
            filled = 0;
        }
        if let Some(slot) = window.get_mut(filled) {
            *slot = record.sample;
            filled += 1;
        }
        if filled < len {
            continue;
        }
        windows = windows.saturating_add(1);
        let samples_of_window = window.get(..len).unwrap_or_default();
        let computed = match check(samples_of_window, &config.quality) {
            Ok(()) => features::<AXES, F>(samples_of_window, config.scale, config.features),
            Err(fault) => Err(fault),
        };
        // Keep the last window − hop samples at the front (written without a slice
        // operation that could panic: `hop` is in 1..=window, checked above).
        for i in 0..len {
            if let Some(next) = window.get(i + config.hop).copied() {
                if let Some(slot) = window.get_mut(i) {
                    *slot = next;
                }
            }
        }
        filled = len.saturating_sub(config.hop);
        let values = match computed {
            Ok(values) => values,
            Err(WindowFault::Stuck | WindowFault::Saturated | WindowFault::NonFinite) => {
                rejected = rejected.saturating_add(1);
                continue;
            }
            Err(e) => return Err(ReplayError::Features(e)),
        };
        let Some(rank) = per_class.get_mut(usize::from(record.class)) else { continue };
        let held_out = match config.split {
            Split::EveryKth(k) => k >= 2 && *rank % u32::from(k) == u32::from(k) - 1,
            Split::Session(s) => record.session == s,
            Split::SessionsFrom(s) => record.session >= s,
        };
        *rank = rank.saturating_add(1);
        let example = Labelled { features: values, class: record.class };
        let target = if held_out { &mut *test } else { &mut *train };
        target.push(example).map_err(|e| match e {
            LearnError::BufferFull => ReplayError::BufferFull,
            e => ReplayError::Learn(e),
        })?;
    }
    let (model, report) = classifier::learn::<Net, F, C, N>(train, &config.recipe, work, scratch)?;
    let confusion = classifier::score(&model, test, scratch)?;
    let counts = |e: &Examples<F, C, N>| e.counts().map(|c| c as u32);
    Ok((
        model,
        ReplayReport {
            samples,
            windows,
            rejected,
            train_windows: counts(train),
            test_windows: counts(test),
            train: report,
            confusion,
        },
    ))
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::sensor::Unit;
    use nn_core::init::Rng;
    use nn_core::train::work_len;
    use std::vec::Vec;

    const AXES: usize = 6;
    const LEN: usize = 32;
    const C: usize = 4;
    const F: usize = FeatureSet::GENERAL.len(AXES);
    type Net = GeneralNet<F, C>;
    type Model = Scaled<Net, [f32; F]>;
    const WORK: usize = work_len(Net::PARAMS, nn_core::Optimizer::ADAM);
    const N: usize = 256;

    /// A synthetic 6-axis recording of 4 activities, in counts of mg (accelerometer,
    /// axes 0–2) and of 0.01 °/s (gyroscope, axes 3–5): `segments` segments of `seg_len`
    /// samples per class, classes interleaved, over two sessions.
    fn recording(seed: u32, segments: usize, seg_len: usize) -> Vec<Record<AXES>> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for s in 0..segments {
            for class in 0..C as u8 {
                // Class 0 still, 1 walking (1.8 Hz sway), 2 running (3 Hz, strong), 3
                // turning (gyro z bias and slow sway).
                let (amp, freq, gyro_bias) =
                    [(0.0, 0.0, 0.0), (300.0, 1.8, 0.0), (900.0, 3.0, 0.0), (80.0, 0.5, 4000.0)][class as usize];
                let phase = rng.range(0.0, core::f32::consts::TAU);
                for t in 0..seg_len {
                    let time = t as f32 / 50.0;
                    let wave = amp * libm::sinf(core::f32::consts::TAU * freq * time + phase);
                    let noise = |rng: &mut Rng, a: f32| (rng.range(-a, a)) as i32;
                    let sample = [
                        wave as i32 + noise(&mut rng, 20.0),
                        (0.5 * wave) as i32 + noise(&mut rng, 20.0),
                        1000 + (0.8 * wave) as i32 + noise(&mut rng, 20.0),
                        (amp * 3.0 * libm::cosf(core::f32::consts::TAU * freq * time)) as i32 + noise(&mut rng, 150.0),
                        noise(&mut rng, 150.0),
                        gyro_bias as i32 + noise(&mut rng, 150.0),
                    ];
                    out.push(Record { class, session: (s % 2) as u32, sample });
                }
            }
        }
        out
    }

    fn run(records: &[Record<AXES>], config: &ReplayConfig) -> Result<(Model, ReplayReport<C>), ReplayError> {
        let mut train = std::boxed::Box::new(Examples::<F, C, N>::new());
        let mut test = std::boxed::Box::new(Examples::<F, C, N>::new());
        let mut work = [0.0f32; WORK];
        let mut scratch = [0.0f32; Model::SCRATCH];
        replay::<Net, AXES, LEN, F, C, N>(
            records.iter().copied(),
            config,
            &mut train,
            &mut test,
            &mut work,
            &mut scratch,
        )
    }

    #[test]
    fn a_six_axis_four_class_recording_is_learned() {
        // 8 segments of 80 samples per class: (80 − 32) / 16 + 1 = 4 windows each.
        let records = recording(11, 8, 80);
        let config = ReplayConfig::general(Scale { counts_per_unit: 1000.0, unit: Unit::G }, LEN, 16);
        let (model, report) = run(&records, &config).unwrap();
        assert_eq!(report.samples, 8 * 4 * 80);
        assert_eq!(report.windows, 8 * 4 * 4);
        assert_eq!(report.rejected, 0);
        // 32 windows per class; every 4th held out.
        assert_eq!(report.test_windows, [8; C]);
        assert_eq!(report.train_windows, [24; C]);
        assert_eq!(report.confusion.total(), 32);
        assert!(report.accuracy() >= 0.9, "{report:?}");
        assert!(report.recall().iter().all(|r| r.is_some()));
        // The scaling was learned: not the identity.
        assert!(model.scaling().scale().iter().any(|&s| s != 1.0));
        // Deterministic, bit for bit.
        let (again, report_again) = run(&records, &config).unwrap();
        assert_eq!(again, model);
        assert_eq!(report_again, report);
        // Held out by session: session 1's windows are the test set.
        let by_session = ReplayConfig { split: Split::Session(1), ..config };
        let (_, r) = run(&records, &by_session).unwrap();
        assert_eq!((r.test_windows, r.train_windows), ([16; C], [16; C]));
        assert!(r.accuracy() >= 0.9, "{r:?}");
    }

    #[test]
    fn windows_never_cross_a_label_or_session_change() {
        // Segments of 40 samples: one window of 32 each (the next would need 48).
        let records = recording(3, 2, 40);
        let config = ReplayConfig::general(Scale::unit(Unit::Other), LEN, 16);
        let (_, report) = run(&records, &config).unwrap();
        assert_eq!(report.windows, 2 * 4);
        // Disjoint windows (hop 32): still one per segment.
        let (_, r) = run(&records, &ReplayConfig { hop: 32, ..config }).unwrap();
        assert_eq!(r.windows, 2 * 4);
        // Hop 8: (40 − 32) / 8 + 1 = 2 per segment.
        let (_, r) = run(&records, &ReplayConfig { hop: 8, ..config }).unwrap();
        assert_eq!(r.windows, 2 * 4 * 2);
        // A session change in the middle of a segment: no window from it.
        let mut split_session = records.clone();
        split_session.iter_mut().skip(20).take(20).for_each(|r| r.session = 9);
        let (_, r) = run(&split_session, &config).unwrap();
        assert_eq!(r.windows, 2 * 4 - 1);
        // The last segment stops one sample short of a window.
        let (_, r) = run(&records[..4 * 40 + 4 * 40 - 9], &config).unwrap();
        assert_eq!(r.windows, 2 * 4 - 1);
    }

    #[test]
    fn bad_input_gives_clear_errors() {
        let mut records = recording(5, 2, 40);
        let config = ReplayConfig::general(Scale::unit(Unit::Other), LEN, 16);
        records[50].class = 4;
        assert_eq!(
            run(&records, &config).map(|_| ()),
            Err(ReplayError::UnknownClass { record: 50, class: 4, classes: C })
        );
        let records = recording(5, 2, 40);
        assert_eq!(
            run(&records, &ReplayConfig { hop: 0, ..config }).map(|_| ()),
            Err(ReplayError::Hop { hop: 0, len: LEN })
        );
        assert_eq!(
            run(&records, &ReplayConfig { hop: 33, ..config }).map(|_| ()),
            Err(ReplayError::Hop { hop: 33, len: LEN })
        );
        // Windows longer than the data: nothing to learn from, a clear error.
        let r = run(&records[..20], &config);
        assert_eq!(r.map(|_| ()), Err(ReplayError::Learn(LearnError::EmptyClass { class: 0 })));
        // A class with no window at all.
        let no_class_3: Vec<_> = records.iter().copied().filter(|r| r.class != 3).collect();
        assert_eq!(run(&no_class_3, &config).map(|_| ()), Err(ReplayError::Learn(LearnError::EmptyClass { class: 3 })));
        // A stuck sensor: every window refused, none reaches training.
        let stuck: Vec<_> = records.iter().map(|r| Record { sample: [7; AXES], ..*r }).collect();
        let q = ReplayConfig { quality: Quality::rails(-4096, 4094, LEN), ..config };
        assert_eq!(run(&stuck, &q).map(|_| ()), Err(ReplayError::Learn(LearnError::EmptyClass { class: 0 })));
        // Saturated windows are counted and dropped.
        let mut railed = recording(5, 4, 40);
        railed.iter_mut().filter(|r| r.class == 2 && r.session == 0).for_each(|r| r.sample[0] = 4094);
        let (_, rep) = run(&railed, &q).unwrap();
        assert_eq!(rep.rejected, 2);
    }
}
