//! On-device learning on top of nn-core, independent of any board: sensor windows become
//! features, labelled features fill an example buffer, a recipe trains a small classifier
//! on it, and the trained model is kept on NOR flash. Any sensor (1 to 255 axes, any
//! window length and rate, raw counts with a scale or `f32`), any set of features, any
//! number of classes and any nn-core tuple network: the gesture demo of the micro:bit is
//! one configuration of this library. `no_std`, no heap: every
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
//! | [`sensor`] | any sensor: [`sensor::SampleSource`] (implement it for a driver), [`sensor::Scale`], [`sensor::Unit`], [`sensor::read_window`] | — |
//! | [`features`] | the [`features::FeatureSet`] of a window of any axes and length, in counts or `f32`, and the window check | `sensor` |
//! | [`classifier`] | the user's classes: [`classifier::Examples`], learned scaling, [`classifier::Recipe`] with holdout and early stopping, [`classifier::predict`] with an unknown answer, [`classifier::Confusion`] | — |
//! | [`replay`] | a labelled recording through windows, features, split, learning and a held-out report ([`replay::replay`]), as `nn replay` and the QEMU firmware run it | `features`, `classifier`, `sensor` |
//! | [`stream`] | a recording and its replay configuration as bytes, for the device to replay what the host replays | `replay` |
//! | [`scaled_record`] | a learned model with its input scaling as one record for the model store | — |
//! | [`window`] | the gesture configuration: three-axis samples in milli-g, [`window::Window`]s of 32, their 6 [`window::Features`] | `features`, `sensor` |
//! | [`gesture`] | the classes ([`gesture::Gesture`]), the classifier ([`gesture::GestureNet`]), [`gesture::predict`], the held-out [`gesture::Score`] | `window` |
//! | [`buffer`] | labelled [`buffer::Example`]s in a fixed-capacity [`buffer::ExampleBuffer`], an nn-core data set | `window`, `gesture` |
//! | [`recipe`] | the gesture training [`recipe::Recipe`] (every hyperparameter) and [`recipe::train`], through [`classifier::train`] | `gesture`, `buffer`, `classifier` |
//! | [`persist`] | models on NOR flash ([`persist::ModelStore`]), safe against power cuts | — |
//! | [`accel`] | the LSM303AGR through its driver on any `embedded-hal` 1.0 I2C bus, also a [`sensor::SampleSource`] | `window`, `sensor` |
//! | [`bus`] | freeing a stuck I2C bus (nine clocks and a STOP) on any `embedded-hal` pins | — |
//! | [`reader`] | the accelerometer made fault-tolerant: retries, skipped windows, re-initialisation (after the board's bus recovery, [`reader::Recover`]), counters | `accel`, `window` |
//! | [`learner`] | the interaction as a state machine: buttons label windows, train, then predict | `window`, `gesture`, `buffer`, `recipe` |
//! | [`buttons`] | the buttons latched over a window, read at every poll | `learner` |
//! | [`online`] | one training step per window, with no buffer | `gesture`, `buffer`, `recipe`, `learner` |
//! | [`anomaly`] | anomaly detection: normal windows, an autoencoder [`anomaly::Detector`] with its threshold, alarm and drift adaptation | `classifier` (the scaling fit) |
//! | `sim` (feature `sim`) | the gesture and vibration simulators, a simulated LSM303AGR on an I2C bus (with faults), NOR flash in RAM that loses power on demand, the scripted demo session and the long-run reference | all of the above |
//!
//! # Your own sensor and classes
//!
//! 1. Implement [`sensor::SampleSource`] for your driver (the [`sensor`] docs show an
//!    `embedded-hal` 1.0 IMU driver plugged in) and read windows with
//!    [`sensor::read_window`].
//! 2. Choose a [`features::FeatureSet`]; `const F: usize = SET.len(AXES);` is the
//!    network's input width. Refuse windows a working sensor cannot produce with
//!    [`features::check`].
//! 3. Choose a network, e.g. [`replay::GeneralNet`]`<F, C>` (`F` → 16 tanh → `C`
//!    softmax), label windows into a [`classifier::Examples`]`<F, C, N>`, and
//!    [`classifier::learn`] it with a [`classifier::Recipe`] ([`classifier::Recipe::ADAM`]
//!    learns the scaling and stops early on a held-out part).
//! 4. [`classifier::predict`] each new window with a confidence threshold; save the model
//!    with [`scaled_record::encode`] to a [`persist::ModelStore`].
//!
//! Before a board, replay a recording on the host with [`replay::replay`]: the same
//! code, the same bits as the device.
//!
//! The gesture demo is the configuration `AXES = 3`, `LEN = 32` at 50 Hz, milli-g counts,
//! [`features::FeatureSet::GESTURE`] (mean and standard deviation per axis), the 6-10-3
//! [`gesture::GestureNet`], [`recipe::Recipe::DEFAULT`] (no holdout, no early stopping,
//! no scaling): its trained model is the same, bit for bit, as before the library was
//! generic (`model_crc=0xf103d3e0`, pinned by a test in `sim::demo`).
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
pub mod classifier;
pub mod features;
pub mod gesture;
pub mod learner;
pub mod online;
pub mod persist;
pub mod reader;
pub mod recipe;
pub mod replay;
pub mod scaled_record;
pub mod sensor;
#[cfg(feature = "sim")]
pub mod sim;
pub mod stream;
pub mod window;
