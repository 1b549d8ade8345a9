//! `nn hessian`: the Hessian of the mean loss with respect to the parameters (nn-core's
//! central differences of the backprop gradient), its eigenvalue range (nn-core's Jacobi
//! rotations), and a check of the second-order Taylor prediction at a small random
//! displacement.

use std::io::Write;

use nn_core::check::{eigen_range, hessian, taylor, Differences};
use nn_core::init::Rng;
use nn_core::train::{dataset_gradient, evaluate};
use nn_core::Model;
use serde::Serialize;

use crate::cmd::gradcheck::check_difference_step;
use crate::cmd::train::samples_text;
use crate::error::CliError;
use crate::options::{self, Supervised};
use crate::outln;
use crate::output::{sig, sig32};

/// Most parameters (the Hessian has P² entries and costs 2P gradients over the data).
pub const MAX_PARAMS: usize = 2048;
/// Largest Hessian printed in full by the text output.
const MAX_PRINTED: usize = 12;

/// The shared arguments' help, as `nn hessian` words it.
const HELP: &[(&str, &str)] = &[("loss", "The per-sample loss (the Hessian of the mean over the samples is taken)")];

/// Arguments of `nn hessian`.
#[derive(Debug, clap::Args)]
#[command(mut_args(options::reword(HELP)))]
pub struct Args {
    /// The model, the data set and the loss.
    #[command(flatten)]
    pub input: Supervised,
    /// The difference step for the Hessian.
    #[arg(long, default_value = "0.001", value_parser = options::positive_f32, allow_hyphen_values = true)]
    pub eps: f32,
    /// Largest component of the random displacement d of the Taylor check.
    #[arg(long, default_value = "0.01", value_parser = options::positive_f32, allow_hyphen_values = true)]
    pub step: f32,
    /// Seed of the random displacement.
    #[arg(long, default_value = "0", value_parser = options::seed, allow_hyphen_values = true)]
    pub seed: u32,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Eigenvalues {
    min: f32,
    max: f32,
    /// The Hessian's error estimate ‖(H − Hᵀ)/2‖_F: eigenvalues within it of 0 are not
    /// told apart from 0.
    error: f32,
}

#[derive(Serialize)]
struct TaylorCheck {
    step: f32,
    seed: u32,
    loss_at_displacement: f32,
    first_order: f32,
    second_order: f32,
    first_order_error: f32,
    second_order_error: f32,
}

#[derive(Serialize)]
struct Report {
    loss: f32,
    params: usize,
    gradient: Vec<f32>,
    hessian: Vec<Vec<f32>>,
    eigenvalues: Eigenvalues,
    curvature: &'static str,
    taylor: TaylorCheck,
}

/// What the eigenvalues say about the loss surface here, given the Hessian's error
/// estimate `error`: an eigenvalue within it of zero is not called positive or negative.
fn curvature(min: f32, max: f32, error: f32) -> &'static str {
    // Round-off of the eigenvalue computation itself, for an exact (error 0) Hessian.
    let error = error.max(1e-6 * min.abs().max(max.abs())).max(f32::MIN_POSITIVE);
    if min > error {
        "positive definite: curved upward in every direction (a minimum if the gradient is zero)"
    } else if min >= -error && max > error {
        "positive semidefinite within error: no eigenvalue is negative by more than the Hessian's error estimate"
    } else if min >= -error {
        "zero within error: no eigenvalue is told apart from 0"
    } else if max > error {
        "indefinite: curved up in some directions and down in others (a saddle if the gradient is zero)"
    } else {
        "negative semidefinite within error: curved downward"
    }
}

