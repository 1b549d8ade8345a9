//! Peak stack by painting: cortex-m-rt's `paint-stack` fills the whole stack with
//! `0xCCCCCCCC` before `main`; [`repaint`] does it again below the caller; [`peak`] scans
//! up from the bottom for the first word that lost the paint. [`static_ram`] is the RAM
//! the linker gave to statics.

use core::ptr::{addr_of, read_volatile, write_volatile};

const PAINT: u32 = 0xCCCC_CCCC;

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
    static __sdata: u32;
}

/// (lowest, highest) address of the stack: it grows down from the highest.
fn bounds() -> (usize, usize) {
    // Only the addresses of the linker symbols are taken, which is safe.
    (addr_of!(_stack_end) as usize, addr_of!(_stack_start) as usize)
}

/// Paints the free stack again, up to 64 bytes below the current stack pointer.
#[inline(never)]
pub fn repaint() {
    let sp = cortex_m::register::msp::read() as usize;
    let (bottom, _) = bounds();
    let mut p = bottom;
    while p + 64 < sp {
        // SAFETY: `p` is word-aligned, inside the stack region and below every live frame.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// Bytes of stack used at the deepest point since the last painting.
pub fn peak() -> usize {
    let (bottom, top) = bounds();
    let mut p = bottom;
    // SAFETY: word-aligned reads inside the stack region.
    while p < top && unsafe { read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    top - p
}

/// Bytes of stack in total.
pub fn size() -> usize {
    let (bottom, top) = bounds();
    top - bottom
}

/// Bytes of RAM given to statics (`.data`, `.bss`, `.uninit`): from cortex-m-rt's
/// `__sdata`, the start of RAM's first section, to `_stack_end`, where the statics end
/// and the stack's region begins. There is no heap: the stack's region takes the rest.
pub fn static_ram() -> usize {
    // Only the addresses of the linker symbols are taken, which is safe.
    (addr_of!(_stack_end) as usize).saturating_sub(addr_of!(__sdata) as usize)
}
