//! Document 003: `update_weights`, the forward-difference gradient, against backprop, on
//! document 004's 2-2-2 network (the document's own numbers were lost with its images).

use nn_core::check::{numeric_gradient, Differences};
use nn_core::train::dataset_gradient;
use nn_core::{Loss, Model};

use super::doc004::{mazur_network, MAZUR_DATA};
use super::{core, f, Page};
use crate::error::CliError;
use crate::output::sig;

/// Numeric differences at several steps, then one `update_weights` step.
pub fn differences(page: &mut Page) -> Result<(), CliError> {
    page.line("update_weights (L56–L57) perturbs one weight at a time by ε = 0.0001 and takes")?;
    page.line("(L(w + ε) − L(w)) / ε: a forward difference. Shown here on document 004's network (Mazur's 2-2-2,")?;
    page.line("E = ½Σ(o − t)²), for w5, the first weight of the output layer, in f32:")?;
    page.blank()?;
    let mut net = mazur_network()?;
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let p = net.param_count();
    let mut analytic = vec![0.0f32; p];
    dataset_gradient(&net, &MAZUR_DATA, Loss::HalfSse, &mut scratch, &mut analytic).map_err(core)?;
    const W5: usize = 6;
    page.line(format!("backprop: ∂E/∂w5 = {}", f(analytic[W5])))?;
    page.line(format!("{:>8} {:>14} {:>12} {:>14} {:>12}", "ε", "forward", "error", "central", "error"))?;
    let mut numeric = vec![0.0f32; p];
    for eps in [1e-1f32, 1e-2, 1e-3, 1e-4] {
        numeric_gradient(&mut net, &MAZUR_DATA, Differences::forward(Loss::HalfSse, eps), &mut scratch, &mut numeric)
            .map_err(core)?;
        let forward = numeric[W5];
        numeric_gradient(&mut net, &MAZUR_DATA, Differences::central(Loss::HalfSse, eps), &mut scratch, &mut numeric)
            .map_err(core)?;
        let central = numeric[W5];
        let err = |v: f32| sig(f64::from(v) - f64::from(analytic[W5]), 2);
        page.line(format!("{eps:>8} {:>14} {:>12} {:>14} {:>12}", f(forward), err(forward), f(central), err(central)))?;
    }
    page.line("The forward difference's error shrinks like ε (truncation, ε/2·∂²E/∂w5²) until f32 round-off in E")?;
    page.line("(about 3e-8 here) divided by ε takes over; the central difference's truncation error shrinks like ε².")?;
    page.right(
        "L56–L57",
        "a forward difference with ε = 0.0001 is a correct numerical gradient in float64 (numpy): 0.0821664294 \
         against backprop's 0.0821670406, an error of −6.1e-7 = ε/2·∂²E/∂w5²; in f32 the best ε is larger (about 1e-3 \
         here), or use central differences (nn gradcheck --method central)",
    )?;
    page.blank()?;
    page.line("One update_weights step (η = 0.5, ε = 0.001): every partial derivative taken at the original weights, then all")?;
    page.line("weights moved together — the same as one step of gradient descent with backprop's gradient:")?;
    numeric_gradient(&mut net, &MAZUR_DATA, Differences::forward(Loss::HalfSse, 1e-3), &mut scratch, &mut numeric)
        .map_err(core)?;
    let mut by_difference = net.clone();
    let mut by_backprop = net.clone();
    for (net, grads) in [(&mut by_difference, &numeric), (&mut by_backprop, &analytic)] {
        net.params_mut().iter_mut().zip(grads.iter()).for_each(|(w, g)| *w -= 0.5 * g);
    }
    let names = ["w1", "w2", "w3", "w4", "b1", "b1", "w5", "w6", "w7", "w8", "b2", "b2"];
    page.line(format!("{:>6} {:>14} {:>14}", "", "differences", "backprop"))?;
    for k in [0, 3, 6, 9] {
        page.line(format!("{:>6} {:>14} {:>14}", names[k], f(by_difference.params()[k]), f(by_backprop.params()[k])))?;
    }
    page.right("L56–L60", "update_weights writes to updated_weights from a fresh copy each time: a simultaneous step")?;
    page.blank()?;
    page.wrong(
        "L4",
        "\"the more complex the function, the better the fit and the more accurate the predictions\"",
        "more capacity fits the training data better; predictions on new data can get worse (overfitting)",
    )?;
    page.minor(
        "L15–L37",
        "the formulas (MSE, binary and categorical cross-entropy, the update W ← W − k·∂L/∂W) were images and are \
         lost; nn-core calls the losses mse, bce and softmax_ce",
    )?;
    page.minor("L46", "the numpy code lost its line breaks (\"import numpy as npdef feed_forward…\")")?;
    Ok(())
}
