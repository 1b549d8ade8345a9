//! The training recipe: every hyperparameter that fixes a trained [`GestureNet`] bit for
//! bit ([`Recipe`]), and [`train`], which trains it on an [`ExampleBuffer`] with work
//! space on the stack.

use crate::classifier::{self, Holdout, LearnError, Scaling};
use nn_core::init::{Init, Rng};
use nn_core::train::{work_len, EpochReport};
use nn_core::{Biases, Error, Loss, Network, Optimizer, Schedule, TrainConfig};

use crate::buffer::ExampleBuffer;
use crate::gesture::GestureNet;

/// Everything besides the data that fixes a trained [`GestureNet`] bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Recipe {
    /// Seed of the Xavier initialisation.
    pub init_seed: u32,
    /// Passes over the buffer.
    pub epochs: u32,
    /// Loss, optimiser, rate, batch size, shuffling seed.
    pub config: TrainConfig,
}

/// The optimiser of [`Recipe::DEFAULT`], fixed so that [`WORK`] is a constant.
pub const OPTIMIZER: Optimizer = Optimizer::Momentum { momentum: 0.9 };

/// Floats of trainer work space [`train`] keeps on the stack.
pub const WORK: usize = work_len(<GestureNet as Network>::PARAMS, OPTIMIZER);

impl Recipe {
    /// Softmax cross-entropy, per-sample SGD with momentum 0.9, shuffled every epoch,
    /// learning rate 0.02 decaying as 1 / (1 + 0.01 · epoch), 150 epochs.
    pub const DEFAULT: Recipe = Recipe {
        init_seed: 1,
        epochs: 150,
        config: TrainConfig {
            loss: Loss::SoftmaxCe,
            optimizer: OPTIMIZER,
            learning_rate: 0.02,
            schedule: Schedule::InverseTime { decay: 0.01 },
            weight_decay: 0.0,
            clip_norm: 0.0,
            batch_size: 1,
            shuffle: true,
            biases: Biases::Train,
            seed: 2,
        },
    };

    /// The same recipe as the generic classifier's: no held-out part, no early
    /// stopping, no scaling (the gesture features are used as computed).
    pub const fn generic(&self) -> classifier::Recipe {
        classifier::Recipe {
            init_seed: self.init_seed,
            epochs: self.epochs,
            config: self.config,
            holdout: Holdout::None,
            patience: 0,
            scaling: Scaling::Identity,
        }
    }

    /// A freshly initialised network.
    pub fn initial_net(&self) -> GestureNet {
        let mut net = GestureNet::default();
        Init::Xavier.apply(&mut net, &mut Rng::new(self.init_seed));
        net
    }
}

/// Trains `net` on `data` for `recipe.epochs` epochs; `on_epoch(epoch, report)` runs
/// after each. Returns the last epoch's report. Work space (about
/// [`WORK`] + the buffer's capacity in `u32`s) lives on the stack.
pub fn train<const N: usize>(
    net: &mut GestureNet,
    data: &ExampleBuffer<N>,
    recipe: &Recipe,
    on_epoch: impl FnMut(u32, &EpochReport),
) -> Result<EpochReport, Error> {
    let needed = work_len(<GestureNet as Network>::PARAMS, recipe.config.optimizer);
    if needed > WORK {
        return Err(Error::BufferTooSmall { needed, found: WORK });
    }
    if data.is_empty() || recipe.epochs == 0 {
        return Err(Error::EmptyDataset);
    }
    let mut work = [0.0f32; WORK];
    let mut scratch = [0.0f32; <GestureNet as Network>::SCRATCH];
    let report = classifier::train::<_, _, N>(net, data, &recipe.generic(), &mut work, &mut scratch, on_epoch)
        .map_err(|e| match e {
            LearnError::Net(e) => e,
            // A class without examples: nn-core has no word for it; the gesture learner
            // never trains before every class has PER_CLASS_MIN examples.
            _ => Error::EmptyDataset,
        })?;
    Ok(report.last)
}
