//! Error types. Small `Copy` enums, one per family of operations.

use core::fmt;

use crate::{Activation, Loss};

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
    /// Layer shapes do not chain, a layer has no units, or a parameter run has the wrong length.
    Shape,
    /// The network has more layers than [`crate::MAX_LAYERS`].
    TooManyLayers,
    /// The loss needs a particular output activation and the network has another one.
    LossActivation {
        /// The loss asked for.
        loss: Loss,
        /// The output layer's activation.
        activation: Activation,
    },
    /// A loss, gradient or parameter became NaN or infinite; the parameters were restored.
    NonFinite,
    /// A hyperparameter is out of range (a learning rate that is not positive and finite, …).
    Hyperparameter(&'static str),
    /// The data set has no samples.
    EmptyDataset,
    /// A matrix handed to the Newton step is singular.
    Singular,
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
            Error::Shape => f.write_str("layer shapes do not chain or parameter count is wrong"),
            Error::TooManyLayers => write!(f, "more than {} layers", crate::MAX_LAYERS),
            Error::LossActivation { loss, activation } => write!(
                f,
                "loss {} needs a {} output layer, found {}",
                loss.name(),
                loss.required_activation().map_or("any", Activation::name),
                activation.name()
            ),
            Error::NonFinite => f.write_str("a loss, gradient or parameter became non-finite"),
            Error::Hyperparameter(what) => write!(f, "hyperparameter out of range: {what}"),
            Error::EmptyDataset => f.write_str("the data set has no samples"),
            Error::Singular => f.write_str("the matrix is singular"),
        }
    }
}

impl core::error::Error for Error {}
