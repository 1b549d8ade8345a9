//! The gesture simulator: [`GestureSim`], a seeded, noisy simulator of the three
//! [`Gesture`]s as an LSM303AGR would report them, used by the QEMU firmware (behind the
//! simulated chip, [`super::chip`]) and by host tests.
//!
//! Every step is deterministic: the simulator uses `nn_core::init::Rng` and `libm`, so
//! the host and a Cortex-M (with or without FPU) produce the same bits.

use nn_core::init::Rng;

use crate::gesture::Gesture;
use crate::window::{Sample, Window, FULL_SCALE_MG, WINDOW};

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
/// use nn_learn::gesture::Gesture;
/// use nn_learn::sim::gestures::GestureSim;
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
    use crate::gesture::CLASSES;
    use crate::window::{checked_features, features};

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
}
