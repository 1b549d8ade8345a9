//! The worked examples of the five seed tutorials (`/work/shared/seeds/000..004`), run
//! through nn-core in `f32` and compared with values this file computes itself: by the
//! float64 reference in `nn_tests` or by exact arithmetic written out below. No expected
//! number is copied from the tutorials, which contain arithmetic errors (see
//! `docs/errata.md`).
//!
//! # Tolerances
//! `f32` rounds each operation to a relative `u = 2⁻²⁴ ≈ 6.0e-8` ([`U32`]). A value
//! reached in a handful of operations is within a few `u` of the exact one, so those
//! comparisons use a relative `1e-6` (about 16 u), widened where a subtraction cancels
//! (then the bound is stated next to the assertion). Long runs (10,000 updates) use
//! bounds justified where they are used.

use nn_core::activation::{Identity, Sigmoid, Softmax};
use nn_core::check::{self, Differences};
use nn_core::perceptron::{perceptron_rule, LinearUnit, Perceptron};
use nn_core::train::{dataset_gradient, evaluate, work_len};
use nn_core::{
    forward, gradient, sample_loss, sgd_step, Dense, Error, Loss, Model, ModelMut, Network, Optimizer, SgdConfig,
};
use nn_core::{Biases, TrainConfig, Trainer};
use nn_tests::{assert_all_close, assert_close, sigmoid, train_biases, widen, Act, Cost, Net, U32};

/// Relative tolerance for results of a few `f32` operations on well-conditioned data.
const FEW_OPS: f64 = 1e-6;

