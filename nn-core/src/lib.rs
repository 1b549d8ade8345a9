//! # nn-core
//!
//! A `no_std`, allocation-free `f32` engine that trains perceptrons and small
//! multi-layer perceptrons: forward pass, backpropagation, losses, optimisers, and the
//! numeric checks that prove the gradients right. The same kernels run on a desktop and
//! on a Cortex-M, bit for bit.
//!
//! - Shapes fixed at compile time: a network is a tuple of [`Dense`] layers whose widths
//!   must chain, with its sizes as associated consts ([`Network`]).
//! - Shapes known at run time: [`Mlp`] over a caller's slices, running the *same* kernel
//!   functions ([`kernel`]).
//! - No heap, no `unsafe`, no panics: every fallible operation returns [`Error`].
//! - Deterministic: nn-core's own `exp` and `tanh` ([`exp`]: plain `f32` operations, `exp`
//!   within 1 ulp), `libm` for the other functions, a fixed summation order ([`math`]),
//!   seeded initialisation and shuffling ([`init`]).
//!
//! ```
//! use nn_core::{activation::Sigmoid, init::{Init, Rng}, sgd_step, forward, Dense, Loss, Network};
//!
//! type Xor = (Dense<2, 4, Sigmoid>, Dense<4, 1, Sigmoid>);
//! let mut net = Xor::default();
//! Init::Uniform { limit: 1.0 }.apply(&mut net, &mut Rng::new(7));
//! let mut scratch = [0.0; Xor::SCRATCH];
//! let data = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];
//! for _ in 0..4000 {
//!     for (x, t) in &data {
//!         sgd_step(&mut net, x, t, Loss::HalfSse, 0.5, true, &mut scratch).unwrap();
//!     }
//! }
//! for (x, t) in &data {
//!     let y = forward(&net, x, &mut scratch).unwrap()[0];
//!     assert!((y - t[0]).abs() < 0.2, "{x:?} -> {y}");
//! }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod activation;
pub mod check;
pub mod codec;
pub mod data;
pub mod error;
pub mod exp;
pub mod init;
pub mod kernel;
pub mod loss;
pub mod math;
pub mod model;
pub mod optim;
pub mod perceptron;
pub mod train;

pub use activation::Activation;
pub use error::Error;
pub use kernel::{forward, gradient, sample_loss, scratch_len, sgd_step};
pub use loss::Loss;
pub use model::{Dense, LayerSpec, Mlp, Model, ModelMut, Network, MAX_LAYERS};
pub use optim::{Optimizer, Schedule};
pub use train::{TrainConfig, Trainer};
