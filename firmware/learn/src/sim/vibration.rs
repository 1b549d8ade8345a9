//! The vibration simulator: a board fixed to a running machine (a fan, a pump, a motor
//! on its mount), as a three-axis accelerometer in milli-g reports it, with the faults an
//! anomaly detector should raise an alarm for ([`Condition`]).
//!
//! Normal running is an orbit in the x–y plane at the machine's speed with a weaker
//! second harmonic, gravity on z, sensor noise, and a slow drift of speed and amplitude
//! over thousands of windows (warming up, a changing load): the detector must not call
//! that an anomaly. Every step is deterministic (`nn_core::init::Rng`, `libm`), so the
//! host and a Cortex-M produce the same bits.

use nn_core::init::Rng;

/// 1 g in milli-g.
const G_MG: f32 = 1000.0;
const TWO_PI: f32 = core::f32::consts::TAU;
/// Largest magnitude a sample may take, milli-g (an LSM303AGR at ±4 g: −4096..=4094).
const RAIL_MG: f32 = 4094.0;

/// What the machine is doing during a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Condition {
    /// Running as it should (with its slow drift).
    Normal,
    /// Running at another speed: the vibration's frequency is 1.7 times normal (a
    /// slipping belt, a failing bearing's own tone).
    Frequency,
    /// Vibrating 2.2 times harder (an imbalance, a loose mount).
    Amplitude,
    /// Normal running with a knock: a spike of 1.5–2.5 g on every axis, decaying over a
    /// few samples, somewhere in the window.
    Shock,
    /// The sensor stopped updating: every sample repeats the first one.
    Stuck,
}

impl Condition {
    /// The anomalies, in a fixed order.
    pub const ANOMALIES: [Condition; 4] =
        [Condition::Frequency, Condition::Amplitude, Condition::Shock, Condition::Stuck];

    /// Lower-case name, as printed in logs and reports.
    pub const fn name(self) -> &'static str {
        match self {
            Condition::Normal => "normal",
            Condition::Frequency => "frequency",
            Condition::Amplitude => "amplitude",
            Condition::Shock => "shock",
            Condition::Stuck => "stuck",
        }
    }
}

/// Normal speed: cycles per sample (6 Hz at 50 samples per second).
const BASE_FREQ: f32 = 0.12;
/// Normal orbit amplitude, milli-g.
const BASE_MG: f32 = 200.0;
/// Windows over which speed and amplitude drift once up and back.
const DRIFT_PERIOD: f32 = 4000.0;

/// A seeded vibration simulator.
///
/// # Examples
/// ```
/// use nn_learn::sim::vibration::{Condition, VibrationSim};
/// let mut a = VibrationSim::new(3);
/// let mut b = VibrationSim::new(3);
/// let (wa, wb): ([[i16; 3]; 32], [[i16; 3]; 32]) = (a.window(Condition::Shock), b.window(Condition::Shock));
/// assert_eq!(wa, wb);
/// ```
#[derive(Debug, Clone)]
pub struct VibrationSim {
    rng: Rng,
    /// Windows produced so far (the drift's clock).
    windows: u32,
}

impl VibrationSim {
    /// A simulator whose whole output is fixed by `seed`.
    pub fn new(seed: u32) -> Self {
        VibrationSim { rng: Rng::new(seed), windows: 0 }
    }

    /// Windows produced so far.
    pub fn windows(&self) -> u32 {
        self.windows
    }

