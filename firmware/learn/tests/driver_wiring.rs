//! The LSM303AGR wiring, checked transaction by transaction against `embedded-hal-mock`:
//! what `Accelerometer` puts on the I2C bus to identify, configure and read the chip.
//!
//! Run on the host: `cargo test -p nn-learn --target x86_64-unknown-linux-gnu`.

use embedded_hal::i2c::ErrorKind;
use embedded_hal_mock::eh1::delay::NoopDelay;
use embedded_hal_mock::eh1::i2c::{Mock, Transaction};
use nn_learn::accel::{AccelError, Accelerometer};

const ACC: u8 = 0x19;
const MAG: u8 = 0x1E;

/// Identify, block data update, temperature sensor, 50 Hz high resolution, ±4 g.
fn configuration() -> Vec<Transaction> {
    vec![
        Transaction::write_read(ACC, vec![0x0F], vec![0x33]), // WHO_AM_I_A
        Transaction::write(ACC, vec![0x23, 0x80]),            // CTRL_REG4_A: BDU
        Transaction::write(ACC, vec![0x1F, 0xC0]),            // TEMP_CFG_REG_A: TEMP_EN
        Transaction::write(MAG, vec![0x62, 0x10]),            // CFG_REG_C_M: BDU
        Transaction::write(ACC, vec![0x20, 0x47]),            // CTRL_REG1_A: 50 Hz, XYZ on
        Transaction::write(ACC, vec![0x23, 0x88]),            // CTRL_REG4_A: BDU + HR
        Transaction::write(ACC, vec![0x23, 0x98]),            // CTRL_REG4_A: BDU + HR + ±4 g
    ]
}

#[test]
fn configures_the_chip() {
    let mut i2c = Mock::new(&configuration());
    let accel = Accelerometer::new(i2c.clone(), &mut NoopDelay::new()).unwrap();
    drop(accel);
    i2c.done();
}

#[test]
fn reads_a_sample_in_milli_g() {
    let mut expected = configuration();
    // x = +1000 mg, y = -2 mg, z = -4096 mg at ±4 g, 12 bit left-justified: digits = mg / 2.
    let raw = |mg: i16| ((mg / 2) << 4).to_le_bytes();
    let mut out = Vec::new();
    for mg in [1000, -2, -4096] {
        out.extend_from_slice(&raw(mg));
    }
    expected.push(Transaction::write_read(ACC, vec![0x27], vec![0x00])); // no data yet
    expected.push(Transaction::write_read(ACC, vec![0x27], vec![0x08])); // ZYXDA
    expected.push(Transaction::write_read(ACC, vec![0x28 | 0x80], out)); // OUT_X_L_A, auto-increment
    let mut i2c = Mock::new(&expected);
    let mut accel = Accelerometer::new(i2c.clone(), &mut NoopDelay::new()).unwrap();
    assert_eq!(accel.try_sample().unwrap(), None);
    assert_eq!(accel.try_sample().unwrap(), Some([1000, -2, -4096]));
    i2c.done();
}

#[test]
fn rejects_another_chip() {
    let expected = [Transaction::write_read(ACC, vec![0x0F], vec![0x44])];
    let mut i2c = Mock::new(&expected);
    let err = Accelerometer::new(i2c.clone(), &mut NoopDelay::new()).err();
    assert_eq!(err, Some(AccelError::WrongDevice(0x44)));
    i2c.done();
}

#[test]
fn reports_a_missing_chip() {
    let expected = [Transaction::write_read(ACC, vec![0x0F], vec![0x00]).with_error(ErrorKind::Other)];
    let mut i2c = Mock::new(&expected);
    let err = Accelerometer::new(i2c.clone(), &mut NoopDelay::new()).err();
    assert_eq!(err, Some(AccelError::Bus(ErrorKind::Other)));
    i2c.done();
}

#[test]
fn times_out_without_data() {
    let mut expected = configuration();
    for _ in 0..nn_learn::accel::SAMPLE_TIMEOUT_POLLS {
        expected.push(Transaction::write_read(ACC, vec![0x27], vec![0x00]));
    }
    let mut i2c = Mock::new(&expected);
    let mut accel = Accelerometer::new(i2c.clone(), &mut NoopDelay::new()).unwrap();
    assert_eq!(accel.sample(&mut NoopDelay::new()), Err(AccelError::Timeout));
    i2c.done();
}
