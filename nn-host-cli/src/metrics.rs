//! Classification figures, where they apply (see [`classes_of`]): for a softmax or
//! sigmoid output layer with several outputs the predicted class is the largest output
//! (argmax) and the true class the largest target; for a single sigmoid or step output
//! both are thresholded at 0.5. From the confusion matrix come accuracy and per-class
//! precision, recall and F1 (scikit-learn's definitions; 0 where a denominator is 0).
//! Other models get none.

use nn_core::data::{Dataset, Samples};
use nn_core::train::argmax;
use nn_core::{forward, sample_loss, Error, Loss, Model};

use crate::data_file::DataFile;
use crate::error::CliError;
use crate::model_file::{classes_of, Network};

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

/// The class a classifier's outputs `y` predict, and its probability (the output for
/// several outputs; `y` or `1 − y` for a single one).
pub fn predicted_class(y: &[f32]) -> Option<(usize, f32)> {
    match y {
        [p] if *p >= 0.5 => Some((1, *p)),
        [p] => Some((0, 1.0 - *p)),
        _ => argmax(y).and_then(|k| y.get(k).map(|&p| (k, p))),
    }
}

/// The class of a target row (one-hot or probabilities: the largest; one value: ≥ 0.5).
pub fn true_class(t: &[f32]) -> Option<usize> {
    match t {
        [v] => Some(usize::from(*v >= 0.5)),
        _ => argmax(t),
    }
}

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// Number of classes.
    pub classes: usize,
    /// `counts[true · classes + predicted]`.
    pub counts: Vec<usize>,
}

/// One class's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassFigures {
    /// Of the samples predicted as this class, the fraction that are.
    pub precision: f64,
    /// Of the samples of this class, the fraction predicted as it.
    pub recall: f64,
    /// The harmonic mean of precision and recall.
    pub f1: f64,
    /// Samples of this class.
    pub support: usize,
}

impl Confusion {
    /// The confusion matrix of `net` over `data`, for `classes` classes.
    pub fn of(net: &Network, data: &Samples, classes: usize, scratch: &mut [f32]) -> Result<Confusion, Error> {
        let mut counts = vec![0usize; classes * classes];
        for i in 0..data.len() {
            let Some((x, t)) = data.sample(i) else { break };
            let y = forward(net, x, scratch)?;
            let (Some((p, _)), Some(c)) = (predicted_class(y), true_class(t)) else { continue };
            if let Some(n) = counts.get_mut(c * classes + p) {
                *n += 1;
            }
        }
        Ok(Confusion { classes, counts })
    }

    /// The count of samples of class `truth` predicted as `predicted`.
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        self.counts.get(truth * self.classes + predicted).copied().unwrap_or(0)
    }

    /// The diagonal out of the total.
    pub fn accuracy(&self) -> Accuracy {
        let correct = (0..self.classes).map(|k| self.count(k, k)).sum();
        Accuracy { correct, total: self.counts.iter().sum() }
    }

    /// Precision, recall, F1 and support of every class.
    pub fn per_class(&self) -> Vec<ClassFigures> {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        (0..self.classes)
            .map(|k| {
                let hit = self.count(k, k);
                let predicted = (0..self.classes).map(|t| self.count(t, k)).sum();
                let support = (0..self.classes).map(|p| self.count(k, p)).sum();
                let (precision, recall) = (ratio(hit, predicted), ratio(hit, support));
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                ClassFigures { precision, recall, f1, support }
            })
            .collect()
    }
}

/// The confusion matrix of `model` on `data`, or `None` when the model is not a
/// classifier or the data have no targets.
pub fn confusion(model: &Network, data: &DataFile) -> Result<Option<Confusion>, CliError> {
    let Some(classes) = classes_of(model.output_activation(), model.outputs()) else { return Ok(None) };
    if !data.has_targets() {
        return Ok(None);
    }
    let samples = data.samples()?;
    let mut scratch = vec![0.0f32; model.scratch_len()];
    Confusion::of(model, &samples, classes, &mut scratch).map(Some).map_err(|e| CliError::in_file(&data.path, e))
}

/// The accuracy of `model` on `data`, or `None` when the model is not a classifier or
/// the data have no targets.
pub fn accuracy(model: &Network, data: &DataFile) -> Result<Option<Accuracy>, CliError> {
    Ok(confusion(model, data)?.map(|c| c.accuracy()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_follow_scikit_learn() {
        // true 0 0 1 1 2; predicted 0 1 1 1 0.
        let c = Confusion { classes: 3, counts: vec![1, 1, 0, 0, 2, 0, 1, 0, 0] };
        assert_eq!(c.accuracy(), Accuracy { correct: 3, total: 5 });
        let f = c.per_class();
        assert_eq!((f[0].precision, f[0].recall, f[0].support), (0.5, 0.5, 2));
        assert!((f[1].precision - 2.0 / 3.0).abs() < 1e-12 && f[1].recall == 1.0);
        assert!((f[1].f1 - 0.8).abs() < 1e-12);
        assert_eq!((f[2].precision, f[2].recall, f[2].f1), (0.0, 0.0, 0.0));
    }

    #[test]
    fn every_classifier_shape_has_a_class() {
        assert_eq!(predicted_class(&[0.2, 0.7, 0.1]), Some((1, 0.7)));
        assert_eq!(predicted_class(&[0.75]), Some((1, 0.75)));
        assert_eq!(predicted_class(&[0.25]), Some((0, 0.75)));
        assert_eq!(true_class(&[0.0, 0.0, 1.0]), Some(2));
        assert_eq!(true_class(&[1.0]), Some(1));
    }
}