    /// The next window of `L` samples (x, y, z in milli-g, multiples of 2 as the
    /// LSM303AGR's 12-bit mode gives) in `condition`.
    pub fn window<const L: usize>(&mut self, condition: Condition) -> [[i16; 3]; L] {
        // Slow drift: ±8 % speed, ±15 % amplitude, in quadrature, over DRIFT_PERIOD windows.
        let phase = TWO_PI * (self.windows % DRIFT_PERIOD as u32) as f32 / DRIFT_PERIOD;
        self.windows = self.windows.wrapping_add(1);
        let mut freq = BASE_FREQ * (1.0 + 0.08 * libm::sinf(phase)) * self.rng.range(0.97, 1.03);
        let mut amp = BASE_MG * (1.0 + 0.15 * libm::cosf(phase)) * self.rng.range(0.9, 1.1);
        match condition {
            Condition::Frequency => freq *= 1.7,
            Condition::Amplitude => amp *= 2.2,
            _ => {}
        }
        let start = self.rng.range(0.0, TWO_PI);
        let noise = self.rng.range(8.0, 16.0);
        let tilt = self.rng.range(-30.0, 30.0);
        let (shock_at, shock_mg) = (self.rng.range(0.0, L as f32) as usize, self.rng.range(1500.0, 2500.0));
        let mut w = [[0i16; 3]; L];
        for (t, s) in w.iter_mut().enumerate() {
            let angle = TWO_PI * freq * t as f32 + start;
            let harmonic = 0.25 * amp * libm::sinf(2.0 * angle);
            let mut a = [
                amp * libm::cosf(angle) + harmonic + tilt,
                amp * libm::sinf(angle) - harmonic,
                G_MG + 0.2 * amp * libm::sinf(angle),
            ];
            if condition == Condition::Shock && t >= shock_at {
                // A knock rings down by half each sample.
                let k = shock_mg * libm::powf(0.5, (t - shock_at) as f32);
                a.iter_mut().enumerate().for_each(|(i, v)| *v += if i == 1 { -k } else { k });
            }
            for v in a.iter_mut() {
                *v += noise * self.rng.gaussian();
            }
            *s = a.map(quantise);
        }
        if condition == Condition::Stuck {
            let first = w.first().copied().unwrap_or_default();
            w.iter_mut().for_each(|s| *s = first);
        }
        w
    }
}

/// Rounds to the LSM303AGR's 2 mg step within its range.
fn quantise(mg: f32) -> i16 {
    let clamped = mg.clamp(-RAIL_MG - 2.0, RAIL_MG);
    (libm::roundf(clamped / 2.0) as i16) * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sign changes of x around its window mean: twice the number of cycles.
    fn crossings(w: &[[i16; 3]]) -> usize {
        let mean = w.iter().map(|s| f64::from(s[0])).sum::<f64>() / w.len() as f64;
        w.windows(2).filter(|p| (f64::from(p[0][0]) - mean).signum() != (f64::from(p[1][0]) - mean).signum()).count()
    }

    fn spread(w: &[[i16; 3]]) -> f64 {
        let mean = w.iter().map(|s| f64::from(s[0])).sum::<f64>() / w.len() as f64;
        (w.iter().map(|s| (f64::from(s[0]) - mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt()
    }

    #[test]
    fn each_condition_has_the_signature_it_promises() {
        let mut sim = VibrationSim::new(1);
        for _ in 0..50 {
            let normal: [[i16; 3]; 64] = sim.window(Condition::Normal);
            // 6 Hz over 64 samples at 50 Hz: about 7.7 cycles, 15 crossings; noise adds a few.
            assert!((12..=22).contains(&crossings(&normal)), "{}", crossings(&normal));
            // cos amplitude ~200 mg (+ harmonic): a spread of ~150 mg.
            assert!((90.0..230.0).contains(&spread(&normal)), "{}", spread(&normal));
            let fast: [[i16; 3]; 64] = sim.window(Condition::Frequency);
            assert!(crossings(&fast) >= 22, "{}", crossings(&fast));
            let strong: [[i16; 3]; 64] = sim.window(Condition::Amplitude);
            assert!(spread(&strong) > 250.0, "{}", spread(&strong));
            let knock: [[i16; 3]; 64] = sim.window(Condition::Shock);
            assert!(knock.iter().any(|s| s[0] > 1200), "no knock in {knock:?}");
            let stuck: [[i16; 3]; 64] = sim.window(Condition::Stuck);
            assert!(stuck.iter().all(|s| *s == stuck[0]));
            assert!(normal.iter().flatten().all(|v| v % 2 == 0));
        }
    }

    #[test]
    fn the_drift_moves_normal_running_slowly() {
        let mut sim = VibrationSim::new(2);
        let mut spreads = [0.0f64; 4];
        for (quarter, s) in spreads.iter_mut().enumerate() {
            // Mean spread over the first 100 windows of each quarter of the drift period.
            sim.windows = quarter as u32 * 1000;
            *s = (0..100).map(|_| spread(&sim.window::<64>(Condition::Normal))).sum::<f64>() / 100.0;
        }
        // cos drift: strongest at the start, weakest half-way.
        assert!(spreads[0] > spreads[2] * 1.2, "{spreads:?}");
    }
}
