//! `nn gradcheck` and `nn train` against the independent float64 reference of `nn_tests`
//! (which calls none of nn-core's math), for every activation and loss pairing, on
//! single steps and on a few full-batch steps, and for every optimiser option.

mod cli_support;

use cli_support::{arg, data_csv, dir, flat_layers, json_of, model_json, nn, read_model, write};
use nn_tests::{assert_all_close, Act, Cost, Net, Sample};

/// A deterministic value in [−1, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    /// Rounded to f32, so that files hold it exactly.
    fn f32(&mut self, scale: f64) -> f64 {
        (self.next() * scale) as f32 as f64
    }
}

const HIDDEN: [Act; 7] = [Act::Identity, Act::Sigmoid, Act::Tanh, Act::Relu, Act::LeakyRelu, Act::Softmax, Act::Step];

/// Every (hidden activation, output activation, loss) pairing the CLI accepts: each
/// output activation with every loss it fits, and every activation in the hidden layer.
fn pairings() -> Vec<(Act, Act, Cost)> {
    let mut out = Vec::new();
    for (k, &o) in HIDDEN.iter().enumerate() {
        let mut costs = vec![Cost::Mse, Cost::Sse, Cost::HalfSse];
        if o == Act::Sigmoid {
            costs.push(Cost::Bce);
        }
        if o == Act::Softmax {
            costs.push(Cost::SoftmaxCe);
        }
        for (c, cost) in costs.into_iter().enumerate() {
            out.push((HIDDEN[(k + c + 1) % HIDDEN.len()], o, cost));
        }
    }
    out
}

fn cost_name(c: Cost) -> &'static str {
    match c {
        Cost::Mse => "mse",
        Cost::Sse => "sse",
        Cost::HalfSse => "half_sse",
        Cost::Bce => "bce",
        Cost::SoftmaxCe => "softmax_ce",
    }
}

/// A 3-4-2 network and four samples for the pairing, away from every kink (so that
/// f32 and f64, and the numeric differences, stay on the same smooth piece).
fn problem(hidden: Act, output: Act, cost: Cost, seed: u64) -> (Net, Vec<Sample>) {
    let mut rng = Lcg(seed);
    for _ in 0..1000 {
        let params: Vec<f64> = (0..(3 * 4 + 4 + 4 * 2 + 2)).map(|_| rng.f32(1.0)).collect();
        let net = Net::from_flat(&[(3, 4, hidden), (4, 2, output)], &params);
        let data: Vec<Sample> = (0..4)
            .map(|s| {
                let x: Vec<f64> = (0..3).map(|_| rng.f32(1.5)).collect();
                let t = match cost {
                    Cost::SoftmaxCe => {
                        if s % 2 == 0 {
                            vec![1.0, 0.0]
                        } else {
                            vec![0.0, 1.0]
                        }
                    }
                    Cost::Bce => vec![(rng.next() * 0.5 + 0.5) as f32 as f64, (s % 2) as f64],
                    _ => vec![rng.f32(1.0), rng.f32(1.0)],
                };
                (x, t)
            })
            .collect();
        if data.iter().all(|(x, _)| net.closest_kink(x) > 0.05) {
            return (net, data);
        }
    }
    panic!("no kink-free problem for {hidden:?}/{output:?}");
}

fn files(d: &std::path::Path, net: &Net, data: &[Sample]) -> (std::path::PathBuf, std::path::PathBuf) {
    let model = write(d, "m.json", model_json(net));
    let csv = write(d, "d.csv", data_csv(3, 2, data));
    (model, csv)
}

/// One full-batch gradient step of the reference: θ −= lr·mean gradient.
fn batch_step(net: &mut Net, data: &[Sample], cost: Cost, lr: f64) {
    let (_, g) = net.mean_gradient(data, cost);
    let flat: Vec<f64> = net.flat().iter().zip(&g).map(|(p, g)| p - lr * g).collect();
    net.set_flat(&flat);
}

