//! Every entry point of nn-core the device trains and predicts with, on inputs the
//! optimiser cannot see (`core::hint::black_box`), in a binary whose panic handler calls
//! `nn_core_panic_is_reachable`, a symbol defined nowhere. The release build links only
//! if no panic path survives optimisation: a panic the compiler cannot prove unreachable
//! leaves a call to the handler, the handler's call to the missing symbol stays, and the
//! linker stops with `undefined symbol: nn_core_panic_is_reachable`.
//!
//! Covered: `sgd_step` and `forward` on a 2-4-1 sigmoid network; `Trainer::step` and
//! `Trainer::epoch` (every optimiser, clipping, weight decay, frozen biases, any batch
//! size) on the gesture network and the 2-4-1 network; `recipe::train` (the firmware's
//! training), `gesture::predict`, `window::features`, `window::checked_features`; the
//! codec (`encode`, `decode`, `Decoded::load_into`), which the firmware uses to save and
//! resume the model; the generic learner: `features::features` and `features::check` of
//! any feature set (6 axes) and of the gesture set (3 axes), `classifier::learn`,
//! `classifier::predict`, `classifier::score` and `replay::replay` on the 6-axis,
//! 4-class, 60-example configuration with an opaque recipe (holdout, early stopping,
//! scaling on or off).
//!
//! Each is a `#[no_mangle]` function of its own so that `--features find-panics` (the
//! handler then loops instead) leaves a binary in which the callers of the panic
//! machinery can be read off with `llvm-objdump`. `--features prove-the-check` adds an
//! out-of-bounds index: that build must fail to link (`check.sh` checks it does).
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use nn_core::activation::Sigmoid;
use nn_core::codec;
use nn_core::train::{work_len, Trainer};
use nn_core::{
    forward, sgd_step, Biases, Dense, Error, Loss, Network, Optimizer, Scaled, Schedule, SgdConfig, TrainConfig,
};
use nn_learn::buffer::{Example, ExampleBuffer};
use nn_learn::classifier::{self, Examples, Holdout, LearnError};
use nn_learn::features::{self, FeatureSet, Quality, WindowFault};
use nn_learn::gesture::{self, Gesture, GestureNet};
use nn_learn::recipe::{self, Recipe};
use nn_learn::replay::{self, GeneralNet, Record, ReplayConfig, ReplayError, Split};
use nn_learn::sensor::Scale;
use nn_learn::window::{self, Features, Window, WINDOW};

/// The small network of the examples.
type Xor = (Dense<2, 4, Sigmoid>, Dense<4, 1, Sigmoid>);

