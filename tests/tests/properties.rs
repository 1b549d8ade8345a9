//! Cross-module properties of nn-core, checked with proptest on random networks and data.
//!
//! The strongest check is backprop against the independent float64 reference in
//! `nn_tests`; its tolerance is scaled by the *rounding scale* of each gradient component
//! (the backward pass run on magnitudes, [`Net::gradient_scale`]), so it stays tight
//! where the exact value is large and honest where it comes from cancellation.

use nn_core::check::{self, Differences};
use nn_core::codec::{self, CodecError};
use nn_core::data::{shuffle, Samples};
use nn_core::init::{Init, Rng};
use nn_core::model::check_specs;
use nn_core::train::{dataset_gradient, evaluate, work_len};
use nn_core::{
    activation, forward, gradient, sgd_step, Activation, Dense, Error, LayerSpec, Loss, Mlp, Model, SgdConfig,
};
use nn_core::{ModelMut, Network, Optimizer, TrainConfig, Trainer};
use nn_tests::{close, crc32, largest_eigenvalue, train_biases, widen, Cost, Net, Sample, U32};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

type Runtime = Mlp<Vec<LayerSpec>, Vec<f32>>;

/// Every (output activation, loss) pairing nn-core accepts, written out: the squared
/// losses after any activation, BCE only after a sigmoid, softmax cross-entropy only
/// after a softmax.
fn pairings() -> Vec<(Activation, Loss)> {
    let mut out = Vec::new();
    for loss in [Loss::Mse, Loss::Sse, Loss::HalfSse] {
        out.extend(Activation::ALL.iter().map(|&a| (a, loss)));
    }
    out.push((Activation::Sigmoid, Loss::Bce));
    out.push((Activation::Softmax, Loss::SoftmaxCe));
    out
}

#[test]
fn the_pairings_are_exactly_those_nn_core_accepts() {
    let accepted = pairings();
    for loss in Loss::ALL {
        for act in Activation::ALL {
            let expected = accepted.contains(&(act, loss));
            assert_eq!(loss.accepts(act), expected, "{loss:?} after {act:?}");
            let net = Mlp::new(vec![LayerSpec::new(1, 2, act)], vec![0.5f32; 4]).unwrap();
            let mut scratch = vec![0.0; net.scratch_len()];
            let mut grads = vec![0.0; 4];
            let result = gradient(&net, (&[1.0], &[0.5, 0.5]), loss, &mut scratch, &mut grads);
            if expected {
                assert!(result.is_ok(), "{loss:?} after {act:?}: {result:?}");
            } else {
                assert_eq!(result, Err(Error::LossActivation { loss, activation: act }));
            }
        }
    }
}

/// A random network, loss and data set.
#[derive(Debug, Clone)]
struct Case {
    specs: Vec<LayerSpec>,
    loss: Loss,
    params: Vec<f32>,
    /// Rows of `specs[0].inputs`.
    inputs: Vec<f32>,
    /// Rows of the output width.
    targets: Vec<f32>,
}

impl Case {
    fn mlp(&self) -> Runtime {
        Mlp::new(self.specs.clone(), self.params.clone()).unwrap()
    }
    fn n_in(&self) -> usize {
        self.specs[0].inputs
    }
    fn n_out(&self) -> usize {
        self.specs[self.specs.len() - 1].outputs
    }
    fn samples(&self) -> Samples<'_> {
        Samples::new(&self.inputs, self.n_in(), &self.targets, self.n_out()).unwrap()
    }
    fn samples64(&self) -> Vec<Sample> {
        self.inputs
            .chunks(self.n_in())
            .zip(self.targets.chunks(self.n_out()))
            .map(|(x, t)| (widen(x), widen(t)))
            .collect()
    }
}

fn targets_for(loss: Loss, width: usize, rows: usize) -> BoxedStrategy<Vec<f32>> {
    match loss {
        Loss::Bce => prop::collection::vec(0.0f32..=1.0, width * rows).boxed(),
        // Probability vectors (rounded to f32, so summing to 1 within rounding; nn-core
        // and the reference both handle any total).
        Loss::SoftmaxCe => prop::collection::vec(prop::collection::vec(0.01f32..1.0, width), rows)
            .prop_map(|rows| {
                rows.into_iter()
                    .flat_map(|r| {
                        let total: f32 = r.iter().sum();
                        r.into_iter().map(move |v| v / total)
                    })
                    .collect()
            })
            .boxed(),
        _ => prop::collection::vec(-2.0f32..2.0, width * rows).boxed(),
    }
}

/// Networks of 1 to `max_layers` layers of widths 1 to 5 with any hidden activations,
/// an accepted output pairing, parameters in ±`limit`, inputs in ±2, 1 to 3 samples.
fn arb_case(max_layers: usize, limit: f32, outputs: Vec<(Activation, Loss)>) -> impl Strategy<Value = Case> {
    let hidden = prop::collection::vec((1usize..=5, prop::sample::select(Activation::ALL.to_vec())), 0..max_layers);
    (1usize..=5, hidden, 1usize..=5, prop::sample::select(outputs), 1usize..=3).prop_flat_map(
        move |(inputs, hidden, width, (act, loss), rows)| {
            let mut specs = Vec::new();
            let mut below = inputs;
            for (w, a) in hidden {
                specs.push(LayerSpec::new(below, w, a));
                below = w;
            }
            specs.push(LayerSpec::new(below, width, act));
            let count = check_specs(&specs).unwrap();
            (
                Just(specs),
                Just(loss),
                prop::collection::vec(-limit..limit, count),
                prop::collection::vec(-2.0f32..2.0, inputs * rows),
                targets_for(loss, width, rows),
            )
                .prop_map(|(specs, loss, params, inputs, targets)| Case {
                    specs,
                    loss,
                    params,
                    inputs,
                    targets,
                })
        },
    )
}

/// The reference and the scales of one case.
struct Reference {
    net: Net,
    data: Vec<Sample>,
    cost: Cost,
}

impl Reference {
    fn of(case: &Case) -> Self {
        Reference { net: Net::from_model(&case.mlp()), data: case.samples64(), cost: case.loss.into() }
    }

    /// Mean over the samples of the gradient's rounding scale.
    fn gradient_scale(&self) -> Vec<f64> {
        let mut total = vec![0.0; self.net.param_count()];
        for (x, t) in &self.data {
            let s = self.net.gradient_scale(x, t, self.cost);
            total.iter_mut().zip(s).for_each(|(a, b)| *a += b);
        }
        total.iter().map(|v| v / self.data.len() as f64).collect()
    }