fn params_of<M: Model + ?Sized>(model: &M) -> Vec<f32> {
    let mut out = vec![0.0; model.param_count()];
    model.copy_params_to(&mut out).unwrap();
    out
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

// ---------------------------------------------------------------------------------------
// 000: the house-price linear unit, the 2-2-1 sigmoid net, the quadratic and its Hessian.
// ---------------------------------------------------------------------------------------

/// x1 = x2 = 1, y = 3, w = (0.5, −0.3), b = 0.2, η = 0.1, loss (ŷ − y)² (`Loss::Sse`).
///
/// Exact arithmetic: every gradient is 2(ŷ − 3) (x1 = x2 = 1), so each of w1, w2, b moves
/// by −0.2(ŷ − 3) and ŷ by three times that: the residual ŷ − 3 is multiplied by
/// 1 − 0.6 = 2/5 per iteration and the loss by 4/25. Row k (0 = initial) therefore has
/// ŷ = 3 − 2.6·(2/5)^k, loss = 6.76·(4/25)^k and each parameter equal to its initial
/// value plus (ŷ_k − ŷ_0)/3. The f64 reference must agree with that closed form, and
/// nn-core's f32 rows with the reference.
#[test]
fn doc000_house_price_linear_unit_three_iterations() {
    let mut unit: LinearUnit<2> = (Dense::new([[0.5, -0.3]], [0.2]),);
    let mut reference = Net::from_flat(&[(2, 1, Act::Identity)], &[0.5, -0.3, 0.2]);
    let (x, y) = ([1.0f32, 1.0], [3.0f32]);
    let (x64, y64) = ([1.0, 1.0], [3.0]);
    let mut scratch = [0.0f32; LinearUnit::<2>::SCRATCH];
    for k in 0..=3 {
        // The row: parameters, prediction and loss before iteration k's update.
        let yhat = forward(&unit, &x, &mut scratch).unwrap()[0];
        let loss = sample_loss(&unit, (&x, &y), Loss::Sse, &mut scratch).unwrap();
        let row = [unit.0.weights[0][0], unit.0.weights[0][1], unit.0.biases[0], yhat, loss];
        let ref_yhat = reference.forward(&x64)[0];
        let ref_loss = reference.loss(&x64, &y64, Cost::Sse);
        let r = reference.flat();
        let ref_row = [r[0], r[1], r[2], ref_yhat, ref_loss];

        // The closed form, from the exact arithmetic above.
        let exact_yhat = 3.0 - 2.6 * 0.4f64.powi(k);
        let moved = (exact_yhat - 0.4) / 3.0;
        let exact = [0.5 + moved, -0.3 + moved, 0.2 + moved, exact_yhat, 6.76 * 0.16f64.powi(k)];
        assert_all_close(&format!("f64 row {k} vs closed form"), &ref_row, &exact, 1e-14, 1e-15);

        // f32: the parameters and ŷ (all ≤ 3 in magnitude) carry a few roundings of
        // values of order 1 per iteration: absolute 1e-6 (4 ulp of 3). The loss r² has
        // error 2|r|·δr ≤ 2·2.6·1e-6.
        let names = ["w1", "w2", "b", "ŷ", "loss"];
        for (i, name) in names.iter().enumerate() {
            let atol = if i == 4 { 6e-6 } else { 1e-6 };
            assert_close(&format!("row {k} {name}"), f64::from(row[i]), ref_row[i], FEW_OPS, atol);
        }
        if k < 3 {
            let before = sgd_step(&mut unit, (&x, &y), SgdConfig::new(Loss::Sse, 0.1), &mut scratch).unwrap();
            assert_eq!(before, loss, "sgd_step returns the loss before its update");
            reference.sgd_step(&x64, &y64, Cost::Sse, 0.1, true);
        }
    }
}

/// Hidden W = [[0.8, −0.2], [0.5, −0.6]], b = [0.5, −0.3], sigmoid; output identity with
/// c = [10, −8], b = 5; raw inputs 100 and 5. z1 = 80 − 1 + 0.5 = 79.5 and
/// z2 = 50 − 3 − 0.3 = 46.7 saturate both sigmoids.
#[test]
fn doc000_house_price_sigmoid_net_on_raw_inputs() {
    type House = (Dense<2, 2, Sigmoid>, Dense<2, 1, Identity>);
    let net: House = (Dense::new([[0.8, -0.2], [0.5, -0.6]], [0.5, -0.3]), Dense::new([[10.0, -8.0]], [5.0]));
    let mut scratch = [0.0f32; House::SCRATCH];
    let y = forward(&net, &[100.0, 5.0], &mut scratch).unwrap()[0];
    // In f32 both sigmoids round to exactly 1, so y = 10 − 8 + 5 = 7 exactly.
    assert_eq!(y, 7.0);
    assert_eq!(&scratch[..2], &[1.0, 1.0], "both hidden units saturate to 1.0 in f32");

    // In f64 too the naive forward pass gives exactly 7 (1 − σ(46.7) ≈ e^−46.7 is far
    // below half an ulp of 1)...
    let reference = Net::from_flat(
        &[(2, 2, Act::Sigmoid), (2, 1, Act::Identity)],
        &[0.8, -0.2, 0.5, -0.6, 0.5, -0.3, 10.0, -8.0, 5.0],
    );
    assert_eq!(reference.forward(&[100.0, 5.0])[0], 7.0);
    // ... but the exact value is not 7. Without cancellation:
    // y − 7 = 10(σ(z1) − 1) − 8(σ(z2) − 1) = 8σ(−z2) − 10σ(−z1), with σ(−z) computed
    // directly (accurate to a few ulp even when tiny).
    let z1 = 0.8 * 100.0 - 0.2 * 5.0 + 0.5;
    let z2 = 0.5 * 100.0 - 0.6 * 5.0 - 0.3;
    assert_close("z1", z1, 79.5, 1e-15, 0.0);
    assert_close("z2", z2, 46.7, 1e-15, 0.0);
    let excess = 8.0 * sigmoid(-z2) - 10.0 * sigmoid(-z1);
    // The second term (≈ 3e-34) is negligible; σ(−z2) = e^−z2/(1 + e^−z2) ≈ e^−z2.
    assert_close("y − 7 ≈ 8e^−46.7", excess, 8.0 * (-46.7f64).exp(), 1e-12, 0.0);
    assert!(excess > 0.0, "y is slightly more than 7");
    // Cross-check with docs/errata.md (000-9): 4.18347986e-20.
    assert!((4.1834e-20..4.1835e-20).contains(&excess), "y − 7 = {excess:e}");
}

/// L(θ) = θ1² + 2θ2² + θ1θ2: ∇L = (2θ1 + θ2, 4θ2 + θ1), H = [[2, 1], [1, 4]].
fn quadratic(t: &[f32]) -> f32 {
    t[0] * t[0] + 2.0 * t[1] * t[1] + t[0] * t[1]
}

#[test]
fn doc000_quadratic_gradient_hessian_taylor_newton() {
    // Dyadic points with few bits, so every f32 evaluation (and every difference with the
    // power-of-two step 0.5) is exact: the checks can demand equality.
    let points = [[0.0f32, 0.0], [1.0, 1.0], [3.0, -2.0], [-5.0, 7.0], [0.5, -0.25], [1024.0, 3.0]];
    for p in points {
        let mut theta = p;
        let mut g = [0.0f32; 2];
        check::gradient_of(quadratic, &mut theta, 0.5, &mut g).unwrap();
        assert_eq!(g, [2.0 * p[0] + p[1], 4.0 * p[1] + p[0]], "gradient at {p:?}");
        let mut h = [0.0f32; 4];
        check::hessian_of(quadratic, &mut theta, 0.5, &mut h).unwrap();
        assert_eq!(h, [2.0, 1.0, 1.0, 4.0], "Hessian at {p:?}");
        assert_eq!(theta, p, "θ restored");
    }

    // Taylor expansion at θ' = 0: L(0) = 0, g(0) = 0, and for a quadratic the
    // second-order expansion is L itself.
    let mut origin = [0.0f32; 2];
    let (mut g0, mut h0) = ([0.0f32; 2], [0.0f32; 4]);
    check::gradient_of(quadratic, &mut origin, 0.5, &mut g0).unwrap();
    check::hessian_of(quadratic, &mut origin, 0.5, &mut h0).unwrap();
    assert_eq!(g0, [0.0, 0.0]);
    for d in points {
        assert_eq!(check::taylor(quadratic(&origin), &g0, &h0, &d), quadratic(&d), "Taylor at {d:?}");
    }
    // At non-dyadic points the two differ only by rounding: both are sums of three
    // products of size ≤ the terms, so |diff| ≤ 8u·Σ|terms|.
    for d in [[0.1f32, 0.7], [-1.3, 2.9], [12.345, -6.5]] {
        let magnitude = f64::from(d[0] * d[0] + 2.0 * d[1] * d[1] + (d[0] * d[1]).abs());
        let t = f64::from(check::taylor(0.0, &g0, &h0, &d));
        assert_close(&format!("Taylor at {d:?}"), t, f64::from(quadratic(&d)), 0.0, 8.0 * U32 * magnitude);
    }

    // A Newton step θ − H⁻¹∇L(θ) lands on the minimum (0, 0) from anywhere; from these
    // points the elimination is exact in f32 (pivot 2, factor 1/2, all values dyadic).
    for p in points {
        let mut theta = p;
        let (mut g, mut h) = ([0.0f32; 2], [0.0f32; 4]);
        check::gradient_of(quadratic, &mut theta, 0.5, &mut g).unwrap();
        check::hessian_of(quadratic, &mut theta, 0.5, &mut h).unwrap();
        check::newton_step(&mut theta, &mut g, &mut h).unwrap();
        assert_eq!(theta, [0.0, 0.0], "Newton step from {p:?}");
        assert_eq!(quadratic(&theta), 0.0);
    }
    // From a generic point it lands within rounding of (0, 0): the solve's relative error
    // is a few u of |θ| (the condition number of H is (3 + √2)/(3 − √2) ≈ 2.8).
    for p in [[0.1f32, 0.7], [-7.0 / 3.0, 11.0 / 5.0]] {
        let mut theta = p;
        let (mut g, mut h) = ([0.0f32; 2], [0.0f32; 4]);
        check::gradient_of(quadratic, &mut theta, 0.5, &mut g).unwrap();
        check::hessian_of(quadratic, &mut theta, 0.5, &mut h).unwrap();
        check::newton_step(&mut theta, &mut g, &mut h).unwrap();
        let scale = f64::from(p[0].abs().max(p[1].abs()));
        for v in theta {
            assert_close(&format!("Newton from {p:?}"), f64::from(v), 0.0, 0.0, 32.0 * U32 * scale);
        }
    }
    // H is positive definite: eigenvalues 3 ± √2.
    let (lo, hi) = check::eigen_range(&mut h0, 2).unwrap();
    assert_close("λmin", f64::from(lo), 3.0 - 2f64.sqrt(), FEW_OPS, 0.0);
    assert_close("λmax", f64::from(hi), 3.0 + 2f64.sqrt(), FEW_OPS, 0.0);
}

// ---------------------------------------------------------------------------------------
// 001: ŷ = wx + b, loss (ŷ − y)², lr 0.1, w = b = 1.
// ---------------------------------------------------------------------------------------

/// Exact arithmetic, step 1 on (2, 1): ŷ = 1·2 + 1 = 3, loss (3 − 1)² = 4,
/// ∂/∂ŷ = 2(3 − 1) = 4, ∂/∂b = 4, ∂/∂w = 4·2 = 8, so b = 1 − 0.4 = 3/5, w = 1 − 0.8 = 1/5.
/// Step 2 on (−1, −5): ŷ = −1/5 + 3/5 = 2/5, loss (2/5 + 5)² = (27/5)² = 729/25,
/// ∂/∂ŷ = 54/5, ∂/∂b = 54/5, ∂/∂w = −54/5, so b = 3/5 − 27/25 = −12/25,
/// w = 1/5 + 27/25 = 32/25.
#[test]
fn doc001_two_sgd_steps_exact_values() {
    let mut unit: LinearUnit<1> = (Dense::new([[1.0]], [1.0]),);
    let mut scratch = [0.0f32; LinearUnit::<1>::SCRATCH];
    let mut grads = [0.0f32; 2];
    // (x, y, ŷ, loss, ∂/∂w, ∂/∂b, w after, b after), exact rationals.
    let steps = [
        (2.0f32, 1.0f32, 3.0, 4.0, 8.0, 4.0, 1.0 / 5.0, 3.0 / 5.0),
        (-1.0, -5.0, 2.0 / 5.0, 729.0 / 25.0, -54.0 / 5.0, 54.0 / 5.0, 32.0 / 25.0, -12.0 / 25.0),
    ];
    let mut reference = Net::from_flat(&[(1, 1, Act::Identity)], &[1.0, 1.0]);
    for (k, &(x, y, yhat, loss, gw, gb, w_after, b_after)) in steps.iter().enumerate() {
        grads.fill(0.0);
        let l = gradient(&unit, (&[x], &[y]), Loss::Sse, &mut scratch, &mut grads).unwrap();
        let out = forward(&unit, &[x], &mut scratch).unwrap()[0];
        // Values of size ≤ 30 after two steps of a few operations each: relative 1e-6.
        for (what, got, exact) in [("ŷ", out, yhat), ("loss", l, loss), ("∂/∂w", grads[0], gw), ("∂/∂b", grads[1], gb)]
        {
            assert_close(&format!("step {} {what}", k + 1), f64::from(got), exact, FEW_OPS, 1e-7);
        }
        sgd_step(&mut unit, (&[x], &[y]), SgdConfig::new(Loss::Sse, 0.1), &mut scratch).unwrap();
        reference.sgd_step(&[f64::from(x)], &[f64::from(y)], Cost::Sse, 0.1, true);
        let r = reference.flat();
        assert_close(&format!("f64 w after step {}", k + 1), r[0], w_after, 1e-15, 1e-15);
        assert_close(&format!("f64 b after step {}", k + 1), r[1], b_after, 1e-15, 1e-15);
        assert_close(&format!("w after step {}", k + 1), f64::from(unit.0.weights[0][0]), w_after, FEW_OPS, 1e-7);
        assert_close(&format!("b after step {}", k + 1), f64::from(unit.0.biases[0]), b_after, FEW_OPS, 1e-7);
    }
    // Step 1 already fits its own sample exactly: 0.1·2·(x² + 1) = 1.
    let mut fresh: LinearUnit<1> = (Dense::new([[1.0]], [1.0]),);
    sgd_step(&mut fresh, (&[2.0], &[1.0]), SgdConfig::new(Loss::Sse, 0.1), &mut scratch).unwrap();
    let after = sample_loss(&fresh, (&[2.0], &[1.0]), Loss::Sse, &mut scratch).unwrap();
    assert!(f64::from(after) < 1e-12, "loss on (2, 1) after step 1: {after}");
}

/// Cycling (2, 1), (−1, −5) recovers the true line y = 2x − 3 (both samples lie on it).
/// Per-sample SGD is a linear map of the error (w − 2, b + 3); the f64 reference finds
/// the number of epochs to get within 1e-3, and the f32 Trainer must need the same
/// number (the contraction, 0.64 per epoch, leaves a margin far above f32 rounding).
#[test]
fn doc001_cycling_two_samples_recovers_the_line() {
    let data = [([2.0f32], [1.0f32]), ([-1.0], [-5.0])];
    let mut unit: LinearUnit<1> = (Dense::new([[1.0]], [1.0]),);
    let mut reference = Net::from_flat(&[(1, 1, Act::Identity)], &[1.0, 1.0]);
    let config = TrainConfig::sgd(Loss::Sse, 0.1);
    let mut work = [0.0f32; work_len(2, Optimizer::Sgd)];
    let mut trainer = Trainer::new(config, &unit, &mut work).unwrap();
    let mut scratch = [0.0f32; LinearUnit::<1>::SCRATCH];
    let mut order = [0u32; 2];
    let err = |w: f64, b: f64| (w - 2.0).abs().max((b + 3.0).abs());
    let (mut ref_epochs, mut f32_epochs) = (None, None);
    let mut previous = err(1.0, 1.0);
    for epoch in 1..=100 {
        trainer.epoch(&mut unit, &data, &mut order, &mut scratch).unwrap();
        for (x, t) in &data {
            reference.sgd_step(&widen(x), &widen(t), Cost::Sse, 0.1, true);
        }
        let r = reference.flat();
        let e = err(r[0], r[1]);
        if epoch >= 2 && e > 1e-5 {
            // After the first epoch the error contracts by exactly 16/25 per epoch (checked
            // while f64's rounding, ~1e-16 absolute, is negligible against e).
            assert_close(&format!("epoch {epoch} contraction"), e / previous, 0.64, 1e-9, 0.0);
        }
        previous = e;
        if e < 1e-3 && ref_epochs.is_none() {
            ref_epochs = Some(epoch);
        }
        let (w, b) = (f64::from(unit.0.weights[0][0]), f64::from(unit.0.biases[0]));
        if err(w, b) < 1e-3 && f32_epochs.is_none() {
            f32_epochs = Some(epoch);
        }
        // The f32 run follows the f64 one to a few ulp of 3 per epoch, and the map is
        // contracting, so the difference stays of that order.
        assert_close(&format!("w after epoch {epoch}"), w, r[0], 0.0, 2e-6);
        assert_close(&format!("b after epoch {epoch}"), b, r[1], 0.0, 2e-6);
    }
    assert!(ref_epochs.is_some());
    assert_eq!(f32_epochs, ref_epochs, "epochs to reach 1e-3");
    // (2, −3) is an exact fixed point in f32; the run ends within rounding of it.
    let (w, b) = (unit.0.weights[0][0], unit.0.biases[0]);
    assert!(err(f64::from(w), f64::from(b)) < 2e-6, "w = {w}, b = {b}");
}

// ---------------------------------------------------------------------------------------
// 002: the 2-2-1 sigmoid net with all weights 1 and biases 0, x = (−2, 5).
// ---------------------------------------------------------------------------------------

type Net221 = (Dense<2, 2, Sigmoid>, Dense<2, 1, Sigmoid>);

/// Forward pass, and ∂L/∂w1 for L = (1 − o1)² by the chain rule written out in f64:
/// ∂L/∂o1 = −2(1 − o1), ∂o1/∂h1 = w5·o1(1 − o1), ∂h1/∂w1 = x1·h1(1 − h1), with x1 = −2
/// (the document's forward pass feeds −2 first, though its text calls x1 the height).
#[test]
fn doc002_forward_pass_and_chain_rule() {
    let net: Net221 = (Dense::new([[1.0; 2]; 2], [0.0; 2]), Dense::new([[1.0; 2]], [0.0]));
    let x = [-2.0f32, 5.0];
    let mut scratch = [0.0f32; Net221::SCRATCH];
    let o1 = forward(&net, &x, &mut scratch).unwrap()[0];
    // Scratch holds every layer's outputs in layer order: h1, h2, then o1.
    let (h1, h2) = (scratch[0], scratch[1]);

    let h = sigmoid(-2.0 + 5.0);
    let o = sigmoid(h + h);
    // σ and the sums are a few roundings each: relative 1e-6.
    assert_close("h1", f64::from(h1), h, FEW_OPS, 0.0);
    assert_close("h2", f64::from(h2), h, FEW_OPS, 0.0);
    assert_close("o1", f64::from(o1), o, FEW_OPS, 0.0);

    let dl_do = -2.0 * (1.0 - o);
    let do_dh1 = 1.0 * o * (1.0 - o);
    let dh1_dw1 = -2.0 * h * (1.0 - h);
    let dl_dw1 = dl_do * do_dh1 * dh1_dw1;

    let mut grads = [0.0f32; Net221::PARAMS];
    let l = gradient(&net, (&x, &[1.0]), Loss::Sse, &mut scratch, &mut grads).unwrap();
    assert_close("L", f64::from(l), (1.0 - o) * (1.0 - o), 1e-5, 0.0);
    // Flat index 0 is layer 0's weight from input 1 into neuron 1: w1. The factors
    // 1 − o (o ≈ 0.87) and 1 − h (h ≈ 0.95) cancel, amplifying the relative rounding
    // of o and h by o/(1 − o) < 7 and h/(1 − h) < 20: relative 1e-5 holds.
    assert_close("∂L/∂w1", f64::from(grads[0]), dl_dw1, 1e-5, 0.0);

    // Every other gradient against the generic f64 backprop.
    let reference = Net::from_model(&net);
    let (_, g) = reference.gradient(&widen(&x), &[1.0], Cost::Sse);
    assert_close("reference ∂L/∂w1", g[0], dl_dw1, 1e-14, 0.0);
    assert_all_close("∂L/∂θ", &widen(&grads), &g, 1e-5, 0.0);
}

/// Four people, all predicted 0, targets 1, 1, 0, 0: MSE = (1 + 1 + 0 + 0)/4 = 1/2.
#[test]
fn doc002_four_person_mse_table() {
    let zero: LinearUnit<2> = Default::default();
    // Features do not matter: the zero unit predicts 0 for everyone.
    let data = [([-2.0f32, -1.0], [1.0f32]), ([25.0, 6.0], [1.0]), ([17.0, 4.0], [0.0]), ([-15.0, -6.0], [0.0])];
    let mut scratch = [0.0f32; LinearUnit::<2>::SCRATCH];
    assert_eq!(evaluate(&zero, &data, Loss::Mse, &mut scratch).unwrap(), 0.5);
}

// ---------------------------------------------------------------------------------------
// 003: forward differences (`update_weights`, ε = 1e-4) against backprop; BCE and CCE.
// ---------------------------------------------------------------------------------------

type Net003 = (Dense<2, 3, Sigmoid>, Dense<3, 2, Identity>);

fn net003() -> Net003 {
    (
        Dense::new([[0.4, -0.7], [1.1, 0.3], [-0.5, 0.9]], [0.1, -0.2, 0.05]),
        Dense::new([[0.6, -0.3, 0.8], [-0.9, 0.5, 0.2]], [0.3, -0.1]),
    )
}

const DATA003: [([f32; 2], [f32; 2]); 4] =
    [([0.5, -1.0], [0.2, 0.7]), ([1.5, 0.3], [-0.4, 1.0]), ([-0.8, 0.6], [0.9, -0.3]), ([0.1, 2.0], [0.0, 0.5])];

/// The document's `feed_forward`, in f64: numpy's `weights[0]` is `(inputs, hidden)`, the
/// transpose of nn-core's rows; hidden sigmoid, linear output, `np.mean` of the squared
/// error over samples *and* outputs.
fn feed_forward(inputs: &[[f64; 2]], outputs: &[[f64; 2]], w: &[f64]) -> f64 {
    // w in nn-core's flat order: W0 (3 rows of 2), b0 (3), W1 (2 rows of 3), b1 (2).
    let mut total = 0.0;
    for (x, y) in inputs.iter().zip(outputs) {
        let hidden: Vec<f64> =
            (0..3).map(|j| 1.0 / (1.0 + (-(x[0] * w[2 * j] + x[1] * w[2 * j + 1] + w[6 + j])).exp())).collect();
        for k in 0..2 {
            let pred = (0..3).map(|j| hidden[j] * w[9 + 3 * k + j]).sum::<f64>() + w[15 + k];
            total += (pred - y[k]) * (pred - y[k]);
        }
    }
    total / (inputs.len() * 2) as f64
}

/// The forward difference of `feed_forward` at ε, parameter by parameter from the
/// original weights (the document's `update_weights` without the final update).
fn update_weights_gradient(inputs: &[[f64; 2]], outputs: &[[f64; 2]], w: &[f64], eps: f64) -> Vec<f64> {
    let base = feed_forward(inputs, outputs, w);
    (0..w.len())
        .map(|k| {
            let mut temp = w.to_vec();
            temp[k] += eps;
            (feed_forward(inputs, outputs, &temp) - base) / eps
        })
        .collect()
}

/// Forward differences at ε = 1e-4 against backprop, on a 2-3-2 net (sigmoid hidden,
/// identity output, `Loss::Mse` = the document's `np.mean`).
///
/// The forward difference's error has two parts. Truncation: (f(θ + ε) − f(θ))/ε =
/// f' + (ε/2)f'' + O(ε²). Rounding: each loss evaluation carries an error δ, so the
/// quotient carries up to 2δ/ε, plus the rounding of θ + ε itself (the step actually
/// taken is ε' = fl(θ + ε) − θ, not ε). In f64 (numpy) the rounding part is ~1e-12 and
/// the truncation part dominates; in f32 δ is a few u·L ≈ 1e-8, so 2δ/ε ≈ 1e-4 and
/// the rounding part dominates. Both parts are bounded below and checked.
#[test]
fn doc003_forward_difference_against_backprop() {
    const EPS: f32 = 1e-4;
    let eps = f64::from(EPS);
    let mut net = net003();
    let count = Net003::PARAMS;
    let mut scratch = [0.0f32; Net003::SCRATCH];
    let theta32 = params_of(&net);
    let theta = widen(&theta32);
    let inputs: Vec<[f64; 2]> = DATA003.iter().map(|(x, _)| x.map(f64::from)).collect();
    let outputs: Vec<[f64; 2]> = DATA003.iter().map(|(_, t)| t.map(f64::from)).collect();
    let samples: Vec<_> = DATA003.iter().map(|(x, t)| (widen(x), widen(t))).collect();
    let reference = Net::from_model(&net);

    // The document's loss is Loss::Mse averaged over samples (np.mean over m·K).
    let l64 = feed_forward(&inputs, &outputs, &theta);
    assert_close("feed_forward = reference Mse", reference.mean_loss(&samples, Cost::Mse), l64, 1e-14, 0.0);

    // Backprop: nn-core f32 vs f64. Gradients of size ~0.1 from sums of a dozen terms:
    // relative 1e-5 of the largest component.
    let mut g32 = vec![0.0f32; count];
    let l32 = dataset_gradient(&net, &DATA003, Loss::Mse, &mut scratch, &mut g32).unwrap();
    let (_, g64) = reference.mean_gradient(&samples, Cost::Mse);
    let gmax = g64.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    assert_close("loss", f64::from(l32), l64, 1e-6, 0.0);
    assert_all_close("backprop f32 vs f64", &widen(&g32), &g64, 1e-5, 1e-6 * gmax);

    // Second derivatives ∂²L/∂θk² by central differences of the f64 gradient (h = 1e-5,
    // error O(h²) ≈ 1e-10).
    let h = 1e-5;
    let curvature: Vec<f64> = (0..count)
        .map(|k| {
            let mut p = theta.clone();
            p[k] = theta[k] + h;
            let (_, gp) = Net::from_flat(&shape003(), &p).mean_gradient(&samples, Cost::Mse);
            p[k] = theta[k] - h;
            let (_, gm) = Net::from_flat(&shape003(), &p).mean_gradient(&samples, Cost::Mse);
            (gp[k] - gm[k]) / (2.0 * h)
        })
        .collect();

    // f64, the document's method: the error is (ε/2)L'' up to O(ε²). The third
    // derivatives here are O(1), so (ε²/6)|L'''| < 1e-8; allow 1e-8.
    let fd64 = update_weights_gradient(&inputs, &outputs, &theta, eps);
    for k in 0..count {
        let predicted = eps / 2.0 * curvature[k];
        assert_close(&format!("f64 truncation error, θ{k}"), fd64[k] - g64[k], predicted, 0.0, 1e-8);
    }

    // nn-core's f32 numeric gradient (Difference::Forward). δ = the f32 loss evaluation
    // error at every point the difference visits, measured against the f64 reference at
    // the very same f32 parameters.
    let mut fd32 = vec![0.0f32; count];
    let base =
        check::numeric_gradient(&mut net, &DATA003, Differences::forward(Loss::Mse, EPS), &mut scratch, &mut fd32)
            .unwrap();
    assert_eq!(bits(&params_of(&net)), bits(&theta32), "parameters restored bit for bit");
    assert_eq!(base, l32);
    let mut delta = (f64::from(base) - l64).abs();
    for (k, &t) in theta32.iter().enumerate() {
        let mut probe = net;
        *probe.param_mut(k).unwrap() = t + EPS;
        let moved = evaluate(&probe, &DATA003, Loss::Mse, &mut scratch).unwrap();
        let exact = Net::from_model(&probe).mean_loss(&samples, Cost::Mse);
        delta = delta.max((f64::from(moved) - exact).abs());
    }
    // The loss (≈ 0.5) is a mean of 8 squares of differences of O(1) values, each
    // operation rounded to u relative, the errors partly cancelling: a few u (measured
    // about 1.4 u). Allowing 8 u, 2δ/ε stays below 1e-2.
    assert!(delta <= 8.0 * U32, "f32 loss evaluation error {delta:e} = {} u", delta / U32);
    for k in 0..count {
        let step = f64::from(theta32[k] + EPS) - theta[k];
        let bound = (step / eps - 1.0).abs() * g64[k].abs()
            + step / 2.0 * curvature[k].abs()
            + 1e-8
            + 2.0 * delta / eps
            + (f64::from(g32[k]) - g64[k]).abs();
        let diff = (f64::from(fd32[k]) - f64::from(g32[k])).abs();
        assert!(diff <= bound, "θ{k}: forward difference {} vs backprop {}: {diff:e} > {bound:e}", fd32[k], g32[k]);
    }
    // So, a priori: every forward difference is within 2·(8u)/ε + (ε/2)·max|L''| + 1e-8
    // of the exact gradient (about 1e-2 against gradients up to 0.7: f32 forward
    // differences at ε = 1e-4 are good to a percent or so, no better).
    let max_curvature = curvature.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    let a_priori = 2.0 * 8.0 * U32 / eps + eps / 2.0 * max_curvature + 1e-8;
    for k in 0..count {
        assert_close(&format!("θ{k} forward difference"), f64::from(fd32[k]), g64[k], 0.0, a_priori);
    }
}

fn shape003() -> [(usize, usize, Act); 2] {
    [(2, 3, Act::Sigmoid), (3, 2, Act::Identity)]
}

/// BCE from a sigmoid output, values and ∂L/∂z, including saturated logits. The network
/// is a single sigmoid unit with weight 0 and bias z, so its pre-activation is exactly z
/// and ∂L/∂b = ∂L/∂z.
///
/// Tolerances: the loss is computed from z, so it keeps full relative accuracy (1e-6),
/// down to f32's normal range (absolute f32::MIN_POSITIVE below that: ln(1 + e^−100)
/// ≈ 3.7e-44 is subnormal in f32). ∂L/∂z = σ(z) − t is formed from the rounded
/// probability σ(z), so its absolute error is up to half an ulp of 1 (u), and a
/// gradient like σ(50) − 1 ≈ −2e-22 comes out as 0: absolute u.
#[test]
fn doc003_binary_cross_entropy_with_extreme_logits() {
    type Unit = (Dense<1, 1, Sigmoid>,);
    let mut scratch = [0.0f32; Unit::SCRATCH];
    for z in [-100.0f32, -50.0, -3.5, -0.25, 0.0, 0.25, 3.5, 50.0, 100.0] {
        for t in [0.0f32, 1.0, 0.3] {
            let unit: Unit = (Dense::new([[0.0]], [z]),);
            let mut grads = [0.0f32; 2];
            let l = gradient(&unit, (&[1.0], &[t]), Loss::Bce, &mut scratch, &mut grads).unwrap();
            let (z64, t64) = (f64::from(z), f64::from(t));
            // −[t ln σ(z) + (1 − t) ln(1 − σ(z))] = t·softplus(−z) + (1 − t)·softplus(z),
            // the second form free of ln(0) when σ(z) rounds to 0 or 1.
            let expected = nn_tests::loss_of(&[z64], &[sigmoid(z64)], &[t64], Cost::Bce);
            if z64.abs() < 10.0 {
                let s = sigmoid(z64);
                let naive = -(t64 * s.ln() + (1.0 - t64) * (1.0 - s).ln());
                assert_close("naive BCE", expected, naive, 1e-12, 0.0);
            }
            assert!(l.is_finite() && grads.iter().all(|g| g.is_finite()), "z = {z}, t = {t}");
            assert_close(
                &format!("BCE(z = {z}, t = {t})"),
                f64::from(l),
                expected,
                FEW_OPS,
                f64::from(f32::MIN_POSITIVE),
            );
            assert_close(&format!("∂BCE/∂z (z = {z}, t = {t})"), f64::from(grads[1]), sigmoid(z64) - t64, 0.0, U32);
            assert_eq!(grads[0], grads[1], "∂/∂w = ∂/∂z · x with x = 1");
        }
    }
}

/// Categorical cross-entropy from a softmax output, values and gradients, including
/// logits of ±50 and ±100. The layer has zero weights and biases z, so ∂L/∂b = ∂L/∂z.
///
/// Tolerances: the loss is computed as Σ t (logsumexp(z) − z) with the max subtracted,
/// so it keeps relative accuracy (1e-6). ∂L/∂z = p Σt − t is formed from rounded
/// probabilities: absolute error a few u (4u).
#[test]
fn doc003_categorical_cross_entropy_with_extreme_logits() {
    type Head = (Dense<1, 3, Softmax>,);
    let mut scratch = [0.0f32; Head::SCRATCH];
    let cases: [([f32; 3], [f32; 3]); 7] = [
        ([1.0, 2.0, 3.0], [0.0, 0.0, 1.0]),
        ([1.0, 2.0, 3.0], [1.0, 0.0, 0.0]),
        ([0.0, 0.0, 0.0], [0.2, 0.3, 0.5]),
        ([100.0, -100.0, 0.0], [0.0, 1.0, 0.0]),
        ([100.0, -100.0, 0.0], [1.0, 0.0, 0.0]),
        ([50.0, 50.0, -50.0], [0.0, 0.0, 1.0]),
        ([-50.0, 50.0, -100.0], [0.25, 0.5, 0.25]),
    ];
    for (z, t) in cases {
        let head: Head = (Dense::new([[0.0]; 3], z),);
        let mut grads = [0.0f32; 6];
        let l = gradient(&head, (&[1.0], &t), Loss::SoftmaxCe, &mut scratch, &mut grads).unwrap();
        let (z64, t64) = (widen(&z), widen(&t));
        // Written out: −Σ t_i ln(e^{z_i} / Σ_j e^{z_j}), with the sum in f64 (e^100 and
        // e^−100 are well inside f64's range).
        let total: f64 = z64.iter().map(|v| v.exp()).sum();
        let expected: f64 = z64.iter().zip(&t64).map(|(&zi, &ti)| -ti * (zi.exp() / total).ln()).sum();
        assert_close(&format!("CCE({z:?}, {t:?})"), f64::from(l), expected, FEW_OPS, 1e-30);
        let p: Vec<f64> = z64.iter().map(|v| v.exp() / total).collect();
        let tsum: f64 = t64.iter().sum();
        for k in 0..3 {
            let dz = p[k] * tsum - t64[k];
            assert_close(&format!("∂CCE/∂z{k} ({z:?}, {t:?})"), f64::from(grads[3 + k]), dz, 0.0, 4.0 * U32);
        }
    }
}

// ---------------------------------------------------------------------------------------
// 004: f(x) = wx with E = ½(wx − t)², and Mazur's 2-2-2 network.
// ---------------------------------------------------------------------------------------

/// w = 0, η = 0.5, x = t = 1, bias frozen at 0. Exact arithmetic: ∂E/∂w = x(wx − t) =
/// w − 1, so w ← w − η(w − 1), i.e. w − 1 ← (1 − η)(w − 1). Epoch 1: E = ½(0 − 1)² = 1/2,
/// gradient −1, w = 0 + 1/2 = 1/2. Epoch 2: E = ½(1/2 − 1)² = 1/8, gradient −1/2,
/// w = 1/2 + 1/4 = 3/4. All dyadic: f32 is exact.
#[test]
fn doc004_scalar_two_epochs() {
    let mut unit: LinearUnit<1> = Default::default();
    let mut scratch = [0.0f32; LinearUnit::<1>::SCRATCH];
    let expected = [(0.5f32, -1.0f32, 0.5f32), (0.125, -0.5, 0.75)];
    for (e, g, w_after) in expected {
        let mut grads = [0.0f32; 2];
        assert_eq!(gradient(&unit, (&[1.0], &[1.0]), Loss::HalfSse, &mut scratch, &mut grads).unwrap(), e);
        assert_eq!(grads[0], g);
        assert_eq!(
            sgd_step(&mut unit, (&[1.0], &[1.0]), SgdConfig::new(Loss::HalfSse, 0.5).frozen_biases(), &mut scratch)
                .unwrap(),
            e
        );
        assert_eq!(unit.0.weights[0][0], w_after);
        assert_eq!(unit.0.biases[0], 0.0, "bias frozen");
    }
}

/// Runs the scalar problem for `steps` updates at rate `eta` (bias frozen) and returns
/// w after each update (w_0 = 0 first) and E before each update.
fn scalar_run(eta: f32, steps: usize) -> (Vec<f32>, Vec<f32>) {
    let mut unit: LinearUnit<1> = Default::default();
    let mut scratch = [0.0f32; LinearUnit::<1>::SCRATCH];
    let mut ws = vec![0.0f32];
    let mut es = Vec::new();
    for _ in 0..steps {
        es.push(
            sgd_step(&mut unit, (&[1.0], &[1.0]), SgdConfig::new(Loss::HalfSse, eta).frozen_biases(), &mut scratch)
                .unwrap(),
        );
        ws.push(unit.0.weights[0][0]);
    }
    (ws, es)
}

/// The learning rate decides everything: w − 1 is multiplied by 1 − η per update.
#[test]
fn doc004_scalar_learning_rates() {
    // η = 0.1: factor 0.9, monotone and slow. The f64 reference finds the first update
    // with |w − 1| < 1e-3; f32 (relative error ~k·u after k updates, far inside the 6%
    // margin between 0.9^65 and 0.9^66 around 1e-3) finds the same one.
    let (ws, _) = scalar_run(0.1, 200);
    let mut reference = Net::from_flat(&[(1, 1, Act::Identity)], &[0.0, 0.0]);
    let mut first = None;
    for k in 1..=200 {
        reference.sgd_step(&[1.0], &[1.0], Cost::HalfSse, 0.1, false);
        let w = reference.flat()[0];
        assert_close(&format!("η = 0.1, w{k}"), f64::from(ws[k]), w, 0.0, 1e-6);
        assert_close(&format!("η = 0.1, closed form w{k}"), w, 1.0 - 0.9f64.powi(k as i32), 0.0, 1e-14);
        // Monotone from below (strictly while 0.9^k is far above f32's resolution at 1).
        assert!(ws[k] >= ws[k - 1] && ws[k] <= 1.0, "monotone from below");
        assert!(k > 100 || (ws[k] > ws[k - 1] && ws[k] < 1.0), "strictly monotone");
        if (w - 1.0).abs() < 1e-3 && first.is_none() {
            first = Some(k);
        }
    }
    let f32_first = ws.iter().position(|&w| (f64::from(w) - 1.0).abs() < 1e-3);
    assert_eq!(f32_first, first);

    // η = 1 = 1/x²: one Newton step, exactly.
    let (ws, _) = scalar_run(1.0, 3);
    assert_eq!(ws, [0.0, 1.0, 1.0, 1.0]);

    // η = 1.5: factor −1/2: w oscillates around 1 and converges, exactly as fast as η = 0.5
    // (same |w − 1| and the same E before every update). w − 1 = −(−1/2)^k is exact in f32
    // while 1 + 2^−k fits in 24 bits.
    let (fast, e_fast) = scalar_run(1.5, 20);
    let (slow, e_slow) = scalar_run(0.5, 20);
    for k in 0..=20 {
        assert_eq!(f64::from(fast[k]), 1.0 - (-0.5f64).powi(k as i32), "η = 1.5, w{k}");
        assert_eq!(f64::from(slow[k]), 1.0 - 0.5f64.powi(k as i32), "η = 0.5, w{k}");
    }
    assert_eq!(e_fast, e_slow, "η = 1.5 and η = 0.5 have the same errors");
    assert!(fast.windows(2).all(|p| (p[0] - 1.0) * (p[1] - 1.0) < 0.0), "η = 1.5 oscillates");

    // η = 2: factor −1: 0, 2, 0, 2, … forever, |w − 1| = 1.
    let (ws, es) = scalar_run(2.0, 1000);
    for (k, w) in ws.iter().enumerate() {
        assert_eq!(*w, if k % 2 == 0 { 0.0 } else { 2.0 });
    }
    assert!(es.iter().all(|&e| e == 0.5));
}

/// η = 2.5: factor −3/2, |w − 1| = 1.5^k grows until E = ½(w − 1)² overflows f32. The
/// Trainer's guard then returns `Error::NonFinite` and leaves w as it was (finite).
#[test]
fn doc004_scalar_divergence_is_caught_by_the_trainer() {
    let data = [([1.0f32], [1.0f32])];
    let mut unit: LinearUnit<1> = Default::default();
    let config = TrainConfig { biases: Biases::Frozen, ..TrainConfig::sgd(Loss::HalfSse, 2.5) };
    let mut work = [0.0f32; work_len(2, Optimizer::Sgd)];
    let mut trainer = Trainer::new(config, &unit, &mut work).unwrap();
    let mut scratch = [0.0f32; LinearUnit::<1>::SCRATCH];
    // (w − 1)² overflows f32 once |w − 1| > √(f32::MAX) ≈ 1.8e19; in f64, 1.5^k first
    // exceeds that at this k (and the margin, 1.5× per step, dwarfs f32's rounding).
    let limit = f64::from(f32::MAX).sqrt();
    let overflow_at = (0..).find(|&k| 1.5f64.powi(k) > limit).unwrap() as u32;
    let mut failed = None;
    for step in 0..1000u32 {
        let before = params_of(&unit);
        match trainer.step(&mut unit, &data, &[0], &mut scratch) {
            Ok(e) => {
                let w = f64::from(unit.0.weights[0][0]);
                let prev = f64::from(before[0]);
                assert!(e.is_finite());
                assert_close(&format!("step {step}: w − 1 × (−3/2)"), w - 1.0, -1.5 * (prev - 1.0), 4.0 * U32, 0.0);
            }
            Err(err) => {
                assert_eq!(err, Error::NonFinite);
                assert_eq!(bits(&params_of(&unit)), bits(&before), "unchanged at the failing step");
                assert!(params_of(&unit).iter().all(|p| p.is_finite()));
                failed = Some(step);
                break;
            }
        }
    }
    assert_eq!(failed, Some(overflow_at), "the guard fires when E overflows");
    assert_eq!(trainer.updates(), overflow_at);
    let w = unit.0.weights[0][0];
    assert!(((w - 1.0) * (w - 1.0)).is_infinite() && w.is_finite());
}

type Mazur = (Dense<2, 2, Sigmoid>, Dense<2, 2, Sigmoid>);

const INPUT: [f32; 2] = [0.05, 0.10];
const TARGET: [f32; 2] = [0.01, 0.99];

/// w1, w2 into h1; w3, w4 into h2; w5, w6 into o1; w7, w8 into o2; b1 = 0.35 for both
/// hidden neurons, b2 = 0.60 for both outputs.
fn mazur() -> Mazur {
    (Dense::new([[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35]), Dense::new([[0.40, 0.45], [0.50, 0.55]], [0.60, 0.60]))
}

/// Mazur's network in f64, written out: weights w[0..8] = w1..w8, biases
/// [bh1, bh2, bo1, bo2].
#[derive(Debug, Clone, Copy)]
struct Mazur64 {
    w: [f64; 8],
    b: [f64; 4],
}

/// Forward pass and deltas of [`Mazur64`].
struct Pass {
    h: [f64; 2],
    o: [f64; 2],
    e: f64,
    delta_o: [f64; 2],
    delta_h: [f64; 2],
}

impl Mazur64 {
    /// The problem as stated, in exact decimals (not the f32 roundings of them).
    fn exact() -> Self {
        Mazur64 { w: [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], b: [0.35, 0.35, 0.60, 0.60] }
    }

    fn from_f32(net: &Mazur) -> Self {
        let p = widen(&params_of(net));
        // Flat order: w1 w2 w3 w4 bh1 bh2 w5 w6 w7 w8 bo1 bo2.
        Mazur64 { w: [p[0], p[1], p[2], p[3], p[6], p[7], p[8], p[9]], b: [p[4], p[5], p[10], p[11]] }
    }

    fn pass(&self) -> Pass {
        let (i, t, w, b) = ([0.05, 0.10], [0.01, 0.99], self.w, self.b);
        let h = [sigmoid(w[0] * i[0] + w[1] * i[1] + b[0]), sigmoid(w[2] * i[0] + w[3] * i[1] + b[1])];
        let o = [sigmoid(w[4] * h[0] + w[5] * h[1] + b[2]), sigmoid(w[6] * h[0] + w[7] * h[1] + b[3])];
        let e = 0.5 * ((o[0] - t[0]).powi(2) + (o[1] - t[1]).powi(2));
        let delta_o = [(o[0] - t[0]) * o[0] * (1.0 - o[0]), (o[1] - t[1]) * o[1] * (1.0 - o[1])];
        let delta_h = [
            (delta_o[0] * w[4] + delta_o[1] * w[6]) * h[0] * (1.0 - h[0]),
            (delta_o[0] * w[5] + delta_o[1] * w[7]) * h[1] * (1.0 - h[1]),
        ];
        Pass { h, o, e, delta_o, delta_h }
    }

    /// One update at η; returns E before it.
    fn update(&mut self, eta: f64, biases: bool) -> f64 {
        let (i, p) = ([0.05, 0.10], self.pass());
        let grads = [
            p.delta_h[0] * i[0],
            p.delta_h[0] * i[1],
            p.delta_h[1] * i[0],
            p.delta_h[1] * i[1],
            p.delta_o[0] * p.h[0],
            p.delta_o[0] * p.h[1],
            p.delta_o[1] * p.h[0],
            p.delta_o[1] * p.h[1],
        ];
        self.w.iter_mut().zip(grads).for_each(|(w, g)| *w -= eta * g);
        if biases {
            let gb = [p.delta_h[0], p.delta_h[1], p.delta_o[0], p.delta_o[1]];
            self.b.iter_mut().zip(gb).for_each(|(b, g)| *b -= eta * g);
        }
        p.e
    }
}

/// Forward pass and every delta: nn-core's ∂E/∂b of each neuron is its delta.
/// The values are sigmoids and products of a few of them: relative 1e-6 (the deltas
/// involve o − t and 1 − o, with o far from both t and 1: no large cancellation).
#[test]
fn doc004_mazur_forward_pass_and_deltas() {
    let net = mazur();
    let p = Mazur64::exact().pass();
    let mut scratch = [0.0f32; Mazur::SCRATCH];
    let out = forward(&net, &INPUT, &mut scratch).unwrap().to_vec();
    assert_all_close("h", &widen(&scratch[..2]), &p.h, FEW_OPS, 0.0);
    assert_all_close("o", &widen(&out), &p.o, FEW_OPS, 0.0);

    let mut grads = [0.0f32; Mazur::PARAMS];
    let e = gradient(&net, (&INPUT, &TARGET), Loss::HalfSse, &mut scratch, &mut grads).unwrap();
    assert_close("E", f64::from(e), p.e, FEW_OPS, 0.0);
    // The bias gradients, in the flat order, are the deltas of h1, h2, o1, o2.
    let deltas = [grads[4], grads[5], grads[10], grads[11]];
    let expected = [p.delta_h[0], p.delta_h[1], p.delta_o[0], p.delta_o[1]];
    assert_all_close("δ (h1, h2, o1, o2)", &widen(&deltas), &expected, 1e-5, 0.0);
    // And the generic f64 backprop agrees with the written-out one.
    let exact = [0.15, 0.20, 0.25, 0.30, 0.35, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.60];
    let generic = Net::from_flat(&[(2, 2, Act::Sigmoid), (2, 2, Act::Sigmoid)], &exact);
    let (_, g) = generic.gradient(&[0.05, 0.10], &[0.01, 0.99], Cost::HalfSse);
    assert_all_close("generic δ", &[g[4], g[5], g[10], g[11]], &expected, 1e-13, 0.0);
    assert_all_close("∂E/∂θ", &widen(&grads), &g, 1e-5, 0.0);
    // E is ½Σ over 2 outputs, which equals the mean over the outputs here (and only
    // because there are exactly two).
    let mse = sample_loss(&net, (&INPUT, &TARGET), Loss::Mse, &mut scratch).unwrap();
    assert_close("½Σ = mean for 2 outputs", f64::from(mse), p.e, FEW_OPS, 0.0);
}

/// One update at η = 0.5: all eight weights, with biases frozen, and with per-neuron
/// biases updated too. A weight moves by η·δ·input ≈ 0.04 at most, with δ accurate to
/// 1e-5 relative: the new weights (of size ≤ 0.6) are accurate to 1e-6 absolute.
#[test]
fn doc004_mazur_one_update() {
    for biases in [false, true] {
        let mut net = mazur();
        let mut m = Mazur64::exact();
        let mut scratch = [0.0f32; Mazur::SCRATCH];
        sgd_step(
            &mut net,
            (&INPUT, &TARGET),
            SgdConfig { loss: Loss::HalfSse, learning_rate: 0.5, biases: train_biases(biases) },
            &mut scratch,
        )
        .unwrap();
        m.update(0.5, biases);
        let after = Mazur64::from_f32(&net);
        assert_all_close(&format!("w1..w8 (biases updated: {biases})"), &after.w, &m.w, 0.0, 1e-6);
        assert_all_close(&format!("biases (updated: {biases})"), &after.b, &m.b, 0.0, 1e-6);
        if !biases {
            assert_eq!(after.b, [0.35f32, 0.35, 0.60, 0.60].map(f64::from), "frozen");
        }
        // E after the update.
        let e = sample_loss(&net, (&INPUT, &TARGET), Loss::HalfSse, &mut scratch).unwrap();
        assert_close("E after one update", f64::from(e), m.pass().e, 1e-5, 0.0);
    }
}

/// 10,000 updates with biases frozen, f32 nn-core against the f64 reference: E after
/// the 10,000th update, and E in the forward pass of the 10,000th iteration (after 9,999
/// updates; Mazur's published figure). Cross-checked with docs/errata.md.
///
/// Tolerance: E ≈ 3.5e-5 is ½Σ(o − t)² with |o − t| ≈ 6e-3, so an absolute error of u in
/// o is a relative 1e-5 in o − t and 2e-5 in E. The weights drift from the f64 path by
/// rounding at each step, but along the directions that change o the iteration is
/// contracting, so the drift in o stays a few ulp rather than growing with the count
/// (measured: 1e-6 and 9e-6 relative). Relative 5e-5 in E leaves a margin over that and
/// still separates the two counts, which differ by 1.9e-4 relative (more than 2 × 5e-5).
#[test]
fn doc004_mazur_ten_thousand_updates() {
    let mut net = mazur();
    let mut m = Mazur64::exact();
    let mut scratch = [0.0f32; Mazur::SCRATCH];
    let (mut e32_last, mut e64_last) = (0.0f32, 0.0f64);
    for _ in 0..10_000 {
        e32_last =
            sgd_step(&mut net, (&INPUT, &TARGET), SgdConfig::new(Loss::HalfSse, 0.5).frozen_biases(), &mut scratch)
                .unwrap();
        e64_last = m.update(0.5, false);
    }
    let e32_after = sample_loss(&net, (&INPUT, &TARGET), Loss::HalfSse, &mut scratch).unwrap();
    let e64_after = m.pass().e;
    const REL: f64 = 5e-5;
    assert_close("E after 9,999 updates", f64::from(e32_last), e64_last, REL, 0.0);
    assert_close("E after 10,000 updates", f64::from(e32_after), e64_after, REL, 0.0);
    assert!((e64_last - e64_after) / e64_after > 2.0 * REL, "the two counts are distinguishable");
    // docs/errata.md: 3.51085481e-05 (after 9,999; Mazur's 0.0000351085) and
    // 3.51018778e-05 (after 10,000).
    assert_close("errata, 9,999", e64_last, 3.51085481e-05, 1e-8, 0.0);
    assert_close("errata, 10,000", e64_after, 3.51018778e-05, 1e-8, 0.0);
    let out = forward(&net, &INPUT, &mut scratch).unwrap().to_vec();
    assert_all_close("o after 10,000", &widen(&out), &m.pass().o, 1e-5, 0.0);
}

// ---------------------------------------------------------------------------------------
// The threshold perceptron.
// ---------------------------------------------------------------------------------------

const AND: [([f32; 2], f32); 4] = [([0.0, 0.0], 0.0), ([0.0, 1.0], 0.0), ([1.0, 0.0], 0.0), ([1.0, 1.0], 1.0)];
const OR: [([f32; 2], f32); 4] = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 1.0)];
const XOR: [([f32; 2], f32); 4] = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)];