/// Computes and prints.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let (model, data) = args.input.load()?;
    let mut net = model.network()?;
    let p = net.param_count();
    if p > MAX_PARAMS {
        return Err(CliError::bad(format!(
            "{}: the model has {p} parameters; nn hessian handles at most {MAX_PARAMS} (the Hessian has P² entries)",
            args.input.files.model.display()
        )));
    }
    if let Some(row) = crate::metrics::first_non_finite(&net, &data, Some(args.input.loss)) {
        return Err(row.error(&args.input.files.model, &data));
    }
    check_difference_step("--eps", args.eps, &model.specs, &model.params)?;
    let samples = data.samples()?;
    let fit = |e: nn_core::Error| {
        CliError::bad(format!(
            "{} and {} do not fit together: {e}",
            args.input.files.model.display(),
            args.input.files.set.data.display()
        ))
    };
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let mut g = vec![0.0f32; p];
    let f0 = dataset_gradient(&net, &samples, args.input.loss, &mut scratch, &mut g).map_err(fit)?;
    // P × P for the Hessian and one row of work space.
    let mut h = vec![0.0f32; (p + 1) * p];
    let error = hessian(&mut net, &samples, Differences::central(args.input.loss, args.eps), &mut scratch, &mut h)
        .map_err(fit)?;
    h.truncate(p * p);
    let mut work = h.clone();
    let (min, max) = eigen_range(&mut work, p).map_err(|e| CliError::bad(format!("no eigenvalues: {e}")))?;

    // Taylor check: L(θ + d) against L + gᵀd and L + gᵀd + ½dᵀHd.
    let mut rng = Rng::new(args.seed);
    let d: Vec<f32> = (0..p).map(|_| rng.range(-args.step, args.step)).collect();
    let displaced: Vec<f32> = net.params().iter().zip(&d).map(|(t, d)| t + d).collect();
    // The displaced model keeps the model's input-scaling stage: only θ moves.
    let mut moved = net.clone();
    moved.params_mut().copy_from_slice(&displaced);
    let actual = evaluate(&moved, &samples, args.input.loss, &mut scratch).map_err(fit)?;
    let zero = vec![0.0f32; p * p];
    let first = taylor(f0, &g, &zero, &d);
    let second = taylor(f0, &g, &h, &d);
    if !(actual.is_finite() && first.is_finite() && second.is_finite()) {
        return Err(CliError::bad(format!(
            "--step {}: the Taylor check overflows f32 (L(θ + d) = {}, first order {}, second order {}); expected \
             a smaller --step, such as the default 0.01",
            sig32(args.step),
            sig32(actual),
            sig32(first),
            sig32(second)
        )));
    }
    let check = TaylorCheck {
        step: args.step,
        seed: args.seed,
        loss_at_displacement: actual,
        first_order: first,
        second_order: second,
        first_order_error: (actual - first).abs(),
        second_order_error: (actual - second).abs(),
    };

    if args.json {
        let report = Report {
            loss: f0,
            params: p,
            gradient: g,
            hessian: h.chunks(p).map(<[f32]>::to_vec).collect(),
            eigenvalues: Eigenvalues { min, max, error },
            curvature: curvature(min, max, error),
            taylor: check,
        };
        let text = serde_json::to_string(&report).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
        return Ok(());
    }
    outln!(
        out,
        "Hessian of the mean {} loss of {} ({}) on {} ({}), by central differences of the backprop gradient (ε = {})",
        args.input.loss.name(),
        args.input.files.model.display(),
        model.describe(),
        args.input.files.set.data.display(),
        samples_text(data.len()),
        args.eps
    );
    outln!(out, "loss {}", sig32(f0));
    if p <= MAX_PRINTED {
        outln!(
            out,
            "H ({p} × {p}, parameters in the model file's order: each layer's weights row by row, then its biases):"
        );
        for row in h.chunks(p) {
            let cells: Vec<String> = row.iter().map(|&v| format!("{:>11}", sig32(v))).collect();
            outln!(out, "  {}", cells.join(" "));
        }
    } else {
        outln!(out, "H is {p} × {p} (use --json for the entries)");
    }
    outln!(
        out,
        "eigenvalues from {} to {}, each within about {} (the Hessian's error estimate, ‖(H − Hᵀ)/2‖ before \
         symmetrising): {}",
        sig32(min),
        sig32(max),
        sig32(error),
        curvature(min, max, error)
    );
    outln!(out);
    outln!(out, "Taylor check at a random displacement d (every |d_i| ≤ {}, seed {}):", args.step, args.seed);
    outln!(out, "  L(θ + d)                       {}", sig32(actual));
    outln!(
        out,
        "  L(θ) + gᵀd                     {}   error {}",
        sig32(first),
        sig(f64::from(check.first_order_error), 3)
    );
    outln!(
        out,
        "  L(θ) + gᵀd + ½ dᵀHd            {}   error {}",
        sig32(second),
        sig(f64::from(check.second_order_error), 3)
    );
    if check.second_order_error <= check.first_order_error {
        outln!(out, "✓ the second-order term brings the prediction closer, as it should for a small d");
    } else {
        outln!(
            out,
            "! the second-order prediction is not closer: d may be too large (--step) or f32 round-off dominates"
        );
    }
    Ok(())
}
