//! Document 004: f(x) = wx at several learning rates, and Mazur's 2-2-2 network.

use nn_core::train::{evaluate, work_len, TrainConfig};
use nn_core::{activation, sgd_step, Activation, Biases, Error, Loss, Model, SgdConfig, Trainer};

use super::{core, f, layer_outputs, loss_and_gradient, network, pre_activations, Files, Page};
use crate::error::CliError;
use crate::model_file::Network;

const SCALAR: [(usize, usize, Activation); 1] = [(1, 1, Activation::Identity)];
const SCALAR_DATA: [([f32; 1], [f32; 1]); 1] = [([1.0], [1.0])];

const MAZUR: [(usize, usize, Activation); 2] = [(2, 2, Activation::Sigmoid), (2, 2, Activation::Sigmoid)];
/// w1…w4, the hidden biases (b1 shared), w5…w8, the output biases (b2 shared).
const MAZUR_PARAMS: [f32; 12] = [0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.6];
/// Mazur's one sample: i1 = 0.05, i2 = 0.10 → targets 0.01, 0.99.
pub const MAZUR_DATA: [([f32; 2], [f32; 2]); 1] = [([0.05, 0.10], [0.01, 0.99])];

/// Mazur's network with its initial weights.
pub fn mazur_network() -> Result<Network, CliError> {
    network(&MAZUR, &MAZUR_PARAMS)
}

/// The command that reproduces the example from its files.
const SCALAR_COMMAND: &str =
    "nn train --model {model} --data {data} --loss half_sse --optimizer sgd --lr 0.5 --epochs 2 \
     --batch-size 1 --no-shuffle --freeze-biases --out {out}";

/// The scalar example's files: two epochs at η = 0.5.
pub fn scalar_files() -> Result<Files, CliError> {
    Files::new("scalar", &SCALAR, &[0.0, 0.0], "x,t\n1,1\n", SCALAR_COMMAND)
}

/// The command that reproduces the example from its files.
const MAZUR_COMMAND: &str =
    "nn train --model {model} --data {data} --loss half_sse --optimizer sgd --lr 0.5 --epochs 10000 \
     --batch-size 1 --no-shuffle --freeze-biases --out {out}";

/// Mazur's files: 10,000 steps with frozen biases.
pub fn mazur_files() -> Result<Files, CliError> {
    Files::new("mazur", &MAZUR, &MAZUR_PARAMS, "i1,i2,t1,t2\n0.05,0.10,0.01,0.99\n", MAZUR_COMMAND)
}

/// How a run of per-sample steps at one rate ended.
enum Outcome {
    Converged(u32),
    Diverged { updates: u32, distance: f32 },
    NotWithin(u32),
}

/// `w` after each of the first `shown` updates, and how the run ends (|w − 1| < 0.001).
fn scalar_run(rate: f32, shown: usize) -> Result<(Vec<f32>, Vec<f32>, Outcome), CliError> {
    const LIMIT: u32 = 500;
    let mut net = network(&SCALAR, &[0.0, 0.0])?;
    let config = TrainConfig { biases: Biases::Frozen, ..TrainConfig::sgd(Loss::HalfSse, rate) };
    let mut work = vec![0.0f32; work_len(net.param_count(), config.optimizer)];
    let mut trainer = Trainer::new(config, &net, &mut work).map_err(core)?;
    let (mut order, mut scratch) = ([0u32], vec![0.0f32; net.scratch_len()]);
    let (mut ws, mut es) = (vec![net.params()[0]], Vec::new());
    for update in 1..=LIMIT {
        match trainer.epoch(&mut net, &SCALAR_DATA, &mut order, &mut scratch) {
            Ok(report) => {
                if es.len() < shown {
                    es.push(report.loss);
                }
            }
            Err(Error::NonFinite) => {
                return Ok((ws, es, Outcome::Diverged { updates: update - 1, distance: (net.params()[0] - 1.0).abs() }))
            }
            Err(e) => return Err(core(e)),
        }
        let w = net.params()[0];
        if ws.len() <= shown {
            ws.push(w);
        }
        if (w - 1.0).abs() < 1e-3 {
            return Ok((ws, es, Outcome::Converged(update)));
        }
    }
    let distance = (net.params()[0] - 1.0).abs();
    if distance > 1.0 {
        return Ok((ws, es, Outcome::Diverged { updates: LIMIT, distance }));
    }
    Ok((ws, es, Outcome::NotWithin(LIMIT)))
}

