//! Bus recovery for the micro:bit's internal I2C bus (the LSM303AGR and the interface
//! chip): before every set-up of the sensor, the TWIM is freed, its pins become
//! open-drain GPIO for `nn_learn::bus::clear_bus` (up to nine clocks and a STOP, to free
//! a slave stuck in the middle of a byte), and the TWIM is created afresh (disabled and
//! enabled again, which resets its state machine).

use defmt::{info, warn};
use embedded_hal::delay::DelayNs;
use microbit::hal::gpio::{Level, OpenDrainConfig};
use microbit::hal::twim::{self, Frequency, Twim};
use microbit::pac::TWIM0;
use nn_learn::bus::clear_bus;
use nn_learn::reader::Recover;

/// Recovers the TWIM0 bus; counts what it did for the logs.
pub struct TwimRecovery {
    frequency: Frequency,
    /// Recoveries run.
    pub runs: u32,
    /// Recoveries that had to clock a slave out.
    pub freed: u32,
    /// Recoveries that could not free the bus.
    pub failed: u32,
}

impl TwimRecovery {
    /// Re-creates the TWIM at `frequency`.
    pub const fn new(frequency: Frequency) -> Self {
        TwimRecovery { frequency, runs: 0, freed: 0, failed: 0 }
    }
}

impl Recover<Twim<TWIM0>> for TwimRecovery {
    fn recover<D: DelayNs>(&mut self, i2c: Twim<TWIM0>, delay: &mut D) -> Twim<TWIM0> {
        self.runs = self.runs.saturating_add(1);
        let (twim, pins) = i2c.free();
        // Off: the pins are the GPIO's again, and the state machine starts afresh.
        twim.enable.write(|w| w.enable().disabled());
        let mut scl = pins.scl.into_open_drain_input_output(OpenDrainConfig::Standard0Disconnect1, Level::High);
        let mut sda = pins.sda.into_open_drain_input_output(OpenDrainConfig::Standard0Disconnect1, Level::High);
        match clear_bus(&mut scl, &mut sda, delay) {
            Ok(0) => {}
            Ok(clocks) => {
                self.freed = self.freed.saturating_add(1);
                info!("i2c: a slave held SDA; freed after {} clocks", clocks);
            }
            Err(e) => {
                self.failed = self.failed.saturating_add(1);
                warn!("i2c: bus not freed: {}", e);
            }
        }
        let pins = twim::Pins { scl: scl.into_floating_input(), sda: sda.into_floating_input() };
        Twim::new(twim, pins, self.frequency)
    }
}
