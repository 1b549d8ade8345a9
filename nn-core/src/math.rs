//! Scalar math and the fixed-order reductions every kernel uses.
//!
//! All transcendental functions go through `libm`, called explicitly, so the host and
//! the Cortex-M compute the same bits. The `fast-math` feature routes `exp` and `tanh`
//! through `micromath` instead (see `docs/fast-math.md` for the measured accuracy).
//!
//! # Summation order
//! A dot product of length `n` is computed in [`LANES`] = 8 interleaved partial sums:
//! element `i` is added, in increasing `i`, to lane `i % 8`, each lane starting from
//! `-0.0` (the exact identity of IEEE addition). The lanes are then combined in a fixed
//! tree, halving the width each time: `l[j] + l[j + 4]` for `j < 4`, then
//! `m[j] + m[j + 2]` for `j < 2`, then `m[0] + m[1]`. Two 4-wide SIMD accumulators (or one
//! 8-wide) followed by the usual horizontal reduction compute exactly this, so a vector
//! path can reproduce the scalar one bit for bit. Lanes that receive no element stay
//! `-0.0` and add nothing, so short dot products (fewer than 8 terms) are plain
//! left-to-right sums.

/// Number of interleaved partial sums in [`dot`] and [`sum_squares`].
pub const LANES: usize = 8;

/// `e^x`.
#[inline]
pub fn exp(x: f32) -> f32 {
    #[cfg(feature = "fast-math")]
    {
        micromath::F32(x).exp().0
    }
    #[cfg(not(feature = "fast-math"))]
    {
        libm::expf(x)
    }
}

/// `tanh(x)`.
#[inline]
pub fn tanh(x: f32) -> f32 {
    #[cfg(feature = "fast-math")]
    {
        // micromath has no tanh: tanh(x) = 1 - 2 / (e^{2x} + 1), saturated for large |x|.
        if x > 9.0 {
            1.0
        } else if x < -9.0 {
            -1.0
        } else {
            1.0 - 2.0 / (micromath::F32(2.0 * x).exp().0 + 1.0)
        }
    }
    #[cfg(not(feature = "fast-math"))]
    {
        libm::tanhf(x)
    }
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// `ln(1 + x)`, accurate for small `x`.
#[inline]
pub fn ln_1p(x: f32) -> f32 {
    libm::log1pf(x)
}

/// Square root.
#[inline]
pub fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// `x^y`.
#[inline]
pub fn pow(x: f32, y: f32) -> f32 {
    libm::powf(x, y)
}

/// Combines the lanes in the fixed tree described in the module docs.
#[inline(always)]
fn reduce(l: [f32; LANES]) -> f32 {
    let m0 = l[0] + l[4];
    let m1 = l[1] + l[5];
    let m2 = l[2] + l[6];
    let m3 = l[3] + l[7];
    (m0 + m2) + (m1 + m3)
}

/// `Σ a[i]·b[i]` over the common length, in the fixed order of the module docs.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [-0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..LANES {
            lanes[j] += x[j] * y[j];
        }
    }
    for (j, (x, y)) in ca.remainder().iter().zip(cb.remainder()).enumerate() {
        lanes[j] += x * y;
    }
    reduce(lanes)
}

/// `Σ f(i)` for `i` in `0..n`, in the same lane order as [`dot`].
#[inline]
pub fn sum_map(n: usize, mut f: impl FnMut(usize) -> f32) -> f32 {
    let mut lanes = [-0.0f32; LANES];
    for i in 0..n {
        lanes[i % LANES] += f(i);
    }
    reduce(lanes)
}

/// `Σ a[i]²`, in the same order as [`dot`]`(a, a)`.
#[inline]
pub fn sum_squares(a: &[f32]) -> f32 {
    dot(a, a)
}

/// True when every value is finite (neither NaN nor infinite).
#[inline]
pub fn all_finite(values: &[f32]) -> bool {
    values.iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_dot_is_left_to_right() {
        let a = [0.1f32, 0.2, 0.3];
        let b = [3.0f32, -7.0, 11.0];
        assert_eq!(dot(&a, &b).to_bits(), ((0.1f32 * 3.0 + 0.2 * -7.0) + 0.3 * 11.0).to_bits());
    }

    #[test]
    fn long_dot_uses_the_lane_tree() {
        let a: [f32; 11] = core::array::from_fn(|i| 1.0 / (i as f32 + 1.0));
        let b: [f32; 11] = core::array::from_fn(|i| libm::sinf(i as f32 * 0.37));
        let mut l = [-0.0f32; 8];
        for i in 0..11 {
            l[i % 8] += a[i] * b[i];
        }
        let expect = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
        assert_eq!(dot(&a, &b).to_bits(), expect.to_bits());
    }

    #[test]
    fn negative_zero_is_the_identity() {
        assert_eq!(dot(&[-0.0], &[1.0]).to_bits(), (-0.0f32).to_bits());
        assert_eq!(dot(&[], &[]).to_bits(), (-0.0f32).to_bits());
    }
}

/// The accuracy `fast-math` gives, measured against libm on a dense grid. The figures
/// in the docs come from this test (`cargo test -p nn-core --features fast-math -- --nocapture fast_math`).
#[cfg(all(test, feature = "fast-math"))]
mod fast_math_accuracy {
    extern crate std;
    use super::*;

    /// Largest relative error of `exp` on `[-20, 20]` and absolute error of `tanh` and
    /// of the sigmoid built on `exp`, on `[-10, 10]`, at 200,001 points each.
    fn measure() -> (f32, f32, f32) {
        let mut exp_rel = 0.0f32;
        let mut tanh_abs = 0.0f32;
        let mut sig_abs = 0.0f32;
        for i in 0..=200_000 {
            let t = i as f32 / 200_000.0;
            let x = -20.0 + 40.0 * t;
            let reference = libm::expf(x);
            exp_rel = exp_rel.max(((exp(x) - reference) / reference).abs());
            let x = -10.0 + 20.0 * t;
            tanh_abs = tanh_abs.max((tanh(x) - libm::tanhf(x)).abs());
            let fast = crate::activation::sigmoid(x);
            sig_abs = sig_abs.max((fast - 1.0 / (1.0 + libm::expf(-x))).abs());
        }
        (exp_rel, tanh_abs, sig_abs)
    }

    #[test]
    fn fast_math_error_is_within_the_documented_bounds() {
        let (exp_rel, tanh_abs, sig_abs) = measure();
        std::println!(
            "fast-math: exp max rel err {exp_rel:e}, tanh max abs err {tanh_abs:e}, sigmoid max abs err {sig_abs:e}"
        );
        // The bounds stated in docs/fast-math.md.
        assert!(exp_rel < 3e-3, "exp relative error {exp_rel}");
        assert!(tanh_abs < 1.5e-3, "tanh absolute error {tanh_abs}");
        assert!(sig_abs < 1e-3, "sigmoid absolute error {sig_abs}");
        // And it really is an approximation (not libm under another name).
        assert!(exp_rel > 1e-6);
    }
}
