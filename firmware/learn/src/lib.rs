//! On-device learning on top of nn-core, independent of any board: sensor windows become
//! features, labelled features fill an example buffer, a fixed recipe trains a small
//! classifier on it, and the trained model is kept on NOR flash. `no_std`, no heap: every
//! buffer has its capacity in its type, and the work space of training lives on the stack.
//! Everything is host-testable (`cargo test -p nn-learn --target x86_64-unknown-linux-gnu`
//! in `firmware/`), and the host computes the same bits as a Cortex-M4F or M0.
//!
//! # Layering
//!
//! Bottom to top; a module uses only nn-core and the modules listed before it (no cycles):
//!
//! | module | what it holds | uses |
//! |---|---|---|
//! | [`window`] | samples, [`window::Window`]s of them, their [`window::Features`], the window quality check | — |
//! | [`gesture`] | the classes ([`gesture::Gesture`]), the classifier ([`gesture::GestureNet`]), [`gesture::predict`], the held-out [`gesture::Score`] | `window` |
//! | [`buffer`] | labelled [`buffer::Example`]s in a fixed-capacity [`buffer::ExampleBuffer`], an nn-core data set | `window`, `gesture` |
//! | [`recipe`] | the training [`recipe::Recipe`] (every hyperparameter) and [`recipe::train`] | `gesture`, `buffer` |
//! | [`persist`] | models on NOR flash ([`persist::ModelStore`]), safe against power cuts | — |
//! | [`accel`] | the LSM303AGR through its driver on any `embedded-hal` 1.0 I2C bus | `window` |
//! | [`bus`] | freeing a stuck I2C bus (nine clocks and a STOP) on any `embedded-hal` pins | — |
//! | [`reader`] | the accelerometer made fault-tolerant: retries, skipped windows, re-initialisation (after the board's bus recovery, [`reader::Recover`]), counters | `accel`, `window` |
//! | [`learner`] | the interaction as a state machine: buttons label windows, train, then predict | `window`, `gesture`, `buffer`, `recipe` |
//! | [`buttons`] | the buttons latched over a window, read at every poll | `learner` |
//! | [`online`] | one training step per window, with no buffer | `gesture`, `buffer`, `recipe`, `learner` |
//! | [`anomaly`] | anomaly detection: normal windows, an autoencoder [`anomaly::Detector`] with its threshold, alarm and drift adaptation | — |
//! | `sim` (feature `sim`) | the gesture and vibration simulators, a simulated LSM303AGR on an I2C bus (with faults), NOR flash in RAM that loses power on demand, the scripted demo session and the long-run reference | all of the above |
//!
//! # In a board crate
//!
//! A board binary owns the peripherals and wires them to this crate; the decisions are
//! here, where the host tests them. `microbit-v2` does, per window:
//!
//! 1. [`reader::Reader::read_window`] on the board's I2C bus (a fault skips the window);
//! 2. [`learner::Learner::on_window`] with the buttons held during the window;
//! 3. the [`learner::Outcome`] becomes LEDs and logs, a [`learner::Learner::train`] call,
//!    and [`persist::ModelStore::save_verified`] of the model's nn-core `codec` record to
//!    the flash pages the board's memory map leaves free; at boot,
//!    [`persist::ModelStore::load_latest`] resumes the model.
//!
//! The QEMU binary does the same with `sim`'s chip behind the real driver, and runs the
//! scripted demo and the long runs whose results `nn verify-device` and CI compare with
//! the host's.
//!
//! # Features
//!
//! - `sim`: the `sim` module (off on a real board; the QEMU binary, the host tools and the
//!   tests turn it on).
//! - `defmt`: `defmt::Format` for the public types (and nn-core's).
#![no_std]
#![deny(unsafe_code)]

pub mod accel;
pub mod anomaly;
pub mod buffer;
pub mod bus;
pub mod buttons;
pub mod gesture;
pub mod learner;
pub mod online;
pub mod persist;
pub mod reader;
pub mod recipe;
#[cfg(feature = "sim")]
pub mod sim;
pub mod window;