/// One epoch of the perceptron rule; returns the number of mistakes.
fn perceptron_epoch(p: &mut Perceptron<2>, data: &[([f32; 2], f32)], lr: f32) -> usize {
    let mut mistakes = 0;
    for (x, t) in data {
        if perceptron_rule(&mut p.0.weights[0], &mut p.0.biases[0], x, *t, lr).unwrap() != 0.0 {
            mistakes += 1;
        }
    }
    mistakes
}

/// The perceptron convergence theorem (Novikoff): starting from zero, the rule makes at
/// most (R/γ)² mistakes, where R = max ‖(x, 1)‖ and γ is the margin of any separating
/// (w*, b*): min over samples of ±(w*·x + b*)/‖(w*, b*)‖. For AND, (2, 2, −3) separates
/// with margin 1/√17 and R² = 3: at most 51 mistakes. For OR, (2, 2, −1) separates with
/// margin 1/3: at most 27. (Ties z = 0 give 1 here; a mistake still has the sign that
/// the proof needs.)
#[test]
fn perceptron_learns_and_and_or_within_the_novikoff_bound() {
    type Case<'a> = (&'a str, &'a [([f32; 2], f32)], [f64; 3]);
    let cases: [Case; 2] = [("AND", &AND, [2.0, 2.0, -3.0]), ("OR", &OR, [2.0, 2.0, -1.0])];
    for (name, data, star) in cases {
        let norm = star.iter().map(|v| v * v).sum::<f64>().sqrt();
        let margin = data
            .iter()
            .map(|(x, t)| {
                let z = star[0] * f64::from(x[0]) + star[1] * f64::from(x[1]) + star[2];
                if *t == 1.0 {
                    z
                } else {
                    -z
                }
            })
            .fold(f64::INFINITY, f64::min)
            / norm;
        assert!(margin > 0.0, "{name}: (w*, b*) separates");
        let r2 = data.iter().map(|(x, _)| f64::from(x[0] * x[0] + x[1] * x[1]) + 1.0).fold(0.0, f64::max);
        let bound = (r2 / (margin * margin)).floor() as usize;
        // Powers of two keep the arithmetic exact.
        for lr in [1.0f32, 0.25] {
            let mut p: Perceptron<2> = Default::default();
            let mut total = 0;
            let mut clean_epoch = None;
            for epoch in 0..100 {
                let mistakes = perceptron_epoch(&mut p, data, lr);
                total += mistakes;
                if mistakes == 0 {
                    clean_epoch = Some(epoch);
                    break;
                }
            }
            assert!(clean_epoch.is_some(), "{name} at lr {lr}: converged");
            assert!(total <= bound, "{name} at lr {lr}: {total} mistakes > Novikoff bound {bound}");
            // The trained perceptron, run as a network with a step output, is right.
            let mut scratch = [0.0f32; Perceptron::<2>::SCRATCH];
            for (x, t) in data {
                assert_eq!(forward(&p, x, &mut scratch).unwrap(), &[*t], "{name} {x:?}");
            }
        }
    }
}

