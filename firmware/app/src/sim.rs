//! A simulated LSM303AGR on an `embedded-hal` 1.0 I2C bus.
//!
//! [`SimLsm303agr`] answers at the chip's two addresses (accelerometer 0x19,
//! magnetometer 0x1E) with a register file: `WHO_AM_I` values, writable control
//! registers, `STATUS_REG_A`, and `OUT_X_L_A..OUT_Z_H_A` filled from a
//! [`GestureSim`] and encoded the way the chip encodes them for the mode and full
//! scale the driver wrote into `CTRL_REG1_A`/`CTRL_REG4_A` (left-justified 8-, 10- or
//! 12-bit two's complement). Sub-addresses with bit 7 set auto-increment, as on the
//! chip. So the `lsm303agr` driver runs its real code path, and the sample it decodes
//! is the simulator's sample exactly (at ±4 g high resolution, both are on a 2 mg grid).
//!
//! The driver owns its bus, while the firmware must choose the gesture of each window:
//! the chip therefore lives in a `RefCell` and [`SimBus`] is the bus handle given to the
//! driver.

use core::cell::RefCell;

use embedded_hal::i2c::{self, ErrorKind, ErrorType, I2c, NoAcknowledgeSource, Operation};
use nn_core::sensor::{Gesture, GestureSim, Sample};

/// 7-bit I2C address of the accelerometer.
pub const ACCEL_ADDR: u8 = 0x19;
/// 7-bit I2C address of the magnetometer.
pub const MAG_ADDR: u8 = 0x1E;

const WHO_AM_I_A: u8 = 0x0F;
const WHO_AM_I_M: u8 = 0x4F;
const CTRL_REG1_A: u8 = 0x20;
const CTRL_REG4_A: u8 = 0x23;
const STATUS_REG_A: u8 = 0x27;
const OUT_X_L_A: u8 = 0x28;
const OUT_Z_H_A: u8 = 0x2D;
const AUTO_INCREMENT: u8 = 0x80;

/// Register file and data source of one simulated chip.
#[derive(Debug, Clone)]
pub struct SimLsm303agr {
    accel: [u8; 0x40],
    mag: [u8; 0x80],
    source: GestureSim,
    /// A sample sits in the output registers and has not been read completely.
    latched: bool,
    samples: u32,
}

impl SimLsm303agr {
    /// A chip in its power-on state, whose motion comes from `source`.
    pub fn new(source: GestureSim) -> Self {
        let mut accel = [0; 0x40];
        let mut mag = [0; 0x80];
        accel[usize::from(WHO_AM_I_A)] = 0x33;
        accel[usize::from(CTRL_REG1_A)] = 0x07; // power-down, x/y/z enabled
        mag[usize::from(WHO_AM_I_M)] = 0x40;
        mag[0x60] = 0x03; // CFG_REG_A_M: idle
        SimLsm303agr { accel, mag, source, latched: false, samples: 0 }
    }

    /// Starts a window of `gesture` in the motion source.
    pub fn start_window(&mut self, gesture: Gesture) {
        self.source.start_window(gesture);
    }

    /// Samples delivered so far.
    pub fn samples(&self) -> u32 {
        self.samples
    }

    /// Value of accelerometer register `reg` (for tests).
    pub fn accel_register(&self, reg: u8) -> u8 {
        self.accel.get(usize::from(reg)).copied().unwrap_or(0)
    }

    fn powered(&self) -> bool {
        self.accel[usize::from(CTRL_REG1_A)] >> 4 != 0
    }

    /// (left shift, milli-g per digit) for the configured mode and full scale.
    fn encoding(&self) -> (u32, i32) {
        let reg1 = self.accel[usize::from(CTRL_REG1_A)];
        let reg4 = self.accel[usize::from(CTRL_REG4_A)];
        let fs = usize::from((reg4 >> 4) & 0x03);
        let low_power = reg1 & 0x08 != 0;
        let high_res = reg4 & 0x08 != 0;
        // Datasheet table 3 (sensitivity) for ±2/4/8/16 g.
        if low_power {
            (8, [16, 32, 64, 192][fs])
        } else if high_res {
            (4, [1, 2, 4, 12][fs])
        } else {
            (6, [4, 8, 16, 48][fs])
        }
    }

