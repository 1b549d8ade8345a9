//! `nn gradcheck`: backprop's gradient of the mean loss over the whole data set against
//! numeric differences of the same loss, both from nn-core ([`gradient_check`]).

use std::io::Write;

use nn_core::check::{gradient_check, tolerance_ratio, Difference, Differences};
use nn_core::{LayerSpec, Model};
use serde::Serialize;

use crate::cmd::train::samples_text;
use crate::error::CliError;
use crate::options::{self, Supervised};
use crate::outln;
use crate::output::{sig, sig32};

/// Most rows printed in the text table (the largest differences first beyond this).
const MAX_ROWS: usize = 40;

/// How the numeric derivative is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// (L(θ + ε) − L(θ − ε)) / 2ε: error O(ε²).
    Central,
    /// (L(θ + ε) − L(θ)) / ε: document 003's update_weights, error O(ε).
    Forward,
}

/// The shared arguments' help, as `nn gradcheck` words it.
const HELP: &[(&str, &str)] = &[("loss", "The per-sample loss (the mean over the samples is differentiated)")];

/// Arguments of `nn gradcheck`.
#[derive(Debug, clap::Args)]
#[command(mut_args(options::reword(HELP)))]
pub struct Args {
    /// The model, the data set and the loss.
    #[command(flatten)]
    pub input: Supervised,
    /// How the numeric derivative is taken.
    #[arg(long, value_enum, default_value_t = Method::Central)]
    pub method: Method,
    /// The difference step ε.
    #[arg(long, default_value = "0.001", value_parser = options::positive_f32, allow_hyphen_values = true)]
    pub eps: f32,
    /// Absolute tolerance [default: the rounding bound of an f32 difference quotient,
    /// λ(√n + √m + 4)·u·(|L₊| + |L₋|)/span: n samples, m the longest sum of the forward
    /// pass, u = 2⁻²⁴, λ = 4, span 2·eps (central) or eps (forward)].
    #[arg(long, value_parser = options::non_negative_f32, allow_hyphen_values = true)]
    pub atol: Option<f32>,
    /// Relative tolerance [default: 0.01 for central, 0.05 for forward differences].
    #[arg(long, value_parser = options::non_negative_f32, allow_hyphen_values = true)]
    pub rtol: Option<f32>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One layer's values in the model file's layout.
#[derive(Debug, Serialize)]
pub struct LayerValues {
    /// One row per neuron, one value per input.
    pub weights: Vec<Vec<f32>>,
    /// One value per neuron.
    pub biases: Vec<f32>,
}

/// Splits a flat run (nn-core's parameter order) into layers.
pub fn by_layer(specs: &[LayerSpec], flat: &[f32]) -> Vec<LayerValues> {
    let mut rest = flat;
    let mut layers = Vec::with_capacity(specs.len());
    for s in specs {
        let n = (s.inputs * s.outputs).min(rest.len());
        let (w, tail) = rest.split_at(n);
        let m = s.outputs.min(tail.len());
        let (b, tail) = tail.split_at(m);
        layers.push(LayerValues {
            weights: w.chunks(s.inputs.max(1)).map(<[f32]>::to_vec).collect(),
            biases: b.to_vec(),
        });
        rest = tail;
    }
    layers
}

/// The name of flat parameter `k`: `layers[1].weights[0][2]` or `layers[0].biases[1]`.
pub fn param_name(specs: &[LayerSpec], k: usize) -> String {
    let mut k = k;
    for (l, s) in specs.iter().enumerate() {
        let w = s.inputs * s.outputs;
        if k < w {
            return format!("layers[{l}].weights[{}][{}]", k / s.inputs, k % s.inputs);
        }
        if k < w + s.outputs {
            return format!("layers[{l}].biases[{}]", k - w);
        }
        k -= w + s.outputs;
    }
    format!("parameter {k}")
}

/// Fails (exit 2) when the difference step `eps` of `flag` is lost in rounding next to
/// some parameter (θ ± ε = θ in f32, so that parameter's numeric derivative would be 0)
/// or moves it out of the f32 range.
pub fn check_difference_step(flag: &str, eps: f32, specs: &[LayerSpec], params: &[f32]) -> Result<(), CliError> {
    for (k, &theta) in params.iter().enumerate() {
        let (up, down) = (theta + eps, theta - eps);
        let why = if !up.is_finite() || !down.is_finite() {
            format!("{} ± {eps:?} overflows f32; expected a smaller {flag}", sig32(theta))
        } else if up == theta || down == theta {
            format!("in f32, {} ± {eps:?} = {}; expected a larger {flag}", sig32(theta), sig32(theta))
        } else {
            continue;
        };
        return Err(CliError::bad(format!("{flag} {eps:?} cannot move {} ({why})", param_name(specs, k))));
    }
    Ok(())
}

#[derive(Serialize)]
struct Report {
    loss: f32,
    method: &'static str,
    eps: f32,
    analytic: Vec<LayerValues>,
    numeric: Vec<LayerValues>,
    max_abs_diff: f32,
    max_rel_diff: f32,
    worst: String,
    /// Largest |diff| / (atol + rtol·max(|analytic|, |numeric|)): the verdict is ≤ 1.
    max_tolerance_ratio: f32,
    atol: f32,
    rtol: f32,
    /// The parameters whose difference step crosses a kink, left out of the figures.
    kink_crossed: Vec<String>,
    agrees: bool,
}

/// Checks and prints; fails with exit code 1 when the gradients disagree.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let (model, data) = args.input.load()?;
    let mut net = model.network()?;
    if let Some(row) = crate::metrics::first_non_finite(&net, &data, Some(args.input.loss)) {
        return Err(row.error(&args.input.files.model, &data));
    }
    check_difference_step("--eps", args.eps, &model.specs, &model.params)?;
    let samples = data.samples()?;
    let count = net.param_count();
    let mut grads = vec![0.0f32; 2 * count];
    let mut crossed = vec![false; count];
    // Two passes' worth: the two evaluation points, compared unit by unit for kinks.
    let mut scratch = vec![0.0f32; 2 * net.scratch_len()];
    let difference = match args.method {
        Method::Central => Difference::Central,
        Method::Forward => Difference::Forward,
    };
    let how = Differences { loss: args.input.loss, method: difference, epsilon: args.eps };
    let agreement = gradient_check(&mut net, &samples, how, &mut scratch, &mut grads, &mut crossed).map_err(|e| {
        CliError::bad(format!(
            "{} and {} do not fit together: {e}",
            args.input.files.model.display(),
            args.input.files.set.data.display()
        ))
    })?;
    let (analytic, numeric) = grads.split_at(count);
    let atol = args.atol.unwrap_or(agreement.rounding);
    let rtol = args.rtol.unwrap_or(match args.method {
        Method::Central => 0.01,
        Method::Forward => 0.05,
    });
    let ratio = |k: usize| tolerance_ratio(analytic[k], numeric[k], atol, rtol);
    // The verdict's own figure, over the parameters whose step crosses no kink.
    let (max_ratio, ratio_at) = (0..count)
        .filter(|&k| !crossed[k])
        .map(|k| (ratio(k), k))
        .fold((0.0f32, agreement.worst), |(m, at), (r, k)| if r > m || r.is_nan() { (r, k) } else { (m, at) });
    let ok = max_ratio <= 1.0 && agreement.max_abs.is_finite();
    let kinks: Vec<String> = (0..count).filter(|&k| crossed[k]).map(|k| param_name(&model.specs, k)).collect();
    let method = match args.method {
        Method::Central => "central",
        Method::Forward => "forward",
    };
    let worst = param_name(&model.specs, agreement.worst);
    if args.json {
        let report = Report {
            loss: agreement.loss,
            method,
            eps: args.eps,
            analytic: by_layer(&model.specs, analytic),
            numeric: by_layer(&model.specs, numeric),
            max_abs_diff: agreement.max_abs,
            max_rel_diff: agreement.max_rel,
            worst: worst.clone(),
            max_tolerance_ratio: max_ratio,
            atol,
            rtol,
            kink_crossed: kinks.clone(),
            agrees: ok,
        };
        let text = serde_json::to_string(&report).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
    } else {
        outln!(
            out,
            "gradient check of {} ({}) on {} ({}): mean {} loss {}",
            args.input.files.model.display(),
            model.describe(),
            args.input.files.set.data.display(),
            samples_text(data.len()),
            args.input.loss.name(),
            sig32(agreement.loss)
        );
        outln!(
            out,
            "{method} differences with ε = {}; tolerance |analytic − numeric| ≤ {} + {}·max(|analytic|, |numeric|)",
            args.eps,
            sig32(atol),
            rtol
        );
        outln!(out);
        let mut rows: Vec<usize> = (0..count).filter(|&k| !crossed[k]).collect();
        if rows.len() > MAX_ROWS {
            rows.sort_by(|&a, &b| ratio(b).total_cmp(&ratio(a)));
            rows.truncate(MAX_ROWS / 2);
            outln!(
                out,
                "the {} parameters nearest their tolerance, of {} whose step crosses no kink:",
                rows.len(),
                count - kinks.len()
            );
        }
        outln!(out, "{:<28} {:>14} {:>14} {:>10}", "parameter", "analytic", "numeric", "|diff|");
        for k in rows {
            let diff = (analytic[k] - numeric[k]).abs();
            let flag = if ratio(k) <= 1.0 { "" } else { "  ✗" };
            outln!(
                out,
                "{:<28} {:>14} {:>14} {:>10}{flag}",
                param_name(&model.specs, k),
                sig32(analytic[k]),
                sig32(numeric[k]),
                sig(f64::from(diff), 2)
            );
        }
        outln!(out);
        if !kinks.is_empty() {
            const LISTED: usize = 10;
            let more = kinks.len().saturating_sub(LISTED);
            outln!(
                out,
                "{} of {count} parameters left out: their ±ε step crosses a relu, leaky relu or step kink for some \
                 sample, so a difference quotient is no derivative there: {}{}",
                kinks.len(),
                kinks[..kinks.len().min(LISTED)].join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            );
        }
        outln!(
            out,
            "over the other {} parameters: max |diff| {} at {worst}; max relative diff {}; largest \
             |diff| / tolerance {} at {} (at most 1 agrees)",
            count - kinks.len(),
            sig(f64::from(agreement.max_abs), 3),
            sig(f64::from(agreement.max_rel), 3),
            sig(f64::from(max_ratio), 3),
            param_name(&model.specs, ratio_at)
        );
        if ok {
            outln!(out, "✓ backprop agrees with {method} differences");
        }
    }
    if !ok {
        return Err(CliError::Disagree(format!(
            "backprop and {method} differences disagree: |diff| at {} is {} times the tolerance ({} + \
             {}·max(|analytic|, |numeric|))",
            param_name(&model.specs, ratio_at),
            sig(f64::from(max_ratio), 3),
            sig32(atol),
            rtol
        )));
    }
    Ok(())
}
