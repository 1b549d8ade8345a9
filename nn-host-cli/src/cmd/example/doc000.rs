//! Document 000: the house-price linear unit, the 2-2-1 sigmoid network on raw inputs,
//! and the Taylor/Hessian example.

use nn_core::check::{eigen_range, gradient_of, hessian_of, newton_step, taylor};
use nn_core::{forward, sgd_step, Activation, Loss, Model, SgdConfig};

use super::{core, f, layer_outputs, loss_and_gradient, network, pre_activations, Files, Page};
use crate::error::CliError;

const HOUSE: [(usize, usize, Activation); 1] = [(2, 1, Activation::Identity)];

/// The command that reproduces the example from its files.
const LINEAR_COMMAND: &str = "nn train --model {model} --data {data} --loss sse --optimizer sgd --lr 0.1 --epochs 3 \
     --batch-size 1 --no-shuffle --out {out}";

/// The linear unit's files: `nn train` reproduces the three iterations.
pub fn linear_files() -> Result<Files, CliError> {
    Files::new("house", &HOUSE, &[0.5, -0.3, 0.2], "x1,x2,y\n1,1,3\n", LINEAR_COMMAND)
}

/// Part A: ŷ = w1·x1 + w2·x2 + b, loss (y − ŷ)², three gradient steps.
pub fn linear(page: &mut Page) -> Result<(), CliError> {
    page.line("ŷ = w1·x1 + w2·x2 + b with x1 = x2 = 1 and target y = 3; start w1 = 0.5, w2 = −0.3, b = 0.2.")?;
    page.line("Loss (y − ŷ)² is nn-core's sse on one output; learning rate η = 0.1; one gradient step per iteration.")?;
    page.blank()?;
    let mut net = network(&HOUSE, &[0.5, -0.3, 0.2])?;
    let (x, t) = ([1.0f32, 1.0], [3.0f32]);
    page.line(format!(
        "{:>4} {:>9} {:>9} {:>9} {:>9} {:>11} {:>12}",
        "iter", "w1", "w2", "b", "ŷ", "loss", "∂loss/∂w1"
    ))?;
    let mut scratch = vec![0.0f32; net.scratch_len()];
    for iter in 0..=5 {
        let y = forward(&net, &x, &mut scratch).map_err(core)?[0];
        let (loss, grads) = loss_and_gradient(&net, &x, &t, Loss::Sse)?;
        page.line(format!(
            "{iter:>4} {:>9} {:>9} {:>9} {:>9} {:>11} {:>12}",
            f(net.params()[0]),
            f(net.params()[1]),
            f(net.params()[2]),
            f(y),
            f(loss),
            f(grads[0])
        ))?;
        match iter {
            0 => page.right("L37", "row 0: 0.5, −0.3, 0.2, 0.4, 6.76")?,
            1 => {
                page.right("L31–L32, L38", "w1, w2, b, ŷ = 1.02, 0.22, 0.72, 1.96")?;
                page.minor("L32, L38", "the document prints the loss as 1.08: 1.0816 rounded to two decimals")?;
            }
            2 => page.wrong(
                "L39",
                "w1, w2, b, ŷ, loss = 1.45, 0.65, 1.17, 2.60, 0.16",
                "the gradient at iteration 1 is 2(1.96 − 3) = −2.08, so each parameter gains 0.208; \
                 the printed row does not even add up (1.45 + 0.65 + 1.17 = 3.27, not 2.60)",
            )?,
            3 => page.wrong(
                "L40",
                "w1, w2, b, ŷ, loss = 1.68, 0.89, 1.43, 2.96, 0.0016",
                "the gradient is −0.832, so each parameter gains 0.0832; the printed row does not add up \
                 (1.68 + 0.89 + 1.43 = 4.00, not 2.96)",
            )?,
            _ => {}
        }
        sgd_step(&mut net, (&x, &t), SgdConfig::new(Loss::Sse, 0.1), &mut scratch).map_err(core)?;
    }
    page.wrong(
        "L41",
        "\"after 3 iterations ŷ = 2.96, loss 0.0016\"",
        "after 3 iterations ŷ = 2.8336 and the loss is 0.027689 (row 3 above)",
    )?;
    page.blank()?;
    page.line(
        "Why: every gradient is 2(ŷ − 3) because x1 = x2 = 1, and ŷ moves by three times each parameter's step,",
    )?;
    page.line("so each iteration multiplies the residual 3 − ŷ by 1 − 6η = 0.4 and the loss by 0.16 (see the rows).")?;
    page.line(
        "Gradient descent converges here for 0 < η < 1/3, and η = 1/6 solves the problem in one step (L44 is right",
    )?;
    page.line("that a too-large rate oscillates).")?;
    Ok(())
}

