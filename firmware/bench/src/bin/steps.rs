//! Instructions per training step of nn-core on the emulated core, for the C baseline's
//! four networks, counted by the QEMU plugin `shared/tools/qemu-insncount` between the
//! markers `bench_start` and `bench_end` (run by `bench/device.sh`).
//!
//! As the C harness (`shared/bench/device/ref_mlp_m4.c`): for n = 1 and n = 101 steps,
//! each from the same fresh seed-1 weights, `timed` runs `bench_start(); train(n);
//! bench_end();`, so per step = (count(101) − count(1)) / 100 with the call overhead
//! cancelled; step k uses sample k mod N (in order, as an epoch). A step is one
//! `nn_core::sgd_step` (forward, backward, update, with its shape and finiteness checks).
//! It also prints each network's peak stack for one step and its RAM.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::{sgd_step, Loss, Network, SgdConfig};
use nn_fw_bench::{exit, init_net, params_fnv1a, random_data, stack_used_by, MazurNet, MidNet, WideNet, XorNet};
use nn_fw_bench::{MAZUR_T, MAZUR_X, XOR_T, XOR_X};
use semihosting::println;

/// Start marker for the instruction-count plugin.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bench_start() {
    core::hint::black_box(0xA5u32);
}

/// End marker (a different body, or the two would be merged).
#[no_mangle]
#[inline(never)]
pub extern "C" fn bench_end() {
    core::hint::black_box(0x5Au32);
}

/// The counted region: the same code for every n.
#[inline(never)]
fn timed(train: &mut dyn FnMut(u32), n: u32) {
    bench_start();
    train(n);
    bench_end();
}

/// `n` per-sample SGD steps over the samples in order.
#[inline(never)]
fn train<N: Network, const I: usize, const O: usize>(
    net: &mut N,
    x: &[[f32; I]],
    t: &[[f32; O]],
    lr: f32,
    scratch: &mut [f32],
    n: u32,
) {
    let mut s = 0;
    for _ in 0..n {
        let (Some(xs), Some(ts)) = (x.get(s), t.get(s)) else { exit(3) };
        if sgd_step(net, (xs, ts), SgdConfig::new(Loss::HalfSse, lr), scratch).is_err() {
            exit(4);
        }
        s += 1;
        if s == x.len() {
            s = 0;
        }
    }
}

/// Scratch for the widest network (wide: 2·(32 + 32 + 8) + 8 = 152 floats).
const MAX_SCRATCH: usize = 152;

fn measure<N: Network, const I: usize, const O: usize>(name: &str, x: &[[f32; I]], t: &[[f32; O]], lr: f32) {
    let mut buffer = [0.0f32; MAX_SCRATCH];
    let scratch = &mut buffer[..N::SCRATCH];
    for n in [1, 101] {
        let mut net: N = init_net(1);
        println!("MEASURE step {} {}", name, n);
        timed(&mut |k| train(&mut net, x, t, lr, scratch, k), n);
    }
    // The parameters after 1000 steps, for the comparison with the host (`nn bench`).
    let mut net: N = init_net(1);
    train(&mut net, x, t, lr, scratch, 1000);
    println!("PARAMS {} {:08x}", name, params_fnv1a(&net));
    let mut net: N = init_net(1);
    let used = stack_used_by(&mut || train(&mut net, x, t, lr, scratch, 1));
    println!(
        "STACK {} {} RAM {} params {} scratch {}",
        name,
        used,
        core::mem::size_of::<N>() + 4 * N::SCRATCH,
        core::mem::size_of::<N>(),
        4 * N::SCRATCH
    );
}

#[entry]
fn main() -> ! {
    measure::<XorNet, 2, 1>("xor", &XOR_X, &XOR_T, 0.5);
    measure::<MazurNet, 2, 2>("mazur", &MAZUR_X, &MAZUR_T, 0.5);
    let mut mx = [[0.0f32; 8]; 64];
    let mut mt = [[0.0f32; 4]; 64];
    random_data(0x2545_F491, &mut mx, &mut mt);
    measure::<MidNet, 8, 4>("mid", &mx, &mt, 0.1);
    let mut wx = [[0.0f32; 16]; 256];
    let mut wt = [[0.0f32; 8]; 256];
    random_data(0x9E37_79B9, &mut wx, &mut wt);
    measure::<WideNet, 16, 8>("wide", &wx, &wt, 0.1);
    println!("DONE");
    exit(0)
}
