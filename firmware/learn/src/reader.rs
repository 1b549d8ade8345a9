//! A fault-tolerant accelerometer: every window it delivers is safe to learn from, every
//! window it cannot deliver comes with a reason, and the firmware never stops on a fault.
//!
//! [`Reader::read_window`] applies this policy ([`Policy`]):
//! - a transfer that fails (NACK, bus error) is tried again, up to
//!   [`sample_retries`](Policy::sample_retries) failures in a row: a glitch costs one
//!   transfer, not the window;
//! - a sample that does not arrive within [`SAMPLE_TIMEOUT_POLLS`] polls 1 ms apart
//!   ends the window: the chip stopped converting;
//! - a complete window must pass [`checked_features`] (not stuck, not saturated, finite);
//! - after [`reinit_after`](Policy::reinit_after) failed windows in a row, the sensor is set
//!   up again from scratch ([`Accelerometer::init`] on the same bus): a chip that reset
//!   or hung is powered down or misconfigured until then. If that fails too the reader is
//!   offline, and each later call first tries again, after
//!   [`offline_pause_ms`](Policy::offline_pause_ms) so that a board without its sensor
//!   does not spin.
//!
//! Every set-up, the first and each re-initialisation, starts with the board's bus
//! recovery ([`Recover`]: on the micro:bit, a stuck slave is clocked out and the I2C
//! peripheral created again, see [`crate::bus`]) and ends with the chip's turn-on wait
//! ([`crate::accel::TURN_ON_MS`]), so no window starts with unsettled samples.
//!
//! [`FaultCounters`] counts every fault by kind for the logs (defmt on the board, the
//! `faults:` and `summary:` lines under QEMU).

use core::fmt;

use crate::window::{checked_features, Sample, Window, WindowFault, WINDOW};
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;

use crate::accel::{Accelerometer, FullScale, SAMPLE_TIMEOUT_POLLS};

/// How hard the reader tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Policy {
    /// Extra attempts after a failed transfer (failures in a row, per sample).
    pub sample_retries: u32,
    /// Failed windows in a row before the sensor is set up again (at least 1).
    pub reinit_after: u32,
    /// Pause before returning [`Skip::Offline`], in milliseconds.
    pub offline_pause_ms: u32,
}

impl Policy {
    /// 3 retries per sample (four transient errors in a row are rare unless the bus is
    /// broken), set up again after 3 failed windows (about 2 s at 50 Hz), one window's
    /// time (640 ms) between attempts while offline.
    pub const DEFAULT: Policy = Policy { sample_retries: 3, reinit_after: 3, offline_pause_ms: 640 };
}

impl Default for Policy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a window was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Skip {
    /// Transfers failed `1 + sample_retries` times in a row.
    Bus,
    /// A sample did not arrive in time.
    Timeout,
    /// The complete window failed the quality check.
    Window(WindowFault),
    /// The sensor is not set up, and setting it up failed again.
    Offline,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Bus => f.write_str("I2C transfers failed after every retry"),
            Skip::Timeout => f.write_str("no sample in time"),
            Skip::Window(fault) => write!(f, "window {fault}"),
            Skip::Offline => f.write_str("sensor offline"),
        }
    }
}

/// What the reader did about the sensor after a skipped window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reinit {
    /// Nothing.
    None,
    /// Set it up again, and it answered.
    Done,
    /// Tried to set it up again; it did not answer.
    Failed,
}

/// A skipped window: why, and whether the sensor was set up again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Skipped {
    /// Why the window was skipped.
    pub reason: Skip,
    /// What was done about the sensor.
    pub reinit: Reinit,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reason)?;
        match self.reinit {
            Reinit::None => Ok(()),
            Reinit::Done => f.write_str("; sensor set up again"),
            Reinit::Failed => f.write_str("; setting the sensor up again failed"),
        }
    }
}

