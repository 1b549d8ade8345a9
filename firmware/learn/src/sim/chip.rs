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
//!
//! **Faults.** A [`FaultPlan`] makes the chip misbehave, deterministically from a seed:
//! transfers that fail (NACK on data, bus error) at a given rate, and [`Episode`]s that
//! start at random and last a while — off the bus and back reset, no new data, output
//! stuck, output saturated. [`SimLsm303agr::inject`] starts one on demand (for tests).
//! The fault clock is the chip's own: one tick per transfer addressed to it and one per
//! millisecond the firmware waits through a [`SimDelay`] (a transfer at 100–400 kHz
//! takes a fraction of a millisecond, so a tick is about a millisecond either way).
//! With [`FaultPlan::NONE`] (the default) nothing is drawn and the chip behaves exactly
//! as without the feature.
//!
//! **A hung bus.** [`SimLsm303agr::hang_bus`] makes every later transfer wait for ever,
//! as the nRF52 HAL's TWIM transfer does when a slave holds the bus (it waits for an
//! end-of-transfer event with no time-out): only a watchdog gets a firmware out of it
//! (QEMU's `--hang`).
//!
//! **Turn-on time.** [`SimLsm303agr::with_turn_on`] gives the chip the datasheet's turn-on
//! time (7/ODR in high-resolution mode, 1/ODR otherwise, on the fault clock): after each
//! write to `CTRL_REG1_A` or `CTRL_REG4_A`, samples come out of a filter that starts
//! from zero, the true value times the fraction of the turn-on time elapsed. Off by
//! default, so that the recorded sessions, which never read during a turn-on anyway,
//! do not depend on it.

use core::cell::RefCell;

use super::gestures::GestureSim;
use crate::gesture::Gesture;
use crate::window::Sample;
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::{self, ErrorKind, ErrorType, I2c, NoAcknowledgeSource, Operation};
use nn_core::init::Rng;

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

/// A way the simulated chip can misbehave for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Episode {
    /// Off the bus: NACKs both its addresses, then comes back reset (power-on
    /// registers, powered down), as after a brown-out. Only setting it up again brings
    /// data back.
    Unresponsive,
    /// Answers, but no new sample is ready (`STATUS_REG_A` reads 0) until the time is up
    /// or `CTRL_REG1_A` is written (setting the chip up again restarts conversions).
    NoData,
    /// New samples are flagged, but the output registers keep the last one.
    Stuck,
    /// The output is sixteen times the true signal, clamped at the full-scale rails:
    /// gravity alone puts an axis on its rail.
    Saturated,
}

impl Episode {
    /// All episodes, in the order of [`InjectedFaults::episodes`].
    pub const ALL: [Episode; 4] = [Episode::Unresponsive, Episode::NoData, Episode::Stuck, Episode::Saturated];

    /// Lower-case name, as printed in logs.
    pub const fn name(self) -> &'static str {
        match self {
            Episode::Unresponsive => "unresponsive",
            Episode::NoData => "no_data",
            Episode::Stuck => "stuck",
            Episode::Saturated => "saturated",
        }
    }

    /// Range of lengths, in ticks, of an episode started at random: off the bus for 0.5
    /// to 3 s; no data for 1.5 to 6 sample time-outs (200 polls 1 ms apart, 400 ticks);
    /// stuck or saturated for one to three windows of reads (64 transfers each).
    const fn lengths(self) -> (u32, u32) {
        match self {
            Episode::Unresponsive => (500, 3000),
            Episode::NoData => (600, 2400),
            Episode::Stuck | Episode::Saturated => (64, 192),
        }
    }
}

/// How often the simulated chip misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FaultPlan {
    /// Seed of the fault generator (separate from the motion's).
    pub seed: u32,
    /// Chance per million that a transfer fails with no effect (alternately a NACK on
    /// data and a bus error).
    pub bus_error_ppm: u32,
    /// Chance per million, per tick while no episode runs, that one starts (kind
    /// uniform over [`Episode::ALL`], length uniform in its range).
    pub episode_ppm: u32,
}

impl FaultPlan {
    /// A chip that never fails.
    pub const NONE: FaultPlan = FaultPlan { seed: 0, bus_error_ppm: 0, episode_ppm: 0 };

    /// What QEMU's `--faults` injects for the session of seed `session_seed`: 2 % of
    /// transfers fail, and an episode starts about every 1 000 ticks (every 15 windows
    /// or so). The fault generator's seed is derived from the session's, so that
    /// faults and motion are not the same random stream.
    pub const fn demo(session_seed: u32) -> FaultPlan {
        FaultPlan {
            seed: session_seed.wrapping_mul(0x9E37_79B9) ^ 0xFA17_5EED,
            bus_error_ppm: 20_000,
            episode_ppm: 1_000,
        }
    }
}

