//! nn-core's own exponential, and the hyperbolic tangent built on it.
//!
//! Plain `f32` additions, subtractions and multiplications and integer operations on the
//! bits, in a fixed order, with no division, no fused multiply-add and no data-dependent
//! branch: every target (x86-64 with SSE, the Cortex-M4F's FPU, the Cortex-M0's soft-float
//! routines) rounds each operation the IEEE way, so every target computes the same bits,
//! and a loop over [`exp`] vectorises.
//!
//! # Algorithm
//! `e^x = 2^k · e^r` with `k = round(x / ln 2)` and `|r| ≤ ln 2 / 2`:
//! 1. `k`: `x · log₂e` rounded to an integer by adding and subtracting `1.5·2²³`; the
//!    integer `k` is read from the bits of the sum (no float-to-integer conversion).
//! 2. `r = (x − k·LN2_HI) − k·LN2_LO` (Cody–Waite): `LN2_HI` has 15 significant bits, so
//!    `k·LN2_HI` and the first difference are exact for every `|k| ≤ 150` used here.
//! 3. `e^r ≈ 1 + r + r²·q(r)`, `q` of degree 4 (so a degree-6 polynomial with its first
//!    two coefficients exactly 1): the minimax fit of the relative error of `e^r` on
//!    `|r| ≤ 0.3466` (Remez exchange in 50-digit arithmetic with mpmath, error 2^−28.3;
//!    `python3 docs/exp_remez.py 0.3466 5`), coefficients rounded to the nearest `f32`;
//!    Horner's rule, evaluated as `1 + (hi + (r²·q(r) − lo))`: the exact `hi` comes last,
//!    so the rounding of `r = hi − lo` does not reach the result.
//! 4. `2^k`: for `|x| < 86.5` (every ordinary input) `k` is added into the exponent field
//!    of `y = 1 + s`, which is exact. Past that, one branch to the edges: `k` goes into the
//!    exponent field as far down as `2^−64` and the rest is one multiplication by a power
//!    of two, which rounds once, into the subnormals; then `+∞`, `0` and NaN by selection.
//!    [`exp_branch_free`] computes both and selects (the vector path).
//!
//! 20 floating-point operations on the usual path (12 for `|x| < ln 2 / 2`, where `k = 0`
//! and step 2 is exact and skipped), no division.
//!
//! # Accuracy
//! Within **0.9 ulp** of the exact `e^x` on every `f32` input (the largest error over
//! all 2³² inputs is 0.8949 ulp; libm's `expf` reaches 0.84 on a sample), subnormal
//! results included (their ulp being 2⁻¹⁴⁹), and so never more than one ulp from the
//! correctly rounded result (which it returned for all but 0.4 % of a sample of every
//! 997th bit pattern). The edges are libm's `expf`'s exactly: `+∞` for `x ≥ 88.72284`
//! (`0x42b1_7218`, the first input whose `e^x` rounds past `f32::MAX`), `0` for
//! `x ≤ −103.97208` (`0xc2cf_f1b5`, the first whose `e^x` rounds to zero), subnormals in
//! between, `exp(+∞) = +∞`, `exp(−∞) = 0`, and a NaN returned as it came (same bits).
//!
//! [`tanh`] is within 2.3 ulp of the exact value (largest error over all inputs 2.2869
//! ulp; libm's `tanhf` reaches 2.09 on a sample), never outside `[−1, 1]`, odd
//! (`tanh(−x) = −tanh(x)` bit for bit), exactly `±1` for `|x| > 9.2` and at `±∞`, `x`
//! itself for tiny and subnormal `x`, and NaN for NaN.
//!
//! The tests below check all of this on a sweep (every 65,521st bit pattern, one input in
//! 1001 below `|x| = 104`) and at every threshold; `exhaustive_exp_sigmoid_tanh` checks
//! all 2³² inputs against `f64` references, on all cores (about 400 s of CPU time):
//! `cargo test -p nn-core --release -- --ignored exhaustive_exp_sigmoid_tanh --nocapture`.

