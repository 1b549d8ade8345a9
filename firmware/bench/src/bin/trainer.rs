//! Instructions per step of nn-core's general `Trainer` (batch 1, samples in order, the
//! divergence guard on) beside the fused `sgd_step`, on the C baseline's four networks
//! and on the gesture network's recipe step (6-10-3, tanh and softmax, softmax
//! cross-entropy, momentum 0.9), counted by `shared/tools/qemu-insncount` between
//! `bench_start` and `bench_end` (run by `firmware/bench/trainer.sh`).
//!
//! As `steps`: for n = 1 and n = 101 steps from the same fresh seed-1 weights, per step =
//! (count(101) − count(1)) / 100. Labels: `MEASURE <net> <stepper> <n>`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::activation::{Softmax, Tanh};
use nn_core::{sgd_step, Dense, Loss, Network, Optimizer, SgdConfig, TrainConfig, Trainer};
use nn_fw_bench::{exit, init_net, params_fnv1a, random_data, MazurNet, MidNet, WideNet, XorNet};
use nn_fw_bench::{MAZUR_T, MAZUR_X, XOR_T, XOR_X};
use semihosting::println;

/// The gesture network of `firmware/learn` (6 features, 10 tanh units, 3 classes).
type GestureNet = (Dense<6, 10, Tanh>, Dense<10, 3, Softmax>);

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

/// Work space for the largest case (wide with Adam: 3 × 1864 floats).
const MAX_WORK: usize = 3 * 1864;
/// Scratch for the widest network (wide: 152 floats).
const MAX_SCRATCH: usize = 152;

#[derive(Clone, Copy)]
enum Stepper {
    Fused,
    Trainer(Optimizer),
}

impl Stepper {
    fn name(self) -> &'static str {
        match self {
            Stepper::Fused => "fused",
            Stepper::Trainer(Optimizer::Sgd) => "trainer-sgd",
            Stepper::Trainer(Optimizer::Momentum { .. }) => "trainer-momentum",
            Stepper::Trainer(_) => "trainer-adam",
        }
    }
}

/// `n` steps over the samples in order.
#[inline(never)]
fn train<N: Network, const I: usize, const O: usize>(
    net: &mut N,
    data: &[([f32; I], [f32; O])],
    config: TrainConfig,
    stepper: Stepper,
    n: u32,
) {
    let mut scratch = [0.0f32; MAX_SCRATCH];
    let scratch = &mut scratch[..N::SCRATCH];
    let mut work = [0.0f32; MAX_WORK];
    let optimizer = match stepper {
        Stepper::Fused => Optimizer::Sgd,
        Stepper::Trainer(o) => o,
    };
    let Ok(mut trainer) = Trainer::new(TrainConfig { optimizer, ..config }, &*net, &mut work) else { exit(5) };
    let mut s = 0;
    for _ in 0..n {
        let result = match stepper {
            Stepper::Fused => {
                let Some((x, t)) = data.get(s) else { exit(3) };
                let config = SgdConfig::new(config.loss, config.learning_rate);
                sgd_step(net, (x, t), config, scratch)
            }
            Stepper::Trainer(_) => trainer.step(net, data, &[s as u32], scratch),
        };
        if result.is_err() {
            exit(4);
        }
        s += 1;
        if s == data.len() {
            s = 0;
        }
    }
}

fn measure<N: Network, const I: usize, const O: usize>(
    name: &str,
    data: &[([f32; I], [f32; O])],
    config: TrainConfig,
    stepper: Stepper,
) {
    for n in [1, 101] {
        let mut net: N = init_net(1);
        println!("MEASURE {} {} {}", name, stepper.name(), n);
        timed(&mut |k| train(&mut net, data, config, stepper, k), n);
    }
    let mut net: N = init_net(1);
    train(&mut net, data, config, stepper, 1000);
    println!("PARAMS {} {} {:08x}", name, stepper.name(), params_fnv1a(&net));
}

fn all<N: Network, const I: usize, const O: usize>(name: &str, data: &[([f32; I], [f32; O])], config: TrainConfig) {
    let steppers = [
        Stepper::Fused,
        Stepper::Trainer(Optimizer::Sgd),
        Stepper::Trainer(Optimizer::Momentum { momentum: 0.9 }),
        Stepper::Trainer(Optimizer::ADAM),
    ];
    for stepper in steppers {
        measure::<N, I, O>(name, data, config, stepper);
    }
}

fn pairs<const I: usize, const O: usize, const N: usize>(
    x: &[[f32; I]; N],
    t: &[[f32; O]; N],
) -> [([f32; I], [f32; O]); N] {
    core::array::from_fn(|k| (x[k], t[k]))
}

#[entry]
fn main() -> ! {
    let half_sse = |lr| TrainConfig::sgd(Loss::HalfSse, lr);
    all::<XorNet, 2, 1>("xor", &pairs(&XOR_X, &XOR_T), half_sse(0.5));
    all::<MazurNet, 2, 2>("mazur", &pairs(&MAZUR_X, &MAZUR_T), half_sse(0.5));
    let mut mx = [[0.0f32; 8]; 64];
    let mut mt = [[0.0f32; 4]; 64];
    random_data(0x2545_F491, &mut mx, &mut mt);
    all::<MidNet, 8, 4>("mid", &pairs(&mx, &mt), half_sse(0.1));
    let mut wx = [[0.0f32; 16]; 256];
    let mut wt = [[0.0f32; 8]; 256];
    random_data(0x9E37_79B9, &mut wx, &mut wt);
    all::<WideNet, 16, 8>("wide", &pairs(&wx, &wt), half_sse(0.1));
    // The gesture recipe's step: softmax cross-entropy, momentum 0.9, rate 0.02.
    let mut gx = [[0.0f32; 6]; 32];
    let mut gt = [[0.0f32; 3]; 32];
    random_data(0x1234_5679, &mut gx, &mut gt);
    for (k, t) in gt.iter_mut().enumerate() {
        *t = [0.0; 3];
        t[k % 3] = 1.0;
    }
    let config = TrainConfig::sgd(Loss::SoftmaxCe, 0.02);
    measure::<GestureNet, 6, 3>(
        "gesture",
        &pairs(&gx, &gt),
        config,
        Stepper::Trainer(Optimizer::Momentum { momentum: 0.9 }),
    );
    measure::<GestureNet, 6, 3>("gesture", &pairs(&gx, &gt), config, Stepper::Trainer(Optimizer::Sgd));
    println!("DONE");
    exit(0)
}