    /// Mean over the samples of the loss's rounding scale.
    fn loss_scale(&self) -> f64 {
        self.data.iter().map(|(x, t)| self.net.loss_scale(x, t, self.cost)).sum::<f64>() / self.data.len() as f64
    }

    fn kink_margin(&self) -> f64 {
        self.data.iter().map(|(x, _)| self.net.kink_margin(x)).fold(f64::INFINITY, f64::min)
    }

    /// Whether `other` lies on the same smooth piece as this network for every sample.
    fn same_piece(&self, other: &Net) -> bool {
        self.data.iter().all(|(x, _)| self.net.kink_pattern(x) == other.kink_pattern(x))
    }

    /// [`Self::same_piece`], with `other`'s kinked pre-activations also clear of their
    /// kinks by more than rounding (so f32 evaluations stay on the same piece too).
    fn smooth_to(&self, other: &Net) -> bool {
        self.same_piece(other) && self.data.iter().all(|(x, _)| other.kink_margin(x) > 1e-4)
    }

    fn at(&self, params: &[f32]) -> Net {
        let mut net = self.net.clone();
        net.set_flat(&widen(params));
        net
    }
}

/// Multiples of `u` times the rounding scale allowed between nn-core's f32 backprop and
/// the f64 reference. Each gradient component is a product of ~2·depth factors each
/// computed in a handful of roundings plus sums of ≤ 5 terms, but the scale already
/// bounds every term by its magnitude, so the error relative to it stays small: the
/// worst measured over 4,000 random cases was 3.2. 16 leaves a margin of 5.
const BACKPROP_ULPS: f64 = 16.0;