/// `ln 2` to 15 significant bits: `k · LN2_HI` is exact for `|k| < 2⁹`.
const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
/// `ln 2 − LN2_HI`, rounded to `f32`.
const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
/// `log₂ e`, rounded to `f32`.
const LOG2_E: f32 = f32::from_bits(0x3fb8_aa3b);
/// `1.5 · 2²³`: adding it rounds a float of magnitude below `2²²` to an integer, whose
/// two's complement then sits in the low bits of the sum.
const ROUND: f32 = 12_582_912.0;
/// `q(r) = Q0 + Q1·r + … + Q4·r⁴ ≈ (e^r − 1 − r) / r²` (see the module docs).
const Q0: f32 = f32::from_bits(0x3eff_fffe);
const Q1: f32 = f32::from_bits(0x3e2a_aa49);
const Q2: f32 = f32::from_bits(0x3d2a_ac79);
const Q3: f32 = f32::from_bits(0x3c09_1cf0);
const Q4: f32 = f32::from_bits(0x3ab5_121d);
/// The largest `x` with a finite `e^x` in `f32` (`88.72283`); libm's `expf` threshold.
const MAX_FINITE_BITS: u32 = 0x42b1_7217;
/// `|x|` from which a negative `x` gives `e^x = 0` (`103.97208`); libm's `expf` threshold.
const ZERO_BITS: u32 = 0x42cf_f1b5;
/// Bits of `|x|` above which `x` is a NaN.
const INF_BITS: u32 = 0x7f80_0000;

/// Bits of `|x|` below which (`|x| < ln 2 / 2`) the reduction gives `k = 0`: there
/// `hi = x` and `lo = 0` exactly, and [`reduce`] skips computing them.
const SMALL_BITS: u32 = 0x3eb1_7218;

/// `e^x = 2^k · (1 + s)`: returns `k` and `s` (for `|x| ≤ 104`; other inputs give
/// meaningless values that [`exp_edges`] replaces). No branch: the vector path's.
#[inline(always)]
fn reduce_branch_free(x: f32) -> (i32, f32) {
    let shifted = x * LOG2_E + ROUND;
    let kf = shifted - ROUND;
    let k = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    // hi, exact, is added last: r's rounding does not reach s.
    (k, ((r * r) * q(r) - lo) + hi)
}

/// [`reduce_branch_free`], bit for bit, with the eight operations that are exact for
/// `|x| < ln 2 / 2` skipped there (`kf = +0`, so `hi = x`, `lo = +0`, `r = x`, and
/// subtracting `+0` changes nothing): most sigmoid arguments of a network, and a third
/// of the work on the soft-float Cortex-M0.
#[inline(always)]
fn reduce(x: f32) -> (i32, f32) {
    if x.to_bits() & 0x7fff_ffff < SMALL_BITS {
        (0, (x * x) * q(x) + x)
    } else {
        reduce_branch_free(x)
    }
}

/// `q(r) ≈ (e^r − 1 − r) / r²` by Horner's rule (see the module docs).
#[inline(always)]
fn q(r: f32) -> f32 {
    (((Q4 * r + Q3) * r + Q2) * r + Q1) * r + Q0
}

/// Bits of `|x|` below which (`|x| < 86.5`) `e^x` is an ordinary result: finite, normal,
/// and `k ≥ −125`, so that adding `k` into the exponent field of `y ≥ 0.7` is `y · 2^k`.
const ORDINARY_BITS: u32 = 0x42ad_0000;

/// True when `x` takes the short path (see [`ORDINARY_BITS`]): almost every input a
/// network sees. NaN is not ordinary.
#[inline(always)]
fn ordinary(x: f32) -> bool {
    x.to_bits() & 0x7fff_ffff < ORDINARY_BITS
}

/// `y · 2^k` for an ordinary `x`: `k` added into the exponent field of `y` (exact).
#[inline(always)]
fn scale_ordinary(y: f32, k: i32) -> f32 {
    f32::from_bits((y.to_bits() as i32).wrapping_add(k.wrapping_shl(23)) as u32)
}

