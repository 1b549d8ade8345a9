//! What the two benchmark binaries share: the C baseline's four networks
//! (`shared/bench/ref_mlp.c`), their data and initial weights, the fault and panic exits,
//! and the stack-painting probe.
//!
//! The networks, data and weights are those of `nn bench` on the host (see
//! `nn-host-cli/src/cmd/bench.rs`): xorshift32 seed 1 for the weights, `U[−0.5, 0.5)`
//! over the flat parameter order, the data of the baseline's `make_data`.
#![no_std]

use core::ptr::{read_volatile, write_volatile};

use nn_core::activation::Sigmoid;
use nn_core::init::{Init, Rng};
use nn_core::{Dense, Network};

/// xor, 2-4-1.
pub type XorNet = (Dense<2, 4, Sigmoid>, Dense<4, 1, Sigmoid>);
/// mazur, 2-2-2.
pub type MazurNet = (Dense<2, 2, Sigmoid>, Dense<2, 2, Sigmoid>);
/// mid, 8-16-4.
pub type MidNet = (Dense<8, 16, Sigmoid>, Dense<16, 4, Sigmoid>);
/// wide, 16-32-32-8.
pub type WideNet = (Dense<16, 32, Sigmoid>, Dense<32, 32, Sigmoid>, Dense<32, 8, Sigmoid>);

/// The four XOR rows.
pub const XOR_X: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// Their targets.
pub const XOR_T: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];
/// Mazur's sample.
pub const MAZUR_X: [[f32; 2]; 1] = [[0.05, 0.10]];
/// Its targets.
pub const MAZUR_T: [[f32; 2]; 1] = [[0.01, 0.99]];

/// A network with the baseline's initial weights for `seed`.
#[inline(never)]
pub fn init_net<N: Network>(seed: u32) -> N {
    let mut net = N::default();
    Init::Uniform { limit: 0.5 }.apply(&mut net, &mut Rng::new(seed));
    net
}

/// The baseline's `make_data` for mid and wide: xorshift32 from the raw state `seed`,
/// inputs `2u − 1` and targets `0.1 + 0.8u`, sample by sample.
pub fn random_data<const I: usize, const O: usize, const N: usize>(
    seed: u32,
    x: &mut [[f32; I]; N],
    t: &mut [[f32; O]; N],
) {
    let mut rng = Rng::from_state(seed);
    for (x, t) in x.iter_mut().zip(t.iter_mut()) {
        x.iter_mut().for_each(|v| *v = 2.0 * rng.uniform() - 1.0);
        t.iter_mut().for_each(|v| *v = 0.1 + 0.8 * rng.uniform());
    }
}

/// FNV-1a (32-bit) over the little-endian bytes of every parameter's bits in the flat
/// parameter order: the same figure as `nn bench`'s `params_fnv1a_after_1000_steps`.
pub fn params_fnv1a<N: Network>(net: &N) -> u32 {
    nn_core::codec::params_fingerprint(net)
}

/// Ends the run with `code` through semihosting.
pub fn exit(code: i32) -> ! {
    semihosting::process::exit(code)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(101)
}

#[cortex_m_rt::exception]
unsafe fn HardFault(_: &cortex_m_rt::ExceptionFrame) -> ! {
    exit(102)
}

const PAINT: u32 = 0xC0FF_EE11;
/// Bytes below the caller's stack pointer that [`stack_used_by`] paints and scans.
const PAINTED: usize = 8 * 1024;

/// Peak stack, in bytes below the caller's stack pointer, that `f` uses: the stack is
/// painted with a pattern before the call and scanned for the deepest changed word after.
#[inline(never)]
pub fn stack_used_by(f: &mut dyn FnMut()) -> usize {
    let sp = cortex_m::register::msp::read() as usize & !3;
    let bottom = sp - PAINTED;
    // Leave this function's own frame (above sp - 64) alone.
    let mut p = bottom;
    while p < sp - 64 {
        // SAFETY: word-aligned addresses below every live frame, inside the 4 MiB RAM.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    f();
    let mut p = bottom;
    // SAFETY: the same words, read back.
    while p < sp && unsafe { read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    sp - p
}
