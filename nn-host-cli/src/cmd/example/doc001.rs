//! Document 001: ŷ = wx + b on the two samples (2, 1) and (−1, −5).

use nn_core::data::Dataset;
use nn_core::train::{evaluate, work_len};
use nn_core::{forward, sgd_step, Activation, Loss, Model, Optimizer, SgdConfig, TrainConfig, Trainer};

use super::{core, f, loss_and_gradient, network, Files, Page};
use crate::error::CliError;

const LINE: [(usize, usize, Activation); 1] = [(1, 1, Activation::Identity)];
const DATA: [([f32; 1], [f32; 1]); 2] = [([2.0], [1.0]), ([-1.0], [-5.0])];

/// The command that reproduces the example from its files.
const LINE_COMMAND: &str = "nn train --model {model} --data {data} --loss sse --optimizer sgd --lr 0.1 --epochs 19 \
     --batch-size 1 --no-shuffle --out {out}";

/// The files: 19 epochs of per-sample SGD recover y = 2x − 3.
pub fn line_files() -> Result<Files, CliError> {
    Files::new("line", &LINE, &[1.0, 1.0], "x,y\n2,1\n-1,-5\n", LINE_COMMAND)
}

/// The two steps of the document, then training to convergence.
pub fn line(page: &mut Page) -> Result<(), CliError> {
    page.line("ŷ = w·x + b, loss (ŷ − y)² (nn-core's sse), η = 0.1, start w = b = 1; samples (2, 1), then (−1, −5).")?;
    page.line("Both samples lie on y = 2x − 3.")?;
    page.blank()?;
    let mut net = network(&LINE, &[1.0, 1.0])?;
    let mut scratch = vec![0.0f32; net.scratch_len()];
    for (step, (x, t)) in DATA.iter().enumerate() {
        let y = forward(&net, x, &mut scratch).map_err(core)?[0];
        let (loss, g) = loss_and_gradient(&net, x, t, Loss::Sse)?;
        page.line(format!(
            "step {}: sample (x, y) = ({}, {}), w = {}, b = {}",
            step + 1,
            f(x[0]),
            f(t[0]),
            f(net.params()[0]),
            f(net.params()[1])
        ))?;
        // For an identity output, ∂loss/∂ŷ = ∂loss/∂b (∂ŷ/∂b = 1).
        page.line(format!(
            "  ŷ = {}, loss = {}, ∂loss/∂ŷ = {}, ∂loss/∂b = {}, ∂loss/∂w = ∂loss/∂ŷ·x = {}",
            f(y),
            f(loss),
            f(g[1]),
            f(g[1]),
            f(g[0])
        ))?;
        sgd_step(&mut net, (x, t), SgdConfig::new(Loss::Sse, 0.1), &mut scratch).map_err(core)?;
        page.line(format!(
            "  b ← b − 0.1·∂loss/∂b = {}, w ← w − 0.1·∂loss/∂w = {}",
            f(net.params()[1]),
            f(net.params()[0])
        ))?;
        if step == 0 {
            page.right("L95–L113", "ŷ = 3, loss = 4, ∂loss/∂ŷ = 4, ∂loss/∂b = 4, ∂loss/∂w = 8, b = 0.6, w = 0.2")?;
            let after = forward(&net, &x[..], &mut scratch).map_err(core)?[0];
            page.minor(
                "L115",
                format!(
                    "the document says ŷ went from 2.6 to 1 when w was updated: over the whole step ŷ(2) goes from \
                     3 to {}; 2.6 is w = 1 with the already-updated b = 0.6, a point gradient descent never visits \
                     (both parameters are updated together)",
                    f(after)
                ),
            )?;
            let mean = evaluate(&net, &DATA, Loss::Sse, &mut scratch).map_err(core)?;
            let (second_loss, _) = loss_and_gradient(&net, &DATA[1].0, &DATA[1].1, Loss::Sse)?;
            page.wrong(
                "L117",
                "\"y = 0.2x + 0.6 … the beginnings of overfitting\"",
                format!(
                    "this is not overfitting: the line does not fit the training data — on the second sample it \
                     predicts 0.4 for −5 (loss {}), and the mean training loss is {}",
                    f(second_loss),
                    f(mean)
                ),
            )?;
        } else {
            page.minor("L119–L120", "the document shows this step only as an image; these are its values")?;
        }
    }
    page.blank()?;
    page.line("Per-sample gradient descent over the same two samples, epoch by epoch (nn-core's Trainer):")?;
    let mut net = network(&LINE, &[1.0, 1.0])?;
    let config = TrainConfig::sgd(Loss::Sse, 0.1);
    let mut work = vec![0.0f32; work_len(net.param_count(), Optimizer::Sgd)];
    let mut trainer = Trainer::new(config, &net, &mut work).map_err(core)?;
    let mut order = vec![0u32; DATA.len()];
    page.line(format!("{:>6} {:>10} {:>10} {:>12}", "epoch", "w", "b", "mean loss"))?;
    let mut converged = None;
    for epoch in 1..=100u32 {
        trainer.epoch(&mut net, &DATA, &mut order, &mut scratch).map_err(core)?;
        let (w, b) = (net.params()[0], net.params()[1]);
        let mean = evaluate(&net, &DATA, Loss::Sse, &mut scratch).map_err(core)?;
        let close = (w - 2.0).abs() < 1e-3 && (b + 3.0).abs() < 1e-3;
        if matches!(epoch, 1 | 2 | 3 | 5 | 10 | 15) || close {
            page.line(format!("{epoch:>6} {:>10} {:>10} {:>12}", f(w), f(b), f(mean)))?;
        }
        if close {
            converged = Some(epoch);
            break;
        }
    }
    if let Some(epoch) = converged {
        page.line(format!("after {epoch} epochs w and b are within 0.001 of the true line y = 2x − 3"))?;
    }
    page.wrong(
        "L121",
        "\"so a large data set is a necessary condition for good predictions\"",
        "these two samples determine y = 2x − 3 exactly; what was missing was iterations, not data \
         (the error shrinks by 0.64 per epoch)",
    )?;
    Ok(())
}