/// `e^x` for any `x` from its reduction `(k, y = 1 + s)`, with libm's `expf` behaviour at
/// the edges: `y · 2^k` as `(y · 2^max(k, −64)) · 2^(k − max(k, −64))`, exact but for one
/// rounding into the subnormals (`y` in `[0.7, 1.5]`, `−150 ≤ k ≤ 128` where the result is
/// finite and not zero); `+∞` past [`MAX_FINITE_BITS`], `0` past [`ZERO_BITS`], a NaN
/// returned as it came.
#[inline(always)]
fn exp_edges(x: f32, k: i32, y: f32) -> f32 {
    let k_bits = if k < -64 { -64 } else { k };
    let k_mul = k.wrapping_sub(k_bits);
    let high = scale_ordinary(y, k_bits);
    let out = high * f32::from_bits((k_mul.wrapping_add(127) as u32).wrapping_shl(23));
    // The edges chosen by masks (all ones where a comparison holds, which is false for
    // NaN), not by branches: a loop over this still vectorises.
    let mask = |holds: bool| u32::from(holds).wrapping_neg();
    let overflow = mask(x > f32::from_bits(MAX_FINITE_BITS));
    let underflow = mask(x <= -f32::from_bits(ZERO_BITS));
    let nan = mask(x.to_bits() & 0x7fff_ffff > INF_BITS);
    let mut bits = (out.to_bits() & !overflow) | (INF_BITS & overflow);
    bits &= !underflow;
    bits = (bits & !nan) | (x.to_bits() & nan);
    f32::from_bits(bits)
}

/// `e^x` from its reduction: the short path, or the edges.
#[inline(always)]
fn finish(x: f32, k: i32, y: f32) -> f32 {
    if ordinary(x) {
        scale_ordinary(y, k)
    } else {
        exp_edges(x, k, y)
    }
}

/// `e^x`, within 0.9 ulp of the exact value (see the module docs). Two branches: a
/// shorter reduction for `|x| < ln 2 / 2`, and the edges for `|x| ≥ 86.5` and NaN;
/// [`exp_branch_free`] computes the same bits without them.
///
/// Inlined on the host; one out-of-line copy on 32-bit ARM (the Cortex-M), where a copy
/// per call site would cost flash.
#[cfg_attr(not(target_arch = "arm"), inline(always))]
#[cfg_attr(target_arch = "arm", inline(never))]
pub(crate) fn exp(x: f32) -> f32 {
    let (k, s) = reduce(x);
    finish(x, k, 1.0 + s)
}

/// [`exp`], bit for bit, with no data-dependent branch: both paths computed and one
/// selected, so that a loop over it vectorises (the host's sigmoid).
#[cfg(any(test, target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
pub(crate) fn exp_branch_free(x: f32) -> f32 {
    let (k, s) = reduce_branch_free(x);
    // exp_edges is exact for ordinary inputs too (its multiplication is then by 1, or
    // exact): one more multiplication, and no choice between paths to vectorise.
    exp_edges(x, k, 1.0 + s)
}

