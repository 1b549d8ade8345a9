//! The LSM303AGR accelerometer, configured for gesture windows.
//!
//! Configuration: high-resolution mode (12 bit), 50 Hz output data rate, block data
//! update on, and a [`FullScale`] of ±4 g ([`Accelerometer::new`], the simulated
//! sessions) or ±8 g (the micro:bit, [`FullScale::BOARD`]). A sample is then an integer
//! number of milli-g on a 2 mg (±4 g) or 4 mg (±8 g) grid; the gesture simulator
//! (`sim::gestures::GestureSim`) produces the 2 mg one.
//!
//! # Turn-on time
//!
//! After a power-up or a mode change the chip's first samples are not settled: the
//! datasheet (LSM303AGR, table 12, "turn-on time") gives 7/ODR in high-resolution mode,
//! 140 ms at 50 Hz. `lsm303agr` 1.1 waits that many *microseconds* (its
//! `set_accel_mode_and_odr` calls `delay_us(140)`), so every set-up here ends with a
//! wait of its own, [`TURN_ON_MS`], through the caller's `DelayNs`: the first window
//! after a set-up (at boot and after every re-initialisation by [`crate::reader`]) no
//! longer starts with unsettled samples.

use core::fmt;

use crate::sensor::{SampleSource, Scale};
use crate::window::{Sample, Window, WINDOW};
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use lsm303agr::interface::I2cInterface;
use lsm303agr::{mode, AccelMode, AccelOutputDataRate, AccelScale, Lsm303agr};

/// Output data rate used for windows (must match [`crate::window::SAMPLE_RATE_HZ`]).
pub const ODR: AccelOutputDataRate = AccelOutputDataRate::Hz50;

/// Output data rate of [`ODR`] in hertz.
pub const ODR_HZ: u32 = 50;

/// How long a set-up waits for the accelerometer to settle, in milliseconds: the
/// high-resolution turn-on time, 7/ODR (140 ms at 50 Hz), plus one sample period so
/// that the sample read first was converted after it (160 ms).
pub const TURN_ON_MS: u32 = 8 * 1000 / ODR_HZ;

/// The accelerometer's measuring range.
///
/// A vigorous shake of a hand-held or wrist-worn board peaks at 4 to 8 g (see
/// `docs/reliability.md`, "The board never hangs"), so at ±4 g the peaks clip; at ±8 g
/// they fit, at 4 mg per digit instead of 2 mg (still under the sensor's noise for the
/// windows' features).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FullScale {
    /// ±4 g, 2 mg per digit: the simulated sessions (QEMU, the host references), whose
    /// bits are fixed.
    G4,
    /// ±8 g, 4 mg per digit: the micro:bit.
    G8,
}

impl FullScale {
    /// The board's range.
    pub const BOARD: FullScale = FullScale::G8;

    /// The largest reading in milli-g (the positive rail) in high-resolution mode:
    /// 2047 digits.
    pub const fn max_mg(self) -> i16 {
        match self {
            FullScale::G4 => 2047 * 2,
            FullScale::G8 => 2047 * 4,
        }
    }

    /// The smallest reading in milli-g (the negative rail): −2048 digits.
    pub const fn min_mg(self) -> i16 {
        match self {
            FullScale::G4 => -2048 * 2,
            FullScale::G8 => -2048 * 4,
        }
    }

    fn scale(self) -> AccelScale {
        match self {
            FullScale::G4 => AccelScale::G4,
            FullScale::G8 => AccelScale::G8,
        }
    }
}

/// How long [`Accelerometer::read_window`] waits for one sample before giving up, in
/// polls 1 ms apart (ten sample periods at 50 Hz).
pub const SAMPLE_TIMEOUT_POLLS: u32 = 200;

/// Why the accelerometer could not deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AccelError<E> {
    /// The I2C bus failed.
    Bus(E),
    /// `WHO_AM_I_A` did not read `0x33`: no LSM303AGR at 0x19.
    WrongDevice(u8),
    /// The driver refused the configuration.
    Config,
    /// No new sample arrived in time.
    Timeout,
}