/// Every fault the reader met, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FaultCounters {
    /// Windows delivered.
    pub windows: u32,
    /// Windows skipped, for any of the reasons below.
    pub skipped: u32,
    /// Failed transfers while reading samples (each one retried or ending its window).
    pub bus_errors: u32,
    /// Samples read after at least one failed transfer.
    pub recovered: u32,
    /// Windows skipped because a sample's retries ran out ([`Skip::Bus`]).
    pub bus_skips: u32,
    /// Windows skipped because a sample did not arrive ([`Skip::Timeout`]).
    pub timeouts: u32,
    /// Windows skipped as [`WindowFault::Stuck`].
    pub stuck: u32,
    /// Windows skipped as [`WindowFault::Saturated`].
    pub saturated: u32,
    /// Windows skipped as [`WindowFault::NonFinite`].
    pub non_finite: u32,
    /// Windows skipped while the sensor was offline ([`Skip::Offline`]).
    pub offline: u32,
    /// Times the sensor was set up again and answered.
    pub reinits: u32,
    /// Set-up attempts (at start or later) that failed.
    pub reinit_failures: u32,
}

impl FaultCounters {
    /// Windows skipped by the quality check.
    pub fn rejected(&self) -> u32 {
        self.stuck.saturating_add(self.saturated).saturating_add(self.non_finite)
    }
}

/// `key=value` pairs, as in the QEMU `summary:` line.
impl fmt::Display for FaultCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "windows={} skipped={} bus_errors={} recovered={} bus_skips={} timeouts={} stuck={} saturated={} \
             non_finite={} offline={} reinits={} reinit_failures={}",
            self.windows,
            self.skipped,
            self.bus_errors,
            self.recovered,
            self.bus_skips,
            self.timeouts,
            self.stuck,
            self.saturated,
            self.non_finite,
            self.offline,
            self.reinits,
            self.reinit_failures
        )
    }
}

/// Adds one, stopping at `u32::MAX`.
fn bump(counter: &mut u32) {
    *counter = counter.saturating_add(1);
}

/// What the reader does to the bus before each set-up of the sensor (at start and at
/// every re-initialisation): on a board, free a bus a slave holds (with
/// [`crate::bus::clear_bus`] on the pins as GPIO) and create the I2C peripheral again,
/// so that a set-up never starts on a stuck bus.
pub trait Recover<I2C> {
    /// Takes the bus and gives back one ready for a set-up.
    fn recover<D: DelayNs>(&mut self, i2c: I2C, delay: &mut D) -> I2C;
}

/// No recovery: the bus is used as it is (the simulated chip, the host tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRecovery;

impl<I2C> Recover<I2C> for NoRecovery {
    fn recover<D: DelayNs>(&mut self, i2c: I2C, _delay: &mut D) -> I2C {
        i2c
    }
}

/// The bus, with or without a set-up driver on it.
enum Link<I2C> {
    Up(Accelerometer<I2C>),
    Down(I2C),
}

/// A fault-tolerant LSM303AGR reader (see the module docs).
pub struct Reader<I2C, R = NoRecovery> {
    /// `None` only in the middle of [`Reader::connect`].
    link: Option<Link<I2C>>,
    policy: Policy,
    full_scale: FullScale,
    recovery: R,
    failed_in_a_row: u32,
    counters: FaultCounters,
}

impl<I2C: I2c> Reader<I2C, NoRecovery> {
    /// Takes the bus and sets the sensor up at ±4 g. Never fails: a sensor that does not
    /// answer now leaves the reader offline, and the next
    /// [`read_window`](Self::read_window) tries again.
    pub fn new(i2c: I2C, policy: Policy, delay: &mut impl DelayNs) -> Self {
        Self::with_full_scale(i2c, policy, FullScale::G4, delay)
    }

    /// [`new`](Self::new) at the range `full_scale` (kept through re-initialisations).
    pub fn with_full_scale(i2c: I2C, policy: Policy, full_scale: FullScale, delay: &mut impl DelayNs) -> Self {
        Reader::with_recovery(i2c, policy, full_scale, NoRecovery, delay)
    }
}