/// Part B: the 2-2-1 network with raw inputs x1 = 100, x2 = 5.
pub fn sigmoid(page: &mut Page) -> Result<(), CliError> {
    page.line("Hidden layer (sigmoid): neuron 1 weights 0.8, −0.2, bias 0.5; neuron 2 weights 0.5, −0.6, bias −0.3.")?;
    page.line(
        "Output (identity): y = b + c1·a1 + c2·a2 with c1 = 10, c2 = −8, b = 5. Input: area 100 m², age 5 years.",
    )?;
    page.minor("L69", "step 2 is titled 输出数据 (output data); it gives the input data 输入数据")?;
    page.blank()?;
    let net = network(
        &[(2, 2, Activation::Sigmoid), (2, 1, Activation::Identity)],
        &[0.8, -0.2, 0.5, -0.6, 0.5, -0.3, 10.0, -8.0, 5.0],
    )?;
    let x = [100.0f32, 5.0];
    let z = pre_activations(&net, 0, &x)?;
    let layers = layer_outputs(&net, &x)?;
    page.line(format!("z1 = 0.5 + 0.8·100 − 0.2·5 = {}    a1 = sigmoid(z1) = {}", f(z[0]), f(layers[0][0])))?;
    page.line(format!("z2 = −0.3 + 0.5·100 − 0.6·5 = {}   a2 = sigmoid(z2) = {}", f(z[1]), f(layers[0][1])))?;
    page.right("L76, L78", "z1 = 79.5, z2 = 46.7, both units almost fully active")?;
    page.line(format!("y = 5 + 10·a1 − 8·a2 = {}", f(layers[1][0])))?;
    page.right(
        "L80",
        "y = 7 (exactly 7 + 4.18e-20 in exact arithmetic, slightly more than 7; f32 and f64 both round to 7)",
    )?;
    page.blank()?;
    // ∂y/∂θ as nn-core's gradient of ½(y − t)² with t = y − 1, which is (y − t)·∂y/∂θ = ∂y/∂θ.
    let (_, dy) = loss_and_gradient(&net, &x, &[layers[1][0] - 1.0], Loss::HalfSse)?;
    page.line("The pitfall: on raw inputs both hidden units are saturated, so the network barely depends on them.")?;
    page.line(format!(
        "∂y/∂(hidden weights) = {}, {}, {}, {}; ∂y/∂c1 = {}, ∂y/∂c2 = {} (nn-core backprop in f32)",
        f(dy[0]),
        f(dy[1]),
        f(dy[2]),
        f(dy[3]),
        f(dy[6]),
        f(dy[7])
    ))?;
    page.minor(
        "L5–L6 vs L70–L72",
        "part A says the inputs are standardized, part B feeds raw 100 and 5: sigmoid′(79.5) = 3e-35 and \
         sigmoid′(46.7) = 5e-21, so y is 7 for every large house and gradient training of the hidden weights \
         stalls (∂y/∂w21 = −4.2e-18 in exact arithmetic, 0 in f32) — standardize the inputs first",
    )?;
    Ok(())
}

/// Document 000's quadratic L(θ) = θ1² + 2θ2² + θ1θ2.
fn quadratic_loss(t: &[f32]) -> f32 {
    t[0] * t[0] + 2.0 * t[1] * t[1] + t[0] * t[1]
}