/// Faults the simulated chip has injected so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InjectedFaults {
    /// Transfers failed on purpose (besides those of an unresponsive episode).
    pub bus_errors: u32,
    /// Transfers NACKed while unresponsive.
    pub nacks: u32,
    /// Episodes started, in the order of [`Episode::ALL`].
    pub episodes: [u32; 4],
}

impl core::fmt::Display for InjectedFaults {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "bus_errors={} nacks={}", self.bus_errors, self.nacks)?;
        for (e, n) in Episode::ALL.iter().zip(self.episodes) {
            write!(f, " {}={n}", e.name())?;
        }
        Ok(())
    }
}

/// The fault generator's state.
#[derive(Debug, Clone)]
struct Faults {
    plan: FaultPlan,
    rng: Rng,
    /// The running episode and the transfers it has left.
    episode: Option<(Episode, u32)>,
    /// Alternates the kind of transient error.
    toggle: bool,
    injected: InjectedFaults,
}

impl Faults {
    fn new(plan: FaultPlan) -> Self {
        Faults {
            plan,
            rng: Rng::from_state(plan.seed),
            episode: None,
            toggle: false,
            injected: InjectedFaults::default(),
        }
    }

    fn chance(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.rng.next_u32() % 1_000_000 < ppm
    }

    fn start(&mut self, episode: Episode, transfers: u32) {
        self.episode = Some((episode, transfers));
        if let Some(n) = Episode::ALL.iter().position(|e| *e == episode).and_then(|i| self.injected.episodes.get_mut(i))
        {
            *n = n.saturating_add(1);
        }
    }

    fn active(&self) -> Option<Episode> {
        self.episode.map(|(e, _)| e)
    }
}

/// Register file and data source of one simulated chip.
#[derive(Debug, Clone)]
pub struct SimLsm303agr {
    accel: [u8; 0x40],
    mag: [u8; 0x80],
    source: GestureSim,
    /// A sample sits in the output registers and has not been read completely.
    latched: bool,
    samples: u32,
    faults: Faults,
    /// Model the turn-on time ([`with_turn_on`](Self::with_turn_on)).
    turn_on: bool,
    /// Ticks left of the running turn-on, and its length.
    settling: (u32, u32),
    /// Transfers never complete ([`hang_bus`](Self::hang_bus)).
    hung: bool,
}

impl SimLsm303agr {
    /// A chip in its power-on state, whose motion comes from `source`.
    pub fn new(source: GestureSim) -> Self {
        Self::with_faults(source, FaultPlan::NONE)
    }

    /// A chip in its power-on state that misbehaves as `plan` says.
    pub fn with_faults(source: GestureSim, plan: FaultPlan) -> Self {
        let (accel, mag) = Self::power_on_registers();
        SimLsm303agr {
            accel,
            mag,
            source,
            latched: false,
            samples: 0,
            faults: Faults::new(plan),
            turn_on: false,
            settling: (0, 0),
            hung: false,
        }
    }

    /// From now on every transfer waits for ever (see the module docs). For QEMU's
    /// watchdog case only: a host test calling it would hang.
    pub fn hang_bus(&mut self) {
        self.hung = true;
    }

    /// The same chip with the datasheet's turn-on time (see the module docs).
    pub fn with_turn_on(mut self) -> Self {
        self.turn_on = true;
        self
    }

    /// True while a turn-on runs: samples read now are not settled.
    pub fn settling(&self) -> bool {
        self.settling.0 > 0
    }

    /// Turn-on time in ticks (milliseconds) of the mode now in the registers: 7/ODR in
    /// high-resolution mode, 1/ODR otherwise (datasheet table 12), 0 when powered down.
    fn turn_on_ticks(&self) -> u32 {
        let reg1 = self.accel[usize::from(CTRL_REG1_A)];
        let reg4 = self.accel[usize::from(CTRL_REG4_A)];
        let hz: u32 = match reg1 >> 4 {
            1 => 1,
            2 => 10,
            3 => 25,
            4 => 50,
            5 => 100,
            6 => 200,
            7 => 400,
            8 => 1620,
            9 => 1344,
            _ => return 0,
        };
        let periods: u32 = if reg4 & 0x08 != 0 && reg1 & 0x08 == 0 { 7 } else { 1 };
        (periods * 1000).div_ceil(hz)
    }

    fn power_on_registers() -> ([u8; 0x40], [u8; 0x80]) {
        let mut accel = [0; 0x40];
        let mut mag = [0; 0x80];
        accel[usize::from(WHO_AM_I_A)] = 0x33;
        accel[usize::from(CTRL_REG1_A)] = 0x07; // power-down, x/y/z enabled
        mag[usize::from(WHO_AM_I_M)] = 0x40;
        mag[0x60] = 0x03; // CFG_REG_A_M: idle
        (accel, mag)
    }

    /// Starts `episode` now, for `ticks` ticks (replacing any running one).
    pub fn inject(&mut self, episode: Episode, ticks: u32) {
        self.faults.start(episode, ticks);
    }

    /// The episode running now, if any.
    pub fn episode(&self) -> Option<Episode> {
        self.faults.active()
    }

