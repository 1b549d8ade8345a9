//! The scripted anomaly-detection session ([`Watch`]): the QEMU firmware's `--anomaly`
//! mode and its host reference, which `nn verify-device` compares bit for bit.
//!
//! 1. [`Watch::normal_windows`] windows of normal running are collected ("this is normal").
//! 2. The [`Detector`] is fitted on them: autoencoder, standardisation, threshold.
//! 3. A held-out stream follows: normal running, with a burst of [`Watch::burst`]
//!    windows of each anomaly of [`Condition::ANOMALIES`] every
//!    [`Watch::gap`] normal windows, cycling through the kinds, while the detector
//!    adapts to the normal windows it is sure of. A window the sensor check refuses (a
//!    stuck sensor) counts as anomalous: it is one.
//!
//! The report counts windows (per kind: detected / shown) and alarms (a burst is
//! detected when the alarm is on at its end; a false alarm is the alarm rising during
//! normal running).

use super::vibration::{Condition, VibrationSim};
use crate::anomaly::{AnomalyError, AutoencoderRecipe, Detector, NormalWindows, ThresholdRule};
use crate::features::{check, features as window_features, FeatureSet, Quality};
use crate::sensor::Scale;
use nn_core::activation::{Identity, Tanh};
use nn_core::{Dense, Network};

/// Samples per window of the session (0.64 s at 50 Hz).
pub const WINDOW: usize = 32;
/// The session's features: per axis the mean, standard deviation and mean absolute
/// difference (in g), 9 values.
pub const SET: FeatureSet = FeatureSet::MEAN.with(FeatureSet::STD).with(FeatureSet::MEAN_ABS_DIFF);
/// Length of the feature vector.
pub const FEATURES: usize = SET.len(3);
/// The session's autoencoder: 9 features → 4 tanh → 9, identity output.
pub type Autoencoder = (Dense<FEATURES, 4, Tanh>, Dense<4, FEATURES, Identity>);
/// Normal windows the ring holds.
pub const RING: usize = 64;

/// The session's features of a window, or `None` when the sensor check refuses it (a
/// stuck or saturated window, which counts as anomalous).
pub fn features(w: &[[i16; 3]; WINDOW]) -> Option<[f32; FEATURES]> {
    let counts = w.map(|s| s.map(i32::from));
    check(&counts, &Quality::rails(-4096, 4094, WINDOW)).ok()?;
    window_features(&counts, Scale::MILLI_G_AS_G, SET).ok()
}

/// The scripted session.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Watch {
    /// Seed of the [`VibrationSim`].
    pub data_seed: u32,
    /// Normal windows collected to fit on.
    pub normal_windows: usize,
    /// Normal windows between two anomaly bursts.
    pub gap: u32,
    /// Windows in one anomaly burst.
    pub burst: u32,
    /// Bursts of each anomaly kind.
    pub bursts_per_kind: u32,
    /// The autoencoder's training.
    pub recipe: AutoencoderRecipe,
    /// The threshold, alarm and adaptation rule.
    pub rule: ThresholdRule,
}

/// Per-kind counts of a [`Watch`] session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KindCount {
    /// Windows of this kind shown.
    pub windows: u32,
    /// Of those, windows scored above the threshold (or refused by the sensor check).
    pub flagged: u32,
    /// Bursts shown.
    pub bursts: u32,
    /// Bursts at whose end the alarm was on.
    pub alarmed: u32,
}

/// What a [`Watch`] session measured.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WatchReport {
    /// Normal windows of the held-out stream, and how many scored above the threshold.
    pub normal: KindCount,
    /// Times the alarm rose during normal running.
    pub false_alarms: u32,
    /// Per anomaly kind, in the order of [`Condition::ANOMALIES`].
    pub anomalies: [KindCount; 4],
    /// The calibrated threshold.
    pub threshold: f32,
    /// Adaptation steps taken on normal windows.
    pub adapted: u32,
    /// FNV-1a of the final autoencoder's parameters and scaling (the bits host and device
    /// must agree on).
    pub fingerprint: u32,
}

impl Watch {
    /// The session CI runs: seed 7, 64 normal windows, then 5 bursts of 6 windows of each
    /// kind, 40 normal windows apart.
    pub const DEFAULT: Watch = Watch {
        data_seed: 7,
        normal_windows: 64,
        gap: 40,
        burst: 6,
        bursts_per_kind: 5,
        recipe: AutoencoderRecipe::DEFAULT,
        rule: ThresholdRule::DEFAULT,
    };