impl<E: fmt::Debug> fmt::Display for AccelError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccelError::Bus(e) => write!(f, "I2C error: {e:?}"),
            AccelError::WrongDevice(id) => write!(f, "WHO_AM_I_A is {id:#04x}, expected 0x33"),
            AccelError::Config => f.write_str("accelerometer configuration refused"),
            AccelError::Timeout => f.write_str("no accelerometer sample in time"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for AccelError<E> {}

impl<E> From<lsm303agr::Error<E>> for AccelError<E> {
    fn from(e: lsm303agr::Error<E>) -> Self {
        match e {
            lsm303agr::Error::Comm(e) => AccelError::Bus(e),
            _ => AccelError::Config,
        }
    }
}

/// The accelerometer half of an LSM303AGR on an I2C bus.
pub struct Accelerometer<I2C> {
    sensor: Lsm303agr<I2cInterface<I2C>, mode::MagOneShot>,
}

impl<I2C: I2c> Accelerometer<I2C> {
    /// Checks the chip identity, configures it at ±4 g (see the module docs) and waits
    /// [`TURN_ON_MS`] through `delay` (a no-op delay under simulation skips the wait).
    pub fn new(i2c: I2C, delay: &mut impl DelayNs) -> Result<Self, AccelError<I2C::Error>> {
        Self::init(i2c, delay).map_err(|(e, _)| e)
    }

    /// Like [`new`](Self::new), but gives the bus back when the chip cannot be set up,
    /// so that the caller can try again later ([`crate::reader`] does). A fresh driver
    /// each time: its cached register values are the chip's power-on ones, which is what
    /// a chip that lost power or reset holds.
    pub fn init(i2c: I2C, delay: &mut impl DelayNs) -> Result<Self, (AccelError<I2C::Error>, I2C)> {
        Self::init_with(i2c, FullScale::G4, delay)
    }

    /// [`init`](Self::init) at the range `full_scale`.
    pub fn init_with(
        i2c: I2C,
        full_scale: FullScale,
        delay: &mut impl DelayNs,
    ) -> Result<Self, (AccelError<I2C::Error>, I2C)> {
        let mut sensor = Lsm303agr::new_with_i2c(i2c);
        match Self::configure(&mut sensor, full_scale, delay) {
            Ok(()) => Ok(Accelerometer { sensor }),
            Err(e) => Err((e, sensor.destroy())),
        }
    }

    fn configure(
        sensor: &mut Lsm303agr<I2cInterface<I2C>, mode::MagOneShot>,
        full_scale: FullScale,
        delay: &mut impl DelayNs,
    ) -> Result<(), AccelError<I2C::Error>> {
        let id = sensor.accelerometer_id()?;
        if !id.is_correct() {
            return Err(AccelError::WrongDevice(id.raw()));
        }
        sensor.init()?;
        sensor.set_accel_mode_and_odr(delay, AccelMode::HighResolution, ODR)?;
        sensor.set_accel_scale(full_scale.scale())?;
        // The driver's own wait is 1000 times too short (see the module docs).
        delay.delay_ms(TURN_ON_MS);
        Ok(())
    }

    /// The newest sample if the chip has one that was not read yet.
    pub fn try_sample(&mut self) -> Result<Option<Sample>, AccelError<I2C::Error>> {
        if !self.sensor.accel_status()?.xyz_new_data() {
            return Ok(None);
        }
        let (x, y, z) = self.sensor.acceleration()?.xyz_mg();
        Ok(Some([saturate(x), saturate(y), saturate(z)]))
    }

    /// Waits for and returns the next sample, polling every millisecond.
    pub fn sample(&mut self, delay: &mut impl DelayNs) -> Result<Sample, AccelError<I2C::Error>> {
        for _ in 0..SAMPLE_TIMEOUT_POLLS {
            if let Some(s) = self.try_sample()? {
                return Ok(s);
            }
            delay.delay_ms(1);
        }
        Err(AccelError::Timeout)
    }

    /// Reads [`WINDOW`] consecutive samples (0.64 s at 50 Hz on a real chip).
    pub fn read_window(&mut self, delay: &mut impl DelayNs) -> Result<Window, AccelError<I2C::Error>> {
        let mut w = [[0; 3]; WINDOW];
        for s in w.iter_mut() {
            *s = self.sample(delay)?;
        }
        Ok(w)
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.sensor.destroy()
    }
}

/// The LSM303AGR as a generic [`SampleSource`]: three axes in milli-g, features in g.
impl<I2C: I2c> SampleSource<3> for Accelerometer<I2C> {
    type Error = AccelError<I2C::Error>;

    fn try_read(&mut self) -> Result<Option<[i32; 3]>, Self::Error> {
        Ok(self.try_sample()?.map(|s| s.map(i32::from)))
    }

    fn scale(&self) -> Scale {
        Scale::MILLI_G_AS_G
    }
}

fn saturate(mg: i32) -> i16 {
    mg.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// A delay that returns at once: for simulated sensors, which are always ready.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDelay;

impl DelayNs for NoDelay {
    fn delay_ns(&mut self, _ns: u32) {}
}
