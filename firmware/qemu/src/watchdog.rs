//! The watchdog of QEMU's `mps2-an386`, for `--hang`: a CMSDK APB watchdog (ARM DDI 0479,
//! "APB watchdog") at 0x4000_8000, clocked at 25 MHz. Armed with reset enabled, it raises
//! its interrupt (the NMI on this machine) at the first time-out and resets the machine
//! at the second, as the nRF52833's watchdog resets the micro:bit
//! (`microbit-v2/src/watchdog.rs`). QEMU's `microbit` machine (nRF51) has no watchdog.

/// True on the machine that has one (mps2-an386, the Cortex-M4F build).
pub const EXISTS: bool = cfg!(target_abi = "eabihf");

/// Starts the watchdog with reset enabled; nothing pets it afterwards. Does nothing on a
/// machine without one ([`EXISTS`]).
pub fn arm() {
    #[cfg(target_abi = "eabihf")]
    cmsdk::arm();
}

#[cfg(target_abi = "eabihf")]
mod cmsdk {
    /// Base address of the watchdog's registers.
    const BASE: usize = 0x4000_8000;
    /// `WDOGLOAD`: the count reloaded at each time-out.
    const LOAD: usize = BASE;
    /// `WDOGCONTROL`: bit 0 `INTEN` (counter and interrupt on), bit 1 `RESEN` (reset on).
    const CONTROL: usize = BASE + 0x08;
    /// `WDOGLOCK`: writes to the other registers need this key first.
    const LOCK: usize = BASE + 0xC00;
    const UNLOCK_KEY: u32 = 0x1ACC_E551;
    /// Counts per time-out: 10 ms at 25 MHz (the machine resets after two).
    const COUNT: u32 = 250_000;

    pub fn arm() {
        // SAFETY: the CMSDK watchdog's registers on mps2-an386; nothing else uses them.
        unsafe {
            (LOCK as *mut u32).write_volatile(UNLOCK_KEY);
            (LOAD as *mut u32).write_volatile(COUNT);
            (CONTROL as *mut u32).write_volatile(0b11);
            (LOCK as *mut u32).write_volatile(0);
        }
    }
}
