//! Scalar math and the fixed-order reductions every kernel uses (internal: the bottom
//! layer, using no other module).
//!
//! `exp` and `tanh` (and so the sigmoid and softmax) are nn-core's own, in [`crate::exp`]:
//! plain `f32` operations in a fixed order, `exp` within 0.9 ulp of the exact value,
//! `tanh` within 2.3 ulp. The other transcendental functions go through `libm`, called
//! explicitly. Either way the host and the Cortex-M compute the same bits.
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
pub(crate) const LANES: usize = 8;

/// `e^x`: [`crate::exp::exp`], within 0.9 ulp.
#[inline]
pub(crate) fn exp(x: f32) -> f32 {
    crate::exp::exp(x)
}

/// `tanh(x)`: [`crate::exp::tanh`], within 2.3 ulp.
#[inline]
pub(crate) fn tanh(x: f32) -> f32 {
    crate::exp::tanh(x)
}

/// Natural logarithm.
#[inline]
pub(crate) fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// `ln(1 + x)`, accurate for small `x`.
#[inline]
pub(crate) fn ln_1p(x: f32) -> f32 {
    libm::log1pf(x)
}

/// Square root.
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// `x^y`.
#[inline]
pub(crate) fn pow(x: f32, y: f32) -> f32 {
    libm::powf(x, y)
}

/// The logistic function `1 / (1 + e^{−z})`: [`logistic`] over [`exp`].
#[inline]
pub(crate) fn sigmoid(z: f32) -> f32 {
    logistic(exp, z)
}

/// `1 / (1 + exp(−z))`: the one sigmoid formula, over the scalar [`exp`] or over the
/// branch-free exp of the vector path (`crate::exp::exp_branch_free`), the same bits.
#[inline(always)]
fn logistic(exp: impl Fn(f32) -> f32, z: f32) -> f32 {
    1.0 / (1.0 + exp(-z))
}

/// [`sigmoid`] applied in place, bit for bit the same on every input.
///
/// On x86-64 and AArch64 it runs [`logistic`] over the branch-free exp four values at
/// a time, which the compiler turns into SIMD code with no data-dependent branch (a layer
/// of fewer than four takes one value at a time: lower latency there); the Cortex-M cores
/// take one value at a time. Both exps give the same bits.
#[inline]
pub(crate) fn sigmoid_in_place(values: &mut [f32]) {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    if values.len() < 4 {
        // Too few for a vector: one value at a time, the same operations.
        for v in values.iter_mut() {
            *v = sigmoid(*v);
        }
    } else {
        let mut chunks = values.chunks_exact_mut(4);
        for chunk in &mut chunks {
            let mut v = [0.0f32; 4];
            v.copy_from_slice(chunk);
            chunk.copy_from_slice(&sigmoid4(v));
            // Keeps the loop from being vectorised across chunks (see `sigmoid4`).
            core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            // Pad to a full vector so the tail runs the same branch-free code.
            let mut v = [0.0f32; 4];
            v.iter_mut().zip(rest.iter()).for_each(|(p, &x)| *p = x);
            rest.iter_mut().zip(sigmoid4(v)).for_each(|(x, p)| *x = p);
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        for v in values.iter_mut() {
            *v = sigmoid(*v);
        }
    }
}

/// Four sigmoids at once: straight-line code the compiler turns into one SIMD evaluation.
/// The loop calling it holds a compiler fence, so that it is not vectorised across calls
/// instead (strided gathers).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
fn sigmoid4(v: [f32; 4]) -> [f32; 4] {
    v.map(|z| logistic(crate::exp::exp_branch_free, z))
}

/// The largest value (−∞ for none; NaNs are passed over), the shift that keeps softmax
/// and log-sum-exp finite.
#[inline]
pub(crate) fn largest(values: &[f32]) -> f32 {
    values.iter().copied().fold(f32::NEG_INFINITY, f32::max)
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
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
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
pub(crate) fn sum_map(n: usize, mut f: impl FnMut(usize) -> f32) -> f32 {
    let mut lanes = [-0.0f32; LANES];
    for i in 0..n {
        lanes[i % LANES] += f(i);
    }
    reduce(lanes)
}

/// True when every value is finite (neither NaN nor infinite).
///
/// It reads every value (no early exit) through a [`FiniteCheck`], at one instruction a
/// value on the Cortex-M4F and vectorised on x86-64 (the check runs on every training
/// step), and confirms value by value only when that quick check did not pass.
#[inline]
pub(crate) fn all_finite(values: &[f32]) -> bool {
    let mut check = FiniteCheck::new();
    for &v in values {
        check.note(v);
    }
    check.passed() || each_finite(values)
}

/// The value-by-value confirmation behind [`all_finite`] and the training step's check:
/// out of line, since it runs only when the quick check failed.
#[cold]
#[inline(never)]
pub(crate) fn each_finite(values: &[f32]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// A running check that values are finite, cheap enough to fold into the loops that
/// compute them. It only observes the values: nothing computed changes.
///
/// - x86-64, x86 and AArch64: it ORs the bits of `v − v` (`+0` for a finite `v`, NaN
///   otherwise), two vector instructions per four values; the loop stays vectorisable,
///   since an OR reduction may be reordered.
/// - ARM with a hardware FPU (`eabihf`, the Cortex-M4F): it adds the values up, one
///   instruction each; a sum with an infinite or NaN term is infinite or NaN.
/// - Soft-float targets (the Cortex-M0): it tests the exponent bits with integer
///   instructions (a float operation there is a library call).
///
/// So [`passed`](Self::passed) true means every value was finite; false means one was
/// not, or (on the FPU targets only) that finite values summed past `f32::MAX`, so a
/// caller confirms a failure value by value (see [`all_finite`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FiniteCheck {
    #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
    bad: u32,
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    sum: f32,
}

/// 1 when `bits` are an infinity's or a NaN's, else 0: without the sign bit such a value
/// is at least `0xff00_0000`, and adding `0x0100_0000` carries out exactly then (three
/// instructions on the Cortex-M0: `lsls`, `adds`, `adcs`).
#[inline(always)]
#[cfg_attr(
    any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64", all(target_arch = "arm", target_abi = "eabihf")),
    allow(dead_code) // the soft-float targets' check; tested on every host
)]
const fn non_finite_bit(bits: u32) -> u32 {
    let (_, carry) = (bits << 1).overflowing_add(0x0100_0000);
    carry as u32
}