#[test]
fn gradcheck_matches_the_float64_backprop_for_every_pairing() {
    for (i, (h, o, c)) in pairings().into_iter().enumerate() {
        let d = dir();
        let (net, data) = problem(h, o, c, 11 + i as u64);
        let (model, csv) = files(d.path(), &net, &data);
        let what = format!("{h:?}/{o:?}/{c:?}");
        let output = nn()
            .args(["gradcheck", "--json", "--loss", cost_name(c), "--model", &arg(&model), "--data", &arg(&csv)])
            .output()
            .expect("nn runs");
        assert_eq!(output.status.code(), Some(0), "{what}: {}", String::from_utf8_lossy(&output.stderr));
        let v = json_of(&output);
        let (loss, reference) = net.mean_gradient(&data, c);
        let analytic = flat_layers(&v["analytic"]);
        let scale = reference.iter().fold(1.0f64, |m, g| m.max(g.abs()));
        assert_all_close(&format!("{what} analytic"), &analytic, &reference, 1e-5, 1e-6 * scale);
        nn_tests::assert_close(&format!("{what} loss"), v["loss"].as_f64().unwrap(), loss, 1e-5, 1e-7);
        assert_eq!(v["agrees"], true, "{what}");
        let numeric = flat_layers(&v["numeric"]);
        assert_eq!(numeric.len(), reference.len());
        assert!(v["max_abs_diff"].as_f64().unwrap() <= v["atol"].as_f64().unwrap() + 0.01 * scale, "{what}");
        // Forward differences agree too, with their own default tolerance.
        let output = nn()
            .args(["gradcheck", "--json", "--method", "forward", "--loss", cost_name(c)])
            .args(["--model", &arg(&model), "--data", &arg(&csv)])
            .output()
            .expect("nn runs");
        assert_eq!(output.status.code(), Some(0), "{what} forward: {}", String::from_utf8_lossy(&output.stdout));
    }
}

#[test]
fn one_per_sample_step_matches_the_reference_for_every_pairing() {
    for (i, (h, o, c)) in pairings().into_iter().enumerate() {
        let d = dir();
        let (mut net, data) = problem(h, o, c, 101 + i as u64);
        let one = &data[..1];
        let (model, csv) = files(d.path(), &net, one);
        let out = d.path().join("out.json");
        nn().args([
            "train",
            "--loss",
            cost_name(c),
            "--lr",
            "0.1",
            "--epochs",
            "1",
            "--batch-size",
            "1",
            "--no-shuffle",
        ])
        .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out)])
        .assert()
        .success();
        net.sgd_step(&one[0].0, &one[0].1, c, 0.1, true);
        let trained = read_model(&out);
        assert_all_close(&format!("{h:?}/{o:?}/{c:?} one step"), &trained.flat(), &net.flat(), 1e-5, 1e-6);
    }
}

#[test]
fn three_full_batch_steps_match_the_reference_for_every_pairing() {
    for (i, (h, o, c)) in pairings().into_iter().enumerate() {
        let d = dir();
        let (mut net, data) = problem(h, o, c, 201 + i as u64);
        let (model, csv) = files(d.path(), &net, &data);
        let out = d.path().join("out.json");
        let log = d.path().join("loss.csv");
        nn().args(["train", "--loss", cost_name(c), "--lr", "0.2", "--epochs", "3", "--batch-size", "0"])
            .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out), "--log", &arg(&log)])
            .assert()
            .success();
        let mut losses = Vec::new();
        for _ in 0..3 {
            losses.push(net.mean_loss(&data, c));
            batch_step(&mut net, &data, c, 0.2);
        }
        let what = format!("{h:?}/{o:?}/{c:?} three batches");
        assert_all_close(&what, &read_model(&out).flat(), &net.flat(), 1e-5, 1e-6);
        // The log's train_loss_during_epoch is each epoch's loss before its update; train_loss after it.
        let text = std::fs::read_to_string(&log).unwrap();
        let rows: Vec<Vec<f64>> =
            text.lines().skip(1).map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
        assert_eq!(rows.len(), 3);
        let logged: Vec<f64> = rows.iter().map(|r| r[1]).collect();
        assert_all_close(&format!("{what} log"), &logged, &losses, 1e-5, 1e-7);
        nn_tests::assert_close(&format!("{what} train_loss"), rows[2][2], net.mean_loss(&data, c), 1e-5, 1e-7);
    }
}

/// The optimisers' update rules, as nn-core documents them, in f64.
#[derive(Clone, Copy)]
enum Rule {
    Momentum(f64),
    Nesterov(f64),
    Adam(f64, f64, f64),
    /// PyTorch's AdamW: `weight_decay` is decoupled, θ ← θ(1 − ηλ) before the Adam step.
    AdamW(f64, f64, f64),
    /// PyTorch's RMSprop without momentum, not centered: (α, ε).
    RmsProp(f64, f64),
}

