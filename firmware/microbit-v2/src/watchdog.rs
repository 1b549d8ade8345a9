//! The nRF52833 watchdog: a board that stops making progress resets, and resumes the
//! model from flash at boot.
//!
//! # Timeout
//!
//! [`TIMEOUT_S`] must exceed the longest period in which the firmware legitimately does
//! not pet. The main loop pets once per window (0.64 s) and the reader's poll hook at
//! every poll of the sensor (about every millisecond), so the only long period is
//! training, which runs without a callback here (`Learner::train`):
//! - QEMU counts 218,716,800 instructions for the largest training the board does (120
//!   examples, 150 epochs, 18,000 SGD steps; `cargo run --release --bin qemu -- --fresh`
//!   in `firmware/`, `summary: ... train_insns=`);
//! - at 64 MHz that is 3.4 s at one cycle per instruction, 6.8 s at two, 10.2 s at
//!   three (flash wait states with the instruction cache off; it is turned on at boot).
//!
//! So 16 s: 1.5 times the three-cycle bound. Other waits are far shorter: a flash save
//! (two page erases, at most 85 ms each, and about 110 word writes), the sensor's set-up
//! (160 ms turn-on wait, 640 ms pause while offline), forgetting the model at boot
//! (four page erases and a one-second pause).
//!
//! What it catches: an I2C transfer that never completes (the HAL's TWIM waits without
//! a time-out; after the reset the bus is cleared before the sensor's set-up, see
//! `nn_learn::bus`), and any other hang. The watchdog keeps running while the CPU
//! sleeps and pauses while a debugger halts it.
//!
//! After a soft reset (a panic, see `fault.rs`) the watchdog is still running with its
//! configuration (only a watchdog, pin or power-on reset stops it); [`start`] then
//! takes it over.

use microbit::hal::wdt::{count, handles::HdlN, Watchdog, WatchdogHandle};
use microbit::pac::WDT;

/// Watchdog timeout in seconds (see the module docs).
pub const TIMEOUT_S: u32 = 16;

/// The watchdog's clock: the 32.768 kHz low-frequency clock.
const LFCLK_HZ: u32 = 32_768;

/// The watchdog's handle (or nothing to pet, see [`Started::Foreign`]).
pub struct Dog(Option<WatchdogHandle<HdlN>>);

/// How [`start`] found the watchdog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum Started {
    /// Configured and started now.
    Fresh,
    /// Already running (after a soft reset): taken over, same timeout.
    TakenOver,
    /// Running with another configuration (another firmware's, until the next hard
    /// reset): it cannot be pet, and will reset the board, which then starts it afresh.
    Foreign,
}

impl Dog {
    /// Restarts the countdown.
    pub fn pet(&mut self) {
        if let Some(handle) = self.0.as_mut() {
            handle.pet();
        }
    }
}

/// Starts the watchdog with [`TIMEOUT_S`], or takes over one that runs already.
pub fn start(wdt: WDT) -> (Dog, Started) {
    match Watchdog::try_new(wdt) {
        Ok(mut dog) => {
            dog.set_lfosc_ticks(TIMEOUT_S * LFCLK_HZ);
            dog.run_during_sleep(true);
            dog.run_during_debug_halt(false);
            let parts = dog.activate::<count::One>();
            (Dog(Some(parts.handles.0.degrade())), Started::Fresh)
        }
        Err(wdt) => match Watchdog::try_recover::<count::One>(wdt) {
            Ok(parts) => {
                let mut dog = Dog(Some(parts.handles.0.degrade()));
                dog.pet();
                (dog, Started::TakenOver)
            }
            Err(_) => (Dog(None), Started::Foreign),
        },
    }
}