/// Part C: gradient, Hessian, Taylor expansion, eigenvalues and a Newton step.
pub fn quadratic(page: &mut Page) -> Result<(), CliError> {
    page.line("L(θ) = θ1² + 2θ2² + θ1θ2, expanded at θ′ = (0, 0). Differences by nn_core::check with step 0.5,")?;
    page.line("which is exact for a quadratic.")?;
    page.blank()?;
    let mut at = [0.0f32, 0.0];
    let mut g = [0.0f32; 2];
    gradient_of(quadratic_loss, &mut at, 0.5, &mut g).map_err(core)?;
    let mut h = [0.0f32; 4];
    hessian_of(quadratic_loss, &mut at, 0.5, &mut h).map_err(core)?;
    page.line(format!("g = ∇L(θ′) = ({}, {})", f(g[0]), f(g[1])))?;
    page.right("L100", "g = [2θ1 + θ2, 4θ2 + θ1] = (0, 0) at θ′")?;
    page.line(format!("H = ∇²L(θ′) = [[{}, {}], [{}, {}]]", f(h[0]), f(h[1]), f(h[2]), f(h[3])))?;
    page.right("L102", "H = [[2, 1], [1, 4]]")?;
    page.blank()?;
    page.line("Second-order Taylor prediction L(θ′) + (θ − θ′)ᵀg + ½(θ − θ′)ᵀH(θ − θ′) against L(θ):")?;
    for theta in [[1.5f32, -0.5], [3.0, -2.0], [-0.25, 0.75]] {
        let predicted = taylor(quadratic_loss(&at), &g, &h, &theta);
        page.line(format!(
            "  θ = ({:>5}, {:>5}): prediction {:>8}, L(θ) {:>8}",
            f(theta[0]),
            f(theta[1]),
            f(predicted),
            f(quadratic_loss(&theta))
        ))?;
    }
    page.right("L105–L106", "½θᵀHθ = ½(2θ1² + 2θ1θ2 + 4θ2²) equals L: for a quadratic the expansion is exact")?;
    page.wrong(
        "L81, L87",
        "the first-order term as L(θ − θ′)g",
        "it is (θ − θ′)ᵀg, the gradient dotted with the step (L(θ − θ′) would be the loss at the difference \
         vector); the document's own example (L104) uses (θ − 0)ᵀg",
    )?;
    page.wrong(
        "L92, L94",
        "\"(θ − θ′)ᵀg is an n×1 vector … H is n×n (a scalar)\"",
        "(θ − θ′)ᵀg is (1×n)(n×1) = 1×1, a scalar; H is an n×n matrix",
    )?;
    page.wrong(
        "L93",
        "\"first-order term: (θ − θ′)g is 1×n·n×n·n×1 = 1×1\"",
        "that dimension chain belongs to the second-order term (θ − θ′)ᵀH(θ − θ′)",
    )?;
    page.blank()?;
    let mut work = h;
    let (lo, hi) = eigen_range(&mut work, 2).map_err(core)?;
    page.line(format!(
        "eigenvalues of H: {} and {} (3 ∓ √2): both positive, so H is positive definite and",
        f(lo),
        f(hi)
    ))?;
    page.line("θ′ = (0, 0), where g = 0, is the unique minimum, L = 0.")?;
    let mut theta = [3.0f32, -2.0];
    let mut gt = [0.0f32; 2];
    gradient_of(quadratic_loss, &mut theta, 0.5, &mut gt).map_err(core)?;
    let mut ht = [0.0f32; 4];
    hessian_of(quadratic_loss, &mut theta, 0.5, &mut ht).map_err(core)?;
    newton_step(&mut theta, &mut gt, &mut ht).map_err(core)?;
    page.line(format!(
        "one Newton step θ − H⁻¹∇L(θ) from (3, −2) lands on ({}, {}), where L = {}",
        f(theta[0]),
        f(theta[1]),
        f(quadratic_loss(&theta))
    ))?;
    Ok(())
}
