//! `nn eval`: the mean loss of a model over a data set, and for classifiers the accuracy,
//! the confusion matrix and each class's precision, recall and F1.

use std::io::Write;

use nn_core::train::evaluate;
use nn_core::Model;
use serde::Serialize;

use crate::cmd::train::samples_text;
use crate::error::CliError;
use crate::metrics::Confusion;
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
    /// Class names (the model's, or 0, 1, …), for classifiers.
    classes: Option<Vec<String>>,
    /// Rows: true class; columns: predicted class.
    confusion_matrix: Option<Vec<Vec<usize>>>,
    per_class: Option<Vec<ClassReport>>,
}

#[derive(Serialize)]
struct ClassReport {
    class: String,
    precision: f64,
    recall: f64,
    f1: f64,
    support: usize,
}

/// The confusion matrix and the per-class table as text, columns aligned.
fn confusion_text(c: &Confusion, names: &[String]) -> Vec<String> {
    let first = names.iter().map(|n| n.chars().count()).max().unwrap_or(0).max("true \\ predicted".len());
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0).max(6);
    let mut lines = vec!["confusion matrix (rows: true class, columns: predicted class):".to_string()];
    let head: Vec<String> = names.iter().map(|n| format!("{n:>width$}")).collect();
    lines.push(format!("  {:<first$}  {}", "true \\ predicted", head.join("  ")));
    for (t, name) in names.iter().enumerate() {
        let counts: Vec<String> = (0..c.classes).map(|p| format!("{:>width$}", c.count(t, p))).collect();
        lines.push(format!("  {name:<first$}  {}", counts.join("  ")));
    }
    lines.push(format!("  {:<first$}  {:>9}  {:>9}  {:>9}  {:>7}", "class", "precision", "recall", "f1", "support"));
    for (name, f) in names.iter().zip(c.per_class()) {
        lines.push(format!(
            "  {name:<first$}  {:>9.4}  {:>9.4}  {:>9.4}  {:>7}",
            f.precision, f.recall, f.f1, f.support
        ));
    }
    lines
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
            args.input.files.set.data.display()
        ))
    })?;
    if !loss.is_finite() {
        let row = metrics::first_non_finite(&net, &data, Some(args.input.loss));
        return Err(match row {
            Some(r) => r.error(&args.input.files.model, &data),
            None => CliError::bad(format!(
                "{} on {}: the mean loss is {loss}; the inputs, targets or weights are too large for f32",
                args.input.files.model.display(),
                args.input.files.set.data.display()
            )),
        });
    }
    let confusion = metrics::confusion(&net, &data)?;
    let accuracy = confusion.as_ref().map(Confusion::accuracy);
    let names: Option<Vec<String>> = confusion.as_ref().map(|c| (0..c.classes).map(|k| model.class_name(k)).collect());
    if args.json {
        let report = Report {
            loss,
            loss_name: args.input.loss.name(),
            samples: data.len(),
            accuracy: accuracy.map(|a| a.fraction()),
            correct: accuracy.map(|a| a.correct),
            classes: names.clone(),
            confusion_matrix: confusion
                .as_ref()
                .map(|c| (0..c.classes).map(|t| (0..c.classes).map(|p| c.count(t, p)).collect()).collect()),
            per_class: confusion.as_ref().zip(names.as_ref()).map(|(c, names)| {
                names
                    .iter()
                    .zip(c.per_class())
                    .map(|(n, f)| ClassReport {
                        class: n.clone(),
                        precision: f.precision,
                        recall: f.recall,
                        f1: f.f1,
                        support: f.support,
                    })
                    .collect()
            }),
        };
        let text = serde_json::to_string(&report).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
    } else {
        outln!(out, "loss ({}, mean over {}): {}", args.input.loss.name(), samples_text(data.len()), sig32(loss));
        if let Some(a) = accuracy {
            outln!(out, "accuracy: {a}");
        }
        if let (Some(c), Some(names)) = (&confusion, &names) {
            for line in confusion_text(c, names) {
                outln!(out, "{line}");
            }
        }
    }
    Ok(())
}
