//! Instructions per step and RAM of training the whole network against training its
//! last layer alone on the frozen layers' cached outputs (`nn_core::suffix`), for the
//! gesture network (6-10-3) and a larger 64-32-10, with plain SGD and momentum 0.9,
//! batch 1, softmax cross-entropy; counted by `shared/tools/qemu-insncount` between
//! `bench_start` and `bench_end` (run by `firmware/bench/trainer.sh`).
//!
//! Per step = (count(101) − count(1)) / 100 from the same fresh weights. The frozen
//! layers' outputs are computed once per buffered example, before the counted region (an
//! epoch of fine-tuning reads them); `CACHE` lines give that one-off cost per example.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::activation::{Softmax, Tanh};
use nn_core::data::Dataset;
use nn_core::suffix::{cache_outputs, Cached, SplitLast};
use nn_core::train::work_len;
use nn_core::{Dense, Loss, Network, Optimizer, TrainConfig, Trainer};
use nn_fw_bench::{exit, init_net, params_fnv1a, random_data};
use semihosting::println;

/// The gesture network of `firmware/learn`.
type GestureNet = (Dense<6, 10, Tanh>, Dense<10, 3, Softmax>);
/// A larger classifier (digits-like): 64-32-10.
type DigitsNet = (Dense<64, 32, Tanh>, Dense<32, 10, Softmax>);

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

#[inline(never)]
fn timed(train: &mut dyn FnMut(u32), n: u32) {
    bench_start();
    train(n);
    bench_end();
}

/// Work space for the largest case (64-32-10 with momentum: 2 × 2410 floats).
const MAX_WORK: usize = 2 * 2410;
/// Scratch for the largest case (64-32-10: 2·42 + 10 floats; its frozen layer alone,
/// 2·32 + 32).
const MAX_SCRATCH: usize = 96;
/// Buffered examples.
const EXAMPLES: usize = 24;

/// `n` steps of `net` over `data` in order.
#[inline(never)]
fn train<N: Network, D: Dataset + ?Sized>(net: &mut N, data: &D, config: TrainConfig, n: u32) {
    let mut scratch = [0.0f32; MAX_SCRATCH];
    let scratch = &mut scratch[..N::SCRATCH];
    let mut work = [0.0f32; MAX_WORK];
    let Ok(mut trainer) = Trainer::new(config, &*net, &mut work) else { exit(5) };
    let mut s = 0u32;
    for _ in 0..n {
        if trainer.step(net, data, &[s], scratch).is_err() {
            exit(4);
        }
        s += 1;
        if s as usize == data.len() {
            s = 0;
        }
    }
}

fn case<N, const I: usize, const O: usize, const H: usize>(
    name: &str,
    data: &[([f32; I], [f32; O])],
    optimizer: Optimizer,
) where
    N: Network + SplitLast<1>,
{
    let config = TrainConfig { optimizer, ..TrainConfig::sgd(Loss::SoftmaxCe, 0.02) };
    let opt = optimizer.name();
    for n in [1, 101] {
        let mut net: N = init_net(1);
        println!("MEASURE {} whole:{} {}", name, opt, n);
        timed(&mut |k| train(&mut net, data, config, k), n);
    }
    let mut rows = [[0.0f32; H]; EXAMPLES];
    let (frozen, _) = init_net::<N>(1).split();
    let mut scratch = [0.0f32; MAX_SCRATCH];
    if cache_outputs(&frozen, data, rows.as_flattened_mut(), &mut scratch).is_err() {
        exit(6);
    }
    let Ok(cached) = Cached::new(rows.as_flattened(), data) else { exit(7) };
    for n in [1, 101] {
        let (_, mut last) = init_net::<N>(1).split();
        println!("MEASURE {} last:{} {}", name, opt, n);
        timed(&mut |k| train(&mut last, &cached, config, k), n);
    }
    // The same 1000 steps on both cores (compared by trainer.sh).
    let (frozen, mut last) = init_net::<N>(1).split();
    train(&mut last, &cached, config, 1000);
    println!("PARAMS {} last:{} {:08x}", name, opt, params_fnv1a(&N::join(frozen, last)));
    let whole = 4 * (work_len(N::PARAMS, optimizer) + N::SCRATCH);
    type Trained<N> = <N as SplitLast<1>>::Trained;
    let trained = 4 * (work_len(Trained::<N>::PARAMS, optimizer) + Trained::<N>::SCRATCH);
    println!(
        "RAM {} {} gradient+state+scratch whole {} last {} ({} + {} parameters); cached outputs {} per example",
        name,
        opt,
        whole,
        trained,
        N::PARAMS - Trained::<N>::PARAMS,
        Trained::<N>::PARAMS,
        4 * H
    );
}

fn classes<const I: usize, const O: usize>(seed: u32) -> [([f32; I], [f32; O]); EXAMPLES] {
    let mut x = [[0.0f32; I]; EXAMPLES];
    let mut t = [[0.0f32; O]; EXAMPLES];
    random_data(seed, &mut x, &mut t);
    core::array::from_fn(|k| {
        let mut one_hot = [0.0; O];
        if let Some(v) = one_hot.get_mut(k % O) {
            *v = 1.0;
        }
        (x[k], one_hot)
    })
}

#[entry]
fn main() -> ! {
    let gesture = classes::<6, 3>(0x1234_5679);
    let digits = classes::<64, 10>(0x2545_F491);
    for optimizer in [Optimizer::Sgd, Optimizer::Momentum { momentum: 0.9 }] {
        case::<GestureNet, 6, 3, 10>("gesture-6-10-3", &gesture, optimizer);
        case::<DigitsNet, 64, 10, 32>("digits-64-32-10", &digits, optimizer);
    }
    println!("DONE");
    exit(0)
}
