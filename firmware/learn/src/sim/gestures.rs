//! The gesture simulator: [`GestureSim`], a seeded, noisy simulator of the three
//! [`Gesture`]s as an LSM303AGR would report them, used by the QEMU firmware (behind the
//! simulated chip, [`super::chip`]) and by host tests; and [`XorShift32`], its generator.
//!
//! Every step is deterministic: the simulator uses a xorshift generator and `libm`, so
//! the host and a Cortex-M (with or without FPU) produce the same bits.

use crate::gesture::Gesture;
use crate::window::{Sample, Window, FULL_SCALE_MG, WINDOW};

/// Marsaglia's xorshift32 (shifts 13, 17, 5): tiny, seeded, identical everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XorShift32 {
    state: u32,
}

impl XorShift32 {
    /// A generator seeded with `seed` (a zero seed, which xorshift cannot leave, is replaced).
    pub const fn new(seed: u32) -> Self {
        XorShift32 { state: if seed == 0 { 0x9E37_79B9 } else { seed } }
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x
    }

    /// Uniform in `[0, 1)`, with 24 random bits (exact in `f32`).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in `[low, high)`.
    pub fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.uniform()
    }

    /// Approximately standard normal: the Irwin–Hall sum of four uniforms, centred and
    /// scaled to unit variance (tails end at ±3.46, which is all a sensor model needs).
    pub fn gaussian(&mut self) -> f32 {
        let sum = self.uniform() + self.uniform() + self.uniform() + self.uniform();
        (sum - 2.0) * 1.732_050_8
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
/// use nn_learn::gesture::Gesture;
/// use nn_learn::sim::gestures::GestureSim;
/// let mut a = GestureSim::new(7);
/// let mut b = GestureSim::new(7);
/// assert_eq!(a.window(Gesture::Shake), b.window(Gesture::Shake));
/// ```
#[derive(Debug, Clone)]
pub struct GestureSim {
    rng: XorShift32,
    motion: Motion,
    /// Samples produced since the window started.
    t: u32,
}

impl GestureSim {
    /// A simulator whose whole output is fixed by `seed`. It starts in a still window.
    pub fn new(seed: u32) -> Self {
        let mut rng = XorShift32::new(seed);
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

    fn draw(rng: &mut XorShift32, gesture: Gesture) -> Motion {
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
    fn xorshift_known_sequence() {
        // xorshift32(13, 17, 5) from seed 1, computed by hand from the definition.
        let mut r = XorShift32::new(1);
        assert_eq!(r.next_u32(), 270_369);
        assert_eq!(r.next_u32(), 67_634_689);
        assert_eq!(r.next_u32(), 2_647_435_461);
    }

    #[test]
    fn uniform_and_gaussian_ranges() {
        let mut r = XorShift32::new(42);
        let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
        let n = 20_000;
        for _ in 0..n {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            let g = f64::from(r.gaussian());
            assert!(g.abs() <= 3.47);
            sum += g;
            sum_sq += g * g;
        }
        let mean = sum / f64::from(n);
        let var = sum_sq / f64::from(n) - mean * mean;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
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