/// Part A: f(x) = wx, E = ½(wx − t)², x = t = 1, w₀ = 0.
pub fn scalar(page: &mut Page) -> Result<(), CliError> {
    page.line("f(x) = w·x, E = ½(w·x − t)² (nn-core's half_sse), x = t = 1, w starts at 0; no bias (frozen at 0).")?;
    page.blank()?;
    let mut net = network(&SCALAR, &[0.0, 0.0])?;
    let mut scratch = vec![0.0f32; net.scratch_len()];
    for epoch in 1..=2 {
        let (e, g) = loss_and_gradient(&net, &[1.0], &[1.0], Loss::HalfSse)?;
        let w = net.params()[0];
        sgd_step(&mut net, (&[1.0], &[1.0]), SgdConfig::new(Loss::HalfSse, 0.5).frozen_biases(), &mut scratch)
            .map_err(core)?;
        page.line(format!(
            "epoch {epoch}: w = {}, E = {}, ∂E/∂w = x(wx − t) = {}, w ← w − 0.5·∂E/∂w = {}",
            f(w),
            f(e),
            f(g[0]),
            f(net.params()[0])
        ))?;
    }
    page.right("L52–L82, L100, L104", "w: 0 → 0.5 → 0.75, E: 0.5 then 0.125, gradients −1 and −0.5")?;
    page.minor("L30", "the document calls E the mean squared error; E is half the squared error (MSE = 2E here)")?;
    page.blank()?;
    page.line("The same from w = 0 at other rates (w ← w − η(w − 1): the error w − 1 is multiplied by 1 − η):")?;
    page.line(format!(
        "{:>5}  {:<38} {:<30} {}",
        "η", "w after 1, 2, 3, 4 updates", "E before each", "|w − 1| < 0.001"
    ))?;
    for rate in [0.1f32, 0.5, 1.0, 1.5, 2.0, 2.5] {
        let (ws, es, outcome) = scalar_run(rate, 4)?;
        let w_text: Vec<String> = ws.iter().skip(1).take(4).map(|&w| f(w)).collect();
        let e_text: Vec<String> = es.iter().map(|&e| f(e)).collect();
        let end = match outcome {
            Outcome::Converged(1) => "after 1 update".to_string(),
            Outcome::Converged(n) => format!("after {n} updates"),
            Outcome::Diverged { updates, distance } if updates < 500 => format!(
                "never: diverges; nn-core's guard stopped it after {updates} updates (|w − 1| = {}, E overflows)",
                f(distance)
            ),
            Outcome::Diverged { distance, .. } => format!("never: diverges (|w − 1| = {})", f(distance)),
            Outcome::NotWithin(n) => format!("never: w = 0, 2, 0, 2, … oscillates forever (checked {n} updates)"),
        };
        page.line(format!("{rate:>5}  {:<38} {:<30} {end}", w_text.join(", "), e_text.join(", ")))?;
    }
    page.wrong(
        "L96",
        "\"if η is too large (e.g. η = 1.5) the weight may oscillate around the optimum or even diverge\"",
        "η = 1.5 oscillates but converges, exactly as fast as η = 0.5 (the same E before each update); \
         divergence needs η > 2",
    )?;
    page.right("L98", "η = 0.1 converges slowly")?;
    page.minor("L100", "η = 1 = 1/x² (a Newton step, since ∂²E/∂w² = x² = 1) reaches w = 1 in a single update")?;
    Ok(())
}

