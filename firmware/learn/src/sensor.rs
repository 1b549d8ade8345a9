//! Any sensor: a [`SampleSource`] delivers samples of `AXES` axes as raw integer counts,
//! with the [`Scale`] that turns counts into a physical [`Unit`]; [`read_window`] fills a
//! window of `LEN` of them, and a sample that does not come ends the window with an error
//! (a missing sample never reaches the features).
//!
//! The trait is this crate's, so any `embedded-hal` 1.0 driver crate plugs in with a few
//! lines; the LSM303AGR of the micro:bit ([`crate::accel::Accelerometer`]) implements it.
//!
//! # Plugging in another IMU driver
//!
//! A driver crate typically offers "is a sample ready?" and "read the sample" over an
//! `embedded-hal` 1.0 I2C or SPI bus. Wrap it and implement [`SampleSource`]; here a
//! mock stands in for a 6-axis driver. All axes of a source share one [`Scale`]: a driver
//! whose accelerometer and gyroscope have different sensitivities is read as two
//! sources, or converted to one common count first.
//!
//! ```
//! use nn_learn::sensor::{read_window, SampleSource, Scale, Unit};
//! use nn_learn::features::{FeatureSet, features};
//!
//! /// Stands in for e.g. `Imu<I2C>` of an embedded-hal 1.0 driver crate.
//! struct MockImu { t: i32 }
//! impl MockImu {
//!     // What such a driver offers: a data-ready flag and a raw read.
//!     fn data_ready(&mut self) -> Result<bool, ()> { Ok(true) }
//!     fn read_raw(&mut self) -> Result<[i16; 6], ()> {
//!         self.t += 1;
//!         Ok([(self.t % 7) as i16, 0, 1000, 3, -2, (self.t % 3) as i16])
//!     }
//! }
//!
//! impl SampleSource<6> for MockImu {
//!     type Error = ();
//!     fn try_read(&mut self) -> Result<Option<[i32; 6]>, ()> {
//!         if !self.data_ready()? {
//!             return Ok(None);
//!         }
//!         Ok(Some(self.read_raw()?.map(i32::from)))
//!     }
//!     fn scale(&self) -> Scale {
//!         Scale { counts_per_unit: 1000.0, unit: Unit::G }
//!     }
//! }
//!
//! const SET: FeatureSet = FeatureSet::MEAN.with(FeatureSet::STD);
//! const F: usize = SET.len(6);
//! let mut imu = MockImu { t: 0 };
//! let window: [[i32; 6]; 16] = read_window(&mut imu, &mut nn_learn::accel::NoDelay, 10).unwrap();
//! let f: [f32; F] = features(&window, imu.scale(), SET).unwrap();
//! assert_eq!(f[2], 1.0); // the z axis' mean: 1000 counts at 1000 counts per g
//! ```

use core::fmt;

use embedded_hal::delay::DelayNs;

/// The physical unit a [`Scale`] converts counts into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Unit {
    /// Standard gravity, 9.80665 m/s².
    G,
    /// Thousandths of standard gravity.
    MilliG,
    /// Metres per second squared.
    MetresPerSecond2,
    /// Degrees per second (a gyroscope).
    DegreesPerSecond,
    /// Radians per second (a gyroscope).
    RadiansPerSecond,
    /// Microtesla (a magnetometer).
    MicroTesla,
    /// Anything else; the features are then in the sensor's counts divided by the scale.
    Other,
}

