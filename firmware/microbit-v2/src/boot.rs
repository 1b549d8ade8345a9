//! What the board does first at every boot: say why it reset, keep the debug port open
//! (`approtect.rs`), turn the instruction cache on.

use microbit::pac;

/// Why the chip reset (`POWER.RESETREAS`, cleared here so the next boot sees only its
/// own cause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum ResetCause {
    /// Power-on or brown-out (no flag set).
    PowerOn,
    /// The reset pin (the button on the back, or a probe).
    Pin,
    /// The watchdog: the firmware stopped making progress (a hang).
    Watchdog,
    /// A soft reset: a panic or a HardFault (their log line says which), or a probe.
    Software,
    /// The CPU locked up (a fault while handling a fault, such as a stack overflow).
    Lockup,
    /// Another cause (wake-up from System OFF, debug interface): the raw flags.
    Other(u32),
}

/// Reads and clears the reset cause.
pub fn reset_cause(power: &pac::POWER) -> ResetCause {
    let flags = power.resetreas.read().bits();
    // Written ones clear.
    power.resetreas.write(|w| unsafe { w.bits(flags) });
    if flags & (1 << 1) != 0 {
        ResetCause::Watchdog
    } else if flags & (1 << 3) != 0 {
        ResetCause::Lockup
    } else if flags & (1 << 2) != 0 {
        ResetCause::Software
    } else if flags & 1 != 0 {
        ResetCause::Pin
    } else if flags == 0 {
        ResetCause::PowerOn
    } else {
        ResetCause::Other(flags)
    }
}

/// Turns the flash instruction cache on (off after reset): training runs from flash.
pub fn enable_instruction_cache(nvmc: &pac::NVMC) {
    nvmc.icachecnf.write(|w| w.cacheen().enabled());
}