    fn latch(&mut self) {
        if self.latched || !self.powered() {
            return;
        }
        let sample: Sample = self.source.sample();
        let (shift, mg_per_digit) = self.encoding();
        let max = (1i32 << (15 - shift)) - 1;
        for (axis, mg) in sample.iter().enumerate() {
            let mg = i32::from(*mg);
            // Round to the nearest digit, halves away from zero, then saturate.
            let digits = (if mg >= 0 { mg + mg_per_digit / 2 } else { mg - mg_per_digit / 2 }) / mg_per_digit;
            let raw = (digits.clamp(-max - 1, max) << shift) as i16;
            let [lo, hi] = raw.to_le_bytes();
            let at = usize::from(OUT_X_L_A) + 2 * axis;
            self.accel[at] = lo;
            self.accel[at + 1] = hi;
        }
        self.latched = true;
        self.samples = self.samples.wrapping_add(1);
    }

    fn read_accel(&mut self, reg: u8) -> u8 {
        match reg {
            STATUS_REG_A => {
                self.latch();
                if self.latched {
                    0x08 // ZYXDA
                } else {
                    0
                }
            }
            OUT_X_L_A..=OUT_Z_H_A => {
                self.latch();
                let v = self.accel[usize::from(reg)];
                if reg == OUT_Z_H_A {
                    // Block data update: the next sample replaces this one only now.
                    self.latched = false;
                }
                v
            }
            _ => self.accel.get(usize::from(reg)).copied().unwrap_or(0),
        }
    }

    fn write_accel(&mut self, reg: u8, value: u8) {
        // Read-only: WHO_AM_I, status and outputs.
        if matches!(reg, WHO_AM_I_A | STATUS_REG_A | OUT_X_L_A..=OUT_Z_H_A) {
            return;
        }
        if let Some(r) = self.accel.get_mut(usize::from(reg)) {
            *r = value;
        }
    }

    fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), SimError> {
        if address != ACCEL_ADDR && address != MAG_ADDR {
            return Err(SimError::NoDevice);
        }
        // The register pointer: set by the first written byte, advanced when bit 7 of
        // the sub-address asked for auto-increment.
        let mut pointer: Option<(u8, bool)> = None;
        for op in operations.iter_mut() {
            match op {
                Operation::Write(bytes) => {
                    for &b in bytes.iter() {
                        match pointer {
                            None => pointer = Some((b & !AUTO_INCREMENT, b & AUTO_INCREMENT != 0)),
                            Some((reg, inc)) => {
                                if address == ACCEL_ADDR {
                                    self.write_accel(reg, b);
                                } else if let Some(r) = self.mag.get_mut(usize::from(reg)) {
                                    *r = b;
                                }
                                pointer = Some((if inc { reg.wrapping_add(1) } else { reg }, inc));
                            }
                        }
                    }
                }
                Operation::Read(buf) => {
                    let (mut reg, inc) = pointer.ok_or(SimError::NoRegister)?;
                    for b in buf.iter_mut() {
                        *b = if address == ACCEL_ADDR {
                            self.read_accel(reg)
                        } else {
                            self.mag.get(usize::from(reg)).copied().unwrap_or(0)
                        };
                        if inc {
                            reg = reg.wrapping_add(1);
                        }
                    }
                    pointer = Some((reg, inc));
                }
            }
        }
        Ok(())
    }
}

/// Errors of the simulated bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SimError {
    /// Nothing answers at that address.
    NoDevice,
    /// A read came before any register address was written.
    NoRegister,
    /// The chip is borrowed elsewhere (a firmware bug, never a bus condition).
    Busy,
}

impl i2c::Error for SimError {
    fn kind(&self) -> ErrorKind {
        match self {
            SimError::NoDevice => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address),
            SimError::NoRegister => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data),
            SimError::Busy => ErrorKind::Other,
        }
    }
}

/// The I2C bus the driver gets: a handle on a shared [`SimLsm303agr`].
#[derive(Debug, Clone, Copy)]
pub struct SimBus<'a>(pub &'a RefCell<SimLsm303agr>);

impl ErrorType for SimBus<'_> {
    type Error = SimError;
}

impl I2c for SimBus<'_> {
    fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), Self::Error> {
        let mut chip = self.0.try_borrow_mut().map_err(|_| SimError::Busy)?;
        chip.transaction(address, operations)
    }
}
