//! The LSM303AGR accelerometer, configured for gesture windows.
//!
//! Configuration: high-resolution mode (12 bit), ±4 g, 50 Hz output data rate, block
//! data update on. A sample is then an integer number of milli-g on a 2 mg grid, the
//! same grid the gesture simulator (`sim::gestures::GestureSim`) produces.

use core::fmt;

use crate::sensor::{SampleSource, Scale};
use crate::window::{Sample, Window, WINDOW};
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use lsm303agr::interface::I2cInterface;
use lsm303agr::{mode, AccelMode, AccelOutputDataRate, AccelScale, Lsm303agr};

/// Output data rate used for windows (must match [`crate::window::SAMPLE_RATE_HZ`]).
pub const ODR: AccelOutputDataRate = AccelOutputDataRate::Hz50;

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
    /// Checks the chip identity and configures it (see the module docs). `delay` lets
    /// the driver wait for the mode change (it may be a no-op under simulation).
    pub fn new(i2c: I2C, delay: &mut impl DelayNs) -> Result<Self, AccelError<I2C::Error>> {
        Self::init(i2c, delay).map_err(|(e, _)| e)
    }

    /// Like [`new`](Self::new), but gives the bus back when the chip cannot be set up,
    /// so that the caller can try again later ([`crate::reader`] does). A fresh driver
    /// each time: its cached register values are the chip's power-on ones, which is what
    /// a chip that lost power or reset holds.
    pub fn init(i2c: I2C, delay: &mut impl DelayNs) -> Result<Self, (AccelError<I2C::Error>, I2C)> {
        let mut sensor = Lsm303agr::new_with_i2c(i2c);
        match Self::configure(&mut sensor, delay) {
            Ok(()) => Ok(Accelerometer { sensor }),
            Err(e) => Err((e, sensor.destroy())),
        }
    }

    fn configure(
        sensor: &mut Lsm303agr<I2cInterface<I2C>, mode::MagOneShot>,
        delay: &mut impl DelayNs,
    ) -> Result<(), AccelError<I2C::Error>> {
        let id = sensor.accelerometer_id()?;
        if !id.is_correct() {
            return Err(AccelError::WrongDevice(id.raw()));
        }
        sensor.init()?;
        sensor.set_accel_mode_and_odr(delay, AccelMode::HighResolution, ODR)?;
        sensor.set_accel_scale(AccelScale::G4)?;
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