    /// Runs the session on windows from `read(condition)` (the simulator directly on the
    /// host; the simulated chip behind the real driver on the device), with `features`
    /// turning a window into a feature vector or refusing it (`None`). `CAP` is the
    /// normal-window ring's capacity (at least `normal_windows`).
    pub fn run<N: Network, const F: usize, const CAP: usize, W, E>(
        &self,
        mut read: impl FnMut(Condition) -> Result<W, E>,
        features: impl Fn(&W) -> Option<[f32; F]>,
        work: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<(WatchReport, Detector<N, F>), WatchError<E>> {
        let mut normal = NormalWindows::<F, CAP>::new();
        let mut collected = 0;
        while collected < self.normal_windows.min(CAP) {
            if let Some(f) = features(&read(Condition::Normal).map_err(WatchError::Read)?) {
                normal.push(f);
                collected += 1;
            }
        }
        let mut det = Detector::<N, F>::fit(&mut normal, &self.recipe, self.rule, work, scratch)?;
        let mut report = WatchReport {
            normal: KindCount::default(),
            false_alarms: 0,
            anomalies: [KindCount::default(); 4],
            threshold: det.calibration().threshold,
            adapted: 0,
            fingerprint: 0,
        };
        let cycles = self.bursts_per_kind * Condition::ANOMALIES.len() as u32;
        for cycle in 0..cycles {
            for _ in 0..self.gap {
                let was_on = det.alarm().is_on();
                let window = read(Condition::Normal).map_err(WatchError::Read)?;
                let flagged = match features(&window) {
                    Some(f) => {
                        let v = det.observe(&f, scratch)?;
                        if !v.anomalous {
                            det.adapt(&f, scratch)?;
                        }
                        v.anomalous
                    }
                    None => {
                        det.observe_fault();
                        true
                    }
                };
                report.normal.windows += 1;
                report.normal.flagged += u32::from(flagged);
                if det.alarm().is_on() && !was_on {
                    report.false_alarms += 1;
                }
            }
            let kind = cycle as usize % Condition::ANOMALIES.len();
            let condition = Condition::ANOMALIES.get(kind).copied().unwrap_or(Condition::Stuck);
            for _ in 0..self.burst {
                let window = read(condition).map_err(WatchError::Read)?;
                let flagged = match features(&window) {
                    Some(f) => det.observe(&f, scratch)?.anomalous,
                    None => {
                        det.observe_fault();
                        true
                    }
                };
                if let Some(count) = report.anomalies.get_mut(kind) {
                    count.windows += 1;
                    count.flagged += u32::from(flagged);
                }
            }
            if let Some(count) = report.anomalies.get_mut(kind) {
                count.bursts += 1;
                count.alarmed += u32::from(det.alarm().is_on());
            }
        }
        report.adapted = det.adapted();
        report.fingerprint = det.fingerprint();
        Ok((report, det))
    }

    /// [`run`](Self::run) on the simulator directly (the host reference).
    pub fn reference<N: Network, const F: usize, const CAP: usize, const L: usize>(
        &self,
        features: impl Fn(&[[i16; 3]; L]) -> Option<[f32; F]>,
        work: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<(WatchReport, Detector<N, F>), WatchError<core::convert::Infallible>> {
        let mut sim = VibrationSim::new(self.data_seed);
        self.run::<N, F, CAP, _, _>(|c| Ok(sim.window::<L>(c)), features, work, scratch)
    }
}

/// Why a [`Watch`] session stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WatchError<E> {
    /// Reading a window failed.
    Read(E),
    /// The detector refused.
    Detector(AnomalyError),
}

impl<E> From<AnomalyError> for WatchError<E> {
    fn from(e: AnomalyError) -> Self {
        WatchError::Detector(e)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    type Ae = Autoencoder;

    #[test]
    fn the_default_session_detects_every_kind_with_few_false_alarms() {
        let mut work = [0.0; Detector::<Ae, 9>::WORK];
        let mut scratch = [0.0; Detector::<Ae, 9>::SCRATCH];
        let (r, _) = Watch::DEFAULT.reference::<Ae, 9, 64, 32>(features, &mut work, &mut scratch).unwrap();
        // docs/learning.md quotes this line (`cargo test -p nn-learn ... watch -- --nocapture`).
        std::println!("{r:?}");
        assert_eq!(r.normal.windows, 20 * 40);
        for (kind, c) in Condition::ANOMALIES.iter().zip(&r.anomalies) {
            assert_eq!((c.windows, c.bursts), (30, 5), "{kind:?}");
            assert!(c.flagged >= 27 && c.alarmed == 5, "{kind:?}: {c:?}");
        }
        // Normal running: at most 5 % of windows above the threshold, at most one false
        // alarm in 800 windows (8.5 minutes at 0.64 s per window).
        assert!(r.normal.flagged <= 40 && r.false_alarms <= 1, "{r:?}");
        assert!(r.adapted > 400, "{r:?}");
        // The same session twice: the same bits.
        let (again, _) = Watch::DEFAULT.reference::<Ae, 9, 64, 32>(features, &mut work, &mut scratch).unwrap();
        assert_eq!(again, r);
    }
}
