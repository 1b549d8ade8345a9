//! Nordic erratum 249: newer nRF52833 revisions lock the debug port at every reset.
//!
//! From build code B on (the revisions with "hardware and software controlled access
//! port protection", nRF52833 product specification, section "Access port protection"),
//! the debug access port is locked after every reset unless both
//! - `UICR.APPROTECT` holds `HwDisabled` (0x5A), and
//! - the firmware writes `SwDisable` (0x5A) to `APPROTECT.DISABLE` (0x4000_0558) after
//!   each reset (the register is cleared by every reset).
//!
//! Without that a probe can no longer flash the board without a full erase (`probe-rs
//! erase --allow-erase-all`), which also erases the stored model. Older revisions (build
//! code A) have neither and are open by default. This is what Nordic's MDK
//! `SystemInit` and `embassy-nrf`'s `init` do; the UICR word is written only when it is
//! not already `HwDisabled`, and takes effect at the next reset, so the board resets
//! once after writing it.

use microbit::pac;

/// `FICR.INFO.VARIANT`'s build-code letter from which the new protection exists.
const FIRST_PROTECTED_BUILD: u8 = b'B';
/// `UICR.APPROTECT` = `HwDisabled`, `APPROTECT.DISABLE` = `SwDisable`.
const UNLOCKED: u32 = 0x0000_005A;
/// `APPROTECT.DISABLE` (the `APPROTECT` peripheral is not in nrf52833-pac 0.12).
const APPROTECT_DISABLE: *mut u32 = 0x4000_0558 as *mut u32;

/// What [`keep_debug_port_open`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum DebugPort {
    /// A revision without the new protection (build code A): nothing to do.
    OldRevision,
    /// Opened for this boot; `UICR.APPROTECT` already said `HwDisabled`.
    Open,
    /// `UICR.APPROTECT` was written; it takes effect after a reset.
    UicrWritten,
    /// `UICR.APPROTECT` holds another programmed value (bits cannot be set without an
    /// erase): the port stays locked after resets; a probe needs an erase-all.
    UicrLocked(u32),
}

/// Keeps the debug port open as Nordic documents (see the module docs). Call first
/// thing at boot, before anything uses the NVMC.
pub fn keep_debug_port_open(ficr: &pac::FICR, uicr: &pac::UICR, nvmc: &pac::NVMC) -> DebugPort {
    // VARIANT is four ASCII letters, e.g. "AAB0": the third (bits 15..8) is the build code.
    let build = ficr.info.variant.read().bits().to_be_bytes()[2];
    if build < FIRST_PROTECTED_BUILD {
        return DebugPort::OldRevision;
    }
    let result = match uicr.approtect.read().bits() {
        UNLOCKED => DebugPort::Open,
        // Erased: program HwDisabled (NOR flash, only 1 -> 0 bits, so from erased only).
        0xFFFF_FFFF => {
            cortex_m::interrupt::free(|_| {
                nvmc.config.write(|w| w.wen().wen());
                while nvmc.ready.read().ready().is_busy() {}
                // SAFETY: UNLOCKED is a valid APPROTECT value; writes are enabled.
                uicr.approtect.write(|w| unsafe { w.bits(UNLOCKED) });
                cortex_m::asm::dsb();
                while nvmc.ready.read().ready().is_busy() {}
                nvmc.config.write(|w| w.wen().ren());
                while nvmc.ready.read().ready().is_busy() {}
            });
            DebugPort::UicrWritten
        }
        other => DebugPort::UicrLocked(other),
    };
    // SAFETY: APPROTECT.DISABLE is a write-only register of this chip (build code >= B).
    unsafe { APPROTECT_DISABLE.write_volatile(UNLOCKED) };
    result
}