impl Default for FiniteCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl FiniteCheck {
    /// A check that has seen nothing.
    #[inline(always)]
    pub(crate) const fn new() -> Self {
        #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
        {
            FiniteCheck { bad: 0 }
        }
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        {
            FiniteCheck { sum: 0.0 }
        }
    }

    /// Takes `v` into account.
    #[inline(always)]
    pub fn note(&mut self, v: f32) {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64"))]
        {
            // v − v is +0 for every finite v and NaN otherwise.
            #[allow(clippy::eq_op)]
            let zero_or_nan = v - v;
            self.bad |= zero_or_nan.to_bits();
        }
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        {
            self.sum += v;
        }
        #[cfg(not(any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            all(target_arch = "arm", target_abi = "eabihf")
        )))]
        {
            self.bad |= non_finite_bit(v.to_bits());
        }
    }

    /// True when every value noted was finite (false: one was not, or see the type's docs).
    #[inline(always)]
    pub fn passed(self) -> bool {
        #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
        {
            self.bad == 0
        }
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        {
            self.sum.is_finite()
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
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

    /// The definition in the module docs, one element at a time.
    fn dot_reference(a: &[f32], b: &[f32]) -> f32 {
        let mut l = [-0.0f32; LANES];
        for i in 0..a.len().min(b.len()) {
            l[i % LANES] += a[i] * b[i];
        }
        let m = [l[0] + l[4], l[1] + l[5], l[2] + l[6], l[3] + l[7]];
        (m[0] + m[2]) + (m[1] + m[3])
    }

    /// Bitwise equality, with any NaN equal to any NaN (payloads are not specified).
    pub(crate) fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    /// Random floats of every kind: ordinary values of mixed scales, and now and then a
    /// zero of either sign, an infinity, a NaN, a subnormal or a huge value.
    pub(crate) fn random_values(rng: &mut crate::init::Rng, n: usize, specials: bool) -> std::vec::Vec<f32> {
        const SPECIAL: [f32; 8] =
            [0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1e-40, -3e38, f32::MIN_POSITIVE];
        (0..n)
            .map(|_| {
                if specials && rng.below(16) == 0 {
                    SPECIAL[rng.below(8) as usize]
                } else {
                    let scale = [1e-3f32, 1.0, 10.0, 1e3][rng.below(4) as usize];
                    rng.range(-1.0, 1.0) * scale
                }
            })
            .collect()
    }

    extern crate std;

    #[test]
    fn dot_matches_its_definition_bit_for_bit() {
        let mut rng = crate::init::Rng::new(11);
        for n in 0..70 {
            for trial in 0..20 {
                let specials = trial % 4 == 3;
                let a = random_values(&mut rng, n, specials);
                let b = random_values(&mut rng, n + trial % 3, specials);
                let (fast, slow) = (dot(&a, &b), dot_reference(&a, &b));
                assert!(same(fast, slow), "n {n} trial {trial}: {fast:e} vs {slow:e}");
            }
        }
    }

    /// Inputs where the exp's result changes kind (and where libm's `expf` changes path),
    /// and their neighbours. `exp::tests::exhaustive_exp_sigmoid_tanh` checks all 2³².
    fn edge_inputs() -> std::vec::Vec<f32> {
        let mut v = std::vec::Vec::new();
        for edge in [0x3900_0000u32, 0x3eb1_7218, 0x3f85_1592, 0x42ae_ac50, 0x42b1_7218, 0x42cf_f1b5, 0x7f80_0000] {
            for d in 0..5u32 {
                for bits in [edge + d, edge - d] {
                    v.push(f32::from_bits(bits));
                    v.push(-f32::from_bits(bits));
                }
            }
        }
        v.extend([0.0, -0.0, f32::NAN, -f32::NAN, f32::MIN, f32::MAX, 1e-45, -1e-45, 88.0, -88.0, -104.0, 0.5, -0.5]);
        v
    }

    #[test]
    fn sigmoid_in_place_is_the_scalar_sigmoid_bit_for_bit() {
        let sweep: std::vec::Vec<f32> =
            (0..=u32::MAX / 65_521).map(|i| f32::from_bits(i.wrapping_mul(65_521).rotate_left(7))).collect();
        let mut values = sweep.clone();
        values.extend(edge_inputs());
        values.extend(edge_inputs().iter().map(|x| -x));
        // Every length 0..=9 (the padded tail) at every offset.
        for len in 0..=9 {
            for chunk in values.chunks(len.max(1)).take(2000) {
                let chunk = &chunk[..len.min(chunk.len())];
                let mut fast = chunk.to_vec();
                sigmoid_in_place(&mut fast);
                for (&z, &s) in chunk.iter().zip(&fast) {
                    assert!(same(s, sigmoid(z)), "sigmoid({z:e}) [{:#x}]", z.to_bits());
                }
            }
        }
        let mut all = values.clone();
        sigmoid_in_place(&mut all);
        for (&z, &s) in values.iter().zip(&all) {
            assert!(same(s, sigmoid(z)), "sigmoid({z:e}) [{:#x}]", z.to_bits());
        }
    }

    #[test]
    fn the_soft_float_check_sees_exactly_the_non_finite_values() {
        let sweep = (0..=u32::MAX / 4099).map(|i| i.wrapping_mul(4099));
        let edges = [
            0u32,
            0x7f7f_ffff,
            0x7f80_0000,
            0x7f80_0001,
            0x7fc0_0000,
            0x7fff_ffff,
            0x8000_0000,
            0xff7f_ffff,
            0xff80_0000,
            0xffff_ffff,
        ];
        for bits in sweep.chain(edges) {
            let expect = u32::from(!f32::from_bits(bits).is_finite());
            assert_eq!(non_finite_bit(bits), expect, "{bits:#x}");
        }
    }

    #[test]
    fn all_finite_sees_every_kind_of_non_finite_value() {
        for n in 1..40 {
            let mut v = std::vec![1.5f32; n];
            assert!(all_finite(&v));
            for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -f32::NAN] {
                for at in [0, n / 2, n - 1] {
                    v[at] = bad;
                    assert!(!all_finite(&v), "n {n} at {at} {bad}");
                    v[at] = -0.0;
                }
            }
            v[n - 1] = f32::MAX;
            v[0] = f32::from_bits(1);
            assert!(all_finite(&v));
        }
        assert!(all_finite(&[]));
    }

    #[test]
    fn negative_zero_is_the_identity() {
        assert_eq!(dot(&[-0.0], &[1.0]).to_bits(), (-0.0f32).to_bits());
        assert_eq!(dot(&[], &[]).to_bits(), (-0.0f32).to_bits());
    }
}