fn check_backprop_agrees_with_the_reference_and_central_differences(case: Case) -> Result<(), TestCaseError> {
    let mut mlp = case.mlp();
    let samples = case.samples();
    let r = Reference::of(&case);
    // f32 and f64 may put a pre-activation within rounding of a kink on different
    // sides; such cases (|z| < 1e-4 of its rounding scale) are skipped.
    prop_assume!(r.kink_margin() > 1e-4);

    let count = mlp.param_count();
    let mut scratch = vec![0.0f32; mlp.scratch_len()];
    let mut g32 = vec![0.0f32; count];
    let l32 = dataset_gradient(&mlp, &samples, case.loss, &mut scratch, &mut g32).unwrap();
    let (l64, g64) = r.net.mean_gradient(&r.data, r.cost);
    let gscale = r.gradient_scale();
    let lscale = r.loss_scale();

    // (a) f32 backprop vs f64 backprop, within BACKPROP_ULPS·u of each component's scale.
    prop_assert!(close(f64::from(l32), l64, 0.0, 16.0 * U32 * lscale), "loss {l32} vs {l64} (scale {lscale})");
    for k in 0..count {
        let tol = BACKPROP_ULPS * U32 * gscale[k];
        prop_assert!(
            close(f64::from(g32[k]), g64[k], 0.0, tol),
            "θ{k}: nn-core {} vs reference {} (|diff| {:e} > {tol:e})",
            g32[k],
            g64[k],
            (f64::from(g32[k]) - g64[k]).abs()
        );
    }

    // (b) The reference against its own central differences (f64, h = 1e-6: truncation
    // h²/6·|L'''| ≈ 1e-13 and rounding 1e-16·scale/h = 1e-10·scale; allowed 1e-8·scale,
    // measured worst 1.2e-10·scale), skipping a parameter whose ±h crosses a kink.
    let theta = r.net.flat();
    let h = 1e-6;
    for k in 0..count {
        let mut p = theta.clone();
        p[k] = theta[k] + h;
        let mut plus = r.net.clone();
        plus.set_flat(&p);
        p[k] = theta[k] - h;
        let mut minus = r.net.clone();
        minus.set_flat(&p);
        if !(r.same_piece(&plus) && r.same_piece(&minus)) {
            continue;
        }
        let c = (plus.mean_loss(&r.data, r.cost) - minus.mean_loss(&r.data, r.cost)) / (2.0 * h);
        prop_assert!(close(c, g64[k], 0.0, 1e-8 * (gscale[k] + lscale)), "θ{k}: central {c} vs backprop {}", g64[k]);
    }

    // (c) nn-core's own central differences (f32, ε = 1e-2). It must be exactly the
    // quotient of nn-core's losses at θ ± ε, leave θ bit-identical, and agree with
    // backprop to truncation plus rounding: the truncation is measured in f64 at the
    // same two points, the rounding is 2·(16u·loss scale)/(2ε).
    const EPS: f32 = 1e-2;
    let mut fd32 = vec![0.0f32; count];
    check::numeric_gradient(&mut mlp, &samples, Differences::central(case.loss, EPS), &mut scratch, &mut fd32).unwrap();
    prop_assert_eq!(mlp.params(), &case.params[..]);
    for k in 0..count {
        let mut plus = case.params.clone();
        plus[k] = case.params[k] + EPS;
        let mut minus = case.params.clone();
        minus[k] = case.params[k] - EPS;
        let (net_plus, net_minus) = (r.at(&plus), r.at(&minus));
        if !(r.smooth_to(&net_plus) && r.smooth_to(&net_minus)) {
            continue;
        }
        let lp = evaluate(&Mlp::new(case.specs.clone(), plus).unwrap(), &samples, case.loss, &mut scratch).unwrap();
        let lm = evaluate(&Mlp::new(case.specs.clone(), minus).unwrap(), &samples, case.loss, &mut scratch).unwrap();
        prop_assert_eq!(fd32[k].to_bits(), ((lp - lm) / (2.0 * EPS)).to_bits(), "θ{} quotient", k);
        let c64 = (net_plus.mean_loss(&r.data, r.cost) - net_minus.mean_loss(&r.data, r.cost)) / (2.0 * f64::from(EPS));
        let truncation = (c64 - g64[k]).abs();
        let rounding = 2.0 * 16.0 * U32 * lscale / (2.0 * f64::from(EPS));
        let tol = truncation + rounding + BACKPROP_ULPS * U32 * gscale[k];
        prop_assert!(
            close(f64::from(fd32[k]), f64::from(g32[k]), 0.0, tol),
            "θ{k}: central {} vs backprop {} (|diff| {:e} > {tol:e})",
            fd32[k],
            g32[k],
            (fd32[k] - g32[k]).abs()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// nn-core's backprop (f32) against the f64 reference's backprop, the reference
    /// against its own central differences, and nn-core's central differences against
    /// nn-core's backprop, for random 1–3 layer networks over every pairing.
    #[test]
    fn backprop_agrees_with_the_reference_and_central_differences(
        case in arb_case(3, 1.5, pairings())
    ) {
        check_backprop_agrees_with_the_reference_and_central_differences(case)?;
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

// ---------------------------------------------------------------------------------------
// The codec.
// ---------------------------------------------------------------------------------------

/// Any finite `f32`: normals, subnormals and both zeros, of either sign.
fn finite_f32() -> impl Strategy<Value = f32> {
    use prop::num::f32::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO
}

/// Any network nn-core can hold: 1–4 layers of widths 1–6, any activations, any finite
/// parameters.
fn arb_any_net() -> impl Strategy<Value = (Vec<LayerSpec>, Vec<f32>)> {
    let layer = (1usize..=6, prop::sample::select(Activation::ALL.to_vec()));
    (1usize..=6, prop::collection::vec(layer, 1..=4)).prop_flat_map(|(inputs, layers)| {
        let mut specs = Vec::new();
        let mut below = inputs;
        for (w, a) in layers {
            specs.push(LayerSpec::new(below, w, a));
            below = w;
        }
        let count = check_specs(&specs).unwrap();
        (Just(specs), prop::collection::vec(finite_f32(), count))
    })
}

fn encode_mlp(net: &Runtime) -> Vec<u8> {
    let mut bytes = vec![0u8; codec::encoded_len(net)];
    let n = codec::encode(net, &mut bytes).unwrap();
    assert_eq!(n, bytes.len());
    bytes
}

/// Whatever `decode` makes of `bytes`, it returns (no panic), and what it accepts is a
/// well-formed model: chaining specs, as many parameters as they need, all finite, and
/// bytes that re-encode to exactly themselves.
fn check_decoded(bytes: &[u8]) -> Result<Option<Runtime>, TestCaseError> {
    let Ok(decoded) = codec::decode(bytes) else {
        return Ok(None);
    };
    let count = check_specs(decoded.specs());
    prop_assert_eq!(count, Ok(decoded.param_count()));
    prop_assert!(decoded.params().all(f32::is_finite));
    let mut net = Mlp::new(decoded.specs().to_vec(), vec![0.0f32; decoded.param_count()]).unwrap();
    decoded.load_into(&mut net).unwrap();
    prop_assert_eq!(encode_mlp(&net), bytes);
    Ok(Some(net))
}

/// One change to an encoding.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR the byte at (index mod length) with a non-zero mask.
    Flip(usize, u8),
    /// Set the byte at (index mod length).
    Set(usize, u8),
    /// Keep only the first (index mod length) bytes.
    Truncate(usize),
    /// Append bytes.
    Append(Vec<u8>),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Mutation::Set(i, v)),
        any::<usize>().prop_map(Mutation::Truncate),
        prop::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match m {
        Mutation::Flip(i, mask) => {
            if let Some(b) = bytes.get_mut(i % len) {
                *b ^= mask;
            }
        }
        Mutation::Set(i, v) => {
            if let Some(b) = bytes.get_mut(i % len) {
                *b = *v;
            }
        }
        Mutation::Truncate(i) => bytes.truncate(i % len),
        Mutation::Append(extra) => bytes.extend_from_slice(extra),
    }
}

/// Rewrites the last four bytes as the CRC-32 of the rest, so a mutation gets past the
/// checksum and reaches the decoder's other checks.
fn fix_crc(bytes: &mut [u8]) {
    if bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = crc32(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    }
}

fn check_the_codec_round_trips_any_network(specs: Vec<LayerSpec>, params: Vec<f32>) -> Result<(), TestCaseError> {
    let net = Mlp::new(specs.clone(), params.clone()).unwrap();
    let bytes = encode_mlp(&net);
    let body = bytes.len() - 4;
    prop_assert_eq!(&bytes[..4], b"NNCW");
    prop_assert_eq!(
        crc32(&bytes[..body]).to_le_bytes(),
        [bytes[body], bytes[body + 1], bytes[body + 2], bytes[body + 3]]
    );
    let decoded = codec::decode(&bytes).unwrap();
    prop_assert_eq!(decoded.specs(), &specs[..]);
    prop_assert_eq!(decoded.params().map(f32::to_bits).collect::<Vec<_>>(), bits(&params));
    let back = check_decoded(&bytes)?.unwrap();
    prop_assert_eq!(bits(back.params()), bits(&params));
    // A model of another shape is refused, not half-loaded.
    let mut other_specs = specs.clone();
    let last = other_specs.len() - 1;
    other_specs[last].activation =
        if specs[last].activation == Activation::Tanh { Activation::Relu } else { Activation::Tanh };
    let mut other = Mlp::new(other_specs, vec![7.0f32; params.len()]).unwrap();
    prop_assert_eq!(decoded.load_into(&mut other), Err(CodecError::ShapeMismatch));
    prop_assert!(other.params().iter().all(|&p| p == 7.0));
    Ok(())
}

fn check_compile_time_networks_share_the_format(params: Vec<f32>) -> Result<(), TestCaseError> {
    let mut net = Deep::default();
    net.load_params(&params).unwrap();
    let specs: Vec<LayerSpec> = (0..Deep::LAYERS).map(|l| net.spec(l)).collect();
    let runtime = Mlp::new(specs, params.clone()).unwrap();
    let mut bytes = vec![0u8; codec::encoded_len(&net)];
    codec::encode(&net, &mut bytes).unwrap();
    prop_assert_eq!(&bytes, &encode_mlp(&runtime));
    let mut back = Deep::default();
    codec::decode(&bytes).unwrap().load_into(&mut back).unwrap();
    let mut flat = vec![0.0f32; Deep::PARAMS];
    back.copy_params_to(&mut flat).unwrap();
    prop_assert_eq!(bits(&flat), bits(&params));
    Ok(())
}

fn check_the_decoder_never_panics_on_arbitrary_bytes(
    mut bytes: Vec<u8>,
    header: bool,
    crc: bool,
) -> Result<(), TestCaseError> {
    if header && bytes.len() >= 5 {
        bytes[..4].copy_from_slice(&codec::MAGIC);
        bytes[4] = codec::VERSION;
    }
    if crc {
        fix_crc(&mut bytes);
    }
    check_decoded(&bytes)?;
    Ok(())
}

fn check_the_decoder_survives_mutated_encodings(
    specs: Vec<LayerSpec>,
    params: Vec<f32>,
    mutations: Vec<Mutation>,
    crc: bool,
) -> Result<(), TestCaseError> {
    let net = Mlp::new(specs, params).unwrap();
    let original = encode_mlp(&net);
    let mut bytes = original.clone();
    for m in &mutations {
        apply(&mut bytes, m);
    }
    if crc {
        fix_crc(&mut bytes);
    }
    let accepted = check_decoded(&bytes)?;
    if bytes == original {
        prop_assert!(accepted.is_some());
    }
    let single_change = mutations.len() == 1 && matches!(mutations[0], Mutation::Flip(..) | Mutation::Set(..));
    if !crc && single_change && bytes != original {
        prop_assert!(accepted.is_none(), "a single changed byte was accepted");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any network survives encode → decode → load bit for bit (−0.0 and subnormals
    /// included), with the CRC the independent implementation computes.
    #[test]
    fn the_codec_round_trips_any_network((specs, params) in arb_any_net()) {
        check_the_codec_round_trips_any_network(specs, params)?;
    }

    /// A compile-time network encodes to the same bytes as the runtime one with the same
    /// parameters, and loads back from them.
    #[test]
    fn compile_time_networks_share_the_format(params in prop::collection::vec(finite_f32(), Deep::PARAMS)) {
        check_compile_time_networks_share_the_format(params)?;
    }

    /// The decoder never panics on arbitrary bytes, on bytes that start with a valid
    /// magic and version, or on either with a valid CRC appended.
    #[test]
    fn the_decoder_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        header in any::<bool>(),
        crc in any::<bool>(),
    ) {
        check_the_decoder_never_panics_on_arbitrary_bytes(bytes, header, crc)?;
    }

    /// Mutated valid encodings: the decoder never panics, accepts only well-formed
    /// models, and without a CRC fix-up rejects every single-byte change (CRC-32 catches
    /// every burst of up to 32 bits).
    #[test]
    fn the_decoder_survives_mutated_encodings(
        (specs, params) in arb_any_net(),
        mutations in prop::collection::vec(arb_mutation(), 1..4),
        crc in any::<bool>(),
    ) {
        check_the_decoder_survives_mutated_encodings(specs, params, mutations, crc)?;
    }
}

type Deep = (
    Dense<1, 3, activation::Step>,
    Dense<3, 3, activation::Sigmoid>,
    Dense<3, 2, activation::Tanh>,
    Dense<2, 2, activation::Identity>,
);

// ---------------------------------------------------------------------------------------
// Descent on convex problems.
// ---------------------------------------------------------------------------------------

/// A one-layer network (identity for the squared losses, sigmoid for BCE): its mean loss
/// is convex in the parameters, with Hessian κ·(1/n)Σ x̃x̃ᵀ per output (x̃ = (x, 1)) for
/// the squared losses, κ = 1 (HalfSse), 2 (Sse), 2/K (Mse); for BCE the Hessian is
/// (1/(nK))Σ σ'(z) x̃x̃ᵀ per output with σ' ≤ 1/4, so κ = 1/(4K) bounds it.
fn arb_convex() -> impl Strategy<Value = Case> {
    let outputs = vec![
        (Activation::Identity, Loss::Mse),
        (Activation::Identity, Loss::Sse),
        (Activation::Identity, Loss::HalfSse),
        (Activation::Sigmoid, Loss::Bce),
    ];
    arb_case(1, 1.0, outputs)
}

/// The smoothness constant L of a [`arb_convex`] case: κ·λmax((1/n)Σ x̃x̃ᵀ), in f64.
fn smoothness(case: &Case) -> f64 {
    let n_in = case.n_in();
    let d = n_in + 1;
    let rows = case.inputs.len() / n_in;
    let mut m = vec![0.0; d * d];
    for x in case.inputs.chunks(n_in) {
        let xt: Vec<f64> = widen(x).into_iter().chain([1.0]).collect();
        for i in 0..d {
            for j in 0..d {
                m[i * d + j] += xt[i] * xt[j] / rows as f64;
            }
        }
    }
    let k = case.n_out() as f64;
    let kappa = match case.loss {
        Loss::HalfSse => 1.0,
        Loss::Sse => 2.0,
        Loss::Mse => 2.0 / k,
        _ => 0.25 / k,
    };
    kappa * largest_eigenvalue(&m, d)
}

fn check_a_small_step_never_raises_a_convex_loss(case: Case, fraction: f64) -> Result<(), TestCaseError> {
    let smooth = smoothness(&case);
    let lr = (fraction / smooth) as f32;
    let mut mlp = case.mlp();
    let samples = case.samples();
    let config = TrainConfig { batch_size: 0, ..TrainConfig::sgd(case.loss, lr) };
    let mut work = vec![0.0f32; work_len(mlp.param_count(), Optimizer::Sgd)];
    let mut trainer = Trainer::new(config, &mlp, &mut work).unwrap();
    let mut scratch = vec![0.0f32; mlp.scratch_len()];
    let mut order = vec![0u32; case.inputs.len() / case.n_in()];
    let r = Reference::of(&case);
    for epoch in 0..5 {
        let before = mlp.params().to_vec();
        let at = r.at(&before);
        let (f0, g) = at.mean_gradient(&r.data, r.cost);
        let gnorm2: f64 = g.iter().map(|v| v * v).sum();
        // The exact step, in f64.
        let eta = f64::from(lr);
        let mut exact = at.clone();
        exact.set_flat(&at.flat().iter().zip(&g).map(|(t, g)| t - eta * g).collect::<Vec<_>>());
        let f_exact = exact.mean_loss(&r.data, r.cost);
        prop_assert!(f_exact <= f0 - eta / 2.0 * gnorm2 + 1e-14 * f0.abs(), "descent lemma: {f_exact} > {f0}");

        let e32_before = evaluate(&mlp, &samples, case.loss, &mut scratch).unwrap();
        trainer.epoch(&mut mlp, &samples, &mut order, &mut scratch).unwrap();
        let e32_after = evaluate(&mlp, &samples, case.loss, &mut scratch).unwrap();

        let scales = Reference { net: at.clone(), data: r.data.clone(), cost: r.cost };
        let gscale = scales.gradient_scale();
        let lscale = scales.loss_scale();
        let e: f64 = mlp
            .params()
            .iter()
            .zip(&gscale)
            .map(|(&p, s)| (U32 * f64::from(p).abs() + eta * BACKPROP_ULPS * U32 * s).powi(2))
            .sum::<f64>()
            .sqrt();
        let slack = gnorm2.sqrt() * e + smooth / 2.0 * e * e;
        let f_after = r.at(mlp.params()).mean_loss(&r.data, r.cost);
        prop_assert!(
            f_after <= f_exact + slack,
            "epoch {epoch}: exact loss at nn-core's step {f_after} > {f_exact} + {slack:e}"
        );
        let eval_error = 16.0 * U32 * lscale;
        prop_assert!(
            f64::from(e32_after) <= f64::from(e32_before) + slack + 2.0 * eval_error,
            "epoch {epoch}: f32 loss rose from {e32_before} to {e32_after}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Full-batch gradient descent with a step below 1/L never raises a convex loss.
    ///
    /// Exactly, the descent lemma gives f(θ − ηg) ≤ f(θ) − η(1 − Lη/2)‖g‖² ≤ f(θ) − (η/2)‖g‖²;
    /// the f64 reference checks that inequality for the exact step. nn-core's step is
    /// rounded: θ' = θ − ηg + e with |e_k| ≤ u|θ'_k| + η·(backprop error of g_k), so at
    /// θ' the exact loss may exceed f(θ − ηg) by up to ‖∇f‖‖e‖ + (L/2)‖e‖², and each f32
    /// evaluation of the loss adds up to 16u of its scale.
    #[test]
    fn a_small_step_never_raises_a_convex_loss(case in arb_convex(), fraction in 0.05f64..0.99) {
        check_a_small_step_never_raises_a_convex_loss(case, fraction)?;
    }
}

// ---------------------------------------------------------------------------------------
// Compile-time and runtime networks.
// ---------------------------------------------------------------------------------------

/// Forward outputs, gradients (and losses) and `sgd_step` results of a compile-time
/// network and of the runtime `Mlp` with the same parameters are bit-identical.
fn same_as_runtime<N: Network>(
    params: &[f32],
    x: &[f32],
    t: &[f32],
    loss: Loss,
    lr: f32,
    biases: bool,
) -> Result<(), TestCaseError> {
    let mut net = N::default();
    net.load_params(params).unwrap();
    let specs: Vec<LayerSpec> = (0..N::LAYERS).map(|l| net.spec(l)).collect();
    let mut mlp = Mlp::new(specs, params.to_vec()).unwrap();
    prop_assert_eq!(N::SCRATCH, mlp.scratch_len());
    prop_assert_eq!(N::PARAMS, mlp.param_count());
    let mut s1 = vec![0.0f32; N::SCRATCH];
    let mut s2 = vec![0.0f32; N::SCRATCH];
    prop_assert_eq!(bits(forward(&net, x, &mut s1).unwrap()), bits(forward(&mlp, x, &mut s2).unwrap()));
    let (mut g1, mut g2) = (vec![0.0f32; N::PARAMS], vec![0.0f32; N::PARAMS]);
    let l1 = gradient(&net, (x, t), loss, &mut s1, &mut g1).map(f32::to_bits);
    let l2 = gradient(&mlp, (x, t), loss, &mut s2, &mut g2).map(f32::to_bits);
    prop_assert_eq!(l1, l2);
    prop_assert_eq!(bits(&g1), bits(&g2));
    for _ in 0..3 {
        let r1 =
            sgd_step(&mut net, (x, t), SgdConfig { loss, learning_rate: lr, biases: train_biases(biases) }, &mut s1)
                .map(f32::to_bits);
        let r2 =
            sgd_step(&mut mlp, (x, t), SgdConfig { loss, learning_rate: lr, biases: train_biases(biases) }, &mut s2)
                .map(f32::to_bits);
        prop_assert_eq!(r1, r2);
        let mut flat = vec![0.0f32; N::PARAMS];
        net.copy_params_to(&mut flat).unwrap();
        prop_assert_eq!(bits(&flat), bits(mlp.params()));
    }
    Ok(())
}

type OneLayer = (Dense<3, 2, activation::Sigmoid>,);
type TwoLayers = (Dense<2, 4, activation::Tanh>, Dense<4, 3, activation::Softmax>);
type ThreeLayers =
    (Dense<4, 5, activation::Relu>, Dense<5, 3, activation::LeakyRelu>, Dense<3, 2, activation::Identity>);

fn arb_vec(len: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-2.0f32..2.0, len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn compile_time_equals_runtime_one_layer_bce(
        p in arb_vec(OneLayer::PARAMS), x in arb_vec(3), t in targets_for(Loss::Bce, 2, 1),
        lr in 0.001f32..1.0, biases in any::<bool>(),
    ) {
        same_as_runtime::<OneLayer>(&p, &x, &t, Loss::Bce, lr, biases)?;
    }

    #[test]
    fn compile_time_equals_runtime_two_layers_softmax_ce(
        p in arb_vec(TwoLayers::PARAMS), x in arb_vec(2), t in targets_for(Loss::SoftmaxCe, 3, 1),
        lr in 0.001f32..1.0, biases in any::<bool>(),
    ) {
        same_as_runtime::<TwoLayers>(&p, &x, &t, Loss::SoftmaxCe, lr, biases)?;
    }

    #[test]
    fn compile_time_equals_runtime_three_layers_squared(
        p in arb_vec(ThreeLayers::PARAMS), x in arb_vec(4), t in arb_vec(2),
        loss in prop::sample::select(vec![Loss::Mse, Loss::Sse, Loss::HalfSse]),
        lr in 0.001f32..1.0, biases in any::<bool>(),
    ) {
        same_as_runtime::<ThreeLayers>(&p, &x, &t, loss, lr, biases)?;
    }

    #[test]
    fn compile_time_equals_runtime_four_layers_with_a_step(
        p in arb_vec(Deep::PARAMS), x in arb_vec(1), t in arb_vec(2), lr in 0.001f32..1.0, biases in any::<bool>(),
    ) {
        same_as_runtime::<Deep>(&p, &x, &t, Loss::HalfSse, lr, biases)?;
    }
}

// ---------------------------------------------------------------------------------------
// The Trainer.
// ---------------------------------------------------------------------------------------

fn check_trainer_with_batch_one_is_the_fused_sgd_step(
    case: Case,
    lr: f32,
    epochs: usize,
    freeze: bool,
    shuffled: bool,
    seed: u32,
) -> Result<(), TestCaseError> {
    let mut trained = case.mlp();
    let mut fused = case.mlp();
    let samples = case.samples();
    let n = case.inputs.len() / case.n_in();
    let config =
        TrainConfig { biases: train_biases(!freeze), shuffle: shuffled, seed, ..TrainConfig::sgd(case.loss, lr) };
    let mut work = vec![0.0f32; work_len(trained.param_count(), Optimizer::Sgd)];
    let mut trainer = Trainer::new(config, &trained, &mut work).unwrap();
    let mut scratch = vec![0.0f32; trained.scratch_len()];
    let mut order = vec![0u32; n];
    let mut rng = Rng::new(seed);
    for _ in 0..epochs {
        let report = trainer.epoch(&mut trained, &samples, &mut order, &mut scratch);
        let mut mine: Vec<u32> = (0..n as u32).collect();
        if shuffled {
            shuffle(&mut mine, &mut rng);
        }
        prop_assert_eq!(&order, &mine);
        let mut total = 0.0f32;
        let mut failed = false;
        for &i in &mine {
            let (x, t) = (
                &case.inputs[i as usize * case.n_in()..][..case.n_in()],
                &case.targets[i as usize * case.n_out()..][..case.n_out()],
            );
            match sgd_step(
                &mut fused,
                (x, t),
                SgdConfig { loss: case.loss, learning_rate: lr, biases: train_biases(!freeze) },
                &mut scratch,
            ) {
                Ok(l) => total += l,
                Err(_) => failed = true,
            }
        }
        // A diverging random case is not what this property is about.
        prop_assume!(report.is_ok() && !failed);
        prop_assert_eq!(bits(trained.params()), bits(fused.params()));
        prop_assert_eq!(report.unwrap().loss.to_bits(), (total / n as f32).to_bits());
    }
    Ok(())
}

fn check_the_divergence_guard_leaves_parameters_untouched(
    case: Case,
    exponent: f32,
    which: usize,
    decay: f32,
    whole_batch: bool,
) -> Result<(), TestCaseError> {
    let optimizer = [
        Optimizer::Sgd,
        Optimizer::Momentum { momentum: 0.9 },
        Optimizer::Nesterov { momentum: 0.9 },
        Optimizer::ADAM,
        Optimizer::ADAMW,
        Optimizer::RMSPROP,
    ][which];
    // Adam, AdamW and RMSProp move each parameter by about η (RMSProp's first steps by
    // up to 10η) whatever the gradient, so they need η ≥ 1e20 to overflow; the others
    // diverge geometrically from η ≥ 1e3.
    let (lo, hi) = if which >= 3 { (20.0, 35.0) } else { (3.0, 35.0) };
    let lr = 10f32.powf(lo + (hi - lo) * exponent);
    // AdamW's decoupled decay scales by 1 − ηλ, which must stay positive: ηλ = 0.5.
    let decay = if which == 4 && decay > 0.0 { 0.5 / lr } else { decay };
    let mut mlp = case.mlp();
    let samples = case.samples();
    let n = (case.inputs.len() / case.n_in()) as u32;
    let config = TrainConfig { optimizer, weight_decay: decay, ..TrainConfig::sgd(Loss::Sse, lr) };
    let mut work = vec![0.0f32; work_len(mlp.param_count(), optimizer)];
    let mut trainer = Trainer::new(config, &mlp, &mut work).unwrap();
    let mut scratch = vec![0.0f32; mlp.scratch_len()];
    let all: Vec<u32> = (0..n).collect();
    let mut failed = false;
    for step in 0..200u32 {
        let single = [step % n];
        let batch: &[u32] = if whole_batch { &all } else { &single };
        let before = bits(mlp.params());
        let updates = trainer.updates();
        match trainer.step(&mut mlp, &samples, batch, &mut scratch) {
            Ok(_) => prop_assert!(mlp.params().iter().all(|p| p.is_finite())),
            Err(e) => {
                prop_assert_eq!(e, Error::NonFinite);
                prop_assert_eq!(bits(mlp.params()), before, "step {} changed the parameters", step);
                prop_assert_eq!(trainer.updates(), updates);
                failed = true;
                break;
            }
        }
    }
    prop_assert!(failed, "η = {lr:e} with {optimizer:?} never diverged");
    Ok(())
}

fn check_the_same_seed_gives_the_same_run(
    case: Case,
    seed: u32,
    init: Init,
    which: usize,
    batch_size: usize,
) -> Result<(), TestCaseError> {
    let optimizer = [
        Optimizer::Sgd,
        Optimizer::Momentum { momentum: 0.5 },
        Optimizer::Nesterov { momentum: 0.5 },
        Optimizer::ADAM,
        Optimizer::ADAMW,
        Optimizer::RMSPROP,
    ][which];
    let run = || {
        let mut mlp = case.mlp();
        Init::apply(init, &mut mlp, &mut Rng::new(seed));
        let initial = bits(mlp.params());
        let config = TrainConfig { optimizer, batch_size, shuffle: true, seed, ..TrainConfig::sgd(case.loss, 0.05) };
        let mut work = vec![0.0f32; work_len(mlp.param_count(), optimizer)];
        let mut trainer = Trainer::new(config, &mlp, &mut work).unwrap();
        let mut scratch = vec![0.0f32; mlp.scratch_len()];
        let mut order = vec![0u32; case.inputs.len() / case.n_in()];
        let reports: Vec<_> = (0..3)
            .map(|_| {
                trainer
                    .epoch(&mut mlp, &case.samples(), &mut order, &mut scratch)
                    .map(|r| (r.loss.to_bits(), r.updates))
            })
            .collect();
        (initial, bits(mlp.params()), reports, order)
    };
    let (a, b) = (run(), run());
    prop_assert_eq!(a, b);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A Trainer with batch size 1 and plain SGD (in order, or shuffled from a seed) gives
    /// bit-identical parameters, and the same epoch loss, as the fused `sgd_step` over
    /// the same sample order.
    #[test]
    fn trainer_with_batch_one_is_the_fused_sgd_step(
        case in arb_case(3, 1.0, pairings()),
        lr in 0.001f32..0.2,
        epochs in 1usize..=3,
        freeze in any::<bool>(),
        shuffled in any::<bool>(),
        seed in any::<u32>(),
    ) {
        check_trainer_with_batch_one_is_the_fused_sgd_step(case, lr, epochs, freeze, shuffled, seed)?;
    }

    /// With a huge learning rate every optimiser diverges; the step that fails returns
    /// `Error::NonFinite` and leaves the parameters bit-identical to before it, and
    /// finite.
    #[test]
    fn the_divergence_guard_leaves_parameters_untouched(
        case in arb_case(2, 1.0, vec![(Activation::Identity, Loss::Sse)]),
        exponent in 0.0f32..1.0,
        which in 0usize..6,
        decay in prop::sample::select(vec![0.0f32, 0.01]),
        whole_batch in any::<bool>(),
    ) {
        check_the_divergence_guard_leaves_parameters_untouched(case, exponent, which, decay, whole_batch)?;
    }

    /// Same seed, same result: initialisation, shuffling and training are deterministic.
    #[test]
    fn the_same_seed_gives_the_same_run(
        case in arb_case(3, 1.0, pairings()),
        seed in any::<u32>(),
        init in prop::sample::select(vec![Init::Uniform { limit: 0.5 }, Init::Xavier, Init::He]),
        which in 0usize..6,
        batch_size in 0usize..=3,
    ) {
        check_the_same_seed_gives_the_same_run(case, seed, init, which, batch_size)?;
    }
}

// ---------------------------------------------------------------------------------------
// Hessians and their eigenvalues; gradient clipping.
// ---------------------------------------------------------------------------------------

/// Smooth networks only (no kinks, no steps): 1–2 layers of widths 1–3.
fn arb_smooth_case() -> impl Strategy<Value = Case> {
    let smooth = [Activation::Identity, Activation::Sigmoid, Activation::Tanh, Activation::Softmax];
    let outputs: Vec<_> = pairings().into_iter().filter(|(a, _)| smooth.contains(a)).collect();
    arb_case(2, 1.0, outputs).prop_filter("smooth hidden layers", move |c| {
        c.specs.iter().all(|s| smooth.contains(&s.activation)) && c.specs.iter().all(|s| s.outputs <= 3)
    })
}

fn check_hessian_and_eigen_range(case: Case) -> Result<(), TestCaseError> {
    const EPS: f32 = 1e-2;
    let eps = f64::from(EPS);
    let mut mlp = case.mlp();
    let samples = case.samples();
    let r = Reference::of(&case);
    let p = mlp.param_count();
    let mut scratch = vec![0.0f32; mlp.scratch_len()];
    let mut h32 = vec![0.0f32; (p + 1) * p];
    check::hessian(&mut mlp, &samples, Differences::central(case.loss, EPS), &mut scratch, &mut h32).unwrap();
    h32.truncate(p * p);
    prop_assert_eq!(bits(mlp.params()), bits(&case.params), "parameters restored");

    // The same central differences of the f64 gradient at the same f32 points, with the
    // rounding allowance of the two f32 gradients they difference.
    let mut h64 = vec![0.0; p * p];
    let mut tol = vec![0.0; p * p];
    for k in 0..p {
        let (mut plus, mut minus) = (case.params.clone(), case.params.clone());
        plus[k] = case.params[k] + EPS;
        minus[k] = case.params[k] - EPS;
        let (np, nm) = (r.at(&plus), r.at(&minus));
        let (_, g_plus) = np.mean_gradient(&r.data, r.cost);
        let (_, g_minus) = nm.mean_gradient(&r.data, r.cost);
        let sp = Reference { net: np, data: r.data.clone(), cost: r.cost }.gradient_scale();
        let sm = Reference { net: nm, data: r.data.clone(), cost: r.cost }.gradient_scale();
        for row in 0..p {
            h64[row * p + k] = (g_plus[row] - g_minus[row]) / (2.0 * eps);
            tol[row * p + k] = BACKPROP_ULPS * U32 * (sp[row] + sm[row]) / (2.0 * eps);
        }
    }
    for i in 0..p {
        for j in i + 1..p {
            let m = 0.5 * (h64[i * p + j] + h64[j * p + i]);
            let t = 0.5 * (tol[i * p + j] + tol[j * p + i]);
            (h64[i * p + j], h64[j * p + i], tol[i * p + j], tol[j * p + i]) = (m, m, t, t);
        }
    }
    for (k, ((&a, &b), &t)) in h32.iter().zip(&h64).zip(&tol).enumerate() {
        let t = t + 4.0 * U32 * b.abs();
        prop_assert!(close(f64::from(a), b, 0.0, t), "H[{}][{}]: {a} vs {b} (tol {t:e})", k / p, k % p);
    }

    // eigen_range of the f32 Hessian against the f64 eigenvalues of the same matrix.
    // Jacobi in f32 is backward stable: each eigenvalue is off by at most a small
    // multiple of n·u·‖H‖_F.
    let exact = nn_tests::symmetric_eigenvalues(&widen(&h32), p);
    let frobenius = h32.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
    let (lo, hi) = check::eigen_range(&mut h32.clone(), p).unwrap();
    let allowance = 16.0 * p as f64 * U32 * frobenius;
    prop_assert!(close(f64::from(lo), exact[0], 0.0, allowance), "λmin {lo} vs {}", exact[0]);
    prop_assert!(close(f64::from(hi), exact[p - 1], 0.0, allowance), "λmax {hi} vs {}", exact[p - 1]);
    Ok(())
}

/// The trainable part of a gradient (weights, and biases unless frozen).
fn trainable<'a>(specs: &'a [LayerSpec], g: &'a [f64], freeze: bool) -> impl Iterator<Item = (usize, f64)> + 'a {
    let mut at = 0;
    let mut keep = Vec::new();
    for s in specs {
        keep.extend(std::iter::repeat_n(true, s.inputs * s.outputs));
        keep.extend(std::iter::repeat_n(!freeze, s.outputs));
        at += s.params();
    }
    debug_assert_eq!(at, g.len());
    g.iter().copied().enumerate().filter(move |(k, _)| keep[*k])
}

fn check_clipping(case: Case, clip: f32, freeze: bool) -> Result<(), TestCaseError> {
    let r = Reference::of(&case);
    prop_assume!(r.kink_margin() > 1e-4);
    let mut mlp = case.mlp();
    let samples = case.samples();
    let n = (case.inputs.len() / case.n_in()) as u32;
    let config = TrainConfig { clip_norm: clip, biases: train_biases(!freeze), ..TrainConfig::sgd(case.loss, 1e-3) };
    let mut work = vec![0.0f32; work_len(mlp.param_count(), Optimizer::Sgd)];
    let mut trainer = Trainer::new(config, &mlp, &mut work).unwrap();
    let mut scratch = vec![0.0f32; mlp.scratch_len()];
    let all: Vec<u32> = (0..n).collect();
    trainer.step(&mut mlp, &samples, &all, &mut scratch).unwrap();
    let clipped = trainer.gradient();

    let (_, g64) = r.net.mean_gradient(&r.data, r.cost);
    let gscale = r.gradient_scale();
    let norm = trainable(&case.specs, &g64, freeze).map(|(_, g)| g * g).sum::<f64>().sqrt();
    let error = trainable(&case.specs, &gscale, freeze).map(|(_, s)| (BACKPROP_ULPS * U32 * s).powi(2)).sum::<f64>();
    let factor = if norm > f64::from(clip) { f64::from(clip) / norm } else { 1.0 };
    let norm_error = if norm > 0.0 { 2.0 * error.sqrt() / norm } else { 0.0 };
    for (k, g) in trainable(&case.specs, &g64, freeze) {
        let expected = g * factor;
        // The component's own backprop error, scaled, plus the effect of the norm's error
        // on the scale factor (relative ‖error‖/‖g‖) and the rounding of the scaling.
        let tol = factor * BACKPROP_ULPS * U32 * gscale[k] + expected.abs() * (norm_error + 8.0 * U32);
        prop_assert!(
            close(f64::from(clipped[k]), expected, 0.0, tol),
            "θ{k}: clipped {} vs {expected} (norm {norm}, clip {clip})",
            clipped[k]
        );
    }
    let clipped_norm = trainable(&case.specs, &widen(clipped), freeze).map(|(_, g)| g * g).sum::<f64>().sqrt();
    prop_assert!(clipped_norm <= f64::from(clip) * (1.0 + 1e-5), "clipped norm {clipped_norm} > {clip}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `check::hessian` (central differences of backprop, symmetrised) against the same
    /// differences of the f64 reference gradient at the same points, and
    /// `check::eigen_range` against f64 Jacobi eigenvalues of the same matrix.
    #[test]
    fn the_hessian_and_its_eigenvalues_agree_with_the_reference(case in arb_smooth_case()) {
        check_hessian_and_eigen_range(case)?;
    }

    /// The Trainer's clipping scales the trainable gradient to the clip norm, keeping its
    /// direction, and leaves a gradient already within the norm alone.
    #[test]
    fn clipping_scales_the_gradient_to_the_norm(
        case in arb_case(2, 1.0, pairings()),
        clip in 0.01f32..10.0,
        freeze in any::<bool>(),
    ) {
        check_clipping(case, clip, freeze)?;
    }
}

/// nn-core finding 1 (tests/NN_CORE_FINDINGS.md): a finite gradient whose squared norm
/// overflows f32 is "clipped" to zero, and the step reports success without moving.
/// Expected: the gradient (1e20, 1e10) clipped to norm 1 is ≈ (1, 1e-10), so w ≈ −0.1.
#[test]
fn clipping_a_gradient_whose_norm_overflows_f32() {
    type Unit = (Dense<1, 1, activation::Identity>,);
    let mut net: Unit = (Dense::new([[0.0]], [0.0]),);
    // o = 0, t = −1e10: δ = o − t = 1e10, ∂E/∂w = δ·x = 1e20, ∂E/∂b = 1e10 (E = ½(o − t)²).
    let data = [([1e10f32], [-1e10f32])];
    let config = TrainConfig { clip_norm: 1.0, ..TrainConfig::sgd(Loss::HalfSse, 0.1) };
    let mut work = [0.0f32; work_len(Unit::PARAMS, Optimizer::Sgd)];
    let mut trainer = Trainer::new(config, &net, &mut work).unwrap();
    let mut scratch = [0.0f32; Unit::SCRATCH];
    let result = trainer.step(&mut net, &data, &[0], &mut scratch);
    assert!(result.is_ok(), "{result:?}");
    let g = trainer.gradient();
    assert!((g[0] - 1.0).abs() < 1e-6 && (g[1] - 1e-10).abs() < 1e-15, "clipped gradient {g:?}");
    assert!((net.0.weights[0][0] + 0.1).abs() < 1e-6, "w = {}", net.0.weights[0][0]);
}

/// A random symmetric `n × n` matrix (2 ≤ n ≤ 5) with entries in ±1.
fn arb_symmetric() -> impl Strategy<Value = (usize, Vec<f32>)> {
    (2usize..=5).prop_flat_map(|n| {
        prop::collection::vec(-1.0f32..1.0, n * n).prop_map(move |v| {
            let mut a = v;
            for i in 0..n {
                for j in 0..i {
                    a[i * n + j] = a[j * n + i];
                }
            }
            (n, a)
        })
    })
}

fn check_eigen_range_scales(n: usize, a: Vec<f32>, exponent: i32) -> Result<(), TestCaseError> {
    let exact = nn_tests::symmetric_eigenvalues(&widen(&a), n);
    let frobenius = a.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
    // Scaling by a power of two is exact, and so is every eigenvalue's scaling.
    let scale = 2f32.powi(exponent);
    let mut scaled: Vec<f32> = a.iter().map(|v| v * scale).collect();
    let (lo, hi) = check::eigen_range(&mut scaled, n).unwrap();
    let s = f64::from(scale);
    let allowance = 16.0 * n as f64 * U32 * frobenius * s;
    prop_assert!(close(f64::from(lo), exact[0] * s, 0.0, allowance), "λmin {lo:e} vs {:e}", exact[0] * s);
    prop_assert!(close(f64::from(hi), exact[n - 1] * s, 0.0, allowance), "λmax {hi:e} vs {:e}", exact[n - 1] * s);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// `check::eigen_range` is right at any scale: the eigenvalues of 2^k·A are 2^k times
    /// those of A, for k from −90 to 90 (entries from about 1e-27 to 1e27).
    #[test]
    fn eigen_range_is_right_at_any_scale((n, a) in arb_symmetric(), exponent in -90i32..=90) {
        check_eigen_range_scales(n, a, exponent)?;
    }

    /// The same at unit scale (entries in ±1), where the absolute stopping rule is
    /// harmless.
    #[test]
    fn eigen_range_agrees_with_jacobi_in_f64((n, a) in arb_symmetric()) {
        check_eigen_range_scales(n, a, 0)?;
    }
}

/// nn-core finding 2 (tests/NN_CORE_FINDINGS.md), the smallest reproduction:
/// [[1, 2], [2, 1]]·1e-20 has eigenvalues −1e-20 and 3e-20, but `eigen_range` returns
/// the diagonal (1e-20, 1e-20), calling an indefinite matrix positive definite.
#[test]
fn eigen_range_of_a_tiny_indefinite_matrix() {
    let mut a = [1e-20f32, 2e-20, 2e-20, 1e-20];
    let (lo, hi) = check::eigen_range(&mut a, 2).unwrap();
    assert!((f64::from(lo) + 1e-20).abs() < 1e-26, "λmin = {lo:e}, expected −1e-20");
    assert!((f64::from(hi) - 3e-20).abs() < 1e-26, "λmax = {hi:e}, expected 3e-20");
}

/// nn-core finding 3 (tests/NN_CORE_FINDINGS.md): `Samples::sample` multiplies the index
/// by the row width without checking for overflow. Out-of-range indices must give `None`;
/// instead an index whose products wrap panics in debug builds and returns sample 0 in
/// release builds (on a 32-bit device the Trainer's u32 batch index 2³¹ already wraps).
#[test]
fn an_out_of_range_sample_index_is_none() {
    use nn_core::data::Dataset;
    let inputs = [1.0f32, 2.0, 3.0, 4.0];
    let targets = [0.5f32, 0.25, 0.75, 1.0];
    let samples = Samples::new(&inputs, 2, &targets, 2).unwrap();
    assert_eq!(samples.sample(2), None);
    let wrapping = 1usize << (usize::BITS - 1);
    assert_eq!(samples.sample(wrapping), None);
    assert_eq!(samples.sample(usize::MAX), None);
}
