//! Freeing a stuck I2C bus, on any pair of `embedded-hal` 1.0 pins.
//!
//! A slave that was sending a byte when its master stopped clocking (the master reset
//! in the middle of a read, a glitch on SCL) keeps driving SDA low while it waits for
//! clocks that never come. The bus is then stuck: every START the master tries fails,
//! and the nRF52's TWIM waits for an end that never comes. The cure is the bus clear of
//! the I2C-bus specification (NXP UM10204, section 3.1.16): with the pins as GPIO, clock
//! SCL until the slave lets SDA go (at most nine clocks: the rest of its byte and the
//! acknowledge bit), then send a STOP condition. [`clear_bus`] does that; the board
//! turns its TWIM pins into open-drain GPIO, calls it, and creates the peripheral again
//! (`firmware/microbit-v2`, before every set-up of the sensor, see
//! [`crate::reader::Recover`]).

use core::fmt;

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{InputPin, OutputPin};

/// Clock pulses [`clear_bus`] gives at most: eight data bits and the acknowledge bit.
pub const MAX_CLOCKS: u32 = 9;

/// Half a clock period in microseconds (a 100 kHz clock, the slowest standard mode).
pub const HALF_PERIOD_US: u32 = 5;

/// Half periods [`clear_bus`] waits for a slave that holds SCL low (clock stretching)
/// before giving up: 1 ms.
pub const STRETCH_LIMIT: u32 = 200;

/// Why the bus could not be freed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum BusClearError {
    /// A pin could not be read or set.
    Pin,
    /// SCL stayed low: something holds the clock line (a slave stretching for ever, a
    /// short to ground).
    ClockHeld,
    /// SDA was still low after [`MAX_CLOCKS`] clocks and the STOP: a slave that does not
    /// follow the protocol, or a short to ground.
    DataHeld,
}

impl fmt::Display for BusClearError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BusClearError::Pin => "an I2C pin could not be driven or read",
            BusClearError::ClockHeld => "SCL is held low",
            BusClearError::DataHeld => "SDA is still held low after nine clocks and a STOP",
        })
    }
}

impl core::error::Error for BusClearError {}

/// Clocks out a slave that holds SDA low, then sends a STOP. Both pins must be
/// open-drain (setting one high releases the line, reading it gives the line's level).
/// Returns the clock pulses it took (0 when the bus was free).
///
/// # Examples
/// A free bus takes no clock (the bus is the mock of this module's tests).
/// ```
/// # use core::convert::Infallible;
/// # use embedded_hal::digital::{ErrorType, InputPin, OutputPin};
/// # struct Line(bool);
/// # impl ErrorType for Line { type Error = Infallible; }
/// # impl OutputPin for Line {
/// #     fn set_low(&mut self) -> Result<(), Infallible> { self.0 = false; Ok(()) }
/// #     fn set_high(&mut self) -> Result<(), Infallible> { self.0 = true; Ok(()) }
/// # }
/// # impl InputPin for Line {
/// #     fn is_high(&mut self) -> Result<bool, Infallible> { Ok(self.0) }
/// #     fn is_low(&mut self) -> Result<bool, Infallible> { Ok(!self.0) }
/// # }
/// use nn_learn::accel::NoDelay;
/// use nn_learn::bus::clear_bus;
/// let (mut scl, mut sda) = (Line(true), Line(true));
/// assert_eq!(clear_bus(&mut scl, &mut sda, &mut NoDelay), Ok(0));
/// ```
pub fn clear_bus<SCL, SDA>(scl: &mut SCL, sda: &mut SDA, delay: &mut impl DelayNs) -> Result<u32, BusClearError>
where
    SCL: InputPin + OutputPin,
    SDA: InputPin + OutputPin,
{
    sda.set_high().map_err(|_| BusClearError::Pin)?;
    release_clock(scl, delay)?;
    let mut clocks = 0;
    while sda.is_low().map_err(|_| BusClearError::Pin)? && clocks < MAX_CLOCKS {
        scl.set_low().map_err(|_| BusClearError::Pin)?;
        delay.delay_us(HALF_PERIOD_US);
        release_clock(scl, delay)?;
        clocks += 1;
    }
    // STOP: SDA goes high while SCL is high.
    scl.set_low().map_err(|_| BusClearError::Pin)?;
    delay.delay_us(HALF_PERIOD_US);
    sda.set_low().map_err(|_| BusClearError::Pin)?;
    delay.delay_us(HALF_PERIOD_US);
    release_clock(scl, delay)?;
    sda.set_high().map_err(|_| BusClearError::Pin)?;
    delay.delay_us(HALF_PERIOD_US);
    if sda.is_low().map_err(|_| BusClearError::Pin)? {
        return Err(BusClearError::DataHeld);
    }
    Ok(clocks)
}