/// The hyperbolic tangent, from one reduction of `±2|x|`, as libm's `tanhf` does (two of
/// its three formulas): for `|x| < ln 3 / 2`, `−t / (t + 2)` with `t = e^{−2|x|} − 1`
/// (computed as `(2^k − 1) + 2^k·s`, exact but for its last rounding: no cancellation
/// near 0); above, `1 − 2 / (e^{2|x|} + 1)`. Then `|x|`'s sign. One division. Inlined as
/// [`exp`] is.
#[cfg_attr(not(target_arch = "arm"), inline(always))]
#[cfg_attr(target_arch = "arm", inline(never))]
pub(crate) fn tanh(x: f32) -> f32 {
    let bits = x.to_bits();
    let magnitude = bits & 0x7fff_ffff;
    let a = f32::from_bits(magnitude);
    // ln 3 / 2 (libm's threshold 0x3f0c_9f54): tanh(x) = 1/2 there.
    let small = magnitude <= 0x3f0c_9f54;
    let arg = if small { -2.0 * a } else { 2.0 * a };
    let (k, s) = reduce(arg);
    // k ∈ {−2, −1, 0} on the small side: 2^k is a normal float.
    let p = f32::from_bits((k.wrapping_add(127) as u32).wrapping_shl(23));
    let t = (p - 1.0) + p * s;
    let e = finish(arg, k, 1.0 + s);
    let (numerator, denominator) = if small { (-t, t + 2.0) } else { (2.0, e + 1.0) };
    let quotient = numerator / denominator;
    let magnitude_out = if small { quotient } else { 1.0 - quotient };
    let signed = f32::from_bits((magnitude_out.to_bits() & 0x7fff_ffff) | (bits & 0x8000_0000));
    if magnitude > INF_BITS {
        x
    } else {
        signed
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// The bound on [`exp`]'s error, in ulps, that the module docs state (the exhaustive
    /// test measured 0.8949 and prints the largest it sees).
    const EXP_MAX_ULP: f64 = 0.9;
    /// The same for [`tanh`] (measured 2.2869).
    const TANH_MAX_ULP: f64 = 2.3;

    /// `(x, e^x correctly rounded to f32)`, from mpmath at 50 digits.
    const VECTORS: [(f32, u32); 19] = [
        (1.0, 0x402d_f854),
        (-1.0, 0x3ebc_5ab2),
        (0.5, 0x3fd3_094c),
        (-0.5, 0x3f1b_4598),
        (2.0, 0x40ec_7326),
        (10.0, 0x46ac_14ee),
        (-10.0, 0x383e_6bce),
        (20.5, 0x4e3e_b628),
        (50.0, 0x638c_881f),
        (-50.0, 0x1b69_2beb),
        (80.0, 0x792a_bbce),
        (88.5, 0x7f4c_dcc4),
        (-87.0, 0x00b3_3687),
        (-90.0, 0x0008_ec28),
        (-100.0, 0x0000_001b),
        (-103.5, 0x0000_0001),
        (0.001, 0x3f80_20c9),
        (-0.3466, 0x3f35_03ba),
        (0.3466, 0x3fb5_062c),
    ];

    /// The ulp of the `f32` binade holding `|v|` (2⁻¹⁴⁹ below `f32::MIN_POSITIVE`).
    fn ulp(v: f64) -> f64 {
        let exponent = ((v.to_bits() >> 52) & 0x7ff) as i32 - 1023;
        libm::exp2(f64::from(exponent.max(-126) - 23))
    }

    /// Error of `y` against the exact `reference`, in ulps of the reference's binade.
    fn ulps(y: f32, reference: f64) -> f64 {
        (f64::from(y) - reference).abs() / ulp(reference)
    }

    /// What kind of value: zero, subnormal, normal, infinite, NaN.
    fn kind(v: f32) -> core::num::FpCategory {
        v.classify()
    }

    /// Bitwise equality, any NaN equal to any NaN.
    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    /// The checks of every input, shared by the sampled and the exhaustive tests: `exp`
    /// equal to `exp_branch_free` bit for bit, within [`EXP_MAX_ULP`] of `e^x` and within
    /// one ulp of the correctly rounded result, zero or infinite exactly where libm's
    /// `expf` is (and then equal to it), NaN returned as it came; `tanh` within
    /// [`TANH_MAX_ULP`] of `tanh x` and in `[−1, 1]`. Returns the largest errors seen,
    /// `(exp, tanh)`. The `f64` references are computed only where the result is not
    /// settled more cheaply (exactly `1`, `±1`, or an edge), so that all 2³² take minutes.
    fn check(x: f32) -> (f64, f64) {
        let y = exp(x);
        assert!(same(y, exp_branch_free(x)), "exp_branch_free({x:e}) [{:#x}]", x.to_bits());
        if x.is_nan() {
            assert_eq!(y.to_bits(), x.to_bits(), "exp(NaN) [{:#x}]", x.to_bits());
            assert_eq!(tanh(x).to_bits(), x.to_bits(), "tanh(NaN) [{:#x}]", x.to_bits());
            return (0.0, 0.0);
        }
        let a = x.abs();
        let mut exp_err = 0.0;
        if !ordinary(x) {
            // Zero and infinity exactly where libm's expf has them (only here: an
            // ordinary result is a normal float).
            let libm_y = libm::expf(x);
            let edge = |v: f32| v == 0.0 || v.is_infinite();
            assert!(
                edge(y) == edge(libm_y) && (!edge(y) || y == libm_y),
                "exp({x:e}) [{:#x}]: {y:e}, libm {libm_y:e}",
                x.to_bits()
            );
        }
        if a < f32::from_bits(0x3300_0000) {
            // |x| < 2⁻²⁵: e^x is within 2⁻²⁵ of 1, whose correct rounding is 1.
            assert_eq!(y, 1.0, "exp({x:e}) [{:#x}]", x.to_bits());
        } else if !y.is_infinite() && y != 0.0 {
            let reference = f64::from(x).exp();
            exp_err = ulps(y, reference);
            assert!(exp_err <= EXP_MAX_ULP, "exp({x:e}) [{:#x}]: {exp_err} ulp", x.to_bits());
            let rounded = reference as f32;
            assert!(y.to_bits().abs_diff(rounded.to_bits()) <= 1, "exp({x:e}) [{:#x}]", x.to_bits());
            if kind(rounded) != kind(y) {
                // Only across the subnormal boundary, by one ulp (checked above).
                assert!(y.abs() <= f32::MIN_POSITIVE && rounded.abs() <= f32::MIN_POSITIVE);
            }
        } else if y == 0.0 {
            assert!(f64::from(x).exp() <= libm::exp2(-150.0), "exp({x:e}) [{:#x}] underflowed", x.to_bits());
        } else {
            assert!(f64::from(x).exp() > f64::from(f32::MAX), "exp({x:e}) [{:#x}] overflowed", x.to_bits());
        }
        let t = tanh(x);
        assert!((-1.0..=1.0).contains(&t), "tanh({x:e}) = {t:e}");
        let tanh_err = if a < f32::from_bits(0x3980_0000) {
            // |x| < 2⁻¹²: tanh x = x − x³/3 to within 2⁻⁴⁸ relative.
            let x64 = f64::from(x);
            ulps(t, x64 - x64 * x64 * x64 / 3.0)
        } else if a > 9.2 {
            // 1 − tanh|x| < 2.1·10⁻⁸, under half the ulp below 1: ±1 exactly.
            assert_eq!(t, x.signum(), "tanh({x:e}) [{:#x}]", x.to_bits());
            0.0
        } else {
            ulps(t, f64::from(x).tanh())
        };
        assert!(tanh_err <= TANH_MAX_ULP, "tanh({x:e}) [{:#x}]: {tanh_err} ulp", x.to_bits());
        (exp_err, tanh_err)
    }

    /// Around every threshold: the exp's edges and the places where libm's `expf` and
    /// `tanhf` change path.
    fn edge_inputs() -> Vec<f32> {
        let mut v = Vec::new();
        let edges = [
            0x3300_0000u32,
            0x3900_0000,
            SMALL_BITS,
            0x3f0c_9f54,
            0x3f85_1592,
            ORDINARY_BITS,
            0x42ae_ac50,
            0x42b1_7217,
            0x42b1_7218,
            0x42cf_f1b5,
            0x7f80_0000,
            0x0080_0000,
        ];
        for edge in edges {
            for d in 0..8u32 {
                for bits in [edge + d, edge - d] {
                    v.push(f32::from_bits(bits));
                    v.push(-f32::from_bits(bits));
                }
            }
        }
        v.extend([0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -f32::NAN, f32::MIN, f32::MAX]);
        v.extend([f32::from_bits(0x7f80_0001), f32::from_bits(0xffc0_1234), 1e-45, -1e-45]);
        v
    }

    #[test]
    fn exp_matches_the_correctly_rounded_vectors() {
        for (x, bits) in VECTORS {
            let (y, expect) = (exp(x), f32::from_bits(bits));
            // Within one ulp of the correctly rounded value (and equal to it here).
            assert!(y.to_bits().abs_diff(bits) <= 1, "exp({x}) = {y:e}, expected {expect:e}");
            assert_eq!(y, expect, "exp({x})");
        }
    }

    #[test]
    fn exp_edges_are_libms() {
        // The last finite result and the first infinite one.
        assert!(exp(f32::from_bits(MAX_FINITE_BITS)).is_finite());
        assert_eq!(exp(f32::from_bits(MAX_FINITE_BITS + 1)), f32::INFINITY);
        assert_eq!(libm::expf(f32::from_bits(MAX_FINITE_BITS + 1)), f32::INFINITY);
        // The last non-zero result (the smallest subnormal) and the first zero.
        assert_eq!(exp(-f32::from_bits(ZERO_BITS - 1)), f32::from_bits(1));
        assert_eq!(libm::expf(-f32::from_bits(ZERO_BITS - 1)), f32::from_bits(1));
        assert_eq!(exp(-f32::from_bits(ZERO_BITS)).to_bits(), 0);
        assert_eq!(libm::expf(-f32::from_bits(ZERO_BITS)).to_bits(), 0);
        // Subnormal results in between; the infinities; NaN as it came.
        assert!(exp(-100.0).is_subnormal());
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY).to_bits(), 0);
        assert_eq!(exp(f32::MAX), f32::INFINITY);
        assert_eq!(exp(f32::MIN).to_bits(), 0);
        for nan in [f32::NAN, -f32::NAN, f32::from_bits(0x7f80_0001), f32::from_bits(0xffc0_1234)] {
            assert_eq!(exp(nan).to_bits(), nan.to_bits());
            assert_eq!(exp(nan).to_bits(), libm::expf(nan).to_bits());
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        for x in edge_inputs() {
            check(x);
        }
    }

    #[test]
    fn tanh_edges() {
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(f32::MAX), 1.0);
        assert_eq!(tanh(10.0), 1.0);
        assert_eq!(tanh(-10.0), -1.0);
        assert_eq!(tanh(0.0).to_bits(), 0);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
        // Subnormal and tiny inputs come back unchanged (tanh x = x to within 2⁻⁴⁸ x).
        for x in [f32::from_bits(1), f32::from_bits(0x007f_ffff), f32::MIN_POSITIVE, 1e-20, -3e-30] {
            assert_eq!(tanh(x), x);
        }
        // Both sides of the switch of formulas (tanh = 1/2 there) are in `edge_inputs`.
        for x in [0x3f0c_9f53u32, 0x3f0c_9f54, 0x3f0c_9f55].map(f32::from_bits) {
            assert!((tanh(x) - 0.5).abs() <= 2.0 * f32::EPSILON, "tanh({x:e}) = {:e}", tanh(x));
        }
    }

    #[test]
    fn exp_and_tanh_are_within_their_bounds_on_a_sweep() {
        // Every 65,521st bit pattern (65,551 floats of every sign and exponent) and the
        // edges; `exhaustive_exp_sigmoid_tanh` checks all 2³².
        let sweep = (0..=u32::MAX / 65_521).map(|i| f32::from_bits(i.wrapping_mul(65_521)));
        // And densely where the results are not trivial: |x| < 104, one input in 1001.
        let dense = (0..0x42d0_0000u32).step_by(1001).flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)]);
        let (mut exp_worst, mut tanh_worst) = (0.0f64, 0.0f64);
        for x in sweep.chain(dense).chain(edge_inputs()) {
            assert_eq!(tanh(-x).to_bits(), (-tanh(x)).to_bits(), "tanh is odd ({x:e})");
            let (e, t) = check(x);
            exp_worst = exp_worst.max(e);
            tanh_worst = tanh_worst.max(t);
        }
        // The sample reaches most of the bound (it is not vacuous).
        assert!(exp_worst > 0.7 && tanh_worst > 1.5, "{exp_worst} {tanh_worst}");
    }

    /// Every `f32`: [`check`] (exp within 0.9 ulp, tanh within 2.3, the edges and kinds of
    /// libm's `expf`), the sigmoid in `[0, 1]` and never NaN but for NaN, and
    /// `sigmoid_in_place` (vectorised on the host) equal to the scalar sigmoid bit for bit.
    /// All cores, in release: `cargo test -p nn-core --release -- --ignored
    /// exhaustive_exp_sigmoid_tanh --nocapture`.
    #[test]
    #[ignore]
    fn exhaustive_exp_sigmoid_tanh() {
        use core::sync::atomic::{AtomicU32, Ordering};
        let start = std::time::Instant::now();
        // 4096 blocks of 2²⁰ inputs, handed out to the threads one at a time.
        let next = AtomicU32::new(0);
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let worst = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let (mut exp_worst, mut tanh_worst) = (0.0f64, 0.0f64);
                        let mut batch = [0.0f32; 1024];
                        loop {
                            let block = next.fetch_add(1, Ordering::Relaxed);
                            if block >= 4096 {
                                break (exp_worst, tanh_worst);
                            }
                            for chunk in 0..1024u32 {
                                let base = (block << 20) | (chunk << 10);
                                for (i, v) in batch.iter_mut().enumerate() {
                                    *v = f32::from_bits(base | i as u32);
                                }
                                let mut sigmoids = batch;
                                crate::math::sigmoid_in_place(&mut sigmoids);
                                for (&x, &s) in batch.iter().zip(&sigmoids) {
                                    let (e, t) = check(x);
                                    exp_worst = exp_worst.max(e);
                                    tanh_worst = tanh_worst.max(t);
                                    let scalar = crate::math::sigmoid(x);
                                    assert!(same(s, scalar), "sigmoid [{:#x}]", x.to_bits());
                                    assert!(x.is_nan() || (0.0..=1.0).contains(&s), "sigmoid [{:#x}]", x.to_bits());
                                }
                            }
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a worker panicked"))
                .fold((0.0f64, 0.0f64), |a, b| (a.0.max(b.0), a.1.max(b.1)))
        });
        std::println!(
            "all 2^32 inputs on {threads} threads in {:.0} s: exp max {:.4} ulp, tanh max {:.4} ulp",
            start.elapsed().as_secs_f64(),
            worst.0,
            worst.1
        );
    }
}
