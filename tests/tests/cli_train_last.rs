//! `nn train --train-last K` (fine-tuning the last K layers) against the independent
//! float64 reference of `nn_tests`: per-sample SGD and full-batch Adam on the last one
//! and two layers of a 3-4-3-2 network, the frozen layers bit for bit unchanged; and the
//! depths it refuses.

mod cli_support;

use cli_support::{arg, data_csv, dir, model_json, nn, read_model, stderr_of, write};
use nn_tests::{assert_all_close, Act, Cost, Net, Sample};

/// A deterministic value in [−1, 1), rounded to f32 so that files hold it exactly.
struct Lcg(u64);

impl Lcg {
    fn f32(&mut self, scale: f64) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0) * scale) as f32 as f64
    }
}

const SHAPE: [(usize, usize); 3] = [(3, 4), (4, 3), (3, 2)];

/// Smooth (hidden, output, loss) cases: no kinks, so f32 and f64 take the same path.
const CASES: [(Act, Act, Cost, &str); 4] = [
    (Act::Tanh, Act::Identity, Cost::Mse, "mse"),
    (Act::Sigmoid, Act::Sigmoid, Cost::Bce, "bce"),
    (Act::Tanh, Act::Softmax, Cost::SoftmaxCe, "softmax_ce"),
    (Act::Sigmoid, Act::Identity, Cost::HalfSse, "half_sse"),
];

fn problem(hidden: Act, output: Act, cost: Cost, seed: u64) -> (Net, Vec<Sample>) {
    let mut rng = Lcg(seed);
    let count: usize = SHAPE.iter().map(|(i, o)| i * o + o).sum();
    let params: Vec<f64> = (0..count).map(|_| rng.f32(1.0)).collect();
    let shape = [(3, 4, hidden), (4, 3, hidden), (3, 2, output)];
    let net = Net::from_flat(&shape, &params);
    let data = (0..5)
        .map(|s| {
            let x: Vec<f64> = (0..3).map(|_| rng.f32(1.5)).collect();
            let t = match cost {
                Cost::SoftmaxCe => [vec![1.0, 0.0], vec![0.0, 1.0]][s % 2].clone(),
                Cost::Bce => vec![(s % 2) as f64, ((s + 1) % 2) as f64],
                _ => vec![rng.f32(1.0), rng.f32(1.0)],
            };
            (x, t)
        })
        .collect();
    (net, data)
}

/// Where the last `k` layers' parameters start in the flat run.
fn trained_from(k: usize) -> usize {
    SHAPE[..SHAPE.len() - k].iter().map(|(i, o)| i * o + o).sum()
}

/// `nn train --train-last k` with `extra` options; the trained model.
fn train(net: &Net, data: &[Sample], loss: &str, k: usize, extra: &[&str]) -> Net {
    let d = dir();
    let model = write(d.path(), "m.json", model_json(net));
    let csv = write(d.path(), "d.csv", data_csv(3, 2, data));
    let out = d.path().join("out.json");
    nn().args(["train", "--loss", loss, "--no-shuffle", "--train-last", &k.to_string()])
        .args(extra)
        .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out)])
        .assert()
        .success();
    read_model(&out)
}

fn check_frozen(what: &str, trained: &Net, before: &Net, k: usize) {
    let start = trained_from(k);
    let (after, before) = (trained.flat(), before.flat());
    assert_eq!(after[..start], before[..start], "{what}: frozen parameters changed");
    assert_ne!(after[start..], before[start..], "{what}: trained parameters did not move");
}

#[test]
fn per_sample_sgd_on_the_last_layers_matches_the_reference() {
    for (i, &(h, o, c, loss)) in CASES.iter().enumerate() {
        for k in [1, 2] {
            let (mut net, data) = problem(h, o, c, 31 + i as u64);
            let trained = train(&net, &data, loss, k, &["--lr", "0.1", "--epochs", "2"]);
            let before = net.clone();
            let start = trained_from(k);
            for _ in 0..2 {
                for (x, t) in &data {
                    let (_, g) = net.gradient(x, t, c);
                    let flat: Vec<f64> = net
                        .flat()
                        .iter()
                        .enumerate()
                        .map(|(j, p)| if j >= start { p - 0.1 * g[j] } else { *p })
                        .collect();
                    net.set_flat(&flat);
                }
            }
            let what = format!("{h:?}/{o:?}/{c:?} last {k}");
            check_frozen(&what, &trained, &before, k);
            assert_all_close(&what, &trained.flat(), &net.flat(), 1e-5, 1e-6);
        }
    }
}

#[test]
fn full_batch_adam_on_the_last_layer_matches_the_reference() {
    let (b1, b2, eps, lr) = (0.9f64, 0.999f64, 1e-8f64, 0.01f64);
    for (i, &(h, o, c, loss)) in CASES.iter().enumerate() {
        let (mut net, data) = problem(h, o, c, 71 + i as u64);
        let extra = ["--lr", "0.01", "--epochs", "3", "--batch-size", "0", "--optimizer", "adam"];
        let trained = train(&net, &data, loss, 1, &extra);
        let before = net.clone();
        let start = trained_from(1);
        let n = net.param_count() - start;
        let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
        for t in 1..=3 {
            let (_, g) = net.mean_gradient(&data, c);
            let mut flat = net.flat();
            for j in 0..n {
                let g = g[start + j];
                m[j] = b1 * m[j] + (1.0 - b1) * g;
                v[j] = b2 * v[j] + (1.0 - b2) * g * g;
                let (mh, vh) = (m[j] / (1.0 - b1.powi(t)), v[j] / (1.0 - b2.powi(t)));
                flat[start + j] -= lr * mh / (vh.sqrt() + eps);
            }
            net.set_flat(&flat);
        }
        let what = format!("{h:?}/{o:?}/{c:?} adam");
        check_frozen(&what, &trained, &before, 1);
        assert_all_close(&what, &trained.flat(), &net.flat(), 1e-4, 1e-5);
    }
}

#[test]
fn training_all_layers_is_plain_training() {
    let (net, data) = problem(Act::Tanh, Act::Identity, Cost::Mse, 5);
    let d = dir();
    let model = write(d.path(), "m.json", model_json(&net));
    let csv = write(d.path(), "d.csv", data_csv(3, 2, &data));
    let (a, b) = (d.path().join("a.json"), d.path().join("b.json"));
    let base = ["train", "--loss", "mse", "--lr", "0.1", "--epochs", "2", "--no-shuffle"];
    nn().args(base)
        .args(["--train-last", "3", "--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&a)])
        .assert()
        .success();
    nn().args(base).args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&b)]).assert().success();
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn a_depth_of_zero_or_past_the_model_is_refused_with_exit_2() {
    let (net, data) = problem(Act::Tanh, Act::Identity, Cost::Mse, 5);
    let d = dir();
    let model = write(d.path(), "m.json", model_json(&net));
    let csv = write(d.path(), "d.csv", data_csv(3, 2, &data));
    let out = d.path().join("out.json");
    for (k, expected) in [("0", "expected at least 1 layer to train"), ("4", "has 3 layers; expected 1 to 3")] {
        let output = nn()
            .args(["train", "--loss", "mse", "--lr", "0.1", "--epochs", "1", "--train-last", k])
            .args(["--model", &arg(&model), "--data", &arg(&csv), "--out", &arg(&out)])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "--train-last {k}");
        assert!(stderr_of(&output).contains(expected), "--train-last {k}: {}", stderr_of(&output));
        assert!(!out.exists(), "--train-last {k} wrote a model");
    }
}