impl<I2C: I2c, R: Recover<I2C>> Reader<I2C, R> {
    /// [`with_full_scale`](Reader::with_full_scale), with `recovery` run on the bus
    /// before every set-up, this first one included.
    pub fn with_recovery(
        i2c: I2C,
        policy: Policy,
        full_scale: FullScale,
        recovery: R,
        delay: &mut impl DelayNs,
    ) -> Self {
        let mut reader = Reader {
            link: Some(Link::Down(i2c)),
            policy,
            full_scale,
            recovery,
            failed_in_a_row: 0,
            counters: FaultCounters::default(),
        };
        reader.connect(delay);
        reader
    }

    /// The recovery (for its own counters).
    pub fn recovery(&self) -> &R {
        &self.recovery
    }

    /// True when the sensor is set up.
    pub fn is_online(&self) -> bool {
        matches!(self.link, Some(Link::Up(_)))
    }

    /// The faults met so far.
    pub fn counters(&self) -> FaultCounters {
        self.counters
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Reads [`WINDOW`] consecutive samples that pass [`checked_features`], or says why not.
    pub fn read_window(&mut self, delay: &mut impl DelayNs) -> Result<Window, Skipped> {
        self.read_window_with(delay, || {})
    }

    /// [`read_window`](Self::read_window), calling `each_poll` at every poll of the
    /// chip (about once a millisecond while waiting for a sample on a real chip): the
    /// board reads its buttons there ([`crate::buttons`]).
    pub fn read_window_with(
        &mut self,
        delay: &mut impl DelayNs,
        mut each_poll: impl FnMut(),
    ) -> Result<Window, Skipped> {
        let mut reinit = Reinit::None;
        if !self.is_online() {
            if self.connect(delay) {
                bump(&mut self.counters.reinits);
                reinit = Reinit::Done;
            } else {
                bump(&mut self.counters.skipped);
                bump(&mut self.counters.offline);
                delay.delay_ms(self.policy.offline_pause_ms);
                return Err(Skipped { reason: Skip::Offline, reinit: Reinit::Failed });
            }
        }
        let result = match self.link.as_mut() {
            Some(Link::Up(accel)) => {
                Pass { accel, policy: self.policy, counters: &mut self.counters, delay, each_poll: &mut each_poll }
                    .window()
            }
            _ => Err(Skip::Offline),
        };
        match result {
            Ok(w) => {
                self.failed_in_a_row = 0;
                bump(&mut self.counters.windows);
                Ok(w)
            }
            Err(reason) => {
                bump(&mut self.counters.skipped);
                bump(match reason {
                    Skip::Bus => &mut self.counters.bus_skips,
                    Skip::Timeout => &mut self.counters.timeouts,
                    Skip::Window(WindowFault::Stuck) => &mut self.counters.stuck,
                    Skip::Window(WindowFault::Saturated) => &mut self.counters.saturated,
                    Skip::Window(_) => &mut self.counters.non_finite,
                    Skip::Offline => &mut self.counters.offline,
                });
                bump(&mut self.failed_in_a_row);
                if self.failed_in_a_row >= self.policy.reinit_after.max(1) {
                    self.failed_in_a_row = 0;
                    reinit = if self.connect(delay) {
                        bump(&mut self.counters.reinits);
                        Reinit::Done
                    } else {
                        Reinit::Failed
                    };
                }
                Err(Skipped { reason, reinit })
            }
        }
    }

    /// Sets the sensor up from scratch with a fresh driver; true if it answered.
    fn connect(&mut self, delay: &mut impl DelayNs) -> bool {
        let i2c = match self.link.take() {
            Some(Link::Up(accel)) => accel.release(),
            Some(Link::Down(i2c)) => i2c,
            None => return false,
        };
        let i2c = self.recovery.recover(i2c, delay);
        match Accelerometer::init_with(i2c, self.full_scale, delay) {
            Ok(accel) => {
                self.link = Some(Link::Up(accel));
                true
            }
            Err((_, i2c)) => {
                self.link = Some(Link::Down(i2c));
                bump(&mut self.counters.reinit_failures);
                false
            }
        }
    }

    /// Gives the bus back.
    pub fn release(self) -> Option<I2C> {
        match self.link {
            Some(Link::Up(accel)) => Some(accel.release()),
            Some(Link::Down(i2c)) => Some(i2c),
            None => None,
        }
    }
}

/// One pass at reading a window: the driver, the policy, the counters it bumps, the
/// delay, the caller's hook at each poll.
struct Pass<'a, I2C, D, P> {
    accel: &'a mut Accelerometer<I2C>,
    policy: Policy,
    counters: &'a mut FaultCounters,
    delay: &'a mut D,
    each_poll: &'a mut P,
}

