//! `nn eval`: the mean loss of a model over a data set, and the accuracy for classifiers.

use std::io::Write;

use nn_core::train::evaluate;
use nn_core::Model;
use serde::Serialize;

use crate::cmd::train::samples_text;
use crate::error::CliError;
use crate::options::{self, Supervised};
use crate::output::sig32;
use crate::{metrics, outln};

/// The shared arguments' help, as `nn eval` words it.
const HELP: &[(&str, &str)] = &[("loss", "The per-sample loss (the mean over the samples is reported)")];

/// Arguments of `nn eval`.
#[derive(Debug, clap::Args)]
#[command(mut_args(options::reword(HELP)))]
pub struct Args {
    /// The model, the data set and the loss.
    #[command(flatten)]
    pub input: Supervised,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    loss: f32,
    loss_name: &'static str,
    samples: usize,
    accuracy: Option<f64>,
    correct: Option<usize>,
}

/// Evaluates and prints.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let (model, data) = args.input.load()?;
    let net = model.network()?;
    let samples = data.samples()?;
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let loss = evaluate(&net, &samples, args.input.loss, &mut scratch).map_err(|e| {
        CliError::bad(format!(
            "{} and {} do not fit together: {e}",
            args.input.files.model.display(),
            args.input.files.data.display()
        ))
    })?;
    if !loss.is_finite() {
        let row = metrics::first_non_finite(&net, &data, Some(args.input.loss));
        return Err(match row {
            Some(r) => r.error(&args.input.files.model, &data),
            None => CliError::bad(format!(
                "{} on {}: the mean loss is {loss}; the inputs, targets or weights are too large for f32",
                args.input.files.model.display(),
                args.input.files.data.display()
            )),
        });
    }
    let accuracy = metrics::accuracy(&net, &data)?;
    if args.json {
        let report = Report {
            loss,
            loss_name: args.input.loss.name(),
            samples: data.len(),
            accuracy: accuracy.map(|a| a.fraction()),
            correct: accuracy.map(|a| a.correct),
        };
        let text = serde_json::to_string(&report).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
    } else {
        outln!(out, "loss ({}, mean over {}): {}", args.input.loss.name(), samples_text(data.len()), sig32(loss));
        if let Some(a) = accuracy {
            outln!(out, "accuracy: {a}");
        }
    }
    Ok(())
}
