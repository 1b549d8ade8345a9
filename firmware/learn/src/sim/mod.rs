//! The simulated world of the QEMU firmware and the host tests (feature `sim`):
//!
//! - [`gestures`]: [`gestures::GestureSim`], seeded, noisy windows of the three gestures;
//! - [`chip`]: a simulated LSM303AGR answering on an `embedded-hal` I2C bus, fed by the
//!   gesture simulator, so the real driver runs under QEMU; it can inject faults;
//! - [`demo`]: the scripted session the QEMU firmware runs, and its host reference;
//! - [`flash`]: NOR flash in RAM that can lose power mid-operation, for the model store;
//! - [`longrun`]: the host reference of QEMU's `--long-run`;
//! - [`vibration`]: a machine's vibration with injected anomalies (other speed, stronger
//!   vibration, a knock, a stuck sensor), for anomaly detection;
//! - [`watch`]: the scripted anomaly-detection session of QEMU's `--anomaly`, and its host
//!   reference.
//!
//! Layering: `gestures`, then `chip` and `demo` (which use it), then `longrun` (which
//! uses both); `flash` stands alone.

pub mod chip;
pub mod demo;
pub mod flash;
pub mod gestures;
pub mod longrun;
pub mod vibration;
pub mod watch;
