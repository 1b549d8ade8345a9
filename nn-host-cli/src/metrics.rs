//! Accuracy, where it applies: for a softmax output layer the predicted class (argmax)
//! against the target's class; for a single sigmoid or step output the output against
//! the target, both thresholded at 0.5. Other models get no accuracy.

use nn_core::data::Dataset;
use nn_core::train::argmax;
use nn_core::{forward, sample_loss, Activation, Loss, Model};

use crate::data_file::DataFile;
use crate::error::CliError;
use crate::model_file::Network;

/// Correct predictions out of the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accuracy {
    /// Samples predicted right.
    pub correct: usize,
    /// Samples.
    pub total: usize,
}

impl Accuracy {
    /// The fraction right, in `[0, 1]`.
    pub fn fraction(self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

impl std::fmt::Display for Accuracy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}% ({} of {})", crate::output::sig(100.0 * self.fraction(), 4), self.correct, self.total)
    }
}

/// How a model's outputs are turned into a class, if they are.
fn classifier(model: &Network) -> Option<Activation> {
    match (model.output_activation(), model.outputs()) {
        (Activation::Softmax, n) if n > 1 => Some(Activation::Softmax),
        (a @ (Activation::Sigmoid | Activation::Step), 1) => Some(a),
        _ => None,
    }
}

/// The accuracy of `model` on `data`, or `None` when the model is not a classifier or
/// the data have no targets.
pub fn accuracy(model: &Network, data: &DataFile) -> Result<Option<Accuracy>, CliError> {
    let Some(kind) = classifier(model) else { return Ok(None) };
    if !data.has_targets() {
        return Ok(None);
    }
    let samples = data.samples()?;
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut correct = 0;
    for i in 0..samples.len() {
        let Some((x, t)) = samples.sample(i) else { break };
        let y = forward(model, x, &mut scratch).map_err(|e| CliError::in_file(&data.path, e))?;
        let right = match kind {
            Activation::Softmax => argmax(y).is_some() && argmax(y) == argmax(t),
            _ => (y[0] >= 0.5) == (t[0] >= 0.5),
        };
        correct += usize::from(right);
    }
    Ok(Some(Accuracy { correct, total: samples.len() }))
}

/// A data row on which the model's output, or its loss, is not finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NonFiniteRow {
    /// The row, from 0.
    pub row: usize,
    /// `"output"` or `"loss"`.
    pub what: &'static str,
    /// The first non-finite value found.
    pub value: f32,
}

/// The first row of `data` whose outputs (or, with `loss`, whose loss) are not finite:
/// a model whose weights or inputs are too large for f32 on this data.
pub fn first_non_finite(model: &Network, data: &DataFile, loss: Option<Loss>) -> Option<NonFiniteRow> {
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let width = data.input_width.max(1);
    for (row, x) in data.inputs.chunks(width).enumerate() {
        match forward(model, x, &mut scratch) {
            Ok(y) => {
                if let Some(&value) = y.iter().find(|v| !v.is_finite()) {
                    return Some(NonFiniteRow { row, what: "output", value });
                }
            }
            Err(_) => return Some(NonFiniteRow { row, what: "output", value: f32::NAN }),
        }
        let (Some(loss), true) = (loss, data.has_targets()) else { continue };
        let t = data.targets.get(row * data.target_width..(row + 1) * data.target_width).unwrap_or(&[]);
        match sample_loss(model, (x, t), loss, &mut scratch) {
            Ok(value) if value.is_finite() => {}
            Ok(value) => return Some(NonFiniteRow { row, what: "loss", value }),
            Err(_) => return Some(NonFiniteRow { row, what: "loss", value: f32::NAN }),
        }
    }
    None
}

impl NonFiniteRow {
    /// Bad input (exit 2) at the row: `d.csv:3: data row 2: the output of m.json is inf
    /// on this row; …`.
    pub fn error(&self, model: &std::path::Path, data: &DataFile) -> CliError {
        CliError::bad(format!(
            "{}: data row {}: the {} of {} is {} on this row; the inputs, targets or weights are too large for f32",
            data.place(self.row),
            self.row + 1,
            self.what,
            model.display(),
            self.value
        ))
    }
}
