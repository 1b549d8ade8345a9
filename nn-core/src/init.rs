//! Seeded random numbers and parameter initialisation. Every run is deterministic
//! given its seed, on every target.

use crate::math;
use crate::model::ModelMut;

/// A xorshift32 generator (Marsaglia's 13/17/5 triple): tiny, fast and the same on
/// every target. It is the generator of the plain-C benchmark baseline, so
/// `Rng::new(seed)` followed by [`Init::Uniform`] with `limit = 0.5` reproduces the
/// baseline's initial weights bit for bit.
///
/// ```
/// use nn_core::init::Rng;
/// let mut rng = Rng::from_state(1);
/// assert_eq!(rng.next_u32(), 270_369); // xorshift32 by hand from state 1
/// let u = rng.uniform();
/// assert!((0.0..1.0).contains(&u));
/// assert!(rng.gaussian().abs() <= 3.47);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rng {
    state: u32,
}

impl Rng {
    /// A generator for `seed` (any value, zero included): its state is
    /// `seed · 0x9E3779B9 + 1`, or 1 where that is zero.
    pub const fn new(seed: u32) -> Self {
        Self::from_state(seed.wrapping_mul(0x9E37_79B9).wrapping_add(1))
    }

    /// A generator with exactly `state`, the raw seed (zero, the one state xorshift
    /// cannot leave, is replaced by 1).
    pub const fn from_state(state: u32) -> Self {
        Rng { state: if state == 0 { 1 } else { state } }
    }

    /// The next 32 random bits.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x
    }

    /// Uniform in `[0, 1)`, with 24 random bits (exactly representable).
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in `[lo, hi)`.
    #[inline]
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.uniform()
    }

    /// Approximately standard normal: the Irwin–Hall sum of four uniforms, centred and
    /// scaled to unit variance. Its tails end at ±2√3 ≈ ±3.46; it takes four draws.
    #[inline]
    pub fn gaussian(&mut self) -> f32 {
        let sum = self.uniform() + self.uniform() + self.uniform() + self.uniform();
        (sum - 2.0) * 1.732_050_8
    }

    /// Uniform in `0..n` without modulo bias (0 when `n` is 0).
    pub fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        // Reject the top partial block so every residue is equally likely.
        let zone = u32::MAX - (u32::MAX - n + 1) % n;
        loop {
            let r = self.next_u32();
            if r <= zone {
                return r % n;
            }
        }
    }
}

/// How to draw a network's initial parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Init {
    /// Every weight and bias uniform in `[−limit, limit)`, drawn in the flat parameter
    /// order.
    Uniform {
        /// Half-width of the interval.
        limit: f32,
    },
    /// Glorot/Xavier uniform: weights in `±√(6 / (in + out))`, biases zero. Suits
    /// sigmoid and tanh layers.
    Xavier,
    /// He/Kaiming uniform: weights in `±√(6 / in)`, biases zero. Suits relu layers.
    He,
}

impl Init {
    /// Fills `model`'s parameters, layer by layer in the flat order.
    pub fn apply<M: ModelMut + ?Sized>(self, model: &mut M, rng: &mut Rng) {
        for l in 0..model.depth() {
            let spec = model.spec(l);
            let limit = match self {
                Init::Uniform { limit } => limit,
                Init::Xavier => math::sqrt(6.0 / (spec.inputs + spec.outputs) as f32),
                Init::He => math::sqrt(6.0 / spec.inputs as f32),
            };
            let (weights, biases) = model.layer_mut(l);
            for w in weights.iter_mut() {
                *w = (2.0 * rng.uniform() - 1.0) * limit;
            }
            for b in biases.iter_mut() {
                *b = match self {
                    Init::Uniform { limit } => (2.0 * rng.uniform() - 1.0) * limit,
                    Init::Xavier | Init::He => 0.0,
                };
            }
        }
    }

    /// The name used by the CLI.
    pub const fn name(self) -> &'static str {
        match self {
            Init::Uniform { .. } => "uniform",
            Init::Xavier => "xavier",
            Init::He => "he",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_c_baselines_generator() {
        // bench_common.h: s = seed * 0x9E3779B9 + 1, then xorshift32 13/17/5.
        let mut r = Rng::new(1);
        let s0: u32 = 0x9E37_79BA;
        let mut x = s0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        assert_eq!(r.next_u32(), x);
    }

    #[test]
    fn uniform_limit_half_is_the_baselines_u_minus_half() {
        let mut a = Rng::new(3);
        let mut b = Rng::new(3);
        for _ in 0..1000 {
            let u = b.uniform();
            assert_eq!((2.0 * a.uniform() - 1.0) * 0.5, u - 0.5);
        }
    }

    #[test]
    fn from_state_is_xorshift32_from_that_state() {
        // xorshift32(13, 17, 5) from state 1, computed by hand from the definition.
        let mut r = Rng::from_state(1);
        assert_eq!(r.next_u32(), 270_369);
        assert_eq!(r.next_u32(), 67_634_689);
        assert_eq!(r.next_u32(), 2_647_435_461);
        assert_eq!(Rng::from_state(0), Rng::from_state(1));
    }

    #[test]
    fn gaussian_has_unit_variance_and_bounded_tails() {
        let mut r = Rng::from_state(42);
        let n = 20_000;
        let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let g = f64::from(r.gaussian());
            assert!(g.abs() <= 3.47, "{g}");
            sum += g;
            sum_sq += g * g;
        }
        let mean = sum / f64::from(n);
        let var = sum_sq / f64::from(n) - mean * mean;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(9);
        for n in [1u32, 2, 3, 7, 1000, u32::MAX] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.below(0), 0);
    }
}
