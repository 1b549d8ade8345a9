//! The stack's high-water mark, measured on the board: the free stack is painted with a
//! pattern at boot, and the lowest word no longer holding it is the deepest the stack
//! went. The stack is the bottom 64 KiB of RAM (`memory-nrf52833.x`), below every
//! static, so an overflow faults instead of corrupting them.

use core::ptr::addr_of;

/// The paint.
const PAINT: u32 = 0x5AFE_57AC;
/// Bytes below the stack pointer at painting time that are left alone (the painting
/// function's own frame and an interrupt's).
const MARGIN: usize = 256;

extern "C" {
    /// Lowest address of the stack region (memory-nrf52833.x).
    static _stack_end: u32;
    /// Highest address of the stack region, where it starts.
    static _stack_start: u32;
}

fn bounds() -> (usize, usize) {
    // Only the symbols' addresses are taken (no read, so no `unsafe`).
    (addr_of!(_stack_end) as usize, addr_of!(_stack_start) as usize)
}

/// Paints the unused stack. Call once, first thing in `main`, with interrupts masked.
pub fn paint() {
    let (bottom, _) = bounds();
    let sp = cortex_m::register::msp::read() as usize;
    let mut at = bottom;
    while at + 4 <= sp.saturating_sub(MARGIN) {
        // SAFETY: [bottom, sp - MARGIN) is stack below the current frame, unused now.
        unsafe { (at as *mut u32).write_volatile(PAINT) };
        at += 4;
    }
}

/// The stack's size and the most of it used since [`paint`], in bytes.
pub fn high_water() -> (u32, u32) {
    let (bottom, top) = bounds();
    let mut at = bottom;
    // SAFETY: reads of the stack region, word by word, below the live frames.
    while at < top && unsafe { (at as *const u32).read_volatile() } == PAINT {
        at += 4;
    }
    ((top - bottom) as u32, (top - at) as u32)
}