struct Options {
    rule: Option<Rule>,
    weight_decay: f64,
    clip_norm: f64,
    freeze_biases: bool,
}

/// `steps` full-batch steps with the options, in f64; `weight[k]` is whether flat
/// parameter `k` is a weight (not a bias).
fn reference_run(net: &mut Net, data: &[Sample], cost: Cost, lr: f64, steps: usize, o: &Options) {
    let weight: Vec<bool> = net
        .layers
        .iter()
        .flat_map(|l| std::iter::repeat_n(true, l.weights.len()).chain(std::iter::repeat_n(false, l.biases.len())))
        .collect();
    let n = weight.len();
    let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
    for step in 1..=steps {
        let (_, mut g) = net.mean_gradient(data, cost);
        if o.clip_norm > 0.0 {
            let norm =
                g.iter().zip(&weight).filter(|(_, &w)| w || !o.freeze_biases).map(|(g, _)| g * g).sum::<f64>().sqrt();
            if norm > o.clip_norm {
                g.iter_mut().for_each(|x| *x *= o.clip_norm / norm);
            }
        }
        let mut p = net.flat();
        for k in 0..n {
            if !weight[k] && o.freeze_biases {
                continue;
            }
            let decay = if weight[k] { o.weight_decay } else { 0.0 };
            let gk = if matches!(o.rule, Some(Rule::AdamW(..))) { g[k] } else { g[k] + decay * p[k] };
            if matches!(o.rule, Some(Rule::AdamW(..))) {
                p[k] *= 1.0 - lr * decay;
            }
            p[k] -= match o.rule {
                None => lr * gk,
                Some(Rule::Momentum(mu)) => {
                    m[k] = mu * m[k] + gk;
                    lr * m[k]
                }
                Some(Rule::Nesterov(mu)) => {
                    m[k] = mu * m[k] + gk;
                    lr * (gk + mu * m[k])
                }
                Some(Rule::Adam(b1, b2, eps) | Rule::AdamW(b1, b2, eps)) => {
                    m[k] = b1 * m[k] + (1.0 - b1) * gk;
                    v[k] = b2 * v[k] + (1.0 - b2) * gk * gk;
                    let mh = m[k] / (1.0 - b1.powi(step as i32));
                    let vh = v[k] / (1.0 - b2.powi(step as i32));
                    lr * mh / (vh.sqrt() + eps)
                }
                Some(Rule::RmsProp(alpha, eps)) => {
                    v[k] = alpha * v[k] + (1.0 - alpha) * gk * gk;
                    lr * gk / (v[k].sqrt() + eps)
                }
            };
        }
        net.set_flat(&p);
    }
}