/// Part B: Mazur's example.
pub fn mazur(page: &mut Page) -> Result<(), CliError> {
    page.line("Inputs i1 = 0.05, i2 = 0.10; targets 0.01, 0.99; sigmoid in both layers; E = ½Σ(o − t)² (half_sse).")?;
    page.line("w1…w4 = 0.15, 0.20, 0.25, 0.30 (hidden), w5…w8 = 0.40, 0.45, 0.50, 0.55 (output);")?;
    page.line(
        "b1 = 0.35 (hidden), b2 = 0.60 (output); η = 0.5; h1in = w1·i1 + w2·i2 + b1, o1in = w5·h1 + w6·h2 + b2,",
    )?;
    page.line("o2in = w7·h1 + w8·h2 + b2 (Mazur's convention).")?;
    page.blank()?;
    let mut net = mazur_network()?;
    let (x, t) = (MAZUR_DATA[0].0, MAZUR_DATA[0].1);
    let a = layer_outputs(&net, &x)?;
    let zh = pre_activations(&net, 0, &x)?;
    let zo = pre_activations(&net, 1, &a[0])?;
    page.line(format!("h1in, h2in = {}, {}    h1, h2 = {}, {}", f(zh[0]), f(zh[1]), f(a[0][0]), f(a[0][1])))?;
    page.line(format!("o1in, o2in = {}, {}    o1, o2 = {}, {}", f(zo[0]), f(zo[1]), f(a[1][0]), f(a[1][1])))?;
    let (e, g) = loss_and_gradient(&net, &x, &t, Loss::HalfSse)?;
    page.line(format!("E_total = {}", f(e)))?;
    // A neuron's bias gradient is its δ = ∂E/∂(its input).
    page.line(format!("δo1, δo2 = {}, {}    δh1, δh2 = {}, {}", f(g[10]), f(g[11]), f(g[4]), f(g[5])))?;
    page.right("L482, L492", "δo1 = (o1 − t1)·o1(1 − o1) and δh1 = (δo1·w5 + δo2·w7)·h1(1 − h1)")?;
    let grads: Vec<String> = [0, 1, 2, 3, 6, 7, 8, 9].iter().map(|&k| f(g[k])).collect();
    page.line(format!("∂E/∂w1…w4 = {}", grads[..4].join(", ")))?;
    page.line(format!("∂E/∂w5…w8 = {}", grads[4..].join(", ")))?;
    let mut scratch = vec![0.0f32; net.scratch_len()];
    sgd_step(&mut net, (&x, &t), SgdConfig::new(Loss::HalfSse, 0.5).frozen_biases(), &mut scratch).map_err(core)?;
    let w: Vec<String> = [0, 1, 2, 3, 6, 7, 8, 9].iter().map(|&k| f(net.params()[k])).collect();
    page.line(format!("after one update (biases frozen): w1…w4 = {}", w[..4].join(", ")))?;
    page.line(format!("                                  w5…w8 = {}", w[4..].join(", ")))?;
    page.right("L513", "w5′ = w5 − η·δo1·h1 = 0.358916")?;
    let after = evaluate(&net, &MAZUR_DATA, Loss::HalfSse, &mut scratch).map_err(core)?;
    page.line(format!("E after the update = {}", f(after)))?;
    page.blank()?;

    page.line("10,000 updates on the one sample, biases frozen (nn-core's Trainer, per-sample SGD):")?;
    let frozen = train_mazur(Biases::Frozen)?;
    page.line(format!(
        "E in the forward pass of the 10,000th iteration (before its update): {}   (Mazur publishes 0.0000351085)",
        f(frozen.last_before)
    ))?;
    page.line(format!(
        "E after the 10,000th update: {}; o1, o2 = {}, {}",
        f(frozen.after),
        f(frozen.outputs[0]),
        f(frozen.outputs[1])
    ))?;
    let trained = train_mazur(Biases::Train)?;
    page.line(format!(
        "with every bias trained too (one bias per neuron): E after 10,000 updates = {}",
        f(trained.after)
    ))?;
    page.minor(
        "L336",
        "the document says the biases are updated but gives no formula; Mazur's published run keeps them frozen, \
         and training them changes every later number",
    )?;
    page.blank()?;
    page.minor(
        "L243, L266, L469, L482",
        "the targets are named outo1, outo2; in Mazur's original out_o1 is the output of o1 — read as targets t1, t2",
    )?;
    page.minor(
        "L465",
        "E = ½Σ(o − t)² is called MSE: it is half the sum of squares (equal to the mean only for two outputs)",
    )?;
    let mut zero = [0.0f32];
    activation::Activation::Sigmoid.forward(&mut zero);
    page.wrong(
        "L286–L296, L404",
        "\"the bias keeps the neuron active even when all inputs are zero\"",
        format!(
            "a sigmoid neuron without bias already outputs sigmoid(0) = {} for zero input; the bias shifts its \
             operating point",
            f(zero[0])
        ),
    )?;
    page.minor("L503", "η = 0.5 moves each weight by half the gradient *against* the gradient's direction")?;
    Ok(())
}

struct MazurRun {
    last_before: f32,
    after: f32,
    outputs: Vec<f32>,
}

fn train_mazur(biases: Biases) -> Result<MazurRun, CliError> {
    let mut net = mazur_network()?;
    let config = TrainConfig { biases, ..TrainConfig::sgd(Loss::HalfSse, 0.5) };
    let mut work = vec![0.0f32; work_len(net.param_count(), config.optimizer)];
    let mut trainer = Trainer::new(config, &net, &mut work).map_err(core)?;
    let (mut order, mut scratch) = ([0u32], vec![0.0f32; net.scratch_len()]);
    let mut last_before = f32::NAN;
    for _ in 0..10_000 {
        last_before = trainer.epoch(&mut net, &MAZUR_DATA, &mut order, &mut scratch).map_err(core)?.loss;
    }
    let after = evaluate(&net, &MAZUR_DATA, Loss::HalfSse, &mut scratch).map_err(core)?;
    let outputs = layer_outputs(&net, &MAZUR_DATA[0].0)?.pop().unwrap_or_default();
    Ok(MazurRun { last_before, after, outputs })
}
