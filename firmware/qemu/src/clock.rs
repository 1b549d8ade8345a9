//! A 64-bit tick counter on SysTick (core clock, 24-bit reload, wraps counted in the
//! SysTick exception).
//!
//! Under QEMU with `-icount shift=0` (as `qemu-run.sh` runs it) every guest instruction
//! advances virtual time by 1 ns, and SysTick counts the machine's core clock (25 MHz on
//! mps2-an386, 16 MHz on microbit): one tick is exactly 40 (62.5) instructions, so
//! [`instructions`] is an exact, repeatable count (to within one tick). `--calibrate`
//! checks this on a loop of known length. On real silicon ticks are cycles.

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;

const RELOAD: u32 = 0x00FF_FFFF;

/// Core clock of the QEMU machine, which SysTick counts.
pub const CORE_HZ: u64 = if cfg!(target_abi = "eabihf") { 25_000_000 } else { 16_000_000 };

static WRAPS: AtomicU32 = AtomicU32::new(0);

/// Starts the counter.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Ticks since [`start`].
pub fn ticks() -> u64 {
    loop {
        let before = WRAPS.load(Ordering::Acquire);
        let current = SYST::get_current();
        let after = WRAPS.load(Ordering::Acquire);
        if before == after {
            return u64::from(before) * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current);
        }
    }
}

/// Guest instructions since [`start`] (valid under `-icount shift=0`).
pub fn instructions() -> u64 {
    ticks() * 1_000_000_000 / CORE_HZ
}

#[exception]
fn SysTick() {
    // Load and store only: thumbv6m has no atomic read-modify-write, and this
    // exception is the only writer.
    WRAPS.store(WRAPS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Release);
}
