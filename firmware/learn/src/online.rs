//! Online learning: one training step per window, on the window just read, with no
//! example buffer. This is what QEMU's `--long-run N` repeats N times to show that the
//! device can learn for as long as it runs: the accuracy holds, every parameter stays
//! finite, and the memory it needs (trainer work space, scratch, the network) is fixed
//! before the first step.
//!
//! The step is [`Recipe::DEFAULT`]'s (SGD with momentum 0.9, softmax cross-entropy,
//! learning rate 0.02 decaying as 1 / (1 + 0.01 · epoch)) through nn-core's [`Trainer`],
//! an epoch being [`EPOCH_WINDOWS`] windows, the buffer size the recipe was tuned on.
//! (At a constant 0.02 the held-out accuracy of single fresh examples swings between
//! 0.86 and 0.97 from one thousand steps to the next; with the schedule it settles.)
//!
//! The host's reference of a whole long run, with the simulated sensor, is
//! `sim::longrun` (feature `sim`).

use crate::buffer::{Example, ExampleBuffer};
use crate::gesture::{self, GestureNet, Score};
use crate::recipe::{Recipe, WORK};
use nn_core::train::work_len;
use nn_core::{Error, Model, Network, Trainer};

/// Windows that count as one epoch of the recipe's learning-rate schedule: the
/// learner's buffer, the size the recipe was tuned on.
pub const EPOCH_WINDOWS: u32 = crate::learner::BUFFER as u32;

/// One SGD step per example, in work space the caller owns (so it can live anywhere).
#[derive(Debug)]
pub struct Online<'w> {
    trainer: Trainer<'w>,
    recipe: Recipe,
    scratch: [f32; <GestureNet as Network>::SCRATCH],
    steps: u32,
}

impl<'w> Online<'w> {
    /// A learner for `net` with `recipe`'s training configuration; `work` holds the
    /// gradient and the optimiser's state (zeroed here).
    pub fn new(recipe: &Recipe, net: &GestureNet, work: &'w mut [f32; WORK]) -> Result<Self, Error> {
        let needed = work_len(<GestureNet as Network>::PARAMS, recipe.config.optimizer);
        if needed > WORK {
            return Err(Error::BufferTooSmall { needed, found: WORK });
        }
        let trainer = Trainer::new(recipe.config, net, work)?;
        Ok(Online { trainer, recipe: *recipe, scratch: [0.0; <GestureNet as Network>::SCRATCH], steps: 0 })
    }

    /// One update of `net` from `example`; returns the loss before the update. A step
    /// whose result would not be finite changes nothing and returns
    /// [`Error::NonFinite`] (nn-core's trainer checks before writing).
    pub fn step(&mut self, net: &mut GestureNet, example: &Example) -> Result<f32, Error> {
        if self.steps.is_multiple_of(EPOCH_WINDOWS) {
            let c = self.recipe.config;
            self.trainer.set_learning_rate(c.schedule.rate(c.learning_rate, self.steps / EPOCH_WINDOWS))?;
        }
        self.steps = self.steps.saturating_add(1);
        self.trainer.step(net, example, &[0], &mut self.scratch)
    }

    /// Steps taken (including refused ones).
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// The learning rate of the last step.
    pub fn learning_rate(&self) -> f32 {
        self.trainer.learning_rate()
    }
}

/// `net`'s held-out score on `examples`.
pub fn score<const N: usize>(net: &GestureNet, examples: &ExampleBuffer<N>) -> Result<Score, Error> {
    let mut score = Score::default();
    for e in examples.as_slice() {
        let (predicted, _) = gesture::predict(net, &e.features)?;
        score.record(e.label, predicted);
    }
    Ok(score)
}

/// True when every parameter of `net` is finite.
pub fn all_finite(net: &GestureNet) -> bool {
    (0..2 * net.depth()).all(|s| net.segment(s).iter().all(|p| p.is_finite()))
}
