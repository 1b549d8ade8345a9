#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The layers, bottom to top: a module uses only modules above it in this list (see the
// README's table). `use crate::…` lines name the defining module, never these re-exports,
// so `grep -n '^use crate::' src/*.rs` shows the graph.
pub mod activation;
pub mod check;
pub mod codec;
pub mod data;
pub mod error;
mod exp;
pub mod init;
mod kernel;
mod loss;
mod math;
pub mod model;
mod optim;
pub mod perceptron;
pub mod scaling;
pub mod suffix;
pub mod train;

pub use activation::Activation;
pub use error::Error;
pub use kernel::{forward, gradient, sample_loss, sgd_step, SgdConfig};
pub use loss::Loss;
pub use model::{Dense, LayerSpec, Mlp, Model, ModelMut, Network, Scaled, MAX_LAYERS};
pub use optim::{Biases, Optimizer, Schedule};
pub use scaling::InputScaling;
pub use train::{TrainConfig, Trainer};