impl<I2C: I2c, D: DelayNs, P: FnMut()> Pass<'_, I2C, D, P> {
    fn window(&mut self) -> Result<Window, Skip> {
        let mut w = [[0; 3]; WINDOW];
        for s in w.iter_mut() {
            *s = self.sample()?;
        }
        checked_features(&w).map_err(Skip::Window)?;
        Ok(w)
    }

    fn sample(&mut self) -> Result<Sample, Skip> {
        let Pass { accel, policy, counters, delay, each_poll } = self;
        // Failed transfers in a row (a transfer that works resets it), and polls that found
        // no new sample (whatever failed in between).
        let (mut failures, mut polls, mut failed) = (0u32, 0u32, false);
        loop {
            each_poll();
            match accel.try_sample() {
                Ok(Some(s)) => {
                    if failed {
                        bump(&mut counters.recovered);
                    }
                    return Ok(s);
                }
                Ok(None) => {
                    failures = 0;
                    polls += 1;
                    if polls >= SAMPLE_TIMEOUT_POLLS {
                        return Err(Skip::Timeout);
                    }
                    delay.delay_ms(1);
                }
                // Bus errors, and whatever else a read can report, are worth another try.
                Err(_) => {
                    bump(&mut counters.bus_errors);
                    failed = true;
                    failures += 1;
                    if failures > policy.sample_retries {
                        return Err(Skip::Bus);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use core::cell::RefCell;

    use super::*;
    use crate::gesture::Gesture;
    use crate::sim::chip::{Episode, SimBus, SimDelay, SimLsm303agr};
    use crate::sim::gestures::GestureSim;

    /// Issue 15: `lsm303agr` 1.1 waits the turn-on time in microseconds, so the first
    /// window after a set-up began with unsettled samples. Through a chip that has the
    /// datasheet's turn-on time, every window the reader delivers — the first one, and
    /// the first after a re-initialisation — is the motion exactly.
    #[test]
    fn the_first_window_after_every_set_up_is_settled() {
        let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(3)).with_turn_on());
        let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut SimDelay::new(&chip));
        assert!(!chip.borrow().settling());
        let mut reference = GestureSim::new(3);
        let mut delivered = 0;
        for i in 0..12 {
            let g = Gesture::ALL[i % 3];
            if i == 4 {
                // Three windows of stuck output: the reader sets the chip up again.
                chip.borrow_mut().inject(Episode::Stuck, 3 * 2 * WINDOW as u32);
            }
            chip.borrow_mut().start_window(g);
            let expected = reference.window(g);
            match reader.read_window(&mut SimDelay::new(&chip)) {
                Ok(w) => {
                    assert_eq!(w, expected, "window {i}");
                    delivered += 1;
                }
                Err(skipped) => assert_eq!(skipped.reason, Skip::Window(WindowFault::Stuck), "window {i}"),
            }
        }
        assert_eq!(reader.counters().reinits, 1);
        assert_eq!(delivered, 9);
    }

    /// Without the wait the chip is still settling when the window starts: the test
    /// above would see it (this checks the simulated chip, not the reader).
    #[test]
    fn a_chip_read_during_its_turn_on_is_not_settled() {
        let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(3)).with_turn_on());
        let mut accel = Accelerometer::init(SimBus(&chip), &mut crate::accel::NoDelay).ok().unwrap();
        assert!(chip.borrow().settling());
        chip.borrow_mut().start_window(Gesture::Still);
        let read = accel.read_window(&mut crate::accel::NoDelay).unwrap();
        let expected = GestureSim::new(3).window(Gesture::Still);
        // Still: gravity on one axis, about 1 g; the first samples come out near zero.
        let g = |s: &Sample| s.iter().map(|v| i32::from(*v).abs()).max().unwrap_or(0);
        assert!(g(&read[0]) < 100 && g(&expected[0]) > 900, "{:?} {:?}", read[0], expected[0]);
        assert_ne!(read, expected);
    }

    /// Counts the recoveries it is asked for.
    #[derive(Default)]
    struct CountingRecovery(u32);

    impl<I2C> Recover<I2C> for CountingRecovery {
        fn recover<D: DelayNs>(&mut self, i2c: I2C, _delay: &mut D) -> I2C {
            self.0 += 1;
            i2c
        }
    }

    /// The bus is recovered before every set-up: at start, and at each attempt to set a
    /// chip that went off the bus up again.
    #[test]
    fn the_bus_is_recovered_before_every_set_up() {
        let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(4)));
        let mut reader = Reader::with_recovery(
            SimBus(&chip),
            Policy::DEFAULT,
            FullScale::G4,
            CountingRecovery::default(),
            &mut crate::accel::NoDelay,
        );
        assert_eq!(reader.recovery().0, 1);
        chip.borrow_mut().inject(Episode::Unresponsive, 40);
        let mut delivered = false;
        for _ in 0..100 {
            chip.borrow_mut().start_window(Gesture::Still);
            if reader.read_window(&mut crate::accel::NoDelay).is_ok() {
                delivered = true;
                break;
            }
        }
        assert!(delivered);
        let c = reader.counters();
        // Each set-up attempt: the first, the failed ones, the one that worked.
        assert_eq!(reader.recovery().0, 1 + c.reinit_failures + c.reinits, "{c:?}");
        assert!(c.reinit_failures >= 1 && c.reinits == 1, "{c:?}");
    }

    /// The hook runs at every poll: at least once per sample, more while the chip has
    /// no sample ready.
    #[test]
    fn the_poll_hook_runs_at_every_poll() {
        let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(4)));
        let mut reader = Reader::new(SimBus(&chip), Policy::DEFAULT, &mut crate::accel::NoDelay);
        chip.borrow_mut().start_window(Gesture::Shake);
        let mut polls = 0u32;
        assert!(reader.read_window_with(&mut crate::accel::NoDelay, || polls += 1).is_ok());
        // The simulated chip always has the next sample ready: one poll per sample.
        assert_eq!(polls, WINDOW as u32);
        chip.borrow_mut().inject(Episode::NoData, 50);
        let mut polls = 0u32;
        let _ = reader.read_window_with(&mut SimDelay::new(&chip), || polls += 1);
        assert!(polls > WINDOW as u32, "{polls}");
    }

    /// ±8 g: the same motion on a 4 mg grid (halves rounded away from zero).
    #[test]
    fn at_8g_samples_are_the_motion_on_a_4_mg_grid() {
        let chip = RefCell::new(SimLsm303agr::new(GestureSim::new(8)));
        let mut reader =
            Reader::with_full_scale(SimBus(&chip), Policy::DEFAULT, FullScale::G8, &mut SimDelay::new(&chip));
        let mut reference = GestureSim::new(8);
        for g in Gesture::ALL {
            chip.borrow_mut().start_window(g);
            let expected = reference.window(g).map(|s| s.map(|v| ((f64::from(v) / 4.0).round() * 4.0) as i16));
            assert_eq!(reader.read_window(&mut SimDelay::new(&chip)), Ok(expected), "{g}");
        }
        assert_eq!(chip.borrow().accel_register(0x23) & 0x30, 0x20, "CTRL_REG4_A FS = ±8 g");
        assert_eq!((FullScale::G8.max_mg(), FullScale::G8.min_mg()), (8188, -8192));
        assert_eq!((FullScale::G4.max_mg(), FullScale::G4.min_mg()), (4094, -4096));
    }
}
