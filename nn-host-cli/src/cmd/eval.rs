//! `nn eval`: the mean loss of a model over a data set, and the accuracy for classifiers.

use std::io::Write;
use std::path::PathBuf;

use nn_core::train::evaluate;
use nn_core::{Loss, Model};
use serde::Serialize;

use crate::cmd::train::samples_text;
use crate::data_file::{DataFile, Targets};
use crate::error::CliError;
use crate::model_file::ModelFile;
use crate::output::sig32;
use crate::{metrics, options, outln};

/// Arguments of `nn eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model (JSON, or a binary from `nn export --format bin`).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// The data set (CSV with a header row: inputs, then targets).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The per-sample loss (the mean over the samples is reported).
    #[arg(long, value_parser = options::loss, allow_hyphen_values = true)]
    pub loss: Loss,
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
    let model = ModelFile::load(&args.model)?;
    model.check_loss(args.loss)?;
    let data = DataFile::load(&args.data, &model, Targets::For(args.loss))?;
    let net = model.network()?;
    let samples = data.samples()?;
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let loss = evaluate(&net, &samples, args.loss, &mut scratch).map_err(|e| {
        CliError::bad(format!("{} and {} do not fit together: {e}", args.model.display(), args.data.display()))
    })?;
    if !loss.is_finite() {
        let row = metrics::first_non_finite(&net, &data, Some(args.loss));
        return Err(match row {
            Some(r) => r.error(&args.model, &data),
            None => CliError::bad(format!(
                "{} on {}: the mean loss is {loss}; the inputs, targets or weights are too large for f32",
                args.model.display(),
                args.data.display()
            )),
        });
    }
    let accuracy = metrics::accuracy(&net, &data)?;
    if args.json {
        let report = Report {
            loss,
            loss_name: args.loss.name(),
            samples: data.len(),
            accuracy: accuracy.map(|a| a.fraction()),
            correct: accuracy.map(|a| a.correct),
        };
        let text = serde_json::to_string(&report).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
    } else {
        outln!(out, "loss ({}, mean over {}): {}", args.loss.name(), samples_text(data.len()), sig32(loss));
        if let Some(a) = accuracy {
            outln!(out, "accuracy: {a}");
        }
    }
    Ok(())
}
