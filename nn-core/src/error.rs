//! The error type: one small `Copy` enum that says what went wrong and where.

use core::fmt;

use crate::activation::Activation;
use crate::loss::Loss;

/// Why a forward pass, a training step or a check could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The input slice does not have the network's input width.
    InputLength {
        /// The network's input width.
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// The target slice does not have the network's output width.
    TargetLength {
        /// The network's output width.
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// A caller-provided buffer (scratch, gradients, optimiser state) is too short.
    BufferTooSmall {
        /// Floats needed.
        needed: usize,
        /// Floats provided.
        found: usize,
    },
    /// Layer `layer` does not fit: its `part` has `found` values where `expected` are
    /// needed (its inputs must be the outputs of the layer below; its weights and biases
    /// must be as many as its shape says).
    Shape {
        /// The layer, counted from 0 at the input.
        layer: usize,
        /// Which part of the layer.
        part: Part,
        /// What the shape asks for.
        expected: usize,
        /// What the layer has.
        found: usize,
    },
    /// Layer `layer` has no inputs or no outputs, or more parameters than fit in memory.
    LayerSize {
        /// The layer, counted from 0 at the input.
        layer: usize,
    },
    /// A network has from 1 to `max` layers.
    LayerCount {
        /// The most layers a network may have ([`crate::MAX_LAYERS`]).
        max: usize,
        /// The layers found.
        found: usize,
    },
    /// A flat parameter run (or a gradient, or a vector beside it) does not have the
    /// network's parameter count.
    ParamCount {
        /// The network's parameter count.
        expected: usize,
        /// The run's length.
        found: usize,
    },
    /// The loss needs a particular output activation and the network has another one.
    LossActivation {
        /// The loss asked for.
        loss: Loss,
        /// The output layer's activation.
        activation: Activation,
    },
    /// A loss, gradient or parameter became NaN or infinite; the parameters were restored.
    NonFinite,
    /// A hyperparameter is out of its range.
    Hyperparameter(Hyperparameter),
    /// The data set has no samples.
    EmptyDataset,
    /// A batch names a sample the data set does not have.
    SampleIndex {
        /// The index asked for.
        index: usize,
        /// Samples in the data set.
        len: usize,
    },
    /// Inputs and targets do not hold the same number of whole rows.
    SampleRows,
    /// A matrix handed to the Newton step is singular.
    Singular,
    /// An input-scaling stage's mean for input `input` is not finite, or its scale is not
    /// finite and positive.
    Scaling {
        /// The input, counted from 0.
        input: usize,
    },
    /// A square matrix of `rows` rows (at least one) does not have `rows²` values.
    MatrixSize {
        /// The matrix's rows (and columns).
        rows: usize,
        /// The values given.
        found: usize,
    },
}

/// The part of a layer an [`Error::Shape`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Part {
    /// The layer's input width.
    Inputs,
    /// The layer's weights (`inputs × outputs`).
    Weights,
    /// The layer's biases (one per output).
    Biases,
    /// The input-scaling stage in front of layer 0 (one mean and one scale per input).
    Scaling,
}

/// The hyperparameter an [`Error::Hyperparameter`] is about, with the range it must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Hyperparameter {
    /// A learning rate: positive and finite.
    LearningRate,
    /// The L2 weight decay: finite and not negative.
    WeightDecay,
    /// The gradient clipping norm: finite and not negative.
    ClipNorm,
    /// The momentum `μ`: in `[0, 1)`.
    Momentum,
    /// Adam's `β₁` or `β₂`: in `[0, 1)`.
    AdamBeta,
    /// Adam's (and AdamW's) `ε`: positive and finite.
    AdamEpsilon,
    /// AdamW's decoupled decay: the learning rate times the weight decay, `ηλ`, must be
    /// below 1 (each step scales the weights by `1 − ηλ`).
    DecoupledDecay,
    /// RMSProp's smoothing constant `α`: in `[0, 1)`.
    RmsPropAlpha,
    /// RMSProp's `ε`: positive and finite.
    RmsPropEpsilon,
    /// A schedule's factor `γ`: in `(0, 1]`.
    ScheduleGamma,
    /// A step schedule's interval: at least one epoch.
    ScheduleEvery,
    /// An inverse-time schedule's decay: finite and not negative.
    ScheduleDecay,
    /// The step of a numeric difference: positive and finite.
    DifferenceStep,
}

