//! The minimal XOR trainer (2-4-1, sigmoid, per-sample SGD): seed-1 weights, 10,000
//! epochs over the four rows, then a forward check; exit status 0 when all four rows are
//! right. No printing, so its flash is nn-core's code plus start-up; the training step,
//! the initialisation and the forward pass are kept as separate symbols (`xor_step`,
//! `xor_init`, `xor_forward`) so that `llvm-nm --size-sort` attributes the bytes.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::{forward, sgd_step, Error, Loss, Network, SgdConfig};
use nn_fw_bench::{exit, init_net, XorNet, XOR_T, XOR_X};

/// One training step: nn-core's `sgd_step` for the xor net.
#[no_mangle]
#[inline(never)]
pub fn xor_step(
    net: &mut XorNet,
    x: &[f32; 2],
    t: &[f32; 1],
    scratch: &mut [f32; XorNet::SCRATCH],
) -> Result<f32, Error> {
    sgd_step(net, (x, t), SgdConfig::new(Loss::HalfSse, 0.5), scratch)
}

/// The seed-1 initial weights.
#[no_mangle]
#[inline(never)]
pub fn xor_init() -> XorNet {
    init_net(1)
}

/// The output for one row.
#[no_mangle]
#[inline(never)]
pub fn xor_forward(net: &XorNet, x: &[f32; 2], scratch: &mut [f32; XorNet::SCRATCH]) -> Result<f32, Error> {
    Ok(forward(net, x, scratch)?[0])
}

#[entry]
fn main() -> ! {
    let mut net = xor_init();
    let mut scratch = [0.0f32; XorNet::SCRATCH];
    for _ in 0..10_000 {
        for (x, t) in XOR_X.iter().zip(&XOR_T) {
            if xor_step(&mut net, x, t, &mut scratch).is_err() {
                exit(2);
            }
        }
    }
    let right = XOR_X
        .iter()
        .zip(&XOR_T)
        .all(|(x, t)| matches!(xor_forward(&net, x, &mut scratch), Ok(y) if (y > 0.5) == (t[0] > 0.5)));
    exit(if right { 0 } else { 1 })
}