    /// Faults injected so far.
    pub fn injected(&self) -> InjectedFaults {
        self.faults.injected
    }

    /// Advances the fault clock by one tick: ends the running episode when its time is
    /// up, or perhaps starts one.
    pub fn tick(&mut self) {
        if let Some((episode, left)) = self.faults.episode {
            if left == 0 {
                self.faults.episode = None;
                if episode == Episode::Unresponsive {
                    // Back on the bus after a brown-out: power-on state.
                    (self.accel, self.mag) = Self::power_on_registers();
                    self.latched = false;
                    self.settling = (0, 0);
                }
            } else {
                self.faults.episode = Some((episode, left - 1));
            }
        }
        self.settling.0 = self.settling.0.saturating_sub(1);
        if self.faults.episode.is_none() && self.faults.chance(self.faults.plan.episode_ppm) {
            let kind = self.faults.rng.next_u32() as usize % Episode::ALL.len();
            let episode = Episode::ALL.get(kind).copied().unwrap_or(Episode::NoData);
            let (low, high) = episode.lengths();
            let length = low + self.faults.rng.next_u32() % (high - low + 1);
            self.faults.start(episode, length);
        }
    }

    /// One tick for a transfer; `Err` when this transfer fails.
    fn transfer_tick(&mut self) -> Result<(), SimError> {
        self.tick();
        if self.faults.active() == Some(Episode::Unresponsive) {
            self.faults.injected.nacks = self.faults.injected.nacks.saturating_add(1);
            return Err(SimError::NoDevice);
        }
        if self.faults.chance(self.faults.plan.bus_error_ppm) {
            self.faults.injected.bus_errors = self.faults.injected.bus_errors.saturating_add(1);
            self.faults.toggle = !self.faults.toggle;
            return Err(if self.faults.toggle { SimError::DataNack } else { SimError::BusFault });
        }
        Ok(())
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
        let episode = self.faults.active();
        if episode == Some(Episode::NoData) {
            return;
        }
        let mut sample: Sample = self.source.sample();
        if let (left @ 1.., total) = self.settling {
            // The output filter starting from zero: the elapsed fraction of the signal.
            let elapsed = i32::try_from(total.saturating_sub(left)).unwrap_or(0);
            let total = i32::try_from(total).unwrap_or(i32::MAX).max(1);
            sample = sample.map(|v| i16::try_from(i32::from(v) * elapsed / total).unwrap_or(v));
        }
        if episode == Some(Episode::Stuck) {
            // The motion goes on; the output registers do not follow it.
            self.latched = true;
            self.samples = self.samples.wrapping_add(1);
            return;
        }
        if episode == Some(Episode::Saturated) {
            // Sixteen times the signal (a shock, a lost full-scale setting): gravity
            // and motion hit the rail, the small axes keep their noise.
            sample = sample.map(|v| v.saturating_mul(16));
        }
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
        if reg == CTRL_REG1_A && self.faults.active() == Some(Episode::NoData) {
            self.faults.episode = None; // a new configuration restarts conversions
        }
        if let Some(r) = self.accel.get_mut(usize::from(reg)) {
            *r = value;
        }
        if self.turn_on && matches!(reg, CTRL_REG1_A | CTRL_REG4_A) {
            let ticks = self.turn_on_ticks();
            self.settling = (ticks, ticks);
        }
    }

    fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), SimError> {
        if self.hung {
            // The HAL's wait for an end-of-transfer event that never comes.
            loop {
                core::hint::spin_loop();
            }
        }
        if address != ACCEL_ADDR && address != MAG_ADDR {
            return Err(SimError::NoDevice);
        }
        self.transfer_tick()?;
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
    /// An injected NACK of a data byte.
    DataNack,
    /// An injected bus error (a misplaced start or stop condition).
    BusFault,
}

impl i2c::Error for SimError {
    fn kind(&self) -> ErrorKind {
        match self {
            SimError::NoDevice => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address),
            SimError::NoRegister | SimError::DataNack => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data),
            SimError::Busy => ErrorKind::Other,
            SimError::BusFault => ErrorKind::Bus,
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

/// A delay for the simulated chip: it takes no time, but moves the chip's fault clock on
/// by one tick per millisecond, so that waiting lets an episode end.
#[derive(Debug)]
pub struct SimDelay<'a> {
    chip: &'a RefCell<SimLsm303agr>,
    ns: u64,
}

impl<'a> SimDelay<'a> {
    /// A delay whose waits count on `chip`'s clock.
    pub fn new(chip: &'a RefCell<SimLsm303agr>) -> Self {
        SimDelay { chip, ns: 0 }
    }
}

impl DelayNs for SimDelay<'_> {
    fn delay_ns(&mut self, ns: u32) {
        self.ns += u64::from(ns);
        while self.ns >= 1_000_000 {
            self.ns -= 1_000_000;
            if let Ok(mut chip) = self.chip.try_borrow_mut() {
                chip.tick();
            }
        }
    }
}
