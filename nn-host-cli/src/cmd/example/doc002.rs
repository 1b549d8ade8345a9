//! Document 002: the MSE of a table, and the 2-2-1 sigmoid network at x = (−2, 5).

use nn_core::{Activation, Loss};

use super::{f, layer_outputs, loss_and_gradient, network, pre_activations, Files, Page};
use crate::error::CliError;

const NET: [(usize, usize, Activation); 2] = [(2, 2, Activation::Sigmoid), (2, 1, Activation::Sigmoid)];
/// All weights 1, all biases 0, in nn-core's flat order: w1 w2 w3 w4 b1 b2 w5 w6 b3.
const PARAMS: [f32; 9] = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
const NAMES: [&str; 9] = ["w1", "w2", "w3", "w4", "b1", "b2", "w5", "w6", "b3"];

/// The command that reproduces the example from its files.
const NETWORK_COMMAND: &str = "nn gradcheck --model {model} --data {data} --loss sse";

/// The files: `nn gradcheck` shows the same gradient.
pub fn network_files() -> Result<Files, CliError> {
    Files::new("doc002", &NET, &PARAMS, "weight,height,gender\n-2,5,1\n", NETWORK_COMMAND)
}

/// The table's MSE, then the forward pass and the chain rule.
pub fn chain_rule(page: &mut Page) -> Result<(), CliError> {
    page.line("Part 1 (L8–L15): predictions ŷ = 0, 0, 0, 0 for the labels y = 1, 1, 0, 0.")?;
    let (z, o, t) = ([0.0f32; 4], [0.0f32; 4], [1.0f32, 1.0, 0.0, 0.0]);
    page.line(format!(
        "MSE = ¼ Σ (y − ŷ)² = ¼ (1 + 1 + 0 + 0) = {} (nn-core's mse over the four predictions)",
        f(Loss::Mse.value(&z, &o, &t))
    ))?;
    page.wrong(
        "L15",
        "MSE = ¼ (1 + 1 + 0 + 1) = 0.5",
        "the last term is (0 − 0)² = 0; the printed sum would be 0.75. The result 0.5 is right",
    )?;
    page.minor("L3", "\"MES\" means MSE")?;
    page.blank()?;
    page.line("Part 2 (L54–L73): a 2-2-1 network, sigmoid f in both layers, every weight 1, every bias 0;")?;
    page.line("input x1 = −2 (weight), x2 = 5 (height), label y = 1; loss L = (1 − ŷ1)² (nn-core's sse).")?;
    let net = network(&NET, &PARAMS)?;
    let x = [-2.0f32, 5.0];
    let a = layer_outputs(&net, &x)?;
    let z0 = pre_activations(&net, 0, &x)?;
    let z1 = pre_activations(&net, 1, &a[0])?;
    let (h1, o1) = (a[0][0], a[1][0]);
    page.line(format!("h1 = f(w1·x1 + w2·x2 + b1) = f({}) = {}", f(z0[0]), f(h1)))?;
    page.minor("L67", "the document prints h1 = 0.952: truncated; rounded it is 0.953 (0.9526 to 4 places)")?;
    page.line(format!("h2 = f(w3·x1 + w4·x2 + b2) = f({}) = {}", f(z0[1]), f(a[0][1])))?;
    page.line(format!("o1 = ŷ1 = f(w5·h1 + w6·h2 + b3) = f({}) = {}", f(z1[0]), f(o1)))?;
    page.wrong(
        "L73",
        "o1 = f(0.952 + 0.952 + 0) = 0.721",
        format!("f(h1 + h2) = f({}) = {}; 0.721 is f(0.952), the sigmoid of one h instead of the sum", f(z1[0]), f(o1)),
    )?;
    page.minor("L60–L62", "the table's ŷ1 = 0 is left over from part 1; this forward pass gives ŷ1 = o1")?;
    let (loss, g) = loss_and_gradient(&net, &x, &[1.0], Loss::Sse)?;
    page.line(format!("L = (1 − o1)² = {}", f(loss)))?;
    page.blank()?;
    page.line("Chain rule (L51): ∂L/∂w1 = ∂L/∂ŷ1 · ∂ŷ1/∂h1 · ∂h1/∂w1, each factor from nn-core's kernels:")?;
    let mut dl = [0.0f32];
    Loss::Sse.delta(Activation::Identity, &[o1], &[1.0], &mut dl);
    page.line(format!("  ∂L/∂ŷ1 = −2(1 − ŷ1) = {}", f(dl[0])))?;
    page.minor("L31", "the document writes ∂L/∂y1, the derivative by the label; it means ∂L/∂ŷ1")?;
    let mut dy_dh1 = [PARAMS[6]];
    Activation::Sigmoid.backward(&[o1], &mut dy_dh1);
    page.line(format!("  ∂ŷ1/∂h1 = w5·f′(w5·h1 + w6·h2 + b3) = w5·o1(1 − o1) = {}", f(dy_dh1[0])))?;
    let mut dh1_dw1 = [x[0]];
    Activation::Sigmoid.backward(&[h1], &mut dh1_dw1);
    page.line(format!("  ∂h1/∂w1 = x1·f′(w1·x1 + w2·x2 + b1) = x1·h1(1 − h1) = {}", f(dh1_dw1[0])))?;
    page.wrong(
        "L41",
        "∂h1/∂w1 = w1·f′(w1x1 + w2x2 + b1)",
        format!(
            "∂(w1x1 + w2x2 + b1)/∂w1 = x1, so the factor is x1 = −2, not w1; with w1 (= 1 here) the product would \
             be {}, which is ∂L/∂b1",
            f(g[4])
        ),
    )?;
    page.line(format!("  ∂L/∂w1 = {} (nn-core's backprop)", f(g[0])))?;
    page.line("All nine gradients (nn-core's backprop):")?;
    let cells: Vec<String> = NAMES.iter().zip(&g).map(|(n, v)| format!("∂L/∂{n} = {}", f(*v))).collect();
    for chunk in cells.chunks(3) {
        page.line(format!("  {}", chunk.join("   ")))?;
    }
    page.minor(
        "L42 vs L56–L58",
        format!(
            "the text calls x1 height and x2 weight, but the table and the forward pass use x1 = −2 (weight); \
             with x1 = 5, ∂L/∂w1 would be {} (here ∂L/∂w2)",
            f(g[1])
        ),
    )?;
    Ok(())
}
