//! A training step fed arbitrary parameters, inputs and hyperparameters: no panic; on
//! success every parameter is finite; on `NonFinite` the parameters are bit for bit
//! what they were.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nn_core::data::Samples;
use nn_core::train::work_len;
use nn_core::{Activation, Biases, Error, LayerSpec, Loss, Mlp, Model, Optimizer, Schedule, TrainConfig, Trainer};

#[derive(Debug, Arbitrary)]
struct Case {
    widths: [u8; 3],
    depth: u8,
    activations: [u8; 2],
    loss: u8,
    optimizer: u8,
    lr: f32,
    momentum: f32,
    decay: f32,
    clip: f32,
    batch: u8,
    freeze: bool,
    values: Vec<f32>,
}

fuzz_target!(|case: Case| {
    let depth = 1 + usize::from(case.depth % 2);
    let width = |i: usize| 1 + usize::from(case.widths[i] % 4);
    let act = |i: usize| Activation::ALL[usize::from(case.activations[i]) % Activation::ALL.len()];
    let specs: Vec<LayerSpec> = (0..depth).map(|l| LayerSpec::new(width(l), width(l + 1), act(l))).collect();
    let count: usize = specs.iter().map(LayerSpec::params).sum();
    let mut values = case.values.iter().copied().cycle();
    if case.values.is_empty() {
        return;
    }
    let params: Vec<f32> = (&mut values).take(count).collect();
    let (inputs, outputs) = (specs[0].inputs, specs[depth - 1].outputs);
    let samples = 3;
    let xs: Vec<f32> = (&mut values).take(inputs * samples).collect();
    let ts: Vec<f32> = (&mut values).take(outputs * samples).collect();
    let Ok(mut net) = Mlp::new(specs, params) else { return };
    let Ok(data) = Samples::new(&xs, inputs, &ts, outputs) else { return };
    let loss = Loss::ALL[usize::from(case.loss) % Loss::ALL.len()];
    let optimizer = match case.optimizer % 6 {
        0 => Optimizer::Sgd,
        1 => Optimizer::Momentum { momentum: case.momentum },
        2 => Optimizer::Nesterov { momentum: case.momentum },
        3 => Optimizer::Adam { beta1: case.momentum, beta2: 0.999, epsilon: 1e-8 },
        4 => Optimizer::AdamW { beta1: case.momentum, beta2: 0.999, epsilon: 1e-8 },
        _ => Optimizer::RmsProp { alpha: case.momentum, epsilon: 1e-8 },
    };
    let config = TrainConfig {
        loss,
        optimizer,
        learning_rate: case.lr,
        schedule: Schedule::Constant,
        weight_decay: case.decay,
        clip_norm: case.clip,
        batch_size: usize::from(case.batch % 4),
        shuffle: true,
        biases: if case.freeze { Biases::Frozen } else { Biases::Train },
        seed: 1,
    };
    let mut work = vec![0.0f32; work_len(count, optimizer)];
    let Ok(mut trainer) = Trainer::new(config, &net, &mut work) else { return };
    let mut scratch = vec![0.0f32; net.scratch_len()];
    let mut order = vec![0u32; samples];
    for _ in 0..3 {
        let before: Vec<u32> = net.params().iter().map(|p| p.to_bits()).collect();
        let batch = [0u32, 1, 2];
        match trainer.step(&mut net, &data, &batch, &mut scratch) {
            Ok(_) => assert!(
                net.params().iter().all(|p| p.is_finite()) || before.iter().any(|b| !f32::from_bits(*b).is_finite())
            ),
            Err(Error::NonFinite) => {
                let after: Vec<u32> = net.params().iter().map(|p| p.to_bits()).collect();
                assert_eq!(before, after, "a refused step changed the parameters");
            }
            Err(_) => {}
        }
    }
    let _ = trainer.epoch(&mut net, &data, &mut order, &mut scratch);
});