impl fmt::Display for Hyperparameter {
    /// What the parameter is and the range it must be in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hyperparameter::LearningRate => "the learning rate must be positive and finite",
            Hyperparameter::WeightDecay => "the weight decay must be finite and not negative",
            Hyperparameter::ClipNorm => "the clip norm must be finite and not negative",
            Hyperparameter::Momentum => "the momentum must be in [0, 1)",
            Hyperparameter::AdamBeta => "Adam's betas must be in [0, 1)",
            Hyperparameter::AdamEpsilon => "Adam's epsilon must be positive and finite",
            Hyperparameter::DecoupledDecay => {
                "AdamW's learning rate times weight decay must be below 1 (each step scales the weights by 1 − lr·decay)"
            }
            Hyperparameter::RmsPropAlpha => "RMSProp's alpha must be in [0, 1)",
            Hyperparameter::RmsPropEpsilon => "RMSProp's epsilon must be positive and finite",
            Hyperparameter::ScheduleGamma => "the schedule's gamma must be in (0, 1]",
            Hyperparameter::ScheduleEvery => "the step schedule's interval must be at least 1",
            Hyperparameter::ScheduleDecay => "the schedule's decay must be finite and not negative",
            Hyperparameter::DifferenceStep => "the difference step must be positive and finite",
        })
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Inputs => "inputs",
            Part::Weights => "weights",
            Part::Biases => "biases",
            Part::Scaling => "input-scaling values",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InputLength { expected, found } => {
                write!(f, "input has {found} values, the network takes {expected}")
            }
            Error::TargetLength { expected, found } => {
                write!(f, "target has {found} values, the network gives {expected}")
            }
            Error::BufferTooSmall { needed, found } => {
                write!(f, "buffer holds {found} values, {needed} are needed")
            }
            Error::Shape { layer, part, expected, found } => {
                write!(f, "layer {layer} has {found} {part}, {expected} expected")
            }
            Error::LayerSize { layer } => write!(f, "layer {layer} has no units, or too many parameters"),
            Error::LayerCount { max, found } => write!(f, "{found} layers; a network has 1 to {max}"),
            Error::ParamCount { expected, found } => {
                write!(f, "{found} parameters given, the network has {expected}")
            }
            Error::LossActivation { loss, activation } => write!(
                f,
                "loss {} needs a {} output layer, found {}",
                loss.name(),
                loss.required_activation().map_or("any", Activation::name),
                activation.name()
            ),
            Error::NonFinite => f.write_str("a loss, gradient or parameter became non-finite"),
            Error::Hyperparameter(which) => which.fmt(f),
            Error::EmptyDataset => f.write_str("the data set has no samples"),
            Error::SampleIndex { index, len } => write!(f, "sample {index} asked for, the data set has {len}"),
            Error::SampleRows => f.write_str("inputs and targets do not hold the same number of whole rows"),
            Error::Scaling { input } => {
                write!(f, "input {input}'s scaling needs a finite mean and a finite, positive scale")
            }
            Error::Singular => f.write_str("the matrix is singular"),
            Error::MatrixSize { rows: 0, .. } => f.write_str("the matrix has no rows"),
            Error::MatrixSize { rows, found } => write!(f, "a {rows} × {rows} matrix given {found} values"),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn errors_say_what_went_wrong() {
        let e = Error::Shape { layer: 1, part: Part::Inputs, expected: 4, found: 3 };
        assert_eq!(e.to_string(), "layer 1 has 3 inputs, 4 expected");
        let e = Error::Hyperparameter(Hyperparameter::LearningRate);
        assert_eq!(e.to_string(), "the learning rate must be positive and finite");
        assert_eq!(Error::SampleIndex { index: 9, len: 4 }.to_string(), "sample 9 asked for, the data set has 4");
    }

    #[test]
    fn errors_stay_small() {
        assert!(core::mem::size_of::<Error>() <= 4 * core::mem::size_of::<usize>());
    }
}
