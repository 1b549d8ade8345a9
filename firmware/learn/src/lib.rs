//! Board-independent firmware glue for on-device gesture learning.
//!
//! - [`accel`]: the LSM303AGR accelerometer through the `lsm303agr` driver over any
//!   `embedded-hal` 1.0 I2C bus: configuration and fixed-rate windows of samples.
//! - [`reader`]: the accelerometer made fault-tolerant: retries, skipped windows, the
//!   window quality check, re-initialisation, and counters of every fault.
//! - [`learner`]: the micro:bit's interaction (buttons label windows, train when every
//!   class has enough, then predict), as a state machine the host can test.
//! - [`online`]: one training step per window, with no buffer (QEMU's `--long-run`).
//! - [`sim`]: a simulated LSM303AGR that answers the chip's registers on an I2C bus,
//!   fed by [`crate::sensor::GestureSim`], so the real driver runs under QEMU; it can
//!   inject faults.
//!
//! The math (features, buffer, training, persistence) is in `nn-core`; the board crates
//! (`qemu`, `microbit-v2`) only wire peripherals to this crate.
#![no_std]
#![deny(unsafe_code)]

pub mod accel;
pub mod learner;
pub mod online;
pub mod persist;
pub mod reader;
// Split into modules in the next commit; renamed first so that history follows the file.
#[path = "sim/gestures.rs"]
pub mod sensor;
pub mod sim;
