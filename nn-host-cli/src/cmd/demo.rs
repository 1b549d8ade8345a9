//! `nn demo`: the README's main job. With no files, trains XOR and the documents'
//! examples through nn-core and shows what happened: a table of losses, the learned
//! function, and a loss plot written to a file it names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nn_core::data::{Dataset, Samples};
use nn_core::init::{Init, Rng};
use nn_core::{forward, Activation, Biases, LayerSpec, Loss, Mlp, Model, TrainConfig};

use super::train::{fit, History, Plan};
use crate::error::CliError;
use crate::model_file::Network;
use crate::output::{self, sig32};
use crate::{outln, plot};

/// Arguments of `nn demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the loss plot [default: target/nn-demo-loss.svg when ./target exists,
    /// else nn-demo-loss.svg].
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

fn net(layers: &[(usize, usize, Activation)], params: Vec<f32>) -> Result<Network, CliError> {
    let specs = layers.iter().map(|&(i, o, a)| LayerSpec::new(i, o, a)).collect();
    Mlp::new(specs, params)
        .and_then(crate::model_file::unscaled)
        .map_err(|e| CliError::bad(format!("demo network: {e}")))
}

fn train(net: &mut Network, data: &Samples, config: TrainConfig, epochs: u32) -> Result<History, CliError> {
    let history = fit(net, data, config, epochs, Plan { track_training: true, ..Plan::default() }, |_| {})?;
    if let Some(d) = history.diverged {
        return Err(CliError::Diverged(format!("the demo diverged in epoch {}: {}", d.epoch, d.error)));
    }
    Ok(history)
}

fn samples<'a>(inputs: &'a [f32], in_w: usize, targets: &'a [f32], out_w: usize) -> Result<Samples<'a>, CliError> {
    Samples::new(inputs, in_w, targets, out_w).map_err(|e| CliError::bad(format!("demo data: {e}")))
}

fn default_plot() -> PathBuf {
    if Path::new("target").is_dir() {
        PathBuf::from("target").join("nn-demo-loss.svg")
    } else {
        PathBuf::from("nn-demo-loss.svg")
    }
}

/// BasicMotions' CI subset (UEA, 6 axes at 10 Hz, 4 activities; data/recordings), built in
/// so that the demo needs no file.
const BASICMOTIONS: &str = include_str!("../../../data/recordings/basicmotions_ci.csv");

/// 3. The on-device learner, run on the host exactly as the device runs it.
fn learner(out: &mut dyn Write) -> Result<(), CliError> {
    use nn_learn::classifier::Examples;
    use nn_learn::replay::GeneralNet;
    use nn_learn::sim::demo::Demo;

    outln!(
        out,
        "3. The on-device learner (firmware/learn), run here exactly as the device runs it (same code, same bits):"
    );
    let (net, score) =
        Demo::DEFAULT.reference().map_err(|e| CliError::bad(format!("demo: the gesture session: {e}")))?;
    let mut record = vec![0u8; nn_core::codec::encoded_len(&net)];
    let n = nn_core::codec::encode(&net, &mut record).map_err(|e| CliError::bad(format!("demo: {e}")))?;
    let crc = record.get(n.saturating_sub(4)..n).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    outln!(
        out,
        "   a) the simulated accelerometer (3 gestures, {} labelled windows, 6-10-3 network): held-out accuracy {} \
         on {} windows, model_crc 0x{crc:08x}",
        Demo::DEFAULT.train_windows,
        sig32(score.accuracy()),
        Demo::DEFAULT.test_windows
    );
    let rec = crate::recording::Recording::from_bytes(
        Path::new("data/recordings/basicmotions_ci.csv (built in)"),
        BASICMOTIONS.as_bytes(),
    )?;
    let (outcome, config) = super::replay::replay_with_defaults(&rec)?;
    outln!(out, "   b) a real recording, BasicMotions (smartwatch, people doing 4 activities; UEA archive):");
    let mut report = Vec::new();
    super::replay::print_report(&outcome, &config, &mut report)?;
    for line in String::from_utf8_lossy(&report).lines() {
        outln!(out, "      {line}");
    }
    const F: usize = nn_learn::features::FeatureSet::GENERAL.len(6);
    type Model = nn_core::Scaled<GeneralNet<F, 4>, [f32; F]>;
    let examples = std::mem::size_of::<Examples<F, 4, 60>>();
    let model = std::mem::size_of::<Model>();
    let adam = 4 * nn_core::train::work_len(<GeneralNet<F, 4> as nn_core::Network>::PARAMS, nn_core::Optimizer::ADAM);
    outln!(
        out,
        "      RAM of this learner on a device with 60 examples: examples {examples} B, model with scaling {model} B, \
         Adam state {adam} B, best-model copy {model} B (flash not yet measured per configuration)"
    );
    outln!(out, "   The same on the emulated Cortex-M4F, bit for bit: nn verify-device --recording data/recordings/basicmotions_ci.csv");
    outln!(out, "   Your own data: nn replay FILE (docs/recording-format.md); a board: firmware/README.md.");
    outln!(out);
    Ok(())
}