/// Lets SCL go high and waits half a period, longer while a slave stretches the clock,
/// at most [`STRETCH_LIMIT`] half periods.
fn release_clock<SCL: InputPin + OutputPin>(scl: &mut SCL, delay: &mut impl DelayNs) -> Result<(), BusClearError> {
    scl.set_high().map_err(|_| BusClearError::Pin)?;
    for _ in 0..STRETCH_LIMIT {
        delay.delay_us(HALF_PERIOD_US);
        if scl.is_high().map_err(|_| BusClearError::Pin)? {
            return Ok(());
        }
    }
    Err(BusClearError::ClockHeld)
}

#[cfg(test)]
mod tests {
    use core::cell::RefCell;
    use core::convert::Infallible;

    use super::*;
    use crate::accel::NoDelay;
    use embedded_hal::digital::ErrorType;

    /// Two open-drain lines with pull-ups and a slave on them that holds SDA low for the
    /// next `hold` rising edges of SCL, or holds SCL low for ever.
    #[derive(Debug, Default)]
    struct Bus {
        scl_master: bool,
        sda_master: bool,
        hold: u32,
        holds_scl: bool,
        rising_edges: u32,
        stops: u32,
    }

    impl Bus {
        fn new(hold: u32) -> RefCell<Bus> {
            RefCell::new(Bus { scl_master: true, sda_master: true, hold, ..Bus::default() })
        }
        fn scl(&self) -> bool {
            self.scl_master && !self.holds_scl
        }
        fn sda(&self) -> bool {
            self.sda_master && self.hold == 0
        }
    }

    struct Scl<'a>(&'a RefCell<Bus>);
    struct Sda<'a>(&'a RefCell<Bus>);

    impl ErrorType for Scl<'_> {
        type Error = Infallible;
    }
    impl ErrorType for Sda<'_> {
        type Error = Infallible;
    }

    impl OutputPin for Scl<'_> {
        fn set_low(&mut self) -> Result<(), Infallible> {
            self.0.borrow_mut().scl_master = false;
            Ok(())
        }
        fn set_high(&mut self) -> Result<(), Infallible> {
            let mut bus = self.0.borrow_mut();
            let was = bus.scl();
            bus.scl_master = true;
            if !was && bus.scl() {
                bus.rising_edges += 1;
                // The slave shifts one more bit out on each clock.
                bus.hold = bus.hold.saturating_sub(1);
            }
            Ok(())
        }
    }

    impl InputPin for Scl<'_> {
        fn is_high(&mut self) -> Result<bool, Infallible> {
            Ok(self.0.borrow().scl())
        }
        fn is_low(&mut self) -> Result<bool, Infallible> {
            Ok(!self.0.borrow().scl())
        }
    }

    impl OutputPin for Sda<'_> {
        fn set_low(&mut self) -> Result<(), Infallible> {
            self.0.borrow_mut().sda_master = false;
            Ok(())
        }
        fn set_high(&mut self) -> Result<(), Infallible> {
            let mut bus = self.0.borrow_mut();
            let was = bus.sda();
            bus.sda_master = true;
            if !was && bus.sda() && bus.scl() {
                bus.stops += 1;
            }
            Ok(())
        }
    }

    impl InputPin for Sda<'_> {
        fn is_high(&mut self) -> Result<bool, Infallible> {
            Ok(self.0.borrow().sda())
        }
        fn is_low(&mut self) -> Result<bool, Infallible> {
            Ok(!self.0.borrow().sda())
        }
    }

    fn clear(bus: &RefCell<Bus>) -> Result<u32, BusClearError> {
        clear_bus(&mut Scl(bus), &mut Sda(bus), &mut NoDelay)
    }

    #[test]
    fn a_free_bus_gets_a_stop_and_no_clock() {
        let bus = Bus::new(0);
        assert_eq!(clear(&bus), Ok(0));
        let b = bus.borrow();
        // The STOP's own clock is the only rising edge.
        assert_eq!((b.rising_edges, b.stops, b.scl(), b.sda()), (1, 1, true, true));
    }

    #[test]
    fn a_slave_holding_sda_for_n_clocks_is_clocked_out() {
        for n in 1..=MAX_CLOCKS {
            let bus = Bus::new(n);
            assert_eq!(clear(&bus), Ok(n), "held for {n} clocks");
            let b = bus.borrow();
            assert_eq!((b.rising_edges, b.stops, b.scl(), b.sda()), (n + 1, 1, true, true), "held for {n}");
        }
    }

    #[test]
    fn a_slave_that_never_lets_go_is_reported_after_nine_clocks() {
        let bus = Bus::new(u32::MAX);
        assert_eq!(clear(&bus), Err(BusClearError::DataHeld));
        assert_eq!(bus.borrow().rising_edges, MAX_CLOCKS + 1);
        // A slave that needs ten clocks gets its tenth from the STOP.
        let bus = Bus::new(MAX_CLOCKS + 1);
        assert_eq!(clear(&bus), Ok(MAX_CLOCKS));
    }

    #[test]
    fn a_clock_held_low_is_reported_without_spinning() {
        let bus = Bus::new(3);
        bus.borrow_mut().holds_scl = true;
        assert_eq!(clear(&bus), Err(BusClearError::ClockHeld));
        assert_eq!(bus.borrow().rising_edges, 0);
    }
}