/// Floats of trainer work space for the largest optimiser state (Adam).
const GESTURE_WORK: usize =
    work_len(<GestureNet as Network>::PARAMS, Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
const XOR_WORK: usize = work_len(<Xor as Network>::PARAMS, Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/// A training configuration whose every field the optimiser must treat as unknown.
fn opaque_config() -> TrainConfig {
    let optimizer = match black_box(0u8) {
        0 => Optimizer::Sgd,
        1 => Optimizer::Momentum { momentum: black_box(0.9) },
        2 => Optimizer::Nesterov { momentum: black_box(0.9) },
        3 => Optimizer::Adam { beta1: black_box(0.9), beta2: black_box(0.999), epsilon: black_box(1e-8) },
        4 => Optimizer::AdamW { beta1: black_box(0.9), beta2: black_box(0.999), epsilon: black_box(1e-8) },
        _ => Optimizer::RmsProp { alpha: black_box(0.99), epsilon: black_box(1e-8) },
    };
    let loss = match black_box(0u8) {
        0 => Loss::Mse,
        1 => Loss::Sse,
        2 => Loss::HalfSse,
        3 => Loss::Bce,
        _ => Loss::SoftmaxCe,
    };
    let schedule = match black_box(0u8) {
        0 => Schedule::Constant,
        1 => Schedule::Step { every: black_box(10), gamma: black_box(0.5) },
        2 => Schedule::Exponential { gamma: black_box(0.99) },
        _ => Schedule::InverseTime { decay: black_box(0.01) },
    };
    TrainConfig {
        loss,
        optimizer,
        learning_rate: black_box(0.02),
        schedule,
        weight_decay: black_box(0.0),
        clip_norm: black_box(0.0),
        batch_size: black_box(1),
        shuffle: black_box(true),
        biases: black_box(Biases::Train),
        seed: black_box(2),
    }
}

/// `sgd_step` on the 2-4-1 network.
#[no_mangle]
#[inline(never)]
pub fn nopanic_sgd_step(
    net: &mut Xor,
    x: &[f32; 2],
    t: &[f32; 1],
    scratch: &mut [f32; Xor::SCRATCH],
) -> Result<f32, Error> {
    sgd_step(
        net,
        (x, t),
        SgdConfig { loss: black_box(Loss::HalfSse), learning_rate: black_box(0.5), biases: black_box(Biases::Train) },
        scratch,
    )
}

/// `forward` on the 2-4-1 network.
#[no_mangle]
#[inline(never)]
pub fn nopanic_forward_xor(net: &Xor, x: &[f32; 2], scratch: &mut [f32; Xor::SCRATCH]) -> Result<f32, Error> {
    Ok(forward(net, x, scratch)?.first().copied().unwrap_or(f32::NAN))
}

/// `Trainer::step` and `Trainer::epoch` on the 2-4-1 network, any configuration.
#[no_mangle]
#[inline(never)]
pub fn nopanic_trainer_xor(net: &mut Xor, data: &[([f32; 2], [f32; 1]); 4]) -> Result<f32, Error> {
    let mut work = [0.0f32; XOR_WORK];
    let mut scratch = [0.0f32; Xor::SCRATCH];
    let mut order = [0u32; 4];
    let mut trainer = Trainer::new(opaque_config(), net, &mut work)?;
    let batch = black_box([0u32, 3]);
    let loss = trainer.step(net, data, batch.get(..black_box(2)).unwrap_or(&batch), &mut scratch)?;
    let report = trainer.epoch(net, data, &mut order, &mut scratch)?;
    Ok(loss + report.loss)
}

/// `Trainer::step` on the gesture network: one online update from one example.
#[no_mangle]
#[inline(never)]
pub fn nopanic_trainer_step_gesture(net: &mut GestureNet, x: &Features, label: Gesture) -> Result<f32, Error> {
    let mut work = [0.0f32; GESTURE_WORK];
    let mut scratch = [0.0f32; <GestureNet as Network>::SCRATCH];
    let mut trainer = Trainer::new(opaque_config(), net, &mut work)?;
    let sample = [(*x, label.one_hot())];
    trainer.step(net, &sample[..], &[0], &mut scratch)
}

/// The firmware's training: `recipe::train` over an example buffer.
#[no_mangle]
#[inline(never)]
pub fn nopanic_sensor_train(net: &mut GestureNet, buffer: &ExampleBuffer<120>) -> Result<f32, Error> {
    let recipe = Recipe { init_seed: black_box(1), epochs: black_box(2), config: opaque_config() };
    recipe::train(net, buffer, &recipe, |_, r| {
        black_box(r);
    })
    .map(|r| r.loss)
}

/// Inference: `gesture::predict`.
#[no_mangle]
#[inline(never)]
pub fn nopanic_predict(net: &GestureNet, x: &Features) -> Result<(Gesture, [f32; 3]), Error> {
    gesture::predict(net, x)
}

/// Features of a window, unchecked and checked.
#[no_mangle]
#[inline(never)]
pub fn nopanic_features(window: &Window) -> Features {
    let plain = window::features(window);
    match window::checked_features(window) {
        Ok(f) => f,
        Err(_) => plain,
    }
}

/// The codec: encode the network, decode arbitrary bytes, load them into a network.
#[no_mangle]
#[inline(never)]
pub fn nopanic_codec(net: &mut GestureNet, out: &mut [u8; 512], foreign: &[u8]) -> Result<usize, codec::CodecError> {
    let n = codec::encode(net, out)?;
    let decoded = codec::decode(foreign)?;
    decoded.load_into(net)?;
    Ok(n)
}

/// The generic learner's 6-axis, 4-class, 60-example configuration: features per axis and
/// of the magnitude, [`GeneralNet`], learned scaling, holdout and early stopping.
const F6: usize = FeatureSet::GENERAL.len(6);
type Net6 = GeneralNet<F6, 4>;
type Model6 = Scaled<Net6, [f32; F6]>;
const WORK6: usize = work_len(<Net6 as Network>::PARAMS, Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/// Any feature set of a window of raw counts, and the quality check.
#[no_mangle]
#[inline(never)]
pub fn nopanic_generic_features(
    window: &[[i32; 6]; 32],
    scale: Scale,
    set: FeatureSet,
) -> Result<[f32; F6], WindowFault> {
    features::check(window, &Quality::rails(black_box(-4096), black_box(4094), 32))?;
    features::features(window, scale, set)
}

/// The gesture configuration of the generic features (3 axes, 32 samples, mean and std).
#[no_mangle]
#[inline(never)]
pub fn nopanic_generic_features_gesture(window: &[[i32; 3]; 32], scale: Scale) -> Result<[f32; 6], WindowFault> {
    features::features(window, scale, black_box(FeatureSet::GESTURE))
}

/// A recipe of the generic classifier whose every field the optimiser must treat as
/// unknown.
fn opaque_recipe() -> classifier::Recipe {
    classifier::Recipe {
        init_seed: black_box(1),
        epochs: black_box(2),
        config: opaque_config(),
        holdout: match black_box(0u8) {
            0 => Holdout::None,
            _ => Holdout::EveryKth(black_box(5)),
        },
        patience: black_box(3),
        scaling: match black_box(0u8) {
            0 => classifier::Scaling::Identity,
            _ => classifier::Scaling::Learned,
        },
    }
}

/// The generic classifier, 6 axes, 4 classes, 60 examples: learn (scaling, training with
/// early stopping), predict with a threshold, score.
#[no_mangle]
#[inline(never)]
pub fn nopanic_generic_learn(examples: &Examples<F6, 4, 60>, x: &[f32; F6]) -> Result<u32, LearnError> {
    let mut work = [0.0f32; WORK6];
    let mut scratch = [0.0f32; Model6::SCRATCH];
    let (model, _) = classifier::learn::<Net6, F6, 4, 60>(examples, &opaque_recipe(), &mut work, &mut scratch)?;
    let p = classifier::predict::<_, 4>(&model, x, black_box(0.6), &mut scratch)?;
    let c = classifier::score(&model, examples, &mut scratch)?;
    Ok(c.correct() + p.best as u32)
}

/// The replay building block on the 6-axis, 4-class configuration.
#[no_mangle]
#[inline(never)]
pub fn nopanic_replay(
    records: &[Record<6>],
    train: &mut Examples<F6, 4, 60>,
    test: &mut Examples<F6, 4, 60>,
) -> Result<f32, ReplayError> {
    let mut work = [0.0f32; WORK6];
    let mut scratch = [0.0f32; Model6::SCRATCH];
    let config = ReplayConfig {
        hop: black_box(16),
        window: black_box(32),
        recipe: opaque_recipe(),
        split: match black_box(0u8) {
            0 => Split::EveryKth(black_box(4)),
            1 => Split::Session(black_box(1)),
            _ => Split::SessionsFrom(black_box(1)),
        },
        ..ReplayConfig::general(black_box(Scale::MILLI_G_AS_G), 32, 16)
    };
    let (_, report) = replay::replay::<Net6, 6, 32, F6, 4, 60>(
        records.iter().copied(),
        &config,
        train,
        test,
        &mut work,
        &mut scratch,
    )?;
    Ok(report.accuracy())
}

/// An index the optimiser cannot prove in bounds: the build with this must not link.
#[cfg(feature = "prove-the-check")]
#[no_mangle]
#[inline(never)]
pub fn nopanic_deliberate_panic(values: &[f32; 4], i: usize) -> f32 {
    values[i]
}

#[entry]
fn main() -> ! {
    let mut xor: Xor = black_box(Xor::default());
    let mut gesture: GestureNet = black_box(Recipe::DEFAULT.initial_net());
    let mut scratch = [0.0f32; Xor::SCRATCH];
    let data: [([f32; 2], [f32; 1]); 4] =
        black_box([([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])]);
    let window: Window = black_box([[0, 0, 1000]; WINDOW]);
    let mut buffer = ExampleBuffer::<120>::new();
    for k in 0..black_box(30usize) {
        let label = Gesture::from_index(k % 3).unwrap_or(Gesture::Still);
        let _ = buffer.push(Example { features: nopanic_features(&window), label });
    }
    let mut record = [0u8; 512];
    let wide: [[i32; 6]; 32] = black_box([[0, 0, 1000, 1, 2, 3]; 32]);
    let narrow: [[i32; 3]; 32] = black_box([[0, 0, 1000]; 32]);
    let mut examples = Examples::<F6, 4, 60>::new();
    for k in 0..black_box(40usize) {
        let _ = examples.push(classifier::Labelled { features: [k as f32; F6], class: (k % 4) as u8 });
    }
    let records: [Record<6>; 64] = black_box([Record { class: 0, session: 0, sample: [1, 2, 3, 4, 5, 6] }; 64]);
    let mut replay_train = Examples::<F6, 4, 60>::new();
    let mut replay_test = Examples::<F6, 4, 60>::new();
    let foreign: [u8; 64] = black_box([0u8; 64]);
    loop {
        for (x, t) in &data {
            let _ = black_box(nopanic_sgd_step(&mut xor, x, t, &mut scratch));
            let _ = black_box(nopanic_forward_xor(&xor, x, &mut scratch));
        }
        let _ = black_box(nopanic_trainer_xor(&mut xor, &data));
        let x = nopanic_features(&window);
        let _ = black_box(nopanic_trainer_step_gesture(&mut gesture, &x, black_box(Gesture::Shake)));
        let _ = black_box(nopanic_sensor_train(&mut gesture, &buffer));
        let _ = black_box(nopanic_predict(&gesture, &x));
        let _ = black_box(nopanic_codec(&mut gesture, &mut record, foreign.get(..black_box(64)).unwrap_or(&foreign)));
        let _ =
            black_box(nopanic_generic_features(&wide, black_box(Scale::MILLI_G_AS_G), black_box(FeatureSet::GENERAL)));
        let _ = black_box(nopanic_generic_features_gesture(&narrow, black_box(Scale::MILLI_G_AS_G)));
        let _ = black_box(nopanic_generic_learn(&examples, &[0.5; F6]));
        let _ = black_box(nopanic_replay(&records, &mut replay_train, &mut replay_test));
        #[cfg(feature = "prove-the-check")]
        {
            let _ = black_box(nopanic_deliberate_panic(&black_box([1.0; 4]), black_box(7)));
        }
    }
}

#[cfg(not(feature = "find-panics"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "C" {
        /// Defined nowhere: referenced only if a panic is reachable.
        fn nn_core_panic_is_reachable() -> !;
    }
    // SAFETY: never runs; the link fails before any binary exists that could call it.
    unsafe { nn_core_panic_is_reachable() }
}

/// With `find-panics` the binary links and the panic paths can be inspected.
#[cfg(feature = "find-panics")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