/// Runs the demo.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let started = Instant::now();
    let plot_path = args.plot.clone().unwrap_or_else(default_plot);
    output::check_writable(&plot_path)?;
    plot::Format::of(&plot_path)?;
    outln!(out, "nn demo: nn-core trains small networks on the host with the same kernels as the device.");
    outln!(out);

    // 1. XOR.
    let xor_x = [0.0f32, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let xor_t = [0.0f32, 1.0, 1.0, 0.0];
    let xor_data = samples(&xor_x, 2, &xor_t, 1)?;
    let layers = [(2, 4, Activation::Sigmoid), (4, 1, Activation::Sigmoid)];
    let mut xor = net(&layers, vec![0.0; 17])?;
    Init::Uniform { limit: 1.0 }.apply(&mut xor, &mut Rng::new(7));
    let epochs = 4000;
    outln!(out, "1. XOR, a 2-4-1 sigmoid network: weights uniform in ±1 (seed 7), per-sample SGD on half_sse,");
    outln!(out, "   learning rate 0.5, samples in order, {epochs} epochs.");
    let xor_history = train(&mut xor, &xor_data, TrainConfig::sgd(Loss::HalfSse, 0.5), epochs)?;
    outln!(out);
    outln!(out, "   {:>6}  {:>12}", "epoch", "mean loss");
    outln!(out, "   {:>6}  {:>12}", 0, sig32(xor_history.initial_loss));
    for r in xor_history.epochs.iter().filter(|r| [1, 10, 100, 500, 1000, 2000, 3000, 4000].contains(&r.epoch)) {
        outln!(out, "   {:>6}  {:>12}", r.epoch, sig32(r.train_loss()));
    }
    outln!(out);
    for line in plot::text_chart(&xor_history.losses(), 60, 8) {
        outln!(out, "   {line}");
    }
    outln!(out, "   {:>10}  epoch 1 {} epoch {epochs}", "", "─".repeat(44));
    outln!(out);
    outln!(out, "   the learned function:");
    outln!(out, "   {:>4} {:>4}  {:>8}  {:>8}", "x1", "x2", "target", "output");
    let mut scratch = vec![0.0f32; xor.scratch_len()];
    let mut correct = 0;
    for i in 0..xor_data.len() {
        let Some((x, t)) = xor_data.sample(i) else { break };
        let y = forward(&xor, x, &mut scratch).map_err(|e| CliError::bad(format!("demo: {e}")))?[0];
        let right = (y >= 0.5) == (t[0] >= 0.5);
        correct += usize::from(right);
        outln!(out, "   {:>4} {:>4}  {:>8}  {:>8}  {}", x[0], x[1], t[0], sig32(y), if right { "✓" } else { "✗" });
    }
    outln!(out, "   {correct} of 4 right (output thresholded at 0.5)");
    outln!(out);

    // 2. The documents' examples, trained by the same code.
    outln!(
        out,
        "2. The seed documents' examples, trained by the same code (nn example NAME replays each step by step):"
    );
    let mut house = net(&[(2, 1, Activation::Identity)], vec![0.5, -0.3, 0.2])?;
    let house_data = samples(&[1.0, 1.0], 2, &[3.0], 1)?;
    let h = train(&mut house, &house_data, TrainConfig::sgd(Loss::Sse, 0.1), 3)?;
    let y =
        forward(&house, &[1.0, 1.0], &mut vec![0.0; house.scratch_len()]).map_err(|e| CliError::bad(e.to_string()))?[0];
    outln!(
        out,
        "   000 house price, 3 steps:      ŷ = {}, loss {} → {}   (the document prints 2.96 and 0.0016 ✗)",
        sig32(y),
        sig32(h.initial_loss),
        sig32(h.epochs.last().map_or(f32::NAN, |r| r.train_loss()))
    );
    let mut line = net(&[(1, 1, Activation::Identity)], vec![1.0, 1.0])?;
    let line_data = samples(&[2.0, -1.0], 1, &[1.0, -5.0], 1)?;
    train(&mut line, &line_data, TrainConfig::sgd(Loss::Sse, 0.1), 19)?;
    outln!(
        out,
        "   001 y = wx + b, 19 epochs:     w = {}, b = {}   (the true line is y = 2x − 3)",
        sig32(line.params()[0]),
        sig32(line.params()[1])
    );
    let mazur_params = vec![0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.6];
    let mazur_layers = [(2, 2, Activation::Sigmoid), (2, 2, Activation::Sigmoid)];
    let mazur_data = samples(&[0.05, 0.10], 2, &[0.01, 0.99], 2)?;
    let frozen = TrainConfig { biases: Biases::Frozen, ..TrainConfig::sgd(Loss::HalfSse, 0.5) };
    let mut mazur = net(&mazur_layers, mazur_params.clone())?;
    let one = train(&mut mazur, &mazur_data, frozen, 1)?;
    outln!(
        out,
        "   004 Mazur 2-2-2, 1 step:       E {} → {}",
        sig32(one.initial_loss),
        sig32(one.epochs.last().map_or(f32::NAN, |r| r.train_loss()))
    );
    let mut mazur = net(&mazur_layers, mazur_params)?;
    let long = train(&mut mazur, &mazur_data, frozen, 10_000)?;
    outln!(
        out,
        "   004 Mazur 2-2-2, 10,000 steps: E {} in the 10,000th forward pass (Mazur publishes 0.0000351085)",
        sig32(long.epochs.last().map_or(f32::NAN, |r| r.loss))
    );
    outln!(out);
    learner(out)?;

    plot::loss_plot(
        &plot_path,
        "nn demo: loss per epoch",
        &[
            plot::Series { name: "XOR 2-4-1 (half_sse)", losses: &xor_history.losses() },
            plot::Series { name: "Mazur 2-2-2 (half_sse)", losses: &long.losses() },
        ],
    )?;
    let shown = std::fs::canonicalize(&plot_path).unwrap_or(plot_path);
    outln!(out, "loss plot (XOR and Mazur, log scale): {}", shown.display());
    outln!(
        out,
        "done in {}. Next: nn example --list, nn init --help, nn train --help.",
        output::seconds(started.elapsed())
    );
    Ok(())
}