impl Unit {
    /// The unit's name as written in recordings and logs.
    pub const fn name(self) -> &'static str {
        match self {
            Unit::G => "g",
            Unit::MilliG => "mg",
            Unit::MetresPerSecond2 => "m/s2",
            Unit::DegreesPerSecond => "deg/s",
            Unit::RadiansPerSecond => "rad/s",
            Unit::MicroTesla => "uT",
            Unit::Other => "other",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How raw counts become a physical value: `value = counts / counts_per_unit`, in `unit`.
///
/// A divisor rather than a factor: drivers state their sensitivity as counts per unit
/// (1000 mg per g, 16.4 counts per °/s), and dividing an exact integer sum by it rounds
/// once, where multiplying by a rounded reciprocal would round twice.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Scale {
    /// Counts per unit: positive and finite.
    pub counts_per_unit: f32,
    /// The unit of the features.
    pub unit: Unit,
}

impl Scale {
    /// Counts are milli-g, features in g: the LSM303AGR driver's `xyz_mg()`.
    pub const MILLI_G_AS_G: Scale = Scale { counts_per_unit: 1000.0, unit: Unit::G };
    /// Samples already in their unit (`f32` recordings converted to counts 1:1).
    pub const fn unit(unit: Unit) -> Scale {
        Scale { counts_per_unit: 1.0, unit }
    }
    /// True when `counts_per_unit` is positive and finite.
    pub fn is_valid(&self) -> bool {
        self.counts_per_unit.is_finite() && self.counts_per_unit > 0.0
    }
}

/// A sensor of `AXES` axes that delivers raw integer counts: implement this for a driver
/// (see the module docs for a mock of an `embedded-hal` 1.0 IMU driver).
pub trait SampleSource<const AXES: usize> {
    /// What a failed transfer returns.
    type Error;
    /// The next sample if the sensor has a new one, `None` if not yet.
    fn try_read(&mut self) -> Result<Option<[i32; AXES]>, Self::Error>;
    /// How this source's counts become a physical value.
    fn scale(&self) -> Scale;
}

/// Why [`read_window`] returned no window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReadError<E> {
    /// A transfer failed.
    Source(E),
    /// Sample `index` of the window did not arrive within the polls allowed.
    Missing {
        /// Position of the missing sample in the window.
        index: usize,
    },
}

impl<E: fmt::Debug> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Source(e) => write!(f, "the sensor failed: {e:?}"),
            ReadError::Missing { index } => write!(f, "sample {index} of the window did not arrive"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for ReadError<E> {}

/// Reads `LEN` consecutive samples from `source`, polling each up to `polls` times, 1 ms
/// apart. A failed transfer or a missing sample ends the window: it never reaches the
/// features half-filled.
pub fn read_window<S: SampleSource<AXES>, const AXES: usize, const LEN: usize>(
    source: &mut S,
    delay: &mut impl DelayNs,
    polls: u32,
) -> Result<[[i32; AXES]; LEN], ReadError<S::Error>> {
    let mut window = [[0i32; AXES]; LEN];
    for (index, slot) in window.iter_mut().enumerate() {
        let mut got = None;
        for _ in 0..polls {
            if let Some(s) = source.try_read().map_err(ReadError::Source)? {
                got = Some(s);
                break;
            }
            delay.delay_ms(1);
        }
        *slot = got.ok_or(ReadError::Missing { index })?;
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accel::NoDelay;

    /// Delivers `ready` samples, then nothing.
    struct Countdown {
        ready: usize,
    }

    impl SampleSource<1> for Countdown {
        type Error = ();
        fn try_read(&mut self) -> Result<Option<[i32; 1]>, ()> {
            if self.ready == 0 {
                return Ok(None);
            }
            self.ready -= 1;
            Ok(Some([self.ready as i32]))
        }
        fn scale(&self) -> Scale {
            Scale::unit(Unit::DegreesPerSecond)
        }
    }

    #[test]
    fn a_missing_sample_ends_the_window() {
        let w: Result<[[i32; 1]; 4], _> = read_window(&mut Countdown { ready: 4 }, &mut NoDelay, 3);
        assert_eq!(w, Ok([[3], [2], [1], [0]]));
        let short: Result<[[i32; 1]; 4], _> = read_window(&mut Countdown { ready: 2 }, &mut NoDelay, 3);
        assert_eq!(short, Err(ReadError::Missing { index: 2 }));
        assert!(Scale::MILLI_G_AS_G.is_valid());
        assert!(!Scale { counts_per_unit: 0.0, unit: Unit::G }.is_valid());
    }
}