/// XOR is not linearly separable: with the step at z ≥ 0, it would need b < 0,
/// w1 + b ≥ 0, w2 + b ≥ 0 and w1 + w2 + b < 0; the middle two give w1 + w2 + b ≥ −b > 0.
/// So the rule never reaches an epoch without mistakes. At lr = 1 the weights stay
/// integers in a bounded range, so the state at the start of an epoch must repeat: the
/// rule provably cycles forever, and every epoch in the cycle has a mistake.
#[test]
fn perceptron_never_fits_xor() {
    let mut p: Perceptron<2> = Default::default();
    let mut seen: Vec<[f32; 3]> = Vec::new();
    let mut cycle = None;
    for epoch in 0..1000 {
        let state = [p.0.weights[0][0], p.0.weights[0][1], p.0.biases[0]];
        if let Some(start) = seen.iter().position(|s| *s == state) {
            cycle = Some((start, epoch));
            break;
        }
        seen.push(state);
        assert!(perceptron_epoch(&mut p, &XOR, 1.0) > 0, "epoch {epoch} fitted XOR");
    }
    let (start, end) = cycle.expect("the state repeats");
    assert!(end > start);
    // Also with a rate that is not a power of two, for many epochs.
    let mut q: Perceptron<2> = Default::default();
    for epoch in 0..2000 {
        assert!(perceptron_epoch(&mut q, &XOR, 0.1) > 0, "epoch {epoch} fitted XOR");
    }
}
