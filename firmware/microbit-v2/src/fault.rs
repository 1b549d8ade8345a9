//! What ends a run: in release builds (a board on its own) a panic or a HardFault logs
//! its cause over defmt and resets the chip, which resumes the model from flash at boot;
//! in debug builds `panic-probe` stops with a backtrace for the probe.
//!
//! Before this, a panic ended in a HardFault loop with interrupts off: the board stayed
//! down until someone pressed reset. (The watchdog, `watchdog.rs`, would also reset it,
//! after its timeout; this is immediate, and says why.) A stack overflow faults too: the
//! stack sits at the bottom of RAM (`memory-nrf52833.x`), so overflowing it writes below
//! RAM and faults (or locks the CPU up, which the nRF52833 turns into a reset) instead of
//! overwriting the statics.

#[cfg(not(debug_assertions))]
mod release {
    use cortex_m_rt::{exception, ExceptionFrame};

    /// Gives a probe time to read the last log line out of the RTT buffer (about 50 ms
    /// at 64 MHz), then resets.
    fn reset() -> ! {
        cortex_m::asm::delay(3_200_000);
        cortex_m::peripheral::SCB::sys_reset()
    }

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo) -> ! {
        cortex_m::interrupt::disable();
        defmt::error!("panic: {}; resetting", defmt::Display2Format(info));
        reset()
    }

    #[exception]
    unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
        defmt::error!("HardFault at pc={=u32:#010x}, lr={=u32:#010x}; resetting", frame.pc(), frame.lr());
        reset()
    }
}

#[cfg(debug_assertions)]
use panic_probe as _;