#[test]
fn optimisers_decay_clipping_and_frozen_biases_match_the_reference() {
    let cases: [(&[&str], Options); 11] = [
        (
            &["--optimizer", "momentum", "--momentum", "0.8"],
            Options { rule: Some(Rule::Momentum(0.8)), weight_decay: 0.0, clip_norm: 0.0, freeze_biases: false },
        ),
        (
            &["--optimizer", "nesterov"],
            Options { rule: Some(Rule::Nesterov(0.9)), weight_decay: 0.0, clip_norm: 0.0, freeze_biases: false },
        ),
        (
            &["--optimizer", "adam"],
            Options {
                rule: Some(Rule::Adam(0.9, 0.999, 1e-8)),
                weight_decay: 0.0,
                clip_norm: 0.0,
                freeze_biases: false,
            },
        ),
        (&["--weight-decay", "0.1"], Options { rule: None, weight_decay: 0.1, clip_norm: 0.0, freeze_biases: false }),
        (&["--clip-norm", "0.05"], Options { rule: None, weight_decay: 0.0, clip_norm: 0.05, freeze_biases: false }),
        (
            &["--freeze-biases", "--optimizer", "adam", "--beta1", "0.5", "--beta2", "0.9", "--epsilon", "1e-6"],
            Options { rule: Some(Rule::Adam(0.5, 0.9, 1e-6)), weight_decay: 0.0, clip_norm: 0.0, freeze_biases: true },
        ),
        (
            &["--optimizer", "adamw"],
            Options {
                rule: Some(Rule::AdamW(0.9, 0.999, 1e-8)),
                weight_decay: 0.01,
                clip_norm: 0.0,
                freeze_biases: false,
            },
        ),
        (
            // A decay strong enough that a coupled (L2) reading, or one that decayed the
            // biases too, would miss by far more than the tolerance.
            &["--optimizer", "adamw", "--weight-decay", "4", "--beta1", "0.8", "--beta2", "0.95", "--epsilon", "1e-6"],
            Options {
                rule: Some(Rule::AdamW(0.8, 0.95, 1e-6)),
                weight_decay: 4.0,
                clip_norm: 0.0,
                freeze_biases: false,
            },
        ),
        (
            &["--optimizer", "rmsprop"],
            Options { rule: Some(Rule::RmsProp(0.99, 1e-8)), weight_decay: 0.0, clip_norm: 0.0, freeze_biases: false },
        ),
        (
            &["--optimizer", "rmsprop", "--alpha", "0.5", "--epsilon", "1e-4", "--weight-decay", "0.1"],
            Options { rule: Some(Rule::RmsProp(0.5, 1e-4)), weight_decay: 0.1, clip_norm: 0.0, freeze_biases: false },
        ),
        (
            &["--optimizer", "rmsprop", "--freeze-biases", "--clip-norm", "0.05"],
            Options { rule: Some(Rule::RmsProp(0.99, 1e-8)), weight_decay: 0.0, clip_norm: 0.05, freeze_biases: true },
        ),
    ];
    for (k, (flags, options)) in cases.iter().enumerate() {
        let d = dir();
        let (mut net, data) = problem(Act::Tanh, Act::Identity, Cost::Mse, 300 + k as u64);
        let (model, csv) = files(d.path(), &net, &data);
        let out = d.path().join("out.json");
        nn().args(["train", "--loss", "mse", "--lr", "0.05", "--epochs", "4", "--batch-size", "0"])
            .args(*flags)
            .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out)])
            .assert()
            .success();
        reference_run(&mut net, &data, Cost::Mse, 0.05, 4, options);
        assert_all_close(&format!("{flags:?}"), &read_model(&out).flat(), &net.flat(), 1e-5, 1e-6);
    }
}

#[test]
fn schedules_lower_the_rate_per_epoch() {
    let d = dir();
    let (mut net, data) = problem(Act::Sigmoid, Act::Identity, Cost::HalfSse, 400);
    let (model, csv) = files(d.path(), &net, &data);
    let out = d.path().join("out.json");
    nn().args([
        "train",
        "--loss",
        "half_sse",
        "--lr",
        "0.4",
        "--epochs",
        "3",
        "--batch-size",
        "0",
        "--schedule",
        "step:1:0.5",
    ])
    .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out)])
    .assert()
    .success();
    for lr in [0.4, 0.2, 0.1] {
        batch_step(&mut net, &data, Cost::HalfSse, lr);
    }
    assert_all_close("step schedule", &read_model(&out).flat(), &net.flat(), 1e-5, 1e-6);
}

#[test]
fn mini_batches_in_file_order_match_the_reference() {
    let d = dir();
    let (mut net, data) = problem(Act::Tanh, Act::Sigmoid, Cost::Bce, 500);
    let (model, csv) = files(d.path(), &net, &data);
    let out = d.path().join("out.json");
    nn().args(["train", "--loss", "bce", "--lr", "0.3", "--epochs", "2", "--batch-size", "3", "--no-shuffle"])
        .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out)])
        .assert()
        .success();
    for _ in 0..2 {
        batch_step(&mut net, &data[..3], Cost::Bce, 0.3);
        batch_step(&mut net, &data[3..], Cost::Bce, 0.3);
    }
    assert_all_close("batches of 3 and 1", &read_model(&out).flat(), &net.flat(), 1e-5, 1e-6);
}

#[test]
fn shuffling_is_seeded() {
    let d = dir();
    let (net, data) = problem(Act::Tanh, Act::Identity, Cost::Sse, 600);
    let (model, csv) = files(d.path(), &net, &data);
    let run = |seed: &str, name: &str| {
        let out = d.path().join(name);
        nn().args(["train", "--loss", "sse", "--lr", "0.05", "--epochs", "5", "--seed", seed])
            .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out)])
            .assert()
            .success();
        std::fs::read_to_string(out).unwrap()
    };
    assert_eq!(run("7", "a.json"), run("7", "b.json"));
    assert_ne!(run("7", "a.json"), run("8", "c.json"));
}
